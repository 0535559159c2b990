"""Reconcile remittances: where every dollar of a deposit went, and which recoupment was which.

Pure functions over the tables of :class:`~recoup_lib.remit.Remit` (what
:func:`~recoup_lib.remit.read_835` returns) and, optionally, the contract's
``notices.csv`` (parsed: ``amount_cents``, ``notice_date``). Nothing here
reads or writes files or draws; money stays in integer cents.

==============================  ===============================================
:func:`deposit_items`           every money item of every deposit, with its effect
:func:`link_recoupments`        each recoupment -> its original payment, its notice
:func:`explain_deposits`        one row per deposit: the parts and a sentence
:func:`open_ledger`             per notice: taken so far, still open, aging
:func:`cash_flow`               by month: paid, reversed, offset, deferred, net
:func:`recoupments_by_cause`    money taken back by month and cause
:func:`deposit_options`         the labels of a deposit picker (widget)
:func:`deposit_detail`          one deposit's items, ready to show (widget)
==============================  ===============================================

A *deposit* is one 835 transaction (ST...SE): one check or EFT. Deposits are
numbered by their row in ``remit.transactions``; the other tables are placed
in them by file and segment position.

The arithmetic (docs/sources.md §5.4): BPR02 = sum of CLP04 - sum of PLB amounts,
with a positive PLB amount taking money from the provider. Every CLP and PLB
pair is one *item* here, classified as exactly one kind, so a balanced
deposit is explained to the cent (``unexplained_cents`` is 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..money import dollars

__all__ = [
    "ITEM_KINDS",
    "AGING_BUCKETS",
    "deposit_items",
    "link_recoupments",
    "explain_deposits",
    "open_ledger",
    "cash_flow",
    "recoupments_by_cause",
    "deposit_options",
    "deposit_detail",
]

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
#: Aging buckets of :func:`open_ledger` (days since the notice date, inclusive bounds).
AGING_BUCKETS = (("0-30", 30), ("31-60", 60), ("61-90", 90), ("91-120", 120), (">120", None))

_STR = "str"


# ---------------------------------------------------------------------------
# Placing rows in deposits
# ---------------------------------------------------------------------------

def _deposit_of(frame: pd.DataFrame, transactions: pd.DataFrame) -> np.ndarray:
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


def _deposit_order(transactions: pd.DataFrame) -> np.ndarray:
    """Rank of each deposit in time: payment date, then file order, then position."""
    t = transactions
    order = np.lexsort((t["segment"].to_numpy(np.int64), np.arange(len(t)),
                        t["payment_date"].to_numpy("datetime64[us]").astype(np.int64)))
    rank = np.empty(len(t), dtype=np.int64)
    rank[order] = np.arange(len(t))
    return rank


def _take(values: np.ndarray, rows: np.ndarray, default) -> np.ndarray:
    """``values[rows]``, with ``default`` where a row is -1 (or ``values`` is empty)."""
    rows = np.asarray(rows, dtype=np.int64)
    if not len(values):
        return np.full(len(rows), default, dtype=object if isinstance(default, str) else None)
    ok = rows >= 0
    return np.where(ok, values[np.where(ok, rows, 0)], default)


def _control_key(frame: pd.DataFrame) -> pd.Series:
    """The payer control number a PLB row names (resolved, else the reference's first word)."""
    if not len(frame):
        return frame["payer_claim_control"].astype(_STR)
    first = frame["reference"].str.strip().str.split().str[0].fillna("").astype(_STR)
    return frame["payer_claim_control"].where(frame["payer_claim_control"] != "", first)


# ---------------------------------------------------------------------------
# Items
# ---------------------------------------------------------------------------

def _corrections(pay: pd.DataFrame, dep: np.ndarray) -> np.ndarray:
    """Index (into ``pay``) of the correction paired with each reversal, or -1.

    The correction is the first later claim payment of the same claim in the
    same deposit, with a status other than 22 (X12 RFI #288 and #791,
    docs/sources.md §5.2: sent after the reversal, as a new original payment).
    """
    out = np.full(len(pay), -1, dtype=np.int64)
    rev = np.flatnonzero(pay["paid_cents"].to_numpy() < 0)
    if not len(rev):
        return out
    frame = pd.DataFrame({"dep": dep, "claim_id": pay["claim_id"].to_numpy(),
                          "segment": pay["segment"].to_numpy(np.int64),
                          "row": np.arange(len(pay))})
    cand = frame.loc[(pay["status_code"] != "22").to_numpy() & (pay["paid_cents"] >= 0).to_numpy()]
    pairs = frame.iloc[rev].merge(cand, on=["dep", "claim_id"], suffixes=("", "_c"))
    pairs = pairs.loc[pairs["segment_c"] > pairs["segment"]]
    pairs = pairs.sort_values(["row", "segment_c"], kind="stable")
    # One correction per reversal, and a correction used once.
    pairs = pairs.drop_duplicates("row").drop_duplicates("row_c")
    out[pairs["row"].to_numpy()] = pairs["row_c"].to_numpy()
    return out


def _deferral_taken(plb: pd.DataFrame, dep: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """True for a positive WO that recovers what an earlier negative WO deferred (docs/sources.md §5.5)."""
    wo = (plb["reason_code"] == "WO").to_numpy()
    amount = plb["amount_cents"].to_numpy()
    taken = np.zeros(len(plb), dtype=bool)
    if not (wo & (amount < 0)).any() or not (wo & (amount > 0)).any():
        return taken
    key = _control_key(plb).to_numpy()
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
        amount) and ``effect_cents`` (what the item adds to the deposit:
        CLP04, or minus the PLB amount).

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
    rank = _deposit_order(t)
    pdep = _deposit_of(pay, t)
    corr = _corrections(pay, pdep)
    paid = pay["paid_cents"].to_numpy(np.int64)
    kind = np.where(paid < 0, "reversal", "claim payment").astype(object)
    kind[corr[corr >= 0]] = "correction"
    claims = pd.DataFrame({
        "deposit": pdep, "source": "claim", "source_row": np.arange(len(pay)),
        "segment": pay["segment"].to_numpy(np.int64), "kind": kind,
        "claim_id": pay["claim_id"].to_numpy(), "status_code": pay["status_code"].to_numpy(),
        "reason_code": "", "reference": pay["payer_claim_control"].to_numpy(),
        "amount_cents": paid, "effect_cents": paid,
    })
    bdep = _deposit_of(plb, t)
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
    })
    items = pd.concat([claims, plbs], ignore_index=True)
    items = items.sort_values(["deposit", "segment", "source", "source_row"],
                              kind="stable").reset_index(drop=True)
    info = t[["file", "trace_number", "payment_date", "payer"]].reset_index(drop=True)
    got = info.reindex(items["deposit"].where(items["deposit"] >= 0).to_numpy())
    for col in ("file", "trace_number", "payer"):
        items[col] = pd.Series(got[col].fillna("").to_numpy(), dtype=_STR)
    items["payment_date"] = got["payment_date"].to_numpy()
    for col in ("kind", "claim_id", "status_code", "reason_code", "reference", "source"):
        items[col] = items[col].astype(_STR)
    for col in ("amount_cents", "effect_cents", "deposit", "source_row", "segment"):
        items[col] = items[col].astype("int64")
    return items[["deposit", "file", "trace_number", "payment_date", "payer", "source",
                  "source_row", "segment", "kind", "claim_id", "status_code", "reason_code",
                  "reference", "amount_cents", "effect_cents"]]


