"""Cell tags, the one place each is named (standard library only: the notebook reader's child
process imports this)."""

ANSWER_TAG = "otter_answer_cell"  # otter tags each answer cell with this (the build adds the question's name)
IGNORE_TAG = "otter_ignore"  # otter skips these cells when grading (the export cell)
SKIP_TAG = "skip-execution"  # nbclient (nbgrader's autograde, the build) skips these; students' Jupyter does not
