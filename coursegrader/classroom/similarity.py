"""Pairs of submissions far more alike on one question than pairs of the class usually are.

A lead for a person to read, never a verdict: the report says so. Per question:

- Code answers: Python's own tokenizer, comments and blank lines dropped, the student's names
  renamed to one placeholder (keywords, builtins, attribute names and keyword-argument names kept:
  a copier cannot rename ``.backward`` or ``requires_grad=``), numbers and strings to one each;
  k-grams of these tokens, winnowed (Schleimer, Wilkerson and Aiken 2003, as MOSS, Dolos and
  copydetect do), so renamed variables, reordered lines and rewritten comments still match.
- Written answers (the manual questions; Chinese text): character n-grams after NFKC, case
  folding and dropping punctuation and whitespace.
- What the release notebook's answer cell already holds (the template) is removed from every
  answer, and so is a fingerprint more than ``max(COMMON_MIN, COMMON_SHARE * n)`` of the ``n``
  answers have: it is the class's common way of writing it (as MOSS's ``-m`` and Dolos's
  ``--max-fingerprint-percentage`` ignore it).
- A pair's score: the Jaccard index of what is left of the two answers' fingerprints (shared
  over either has). A pair is reported when its score is above
  ``max(FLOOR[kind], median + MAD_K * 1.4826 * MAD)`` of all the question's pairs and it shares at
  least ``MIN_SHARED`` such fingerprints, so short answers, or answers everyone writes the same,
  are not reported.
"""

import builtins
import functools
import io
import keyword
import tokenize
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coursegrader.classroom import pages
from coursegrader.core import messages
from coursegrader.core.notebooks import write_bytes_atomic
from coursegrader.core.spreadsheet import csv_text

K_TOKENS = 5  # a code fingerprint is a run of this many normalised tokens ...
WINDOW = 3  # ... winnowed: every shared run of K_TOKENS + WINDOW - 1 tokens is found
TEXT_N = 3  # a written-answer fingerprint: this many characters
MAX_ANSWER_CHARS = 20_000  # of one answer, analysed; an honest answer is far shorter
COMMON_MIN, COMMON_SHARE = 4, 0.10  # a fingerprint in more answers than this is the class's common one
# never report a pair sharing less of what the two answers hold; on the corpus (tests/corpus), independent
# answers score at most about 0.45 (code) and 0.25 (text), copies with renamed variables, reordered lines
# and light rewording about 0.7 and more (code), 0.45 and more (text)
FLOOR = {"code": 0.55, "text": 0.4}
MAD_K = 5.0  # robust z-score above the class's pairs that counts as "far more alike"
MIN_SHARED = {"code": 8, "text": 15}  # fingerprints a reported pair shares, at least (a few lines; a sentence)
MIN_CLASS = 4  # answers a question needs before a class distribution means anything
TOP_PAIRS = 20  # pairs shown side by side in the report (the CSV has all reported pairs)
MAX_SHOWN_CHARS = 4000  # of each answer, in the report
CSV_NAME = "similarity.csv"
_BLOCK = 2048  # fingerprint columns per matrix product: bounds memory whatever the class wrote
# (the pair matrices are n × n: a few MB for a class of a thousand, 1.6 GB at twenty thousand)

_KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(dir(builtins))
_DROPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
_OPENING, _CLOSING = set("([{"), set(")]}")
_LAYOUT = {tokenize.NEWLINE: ";", tokenize.INDENT: "{", tokenize.DEDENT: "}"}  # statements and blocks
_STRINGS = {kind for kind, name in tokenize.tok_name.items() if name == "STRING" or name.startswith("FSTRING")}


@dataclass
class Prints:
    """One answer's fingerprints, each with the character spans of the answer it covers."""
    spans: dict[int, list[tuple[int, int]]]


@dataclass
class Pair:
    question: str
    a: str
    b: str
    score: float
    shared: int  # rare fingerprints the two share
    median: float  # of the question's pair scores
    threshold: float
    marks: tuple[list[tuple[int, int]], list[tuple[int, int]]]  # what is shared, in a's and b's text (the question's top pairs)


# --- code -----------------------------------------------------------------------------------

