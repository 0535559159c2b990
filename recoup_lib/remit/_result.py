"""The result of reading 835s: :class:`Remit`, its tables, its summary and its files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..folder import write_csv
from ..money import dollars
from ..outputs import writes_folder
from ..results import StepResult
from ._problems import ACTION
from ._recoupments import taken_back
from ._repeats import DIFFERENT_COPY, DIFFERENT_COPY_SAME_FILE

__all__ = ["Remit", "Summary"]


class Summary(str):
    """A plain-language summary that also answers look-ups of its counts by name.

    ``Remit.summary()`` once returned the counts as a dict; every pipeline
    step's summary is now text. Looking a count up by name
    (``remit.summary()["errors"]``) still works, so older code keeps running;
    new code reads the counts from :meth:`Remit.totals`.
    """

    counts: dict

    def __new__(cls, text: str, counts: dict | None = None) -> "Summary":
        obj = super().__new__(cls, text)
        obj.counts = dict(counts or {})
        return obj

    def __getitem__(self, key):
        if isinstance(key, str):
            return self.counts[key]
        return str.__getitem__(self, key)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))


@dataclass
class Remit(StepResult):
    """What :func:`~recoup_lib.remit.read_835` found, as tables (money in ``_cents`` columns).

    Attributes
    ----------
    transactions : pandas.DataFrame
        One row per usable ST/SE transaction: file, trace_number, payer,
        payment_date (BPR16, else DTM*405), bpr_amount_cents (negative when
        BPR03 is ``D``), claim_paid_total_cents, provider_adjustment_total_cents,
        balanced (BPR02 = sum CLP04 - sum PLB), difference_cents, recouped_cents,
        payer/payee ids, payment_method, counts and envelope control numbers.
    payments : pandas.DataFrame
        One row per CLP: file, trace_number, claim_id, status_code, charge,
        paid, patient_responsibility (``_cents``), payer_claim_control,
        claim_seq (1-based within the transaction), patient, statement dates,
        adjustment totals, balanced (CLP03 - claim CAS - line CAS = CLP04).
    service_lines : pandas.DataFrame
        One row per SVC: claim_id, claim_seq, line_seq, line_control (REF*6R,
        our line_no), procedure_qualifier, procedure_code, modifiers (``;``),
        units, charge/paid/allowed (``_cents``), balanced (SVC02 - CAS = SVC03),
        service_date (DTM*472, else DTM*150), line_no (line_control as a number
        where it can be a line number: digits alone, at most six, as LX01),
        submitted_procedure_qualifier, submitted_procedure_code and
        submitted_modifiers (SVC06: the code billed, when the payer
        adjudicated another in SVC01; blank without SVC06).
    adjustments : pandas.DataFrame
        One row per CAS reason/amount: level (``claim`` or ``line``),
        claim_seq, line_seq (blank for claim level), group_code, reason_code,
        amount_cents, quantity.
    provider_adjustments : pandas.DataFrame
        One row per PLB reason/amount pair, amount as sent (positive takes
        money), with the claim its reference resolves to (``match`` says how).
    recoupments : pandas.DataFrame
        One row per amount taken back: file, trace_number, payment_date,
        claim_id, amount_cents (gross, > 0), mechanism (``reversal`` or
        ``offset``), reason_code, reference, net_amount_cents (each dollar
        once: after the paired correction, a deferral, a balance carried
        forward; :func:`~recoup_lib.remit.taken_back` sums it),
        payer_claim_control, match, deferred_cents, correction_cents,
        forwarded_cents.
    problems : pandas.DataFrame
        file, segment, segment_id, element, value, expected, severity,
        action, trace_number, message.
    files : pandas.DataFrame
        Per file: status (``read``, ``partly set aside``, ``set aside``,
        ``repeat``: every transaction repeats one read before, or
        ``skipped``: found in a folder but hidden or not an 835), segments,
        transactions read / used / set aside / repeated, errors, warnings.
    """

    written_by = "recoup remit"

    transactions: pd.DataFrame
    payments: pd.DataFrame
    service_lines: pd.DataFrame
    adjustments: pd.DataFrame
    provider_adjustments: pd.DataFrame
    recoupments: pd.DataFrame
    problems: pd.DataFrame
    files: pd.DataFrame
    outputs: list[Path] = field(default_factory=list)

    @property
    def rejected(self) -> pd.DataFrame:
        """The problems that set a file or transaction aside."""
        return self.problems.loc[self.problems["severity"] == "error"].reset_index(drop=True)

    @property
    def warnings(self) -> pd.DataFrame:
        return self.problems.loc[self.problems["severity"] == "warning"].reset_index(drop=True)

    @property
    def different_copies(self) -> pd.DataFrame:
        """The warnings of transactions sent twice whose copies disagree (one was kept, this one left out).

        Found by how the kit ends such a warning's ``expected``, never by
        words anywhere in it: a file name or sender quoted earlier may hold
        the same words.
        """
        w = self.warnings
        return w.loc[(w["action"] == ACTION["repeat"]).to_numpy()
                     & w["expected"].str.endswith((DIFFERENT_COPY, DIFFERENT_COPY_SAME_FILE)).to_numpy()
                     ].reset_index(drop=True)

    @property
    def loaded(self) -> bool:
        """True when at least one transaction could be used."""
        return len(self.transactions) > 0

    def require_loaded(self, hint: str = "") -> "Remit":
        """Return self, or raise :class:`InputError` when no transaction could be used.

        The message counts the files and quotes the first problems; ``hint``
        (e.g. where ``rejected.csv`` was written) is added after the count.
        """
        if not self.loaded:
            said = self.rejected["message"] if len(self.rejected) else self.warnings["message"]
            named = ", ".join(self.files["file"].astype(str).head(3)) + (" ..." if len(self.files) > 3 else "")
            first = "; ".join(m.rstrip(".") for m in said.head(3)) \
                or (f"{named}: no ST...SE transaction found" if len(self.files) else "no file found")
            raise InputError(f"no usable 835 transaction in {len(self.files)} file(s){hint}: "
                             f"{first}")
        return self

    def summary(self) -> Summary:
        """The batch in a few plain lines (:meth:`report`); counts can be looked up by name."""
        return Summary("\n".join(self.report()), self.totals())

    def totals(self) -> dict:
        """Counts and totals of the batch, as written to ``summary.json``.

        Money is in integer cents (keys ending ``_cents``), except
        ``taken_back``: the same figure as ``taken_back_cents`` in dollars,
        the sum of ``net_amount`` over recoupments.csv. ``recouped_total_cents``
        and the reversal/offset totals are gross (before corrections,
        deferrals and balances carried forward).
        """
        t, rec, f = self.transactions, self.recoupments, self.files
        read = int(f["transactions"].sum())
        status = f["status"].value_counts()
        net = taken_back(rec)
        return {
            "files": len(f),
            "files_read": int(status.get("read", 0)),
            "files_partly_set_aside": int(status.get("partly set aside", 0)),
            "files_set_aside": int(status.get("set aside", 0)),
            "files_repeated": int(status.get("repeat", 0)),
            "files_skipped": int(status.get("skipped", 0)),
            "transactions_read": read,
            "transactions_used": len(t),
            "transactions_set_aside": int(f["transactions_set_aside"].sum()),
            "transactions_repeated": int(f["transactions_repeated"].sum()),
            "unbalanced_transactions": int((~t["balanced"]).sum()),
            "claim_payments": len(self.payments),
            "unbalanced_claims": int((~self.payments["balanced"]).sum()),
            "service_lines": len(self.service_lines),
            "unbalanced_lines": int((~self.service_lines["balanced"]).sum()),
            "payment_total_cents": int(t["bpr_amount_cents"].sum()),
            "claim_paid_total_cents": int(t["claim_paid_total_cents"].sum()),
            "provider_adjustment_total_cents": int(t["provider_adjustment_total_cents"].sum()),
            "taken_back": net / 100,
            "taken_back_cents": net,
            "recouped_total_cents": int(rec["amount_cents"].sum()),
            "reversal_total_cents": int(rec.loc[rec["mechanism"] == "reversal",
                                                "amount_cents"].sum()),
            "offset_total_cents": int(rec.loc[rec["mechanism"] == "offset",
                                              "amount_cents"].sum()),
            "correction_total_cents": int(rec["correction_cents"].sum()),
            "deferred_total_cents": int(rec["deferred_cents"].sum()),
            "forwarded_total_cents": int(rec["forwarded_cents"].sum()),
            "errors": int((self.problems["severity"] == "error").sum()),
            "warnings": int((self.problems["severity"] == "warning").sum()),
        }

    def report(self, limit: int = 10) -> list[str]:
        """A short plain-English account of the batch, one line per item."""
        s = self.totals()
        lines = [
            f"Read {s['files']:,} file(s) ({s['files_set_aside']:,} set aside, "
            f"{s['files_skipped']:,} skipped, {s['files_repeated']:,} only repeats): "
            f"{s['transactions_read']:,} transaction(s), {s['transactions_used']:,} used, "
            f"{s['transactions_set_aside']:,} set aside, {s['transactions_repeated']:,} "
            f"repeated (counted once); {s['claim_payments']:,} claim payment(s), "
            f"{s['service_lines']:,} service line(s).",
            f"Balance: {s['unbalanced_transactions']:,} unbalanced transaction(s), "
            f"{s['unbalanced_claims']:,} unbalanced claim(s), {s['unbalanced_lines']:,} "
            f"unbalanced service line(s).",
            f"Paid {dollars(s['payment_total_cents'])} (claims {dollars(s['claim_paid_total_cents'])}"
            f", provider adjustments {dollars(s['provider_adjustment_total_cents'])}); taken back "
            f"{dollars(s['taken_back_cents'])}, each dollar once (gross "
            f"{dollars(s['recouped_total_cents'])}: reversals {dollars(s['reversal_total_cents'])}, "
            f"offsets {dollars(s['offset_total_cents'])}; less corrections paid again "
            f"{dollars(s['correction_total_cents'])}, deferred "
            f"{dollars(s['deferred_total_cents'])}, balances carried forward "
            f"{dollars(s['forwarded_total_cents'])}).",
        ]
        lines += self._file_lines(limit)
        bad = self.transactions.loc[~self.transactions["balanced"]]
        for row in bad.head(limit).itertuples(index=False):
            lines.append(
                f"UNBALANCED {row.file}, trace {row.trace_number}: BPR02 "
                f"{dollars(row.bpr_amount_cents)} but claims {dollars(row.claim_paid_total_cents)}"
                f" - provider adjustments {dollars(row.provider_adjustment_total_cents)} = "
                f"{dollars(row.claim_paid_total_cents - row.provider_adjustment_total_cents)}.")
        if len(bad) > limit:
            lines.append(f"... and {len(bad) - limit} more unbalanced transaction(s).")
        different = self.different_copies
        for message in different["message"].head(limit):
            lines.append(f"DIFFERENT COPY {message}")
        if len(different) > limit:
            lines.append(f"... and {len(different) - limit} more transaction(s) sent twice with different "
                         "contents (see warnings.csv).")
        errors = self.rejected
        for message in errors["message"].head(limit):
            lines.append(f"SET ASIDE {message}")
        if len(errors) > limit:
            lines.append(f"... and {len(errors) - limit} more problem(s) that set data aside.")
        if s["warnings"]:
            lines.append(f"{s['warnings']} warning(s) (data kept; see warnings.csv).")
        return lines

    def _file_lines(self, limit: int) -> list[str]:
        """One line per file with its status (files read whole are summed when many)."""
        f = self.files
        why = self.problems.loc[self.problems["action"] == "skipped"].drop_duplicates("file")
        why = why.set_index("file")["expected"].str.replace("an 835 file to read; this is ", "")
        many = len(f) > 2 * limit
        shown = f.loc[f["status"] != "read"] if many else f
        lines = []
        for row in shown.head(2 * limit).itertuples(index=False):
            if row.status == "skipped":
                detail = why.get(row.file, "not an 835")
            else:
                detail = (f"{row.transactions_used} of {row.transactions} transaction(s) used"
                          + (f", {row.transactions_set_aside} set aside"
                             if row.transactions_set_aside else "")
                          + (f", {row.transactions_repeated} repeated (counted once)"
                             if row.transactions_repeated else ""))
            lines.append(f"FILE {row.file}: {row.status} ({detail}).")
        rest = len(f) - min(len(shown), 2 * limit)
        if rest and not len(shown):
            lines.append(f"FILES: all {rest:,} read whole.")
        elif rest:
            lines.append(f"... and {rest:,} more file(s)"
                         + (" read whole." if many and len(shown) <= 2 * limit else "."))
        return lines

    @writes_folder
    def write(self, out: str | Path) -> list[Path]:
        """Write every table as contract CSV into folder ``out``, plus ``summary.json``.

        Files: transactions.csv, payments.csv, provider_adjustments.csv,
        recoupments.csv (the contract's four), service_lines.csv,
        adjustments.csv, rejected.csv (problems that set data aside),
        warnings.csv, files.csv and summary.json. When no transaction could
        be used, only what says why (rejected.csv, warnings.csv, files.csv):
        a folder of empty result tables would look like a complete result.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        tables = {
            "transactions.csv": self.transactions, "payments.csv": self.payments,
            "provider_adjustments.csv": self.provider_adjustments,
            "recoupments.csv": self.recoupments, "service_lines.csv": self.service_lines,
            "adjustments.csv": self.adjustments, "rejected.csv": self.rejected,
            "warnings.csv": self.warnings, "files.csv": self.files,
        }
        if not self.loaded:
            tables = {name: tables[name] for name in ("rejected.csv", "warnings.csv", "files.csv")}
        for name, frame in tables.items():
            if "units" in frame:
                frame = frame.assign(units=_units_text(frame["units"]))
            written.append(write_csv(frame, out / name))
        if self.loaded:
            summary = out / "summary.json"
            summary.write_text(json.dumps(self.totals(), indent=2) + "\n", encoding="utf-8")
            written.append(summary)
        self.outputs = written
        return written


def _units_text(units: pd.Series) -> pd.Series:
    """Units as text without a needless ``.0``."""
    whole = units == units.round()
    text = units.astype("str")
    return text.where(~whole, units.round().astype("int64").astype("str"))
