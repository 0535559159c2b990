"""Benchmark: ``recoup audit --max-memory`` on a large practice, peak memory of the whole process tree.

Runs ``recoup audit FOLDER --max-memory SIZE`` in a child process and samples
the resident memory of it and of its workers together (``/proc``, every
0.1 s; the sum over processes counts pages they share more than once, so it
errs high). Then scores the findings against the practice's labels, which
must agree exactly, and prints the time beside the floor: pyarrow reading the
same four input files in this run.

    python bench/audit_partitioned.py --lines 3000000 [--max-memory 1GB] [--workers 2]
    python bench/audit_partitioned.py --folder PRACTICE --max-memory 1GB

``--lines N`` generates the practice first (``recoup generate --lines N
--no-remits --seed 7``) unless ``--folder`` names one already generated.
bench/audit_10m.sh prepares the ten-million-line run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyarrow.csv as pacsv

INPUTS = ("claim_lines.csv", "payments.csv", "coverage.csv", "documentation.csv")


def _pss(pid: int) -> int | None:
    """Proportional resident bytes of one process (a page shared by n processes counts 1/n)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def tree_memory(root: int) -> tuple[int, int]:
    """Resident bytes of ``root`` and every process below it: (RSS summed, PSS summed).

    Workers forked from the audit share its pages until they write to them;
    summing RSS counts such a page once per process, summing PSS counts it
    once. PSS is the memory the tree really holds (it falls back to RSS where
    ``/proc/PID/smaps_rollup`` cannot be read).
    """
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            parent, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total = proportional = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        pss = _pss(pid)
        proportional += rss.get(pid, 0) if pss is None else pss
        todo.extend(children.get(pid, []))
    return total, proportional


def run_sampled(command: list[str]) -> tuple[float, tuple[int, int], str]:
    """Run ``command``; return wall seconds, the peaks of its process tree's memory
    (RSS summed, PSS summed: see :func:`tree_memory`), and its output."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0, 0]

    def sample():
        while child.poll() is None:
            rss, pss = tree_memory(child.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = child.communicate()[0]
    sampler.join()
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{output}")
    return time.perf_counter() - started, (peak[0], peak[1]), output


def floor_seconds(folder: Path) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for name in INPUTS:
            if (folder / name).is_file():
                pacsv.read_csv(folder / name)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="an already generated practice")
    parser.add_argument("--lines", type=int, default=3_000_000)
    parser.add_argument("--max-memory", default="1GB")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--keep", action="store_true", help="keep the generated practice and the results")
    args = parser.parse_args()
    recoup = [sys.executable, "-m", "recoup_lib"]
    tmp = tempfile.mkdtemp(prefix="recoup-bench-")
    folder = args.folder
    if folder is None:
        folder = Path(tmp) / "practice"
        seconds, peak, _ = run_sampled(recoup + ["generate", "--lines", str(args.lines), "--no-remits",
                                                 "--seed", "7", "--out", str(folder)])
        print(f"generated {args.lines:,} lines in {seconds:.0f} s (peak {peak[1] / 10**9:.2f} GB)")
    out = Path(tmp) / "audit"
    command = recoup + ["audit", str(folder), "--out", str(out), "--max-memory", args.max_memory]
    if args.workers is not None:
        command += ["--workers", str(args.workers)]
    seconds, (peak_rss, peak), output = run_sampled(command)
    floor = floor_seconds(folder)

    from recoup_lib.folder import read_table
    from recoup_lib.rules import score
    from recoup_lib.wording import parse_size

    findings = read_table(out / "findings.csv").data
    table = score(findings, read_table(folder / "labels.csv").data).set_index("error_type")
    row = table.loc["all"]
    equal = (row["false_positives"] == 0 and row["false_negatives"] == 0
             and row["exact_amounts"] == row["true_positives"])
    lines = sum(1 for _ in open(folder / "claim_lines.csv", "rb")) - 1
    print(output.strip().splitlines()[-1])
    print(f"{'lines':>12} {'budget':>8} {'seconds':>8} {'peak (tree)':>12} {'floor':>7} {'ratio':>7} {'findings':>9}"
          "  labels")
    print(f"{lines:>12,} {args.max_memory:>8} {seconds:>8.1f} {peak / 10**9:>9.2f} GB {floor:>6.2f}s"
          f" {seconds / floor:>6.1f}x {len(findings):>9,}  {'equal' if equal else 'DIFFER'}")
    budget = parse_size(args.max_memory)
    print(f"peak (tree, PSS: a page shared with forked workers counted once) {peak / 10**9:.2f} GB = "
          f"{peak / 2**30:.2f} GiB; RSS summed over the processes {peak_rss / 10**9:.2f} GB; "
          f"target: peak within --max-memory {args.max_memory} "
          f"({'met' if peak <= budget else 'OVER'}: {peak / budget:.0%} of it), findings equal to labels")
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"kept {tmp}")
    if not equal:
        raise SystemExit(f"findings differ from the labels:\n{table}")


if __name__ == "__main__":
    main()
