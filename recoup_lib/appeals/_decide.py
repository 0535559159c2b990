"""One decision per recoupment notice: accept, partial or appeal, with deadlines and reasons.

The contract's rule (docs/contract.md, "Appeal decisions"):

- ``accept`` where our audit finds the notice's error_type on that line with
  at_risk >= the amount asked;
- ``partial`` where it finds it with a smaller at_risk (agreed = at_risk);
- ``appeal`` where it does not find it, or where the notice came after the
  payer's look-back limit, counted from the notice's original_payment_date or
  else from the line's earliest positive payment in payments.csv.

For a late notice RecoupKit appeals the whole amount (agreed 0, disputed =
amount): the timing defence covers all of it. What our audit would have
supported is kept in ``audit_supported_cents`` and said in the reasons --
and, for Medicare, so is the 60-day rule, which can oblige a provider to
return an overpayment it has itself identified whatever the payer's timing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError, InvalidParameterError
from ..money import dollars, format_cents
from ._dates import profile_dates, shift, to_days
from ._ladder import appeal_path
from ._merits import evidence_checklist, expected_value, win_probability
from ._profiles import PayerProfile, Profiles, load_profiles, profile_for

__all__ = ["DECISION_COLUMNS", "ERROR_TYPES", "usable_notices", "decide"]

#: The contract's columns of ``decisions.csv``, in order (money in cents in memory).
DECISION_COLUMNS = [
    "notice_id", "recommendation", "agreed_amount_cents", "disputed_amount_cents", "reasons",
    "appeal_level", "file_by", "stop_offset_by", "offset_starts",
]
#: The contract's error_type vocabulary.
ERROR_TYPES = (
    "duplicate_claim", "duplicate_payment", "overpaid_rate", "upcoding", "unbundling",
    "units_over_mue", "missing_documentation", "missing_signature", "coverage_lapsed",
    "policy_change",
)
_DOCUMENT_REASONS = ("missing_documentation", "missing_signature")


def _require(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidParameterError(f"{name} lacks column{'s' if len(missing) > 1 else ''} "
                         + ", ".join(repr(c) for c in missing))


def _row_label(frame: pd.DataFrame, i) -> str:
    return f"row {int(frame.at[i, '_row'])}" if "_row" in frame.columns else f"notice {frame.at[i, 'notice_id']}"


def usable_notices(notices: pd.DataFrame, payers: pd.DataFrame,
                   claim_lines: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split notices into those that can be decided and those set aside.

    Parameters
    ----------
    notices : pandas.DataFrame
        Parsed ``notices.csv`` (notice_id, payer_id, claim_id, line_no,
        notice_date, amount_cents, ...).
    payers : pandas.DataFrame
        Parsed ``payers.csv`` (payer_id, name, payer_type, state).
    claim_lines : pandas.DataFrame, optional
        When given, a notice must name a line that is in it.

    Returns
    -------
    usable : pandas.DataFrame
    set_aside : pandas.DataFrame
        The other notices, with ``_reason`` saying why.

    Notes
    -----
    A notice is set aside when its payer is not in payers.csv (no rules can be
    chosen), its amount is not above zero, or its line is not in
    claim_lines.csv (the audit cannot speak to it: pull the claim first).
    """
    _require(notices, ["notice_id", "payer_id", "claim_id", "line_no", "amount_cents"], "notices")
    reason = pd.Series("", index=notices.index, dtype="str")
    known_payer = notices["payer_id"].isin(payers["payer_id"])
    reason = reason.mask(~known_payer, "column 'payer_id': expected a payer listed in payers.csv; got '"
                         + notices["payer_id"].astype("str") + "'")
    amount = notices["amount_cents"]
    bad_amount = (amount.isna() | (amount.fillna(0) <= 0)) & (reason == "")
    reason = reason.mask(bad_amount, "column 'amount': expected an amount greater than 0; got '"
                         + format_cents(amount) + "'")
    if claim_lines is not None:
        lines = claim_lines[["claim_id", "line_no"]].drop_duplicates().assign(_known=True)
        joined = notices[["claim_id", "line_no"]].merge(lines, on=["claim_id", "line_no"], how="left")
        unknown = joined["_known"].isna().to_numpy() & (reason == "").to_numpy()
        key = notices["claim_id"].astype("str") + "|" + notices["line_no"].astype("str")
        reason = reason.mask(unknown, "columns 'claim_id', 'line_no': expected a line present in "
                             "claim_lines.csv (pull the claim before deciding); got '" + key + "'")
    bad = reason != ""
    set_aside = notices.loc[bad].copy()
    set_aside["_reason"] = reason[bad]
    return notices.loc[~bad].copy(), set_aside


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
    return out


