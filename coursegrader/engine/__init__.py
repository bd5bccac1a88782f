"""Grading one submission: the warm fork server, the sandboxed process and its walls, the hidden tests, judging."""
