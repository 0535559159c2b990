"""Benchmark: generate a practice of 1,000,000 claim lines and write its folder.

Prints wall seconds, lines per second and peak memory for generation alone and
for generation plus writing the audit folder (what `recoup generate` does).
Target on the 2-core machine: under 20 s and under 2 GB peak.

    python bench/generate.py [--lines 1000000] [--profile family_practice] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from _measure import gib, run_step  # noqa: E402

# Imported here, so the timed steps measure work, not start-up.
from recoup_lib.synthetic import generate_practice, write_practice  # noqa: E402


def step_generate(lines: int, profile: str, seed: int, out: str = "") -> dict:
    practice = generate_practice(lines=lines, seed=seed, profile=profile)
    if out:
        write_practice(practice, out)
    return {"lines": int(len(practice.lines)), "labels": int(len(practice.labels))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--profile", default="family_practice")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        gen = run_step("generate", "step_generate", args.lines, args.profile, args.seed)
        full = run_step("generate", "step_generate", args.lines, args.profile, args.seed, os.path.join(tmp, "p"))
        size = sum(os.path.getsize(os.path.join(tmp, "p", f)) for f in os.listdir(os.path.join(tmp, "p")))
    print(f"profile {args.profile}, {gen['lines']:,} claim lines, {gen['labels']:,} labels")
    print(f"generate only:     {gen['seconds']:6.1f} s  {gen['lines'] / gen['seconds']:>10,.0f} lines/s"
          f"  peak {gib(gen['peak_bytes'])}")
    print(f"generate + write:  {full['seconds']:6.1f} s  {full['lines'] / full['seconds']:>10,.0f} lines/s"
          f"  peak {gib(full['peak_bytes'])}  folder {size / 2**20:,.0f} MiB")
    print("target: under 20 s and under 2 GiB (generate + write)")


if __name__ == "__main__":
    main()
