"""The plain-language reasons of a decision: why, under which rule, and what to do by when.

Each function turns one decided notice (a dict of :func:`recoup_lib.appeals.decide`'s
columns) and its payer profile into sentences. The rules they quote come from
the profile data, with its sources (docs/contract.md "Appeal decisions";
docs/sources.md §1-3 and §8).
"""

from __future__ import annotations

import pandas as pd

from ..money import dollars
from ..schema import ERROR_TYPE_NAMES
from ._profiles import PayerProfile

__all__ = ["decision_reasons", "within_text", "ERROR_TYPES", "CONTRACT_PLANS"]

#: The contract's error_type vocabulary.
ERROR_TYPES = ERROR_TYPE_NAMES


def _is(value, expected: bool) -> bool:
    return value is not None and not pd.isna(value) and bool(value) == expected


def _date(v) -> str:
    return "" if v is None or pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d}"


def _where(profile: PayerProfile) -> str:
    if profile.payer_type == "medicare":
        return "Medicare"
    if profile.has_state_rows:
        return f"{profile.state} {profile.payer_type}"
    return f"default {profile.payer_type}"


_PLANS = {
    "medicare_advantage": ("a Medicare Advantage plan", "the provider contract (for a non-network provider, the "
                           "Medicare Advantage rules of 42 CFR 422 subpart M), not Section 935 and not Medicare's "
                           "demand-letter timeline"),
    "medicaid_managed_care": ("a Medicaid managed-care plan", "the provider contract and the state's rules for "
                              "its Medicaid plans, not the Medicaid program's own process"),
    "commercial_self_funded": ("a self-funded employer plan", "the plan document and ERISA's claims procedure; "
                               "state overpayment laws do not reach it (New York's and South Carolina's limits "
                               "exclude self-insured plans in their text)"),
}

#: Plan types whose recoupments follow the contract or plan document, not the payer type's own table
#: (Section 935 for Medicare, the state statute for commercial insurers): the default contract profile.
CONTRACT_PLANS = tuple(_PLANS)


def _plan_sentence(r) -> str:
    what, rules = _PLANS[r["plan_type"]]
    how = (f"payers.csv gives funding {r['funding']}" if r["funding_from"] == "payers.csv"
           else "its name in payers.csv suggests so; fill in payers.csv's funding column if it is not")
    return (f"{r['payer_name']} is treated as {what} ({how}): its recoupments follow {rules}. RecoupKit applies "
            "its default contract profile: needs review; check the contract and the rules named.")


def _profile_sentences(r, profile: PayerProfile, state_given: str) -> list[str]:
    out = []
    if r.get("plan_type") in _PLANS:
        out.append(_plan_sentence(r))
    if profile.payer_type == "medicare":
        out.append("These dates follow traditional Medicare (Parts A and B: Section 935 and the demand-letter "
                   "timeline); a Medicare Advantage plan's notice follows its contract instead (give it funding "
                   "managed_care in payers.csv).")
    if profile.payer_type == "medicaid":
        out.append(f"RecoupKit's table has no Medicaid rules for {state_given or 'this payer'}'s program: the "
                   "limits and deadlines used are configurable assumptions (appeals/data/payer_rules.csv and "
                   "appeal_levels.csv), so check the state program's rules and, for a managed-care plan, the "
                   "contract.")
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
        if r.get("plan_type") in _PLANS:
            out.append(f"Default contract profile used: {defaults}.")
            return out
        why = (f"State {state_given} is not in RecoupKit's commercial table" if state_given
               else "payers.csv gives no state for this payer")
        out.append(f"{why}, so the default profile applies ({defaults}): needs review; check the provider "
                   "contract and the state's law.")
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
    conditions = profile.rule("offset_conditions")
    if conditions is not None and r["recommendation"] != "accept":
        out.append(f"Offset under {profile.text('statute')}: {conditions.value}")
    return out


def _action_sentences(r, profile: PayerProfile) -> list[str]:
    level = r["appeal_level"]
    rec = r["recommendation"]
    stop, file_by, offset = _date(r["stop_offset_by"]), _date(r["file_by"]), _date(r["offset_starts"])
    pay_by = _date(r["pay_without_interest_by"])
    out = []
    if rec in ("appeal", "partial"):
        if profile.payer_type == "medicare":
            out.append(f"The {level} must be received by the contractor by {stop} (day 30), not merely sent, "
                       f"to stop the offset while it is decided (Section 935); filing is possible until "
                       f"{file_by}, but received after day 30 it no longer stops the offset, which may start "
                       f"on {offset}.")
        elif stop:
            out.append(f"File the appeal so that it arrives by {stop}: a timely appeal stops recovery until it "
                       f"is decided ({profile.text('statute')}).")
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


