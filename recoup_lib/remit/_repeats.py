"""Each dollar once: a remittance sent twice is counted once, and the repeat reported.

Payers and clearinghouses resend 835s: the same file under another name
(``X (1).835``), a folder copied into another, a monthly bundle that repeats a
weekly file. A transaction is the same payment when it has the same ISA
sender (ISA06), TRN02 trace number and BPR02 amount (docs/contract.md,
"Remittances"), whatever file holds it. The copy in the file whose full path
sorts first (then the first in that file) is kept, whatever order the files
were given or found in, so the tables never depend on that order; a copy
its file ends in without its SE (a download interrupted, then fetched
again) is kept only when no copy is whole. Every other copy is left out of
the tables and listed as a warning naming the one kept, and saying so when
the two hold different claims, service lines, adjustments or provider
adjustments.

The same payment delivered by two routes (the payer's portal and a
clearinghouse) carries two ISA senders: by that rule it is no repeat, and
both copies are counted. When two such transactions have the same payer,
trace number, amount and content, a warning says so and names both files.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..money import dollars
from ._problems import ACTION, SegmentProblem

__all__ = ["find_repeats", "DIFFERENT_COPY", "DIFFERENT_COPY_SAME_FILE", "CUT_COPY"]

#: How a repeat's ``expected`` ends when the two copies disagree. :attr:`~._result.Remit.different_copies`
#: finds those warnings by this ending: the file names and sender said before it may hold any text.
DIFFERENT_COPY = ("differ from that one's, which is kept because its file's path sorts first (whatever the order "
                  "the files were given in): check which is right")
#: The same ending when both copies are in one file (a transaction sent again in the same file).
DIFFERENT_COPY_SAME_FILE = ("differ from that one's, which is kept because it comes first in the file: "
                            "check which is right")

#: How a repeat's ``expected`` ends when it is a copy its file ends in (no SE) and the one kept is whole.
CUT_COPY = ("this copy's file ends in it without its SE (cut short: claims may be missing), so the whole copy is "
            "kept, wherever its file's path sorts")


def _column(chunks: list) -> list:
    values: list = []
    for v in chunks:
        values.extend(v.to_pylist() if isinstance(v, pa.Array) else np.asarray(v).tolist())
    return values


#: What a transaction holds, level by level (the reader's columns): two copies of one payment that
#: differ in any of these disagree about the money, and which is right cannot be told from the files.
_CONTENT = {
    "payments": ("claim_id", "status_code", "charge_cents", "paid_cents", "patient_responsibility_cents",
                 "payer_claim_control"),
    "service_lines": ("procedure_code", "modifiers", "charge_cents", "paid_cents"),
    "adjustments": ("group_code", "reason_code", "amount_cents"),
    "provider_adjustments": ("reason_code", "reference", "amount_cents"),
}


def _taken(chunks: list, rows: np.ndarray) -> list:
    """The values at ``rows`` (ascending) of a column held in chunks, without joining the chunks."""
    values: list = []
    start = 0
    for chunk in chunks:
        size = len(chunk)
        inside = rows[(rows >= start) & (rows < start + size)] - start
        if len(inside):
            values.extend(chunk.take(pa.array(inside)).to_pylist() if isinstance(chunk, pa.Array)
                          else np.asarray(chunk)[inside].tolist())
        start += size
    return values


def _contents(parts: dict, wanted: set[int]) -> dict[int, tuple]:
    """What each transaction of ``wanted`` holds, comparable with ``==`` (the order of its rows aside).

    Only the transactions that share a repeat key are looked at, so a batch
    without repeats costs nothing here.
    """
    held: dict[int, list] = {t: [] for t in wanted}
    for table, names in _CONTENT.items():
        cols = parts[table]
        rows_of: dict[int, list] = {t: [] for t in wanted}
        if cols:
            tx = np.concatenate([np.asarray(v) for v in cols["_tx"]])
            rows = np.flatnonzero(np.isin(tx, np.fromiter(wanted, dtype=np.int64)))
            for t, row in zip(tx[rows].tolist(), zip(*(_taken(cols[name], rows) for name in names))):
                rows_of[t].append(row)
        for t in wanted:
            held[t].append(tuple(sorted(rows_of[t], key=repr)))
    return {t: tuple(levels) for t, levels in held.items()}


def find_repeats(parts: dict, txn_file: np.ndarray, bad_txn: set, labels: list[str],
                 problems: list[SegmentProblem], file_rank: np.ndarray | None = None) -> set[int]:
    """Transactions (batch indices) that repeat the copy kept; a warning is added for each.

    Parameters
    ----------
    file_rank : numpy.ndarray, optional
        Each file's place when the files are sorted by full path
        (:meth:`~recoup_lib.x12.FileList.path_rank`): the copy in the first file by
        that order is kept, so the result does not depend on the order the
        files were given in. Default: the order read.

    Notes
    -----
    A transaction set aside for a problem of its own is never the one kept:
    a good copy in another file is used instead; nor is one its file ends in
    without its SE (cut short: claims may be missing) when another copy is
    whole (a remittance downloaded again). A transaction without a
    trace number repeats another only when its claims, service lines and
    adjustments are the same too (the same file copied).
    """
    cols = parts["transactions"]
    if not cols:
        return set()
    sender = _column(cols["interchange_sender"])
    trace = _column(cols["trace_number"])
    amount = _column(cols["bpr_amount_cents"])
    payer = _column(cols["payer_id"])
    segment = _column(cols["segment"])
    rank = np.asarray(txn_file) if file_rank is None else np.asarray(file_rank)[np.asarray(txn_file)]
    cut = np.asarray(_column(cols["_cut_short"]), dtype=bool) if "_cut_short" in cols else np.zeros(len(rank), bool)
    order = np.lexsort((np.asarray(segment, dtype=np.int64), rank, cut))
    copies: dict[tuple, list[int]] = {}
    untraced: list[int] = []
    for t in order.tolist():
        if t in bad_txn:
            continue
        if not str(trace[t]).strip():
            untraced.append(t)
            continue
        copies.setdefault((_who(sender, payer, t), str(trace[t]).strip(), int(amount[t])), []).append(t)
    repeats = {key: found for key, found in copies.items() if len(found) > 1}
    routes = _other_routes(copies, payer)
    # Without a trace number, only the same claims and adjustments too make a copy (a file copied):
    # contents are built only for those sharing a sender and an amount with another.
    alike: dict[tuple, list[int]] = {}
    for t in untraced:
        alike.setdefault((_who(sender, payer, t), int(amount[t])), []).append(t)
    shared = {t for found in alike.values() if len(found) > 1 for t in found}
    untraced = [t for t in untraced if t in shared]
    wanted = {t for found in repeats.values() for t in found} | {t for group in routes for t in group}
    content = _contents(parts, wanted | set(untraced)) if wanted or untraced else {}
    for t in untraced:
        repeats.setdefault((_who(sender, payer, t), "", int(amount[t]), content[t]), []).append(t)
    repeated: set[int] = set()
    for (who, number, cents, *_), (kept, *later) in repeats.items():
        for t in later:
            repeated.add(t)
            if cut[t] and not cut[kept]:
                differs = f"; {CUT_COPY}"
            else:
                ending = DIFFERENT_COPY_SAME_FILE if txn_file[t] == txn_file[kept] else DIFFERENT_COPY
                differs = (f"; its claims, service lines or adjustments {ending}"
                           if content[t] != content[kept] else "")
            which = f"trace {number}" if number else "no trace number, the same claims and adjustments"
            problems.append(SegmentProblem(
                labels[int(txn_file[t])], int(segment[t]), "ST", "TRN02", str(trace[t]),
                f"each remittance once: this transaction repeats the one in "
                f"{labels[int(txn_file[kept])]}, segment {int(segment[kept])} (same sender "
                f"{who!r}, {which}, {dollars(cents)}){differs}",
                "warning", ACTION["repeat"], str(trace[t])))
    for group in routes:
        for place, t in enumerate(group[1:], 1):
            same = [u for u in group[:place] if content[u] == content[t]]
            if not same:
                continue
            first = same[0]
            senders = " or ".join(repr(str(sender[u]).strip()) for u in same)
            problems.append(SegmentProblem(
                labels[int(txn_file[t])], int(segment[t]), "ST", "TRN02", str(trace[t]),
                f"each remittance once: this transaction holds the same payment as the one in "
                f"{labels[int(txn_file[first])]}, segment {int(segment[first])} (payer "
                f"{str(payer[t]).strip()!r}, trace {str(trace[t]).strip()}, {dollars(int(amount[t]))}, the same "
                f"claims and adjustments) but came from another sender ({str(sender[t]).strip()!r}, not "
                f"{senders}): both are counted, as a repeat is the same sender's; if one "
                "came through a clearinghouse and the other from the payer's portal, keep one of the files",
                "warning", ACTION["warning"], str(trace[t])))
    return repeated


def _who(sender: list, payer: list, t: int) -> str:
    """The sender a repeat must share: ISA06, or the payer of a transaction without an ISA."""
    return str(sender[t]).strip() or f"(no ISA; payer {str(payer[t]).strip()})"


def _other_routes(copies: dict[tuple, list[int]], payer: list) -> list[list[int]]:
    """The kept transactions (first of each repeat key) that share payer, trace number and amount
    under different senders: by the contract's rule not a repeat (a repeat is the same sender's),
    but the same remittance delivered twice when they also hold the same claims (checked after,
    each copy against every copy before it: a third sender's copy may match the second's only)."""
    by_payment: dict[tuple, list[int]] = {}
    for (_, number, cents), found in copies.items():
        by_payment.setdefault((str(payer[found[0]]).strip(), number, cents), []).append(found[0])
    return [group for group in by_payment.values() if len(group) > 1]