def code_tokens(source: str) -> list[tuple[str, int, int]]:
    """The normalised tokens of ``source`` with their character spans. Code the tokenizer cannot
    read to the end keeps the tokens before the point it stopped at."""
    starts, reader = [0], io.StringIO(source)  # each line's offset in source

    def readline() -> str:
        line = reader.readline()
        starts.append(starts[-1] + len(line))
        return line

    raw = []  # (type, text, start, end) of the tokens that matter
    try:
        for kind, text, (row, column), (end_row, end_column), _ in tokenize.generate_tokens(readline):
            if kind in _DROPPED or not (text.strip() or kind in _LAYOUT):
                continue
            raw.append((kind, text, starts[row - 1] + column, starts[min(end_row, len(starts)) - 1] + end_column))
    except (tokenize.TokenError, SyntaxError):
        pass
    found, depth = [], 0
    for index, (kind, text, start, end) in enumerate(raw):
        if kind == tokenize.NAME:
            after_dot = index > 0 and raw[index - 1][1] == "."
            keyword_argument = depth > 0 and index + 1 < len(raw) and raw[index + 1][1] == "="
            word = text if text in _KEPT_NAMES or after_dot or keyword_argument else "V"
        elif kind in _LAYOUT:
            word = _LAYOUT[kind]
        elif kind == tokenize.NUMBER:
            word = "N"
        elif kind in _STRINGS:
            word = "S"
        else:
            word = text.strip()
            depth += (word in _OPENING) - (word in _CLOSING)
        found.append((word, min(start, len(source)), min(end, len(source))))
    return found


@functools.lru_cache(maxsize=1 << 16)
def _word_id(word: str) -> int:
    return zlib.crc32(word.encode("utf-8", "surrogatepass"))


def _runs(ids: list[int], n: int) -> list[int]:
    """A hash of every run of ``n`` ids. Python salts the hash of a string per process, not that of
    a tuple of ints: fingerprints are the same in every run, so a report can be made again."""
    return [hash(run) for run in zip(*(ids[i:] for i in range(n)))]


def winnow(hashes: list[int]) -> list[int]:
    """Positions winnowing keeps: the rightmost smallest hash of every window of WINDOW."""
    if len(hashes) <= WINDOW:
        return [min(range(len(hashes)), key=lambda i: (hashes[i], -i))] if hashes else []
    kept: list[int] = []
    for start in range(len(hashes) - WINDOW + 1):
        window = hashes[start:start + WINDOW]
        low = min(window)
        position = start + WINDOW - 1 - window[::-1].index(low)
        if not kept or kept[-1] != position:
            kept.append(position)
    return kept


@functools.lru_cache(maxsize=4096)
def _code_grams(source: str) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """Each k-gram's hash and span; once per distinct answer (unchanged release cells, answers
    left as released and copies are common in a class, and tokenizing is most of this section's time)."""
    tokens = code_tokens(source[:MAX_ANSWER_CHARS])
    grams = _runs([_word_id(word) for word, _, _ in tokens], K_TOKENS)
    spans = [(tokens[i][1], tokens[i + K_TOKENS - 1][2]) for i in range(len(grams))]
    return tuple(grams), tuple(spans)


@functools.lru_cache(maxsize=64)
def _template_code_grams(template: str) -> frozenset[int]:
    return frozenset(_code_grams(template)[0])  # every k-gram, not only those winnowing keeps


def code_prints(source: str, template: str = "") -> Prints:
    """Winnowed fingerprints of ``source``, without any k-gram the template holds."""
    grams, spans = _code_grams(source)
    removed = _template_code_grams(template)
    found: dict[int, list[tuple[int, int]]] = {}
    for position in winnow(grams):
        if grams[position] not in removed:
            found.setdefault(grams[position], []).append(spans[position])
    return Prints(found)


# --- written answers --------------------------------------------------------------------------

