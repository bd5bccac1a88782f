"""The one configuration of this course.

Every tool reads its settings from here (``coursegrader`` for building and grading); nothing
else repeats these values. Paths are relative to this file's folder.
"""

# --- The course and its assignments --------------------------------------------------------
COURSE_ID = "d2l-zh-autograd"
COURSE_TITLE = "动手学深度学习 2.5 自动微分 (D2L zh, automatic differentiation)"
ASSIGNMENTS = ["autograd"]  # each has source/<name>/<name>.ipynb as its master notebook

# Gradescope ids, for instructors who upload through otter's Gradescope integration.
GRADESCOPE_COURSE_ID = None
GRADESCOPE_ASSIGNMENT_ID = None

# --- Points policy ------------------------------------------------------------------------
# Points per question live beside each question in the master notebook. Public tests are worth
# 0 points there: the score comes from hidden tests on inputs the student never saw.
# After grades are published, students see the hidden tests' results (their feedback messages,
# never the test source).
SHOW_HIDDEN_RESULTS_AFTER_PUBLISH = True

# --- Seeds --------------------------------------------------------------------------------
# otter's intercell seed (seeds `random` and NumPy in graded notebooks, not torch).
GRADING_SEED = 42
# torch seed used when the build executes the solution notebook, so its outputs are reproducible.
SOLUTION_TORCH_SEED = 0

# --- Grading limits -----------------------------------------------------------------------
# Each submission runs in a fresh sandboxed process with these limits (README: threat model).
CELL_TIMEOUT_SECONDS = 60  # a longer cell is interrupted and grading goes on with the next cell
CHECK_TIMEOUT_SECONDS = 60  # time for one hidden test to exercise a submission's answer
SUBMISSION_TIMEOUT_SECONDS = 300  # a submission still running after this is stopped
MEMORY_LIMIT_MB = 1024  # memory a submission may allocate on top of the preloaded libraries
PROCESS_LIMIT = 32  # processes and threads a submission may run at once
OUTPUT_LIMIT_MB = 16  # largest file (printed output included) a submission may write
GRADING_WORKERS = 2  # submissions graded at once on this machine

# --- The autograder image (Gradescope) ----------------------------------------------------
PYTHON_VERSION = "3.11"
TORCH_VERSION = "2.13.0"
TORCH_CPU_INDEX_URL = "https://download.pytorch.org/whl/cpu"
OTTER_VERSION = "7.0.0"
AUTOGRADER_REQUIREMENTS = [
    "numpy==2.4.6",
    "matplotlib==3.11.2",
]