# ---------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------

LINK_COLUMNS = [
    "recoupment", "deposit", "file", "trace_number", "payment_date", "payer", "payer_id",
    "claim_id", "mechanism", "kind", "reason_code", "reference", "payer_claim_control",
    "amount_cents", "deferred_cents", "correction_cents", "net_taken_cents",
    "original_status", "original_file", "original_trace_number", "original_payment_date",
    "original_paid_cents", "original_payer_claim_control", "original_reason",
    "notice_status", "notice_id", "notice_payer_id", "notice_date", "notice_amount_cents",
    "error_type", "notice_reason", "link_status", "reason",
]


def _recoupment_sources(remit, items: pd.DataFrame) -> np.ndarray:
    """Row of ``items`` behind each row of ``remit.recoupments``."""
    rec = remit.recoupments
    if not len(rec):
        return np.zeros(0, dtype=np.int64)
    left = pd.DataFrame({"file": rec["file"].to_numpy(), "segment": rec["segment"].to_numpy(),
                         "source": np.where(rec["mechanism"] == "reversal", "claim", "plb"),
                         "reason_code": np.where(rec["mechanism"] == "reversal", "",
                                                 rec["reason_code"].to_numpy()),
                         "reference": np.where(rec["mechanism"] == "reversal", "",
                                               rec["reference"].to_numpy()),
                         "amount": np.where(rec["mechanism"] == "reversal",
                                            -rec["amount_cents"].to_numpy(),
                                            rec["amount_cents"].to_numpy()),
                         "rec": np.arange(len(rec))})
    right = pd.DataFrame({"file": items["file"].to_numpy(), "segment": items["segment"].to_numpy(),
                          "source": items["source"].to_numpy(),
                          "reason_code": np.where(items["source"] == "claim", "",
                                                  items["reason_code"].to_numpy()),
                          "reference": np.where(items["source"] == "claim", "",
                                                items["reference"].to_numpy()),
                          "amount": items["amount_cents"].to_numpy(), "item": np.arange(len(items))})
    keys = ["file", "segment", "source", "reason_code", "reference", "amount"]
    for frame in (left, right):
        frame["nth"] = frame.groupby(keys, sort=False).cumcount()
    joined = left.merge(right, on=keys + ["nth"], how="left")
    out = np.full(len(rec), -1, dtype=np.int64)
    ok = joined["item"].notna()
    out[joined.loc[ok, "rec"].to_numpy()] = joined.loc[ok, "item"].to_numpy(np.int64)
    return out


def _originals(rec: pd.DataFrame, items: pd.DataFrame, remit, rank: np.ndarray) -> pd.DataFrame:
    """The earlier claim payment each recoupment takes back (one row per recoupment)."""
    pay = remit.payments
    t = remit.transactions
    pay_items = items.loc[(items["source"] == "claim") & (items["amount_cents"] > 0)
                          & (items["status_code"] != "22") & (items["deposit"] >= 0)]
    cand = pd.DataFrame({
        "claim_id": pay_items["claim_id"].to_numpy(),
        "control": pay["payer_claim_control"].to_numpy()[pay_items["source_row"].to_numpy()],
        "c_deposit": pay_items["deposit"].to_numpy(), "c_paid": pay_items["amount_cents"].to_numpy(),
        "c_segment": pay_items["segment"].to_numpy()})
    cand["c_rank"] = rank[cand["c_deposit"].to_numpy()]
    left = pd.DataFrame({"rec": np.arange(len(rec)), "claim_id": rec["claim_id"].to_numpy(),
                         "control": rec["payer_claim_control"].to_numpy(),
                         "amount": rec["amount_cents"].to_numpy(),
                         "r_rank": rank[np.maximum(rec["deposit"].to_numpy(), 0)]})
    by_claim = left.loc[left["claim_id"] != ""].merge(cand.drop(columns="control"), on="claim_id")
    by_control = left.loc[left["control"] != ""].merge(cand.drop(columns="claim_id"), on="control")
    pairs = pd.concat([by_claim.assign(_claim=1, _control=0),
                       by_control.assign(_claim=0, _control=1)], ignore_index=True)
    pairs = pairs.loc[pairs["c_rank"] < pairs["r_rank"]]
    # A pair found both ways counts both ways.
    pairs = pairs.groupby(["rec", "c_deposit", "c_segment"], as_index=False).agg(
        _claim=("_claim", "max"), _control=("_control", "max"), c_paid=("c_paid", "first"),
        c_rank=("c_rank", "first"), amount=("amount", "first"))
    pairs["_exact"] = (pairs["c_paid"] == pairs["amount"]).astype(int)
    pairs = pairs.sort_values(["rec", "_control", "_exact", "_claim", "c_rank"],
                              ascending=[True, False, False, False, False], kind="stable")
    best = pairs.drop_duplicates("rec").set_index("rec")
    dep = best["c_deposit"].reindex(np.arange(len(rec)))
    found = dep.notna().to_numpy()
    d = dep.fillna(0).to_numpy(np.int64)
    seg = best["c_segment"].reindex(np.arange(len(rec))).fillna(-1).to_numpy(np.int64)
    row_of = pay_items.set_index(["deposit", "segment"])["source_row"]
    rows = row_of.reindex(pd.MultiIndex.from_arrays([d, seg])).fillna(-1).to_numpy(np.int64)
    out = pd.DataFrame({
        "original_status": np.where(found, "linked", "unlinked"),
        "original_file": _take(t["file"].to_numpy(), np.where(found, d, -1), ""),
        "original_trace_number": _take(t["trace_number"].to_numpy(), np.where(found, d, -1), ""),
        "original_payment_date": _take(t["payment_date"].to_numpy("datetime64[us]"),
                                       np.where(found, d, -1), np.datetime64("NaT", "us")),
        "original_paid_cents": _take(pay["paid_cents"].to_numpy(np.int64), rows, 0),
        "original_payer_claim_control": _take(pay["payer_claim_control"].to_numpy(), rows, ""),
    })
    ref = rec["reference"].str.strip()
    why = np.select(
        [found,
         (rec["mechanism"] == "offset").to_numpy() & (ref == "").to_numpy(),
         (rec["match"] == "ambiguous").to_numpy(),
         (rec["claim_id"] == "").to_numpy()],
        ["",
         "the PLB reference is blank, so the payer did not say which payment it takes back",
         "reference '" + ref + "' matches several claims in the files read",
         "reference '" + ref + "' matches no claim payment in the files read "
         "(its original remittance is not among them)"],
        "no earlier payment of claim " + rec["claim_id"] + " in the files read "
        "(its original remittance is not among them)")
    out["original_reason"] = why
    return out


