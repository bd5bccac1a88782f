"""One command from the master notebook to the student release, the autograder zip and the
executed solution notebook, and nbgrader's instructor notebook with the release nbgrader makes of it.

otter assign does the splitting (solutions and hidden tests out of the student notebook) and
checks the solution against every test, failing the build if any test fails. This module adds
what otter leaves out: course settings from course_config.py, question tags on answer cells,
reproducible bytes (stable cell ids, a zip with fixed dates), a solution notebook that is
executed and carries public tests only, and all-or-nothing writes.
"""

import contextlib
import io
import shutil
import time
from pathlib import Path
import tempfile

import nbformat

from coursegrader.core import autograder_zip, notebooks
from coursegrader.build import freshness, gradescope_image, master, nbgrader_release, nbgrader_source
from coursegrader.core.assignment import Question
from coursegrader.core.config import Course
from coursegrader.build.kernels import kernels_over_ipc
from coursegrader.build.solution import execute_seeded
from coursegrader.core.notebooks import source_of, tags_of
from coursegrader.core.tags import ANSWER_TAG, CHECK_CALL, IGNORE_TAG, SKIP_TAG
from coursegrader.engine.sandbox import Limits

EXPORT_CALL = "grader.export("


def tag_export_cells_skipped(nb: nbformat.NotebookNode) -> None:
    """Tag the export cell so no grader runs it: otter's export re-runs the whole notebook to
    validate the zip (twice the grading time) and writes a zip holding the cells as graded."""
    for cell in nb.cells:
        if cell.cell_type == "code" and EXPORT_CALL in source_of(cell):
            notebooks.add_tag(cell, SKIP_TAG)


class BuildError(Exception):
    """The assignment could not be built; nothing was written."""


def otter_settings(course: Course) -> dict:
    generate = {"seed": course.GRADING_SEED, "show_hidden": course.SHOW_HIDDEN_RESULTS_AFTER_PUBLISH, "pdf": False}
    if course.GRADESCOPE_COURSE_ID and course.GRADESCOPE_ASSIGNMENT_ID:
        generate.update(course_id=course.GRADESCOPE_COURSE_ID, assignment_id=course.GRADESCOPE_ASSIGNMENT_ID)
    return {"requirements": "requirements.txt", "python_version": str(course.PYTHON_VERSION), "generate": generate}


def autograder_requirements(course: Course) -> str:
    """otter's pins for the grading image (used by `otter run -a`; Gradescope's image is gradescope_image's):
    torch of the course's build, and the plotting stack."""
    build = f"+{course.TORCH_IMAGE_BUILD}" if course.TORCH_IMAGE_BUILD else ""
    index = [f"--extra-index-url {course.TORCH_CPU_INDEX_URL}"] if course.TORCH_IMAGE_BUILD == "cpu" else []
    lines = [*index, f"torch=={course.TORCH_VERSION}{build}", *course.AUTOGRADER_REQUIREMENTS]
    return "\n".join(lines) + "\n"


def lesson_cells(release: nbformat.NotebookNode) -> list[str]:
    """The release's code cells before its first answer cell (and before any check): what every
    submission that kept them runs the same way, so a batch runs them once (engine/engine.py)."""
    found = []
    for cell in release.cells:
        tags = tags_of(cell)
        if ANSWER_TAG in tags or (cell.cell_type == "code" and CHECK_CALL.match(source_of(cell).strip())):
            break
        if cell.cell_type == "code" and IGNORE_TAG not in tags:
            found.append(source_of(cell))
    return found


def manifest(assignment: str, questions: list[master.Question], limits: Limits, warm_up: str,
             lesson: list[str], inputs: dict[str, str], hidden_feedback: str = "after_published",
             first_use: tuple[str, list[str]] = ("", [])) -> dict:
    """What the grader reads besides otter's tests: questions, points, each question's hidden
    checks (verdicts are keyed by check, class analyses count by question), the limits per
    submission, the warm-ups (``first_use``: FIRST_USE_WARM_UP and FIRST_USE_WORDS), when students
    see the hidden tests' results (HIDDEN_FEEDBACK; Gradescope's image has no course_config.py),
    and a digest of each file the zip was built from (``grade``
    refuses a zip older than the master: freshness.py)."""
    return {
        "assignment": assignment,
        "questions": [Question(q.name, q.points, q.manual, tuple(q.hidden_test_names())).to_manifest()
                      for q in questions],
        "limits": limits.as_dict(),
        "warm_up": warm_up,
        "first_use": {"warm_up": first_use[0], "words": list(first_use[1])},
        "lesson": lesson,
        freshness.MANIFEST_KEY: inputs,
        "hidden_feedback": hidden_feedback,
    }


