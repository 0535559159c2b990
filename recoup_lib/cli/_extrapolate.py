"""``recoup extrapolate SAMPLE.csv``: project sampled overpayments to the universe."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import UsageError

ORDER = 61


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "extrapolate",
        help="project a reviewed sample's overpayments to the universe (RAT-STATS style)",
        description=(
            "Estimate the universe's total overpayment from a reviewed probability sample: "
            "mean-per-unit estimation with finite population correction, Student's t with "
            "n - 1 degrees of freedom (unstratified), stratum totals summed (stratified). "
            "Prints JSON with sample_size, universe_size, point_estimate, standard_error, "
            "lower_bound, upper_bound, precision and confidence, plus the 80/90/95%% limits "
            "and the one-sided 90%% lower bound."),
        epilog=(
            "SAMPLE.csv columns: sample_id, overpayment (dollars; 0 for a clean unit), "
            "optional stratum and is_spare. Every sampled unit must have its overpayment: a "
            "file with unusable rows is refused (exit 1) because an extrapolation from part "
            "of a sample is not valid. Spares marked is_spare with a blank overpayment are "
            "skipped as unused."),
    )
    parser.add_argument("sample", metavar="SAMPLE.csv", help="the reviewed sample")
    parser.add_argument("--universe-size", metavar="N",
                        help="number of units in the universe (unstratified sample)")
    parser.add_argument("--strata", metavar="STRATA.csv",
                        help="stratum, universe_size for each stratum (stratified sample)")
    parser.add_argument("--confidence", default="0.90", metavar="C",
                        help="two-sided confidence, between 0 and 1 (default 0.90)")
    parser.add_argument("--stratified-df", default="satterthwaite",
                        choices=("satterthwaite", "pooled", "normal"),
                        help="critical value of a stratified appraisal: t with Satterthwaite's "
                             "effective degrees of freedom (default), t with n - L, or z")
    parser.add_argument("--table", action="store_true",
                        help="print a human-readable report with the 80/90/95%% table "
                             "instead of JSON")
    parser.set_defaults(run=run)


def _universe_size(text: str) -> int:
    from ..schema import MAX_WHOLE_NUMBER

    value = text.strip().replace(",", "")
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"--universe-size must be a whole number >= 1; got {text!r}")
    if int(value) > MAX_WHOLE_NUMBER:
        raise UsageError(f"--universe-size must be at most {MAX_WHOLE_NUMBER:,}; got {text!r}")
    return int(value)


def run(args: argparse.Namespace) -> int:
    from ..sampling import appraise_variable, check_confidence, read_sample_file, read_strata_file
    from . import options_checked

    if (args.universe_size is None) == (args.strata is None):
        raise UsageError("give exactly one of --universe-size N (unstratified sample) or "
                         "--strata STRATA.csv (stratified sample)")
    with options_checked():
        confidence = check_confidence(args.confidence, "--confidence")
    universe = None if args.universe_size is None else _universe_size(args.universe_size)
    sample = read_sample_file(args.sample, stratified=args.strata is not None)
    if sample.extra_spares:
        print(f"warning: {Path(args.sample).name}: {sample.extra_spares} spare(s) reviewed while every sample unit "
              "they could replace is still in the file, so the sample is larger than drawn; a spare takes the "
              "place of a unit that cannot be reviewed: delete that unit's row", file=sys.stderr)
    strata = None if args.strata is None else read_strata_file(args.strata)
    with options_checked():
        appraisal = appraise_variable(sample.data, universe_size=universe, strata=strata,
                                      confidence=confidence, df_method=args.stratified_df,
                                      label=Path(args.sample).name)
    notes = [sentence for reading in (sample.reading, getattr(strata, "reading", None)) if reading is not None
             for sentence in reading.sentences()]
    if args.table:
        print(appraisal.summary())
        if sample.unused_spares:
            print(f"\n  {sample.unused_spares} unused spare(s) skipped.")
        print("".join(f"\n  {note}" for note in notes), end="\n" if notes else "")
        return 0
    print(appraisal.to_json(rows_read=sample.rows_read, unused_spares=sample.unused_spares,
                            blank_rows_skipped=sample.reading.blank_rows))
    for note in notes:  # standard output holds the JSON alone
        print(f"note: {note}", file=sys.stderr)
    return 0
