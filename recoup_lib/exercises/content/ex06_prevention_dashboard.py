"""Exercise 06: read a practice's prevention dashboard -- rates, money, Pareto, months, clinicians, steps.

Drills lesson 06 on a demo practice (a different one from the lesson's by
default). Expected answers come from auditing the demo folder and computing
the dashboard with :func:`recoup_lib.report.report_from_audit` when a check
runs; nothing is stored. The demo folders carry no notices.csv, so the
aging of notices and the response-time and overturn metrics are not asked.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd

from ...remit import taken_back
from ...report import recoupments_from_payments, report_from_audit
from ...rules import audit_folder, capped_findings
from ...synthetic.demo import demo_path
from .._registry import Exercise, register

#: The prevention step lesson 06 (sections 4 and 8) gives for each of the five causes.
PREVENTION_STEPS = {
    "overpayment": "double_check_before_sending",
    "incorrect_billing": "current_codes_and_edits",
    "documentation": "signed_notes_before_billing",
    "eligibility": "verify_insurance_every_visit",
    "policy_change": "follow_payer_bulletins",
}
#: The words q8 accepts: the five steps and one that fits a metric, not a cause.
STEP_CHOICES = (*PREVENTION_STEPS.values(), "answer_payer_mail_daily")


@functools.lru_cache(maxsize=3)
def _dashboard(profile: str):
    folder = demo_path(profile)
    practice = json.loads((folder / "practice.json").read_text(encoding="utf-8"))
    audit = audit_folder(folder)
    recoupments = recoupments_from_payments(audit.context.payments)
    report = report_from_audit(audit, practice["export_date"], recoupments=recoupments,
                               recoupment_source="payments.csv (reversals)")
    return practice, report


def build(PROFILE: str, SEED: int) -> dict:
    """The practice summary, its dashboard, the capped findings, and one month of service picked by SEED."""
    practice, report = _dashboard(PROFILE)
    months = report.trend.loc[report.trend["lines"] > 0, "month"].reset_index(drop=True)
    k = int(np.random.default_rng(SEED).integers(len(months)))
    return {"practice": practice, "report": report, "capped": capped_findings(report.audit.findings),
            "month": pd.Timestamp(months.iloc[k])}


EX = register(Exercise("ex06_prevention_dashboard", "Read the prevention dashboard", build,
                       {"PROFILE": "orthopedic_group", "SEED": 0}))


def _fraction(m, metric: str) -> float:
    row = m["report"].metrics.set_index("metric").loc[metric]
    return int(row["numerator"]) / int(row["denominator"])


@EX.question("q1", prompt="What is the practice's clean claim rate, as a share (e.g. 0.42 or \"42%\")?",
             rule="Clean claim rate = claims that went through with nobody touching them again, divided by "
                  "all claims submitted (HFMA MAP Keys); target 95% or more, under 90% points to the front "
                  "desk or coding [secondary]. The kit counts a claim as clean when every line was answered, "
                  "none was denied and the audit found nothing on it.",
             source="docs/sources.md §9.1 [secondary]; lesson 06 section 3.1", kind="number")
def _clean_claim_rate(m):
    return _fraction(m, "clean_claim_rate")


@EX.question("q2", prompt="What is the denial rate counted by claim lines, as a share?",
             rule="Denial rate = denied items divided by submitted items, on one basis (claims, lines or "
                  "dollars); 5-10% is typical, under 5% good (MGMA) [secondary]. A line is denied when the "
                  "payer paid nothing and sent a denial code (a routine adjustment such as CO-45, the contractual "
                  "write-off, is none), or paid nothing and allowed nothing.",
             source="docs/sources.md §9.1 [secondary]; lesson 06 section 3.2", kind="number")
def _denial_rate_lines(m):
    return _fraction(m, "denial_rate_lines")


@EX.question("q3", prompt="How much money did payers take back, counting the reversals posted in "
                          "payments.csv, each net of the corrected payment posted with it (dollars)?",
             rule="Recoupment dollars (the kit's own metric): money payers took back through reversals and "
                  "835 offsets, each dollar once -- a reversal counts only for what the corrected payment that "
                  "follows it did not pay again. The recoupment rate divides it by the money paid in the same "
                  "period. No public benchmark exists [unconfirmed]: compare the practice with its own past "
                  "months.",
             source="docs/sources.md §9.1 [unconfirmed]; lesson 06 section 3.3", kind="money")
def _recouped(m):
    return taken_back(m["report"].recoupments)


@EX.question("q4", prompt="What share of the money at risk (capped per line) does the single largest "
                          "error type carry?",
             rule="The Pareto of causes ranks error types by their capped money at risk; the top bar's share "
                  "of the total says how much one fix could prevent. Money at risk is exposure, the kit's "
                  "forward-looking companion to the recoupment rate.",
             source="lesson 06 section 4; docs/sources.md §9.1 [unconfirmed]", kind="number")
def _top_error_share(m):
    by_error = m["capped"].groupby("error_type")["at_risk_capped_cents"].sum()
    return int(by_error.max()) / int(by_error.sum())


@EX.question("q5", prompt="In which month of service is the money at risk (capped) the largest? "
                          "Answer the month as \"YYYY-MM\".",
             rule="The trend counts claims, denials and money at risk by month of service (money paid and "
                  "taken back by month of payment), so a month that stands out can be traced to what changed "
                  "then: a new clinician, contract or code set.",
             source="lesson 06 section 5; docs/sources.md §9.1", kind="date")
def _worst_month(m):
    trend = m["report"].trend
    return pd.Timestamp(trend.loc[trend["at_risk_capped_cents"].idxmax(), "month"])


@EX.question("q6", prompt="How much money is at risk (capped) on services in the month SEED picked "
                          "(`ex['month']`), in dollars?",
             rule="A month's money at risk is the capped at_risk of the findings on lines whose date of "
                  "service falls in that month; the months add up to the practice's total money at risk.",
             source="lesson 06 section 5; docs/sources.md §9.1", kind="money")
def _month_at_risk(m):
    capped = m["capped"]
    month = capped["service_date"].dt.to_period("M").dt.to_timestamp()
    return int(capped.loc[month == m["month"], "at_risk_capped_cents"].sum())


@EX.question("q7", prompt="Which rendering clinician (give the NPI, as text) has the most money at risk "
                          "(capped)?",
             rule="Money at risk by rendering clinician is a lead, not a verdict: a clinician who sees more "
                  "patients has more lines. Compare their share of the money with their share of the lines, "
                  "and use it to choose who gets training first.",
             source="lesson 06 section 7; docs/sources.md §9.1", kind="choice")
def _top_provider(m):
    by_npi = m["capped"].groupby("rendering_npi")["at_risk_capped_cents"].sum()
    return str(by_npi.idxmax())


@EX.question("q8", prompt="Which prevention step fits the cause (of the five) that carries the most money "
                          "at risk? One of: " + ", ".join(STEP_CHOICES) + ".",
             rule="Each cause has its habit: overpayment -> double-check a claim's status and the fee "
                  "schedule before sending; incorrect billing -> current codes, NCCI and MUE edits; "
                  "documentation -> every note written and signed before billing; eligibility -> verify "
                  "insurance at every visit; policy change -> follow payer bulletins.",
             source="lesson 06 sections 4 and 8; docs/sources.md §9.1", kind="choice", choices=STEP_CHOICES)
def _step_for_top_cause(m):
    by_cause = m["capped"].groupby("category")["at_risk_capped_cents"].sum()
    return PREVENTION_STEPS[str(by_cause.idxmax())]