def _payer_keys(frame: pd.DataFrame) -> pd.Series:
    return frame["payer_id"].astype(_STR) + "\x1f" + frame["payer"].astype(_STR)


def _notice_links(links: pd.DataFrame, notices: pd.DataFrame) -> pd.DataFrame:
    """Best notice for each link (same claim; same payer where known; amount and date break ties).

    Returns one row per link (index aligned): notice_id, notice_payer_id,
    notice_date, notice_amount_cents, error_type, notice_status, notice_reason.
    """
    n = len(links)
    out = pd.DataFrame({"notice_id": pd.Series([""] * n, dtype=_STR),
                        "notice_payer_id": pd.Series([""] * n, dtype=_STR),
                        "notice_date": pd.Series(pd.NaT, index=range(n), dtype="datetime64[us]"),
                        "notice_amount_cents": np.zeros(n, dtype=np.int64),
                        "error_type": pd.Series([""] * n, dtype=_STR)})
    missing = [c for c in ("notice_id", "payer_id", "claim_id", "notice_date", "amount_cents")
               if c not in notices]
    if missing:
        raise ValueError(f"notices: missing column(s) {', '.join(missing)} (expected the parsed "
                         "notices.csv: notice_id, payer_id, claim_id, notice_date, amount)")
    nt = notices.copy()
    if "error_type" not in nt:
        nt["error_type"] = ""
    # A notice is about one line; a claim's notices for the same payer and date add up.
    nt = nt.assign(_n=np.arange(len(nt)))
    payer_ids = set(nt["payer_id"].astype(_STR))
    left = pd.DataFrame({"link": np.arange(n), "claim_id": links["claim_id"].to_numpy(),
                         "payer_id": links["payer_id"].to_numpy(), "payer": links["payer"].to_numpy(),
                         "amount": links["net_taken_cents"].to_numpy(),
                         "gross": links["amount_cents"].to_numpy(),
                         "undeferred": (links["amount_cents"] - links["correction_cents"]).to_numpy(),
                         "reversal": (links["kind"] == "reversal").to_numpy(),
                         "date": links["payment_date"].to_numpy("datetime64[us]")})
    left["_payer_known"] = left["payer_id"].isin(payer_ids) | left["payer"].isin(payer_ids)
    pairs = left.loc[left["claim_id"] != ""].merge(
        nt[["_n", "notice_id", "payer_id", "claim_id", "notice_date", "amount_cents",
            "error_type"]].rename(columns={"payer_id": "n_payer"}), on="claim_id")
    same_payer = (pairs["n_payer"] == pairs["payer_id"]) | (pairs["n_payer"] == pairs["payer"])
    pairs = pairs.loc[same_payer | ~pairs["_payer_known"]]
    any_payer = set(pairs["link"])
    pairs = pairs.loc[pairs["notice_date"] <= pairs["date"]]
    before = pairs
    pairs = pairs.assign(
        _exact=((pairs["amount_cents"] == pairs["amount"]) | (pairs["amount_cents"] == pairs["gross"])
                | (pairs["amount_cents"] == pairs["undeferred"])).astype(int),
        _ripe=(pairs["notice_date"] + pd.Timedelta(days=OFFSET_DAY - 1) <= pairs["date"]).astype(int),
        _before=(pairs["notice_date"] <= pairs["date"]).astype(int))
    # A reversal recovers a notice in one go: it must match the amount asked.
    pairs = pairs.loc[~pairs["reversal"] | (pairs["_exact"] == 1)]
    pairs = pairs.sort_values(["link", "_exact", "_ripe", "_before", "notice_date", "_n"],
                              ascending=[True, False, False, False, True, True], kind="stable")
    several = pairs.groupby("link")["_n"].transform("size") > 1
    if several.any():
        pairs = pd.concat([pairs.loc[~several], _allocate(pairs.loc[several], nt)])
    best = pairs.drop_duplicates("link").set_index("link")
    idx = best.index.to_numpy()
    out.loc[idx, "notice_id"] = best["notice_id"].astype(_STR).to_numpy()
    out.loc[idx, "notice_payer_id"] = best["n_payer"].astype(_STR).to_numpy()
    out.loc[idx, "notice_date"] = best["notice_date"].to_numpy()
    out.loc[idx, "notice_amount_cents"] = best["amount_cents"].to_numpy(np.int64)
    out.loc[idx, "error_type"] = best["error_type"].fillna("").astype(_STR).to_numpy()
    found = np.zeros(n, dtype=bool)
    found[idx] = True
    claim_noticed = links["claim_id"].isin(set(nt["claim_id"].astype(_STR))).to_numpy()
    payer_noticed = np.isin(np.arange(n), list(any_payer))
    reversal = (links["kind"] == "reversal").to_numpy()
    dated_before = np.isin(np.arange(n), list(set(before["link"])))
    out["notice_status"] = np.where(found, "linked", "unlinked")
    out["notice_reason"] = np.select(
        [found, links["claim_id"].to_numpy() == "", reversal & dated_before, payer_noticed,
         claim_noticed],
        ["", "the claim is not known, so no notice can be matched",
         "claim " + links["claim_id"].astype(_STR) + " has notices, but none asks for what this "
         "reversal takes (" + pd.Series([dollars(int(v)) for v in links["net_taken_cents"]],
                                       dtype=_STR) + " net)",
         "claim " + links["claim_id"].astype(_STR) + " has notices, but all dated after this "
         "take (a take before its letter is not the letter's)",
         "claim " + links["claim_id"].astype(_STR) + " has notices, but from another payer"],
        "no notice for claim " + links["claim_id"].astype(_STR)).astype(object)
    out["notice_reason"] = out["notice_reason"].astype(_STR)
    return out


