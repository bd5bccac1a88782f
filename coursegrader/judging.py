"""Grades one submission: its sandboxed process observes, this process judges.

This runs in the grader's own process (or a Dask worker), which holds the hidden tests and
never runs student code. It hands the notebook's cells to a fresh forked process, sends it each
hidden test's ``observe`` step after the cells have run, and judges the data that comes back
with the test's ``judge`` step. The student process can only lie about what it observed, and to
lie well it would have to compute the right answers on inputs it has not seen.
"""

import json
import re
import shutil
import signal
import socket
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path


from . import protocol
from .autograder_zip import read_manifest
from .checks import HiddenCheck, hidden_checks, public_tests_source, standalone
from .sandbox import JobGroup, Limits
from .submissions import SubmissionError, read_notebook, stage_notebook

IGNORE_TAG = "otter_ignore"  # otter skips these cells when grading (the export cell)
MEMORY_HINTS = ("MemoryError", "can't allocate memory", "DefaultCPUAllocator", "Cannot allocate memory")


@dataclass
class Judged:
    """One hidden check, ready to judge: its compiled steps and its fixed probe inputs."""
    check: HiddenCheck
    question: str
    judge: object
    probes: object


@dataclass
class Assignment:
    """What grading needs from an autograder zip."""
    questions: list[dict]
    checks: list[Judged]
    public: dict[str, tuple[str, str]]  # question -> (test file path, source without hidden tests)
    seed: int | None
    show_hidden: bool
    notebook_name: str  # what the release notebook is called; its init cell opens this file

    @classmethod
    def from_zip(cls, path: Path) -> "Assignment":
        manifest = read_manifest(path)
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("otter_config.json")) if "otter_config.json" in archive.namelist() else {}
            checks, public = [], {}
            for question in manifest["questions"]:
                test_path = f"tests/{question['name']}.py"
                if question["manual"] or test_path not in archive.namelist():
                    continue
                source = archive.read(test_path).decode("utf-8")
                for check in hidden_checks(source, test_path):
                    probes = json.loads(json.dumps(standalone(check.probes_source)()))
                    checks.append(Judged(check, question["name"], standalone(check.judge_source), probes))
                visible = public_tests_source(source)
                if visible:
                    public[question["name"]] = (test_path, visible)
        return cls(manifest["questions"], checks, public, config.get("seed"), bool(config.get("show_hidden", False)),
                   f"{config.get('assignment_name', 'submission')}.ipynb")

    @property
    def possible(self) -> float:
        return sum(q["points"] for q in self.questions if not q["manual"])


@dataclass
class Graded:
    submission: str
    status: str  # ok | cell-timeout | output-limit | memory-limit | timeout | crashed | invalid | error
    scores: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    message: str = ""
    seconds: float = 0.0
    feedback: dict = field(default_factory=dict)  # hidden check -> (passed, message the student reads)
    peak_mb: float = 0.0  # the submission process's peak resident memory
    phases: dict = field(default_factory=dict)  # seconds spent starting, running cells, public tests, checks
    missing_walls: list = field(default_factory=list)  # sandbox parts this machine could not provide
    public: list = field(default_factory=list)


