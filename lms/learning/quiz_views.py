"""Quizzes: question authoring, taking a quiz, automatic grading."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__)
