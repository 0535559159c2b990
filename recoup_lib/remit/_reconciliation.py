"""Reconcile remittances in one call: :func:`reconcile` returns a :class:`Reconciliation`.

Reads the 835s (or takes a :class:`~._result.Remit` already read), explains
every deposit to the cent, links every recoupment to the payment it takes
back and, given the payer's notices, to its notice, and ages what the notices
still leave open. The parts are the functions of :mod:`recoup_lib.remit.reconcile`;
this module only runs them in order and keeps what they return.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..folder import write_csv
from ..money import dollars
from ..notices import read_notices, set_aside_notices
from ..outputs import writes_folder
from ..results import StepResult
from ..schema import ParsedTable, as_of_day
from ..wording import rows_counted
from ._as_of import folder_as_of
from ._batch import read_835
from ._deposits import DEPOSIT_COLUMNS, explain_deposits
from ._items import deposit_items
from ._ledger import CASH_FLOW_COLUMNS, LEDGER_COLUMNS, cash_flow, open_ledger
from ._links import LINK_COLUMNS, link_recoupments
from ._recoupments import paid_after, taken_back
from ._result import Remit

__all__ = ["reconcile", "Reconciliation"]


@dataclass
class Reconciliation(StepResult):
    """What :func:`reconcile` found: deposits, links, the open ledger and the cash flow.

    Attributes
    ----------
    remit : Remit
        The 835s as read (its ``rejected`` table lists what was set aside).
    deposits : pandas.DataFrame
        :func:`~recoup_lib.remit.reconcile.explain_deposits`: one row per deposit.
    links : pandas.DataFrame
        :func:`~recoup_lib.remit.reconcile.link_recoupments`: one row per recoupment.
    ledger : pandas.DataFrame
        :func:`~recoup_lib.remit.reconcile.open_ledger` as of ``as_of``
        (no rows without notices or without a date).
    cash_flow : pandas.DataFrame
        :func:`~recoup_lib.remit.reconcile.cash_flow` by month.
    notices : ParsedTable or None
        The notices as parsed (rows read, used and set aside), when given;
        notices dated after ``as_of`` are among the set-aside rows, with
        that reason.
    as_of : datetime.date or None
        The day the ledger was read.
    as_of_note : str
        Where ``as_of`` came from when it was not given (the latest
        remittance or notice date, or that the files hold no date); blank
        when given.
    """

    written_by = "recoup reconcile"

    remit: Remit
    deposits: pd.DataFrame
    links: pd.DataFrame
    ledger: pd.DataFrame
    cash_flow: pd.DataFrame
    notices: ParsedTable | None = None
    as_of: dt.date | None = None
    outputs: list[Path] = field(default_factory=list)
    as_of_note: str = ""

    @property
    def loaded(self) -> bool:
        """True when at least one transaction could be used."""
        return self.remit.loaded

    def require_loaded(self, hint: str = "") -> "Reconciliation":
        """Return self, or raise :class:`~recoup_lib.errors.InputError` when no transaction could be used."""
        self.remit.require_loaded(hint)
        return self

    def summary(self) -> str:
        """One paragraph: deposits, money paid and taken back, balance, and the notices still open."""
        if not self.loaded:
            return (f"No usable 835 transaction in {len(self.remit.files):,} file(s); "
                    "see rejected.csv for why.")
        s = self.remit.totals()
        deposits, links, ledger = self.deposits, self.links, self.ledger
        unbalanced = int((~deposits["balanced"]).sum())
        taken = taken_back(self.remit)
        orig = int((links["original_status"] == "linked").sum())
        paid = int(deposits["paid_for_claims_cents"].sum() + deposits["corrections_cents"].sum())
        reversed_ = int(deposits["reversals_cents"].sum())
        net = (f" less {dollars(reversed_)} reversed ({dollars(paid - reversed_)} net, recoup remit's claims "
               "total)" if reversed_ else "")
        text = (f"Reconciled {len(deposits):,} deposit(s) from {s['files']:,} file(s) "
                f"({s['transactions_set_aside']:,} transaction(s) set aside): "
                f"{dollars(int(deposits['bpr_amount_cents'].sum()))} deposited, "
                f"{dollars(paid)} paid for claims{net}; {len(links):,} recoupment(s) took back "
                f"{dollars(taken)} net ({orig:,} linked to their original payment")
        if self.notices is not None:
            linked = int((links["notice_status"] == "linked").sum())
            text += f", {linked:,} to a notice"
        by = self.taken_back_as_of()
        text += ")" + (f", {dollars(by)} of it by the as-of date {self.as_of}" if by != taken else "") + ". "
        text += ("Every deposit balances to the cent." if unbalanced == 0 else
                 f"{unbalanced:,} deposit(s) do NOT balance: see 'unexplained' in deposits.csv.")
        if self.notices is not None:
            parsed = self.notices
            open_cents = int(ledger["open_cents"].sum()) if len(ledger) else 0
            still = int((ledger["open_cents"] > 0).sum()) if len(ledger) else 0
            when = f"{self.as_of or 'no date'}" + (f" ({self.as_of_note})" if self.as_of_note else "")
            counted = rows_counted(parsed.rows_in_file, parsed.rows_used, parsed.rows_set_aside, parsed.blank_rows,
                                   read_words="read")
            text += f" Notices: {counted}; as of {when}, {still:,} still open for {dollars(open_cents)}."
        if s["transactions_repeated"]:
            text += (f" {s['transactions_repeated']:,} transaction(s) repeated another and were counted once "
                     "(the copy kept is the one in the file whose path sorts first, the first in that file).")
            different = self.remit.different_copies
            if len(different):
                text += (f" {len(different):,} of them (in {', '.join(sorted(set(different['file'])))}) differ "
                         "from the copy kept: check which is right; warnings.csv names both copies.")
        status = self.remit.files["status"].value_counts()
        if set(status.index) - {"read"}:
            text += " Files: " + ", ".join(f"{n:,} {what}" for what, n in status.items()) + \
                " (see files.csv)."
        return text

    def taken_back_as_of(self) -> int:
        """Money taken back (net cents) by the take-backs paid on or before ``as_of``: what ``recoup report``
        calls money taken back for the same as-of. ``taken_back_cents`` counts every file read, as
        ``recoup remit`` does."""
        rec = self.remit.recoupments
        if self.as_of is None or not len(rec):
            return taken_back(rec)
        return taken_back(rec.loc[~paid_after(rec, self.as_of)])

    def totals(self) -> dict:
        """Counts and totals written to ``summary.json`` (cents as integers; ``taken_back`` in dollars)."""
        s = self.remit.totals()
        d, links, ledger = self.deposits, self.links, self.ledger
        out = {
            "files": s["files"], "files_set_aside": s["files_set_aside"],
            "files_skipped": s["files_skipped"], "files_repeated": s["files_repeated"],
            "transactions_read": s["transactions_read"],
            "transactions_set_aside": s["transactions_set_aside"],
            "transactions_repeated": s["transactions_repeated"],
            "deposits": len(d),
            "unbalanced_deposits": int((~d["balanced"]).sum()) if len(d) else 0,
            "deposited_cents": int(d["bpr_amount_cents"].sum()) if len(d) else 0,
            "recoupments": len(links),
            "linked_to_original": int((links["original_status"] == "linked").sum())
            if len(links) else 0,
            "taken_back": s["taken_back"], "taken_back_cents": s["taken_back_cents"],
            "taken_back_as_of_cents": self.taken_back_as_of(),
            "recouped_total_cents": s["recouped_total_cents"],
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "as_of_from": self.as_of_note or "given",
        }
        if self.notices is not None:
            out.update({
                "notices_read": self.notices.rows_in_file,
                "notices_used": self.notices.rows_used, "notices_set_aside": self.notices.rows_set_aside,
                "notices_blank_rows_skipped": self.notices.blank_rows,
                "linked_to_notice": int((links["notice_status"] == "linked").sum())
                if len(links) else 0,
                "notices_open": int((ledger["open_cents"] > 0).sum()) if len(ledger) else 0,
                "open_cents": int(ledger["open_cents"].sum()) if len(ledger) else 0,
            })
        return out

    @writes_folder
    def write(self, out: str | Path) -> list[Path]:
        """Write the results into folder ``out``; return the paths written.

        Always ``rejected.csv`` (the 835 problems that set data aside),
        ``warnings.csv`` (the 835 problems that kept their data, such as a
        transaction sent twice with other contents, as ``recoup remit``
        writes them), ``files.csv`` (each file's status) and, when notice rows were set
        aside, ``notices_rejected.csv`` (each row as read, with ``_file``,
        ``_row`` and ``_reason`` in front); when a transaction could be used,
        also ``deposits.csv``, ``recoupment_links.csv``, ``open_ledger.csv``
        (header only without notices), ``cash_flow.csv`` and ``summary.json``
        (with ``taken_back``, the same figure as ``recoup remit`` writes).
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = [write_csv(self.remit.rejected, out / "rejected.csv"),
                   write_csv(self.remit.warnings, out / "warnings.csv"),
                   write_csv(self.remit.files, out / "files.csv")]
        if self.notices is not None and self.notices.rows_set_aside:
            written.append(write_csv(self.notices.rejected, out / "notices_rejected.csv", text=True))
        if self.loaded:
            for frame, name in ((self.deposits, "deposits.csv"),
                                (self.links, "recoupment_links.csv"),
                                (self.ledger, "open_ledger.csv"),
                                (self.cash_flow, "cash_flow.csv")):
                written.append(write_csv(frame, out / name))
            summary = out / "summary.json"
            summary.write_text(json.dumps(self.totals(), indent=2) + "\n", encoding="utf-8")
            written.append(summary)
        self.outputs = written
        return written


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str") for c in columns})


def reconcile(remits, notices=None, as_of=None, payments=None) -> Reconciliation:
    """Explain every deposit of some 835s to the cent and link every take-back.

    Parameters
    ----------
    remits : Remit, or path-like, or sequence of path-like
        What :func:`~recoup_lib.remit.read_835` returned, or the 835 files
        and folders to read.
    notices : path-like, pandas.DataFrame or ParsedTable, optional
        The payer's recoupment notices: a ``notices.csv`` of the contract
        (notice_id, payer_id, claim_id, line_no, notice_date, amount, ...),
        or a table of them (money in ``amount_cents`` as whole cents or in
        ``amount`` as dollars, dates as dates or text). Its rows
        are checked by :func:`recoup_lib.notices.read_notices`, the reader
        ``recoup appeal`` uses; pass what it returned with the folder's
        checks (``read_notices(path, **notice_checks(folder))``) to set
        aside exactly the rows ``recoup appeal`` sets aside.
    as_of : date-like, optional
        The day the open ledger is read; notices dated after it are set
        aside with that reason. Default: the latest remittance payment,
        notice or ``payments`` date (the data's own as-of, never the wall
        clock), said in ``as_of_note``: :func:`~recoup_lib.remit.folder_as_of`,
        the date ``recoup appeal`` and ``recoup report`` count from, of the
        data read here. Given an appeal folder's 835s (``remits/``), its
        notices and its payments' dates, it is that folder's as-of; only a
        folder whose remittance data is a recoupments.csv rather than 835s
        can differ (reconcile reads 835s, never that file).
    payments : date-like sequence, optional
        The payment dates of the payments.csv the notices were checked
        against (``recoup reconcile --notices`` passes them), counted
        toward the default ``as_of`` as ``recoup appeal`` counts them.

    Returns
    -------
    Reconciliation
        ``deposits``, ``links``, ``ledger``, ``cash_flow`` and the ``remit``
        read; :meth:`~Reconciliation.write` puts them in a folder and
        :meth:`~Reconciliation.summary` says what they show.

    Raises
    ------
    InputError
        The notices file does not exist or cannot be used, or a table of
        notices handed over holds a value its contract does not allow
        (:func:`recoup_lib.notices.read_notices` checks it as the file).
    InvalidParameterError
        ``as_of`` names no day.

    Notes
    -----
    When no 835 transaction could be used, the tables are empty and
    :attr:`Reconciliation.loaded` is false (nothing is raised: the caller
    decides). The parts are documented in :mod:`recoup_lib.remit.reconcile`.

    Examples
    --------
    >>> result = reconcile(["tests/data/835/domain-5.5.835"])  # doctest: +SKIP
    >>> print(result.summary())  # doctest: +SKIP
    """
    as_of = None if as_of is None else as_of_day(as_of).date()
    parsed = None if notices is None else read_notices(notices)
    remit = remits if isinstance(remits, Remit) else read_835(remits)
    if not remit.loaded:
        return Reconciliation(remit, _empty(DEPOSIT_COLUMNS), _empty(LINK_COLUMNS),
                              _empty(LEDGER_COLUMNS), _empty(CASH_FLOW_COLUMNS), parsed, None)
    data = parsed.data if parsed is not None else None
    note = ""
    if as_of is None:
        try:
            as_of = folder_as_of(notices=None if data is None else data["notice_date"], payments=payments,
                                 remittances=remit.transactions["payment_date"])[0]
            note = f"the latest {'payment, ' if payments is not None else ''}remittance or notice date"
        except InputError:
            note = "no date found in the files read"
    if data is not None and as_of is not None:
        parsed = set_aside_notices(parsed, as_of=as_of)[0]
        data = parsed.data
    items = deposit_items(remit)  # both read it: made once
    links = link_recoupments(remit, data, items=items)
    deposits = explain_deposits(remit, links, items=items)
    flow = cash_flow(remit, deposits=deposits)
    ledger = (open_ledger(links, data, as_of, check=False) if data is not None and as_of is not None
              else _empty(LEDGER_COLUMNS))
    return Reconciliation(remit, deposits, links, ledger, flow, parsed, as_of, as_of_note=note)
