"""Exercise 13: the 60-day rule on the demo practice's own findings -- deadlines, look-back, amount owed, route.

Drills lesson 13. The identification date and the investigations' lengths come
from ``SEED``; expected answers come from :func:`recoup_lib.appeals.sixty_day_clock`,
:func:`recoup_lib.appeals.lookback_start`, :func:`recoup_lib.appeals.overpayment_workup`
and :func:`recoup_lib.appeals.return_route` when a check runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...appeals import lookback_start, overpayment_workup, return_route, sixty_day_clock, workup_summary
from .._registry import Exercise, register
from ._common import demo_tables
from .ex10_audits_and_letters import demo_audit

ROUTE_NAMES = {"mac_refund": "refund to the Medicare contractor", "oig_sdp": "OIG Self-Disclosure Protocol",
               "cms_srdp": "CMS SRDP", "medicaid_state": "state Medicaid program",
               "payer_contract": "refund under the contract"}
ROUTES = tuple(ROUTE_NAMES.values())


def build(PROFILE: str, SEED: int) -> dict:
    """The demo practice's findings, payments and payers; when it identified them; two investigations."""
    rng = np.random.default_rng(SEED)
    audit = demo_audit(PROFILE)
    t = demo_tables(PROFILE)
    identified = pd.Timestamp("2026-02-02") + pd.Timedelta(days=int(rng.integers(0, 120)))
    return {"findings": audit.findings, "payments": t["payments"], "payers": t["payers"],
            "identified_on": identified, "short_investigation_days": int(rng.integers(20, 170)),
            "long_investigation_days": int(rng.integers(190, 400))}


EX = register(Exercise("ex13_sixty_day_rule", "The 60-day rule", build, {"PROFILE": "family_practice", "SEED": 13}))

_CLOCK = ("An identified overpayment is reported and returned within 60 days. Since 2025 a timely, good-faith "
          "investigation of related overpayments suspends those 60 days until it ends, but for at most 180 days "
          "after identification: the deadline is the earlier of (investigation's end, identification + 180 days) "
          "+ 60 days.")


def _clock(m, days):
    done = None if days is None else m["identified_on"] + pd.Timedelta(days=days)
    return sixty_day_clock(m["identified_on"], investigation_completed=done)


@EX.question("q1", prompt="No investigation: report and return by (YYYY-MM-DD)?", rule=_CLOCK,
             source="lesson 13 section 3; 42 CFR 401.305 (docs/sources.md §3)", kind="date")
def _plain(m):
    return _clock(m, None).report_by


@EX.question("q2", prompt="The investigation of related overpayments takes short_investigation_days days: "
                          "report and return by (YYYY-MM-DD)?", rule=_CLOCK,
             source="lesson 13 section 3; CY2025 PFS final rule summaries [secondary]", kind="date")
def _short(m):
    return _clock(m, m["short_investigation_days"]).report_by


@EX.question("q3", prompt="The investigation takes long_investigation_days days: report and return by "
                          "(YYYY-MM-DD)?", rule=_CLOCK,
             source="lesson 13 section 3; CY2025 PFS final rule summaries [secondary]", kind="date")
def _long(m):
    return _clock(m, m["long_investigation_days"]).report_by


@EX.question("q4", prompt="The 6-year look-back: overpayments received on or after which date are covered "
                          "(YYYY-MM-DD)?",
             rule="The duty reaches overpayments identified within 6 years of the date they were received: "
                  "count 72 months back from the identification date.",
             source="lesson 13 section 4; docs/sources.md §3 [partly unconfirmed]", kind="date")
def _lookback(m):
    return lookback_start(m["identified_on"])


@EX.question("q5", prompt="How much does the practice owe Medicare under the rule: its Medicare overpayments, each "
                          "line capped at what it was paid, received inside the look-back (dollars)?",
             rule="Quantify from the practice's own findings: a line's findings together never count for more "
                  "than the line was paid; only Medicare lines fall under 42 CFR 401.305, and only payments "
                  "received inside the 6-year look-back.",
             source="lesson 13 section 4", kind="money")
def _owed(m):
    work = overpayment_workup(m["findings"], m["payments"], m["payers"], identified_on=m["identified_on"])
    return int(workup_summary(work).set_index("payer_type").loc["medicare", "overpaid_cents"])


_ROUTE_RULE = ("Errors go back to the contractor as a voluntary refund; conduct that may be fraud (kickbacks, "
               "knowingly false billing) goes to the OIG's Self-Disclosure Protocol; the Stark law alone goes to "
               "CMS's SRDP; Medicaid overpayments go back to the state.")


@EX.question("q6", prompt="A coding error found by the self-audit on Medicare claims: which route?",
             rule=_ROUTE_RULE, source="lesson 13 section 6", kind="choice", choices=ROUTES)
def _route_error(m):
    return ROUTE_NAMES[return_route("medicare")["route"]]


@EX.question("q7", prompt="The practice finds it paid a marketing firm per referred Medicare patient (a possible "
                          "kickback): which route?",
             rule=_ROUTE_RULE, source="lesson 13 section 6; docs/sources.md §4.2", kind="choice", choices=ROUTES)
def _route_kickback(m):
    return ROUTE_NAMES[return_route("medicare", potential_fraud=True)["route"]]


@EX.question("q8", prompt="A Medicaid (fee-for-service) claim was paid twice: which route?",
             rule="The statute (SSA §1128J(d)) covers Medicaid too, but 42 CFR 401.305 covers Medicare Parts A and "
                  "B only: a Medicaid overpayment goes back to the state's Medicaid program by its own process.",
             source="lesson 13 sections 4 and 6", kind="choice", choices=ROUTES)
def _route_medicaid(m):
    return ROUTE_NAMES[return_route("medicaid")["route"]]