#: Day of a Medicare demand on which offset may start (docs/sources.md §1.1); a tie-break only.
OFFSET_DAY = 41


def _allocate(pairs: pd.DataFrame, notices: pd.DataFrame) -> pd.DataFrame:
    """Choose among several candidate notices, taking each notice's open amount into account.

    Takes are visited in date order; each goes to the best-ranked notice
    (the order of ``pairs``) that its amount matches exactly as still
    open, else to the first one with money still open, else to the first.
    """
    open_left = dict(zip(notices["_n"], notices["amount_cents"].astype("int64")))
    chosen = []
    pairs = pairs.sort_values(["date", "link"], kind="stable")
    for link, group in pairs.groupby("link", sort=False):
        group = group.sort_values(["_exact", "_ripe", "_before", "notice_date", "_n"],
                                  ascending=[False, False, False, True, True], kind="stable")
        left = group["_n"].map(open_left)
        exact = group.loc[(left == group["amount"]) | (left == group["gross"])]
        still = group.loc[left > 0]
        pick = exact.iloc[0] if len(exact) else still.iloc[0] if len(still) else group.iloc[0]
        open_left[pick["_n"]] -= int(pick["amount"])
        chosen.append(pick)
    return pd.DataFrame(chosen)


def link_recoupments(remit, notices: pd.DataFrame | None = None) -> pd.DataFrame:
    """Link every recoupment to the payment it takes back and, given notices, to its notice.

    Parameters
    ----------
    remit : Remit
        As returned by :func:`~recoup_lib.remit.read_835` (its
        ``recoupments`` table lists the money taken back).
    notices : pandas.DataFrame, optional
        The parsed ``notices.csv`` of the contract (notice_id, payer_id,
        claim_id, line_no, notice_date, ``amount_cents``, reason_code,
        error_type). Without it the notice columns stay blank.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``remit.recoupments``, in the same order
        (:data:`LINK_COLUMNS`): ``recoupment`` (its row), ``deposit``, file,
        trace_number, payment_date, payer, payer_id, claim_id, mechanism,
        ``kind`` (``reversal``, ``offset``, ``deferral taken``), reason_code,
        reference, payer_claim_control, amount_cents, deferred_cents,
        ``correction_cents`` (what the correction of a reversal paid again
        in the same deposit), ``net_taken_cents`` (amount - deferred -
        correction: what the provider actually lost in that deposit);
        the original payment (original_status ``linked``/``unlinked``,
        original_file, original_trace_number, original_payment_date,
        original_paid_cents, original_payer_claim_control, original_reason);
        the notice (notice_status ``linked``/``unlinked``/blank without
        notices, notice_id, notice_payer_id, notice_date,
        notice_amount_cents, error_type, notice_reason); ``link_status``
        (``linked`` when the original and, given notices, the notice are
        found; ``partly linked``; ``unlinked``) and ``reason`` (why not,
        in words; blank when linked).

    Raises
    ------
    ValueError
        When ``notices`` lacks a required column.

    Notes
    -----
    - The original payment is the earlier claim payment (CLP04 > 0, status
      not 22, in an earlier deposit) with, in order of preference, the
      same payer claim control number (CLP07; a reversal repeats it, and a
      WO reference carries it: X12 RFI #227, #578; docs/sources.md §5.2, 5.3), the
      same paid amount, the same claim (CLP01; RFI #2150), and the latest
      date.
    - The notice must be for the same claim and, where the remittance's
      payer id or name appears among the notices' payer ids, the same
      payer, dated on or before the take (the letter comes before the
      money is taken: docs/sources.md §1.1). A reversal recovers a notice in one
      go, so it links only to a notice asking for its net amount (after
      the correction), its gross amount, or its amount before a deferral;
      offsets may take a notice in parts. Ties are broken by an amount equal to the net or gross amount
      taken (or, when a claim has several notices, to what the notice
      still leaves open), a notice at least :data:`OFFSET_DAY` - 1 days
      old (Medicare's day 41, docs/sources.md §1.1), then the oldest notice
      first. Several takes may link
      to one notice (an offset spread over several remittances).
    - Medicare offsets by TIN, so an offset may take back a debt of another
      claim than any paid in the same remittance (docs/sources.md §5.3).

    Examples
    --------
    >>> from recoup_lib.remit import read_835
    >>> links = link_recoupments(read_835(["tests/data/835/domain-5.5.835"]))
    >>> links[["claim_id", "kind", "net_taken_cents", "original_status"]].values.tolist()
    [['PCN-B200', 'reversal', 6000, 'unlinked'], ['', 'offset', 7500, 'unlinked']]
    """
    rec = remit.recoupments
    t = remit.transactions
    items = deposit_items(remit)
    rank = _deposit_order(t)
    src = _recoupment_sources(remit, items)
    n = len(rec)
    dep = items["deposit"].to_numpy()[np.maximum(src, 0)] if n else np.zeros(0, np.int64)
    dep = np.where(src >= 0, dep, _deposit_of(rec, t) if n else dep).astype(np.int64)
    kinds = items["kind"].to_numpy()[np.maximum(src, 0)] if n else np.zeros(0, object)
    kind = np.where(rec["mechanism"] == "reversal", "reversal",
                    np.where(kinds == "deferral taken", "deferral taken", "offset"))
    # The correction paid in the same deposit as its reversal.
    pay = remit.payments
    corr_row = _corrections(pay, _deposit_of(pay, t))
    pay_row = items["source_row"].to_numpy()[np.maximum(src, 0)] if n else np.zeros(0, np.int64)
    is_rev = (rec["mechanism"] == "reversal").to_numpy() & (src >= 0)
    c = np.where(is_rev, _take(corr_row, np.where(is_rev, pay_row, -1), -1), -1)
    correction = _take(pay["paid_cents"].to_numpy(np.int64), c, 0).astype(np.int64)
    payer_id = _take(t["payer_id"].to_numpy(), dep, "")
    links = pd.DataFrame({
        "recoupment": np.arange(n, dtype=np.int64), "deposit": dep,
        "file": rec["file"].to_numpy(), "trace_number": rec["trace_number"].to_numpy(),
        "payment_date": rec["payment_date"].to_numpy(), "payer": rec["payer"].to_numpy(),
        "payer_id": payer_id,
        "claim_id": rec["claim_id"].to_numpy(), "mechanism": rec["mechanism"].to_numpy(),
        "kind": kind, "reason_code": rec["reason_code"].to_numpy(),
        "reference": rec["reference"].to_numpy(),
        "payer_claim_control": rec["payer_claim_control"].to_numpy(),
        "amount_cents": rec["amount_cents"].to_numpy(np.int64),
        "deferred_cents": rec["deferred_cents"].to_numpy(np.int64),
        "correction_cents": correction,
    })
    links["net_taken_cents"] = links["amount_cents"] - links["deferred_cents"] - correction
    for col in ("file", "trace_number", "payer", "payer_id", "claim_id", "mechanism", "kind",
                "reason_code", "reference", "payer_claim_control"):
        links[col] = links[col].astype(_STR)
    orig = _originals(links.assign(match=rec["match"].to_numpy()), items, remit, rank)
    for col in orig:
        links[col] = orig[col].to_numpy()
    links["original_payment_date"] = pd.to_datetime(links["original_payment_date"]).astype(
        "datetime64[us]")
    if notices is not None:
        nl = _notice_links(links, notices)
    else:
        nl = pd.DataFrame({"notice_id": "", "notice_payer_id": "",
                           "notice_date": pd.Series(pd.NaT, index=range(n), dtype="datetime64[us]"),
                           "notice_amount_cents": np.zeros(n, np.int64), "error_type": "",
                           "notice_status": "", "notice_reason": ""}, index=range(n))
    for col in nl:
        links[col] = nl[col].to_numpy()
    o_ok = links["original_status"] == "linked"
    n_ok = (links["notice_status"] == "linked") | (links["notice_status"] == "")
    links["link_status"] = np.where(o_ok & n_ok, "linked",
                                    np.where(o_ok | (links["notice_status"] == "linked"),
                                             "partly linked", "unlinked"))
    reason = links["original_reason"].str.cat(links["notice_reason"], sep="; ")
    links["reason"] = reason.str.strip("; ")
    for col in ("original_status", "original_file", "original_trace_number",
                "original_payer_claim_control", "original_reason", "notice_id",
                "notice_payer_id", "error_type", "notice_status", "notice_reason", "link_status",
                "reason"):
        links[col] = links[col].astype(_STR)
    for col in ("original_paid_cents", "notice_amount_cents"):
        links[col] = links[col].astype("int64")
    links["notice_date"] = links["notice_date"].astype("datetime64[us]")
    return links[LINK_COLUMNS]


