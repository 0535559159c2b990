"""``recoup reconcile FILE_OR_FOLDER... [--notices notices.csv] [--as-of DATE] --out OUT``.

Explains every deposit of the 835 remittances read (what was paid, reversed,
offset, deferred, added), links every recoupment to the payment it takes
back and, given the notices, to its notice, and ages what the notices still
leave open. Writes ``deposits.csv``, ``recoupment_links.csv``,
``open_ledger.csv`` (header only without notices), ``cash_flow.csv`` (by
month), plus ``rejected.csv`` (835 problems that set data aside) and, when
notice rows were set aside, ``notices_rejected.csv``. Prints one paragraph.

Exit status: 0 when at least one transaction could be used; 1 when none
could, or the notices file is unusable; 2 on a usage error.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import InputError

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
    import pandas as pd

    from ..folder import read_table, write_csv
    from ..money import dollars
    from ..remit import read_835
    from ..remit.reconcile import (LEDGER_COLUMNS, cash_flow, explain_deposits,
                                   link_recoupments, open_ledger)

    notices = None
    if args.notices is not None:
        if not args.notices.is_file():
            raise InputError(f"{args.notices}: no such file (expected the notices.csv of the "
                             "contract: notice_id, payer_id, claim_id, line_no, notice_date, "
                             "amount, ...)")
        parsed = read_table(args.notices, name="notices.csv")
        notices = parsed.data
    remit = read_835(args.files)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    write_csv(remit.rejected, out / "rejected.csv")
    remit.require_loaded(f" (see {out / 'rejected.csv'})")
    links = link_recoupments(remit, notices)
    deposits = explain_deposits(remit, links)
    flow = cash_flow(remit, deposits=deposits)
    if as_of is None:
        last = remit.transactions["payment_date"].max()
        as_of = None if pd.isna(last) else last.date()
    if notices is not None and as_of is not None:
        ledger = open_ledger(links, notices, as_of)
    else:
        ledger = pd.DataFrame({c: pd.Series(dtype="str") for c in LEDGER_COLUMNS})
    write_csv(deposits, out / "deposits.csv")
    write_csv(links, out / "recoupment_links.csv")
    write_csv(ledger, out / "open_ledger.csv")
    write_csv(flow, out / "cash_flow.csv")
    if notices is not None and parsed.rows_set_aside:
        write_csv(parsed.rejected, out / "notices_rejected.csv", text=True)

    s = remit.summary()
    unbalanced = int((~deposits["balanced"]).sum())
    taken = int(links["net_taken_cents"].sum())
    orig = int((links["original_status"] == "linked").sum())
    text = (f"Reconciled {len(deposits):,} deposit(s) from {s['files']:,} file(s) "
            f"({s['transactions_set_aside']:,} transaction(s) set aside): "
            f"{dollars(int(deposits['bpr_amount_cents'].sum()))} deposited, "
            f"{dollars(int(deposits['paid_for_claims_cents'].sum() + deposits['corrections_cents'].sum()))}"
            f" paid for claims; {len(links):,} recoupment(s) took back {dollars(taken)} net "
            f"({orig:,} linked to their original payment")
    if notices is not None:
        linked = int((links["notice_status"] == "linked").sum())
        text += f", {linked:,} to a notice"
    text += "). "
    text += ("Every deposit balances to the cent." if unbalanced == 0 else
             f"{unbalanced:,} deposit(s) do NOT balance: see 'unexplained' in deposits.csv.")
    if notices is not None:
        open_cents = int(ledger["open_cents"].sum()) if len(ledger) else 0
        still = int((ledger["open_cents"] > 0).sum()) if len(ledger) else 0
        text += (f" Notices: {parsed.rows_read:,} read = {parsed.rows_used:,} used + "
                 f"{parsed.rows_set_aside:,} set aside; as of {as_of or 'no date'}, {still:,} still "
                 f"open for {dollars(open_cents)}.")
    print(text)
    print(f"Wrote deposits.csv, recoupment_links.csv, open_ledger.csv and cash_flow.csv to {out}.")
    return 0
