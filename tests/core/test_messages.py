"""Every fixed bilingual text is in the catalog, messages.py, and nowhere else in the package."""

import ast
import re
from pathlib import Path

from coursegrader.core import messages
from coursegrader.inputs import problems

PACKAGE = Path(__file__).resolve().parents[2] / "coursegrader"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _chinese_outside_sets(path: Path) -> bool:
    """Chinese in a string of the module, other than an element of a set literal (data such as
    the Chinese column names a roster's header may use, which no one reads as a message)."""
    tree = ast.parse(path.read_text())
    in_sets = {id(element) for node in ast.walk(tree) if isinstance(node, ast.Set) for element in node.elts}
    return any(isinstance(node, ast.Constant) and isinstance(node.value, str) and CHINESE.search(node.value)
               and id(node) not in in_sets for node in ast.walk(tree))


def test_no_module_but_the_catalog_writes_chinese_text():
    elsewhere = {path.name for path in PACKAGE.rglob("*.py") if path.name != "messages.py" and _chinese_outside_sets(path)}
    assert not elsewhere, f"move these texts into messages.py: {sorted(elsewhere)}"


def test_the_page_templates_take_every_text_from_the_catalog():
    """feedback.html's and report.html's templates write no Chinese of their own: their labels
    and headings are messages.PAGE's."""
    templates = sorted((PACKAGE / "classroom" / "templates").glob("*.html.j2"))
    assert len(templates) >= 3
    assert not [path.name for path in templates if CHINESE.search(path.read_text(encoding="utf-8"))]


def test_each_catalog_text_is_chinese_then_an_english_gloss():
    texts = [value for name, value in vars(messages).items() if name.isupper() and isinstance(value, str) and CHINESE.search(value)]
    texts += list(problems.MESSAGES.values()) + list(messages.STATUS_LINES.values()) + list(messages.PAGE.values())
    assert len(texts) > 50
    for text in texts:
        chinese, _, english = text.rpartition(" / ")  # a label may itself be "分 / points"
        assert CHINESE.search(chinese) and english and not CHINESE.search(english), text


def test_submission_problems_name_the_graders_caps():
    assert "200 MB" in problems.MESSAGES["too-large"] and "{" not in "".join(problems.MESSAGES.values())
    assert f"{problems.MAX_CODE_CELLS} 个" in problems.MESSAGES["too-many-cells"]
    assert f"{problems.MAX_CODE_BYTES // problems.MiB} MB" in problems.MESSAGES["too-much-code"]
