"""The contracts an export of payments or notes is read and checked with, by whether it numbers its lines.

A payment report or documentation export without a line number column is read
with the procedure code, modifiers and service date of each row
(:data:`UNNUMBERED`, :data:`UNNUMBERED_NOTES`), which put each row on its claim
line (:mod:`._line_match`); one with the column lets a blank line number
through its contract check (:data:`NUMBERED`, :data:`NUMBERED_NOTES`), the
row then placed as a row of an export without one. :func:`spec_for` and
:func:`contract_for` choose the contract for an export as mapped.
"""

from __future__ import annotations

from dataclasses import replace

from ..schema import SPECS, FileSpec
from ._claims_stand_ins import blank_allowed_in, claims_contract
from ._fields import LINE_FINDERS, TARGET_FILES

__all__ = ["UNNUMBERED", "UNNUMBERED_NOTES", "NUMBERED", "NUMBERED_NOTES", "spec_for", "contract_for"]

_PAYMENTS = SPECS["payments.csv"]


def _unnumbered(spec: FileSpec, description: str) -> FileSpec:
    """``spec`` for an export without line numbers: no line_no (it is found, not read), no key, and the
    fields that find it, read as a claims export's are (codes in capitals, modifiers split off a code)."""
    return FileSpec(spec.name, tuple(c for c in spec.columns if c.name != "line_no")
                    + tuple(replace(SPECS["claim_lines.csv"].column(name), required=False, nullable=True,
                                    fill_missing=False) for name in LINE_FINDERS["payments"]),
                    description=description)


#: payments.csv's contract for a report without line numbers.
UNNUMBERED = _unnumbered(_PAYMENTS, "payments posted to claim lines not numbered in the report")
#: documentation.csv's contract for an export listing notes per visit, without line numbers.
UNNUMBERED_NOTES = _unnumbered(SPECS["documentation.csv"], "notes of visits whose lines the export does not number")
_UNNUMBERED_OF = {"payments": UNNUMBERED, "documentation": UNNUMBERED_NOTES}
#: The contract check of a report with a line number column: a blank line number passes it, and the
#: row is placed as a row of a report without one (the export is still mapped and read as
#: payments.csv's, where line_no is required).
NUMBERED = blank_allowed_in(_PAYMENTS, "line_no",
                            description="payments posted to numbered claim lines, some rows without their number")
#: The contract check of a documentation export with a line number column: a blank line number passes it
#: (and a row with one repeats no key), and the note is placed with ``--infer-missing`` or set aside.
NUMBERED_NOTES = blank_allowed_in(SPECS["documentation.csv"], "line_no",
                                  description="notes of numbered claim lines, some rows without their number")
_NUMBERED_OF = {"payments": NUMBERED, "documentation": NUMBERED_NOTES}


def spec_for(kind: str, columns: dict) -> FileSpec:
    """The contract an export of ``kind`` mapped to ``columns`` is read with: a payment report whose
    line numbers have no column is read as :data:`UNNUMBERED`, a documentation export as
    :data:`UNNUMBERED_NOTES`."""
    if kind in _UNNUMBERED_OF and "line_no" not in columns:
        return _UNNUMBERED_OF[kind]
    return SPECS[TARGET_FILES[kind]]


def contract_for(kind: str, columns: dict) -> FileSpec:
    """The contract an export of ``kind`` mapped to ``columns`` is checked against once read: as
    :func:`spec_for`, but a payment report or documentation export with line numbers lets a blank one
    through (:data:`NUMBERED`, :data:`NUMBERED_NOTES`),
    and a claims export whose submitted date is its service date checks that date once
    (:func:`._claims_stand_ins.claims_contract`)."""
    if kind == "claims":
        return claims_contract(columns)
    return _NUMBERED_OF.get(kind, SPECS[TARGET_FILES[kind]]) if "line_no" in columns else spec_for(kind, columns)
