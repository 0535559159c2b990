"""Prevention metrics a revenue-cycle manager tracks, as pure functions over DataFrames.

Every metric function returns rows of one table (:data:`METRIC_COLUMNS`),
so the dashboard is the concatenation of their answers. This module holds
that table: how a row is made (:func:`metric_row`), how a metric is switched
off (:func:`switched_off`), read back (:func:`metric_value`) and written
(:func:`metrics_text`). The metrics themselves live by subject: claims
(:mod:`._claim_metrics`), money taken back or at risk
(:mod:`._money_metrics`), notices and appeals (:mod:`._appeal_metrics`), and
month by month (:mod:`._trend`). A metric whose input is
missing is still returned, switched off: ``available`` is False and ``note``
says what to add -- the same way the audit switches off a rule.

Published definitions (docs/sources.md §9.1) and the kit's own:

=============================  ===========================================  ===========
metric                         formula                                      definition
=============================  ===========================================  ===========
clean_claim_rate               clean claims / claims submitted              kit proxy
                               (clean: every line adjudicated, no line      for HFMA
                               denied, no audit finding on the claim)
denial_rate_claims / _lines    denied (claims / lines) / submitted          MGMA-style
denial_rate_dollars            charges of denied lines / charges submitted  MGMA-style
recoupment_dollars, _rate      money taken back / gross money paid          kit-defined
exposure_rate, money_at_risk   audit at-risk (each line capped at paid)     kit-defined
                               / net money paid on the audited lines
appeal_overturn_rate[level]    won fully or partly / decided, per level     docs/sources.md §9.1
days_notice_to_response        response date - notice date (calendar days)  kit-defined
=============================  ===========================================  ===========

Money stays integer cents: a money metric carries its amount in
``numerator`` (cents) and leaves ``value`` empty, so no float ever holds
dollars; :func:`metrics_text` writes dollars for people.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..folder import to_text_frame
from ..money import format_cents

__all__ = [
    "METRIC_COLUMNS",
    "metric_frame",
    "metric_row",
    "switched_off",
    "require_columns",
    "clean_text",
    "metric_value",
    "off_reasons",
    "metrics_text",
]

#: Columns of every metrics table, in order.
METRIC_COLUMNS = ["metric", "label", "value", "numerator", "denominator", "unit", "basis", "source",
                  "available", "note"]


def metric_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows made by :func:`metric_row` as a metrics table, with its column types."""
    out = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    return out.astype({"metric": "str", "label": "str", "value": "Float64", "numerator": "Int64",
                       "denominator": "Int64", "unit": "str", "basis": "str", "source": "str",
                       "available": "bool", "note": "str"})


def metric_row(metric: str, label: str, unit: str, *, numerator=None, denominator=None, value=None,
               basis: str = "", source: str = "", note: str = "") -> dict:
    """One metric row; a percent's value is computed from its parts (empty when nothing to divide by)."""
    if unit == "percent" and value is None and numerator is not None and denominator:
        value = 100.0 * int(numerator) / int(denominator)
    if unit == "percent" and not denominator:
        note = (note + " " if note else "") + "Nothing to divide by (denominator 0)."
    return {"metric": metric, "label": label, "value": value,
            "numerator": None if numerator is None else int(numerator),
            "denominator": None if denominator is None else int(denominator),
            "unit": unit, "basis": basis, "source": source, "available": True, "note": note}


def switched_off(metrics, reason: str, source: str = "") -> pd.DataFrame:
    """Rows for metrics that cannot be computed, each saying why.

    Parameters
    ----------
    metrics : iterable of (metric, label, unit)
    reason : str
        What is missing and how to provide it.
    source : str, optional

    Returns
    -------
    pandas.DataFrame
        :data:`METRIC_COLUMNS`, ``available`` False, value and parts empty.
    """
    rows = [{"metric": m, "label": label, "value": None, "numerator": None, "denominator": None,
             "unit": unit, "basis": "", "source": source, "available": False, "note": reason}
            for m, label, unit in metrics]
    return metric_frame(rows)


def require_columns(frame: pd.DataFrame, columns, name: str) -> None:
    """Raise ``ValueError`` naming the columns ``frame`` (called ``name``) lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column{'s' if len(missing) > 1 else ''} "
                         + ", ".join(repr(c) for c in missing))


def clean_text(series: pd.Series) -> pd.Series:
    """Values as stripped text (blank for missing)."""
    return series.astype("str").fillna("").str.strip()


def metric_value(metrics: pd.DataFrame, metric: str):
    """The value of one metric: int cents for money, float for a rate or days, int for a count.

    Returns ``None`` when the metric is switched off or has no value.

    Examples
    --------
    >>> import pandas as pd
    >>> from recoup_lib.report import money_at_risk
    >>> m = money_at_risk(None, pd.DataFrame({"paid_cents": []}))
    >>> metric_value(m, "money_at_risk") is None
    True
    """
    row = metrics.loc[metrics["metric"] == metric]
    if not len(row):
        raise KeyError(f"no metric {metric!r}; known: {', '.join(metrics['metric'])}")
    row = row.iloc[0]
    if not row["available"]:
        return None
    if row["unit"] in ("dollars", "count"):
        return None if pd.isna(row["numerator"]) else int(row["numerator"])
    return None if pd.isna(row["value"]) else float(row["value"])


def off_reasons(metrics: pd.DataFrame) -> list[tuple[str, str]]:
    """The switched-off metrics grouped by reason: [(labels joined by ", ", reason), ...] in table order."""
    off = metrics.loc[~metrics["available"]]
    groups: dict[str, list[str]] = {}
    for label, note in zip(off["label"], off["note"]):
        groups.setdefault(note, []).append(label)
    return [(", ".join(labels), note) for note, labels in groups.items()]


def _number_text(values: pd.Series, decimals: int) -> pd.Series:
    return pd.Series([("" if pd.isna(v) else f"{float(v):.{decimals}f}") for v in values], index=values.index,
                     dtype="str")


def metrics_text(metrics: pd.DataFrame) -> pd.DataFrame:
    """The metrics as text for metrics.csv: metric, value, numerator, denominator, unit, note, ...

    Money is written in dollars (``value`` of a money metric is its amount);
    percents and days with two decimals; counts as whole numbers; a metric
    that is switched off has a blank value and its reason in ``note``.
    """
    m = metrics.reset_index(drop=True)
    money_parts = m["basis"] == "cents"
    numerator = pd.Series(np.where(money_parts, format_cents(m["numerator"]).fillna(""),
                                   m["numerator"].astype("str").fillna("")), dtype="str")
    denominator = pd.Series(np.where(money_parts, format_cents(m["denominator"]).fillna(""),
                                     m["denominator"].astype("str").fillna("")), dtype="str")
    value = _number_text(m["value"], 2)
    value = value.where(m["unit"] != "dollars", numerator)
    value = value.where(m["unit"] != "count", m["numerator"].astype("str").fillna(""))
    value = value.where(m["available"], "")
    out = pd.DataFrame({"metric": m["metric"], "value": value, "numerator": numerator.replace("<NA>", ""),
                        "denominator": denominator.replace("<NA>", ""), "unit": m["unit"], "note": m["note"],
                        "label": m["label"], "basis": m["basis"], "source": m["source"],
                        "available": np.where(m["available"], "true", "false")})
    return to_text_frame(out.astype("str"))