# ---------------------------------------------------------------------------
# Deposits
# ---------------------------------------------------------------------------

DEPOSIT_COLUMNS = [
    "deposit", "file", "trace_number", "payer", "payment_date", "claims",
    "paid_for_claims_cents", "reversals_cents", "corrections_cents", "offsets_cents",
    "deferrals_taken_cents", "deferred_cents", "balance_forward_cents", "interest_cents",
    "other_plb_cents", "bpr_amount_cents", "unexplained_cents", "balanced", "recoupments",
    "sentence",
]

#: Sign of each kind's column in "deposit = paid + corrections - reversals - ...".
_SIGN = {"claim payment": 1, "correction": 1, "reversal": -1, "offset": -1,
         "deferral taken": -1, "deferred": 1, "balance forward": 1, "interest": 1,
         "other provider adjustment": -1}


def _phrases(items: pd.DataFrame, notes: pd.Series) -> pd.Series:
    """Words for each item other than a plain claim payment ("less $42.58 reversal of claim 3310")."""
    eff = items["effect_cents"].to_numpy()
    word = np.where(eff < 0, "less ", "plus ")
    money = pd.Series([dollars(abs(int(v))) for v in eff], index=items.index, dtype=_STR)
    claim = items["claim_id"]
    ref = items["reference"].str.strip()
    about = np.where(claim != "", "claim " + claim,
                     np.where(ref != "", "reference " + ref, "no reference"))
    code = items["reason_code"]
    what = pd.Series(np.select(
        [items["kind"] == "reversal", items["kind"] == "correction",
         items["kind"] == "offset", items["kind"] == "deferral taken",
         items["kind"] == "deferred", items["kind"] == "balance forward",
         items["kind"] == "interest"],
        ["reversal of " + about, "correction of " + about,
         code + " offset for " + about,
         "WO recovery, deferred earlier, for " + about,
         "deferred WO recovery for " + about, "balance carried forward (FB)",
         "interest (L6)"],
        "provider adjustment " + code + np.where(ref != "", " " + ref, "")),
        index=items.index, dtype=_STR)
    return (pd.Series(word, index=items.index, dtype=_STR) + money + " " + what + notes)


