"""Money taken back: reversals in the claim data and offsets in the PLB (docs/contract.md, "Remittances").

Each take-back is one row with its gross ``amount_cents`` and its
``net_amount_cents``: what it really took, each dollar once. "Taken back",
wherever the kit says it, is :func:`taken_back`: the sum of the net amounts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..money import dollars, parse_cents
from ..schema import as_of_day
from ._columns import COLUMNS, typed
from ._problems import ACTION, SegmentProblem

__all__ = ["RECOUPMENT_REASONS", "RECOUPMENT_ROW_CHECKS", "recoupments", "paired_corrections", "first_words",
           "control_key", "taken_back", "paid_after", "usable_recoupments", "without_original_warnings"]

#: PLB reason codes whose positive amount is an offset (docs/contract.md "Remittances").
RECOUPMENT_REASONS = ("WO", "FB")


class _ClaimIndex:
    """Resolve PLB references to the claims they concern.

    A reference is matched, in this order, against payer claim control
    numbers (CLP07), then patient control numbers (CLP01), seen anywhere in
    the batch: the whole reference, then each word of it (Medicare writes
    "ICN HIC"), then its start (a number of at least 8 characters followed
    directly by other text). Only the candidate strings of the references
    are looked up, so the cost follows the number of PLB references.
    """

    MIN_PREFIX = 8

    def __init__(self, payments: pd.DataFrame, references: list[str]):
        controls = payments["payer_claim_control"]
        ids = payments["claim_id"]
        self.control_lengths = sorted({int(n) for n in controls.str.len().unique()
                                       if n >= self.MIN_PREFIX}, reverse=True)
        self.id_lengths = sorted({int(n) for n in ids.str.len().unique()
                                  if n >= self.MIN_PREFIX}, reverse=True)
        wanted: set[str] = set()
        for ref in references:
            ref = ref.strip()
            wanted.update(ref.split())
            wanted.add(ref)
            wanted.update(ref[:n] for n in self.control_lengths + self.id_lengths if n < len(ref))
        wanted.discard("")
        value_set = pa.array(sorted(wanted), pa.large_string())

        def among(column: pd.Series) -> np.ndarray:
            values = pa.array(column.array).cast(pa.large_string())
            return np.asarray(pc.is_in(values, value_set=value_set))

        self.by_control: dict[str, set[str]] = {}
        self.controls_of: dict[str, set[str]] = {}
        hit = among(controls)
        for ctl, cid in zip(controls[hit].tolist(), ids[hit].tolist()):
            self.by_control.setdefault(ctl, set()).add(cid)
        hit = among(ids)
        for cid, ctl in zip(ids[hit].tolist(), controls[hit].tolist()):
            self.controls_of.setdefault(cid, set()).update([ctl] if ctl else [])

    def _by_control(self, key: str, how: str) -> tuple[str, str, str]:
        ids = self.by_control[key]
        return (next(iter(ids)), key, how) if len(ids) == 1 else ("", key, "ambiguous")

    def _by_claim(self, key: str, how: str) -> tuple[str, str, str]:
        controls = self.controls_of[key]
        return key, (next(iter(controls)) if len(controls) == 1 else ""), how

    def resolve(self, reference: str) -> tuple[str, str, str]:
        """``(claim_id, payer_claim_control, match)``; match is ``none`` when nothing fits."""
        ref = reference.strip()
        if not ref:
            return "", "", "none"
        words = [ref] + [w for w in ref.split() if w != ref]
        for w in words:
            if w in self.by_control:
                return self._by_control(w, "payer_claim_control")
        for w in words:
            if w in self.controls_of:
                return self._by_claim(w, "claim_id")
        for n in self.control_lengths:
            if len(ref) > n and ref[:n] in self.by_control:
                return self._by_control(ref[:n], "payer_claim_control prefix")
        for n in self.id_lengths:
            if len(ref) > n and ref[:n] in self.controls_of:
                return self._by_claim(ref[:n], "claim_id prefix")
        return "", "", "none"


def recoupments(transactions: pd.DataFrame, payments: pd.DataFrame,
                 plb: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Money taken back: reversals in claim data, offsets in PLB (docs/contract.md "Remittances").

    Returns the PLB table with ``claim_id``, ``payer_claim_control`` and
    ``match`` resolved and ``without_original_cents`` computed, and the
    recoupments table.

    Notes
    -----
    - ``reversal``: a CLP with status 22, or any CLP with a negative paid
      amount; the amount is the paid amount negated (a reversal that takes
      nothing back, such as that of a denial, has no row). The claim is CLP01
      (X12 RFI #2150: a reversal carries the original patient control
      number); ``reason_code`` is the CLP02 status; ``reference`` is CLP07.
    - ``offset``: a PLB ``WO`` or ``FB`` with a positive amount; the claim is
      resolved from the reference (:class:`_ClaimIndex`). When it cannot be,
      a WO's ``payer_claim_control`` is still the reference's first word (the
      payer's control number by convention) and ``match`` is ``none``.
    - ``deferred_cents``: the part of a take-back that a negative WO hands
      back. Of a reversal, when the same transaction defers it with a
      negative WO for the same claim: the payer reversed but chose not to
      take the money yet (X12 RFI #227, #578; docs/sources.md §5.5); the
      later positive WO is its own offset row. Of a WO offset, when a
      negative WO of the same payer and control number withdraws it (in the
      same remittance or a later one) or deferred it earlier without a
      reversal to defer, so a WO of +50 and one of -50 take back nothing and
      +50 then -20 take back 30 (:func:`_deferred`). What a negative WO
      hands back or defers beyond the take-backs in the files read (its WO
      offset was sent in a remittance not read) is the PLB row's
      ``without_original_cents``: it raises the deposit, and is never money
      taken back, nor a negative take-back.
    - ``correction_cents``: what the correction paired with a reversal paid
      again (the first later claim payment of the same claim in the same
      transaction, not status 22: X12 RFI #288, #791; docs/sources.md §5.2).
    - ``forwarded_cents``: the part of a positive FB that collects a balance
      the same payer carried forward to this payee with a negative FB in an
      earlier remittance (docs/sources.md §5.3; X12 RFI #1604). That balance
      came from take-backs already counted where they happened, so this
      part is not taken again.
    - ``net_amount_cents`` = amount - deferred - correction - forwarded: each
      dollar once. A reversal whose correction pays more than it took back,
      net of its deferral, is negative (the provider came out ahead there);
      the sum over a batch is what the payer really took.
    """
    refs = plb["reference"].tolist()
    unique_refs = list(dict.fromkeys(refs))
    index = _ClaimIndex(payments, unique_refs)
    resolved = {r: index.resolve(r) for r in unique_refs}
    plb = plb.copy()
    for i, name in enumerate(("claim_id", "payer_claim_control", "match")):
        plb[name] = pd.Series([resolved[r][i] for r in refs], dtype="str", index=plb.index)
    # Status 22 or not, only a negative paid amount takes money back.
    rev = payments.loc[payments["paid_cents"] < 0]
    reversals = pd.DataFrame({
        "_tx": rev["_tx"], "_file": rev["_file"], "file": rev["file"],
        "trace_number": rev["trace_number"],
        "claim_id": rev["claim_id"], "amount_cents": -rev["paid_cents"],
        "mechanism": "reversal", "reason_code": rev["status_code"],
        "reference": rev["payer_claim_control"], "payer_claim_control": rev["payer_claim_control"],
        "match": "clp01", "segment": rev["segment"],
    })
    off = plb.loc[plb["reason_code"].isin(RECOUPMENT_REASONS) & (plb["amount_cents"] > 0)]
    # An unresolved WO still names the payer's control number first, by convention.
    first_word = first_words(off["reference"])
    control = off["payer_claim_control"].where(
        (off["payer_claim_control"] != "") | (off["reason_code"] != "WO"), first_word)
    offsets = pd.DataFrame({
        "_tx": off["_tx"], "_file": off["_file"], "file": off["file"],
        "trace_number": off["trace_number"],
        "claim_id": off["claim_id"], "amount_cents": off["amount_cents"],
        "mechanism": "offset", "reason_code": off["reason_code"], "reference": off["reference"],
        "payer_claim_control": control, "match": off["match"],
        "segment": off["segment"],
    })
    frames = [f for f in (reversals, offsets) if len(f)]
    rec = pd.concat(frames, ignore_index=True) if frames else reversals.iloc[0:0]
    rec = rec.sort_values(["_tx", "segment"], kind="stable").reset_index(drop=True)
    rec["deferred_cents"], plb["without_original_cents"] = _deferred(rec, plb, transactions)
    rec["correction_cents"] = _correction(rec, payments)
    rec["forwarded_cents"] = _forwarded(rec, plb, transactions)
    rec["net_amount_cents"] = (rec["amount_cents"] - rec["deferred_cents"]
                               - rec["correction_cents"] - rec["forwarded_cents"])
    info = transactions.set_index("_tx")
    rec["payer"] = info["payer"].reindex(rec["_tx"]).to_numpy()
    rec["payment_date"] = info["payment_date"].reindex(rec["_tx"]).to_numpy()
    data = {name: rec[name].to_numpy() for name, _ in COLUMNS["recoupments"]}
    data["_tx"] = rec["_tx"].to_numpy()
    data["_file"] = rec["_file"].to_numpy()
    return plb, typed(data, "recoupments", len(rec))


