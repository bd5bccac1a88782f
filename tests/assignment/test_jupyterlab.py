"""The student's route in a real JupyterLab, driven by a real browser: open the release notebook,
answer w1, run all cells, read grader.check's verdict on the page, export, and have the exported
zip graded. Debian's chromium is driven by Playwright (no browser download). On failure a
screenshot of the page is saved and named in the error."""

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path

import nbformat
from playwright.sync_api import sync_playwright

import pytest
from helpers import ASSIGNMENT, answers_of, package_grade
from coursegrader.core.notebooks import read, source_of, tags_of

pytestmark = [pytest.mark.slow, pytest.mark.browser]  # a real JupyterLab and chromium


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
QUESTION = "w1"
# Every cell stays in the page (JupyterLab otherwise renders only the cells in view), and
# JupyterLab fetches no news.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(folder: Path, scratch: Path):
    """A JupyterLab server on loopback serving ``folder``; yields its base URL and token."""
    settings = scratch / "lab-settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    port, token = free_port(), uuid.uuid4().hex
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(scratch / "config"), "JUPYTER_RUNTIME_DIR": str(scratch / "runtime")}
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
               f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
               f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={scratch / 'workspaces'}"]
    log = open(scratch / "jupyterlab.log", "w")
    server = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not start; see {scratch / 'jupyterlab.log'}")
                time.sleep(0.3)
        yield base, token
    finally:
        with contextlib.suppress(OSError):  # shuts its kernels down too
            urllib.request.urlopen(urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST"), timeout=10)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@contextlib.contextmanager
def screenshot_on_failure(page, path: Path):
    try:
        yield
    except Exception as error:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(path), full_page=True)
        raise AssertionError(f"{error}\n(screenshot of the page: {path})") from error


def cell_index(notebook, predicate) -> int:
    (index,) = [i for i, cell in enumerate(notebook.cells) if predicate(cell)]
    return index


def test_student_answers_checks_and_exports_in_jupyterlab(course, points, tmp_path):
    student = tmp_path / "student"
    shutil.copytree(course.release(ASSIGNMENT).parent, student)
    notebook_path = student / f"{ASSIGNMENT}.ipynb"
    notebook = read(notebook_path)
    answer_at = cell_index(notebook, lambda c: QUESTION in tags_of(c) and c.cell_type == "code")
    check_at = cell_index(notebook, lambda c: f'grader.check("{QUESTION}")' in source_of(c))
    export_at = cell_index(notebook, lambda c: "grader.export(" in source_of(c))
    answer = answers_of(read(course.solution(ASSIGNMENT)), [QUESTION])[QUESTION]

    with jupyterlab(student, tmp_path) as (base, token), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        with screenshot_on_failure(page, tmp_path / "jupyterlab-failure.png"):
            page.goto(f"{base}/lab/tree/{notebook_path.name}?token={token}")
            cells = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")
            cells.nth(len(notebook.cells) - 1).wait_for(state="attached")
            assert cells.count() == len(notebook.cells)
            page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()

            # answer the question the way a student types it, then save
            cells.nth(answer_at).locator(".cm-content").click()
            page.keyboard.press("Control+A")
            page.keyboard.insert_text(answer)
            page.keyboard.press("Control+S")
            deadline = time.monotonic() + 30
            while answers_of(read(notebook_path), [QUESTION]).get(QUESTION) != answer:
                assert time.monotonic() < deadline, "JupyterLab did not save the answer to disk"
                time.sleep(0.3)

            # Run > Run All Cells; the blank answers further down stop the run, as for a student
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
            verdict = cells.nth(check_at).locator(".jp-OutputArea-output").first
            verdict.wait_for(timeout=90_000)
            assert f"{QUESTION}: the public check passed" in verdict.inner_text(), verdict.inner_text()  # the check's HTML verdict

            # the export cell, run by itself after the run stopped
            page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()
            cells.nth(export_at).locator(".jp-InputArea").click()
            page.keyboard.press("Shift+Enter")
            cells.nth(export_at).locator(".jp-OutputArea-output", has_text="exported").wait_for(timeout=120_000)
        browser.close()

    (export,) = student.glob(f"{ASSIGNMENT}_*.zip")
    with zipfile.ZipFile(export) as archive:
        submitted = answers_of(nbformat.reads(archive.read(f"{ASSIGNMENT}.ipynb").decode("utf-8"), as_version=4), [QUESTION])
    assert submitted == {QUESTION: answer}
    row = package_grade([export], tmp_path / "grades")[export.stem]
    assert row["status"] == "ok", row
    assert {name: float(row[name]) for name in points} == {name: (points[name] if name == QUESTION else 0.0) for name in points}