class _Stopped(Exception):
    """The submission process stopped talking: it died, or ran out of time."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def grade_submission(server, assignment: Assignment, submission, scratch: Path, limits: Limits) -> Graded:
    """Grade one submission; never raises for anything the submission does."""
    started = time.monotonic()
    workdir = scratch / "work"
    try:
        notebook_path = stage_notebook(submission, workdir)
        cells = _code_cells(read_notebook(notebook_path))
        notebook_path.rename(workdir / assignment.notebook_name)
    except SubmissionError as error:
        return Graded(submission.id, "invalid", message=str(error), seconds=time.monotonic() - started)
    except OSError as error:
        return Graded(submission.id, "invalid", message=f"{submission.path.name} could not be read ({error.strerror})",
                      seconds=time.monotonic() - started)
    workdir.chmod(0o700)
    graded = Graded(submission.id, "ok")
    job = JobGroup(uuid.uuid4().hex[:12], limits.processes)
    ours, theirs = socket.socketpair()
    deadline = started + limits.submission_seconds
    pid, name = None, uuid.uuid4().hex
    try:
        request = {"workdir": str(workdir), "limits": limits.as_dict(), "cgroup": str(job.cgroup) if job.cgroup else None}
        pid = job.leader = server.start(name, request, theirs)
        theirs.close()
        _converse(ours, assignment, cells, deadline, graded)
    except _SandboxFailed as failed:
        graded.status = "error"
        graded.message = f"the grading sandbox did not start: {failed}; its output: {_tail(workdir / 'output.txt')}"
    except _Stopped as stopped:
        graded.status, graded.message = stopped.status, stopped.message
        if stopped.status == "crashed" and pid is not None:
            graded.message += _exit_note(server.exit_status(name, timeout=2))
    except Exception as error:  # a fault of the grader itself: this row says so, the batch goes on
        graded.status, graded.message = "error", f"grading failed: {type(error).__name__}: {error}"
    finally:
        ours.close()
        job.close()
        if pid is not None:
            server.exit_status(name, timeout=0.5)  # reaped, so its pid is free for the next one
            server.forget(name)
        shutil.rmtree(workdir, ignore_errors=True)
    _score(graded, assignment)
    graded.seconds = time.monotonic() - started
    return graded


class _SandboxFailed(Exception):
    """The submission process died before running any student code."""


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(none)"


def _code_cells(notebook) -> list[dict]:
    return [{"source": cell.source, "number": number}
            for number, cell in enumerate(notebook.cells, start=1)
            if cell.cell_type == "code" and IGNORE_TAG not in cell.get("metadata", {}).get("tags", [])]


def _converse(sock: socket.socket, assignment: Assignment, cells: list[dict], deadline: float, graded: Graded) -> None:
    place = {"zh": "第一个单元格之前", "en": "before the first cell"}

    def receive():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout()
        sock.settimeout(remaining)
        try:
            message = protocol.receive(sock)
        except socket.timeout:
            raise _Stopped("timeout", f"评分超过每份提交的时间上限，停止于{place['zh']} / "
                                      f"stopped at the time limit per submission, {place['en']}") from None
        except protocol.ProtocolError as error:
            raise _Stopped("crashed", f"提交的进程发送了无效数据 / the submission's process sent invalid data ({error})") from None
        except OSError:  # the connection was reset: the process died with data unsent
            message = None
        if message is None:
            raise _Stopped("crashed", f"提交的进程意外退出，位置：{place['zh']} / the submission's process died {place['en']}")
        if not isinstance(message, dict):
            raise _Stopped("crashed", "提交的进程发送了无效数据 / the submission's process sent invalid data (not an object)")
        return message

    def send(message: dict) -> None:
        try:
            protocol.send(sock, message)
        except OSError:
            raise _Stopped("crashed", f"提交的进程意外退出，位置：{place['zh']} / the submission's process died {place['en']}") from None

    clock = [time.monotonic()]

    def lap(phase: str) -> None:
        now = time.monotonic()
        graded.phases[phase] = round(graded.phases.get(phase, 0.0) + now - clock[0], 4)
        clock[0] = now

    try:
        ready = receive()
    except _Stopped as stopped:  # no student code has run yet: the grader's own environment failed
        raise _SandboxFailed(stopped.message) from None
    walls = ready.get("missing_walls") if isinstance(ready, dict) else None
    graded.missing_walls = [str(w) for w in walls] if isinstance(walls, list) else []
    lap("start")
    send({"cells": cells, "seed": assignment.seed})
    while True:
        message = receive()
        if "cell" in message:
            index = message["cell"]
            number = cells[index]["number"] if isinstance(index, int) and 0 <= index < len(cells) else "?"
            place.update(zh=f"第 {number} 个单元格", en=f"at cell {number}")
            continue
        _note_cell_errors(graded, message.get("executed", []))
        break
    lap("cells")
    place.update(zh="检查答案时", en="while its answers were checked")
    for question, (path, source) in assignment.public.items():
        send({"op": "public", "path": path, "source": source})
        results = receive().get("public")
        graded.public.extend({"name": str(r.get("name")), "passed": r.get("passed") is True, "message": str(r.get("message"))[:2000]}
                             for r in (results if isinstance(results, list) else [])[:50] if isinstance(r, dict))
    lap("public tests")
    for judged in assignment.checks:
        send({"op": "observe", "source": judged.check.observe_source, "probes": judged.probes})
        seen = receive().get("seen")
        lap(f"observe {judged.question}")
        graded.feedback[judged.check.name] = _verdict(judged, seen)
        lap(f"judge {judged.question}")
    send({"op": "done"})
    last = receive()
    if isinstance(last.get("peak_mb"), (int, float)):
        graded.peak_mb = float(last["peak_mb"])


def _note_cell_errors(graded: Graded, errors: list) -> None:
    if not isinstance(errors, list):
        return
    notes = []
    for error in errors[:1000]:
        if not isinstance(error, dict):
            continue
        name, text, number = str(error.get("error", "")), str(error.get("message", "")), error.get("number", "?")
        if name == "CellTimeout":
            graded.status = _worse(graded.status, "cell-timeout")
        elif any(hint in name or hint in text for hint in MEMORY_HINTS):
            graded.status = _worse(graded.status, "memory-limit")
        elif name == "OSError" and "File too large" in text:
            graded.status = _worse(graded.status, "output-limit")
        notes.append(f"cell {number}: {name}")
    more = f" (+{len(notes) - 3} more)" if len(notes) > 3 else ""
    graded.message = "; ".join(notes[:3]) + more


_SEVERITY = ["ok", "cell-timeout", "output-limit", "memory-limit"]


def _worse(current: str, new: str) -> str:
    return max(current, new, key=_SEVERITY.index)


def _verdict(judged: Judged, seen) -> tuple[bool, str]:
    """(passed, message) for one hidden check; the judge's message, or a fixed one."""
    if not isinstance(seen, dict) or not seen.get("ok"):
        error = seen.get("error") if isinstance(seen, dict) else None
        if error == "CellTimeout":
            return False, "检查时你的代码运行超时（可能有死循环） / your code ran out of time while being checked (an endless loop?)"
        return False, "无法检查这道题：相关变量或函数缺失，或运行时出错 / could not check this question: a name is missing or your code failed"
    try:
        problem = judged.judge(judged.probes, seen.get("data"))
    except Exception:  # a judge must not crash on odd data; if it does, the answer is not credited
        problem = "答案的格式不对，无法判断 / the answer has an unexpected form and could not be judged"
    if problem is None:
        return True, judged.check.success_message or "通过 / passed"
    return False, str(problem) if isinstance(problem, str) else "未通过 / failed"


