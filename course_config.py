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
# When they see them (Gradescope, and each results.json): "after_published" (default: when you
# publish grades) or "immediate" (as soon as a submission is graded). "immediate" lets students
# read which misconception a hidden test found and resubmit before the deadline: feedback while
# it helps, but also probing the hidden tests by resubmitting (a message names the mistake, never
# the inputs or code). Carried to Gradescope inside the autograder zip (docs/gradescope.md).
HIDDEN_FEEDBACK = "after_published"

# --- Seeds --------------------------------------------------------------------------------
# otter's intercell seed (seeds `random` and NumPy in graded notebooks, not torch).
GRADING_SEED = 42
# torch seed used when the build executes the solution notebook, so its outputs are reproducible.
SOLUTION_TORCH_SEED = 0

# --- Grading limits -----------------------------------------------------------------------
# Each submission runs in a fresh sandboxed process with these limits (docs/threat-model.md).
CELL_TIMEOUT_SECONDS = 60  # a longer cell is interrupted and grading goes on with the next cell
CHECK_TIMEOUT_SECONDS = 60  # time for one hidden test to exercise a submission's answer
SUBMISSION_TIMEOUT_SECONDS = 300  # a submission still running after this is stopped
# memory a submission may allocate on top of the preloaded libraries; Gradescope's default
# container (768 MB) holds a whole run whose submission uses all of it, so that a notebook gets the
# same row there as on every other route (tests/routes/test_gradescope_memory.py)
MEMORY_LIMIT_MB = 384
PROCESS_LIMIT = 32  # processes and threads a submission may run at once
OUTPUT_LIMIT_MB = 16  # largest file (printed output included) a submission may write
DISK_LIMIT_MB = 128  # all the files a submission may write in its folder together (a tmpfs: RAM, where mounted)
# Submissions graded at once on this machine (2 cores): one more than its cores, since each
# submission's process waits while the grader judges (a class of 120, alternated: 3 workers 4%
# faster than 2, docs/performance.md).
GRADING_WORKERS = 3
# Run once by the warm process every submission is forked from, before any submission: what each
# would otherwise pay for itself (torch's thread pool made single before any op exists at fork time).
FORK_SERVER_WARM_UP = """
import torch
torch.set_num_threads(1)
"""
# One-time set-up of what an answer may use, which must never count against a student's time:
# torch.func's first-call set-up (1.5-4 s), which e1a's answers may use. Run before a submission's
# process is forked only if that submission's code names one of FIRST_USE_WORDS (as a whole word):
# in a batch, once, in a warm process of its own for those submissions.
FIRST_USE_WARM_UP = """
import torch
x = torch.linspace(-1, 1, 3, dtype=torch.float64)
torch.func.vmap(torch.func.grad(torch.func.grad(torch.sin)))(x)
torch.func.jacrev(torch.sin)(x), torch.func.jacfwd(torch.sin)(x), torch.func.hessian(torch.sin)(x[0])
torch.autograd.functional.hessian(lambda t: t.sin().sum(), x)
"""
FIRST_USE_WORDS = ["func", "functorch", "vmap", "jacrev", "jacfwd", "hessian", "jacobian", "jvp", "vjp", "hvp", "vhp",
                   "vectorize", "is_grads_batched", "forward_ad", "functional_call", "linearize"]

# --- The autograder image (Gradescope) ----------------------------------------------------
PYTHON_VERSION = "3.11"
# The oldest release of it the pinned packages install on (soupsieve 4.1.2 needs 3.11.5); the
# repository's setup.sh refuses an older Python; the autograder's setup.sh takes Python from the
# deadsnakes archive when the image's is older, and from uv (a standalone CPython build) when
# that archive fails.
PYTHON_MINIMUM_VERSION = "3.11.5"
UV_VERSION = "0.13.9"  # from PyPI, only when the deadsnakes archive fails
TORCH_VERSION = "2.13.0"
TORCH_CPU_INDEX_URL = "https://download.pytorch.org/whl/cpu"
TORCH_IMAGE_BUILD = "cpu"  # the torch build otter's own requirements name (torch==VERSION+cpu); "" for the default
OTTER_VERSION = "7.0.0"
AUTOGRADER_REQUIREMENTS = [
    "numpy==2.4.6",
    "matplotlib==3.11.2",
]

# --- nbgrader (JupyterHub) ----------------------------------------------------------------
# nbgrader reads this same file as its configuration (see the README for the commands).
# nbgrader's instructor notebooks: built from the masters by `python -m coursegrader build`.
# They hold the hidden tests, so they live beside the autograder zip, never under release/.
NBGRADER_SOURCE_DIRECTORY = "autograder/nbgrader"

if "get_config" in globals():  # only when nbgrader (traitlets) loads this file
    import os as _os

    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor as _CSSHTMLHeader
    from nbgrader.converters import Autograde as _Autograde
    from nbgrader.preprocessors import ClearHiddenTests as _ClearHiddenTests
    from nbgrader.preprocessors import Execute as _Execute
    from nbgrader.preprocessors import GetGrades as _GetGrades

    c = get_config()  # noqa: F821 (provided by traitlets)
    c.CourseDirectory.root = _os.path.dirname(_os.path.abspath(__file__))
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = NBGRADER_SOURCE_DIRECTORY
    # `nbgrader autograde` grades with coursegrader's engine, as `python -m coursegrader grade` does
    # (the grading limits above apply): only nbgrader's Execute, which would run the hidden tests in
    # the student's kernel, is replaced. Named as a string, it is imported by autograde alone, so the
    # other nbgrader commands run without coursegrader installed.
    c.Autograde.autograde_preprocessors = [
        "coursegrader.routes.nbgrader_autograde.GradeWithEngine" if step is _Execute else step
        for step in _Autograde.class_traits()["autograde_preprocessors"].default()]
    # For a stock Execute (the line above removed): a cell running longer is interrupted and the
    # notebook goes on with the next cell.
    c.Execute.timeout = CELL_TIMEOUT_SECONDS
    c.Execute.interrupt_on_timeout = True
    # nbgrader writes these back where the instructor notebook has solution regions, so its
    # release equals otter's student notebook (`...` in code, otter's placeholder in prose).
    c.ClearSolutions.code_stub = {"python": "..."}
    c.ClearSolutions.text_stub = "_Type your answer here, replacing this text._"
    # Feedback shows each test's verdict but never the hidden tests' code. otter's files beside a
    # notebook are not copied along: an export zip made while grading would hold that code.
    c.CourseDirectory.ignore.extend([".OTTER_LOG", "*_????_??_??T??_??_??_*.zip"])  # added to the defaults
    c.GenerateFeedback.preprocessors = [_GetGrades, _ClearHiddenTests, _CSSHTMLHeader]