def without_original_warnings(plb: pd.DataFrame) -> list[SegmentProblem]:
    """A warning for each negative WO that hands back or defers more than the files read took.

    Its ``without_original_cents`` raised the deposit and took nothing back;
    the warning says so, naming the control number looked for, so that a
    reader does not take it for a recovery of its own, nor look for a
    take-back the kit did not find.
    """
    rows = plb.loc[plb["without_original_cents"].to_numpy() > 0]
    keys = control_key(rows)
    out = []
    for row, key in zip(rows.itertuples(index=False), keys):
        part = dollars(row.without_original_cents)
        whole = dollars(-row.amount_cents)
        share = part if part == whole else f"{part} of its {whole}"
        looked = f"a WO offset of control number {key}" if key else "a WO offset (it names no reference)"
        out.append(SegmentProblem(
            row.file, int(row.segment), "PLB", "", row.reference,
            f"a take-back in the files read for this negative WO to hand back or defer ({looked}, or a "
            f"reversal of its claim in this remittance); there is none: no original in the files read, so "
            f"{share} raises this deposit and takes nothing back (the WO it answers may be in a remittance "
            "not read)", "warning", ACTION["warning"], row.trace_number))
    return out


def first_words(references: pd.Series) -> pd.Series:
    """The first word of each PLB reference (the payer's control number, by convention)."""
    return pd.Series([r.split()[0] if r.split() else "" for r in references.astype("str")],
                     index=references.index, dtype="str")


