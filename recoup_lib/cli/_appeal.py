"""``recoup appeal FOLDER --as-of DATE --out OUT``: decide every recoupment notice."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from ..errors import InvalidParameterError, UsageError

ORDER = 40


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "appeal",
        help="decide each recoupment notice (accept, partial, appeal), list deadlines, draft letters",
        description="Read an audit folder plus notices.csv and payers.csv, run the audit, and write "
        "OUT/decisions.csv (one decision per notice), OUT/worklist.csv (open notices by the next "
        "deadline, with the interest of waiting), OUT/appeal_path.csv, OUT/rejected.csv and one "
        "letter per appealed notice in OUT/letters/ (Markdown and HTML). When no notice can be decided, "
        "it exits 1 and writes only OUT/rejected.csv, OUT/rejected_rows/ and OUT/run.json.",
    )
    parser.add_argument("folder", metavar="FOLDER", help="audit folder with notices.csv and payers.csv")
    parser.add_argument("--as-of", dest="as_of", metavar="DATE", default=None,
                        help="the day the decisions are made for, YYYY-MM-DD: deadlines and interest are counted "
                        "from it, and notices dated after it are set aside; a date before every notice is a "
                        "usage error (default: the folder's own date, its latest payment, remittance or notice "
                        "date; never the wall clock)")
    parser.add_argument("--out", metavar="OUT", required=True, help="folder to write the results to")
    parser.add_argument("--profiles", metavar="DIR", default=None,
                        help="folder with edited copies of the rule tables (appeal_levels.csv, "
                        "payer_rules.csv, medicare_interest_rates.csv, ...); a file there replaces the "
                        "shipped one. Default: the appeal folder itself, then the shipped tables.")
    parser.add_argument("--xlsx", action="store_true",
                        help="also write OUT/appeal.xlsx (decisions, worklist, appeal path; money and "
                        "dates typed, text from input never read as a formula)")
    parser.set_defaults(run=run)


def _as_of(text: str | None) -> dt.date | None:
    """The --as-of date, checked; None when not given (each step then uses the folder's own as-of)."""
    if text is None:
        return None
    try:
        if len(text) != 10:
            raise ValueError
        dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of: expected a real date written YYYY-MM-DD; got {text!r}") from None
    from ..schema import as_of_day

    try:
        return as_of_day(text, name="--as-of").date()
    except InvalidParameterError as exc:
        raise UsageError(str(exc)) from None


def _check_as_of(as_of: dt.date | None, notices) -> None:
    """An --as-of before every notice that could be decided is a usage error: nothing had arrived by then."""
    if as_of is None or not len(notices):
        return
    first = notices["notice_date"].min()
    if first.date() > as_of:
        raise UsageError(f"--as-of {as_of:%Y-%m-%d} is before every notice that could be decided (the earliest "
                         f"in notices.csv is dated {first:%Y-%m-%d}): none had arrived by then, so nothing "
                         f"would be decided; give a date on or after {first:%Y-%m-%d}, or leave --as-of out "
                         "to use the folder's own date")


def run(args) -> int:
    as_of = _as_of(args.as_of)
    from ..appeals import AppealResult, appeal_folder, read_appeal_folder
    from ..errors import InputError, NothingUsableError
    from ..filekind import present
    from ..outputs import check_folder, output_folder
    from . import next_step, shown_path

    folder = Path(args.folder)
    profiles_dir = Path(args.profiles) if args.profiles else folder
    if args.profiles and not profiles_dir.is_dir():
        raise UsageError(f"--profiles: no such folder {args.profiles!r}")
    inputs = [folder] + ([profiles_dir] if args.profiles else [])
    check_folder(args.out, inputs=inputs, written_by=AppealResult.written_by)
    read = read_appeal_folder(folder)
    _check_as_of(as_of, read.notices)
    result = appeal_folder(folder, as_of, profiles=Path(args.profiles) if args.profiles else None, inputs=read)
    try:
        result.require_decided()
    except NothingUsableError as exc:
        with output_folder(args.out, inputs=inputs, written_by=AppealResult.written_by) as written:
            result.write_set_aside(written, str(exc))
        print(f"recoup appeal: {result.summary()}")
        out = Path(args.out)
        rows = f" and {out / 'rejected_rows'}" if (out / "rejected_rows").is_dir() else ""
        raise InputError(f"{exc} No decisions were written; the rows set aside, each with its reason, are in "
                         f"{out / 'rejected.csv'}{rows}, and {out / 'run.json'} says why the run stopped.") from None
    with output_folder(args.out, inputs=inputs, written_by=AppealResult.written_by) as written:
        result.write(written)
        if args.xlsx:
            from ..report import write_appeal_workbook

            write_appeal_workbook(result, written / "appeal.xlsx")

    out = Path(args.out)
    print(f"recoup appeal: {result.summary()}")
    if len(result.rejected):
        print(f"  {len(result.rejected)} problem(s) listed in {out / 'rejected.csv'}")
    print(f"  wrote {out / 'decisions.csv'}, {out / 'worklist.csv'}, {out / 'appeal_path.csv'} and "
          f"{len(result.letters)} letter(s) in {out / 'letters'}")
    shipped = [n for n, s in result.profiles.sources.items() if s != "shipped"]
    if shipped:
        print(f"  rule tables from {profiles_dir}: {', '.join(shipped)}")
    placeholder = int((result.worklist["interest_rate_status"] == "placeholder").sum())
    if placeholder:
        print(f"  warning: {placeholder} Medicare notice(s) fall in a period whose interest rate is only a "
              "placeholder, so their interest is not shown; load CMS's rate notices with "
              "recoup reference import-interest-rates (see --profiles)", file=sys.stderr)
    labels = folder / "recoupment_labels.csv"
    score = ([f"recoup score-appeals {shown_path(out / 'decisions.csv')} {shown_path(labels)}"]
             if present(labels) else [])
    as_of_given = f" --as-of {args.as_of}" if args.as_of else ""
    print(next_step(*score, f"recoup report {shown_path(folder)}{as_of_given} --out REPORT"))
    return 0
