"""Benchmark: audit generated practices of 100,000 and 1,000,000 claim lines.

Prints wall seconds (reading the folder, running the ten rules, writing the
results), lines per second and peak memory for each size, side by side, so the
cost's growth is visible. Target on the 2-core machine for 1,000,000 lines:
under 15 s and under 3 GB.

    python bench/audit.py [--sizes 100000,1000000] [--profile family_practice]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from _measure import gib, run_step  # noqa: E402

# Imported here, so the timed steps measure work, not start-up.
from recoup_lib.rules import audit_folder, write_audit  # noqa: E402
from recoup_lib.synthetic import generate_practice, write_practice  # noqa: E402


def step_write(lines: int, profile: str, out: str) -> dict:
    write_practice(generate_practice(lines=lines, seed=7, profile=profile), out)
    return {}


def step_audit(folder: str, out: str) -> dict:
    result = audit_folder(folder)
    write_audit(result, out)
    return {"lines": int(len(result.lines)), "findings": int(len(result.findings))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--profile", default="family_practice")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            folder = os.path.join(tmp, f"p{size}")
            run_step("audit", "step_write", size, args.profile, folder)
            rows.append(run_step("audit", "step_audit", folder, os.path.join(tmp, f"out{size}")))
    print(f"{'lines':>10} {'seconds':>8} {'lines/s':>10} {'findings':>9} {'peak':>10}")
    for r in rows:
        print(f"{r['lines']:>10,} {r['seconds']:>8.1f} {r['lines'] / r['seconds']:>10,.0f} {r['findings']:>9,}"
              f" {gib(r['peak_bytes']):>10}")
    if len(rows) > 1:
        ratio = (rows[-1]['seconds'] / rows[0]['seconds']) / (rows[-1]['lines'] / rows[0]['lines'])
        print(f"time per line, largest vs smallest: {ratio:.2f}x (1.00 = linear)")
    print("target: 1,000,000 lines under 15 s and under 3 GB")


if __name__ == "__main__":
    main()
