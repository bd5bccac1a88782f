#!/usr/bin/env bash
# First command of the README: install everything into ./.venv, then build the assignment and
# grade the bundled sample submissions. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

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

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $($python --version)"
  "$python" -m venv .venv
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
