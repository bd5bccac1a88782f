#!/usr/bin/env bash
# First command of the README: install everything into ./.venv, then build the assignment and
# grade the bundled sample submissions. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $($python --version)"
  "$python" -m venv .venv
fi
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
torch_version=$(.venv/bin/python -c 'import runpy; print(runpy.run_path("course_config.py")["TORCH_VERSION"])')
echo "== installing torch $torch_version (CPU) first, so nothing else pulls a CUDA build"
"${pip[@]}" "torch==$torch_version"
echo "== installing otter-grader, nbgrader, matplotlib, pytest and the Jupyter stack (requirements.txt)"
"${pip[@]}" -r requirements.txt
"${pip[@]}" --no-deps -e .
.venv/bin/python -m pip check

if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi
export PATH="$PWD/.venv/bin:$PATH"
echo "== building the assignment and grading samples/autograd"
exec .venv/bin/python -m coursegrader demo
