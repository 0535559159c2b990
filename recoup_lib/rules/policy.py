"""Policy-change rule: the payer no longer covers the code on that date.

Category "policy_change" (docs/contract.md). What the office does next: appeal or
adjust. When a payer announces a coverage change after the services it
applies to, the change is retroactive; in many states that is itself limited
by statute (docs/sources.md §8), which is why the evidence says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._hits import NO_HITS, among, date_text, hits, usd
from ._registry import register


@register("policy_change", "POL-NOT-COVERED", needs=("payer_policies",),
          summary="the payer's policy excludes the code from a date on or before the service")
def policy_change(ctx) -> pd.DataFrame:
    """Flag a paid line whose payer stopped covering its code on or before the date of service.

    A payer_policies row for the line's payer and code with effective_date on
    or before the service date applies; everything paid is at risk. The
    evidence says "retroactive" when the policy was announced after the
    service (when several rows apply, the earliest announcement counts).
    """
    pol = ctx.payer_policies
    if pol is None or not len(pol):
        return NO_HITS
    lines = ctx.lines
    pol = pd.DataFrame({"_payer": ctx.key("payer", pol["payer_id"]), "_code": ctx.key("code", pol["procedure_code"]),
                        "effective_date": pol["effective_date"].to_numpy(),
                        "announced_date": pol["announced_date"].to_numpy()})
    pol = pol.loc[(pol["_payer"] >= 0) & (pol["_code"] >= 0)]
    # Only paid lines of a (payer, code) pair the policies name can match: the rest are left out first.
    width = max(len(ctx.keys["code"]), 1)
    payer, code = lines["_payer"].to_numpy(), lines["_code"].to_numpy()
    named = among(np.where((payer >= 0) & (code >= 0), payer * width + code, -1),
                  pol["_payer"].to_numpy() * width + pol["_code"].to_numpy())
    paid = lines.loc[ctx.is_paid.to_numpy() & named, ["_payer", "_code", "service_date"]]
    joined = paid.reset_index(names="_line").merge(pol, on=["_payer", "_code"])
    joined = joined.loc[joined["effective_date"] <= joined["service_date"]]
    if not len(joined):
        return NO_HITS
    first = joined.sort_values(["_line", "announced_date", "effective_date"], kind="stable").drop_duplicates("_line")
    sel = lines.loc[first["_line"].to_numpy(), ["payer_id", "procedure_code", "paid_cents"]]
    retro = (first["announced_date"] > first["service_date"]).to_numpy()
    evidence = (
        sel["payer_id"].to_numpy() + " does not cover " + sel["procedure_code"].to_numpy()
        + " for services from " + date_text(first["effective_date"]).to_numpy()
        + np.where(retro, "; retroactive: announced " + date_text(first["announced_date"]).to_numpy()
                   + ", after this service on " + date_text(first["service_date"]).to_numpy(),
                   "; announced " + date_text(first["announced_date"]).to_numpy()
                   + ", before this service on " + date_text(first["service_date"]).to_numpy())
        + "; paid " + usd(sel["paid_cents"]).to_numpy()
    )
    return hits(sel.index, sel["paid_cents"], evidence)
