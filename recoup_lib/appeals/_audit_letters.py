"""Who audits Medicare claims, what their letters ask, and by when: the contractor's side of a review.

Before a demand letter there is usually a review: the MAC's own medical
review and its Targeted Probe and Educate (TPE) rounds, a Recovery Audit
Contractor (RAC), a Unified Program Integrity Contractor (UPIC), the CERT
error-rate sample or an OIG audit. Each sends an Additional Documentation
Request (ADR) and has its own clock; the rules are data
(``audit_programs.csv``, ``audit_deadlines.csv`` in ``recoup_lib/appeals/data``),
each row with the page it was read on and how sure we are of it.

This module selects the claims a review asks for (a seeded probability
sample, :func:`review_claims`), scores a round against the practice's own
audit (:func:`probe_results`), puts the letter's dates on a calendar
(:func:`audit_calendar`) and drafts the two letters a practice receives: the
request for records and the review results (:func:`request_letter`,
:func:`results_letter`). What follows a results letter, the MAC's demand
letter, has its own timeline: :func:`recoup_lib.appeals.medicare_dates`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..money import dollars
from ..rules import capped_findings
from ..sampling import select_sample
from ..schema import Column, FileSpec
from ._dates import medicare_dates, shift, to_days
from ._letters import _environments
from ._tables import SOURCED_COLUMNS, choice_column, load_rule_table, text_column

__all__ = ["AUDIT_FILES", "PROGRAMS", "AuditRules", "load_audit_rules", "audit_calendar", "rac_adr_limit",
           "ReviewSample", "review_claims", "probe_results", "ProbeRates", "probe_rates", "AuditLetter",
           "request_letter", "results_letter"]

PROGRAMS = ("mac_adr", "tpe", "rac", "upic", "cert", "oig")
#: The dates an event can be counted from (the letters and steps of a review).
ORIGINS = ("letter", "records_received", "results_letter", "education", "notice", "suspension_start",
           "draft_report", "payment_date")
_DATE_UNITS = ("days", "day_number", "months")
_UNITS = _DATE_UNITS + ("claims", "rounds", "cycles", "share")

_PROGRAMS_SPEC = FileSpec("audit_programs.csv", (
    choice_column("program", PROGRAMS), text_column("name"), text_column("who"), text_column("reviews"),
    text_column("how_selected"), text_column("letters"), Column("may_extrapolate", "bool"),
    *SOURCED_COLUMNS), key=("program",))
_DEADLINES_SPEC = FileSpec("audit_deadlines.csv", (
    choice_column("program", PROGRAMS), Column("event", "id"), text_column("value"),
    choice_column("unit", _UNITS), choice_column("counted_from", ORIGINS, nullable=True),
    text_column("meaning"), *SOURCED_COLUMNS), key=("program", "event"))
AUDIT_FILES = (_PROGRAMS_SPEC.name, _DEADLINES_SPEC.name)


def _check_deadlines(data: pd.DataFrame):
    for row, value, unit, origin in zip(data["_row"], data["value"], data["unit"], data["counted_from"]):
        if unit == "share":
            try:
                ok = 0 < Decimal(value) < 1
            except InvalidOperation:
                ok = False
            if not ok:
                yield row, "value", value, "a share between 0 and 1, e.g. 0.005"
        elif not value.isdigit():
            yield row, "value", value, f"a whole number of {unit}"
        if unit in _DATE_UNITS and not origin:
            yield row, "counted_from", origin, "the date the period is counted from"


@dataclass(frozen=True)
class AuditRules:
    """The audit programs and their deadlines, typed.

    Attributes
    ----------
    programs : pandas.DataFrame
        One row per program: program, name, who, reviews, how_selected,
        letters, may_extrapolate, source, source_url, status, note.
    deadlines : pandas.DataFrame
        One row per (program, event): value (text), unit, counted_from,
        meaning, source, source_url, status, note.
    sources : dict
        For each file, ``"shipped"`` or the path of the copy read.
    """

    programs: pd.DataFrame
    deadlines: pd.DataFrame
    sources: dict

    def program(self, program: str) -> pd.Series:
        """The row of one program; an unknown name raises, listing the known ones."""
        hit = self.programs.loc[self.programs["program"] == program]
        if not len(hit):
            raise InvalidParameterError(f"unknown audit program {program!r}; expected one of "
                                        f"{', '.join(self.programs['program'])}")
        return hit.iloc[0]

    def event(self, program: str, event: str) -> pd.Series:
        """The row of one deadline or limit of a program."""
        self.program(program)
        hit = self.deadlines.loc[(self.deadlines["program"] == program) & (self.deadlines["event"] == event)]
        if not len(hit):
            known = self.deadlines.loc[self.deadlines["program"] == program, "event"]
            raise InvalidParameterError(f"{program} has no event {event!r}; its events: {', '.join(known)}")
        return hit.iloc[0]

    def number(self, program: str, event: str) -> int:
        """A whole-number value (days, claims, rounds) of one event."""
        return int(self.event(program, event)["value"])


def load_audit_rules(override: str | Path | None = None) -> AuditRules:
    """Load ``audit_programs.csv`` and ``audit_deadlines.csv`` (a folder's copy replaces the shipped one).

    Raises
    ------
    InputError
        A file lacks a column or holds a value of the wrong kind (file, row, column named).

    Examples
    --------
    >>> load_audit_rules().number("rac", "discussion_request_by")
    30
    """
    programs, p_origin = load_rule_table(_PROGRAMS_SPEC, override)
    deadlines, d_origin = load_rule_table(_DEADLINES_SPEC, override, _check_deadlines)
    programs["may_extrapolate"] = programs["may_extrapolate"].astype(bool)
    return AuditRules(programs, deadlines, {_PROGRAMS_SPEC.name: p_origin, _DEADLINES_SPEC.name: d_origin})


def audit_calendar(program: str, letter_date, *, records_received=None, results_letter=None,
                   education=None, suspension_start=None, draft_report=None,
                   rules: AuditRules | None = None) -> pd.DataFrame:
    """The dated steps of one review, from the dates known so far.

    Parameters
    ----------
    program : str
        One of :data:`PROGRAMS`.
    letter_date : date-like
        Date printed on the request (ADR) or notice.
    records_received, results_letter, education, suspension_start, draft_report : date-like, optional
        Later dates, once known; the steps counted from them are added.
    rules : AuditRules, optional

    Returns
    -------
    pandas.DataFrame
        date, event, meaning, counted_from, status, source, source_url; one
        row per dated step, earliest first. Day counts follow the appeal
        profiles' conventions: ``days`` ends a window N days after its start,
        ``day_number`` counts the start as day 1.

    Examples
    --------
    >>> cal = audit_calendar("rac", "2025-03-03", results_letter="2025-05-01")
    >>> cal.set_index("event").loc["discussion_request_by", "date"].date()
    datetime.date(2025, 5, 30)
    """
    rules = rules or load_audit_rules()
    rules.program(program)
    starts = {"letter": letter_date, "notice": letter_date, "records_received": records_received,
              "results_letter": results_letter, "education": education,
              "suspension_start": suspension_start, "draft_report": draft_report}
    rows = rules.deadlines.loc[(rules.deadlines["program"] == program)
                               & rules.deadlines["unit"].isin(_DATE_UNITS)]
    out = []
    for r in rows.itertuples(index=False):
        start = starts.get(r.counted_from)
        if start is None:
            continue
        day = shift(to_days(start), int(r.value), r.unit)[0]
        out.append({"date": pd.Timestamp(day), "event": r.event, "meaning": r.meaning,
                    "counted_from": r.counted_from, "status": r.status, "source": r.source,
                    "source_url": r.source_url})
    columns = ["date", "event", "meaning", "counted_from", "status", "source", "source_url"]
    table = pd.DataFrame(out, columns=columns)
    return table.sort_values(["date", "event"], kind="stable").reset_index(drop=True)


def rac_adr_limit(paid_claims: int, rules: AuditRules | None = None) -> int:
    """Most records a Recovery Auditor may request of an institutional provider in one 45-day cycle.

    The baseline annual limit is 0.5% of the provider's paid Medicare claims
    of a previous 12 months; divided by 8 cycles and rounded half-up
    (CMS's 2016 limits for institutional providers, as reproduced by trade
    pages [secondary]; physicians and suppliers have other limits).

    Examples
    --------
    >>> rac_adr_limit(22_530), rac_adr_limit(47_476), rac_adr_limit(263_127)
    (14, 30, 164)
    """
    if isinstance(paid_claims, bool) or not isinstance(paid_claims, (int, np.integer)) or paid_claims < 0:
        raise InvalidParameterError(f"paid_claims must be a whole number >= 0; got {paid_claims!r}")
    rules = rules or load_audit_rules()
    share = Fraction(rules.event("rac", "adr_annual_share")["value"])
    cycles = rules.number("rac", "adr_cycles_per_year")
    per_cycle = Fraction(int(paid_claims)) * share / cycles
    return int(per_cycle + Fraction(1, 2)) if per_cycle > 0 else 0


@dataclass(frozen=True)
class ReviewSample:
    """The claims a review asks records for, and how they were drawn.

    Attributes
    ----------
    claims : pandas.DataFrame
        One row per selected claim, in selection order: selection_order,
        claim_id, patient_id, payer_id, rendering_npi, service_date (first),
        procedure_codes (``;``-joined), lines, paid_cents (the claim's net paid).
    universe_size : int
        Claims that could have been drawn.
    design : dict
        The sampling design (seed, method, sizes), to keep with the file.
    """

    claims: pd.DataFrame
    universe_size: int
    design: dict


def review_claims(lines: pd.DataFrame, size: int, seed: int, *, payer_ids=None, codes=None) -> ReviewSample:
    """Draw the claims a contractor's review would ask records for: a seeded sample of paid claims.

    Parameters
    ----------
    lines : pandas.DataFrame
        Claim lines with the money paid on each: the audit's
        ``AuditResult.lines`` (claim_id, line_no, patient_id, payer_id,
        rendering_npi, service_date, procedure_code, paid_cents).
    size : int
        Claims to draw (TPE: 20 to 40 a round).
    seed : int
        Keep it: it reproduces the selection (see :func:`recoup_lib.sampling.select_sample`).
    payer_ids : iterable of str, optional
        Only claims of these payers (a Medicare contractor reviews Medicare claims).
    codes : iterable of str, optional
        Only claims with a line billed with one of these codes (the review's topic).

    Returns
    -------
    ReviewSample

    Raises
    ------
    InvalidParameterError
        No claim fits, or ``size`` is larger than the universe.
    """
    need = {"claim_id", "patient_id", "payer_id", "rendering_npi", "service_date", "procedure_code",
            "paid_cents"}
    missing = need - set(lines.columns)
    if missing:
        raise InvalidParameterError(f"lines lack column(s) {', '.join(sorted(missing))}")
    pick = lines
    if payer_ids is not None:
        pick = pick.loc[pick["payer_id"].isin(list(payer_ids))]
    if codes is not None:
        with_code = pick.loc[pick["procedure_code"].isin(list(codes)), "claim_id"].unique()
        pick = pick.loc[pick["claim_id"].isin(with_code)]
    grouped = pick.sort_values(["claim_id", "line_no"] if "line_no" in pick else ["claim_id"], kind="stable")
    per_claim = grouped.groupby("claim_id", sort=True).agg(
        patient_id=("patient_id", "first"), payer_id=("payer_id", "first"),
        rendering_npi=("rendering_npi", "first"), service_date=("service_date", "min"),
        procedure_codes=("procedure_code", lambda s: ";".join(dict.fromkeys(s.astype(str)))),
        lines=("procedure_code", "size"), paid_cents=("paid_cents", "sum")).reset_index()
    frame = per_claim.loc[per_claim["paid_cents"] > 0].reset_index(drop=True)
    if not len(frame):
        raise InvalidParameterError("no paid claim fits the review's payers and codes")
    if size > len(frame):
        raise InvalidParameterError(f"a review of {size} claims needs at least that many paid claims; "
                                    f"only {len(frame)} fit")
    selection = select_sample(frame, "claim_id", int(size), int(seed))
    drawn = selection.units[["selection_order", "sample_id"]].rename(columns={"sample_id": "claim_id"})
    claims = drawn.merge(frame, on="claim_id", how="left")
    claims["paid_cents"] = claims["paid_cents"].astype("int64")
    return ReviewSample(claims.reset_index(drop=True), len(frame), dict(selection.design))


def probe_results(claims: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """What a review of these claims finds, judged by the practice's own audit.

    Parameters
    ----------
    claims : pandas.DataFrame
        :attr:`ReviewSample.claims` (claim_id, paid_cents at least).
    findings : pandas.DataFrame
        The audit's findings (claim_id, line_no, error_type, at_risk_cents, paid_cents).

    Returns
    -------
    pandas.DataFrame
        The claims with ``errors`` (the error types found, ``;``-joined, blank
        when clean), ``at_risk_cents`` (money at risk on the claim, each line
        capped at what it was paid) and ``in_error`` (bool).
    """
    own = findings.loc[findings["claim_id"].isin(claims["claim_id"])]
    capped = capped_findings(own) if len(own) else own.assign(at_risk_capped_cents=pd.Series(dtype="int64"))
    per_claim = capped.groupby("claim_id").agg(
        errors=("error_type", lambda s: ";".join(dict.fromkeys(s))),
        at_risk_cents=("at_risk_capped_cents", "sum"))
    out = claims.merge(per_claim, left_on="claim_id", right_index=True, how="left")
    out["errors"] = out["errors"].fillna("").astype("str")
    out["at_risk_cents"] = out["at_risk_cents"].fillna(0).astype("int64")
    out["in_error"] = out["at_risk_cents"] > 0
    return out


@dataclass(frozen=True)
class ProbeRates:
    """A review round's result: how many claims, and how many dollars, were in error."""

    claims: int
    claims_in_error: int
    paid_cents: int
    in_error_cents: int

    @property
    def claim_error_rate(self) -> Fraction:
        """Claims with an error / claims reviewed."""
        return Fraction(self.claims_in_error, self.claims) if self.claims else Fraction(0)

    @property
    def payment_error_rate(self) -> Fraction:
        """Dollars in error / dollars paid on the claims reviewed."""
        return Fraction(self.in_error_cents, self.paid_cents) if self.paid_cents else Fraction(0)

    def passed(self, goal: float) -> bool:
        """Both rates at or under ``goal`` (each MAC sets its own goal; it is not published here)."""
        limit = Fraction(str(goal))
        return self.claim_error_rate <= limit and self.payment_error_rate <= limit


def probe_rates(results: pd.DataFrame) -> ProbeRates:
    """Claim and payment error rates of a reviewed round (:func:`probe_results`)."""
    return ProbeRates(claims=len(results), claims_in_error=int(results["in_error"].sum()),
                      paid_cents=int(results["paid_cents"].sum()),
                      in_error_cents=int(results["at_risk_cents"].sum()))


@dataclass(frozen=True)
class AuditLetter:
    """A drafted contractor letter: its kind, program, texts and the calendar it announces."""

    kind: str
    program: str
    markdown: str
    html: str
    calendar: pd.DataFrame


def _d(value) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def _render(context: dict) -> tuple[str, str]:
    markdown_env, html_env = _environments()
    return (markdown_env.get_template("audit_letter.md.j2").render(**context),
            html_env.get_template("audit_letter.html.j2").render(**context))


def _program_context(rules: AuditRules, program: str) -> dict:
    row = rules.program(program)
    return {"program_name": row["name"], "who": row["who"], "sources": row["source"],
            "source_url": row["source_url"], "status": row["status"]}


def request_letter(program: str, claims: pd.DataFrame, *, letter_date, practice: str, npi: str,
                   contractor: str, reason: str, rules: AuditRules | None = None) -> AuditLetter:
    """Draft the contractor's Additional Documentation Request for the selected claims.

    Parameters
    ----------
    program : str
        One of :data:`PROGRAMS` (``tpe``, ``rac``, ``upic``, ``cert``, ``mac_adr``, ``oig``).
    claims : pandas.DataFrame
        :attr:`ReviewSample.claims`.
    letter_date : date-like
    practice, npi, contractor : str
        Who receives and who sends the letter.
    reason : str
        Why these claims were selected (the review's topic).
    rules : AuditRules, optional

    Returns
    -------
    AuditLetter
        ``kind`` = ``"request"``; its calendar holds the dates counted from the letter.
    """
    rules = rules or load_audit_rules()
    calendar = audit_calendar(program, letter_date, rules=rules)
    due = calendar.loc[calendar["event"] == "records_due", "date"]
    facts = [(str(r.claim_id), str(r.patient_id), _d(r.service_date), str(r.procedure_codes),
              dollars(int(r.paid_cents))) for r in claims.itertuples(index=False)]
    context = {
        **_program_context(rules, program),
        "title": "Additional Documentation Request", "letter_date": _d(letter_date), "practice": practice,
        "npi": npi, "contractor": contractor, "reason": reason,
        "claim_header": ("Claim", "Patient", "Date of service", "Codes", "Paid"), "claims": facts,
        "ask": (f"Send the medical records that support each claim below so that they reach us by "
                f"{_d(due.iloc[0])}." if len(due) else "Send the medical records that support each claim below."),
        "steps": [(_d(r.date), r.meaning, r.status) for r in calendar.itertuples(index=False)],
        "before": ["Put the due date on the calendar today and name who answers it.",
                   "For each claim send the signed note of the date of service, orders and test results, and "
                   "anything that shows the service was needed; keep a copy and proof of the date sent.",
                   "Check your own audit for the same error on other claims: the 60-day rule starts when you "
                   "know of an overpayment (lesson 13)."],
    }
    markdown, html = _render(context)
    return AuditLetter("request", program, markdown, html, calendar)


def results_letter(program: str, results: pd.DataFrame, *, letter_date, practice: str, npi: str,
                   contractor: str, rules: AuditRules | None = None) -> AuditLetter:
    """Draft the review results letter for reviewed claims (:func:`probe_results`).

    For a RAC the calendar shows the discussion period and the day the claims
    go to the MAC; the MAC's demand letter then follows the Medicare timeline
    (:func:`recoup_lib.appeals.medicare_dates`), shown here for a demand
    letter dated on the day the claims are sent.

    Returns
    -------
    AuditLetter
        ``kind`` = ``"results"``.
    """
    rules = rules or load_audit_rules()
    calendar = audit_calendar(program, letter_date, results_letter=letter_date, rules=rules)
    calendar = calendar.loc[calendar["counted_from"] == "results_letter"].reset_index(drop=True)
    sent = calendar.loc[calendar["event"] == "sent_to_mac", "date"]
    demand = medicare_dates([sent.iloc[0] if len(sent) else pd.Timestamp(letter_date)]).iloc[0]
    rates = probe_rates(results)
    facts = [(str(r.claim_id), str(r.patient_id), _d(r.service_date), str(r.procedure_codes),
              dollars(int(r.paid_cents)), (r.errors.replace("_", " ").replace(";", ", ") or "none"),
              dollars(int(r.at_risk_cents))) for r in results.itertuples(index=False)]
    steps = [(_d(r.date), r.meaning, r.status) for r in calendar.itertuples(index=False)]
    steps += [(_d(demand["stop_offset_by"]), "If a demand letter is dated that day: file the redetermination "
               "by this day to stop the offset (day 30)", "confirmed"),
              (_d(demand["offset_starts"]), "If nothing is paid or filed: the offset starts (day 41)", "confirmed")]
    context = {
        **_program_context(rules, program),
        "title": "Review Results", "letter_date": _d(letter_date), "practice": practice, "npi": npi,
        "contractor": contractor, "reason": "",
        "claim_header": ("Claim", "Patient", "Date of service", "Codes", "Paid", "Finding", "Overpaid"),
        "claims": facts,
        "ask": (f"We reviewed {rates.claims} claims: {rates.claims_in_error} had an error, "
                f"{dollars(rates.in_error_cents)} of {dollars(rates.paid_cents)} paid "
                f"({float(rates.payment_error_rate):.1%} of the dollars)."),
        "steps": steps,
        "before": ["Compare every finding with the record before agreeing: a finding you can disprove is worth a "
                   "discussion request or an appeal.",
                   "Agreed findings are overpayments you now know of: refund them, or let the demand letter's "
                   "offset take them (lesson 05), and fix the cause.",
                   "Look for the same error outside the sample (the 60-day rule, lesson 13)."],
    }
    markdown, html = _render(context)
    return AuditLetter("results", program, markdown, html, calendar)
