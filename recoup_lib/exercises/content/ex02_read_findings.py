"""Exercise 02: read an audit's findings -- counts, money at risk capped per line, causes, deadlines.

Drills lesson 02. Expected answers come from running the audit on the demo
practice when a check runs.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd

from ...report import pareto_table
from ...rules import CATEGORY_LABELS, audit_folder, capped_findings
from ...synthetic.demo import demo_path
from .._registry import Exercise, register


@functools.lru_cache(maxsize=2)
def _audit(profile: str):
    return audit_folder(demo_path(profile))


def build(PROFILE: str, SEED: int) -> dict:
    """The audit result, the practice summary and one finding picked by SEED."""
    result = _audit(PROFILE)
    practice = json.loads((demo_path(PROFILE) / "practice.json").read_text(encoding="utf-8"))
    k = int(np.random.default_rng(SEED).integers(len(result.findings)))
    return {"result": result, "practice": practice, "finding": k}


EX = register(Exercise("ex02_read_findings", "Read the findings", build,
                       {"PROFILE": "family_practice", "SEED": 0}))


@EX.question("q1", prompt="How many findings did the audit report?",
             rule="A finding is one (line, error type) pair: a line can carry several findings, so "
                  "findings outnumber the lines flagged.",
             source="lesson 02 section 2", kind="whole")
def _findings(m):
    return len(m["result"].findings)


@EX.question("q2", prompt="How many distinct claim lines carry at least one finding?",
             rule="Count the (claim_id, line_no) pairs, not the rows: a duplicated claim with no note "
                  "is one line with two findings.",
             source="lesson 02 section 2", kind="whole")
def _lines(m):
    return len(m["result"].findings[["claim_id", "line_no"]].drop_duplicates())


@EX.question("q3", prompt="How much money is at risk in all, capped per line (dollars)?",
             rule="A line can never lose more than it was paid: when its findings add up to more, the "
                  "kit caps them at the line's net paid amount, in a fixed order of error types.",
             source="lesson 02 section 4; docs/contract.md findings", kind="money")
def _total(m):
    return int(m["result"].total_at_risk_cents)


@EX.question("q4", prompt="On how many lines do the findings, added up uncapped, exceed what the line "
                          "was paid (so the cap matters)?",
             rule="The cap applies per line: sum a line's raw at_risk amounts and compare with its "
                  "paid amount.",
             source="lesson 02 section 4", kind="whole")
def _over(m):
    capped = capped_findings(m["result"].findings)
    per_line = capped.groupby(["claim_id", "line_no"]).agg(raw=("at_risk_cents", "sum"),
                                                           paid=("paid_cents", "first"))
    return int((per_line["raw"] > per_line["paid"]).sum())


@EX.question("q5", prompt="Which of the five causes carries the most money at risk (capped)?",
             rule="Total the capped amounts by category; the biggest cause is where the office's "
                  "next step pays off most.",
             source="lesson 02 section 3; lesson 00 section 2", kind="choice",
             choices=tuple(CATEGORY_LABELS))
def _top_cause(m):
    by = m["result"].summary("category")
    return str(by.loc[by["at_risk_capped_cents"].idxmax(), "category"])


@EX.question("q6", prompt="Which error types make up the first 80% of the money at risk (Pareto)? "
                          "Give a list of error types.",
             rule="Rank error types by capped money, add up their shares from the top, and keep them "
                  "until the running share reaches 80%: the few causes worth fixing first.",
             source="lesson 02 section 5", kind="keys")
def _pareto(m):
    ranked = pareto_table(m["result"].summary("error_type"), "error_type", "at_risk_capped_cents")
    top = ranked.loc[: (ranked["cumulative_share"] >= 0.8).idxmax()]
    return set(top["error_type"])


@EX.question("q7", prompt="The audit is reviewed on the practice's export date. By which date must a "
                          "Medicare or Medicaid overpayment confirmed that day be returned (YYYY-MM-DD)?",
             rule="The 60-day rule: an overpayment from a government payer must be reported and returned "
                  "within 60 days of the day it is identified (quantified).",
             source="lesson 02 section 7; docs/sources.md §3", kind="date")
def _refund_by(m):
    return pd.Timestamp(m["practice"]["export_date"]) + pd.Timedelta(days=60)


@EX.question("q8", prompt="Look at finding number SEED picked (`ex['finding']`): which of the five "
                          "causes does it belong to?",
             rule="Each finding names its error type, its category (one of the five causes) and the "
                  "next step the kit recommends for that category.",
             source="lesson 02 section 3", kind="choice", choices=tuple(CATEGORY_LABELS))
def _finding_category(m):
    return str(m["result"].findings.iloc[m["finding"]]["category"])