def control_key(frame: pd.DataFrame) -> pd.Series:
    """The payer control number a PLB row names (resolved, else the reference's first word)."""
    if not len(frame):
        return frame["payer_claim_control"].astype("str")
    first = first_words(frame["reference"])
    return frame["payer_claim_control"].where(frame["payer_claim_control"] != "", first)


def paired_corrections(pay: pd.DataFrame, group: np.ndarray) -> np.ndarray:
    """Index (into ``pay``) of the correction paired with each reversal, or -1.

    The correction is the first later claim payment of the same claim in the
    same ``group`` (transaction, or deposit), with a status other than 22
    (X12 RFI #288 and #791, docs/sources.md §5.2: sent after the reversal, as
    a new original payment). One correction per reversal, used once.
    """
    out = np.full(len(pay), -1, dtype=np.int64)
    rev = np.flatnonzero(pay["paid_cents"].to_numpy() < 0)
    if not len(rev):
        return out
    group = np.asarray(group)
    frame = pd.DataFrame({"dep": group, "claim_id": pay["claim_id"].to_numpy(),
                          "segment": pay["segment"].to_numpy(np.int64),
                          "row": np.arange(len(pay))})
    near = np.isin(group, np.unique(group[rev]))   # only the deposits that hold a reversal
    cand = frame.loc[near & (pay["status_code"] != "22").to_numpy()
                     & (pay["paid_cents"] >= 0).to_numpy()]
    pairs = frame.iloc[rev].merge(cand, on=["dep", "claim_id"], suffixes=("", "_c"))
    pairs = pairs.loc[pairs["segment_c"] > pairs["segment"]]
    pairs = pairs.sort_values(["row", "segment_c"], kind="stable")
    pairs = pairs.drop_duplicates("row").drop_duplicates("row_c")
    out[pairs["row"].to_numpy()] = pairs["row_c"].to_numpy()
    return out


def _correction(rec: pd.DataFrame, payments: pd.DataFrame) -> np.ndarray:
    """Cents paid again by the correction paired with each reversal row (0 for offsets)."""
    out = np.zeros(len(rec), dtype=np.int64)
    rows = paired_corrections(payments, payments["_tx"].to_numpy())
    if not len(rec) or not (rows >= 0).any():
        return out
    paid = payments["paid_cents"].to_numpy(np.int64)
    has = np.flatnonzero(rows >= 0)
    key = pd.Series(paid[rows[has]], index=pd.MultiIndex.from_arrays(
        [payments["_tx"].to_numpy()[has], payments["segment"].to_numpy(np.int64)[has]]))
    is_rev = (rec["mechanism"] == "reversal").to_numpy()
    found = key.reindex(pd.MultiIndex.from_arrays([rec["_tx"].to_numpy(),
                                                   rec["segment"].to_numpy(np.int64)]))
    return np.where(is_rev, found.fillna(0).to_numpy(np.int64), 0)


