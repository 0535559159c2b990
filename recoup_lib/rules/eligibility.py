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
    line = np.flatnonzero(ctx.is_paid.to_numpy())
    pair = ctx.patient_payer(*(lines[name].to_numpy()[line] for name in ("_patient", "_payer")))
    date = lines["service_date"].to_numpy()[line]
    cov = ctx.coverage
    spans = pd.DataFrame({"_pair": ctx.patient_payer(ctx.key("patient", cov["patient_id"]),
                                                     ctx.key("payer", cov["payer_id"])),
                          "effective_date": cov["effective_date"].to_numpy(),
                          "termination_date": cov["termination_date"].to_numpy()})
    found = _spans_of(pair, spans["_pair"].to_numpy())
    if found is None:
        covered_paid, near = _covered_by_merge(line, pair, date, spans)
    else:
        covered_paid = _covered(found, date, spans)
        near = _listed_spans(found, ~covered_paid, line, spans)
    lapsed = line[~covered_paid]
    if not len(lapsed):
        return NO_HITS
    sel = lines.loc[lapsed, ["payer_id", "service_date", "paid_cents"]]
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


#: The most coverage rows of one (patient, payer) pair compared one by one (else the tables are merged).
_SPANS_SCANNED = 8
#: Pairs are counted in a table when its slots number at most this many per line and coverage row.
_PAIR_TABLE_PER_ROW = 4


def _spans_of(pair: np.ndarray, span_pair: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Where each line's (patient, payer) rows of coverage are: the coverage rows in pair order (file
    order within a pair), and each line's first position among them and count; None when some pair
    has more than :data:`_SPANS_SCANNED` rows (the tables are then merged).

    Pairs are matched as a merge on ``_pair`` matches them, -1 (an unknown patient or payer) included.
    """
    order = np.argsort(span_pair, kind="stable")
    size = max(int(span_pair.max(initial=-1)), int(pair.max(initial=-1))) + 2
    if size <= _PAIR_TABLE_PER_ROW * (len(pair) + len(span_pair)) + 1024:
        # Pair keys are small whole numbers: each pair's rows counted in a table (-1 in slot 0).
        counts = np.bincount(span_pair + 1, minlength=size)
        starts = np.cumsum(counts)
        starts -= counts
        slot = pair + 1
        first, count = starts[slot], counts[slot]
    else:
        ordered = span_pair[order]
        first = np.searchsorted(ordered, pair, side="left")
        count = np.searchsorted(ordered, pair, side="right") - first
    if len(count) and count.max() > _SPANS_SCANNED:
        return None
    return order, first, count


def _covered(found: tuple, date: np.ndarray, spans: pd.DataFrame) -> np.ndarray:
    """Whether a row of ``spans`` (found by :func:`_spans_of`) covers each line's date: effective on
    or before it, and open-ended or ending on or after it."""
    order, first, count = found
    effective = spans["effective_date"].to_numpy()
    ending = spans["termination_date"].to_numpy()
    most = int(count.max()) if len(count) else 0
    if not most:
        return np.zeros(len(date), dtype=bool)
    # Every line's first span at once (a line without one looks at row 0 and is not covered), then
    # the later spans of the few lines with more.
    has = count > 0
    row = order[np.where(has, first, 0)]
    end = ending[row]
    covered = has & (effective[row] <= date) & (np.isnat(end) | (end >= date))
    lines = np.flatnonzero(count > 1)
    for k in range(1, most):
        lines = lines[count[lines] > k]
        row = order[first[lines] + k]
        end = ending[row]
        on = date[lines]
        covered[lines] |= (effective[row] <= on) & (np.isnat(end) | (end >= on))
    return covered


def _listed_spans(found: tuple, wanted: np.ndarray, line: np.ndarray, spans: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``spans`` of the ``wanted`` lines (each line's in file order), with an effective
    date: ``_line``, ``effective_date``, ``termination_date``."""
    order, first, count = found
    count = np.where(wanted, count, 0)
    at = np.repeat(first - np.r_[0, np.cumsum(count)[:-1]], count) + np.arange(int(count.sum()))
    rows = order[at]
    near = pd.DataFrame({"_line": np.repeat(line, count),
                         "effective_date": spans["effective_date"].to_numpy()[rows],
                         "termination_date": spans["termination_date"].to_numpy()[rows]})
    return near.loc[near["effective_date"].notna()]


def _covered_by_merge(line: np.ndarray, pair: np.ndarray, date: np.ndarray,
                      spans: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """:func:`_covered` and :func:`_listed_spans` (of the lines not covered) by a merge of the tables."""
    paid = pd.DataFrame({"_line": line, "_pair": pair, "service_date": date})
    joined = paid.merge(spans, on="_pair", how="left")
    date = joined["service_date"]
    holds = ((joined["effective_date"] <= date)
             & (joined["termination_date"].isna() | (joined["termination_date"] >= date)))
    holds = (holds & joined["effective_date"].notna()).to_numpy()
    covered = np.zeros(int(line.max()) + 1 if len(line) else 0, dtype=bool)
    covered[joined["_line"].to_numpy()[holds]] = True
    covered_paid = covered[line]
    near = joined.loc[joined["_line"].isin(line[~covered_paid]) & joined["effective_date"].notna()]
    return covered_paid, near[["_line", "effective_date", "termination_date"]]
