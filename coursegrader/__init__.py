"""Build and grade otter-grader assignments for this course, without Docker."""
