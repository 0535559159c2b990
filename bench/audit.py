"""Benchmark: audit generated practices of 100,000 and 1,000,000 claim lines, beside their I/O floor.

Prints wall seconds (reading the folder, running the ten rules, writing the
results), lines per second and peak memory for each size, and the floor
measured in the same run: pyarrow reading the same four input files
(claim_lines, payments, coverage, documentation; ``pyarrow.csv.read_csv``
with its defaults, every core, best of three, file cache warm as for the
audit). The audit is timed in a fresh process (as ``recoup audit`` runs) and
again in the same process ("again": memory already mapped, as in a notebook
that audits twice). Target: the audit of the largest size within 6x its floor.

With ``--repeat N`` each size is audited in N fresh processes, each with its
own floor; every run is printed, and the ratio is given for the median run
and for the best (fastest audit over the lowest floor of the same sizes: the
floor itself is a best of three). On a shared machine one run moves by a
fifth from minute to minute; the median says what to expect, the best what
the code can do.

    python bench/audit.py [--sizes 100000,1000000] [--profile family_practice] [--workers N] [--repeat N]
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

INPUTS = ("claim_lines.csv", "payments.csv", "coverage.csv", "documentation.csv")
TARGET_RATIO = 6.0


def step_write(lines: int, profile: str, out: str) -> dict:
    write_practice(generate_practice(lines=lines, seed=7, profile=profile), out)
    return {}


def step_audit(folder: str, out: str, workers=None) -> dict:
    """The audit in a fresh process (as ``recoup audit`` runs it), then again in the same process
    (as a notebook that audits twice), and the floor in between."""
    import resource
    import time

    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    result = audit_folder(folder, workers=workers)
    write_audit(result, out)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cold = {"lines": int(len(result.lines)), "findings": int(len(result.findings)),
            "cold": time.perf_counter() - started, "cold_user": after.ru_utime - before.ru_utime,
            "cold_system": after.ru_stime - before.ru_stime, "cold_faults": after.ru_minflt - before.ru_minflt}
    del result
    floor = step_floor(folder)["floor"]
    started = time.perf_counter()
    write_audit(audit_folder(folder, workers=workers), out)
    return {**cold, "floor": floor, "warm": time.perf_counter() - started}


def step_floor(folder: str) -> dict:
    """pyarrow reading the four input files, best of three (in this step's own process)."""
    import time

    import pyarrow.csv as pacsv

    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for name in INPUTS:
            path = os.path.join(folder, name)
            if os.path.exists(path):
                pacsv.read_csv(path)
        best = min(best, time.perf_counter() - started)
    return {"floor": best}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--profile", default="family_practice")
    parser.add_argument("--workers", type=int, help="cores for the audit (default: all)")
    parser.add_argument("--repeat", type=int, default=1, help="fresh-process audits of each size (default 1)")
    args = parser.parse_args()
    repeat = max(1, args.repeat)
    rows, runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            folder = os.path.join(tmp, f"p{size}")
            run_step("audit", "step_write", size, args.profile, folder)
            for _ in range(repeat):
                runs.append(run_step("audit", "step_audit", folder, os.path.join(tmp, f"out{size}"), args.workers))
                runs[-1]["seconds"] = runs[-1]["cold"]  # the step's clock covers both audits and the floor
            rows.append(_median_run(runs[-repeat:]))
    print(f"{'lines':>10} {'seconds':>8} {'lines/s':>10} {'findings':>9} {'peak':>10} {'floor':>7} {'ratio':>6}"
          f" {'again':>7} {'ratio':>6}")
    for r in rows:
        print(f"{r['lines']:>10,} {r['seconds']:>8.1f} {r['lines'] / r['seconds']:>10,.0f} {r['findings']:>9,}"
              f" {gib(r['peak_bytes']):>10} {r['floor']:>6.2f}s {r['seconds'] / r['floor']:>5.1f}x"
              f" {r['warm']:>6.1f}s {r['warm'] / r['floor']:>5.1f}x")
    if len(rows) > 1:
        ratio = (rows[-1]['seconds'] / rows[0]['seconds']) / (rows[-1]['lines'] / rows[0]['lines'])
        print(f"time per line, largest vs smallest: {ratio:.2f}x (1.00 = linear)")
    largest = rows[-1]
    if repeat > 1:
        _print_repeats(runs[-repeat:])
    print(f"audit / floor at {largest['lines']:,} lines: {largest['seconds'] / largest['floor']:.1f}x in a fresh "
          f"process, {largest['warm'] / largest['floor']:.1f}x audited again in the same process "
          f"(floor {largest['floor']:.2f} s: pyarrow reading the same four files){' in the median run' if repeat > 1 else ''}; "
          f"target <= {TARGET_RATIO:.0f}x")
    print(f"the fresh-process audit at {largest['lines']:,} lines: {largest['cold_user']:.1f} s of user CPU, "
          f"{largest['cold_system']:.1f} s of system CPU, {largest['cold_faults']:,} page faults (system CPU "
          "is mostly the kernel handing out memory; on the project's virtual machine, memory not touched "
          "lately costs about 10 us a page)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end "
          "(figures from a shared machine are slower and noisier)")


def _median_run(runs: list[dict]) -> dict:
    """The run whose ratio to its own floor is the median of ``runs`` (the lower middle of an even count)."""
    ordered = sorted(runs, key=lambda r: r["seconds"] / r["floor"])
    return ordered[(len(ordered) - 1) // 2]


def _print_repeats(runs: list[dict]) -> None:
    """Each fresh-process run of the largest size, and the best: fastest audit over lowest floor."""
    print("runs of the largest size: " + "; ".join(
        f"{r['seconds']:.2f} s over {r['floor']:.2f} s = {r['seconds'] / r['floor']:.1f}x" for r in runs))
    fastest, lowest = min(r["seconds"] for r in runs), min(r["floor"] for r in runs)
    print(f"best of {len(runs)}: {fastest:.2f} s over {lowest:.2f} s = {fastest / lowest:.1f}x")


if __name__ == "__main__":
    main()
