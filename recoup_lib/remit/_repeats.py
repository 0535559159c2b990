"""Each dollar once: a remittance sent twice is counted once, and the repeat reported.

Payers and clearinghouses resend 835s: the same file under another name
(``X (1).835``), a folder copied into another, a monthly bundle that repeats a
weekly file. A transaction is the same payment when it has the same ISA
sender (ISA06), TRN02 trace number and BPR02 amount (docs/contract.md,
"Remittances"), whatever file holds it. The first one read (in file order,
then position) is kept; every later one is left out of the tables and listed
as a warning naming the transaction it repeats.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..money import dollars
from ._problems import ACTION, SegmentProblem

__all__ = ["find_repeats"]


def _column(chunks: list) -> list:
    values: list = []
    for v in chunks:
        values.extend(v.to_pylist() if isinstance(v, pa.Array) else np.asarray(v).tolist())
    return values


def find_repeats(parts: dict, txn_file: np.ndarray, bad_txn: set, labels: list[str],
                 problems: list[SegmentProblem]) -> set[int]:
    """Transactions (batch indices) that repeat one read before; a warning is added for each.

    A transaction set aside for a problem of its own is never the one kept:
    a good copy later in the batch is used instead. A transaction without a
    trace number is never taken for a repeat.
    """
    cols = parts["transactions"]
    if not cols:
        return set()
    sender = _column(cols["interchange_sender"])
    trace = _column(cols["trace_number"])
    amount = _column(cols["bpr_amount_cents"])
    payer = _column(cols["payer_id"])
    content = list(zip(_column(cols["claim_paid_total_cents"]),
                       _column(cols["provider_adjustment_total_cents"]),
                       _column(cols["claims"])))
    segment = _column(cols["segment"])
    order = np.lexsort((np.asarray(segment, dtype=np.int64), np.asarray(txn_file)))
    first: dict[tuple, int] = {}
    repeated: set[int] = set()
    for t in order.tolist():
        if t in bad_txn or not str(trace[t]).strip():
            continue
        who = str(sender[t]).strip() or f"(no ISA; payer {str(payer[t]).strip()})"
        key = (who, str(trace[t]).strip(), int(amount[t]))
        if key not in first:
            first[key] = t
            continue
        repeated.add(t)
        kept = first[key]
        differs = ("; its claims or provider adjustments differ from that one's: check which "
                   "is right" if content[t] != content[kept] else "")
        problems.append(SegmentProblem(
            labels[int(txn_file[t])], int(segment[t]), "ST", "TRN02", str(trace[t]),
            f"each remittance once: this transaction repeats the one in "
            f"{labels[int(txn_file[kept])]}, segment {int(segment[kept])} (same sender "
            f"{who!r}, trace {str(trace[t]).strip()}, {dollars(int(amount[t]))}){differs}",
            "warning", ACTION["repeat"], str(trace[t])))
    return repeated
