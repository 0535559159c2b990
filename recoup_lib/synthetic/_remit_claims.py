"""The claim payments of a generated 835, as payers write them: whole-claim reversals, CAS, RARCs.

Helpers of :mod:`._remits`: :func:`whole_claim_reversals` turns the
line-level take-backs of ``payments.csv`` into reversals of whole claim
payments followed by their correction; :func:`line_cas` writes each line's
CAS with the group codes X12 expects; :func:`line_remarks` adds the remark
codes (RARCs) payers send with a CARC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._practice import _obj

__all__ = ["KIND", "REMARKS", "whole_claim_reversals", "line_cas", "line_remarks", "x12_group"]

#: Kinds of claim payment, in the order a remittance lists those of one claim.
KIND = {"original": 0, "duplicate": 1, "reversal": 2, "correction": 3}

_MONEY = ["charge_cents", "paid_cents", "allowed_cents", "deductible_cents", "coinsurance_cents", "copay_cents"]


def whole_claim_reversals(clp: pd.DataFrame, svc: pd.DataFrame):
    """Make each reversal repeat the whole claim payment it reverses, then pay the claim again.

    ``payments.csv`` records a take-back per line (the negative payment of a line paid twice).
    An 835 reverses the whole claim payment (CLP02 = 22, every line and every CAS negated, the
    same group codes: X12 RFI #1147, #2442; docs/sources.md §5.2) and then sends the claim
    again as corrected, as a new original payment right after the reversal (RFI #288, #791):
    here every line as before, except the lines taken back: a line re-adjudicated in
    ``payments.csv`` is paid as its own correction there says; a line only taken back is paid 0
    with CO-B13 (paid before). Each claim's and each line's net is the same as in
    ``payments.csv``. A second reversal of the same claim reverses the correction that
    replaced the original.

    Returns
    -------
    clp, svc : pandas.DataFrame
        With the corrections added (kind ``correction``, new rows at the end of ``clp``).
    reverses : numpy.ndarray
        Per claim payment: the one it reverses, or -1.
    """
    kind = clp["kind"].to_numpy()
    rev_ids = np.flatnonzero(kind == KIND["reversal"])
    reverses = np.full(len(clp), -1, dtype=np.int64)
    if not len(rev_ids):
        return clp, svc, reverses
    of = svc["clp"].to_numpy(dtype=np.int64)
    line = svc["_line"].to_numpy(dtype=np.int64)
    money = svc[_MONEY].to_numpy(dtype=np.int64)
    denial = svc["denial_code"].to_numpy(dtype=object)
    order = np.argsort(of, kind="stable")
    bounds = np.searchsorted(of[order], np.arange(len(clp) + 1))
    # A claim payment's lines as (svc rows for the other columns, money, denial codes); rebuilt ones in `made`.
    made: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def lines_of(c: int):
        if c in made:
            return made[c]
        at = order[bounds[c]:bounds[c + 1]]
        return at, money[at], denial[at]

    # Each line's current claim payment: the first original holding it, then the correction replacing it.
    current = np.full(int(line.max()) + 1, np.iinfo(np.int64).max)
    is_original = kind[of] == KIND["original"]
    np.minimum.at(current, line[is_original], of[is_original])
    current[current == np.iinfo(np.int64).max] = -1
    # A line re-adjudicated in payments.csv has its own correction: it becomes the claim's.
    tx_claim = list(zip(clp["tx"].tolist(), clp["claim"].tolist()))
    waiting: dict[tuple, list[int]] = {}
    for c in np.flatnonzero(kind == KIND["correction"]).tolist():
        waiting.setdefault(tx_claim[c], []).append(c)
    new_clp, reverses_of = [], {}
    next_id = len(clp)
    for r in rev_ids[np.argsort(clp["tx"].to_numpy()[rev_ids], kind="stable")].tolist():
        taken = order[bounds[r]:bounds[r + 1]]
        o = int(current[line[taken[0]]])
        if o < 0:
            continue
        at, base_money, base_denial = lines_of(o)
        base_line = line[at]
        made[r] = (at, -base_money, base_denial)
        back = np.isin(base_line, line[taken])
        own = waiting.get(tx_claim[r], [])
        target = own.pop(0) if own else next_id
        corr_money = base_money.copy()
        corr_money[back, 1:] = 0
        corr_denial = np.where(back, "CO-B13", base_denial).astype(object)
        if target != next_id:
            again_at, again_money, again_denial = lines_of(target)
            sorter = np.argsort(line[again_at], kind="stable")
            again_line = line[again_at][sorter]
            pos = np.minimum(np.searchsorted(again_line, base_line), len(again_line) - 1)
            hit = again_line[pos] == base_line
            corr_money[hit, 1:] = again_money[sorter[pos[hit]], 1:]
            corr_denial[hit] = again_denial[sorter[pos[hit]]]
        else:
            new_clp.append({"tx": clp.at[r, "tx"], "claim": clp.at[r, "claim"], "kind": KIND["correction"],
                            "patient": clp.at[r, "patient"], "payer_id": clp.at[r, "payer_id"],
                            "_id": next_id})
            next_id += 1
        made[target] = (at, corr_money, corr_denial)
        reverses_of[r] = o
        current[base_line] = target
    if not reverses_of:
        return clp, svc, reverses
    if new_clp:
        clp = pd.concat([clp, pd.DataFrame(new_clp).set_index("_id").rename_axis(None)])
    svc = _rebuilt(svc, of, money, denial, made)
    sums = svc.groupby("clp", sort=True)[["charge_cents", "paid_cents", "deductible_cents", "coinsurance_cents",
                                          "copay_cents"]].sum().reindex(clp.index)
    clp["charge_cents"] = sums["charge_cents"].to_numpy(dtype=np.int64)
    clp["paid_cents"] = sums["paid_cents"].to_numpy(dtype=np.int64)
    clp["patient_responsibility_cents"] = (sums["deductible_cents"] + sums["coinsurance_cents"]
                                           + sums["copay_cents"]).to_numpy(dtype=np.int64)
    clp["kind"] = clp["kind"].astype(np.int64)
    reverses = np.full(len(clp), -1, dtype=np.int64)
    reverses[list(reverses_of)] = list(reverses_of.values())
    return clp, svc, reverses


def _rebuilt(svc: pd.DataFrame, of: np.ndarray, money: np.ndarray, denial: np.ndarray, made: dict) -> pd.DataFrame:
    """``svc`` with the claim payments in ``made`` replaced by their rebuilt lines, by claim payment."""
    kept = np.flatnonzero(~np.isin(of, np.fromiter(made, dtype=np.int64, count=len(made))))
    ids = sorted(made)
    src = np.concatenate([kept] + [made[c][0] for c in ids])
    clp_of = np.concatenate([of[kept]] + [np.full(len(made[c][0]), c, dtype=np.int64) for c in ids])
    money = np.concatenate([money[kept]] + [made[c][1] for c in ids])
    denial = np.concatenate([denial[kept]] + [made[c][2] for c in ids])
    final = np.argsort(clp_of, kind="stable")
    rest = [c for c in svc.columns if c not in _MONEY and c not in ("clp", "denial_code")]
    out = svc[rest].iloc[src[final]].reset_index(drop=True)
    out["clp"] = clp_of[final]
    for j, name in enumerate(_MONEY):
        out[name] = money[final, j]
    out["denial_code"] = pd.Series(denial[final], dtype=object)
    return out[list(svc.columns)]


#: Remark codes (RARC, LQ*HE) the payers send with a CARC: X12 asks for one with 16 and 96
#: (and 129, 234, 252); the others are the usual pairings (docs/sources.md §6.3;
#: ``reference/data/rarc.csv``).
REMARKS = {"16": "MA130", "96": "N130", "18": "M86", "B13": "M86", "151": "N362", "236": "M80",
           "234": "M15", "50": "N115", "204": "N130"}


def x12_group(reason, group):
    """The group code X12 expects: an exact duplicate (CARC 18) goes under OA."""
    return np.where(np.asarray(reason, dtype=object) == "18", "OA", np.asarray(group, dtype=object))


def line_cas(svc: pd.DataFrame) -> pd.DataFrame:
    """Line-level CAS rows: PR 1/2/3, the denial's CARC, and CO 45 for the rest (balances each line)."""
    pr = svc["deductible_cents"] + svc["coinsurance_cents"] + svc["copay_cents"]
    rest = (svc["charge_cents"] - svc["paid_cents"] - pr).to_numpy()
    code = svc["denial_code"].to_numpy(dtype=object)
    denied = code != ""
    parts = code.astype(str)
    group = np.where(denied, np.char.partition(parts, "-")[:, 0], "CO")
    reason = np.where(denied, np.char.partition(parts, "-")[:, 2], "45")
    frames = []
    for g, r, col in (("PR", "1", "deductible_cents"), ("PR", "2", "coinsurance_cents"),
                      ("PR", "3", "copay_cents")):
        frames.append(pd.DataFrame({"row": np.arange(len(svc)), "group_code": g, "reason_code": r,
                                    "amount_cents": svc[col].to_numpy(dtype=np.int64)}))
    frames.append(pd.DataFrame({"row": np.arange(len(svc)), "group_code": _obj(x12_group(reason, group)),
                                "reason_code": _obj(reason), "amount_cents": rest.astype(np.int64)}))
    cas = pd.concat(frames, ignore_index=True)
    cas = cas.loc[cas["amount_cents"].to_numpy() != 0]
    return cas


def line_remarks(reasons: pd.Series, rows: np.ndarray, n: int) -> np.ndarray:
    """Each line's remark codes: the :data:`REMARKS` of its CAS reasons, ``;``-joined in CAS order.

    ``reasons`` are the CARCs of the CAS rows, ``rows`` the service line (of ``n``) of each.
    """
    which, distinct = pd.factorize(reasons.to_numpy(dtype=object), use_na_sentinel=False)
    remark = np.array([REMARKS.get(r) for r in distinct] + [None], dtype=object)[which]
    has = remark != None  # noqa: E711  (elementwise on an object array)
    pairs = pd.DataFrame({"row": np.asarray(rows)[has], "code": remark[has]}).drop_duplicates()
    order = np.argsort(pairs["row"].to_numpy(), kind="stable")
    row, code = pairs["row"].to_numpy()[order], pairs["code"].to_numpy(dtype=object)[order]
    start = np.flatnonzero(np.r_[True, row[1:] != row[:-1]]) if len(row) else np.zeros(0, dtype=np.int64)
    stop = np.r_[start[1:], len(row)]
    out = np.full(n, "", dtype=object)
    out[row[start]] = code[start]
    for a, b in zip(start[stop - start > 1].tolist(), stop[stop - start > 1].tolist()):
        out[row[a]] = ";".join(code[a:b])
    return _obj(out)