def _forwarded(rec: pd.DataFrame, plb: pd.DataFrame, transactions: pd.DataFrame) -> np.ndarray:
    """Cents of each positive FB row that collect a balance carried forward earlier (FIFO)."""
    out = np.zeros(len(rec), dtype=np.int64)
    fb = plb.loc[plb["reason_code"] == "FB"]
    if not len(fb) or not (fb["amount_cents"] < 0).any():
        return out
    info = transactions.set_index("_tx")
    rank = transactions.sort_values(["payment_date", "_file", "segment"], kind="stable",
                                    na_position="last")["_tx"]
    rank = pd.Series(np.arange(len(rank)), index=rank.to_numpy())
    payer = (info["payer_id"].astype("str") + "\x1f" + info["payee_id"].astype("str"))
    carried: dict[str, int] = {}
    take_rows = rec.index[(rec["reason_code"] == "FB").to_numpy()
                          & (rec["mechanism"] == "offset").to_numpy()]
    events = pd.DataFrame({"_tx": fb["_tx"].to_numpy(), "amount": fb["amount_cents"].to_numpy(),
                           "segment": fb["segment"].to_numpy(), "row": -1})
    takes = pd.DataFrame({"_tx": rec.loc[take_rows, "_tx"].to_numpy(), "amount": 0,
                          "segment": rec.loc[take_rows, "segment"].to_numpy(),
                          "row": np.asarray(take_rows)})
    events = events.loc[events["amount"] < 0]
    both = pd.concat([takes, events], ignore_index=True)
    both["rank"] = rank.reindex(both["_tx"]).to_numpy()
    both["carry"] = (both["row"] < 0).astype(int)  # collect before carrying within a remittance
    both = both.sort_values(["rank", "carry", "segment"], kind="stable")
    amounts = rec["amount_cents"].to_numpy(np.int64)
    for t, amount, row in zip(both["_tx"], both["amount"], both["row"]):
        who = payer.get(t, "")
        if row < 0:
            carried[who] = carried.get(who, 0) - int(amount)
        else:
            collected = min(int(amounts[row]), carried.get(who, 0))
            out[row] = collected
            carried[who] = carried.get(who, 0) - collected
    return out


def paid_after(frame: pd.DataFrame, as_of, column: str = "payment_date") -> np.ndarray:
    """Which rows of ``frame`` (take-backs or payments) have a ``payment_date`` after ``as_of``.

    One test for every "as of a date" figure (the reconciliation's money
    taken back by the as-of, the report's payments and take-backs, and with
    ``column="submitted_date"`` its claim lines), so they cannot drift apart.
    A missing date is not after it.

    >>> paid_after(pd.DataFrame({"payment_date": ["2025-01-31", "2025-02-01", None]}), "2025-01-31").tolist()
    [False, True, False]
    """
    return (pd.to_datetime(frame[column]) > as_of_day(as_of)).to_numpy(dtype=bool)


def _net_outside_amount(data: pd.DataFrame) -> np.ndarray:
    if "net_amount_cents" not in data.columns:
        return np.zeros(len(data), dtype=bool)
    net = data["net_amount_cents"]
    return (net.notna() & ((net < 0) | (net > data["amount_cents"]))).to_numpy(dtype=bool)


#: What a row of a recoupments table read from a file (recoupments.csv, money in cents) must hold to
#: be counted, as (column, the rows failing it, what was expected). The report sets aside the rows that
#: fail one, naming it; the data's own as-of leaves them out (:func:`usable_recoupments`).
RECOUPMENT_ROW_CHECKS = (
    ("amount_cents", lambda data: (data["amount_cents"].astype("int64") <= 0).to_numpy(dtype=bool),
     "a positive amount taken back (a deferral or a payment is not a recoupment)"),
    ("net_amount_cents", _net_outside_amount,
     "a net amount from 0 to the row's amount (each dollar taken back once: never more than the gross "
     "amount, never a negative take-back)"),
)


def usable_recoupments(data: pd.DataFrame) -> pd.DataFrame:
    """The rows of a recoupments table that pass every one of :data:`RECOUPMENT_ROW_CHECKS`.

    >>> rows = pd.DataFrame({"payment_date": ["2025-01-31", "2025-03-01"], "amount_cents": [500, -500]})
    >>> usable_recoupments(rows)["payment_date"].tolist()
    ['2025-01-31']
    """
    failing = np.zeros(len(data), dtype=bool)
    for _, fails, _ in RECOUPMENT_ROW_CHECKS:
        failing |= fails(data)
    return data.loc[~failing]


