"""The 60-day report-and-return rule as a worked workflow on the practice's own audit findings.

SSA §1128J(d) says that a person who has received a Medicare or Medicaid
overpayment must report and return it, with the reason in writing, within 60
days of identifying it (or by the cost report's due date, if later). For
Medicare Parts A and B, 42 CFR 401.305 says how; since 2025-01-01 an
overpayment is identified when it is known (actual knowledge, deliberate
ignorance or reckless disregard), and the 60 days wait while a timely,
good-faith investigation of related overpayments runs, for at most 180 days.
The duty reaches back 6 years. Medicaid's duty comes from the same statute and
goes back to the state; commercial plans are a contract and state-law matter.

The numbers are data: ``sixty_day_rule.csv`` and ``return_routes.csv`` in
``recoup_lib/appeals/data`` (each row with its source, the page read and a
status), and the 6-year look-back from ``payer_rules.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InvalidParameterError
from ..rules import capped_findings
from ..schema import Column, FileSpec
from ._dates import add_months, to_days
from ._profiles import Profiles, load_profiles, profile_for
from ._tables import SOURCED_COLUMNS, choice_column, load_rule_table, text_column

__all__ = ["SIXTY_DAY_FILES", "ROUTES", "SixtyDayRules", "load_sixty_day_rules", "SixtyDayClock",
           "sixty_day_clock", "lookback_start", "overpayment_workup", "workup_summary", "return_route"]

ROUTES = ("mac_refund", "oig_sdp", "cms_srdp", "medicaid_state", "payer_contract")

_RULE_SPEC = FileSpec("sixty_day_rule.csv", (
    Column("parameter", "id"), text_column("value"), choice_column("unit", ("days", "date")),
    *SOURCED_COLUMNS), key=("parameter",))
_ROUTES_SPEC = FileSpec("return_routes.csv", (
    choice_column("route", ROUTES), text_column("name"), text_column("use_when"), text_column("where"),
    text_column("settlement"), Column("suspends_deadline", "bool"), *SOURCED_COLUMNS), key=("route",))
SIXTY_DAY_FILES = (_RULE_SPEC.name, _ROUTES_SPEC.name)

#: What each payer type's overpayment owes, in plain words, and under which law.
_DUTY = {
    "medicare": ("Report and return to the Medicare contractor within the 60-day clock",
                 "SSA §1128J(d); 42 CFR 401.305 (Medicare Parts A and B)"),
    "medicaid": ("Report and return to the state Medicaid program (or the managed-care plan) by the state's rules",
                 "SSA §1128J(d); the state's Medicaid rules (42 CFR 401.305 does not cover Medicaid)"),
    "commercial": ("Refund as the provider contract and the state's law say; no federal 60-day rule",
                   "Provider contract; state law (docs/sources.md §8)"),
}


def _check_rule(data: pd.DataFrame):
    for row, value, unit in zip(data["_row"], data["value"], data["unit"]):
        if unit == "days" and not value.isdigit():
            yield row, "value", value, "a whole number of days"
        if unit == "date":
            try:
                pd.Timestamp(value)
            except ValueError:
                yield row, "value", value, "a date written YYYY-MM-DD"


@dataclass(frozen=True)
class SixtyDayRules:
    """``sixty_day_rule.csv`` (one parameter a row) and ``return_routes.csv``, typed."""

    rule: pd.DataFrame
    routes: pd.DataFrame
    sources: dict

    def value(self, parameter: str) -> str:
        hit = self.rule.loc[self.rule["parameter"] == parameter, "value"]
        if not len(hit):
            raise InvalidParameterError(f"sixty_day_rule.csv has no parameter {parameter!r}")
        return str(hit.iloc[0])

    def days(self, parameter: str) -> int:
        return int(self.value(parameter))

    def route(self, route: str) -> pd.Series:
        hit = self.routes.loc[self.routes["route"] == route]
        if not len(hit):
            raise InvalidParameterError(f"unknown route {route!r}; expected one of {', '.join(self.routes['route'])}")
        return hit.iloc[0]


def load_sixty_day_rules(override: str | Path | None = None) -> SixtyDayRules:
    """Load the 60-day rule's parameters and the return routes (a folder's copy replaces the shipped file).

    Examples
    --------
    >>> r = load_sixty_day_rules()
    >>> r.days("report_return_days"), r.days("investigation_max_days")
    (60, 180)
    """
    rule, r_origin = load_rule_table(_RULE_SPEC, override, _check_rule)
    routes, t_origin = load_rule_table(_ROUTES_SPEC, override)
    routes["suspends_deadline"] = routes["suspends_deadline"].astype(bool)
    return SixtyDayRules(rule, routes, {_RULE_SPEC.name: r_origin, _ROUTES_SPEC.name: t_origin})


@dataclass(frozen=True)
class SixtyDayClock:
    """When an identified overpayment must be reported and returned.

    Attributes
    ----------
    identified_on : pandas.Timestamp
    investigation_completed : pandas.Timestamp or None
        When the investigation of related overpayments ended (None: no investigation).
    suspension_ends : pandas.Timestamp
        When the 60 days start running: the identification date without an
        investigation, else the earlier of the investigation's end and the
        180-day limit.
    report_by : pandas.Timestamp
        The deadline: 60 days after ``suspension_ends``, or the cost report's
        due date if that is later.
    limited : bool
        The investigation ran past the 180 days; the clock did not wait for it.
    rule : str
        ``"2025"`` (knowledge standard, 180-day investigation) or ``"2016"``
        (reasonable diligence; no investigation suspension in the regulation).
    """

    identified_on: pd.Timestamp
    investigation_completed: pd.Timestamp | None
    suspension_ends: pd.Timestamp
    report_by: pd.Timestamp
    limited: bool
    rule: str

    def describe(self) -> str:
        """One sentence for a person."""
        start = f"Identified {self.identified_on:%Y-%m-%d}"
        if self.investigation_completed is None or self.suspension_ends == self.identified_on:
            wait = ""
        elif self.limited:
            wait = (f"; the investigation ran past the 180-day limit, so the 60 days started "
                    f"{self.suspension_ends:%Y-%m-%d}")
        else:
            wait = f"; the investigation ended {self.suspension_ends:%Y-%m-%d}, and the 60 days started then"
        return f"{start}{wait}: report and return by {self.report_by:%Y-%m-%d}."


def _day(value) -> pd.Timestamp:
    return pd.Timestamp(to_days(value)[0])


def sixty_day_clock(identified_on, *, investigation_completed=None, cost_report_due=None,
                    rules: SixtyDayRules | None = None) -> SixtyDayClock:
    """Compute the report-and-return deadline of one identified overpayment.

    Parameters
    ----------
    identified_on : date-like
        When the overpayment was identified (from 2025: known, or recklessly ignored).
    investigation_completed : date-like, optional
        When a timely, good-faith investigation of related overpayments ended.
        From 2025-01-01 the 60 days wait for it, for at most 180 days after
        identification; before 2025 the regulation had no such suspension and
        the date is ignored.
    cost_report_due : date-like, optional
        For providers filing cost reports: the deadline is the later of the
        two (SSA §1128J(d)(2)).
    rules : SixtyDayRules, optional

    Returns
    -------
    SixtyDayClock

    Raises
    ------
    InvalidParameterError
        The investigation ended before the overpayment was identified.

    Examples
    --------
    >>> sixty_day_clock("2025-03-03").report_by.date()
    datetime.date(2025, 5, 2)
    >>> c = sixty_day_clock("2025-03-03", investigation_completed="2025-12-31")
    >>> c.suspension_ends.date(), c.report_by.date(), c.limited
    (datetime.date(2025, 8, 30), datetime.date(2025, 10, 29), True)
    """
    rules = rules or load_sixty_day_rules()
    identified = _day(identified_on)
    completed = None if investigation_completed is None else _day(investigation_completed)
    if completed is not None and completed < identified:
        raise InvalidParameterError(f"the investigation cannot end ({completed:%Y-%m-%d}) before the "
                                    f"overpayment was identified ({identified:%Y-%m-%d})")
    rule = "2025" if identified >= pd.Timestamp(rules.value("rule_effective")) else "2016"
    suspension_ends, limited = identified, False
    if completed is not None and rule == "2025":
        cap = identified + pd.Timedelta(days=rules.days("investigation_max_days"))
        suspension_ends, limited = min(completed, cap), completed > cap
    report_by = suspension_ends + pd.Timedelta(days=rules.days("report_return_days"))
    if cost_report_due is not None:
        report_by = max(report_by, _day(cost_report_due))
    return SixtyDayClock(identified, completed, suspension_ends, report_by, limited, rule)


def lookback_start(identified_on, profiles: Profiles | None = None) -> pd.Timestamp:
    """First payment date the duty reaches: the identification date less the look-back (6 years).

    Examples
    --------
    >>> lookback_start("2026-02-14").date()
    datetime.date(2020, 2, 14)
    """
    months = profile_for(profiles or load_profiles(), "medicare").rule("overpayment_rule_lookback").number
    return pd.Timestamp(add_months(to_days(identified_on), -months)[0])


def overpayment_workup(findings: pd.DataFrame, payments: pd.DataFrame, payers: pd.DataFrame, *,
                       identified_on, profiles: Profiles | None = None) -> pd.DataFrame:
    """Quantify what the practice's own findings owe, line by line, and to whom.

    Parameters
    ----------
    findings : pandas.DataFrame
        The audit's findings (claim_id, line_no, error_type, at_risk_cents,
        paid_cents, payer_id, patient_id, service_date, procedure_code).
    payments : pandas.DataFrame
        payments.csv in memory (claim_id, line_no, payment_date, paid_cents):
        the first positive payment dates the overpayment's receipt.
    payers : pandas.DataFrame
        payer_id, payer_type.
    identified_on : date-like
        When the overpayments were identified.
    profiles : Profiles, optional

    Returns
    -------
    pandas.DataFrame
        One row per flagged line: claim_id, line_no, patient_id, payer_id,
        payer_type, service_date, procedure_code, errors (``;``-joined),
        paid_cents, overpaid_cents (the findings capped at what the line was
        paid), received_on, within_lookback, duty, law. Lines with nothing
        overpaid are left out.
    """
    if not len(findings):
        raise InvalidParameterError("no findings to work up: the audit found nothing")
    capped = capped_findings(findings)
    per_line = capped.groupby(["claim_id", "line_no"], sort=True).agg(
        patient_id=("patient_id", "first"), payer_id=("payer_id", "first"),
        service_date=("service_date", "first"), procedure_code=("procedure_code", "first"),
        errors=("error_type", lambda s: ";".join(dict.fromkeys(s))), paid_cents=("paid_cents", "first"),
        overpaid_cents=("at_risk_capped_cents", "sum")).reset_index()
    per_line = per_line.loc[per_line["overpaid_cents"] > 0]
    received = (payments.loc[payments["paid_cents"] > 0].groupby(["claim_id", "line_no"])["payment_date"].min()
                .rename("received_on"))
    out = per_line.merge(received, left_on=["claim_id", "line_no"], right_index=True, how="left")
    out = out.merge(payers[["payer_id", "payer_type"]], on="payer_id", how="left")
    out["payer_type"] = out["payer_type"].fillna("commercial")
    out["within_lookback"] = out["received_on"] >= lookback_start(identified_on, profiles)
    out["duty"] = out["payer_type"].map(lambda t: _DUTY[t][0])
    out["law"] = out["payer_type"].map(lambda t: _DUTY[t][1])
    columns = ["claim_id", "line_no", "patient_id", "payer_id", "payer_type", "service_date", "procedure_code",
               "errors", "paid_cents", "overpaid_cents", "received_on", "within_lookback", "duty", "law"]
    return out[columns].reset_index(drop=True)


def workup_summary(workup: pd.DataFrame) -> pd.DataFrame:
    """Totals of :func:`overpayment_workup` by payer type: lines, money overpaid, and what is owed where.

    Returns
    -------
    pandas.DataFrame
        payer_type, lines, overpaid_cents (inside the look-back), outside_lookback_cents, duty, law.
    """
    inside = workup.loc[workup["within_lookback"]]
    grouped = workup.groupby("payer_type", sort=True)
    out = pd.DataFrame({
        "lines": grouped.size(),
        "overpaid_cents": inside.groupby("payer_type")["overpaid_cents"].sum(),
        "outside_lookback_cents": workup.loc[~workup["within_lookback"]].groupby("payer_type")["overpaid_cents"].sum(),
    }).fillna(0).astype("int64")
    out["duty"] = [_DUTY[t][0] for t in out.index]
    out["law"] = [_DUTY[t][1] for t in out.index]
    return out.reset_index()


def return_route(payer_type: str = "medicare", *, potential_fraud: bool = False, stark_only: bool = False,
                 rules: SixtyDayRules | None = None) -> pd.Series:
    """Where an identified overpayment goes back, and how.

    Parameters
    ----------
    payer_type : {"medicare", "medicaid", "commercial"}
    potential_fraud : bool, default False
        The conduct may be fraud (knowing false billing, kickbacks): the OIG's
        Self-Disclosure Protocol, not a plain refund.
    stark_only : bool, default False
        Only the physician self-referral (Stark) law is in question: CMS's SRDP.
    rules : SixtyDayRules, optional

    Returns
    -------
    pandas.Series
        The route's row of ``return_routes.csv`` (route, name, use_when,
        where, settlement, suspends_deadline, source, source_url, status, note).

    Examples
    --------
    >>> return_route("medicare")["route"], return_route("medicare", potential_fraud=True)["route"]
    ('mac_refund', 'oig_sdp')
    """
    rules = rules or load_sixty_day_rules()
    if payer_type not in _DUTY:
        raise InvalidParameterError(f"unknown payer_type {payer_type!r}; expected medicare, medicaid or commercial")
    if stark_only and potential_fraud:
        raise InvalidParameterError("a matter that may be fraud is not a Stark-only matter: it goes to the OIG")
    if potential_fraud and payer_type != "commercial":
        route = "oig_sdp"
    elif stark_only and payer_type == "medicare":
        route = "cms_srdp"
    else:
        route = {"medicare": "mac_refund", "medicaid": "medicaid_state", "commercial": "payer_contract"}[payer_type]
    return rules.route(route)
