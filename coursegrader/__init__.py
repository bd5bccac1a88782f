"""Build and grade otter-grader assignments for this course, without Docker."""

__version__ = "0.1.0"  # pyproject.toml reads it from here
