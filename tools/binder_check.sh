#!/usr/bin/env bash
# The Binder environment, checked without Binder: a fresh virtual environment installs
# binder/requirements.txt (CPU-only torch), runs binder/postBuild as repo2docker does (into a HOME of its own),
# then
#  1. executes every chapter's notebook edition (notebooks/, what the launch button opens) top to bottom in a
#     fresh kernel and reports the kernel's peak memory (RSS);
#  2. plays a learner's session (tools/binder_session.py): one JupyterLab server with binder/postBuild's settings,
#     the nine chapters opened and run one after another, each tab closed before the next (kernelShutdown); then
#     again with each tab abandoned after a minute's reading, which leaves the kernel to the culler. It measures
#     the server plus every kernel alive.
# Fails if a chapter fails, if a kernel or a session needs more than Binder's 2 GB (BINDER_LIMIT_MB, default
# 2048), or if an abandoned kernel is never culled.
#
#   tools/binder_check.sh [VENV]     default VENV: a new folder under ${TMPDIR:-/tmp}
#
# BINDER_REQUIREMENTS names another requirements file (default binder/requirements.txt) and PYTHON the
# interpreter that creates the venv (default python3; repo2docker's default is Python 3.10).
# The weekly workflow (.github/workflows/weekly.yml) runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${1:-$(mktemp -d "${TMPDIR:-/tmp}/binder.XXXXXX")/venv}
REQUIREMENTS=${BINDER_REQUIREMENTS:-binder/requirements.txt}
LIMIT_MB=${BINDER_LIMIT_MB:-2048}
PYTHON=${PYTHON:-python3}

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -r "$REQUIREMENTS"
# repo2docker runs postBuild from the repository root with the environment's python first on PATH.
export HOME="$VENV/home" JUPYTER_RUNTIME_DIR="$VENV/home/runtime"  # what postBuild configures, and nothing of ours
mkdir -p "$HOME"
PATH="$VENV/bin:$PATH" bash binder/postBuild >/dev/null
"$VENV/bin/python" -m pip freeze --exclude-editable > "$VENV/freeze.txt"
echo "Binder environment: $VENV ($(du -sm "$VENV" | cut -f1) MB; $(grep -E '^torch==' "$VENV/freeze.txt"))"

# One chapter in one fresh kernel (nbclient); RUSAGE_CHILDREN then holds that kernel's peak RSS.
run_chapter='
import resource, sys, time
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
spec = KernelSpecManager().get_kernel_spec("python3")
if spec.argv[0] not in (sys.executable, "python"):
    sys.exit(f"kernel python3 runs {spec.argv[0]}, not this environment ({sys.executable})")
nb = nbformat.read(sys.argv[1], as_version=4)
start = time.perf_counter()
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": "notebooks"}}).execute()
print(f"{time.perf_counter() - start:.1f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f}")
'

status=0
summary="| chapter | seconds | kernel peak RSS (MB) |\n|---|---:|---:|\n"
for nb in $("$VENV/bin/python" -c 'from dlmath import CHAPTERS; print(" ".join(f"notebooks/{c.stem}.ipynb" for c in CHAPTERS))'); do
  if ! out=$("$VENV/bin/python" -c "$run_chapter" "$nb" 2>"$VENV/error.txt" | tail -n 1); then
    echo "FAILED: $nb"; tail -n 20 "$VENV/error.txt"; status=1; continue
  fi
  read -r seconds mb <<<"$out"
  printf '%-40s %6s s %6s MB\n' "$nb" "$seconds" "$mb"
  summary+="| $nb | $seconds | $mb |\n"
  if (( mb > LIMIT_MB )); then
    echo "FAILED: $nb: its kernel peaked at $mb MB, over Binder's $LIMIT_MB MB"; status=1
  fi
done

# 2. A learner's session: the server and the kernels together.
for leave in "close --read 0" "abandon --read 60"; do
  echo "A session of nine chapters, each tab left by: $leave"
  # shellcheck disable=SC2086
  if ! "$VENV/bin/python" tools/binder_session.py --jupyter "$VENV/bin/jupyter" --limit-mb "$LIMIT_MB" --leave $leave \
      | tee "$VENV/session.txt" | grep -v '^SUMMARY'; then status=1; fi
  summary+="\nSession ($leave): $(grep '^SUMMARY' "$VENV/session.txt" | cut -c9-)\n"
done
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then printf "%b" "$summary" >> "$GITHUB_STEP_SUMMARY"; fi
exit "$status"