def release_notebook(student: nbformat.NotebookNode, prepared_master: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student notebook with every answer cell tagged with its question name.

    otter keeps the tags of code answer cells but writes fresh placeholder cells for written
    answers; answer cells correspond one to one, in order, to the master's solution cells.
    """
    nb = notebooks.normalized(student, "cell")
    solution_questions = [question for _, question in master.solution_cells(prepared_master)]
    answer_cells = [c for c in nb.cells if ANSWER_TAG in tags_of(c)]
    if len(answer_cells) != len(solution_questions):
        raise BuildError(
            f"otter made {len(answer_cells)} answer cells from {len(solution_questions)} solution cells; "
            "put every solution inside a BEGIN SOLUTION / END SOLUTION block of its question"
        )
    for cell, question in zip(answer_cells, solution_questions):
        notebooks.add_tag(cell, question)
    tag_export_cells_skipped(nb)
    return nb


def solution_notebook(autograder_nb: nbformat.NotebookNode, student: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """otter's autograder notebook without hidden tests, answer placeholders or a runnable export."""
    nb = nbformat.from_dict(autograder_nb)
    nb.metadata["otter"] = student.metadata["otter"]  # public tests only
    nb.cells = [c for c in nb.cells if not (c.cell_type == "markdown" and ANSWER_TAG in tags_of(c))]
    tag_export_cells_skipped(nb)
    return notebooks.normalized(nb, "cell")


def otter_test_files(zip_bytes: bytes, questions: list[master.Question]) -> dict[str, str]:
    """otter's test file source for each autograded question, as the autograder zip holds it."""
    tests = autograder_zip.read(zip_bytes).tests
    return {q.name: tests[autograder_zip.test_path(q.name)] for q in questions if not q.manual}


def nbgrader_notebooks(course: Course, assignment: str, otter_release: nbformat.NotebookNode,
                       questions: list[master.Question], zip_bytes: bytes,
                       support_files: dict[str, bytes]) -> tuple[nbformat.NotebookNode, bytes]:
    """(nbgrader's instructor notebook, the release nbgrader generates from it and ``support_files``
    (name -> bytes, the release's other files), as bytes)."""
    try:
        instructor = nbgrader_source.instructor_notebook(
            otter_release, {q.name: q.points for q in questions}, {q.name for q in questions if q.manual},
            otter_test_files(zip_bytes, questions))
        released = nbgrader_release.generate_release(course, assignment, instructor, support_files)
        nbgrader_release.check_same_cells(nbformat.reads(released.decode("utf-8"), as_version=4), otter_release)
    except (nbgrader_source.NbgraderSourceError, nbgrader_release.NbgraderReleaseError, KeyError) as error:
        raise BuildError(f"the nbgrader notebooks of {assignment} could not be made: {error}") from error
    return instructor, released


def _run_otter_assign(master_path: Path, dist: Path) -> None:
    """Run otter assign (it also grades the solution, in a kernel over IPC: any failing test raises)."""
    from otter.assign import main as otter_assign

    log = io.StringIO()
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log), kernels_over_ipc():
            otter_assign(str(master_path), str(dist), no_pdfs=True)
    except Exception as error:
        raise BuildError(
            f"otter assign failed on {master_path.name}: {type(error).__name__}: {error}\n"
            f"--- otter output ---\n{log.getvalue()[-4000:]}"
        ) from error


READABLE_BY_ALL, TRAVERSABLE_BY_ALL = 0o644, 0o755  # the release: students read it from a shared course folder


