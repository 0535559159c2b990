"""One row per deposit, explained to the cent in a sentence; one deposit's items for a person to read."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..money import dollars
from ._items import ITEM_KINDS, STR, deposit_items
from ._links import link_recoupments, recoupment_sources

__all__ = ["DEPOSIT_COLUMNS", "DETAIL_COLUMNS", "explain_deposits", "deposit_options",
           "deposit_detail"]

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
    money = pd.Series([dollars(abs(int(v))) for v in eff], index=items.index, dtype=STR)
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
        index=items.index, dtype=STR)
    return (pd.Series(word, index=items.index, dtype=STR) + money + " " + what + notes)


def explain_deposits(remit, links: pd.DataFrame | None = None, max_items: int = 8, *,
                     items: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per deposit: what was paid, taken back and added, summing to BPR02, in a sentence.

    Parameters
    ----------
    remit : Remit
    links : pandas.DataFrame, optional
        From :func:`link_recoupments` (made without notices when absent);
        gives the sentence its notice ids and stated reasons.
    max_items : int, default 8
        Items named in a sentence; the rest are summed in one phrase.
    items : pandas.DataFrame, optional
        ``deposit_items(remit)`` when the caller has it already (it is only
        read); made here otherwise.

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
    >>> print(d.loc[0, "sentence"])  # doctest: +NORMALIZE_WHITESPACE
    $420.00 paid for 1 claim, less $150.00 reversal of claim PCN-B200, plus $90.00 correction of claim
    PCN-B200, less $75.00 WO offset for reference ICN-C0-0003 1EG4TE5MK73, plus $2.35 interest (L6)
    = $287.35 deposited.
    """
    t = remit.transactions
    items = deposit_items(remit) if items is None else items
    if links is None:
        links = link_recoupments(remit, items=items)
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
        out[col] = out[col].astype(STR)
    return out[DEPOSIT_COLUMNS]


def _item_notes(items: pd.DataFrame, links: pd.DataFrame) -> pd.Series:
    """" (notice N-0193, duplicate_claim)" for items whose recoupment links to a notice."""
    notes = pd.Series("", index=items.index, dtype=STR)
    if not len(links):
        return notes
    linked = links.loc[links["notice_id"] != ""]
    if not len(linked):
        return notes
    key_items = items["deposit"].astype(STR) + "|" + items["claim_id"] + "|" + \
        items["kind"].where(items["kind"] != "correction", "reversal") + "|" + \
        items["amount_cents"].abs().astype(STR)
    kind = linked["kind"]
    key_links = linked["deposit"].astype(STR) + "|" + linked["claim_id"] + "|" + kind + "|" + \
        linked["amount_cents"].astype(STR)
    text = " (notice " + linked["notice_id"] + np.where(
        linked["error_type"] != "", ", " + linked["error_type"], "") + ")"
    mapping = pd.Series(text.to_numpy(), index=key_links.to_numpy())
    mapping = mapping[~mapping.index.duplicated()]
    hit = key_items.map(mapping)
    rev_or_off = items["kind"].isin(["reversal", "offset", "deferral taken"])
    return notes.where(~(hit.notna() & rev_or_off), hit.fillna("").astype(STR))


def _without_original(items: pd.DataFrame) -> pd.Series:
    """" ($50.00 of it: no original in the files read)" for a negative WO that hands back no take-back read."""
    cents = items["without_original_cents"].to_numpy(np.int64)
    whole = np.abs(items["amount_cents"].to_numpy(np.int64))
    text = [("" if c <= 0 else " (no original in the files read)" if c == w else
             f" ({dollars(int(c))} of it: no original in the files read)") for c, w in zip(cents, whole)]
    return pd.Series(text, index=items.index, dtype=STR)


def _sentences(out: pd.DataFrame, items: pd.DataFrame, links: pd.DataFrame,
               max_items: int) -> pd.Series:
    claims = out["claims"]
    head = pd.Series([dollars(int(v)) for v in out["paid_for_claims_cents"]], dtype=STR) + \
        " paid for " + claims.astype(STR) + np.where(claims == 1, " claim", " claims")
    head = head.where(claims > 0, "no new claim paid")
    other = items.loc[items["kind"] != "claim payment"]
    phrases = _phrases(other, _item_notes(other, links) + _without_original(other))
    nth = other.groupby("deposit").cumcount()
    shown = nth < max_items
    listed = phrases[shown].groupby(other.loc[shown, "deposit"]).agg(", ".join)
    rest = other.loc[~shown].groupby("deposit")["effect_cents"].agg(["sum", "size"])
    rest_text = pd.Series(
        [f", {'less' if s < 0 else 'plus'} {dollars(abs(int(s)))} in {int(k)} more item"
         f"{'s' if k != 1 else ''}" for s, k in zip(rest["sum"], rest["size"])],
        index=rest.index, dtype=STR)
    body = listed.reindex(out["deposit"]).fillna("").astype(STR).to_numpy()
    tail = rest_text.reindex(out["deposit"]).fillna("").astype(STR).to_numpy()
    sentence = head + np.where(body != "", ", " + body, "") + tail + " = " + pd.Series(
        [dollars(int(v)) for v in out["bpr_amount_cents"]], dtype=STR) + " deposited."
    bad = out["unexplained_cents"] != 0
    warn = pd.Series([f" UNBALANCED: {dollars(int(v))} of the deposit is not explained by its "
                      f"claims and provider adjustments." for v in out["unexplained_cents"]],
                     dtype=STR)
    return sentence.where(~bad, sentence + warn)


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
        src = recoupment_sources(remit, items)
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
                                  index=lk.index, dtype=STR), "")
        notice = np.where(lk["notice_id"] != "", lk["notice_id"] + np.where(
            lk["error_type"] != "", " (" + lk["error_type"] + ")", ""), "")
        out.loc[rows, "original_payment"] = orig
        out.loc[rows, "notice"] = notice
        out.loc[rows, "note"] = lk["reason"].to_numpy()
    unanswered = _without_original(mine)
    out["note"] = out["note"].where(unanswered == "", unanswered.str.strip().str.strip("()"))
    for col in ("original_payment", "notice", "note"):
        out[col] = out[col].astype(STR)
    return out[DETAIL_COLUMNS]
