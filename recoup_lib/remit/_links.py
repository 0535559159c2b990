"""Each recoupment linked to the payment it takes back and, given notices, to its notice."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..money import dollars
from ._items import STR, deposit_items, deposit_of, deposit_order, take_rows

__all__ = ["LINK_COLUMNS", "OFFSET_DAY", "link_recoupments", "recoupment_sources"]

LINK_COLUMNS = [
    "recoupment", "deposit", "file", "trace_number", "payment_date", "payer", "payer_id",
    "claim_id", "mechanism", "kind", "reason_code", "reference", "payer_claim_control",
    "amount_cents", "deferred_cents", "correction_cents", "forwarded_cents", "net_taken_cents",
    "original_status", "original_file", "original_trace_number", "original_payment_date",
    "original_paid_cents", "original_payer_claim_control", "original_reason",
    "notice_status", "notice_id", "notice_payer_id", "notice_date", "notice_amount_cents",
    "error_type", "notice_reason", "link_status", "reason",
]


def recoupment_sources(remit, items: pd.DataFrame) -> np.ndarray:
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
        "original_file": take_rows(t["file"].to_numpy(), np.where(found, d, -1), ""),
        "original_trace_number": take_rows(t["trace_number"].to_numpy(), np.where(found, d, -1), ""),
        "original_payment_date": take_rows(t["payment_date"].to_numpy("datetime64[us]"),
                                       np.where(found, d, -1), np.datetime64("NaT", "us")),
        "original_paid_cents": take_rows(pay["paid_cents"].to_numpy(np.int64), rows, 0),
        "original_payer_claim_control": take_rows(pay["payer_claim_control"].to_numpy(), rows, ""),
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
    return frame["payer_id"].astype(STR) + "\x1f" + frame["payer"].astype(STR)


def _notice_links(links: pd.DataFrame, notices: pd.DataFrame) -> pd.DataFrame:
    """Best notice for each link (same claim; same payer where known; amount and date break ties).

    Returns one row per link (index aligned): notice_id, notice_payer_id,
    notice_date, notice_amount_cents, error_type, notice_status, notice_reason.
    """
    n = len(links)
    out = pd.DataFrame({"notice_id": pd.Series([""] * n, dtype=STR),
                        "notice_payer_id": pd.Series([""] * n, dtype=STR),
                        "notice_date": pd.Series(pd.NaT, index=range(n), dtype="datetime64[us]"),
                        "notice_amount_cents": np.zeros(n, dtype=np.int64),
                        "error_type": pd.Series([""] * n, dtype=STR)})
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
    payer_ids = set(nt["payer_id"].astype(STR))
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
    out.loc[idx, "notice_id"] = best["notice_id"].astype(STR).to_numpy()
    out.loc[idx, "notice_payer_id"] = best["n_payer"].astype(STR).to_numpy()
    out.loc[idx, "notice_date"] = best["notice_date"].to_numpy()
    out.loc[idx, "notice_amount_cents"] = best["amount_cents"].to_numpy(np.int64)
    out.loc[idx, "error_type"] = best["error_type"].fillna("").astype(STR).to_numpy()
    found = np.zeros(n, dtype=bool)
    found[idx] = True
    claim_noticed = links["claim_id"].isin(set(nt["claim_id"].astype(STR))).to_numpy()
    payer_noticed = np.isin(np.arange(n), list(any_payer))
    reversal = (links["kind"] == "reversal").to_numpy()
    dated_before = np.isin(np.arange(n), list(set(before["link"])))
    out["notice_status"] = np.where(found, "linked", "unlinked")
    out["notice_reason"] = np.select(
        [found, links["claim_id"].to_numpy() == "", reversal & dated_before, payer_noticed,
         claim_noticed],
        ["", "the claim is not known, so no notice can be matched",
         "claim " + links["claim_id"].astype(STR) + " has notices, but none asks for what this "
         "reversal takes (" + pd.Series([dollars(int(v)) for v in links["net_taken_cents"]],
                                       dtype=STR) + " net)",
         "claim " + links["claim_id"].astype(STR) + " has notices, but all dated after this "
         "take (a take before its letter is not the letter's)",
         "claim " + links["claim_id"].astype(STR) + " has notices, but from another payer"],
        "no notice for claim " + links["claim_id"].astype(STR)).astype(object)
    out["notice_reason"] = out["notice_reason"].astype(STR)
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


def link_recoupments(remit, notices: pd.DataFrame | None = None, *, items: pd.DataFrame | None = None) -> pd.DataFrame:
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
    items : pandas.DataFrame, optional
        ``deposit_items(remit)`` when the caller has it already (it is only
        read); made here otherwise.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``remit.recoupments``, in the same order
        (:data:`LINK_COLUMNS`): ``recoupment`` (its row), ``deposit``, file,
        trace_number, payment_date, payer, payer_id, claim_id, mechanism,
        ``kind`` (``reversal``, ``offset``, ``deferral taken``), reason_code,
        reference, payer_claim_control, amount_cents, deferred_cents,
        ``correction_cents`` (what the correction of a reversal paid again
        in the same deposit), ``forwarded_cents`` (the part of a positive FB
        that collects a balance carried forward earlier), ``net_taken_cents``
        (the recoupment's ``net_amount_cents``: amount - deferred - correction
        - forwarded, each dollar once);
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
    items = deposit_items(remit) if items is None else items
    rank = deposit_order(t)
    src = recoupment_sources(remit, items)
    n = len(rec)
    dep = items["deposit"].to_numpy()[np.maximum(src, 0)] if n else np.zeros(0, np.int64)
    dep = np.where(src >= 0, dep, deposit_of(rec, t) if n else dep).astype(np.int64)
    kinds = items["kind"].to_numpy()[np.maximum(src, 0)] if n else np.zeros(0, object)
    kind = np.where(rec["mechanism"] == "reversal", "reversal",
                    np.where(kinds == "deferral taken", "deferral taken", "offset"))
    payer_id = take_rows(t["payer_id"].to_numpy(), dep, "")
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
        "correction_cents": rec["correction_cents"].to_numpy(np.int64),
        "forwarded_cents": rec["forwarded_cents"].to_numpy(np.int64),
        "net_taken_cents": rec["net_amount_cents"].to_numpy(np.int64),
    })
    for col in ("file", "trace_number", "payer", "payer_id", "claim_id", "mechanism", "kind",
                "reason_code", "reference", "payer_claim_control"):
        links[col] = links[col].astype(STR)
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
        links[col] = links[col].astype(STR)
    for col in ("original_paid_cents", "notice_amount_cents"):
        links[col] = links[col].astype("int64")
    links["notice_date"] = links["notice_date"].astype("datetime64[us]")
    return links[LINK_COLUMNS]
