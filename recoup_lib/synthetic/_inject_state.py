"""The bookkeeping the error injectors share: the practice's tables while they change, and the ledger.

:class:`InjectionState` holds the lines, payments, notes and coverage spans
as the injectors edit them, marks the lines already used (injectors work on
disjoint lines), and records in its ledger, line by line, what each injector
did and how much is at risk by the contract's formula.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._payments import line_fees
from ._practice import Practice
from ._values import _dates, _same_text, pay_weekday

__all__ = ["InjectionState", "all_policies", "member"]

#: The lines' columns :func:`._payments.line_fees` reads (a line's fee needs no other).
_FEE_COLUMNS = ["payer_id", "procedure_code", "service_date"]


def member(values, rows) -> np.ndarray:
    """Whether each of ``values`` (line or patient numbers) is one of ``rows``, like ``isin``.

    Numbers are small non-negative integers, so a bitmap over them answers
    faster than the hash table ``isin`` builds (the injectors ask often, over
    every payment).
    """
    values = np.asarray(values, dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    if not len(values) or not len(rows):
        return np.zeros(len(values), dtype=bool)
    if values.min() < 0 or rows.min() < 0:
        return np.isin(values, rows)
    marks = np.zeros(int(max(values.max(), rows.max())) + 1, dtype=bool)
    marks[rows] = True
    return marks[values]


class InjectionState:
    """Mutable bookkeeping shared by the injectors."""

    def __init__(self, practice: Practice):
        self.p = practice
        self.lines = practice.lines.reset_index(drop=True)
        # Shallow copies: the practice's tables are copied on write (pandas copy-on-write), and most
        # are replaced whole by the first injector that changes them.
        self.payments = practice.payments.copy(deep=False)
        self.doc = practice.documentation.copy(deep=False)
        self.spans = practice.spans.copy(deep=False)
        self.used = np.zeros(len(self.lines), dtype=bool)
        self.ledger: list[dict] = []
        self.policies: list[dict] = []
        self.coverage_changes: list[dict] = []
        refs = practice.refs
        self.payers = refs.payers.set_index("payer_id")
        self.coins_bp = (self.payers["coinsurance"].astype(float) * 10000).round().astype(np.int64)
        codes = refs.codes.set_index("procedure_code")
        self.codes = codes
        self.charge = codes["charge_per_unit"].astype(np.int64) * 100
        mue = refs.mue.drop_duplicates("procedure_code").set_index("procedure_code")
        self.mue_mai = mue["mai"].reindex(codes.index).to_numpy(dtype=object)
        self.mue_limit = mue["mue_value"].reindex(codes.index).to_numpy(dtype=float)
        #: Per code: no MUE, and an MUE counted per line (MAI 1); looked up by code, not per line.
        self.mue_missing = np.asarray(pd.isna(self.mue_mai), dtype=bool)
        self.mue_per_line = np.asarray(self.mue_mai == "1", dtype=bool)
        self.next_claim = int(self.lines["claim"].max()) + 1 if len(self.lines) else 1
        self._per_line = None

    # -- the payments, with per-line totals kept until they change ----------------------
    #
    # Rows the injectors add are kept apart (``_added``, a few thousand rows) and joined to the block's
    # table only when it is read whole: the injectors read the payments of a few lines, and the table
    # (a quarter of a million rows) was copied each time a few thousand were added, five times a block.
    @property
    def payments(self) -> pd.DataFrame:
        """Every payment row, in the order added."""
        if self._added is not None:
            self._payments = pd.concat([self._payments, self._added], ignore_index=True)
            self._added = None
        return self._payments

    @payments.setter
    def payments(self, value: pd.DataFrame) -> None:
        self._payments = value
        self._added = None
        self._per_line = None

    def _parts(self) -> list[pd.DataFrame]:
        """The payments as they are held: the table, then the rows added since it was last read whole."""
        return [self._payments] if self._added is None else [self._payments, self._added]

    def _totals(self) -> tuple[np.ndarray, np.ndarray]:
        if self._per_line is None:
            parts = self._parts()
            at = np.concatenate([part["_line"].to_numpy(dtype=np.int64) for part in parts])
            paid = np.zeros(len(self.lines), dtype=np.int64)
            np.add.at(paid, at, np.concatenate([part["paid_cents"].to_numpy(dtype=np.int64) for part in parts]))
            self._per_line = (paid, np.bincount(at, minlength=len(self.lines)))
        return self._per_line

    # -- views -------------------------------------------------------------------------
    def paid(self) -> np.ndarray:
        """Net paid per line (a fresh copy)."""
        return self._totals()[0].copy()

    def payment_count(self) -> np.ndarray:
        return self._totals()[1]

    def simple_paid(self) -> np.ndarray:
        """Unused lines paid once, by one positive payment."""
        return (~self.used) & (self.paid() > 0) & (self.payment_count() == 1)

    def code_index(self, rows=None) -> np.ndarray:
        column = self.lines["procedure_code"] if rows is None else self.lines["procedure_code"].iloc[rows]
        return column.cat.codes.to_numpy()

    def visits(self) -> tuple[np.ndarray, np.ndarray]:
        """Each line's visit number (visits in encounter order) and the visits' encounters.

        Made once until lines are added (encounters of existing lines never change). A block's
        encounters are small non-negative numbers, numbered by marking them in a bitmap (a sort
        otherwise).
        """
        made = self.__dict__.get("_visits")
        if made is None or made[0] != len(self.lines):
            encounter = self.lines["encounter"].to_numpy()
            if len(encounter) and 0 <= encounter.min() and encounter.max() <= 4 * len(encounter):
                seen = np.zeros(int(encounter.max()) + 1, dtype=bool)
                seen[encounter] = True
                visits = np.flatnonzero(seen).astype(encounter.dtype)
                visit = (np.cumsum(seen) - 1)[encounter]
            else:
                visit, visits = pd.factorize(encounter, sort=True)
            made = self._visits = (len(self.lines), visit, visits)
        return made[1], made[2]

    def fee(self, rows: np.ndarray, codes=None) -> np.ndarray:
        return line_fees(self.p.refs, self.lines[_FEE_COLUMNS].iloc[rows], codes)

    def pay_day(self, payer_ids) -> np.ndarray:
        return pay_weekday(self.payers.index, np.asarray(payer_ids, dtype=object))

    def new_claims(self, n: int) -> np.ndarray:
        numbers = np.arange(self.next_claim, self.next_claim + n, dtype=np.int64)
        self.next_claim += n
        return numbers

    def record(self, rows, error_type: str, at_risk, how, copied_from=None, delay=None) -> None:
        """Flag lines; a resubmitted claim also records the claim it copies and after how many days
        (other lines: -1 and 0)."""
        rows = np.asarray(rows, dtype=np.int64)

        def each(values, dtype) -> np.ndarray:
            return np.broadcast_to(np.asarray(values, dtype=dtype), rows.shape)

        self.ledger.append({
            "_line": rows, "error_type": _same_text(len(rows), error_type),
            "at_risk_cents": each(at_risk, np.int64), "injected_as": each(how, object),
            "_copied_from": each(-1 if copied_from is None else copied_from, np.int64),
            "_delay": each(0 if delay is None else delay, np.int64)})

    def ledger_columns(self) -> dict[str, np.ndarray]:
        """Everything recorded, in order, column by column (the ledger's columns, see :meth:`record`)."""
        columns = ["_line", "error_type", "at_risk_cents", "injected_as", "_copied_from", "_delay"]
        return {c: np.concatenate([entry[c] for entry in self.ledger]) for c in columns}

    def append_lines(self, new: pd.DataFrame) -> np.ndarray:
        """Add lines (marked used); text columns keep the lines' categorical types."""
        start = len(self.lines)
        new = new.reset_index(drop=True)
        for column in ("procedure_code", "payer_id"):  # column by column: DataFrame.astype visits every column
            new[column] = new[column].astype(self.lines[column].dtype)
        for column in self.lines.columns:
            dtype = self.lines[column].dtype
            if isinstance(dtype, pd.CategoricalDtype) and new[column].dtype != dtype:
                values = new[column].astype(object)
                missing = pd.Index(pd.unique(values[values.notna()].to_numpy()), dtype=object).difference(
                    dtype.categories)
                if len(missing):
                    self.lines[column] = self.lines[column].cat.add_categories(missing)
                new[column] = values.astype(self.lines[column].dtype)
        self.lines = pd.concat([self.lines, new], ignore_index=True)
        self.used = np.concatenate([self.used, np.ones(len(new), dtype=bool)])
        self._per_line = None
        return np.arange(start, start + len(new))

    def append_payments(self, rows: pd.DataFrame) -> None:
        self._added = rows if self._added is None else pd.concat([self._added, rows], ignore_index=True)
        self._per_line = None

    def add_notes(self, new: pd.DataFrame, rows: np.ndarray) -> None:
        """A present, signed note for each added line."""
        self.doc = pd.concat([self.doc, pd.DataFrame({
            "claim": new["claim"].to_numpy(), "line_no": new["line_no"].to_numpy(),
            "note_present": pd.array(np.ones(len(rows), dtype=bool), dtype="boolean"),
            "signed": pd.array(np.ones(len(rows), dtype=bool), dtype="boolean"),
            "documented_code": np.full(len(rows), "", dtype=object), "_line": rows})], ignore_index=True)

    def payment_of(self, rows: np.ndarray) -> pd.DataFrame:
        """The single payment row of each line, aligned with ``rows``."""
        found = [part.loc[member(part["_line"], rows)] for part in self._parts()]
        pay = found[0] if len(found) == 1 else pd.concat(found)
        return pay.set_index("_line").reindex(rows)

    def set_payment(self, rows: np.ndarray, **values) -> None:
        """Change the single payment row of each line (lines paid once)."""
        order = pd.Series(np.arange(len(rows)), index=rows)
        for part in self._parts():
            mask = member(part["_line"], rows)
            if not mask.any():
                continue
            pos = order.reindex(part.loc[mask, "_line"]).to_numpy()
            for column, value in values.items():
                value = np.asarray(value)
                part.loc[mask, column] = value[pos] if value.ndim else value
        self._per_line = None

    def deny(self, rows: np.ndarray, code: str) -> None:
        """Replace the payments of lines by one denial (lines never posted stay pending)."""
        pay = self.payments
        hit = member(pay["_line"], rows)
        first = pay.loc[hit].sort_values("payment_date", kind="stable").drop_duplicates("_line")
        self.payments = pay.loc[~hit]
        denial = first.assign(allowed_cents=0, paid_cents=0, deductible_cents=0, coinsurance_cents=0,
                              copay_cents=0, denial_code=code, _kind="original")
        self.append_payments(denial)

    def new_payments(self, new: pd.DataFrame, rows, pay_date, allowed, paid, coinsurance, **extra) -> pd.DataFrame:
        n = len(rows)
        frame = pd.DataFrame({
            "claim": new["claim"].to_numpy(), "line_no": new["line_no"].to_numpy(),
            "payment_date": _dates(pay_date), "allowed_cents": allowed, "paid_cents": paid,
            "deductible_cents": np.zeros(n, dtype=np.int64), "coinsurance_cents": coinsurance,
            "copay_cents": np.zeros(n, dtype=np.int64), "denial_code": np.full(n, "", dtype=object),
            "_line": rows, "_kind": "original"})
        for key, value in extra.items():
            frame[key] = value
        return frame


def all_policies(s: InjectionState) -> pd.DataFrame:
    """The payer policies: the shipped ones and those the injectors added (payer, code, dates).

    Made once per set of policies (several injectors ask; policies are only ever added).
    """
    made = s.__dict__.get("_all_policies")
    if made is not None and made[0] == len(s.policies):
        return made[1]
    base = s.p.refs.payer_policies[["payer_id", "procedure_code", "effective_date", "announced_date"]]
    base = base.astype({"payer_id": object, "procedure_code": object})
    extra = pd.DataFrame(s.policies, columns=["payer_id", "procedure_code", "effective_date", "announced_date"])
    if len(extra):
        extra = extra.assign(effective_date=_dates(extra["effective_date"].to_numpy()),
                             announced_date=_dates(extra["announced_date"].to_numpy())).astype(
            {"payer_id": object, "procedure_code": object})
        base = pd.concat([base, extra], ignore_index=True)
    s._all_policies = (len(s.policies), base)
    return base
