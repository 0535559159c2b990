"""Documentation rules: the record does not back the claim.

Category "documentation" (docs/contract.md). What the office does next: gather and
submit the documentation. Insufficient documentation is the largest single
cause of improper Medicare payments in CERT reviews year after year
(docs/sources.md §9.3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._hits import NO_HITS, hits, usd
from ._registry import register


@register("missing_documentation", "DOC-MISSING", needs=("documentation",),
          summary="no note on file for a paid line")
def missing_documentation(ctx) -> pd.DataFrame:
    """Flag a paid line with no documentation row, or whose note is not present.

    Only runs when documentation.csv exists. Everything paid is at risk:
    without a record the payer treats the whole service as unsupported
    (CARC 226/252 when records were requested and not sent).
    """
    doc = ctx.documentation_by_line
    no_row = ~doc["_has_row"]
    no_note = doc["note_present"].eq(False).fillna(False).astype(bool)
    mask = (ctx.is_paid & (no_row | no_note)).to_numpy(dtype=bool)
    if not mask.any():
        return NO_HITS
    sel = ctx.lines.loc[mask, ["paid_cents"]]
    evidence = np.where(no_row.to_numpy()[mask], "no row in documentation.csv for this line",
                        "documentation.csv says the note is not present") \
        + "; paid " + usd(sel["paid_cents"]).to_numpy()
    return hits(sel.index, sel["paid_cents"], evidence)


@register("missing_signature", "DOC-UNSIGNED", needs=("documentation",),
          summary="the note exists but is not signed")
def missing_signature(ctx) -> pd.DataFrame:
    """Flag a paid line whose note is present but unsigned.

    An unsigned note does not authenticate the service, so everything paid is
    at risk until a valid signature (or an attestation the payer accepts) is
    supplied. A blank ``signed`` means "not recorded" and is not flagged.
    """
    doc = ctx.documentation_by_line
    mask = (ctx.is_paid & doc["note_present"].eq(True).fillna(False).astype(bool)
            & doc["signed"].eq(False).fillna(False).astype(bool)).to_numpy(dtype=bool)
    if not mask.any():
        return NO_HITS
    sel = ctx.lines.loc[mask, ["paid_cents"]]
    evidence = "note present but not signed; paid " + usd(sel["paid_cents"]).to_numpy()
    return hits(sel.index, sel["paid_cents"], evidence)
