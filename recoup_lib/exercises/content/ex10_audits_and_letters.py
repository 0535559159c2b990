"""Exercise 10: who audits and by when -- review letters, a TPE round's error rates, the RAC's discussion period.

Drills lesson 10. The round is drawn from the demo practice's paid Medicare
office visits with :func:`recoup_lib.appeals.review_claims`; its findings are
the practice's own audit. Dates come from ``SEED``; every expected answer is
computed with :mod:`recoup_lib.appeals` when a check runs.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ...appeals import audit_calendar, probe_rates, probe_results, rac_adr_limit, review_claims
from ...rules import audit_folder
from ...synthetic.demo import demo_path
from .._registry import Exercise, register

VISIT_CODES = ("99213", "99214", "99215")
REVIEWERS = ("tpe", "rac", "upic", "cert")


@functools.lru_cache(maxsize=2)
def demo_audit(profile: str):
    """The demo practice's audit (cached: several exercises read it)."""
    return audit_folder(demo_path(profile))


def build(PROFILE: str, SEED: int, ROUND_SIZE: int) -> dict:
    """Letters' dates, a TPE round of the demo practice's Medicare visits with their findings, a claim count."""
    rng = np.random.default_rng(SEED)
    audit = demo_audit(PROFILE)
    medicare = sorted(audit.lines.loc[audit.lines["payer_id"].str.startswith("MCR"), "payer_id"].unique())
    review = review_claims(audit.lines, ROUND_SIZE, SEED, payer_ids=medicare, codes=VISIT_CODES)
    findings = audit.capped.loc[audit.capped["claim_id"].isin(review.claims["claim_id"]),
                                ["claim_id", "line_no", "error_type", "paid_cents", "at_risk_capped_cents"]]
    base = pd.Timestamp("2026-01-05")
    return {
        "letters": pd.DataFrame({
            "letter": ["TPE records request", "UPIC records request", "RAC review results"],
            "program": ["tpe", "upic", "rac"],
            "letter_date": [base + pd.Timedelta(days=int(d)) for d in rng.integers(0, 90, 3)],
        }),
        "round": review.claims[["selection_order", "claim_id", "service_date", "procedure_codes", "paid_cents"]],
        "findings": findings.reset_index(drop=True),
        "paid_claims_last_year": int(rng.integers(5_000, 300_000)),
        "seed": SEED,
    }


EX = register(Exercise("ex10_audits_and_letters", "Audits and their letters", build,
                       {"PROFILE": "family_practice", "SEED": 10, "ROUND_SIZE": 20}))


def _letter(m, program: str) -> pd.Timestamp:
    return m["letters"].set_index("program").loc[program, "letter_date"]


def _event(m, program: str, event: str, **dates) -> pd.Timestamp:
    cal = audit_calendar(program, _letter(m, program), **dates)
    return cal.set_index("event").loc[event, "date"]


@EX.question("q1", prompt="The TPE records request: the last day the MAC must receive the records (YYYY-MM-DD)?",
             rule="Records asked for in an Additional Documentation Request must reach the MAC within 45 "
                  "calendar days of the letter's date; a claim whose records have not arrived is denied on "
                  "day 46 and counts as an error in the round.",
             source="lesson 10 section 3; 42 CFR 405.929(b) (https://www.ecfr.gov/current/title-42/section-405.929)",
             kind="date")
def _tpe_due(m):
    return _event(m, "tpe", "records_due")


@EX.question("q2", prompt="The UPIC's records request: the last day for the records to arrive (YYYY-MM-DD)?",
             rule="A UPIC (the program-integrity contractor) gives 30 calendar days to answer a request for "
                  "records, not the 45 of the MAC and the Recovery Auditors.",
             source="lesson 10 section 3; 42 CFR 405.929(c)", kind="date")
def _upic_due(m):
    return _event(m, "upic", "records_due")


@EX.question("q3", prompt="The RAC's review results letter: the last day to ask for a discussion period "
                          "(YYYY-MM-DD)?",
             rule="The Review Results letter opens a 30-day discussion period, the letter's date being day 1: "
                  "ask by day 30 and send what shows the claim was right.",
             source="lesson 10 section 5; Noridian, Supplier Options - Recovery Auditor Overpayment "
                    "Determination (docs/sources.md §1.1)", kind="date")
def _discussion(m):
    return _event(m, "rac", "discussion_request_by", results_letter=_letter(m, "rac"))


@EX.question("q4", prompt="No discussion is asked for. On which day do the claims go to the MAC, which then "
                          "sends the demand letter (YYYY-MM-DD)?",
             rule="On day 31 of the Review Results letter the Recovery Auditor sends the claims to the MAC for "
                  "adjustment; the MAC's demand letter brings the appeal rights and its own day-30 / day-41 clock.",
             source="lesson 10 section 5; docs/sources.md §1.1", kind="date")
def _to_mac(m):
    return _event(m, "rac", "sent_to_mac", results_letter=_letter(m, "rac"))


def _rates(m):
    per_line = m["findings"].groupby("claim_id")["at_risk_capped_cents"].sum()
    results = m["round"].assign(at_risk_cents=m["round"]["claim_id"].map(per_line).fillna(0).astype("int64"))
    return probe_rates(results.assign(in_error=results["at_risk_cents"] > 0))


@EX.question("q5", prompt="How many claims of the round have an error (money at risk above zero)?",
             rule="A round's claim error rate counts claims, not lines: a claim with one or more findings that "
                  "put money at risk is one claim in error.",
             source="lesson 10 section 4", kind="whole")
def _claims_in_error(m):
    return _rates(m).claims_in_error


@EX.question("q6", prompt="The round's payment error rate: dollars in error / dollars paid on the round's claims "
                          "(a share, like 0.12)?",
             rule="The payment error rate weighs errors by money: the money at risk on the reviewed claims, each "
                  "line capped at what it was paid, over everything paid on those claims.",
             source="lesson 10 section 4", kind="number")
def _payment_rate(m):
    return float(_rates(m).payment_error_rate)


@EX.question("q7", prompt="A hospital had paid_claims_last_year paid Medicare claims. How many records may a "
                          "Recovery Auditor request in one 45-day cycle?",
             rule="For institutional providers the baseline annual limit is 0.5% of the paid Medicare claims of a "
                  "previous 12 months, divided by 8 cycles of 45 days, rounded to a whole number (half-up).",
             source="lesson 10 section 5; CMS 2016 ADR limits as reproduced by npiregistry.org [secondary]",
             kind="whole")
def _adr_limit(m):
    return rac_adr_limit(m["paid_claims_last_year"])


@EX.question("q8", prompt="Which reviewer gives the least time to send records: \"tpe\", \"rac\", \"upic\" or "
                          "\"cert\"?",
             rule="Records are due 45 days after a MAC's or a Recovery Auditor's request, 60 days after CERT's "
                  "first request, and 30 days after a UPIC's.",
             source="lesson 10 section 3; 42 CFR 405.929", kind="choice", choices=REVIEWERS)
def _shortest(m):
    days = {p: (audit_calendar(p, "2026-01-01").set_index("event").loc["records_due", "date"]) for p in REVIEWERS}
    return min(days, key=days.get)
