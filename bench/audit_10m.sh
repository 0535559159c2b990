#!/usr/bin/env bash
# The ten-million-line run: generate a practice (no 835s) and audit it with --max-memory 1GB.
# Takes tens of minutes and about 4 GB of disk; it starts only on an idle machine
# (load average under 1.5) unless FORCE=1. The practice is generated block by block within
# GEN_MEMORY (default 2GB; the same bytes as generated whole, which would need about 11 GB).
# Figures go to the README.
#
#   bash bench/audit_10m.sh [WORK_DIR]        (default: a folder under /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
WORK=${1:-$(mktemp -d /tmp/recoup-10m-XXXXXX)}
LOAD=$(cut -d' ' -f1 /proc/loadavg)
if [ "${FORCE:-0}" != 1 ] && awk -v l="$LOAD" 'BEGIN{exit !(l >= 1.5)}'; then
  echo "load average $LOAD: the machine is busy; not starting (FORCE=1 to run anyway)" >&2
  exit 3
fi
mkdir -p "$WORK"
FREE=$(df -Pk "$WORK" | awk 'NR==2{print $4}')
if [ "$FREE" -lt 6000000 ]; then
  echo "$WORK has $((FREE / 1024)) MiB free; the run needs about 6 GiB" >&2
  exit 3
fi
if [ ! -f "$WORK/practice/labels.csv" ]; then
  /usr/bin/time -f "generate: %e s, peak %M KiB" \
    "$PY" -m recoup_lib generate --lines 10000000 --no-remits --seed 7 --max-memory "${GEN_MEMORY:-2GB}" \
      --out "$WORK/practice"
fi
"$PY" bench/audit_partitioned.py --folder "$WORK/practice" --max-memory "${MAX_MEMORY:-1GB}"
echo "practice kept in $WORK (remove it when done)"