def _findings_on(keys: pd.DataFrame, findings: pd.DataFrame | None) -> pd.DataFrame:
    out = keys[["claim_id", "line_no", "error_type"]].copy()
    if findings is None or not len(findings):
        out["audit_at_risk_cents"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["other_findings"] = ""
        return out
    _require(findings, ["claim_id", "line_no", "error_type", "at_risk_cents"], "findings")
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


def _is(value, expected: bool) -> bool:
    return value is not None and not pd.isna(value) and bool(value) == expected


def _date(v) -> str:
    return "" if pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d}"


def _where(profile: PayerProfile) -> str:
    if profile.payer_type == "medicare":
        return "Medicare"
    if profile.has_state_rows:
        return f"{profile.state} {profile.payer_type}"
    return f"default {profile.payer_type}"


def _profile_sentences(profile: PayerProfile, state_given: str) -> list[str]:
    out = []
    if profile.payer_type == "medicaid":
        out.append("The Medicaid limits and deadlines used here are configurable assumptions "
                   "(appeals/data/payer_rules.csv and appeal_levels.csv), not researched rules: "
                   "set them to your state program's.")
    if profile.payer_type != "commercial":
        return out
    lookback = profile.rule("lookback")
    offset = profile.rule("offset_starts")
    window = profile.first_level
    window_text = (f"{window['filing_window']} {window['filing_unit'].replace('_', ' ')}"
                   if pd.notna(window["filing_window"]) else "none set")
    defaults = (f"look-back {lookback.describe() if lookback else 'none'}, appeal window {window_text}, "
                f"recovery from {offset.describe() if offset else 'an unknown day'}")
    if not profile.has_state_rows:
        why = (f"State {state_given} is not in RecoupKit's commercial table" if state_given
               else "payers.csv gives no state for this payer")
        out.append(f"{why}, so the default profile applies ({defaults}): check the provider contract and the "
                   "state's law.")
        return out
    missing = []
    if profile.levels_from_default:
        missing.append(f"no appeal window (the default {window_text} is assumed)")
    if "lookback" in profile.fallbacks and lookback is not None:
        missing.append(f"no look-back limit (the default {lookback.describe()} is assumed)")
    if "offset_starts" in profile.fallbacks and offset is not None:
        missing.append(f"no waiting period before recovery (the default {offset.describe()} is assumed)")
    if missing:
        out.append(f"{profile.state}'s entry in RecoupKit's table sets " + "; ".join(missing)
                   + ": check the provider contract.")
    return out


def _action_sentences(r, profile: PayerProfile) -> list[str]:
    level = r["appeal_level"]
    rec = r["recommendation"]
    stop, file_by, offset = _date(r["stop_offset_by"]), _date(r["file_by"]), _date(r["offset_starts"])
    pay_by = _date(r["pay_without_interest_by"])
    out = []
    if rec in ("appeal", "partial"):
        if profile.payer_type == "medicare":
            out.append(f"File the {level} by {stop} (day 30) to stop the offset while it is decided "
                       f"(Section 935); filing is possible until {file_by}, but later than day 30 it no "
                       f"longer stops the offset, which may start on {offset}.")
        elif stop:
            out.append(f"File the appeal by {stop}: a timely appeal stops recovery until it is decided "
                       f"({profile.text('statute')}).")
        elif file_by:
            out.append(f"File the appeal by {file_by}; the payer may recover from {offset or 'an unknown day'}.")
        else:
            out.append(f"No appeal window is known for this payer; the payer may recover from "
                       f"{offset or 'an unknown day'}.")
        if rec == "partial":
            when = f" by {pay_by} to avoid interest on it" if pay_by else ""
            out.append(f"Refund or let the payer take the agreed {dollars(r['agreed_amount_cents'])}{when}, "
                       "and appeal the rest.")
    else:
        if pay_by:
            out.append(f"Pay by {pay_by} (day 30) to avoid interest; otherwise the payer may offset from {offset}.")
            if profile.payer_type == "medicare":
                out.append("If paying at once is a hardship, ask for an extended repayment schedule "
                           "(6 to 36 months, up to 60 for extreme hardship; see medicare_ers.csv).")
        else:
            out.append(f"Refund, or let the payer recover from {offset or 'the day its notice allows'}.")
    return out


