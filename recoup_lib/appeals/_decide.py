"""One decision per recoupment notice: accept, partial or appeal, with deadlines and reasons.

The contract's rule (docs/contract.md, "Appeal decisions"):

- ``accept`` where our audit finds the notice's error_type on that line with
  at_risk >= the amount asked;
- ``partial`` where it finds it with a smaller at_risk (agreed = at_risk);
- ``appeal`` where it does not find it, or where the notice came after the
  payer's look-back limit, counted from the state's own starting point: the
  notice's original_payment_date, else the line's earliest positive payment
  in payments.csv, or the last date of service where the statute says so
  (Georgia);
- ``appeal`` with nothing agreed for a policy_change notice whose policy was
  announced after the date of service (applied retroactively), whatever the
  audit finds; a policy announced on or before it follows the rule above.

For a late notice RecoupKit appeals the whole amount (agreed 0, disputed =
amount): the timing defence covers all of it. What our audit would have
supported is kept in ``audit_supported_cents`` and said in the reasons --
and, for Medicare, so is the 60-day rule, which can oblige a provider to
return an overpayment it has itself identified whatever the payer's timing.

A decision whose rules RecoupKit's table does not hold (a commercial payer
of a state not in the table or without a state, a Medicaid program, a
Medicare Advantage or Medicaid managed-care plan) is marked ``needs_review``
and its reasons say what to check.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd

from ..errors import InputError, InvalidParameterError
from ..money import dollars
from ..notices import NOTICE_CHECK_COLUMNS
from ..schema import SPECS, FileSpec, checked_frame
from ._ladder import appeal_path
from ._merits import evidence_checklist, expected_value, win_probability
from ._plans import FUNDING, plan_type_of
from ._profiles import PayerProfile, Profiles, load_profiles, profile_for
from ._reasons import CONTRACT_PLANS, ERROR_TYPES, decision_reasons, within_text
from ._timeline import policy_timing, timeline

__all__ = ["DECISION_COLUMNS", "ERROR_TYPES", "checked_table", "checked_tables", "decide"]

#: The contract's columns of ``decisions.csv``, in order (money in cents in memory).
DECISION_COLUMNS = [
    "notice_id", "recommendation", "agreed_amount_cents", "disputed_amount_cents", "reasons",
    "appeal_level", "file_by", "stop_offset_by", "offset_starts", "needs_review",
]
_DOCUMENT_REASONS = ("missing_documentation", "missing_signature")
#: How a payer of each type is funded when payers.csv does not say (its optional ``funding`` column).
_DEFAULT_FUNDING = {"medicare": "program", "medicaid": "program", "commercial": "fully_insured"}
#: Payer names that suggest another funding (when payers.csv's funding is absent or blank).
_FUNDING_NAMES = (
    ("medicare", "managed_care", re.compile(r"\b(?:advantage|part\s*c|mapd|ma\s+plan)\b", re.IGNORECASE)),
    ("medicaid", "managed_care", re.compile(r"\b(?:managed[\s-]+care|mco|hmo)\b", re.IGNORECASE)),
    ("commercial", "self_funded", re.compile(r"\b(?:self[\s-]*(?:funded|insured)|aso|erisa)\b", re.IGNORECASE)),
)


#: The columns decide reads of each table (in-memory names), which a table handed over must have.
_NEEDS = {
    "notices": [*NOTICE_CHECK_COLUMNS, "error_type"],
    "payers": ["payer_id", "name", "payer_type", "state"],
    "findings": ["claim_id", "line_no", "error_type", "at_risk_cents"],
    "payments": ["claim_id", "line_no", "payment_date", "paid_cents"],
    "documentation": ["claim_id", "line_no", "note_present", "signed", "documented_code"],
    "claim_lines": ["claim_id", "line_no"],
    "payer_policies": ["payer_id", "procedure_code", "effective_date", "announced_date"],
}


def _reading(name: str) -> FileSpec:
    """``name``'s file contract as decide reads it (findings may repeat a line and error type: their amounts
    add up, so their key is not enforced)."""
    spec = SPECS[name + ".csv"].needing(_NEEDS[name])
    return replace(spec, key=()) if name == "findings" else spec


def checked_table(name: str, frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """One table handed to :func:`decide` (``name``: its file's, without ``.csv``), checked and typed as
    its file would be; None stays None, and an empty findings table is None (no findings)."""
    if frame is None or (name == "findings" and not len(frame)):
        return None
    return checked_frame(frame, _reading(name), name)


def checked_tables(tables: dict[str, pd.DataFrame | None]) -> dict[str, pd.DataFrame | None]:
    """The tables handed to :func:`decide`, checked and typed as their files would be (None stays None)."""
    return {name: checked_table(name, frame) for name, frame in tables.items()}


def _require(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidParameterError(f"{name} lacks column{'s' if len(missing) > 1 else ''} "
                         + ", ".join(repr(c) for c in missing))


def _row_label(frame: pd.DataFrame, i) -> str:
    return f"row {int(frame.at[i, '_row'])}" if "_row" in frame.columns else f"notice {frame.at[i, 'notice_id']}"


def _line_facts(keys: pd.DataFrame, payments: pd.DataFrame, documentation, claim_lines) -> pd.DataFrame:
    out = keys.copy()
    pay = payments[["claim_id", "line_no", "payment_date", "paid_cents"]]
    paid = pay.groupby(["claim_id", "line_no"], as_index=False)["paid_cents"].sum()
    first = (pay.loc[pay["paid_cents"] > 0].groupby(["claim_id", "line_no"], as_index=False)["payment_date"]
             .min().rename(columns={"payment_date": "first_payment_date"}))
    out = out.merge(paid, on=["claim_id", "line_no"], how="left").merge(first, on=["claim_id", "line_no"],
                                                                         how="left")
    out["paid_cents"] = out["paid_cents"].astype("Int64")
    if documentation is not None:
        doc = documentation[["claim_id", "line_no", "note_present", "signed", "documented_code"]]
        out = out.merge(doc.drop_duplicates(["claim_id", "line_no"]), on=["claim_id", "line_no"], how="left")
    if claim_lines is not None:
        facts = [c for c in ("patient_id", "payer_id", "rendering_npi", "service_date", "procedure_code",
                             "modifiers", "units") if c in claim_lines.columns]
        cl = claim_lines[["claim_id", "line_no", *facts]].drop_duplicates(["claim_id", "line_no"])
        out = out.merge(cl.rename(columns={"payer_id": "line_payer_id"}), on=["claim_id", "line_no"], how="left")
        if "service_date" in claim_lines.columns:
            last = claim_lines.groupby("claim_id", observed=True)["service_date"].max()
            out["claim_last_service_date"] = out["claim_id"].map(last).astype("datetime64[us]")
    return out


def _findings_on(keys: pd.DataFrame, findings: pd.DataFrame | None) -> pd.DataFrame:
    out = keys[["claim_id", "line_no", "error_type"]].copy()
    if findings is None or not len(findings):
        out["audit_at_risk_cents"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["other_findings"] = ""
        return out
    _require(findings, _NEEDS["findings"], "findings")
    f = findings[["claim_id", "line_no", "error_type", "at_risk_cents"]].copy()
    f["line_no"] = f["line_no"].astype("int64")
    f["at_risk_cents"] = f["at_risk_cents"].astype("int64")
    same = f.groupby(["claim_id", "line_no", "error_type"], as_index=False)["at_risk_cents"].sum()
    out = out.merge(same.rename(columns={"at_risk_cents": "audit_at_risk_cents"}),
                    on=["claim_id", "line_no", "error_type"], how="left")
    out["audit_at_risk_cents"] = out["audit_at_risk_cents"].astype("Int64")
    f["_text"] = f["error_type"] + " (" + f["at_risk_cents"].map(dollars) + " at risk)"
    listed = f.groupby(["claim_id", "line_no"])[["error_type", "_text"]].agg(list).reset_index()
    out = out.merge(listed.rename(columns={"error_type": "_types"}), on=["claim_id", "line_no"], how="left")
    out["other_findings"] = [
        ", ".join(t for typ, t in zip(types, texts) if typ != et) if isinstance(types, list) else ""
        for et, types, texts in zip(out["error_type"], out["_types"], out["_text"])
    ]
    return out.drop(columns=["_types", "_text"])


def decide(notices: pd.DataFrame, payers: pd.DataFrame, findings: pd.DataFrame | None,
           payments: pd.DataFrame, *, documentation: pd.DataFrame | None = None,
           claim_lines: pd.DataFrame | None = None, payer_policies: pd.DataFrame | None = None,
           profiles: Profiles | None = None, unchecked: dict[str, str] | None = None,
           check: bool = True) -> pd.DataFrame:
    """Decide every notice: accept, partial or appeal, with amounts, deadlines and reasons.

    Every table is checked and typed as its file would be
    (:func:`recoup_lib.schema.checked_frame`: money as ``*_cents`` whole
    cents or as dollars under the file's column name, dates as dates, text
    or date objects); only the columns decide reads must be present.

    Parameters
    ----------
    notices : pandas.DataFrame
        notice_id, payer_id, claim_id, line_no, notice_date,
        amount_cents (whole cents; or ``amount`` in dollars), error_type, and
        optionally reason_code and original_payment_date. Extra columns pass
        through. Every notice given is decided, whatever its date (a
        recommendation does not depend on the day it is made; the deadlines
        are counted from the notice). Setting aside the notices dated after
        an as-of date happens before decide: :func:`run_appeals` and
        :func:`appeal_folder` do it (``recoup appeal --as-of``); a caller
        deciding for a day runs :func:`recoup_lib.notices.usable_notices`
        with ``as_of`` first.
    payers : pandas.DataFrame
        payer_id, name, payer_type (medicare, medicaid, commercial), state,
        and optionally funding (``program``, ``managed_care``,
        ``fully_insured`` or ``self_funded``; blank = by the name, else
        ``program`` for Medicare and Medicaid, ``fully_insured`` for
        commercial payers). A Medicare Advantage or Medicaid managed-care
        plan, or a self-funded employer plan, gets the default contract
        profile (not Section 935, not the state statute) and needs_review.
    findings : pandas.DataFrame or None
        Our audit's findings: claim_id, line_no, error_type, at_risk_cents
        (and evidence).
    payments : pandas.DataFrame
        claim_id, line_no, payment_date, paid_cents.
    documentation : pandas.DataFrame, optional
        claim_id, line_no, note_present, signed, documented_code.
    claim_lines : pandas.DataFrame, optional
        Adds the claim facts (patient, service date, code, ...) used by the
        letters, the policy timing and the look-backs counted from the last
        date of service (Georgia).
    payer_policies : pandas.DataFrame, optional
        payer_id, procedure_code, effective_date, announced_date (the audit
        folder's payer_policies.csv): tells whether a policy_change notice
        applies a policy retroactively. Without it, a policy_change finding
        whose evidence says "retroactive" does.
    profiles : Profiles, optional
        Default: the shipped profile data.
    unchecked : dict, optional
        The error types our audit could not check, each with why (the
        messages of the rules it switched off: ``AuditResult.switched_off``).
        A notice of such a type is still appealed when nothing is found (the
        contract's rule), but its reasons and letter say the audit could not
        check it rather than that it found nothing.
    check : bool, default True
        False for tables the kit itself typed (:func:`run_appeals`), which
        are not checked again.

    Returns
    -------
    pandas.DataFrame
        One row per notice, in input order. First the contract's columns:
        notice_id, recommendation, agreed_amount_cents, disputed_amount_cents,
        reasons, appeal_level, file_by, stop_offset_by (NaT where no rule),
        offset_starts, needs_review. Then: payer_id, payer_name, payer_type,
        state, funding, plan_type, rules_payer_type, rules_state, profile,
        claim_id, line_no, notice_date, amount_cents, error_type,
        reason_code, audit_at_risk_cents (NA: not found),
        audit_supported_cents, other_findings, merit_basis (found, partial,
        lookback, retroactive_policy, documentation_on_file, not_found),
        paid_cents, lookback_from, lookback_basis_date, lookback_limit,
        lookback_expired, audit_notice_by, audit_notice_late,
        policy_announced_date, policy_retroactive, notice_exempt,
        reopening_needs_good_cause, sixty_day_rule, receipt_date,
        pay_without_interest_by, interest_from, next_level,
        next_level_file_within, alj_threshold_cents, alj_year, alj_aic_met,
        p_win, p_win_source, appeal_cost_cents, expected_value_cents,
        evidence_checklist, unconfirmed_rules, the claim facts, any extra
        notice columns, ``_reason_list`` (the reasons as a list) and
        ``_audit_unchecked`` (why our audit could not check the notice's
        error type on a line where it found nothing, else blank).

    Raises
    ------
    InputError
        A table lacks a column decide reads or holds a value its contract
        does not allow (the message names the table, index label and
        column); a notice names a payer missing from ``payers`` (use
        :func:`recoup_lib.notices.usable_notices` first to set such notices aside), or a payer's
        funding value is not one of the four, or not one a payer of its type
        can have (a self-funded Medicare plan).

    Notes
    -----
    docs/contract.md "Appeal decisions"; deadlines per docs/sources.md §1-2
    (Medicare) and §8 (state laws), from the profile data. For a late
    notice (look-back) or a retroactive policy change, the recommendation
    is ``appeal`` with agreed 0 and the whole amount disputed;
    ``audit_supported_cents`` keeps what our audit would support. A finding
    with at_risk 0 and a positive amount is ``partial`` with agreed 0, as
    the contract's rule reads.

    Examples
    --------
    >>> import pandas as pd
    >>> notices = pd.DataFrame({"notice_id": ["N1"], "payer_id": ["MCR"], "claim_id": ["C1"],
    ...     "line_no": [1], "notice_date": pd.to_datetime(["2024-01-02"]), "amount_cents": [10000],
    ...     "error_type": ["upcoding"]})
    >>> payers = pd.DataFrame({"payer_id": ["MCR"], "name": ["Medicare"], "payer_type": ["medicare"],
    ...     "state": [""]})
    >>> findings = pd.DataFrame({"claim_id": ["C1"], "line_no": [1], "error_type": ["upcoding"],
    ...     "at_risk_cents": [4000]})
    >>> payments = pd.DataFrame({"claim_id": ["C1"], "line_no": [1],
    ...     "payment_date": pd.to_datetime(["2023-11-01"]), "paid_cents": [12000]})
    >>> d = decide(notices, payers, findings, payments).iloc[0]
    >>> d["recommendation"], int(d["agreed_amount_cents"]), int(d["disputed_amount_cents"]), f"{d['file_by']:%Y-%m-%d}"
    ('partial', 4000, 6000, '2024-05-06')
    """
    if check:
        typed = checked_tables({"notices": notices, "payers": payers, "findings": findings, "payments": payments,
                          "documentation": documentation, "claim_lines": claim_lines,
                          "payer_policies": payer_policies})
        return decide(**typed, profiles=profiles, unchecked=unchecked, check=False)
    profiles = profiles or load_profiles()
    n = _joined(notices, payers, findings, payments, documentation, claim_lines)
    keys = (n["rules_payer_type"] + "|" + n["rules_state"]).to_numpy()
    profile_of = {key: profile_for(profiles, *key.split("|", 1)) for key in pd.unique(keys)}
    out = timeline(n, keys, profile_of)
    retro, announced = policy_timing(out, payer_policies, findings)
    out["policy_retroactive"] = retro
    out["policy_announced_date"] = announced.astype("datetime64[us]")
    _recommend(out, documentation is not None)
    unchecked = unchecked or {}
    said = out["error_type"].astype(object).map(unchecked).astype(object).fillna("").where(
        out["audit_at_risk_cents"].isna(), "")
    out["_audit_unchecked"] = pd.array(said.to_numpy(dtype=object), dtype="str")
    out["needs_review"] = _needs_review(out, keys, profile_of)

    per_key = {}
    for key, profile in profile_of.items():
        nxt = profile.levels.iloc[1] if len(profile.levels) > 1 else None
        per_key[key] = (profile.key, profile.first_level["name"], "" if nxt is None else nxt["name"],
                        "" if nxt is None else within_text(nxt, profile))
    for j, col in enumerate(("profile", "appeal_level", "next_level", "next_level_file_within")):
        out[col] = pd.array([per_key[k][j] for k in keys], dtype="str")
    path = appeal_path(out, profiles)
    alj = path.loc[path["aic"] == "alj_hearing"].drop_duplicates("notice_id").set_index("notice_id")
    out["alj_threshold_cents"] = out["notice_id"].map(alj["aic_threshold_cents"]).astype("Int64")
    out["alj_year"] = out["notice_id"].map(alj["aic_year"]).astype("Int64")
    out["alj_aic_met"] = out["notice_id"].map(alj["aic_met"]).astype("boolean")
    _merits(out, keys, profile_of, profiles)

    facts_cols = [c for c in _FACTS if c in out.columns]
    known = set(DECISION_COLUMNS) | set(_EXTRAS) | set(facts_cols) | {"original_payment_date",
                                                                       "lookback_unchecked", "funding_from"}
    passthrough = [c for c in notices.columns if c not in known and not str(c).startswith("_")]
    return out[DECISION_COLUMNS + _EXTRAS + ["original_payment_date"] + facts_cols + passthrough
               + ["_reason_list", "_audit_unchecked"]]


_EXTRAS = [
    "payer_id", "payer_name", "payer_type", "state", "funding", "plan_type", "rules_payer_type", "rules_state",
    "profile",
    "claim_id", "line_no", "notice_date", "amount_cents", "error_type", "reason_code", "audit_at_risk_cents",
    "audit_supported_cents", "other_findings", "merit_basis", "paid_cents", "lookback_from", "lookback_basis_date",
    "lookback_limit", "lookback_expired", "audit_notice_by", "audit_notice_late", "policy_announced_date",
    "policy_retroactive", "notice_exempt", "reopening_needs_good_cause", "sixty_day_rule", "receipt_date",
    "pay_without_interest_by", "interest_from", "next_level", "next_level_file_within", "alj_threshold_cents",
    "alj_year", "alj_aic_met", "p_win", "p_win_source", "appeal_cost_cents", "expected_value_cents",
    "evidence_checklist", "unconfirmed_rules",
]
_FACTS = ("patient_id", "rendering_npi", "service_date", "claim_last_service_date", "procedure_code", "modifiers",
          "units", "line_payer_id", "first_payment_date", "note_present", "signed", "documented_code")


def _funding(p: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per payer: how it is funded, where that was read from, and its plan type (see recoup_lib.appeals._plans)."""
    types = p["payer_type"].astype("str").str.strip().str.lower()
    funding = types.map(_DEFAULT_FUNDING).fillna("program").to_numpy(dtype=object)
    source = np.full(len(p), "default", dtype=object)
    given = np.zeros(len(p), dtype=bool)
    if "funding" in p.columns:
        text = p["funding"].astype("object").where(p["funding"].notna(), "").astype("str").str.strip().str.lower()
        given = (text != "").to_numpy()
        funding = np.where(given, text.to_numpy(dtype=object), funding)
        source[given] = "payers.csv"
    for payer_type, kind, pattern in _FUNDING_NAMES:
        hint = ~given & (types == payer_type).to_numpy() & p["name"].astype("str").str.contains(pattern).to_numpy()
        funding[hint] = kind
        source[hint] = "name"
    plans = np.empty(len(p), dtype=object)
    for i, (payer_type, fund) in enumerate(zip(types, funding)):
        try:
            if fund not in FUNDING:
                raise InvalidParameterError(f"one of {', '.join(FUNDING)}")
            plans[i] = plan_type_of(payer_type, fund)[0]
        except InvalidParameterError:
            where = f"row {int(p['_row'].iloc[i])}" if "_row" in p.columns else f"payer {p['payer_id'].iloc[i]}"
            allowed = ("fully_insured or self_funded" if payer_type == "commercial" else "program or managed_care")
            raise InputError(f"payers.csv, {where}, column 'funding': expected {allowed} for a {payer_type} payer "
                             f"(blank = by the name); got {p['funding'].iloc[i]!r}.") from None
    return funding, source, plans


def _joined(notices, payers, findings, payments, documentation, claim_lines) -> pd.DataFrame:
    """The notices with their payer, our findings on the line, its payments, record and claim facts."""
    for name, frame in (("notices", notices), ("payers", payers), ("payments", payments)):
        _require(frame, _NEEDS[name], name)
    n = notices.reset_index(drop=True).copy()
    known = n["payer_id"].isin(payers["payer_id"])
    if not known.all():
        i = int(np.flatnonzero(~known.to_numpy())[0])
        raise InputError(f"notices.csv, {_row_label(n, i)}, column 'payer_id': expected a payer listed in "
                         f"payers.csv; got {n.at[i, 'payer_id']!r}.")
    n["line_no"] = n["line_no"].astype("int64")
    n["amount_cents"] = n["amount_cents"].astype("int64")
    if "original_payment_date" not in n.columns:
        n["original_payment_date"] = pd.NaT
    if "reason_code" not in n.columns:
        n["reason_code"] = ""
    p = payers.drop_duplicates("payer_id").reset_index(drop=True)
    funding, funding_from, plans = _funding(p)
    p = p.assign(_funding=funding, _funding_from=funding_from, _plan=plans).set_index("payer_id")
    n["payer_name"] = n["payer_id"].map(p["name"]).astype("str")
    n["payer_type"] = n["payer_id"].map(p["payer_type"]).astype("str").str.lower()
    n["state"] = n["payer_id"].map(p["state"]).fillna("").astype("str").str.strip().str.upper()
    n["funding"] = n["payer_id"].map(p["_funding"]).astype("str")
    n["funding_from"] = n["payer_id"].map(p["_funding_from"]).astype("str")
    n["plan_type"] = n["payer_id"].map(p["_plan"]).astype("str")
    by_contract = n["plan_type"].isin(CONTRACT_PLANS).to_numpy()
    n["rules_payer_type"] = np.where(by_contract, "commercial", n["payer_type"])
    n["rules_state"] = np.where(by_contract, "", n["state"])
    found = _findings_on(n, findings)
    n["audit_at_risk_cents"] = found["audit_at_risk_cents"].array
    n["other_findings"] = found["other_findings"].array
    facts = _line_facts(n[["claim_id", "line_no"]], payments, documentation, claim_lines)
    for col in facts.columns.drop(["claim_id", "line_no"]):
        if col not in n.columns:
            n[col] = facts[col].array
    return n


def _recommend(out: pd.DataFrame, have_documentation: bool) -> None:
    """The contract's rule: accept, partial or appeal, and the agreed / disputed split (in place)."""
    late = out["lookback_expired"].to_numpy()
    retro = out["policy_retroactive"].to_numpy()
    at_risk = out["audit_at_risk_cents"]
    found = at_risk.notna().to_numpy()
    at_risk_values = at_risk.fillna(0).to_numpy(dtype=np.int64)
    amount = out["amount_cents"].to_numpy(dtype=np.int64)
    covers = found & (at_risk_values >= amount)
    recommendation = np.select([late, retro, covers, found], ["appeal", "appeal", "accept", "partial"], "appeal")
    agreed = np.where(recommendation == "accept", amount,
                      np.where(recommendation == "partial", at_risk_values, 0)).astype(np.int64)
    documented = np.zeros(len(out), dtype=bool)
    if have_documentation and "note_present" in out.columns:
        documented = (out["note_present"].astype("boolean").fillna(False).to_numpy(dtype=bool)
                      & out["signed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
                      & out["error_type"].isin(_DOCUMENT_REASONS).to_numpy())
    out["recommendation"] = pd.array(recommendation, dtype="str")
    out["agreed_amount_cents"] = agreed
    out["disputed_amount_cents"] = (amount - agreed).astype(np.int64)
    out["merit_basis"] = pd.array(np.select([late, retro, covers, found, documented],
                                            ["lookback", "retroactive_policy", "found", "partial",
                                             "documentation_on_file"], "not_found"), dtype="str")
    out["audit_supported_cents"] = np.minimum(at_risk_values, amount).astype(np.int64)


def _needs_review(out: pd.DataFrame, keys: np.ndarray, profile_of: dict[str, PayerProfile]) -> np.ndarray:
    """True where RecoupKit's table does not hold the rules that govern the notice.

    A commercial payer of a state not in the table (or without a state), a
    Medicaid program (its rules are assumptions), a Medicare Advantage or
    Medicaid managed-care plan (contract and state rules, not Section 935),
    a self-funded employer plan (plan document and ERISA, not state law).
    """
    unlisted = np.array([profile_of[k].payer_type == "medicaid"
                         or (profile_of[k].payer_type == "commercial" and not profile_of[k].has_state_rows)
                         for k in keys], dtype=bool)
    return unlisted | out["plan_type"].isin(CONTRACT_PLANS).to_numpy()


def _merits(out: pd.DataFrame, keys: np.ndarray, profile_of: dict[str, PayerProfile], profiles: Profiles) -> None:
    """Chance of winning, expected value, evidence, unconfirmed rules and reasons (in place)."""
    p_win, p_source, cost, ev, checklist, unconfirmed, reasons = [], [], [], [], [], [], []
    checklists: dict[tuple, str] = {}
    for key, r in zip(keys, out.to_dict("records")):
        profile = profile_of[key]
        chance = win_probability(profile.payer_type, int(profile.first_level["level"]),
                                 (r["merit_basis"], r["error_type"]), profiles)
        cost_rule = profile.rule("appeal_cost")
        cost_cents = cost_rule.cents if cost_rule is not None else 0
        p_win.append(chance.p_win if chance else "")
        p_source.append(chance.describe() if chance else "no overturn rate in overturn_rates.csv")
        cost.append(cost_cents)
        ev.append(expected_value(r["disputed_amount_cents"], chance.p_win, cost_cents) if chance else pd.NA)
        extra = (r["merit_basis"], "partial") if r["recommendation"] == "partial" else (r["merit_basis"],)
        if (r["error_type"], extra) not in checklists:
            checklists[r["error_type"], extra] = "; ".join(evidence_checklist(r["error_type"], extra, profiles))
        checklist.append(checklists[r["error_type"], extra])
        params = ["lookback", "offset_starts", "appeal_cost"]
        if r["reopening_needs_good_cause"] and r["merit_basis"] != "lookback":
            params.append("reopening_any_reason")
        if r["sixty_day_rule"] and r["merit_basis"] == "lookback":
            params.append("overpayment_rule_lookback")
        if r["merit_basis"] == "lookback":
            params.append("lookback_exceptions")
        used = profile.unconfirmed(params)
        if chance is not None and chance.status != "confirmed":
            used.append(f"overturn rate {chance.p_win} ({chance.status})")
        unconfirmed.append("; ".join(used))
        reasons.append(decision_reasons(r, profile, r["state"]))
    out["p_win"] = pd.array(p_win, dtype="str")
    out["p_win_source"] = pd.array(p_source, dtype="str")
    out["appeal_cost_cents"] = np.asarray(cost, dtype=np.int64)
    out["expected_value_cents"] = pd.array(ev, dtype="Int64")
    out["evidence_checklist"] = pd.array(checklist, dtype="str")
    out["unconfirmed_rules"] = pd.array(unconfirmed, dtype="str")
    out["reasons"] = pd.array([" ".join(x) for x in reasons], dtype="str")
    out["_reason_list"] = pd.Series(reasons, index=out.index, dtype=object)
