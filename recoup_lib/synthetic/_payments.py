"""Paying a clean practice: allowed amounts, patient shares, denials, payment dates, reversals.

:func:`price_and_pay` prices every line from the fee schedule
(:func:`line_fees`), takes deductibles, copays and coinsurance as each
payer's rules say, denies some lines for the reasons clean claims are
refused (and the lines a prospective payer policy excludes), pays each
claim on its payer's weekday, and re-adjudicates a few paid lines (a
reversal and a smaller corrected payment). :func:`number_payments` orders
and numbers the payments once errors have been added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..money import div_half_up
from ._random import stream
from ._values import (DAY, _arrow_series, _coded_text, _dates, _is, _norm, _obj, _same_text, lexsort_order,
                      next_weekday, pay_weekday, text_id_array)

if TYPE_CHECKING:
    from ._practice import Practice, References

__all__ = ["DENIAL_REASONS", "MEDICARE_DEDUCTIBLE_CENTS", "line_fees", "price_and_pay", "number_payments"]

#: Why clean lines get denied (CARC with its group), and how often.
DENIAL_REASONS = {"CO-16": 0.30, "CO-50": 0.20, "CO-197": 0.15, "CO-109": 0.10, "CO-4": 0.10,
                  "CO-11": 0.10, "CO-29": 0.05}

#: Medicare Part B annual deductible by year, in cents (2024 $240, 2025 $257, 2026 $283).
MEDICARE_DEDUCTIBLE_CENTS = {2024: 24000, 2025: 25700, 2026: 28300}


def _fee_table(refs: References) -> pd.DataFrame:
    """The fee schedule keyed by the payer and code numbers the practice's categoricals use."""
    if refs.fee_table is not None:
        return refs.fee_table
    fs = refs.fee_schedule
    payers = pd.Index(list(refs.payers["payer_id"]), dtype=object)
    codes = pd.Index(list(refs.codes["procedure_code"]), dtype=object)
    table = pd.DataFrame({
        "_payer": payers.get_indexer(fs["payer_id"].to_numpy(dtype=object)),
        "_code": codes.get_indexer(fs["procedure_code"].to_numpy(dtype=object)),
        "effective_date": fs["effective_date"].to_numpy().astype("datetime64[us]"),
        "end_date": fs["end_date"].to_numpy().astype("datetime64[us]"),
        "allowed_cents": fs["allowed_cents"].to_numpy(dtype=np.int64),
    })
    table = table.loc[(table["_payer"] >= 0) & (table["_code"] >= 0)].sort_values("effective_date", kind="stable")
    refs.fee_table = table
    return table


def line_fees(refs: References, lines: pd.DataFrame, codes=None) -> np.ndarray:
    """Fee per unit (cents) of each line's payer, code (or ``codes``) and date; -1 where none.

    The same rule as :func:`recoup_lib.reference.pricing.fee_per_unit` (dates
    inclusive; the latest effective row on or before the date), computed on
    the practice's integer payer and code numbers.
    """
    payer = lines["payer_id"].cat.codes.to_numpy()
    if codes is None:
        code = lines["procedure_code"].cat.codes.to_numpy()
    else:
        code = pd.Index(list(refs.codes["procedure_code"]), dtype=object).get_indexer(
            np.asarray(codes, dtype=object))
    service = lines["service_date"].to_numpy().astype("datetime64[us]")
    table = _fee_table(refs)
    fast = _fees_by_search(table, payer.astype(np.int64), code.astype(np.int64), service)
    if fast is not None:
        return fast
    query = pd.DataFrame({"_payer": payer.astype(np.int64), "_code": code.astype(np.int64),
                          "service_date": service,
                          "_pos": np.arange(len(lines))}).sort_values("service_date", kind="stable")
    matched = pd.merge_asof(query, table.astype({"_payer": np.int64, "_code": np.int64}),
                            left_on="service_date", right_on="effective_date", by=["_payer", "_code"],
                            direction="backward")
    ok = matched["allowed_cents"].notna() & (matched["end_date"].isna()
                                             | (matched["end_date"] >= matched["service_date"]))
    out = np.full(len(lines), -1, dtype=np.int64)
    out[matched["_pos"].to_numpy()] = matched["allowed_cents"].where(ok).fillna(-1).to_numpy(dtype=np.int64)
    return out


