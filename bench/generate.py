"""Benchmark: generate a practice of 1,000,000 claim lines and write its folder.

Prints wall seconds, lines per second and peak memory for generation alone, for
generation plus writing the audit folder without remittances (`recoup generate
--no-remits`; target on the 2-core machine: under 20 s and under 2 GB peak), and
for generation plus writing everything, the payers' 835 remittances included
(`recoup generate`).

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


def step_generate(lines: int, profile: str, seed: int, out: str = "", remits: bool = False) -> dict:
    practice = generate_practice(lines=lines, seed=seed, profile=profile)
    if out:
        write_practice(practice, out, remits=remits)
    return {"lines": int(len(practice.lines)), "labels": int(len(practice.labels)),
            "notices": int(len(practice.notices))}


def _size(folder: str) -> int:
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(folder) for f in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--profile", default="family_practice")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        gen = run_step("generate", "step_generate", args.lines, args.profile, args.seed)
        full = run_step("generate", "step_generate", args.lines, args.profile, args.seed, os.path.join(tmp, "p"))
        size = _size(os.path.join(tmp, "p"))
        remit = run_step("generate", "step_generate", args.lines, args.profile, args.seed, os.path.join(tmp, "r"),
                         True)
        remit_size = _size(os.path.join(tmp, "r"))
        n_835 = len(os.listdir(os.path.join(tmp, "r", "remits")))
    print(f"profile {args.profile}, {gen['lines']:,} claim lines, {gen['labels']:,} labels, "
          f"{gen['notices']:,} notices")
    print(f"generate only:     {gen['seconds']:6.1f} s  {gen['lines'] / gen['seconds']:>10,.0f} lines/s"
          f"  peak {gib(gen['peak_bytes'])}")
    print(f"generate + write (--no-remits): {full['seconds']:6.1f} s  {full['lines'] / full['seconds']:>10,.0f} lines/s"
          f"  peak {gib(full['peak_bytes'])}  folder {size / 2**20:,.0f} MiB")
    print(f"generate + write + 835s: {remit['seconds']:6.1f} s  {remit['lines'] / remit['seconds']:>10,.0f} lines/s"
          f"  peak {gib(remit['peak_bytes'])}  folder {remit_size / 2**20:,.0f} MiB, {n_835} 835 files")
    print("target: under 20 s and under 2 GiB (generate + write, no remittances)")


if __name__ == "__main__":
    main()