def write_folder(folder: Path, files: dict[str, bytes], readable_by_all: bool = False) -> None:
    """Make ``folder`` hold exactly ``files`` (name -> bytes): a file the build does not write is
    removed, so what running a notebook in place leaves (otter's .OTTER_LOG, its export zips,
    a stale support file) is never committed as if the build had made it.

    Files are written owner-only (0600) unless ``readable_by_all``: then the files are 0644 and
    the folder and its parent 0755, whatever the umask (a course folder copied to a shared hub
    must let students read the release; solutions and hidden tests stay the owner's)."""
    for name, data in sorted(files.items()):
        notebooks.write_bytes_atomic(data, folder / name)
        if readable_by_all:
            (folder / name).chmod(READABLE_BY_ALL)
    for path in sorted(folder.iterdir()):
        if path.name not in files and (path.is_file() or path.is_symlink()):
            path.unlink()
    if readable_by_all:
        for level in (folder.parent, folder):
            level.chmod(TRAVERSABLE_BY_ALL)


def build_assignment(course: Course, assignment: str, out_root: Path | None = None, progress=print) -> None:
    """Build ``assignment`` into ``out_root`` (the course root by default)."""
    started = time.monotonic()
    out = course.at(out_root or course.root)
    master_path = course.master(assignment)
    try:
        inputs = freshness.built_from(course, assignment)  # before reading: an edit during the build shows as stale
        master_nb = notebooks.read(master_path)
        questions = master.questions(master_nb)
        prepared = master.prepared_for_otter(master_nb, assignment, otter_settings(course))
    except (master.MasterError, ValueError, OSError) as error:
        raise BuildError(f"{master_path}: {error}") from error

    with tempfile.TemporaryDirectory(prefix="coursegrader-build-") as scratch:
        work, dist = Path(scratch) / "master", Path(scratch) / "dist"
        work.mkdir()
        for support in freshness.support_files(master_path.parent):
            shutil.copy(support, work / support.name)
        (work / "requirements.txt").write_text(autograder_requirements(course))
        prepared_path = work / f"{assignment}.ipynb"
        nbformat.write(prepared, str(prepared_path))

        progress(f"[build {assignment}] otter assign: splitting the master and checking the solution against all tests ...")
        _run_otter_assign(prepared_path, dist)
        student = notebooks.read(dist / "student" / f"{assignment}.ipynb")
        autograder_nb = notebooks.read(dist / "autograder" / f"{assignment}.ipynb")
        (otter_zip,) = (dist / "autograder").glob("*.zip")
        release = release_notebook(student, prepared)
        # the files the master's config lists (`files:`), as otter placed them beside the student notebook
        release_files = {p.name: p.read_bytes() for p in freshness.support_files(dist / "student")}
        try:
            image = gradescope_image.image_files(course)
        except (gradescope_image.ImageError, OSError, KeyError) as error:
            raise BuildError(f"the Gradescope image of {assignment} could not be described: {error}") from error
        grading = manifest(assignment, questions, Limits.from_course(course), course.FORK_SERVER_WARM_UP,
                           lesson_cells(release), inputs, course.HIDDEN_FEEDBACK,
                           (course.FIRST_USE_WARM_UP, course.FIRST_USE_WORDS))
        zip_bytes = autograder_zip.repack(otter_zip, grading, image)

    progress(f"[build {assignment}] nbgrader generate_assignment: the release from nbgrader's instructor notebook ...")
    instructor, release_bytes = nbgrader_notebooks(course, assignment, release, questions, zip_bytes, release_files)

    progress(f"[build {assignment}] executing the solution notebook in a fresh kernel ...")
    try:
        solution = execute_seeded(solution_notebook(autograder_nb, student), f"{assignment}.ipynb",
                                  seed=course.SOLUTION_TORCH_SEED, timeout=course.CELL_TIMEOUT_SECONDS,
                                  support_files=release_files)
    except Exception as error:  # nbclient reports the failing cell and its traceback
        raise BuildError(f"the solution notebook of {assignment} failed to run: {error}") from error

    write_folder(out.release(assignment).parent, {out.release(assignment).name: release_bytes, **release_files},
                 readable_by_all=True)
    # the release's other files beside the instructor notebook too: `nbgrader generate_assignment`
    # makes release/<assignment>/ anew from this folder, and must leave it complete
    write_folder(out.nbgrader_source(assignment).parent,
                 {out.nbgrader_source(assignment).name: notebooks.notebook_bytes(instructor), **release_files})
    write_folder(out.solution(assignment).parent, {out.solution(assignment).name: notebooks.notebook_bytes(solution)})
    notebooks.write_bytes_atomic(zip_bytes, out.autograder(assignment))
    progress(f"[build {assignment}] done in {time.monotonic() - started:.1f} s")
