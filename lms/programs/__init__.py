"""The hybrid program model: organisations, programs, tracks, fields, modules, groups."""