def _reasons(r, profile: PayerProfile, state_given: str) -> list[str]:
    et, cid, ln = r["error_type"], r["claim_id"], int(r["line_no"])
    amount = int(r["amount_cents"])
    at_risk = r["audit_at_risk_cents"]
    basis = r["merit_basis"]
    where = f"claim {cid} line {ln}"
    out = []
    if basis == "found":
        out.append(f"Our audit finds {et} on {where} with {dollars(at_risk)} at risk, which covers the "
                   f"{dollars(amount)} asked: the recoupment is supported.")
    elif basis == "partial":
        out.append(f"Our audit finds {et} on {where} with {dollars(at_risk)} at risk, less than the "
                   f"{dollars(amount)} asked: we agree to {dollars(at_risk)} and dispute "
                   f"{dollars(r['disputed_amount_cents'])}.")
    elif basis == "lookback":
        lookback = profile.rule("lookback")
        origin = {"original_payment_date": "original payment on", "earliest_payment": "first payment on",
                  "service_date": "date of service"}[r["lookback_from"]]
        out.append(f"The notice dated {_date(r['notice_date'])} came after the {_where(profile)} look-back "
                   f"limit of {lookback.describe()} ({origin} {_date(r['lookback_basis_date'])}, last day "
                   f"{_date(r['lookback_limit'])}; {lookback.source}): we dispute the full "
                   f"{dollars(amount)} as untimely.")
        if pd.notna(at_risk):
            out.append(f"Our audit would support {dollars(min(int(at_risk), amount))} on this line ({et}) "
                       "if the timing were not at issue.")
            if profile.payer_type == "medicare" and r["sixty_day_rule"]:
                out.append("Because our own audit identifies this Medicare overpayment, the 60-day rule "
                           "(42 CFR 401.305) may still require returning it, as it was paid within the "
                           "last 6 years: check with compliance before relying on timing alone.")
        else:
            out.append(f"Our audit does not find {et} on this line either.")
    else:
        out.append(f"Our audit does not find {et} on {where}: we dispute the full {dollars(amount)}.")
        if et not in ERROR_TYPES:
            out.append(f"'{et}' is not an error type RecoupKit's audit checks, so a person must review "
                       "this line.")
        if basis == "documentation_on_file":
            out.append(f"documentation.csv shows the note for this line present and signed, which "
                       f"answers the payer's stated reason ({et}): enclose the signed note.")
    if basis != "found":
        if et == "missing_documentation" and _is(r.get("note_present"), True) and _is(r.get("signed"), False):
            out.append("documentation.csv shows a note for this line but it is not signed: the payer may "
                       "still deny it for a missing signature, so get a signed attestation.")
        code = r.get("procedure_code")
        documented = r.get("documented_code")
        if (et == "upcoding" and _is(r.get("note_present"), True) and isinstance(code, str)
                and (pd.isna(documented) or documented in ("", code))):
            out.append(f"documentation.csv shows the note supports the billed code {code}.")
        if profile.payer_type == "medicare" and r["reopening_needs_good_cause"] and basis != "lookback":
            out.append("The notice came more than 12 months after the payment, so the contractor "
                       "needed good cause to reopen the claim (42 CFR 405.980, unconfirmed): ask for it "
                       "if the notice does not state it.")
    if r["other_findings"]:
        out.append(f"Our audit also flags this line for {r['other_findings']}: review them before replying.")
    paid = r["paid_cents"]
    if pd.isna(paid) or int(paid) <= 0:
        out.append("payments.csv shows no net payment on this line, and what was not paid cannot be recouped.")
    elif amount > int(paid):
        out.append(f"The notice asks {dollars(amount)} but the line was paid {dollars(int(paid))} in all; "
                   "no more than that can be recouped.")
    line_payer = r.get("line_payer_id")
    if isinstance(line_payer, str) and line_payer and line_payer != r["payer_id"]:
        out.append(f"The notice comes from payer {r['payer_id']} but claim_lines.csv bills this line to "
                   f"{line_payer}.")
    if r["lookback_unchecked"]:
        out.append(r["lookback_unchecked"])
    out.extend(_profile_sentences(profile, state_given))
    out.extend(_action_sentences(r, profile))
    if pd.notna(r.get("alj_aic_met")) and not r["alj_aic_met"] and r["recommendation"] != "accept":
        out.append(f"The disputed {dollars(r['disputed_amount_cents'])} is below the amount in controversy an "
                   f"ALJ hearing needs ({dollars(r['alj_threshold_cents'])} in {r['alj_year']}): the "
                   "appeal path would end at reconsideration.")
    return out


