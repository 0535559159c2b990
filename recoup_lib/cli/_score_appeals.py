"""``recoup score-appeals DECISIONS RECOUPMENT_LABELS``: appeal recommendations against the answer key."""

from __future__ import annotations

ORDER = 55


def add_parser(sub):
    p = sub.add_parser(
        "score-appeals", help="score appeal decisions against a generated practice's recoupment_labels.csv",
        description="Compare decisions.csv (from `recoup appeal`, or a trainee's) with the recoupment_labels.csv "
        "of a generated practice: appeals that would be won, money wrongly conceded (agreed on notices the "
        "payer was not entitled to) and money wrongly disputed (on notices it was entitled to).")
    p.add_argument("decisions", help="decisions.csv")
    p.add_argument("labels", help="recoupment_labels.csv")
    p.add_argument("--out", help="folder to write appeal_scores.csv (per notice) and appeal_score_summary.csv")
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    from pathlib import Path

    from ..appeals import SCORE_APPEALS_WRITTEN_BY, read_score_inputs, score_recommendations
    from ..folder import write_csv
    from ..money import dollars
    from ..outputs import check_folder, output_folder

    inputs = [args.decisions, args.labels]
    if args.out:
        check_folder(args.out, inputs=inputs, written_by=SCORE_APPEALS_WRITTEN_BY)
    decisions, labels = read_score_inputs(args.decisions, args.labels)
    outcomes, summary = score_recommendations(decisions, labels, check=False)
    print(f"{'measure':<20}{'notices':>9}{'amount':>16}  meaning")
    for r in summary.itertuples():
        print(f"{r.measure:<20}{r.notices:>9}{dollars(r.cents):>16}  {r.meaning}")
    for table in (decisions, labels):
        for sentence in table.attrs["reading"].sentences():
            print(sentence)
    if args.out:
        out = Path(args.out)
        with output_folder(out, inputs=inputs, written_by=SCORE_APPEALS_WRITTEN_BY) as folder:
            write_csv(outcomes, folder / "appeal_scores.csv")
            write_csv(summary, folder / "appeal_score_summary.csv")
        print(f"wrote {out / 'appeal_scores.csv'} and {out / 'appeal_score_summary.csv'}")
    return 0
