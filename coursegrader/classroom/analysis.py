"""What a graded batch says about the class, beside who got what.

``ClassWork`` is everything the analyses read: the results (from a local batch, a Dask batch or
a folder of Gradescope results.json, all as ``Graded``), each submission's answer cells, and the
release notebook's answer cells (the template every student started from). Each analysis
module writes its own files into the output folder and returns a section of ``report.html``.
"""

import html
import sys
from dataclasses import dataclass, field
from pathlib import Path

from coursegrader.core.assignment import Question
from coursegrader.core import messages
from coursegrader.core.results import Graded
from coursegrader.inputs.submissions import Notebook, Submission, read_submission


@dataclass
class ClassWork:
    questions: list[Question]  # the autograder manifest's questions
    graded: list[Graded]
    answers: dict[str, dict[str, str]] = field(default_factory=dict)  # submission -> question -> answer cell's text (code or written)
    template: dict[str, str] = field(default_factory=dict)  # question -> the release notebook's answer cell
    plot_settings: Path | None = None  # the release's matplotlibrc (a Chinese-capable font) for the report's charts


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
    return work


def sections(work: ClassWork, out: Path) -> list[str]:
    """The report's sections about the class, each analysis writing its files into ``out``.

    An analysis that fails (a bug, or answers no one foresaw) costs only its own section: the
    grades, the rest of the report and the other analyses are still written."""
    from coursegrader.classroom import misconceptions, similarity

    found = []
    for analysis in (misconceptions, similarity):
        try:
            found.append(analysis.section(work, out))
        except Exception as error:  # noqa: BLE001 - one analysis must not cost the report
            name = analysis.__name__.rsplit(".", 1)[-1]
            print(f"warning: the {name} analysis failed ({type(error).__name__}); "
                  "report.html is written without it", file=sys.stderr)
            found.append(f"<h2>{html.escape(name)}</h2><p>{html.escape(messages.ANALYSIS_FAILED)}</p>")
    return found
