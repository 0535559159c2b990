"""Payments from a report without line numbers, each put on the claim line it paid.

Many payment reports post per claim line without numbering the lines: claim
number, CPT code, date of service, paid. Such a report is read with the
procedure code, modifiers and service date of each row (:data:`UNNUMBERED`),
and each payment is put on the line of its claim, among the claim lines
imported, that has them (:func:`find_lines`):

- the claim's lines with the row's procedure code, its modifiers (in any
  order) and its service date, each compared when the row has it;
- when several lines fit a row with a procedure code and the report has
  modifiers, the one whose modifiers are the row's (none, when the row has
  none) is taken;
- a row with none of them (a report of one row per claim) is put on its
  claim's only line, as an 835 claim payment without service lines is
  (:mod:`._remit_payments`).

Exactly one line must fit; otherwise the payment is set aside, the reason
saying whether its claim has no line imported, no line with its values, or
several (which one it paid cannot be told).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..schema import SPECS, FileSpec
from ._fields import LINE_FINDERS, TARGET_FILES

__all__ = ["UNNUMBERED", "ONLY_LINE", "spec_for", "find_lines"]

_PAYMENTS = SPECS["payments.csv"]
#: payments.csv's contract for a report without line numbers: no line_no (it is found, not read), and
#: the fields that find it, read as a claims export's are (codes in capitals, modifiers split off a code).
UNNUMBERED = FileSpec(
    _PAYMENTS.name,
    tuple(c for c in _PAYMENTS.columns if c.name != "line_no")
    + tuple(replace(SPECS["claim_lines.csv"].column(name), required=False, nullable=True, fill_missing=False)
            for name in LINE_FINDERS["payments"]),
    description="payments posted to claim lines not numbered in the report")

#: How a payment is placed that gives nothing but its claim.
ONLY_LINE = "the claim's only line"
#: Why a payment without a line number is set aside.
NO_CLAIM = "no line number, and no usable line of its claim among the claims imported"
PER_CLAIM = ("no line number or procedure code, and its claim has several lines: which one it paid cannot be "
             "told (a payment for the whole claim; export the payments per line, with line numbers or CPT codes)")


def spec_for(kind: str, columns: dict) -> FileSpec:
    """The contract an export of ``kind`` mapped to ``columns`` is read with: a payment report whose
    line numbers have no column is read as :data:`UNNUMBERED`."""
    if kind == "payments" and "line_no" not in columns:
        return UNNUMBERED
    return SPECS[TARGET_FILES[kind]]


def _modifier_sets(values) -> np.ndarray:
    """Each ``;``-joined list of modifiers with its modifiers in one order (``59;RT`` for ``RT;59``)."""
    codes, distinct = pd.factorize(pd.Series(values, dtype="object").fillna("").astype(str))
    ordered = np.array([";".join(sorted(v.split(";"))) for v in distinct], dtype=object)
    return ordered[codes]


def _keys_named(code: np.ndarray, mods: np.ndarray, dos: np.ndarray) -> np.ndarray:
    """Per payment, the values of its own it was matched on, in words (``procedure code and service date``)."""
    words = np.full(len(code), "", dtype=object)
    for given, name in ((code, "procedure code"), (mods, "modifiers"), (dos, "service date")):
        words = np.where(given, np.where(words == "", name, words + ", " + name), words)
    last = pd.Series(words, dtype="object").str.replace(r", ([a-z ]+)$", r" and \1", regex=True)
    return last.to_numpy(dtype=object)


def find_lines(payments: pd.DataFrame, lines: pd.DataFrame | None) -> tuple[pd.arrays.IntegerArray, np.ndarray,
                                                                             np.ndarray]:
    """The claim line each payment of a report without line numbers paid (see the module doc).

    Parameters
    ----------
    payments : pandas.DataFrame
        claim_id and, when the report has them, procedure_code, modifiers, service_date (as
        :data:`UNNUMBERED` reads them: blank or NaT where a row has none).
    lines : pandas.DataFrame or None
        The claim lines imported: claim_id, line_no, procedure_code, modifiers, service_date.

    Returns
    -------
    line_no : pandas.arrays.IntegerArray
        Per payment, the line it paid; NA where none could be told.
    matched_by : numpy.ndarray of str
        Per payment placed, what placed it (``procedure code and service date``, ``the claim's
        only line``); ``""`` elsewhere.
    reason : numpy.ndarray of str
        Per payment not placed, why; ``""`` elsewhere.
    """
    n = len(payments)
    column = {name: name in payments.columns for name in ("procedure_code", "modifiers", "service_date")}
    code = (payments["procedure_code"].fillna("").astype(str).to_numpy(dtype=object) if column["procedure_code"]
            else np.full(n, "", dtype=object))
    mods = _modifier_sets(payments["modifiers"]) if column["modifiers"] else np.full(n, "", dtype=object)
    dos = (np.asarray(payments["service_date"], dtype="datetime64[D]") if column["service_date"]
           else np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"))
    line_no = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    if lines is None or not len(lines) or not n:
        return line_no, np.full(n, "", dtype=object), np.full(n, NO_CLAIM, dtype=object)
    candidates = pd.DataFrame({"_pos": np.arange(n), "claim_id": payments["claim_id"].astype(str).to_numpy()}).merge(
        pd.DataFrame({"claim_id": lines["claim_id"].astype(str).to_numpy(),
                      "_line": np.asarray(lines["line_no"], dtype=np.int64),
                      "_code": lines["procedure_code"].astype(str).to_numpy(dtype=object),
                      "_mods": _modifier_sets(lines["modifiers"]),
                      "_dos": np.asarray(lines["service_date"], dtype="datetime64[D]")}),
        on="claim_id", how="inner", sort=False)
    pos = candidates["_pos"].to_numpy()
    has_code, has_mods, has_dos = code != "", mods != "", ~np.isnat(dos)
    line_mods = candidates["_mods"].to_numpy(dtype=object)
    fits = ((~has_code[pos] | (code[pos] == candidates["_code"].to_numpy(dtype=object)))
            & (~has_mods[pos] | (mods[pos] == line_mods))
            & (~has_dos[pos] | (dos[pos] == candidates["_dos"].to_numpy())))
    same_mods = fits & (mods[pos] == line_mods)
    by_mods = column["modifiers"] & has_code & (np.bincount(pos[fits], minlength=n) > 1) & \
        (np.bincount(pos[same_mods], minlength=n) == 1)
    fits &= ~by_mods[pos] | same_mods
    fitting = np.bincount(pos[fits], minlength=n)
    placed = fitting == 1
    taken = fits & placed[pos]
    line_no[pos[taken]] = candidates["_line"].to_numpy()[taken]

    keys = _keys_named(has_code, has_mods, has_dos)
    of_claim = np.bincount(pos, minlength=n)
    matched_by = np.where(keys == "", ONLY_LINE, keys)
    matched_by = np.where(by_mods & ~has_mods, matched_by + " (no modifiers)", matched_by)
    reason = np.select(
        [of_claim == 0, fitting == 0, (fitting > 1) & ~has_code, fitting > 1],
        [NO_CLAIM, "no line number, and no line of its claim has its " + keys, PER_CLAIM,
         "no line number, and several lines of its claim have its " + keys + ": which one it paid cannot be told"],
        "")
    return line_no, np.where(placed, matched_by, "").astype(object), reason.astype(object)
