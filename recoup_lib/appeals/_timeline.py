"""Each notice's timeline: deadlines, the look-back test from the state's own starting point, policy timing.

Pure functions over the joined notices table that :func:`recoup_lib.appeals.decide`
builds (one row per notice, with the line's payments, claim facts and the
payer's rule keys). The rules come from the payer profiles
(``recoup_lib/appeals/data/payer_rules.csv``); see docs/contract.md
"Appeal decisions" and docs/sources.md §1-2 (Medicare) and §8 (state laws).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._dates import profile_dates, shift, to_days
from ._profiles import PayerProfile

__all__ = ["DATE_COLUMNS", "timeline", "policy_timing"]

#: Deadline columns taken from the payer profile's timeline.
DATE_COLUMNS = ("receipt_date", "stop_offset_by", "pay_without_interest_by", "interest_from", "offset_starts",
                "file_by")


def _nat(size: int) -> np.ndarray:
    return np.full(size, np.datetime64("NaT"), dtype="datetime64[D]")


def _base_dates(n: pd.DataFrame, idx: np.ndarray, counted_from: str) -> tuple[np.ndarray, np.ndarray, str]:
    """The starting date of a window counted from the payment or the (last) date of service."""
    if counted_from == "service_date":
        column = "claim_last_service_date" if "claim_last_service_date" in n.columns else "service_date"
        base = to_days(n[column].iloc[idx]) if column in n.columns else _nat(len(idx))
        return base, np.full(len(idx), "service_date", dtype=object), "date of service in claim_lines.csv"
    original = to_days(n["original_payment_date"].iloc[idx])
    base = np.where(np.isnat(original), to_days(n["first_payment_date"].iloc[idx]), original)
    origin = np.where(np.isnat(original), "earliest_payment", "original_payment_date")
    return base, origin, "original_payment_date on the notice and no positive payment on this line in payments.csv"


def timeline(n: pd.DataFrame, keys: np.ndarray, profile_of: dict[str, PayerProfile]) -> pd.DataFrame:
    """Add each notice's deadlines and its look-back test, profile by profile.

    Parameters
    ----------
    n : pandas.DataFrame
        The joined notices: notice_date, error_type, original_payment_date,
        first_payment_date and, when claim_lines was given, service_date and
        claim_last_service_date.
    keys : numpy.ndarray
        Per row, the key of ``profile_of`` whose rules apply.
    profile_of : dict of str to PayerProfile

    Returns
    -------
    pandas.DataFrame
        ``n`` plus :data:`DATE_COLUMNS`, lookback_from (``original_payment_date``,
        ``earliest_payment`` or ``service_date``), lookback_basis_date,
        lookback_limit, lookback_expired, audit_notice_by and
        audit_notice_late (Georgia's notice of intent to audit),
        notice_exempt (the error type needs no advance notice, so the offset
        may start on the notice date), reopening_needs_good_cause,
        sixty_day_rule and lookback_unchecked (a sentence, or blank).

    Notes
    -----
    The look-back limit is counted from the state's own starting point: the
    notice's original_payment_date, else the line's earliest positive
    payment; or, where the statute says so (Georgia), the last date of
    service on the claim. A notice dated on the limit's last day is in time.
    """
    size = len(n)
    dates = {col: _nat(size) for col in DATE_COLUMNS}
    basis, limit, audit_by = _nat(size), _nat(size), _nat(size)
    origin = np.full(size, "", dtype=object)
    good_cause = np.zeros(size, dtype=bool)
    sixty_day = np.zeros(size, dtype=bool)
    exempt = np.zeros(size, dtype=bool)
    unchecked = np.full(size, "", dtype=object)
    notice_days = to_days(n["notice_date"])
    error_types = n["error_type"].astype("str").to_numpy()
    for key, profile in profile_of.items():
        idx = np.flatnonzero(keys == key)
        if not len(idx):
            continue
        steps = profile_dates(notice_days[idx], profile)
        for col in DATE_COLUMNS:
            dates[col][idx] = steps[col].to_numpy().astype("datetime64[D]")
        no_notice = set(filter(None, profile.text("notice_exempt").split(";")))
        if no_notice:
            hit = idx[np.isin(error_types[idx], sorted(no_notice))]
            exempt[hit] = True
            dates["offset_starts"][hit] = notice_days[hit]
        audit = profile.rule("audit_notice_within")
        if audit is not None:
            base, _, _ = _base_dates(n, idx, audit.counted_from)
            audit_by[idx] = shift(base, audit.number, audit.unit)
        rule = profile.rule("lookback")
        if rule is None or rule.unit == "none":
            continue
        base, where_from, what = _base_dates(n, idx, rule.counted_from)
        origin[idx] = where_from
        basis[idx] = base
        limit[idx] = shift(base, rule.number, rule.unit)
        unchecked[idx[np.isnat(base)]] = f"No {what}, so the look-back limit could not be checked."
        for name, flags, later in (("reopening_any_reason", good_cause, True),
                                   ("overpayment_rule_lookback", sixty_day, False)):
            window = profile.rule(name)
            if window is not None:
                edge = shift(base, window.number, window.unit)
                flags[idx] = ~np.isnat(base) & ((notice_days[idx] > edge) if later else (notice_days[idx] <= edge))
    out = n.copy()
    for col in DATE_COLUMNS:
        out[col] = dates[col].astype("datetime64[us]")
    out["lookback_from"] = pd.array(np.where(np.isnat(basis), "", origin).astype(str), dtype="str")
    out["lookback_basis_date"] = basis.astype("datetime64[us]")
    out["lookback_limit"] = limit.astype("datetime64[us]")
    out["lookback_expired"] = ~np.isnat(limit) & (notice_days > limit)
    out["audit_notice_by"] = audit_by.astype("datetime64[us]")
    out["audit_notice_late"] = ~np.isnat(audit_by) & (notice_days > audit_by)
    out["notice_exempt"] = exempt
    out["reopening_needs_good_cause"] = good_cause
    out["sixty_day_rule"] = sixty_day
    out["lookback_unchecked"] = unchecked
    return out


def policy_timing(n: pd.DataFrame, payer_policies: pd.DataFrame | None,
                  findings: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """For each policy_change notice: was the policy announced after the date of service?

    Parameters
    ----------
    n : pandas.DataFrame
        The joined notices: payer_id, error_type, claim_id, line_no and, from
        claim_lines, line_payer_id, procedure_code, service_date.
    payer_policies : pandas.DataFrame or None
        payer_id, procedure_code, effective_date, announced_date (the audit
        folder's ``payer_policies.csv``).
    findings : pandas.DataFrame or None
        Used only when ``payer_policies`` is None: a policy_change finding on
        the line whose evidence says "retroactive".

    Returns
    -------
    retroactive : numpy.ndarray of bool
        True for a policy_change notice whose applicable policy (the line's
        payer and code, effective on or before the date of service) was
        announced after the date of service. When several apply, the
        earliest announcement counts, as in the audit's policy_change rule.
    announced : numpy.ndarray of datetime64[D]
        That announcement date (NaT where none applies).
    """
    size = len(n)
    retro = np.zeros(size, dtype=bool)
    announced = _nat(size)
    asked = (n["error_type"].astype("str") == "policy_change").to_numpy()
    if not asked.any():
        return retro, announced
    if payer_policies is not None and {"service_date", "procedure_code"} <= set(n.columns):
        payer = n["line_payer_id"] if "line_payer_id" in n.columns else n["payer_id"]
        payer = payer.where(payer.notna() & (payer.astype("str") != ""), n["payer_id"])
        lines = pd.DataFrame({"_i": np.flatnonzero(asked), "payer_id": payer.astype("str").to_numpy()[asked],
                              "procedure_code": n["procedure_code"].astype("str").to_numpy()[asked],
                              "service_date": pd.to_datetime(n["service_date"]).to_numpy()[asked]})
        pol = pd.DataFrame({"payer_id": payer_policies["payer_id"].astype("str").to_numpy(),
                            "procedure_code": payer_policies["procedure_code"].astype("str").to_numpy(),
                            "effective_date": pd.to_datetime(payer_policies["effective_date"]).to_numpy(),
                            "announced_date": pd.to_datetime(payer_policies["announced_date"]).to_numpy()})
        joined = lines.merge(pol, on=["payer_id", "procedure_code"])
        joined = joined.loc[joined["effective_date"] <= joined["service_date"]]
        first = joined.groupby("_i").agg(announced=("announced_date", "min"), service=("service_date", "first"))
        at = first.index.to_numpy(dtype=np.int64)
        announced[at] = first["announced"].to_numpy().astype("datetime64[D]")
        retro[at] = (first["announced"] > first["service"]).to_numpy()
        return retro, announced
    if findings is not None and len(findings) and "evidence" in findings.columns:
        f = findings.loc[(findings["error_type"] == "policy_change")
                         & findings["evidence"].astype("str").str.contains("retroactive", regex=False)]
        said = set(zip(f["claim_id"].astype("str"), f["line_no"].astype("int64")))
        retro = asked & np.array([(c, int(ln)) in said for c, ln in zip(n["claim_id"].astype("str"), n["line_no"])],
                                 dtype=bool)
    return retro, announced
