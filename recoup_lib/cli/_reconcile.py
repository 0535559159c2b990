"""``recoup reconcile FILE_OR_FOLDER... [--notices notices.csv] [--as-of DATE] --out OUT``.

Explains every deposit of the 835 remittances read (what was paid, reversed,
offset, deferred, added), links every recoupment to the payment it takes
back and, given the notices, to its notice, and ages what the notices still
leave open. Writes ``deposits.csv``, ``recoupment_links.csv``,
``open_ledger.csv`` (header only without notices), ``cash_flow.csv`` (by
month), ``summary.json`` (``taken_back``: the same figure as ``recoup remit``),
plus ``rejected.csv`` (835 problems that set data aside), ``files.csv`` (each
file's status) and, when notice rows were set aside, ``notices_rejected.csv``.
Prints one paragraph.
The work is :func:`recoup_lib.remit.reconcile`.

Exit status: 0 when at least one transaction could be used; 1 when none
could, or the notices file is unusable; 2 on a usage error.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

ORDER = 32


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "reconcile",
        help="explain each 835 deposit to the cent; link recoupments to payments and notices",
        description="Read X12 835 remittances, explain every deposit (paid, reversed, offset, "
        "deferred, interest) to the cent, link every recoupment to the payment it takes back and "
        "to its notice, and age the notices still open.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE_OR_FOLDER",
                        help="835 files, or folders of them")
    parser.add_argument("--notices", type=Path, default=None, metavar="NOTICES.csv",
                        help="the payer's recoupment notices (contract notices.csv)")
    parser.add_argument("--as-of", dest="as_of", default=None, metavar="DATE",
                        help="the day the open ledger is read, YYYY-MM-DD (default: the last "
                        "payment date read)")
    parser.add_argument("--out", type=Path, required=True, metavar="OUT",
                        help="folder for the CSV results (created if needed)")
    parser.set_defaults(run=run)


def _as_of(text: str | None) -> dt.date | None:
    """The --as-of date (checked as ``recoup appeal`` checks it), or None when not given."""
    from ._appeal import _as_of as appeal_as_of

    return None if text is None else appeal_as_of(text)


def run(args) -> int:
    as_of = _as_of(args.as_of)
    from ..remit import reconcile

    result = reconcile(args.files, notices=args.notices, as_of=as_of)
    result.write(args.out)
    result.require_loaded(f" (see {args.out / 'rejected.csv'})")
    print(result.summary())
    print(f"Wrote deposits.csv, recoupment_links.csv, open_ledger.csv, cash_flow.csv, "
          f"files.csv and summary.json to {args.out}.")
    return 0