def _exit_note(status: dict | None) -> str:
    if not status:
        return ""
    if status.get("signal"):
        try:
            name = signal.Signals(status["signal"]).name
        except ValueError:
            name = f"signal {status['signal']}"
        reason = {"SIGXCPU": "CPU time limit", "SIGSEGV": "segmentation fault (deep recursion?)",
                  "SIGKILL": "killed"}.get(name, name)
        return f" ({reason})"
    return f" (exit code {status.get('code')})"


def _score(graded: Graded, assignment: Assignment) -> None:
    for judged in assignment.checks:
        question = judged.question
        passed, _ = graded.feedback.get(judged.check.name, (False, ""))
        graded.scores[question] = graded.scores.get(question, 0.0) + (judged.check.points if passed else 0.0)
    graded.total = sum(graded.scores.values())


def results_json(graded: Graded, assignment: Assignment | None, seconds: float | None = None) -> dict:
    """Gradescope's results format, the same on every route (Gradescope, ``coursegrader grade``).

    A box per question holds the judge's messages as markdown (never test code), visible after
    grades are published when hidden results are shown at all; the public checks' box is visible
    at once. ``extra_data``, which students do not see, gives instructors the status, each failed
    check with its message (to count misconceptions) and the sandbox walls this machine lacked;
    the grader's log (Gradescope's stdout) stays hidden from students too.
    ``seconds`` is the whole run (Gradescope's); the submission's own time by default. Without an
    assignment (its files could not be read) one box carries the status line.
    """
    visibility = "after_published" if assignment and assignment.show_hidden else "hidden"
    tests = []
    if graded.public:
        tests.append(_test("Public Tests", 0.0, 0.0, "visible", _public_output(graded.public), {"status": graded.status}))
    for question in assignment.questions if assignment else []:
        if question["manual"]:
            continue
        name = question["name"]
        verdicts = [(j.check.name, *graded.feedback.get(j.check.name, (False, _not_checked(graded))))
                    for j in assignment.checks if j.question == name]
        failed = [{"check": check, "message": message} for check, passed, message in verdicts if not passed]
        tests.append(_test(name, graded.scores.get(name, 0.0), question["points"], visibility,
                           "\n\n".join(message for _, _, message in verdicts), {"status": graded.status, "failed": failed}))
    if not tests:
        tests.append(_test("自动评分 / autograder", 0.0, 0.0, "visible", _md_escaped(_status_line(graded)),
                           {"status": graded.status}))
    return {"score": graded.total, "execution_time": round(graded.seconds if seconds is None else seconds, 2),
            "output": _status_line(graded), "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"status": graded.status, "missing_walls": list(graded.missing_walls)}}


def _test(name: str, score: float, max_score: float, visibility: str, output: str, extra: dict) -> dict:
    return {"name": name, "score": score, "max_score": max_score, "visibility": visibility,
            "output": output, "output_format": "md", "extra_data": extra}


PUBLIC_NOTE = ("公开检查只看类型、形状和一个简单值；得分由隐藏测试在新的输入上决定，成绩发布后可见 / "
               "public checks test only type, shape and one easy value; hidden tests on new inputs decide the points, "
               "shown when grades are published")


def _public_output(public: list[dict]) -> str:
    """Markdown: the note, a line per public check, then each failure's message as a code block
    (its text comes from the submission's process: shown literally, never as markdown)."""
    lines = [PUBLIC_NOTE, ""]
    lines += [f"- {'✅' if r.get('passed') else '❌'} {_md_escaped(r.get('name'))}" for r in public]
    for r in public:
        if not r.get("passed"):
            lines += ["", f"❌ {_md_escaped(r.get('name'))}:", "", _md_code_block(str(r.get("message")))]
    return "\n".join(lines)


def _md_escaped(text) -> str:
    """One line of plain text that markdown shows as typed."""
    return "".join(f"\\{c}" if c in "\\`*_[]<>#|~!&" else c for c in " ".join(str(text).split()))


def _md_code_block(text: str) -> str:
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence}text\n{text}\n{fence}"


def _not_checked(graded: Graded) -> str:
    return f"未检查：{_md_escaped(graded.message)} / not checked"


def _status_line(graded: Graded) -> str:
    lines = {"ok": "评分完成 / graded",
             "cell-timeout": "有单元格超时，被中断后继续评分 / a cell ran out of time and was interrupted; grading went on",
             "output-limit": "输出超过上限，相应单元格被中断 / output over the limit; that cell was stopped",
             "memory-limit": "有单元格超出内存上限 / a cell went over the memory limit",
             "timeout": "评分超时 / the submission ran out of time",
             "crashed": "提交的进程崩溃 / the submission's process crashed",
             "invalid": "无法读取提交：请按下面的说明改正后重新提交 / the submission could not be read: "
                        "fix what follows and submit again",
             "error": "评分程序出错，不是你的答案的问题：请重新提交，若仍出错请告诉课程助教 / "
                      "the grader failed, not your answers: submit again, and tell the course staff if it fails again"}
    text = lines.get(graded.status, graded.status)
    return f"{text}. {graded.message}" if graded.message else text
