"""The online segment: units and items of a module, release rules, quizzes, completion and progress."""
