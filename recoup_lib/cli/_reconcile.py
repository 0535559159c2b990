"""``recoup reconcile FILE_OR_FOLDER... [--notices notices.csv] [--payers payers.csv] [--as-of DATE] --out OUT``.

Explains every deposit of the 835 remittances read (what was paid, reversed,
offset, deferred, added), links every recoupment to the payment it takes
back and, given the notices, to its notice, and ages what the notices still
leave open. Writes ``deposits.csv``, ``recoupment_links.csv``,
``open_ledger.csv`` (header only without notices), ``cash_flow.csv`` (by
month), ``summary.json`` (``taken_back``: the same figure as ``recoup remit``),
plus ``rejected.csv`` (835 problems that set data aside), ``warnings.csv`` (those
that kept their data), ``files.csv`` (each file's status) and, when notice rows
were set aside, ``notices_rejected.csv``.
The notices are checked as ``recoup appeal`` checks them (one reader,
:func:`recoup_lib.notices.read_notices`), against the ``payers.csv``,
``claim_lines.csv`` and ``payments.csv`` beside them (``--payers`` names
another payers.csv), so a row one command sets aside the other sets aside too.
Prints one paragraph.
The work is :func:`recoup_lib.remit.reconcile`.

Exit status: 0 when at least one transaction could be used; 1 when none
could, or the notices file is unusable, or the payers.csv they are checked
against lists no payer (as ``recoup appeal`` stops); 2 on a usage error.
"""

from __future__ import annotations

import sys
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
                        help="the payer's recoupment notices (contract notices.csv), checked as recoup appeal "
                        "checks them: against the payers.csv, claim_lines.csv and payments.csv beside it, when "
                        "there are")
    parser.add_argument("--payers", type=Path, default=None, metavar="PAYERS.csv",
                        help="the payers the notices name (contract payers.csv); a notice whose payer is not "
                        "in it is set aside, as recoup appeal sets it aside (default: the payers.csv beside "
                        "--notices)")
    parser.add_argument("--as-of", dest="as_of", default=None, metavar="DATE",
                        help="the day the open ledger is read, YYYY-MM-DD; notices dated after it are set "
                        "aside with that reason (default: the latest remittance or notice date read, or payment "
                        "date of the payments.csv the notices are checked against, as recoup appeal counts; never "
                        "the wall clock)")
    parser.add_argument("--out", type=Path, required=True, metavar="OUT",
                        help="folder for the CSV results (created if needed)")
    parser.set_defaults(run=run)


def _notices(args):
    """The notices read and checked as ``recoup appeal`` checks them, and the tables they were checked against
    (by file name stem)."""
    from ..errors import UsageError
    from ..filekind import not_a_file, with_workbook_hint
    from ..notices import notice_checks, read_notices

    if args.notices is None:
        if args.payers is not None:
            raise UsageError("--payers: only used with --notices (it checks the notices' payers)")
        return None, {}
    if args.payers is not None and (what := not_a_file(args.payers)):
        raise UsageError(with_workbook_hint(f"--payers {str(args.payers)!r}: {what}; expected a payers.csv file",
                                            args.payers))
    checks = notice_checks(args.notices.parent, payers=args.payers) if args.notices.is_file() else {}
    return read_notices(args.notices, **checks), checks


def run(args) -> int:
    from ..notices import notices_unused
    from ..outputs import check_folder
    from ..remit import Reconciliation, reconcile
    from ._appeal import _as_of

    as_of = _as_of(args.as_of)
    inputs = [*args.files, *(p for p in (args.notices, args.payers) if p is not None)]
    check_folder(args.out, inputs=inputs, written_by=Reconciliation.written_by)
    parsed, checked = _notices(args)

    payments = checked["payments"]["payment_date"] if "payments" in checked else None
    result = reconcile(args.files, notices=parsed, as_of=as_of, payments=payments)
    result.write(args.out, inputs=inputs)
    result.require_loaded(f" (see {args.out / 'rejected.csv'})")
    print(result.summary())
    notices = result.notices
    if checked:
        where = f" (payers.csv: {args.payers})" if args.payers is not None else ""
        print(f"Notices checked as recoup appeal checks them, against {', '.join(f'{n}.csv' for n in checked)} of "
              f"{args.notices.parent}{where}.")
    print(f"Wrote deposits.csv, recoupment_links.csv, open_ledger.csv, cash_flow.csv, "
          f"files.csv, rejected.csv, warnings.csv and summary.json to {args.out}"
          + (", and the notice rows set aside to notices_rejected.csv." if notices is not None
             and notices.rows_set_aside else "."))
    if notices is not None and (unused := notices_unused(notices)):
        said = unused.said(args.notices, args.out / "notices_rejected.csv")
        print(f"recoup reconcile: warning: {said}, so no recoupment is linked to a notice and the open ledger is "
              "empty", file=sys.stderr)
    print(_next(args))
    return 0


def _next(args) -> str:
    """The next step: decide the appeals of the notices' folder, else report on the 835s' audit folder."""
    from ..filekind import present
    from . import audit_folder_of, next_step, shown_path

    as_of = f" --as-of {args.as_of}" if args.as_of else ""
    folder = args.notices.parent if args.notices is not None else None
    if folder is not None and all(present(folder / n) for n in ("claim_lines.csv", "payers.csv")):
        return next_step(f"recoup appeal {shown_path(folder)}{as_of} --out APPEALS")
    folder = audit_folder_of(args.files)
    if folder is None:
        return next_step(f"recoup report FOLDER{as_of} --out REPORT (FOLDER: the audit folder, with these 835s "
                         "copied into FOLDER/remits/)")
    return next_step(f"recoup report {shown_path(folder)}{as_of} --out REPORT")