def decide(notices: pd.DataFrame, payers: pd.DataFrame, findings: pd.DataFrame | None,
           payments: pd.DataFrame, *, documentation: pd.DataFrame | None = None,
           claim_lines: pd.DataFrame | None = None, profiles: Profiles | None = None) -> pd.DataFrame:
    """Decide every notice: accept, partial or appeal, with amounts, deadlines and reasons.

    Parameters
    ----------
    notices : pandas.DataFrame
        notice_id, payer_id, claim_id, line_no, notice_date (datetime64),
        amount_cents (int), error_type, and optionally reason_code and
        original_payment_date. Extra columns pass through.
    payers : pandas.DataFrame
        payer_id, name, payer_type (medicare, medicaid, commercial), state.
    findings : pandas.DataFrame or None
        Our audit's findings: claim_id, line_no, error_type, at_risk_cents.
    payments : pandas.DataFrame
        claim_id, line_no, payment_date, paid_cents.
    documentation : pandas.DataFrame, optional
        claim_id, line_no, note_present, signed, documented_code.
    claim_lines : pandas.DataFrame, optional
        Adds the claim facts (patient, service date, code, ...) used by the
        letters and the Georgia look-back (counted from the date of service).
    profiles : Profiles, optional
        Default: the shipped profile data.

    Returns
    -------
    pandas.DataFrame
        One row per notice, in input order. First the contract's columns:
        notice_id, recommendation, agreed_amount_cents, disputed_amount_cents,
        reasons, appeal_level, file_by, stop_offset_by (NaT where no rule),
        offset_starts. Then: payer_id, payer_name, payer_type, state,
        profile, claim_id, line_no, notice_date, amount_cents, error_type,
        reason_code, audit_at_risk_cents (NA: not found),
        audit_supported_cents, other_findings, merit_basis, paid_cents,
        lookback_from, lookback_basis_date, lookback_limit, lookback_expired,
        receipt_date, pay_without_interest_by, interest_from, next_level,
        next_level_file_within, alj_threshold_cents, alj_year, alj_aic_met,
        p_win, p_win_source, appeal_cost_cents, expected_value_cents,
        evidence_checklist, unconfirmed_rules, the claim facts, any extra
        notice columns, and ``_reason_list`` (the reasons as a list).

    Raises
    ------
    InputError
        A notice names a payer missing from ``payers`` (use
        :func:`usable_notices` first to set such notices aside).

    Notes
    -----
    docs/contract.md "Appeal decisions"; deadlines per docs/sources.md §1-2 (Medicare) and 8
    (state laws), from the profile data. For a late notice (look-back), the
    recommendation is ``appeal`` with agreed 0 and the whole amount
    disputed; ``audit_supported_cents`` keeps what our audit would support.
    A finding with at_risk 0 and a positive amount is ``partial`` with
    agreed 0, as the contract's rule reads.

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
    profiles = profiles or load_profiles()
    n = _joined(notices, payers, findings, payments, documentation, claim_lines)
    keys = (n["payer_type"] + "|" + n["state"]).to_numpy()
    profile_of = {key: profile_for(profiles, *key.split("|", 1)) for key in pd.unique(keys)}
    out = _timeline(n, keys, profile_of)
    _recommend(out, documentation is not None)

    per_key = {}
    for key, profile in profile_of.items():
        nxt = profile.levels.iloc[1] if len(profile.levels) > 1 else None
        per_key[key] = (profile.key, profile.first_level["name"], "" if nxt is None else nxt["name"],
                        "" if nxt is None else _within_text(nxt, profile))
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
                                                                       "lookback_unchecked"}
    passthrough = [c for c in notices.columns if c not in known and not str(c).startswith("_")]
    return out[DECISION_COLUMNS + _EXTRAS + ["original_payment_date"] + facts_cols + passthrough
               + ["_reason_list"]]


_EXTRAS = [
    "payer_id", "payer_name", "payer_type", "state", "profile", "claim_id", "line_no", "notice_date",
    "amount_cents", "error_type", "reason_code", "audit_at_risk_cents", "audit_supported_cents",
    "other_findings", "merit_basis", "paid_cents", "lookback_from", "lookback_basis_date", "lookback_limit",
    "lookback_expired", "reopening_needs_good_cause", "sixty_day_rule", "receipt_date",
    "pay_without_interest_by", "interest_from", "next_level", "next_level_file_within", "alj_threshold_cents",
    "alj_year", "alj_aic_met", "p_win", "p_win_source", "appeal_cost_cents", "expected_value_cents",
    "evidence_checklist", "unconfirmed_rules",
]
_FACTS = ("patient_id", "rendering_npi", "service_date", "procedure_code", "modifiers", "units",
          "line_payer_id", "first_payment_date", "note_present", "signed", "documented_code")
_DATE_COLUMNS = ("receipt_date", "stop_offset_by", "pay_without_interest_by", "interest_from", "offset_starts",
                 "file_by")


def _joined(notices, payers, findings, payments, documentation, claim_lines) -> pd.DataFrame:
    """The notices with their payer, our findings on the line, its payments, record and claim facts."""
    _require(notices, ["notice_id", "payer_id", "claim_id", "line_no", "notice_date", "amount_cents",
                       "error_type"], "notices")
    _require(payers, ["payer_id", "name", "payer_type", "state"], "payers")
    _require(payments, ["claim_id", "line_no", "payment_date", "paid_cents"], "payments")
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
    p = payers.drop_duplicates("payer_id").set_index("payer_id")
    n["payer_name"] = n["payer_id"].map(p["name"]).astype("str")
    n["payer_type"] = n["payer_id"].map(p["payer_type"]).astype("str").str.lower()
    n["state"] = n["payer_id"].map(p["state"]).fillna("").astype("str").str.strip().str.upper()
    found = _findings_on(n, findings)
    n["audit_at_risk_cents"] = found["audit_at_risk_cents"].array
    n["other_findings"] = found["other_findings"].array
    facts = _line_facts(n[["claim_id", "line_no"]], payments, documentation, claim_lines)
    for col in facts.columns.drop(["claim_id", "line_no"]):
        if col not in n.columns:
            n[col] = facts[col].array
    return n


def _nat(size: int) -> np.ndarray:
    return np.full(size, np.datetime64("NaT"), dtype="datetime64[D]")


def _timeline(n: pd.DataFrame, keys: np.ndarray, profile_of: dict[str, PayerProfile]) -> pd.DataFrame:
    """Add each notice's deadlines and its look-back test, profile by profile."""
    size = len(n)
    dates = {col: _nat(size) for col in _DATE_COLUMNS}
    basis, limit = _nat(size), _nat(size)
    origin = np.full(size, "", dtype=object)
    good_cause = np.zeros(size, dtype=bool)
    sixty_day = np.zeros(size, dtype=bool)
    unchecked = np.full(size, "", dtype=object)
    notice_days = to_days(n["notice_date"])
    for key, profile in profile_of.items():
        idx = np.flatnonzero(keys == key)
        timeline = profile_dates(notice_days[idx], profile)
        for col in _DATE_COLUMNS:
            dates[col][idx] = timeline[col].to_numpy().astype("datetime64[D]")
        rule = profile.rule("lookback")
        if rule is None or rule.unit == "none":
            continue
        if rule.counted_from == "service_date":
            base = to_days(n["service_date"].iloc[idx]) if "service_date" in n.columns else _nat(len(idx))
            origin[idx] = "service_date"
            what = "date of service"
        else:
            original = to_days(n["original_payment_date"].iloc[idx])
            base = np.where(np.isnat(original), to_days(n["first_payment_date"].iloc[idx]), original)
            origin[idx] = np.where(np.isnat(original), "earliest_payment", "original_payment_date")
            what = "original_payment_date on the notice and no positive payment on this line in payments.csv"
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
    for col in _DATE_COLUMNS:
        out[col] = dates[col].astype("datetime64[us]")
    out["lookback_from"] = pd.array(np.where(np.isnat(basis), "", origin).astype(str), dtype="str")
    out["lookback_basis_date"] = basis.astype("datetime64[us]")
    out["lookback_limit"] = limit.astype("datetime64[us]")
    out["lookback_expired"] = ~np.isnat(limit) & (notice_days > limit)
    out["reopening_needs_good_cause"] = good_cause
    out["sixty_day_rule"] = sixty_day
    out["lookback_unchecked"] = unchecked
    return out


