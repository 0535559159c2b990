"""The audit context: claim lines with what was paid, and the tables rules read.

Rules receive one :class:`AuditContext`. Its ``lines`` table has one row per
usable claim line, in the order read, with these derived columns added to the
contract's claim-line columns:

========================  ======================================================
``paid_cents``            sum of ``paid`` over the line's payments (reversals
                          included); 0 when the line has no payment
``allowed_cents``         sum of ``allowed`` over the line's payments
``n_payments``            number of payment rows posted to the line
``modifier_key``          the set of modifiers, sorted and ``;``-joined
``has_repeat_modifier``   the line carries 76, 77 or 91
``has_bypass_modifier``   the line carries 59, XE, XS, XP or XU
========================  ======================================================

Rules must not modify ``ctx.lines`` or any table (copy-on-write makes
accidental writes harmless, and a registry test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..reference.pricing import fee_per_unit
from ._vocabulary import BYPASS_MODIFIERS, REPEAT_MODIFIERS

__all__ = ["AuditContext", "build_context", "modifier_key", "has_any_modifier"]


def modifier_key(modifiers: pd.Series) -> pd.Series:
    """Canonical set of modifiers: ``"59;25;25"`` -> ``"25;59"``; blank stays blank."""
    s = modifiers.fillna("").astype("str")
    multi = s.str.contains(";", regex=False)
    if not multi.any():
        return s
    out = s.copy()
    out[multi] = [";".join(sorted({m for m in v.split(";") if m})) for v in s[multi]]
    return out


def has_any_modifier(modifiers: pd.Series, wanted: frozenset[str]) -> pd.Series:
    """True where the ``;``-list of modifiers contains any of ``wanted``."""
    s = modifiers.fillna("").astype("str")
    pattern = r"(?:^|;)(?:" + "|".join(sorted(wanted)) + r")(?:;|$)"
    return s.str.contains(pattern, regex=True).fillna(False).astype(bool)


@dataclass
class AuditContext:
    """Everything a rule may read. Build it with :func:`build_context`."""

    lines: pd.DataFrame
    payments: pd.DataFrame
    coverage: pd.DataFrame | None = None
    documentation: pd.DataFrame | None = None
    fee_schedule: pd.DataFrame | None = None
    ncci_ptp: pd.DataFrame | None = None
    mue: pd.DataFrame | None = None
    payer_policies: pd.DataFrame | None = None
    extra: dict = field(default_factory=dict)

    def has(self, name: str) -> bool:
        """Whether an optional input is present."""
        return getattr(self, name, None) is not None

    @property
    def paid(self) -> pd.Series:
        return self.lines["paid_cents"]

    @property
    def is_paid(self) -> pd.Series:
        """Lines with something paid (> 0): the only ones that can be recouped."""
        return self.lines["paid_cents"] > 0

    def fee(self, procedure_code: pd.Series | None = None, rows: np.ndarray | None = None) -> pd.Series:
        """Fee per unit (cents, Int64) for lines, by their payer and service date.

        ``procedure_code`` prices another code than the billed one (the
        documented code, for upcoding); ``rows`` limits the lookup to some
        positions of ``lines``. The result is aligned with those rows.
        """
        lines = self.lines if rows is None else self.lines.iloc[rows]
        codes = lines["procedure_code"] if procedure_code is None else procedure_code
        fee = fee_per_unit(self.fee_schedule, lines["payer_id"].to_numpy(),
                           np.asarray(codes, dtype=object), lines["service_date"].to_numpy())
        fee.index = lines.index
        return fee

    @cached_property
    def duplicate_payment_excess(self) -> pd.Series:
        """Cents paid more than once on each line (the duplicate_payment at_risk).

        For each amount X > 0, the payments of +X that outnumber those of -X
        by two or more are duplicates: X x (surplus - 1). A reversed payment
        does not count. Zero where nothing is duplicated; aligned with lines.
        """
        excess = pd.Series(np.zeros(len(self.lines), dtype=np.int64), index=self.lines.index)
        pay = self.payments
        if pay is None or not len(pay):
            return excess
        amounts = pay["paid_cents"].to_numpy(dtype=np.int64)
        nonzero = amounts != 0
        frame = pd.DataFrame({
            "_line": pay["_line"].to_numpy()[nonzero],
            "x": np.abs(amounts[nonzero]),
            "sign": np.sign(amounts[nonzero]),
        })
        counts = frame.groupby(["_line", "x"], sort=False)["sign"].sum()
        surplus = counts[counts >= 2]
        if not len(surplus):
            return excess
        per_line = (surplus.index.get_level_values("x").to_numpy() * (surplus.to_numpy() - 1))
        totals = pd.Series(per_line, index=surplus.index.get_level_values("_line")).groupby(level=0).sum()
        excess.iloc[totals.index.to_numpy()] = totals.to_numpy()
        return excess

    @cached_property
    def documentation_by_line(self) -> pd.DataFrame | None:
        """documentation.csv aligned with lines (NA where the line has no row)."""
        if self.documentation is None:
            return None
        doc = self.documentation[["claim_id", "line_no", "note_present", "signed", "documented_code"]]
        doc = doc.assign(_has_row=True)
        joined = self.lines[["claim_id", "line_no"]].merge(doc, on=["claim_id", "line_no"], how="left")
        joined.index = self.lines.index
        joined["_has_row"] = joined["_has_row"].fillna(False).astype(bool)
        return joined


def build_context(claim_lines: pd.DataFrame, payments: pd.DataFrame, **tables) -> AuditContext:
    """Join payments to lines and derive the columns rules share.

    Parameters
    ----------
    claim_lines, payments : pandas.DataFrame
        Typed contract tables (see :mod:`recoup_lib.schema`).
    **tables
        coverage, documentation, fee_schedule, ncci_ptp, mue, payer_policies
        (``None`` where absent).
    """
    lines = claim_lines.reset_index(drop=True).copy()
    key = pd.MultiIndex.from_frame(lines[["claim_id", "line_no"]])
    pay = payments.reset_index(drop=True).copy()
    pos = key.get_indexer(pd.MultiIndex.from_frame(pay[["claim_id", "line_no"]]))
    if (pos < 0).any():
        pay = pay.loc[pos >= 0].reset_index(drop=True)
        pos = pos[pos >= 0]
    pay["_line"] = pos
    n = len(lines)
    paid = np.zeros(n, dtype=np.int64)
    np.add.at(paid, pos, pay["paid_cents"].to_numpy(dtype=np.int64))
    allowed = np.zeros(n, dtype=np.int64)
    np.add.at(allowed, pos, pay["allowed_cents"].fillna(0).to_numpy(dtype=np.int64))
    lines["paid_cents"] = paid
    lines["allowed_cents"] = allowed
    lines["n_payments"] = np.bincount(pos, minlength=n).astype(np.int64)
    lines["modifier_key"] = modifier_key(lines["modifiers"])
    lines["has_repeat_modifier"] = has_any_modifier(lines["modifiers"], REPEAT_MODIFIERS).to_numpy()
    lines["has_bypass_modifier"] = has_any_modifier(lines["modifiers"], BYPASS_MODIFIERS).to_numpy()
    return AuditContext(lines=lines, payments=pay, **tables)
