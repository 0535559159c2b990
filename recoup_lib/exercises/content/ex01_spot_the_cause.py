"""Exercise 01: spot the error on real-looking claim lines, and name its cause.

Drills lesson 01 (sections 2 to 7). The cases are lines the generator
planted exactly one error on; the expected answers come from its answer key
(``labels.csv``) when a check runs.
"""

from __future__ import annotations

import numpy as np

from ...rules import CATEGORY_LABELS, ERROR_TYPES
from .._registry import Exercise, register
from ._common import case_evidence, demo_tables, pick

CASES = 6


def build(PROFILE: str, SEED: int) -> dict:
    """Six cases (claim_id, line_no), each with a different planted error type, and their evidence."""
    t = demo_tables(PROFILE)
    labels = t["labels"]
    rng = np.random.default_rng(SEED)
    per_line = labels.groupby(["claim_id", "line_no"])["error_type"].transform("size")
    single = labels.loc[per_line.eq(1)]
    types = [e for e in ERROR_TYPES if (single["error_type"] == e).any()]
    chosen = [types[i] for i in sorted(rng.choice(len(types), size=CASES, replace=False))]
    chosen = [chosen[i] for i in rng.permutation(CASES)]
    cases = []
    for error_type in chosen:
        row = pick(single.loc[single["error_type"] == error_type], rng).iloc[0]
        cases.append((row["claim_id"], int(row["line_no"])))
    return {"cases": cases, "profile": PROFILE,
            "evidence": [case_evidence(t, c, n) for c, n in cases]}


EX = register(Exercise("ex01_spot_the_cause", "Spot the cause", build,
                       {"PROFILE": "family_practice", "SEED": 0}))

_RULES = ("duplicate_claim: the same service (patient, payer, clinician, day, code, modifiers) paid "
          "on two claims; duplicate_payment: one line paid the same amount twice; overpaid_rate: "
          "paid above the payer's fee schedule x units; upcoding: a visit level above the note's; "
          "unbundling: a component code paid beside its comprehensive code (NCCI pair, no valid "
          "modifier); units_over_mue: more units than the MUE allows; missing_documentation: no "
          "note on file; missing_signature: an unsigned note; coverage_lapsed: no coverage with "
          "that payer on the day; policy_change: the payer's policy stopped covering the code.")


def _key_of(m, k: int) -> str:
    claim_id, line_no = m["cases"][k]
    labels = demo_tables(m["profile"])["labels"]
    hit = labels.loc[(labels["claim_id"] == claim_id) & (labels["line_no"] == line_no), "error_type"]
    return str(hit.iloc[0])


def _case_question(k: int):
    @EX.question(f"q{k + 1}", prompt=f"Case {k + 1}: which of the ten error types is it?",
                 rule=_RULES, source="lesson 01 section 7; docs/sources.md §7.1, 7.2, 10.1",
                 kind="choice", choices=tuple(ERROR_TYPES))
    def expected(m):
        return _key_of(m, k)
    return expected


for _k in range(CASES):
    _case_question(_k)


@EX.question("q7", prompt="Case 1's error belongs to which of the five causes?",
             rule="Each error type belongs to one cause: duplicates and rates above the fee schedule "
                  "are overpayments; upcoding, unbundling and excess units incorrect billing; missing "
                  "notes and signatures documentation; lapsed coverage eligibility; a payer's new "
                  "policy policy_change.",
             source="lesson 00 section 2; lesson 01 section 6", kind="choice",
             choices=tuple(CATEGORY_LABELS))
def _case1_category(m):
    return ERROR_TYPES[_key_of(m, 0)]