def _recommend(out: pd.DataFrame, have_documentation: bool) -> None:
    """The contract's rule: accept, partial or appeal, and the agreed / disputed split (in place)."""
    late = out["lookback_expired"].to_numpy()
    at_risk = out["audit_at_risk_cents"]
    found = at_risk.notna().to_numpy()
    at_risk_values = at_risk.fillna(0).to_numpy(dtype=np.int64)
    amount = out["amount_cents"].to_numpy(dtype=np.int64)
    covers = found & (at_risk_values >= amount)
    recommendation = np.select([late, covers, found], ["appeal", "accept", "partial"], "appeal")
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
    out["merit_basis"] = pd.array(np.select([late, covers, found, documented],
                                            ["lookback", "found", "partial", "documentation_on_file"],
                                            "not_found"), dtype="str")
    out["audit_supported_cents"] = np.minimum(at_risk_values, amount).astype(np.int64)


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
        used = profile.unconfirmed(params)
        if chance is not None and chance.status != "confirmed":
            used.append(f"overturn rate {chance.p_win} ({chance.status})")
        unconfirmed.append("; ".join(used))
        reasons.append(_reasons(r, profile, r["state"]))
    out["p_win"] = pd.array(p_win, dtype="str")
    out["p_win_source"] = pd.array(p_source, dtype="str")
    out["appeal_cost_cents"] = np.asarray(cost, dtype=np.int64)
    out["expected_value_cents"] = pd.array(ev, dtype="Int64")
    out["evidence_checklist"] = pd.array(checklist, dtype="str")
    out["unconfirmed_rules"] = pd.array(unconfirmed, dtype="str")
    out["reasons"] = pd.array([" ".join(x) for x in reasons], dtype="str")
    out["_reason_list"] = pd.Series(reasons, index=out.index, dtype=object)


def _within_text(level: pd.Series, profile: PayerProfile) -> str:
    if pd.isna(level["filing_window"]):
        return "no deadline modelled: read the contract"
    unit = level["filing_unit"].replace("_", " ")
    receipt = profile.rule("receipt_days")
    if level["filing_from"] == "receipt" and receipt is not None and receipt.number:
        text = (f"{level['filing_window']} {unit} after receiving the previous decision "
                f"(its date + {receipt.number} days)")
    else:
        text = f"{level['filing_window']} {unit} after the previous decision's date"
    if pd.notna(level["stay_window"]):
        text += (f"; file within {level['stay_window']} days of that decision's date to keep the offset "
                 "stopped")
    return text
