"""Eligibility rule: the patient was not covered by that payer on the date of service.

Category "eligibility" (docs/contract.md). What the office does next: verify
coverage and bill the right payer. Retroactive terminations are the classic
cause: the payer learns months later that coverage ended, and takes back
what it paid for visits after the end date (CARC 27, or 26 before coverage
began).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._hits import NO_HITS, date_text, hits, join_by_group, usd
from ._registry import register


@register("coverage_lapsed", "ELG-NO-COVERAGE", needs=("coverage",),
          summary="no coverage span of that payer on the date of service")
def coverage_lapsed(ctx) -> pd.DataFrame:
    """Flag a paid line when no coverage row of its patient and payer spans the date.

    Both coverage dates are inclusive; a blank termination date means the
    coverage is open-ended. Everything paid is at risk.
    """
    lines = ctx.lines
    paid = lines.loc[ctx.is_paid, ["_patient", "_payer", "service_date"]]
    paid = pd.DataFrame({"_line": paid.index, "_pair": ctx.patient_payer(paid["_patient"], paid["_payer"]),
                         "service_date": paid["service_date"].to_numpy()})
    cov = ctx.coverage
    cov = pd.DataFrame({"_pair": ctx.patient_payer(ctx.key("patient", cov["patient_id"]),
                                                   ctx.key("payer", cov["payer_id"])),
                        "effective_date": cov["effective_date"].to_numpy(),
                        "termination_date": cov["termination_date"].to_numpy()})
    joined = paid.merge(cov, on="_pair", how="left")
    date = joined["service_date"]
    spans = ((joined["effective_date"] <= date)
             & (joined["termination_date"].isna() | (joined["termination_date"] >= date)))
    spans = (spans & joined["effective_date"].notna()).to_numpy()
    covered = np.zeros(len(lines), dtype=bool)
    covered[joined["_line"].to_numpy()[spans]] = True
    lapsed = paid["_line"].to_numpy()[~covered[paid["_line"].to_numpy()]]
    if not len(lapsed):
        return NO_HITS
    sel = lines.loc[lapsed]
    near = joined.loc[joined["_line"].isin(lapsed) & joined["effective_date"].notna()]
    span_text = (
        date_text(near["effective_date"]).to_numpy() + " to "
        + np.where(near["termination_date"].isna(), "open",
                   date_text(near["termination_date"].fillna(pd.Timestamp("1900-01-01"))).to_numpy())
    )
    listing = join_by_group(near["_line"].to_numpy(), span_text)
    known = listing.reindex(lapsed).fillna("").to_numpy()
    evidence = (
        "no coverage with " + sel["payer_id"].to_numpy() + " on " + date_text(sel["service_date"]).to_numpy()
        + np.where(known != "", "; spans on file: " + known, "; no span on file for this patient and payer")
        + "; paid " + usd(sel["paid_cents"]).to_numpy()
    )
    return hits(sel.index, sel["paid_cents"], evidence)
