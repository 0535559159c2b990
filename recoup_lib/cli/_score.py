"""``recoup score FINDINGS LABELS``: precision, recall and dollars against an answer key."""

from __future__ import annotations

import sys

ORDER = 30


def add_parser(sub):
    p = sub.add_parser(
        "score", help="score findings against an answer key (labels.csv)",
        description="Compare findings.csv (from `recoup audit`, a trainee or a new check) with a "
        "generated practice's labels.csv: precision, recall and dollars found per error type.")
    p.add_argument("findings", help="findings.csv")
    p.add_argument("labels", help="labels.csv")
    p.add_argument("--out", help="also write the score table to this CSV file (money in dollars: at_risk, "
                   "found, flagged_at_risk)")
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    from ..csvsaved import read_saved_table
    from ..folder import write_csv
    from ..money import dollars
    from ..outputs import check_file, output_file
    from ..rules import SCORE_WRITTEN_BY, score
    from ..schema import ERROR_TYPE_NAMES, SPECS
    from ..wording import listed

    inputs = [args.findings, args.labels]
    if args.out:
        check_file(args.out, inputs=inputs, written_by=SCORE_WRITTEN_BY)
    tables, notes = {}, []
    for name, path in (("findings.csv", args.findings), ("labels.csv", args.labels)):
        tables[name] = read_saved_table(path, SPECS[name])
        notes += tables[name].attrs["reading"].sentences()
        unknown = tables[name].loc[~tables[name]["error_type"].isin(ERROR_TYPE_NAMES), "error_type"].value_counts()
        if len(unknown):
            print(f"warning: {path}: error types outside the contract's ten, scored as types of their own: "
                  + listed([f"{kind!r} ({count:,} rows)" for kind, count in unknown.items()], 5), file=sys.stderr)
    table = score(tables["findings.csv"], tables["labels.csv"], check=False)
    print(f"{'error_type':<24}{'labelled':>9}{'flagged':>9}{'precision':>10}{'recall':>8}"
          f"{'at risk':>16}{'found':>16}")
    for r in table.itertuples():
        p = "-" if r.precision != r.precision else f"{r.precision:.3f}"
        rc = "-" if r.recall != r.recall else f"{r.recall:.3f}"
        print(f"{r.error_type:<24}{r.labelled:>9}{r.flagged:>9}{p:>10}{rc:>8}"
              f"{dollars(r.at_risk_cents):>16}{dollars(r.found_cents):>16}")
    for note in notes:
        print(note)
    if args.out:
        with output_file(args.out, inputs=inputs, written_by=SCORE_WRITTEN_BY) as path:
            write_csv(table.rename(columns={"flagged_cents": "flagged_at_risk_cents"}), path)
        print(f"wrote {args.out}")
    return 0
