#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu, network on).
# It installs Python @PYTHON_VERSION@, the pinned packages and the coursegrader package bundled
# in this zip into one folder (/opt/coursegrader). Grading installs nothing and needs no
# network: run_autograder only runs what this script installed.
# The build fills in the @...@ values from course_config.py; the pins are the zip's
# gradescope/requirements.txt (what coursegrader imports) and gradescope/constraints.txt (the
# repository's requirements.txt: every other package at the version the course was tested with).
# Every network step is tried three times; Python comes from the image, else the deadsnakes
# archive, else (that archive unreachable) a standalone CPython build installed by uv.
# Sourced instead of run, it only defines its functions (the tests call them one by one).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"  # the unpacked zip: /autograder/source
prefix="${COURSEGRADER_PREFIX:-/opt/coursegrader}"  # run_autograder uses the same folder
python_version="@PYTHON_VERSION@"
python_minimum="@PYTHON_MINIMUM_VERSION@"
torch_version="@TORCH_VERSION@"
torch_index="@TORCH_CPU_INDEX_URL@"
uv_version="@UV_VERSION@"
export DEBIAN_FRONTEND=noninteractive

# A network step, tried again 10 s and then 20 s after a failure: one hiccup of a mirror, the
# PPA or a package index does not fail the whole image.
retry() {
  local try
  for try in 1 2 3; do
    "$@" && return 0
    if [ "$try" -lt 3 ]; then
      echo "== failed (try $try of 3), trying again in $((try * 10)) s: $*" >&2
      sleep $((try * 10))
    fi
  done
  echo "== failed 3 times: $*" >&2
  return 1
}

# Whether the Python $1 is $python_version, at least $python_minimum (the oldest release every
# pin installs on), and makes the environment in $prefix
python_fits() {
  "$1" -c "import sys; want = tuple(map(int, '$python_version'.split('.'))); low = tuple(map(int, '$python_minimum'.split('.')))
sys.exit(sys.version_info[:len(want)] != want or sys.version_info[:3] < low)" 2>/dev/null &&
    "$1" -m venv --clear "$prefix" 2>/dev/null
}

# Ubuntu ships none (24.04) or an older release (22.04): the deadsnakes archive has the newest
python_from_deadsnakes() {
  echo "== installing Python $python_version from the deadsnakes archive"
  retry apt-get update -qq &&
    retry apt-get install -y -qq software-properties-common >/dev/null &&
    retry add-apt-repository -y ppa:deadsnakes/ppa &&
    retry apt-get update -qq &&
    retry apt-get install -y -qq "python$python_version" "python$python_version-venv" >/dev/null &&
    python_fits "python$python_version"
}

# uv $uv_version (PyPI), installed with the pip of the image's python3 into $prefix-uv; prints its path
uv_command() {
  if ! python3 -m pip --version >/dev/null 2>&1; then
    { retry apt-get update -qq && retry apt-get install -y -qq python3 python3-pip; } >/dev/null || return 1
  fi
  retry python3 -m pip install --quiet --disable-pip-version-check --no-cache-dir --upgrade \
    --target "$prefix-uv" "uv==$uv_version" >&2 || return 1
  echo "$prefix-uv/bin/uv"
}

# The fallback when the archive cannot be reached or has no fitting Python: uv installs a
# standalone CPython build (python-build-standalone, what uv itself uses) into $prefix-python
python_from_uv() {
  echo "== installing Python $python_version with uv $uv_version instead"
  add-apt-repository --remove -y ppa:deadsnakes/ppa >/dev/null 2>&1 || true  # a PPA that cannot be fetched fails every apt-get update
  local uv found
  uv="$(uv_command)" || return 1
  export UV_PYTHON_INSTALL_DIR="$prefix-python"
  retry "$uv" python install --no-bin "$python_version" || return 1
  found="$("$uv" python find --managed-python "$python_version")" || return 1
  echo "== uv installed $found"
  python_fits "$found"
}

choose_python() {
  echo "== Python $python_version (at least $python_minimum) in $prefix"
  python_fits "python$python_version" || python_from_deadsnakes || python_from_uv || {
    echo "error: no Python $python_version of at least $python_minimum: the image has none, and neither the deadsnakes archive nor uv gave one (see above)" >&2
    return 1
  }
}

install_packages() {
  local python="$prefix/bin/python"
  local pip_options=(--no-cache-dir --disable-pip-version-check --no-input --constraint "$here/gradescope/constraints.txt")
  local pip=("$python" -m pip install "${pip_options[@]}")

  # The CPU build from PyTorch's CPU index when it answers within seconds (the default Linux wheel
  # adds GBs of CUDA), else the default index at once; the rule is the bundled torch_install.py's,
  # the same the repository's setup.sh runs.
  echo "== torch $torch_version"
  retry "$python" "$here/gradescope/package/coursegrader/build/torch_install.py" "$torch_version" "$torch_index" "${pip_options[@]}"

  echo "== otter-grader, NumPy, matplotlib, IPython and the rest of what coursegrader imports"
  retry "${pip[@]}" --requirement "$here/gradescope/requirements.txt"
  "$python" -m pip check

  echo "== coursegrader from this zip"
  local site
  site="$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  rm -rf "$site/coursegrader"
  cp -r "$here/gradescope/package/coursegrader" "$site/coursegrader"
  "$python" -m compileall -q "$site/coursegrader"

  # Start the warm grading process once: it checks that every import works, and matplotlib builds
  # its font cache now instead of in every grading run.
  echo "== checking that the grader starts"
  (cd / && "$python" -c "from coursegrader.engine.forkserver import ForkServer; ForkServer().close()")
  echo "== done: run_autograder grades with $python -m coursegrader gradescope"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  choose_python
  install_packages
fi
