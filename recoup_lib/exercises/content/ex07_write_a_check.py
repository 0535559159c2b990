"""Exercise 07: write checks for auditors with ``custom_rule`` and score them against the answer key.

Drills lesson 07. The trainee's answers are the findings their checks
produce (claim and line keys, money) and the scores of a given lead; the
expected values come from the demo practice's answer key when a check runs.
"""

from __future__ import annotations

import functools

from ...folder import read_audit_folder
from ...rules import run_audit, score
from ...synthetic.demo import demo_path
from .._registry import Exercise, register
from ._common import demo_tables


@functools.lru_cache(maxsize=2)
def _inputs(profile: str):
    return read_audit_folder(demo_path(profile))


def build(PROFILE: str) -> dict:
    """The demo practice's audit inputs (the trainee's checks run on them)."""
    return {"inputs": _inputs(PROFILE), "profile": PROFILE}


EX = register(Exercise("ex07_write_a_check", "Write a check", build, {"PROFILE": "family_practice"}))


def _key(m, error_type: str):
    labels = demo_tables(m["profile"])["labels"]
    return labels.loc[labels["error_type"] == error_type]


def _keys(frame) -> set[str]:
    return {f"{c}/{int(n)}" for c, n in zip(frame["claim_id"], frame["line_no"])}


@EX.question("q1", prompt="Your unsigned-note check: its findings (claim_id, line_no) on the demo practice.",
             rule="A note that exists but was never signed counts as no documentation: the whole payment "
                  "of a paid line is at risk. Only paid lines can be recouped, and a line with no note at "
                  "all is a different error (missing documentation).",
             source="lesson 07 section 2; lesson 01 section 7; docs/sources.md §6.2", kind="keys")
def _unsigned(m):
    return _keys(_key(m, "missing_signature"))


@EX.question("q2", prompt="The money your unsigned-note check puts at risk, in all (dollars).",
             rule="At risk on a documentation finding is the line's net paid amount: every payment, "
                  "reversal and correction added up.",
             source="lesson 07 section 3; docs/contract.md findings", kind="money")
def _unsigned_money(m):
    return int(_key(m, "missing_signature")["at_risk_cents"].sum())


@EX.question("q3", prompt="Your no-note check: its findings (claim_id, line_no), paid lines with no "
                          "note on file.",
             rule="A paid line with no row in documentation.csv, or whose note is marked absent, has "
                  "nothing to show a reviewer: CARC 226 when the payer asked and nothing arrived.",
             source="lesson 07 section 2; lesson 01 section 5; docs/sources.md §6.2", kind="keys")
def _no_note(m):
    return _keys(_key(m, "missing_documentation"))


def _lead_score(m):
    inputs = m["inputs"]
    lines = inputs.claim_lines
    result = run_audit(inputs, only=[])
    paid = result.context.is_paid.to_numpy()
    flagged = lines.loc[paid & lines["procedure_code"].eq("99215").to_numpy(), ["claim_id", "line_no"]]
    findings = flagged.assign(error_type="upcoding", at_risk_cents=0)
    return score(findings, _key(m, "upcoding")).set_index("error_type").loc["upcoding"]


@EX.question("q4", prompt="A lead flags every paid 99215 as possible upcoding. Its precision against the "
                          "upcoding key (a share between 0 and 1)?",
             rule="Precision = findings that are in the answer key / all findings. A lead with low "
                  "precision still helps if it beats chance, but it is a list for review, not a rule.",
             source="lesson 07 section 3", kind="number")
def _lead_precision(m):
    return float(_lead_score(m)["precision"])


@EX.question("q5", prompt="Its recall (share of all upcoded lines it finds)?",
             rule="Recall = key lines found / all key lines. Flagging only level-5 visits cannot find "
                  "upcoding to level 4, so recall stays below 1.",
             source="lesson 07 section 3", kind="number")
def _lead_recall(m):
    return float(_lead_score(m)["recall"])


@EX.question("q6", prompt="Is that check a \"rule\" or a \"lead\"?",
             rule="A rule states what the payer would recoup and computes the money exactly; a lead only "
                  "points at lines worth a second look (a pattern, an outlier) and must not be counted "
                  "as money at risk.",
             source="lesson 07 section 3", kind="choice", choices=("rule", "lead"))
def _lead_or_rule(m):
    return "lead"
