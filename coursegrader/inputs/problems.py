"""Why a submission cannot be graded: one fixed message per reason, for the grades table.

A message says what is wrong and what to do, in Chinese with a short English gloss. It never
repeats anything the submission chose (a file or member name, a size, a position in its JSON,
an exception's text): such text could carry data out of the grader or forge a row. The caps a
message names are the grader's own; the texts are in messages.py.
"""

from coursegrader.core import messages

MiB = 2**20
MAX_FILE_BYTES = 200 * MiB  # a notebook or zip file, and the notebook inside a zip
MAX_CODE_BYTES = 2 * MiB  # all code cells of a notebook together
MAX_CODE_CELLS = 1000
# written answers (markdown answer cells), kept for the class analyses only: past these the text is
# cut off, never a reason to refuse a notebook (grading does not read them)
MAX_WRITTEN_CHARS = 200_000  # all of a notebook's written answers together
MAX_WRITTEN_CELLS = 100

_CAPS = {"file_mb": MAX_FILE_BYTES // MiB, "code_mb": MAX_CODE_BYTES // MiB, "code_cells": MAX_CODE_CELLS}
MESSAGES = {reason: f"{zh} / {en}".format(**_CAPS) for reason, (zh, en) in messages.SUBMISSION_PROBLEMS.items()}


class SubmissionError(Exception):
    """A submission that cannot be graded; ``reason`` is a key of MESSAGES, the message its text."""

    def __init__(self, reason: str):
        super().__init__(MESSAGES[reason])
        self.reason = reason