def _whole_days(values: np.ndarray) -> np.ndarray | None:
    """``datetime64[us]`` values as day numbers, or None if one is missing or not at midnight."""
    days = values.astype("datetime64[D]")
    if np.isnat(values).any() or (days.astype("datetime64[us]") != values).any():
        return None
    return days.astype(np.int64)


def _fees_by_search(table: pd.DataFrame, payer: np.ndarray, code: np.ndarray, service: np.ndarray):
    """:func:`line_fees` by one sorted search (the merge_asof it replaces is the slow part of pricing).

    Each line takes the table's last row of its payer and code whose
    effective date is on or before the service date (ties: the later row in
    the table's order, as ``merge_asof`` takes), then drops it when its end
    date has passed. None when a date is missing or not a whole day: the
    caller then uses ``merge_asof`` itself.
    """
    line_day = _whole_days(service)
    effective_day = _whole_days(table["effective_date"].to_numpy())
    if line_day is None or effective_day is None:
        return None
    if not len(table):
        return np.full(len(service), -1, dtype=np.int64)
    t_payer = table["_payer"].to_numpy(dtype=np.int64)
    t_code = table["_code"].to_numpy(dtype=np.int64)
    codes = int(max(t_code.max(initial=0), code.max(initial=0))) + 2
    t_group = (t_payer + 1) * codes + (t_code + 1)
    group = (payer + 1) * codes + (code + 1)
    first = int(min(effective_day.min(initial=0), line_day.min(initial=0)))
    span = int(max(effective_day.max(initial=0), line_day.max(initial=0))) - first + 1
    t_key = t_group * span + (effective_day - first)
    order = np.argsort(t_key, kind="stable")
    at = np.searchsorted(t_key[order], group * span + (line_day - first), side="right") - 1
    row = order[np.maximum(at, 0)]
    end = table["end_date"].to_numpy()[row]
    ok = (at >= 0) & (t_group[row] == group) & (np.isnat(end) | (end >= service))
    return np.where(ok, table["allowed_cents"].to_numpy(dtype=np.int64)[row], -1).astype(np.int64)


