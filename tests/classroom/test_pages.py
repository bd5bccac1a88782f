"""feedback.html and report.html as pages (coursegrader/classroom/pages.py, report.py and their
templates), without a browser: real HTML from Markdown (no raw Markdown in a <pre>), ✓/✗ drawn by
the page, nothing a submission or a results.json wrote able to run as script, a message about
the whole submission shown once, hidden boxes left out; the report's one counting rule, stated
once, followed by every section, not-attempted kept apart, headings in Chinese and English.
The same pages in a real browser, at a desktop and a phone width: test_pages_browser.py."""

import html
import json
import re
import textwrap
from html.parser import HTMLParser

import pytest

from coursegrader.classroom import pages
from coursegrader.classroom.analysis import ClassWork
from coursegrader.classroom.report import write_report
from coursegrader.core import messages
from coursegrader.core.results import Graded, Verdict
from coursegrader.engine.checks import hidden_checks, standalone
from coursegrader.core.assignment import Question
from coursegrader.engine.assignment import Assignment, LoadedCheck
from helpers import PASSING_CHECK

HOSTILE = ("<script>window.pwned = 1</script> <img src=x onerror=\"window.pwned = 2\"> "
           "[click](javascript:window.pwned=3) [also](JaVaScRiPt:window.pwned=4) ![i](https://example.com/x.png) "
           "<a href=\"javascript:window.pwned=5\">raw</a> <svg onload=\"window.pwned=6\"></svg> "
           "<iframe src=\"data:text/html,<script>parent.pwned=7</script>\"></iframe>")
QUESTIONS = [Question(name, 1, False, (f"test_{name}",)) for name in ("q1", "q2", "q3")]


