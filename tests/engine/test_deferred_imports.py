"""A deferred module (engine/deferred_imports.py) behaves as the module itself, loaded late."""

import json
import subprocess
import sys

from helpers import ROOT

PACKAGE = {
    "late/__init__.py": "import os\nopen(os.environ['RUNS'], 'a').write('package ')\nVALUE = 42\n",
    "late/part.py": "import os\nfrom late import VALUE\nopen(os.environ['RUNS'], 'a').write('part ')\nDOUBLE = 2 * VALUE\n",
    "broken/__init__.py": "raise ValueError('broken on import')\n",
}


def run(tmp_path, code: str) -> dict:
    """``code`` in a fresh interpreter after deferring the packages above; what it prints, and
    which module bodies ran, in order."""
    for name, text in PACKAGE.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    runs = tmp_path / "runs.txt"
    runs.write_text("")
    prelude = "import json, sys\nfrom coursegrader.engine import deferred_imports\ndeferred_imports.defer(('late', 'broken'))\n"
    completed = subprocess.run([sys.executable, "-c", prelude + code], cwd=tmp_path, capture_output=True, text=True,
                               env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "RUNS": str(runs)}, timeout=60, check=True)
    return {"printed": json.loads(completed.stdout), "ran": runs.read_text().split()}


def test_importing_runs_nothing_and_the_first_name_read_runs_it_once_in_place(tmp_path):
    seen = run(tmp_path, "import late\nbefore = type(late).__name__\nimport late as again\n"
                         "print(json.dumps([before, again is late, late.VALUE, late.VALUE, type(late).__name__, sys.modules['late'] is late]))")
    assert seen["printed"] == ["_Deferred", True, 42, 42, "module", True]
    assert seen["ran"] == ["package"]


def test_importing_a_submodule_first_runs_the_package_first(tmp_path):
    seen = run(tmp_path, "import late.part\nprint(json.dumps([late.part.DOUBLE, hasattr(late, '__path__')]))")
    assert seen == {"printed": [84, True], "ran": ["package", "part"]}


def test_a_module_that_fails_raises_on_first_use_and_then_on_import_as_a_failed_import_does(tmp_path):
    seen = run(tmp_path, "import broken\nerrors = []\n"
                         "try:\n    broken.anything\nexcept ValueError as error:\n    errors.append(str(error))\n"
                         "errors.append('broken' in sys.modules)\n"
                         "try:\n    import broken\nexcept ValueError as error:\n    errors.append(str(error))\n"
                         "print(json.dumps(errors))")
    assert seen["printed"] == ["broken on import", False, "broken on import"]


def test_a_missing_name_of_a_loaded_module_is_the_usual_error(tmp_path):
    seen = run(tmp_path, "import late\ntry:\n    late.nothing\nexcept AttributeError as error:\n    print(json.dumps(str(error)))")
    assert seen["printed"] == "module 'late' has no attribute 'nothing'" and seen["ran"] == ["package"]


def test_a_submodule_is_refused_before_anything_is_imported(tmp_path):
    """Finding late.part's spec would import late (here: run the deferred package)."""
    seen = run(tmp_path, "try:\n    deferred_imports.defer(('late.part',))\nexcept ValueError as error:\n"
                         "    print(json.dumps(str(error)))")
    assert seen == {"printed": "late.part: only a top-level module can be deferred", "ran": []}
