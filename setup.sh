#!/usr/bin/env bash
# First command of the README: install everything into ./.venv, then build the assignment and
# grade the bundled sample submissions. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

# The Python first, before anything is installed: PYTHON (default python3) must be at least
# course_config.py's PYTHON_MINIMUM_VERSION (read here as text, nothing imported), the oldest
# release every pin installs on; else one line says so at once, not after minutes of downloads.
python=${PYTHON:-python3}
minimum=$(sed -n 's/^PYTHON_MINIMUM_VERSION *= *"\([0-9.]*\)".*/\1/p' course_config.py)
[ -n "$minimum" ] || { echo "error: course_config.py has no PYTHON_MINIMUM_VERSION = \"X.Y.Z\" line" >&2; exit 1; }
# "implementation X.Y.Z" of an interpreter, or nothing when it does not run (any Python 2 or 3 can answer)
python_release() {
  "$1" -c 'import platform, sys; sys.stdout.write("%s %s" % (platform.python_implementation(), platform.python_version()))' 2>/dev/null || true
}
at_least() {  # at_least 3.11.7 3.11.5: whether the first version is the second or later (3.13.0rc1 counts as 3.13.0)
  local IFS=. i a b
  local -a have=($1) want=($2)
  for i in 0 1 2; do
    a=${have[i]:-0} b=${want[i]:-0}
    a=${a%%[!0-9]*} b=${b%%[!0-9]*}
    [ "${a:-0}" -gt "${b:-0}" ] && return 0
    [ "${a:-0}" -lt "${b:-0}" ] && return 1
  done
  return 0
}
release=$(python_release "$python")
if [ -z "$release" ] || ! at_least "${release#* }" "$minimum"; then
  echo "error: this course needs Python $minimum or newer, and $python is ${release:-not a Python that runs}: run PYTHON=/path/to/python${minimum%.*} bash setup.sh" >&2
  exit 1
fi

# System packages: Debian's chromium (the browser the tests drive and export_pdf.py prints with;
# nothing downloads a browser) and a CJK font (Chinese in plots and PDFs). Installed only when
# missing; without root, say what to install.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list :lang=zh family 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -eq 0 ]; then
  echo "== system packages present: chromium, a CJK font"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "error: missing system packages: ${missing[*]}" >&2
  echo "       install them as root first: apt-get install -y ${missing[*]}   (then run bash setup.sh again)" >&2
  exit 1
fi

# A .venv made by another Python (a wrong version, or one that no longer runs) is made again.
venv_release=$(python_release .venv/bin/python)
if [ "$venv_release" != "$release" ]; then
  if [ -e .venv ]; then
    echo "== replacing .venv (made by ${venv_release:-a Python that no longer runs}) with $release ($python)"
  else
    echo "== creating .venv with $release ($python)"
  fi
  "$python" -m venv --clear .venv
fi
pip_options=(--quiet --disable-pip-version-check)
pip=(.venv/bin/python -m pip install "${pip_options[@]}")
# The pins are course_config.py's, read (and the whole file checked) by coursegrader.config.
pins=$(.venv/bin/python -m coursegrader.core.config TORCH_VERSION TORCH_CPU_INDEX_URL)
torch_version="" torch_index=""
{ read -r torch_version; read -r torch_index; } <<<"$pins" || true
[ -n "$torch_version" ] && [ -n "$torch_index" ] || { echo "error: course_config.py gave no TORCH_VERSION / TORCH_CPU_INDEX_URL" >&2; exit 1; }
# torch first, so nothing else pulls a CUDA build: the CPU build from PyTorch's CPU index when it
# answers within seconds, else the default index at once (coursegrader/build/torch_install.py, which
# the autograder zip's setup.sh runs too); it prints which build it installed.
echo "== installing torch $torch_version"
.venv/bin/python coursegrader/build/torch_install.py "$torch_version" "$torch_index" "${pip_options[@]}"
echo "== installing otter-grader, nbgrader, matplotlib, pytest and the Jupyter stack (requirements.txt)"
"${pip[@]}" -r requirements.txt
"${pip[@]}" --no-deps -e .
.venv/bin/python -m pip check
# matplotlib caches its font list; a cache from before the CJK font was installed would hide it.
.venv/bin/python - <<'PY'
from matplotlib import font_manager
def cjk(manager):
    return sorted({font.name for font in manager.ttflist if "CJK" in font.name})
found = cjk(font_manager.fontManager) or cjk(font_manager._load_fontmanager(try_read_cache=False))
print("== matplotlib sees CJK fonts:", ", ".join(found) if found else "none (Chinese plot labels will show boxes)")
PY

if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi
export PATH="$PWD/.venv/bin:$PATH"
echo "== building the assignment and grading samples/autograd"
exec .venv/bin/python -m coursegrader demo
