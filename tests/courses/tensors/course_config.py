"""A second course for the tests: D2L zh 2.1 (tensors), graded by the same package.

tests/assignment/test_second_assignment.py copies this folder (with the repository's requirements.txt and
pyproject.toml, which the build reads to pin the grading image), builds it and grades its samples
on every route. Nothing in coursegrader/ knows this course: only this file and its master do.
"""

# --- The course and its assignments --------------------------------------------------------
COURSE_ID = "d2l-zh-tensors"
COURSE_TITLE = "动手学深度学习 2.1 数据操作 (D2L zh, tensors)"
ASSIGNMENTS = ["tensors"]  # source/tensors/tensors.ipynb

# --- Points policy ------------------------------------------------------------------------
SHOW_HIDDEN_RESULTS_AFTER_PUBLISH = True

# --- Seeds --------------------------------------------------------------------------------
GRADING_SEED = 7
SOLUTION_TORCH_SEED = 0

# --- Grading limits -----------------------------------------------------------------------
CELL_TIMEOUT_SECONDS = 30
CHECK_TIMEOUT_SECONDS = 30
SUBMISSION_TIMEOUT_SECONDS = 120
MEMORY_LIMIT_MB = 1024
PROCESS_LIMIT = 32
OUTPUT_LIMIT_MB = 8
DISK_LIMIT_MB = 64
GRADING_WORKERS = 2
# Only what this assignment uses: torch, its thread pool made single before any op exists at fork
# time (no torch.func here, so none of the first course's torch.func warm-ups).
FORK_SERVER_WARM_UP = """
import torch
torch.set_num_threads(1)
torch.arange(4, dtype=torch.float32).reshape(2, 2) + torch.ones(2)
"""

# --- The autograder image (Gradescope) ----------------------------------------------------
# The same pins as the repository's course_config.py: the build checks OTTER_VERSION and
# AUTOGRADER_REQUIREMENTS against requirements.txt.
PYTHON_VERSION = "3.11"
PYTHON_MINIMUM_VERSION = "3.11.5"
TORCH_VERSION = "2.13.0"
TORCH_CPU_INDEX_URL = "https://download.pytorch.org/whl/cpu"
TORCH_IMAGE_BUILD = "cpu"
UV_VERSION = "0.13.9"
OTTER_VERSION = "7.0.0"
AUTOGRADER_REQUIREMENTS = ["numpy==2.4.6"]

# --- nbgrader (JupyterHub) ----------------------------------------------------------------
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
    # nbgrader's Execute (the hidden tests in the student's kernel) replaced by coursegrader's engine
    c.Autograde.autograde_preprocessors = [
        "coursegrader.routes.nbgrader_autograde.GradeWithEngine" if step is _Execute else step
        for step in _Autograde.class_traits()["autograde_preprocessors"].default()]
    c.Execute.timeout = CELL_TIMEOUT_SECONDS
    c.Execute.interrupt_on_timeout = True
    # nbgrader's release must equal otter's student notebook (the build checks it)
    c.ClearSolutions.code_stub = {"python": "..."}
    c.ClearSolutions.text_stub = "_Type your answer here, replacing this text._"
    c.CourseDirectory.ignore.extend([".OTTER_LOG", "*_????_??_??T??_??_??_*.zip"])
    c.GenerateFeedback.preprocessors = [_GetGrades, _ClearHiddenTests, _CSSHTMLHeader]
