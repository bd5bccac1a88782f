"""The README is an instructor's page and docs/ holds the rest: the README stays short, its two
commands come first and are the ones CI runs, no page repeats a heading, and every relative link
(and its #anchor) leads to something in the repository."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]

README_LIMIT = 16_000  # characters
COMMANDS_WITHIN = 40  # lines


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of the lines outside fenced code blocks, where a `#` is a heading."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append((number, line))
    return lines


def two_commands(text: str) -> list[tuple[int, str]]:
    """The README's two commands: the command lines of the first fenced bash block under
    "## The two commands", each with its line number (comments after `#` dropped)."""
    lines = text.splitlines()
    start = lines.index("## The two commands")
    opening = next(i for i in range(start, len(lines)) if lines[i].strip() == "```bash")
    commands = []
    for i in range(opening + 1, len(lines)):
        if lines[i].strip().startswith("```"):
            break
        command = lines[i].split(" #")[0].strip()
        if command and not command.startswith("#"):
            commands.append((i + 1, command))
    return commands


def headings(text: str) -> list[str]:
    return [re.sub(r"^#+\s+", "", line).strip() for _, line in _prose_lines(text)
            if re.match(r"#{1,6}\s", line)]


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces made hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")


def links(text: str) -> list[str]:
    prose = "\n".join(line for _, line in _prose_lines(text))
    prose = re.sub(r"`[^`]*`", "", prose)  # code spans are not links
    return re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", prose)


def test_readme_is_short():
    assert len(README.read_text(encoding="utf-8")) < README_LIMIT


def test_the_two_commands_come_first_and_are_what_ci_runs():
    commands = two_commands(README.read_text(encoding="utf-8"))
    assert [command for _, command in commands] == ["bash setup.sh", ".venv/bin/python -m pytest"]
    assert all(number <= COMMANDS_WITHIN for number, _ in commands), commands
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    for _, command in commands:
        assert any(line == command or line.startswith(command + " ") for line in ci_lines), command


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_no_heading_twice(page):
    titles = headings(page.read_text(encoding="utf-8"))
    assert titles, "a page without a heading"
    repeated = {title for title in titles if [anchor(t) for t in titles].count(anchor(title)) > 1}
    assert not repeated, f"{page.name}: headings repeated: {sorted(repeated)}"


@pytest.mark.parametrize("page", DOCS, ids=lambda page: page.name)
def test_each_docs_page_has_one_title(page):
    lines = [line for _, line in _prose_lines(page.read_text(encoding="utf-8")) if line.strip()]
    assert lines[0].startswith("# ")
    assert sum(1 for line in lines if line.startswith("# ")) == 1


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_relative_links_resolve_in_the_repository(page):
    text = page.read_text(encoding="utf-8")
    assert "../shared" not in text, f"{page.name} points outside the repository (../shared)"
    for target in links(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path, _, fragment = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.is_relative_to(ROOT) and resolved.is_file(), f"{page.name}: {target} leads nowhere"
        if fragment and resolved.suffix == ".md":
            known = {anchor(title) for title in headings(resolved.read_text(encoding="utf-8"))}
            assert fragment in known, f"{page.name}: {target}: no such heading in {resolved.name}"


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in links(README.read_text(encoding="utf-8"))}
    assert not [page.name for page in DOCS if page.resolve() not in linked]
