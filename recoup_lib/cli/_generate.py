"""``recoup generate``: a labelled synthetic practice as an audit folder."""

from __future__ import annotations

ORDER = 10


def add_parser(sub):
    p = sub.add_parser(
        "generate", help="simulate a practice with known errors (an audit folder plus answer key)",
        description="Simulate a practice from a profile, inject the contract's ten error types at the "
        "given rate, and write a self-contained audit folder with its answer key (labels.csv). "
        "Also writes the payers' overpayment notices (notices.csv) and their answer key "
        "(recoupment_labels.csv), and the payers' 835 remittances with the take-backs (remits/). "
        "The same seed always writes the same bytes.")
    p.add_argument("--lines", type=int, default=20000, help="claim lines to generate (default 20000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--error-rate", type=float, default=0.08,
                   help="share of lines with at least one error, 0 to 0.5 (default 0.08)")
    p.add_argument("--profile", default="family_practice",
                   help="practice profile name or path to a profile JSON (default family_practice)")
    p.add_argument("--start", help="first date of service, YYYY-MM-DD (default: the profile's)")
    p.add_argument("--end", help="last date of service, YYYY-MM-DD (default: the profile's)")
    p.add_argument("--no-remits", action="store_true",
                   help="skip the payers' 835 remittances (remits/) and the 837 claim files (claims837/); "
                   "notices.csv and recoupment_labels.csv are still written, without the take-back columns")
    p.add_argument("--workers", type=int,
                   help="processes for the blocks of a practice over 250,000 lines (default or 0: every core)")
    p.add_argument("--max-memory", metavar="SIZE",
                   help="memory budget such as 1GB: a practice too large for it is generated and written "
                   "block by block (the same bytes; the 835s need the whole practice, so add --no-remits)")
    p.add_argument("--force", action="store_true",
                   help="replace the practice in --out even where the kit's files there were edited; files "
                   "the kit did not write are kept, and one under the name of a file the practice writes "
                   "stops the run")
    p.add_argument("--out", required=True, help="folder to write (new, empty, or an earlier practice)")
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    import json
    import time
    from pathlib import Path

    from ..errors import UsageError
    from ..outputs import check_folder
    from ..synthetic import GeneratedPractice, describe, generate
    from . import next_step, options_checked, shown_path

    if args.lines < 50:
        raise UsageError(f"--lines must be at least 50; got {args.lines}")
    if not 0 <= args.error_rate <= 0.5:
        raise UsageError(f"--error-rate must be between 0 and 0.5; got {args.error_rate}")
    if args.max_memory is not None:
        from ..wording import parse_size

        with options_checked():
            parse_size(args.max_memory, "--max-memory")
    profile = Path(args.profile)
    inputs = [profile] if profile.suffix == ".json" and profile.exists() else []
    check_folder(args.out, inputs=inputs, force=args.force, written_by=GeneratedPractice.written_by,
                 hint=", or add --force to replace the practice there (files it did not write are kept)")
    started = time.perf_counter()
    with options_checked():
        out = generate(args.out, lines=args.lines, seed=args.seed, error_rate=args.error_rate, profile=args.profile,
                       start=args.start, end=args.end, remits=not args.no_remits, max_memory=args.max_memory,
                       workers=args.workers, force=args.force, inputs=inputs)
    head, *rest = describe(json.loads((out / "practice.json").read_text(encoding="utf-8"))).splitlines()
    print(f"{head} in {time.perf_counter() - started:.1f} s")
    for line in rest:
        print(line)
    print(f"wrote {Path(args.out)}")
    print(next_step(f"recoup audit {shown_path(args.out)} --out AUDIT"))
    return 0
