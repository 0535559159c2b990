"""Benchmark: generate a practice of 1,000,000 claim lines and write its folder, beside its I/O floor.

Each step runs in a fresh process (wall seconds, peak resident memory):

- **generate**: simulate the practice and write its audit folder without the
  835s (``recoup generate --no-remits``; blocks side by side in ``--workers``
  processes, default every core; "peak" is this process, "worker" the
  largest worker process; "CPU main" and "CPU workers" their CPU seconds,
  steadier than wall seconds on a shared machine);
- **floor**: pyarrow reading the same generated files (every CSV the step
  wrote; ``pyarrow.csv.read_csv`` with its defaults, every core, best of
  three, file cache warm), measured in the same run. Target: generate within
  8x its floor;
- **835s**: the payers' 835 remittances of the same practice (planning the
  take-backs and writing the files; the practice is generated first, not
  timed). Target: under 20 s and 1.5 GB for 1,000,000 lines (``--no-835``
  skips it);
- **phases** (``--phases``): one block of the practice (the first, up to
  250,000 lines) made step by step in one process, with each step's CPU
  seconds: simulating the clean block, choosing the payer policies (over
  this block alone), injecting the errors and the notices, turning the
  tables into CSV text, writing it. Where the time goes, without a
  profiler's overhead;
- **bounded** (``--max-memory SIZE``): ``recoup generate --no-remits
  --max-memory SIZE``, block by block, and whether its folder is byte for
  byte the in-memory one.

    python bench/generate.py [--lines 1000000] [--profile family_practice] [--seed 1] [--repeat 2]
                             [--no-835] [--max-memory 1GB] [--phases]
"""

from __future__ import annotations

import argparse
import filecmp
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from _measure import gib, run_step  # noqa: E402

# Imported here, so the timed steps measure work, not start-up.
import recoup_lib.appeals  # noqa: E402,F401  (the payers' notices read its rule tables)
from recoup_lib.synthetic import generate, generate_practice  # noqa: E402

TARGET_RATIO = 8.0
TARGET_835_SECONDS = 20.0
TARGET_835_BYTES = 1.5 * 10**9


def step_generate(lines: int, profile: str, seed: int, out: str, max_memory: str | None = None,
                  workers: int | None = None) -> dict:
    """``recoup generate --no-remits`` (within ``max_memory`` if given); the largest worker's peak and the
    workers' CPU seconds too (on a shared machine CPU seconds say more than wall seconds)."""
    import resource

    generate(out, lines=lines, seed=seed, profile=profile, remits=False, max_memory=max_memory, workers=workers)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"files": sorted(f for f in os.listdir(out) if f.endswith(".csv")), "bytes": _size(out),
            "worker_peak_bytes": children.ru_maxrss * 1024,
            "worker_cpu_seconds": children.ru_utime + children.ru_stime}


def step_floor(folder: str) -> dict:
    """pyarrow reading every CSV of the folder, best of three (in this step's own process)."""
    import time

    import pyarrow.csv as pacsv

    names = sorted(f for f in os.listdir(folder) if f.endswith(".csv"))
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for name in names:
            pacsv.read_csv(os.path.join(folder, name))
        best = min(best, time.perf_counter() - started)
    return {"floor": best}


def step_remits(lines: int, profile: str, seed: int, out: str) -> dict:
    """Generate the practice (not timed), then time planning and writing its 835s."""
    import resource
    import time

    from recoup_lib.synthetic import plan_remits
    from recoup_lib.synthetic._remits import write_remits

    practice = generate_practice(lines=lines, seed=seed, profile=profile)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = time.perf_counter()
    written = write_remits(practice, plan_remits(practice), os.path.join(out, "remits"))
    return {"remit_seconds": time.perf_counter() - started, "files_835": len(written),
            "peak_before_835": before, "bytes_835": _size(os.path.join(out, "remits"))}


def step_phases(lines: int, profile: str, seed: int, out: str) -> dict:
    """The first block made step by step in this process: CPU seconds of each step (see the module's doc)."""
    import time

    from recoup_lib.synthetic import _layout
    from recoup_lib.synthetic._blocks import InjectionState, finish_block
    from recoup_lib.synthetic._inject_population import choose_policies, policy_view
    from recoup_lib.synthetic._write import _block_files

    layout = _layout(lines, seed, 0.08, profile, None, None, None)
    budget = sum(plan["flag"]["policy_change"] for plan in layout.plans)
    spent, last = {}, time.process_time()

    def lap(name: str) -> None:
        nonlocal last
        now = time.process_time()
        spent[name] = now - last
        last = now

    state = InjectionState(layout.clean(0))
    view = policy_view(state)
    lap("clean block")
    choice = choose_policies(layout.seed, layout.start, layout.end, layout.refs, [view], budget)
    lap("policies")
    practice = finish_block(layout, 0, state, choice, 0)
    lap("errors and notices")
    files, _, _ = _block_files(practice, layout, 0, {"claims": 0, "payments": 0, "notices": 0, "lines": 0})
    lap("CSV text")
    os.makedirs(out, exist_ok=True)
    for name, (header, body) in files.items():
        with open(os.path.join(out, name), "wb") as handle:
            handle.write(header)
            handle.write(body)
    lap("write")
    return {"block_lines": layout.sizes[0], "phases": spent}


