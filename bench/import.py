"""Benchmark: import a practice-management export and an 837 batch of 1,000,000 claim lines.

Measured in the same run, each step in its own process (seconds, peak memory):

- ``audit read``: ``read_audit_folder`` on the practice in the kit's own format (the floor);
- ``import CSV``: ``import_files`` on the same practice exported messily (Windows-1252 charges
  with title and TOTAL rows, US dates, $ amounts; payments, coverage and documentation as CSV);
- ``837 vectorised``: ``read_837`` on the same claims as 837P files;
- ``837 Python loop``: a plain pure-Python segment loop extracting the same fields.

Each step prints its wall seconds (the targets are ratios of those) and its CPU seconds.

Targets: the CSV import within 2x of the audit's read time; the 837 reader at least 5x faster
than the Python loop. The machine may be shared: compare the ratios, not the seconds.

    python bench/import.py [--lines 1000000] [--profile family_practice]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from _measure import gib, run_step  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--profile", default="family_practice")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_step("_import_steps", "step_write", args.lines, args.profile, tmp)
        rows = {name: run_step("_import_steps", f"step_{name}", tmp)
                for name in ("audit_read", "import_csv", "read_837", "python_loop")}
    labels = {"audit_read": "audit read (floor)", "import_csv": "import CSV export",
              "read_837": "837 vectorised", "python_loop": "837 Python loop"}
    print(f"{'step':<22} {'lines':>10} {'seconds':>8} {'CPU s':>8} {'peak':>10}")
    for name, r in rows.items():
        print(f"{labels[name]:<22} {r['lines']:>10,} {r['seconds']:>8.1f} {r['cpu_seconds']:>8.1f} "
              f"{gib(r['peak_bytes']):>10}")
    csv_ratio = rows["import_csv"]["seconds"] / rows["audit_read"]["seconds"]
    x12_ratio = rows["python_loop"]["seconds"] / rows["read_837"]["seconds"]
    print(f"CSV import / audit read: {csv_ratio:.2f}x (target: at most 2x)")
    print(f"837: Python loop / vectorised: {x12_ratio:.2f}x faster (target: at least 5x)")
    # Wall time is the target; CPU time says how much of it is work rather than waiting for a
    # shared machine, and what the threads of the readers (not of the Python loop) add.
    cpu_csv = rows["import_csv"]["cpu_seconds"] / rows["audit_read"]["cpu_seconds"]
    cpu_x12 = rows["python_loop"]["cpu_seconds"] / rows["read_837"]["cpu_seconds"]
    print(f"CPU seconds: CSV import / audit read {cpu_csv:.2f}x; 837 Python loop / vectorised {cpu_x12:.2f}x")


if __name__ == "__main__":
    main()
