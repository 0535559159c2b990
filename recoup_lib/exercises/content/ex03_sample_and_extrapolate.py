"""Exercise 03: draw a seeded sample, review it, extrapolate -- the payer's demand and the point estimate.

Drills lesson 03. The review result of each sampled claim is its true
overpayment from the generator's answer key (capped per line), as in the
lesson; expected answers are computed with :mod:`recoup_lib.sampling`.
"""

from __future__ import annotations

import functools

import pandas as pd

from ...appeals import load_profiles, profile_for
from ...rules import capped_findings
from ...sampling import appraise_variable, one_sided_lower_bound, select_sample
from .._registry import Exercise, register
from ._common import demo_tables


@functools.lru_cache(maxsize=2)
def paid_claims(profile: str) -> pd.DataFrame:
    """Claims paid more than nothing (the frame), with their true overpayment from the answer key."""
    t = demo_tables(profile)
    per_line = t["payments"].groupby(["claim_id", "line_no"], as_index=False)["paid_cents"].sum()
    per_claim = per_line.groupby("claim_id", as_index=False)["paid_cents"].sum()
    frame = per_claim.loc[per_claim["paid_cents"] > 0].sort_values("claim_id", ignore_index=True)
    labels = t["labels"].merge(per_line, on=["claim_id", "line_no"])
    truth = capped_findings(labels).groupby("claim_id")["at_risk_capped_cents"].sum()
    frame["overpayment_cents"] = frame["claim_id"].map(truth).fillna(0).astype("int64")
    return frame


def build(PROFILE: str, SEED: int, SAMPLE_SIZE: int, SPARES: int, CONFIDENCE: float) -> dict:
    """The frame (without the answer key's column), the selection, and the reviewed sample."""
    frame = paid_claims(PROFILE)
    selection = select_sample(frame[["claim_id", "paid_cents"]], "claim_id", SAMPLE_SIZE, SEED,
                              spares=SPARES)
    reviewed = selection.units.merge(frame[["claim_id", "overpayment_cents"]], left_on="sample_id",
                                     right_on="claim_id")
    return {"frame": frame[["claim_id", "paid_cents"]], "selection": selection,
            "reviewed": reviewed[["selection_order", "sample_id", "paid_cents", "overpayment_cents"]],
            "confidence": CONFIDENCE, "claims_billed": int(demo_tables(PROFILE)["claim_lines"]["claim_id"].nunique())}


EX = register(Exercise(
    "ex03_sample_and_extrapolate", "Sample and extrapolate", build,
    {"PROFILE": "family_practice", "SEED": 20260214, "SAMPLE_SIZE": 100, "SPARES": 10,
     "CONFIDENCE": 0.90}))


def _appraisal(m):
    return appraise_variable(m["reviewed"][["overpayment_cents"]], universe_size=len(m["frame"]))


@EX.question("q1", prompt="How many claims are in the frame (the universe sampled from)?",
             rule="The frame lists every sampling unit that could be drawn: here every claim paid more "
                  "than nothing. Claims paid nothing cannot be overpaid, and leaving paid ones out is a "
                  "classic challenge to an extrapolation.",
             source="lesson 03 section 1; docs/sources.md §4.1", kind="whole")
def _frame_size(m):
    return len(m["frame"])


@EX.question("q2", prompt="Which claim is the first spare (the one used if a sampled claim cannot be "
                          "reviewed)? Give its claim id.",
             rule="Spares are drawn with the sample, from the same seed, and used in their selection "
                  "order only when a sampled unit cannot be reviewed; the seed reproduces them.",
             source="lesson 03 section 2; docs/sources.md §4.2", kind="choice")
def _first_spare(m):
    spares = m["selection"].spares.sort_values("selection_order")
    return str(spares["sample_id"].iloc[0])


@EX.question("q3", prompt="How many of the reviewed sample claims were overpaid?",
             rule="A sampled claim is overpaid when its review finds a positive overpayment; the others "
                  "count as zero in the average, they are not dropped.",
             source="lesson 03 section 3", kind="whole")
def _overpaid(m):
    return int((m["reviewed"]["overpayment_cents"] > 0).sum())


@EX.question("q4", prompt="Point estimate of the total overpayment in the frame (dollars)?",
             rule="Mean overpayment per sampled claim x number of claims in the frame (unrestricted "
                  "variable appraisal), rounded half-up to the cent.",
             source="lesson 03 section 4; docs/sources.md §4.3, 4.4", kind="money")
def _point(m):
    return int(_appraisal(m).point_estimate_cents)


@EX.question("q5", prompt="The one-sided lower bound at CONFIDENCE (dollars): what a Medicare "
                          "contractor would demand?",
             rule="Point estimate minus t(CONFIDENCE, n-1) x the standard error of the total, with the "
                  "finite population correction; a one-sided 90% lower bound equals the lower limit of "
                  "RAT-STATS's two-sided 80% interval.",
             source="lesson 03 section 5; docs/sources.md §4.1, 4.4 [unconfirmed: demand practice]",
             kind="money")
def _lower(m):
    return int(one_sided_lower_bound(_appraisal(m), m["confidence"]))


@EX.question("q6", prompt="Which figure does a provider repay in a self-disclosure to the OIG: "
                          "\"lower_bound\" or \"point_estimate\"?",
             rule="Contractors demand the lower bound, which favours the provider; a self-disclosure "
                  "under the OIG protocol repays the point estimate.",
             source="lesson 03 section 5; docs/sources.md §4.2 [unconfirmed]", kind="choice",
             choices=("lower_bound", "point_estimate"))
def _self_disclosure(m):
    return "point_estimate"


@EX.question("q7", prompt="How many years back must a Medicare overpayment be returned once identified "
                          "(the look-back)? Answer in years.",
             rule="The 60-day rule reaches back over overpayments received within 6 years of when they "
                  "are identified (the kit keeps the figure in its Medicare profile, with its source).",
             source="lesson 03 section 8; docs/sources.md §3 [partly unconfirmed]", kind="whole")
def _lookback(m):
    months = profile_for(load_profiles(), "medicare").rule("overpayment_rule_lookback").number
    return int(months) // 12


@EX.question("q8", prompt="A payer's demand multiplies the same sample's average by claims_billed, the number of "
                          "every claim billed (paid or not). By how much does that overstate the point estimate "
                          "(dollars)?",
             rule="The projection must multiply by the size of the frame the sample was drawn from. Claims paid "
                  "nothing were never in the frame and cannot be overpaid: counting them in the universe "
                  "inflates the estimate by claims billed / claims in the frame, a classic ground to challenge "
                  "an extrapolation.",
             source="lesson 03 section 11; docs/sources.md §4.1 [secondary]", kind="money")
def _inflated(m):
    inflated = appraise_variable(m["reviewed"][["overpayment_cents"]], universe_size=m["claims_billed"])
    return int(inflated.point_estimate_cents) - int(_appraisal(m).point_estimate_cents)