def _size(folder: str) -> int:
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(folder) for f in files)


def _same_folders(a: str, b: str) -> bool:
    names = sorted(os.listdir(a))
    if names != sorted(os.listdir(b)):
        return False
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    return not mismatch and not errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--profile", default="family_practice")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="measure generate and its floor this many times")
    parser.add_argument("--no-835", dest="remits", action="store_false", help="skip the 835 step")
    parser.add_argument("--max-memory", metavar="SIZE", help="also generate within this budget, block by block")
    parser.add_argument("--workers", type=int, help="processes for the blocks (default: every core)")
    parser.add_argument("--phases", action="store_true", help="also time the steps of one block, one by one")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "p")
        for number in range(args.repeat):
            gen = run_step("generate", "step_generate", args.lines, args.profile, args.seed,
                           os.path.join(tmp, f"p{number}"), None, args.workers)
            gen["floor"] = run_step("generate", "step_floor", os.path.join(tmp, f"p{number}"))["floor"]
            rows.append(gen)
        os.rename(os.path.join(tmp, "p0"), folder)
        remit = run_step("generate", "step_remits", args.lines, args.profile, args.seed,
                         os.path.join(tmp, "r")) if args.remits else None
        bounded = None
        if args.max_memory:
            bounded = run_step("generate", "step_generate", args.lines, args.profile, args.seed,
                               os.path.join(tmp, "b"), args.max_memory, args.workers)
            bounded["same"] = _same_folders(folder, os.path.join(tmp, "b"))
        phases = run_step("generate", "step_phases", args.lines, args.profile, args.seed,
                          os.path.join(tmp, "phases")) if args.phases else None
    first = rows[0]
    print(f"profile {args.profile}, {args.lines:,} claim lines, seed {args.seed}: "
          f"{len(first['files'])} CSV files, {first['bytes'] / 2**20:,.0f} MiB")
    print(f"{'run':>4} {'generate':>9} {'lines/s':>10} {'peak':>10} {'worker':>10} {'floor':>7} {'ratio':>6}"
          f" {'CPU main':>9} {'CPU workers':>12}")
    for number, r in enumerate(rows, 1):
        print(f"{number:>4} {r['seconds']:>8.1f}s {args.lines / r['seconds']:>10,.0f} {gib(r['peak_bytes']):>10}"
              f" {gib(r['worker_peak_bytes']):>10} {r['floor']:>6.2f}s {r['seconds'] / r['floor']:>5.1f}x"
              f" {r['cpu_seconds']:>8.1f}s {r['worker_cpu_seconds']:>11.1f}s")
    best = min(rows, key=lambda r: r["seconds"] / r["floor"])
    print(f"generate (no 835s) / floor: {best['seconds'] / best['floor']:.1f}x at best of {len(rows)} "
          f"(floor: pyarrow reading the same {len(best['files'])} files, best of 3); target <= {TARGET_RATIO:.0f}x")
    if remit is not None:
        ok = remit["remit_seconds"] < TARGET_835_SECONDS and remit["peak_bytes"] < TARGET_835_BYTES
        print(f"835s: {remit['remit_seconds']:.1f} s to plan and write {remit['files_835']} files "
              f"({remit['bytes_835'] / 2**20:,.0f} MiB); process peak {gib(remit['peak_bytes'])} "
              f"({gib(remit['peak_before_835'])} before the 835s); target under {TARGET_835_SECONDS:.0f} s and "
              f"{TARGET_835_BYTES / 10**9:.1f} GB{'' if ok else ' (missed)'}")
    if bounded is not None:
        print(f"--max-memory {args.max_memory}: {bounded['seconds']:.1f} s, peak {gib(bounded['peak_bytes'])} "
              f"(largest worker {gib(bounded['worker_peak_bytes'])}), "
              f"same bytes as in memory: {'yes' if bounded['same'] else 'NO'}")
    if phases is not None:
        total = sum(phases["phases"].values())
        print(f"one block of {phases['block_lines']:,} lines, CPU seconds by step (one process): " + ", ".join(
            f"{name} {seconds:.2f}" for name, seconds in phases["phases"].items()) + f"; total {total:.2f}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end "
          "(figures from a shared machine are slower and noisier)")


if __name__ == "__main__":
    main()