def price_and_pay(practice: Practice) -> None:
    """Allowed amounts, patient shares, denials, pending lines and payments."""
    seed = practice.seed
    rng = stream(seed, "payments")
    lines = practice.lines
    refs = practice.refs
    payers = refs.payers.set_index("payer_id")
    n = len(lines)
    fee = line_fees(refs, lines)
    if (fee < 0).any():
        missing = lines.loc[fee < 0, ["payer_id", "procedure_code"]].astype(object).drop_duplicates()
        raise ValueError("the fee schedule does not price: " + ", ".join(
            f"{p} {c}" for p, c in missing.itertuples(index=False)))
    allowed = fee * lines["units"].to_numpy(dtype=np.int64)

    preventive = _is(lines["kind"], lambda k: k == "preventive")
    ptype = lines["payer_type"]
    # Deductibles, applied to each patient's services of the year in date order.
    # Keys (patient, payer, year) are numbered in sorted order; lines are in claim and line order.
    service_day = lines["service_date"].to_numpy().astype("datetime64[D]")
    year = service_day.astype("datetime64[Y]").astype(np.int64) + 1970
    payer_codes = lines["payer_id"].cat.codes.to_numpy().astype(np.int64)
    n_years = int(year.max() - year.min()) + 1 if n else 1
    key = (lines["patient"].to_numpy().astype(np.int64) * len(payers) + payer_codes) * n_years + (year - year.min())
    day_number = service_day.astype(np.int64)
    # One sort by key, then day: the keys' numbers, one line of each key, and the order to sum in.
    order = lexsort_order((day_number, key))
    sorted_key = key[order]
    key_starts = np.r_[True, sorted_key[1:] != sorted_key[:-1]] if n else np.zeros(0, dtype=bool)
    group_start = np.flatnonzero(key_starts)
    first_row = order[group_start]
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(key_starts) - 1
    n_keys = len(first_row)
    owes = stream(seed, "deductibles").random(n_keys)
    level = stream(seed, "deductible-level").choice([25000, 50000, 100000, 200000], size=n_keys)
    med_ded = pd.Series(MEDICARE_DEDUCTIBLE_CENTS).reindex(year[first_row]).fillna(25700).to_numpy(dtype=np.int64)
    key_type = payers["payer_type"].to_numpy()[payer_codes[first_row]]
    annual = np.where(key_type == "medicare", np.where(owes < 0.15, med_ded, 0),
                      np.where(key_type == "commercial", np.where(owes < 0.20, level, 0), 0))
    deductible_cap = annual[inverse]
    subject = np.where(preventive, 0, allowed)
    sorted_subject = subject[order]
    running = np.cumsum(sorted_subject)
    base = np.repeat(running[group_start] - sorted_subject[group_start], np.diff(np.r_[group_start, n]))
    cum = np.zeros(n, dtype=np.int64)
    cum[order] = running - sorted_subject - base
    deductible = np.clip(deductible_cap - cum, 0, subject)

    coins_bp = np.round(payers["coinsurance"].astype(float).to_numpy() * 10000).astype(np.int64)[payer_codes]
    copay_cents = np.round(payers["em_copay"].astype(float).to_numpy() * 100).astype(np.int64)[payer_codes]
    is_em = _is(lines["kind"], lambda k: k.startswith("em_"))
    # The first E/M line of each claim (lines are in claim order).
    claim = lines["claim"].to_numpy()
    em_rows = np.flatnonzero(is_em)
    first_em = np.zeros(n, dtype=bool)
    first_em[em_rows[np.r_[True, claim[em_rows[1:]] != claim[em_rows[:-1]]]] if len(em_rows) else em_rows] = True
    medicare = _is(ptype, lambda t: t == "medicare")
    rest = allowed - deductible
    copay = np.where(first_em & ~medicare, np.minimum(copay_cents, rest), 0)
    coins_base = np.where(preventive | (first_em & _is(ptype, lambda t: t == "commercial")), 0, rest - copay)
    coinsurance = div_half_up(coins_base * coins_bp, 10000)
    paid = allowed - deductible - copay - coinsurance

    # Denials: clean ones (reasons a claim is refused up front) and prospective payer policies.
    # A line's denial code is its number in ``reasons`` (texts are made for the payments only).
    denied = rng.random(n) < 0.04
    reasons = np.array(list(DENIAL_REASONS) + ["CO-96", ""], dtype=object)
    reason = np.where(denied, rng.choice(len(DENIAL_REASONS), n, p=_norm(list(DENIAL_REASONS.values()))),
                      len(reasons) - 1)
    pol = refs.payer_policies
    if len(pol):
        payer_index = pd.Index(list(refs.payers["payer_id"]), dtype=object)
        code_index = pd.Index(list(refs.codes["procedure_code"]), dtype=object)
        hit = policy_hits(payer_index.get_indexer(pol["payer_id"].to_numpy(dtype=object)),
                          code_index.get_indexer(pol["procedure_code"].to_numpy(dtype=object)),
                          pol["effective_date"].to_numpy().astype("datetime64[us]"),
                          payer_codes, lines["procedure_code"].cat.codes.to_numpy(), lines["service_date"].to_numpy())
        denied[hit] = True
        reason[hit] = len(reasons) - 2
    for arr in (allowed, deductible, copay, coinsurance, paid):
        arr[denied] = 0

    # Payment dates: each payer pays on its own weekday, some weeks after submission; a claim's
    # lines are paid together.
    pay_day = pay_weekday(payers.index, lines["payer_id"].cat.categories)[payer_codes]
    lag = np.select([medicare, _is(ptype, lambda t: t == "medicaid")],
                    [rng.integers(14, 22, n), rng.integers(20, 41, n)], rng.integers(15, 36, n))
    first_of_claim = np.r_[True, claim[1:] != claim[:-1]]
    claim_lag = lag[np.flatnonzero(first_of_claim)][np.cumsum(first_of_claim) - 1]
    submitted = lines["submitted_date"].to_numpy().astype("datetime64[D]")
    pay_date = next_weekday(submitted + claim_lag * DAY, pay_day)
    posted = pay_date <= practice.export_date

    # Reversal and correction: the payer re-adjudicates a paid line and pays a little less.
    noise = posted & (paid > 0) & (rng.random(n) < 0.015)
    idx = np.flatnonzero(noise)
    redo = next_weekday(pay_date[idx] + rng.integers(14, 61, len(idx)) * DAY, pay_day[idx])
    ok = redo <= practice.export_date
    idx, redo = idx[ok], redo[ok]
    cut = div_half_up(paid[idx] * rng.integers(5, 41, len(idx)), 100)
    cut = np.clip(cut, 1, paid[idx])

    # The payments: the posted lines' originals, then the reversals, then the corrections.
    original = np.flatnonzero(posted)
    source = np.concatenate([original, idx, idx])

    def stacked(originals, reversals, corrections) -> np.ndarray:
        return np.concatenate([originals, reversals, corrections])

    blank = np.full(len(idx), len(reasons) - 1)

    practice.payments = pd.DataFrame({
        "claim": claim[source], "line_no": lines["line_no"].to_numpy()[source],
        "payment_date": _dates(stacked(pay_date[original], redo, redo)),
        "allowed_cents": stacked(allowed[original], -allowed[idx], allowed[idx]),
        "paid_cents": stacked(paid[original], -paid[idx], paid[idx] - cut),
        "deductible_cents": stacked(deductible[original], -deductible[idx], deductible[idx] + cut),
        "coinsurance_cents": stacked(coinsurance[original], -coinsurance[idx], coinsurance[idx]),
        "copay_cents": stacked(copay[original], -copay[idx], copay[idx]),
        "denial_code": _coded_text(reasons, stacked(reason[original], blank, blank)),
        "_line": source,
        "_kind": _obj(stacked(_same_text(len(original), "original"), _same_text(len(idx), "reversal"),
                              _same_text(len(idx), "correction"))),
    })


