"""Cell tags and the check call, the one place each is named (standard library only: the
notebook reader's child process imports this)."""

import re

ANSWER_TAG = "otter_answer_cell"  # otter tags each answer cell with this (the build adds the question's name)
IGNORE_TAG = "otter_ignore"  # otter skips these cells when grading (the export cell)
SKIP_TAG = "skip-execution"  # nbclient (nbgrader's autograde, the build) skips these; students' Jupyter does not

# A cell that is exactly one question's check, as otter writes it (nbgrader's test cells are these)
CHECK_CALL = re.compile(r'^grader\.check\("(\w+)"\)$')