def explain_deposits(remit, links: pd.DataFrame | None = None, max_items: int = 8) -> pd.DataFrame:
    """One row per deposit: what was paid, taken back and added, summing to BPR02, in a sentence.

    Parameters
    ----------
    remit : Remit
    links : pandas.DataFrame, optional
        From :func:`link_recoupments` (made without notices when absent);
        gives the sentence its notice ids and stated reasons.
    max_items : int, default 8
        Items named in a sentence; the rest are summed in one phrase.

    Returns
    -------
    pandas.DataFrame
        :data:`DEPOSIT_COLUMNS`: deposit, file, trace_number, payer,
        payment_date, claims (claim payments that are neither reversals
        nor corrections), the parts in cents (each >= 0 except where a
        payer sends an unusual sign): paid_for_claims, reversals,
        corrections, offsets, deferrals_taken, deferred, balance_forward,
        interest, other_plb (as sent: positive takes); bpr_amount,
        ``unexplained_cents`` = bpr_amount - (paid_for_claims + corrections
        - reversals - offsets - deferrals_taken + deferred + balance_forward
        + interest - other_plb), ``balanced`` (unexplained is 0),
        ``recoupments`` (count) and ``sentence``.

    Notes
    -----
    The identity is the 835's transaction balance (docs/sources.md §5.4: BPR02 =
    sum CLP04 - sum PLB): every CLP and PLB pair falls in exactly one part
    (:func:`deposit_items`), so ``unexplained_cents`` is 0 for a balanced
    transaction and equals the reader's ``difference_cents`` otherwise.

    Examples
    --------
    >>> from recoup_lib.remit import read_835
    >>> d = explain_deposits(read_835(["tests/data/835/domain-5.5.835"]))
    >>> print(d.loc[0, "sentence"])
    $420.00 paid for 1 claim, less $150.00 reversal of claim PCN-B200, plus $90.00 correction of claim PCN-B200, less $75.00 WO offset for reference ICN-C0-0003 1EG4TE5MK73, plus $2.35 interest (L6) = $287.35 deposited.
    """
    t = remit.transactions
    items = deposit_items(remit)
    if links is None:
        links = link_recoupments(remit)
    items = items.loc[items["deposit"] >= 0]
    kinds = list(ITEM_KINDS)
    value = items["effect_cents"] * items["kind"].map(_SIGN).astype("int64")
    table = (pd.DataFrame({"deposit": items["deposit"], "kind": pd.Categorical(items["kind"], kinds),
                           "v": value})
             .pivot_table(index="deposit", columns="kind", values="v", aggfunc="sum",
                          fill_value=0, observed=False)
             .reindex(index=np.arange(len(t)), columns=kinds, fill_value=0))
    out = pd.DataFrame({"deposit": np.arange(len(t), dtype=np.int64),
                        "file": t["file"].to_numpy(), "trace_number": t["trace_number"].to_numpy(),
                        "payer": t["payer"].to_numpy(), "payment_date": t["payment_date"].to_numpy()})
    plain = items.loc[items["kind"] == "claim payment"].groupby("deposit").size()
    out["claims"] = plain.reindex(out["deposit"]).fillna(0).astype("int64").to_numpy()
    for k in kinds:
        out[ITEM_KINDS[k]] = table[k].fillna(0).astype("int64").to_numpy()
    out["bpr_amount_cents"] = t["bpr_amount_cents"].to_numpy(np.int64)
    explained = sum(_SIGN[k] * out[ITEM_KINDS[k]] for k in kinds)
    out["unexplained_cents"] = out["bpr_amount_cents"] - explained
    out["balanced"] = out["unexplained_cents"] == 0
    recs = links.groupby("deposit").size()
    out["recoupments"] = recs.reindex(out["deposit"]).fillna(0).astype("int64").to_numpy()
    out["sentence"] = _sentences(out, items, links, max_items)
    for col in ("file", "trace_number", "payer", "sentence"):
        out[col] = out[col].astype(_STR)
    return out[DEPOSIT_COLUMNS]


def _item_notes(items: pd.DataFrame, links: pd.DataFrame) -> pd.Series:
    """" (notice N-0193, duplicate_claim)" for items whose recoupment links to a notice."""
    notes = pd.Series("", index=items.index, dtype=_STR)
    if not len(links):
        return notes
    linked = links.loc[links["notice_id"] != ""]
    if not len(linked):
        return notes
    key_items = items["deposit"].astype(_STR) + "|" + items["claim_id"] + "|" + \
        items["kind"].where(items["kind"] != "correction", "reversal") + "|" + \
        items["amount_cents"].abs().astype(_STR)
    kind = linked["kind"]
    key_links = linked["deposit"].astype(_STR) + "|" + linked["claim_id"] + "|" + kind + "|" + \
        linked["amount_cents"].astype(_STR)
    text = " (notice " + linked["notice_id"] + np.where(
        linked["error_type"] != "", ", " + linked["error_type"], "") + ")"
    mapping = pd.Series(text.to_numpy(), index=key_links.to_numpy())
    mapping = mapping[~mapping.index.duplicated()]
    hit = key_items.map(mapping)
    rev_or_off = items["kind"].isin(["reversal", "offset", "deferral taken"])
    return notes.where(~(hit.notna() & rev_or_off), hit.fillna("").astype(_STR))


def _sentences(out: pd.DataFrame, items: pd.DataFrame, links: pd.DataFrame,
               max_items: int) -> pd.Series:
    claims = out["claims"]
    head = pd.Series([dollars(int(v)) for v in out["paid_for_claims_cents"]], dtype=_STR) + \
        " paid for " + claims.astype(_STR) + np.where(claims == 1, " claim", " claims")
    head = head.where(claims > 0, "no new claim paid")
    other = items.loc[items["kind"] != "claim payment"]
    phrases = _phrases(other, _item_notes(other, links))
    nth = other.groupby("deposit").cumcount()
    shown = nth < max_items
    listed = phrases[shown].groupby(other.loc[shown, "deposit"]).agg(", ".join)
    rest = other.loc[~shown].groupby("deposit")["effect_cents"].agg(["sum", "size"])
    rest_text = pd.Series(
        [f", {'less' if s < 0 else 'plus'} {dollars(abs(int(s)))} in {int(k)} more item"
         f"{'s' if k != 1 else ''}" for s, k in zip(rest["sum"], rest["size"])],
        index=rest.index, dtype=_STR)
    body = listed.reindex(out["deposit"]).fillna("").astype(_STR).to_numpy()
    tail = rest_text.reindex(out["deposit"]).fillna("").astype(_STR).to_numpy()
    sentence = head + np.where(body != "", ", " + body, "") + tail + " = " + pd.Series(
        [dollars(int(v)) for v in out["bpr_amount_cents"]], dtype=_STR) + " deposited."
    bad = out["unexplained_cents"] != 0
    warn = pd.Series([f" UNBALANCED: {dollars(int(v))} of the deposit is not explained by its "
                      f"claims and provider adjustments." for v in out["unexplained_cents"]],
                     dtype=_STR)
    return sentence.where(~bad, sentence + warn)


# ---------------------------------------------------------------------------
# Ledger, cash flow, causes
# ---------------------------------------------------------------------------

LEDGER_COLUMNS = [
    "notice_id", "payer_id", "claim_id", "line_no", "notice_date", "error_type", "amount_cents",
    "taken_cents", "open_cents", "takes", "first_take_date", "last_take_date", "days_open",
    "aging", "status",
]


def _bucket(days: pd.Series) -> np.ndarray:
    conds, names = [], []
    low = -1
    for name, high in AGING_BUCKETS:
        names.append(name)
        conds.append((days > low) & (days <= high) if high is not None else days > low)
        low = high if high is not None else low
    return np.select(conds, names, "")


