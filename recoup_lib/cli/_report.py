"""``recoup report FOLDER --out OUT [--xlsx] [--as-of DATE]``: the prevention dashboard."""

from __future__ import annotations

import sys
from pathlib import Path

ORDER = 50


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="prevention dashboard: clean claim, denial, recoupment and overturn rates, money at risk",
        description="Audit a folder and write the dashboard a revenue-cycle manager reads: OUT/metrics.csv "
        "(every metric with its formula, or the reason it is switched off), OUT/trend.csv (by month), PNG "
        "figures, OUT/report.md (one page linking them) and, with --xlsx, OUT/report.xlsx. The folder may "
        "also hold notices.csv and payers.csv (appeal decisions), recoupments.csv or a remits/ folder of "
        "835 files (money taken back), and appeal_outcomes.csv (notice_id, level, outcome).",
    )
    parser.add_argument("folder", metavar="FOLDER", help="the audit folder")
    parser.add_argument("--out", metavar="OUT", required=True, help="folder to write the dashboard to")
    parser.add_argument("--xlsx", action="store_true", help="also write OUT/report.xlsx")
    parser.add_argument("--as-of", dest="as_of", metavar="DATE", default=None,
                        help="the day notices are aged and deadlines counted from, YYYY-MM-DD; notices dated "
                        "after it are set aside, payments posted and take-backs paid after it are not counted "
                        "(default: the folder's own date, its latest payment, remittance or "
                        "notice date; never the wall clock, so the same folder gives the same report on any day)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..notices import NOTICES
    from ..outputs import check_folder
    from . import options_checked
    from ._appeal import _as_of

    from ..report import Report, build_report

    as_of = _as_of(args.as_of)
    check_folder(args.out, inputs=[args.folder], written_by=Report.written_by)

    with options_checked():
        report = build_report(args.folder, as_of)
    paths = report.write(args.out, xlsx=args.xlsx, inputs=[args.folder])
    print(f"recoup report: {report.summary()}")
    out = Path(args.out)
    figures = [p.name for p in paths if p.suffix == ".png"]
    print(f"  wrote {out / 'metrics.csv'}, {out / 'trend.csv'}, {out / 'summary.json'}, {out / 'report.md'}, "
          f"{out / 'rejected.csv'} and {len(figures)} figures"
          + (f", {out / 'report.xlsx'}" if args.xlsx else ""))
    if report.notices_unused:
        unused = report.notices_unused.said(Path(args.folder) / NOTICES, out / "rejected.csv")
        print(f"recoup report: warning: {unused}, so the notice metrics are switched off", file=sys.stderr)
    return 0