def assignment(hidden_feedback: str = "after_published", show_hidden: bool = True) -> Assignment:
    checks = []
    for q in QUESTIONS:
        for check in hidden_checks(textwrap.dedent(PASSING_CHECK.format(name=q.name, points=1)), f"tests/{q.name}.py"):
            checks.append(LoadedCheck(check, q.name, standalone(check.judge_source), {}))
    return Assignment(QUESTIONS, checks, {}, None, show_hidden, "autograd.ipynb", {}, hidden_feedback=hidden_feedback)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text outside tags."""

    def __init__(self, page: str):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def assert_inert(page: str) -> None:
    """Nothing in ``page`` can run as script: no script element, no event handler, no javascript:
    or data: link or frame, no image from elsewhere; and the page's policy allows no script."""
    tags = Tags(page).tags
    names = {tag for tag, _ in tags}
    assert not names & {"script", "iframe", "object", "embed", "svg", "form", "base"}, names
    for tag, attrs in tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:text", "vbscript:")), (tag, attrs)
        if tag == "img":
            assert not re.match(r"[a-z]+:", attrs["src"]), attrs  # the page's own files only
    policy = next(attrs["content"] for tag, attrs in tags if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy")
    assert "script-src 'none'" in policy and "default-src 'none'" in policy


# --- feedback.html ------------------------------------------------------------------------

def test_the_feedback_page_escapes_everything_it_shows():
    results = {"score": 1, "output": "<script>alert(1)</script>",
               "tests": [{"name": "<i>q1</i>", "score": 1, "max_score": 2, "output": "</pre><b>x</b>"}]}
    page = pages.feedback_html("<alice>", results)
    assert "<script>alert" not in page and "<i>" not in page and "<b>" not in page and "<alice>" not in page
    assert "&lt;i&gt;q1&lt;/i&gt;" in page and "&lt;alice&gt;" in page and "&lt;/pre&gt;&lt;b&gt;x&lt;/b&gt;" in page
    assert_inert(page)


def test_markdown_a_submission_or_results_json_holds_never_becomes_script():
    """Hostile text in every field a results.json has (a forged one, or a message quoting code):
    the box's Markdown, a failed check's message, the status line, the box name, the submission."""
    results = {"score": "<b>24</b>", "output": HOSTILE, "extra_data": {"status": "<script>"},
               "tests": [{"name": HOSTILE, "score": 1, "max_score": 1, "output": HOSTILE, "visibility": "visible"},
                         {"name": "q2", "score": 0, "max_score": 1, "output": "", "visibility": "after_published",
                          "extra_data": {"failed": [{"check": "c", "message": HOSTILE, "misconception": "x"}], "passed": []}}]}
    page = pages.feedback_html(HOSTILE, results)
    assert_inert(page)
    text = "".join(Tags(page).text)
    assert "<script>window.pwned = 1</script>" in text and "onerror" in text  # shown as typed, as text
    assert "得分 / score: ?" in text  # a score that is not a number is not shown as one


def test_feedback_is_html_not_raw_markdown_and_marks_are_drawn():
    public = [{"name": "w1 - 1", "passed": True, "message": ""},
              {"name": "w2 - 1", "passed": False, "message": "grad_w2 应当是张量 / must be a tensor\n- not a list"}]
    graded = Graded("alice", "ok", scores={"q1": 1.0, "q2": 0.0, "q3": 1.0}, total=2.0, public=public,
                    feedback={"test_q1": Verdict(True, messages.PASSED),
                              "test_q2": Verdict(False, "- 列表 `x.grad` **不是** 导数 / not the derivative", "m"),
                              "test_q3": Verdict(True, messages.PASSED)})
    results = graded.to_gradescope(assignment())
    assert "```" in json.dumps(results) and "- ✅" in json.dumps(results, ensure_ascii=False)  # what Gradescope gets
    page = pages.feedback_html("alice", results)
    outside_code = re.sub(r"<pre><code.*?</code></pre>", "", page, flags=re.S)
    text = "".join(Tags(outside_code).text)
    assert "```" not in text and not re.search(r"^\s*- ", text, re.M), "Markdown shown as text"
    assert "<pre><code class=\"language-text\">grad_w2 应当是张量 / must be a tensor\n- not a list\n</code></pre>" in page
    assert "✅" not in page and "❌" not in page  # no emoji: the page draws its marks
    assert page.count('class="mark pass"') >= 3 and page.count('class="mark fail"') >= 2
    assert "<pre><code" in page and "<li>" in page and "<strong>不是</strong>" in page and "<code>x.grad</code>" in page
    assert re.search(r'<span class="mark pass"><span class="sr">通过 / passed</span></span>', page)


def test_a_message_about_the_whole_submission_is_shown_once():
    """An unreadable file: the reason once at the top, the questions listed once as not checked,
    never the reason under each question (as Gradescope's boxes repeat it)."""
    reason = "提交的文件不是 notebook：它的 JSON 已损坏 / this is not a notebook: its JSON is broken"
    results = Graded.failed("bob", "invalid", reason).to_gradescope(assignment())
    assert sum(reason.split(" / ")[1].split(":")[0] in t["output"] for t in results["tests"]) == 3  # results.json repeats it
    page = pages.feedback_html("bob", results)
    assert page.count("this is not a notebook") == 1
    assert page.count(messages.PAGE["nothing_judged"]) == 1 and 'id="not-run"' in page
    not_run = page.split('id="not-run"')[1]
    assert all(name in not_run for name in ("q1", "q2", "q3"))


def test_a_crash_midway_lists_the_unreached_questions_once_and_shows_the_judged_ones():
    graded = Graded("carol", "crashed", scores={"q1": 1.0}, total=1.0, message="进程崩溃 / the process died at cell 9",
                    feedback={"test_q1": Verdict(True, messages.PASSED)})
    page = pages.feedback_html("carol", graded.to_gradescope(assignment()))
    assert page.count("the process died at cell 9") == 1
    judged, not_run = page.split('id="not-run"')
    assert "<span>q1</span>" in judged and "q1" not in not_run and "q2" in not_run and "q3" in not_run
    assert messages.PAGE["not_run_note"] in html.unescape(not_run)


def test_boxes_hidden_from_students_are_left_out_and_counted():
    graded = Graded("dan", "ok", scores={"q1": 0.0}, feedback={"test_q1": Verdict(False, "secret-ish message", "m")})
    page = pages.feedback_html("dan", graded.to_gradescope(assignment(show_hidden=False)))
    assert "secret-ish message" not in page and messages.PAGE["withheld"].format(count=3) in html.unescape(page)
    shown = pages.feedback_html("dan", graded.to_gradescope(assignment(hidden_feedback="immediate")))
    assert "secret-ish message" in shown


# --- report.html ----------------------------------------------------------------------------

def report_class():
    """Six submissions: two attempted q1 (one right, one wrong), one left q1's cell as released
    (and so failed it), an invalid file, a duplicate and a grader error, all with a hostile
    message where a row has one."""
    wrong = Verdict(False, "比例不对 / wrong ratio", "ratio")
    untouched = Verdict(False, "未作答的失败 / a failure of an untouched cell", "wrong-type-or-shape")
    graded = [Graded("right", "ok", scores={"q1": 1.0, "q2": 1.0, "q3": 1.0}, total=3.0,
                     feedback={c: Verdict(True, "ok") for c in ("test_q1", "test_q2", "test_q3")}),
              Graded("wrong", "ok", scores={"q2": 1.0, "q3": 1.0}, total=2.0,
                     feedback={"test_q1": wrong, "test_q2": Verdict(True, "ok"), "test_q3": Verdict(True, "ok")}),
              Graded("blank", "ok", scores={"q2": 1.0, "q3": 1.0}, total=2.0,
                     feedback={"test_q1": untouched, "test_q2": Verdict(True, "ok"), "test_q3": Verdict(True, "ok")}),
              Graded.failed("<script>x</script>", "invalid", HOSTILE),
              Graded.failed("older", "duplicate", messages.DUPLICATE),
              Graded.failed("broke", "error", "grading failed: ValueError")]
    template = "def f(a):\n    ..."
    answers = {"right": {"q1": "def f(a):\n    return 2 * a"}, "wrong": {"q1": "def f(a):\n    return a / a"},
               "blank": {"q1": template + "\n"}}
    return ClassWork(QUESTIONS, graded, answers, {"q1": template})


@pytest.fixture()
def report(tmp_path):
    from coursegrader.classroom.analysis import sections

    work = report_class()
    write_report(work.graded, QUESTIONS, tmp_path, sections(work, tmp_path), work)
    return (tmp_path / "report.html").read_text(encoding="utf-8"), tmp_path


def test_the_report_writes_every_feedback_page_but_those_written_as_results_came_in(tmp_path):
    work = report_class()
    for g in work.graded:
        (tmp_path / "results" / g.submission).mkdir(parents=True)
    (tmp_path / "results" / "right" / "feedback.html").write_text("written while grading")
    write_report(work.graded, QUESTIONS, tmp_path, [], work, pages_written=frozenset({"right"}))
    assert (tmp_path / "results" / "right" / "feedback.html").read_text() == "written while grading"
    for g in work.graded:
        if g.submission != "right":
            assert "<html" in (tmp_path / "results" / g.submission / "feedback.html").read_text(encoding="utf-8"), g.submission


def section(page: str, name: str) -> str:
    match = re.search(rf'<section id="{name}">(.*?)</section>', page, re.S)
    assert match, name
    return match.group(1)


def rows(part: str) -> list[list[str]]:
    found = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", part, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if cells:
            found.append([html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
    return found


def test_one_counting_rule_stated_once_and_followed_everywhere(report):
    page, out = report
    rule = messages.REPORT_RULE.format(counted="ok, cell-timeout, output-limit, memory-limit, timeout, crashed")
    chinese, _, english = rule.rpartition(" / ")
    assert html.unescape(page).count(chinese) == 1 and html.unescape(page).count(english) == 1
    assert "invalid, duplicate" not in html.unescape(section(page, "misconceptions"))  # no rule of its own
    statuses = {r[0]: (int(r[2]), r[3]) for r in rows(section(page, "status"))}
    assert statuses == {"ok": (3, messages.PAGE["yes"]), "invalid": (1, messages.PAGE["no"]),
                        "error": (1, messages.PAGE["no"]), "duplicate": (1, messages.PAGE["no"])}
    questions = {r[0]: r[1:] for r in rows(section(page, "questions"))}
    # q1: attempted by right and wrong (1 and 0 points); blank left it as released; the invalid,
    # duplicate and error rows are in no figure
    assert questions["q1"] == ["1", "2", "1", "0.50", "50%"]
    assert questions["q2"] == ["1", "3", "0", "1.00", "100%"]
    misconceptions = rows(section(page, "misconceptions"))
    assert [r[:5] for r in misconceptions if len(r) > 1] == [["q1", "ratio", "1", "2", "50%"]]
    assert "wrong-type-or-shape" not in page and f"<code>{messages.NOT_ATTEMPTED_ID}</code>" not in page
    failures = rows(section(page, "failures"))
    assert failures == [["1", "q1", "比例不对 / wrong ratio"]]  # the untouched cell's failure is not one
    csv_rows = (out / "misconceptions.csv").read_text(encoding="utf-8").splitlines()
    assert csv_rows == ["question,misconception,submissions,attempted,share,message", "q1,ratio,1,2,0.5000,比例不对 / wrong ratio"]


def test_every_heading_and_column_label_is_chinese_then_english(report):
    page, _ = report
    labels = [html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
              for text in re.findall(r"<(?:h1|h2|th)[^>]*>(.*?)</(?:h1|h2|th)>", page, re.S)]
    assert len(labels) > 25
    for label in labels:
        chinese, _, english = label.rpartition(" / ")
        assert re.search(r"[\u4e00-\u9fff]", chinese) and english and not re.search(r"[\u4e00-\u9fff]", english), label


def test_the_report_escapes_what_submissions_chose(report):
    page, _ = report
    assert_inert(page)
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "results/%3Cscript%3Ex%3C/script%3E/feedback.html" in page  # the link is the escaped id's folder