def open_ledger(links: pd.DataFrame, notices: pd.DataFrame, as_of) -> pd.DataFrame:
    """Per notice: how much the payer has taken so far, what is still open, and for how long.

    Parameters
    ----------
    links : pandas.DataFrame
        From :func:`link_recoupments` made with ``notices``.
    notices : pandas.DataFrame
        The parsed ``notices.csv`` (notice_id, payer_id, claim_id, line_no,
        notice_date, amount_cents, error_type).
    as_of : date-like
        The day the ledger is read; takes paid after it and notices dated
        after it are left out.

    Returns
    -------
    pandas.DataFrame
        :data:`LEDGER_COLUMNS`, one row per notice dated on or before
        ``as_of``: notice_id, payer_id, claim_id, line_no, notice_date,
        error_type, amount_cents, ``taken_cents`` (net taken by the linked
        recoupments paid by ``as_of``), ``open_cents`` (amount - taken, at
        least 0), ``takes`` (count), first_take_date, last_take_date,
        ``days_open`` (from the notice date to ``as_of`` while open, to the
        last take once closed), ``aging`` (a bucket of :data:`AGING_BUCKETS`
        while open, ``closed`` once nothing is open) and ``status``
        (``open``: nothing taken; ``partly taken``; ``closed``; ``over
        taken``: more taken than the notice asked).

    Notes
    -----
    Aging buckets of 30 days follow the Medicare timeline (docs/sources.md §1.1:
    interest from day 31, offset from day 41) and the usual A/R aging
    report.

    Examples
    --------
    >>> import pandas as pd
    >>> notices = pd.DataFrame({"notice_id": ["N1"], "payer_id": ["P"], "claim_id": ["C1"],
    ...     "line_no": [1], "notice_date": pd.to_datetime(["2025-01-02"]),
    ...     "amount_cents": [10000], "error_type": ["duplicate_claim"]})
    >>> links = pd.DataFrame({"notice_id": ["N1"], "net_taken_cents": [4000],
    ...     "payment_date": pd.to_datetime(["2025-02-14"])})
    >>> row = open_ledger(links, notices, "2025-03-03").iloc[0]
    >>> int(row.open_cents), int(row.days_open), row.aging, row.status
    (6000, 60, '31-60', 'partly taken')
    """
    as_of = pd.Timestamp(as_of).as_unit("us")
    nt = notices.loc[notices["notice_date"] <= as_of].reset_index(drop=True)
    lk = links.loc[(links["notice_id"] != "") & (links["payment_date"] <= as_of)]
    g = lk.groupby("notice_id")
    taken = g["net_taken_cents"].sum()
    out = pd.DataFrame({c: nt[c] if c in nt else "" for c in
                        ("notice_id", "payer_id", "claim_id", "line_no", "notice_date",
                         "error_type", "amount_cents")})
    key = out["notice_id"]
    out["taken_cents"] = key.map(taken).fillna(0).astype("int64")
    out["open_cents"] = (out["amount_cents"] - out["taken_cents"]).clip(lower=0).astype("int64")
    out["takes"] = key.map(g.size()).fillna(0).astype("int64")
    for col, how in (("first_take_date", "min"), ("last_take_date", "max")):
        dates = g["payment_date"].agg(how).astype("datetime64[us]").reindex(key.to_numpy())
        out[col] = pd.Series(dates.to_numpy(), index=out.index, dtype="datetime64[us]")
    closed = out["open_cents"] == 0
    end = out["last_take_date"].where(closed, as_of).fillna(as_of)
    out["days_open"] = (end - out["notice_date"]).dt.days.astype("int64")
    out["aging"] = np.where(closed, "closed", _bucket(out["days_open"]))
    out["status"] = np.select(
        [out["taken_cents"] > out["amount_cents"], closed, out["taken_cents"] > 0],
        ["over taken", "closed", "partly taken"], "open")
    for col in ("notice_id", "payer_id", "claim_id", "error_type", "aging", "status"):
        out[col] = out[col].astype(_STR)
    return out[LEDGER_COLUMNS]


CASH_FLOW_COLUMNS = [
    "period", "deposits", "paid_cents", "reversed_cents", "offset_cents", "deferred_cents",
    "interest_cents", "other_cents", "unexplained_cents", "net_deposits_cents",
]


def cash_flow(remit, links: pd.DataFrame | None = None, freq: str = "ME",
              deposits: pd.DataFrame | None = None) -> pd.DataFrame:
    """Money in and out by period: paid, reversed, offset, deferred, net deposits.

    Parameters
    ----------
    remit : Remit
    links : pandas.DataFrame, optional
        Passed to :func:`explain_deposits`.
    freq : str, default "ME"
        A pandas frequency (``"ME"`` month end, ``"W"``, ``"QE"``).
    deposits : pandas.DataFrame, optional
        A ready :func:`explain_deposits` table (saves recomputing it).

    Returns
    -------
    pandas.DataFrame
        :data:`CASH_FLOW_COLUMNS`, one row per period from the first to the
        last payment date (empty periods included, with zeros): ``period``
        (the period's end), deposits (count), ``paid_cents`` (claim
        payments and corrections), ``reversed_cents``, ``offset_cents``
        (offsets and deferrals taken), ``deferred_cents``,
        ``interest_cents``, ``other_cents`` (balance forward less other
        provider adjustments), unexplained_cents and
        ``net_deposits_cents`` (the BPR02 amounts), so that net = paid -
        reversed - offset + deferred + interest + other + unexplained.

    Examples
    --------
    >>> from recoup_lib.remit import read_835
    >>> cf = cash_flow(read_835(["tests/data/835/domain-5.5.835"]))
    >>> cf[["paid_cents", "reversed_cents", "offset_cents", "net_deposits_cents"]].values.tolist()
    [[51000, 15000, 7500, 28735]]
    """
    d = deposits if deposits is not None else explain_deposits(remit, links)
    frame = pd.DataFrame({
        "payment_date": d["payment_date"], "deposits": 1,
        "paid_cents": d["paid_for_claims_cents"] + d["corrections_cents"],
        "reversed_cents": d["reversals_cents"],
        "offset_cents": d["offsets_cents"] + d["deferrals_taken_cents"],
        "deferred_cents": d["deferred_cents"], "interest_cents": d["interest_cents"],
        "other_cents": d["balance_forward_cents"] - d["other_plb_cents"],
        "unexplained_cents": d["unexplained_cents"], "net_deposits_cents": d["bpr_amount_cents"]})
    frame = frame.loc[frame["payment_date"].notna()]
    if not len(frame):
        return pd.DataFrame({c: pd.Series(dtype="datetime64[us]" if c == "period" else "int64")
                             for c in CASH_FLOW_COLUMNS})
    out = frame.groupby(pd.Grouper(key="payment_date", freq=freq)).sum()
    out = out.reset_index().rename(columns={"payment_date": "period"})
    for col in CASH_FLOW_COLUMNS[1:]:
        out[col] = out[col].astype("int64")
    out["period"] = out["period"].astype("datetime64[us]")
    return out[CASH_FLOW_COLUMNS]


