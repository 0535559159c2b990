"""The money items of each deposit: every CLP and every PLB reason/amount pair, classified.

A *deposit* is one 835 transaction (ST...SE): one check or EFT. Deposits are
numbered by their row in ``remit.transactions``; the other tables are placed
in them by file and segment position (:func:`deposit_of`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._recoupments import control_key, paired_corrections

__all__ = ["ITEM_KINDS", "deposit_items", "deposit_of", "deposit_order", "take_rows",
           "control_key", "paired_corrections", "STR"]

#: Kinds of deposit item, each with the column of :func:`explain_deposits` it adds to.
ITEM_KINDS = {
    "claim payment": "paid_for_claims_cents",
    "correction": "corrections_cents",
    "reversal": "reversals_cents",
    "offset": "offsets_cents",
    "deferral taken": "deferrals_taken_cents",
    "deferred": "deferred_cents",
    "balance forward": "balance_forward_cents",
    "interest": "interest_cents",
    "other provider adjustment": "other_plb_cents",
}

STR = "str"


def deposit_of(frame: pd.DataFrame, transactions: pd.DataFrame) -> np.ndarray:
    """Row of ``transactions`` holding each row of ``frame`` (by file and segment; -1 if none)."""
    n = len(frame)
    if n == 0 or len(transactions) == 0:
        return np.full(n, -1, dtype=np.int64)
    codes, uniques = pd.factorize(pd.concat([transactions["file"], frame["file"]],
                                            ignore_index=True))
    t_file, f_file = codes[:len(transactions)], codes[len(transactions):]
    t_key = t_file.astype(np.int64) * 2**40 + transactions["segment"].to_numpy(np.int64)
    f_key = f_file.astype(np.int64) * 2**40 + frame["segment"].to_numpy(np.int64)
    order = np.argsort(t_key, kind="stable")
    pos = np.searchsorted(t_key[order], f_key, side="right") - 1
    found = pos >= 0
    dep = np.where(found, order[np.maximum(pos, 0)], -1)
    same_file = found & (t_file[np.maximum(dep, 0)] == f_file)
    return np.where(same_file, dep, -1).astype(np.int64)


def deposit_order(transactions: pd.DataFrame) -> np.ndarray:
    """Rank of each deposit in time: payment date, then file order, then position."""
    t = transactions
    order = np.lexsort((t["segment"].to_numpy(np.int64), np.arange(len(t)),
                        t["payment_date"].to_numpy("datetime64[us]").astype(np.int64)))
    rank = np.empty(len(t), dtype=np.int64)
    rank[order] = np.arange(len(t))
    return rank


def take_rows(values: np.ndarray, rows: np.ndarray, default) -> np.ndarray:
    """``values[rows]``, with ``default`` where a row is -1 (or ``values`` is empty)."""
    rows = np.asarray(rows, dtype=np.int64)
    if not len(values):
        return np.full(len(rows), default, dtype=object if isinstance(default, str) else None)
    ok = rows >= 0
    return np.where(ok, values[np.where(ok, rows, 0)], default)


# ---------------------------------------------------------------------------
# Items
# ---------------------------------------------------------------------------

def _deferral_taken(plb: pd.DataFrame, dep: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """True for a positive WO that recovers what an earlier negative WO deferred (docs/sources.md §5.5)."""
    wo = (plb["reason_code"] == "WO").to_numpy()
    amount = plb["amount_cents"].to_numpy()
    taken = np.zeros(len(plb), dtype=bool)
    if not (wo & (amount < 0)).any() or not (wo & (amount > 0)).any():
        return taken
    key = control_key(plb).to_numpy()
    when = np.where(dep >= 0, rank[np.maximum(dep, 0)], -1)
    deferrals = pd.DataFrame({"key": key, "when": when}).loc[wo & (amount < 0) & (key != "")]
    first = deferrals.groupby("key")["when"].min()
    earliest = pd.Series(key).map(first).to_numpy(dtype="float64")
    return wo & (amount > 0) & (key != "") & ~np.isnan(earliest) & (earliest < when)


def deposit_items(remit) -> pd.DataFrame:
    """Every money item of every deposit: each CLP and each PLB reason/amount pair.

    Parameters
    ----------
    remit : Remit
        As returned by :func:`~recoup_lib.remit.read_835`.

    Returns
    -------
    pandas.DataFrame
        One row per item, in file order: ``deposit`` (row of
        ``remit.transactions``), file, trace_number, payment_date, payer,
        ``source`` (``claim`` or ``plb``), ``source_row`` (row of
        ``remit.payments`` or ``remit.provider_adjustments``), segment,
        ``kind`` (a key of :data:`ITEM_KINDS`), claim_id, status_code,
        reason_code, reference, ``amount_cents`` (as sent: CLP04, or the PLB
        amount), ``effect_cents`` (what the item adds to the deposit:
        CLP04, or minus the PLB amount) and ``without_original_cents`` (of a
        negative WO, what hands back or defers no take-back in the files
        read; 0 for every other item).

    Notes
    -----
    Kinds (docs/sources.md §5.2-5.4):

    - a CLP with a negative paid amount is a ``reversal`` (status 22, or any
      status); the first later CLP of the same claim in the same deposit is
      its ``correction``; every other CLP is a ``claim payment``;
    - PLB ``WO`` positive is an ``offset`` (overpayment recovery), or a
      ``deferral taken`` when an earlier deposit deferred the same control
      number with a negative WO (X12 RFI #227, #578); ``WO`` negative is
      ``deferred``; ``FB`` positive is an ``offset`` (docs/contract.md,
      "Remittances"), ``FB`` negative a ``balance forward``; ``L6`` is
      ``interest``; anything else is an ``other provider adjustment``.

    The effects of a deposit's items sum to sum CLP04 - sum PLB, which is
    BPR02 when the deposit balances.

    Examples
    --------
    >>> from recoup_lib.remit import read_835
    >>> items = deposit_items(read_835(["tests/data/835/domain-5.5.835"]))
    >>> items["kind"].tolist()
    ['claim payment', 'reversal', 'correction', 'offset', 'interest']
    >>> int(items["effect_cents"].sum())
    28735
    """
    t, pay, plb = remit.transactions, remit.payments, remit.provider_adjustments
    rank = deposit_order(t)
    pdep = deposit_of(pay, t)
    corr = paired_corrections(pay, pdep)
    paid = pay["paid_cents"].to_numpy(np.int64)
    kind = np.where(paid < 0, "reversal", "claim payment").astype(object)
    kind[corr[corr >= 0]] = "correction"
    claims = pd.DataFrame({
        "deposit": pdep, "source": "claim", "source_row": np.arange(len(pay)),
        "segment": pay["segment"].to_numpy(np.int64), "kind": kind,
        "claim_id": pay["claim_id"].to_numpy(), "status_code": pay["status_code"].to_numpy(),
        "reason_code": "", "reference": pay["payer_claim_control"].to_numpy(),
        "amount_cents": paid, "effect_cents": paid, "without_original_cents": 0,
    })
    bdep = deposit_of(plb, t)
    code = plb["reason_code"].to_numpy()
    amount = plb["amount_cents"].to_numpy(np.int64)
    pkind = np.select(
        [(code == "WO") & (amount < 0), code == "WO", (code == "FB") & (amount > 0), code == "FB",
         code == "L6"],
        ["deferred", "offset", "offset", "balance forward", "interest"],
        "other provider adjustment").astype(object)
    pkind[_deferral_taken(plb, bdep, rank)] = "deferral taken"
    plbs = pd.DataFrame({
        "deposit": bdep, "source": "plb", "source_row": np.arange(len(plb)),
        "segment": plb["segment"].to_numpy(np.int64), "kind": pkind,
        "claim_id": plb["claim_id"].to_numpy(), "status_code": "",
        "reason_code": code, "reference": plb["reference"].to_numpy(),
        "amount_cents": amount, "effect_cents": -amount,
        "without_original_cents": (plb["without_original_cents"].to_numpy(np.int64)
                                   if "without_original_cents" in plb else 0),
    })
    items = pd.concat([claims, plbs], ignore_index=True)
    items = items.sort_values(["deposit", "segment", "source", "source_row"],
                              kind="stable").reset_index(drop=True)
    info = t[["file", "trace_number", "payment_date", "payer"]].reset_index(drop=True)
    got = info.reindex(items["deposit"].where(items["deposit"] >= 0).to_numpy())
    for col in ("file", "trace_number", "payer"):
        items[col] = pd.Series(got[col].fillna("").to_numpy(), dtype=STR)
    items["payment_date"] = got["payment_date"].to_numpy()
    for col in ("kind", "claim_id", "status_code", "reason_code", "reference", "source"):
        items[col] = items[col].astype(STR)
    for col in ("amount_cents", "effect_cents", "without_original_cents", "deposit", "source_row", "segment"):
        items[col] = items[col].astype("int64")
    return items[["deposit", "file", "trace_number", "payment_date", "payer", "source",
                  "source_row", "segment", "kind", "claim_id", "status_code", "reason_code",
                  "reference", "amount_cents", "effect_cents", "without_original_cents"]]

