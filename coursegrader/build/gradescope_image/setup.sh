#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu, network on).
# It installs Python @PYTHON_VERSION@, the pinned packages and the coursegrader package bundled
# in this zip into one folder (/opt/coursegrader). Grading installs nothing and needs no
# network: run_autograder only runs what this script installed.
# The build fills in the @...@ values from course_config.py; the pins are the zip's
# gradescope/requirements.txt (what coursegrader imports) and gradescope/constraints.txt (the
# repository's requirements.txt: every other package at the version the course was tested with).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"  # the unpacked zip: /autograder/source
prefix="${COURSEGRADER_PREFIX:-/opt/coursegrader}"  # run_autograder uses the same folder
python_version="@PYTHON_VERSION@"
python_minimum="@PYTHON_MINIMUM_VERSION@"
torch_version="@TORCH_VERSION@"
torch_index="@TORCH_CPU_INDEX_URL@"
export DEBIAN_FRONTEND=noninteractive

# A Python of this version, recent enough for the pinned packages, that can make the environment
python_fits() {
  "python$python_version" -c "import sys; sys.exit(sys.version_info[:3] < tuple(map(int, '$python_minimum'.split('.'))))" \
    2>/dev/null && "python$python_version" -m venv --clear "$prefix" 2>/dev/null
}
echo "== Python $python_version (at least $python_minimum) in $prefix"
if ! python_fits; then
  # Ubuntu ships none (24.04) or an older release (22.04): the deadsnakes archive has the newest
  echo "== installing Python $python_version from the deadsnakes archive"
  apt-get update -qq
  apt-get install -y -qq software-properties-common >/dev/null
  add-apt-repository -y ppa:deadsnakes/ppa
  apt-get update -qq
  apt-get install -y -qq "python$python_version" "python$python_version-venv" >/dev/null
  python_fits || { echo "error: no Python $python_version of at least $python_minimum here" >&2; exit 1; }
fi
python="$prefix/bin/python"
pip_options=(--no-cache-dir --disable-pip-version-check --no-input --constraint "$here/gradescope/constraints.txt")
pip=("$python" -m pip install "${pip_options[@]}")

# The CPU build from PyTorch's CPU index when it answers within seconds (the default Linux wheel
# adds GBs of CUDA), else the default index at once; the rule is the bundled torch_install.py's,
# the same the repository's setup.sh runs.
echo "== torch $torch_version"
"$python" "$here/gradescope/package/coursegrader/build/torch_install.py" "$torch_version" "$torch_index" "${pip_options[@]}"

echo "== otter-grader, NumPy, matplotlib, IPython and the rest of what coursegrader imports"
"${pip[@]}" --requirement "$here/gradescope/requirements.txt"
"$python" -m pip check

echo "== coursegrader from this zip"
site="$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
rm -rf "$site/coursegrader"
cp -r "$here/gradescope/package/coursegrader" "$site/coursegrader"
"$python" -m compileall -q "$site/coursegrader"

# Start the warm grading process once: it checks that every import works, and matplotlib builds
# its font cache now instead of in every grading run.
echo "== checking that the grader starts"
(cd / && "$python" -c "from coursegrader.engine.forkserver import ForkServer; ForkServer().close()")
echo "== done: run_autograder grades with $python -m coursegrader gradescope"