def recoupments_by_cause(links: pd.DataFrame, freq: str = "ME") -> pd.DataFrame:
    """Money taken back by period and cause (the notice's error type, else the mechanism).

    Parameters
    ----------
    links : pandas.DataFrame
        From :func:`link_recoupments`.
    freq : str, default "ME"

    Returns
    -------
    pandas.DataFrame
        One row per (period, cause) with money taken: period, ``cause``
        (the linked notice's error_type, or ``"no notice: reversal"`` /
        ``"no notice: offset"``), ``category`` (the contract's cause of the
        error type, or ``unknown``), ``taken_cents`` (net) and ``takes``.

    Examples
    --------
    >>> import pandas as pd
    >>> links = pd.DataFrame({"payment_date": pd.to_datetime(["2025-01-10", "2025-01-20"]),
    ...     "net_taken_cents": [100, 250], "error_type": ["duplicate_claim", ""],
    ...     "kind": ["offset", "reversal"]})
    >>> recoupments_by_cause(links)[["cause", "taken_cents"]].values.tolist()
    [['duplicate_claim', 100], ['no notice: reversal', 250]]
    """
    from ..rules import ERROR_TYPES

    kind = links["kind"].where(links["kind"] == "reversal", "offset")
    cause = links["error_type"].where(links["error_type"] != "", "no notice: " + kind)
    frame = pd.DataFrame({"payment_date": links["payment_date"], "cause": cause.astype(_STR),
                          "taken_cents": links["net_taken_cents"].astype("int64"), "takes": 1})
    out = (frame.groupby([pd.Grouper(key="payment_date", freq=freq), "cause"])
           .sum().reset_index().rename(columns={"payment_date": "period"}))
    out = out.loc[out["takes"] > 0]
    out["category"] = out["cause"].map(ERROR_TYPES).fillna("unknown").astype(_STR)
    out["period"] = out["period"].astype("datetime64[us]")
    for col in ("taken_cents", "takes"):
        out[col] = out[col].astype("int64")
    return out[["period", "cause", "category", "taken_cents", "takes"]].reset_index(drop=True)


# ---------------------------------------------------------------------------
# For the remittance explainer widget
# ---------------------------------------------------------------------------

def deposit_options(deposits: pd.DataFrame) -> list[tuple[str, int]]:
    """Labels for a deposit picker: ``(label, deposit)`` pairs, in date order.

    Parameters
    ----------
    deposits : pandas.DataFrame
        From :func:`explain_deposits`.

    Returns
    -------
    list of (str, int)
        Label "2025-03-14 · PAYER · trace EFT0000123 · $287.35 (2 taken back)";
        a deposit that does not balance is marked "UNBALANCED".

    Examples
    --------
    >>> from recoup_lib.remit import read_835
    >>> deposit_options(explain_deposits(read_835(["tests/data/835/domain-5.5.835"])))[0][0]
    '2025-03-14 · EXAMPLE MEDICARE CONTRACTOR · trace EFT0000123 · $287.35 (2 taken back)'
    """
    d = deposits.sort_values(["payment_date", "deposit"], kind="stable")
    out = []
    for row in d.itertuples(index=False):
        date = "no date" if pd.isna(row.payment_date) else f"{row.payment_date:%Y-%m-%d}"
        label = f"{date} · {row.payer} · trace {row.trace_number} · {dollars(row.bpr_amount_cents)}"
        if row.recoupments:
            label += f" ({row.recoupments} taken back)"
        if not row.balanced:
            label += " UNBALANCED"
        out.append((label, int(row.deposit)))
    return out


DETAIL_COLUMNS = ["kind", "claim_id", "reference", "effect_cents", "original_payment",
                  "notice", "note"]


def deposit_detail(remit, deposit: int, links: pd.DataFrame | None = None,
                   items: pd.DataFrame | None = None) -> pd.DataFrame:
    """One deposit's items, in the order the 835 lists them, ready to show to a person.

    Parameters
    ----------
    remit : Remit
    deposit : int
        Row of ``remit.transactions``.
    links : pandas.DataFrame, optional
        From :func:`link_recoupments`.
    items : pandas.DataFrame, optional
        A ready :func:`deposit_items` table.

    Returns
    -------
    pandas.DataFrame
        :data:`DETAIL_COLUMNS`: kind, claim_id, reference, ``effect_cents``
        (what the item added to the deposit; negative takes), original
        payment ("trace T of 2025-01-20, $150.00", for a recoupment whose
        original was found), notice ("N-0193 (duplicate_claim)") and
        ``note`` (why a recoupment could not be linked). Its effects sum
        to the deposit less its unexplained part.

    Examples
    --------
    >>> from recoup_lib.remit import read_835
    >>> remit = read_835(["tests/data/835/domain-5.5.835"])
    >>> int(deposit_detail(remit, 0)["effect_cents"].sum())
    28735
    """
    items = deposit_items(remit) if items is None else items
    links = link_recoupments(remit) if links is None else links
    mine = items.loc[items["deposit"] == deposit].reset_index(drop=True)
    out = mine[["kind", "claim_id", "reference", "effect_cents"]].copy()
    out["original_payment"] = ""
    out["notice"] = ""
    out["note"] = ""
    lk = links.loc[links["deposit"] == deposit]
    if len(lk):
        src = _recoupment_sources(remit, items)
        where = pd.Series(src[lk["recoupment"].to_numpy()], index=lk.index)
        pos = pd.Series(np.arange(len(mine)), index=items.index[items["deposit"] == deposit])
        at = where.map(pos)
        ok = at.notna().to_numpy()
        rows = at[ok].astype("int64").to_numpy()
        lk = lk.loc[ok]
        orig = np.where(lk["original_status"] == "linked",
                        "trace " + lk["original_trace_number"] + " of " +
                        lk["original_payment_date"].dt.strftime("%Y-%m-%d").fillna("") + ", " +
                        pd.Series([dollars(int(v)) for v in lk["original_paid_cents"]],
                                  index=lk.index, dtype=_STR), "")
        notice = np.where(lk["notice_id"] != "", lk["notice_id"] + np.where(
            lk["error_type"] != "", " (" + lk["error_type"] + ")", ""), "")
        out.loc[rows, "original_payment"] = orig
        out.loc[rows, "notice"] = notice
        out.loc[rows, "note"] = lk["reason"].to_numpy()
    for col in ("original_payment", "notice", "note"):
        out[col] = out[col].astype(_STR)
    return out[DETAIL_COLUMNS]
