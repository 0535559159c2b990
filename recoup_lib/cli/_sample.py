"""``recoup sample FRAME.csv``: draw a seeded probability sample with spares."""

from __future__ import annotations

import argparse
import contextlib

from ..errors import InputError, UsageError

ORDER = 60


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "sample",
        help="draw a seeded random sample (simple or stratified) with spares from a frame",
        description=(
            "Select a simple random sample, or a stratified one, from a sample frame (one row "
            "per unit of the universe). The same FRAME.csv and seed always give the same "
            "sample. Writes OUT/sample.csv (one row per selected unit and spare), "
            "OUT/sample_design.json (seed, generator, sizes per stratum) and OUT/strata.csv "
            "(the --strata file of `recoup extrapolate`). Seeds are not interchangeable "
            "with RAT-STATS, which has its own generator."),
    )
    parser.add_argument("frame", metavar="FRAME.csv", help="the sample frame")
    parser.add_argument("--id-column", required=True, metavar="COL",
                        help="column identifying each unit (non-blank, unique)")
    parser.add_argument("--size", metavar="N",
                        help="sample size (for a stratified sample: the total, split among "
                             "strata by --allocation)")
    parser.add_argument("--seed", required=True, metavar="S",
                        help="random seed, a whole number >= 0: keep it with the audit file")
    parser.add_argument("--spares", default="0", metavar="K",
                        help="spares per stratum, drawn after the sample (default 0)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--stratify-by", metavar="COL", help="stratify by this column")
    group.add_argument("--strata-bounds", metavar="B0,B1,...",
                       help="stratify by dollar bands of --amount-column: [B0,B1), [B1,B2), "
                            "..., [Bk, up); e.g. 0,100,500")
    parser.add_argument("--amount-column", default="paid", metavar="COL",
                        help="money column for --strata-bounds (default: paid)")
    parser.add_argument("--stratum-sizes", metavar="S1=N1,S2=N2",
                        help="sample size of each stratum, instead of --size")
    parser.add_argument("--allocation", choices=("proportional", "equal"),
                        help="how --size is split among strata after 2 units each "
                             "(default proportional to stratum size)")
    parser.add_argument("--out", required=True, metavar="OUT", help="output folder")
    parser.set_defaults(run=run)


def _whole(text: str, option: str, minimum: int) -> int:
    value = str(text).strip().replace(",", "")
    if not value.isdigit() or int(value) < minimum:
        raise UsageError(f"{option} must be a whole number >= {minimum}; got {text!r}")
    return int(value)


def _bounds(text: str) -> list[int]:
    from ..money import parse_cents_scalar
    from ..sampling import check_strata_bounds
    from . import options_checked

    parts = [p.strip() for p in text.split(",")]
    try:
        bounds = [parse_cents_scalar(p) for p in parts]
    except ValueError:
        raise UsageError("--strata-bounds must be dollar amounts separated by commas "
                         f"(e.g. 0,100,500); got {text!r}") from None
    with options_checked():
        return check_strata_bounds(bounds)


def _stratum_sizes(text: str) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for item in text.split(","):
        name, sep, size = item.rpartition("=")
        if not sep or not name.strip():
            raise UsageError("--stratum-sizes must look like A=30,B=20 (stratum=size); got "
                             f"{item!r}")
        if name.strip() in sizes:
            raise UsageError(f"--stratum-sizes names stratum {name.strip()!r} twice")
        sizes[name.strip()] = _whole(size, f"--stratum-sizes size of {name.strip()!r}", 1)
    return sizes


@contextlib.contextmanager
def _named(label: str, column: str):
    """A problem the selection finds in the frame's values names the file and the column."""
    try:
        yield
    except InputError as exc:
        text = str(exc)
        raise InputError(text if text.startswith(label) else f"{label}, column '{column}': {text}") from None


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..outputs import check_folder
    from ..sampling import (
        SampleSelection, read_frame_file, select_sample, strata_from_bounds,
    )
    from ..schema import money_column
    from . import options_checked

    for option in ("id_column", "stratify_by", "amount_column"):  # named as read_frame_file names the columns
        if getattr(args, option) is not None:
            setattr(args, option, getattr(args, option).strip())
    seed = _whole(args.seed, "--seed", 0)
    spares = _whole(args.spares, "--spares", 0)
    stratified = bool(args.stratify_by or args.strata_bounds)
    for option, given in (("--stratum-sizes", args.stratum_sizes), ("--allocation", args.allocation)):
        if given and not stratified:
            raise UsageError(f"{option} needs --stratify-by or --strata-bounds (it splits a sample among strata)")
    if args.stratum_sizes and args.allocation:
        raise UsageError("give --allocation or --stratum-sizes, not both (the sizes given leave nothing to split)")
    if args.stratum_sizes and args.size:
        raise UsageError("give --size or --stratum-sizes, not both")
    if not args.stratum_sizes and not args.size:
        raise UsageError("give the sample size with --size N"
                         + (" (or --stratum-sizes)" if stratified else ""))
    size = _stratum_sizes(args.stratum_sizes) if args.stratum_sizes else _whole(
        args.size, "--size", 1)
    bounds = _bounds(args.strata_bounds) if args.strata_bounds else None
    check_folder(args.out, inputs=[args.frame], written_by=SampleSelection.written_by)
    frame = read_frame_file(
        args.frame, args.id_column, stratify_by=args.stratify_by,
        amount_column=args.amount_column if bounds is not None else None,
        lowest_amount_cents=bounds[0] if bounds is not None else None)
    reading = frame.attrs.get("reading")
    strata, described = None, None
    column = args.amount_column if bounds is not None else (args.stratify_by or args.id_column)
    with _named(Path(args.frame).name, column), options_checked():
        if args.stratify_by:
            strata, described = args.stratify_by, args.stratify_by
        elif bounds is not None:
            cents = money_column(args.amount_column)
            strata = strata_from_bounds(frame[cents], bounds)
            described = f"dollar bands of '{args.amount_column}': {args.strata_bounds}"
            frame = frame.drop(columns=[cents])
        selection = select_sample(frame, args.id_column, size, seed, spares=spares, strata=strata,
                                  allocation=args.allocation or "proportional", stratified_by=described)
    out = Path(args.out)
    selection.write(out, frame_file=Path(args.frame).name, inputs=[args.frame])
    print(f"recoup sample: {selection.summary()}")
    for sentence in reading.sentences() if reading is not None else []:
        print(sentence)
    print(f"Wrote {out / 'sample.csv'}, {out / 'sample_design.json'} and {out / 'strata.csv'}.")
    return 0