def _lookback_sentences(r, profile: PayerProfile, at_risk, amount: int, et: str) -> list[str]:
    lookback = profile.rule("lookback")
    origin = {"original_payment_date": "original payment on", "earliest_payment": "first payment on",
              "service_date": "last date of service on the claim"}[r["lookback_from"]]
    out = [f"The notice dated {_date(r['notice_date'])} came after the {_where(profile)} look-back limit of "
           f"{lookback.describe()} ({origin} {_date(r['lookback_basis_date'])}, last day "
           f"{_date(r['lookback_limit'])}; {lookback.source}): we dispute the full {dollars(amount)} as untimely."]
    exceptions = profile.text("lookback_exceptions")
    if exceptions:
        out.append(f"The limit gives way only where the payer shows an exception: {exceptions}")
    if pd.notna(at_risk):
        out.append(f"Our audit would support {dollars(min(int(at_risk), amount))} on this line ({et}) "
                   "if the timing were not at issue.")
        if profile.payer_type == "medicare" and r["sixty_day_rule"]:
            out.append("Because our own audit identifies this Medicare overpayment, the 60-day rule "
                       "(42 CFR 401.305, Medicare Parts A and B) may still require returning it, as it was paid "
                       "within the last 6 years: check with compliance before relying on timing alone.")
        if profile.payer_type == "medicaid":
            out.append("Because our own audit identifies this Medicaid overpayment, SSA §1128J(d) may still "
                       "require reporting and returning it to the state (42 CFR 401.305 covers Medicare Parts A "
                       "and B only): check with compliance before relying on timing alone.")
    elif r.get("_audit_unchecked"):
        out.append(f"Our audit could not check {et} on this line ({r['_audit_unchecked']}).")
    else:
        out.append(f"Our audit does not find {et} on this line either.")
    return out


def _policy_sentences(r, at_risk) -> list[str]:
    announced = _date(r.get("policy_announced_date"))
    service = _date(r.get("service_date"))
    if r["policy_retroactive"]:
        text = (f"The payer announced the policy on {announced or 'a date after the service'}, after the date of "
                f"service{' ' + service if service else ''}: applied retroactively, it is appealed whatever our "
                "audit finds, because a payer must give notice before a policy applies (docs/contract.md, "
                "\"Appeal decisions\").")
        if pd.notna(at_risk):
            text += (f" Our audit's policy_change finding ({dollars(int(at_risk))} at risk) rests on the same "
                     "policy and does not make it timely.")
        return [text]
    if announced and service:
        return [f"The policy was announced on {announced}, on or before the date of service {service}, so it "
                "applies as announced."]
    return []


def decision_reasons(r, profile: PayerProfile, state_given: str) -> list[str]:
    """Every sentence of one decision's reasons, in reading order.

    Parameters
    ----------
    r : mapping
        One decided notice: decide's columns, with merit_basis,
        audit_at_risk_cents and the timeline columns.
    profile : PayerProfile
        The rules applied.
    state_given : str
        The payer's state as payers.csv gives it.

    Returns
    -------
    list of str
        What the audit found and what the notice asks; the timing and policy
        arguments; the line's other findings; which profile applied and
        whether it needs review; what to do by when.
    """
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
        out.extend(_lookback_sentences(r, profile, at_risk, amount, et))
    elif basis == "retroactive_policy":
        out.append(f"The notice asks {dollars(amount)} back on {where} because of a payer policy change: "
                   f"we dispute the full amount.")
    elif r.get("_audit_unchecked"):
        out.append(f"Our audit could not check {et} on {where} ({r['_audit_unchecked']}): the appeal of the "
                   f"full {dollars(amount)} rests on no finding of ours, so review the record before filing it.")
    else:
        out.append(f"Our audit does not find {et} on {where}: we dispute the full {dollars(amount)}.")
        if et not in ERROR_TYPES:
            out.append(f"'{et}' is not an error type RecoupKit's audit checks, so a person must review "
                       "this line.")
        if basis == "documentation_on_file":
            out.append(f"documentation.csv shows the note for this line present and signed, which "
                       f"answers the payer's stated reason ({et}): enclose the signed note.")
    if et == "policy_change":
        out.extend(_policy_sentences(r, at_risk))
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
    if r["audit_notice_late"] and basis != "lookback":
        audit = profile.rule("audit_notice_within")
        out.append(f"{profile.text('statute')} bars this recovery unless the payer delivered a written notice of "
                   f"intent to audit, naming the claim and the reason, by {_date(r['audit_notice_by'])} "
                   f"({audit.describe() if audit else 'the state limit'}, last date of service on the claim): "
                   "ask for a copy, and appeal if none was sent.")
    if r["notice_exempt"]:
        out.append(f"{profile.text('statute')} requires no advance notice before recovering a {et.replace('_', ' ')}"
                   f", so the payer may offset from the notice date; the look-back limit still applies.")
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
    out.extend(_profile_sentences(r, profile, state_given))
    out.extend(_action_sentences(r, profile))
    if pd.notna(r.get("alj_aic_met")) and not r["alj_aic_met"] and r["recommendation"] != "accept":
        out.append(f"The disputed {dollars(r['disputed_amount_cents'])} is below the amount in controversy an "
                   f"ALJ hearing needs ({dollars(r['alj_threshold_cents'])} in {r['alj_year']}): the "
                   "appeal path would end at reconsideration.")
    return out


def within_text(level: pd.Series, profile: PayerProfile) -> str:
    """How long after the previous decision a level may be filed, in words."""
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