def taken_back(recoupments) -> int:
    """Money taken back, in cents: the sum of the net amounts, each dollar once.

    The one figure the kit calls "taken back" (docs/contract.md,
    "Remittances"): reversals net of the correction paid with them, offsets,
    less what the payer deferred or carried forward and collected later.
    Gross figures (:attr:`amount_cents`) are labelled as such.

    Parameters
    ----------
    recoupments : pandas.DataFrame or Remit
        A recoupments table (``net_amount_cents``; or ``net_amount`` in
        dollars, as ``recoupments.csv`` is written), or a :class:`Remit`.

    Returns
    -------
    int
        Cents.

    Examples
    --------
    >>> import pandas as pd
    >>> taken_back(pd.DataFrame({"net_amount_cents": [0, 8000]}))
    8000
    """
    frame = getattr(recoupments, "recoupments", recoupments)
    if "net_amount_cents" in frame:
        return int(pd.Series(frame["net_amount_cents"]).astype("int64").sum())
    if "net_amount" in frame:
        cents, bad = parse_cents(frame["net_amount"].astype("str"))
        if bad.any():
            raise ValueError(f"net_amount: expected dollars; got {frame['net_amount'][bad].iloc[0]!r}")
        return int(cents.sum())
    raise ValueError("expected a recoupments table with net_amount_cents (or net_amount in "
                     f"dollars); got columns {', '.join(map(str, frame.columns))}")


def _deferred(rec: pd.DataFrame, plb: pd.DataFrame,
              transactions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Cents of each take-back that a negative WO hands back (docs/sources.md §5.3, §5.5), and of
    each negative WO, the cents that hand back no take-back in the files read.

    A negative WO defers, first, the reversals of the same claim in its own
    transaction (X12 RFI #227, #578). What is left of it hands back WO
    offsets of the same payer, payee and payer control number: in its own
    transaction first (a WO sent and withdrawn in one remittance), then in
    date order, whether the offset came before it (a recovery reversed
    later) or after it (a recovery deferred, then collected). What is left
    after that hands back nothing the files read took, so it reduces no row
    and never counts as money taken back: it is the second array (by row of
    ``plb``), which says so in ``without_original_cents``.
    """
    deferred = np.zeros(len(rec), dtype=np.int64)
    is_negative = ((plb["reason_code"] == "WO") & (plb["amount_cents"] < 0)).to_numpy()
    without_original = np.where(is_negative, -plb["amount_cents"].to_numpy(np.int64), 0)
    negative = plb.loc[is_negative]
    if not len(negative) or not len(rec):
        return deferred, without_original
    is_rev = (rec["mechanism"] == "reversal").to_numpy()
    tx, cid, ctl = rec["_tx"].to_numpy(), rec["claim_id"].to_numpy(), \
        rec["payer_claim_control"].to_numpy()
    amount = rec["amount_cents"].to_numpy()
    keys = control_key(negative)
    left_over = []
    for row, t, d_cid, d_ctl, d_amount, key in zip(np.flatnonzero(is_negative), negative["_tx"],
                                                   negative["claim_id"], negative["payer_claim_control"],
                                                   negative["amount_cents"], keys):
        left = -int(d_amount)
        same = is_rev & (tx == t) & (((ctl == d_ctl) & (d_ctl != "")) |
                                     ((cid == d_cid) & (d_cid != "")))
        for i in np.flatnonzero(same):
            take = min(left, int(amount[i] - deferred[i]))
            deferred[i] += take
            left -= take
            if left == 0:
                break
        without_original[row] = left
        if left and key:
            left_over.append((row, t, key, left))
    if not left_over:
        return deferred, without_original
    info = transactions.set_index("_tx")
    who = (info["payer_id"].astype("str") + "\x1f" + info["payee_id"].astype("str")).to_dict()
    order = transactions.sort_values(["payment_date", "_file", "segment"], kind="stable",
                                     na_position="last")["_tx"].tolist()
    rank = {t: k for k, t in enumerate(order)}
    wo = np.flatnonzero(~is_rev & (rec["reason_code"] == "WO").to_numpy())
    offsets: dict[tuple[str, str], list[int]] = {}
    for i in sorted(wo, key=lambda i: rank.get(tx[i], len(rank))):
        offsets.setdefault((who.get(tx[i], ""), ctl[i]), []).append(int(i))
    for row, t, key, left in left_over:
        rows = offsets.get((who.get(t, ""), key), [])
        for i in sorted(rows, key=lambda i: tx[i] != t):
            take = min(left, int(amount[i] - deferred[i]))
            deferred[i] += take
            left -= take
            if left == 0:
                break
        without_original[row] = left
    return deferred, without_original
