"""The shell a submission's cells run in (engine/runner.py): errors come back as data, so no
traceback is ever formatted there, neither shown nor kept for IPython's %tb."""

import otter

from coursegrader.engine import runner

LOUD = """
class Loud(Exception):
    def _render_traceback_(self):
        global rendered
        rendered = True
        return []
"""


def test_a_failing_cell_s_traceback_is_never_formatted(monkeypatch):
    """Formatting one (IPython keeps a copy of each failing cell's) compiles pygments' lexer in a
    fresh process, 50-100 ms for every notebook with an error, and runs the exception's own code."""
    for name in ("_grading_mode", "_tests_dir_override", "check"):  # the shell binds otter: put it back after
        monkeypatch.setattr(otter.Notebook, name, getattr(otter.Notebook, name, None))
    shell = runner._shell(None, None)
    shell.run_cell(LOUD, store_history=True)
    for failing in ("raise Loud()", "undefined_name", "1 / 0"):
        result = shell.run_cell(failing, store_history=True)
        assert result.error_in_exec is not None
    assert "rendered" not in shell.user_ns
    assert all(kept["traceback"] == [] for kept in shell.history_manager.exceptions.values())
