"""The pages people open in a browser: each submission's ``feedback.html`` and the class's
``report.html`` (report.py), with the report's sections, all from the Jinja2 templates in
``templates/`` (``*.html.j2``).

What a page shows of a submission or of a results.json is untrusted text. The templates escape
everything (autoescape on: only ``Markup`` made here or by a template passes unescaped);
Markdown, which the results' boxes are written in, goes through markdown-it-py (CommonMark) with
raw HTML off, images off and links only to http, https and mailto; and every page carries a
Content-Security-Policy without any script source, so the browser would run no script even if
some text slipped through. ✓ and ✗ are drawn by the page's CSS (``mark``), not taken from a
font: an emoji font may be missing, a drawn mark never is. Texts come from the catalog,
``messages.PAGE``, as every text a person reads.

Jinja2 and markdown-it-py are imported when a page is made, never by grading.
"""

import functools
import math
from pathlib import Path

from coursegrader.core import messages

TEMPLATES = Path(__file__).resolve().parent / "templates"
LINK_SCHEMES = ("http:", "https:", "mailto:")
EMOJI_MARKS = {"✅": "pass", "❌": "fail"}  # what Gradescope's markdown writes, drawn here instead
MARK_TEXT = {"pass": messages.PASSED, "fail": messages.FAILED, "partial": messages.PAGE["partial"],
             "none": messages.UNCHECKED}


@functools.lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["markdown"] = markdown
    env.filters["points"] = points
    env.filters["percent"] = lambda share: "–" if share is None else f"{share:.0%}"
    env.globals.update(mark=mark, text=messages.PAGE, status_lines=messages.STATUS_LINES)
    return env


def render(template: str, **context) -> str:
    """A template of ``templates/`` filled in, as Markup (a page, or a section of the report)."""
    from markupsafe import Markup

    return Markup(environment().get_template(template).render(**context))


def trusted(html: str) -> str:
    """HTML this package made (a section rendered from a template) as Markup, so that a page
    built of sections does not escape them again."""
    from markupsafe import Markup

    return Markup(html)


def mark(kind: str) -> str:
    """A drawn ✓ (pass), ✗ (fail), half-filled disc (partial) or ring (none), with its meaning as
    text for screen readers, copying, and a page read without its CSS."""
    from markupsafe import Markup, escape

    kind = kind if kind in MARK_TEXT else "none"
    return Markup(f'<span class="mark {kind}"><span class="sr">{escape(MARK_TEXT[kind])}</span></span>')


def points(value) -> str:
    """A score as people write it (``1.5``, ``24``); ``?`` for anything that is not a number."""
    number = _number(value)
    return "?" if number is None else f"{number:g}"


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


# --- Markdown ---------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _markdown_parser():
    from markdown_it import MarkdownIt
    from markdown_it.common.utils import escapeHtml

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable("image")
    parser.validateLink = lambda url: url.strip().lower().startswith(LINK_SCHEMES)

    def text(renderer, tokens, index, options, env):
        shown = escapeHtml(tokens[index].content)
        for emoji, kind in EMOJI_MARKS.items():
            shown = shown.replace(emoji, str(mark(kind)))
        return shown

    def link_open(renderer, tokens, index, options, env):
        tokens[index].attrSet("rel", "nofollow noopener noreferrer")
        return renderer.renderToken(tokens, index, options, env)

    parser.add_render_rule("text", text)
    parser.add_render_rule("link_open", link_open)
    return parser


def markdown(source) -> str:
    """Markdown (Gradescope's ``output_format: md``) as HTML that carries no markup of its own:
    raw HTML shows as text, code blocks as code, ✅/❌ as drawn marks."""
    return _rendered(str(source))


@functools.lru_cache(maxsize=4096)
def _rendered(text: str) -> str:
    """A class's feedback is a few hundred distinct messages told a thousand times: each is rendered once."""
    from markupsafe import Markup

    return Markup(_markdown_parser().render(text))


# --- feedback.html -----------------------------------------------------------------------

def feedback_html(submission: str, results: dict) -> str:
    """The page a student is handed: what the results.json Gradescope reads says, as a page.

    The status line (results' ``output``) is shown once at the top; a question whose checks did
    not run (the submission stopped earlier, or could not be read) is listed once with the others
    like it, never with the reason repeated under each. Boxes hidden from students
    (``visibility: hidden``) are left out and counted."""
    return render("feedback.html.j2", **feedback_context(submission, results if isinstance(results, dict) else {}))


def feedback_context(submission: str, results: dict) -> dict:
    tests = [t for t in results.get("tests", []) if isinstance(t, dict)] if isinstance(results.get("tests"), list) else []
    extra = results.get("extra_data") if isinstance(results.get("extra_data"), dict) else {}
    boxes, not_run, withheld = [], [], 0
    for test in tests:
        name, score, possible = str(test.get("name", "")), _number(test.get("score")), _number(test.get("max_score"))
        if test.get("visibility") == "hidden":
            withheld += 1
            continue
        if name == messages.AUTOGRADER_BOX and not possible:
            continue  # it carries only the status line, which the page's top shows
        data = test.get("extra_data") if isinstance(test.get("extra_data"), dict) else {}
        failed, passed = data.get("failed"), data.get("passed")
        box = {"name": messages.PAGE["public_box"] if name == "Public Tests" else name, "score": score,
               "possible": possible, "mark": _box_mark(score, possible), "items": [], "body": None}
        if isinstance(failed, list) and isinstance(passed, list):
            judged = [f for f in failed if isinstance(f, dict) and f.get("misconception") != messages.NOT_CHECKED_ID]
            if len(judged) < len(failed) and not judged and not passed:
                not_run.append(box)  # nothing of this question was judged: listed once, below
                continue
            box["items"] = [("fail", markdown(f.get("message", ""))) for f in judged]
            if box["items"] or len(judged) < len(failed):  # all passed: the box's mark says so
                box["items"] += [("pass", messages.PASSED) for check in passed if isinstance(check, str)]
            if len(judged) < len(failed):
                box["items"].append(("none", messages.PAGE["checks_not_run"]))
        else:
            box["body"] = markdown(test.get("output", ""))
        boxes.append(box)
    status = extra.get("status") if extra.get("status") in messages.STATUS_LINES else None
    scored = [box for box in boxes + not_run if box["possible"]]
    return {"submission": submission, "score": _number(results.get("score")),
            "possible": sum(box["possible"] for box in scored) if scored else None,
            "status": status, "output": str(results.get("output", "")),
            "public": [box for box in boxes if not box["possible"]], "questions": [box for box in boxes if box["possible"]],
            "not_run": not_run,
            "nothing_judged": bool(not_run) and not any(box["possible"] for box in boxes), "withheld": withheld}


def _box_mark(score: float | None, possible: float | None) -> str | None:
    if not possible or score is None:
        return None
    return "pass" if score >= possible else "fail" if score <= 0 else "partial"