def policy_hits(rule_payer, rule_code, rule_effective, payer, code, service) -> np.ndarray:
    """Lines (positions) a payer policy denies: a rule of the line's payer and code (numbers, -1 for
    none, which match each other) in effect on its service date (``datetime64[us]``; missing dates
    never match).

    The lines an inner merge of the lines with the rules on payer and code keeps where the rule's
    effective date is on or before the service date, in line order; found here by looking up each
    line's earliest rule date (a block's 250,000 lines: 4 ms instead of the merge's 20).
    """
    rule_effective = np.asarray(rule_effective, dtype="datetime64[us]")
    service = np.asarray(service, dtype="datetime64[us]")
    dated = ~np.isnat(rule_effective)
    rule_payer = np.asarray(rule_payer, dtype=np.int64)[dated]
    rule_code = np.asarray(rule_code, dtype=np.int64)[dated]
    payer, code = np.asarray(payer, dtype=np.int64), np.asarray(code, dtype=np.int64)
    if not len(rule_payer) or not len(payer):
        return np.zeros(0, dtype=np.int64)
    width = int(max(rule_code.max(), code.max())) + 2
    rule_key = (rule_payer + 1) * width + (rule_code + 1)
    keys, first = np.unique(rule_key, return_inverse=True)
    earliest = np.full(len(keys), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(earliest, first, rule_effective[dated].view(np.int64))
    key = (payer + 1) * width + (code + 1)
    at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
    return np.flatnonzero((keys[at] == key) & ~np.isnat(service) & (earliest[at] <= service.view(np.int64)))


def number_payments(payments: pd.DataFrame, width: int = 8, first: int | None = 1) -> pd.DataFrame:
    """Order payments by date (then claim, line, original before reversal) and number them.

    ``payment_id`` is ``PMT`` and the number from ``first`` on, zero-padded to
    ``width`` digits (more when twice the count needs more), as Arrow text.
    ``first=None`` only orders them: a block of a larger practice learns its
    first number when it is placed (:func:`._blocks.place`), so its ids are
    made once, there.
    """
    kinds, names = pd.factorize(payments["_kind"].to_numpy(dtype=object))
    rank = {"original": 0, "duplicate": 0, "reversal": 1, "correction": 2}
    kind_order = np.array([rank.get(k, 3) for k in names] + [3], dtype=np.int64)[kinds]
    day = payments["payment_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    claim = payments["claim"].to_numpy(dtype=np.int64)
    line_no = payments["line_no"].to_numpy(dtype=np.int64)
    payments = payments.iloc[lexsort_order((kind_order, line_no, claim, day))].reset_index(drop=True)
    if first is None:
        return payments
    width = max(width, len(str(len(payments) * 2)))
    payments["payment_id"] = _arrow_series(text_id_array("PMT", np.arange(first, first + len(payments)), width))
    return payments