def _text_grams(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    kept = [(c, position) for position, ch in enumerate(text[:MAX_ANSWER_CHARS])
            for c in (ch.lower() if ch.isascii() else unicodedata.normalize("NFKC", ch).casefold()) if c.isalnum()]
    grams = _runs([ord(c) for c, _ in kept], TEXT_N)
    spans = [(kept[i][1], kept[i + TEXT_N - 1][1] + 1) for i in range(len(grams))]
    return grams, spans


@functools.lru_cache(maxsize=64)
def _template_text_grams(template: str) -> frozenset[int]:
    return frozenset(_text_grams(template)[0])


def text_prints(text: str, template: str = "") -> Prints:
    """Character n-grams of a written answer, without any the template holds."""
    grams, spans = _text_grams(text)
    removed = _template_text_grams(template)
    found: dict[int, list[tuple[int, int]]] = {}
    for gram, span in zip(grams, spans):
        if gram not in removed:
            found.setdefault(gram, []).append(span)
    return Prints(found)


# --- the class ----------------------------------------------------------------------------------

def question_pairs(question: str, prints: dict[str, Prints], kind: str) -> tuple[list[Pair], int]:
    """The question's pairs far more alike than the class, best first, and how many pairs were scored."""
    ids = sorted(s for s, p in prints.items() if p.spans)
    n = len(ids)
    if n < MIN_CLASS:
        return [], 0
    counts = Counter(f for s in ids for f in prints[s].spans)
    common_limit = max(COMMON_MIN, COMMON_SHARE * n)
    kept = {s: {f for f in prints[s].spans if counts[f] <= common_limit} for s in ids}  # the class's common code removed
    shared = sorted(f for f, count in counts.items() if 2 <= count <= common_limit)
    column = {f: i for i, f in enumerate(shared)}
    rows = np.array([row for row, s in enumerate(ids) for f in kept[s] if f in column], dtype=np.int64)
    cols = np.array([column[f] for s in ids for f in kept[s] if f in column], dtype=np.int64)
    both = np.zeros((n, n), dtype=np.float32)  # fingerprints each pair shares
    for start in range(0, len(shared), _BLOCK):
        chosen = (cols >= start) & (cols < start + _BLOCK)
        block = np.zeros((n, _BLOCK), dtype=np.float32)
        block[rows[chosen], cols[chosen] - start] = 1.0
        both += block @ block.T
    sizes = np.array([len(kept[s]) for s in ids], dtype=np.float32)
    upper = np.triu_indices(n, 1)
    common = both[upper]
    union = (sizes[:, None] + sizes[None, :])[upper] - common
    scores = np.divide(common, union, out=np.zeros_like(common), where=union > 0)
    median = float(np.median(scores))
    mad = float(np.median(np.abs(scores - median)))
    threshold = max(FLOOR[kind], median + MAD_K * 1.4826 * mad)
    reported = np.nonzero((scores > threshold) & (common >= MIN_SHARED[kind]))[0]
    pairs = []
    for rank, index in enumerate(reported[np.argsort(-scores[reported], kind="stable")]):
        a, b = ids[upper[0][index]], ids[upper[1][index]]
        both_have = kept[a] & kept[b] if rank < TOP_PAIRS else set()  # only the report's pairs are shown
        marks = ([span for f in both_have for span in prints[a].spans[f]], [span for f in both_have for span in prints[b].spans[f]])
        pairs.append(Pair(question, a, b, float(scores[index]), int(common[index]), median, threshold, marks))
    return pairs, len(scores)


def class_pairs(work) -> tuple[list[Pair], dict[str, int]]:
    """Every question's reported pairs (best first within a question) and the pairs scored per question.
    Manual questions are written answers (text), the others code."""
    found, scored = [], {}
    for q in work.questions:
        name, written = q.name, q.manual
        template = work.template.get(name, "")
        fingerprint = text_prints if written else code_prints
        prints = {s: fingerprint(answers[name], template) for s, answers in work.answers.items() if name in answers}
        pairs, scored[name] = question_pairs(name, prints, "text" if written else "code")
        found.extend(pairs)
    return found, scored


# --- what the instructor reads ------------------------------------------------------------------

def section(work, out: Path) -> str:
    """Writes similarity.csv into ``out``; returns the report's similarity section."""
    pairs, scored = class_pairs(work)
    _write_csv(pairs, out / CSV_NAME)
    shown = sorted(pairs, key=lambda p: -p.score)[:TOP_PAIRS]
    rule = messages.SIMILARITY_RULE.format(n=TEXT_N, k=MAD_K, code_floor=FLOOR["code"], text_floor=FLOOR["text"])
    counts = messages.SIMILARITY_COUNTS.format(listed=len(pairs), compared=sum(scored.values()), csv=CSV_NAME,
                                              top=min(len(pairs), TOP_PAIRS))
    answers = work.answers
    return pages.render("similarity.html.j2", heading=messages.SIMILARITY_HEADING, lead=messages.SIMILARITY_LEAD,
                        rule=rule, counts=counts, csv_name=CSV_NAME, empty=messages.SIMILARITY_NONE, pairs=[
                            {"question": p.question, "a": p.a, "b": p.b,
                             "score": messages.SIMILARITY_SCORE.format(score=p.score, median=p.median, threshold=p.threshold),
                             "sides": [(p.a, _marked(answers[p.a][p.question], p.marks[0])),
                                       (p.b, _marked(answers[p.b][p.question], p.marks[1]))]} for p in shown])


def _write_csv(pairs: list[Pair], path: Path) -> None:
    text = csv_text([["question", "submission_a", "submission_b", "score", "class_median", "threshold", "shared_fingerprints"],
                     *([p.question, p.a, p.b, f"{p.score:.3f}", f"{p.median:.3f}", f"{p.threshold:.3f}", p.shared]
                       for p in pairs)])
    write_bytes_atomic(text.encode("utf-8", "replace"), path)


def _marked(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` (its first MAX_SHOWN_CHARS characters) as pieces, each marked or not (``spans``)."""
    shown = text[:MAX_SHOWN_CHARS]
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        start, end = min(start, len(shown)), min(end, len(shown))
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        elif start < end:
            merged.append([start, end])
    parts, position = [], 0
    for start, end in merged:
        parts += [(shown[position:start], False), (shown[start:end], True)]
        position = end
    parts.append((shown[position:], False))
    if len(text) > MAX_SHOWN_CHARS:
        parts.append(("\n…", False))
    return [(part, marked) for part, marked in parts if part]
