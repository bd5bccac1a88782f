"""What a graded batch says about the class, beside who got what.

``ClassWork`` is everything the analyses read: the results (from a local batch, a Dask batch or
a folder of Gradescope results.json, all as ``Graded``), each submission's answer cells, and the
release notebook's answer cells (the template every student started from). Each analysis
module writes its own files into the output folder and returns a section of ``report.html``.
"""

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from coursegrader.core.assignment import Question
from coursegrader.core import messages
from coursegrader.core.notebooks import source_of
from coursegrader.core.results import Graded
from coursegrader.core.statuses import Status
from coursegrader.inputs.submissions import Notebook, Submission, read_submission


IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def counted(graded: list[Graded]) -> list[Graded]:
    """The submissions every figure of the report counts (the one rule, stated on the page as
    messages.REPORT_RULE): those whose answers were judged (``Status.judged``: not invalid,
    duplicate or error)."""
    return [g for g in graded if Status(g.status).judged]


@dataclass
class ClassWork:
    questions: list[Question]  # the autograder manifest's questions
    graded: list[Graded]
    answers: dict[str, dict[str, str]] = field(default_factory=dict)  # submission -> question -> answer cell's text (code or written)
    template: dict[str, str] = field(default_factory=dict)  # question -> the release notebook's answer cell
    plot_settings: Path | None = None  # the release's matplotlibrc (a Chinese-capable font) for the report's charts
    vocabulary: frozenset = frozenset()  # every ASCII identifier of the release notebook (names students did not choose)

    def untouched(self, submission: str, question: str) -> bool:
        """The submission's answer cell for ``question`` is the template as released: not
        attempted (a cell that could not be found or read is not called untouched)."""
        if question not in self.template:
            return False
        answer = self.answers.get(submission, {}).get(question)
        return answer is not None and answer.split() == self.template[question].split()

    def attempted(self, question: str) -> list[Graded]:
        """The counted submissions that attempted ``question`` (its denominator everywhere)."""
        return [g for g in counted(self.graded) if not self.untouched(g.submission, question)]


def answers_of(notebook: Notebook, questions: list[Question]) -> dict[str, str]:
    """Each question's answer cell text (code cells, then written answers), by otter's tags;
    cells of one question are joined in notebook order."""
    names = {q.name for q in questions}
    cells = [(c.tags, c.source) for c in notebook.code_cells] + [(c.tags, c.text) for c in notebook.written]
    found: dict[str, list[str]] = {}
    for tags, text in cells:
        for tag in tags:
            if tag in names:
                found.setdefault(tag, []).append(text)
    return {name: "\n".join(sources) for name, sources in found.items()}


def class_work(questions: list[Question], graded: list[Graded], submissions: list[Submission], release: Path) -> ClassWork:
    """The batch's ClassWork; a submission that cannot be read has no answers (its row says why)."""
    settings = release.parent / "matplotlibrc"
    work = ClassWork(questions, graded, plot_settings=settings if settings.is_file() else None)
    by_id = {s.id: s for s in submissions if not s.duplicate}
    for g in graded:
        if g.submission in by_id:
            try:
                work.answers[g.submission] = answers_of(read_submission(by_id[g.submission]), questions)
            except Exception:  # noqa: BLE001 - an unreadable file (its row says why) only has no answers here
                pass
    try:
        work.template = answers_of(read_submission(Submission("release", release)), questions)
    except Exception:  # noqa: BLE001 - without the template nothing is removed as shared
        pass
    work.vocabulary = release_vocabulary(release)
    return work


def release_vocabulary(release: Path) -> frozenset:
    """Every ASCII identifier in the release notebook's cells, prose included: the names the
    assignment gave (``a_vec``, ``control_flow_grad``), which an anonymised example keeps."""
    try:
        # the build's own v4 file, read as JSON: nbformat's validation imports jsonschema (half a
        # second of a grading command's end)
        cells = json.loads(release.read_bytes())["cells"]
        return frozenset(word for cell in cells for word in IDENTIFIER.findall(source_of(cell)))
    except Exception:  # noqa: BLE001 - without it an example keeps fewer names, nothing worse
        return frozenset()


def sections(work: ClassWork, out: Path) -> list[str]:
    """The report's sections about the class, each analysis writing its files into ``out``.

    An analysis that fails (a bug, or answers no one foresaw) costs only its own section: the
    grades, the rest of the report and the other analyses are still written."""
    from coursegrader.classroom import misconceptions, pages, similarity

    found = []
    for analysis in (misconceptions, similarity):
        try:
            found.append(analysis.section(work, out))
        except Exception as error:  # noqa: BLE001 - one analysis must not cost the report
            name = analysis.__name__.rsplit(".", 1)[-1]
            print(f"warning: the {name} analysis failed ({type(error).__name__}); "
                  "report.html is written without it", file=sys.stderr)
            found.append(pages.render("analysis-failed.html.j2", name=name, message=messages.ANALYSIS_FAILED))
    return found
