"""Prevention metrics a revenue-cycle manager tracks, as pure functions over DataFrames.

Every function returns rows of one table (:data:`METRIC_COLUMNS`), so the
dashboard is the concatenation of their answers. A metric whose input is
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
from ..rules import CATEGORIES, CATEGORY_LABELS, capped_findings

__all__ = [
    "METRIC_COLUMNS",
    "OUTCOMES",
    "WON_OUTCOMES",
    "DECIDED_OUTCOMES",
    "RESPONSE_DATE_COLUMNS",
    "AGING_BUCKETS",
    "CLOSED_STATUSES",
    "line_status",
    "volume",
    "clean_claim_rate",
    "denial_rate",
    "recoupment_rate",
    "payment_reversals",
    "money_at_risk",
    "appeal_overturn_rate",
    "notice_amounts",
    "notice_response_days",
    "notice_aging",
    "trend_by_month",
    "switched_off",
    "off_reasons",
    "metrics_text",
    "metric_value",
]

#: Columns of every metrics table, in order.
METRIC_COLUMNS = ["metric", "label", "value", "numerator", "denominator", "unit", "basis", "source",
                  "available", "note"]

#: Appeal outcomes the kit reads (appeal_outcomes.csv ``outcome``, or a notices.csv ``outcome`` column).
OUTCOMES = ("favorable", "partially_favorable", "unfavorable", "dismissed", "withdrawn", "pending")
#: Outcomes that count as an overturn: the appellant won fully or in part.
WON_OUTCOMES = ("favorable", "partially_favorable")
#: Outcomes that count as decided (withdrawn and pending appeals are not).
DECIDED_OUTCOMES = ("favorable", "partially_favorable", "unfavorable", "dismissed")
#: Columns of notices.csv (passed through to the decisions) read as the date the office responded.
RESPONSE_DATE_COLUMNS = ("response_date", "filed_date", "appeal_filed_date")
#: Aging buckets of open notices: (label, first day, last day) of days since the notice date.
AGING_BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))
#: Values of an optional ``status`` column that close a notice (as the appeal worklist reads it).
CLOSED_STATUSES = ("closed", "resolved", "paid", "withdrawn", "done")

_KEY = ["claim_id", "line_no"]


def _frame(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    return out.astype({"metric": "str", "label": "str", "value": "Float64", "numerator": "Int64",
                       "denominator": "Int64", "unit": "str", "basis": "str", "source": "str",
                       "available": "bool", "note": "str"})


def _row(metric: str, label: str, unit: str, *, numerator=None, denominator=None, value=None,
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
    return _frame(rows)


def _require(frame: pd.DataFrame, columns, name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column{'s' if len(missing) > 1 else ''} "
                         + ", ".join(repr(c) for c in missing))


def _text(series: pd.Series) -> pd.Series:
    return series.astype("str").fillna("").str.strip()


def line_status(lines: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """Each claim line with what its payments say: adjudicated, paid, denied.

    Parameters
    ----------
    lines : pandas.DataFrame
        claim_id, line_no, and optionally service_date and charge_cents
        (claim_lines.csv as read). Columns this function computes are
        replaced if present.
    payments : pandas.DataFrame
        claim_id, line_no, paid_cents, and optionally allowed_cents and
        denial_code (payments.csv as read, e.g. ``CO-16``).

    Returns
    -------
    pandas.DataFrame
        One row per line, in input order: claim_id, line_no (and
        service_date, charge_cents when given), n_payments, paid_cents,
        allowed_cents (sum of the payments' allowed; 0 when none is known),
        denied (bool), denial_codes (the line's codes, ``;``-joined).

    Notes
    -----
    A payment row is a denial when it carries a denial code, or pays 0 with
    0 allowed (an adjudication that allowed nothing). A line is denied when
    any of its payment rows is, even if a later payment paid it after a
    resubmission: the first pass was still denied. A payment with 0 paid
    but an allowed amount (applied to the deductible) is not a denial.
    """
    _require(lines, _KEY, "lines")
    _require(payments, [*_KEY, "paid_cents"], "payments")
    keep = [c for c in (*_KEY, "service_date", "charge_cents") if c in lines.columns]
    out = lines[keep].reset_index(drop=True)
    pay = payments[_KEY].copy()
    pay["paid_cents"] = payments["paid_cents"].astype("int64").to_numpy()
    allowed = (payments["allowed_cents"] if "allowed_cents" in payments.columns
               else pd.Series(pd.NA, index=payments.index, dtype="Int64"))
    pay["allowed_cents"] = allowed.astype("Int64").fillna(0).astype("int64").to_numpy()
    zero = (payments["paid_cents"].to_numpy() == 0) & (allowed.astype("Int64") == 0).fillna(False).to_numpy()
    codes = (_text(payments["denial_code"]) if "denial_code" in payments.columns
             else pd.Series("", index=payments.index, dtype="str"))
    pay["denied"] = (codes.to_numpy() != "") | zero
    pay["code"] = codes.to_numpy()
    grouped = pay.groupby(_KEY, sort=False)
    agg = pd.DataFrame({
        "n_payments": grouped.size(),
        "paid_cents": grouped["paid_cents"].sum(),
        "allowed_cents": grouped["allowed_cents"].sum(),
        "denied": grouped["denied"].any(),
    }).reset_index()
    coded = pay.loc[pay["code"] != ""]
    if len(coded):
        joined = (coded.drop_duplicates([*_KEY, "code"]).groupby(_KEY, sort=False)["code"]
                  .agg(";".join).rename("denial_codes").reset_index())
        agg = agg.merge(joined, on=_KEY, how="left")
    else:
        agg["denial_codes"] = ""
    out = out.merge(agg, on=_KEY, how="left")
    out["n_payments"] = out["n_payments"].fillna(0).astype("int64")
    out["paid_cents"] = out["paid_cents"].fillna(0).astype("int64")
    out["allowed_cents"] = out["allowed_cents"].fillna(0).astype("int64")
    out["denied"] = out["denied"].astype("boolean").fillna(False).astype(bool)
    out["denial_codes"] = out["denial_codes"].astype("str").fillna("")
    return out


def volume(lines: pd.DataFrame, payments: pd.DataFrame, source: str = "claim_lines.csv, payments.csv"
           ) -> pd.DataFrame:
    """How much was billed and paid: the denominators the rates divide by.

    Parameters
    ----------
    lines : pandas.DataFrame
        claim_id, line_no, optionally charge_cents.
    payments : pandas.DataFrame
        paid_cents.

    Returns
    -------
    pandas.DataFrame
        :data:`METRIC_COLUMNS` rows claims_submitted, lines_submitted,
        charges_dollars (when charges are known), paid_dollars (gross: the
        positive payments) and paid_net_dollars (reversals included).
    """
    rows = [
        _row("claims_submitted", "Claims submitted", "count", numerator=lines["claim_id"].nunique(),
             basis="claims", source=source, note="Distinct claim_id in claim_lines.csv."),
        _row("lines_submitted", "Claim lines submitted", "count", numerator=len(lines), basis="lines",
             source=source, note="Rows of claim_lines.csv used by the audit."),
    ]
    if "charge_cents" in lines.columns:
        rows.append(_row("charges_dollars", "Charges billed", "dollars",
                         numerator=int(lines["charge_cents"].astype("int64").sum()), basis="cents",
                         source=source, note="Sum of charge over the claim lines."))
    paid = payments["paid_cents"].astype("int64")
    rows.append(_row("paid_dollars", "Money paid (gross)", "dollars", numerator=int(paid[paid > 0].sum()),
                     basis="cents", source=source, note="Sum of the positive payments in payments.csv."))
    rows.append(_row("paid_net_dollars", "Money paid (net of reversals)", "dollars",
                     numerator=int(paid.sum()), basis="cents", source=source,
                     note="Sum of every payment in payments.csv, negative reversals included."))
    return _frame(rows)


def clean_claim_rate(lines: pd.DataFrame, payments: pd.DataFrame, findings: pd.DataFrame | None,
                     source: str = "claim_lines.csv, payments.csv, audit findings") -> pd.DataFrame:
    """Clean claim rate: claims that went through without a problem / claims submitted.

    Parameters
    ----------
    lines : pandas.DataFrame
        claim_id, line_no (claim_lines.csv).
    payments : pandas.DataFrame
        claim_id, line_no, paid_cents, allowed_cents, optionally denial_code.
    findings : pandas.DataFrame or None
        The audit's findings (claim_id). ``None`` switches the metric off.

    Returns
    -------
    pandas.DataFrame
        One row, ``clean_claim_rate`` (percent; numerator clean claims,
        denominator claims submitted). The note counts the claims that were
        not clean, by reason.

    Notes
    -----
    HFMA's MAP Keys define the clean claim rate as claims that pass all
    edits with no manual intervention / claims submitted (docs/sources.md §9.1;
    benchmark >= 95%). A claims export does not record manual touches, so
    the kit uses an operational proxy: a claim is clean when every line was
    adjudicated (has a payment row), no line was denied (see
    :func:`line_status`), and the audit found nothing on any of its lines.
    A line paid 0 because the allowed amount went to the deductible is
    clean. Medicare's "clean claim" (no further information needed) is a
    different notion.

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"claim_id": ["A", "B", "B"], "line_no": [1, 1, 2]})
    >>> pay = pd.DataFrame({"claim_id": ["A", "B"], "line_no": [1, 1], "paid_cents": [100, 100],
    ...                     "allowed_cents": [100, 100]})
    >>> row = clean_claim_rate(lines, pay, lines.iloc[0:0]).iloc[0]
    >>> int(row["numerator"]), int(row["denominator"]), float(row["value"])
    (1, 2, 50.0)
    """
    label = "Clean claim rate"
    if findings is None:
        return switched_off([("clean_claim_rate", label, "percent")],
                            "No audit findings: the clean claim rate needs the audit.", source)
    status = line_status(lines, payments)
    claims = status["claim_id"].drop_duplicates()
    unpaid = set(status.loc[status["n_payments"] == 0, "claim_id"])
    denied = set(status.loc[status["denied"], "claim_id"])
    flagged = set(findings["claim_id"].astype("str")) & set(claims)
    not_clean = unpaid | denied | flagged
    clean = len(claims) - len(not_clean)
    note = ("Kit proxy for HFMA's 'no manual intervention': every line adjudicated, none denied, no "
            f"audit finding. Not clean: {len(not_clean)} claims ({len(unpaid)} with a line not yet "
            f"adjudicated, {len(denied)} with a denied line, {len(flagged)} with a finding).")
    return _frame([_row("clean_claim_rate", label, "percent", numerator=clean, denominator=len(claims),
                        basis="claims", source=source, note=note)])


def denial_rate(lines: pd.DataFrame, payments: pd.DataFrame,
                source: str = "claim_lines.csv, payments.csv") -> pd.DataFrame:
    """Denial rate by claims, by lines and by charged dollars.

    Parameters
    ----------
    lines : pandas.DataFrame
        claim_id, line_no, optionally charge_cents.
    payments : pandas.DataFrame
        claim_id, line_no, paid_cents, allowed_cents, optionally denial_code.

    Returns
    -------
    pandas.DataFrame
        Rows denial_rate_claims (claims with a denied line / claims
        submitted), denial_rate_lines (denied lines / lines submitted) and
        denial_rate_dollars (charges of denied lines / charges submitted;
        switched off without charges), all percent.

    Notes
    -----
    docs/sources.md §9.1: denied claims (count or dollars) / submitted claims on the
    same basis; 5-10% is typical and under 5% good (MGMA, secondary). A line
    is denied as :func:`line_status` says (a denial code, or 0 paid with 0
    allowed). A claim counts as denied when any of its lines is (partial
    denials included).

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"claim_id": ["A", "A"], "line_no": [1, 2], "charge_cents": [300, 100]})
    >>> pay = pd.DataFrame({"claim_id": ["A", "A"], "line_no": [1, 2], "paid_cents": [250, 0],
    ...                     "allowed_cents": [250, 0], "denial_code": ["", "CO-16"]})
    >>> denial_rate(lines, pay)[["metric", "value"]].to_dict("list")["value"]
    [100.0, 50.0, 25.0]
    """
    status = line_status(lines, payments)
    coded = "denial_code" in payments.columns
    how = ("a denial code or 0 paid with 0 allowed" if coded else
           "0 paid with 0 allowed (payments.csv has no denial_code column, so coded denials that "
           "allowed an amount are not seen)")
    denied_claims = status.loc[status["denied"], "claim_id"].nunique()
    rows = [
        _row("denial_rate_claims", "Denial rate (claims)", "percent", numerator=denied_claims,
             denominator=status["claim_id"].nunique(), basis="claims", source=source,
             note=f"Claims with at least one denied line / claims submitted; denied means {how}."),
        _row("denial_rate_lines", "Denial rate (lines)", "percent", numerator=int(status["denied"].sum()),
             denominator=len(status), basis="lines", source=source,
             note=f"Denied lines / lines submitted; denied means {how}."),
    ]
    out = _frame(rows)
    if "charge_cents" in status.columns:
        charge = status["charge_cents"].astype("int64")
        dollars = _frame([_row("denial_rate_dollars", "Denial rate (charged dollars)", "percent",
                               numerator=int(charge[status["denied"]].sum()), denominator=int(charge.sum()),
                               basis="cents", source=source,
                               note="Charges of denied lines / charges submitted.")])
    else:
        dollars = switched_off([("denial_rate_dollars", "Denial rate (charged dollars)", "percent")],
                               "claim_lines has no charge column.", source)
    return pd.concat([out, dollars], ignore_index=True)


def _in_period(dates: pd.Series, start, end) -> np.ndarray:
    keep = np.ones(len(dates), dtype=bool)
    values = pd.to_datetime(dates)
    if start is not None:
        keep &= (values >= pd.Timestamp(start)).fillna(False).to_numpy(dtype=bool)
    if end is not None:
        keep &= (values <= pd.Timestamp(end)).fillna(False).to_numpy(dtype=bool)
    return keep


_RECOUPMENT_METRICS = [("recoupment_dollars", "Money recouped", "dollars"),
                       ("recoupment_count", "Recoupments", "count"),
                       ("recoupment_rate", "Recoupment rate", "percent")]


def recoupment_rate(recoupments: pd.DataFrame | None, payments: pd.DataFrame, start=None, end=None,
                    source: str = "recoupments", reason: str | None = None) -> pd.DataFrame:
    """Money taken back, and its share of the money paid in the period.

    Parameters
    ----------
    recoupments : pandas.DataFrame or None
        The contract's recoupments columns (file, trace_number,
        payment_date, claim_id, amount_cents, mechanism, reason_code,
        reference): from ``recoup remit`` / :func:`recoup_lib.remit.read_835`
        or a recoupments.csv. ``None`` switches the metrics off.
    payments : pandas.DataFrame
        payment_date, paid_cents (payments.csv).
    start, end : date-like, optional
        Count only recoupments and payments dated in [start, end].
    source : str
        Where the recoupments came from (said in the rows).
    reason : str, optional
        Why there are none, when ``recoupments`` is None.

    Returns
    -------
    pandas.DataFrame
        recoupment_dollars, recoupment_count, recoupment_rate (recouped /
        gross paid, percent), then ``recoupment_dollars[<mechanism>]`` for
        each mechanism present (reversal, offset).

    Notes
    -----
    Kit-defined (docs/sources.md §9.1; no public benchmark): recouped dollars --
    reversal net amounts plus PLB WO/FB recoveries (docs/sources.md §5.2-5.3) -- over
    the dollars paid in the period. The denominator is the gross of the
    positive payments, because reversals appear as negative payments and
    are the numerator's own money.

    Examples
    --------
    >>> import pandas as pd
    >>> rec = pd.DataFrame({"payment_date": pd.to_datetime(["2025-03-14"]), "amount_cents": [6000],
    ...                     "mechanism": ["reversal"]})
    >>> pay = pd.DataFrame({"payment_date": pd.to_datetime(["2025-03-01", "2025-03-14"]),
    ...                     "paid_cents": [15000, -6000]})
    >>> metric_value(recoupment_rate(rec, pay), "recoupment_rate")
    40.0
    """
    if recoupments is None:
        return switched_off(_RECOUPMENT_METRICS, reason or "No remittance data: add a remits/ folder of "
                            ".835 files or a recoupments.csv. The audit's exposure is shown instead.",
                            source)
    _require(recoupments, ["payment_date", "amount_cents"], "recoupments")
    _require(payments, ["payment_date", "paid_cents"], "payments")
    rec = recoupments.loc[_in_period(recoupments["payment_date"], start, end)]
    pay = payments.loc[_in_period(payments["payment_date"], start, end), "paid_cents"].astype("int64")
    gross = int(pay[pay > 0].sum())
    amount = rec["amount_cents"].astype("int64")
    total = int(amount.sum())
    dates = pd.to_datetime(rec["payment_date"])
    span = (f" Dated {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}." if len(rec) and dates.notna().any()
            else "")
    rows = [
        _row("recoupment_dollars", "Money recouped", "dollars", numerator=total, basis="cents", source=source,
             note="Money taken back: reversals and PLB WO/FB offsets." + span),
        _row("recoupment_count", "Recoupments", "count", numerator=len(rec), basis="recoupments",
             source=source, note="Rows of the recoupments table."),
        _row("recoupment_rate", "Recoupment rate", "percent", numerator=total, denominator=gross, basis="cents",
             source=f"{source}; payments.csv",
             note="Money taken back / gross money paid (positive payments in payments.csv) in the period; "
                  "kit-defined, no public benchmark."),
    ]
    if "mechanism" in rec.columns:
        mech = _text(rec["mechanism"]).replace("", "unspecified")
        for name, cents in amount.groupby(mech.to_numpy(), sort=True).sum().items():
            rows.append(_row(f"recoupment_dollars[{name}]", f"Money recouped by {name}", "dollars",
                             numerator=int(cents), basis="cents", source=source,
                             note=f"Recoupments with mechanism {name}."))
    return _frame(rows)


def payment_reversals(payments: pd.DataFrame, source: str = "payments.csv") -> pd.DataFrame:
    """Reversals posted in payments.csv: the take-backs the practice system already shows.

    Parameters
    ----------
    payments : pandas.DataFrame
        paid_cents.

    Returns
    -------
    pandas.DataFrame
        reversals_posted_dollars (the negative payments, as a positive
        amount) and reversals_posted_rate (that / gross paid, percent).

    Notes
    -----
    Kit-defined. A negative payment is a reversal posted to the line; PLB
    offsets taken from other claims' payments do not appear in payments.csv,
    so this understates recoupments when no remittance data is given.
    """
    paid = payments["paid_cents"].astype("int64")
    taken = int(-paid[paid < 0].sum())
    gross = int(paid[paid > 0].sum())
    note = f"{int((paid < 0).sum())} negative payments in payments.csv; offsets on other claims are not seen here."
    return _frame([
        _row("reversals_posted_dollars", "Reversals posted", "dollars", numerator=taken, basis="cents",
             source=source, note=note),
        _row("reversals_posted_rate", "Reversals posted / money paid", "percent", numerator=taken,
             denominator=gross, basis="cents", source=source, note="Reversals posted / gross money paid."),
    ])


def money_at_risk(findings: pd.DataFrame | None, lines: pd.DataFrame, source: str = "audit findings",
                  reason: str | None = None) -> pd.DataFrame:
    """Money at risk of recoupment, in total, as a share of paid, and by cause.

    Parameters
    ----------
    findings : pandas.DataFrame or None
        The audit's findings (claim_id, line_no, error_type, category,
        at_risk_cents, paid_cents).
    lines : pandas.DataFrame
        The audited lines with paid_cents (``AuditResult.lines``).

    Returns
    -------
    pandas.DataFrame
        money_at_risk (dollars), exposure_rate (percent of the net money
        paid on lines with something paid), then
        ``money_at_risk[<category>]`` for the five categories.

    Notes
    -----
    Kit-defined. Each line counts at most what was paid on it (the
    contract's cap, :func:`recoup_lib.rules.capped_findings`). Without
    remittance data this "exposure" stands in for the recoupment rate: it is
    what a payer could take back, not what it took.
    """
    names = [("money_at_risk", "Money at risk", "dollars"), ("exposure_rate", "Exposure rate", "percent")]
    names += [(f"money_at_risk[{c}]", f"At risk: {CATEGORY_LABELS[c]}", "dollars") for c in CATEGORIES]
    if findings is None:
        return switched_off(names, reason or "No audit findings.", source)
    capped = capped_findings(findings)
    total = int(capped["at_risk_capped_cents"].sum())
    paid = lines["paid_cents"].astype("int64")
    rows = [
        _row("money_at_risk", "Money at risk", "dollars", numerator=total, basis="cents", source=source,
             note="Audit at-risk, each line capped at what was paid on it."),
        _row("exposure_rate", "Exposure rate", "percent", numerator=total, denominator=int(paid[paid > 0].sum()),
             basis="cents", source=f"{source}; payments.csv",
             note="Money at risk / net money paid on the lines with something paid; what a payer could "
                  "take back, not what it took."),
    ]
    by = capped.groupby("category")["at_risk_capped_cents"].sum()
    for category in CATEGORIES:
        rows.append(_row(f"money_at_risk[{category}]", f"At risk: {CATEGORY_LABELS[category]}", "dollars",
                         numerator=int(by.get(category, 0)), basis="cents", source=source,
                         note=f"Category {category}, capped per line."))
    return _frame(rows)


def appeal_overturn_rate(outcomes: pd.DataFrame | None, source: str = "appeal outcomes",
                         reason: str | None = None) -> pd.DataFrame:
    """Appeal overturn rate: appeals won fully or partly / appeals decided, overall and per level.

    Parameters
    ----------
    outcomes : pandas.DataFrame or None
        notice_id, level (e.g. Redetermination), outcome (one of
        :data:`OUTCOMES`; blank is pending).

    Returns
    -------
    pandas.DataFrame
        appeal_overturn_rate (all levels) and
        ``appeal_overturn_rate[<level>]`` per level, in order of first
        appearance; percent, numerator won, denominator decided.

    Notes
    -----
    docs/sources.md §9.1-9.2: decided fully or partly in the appellant's favour /
    decided, per level (public Medicare figures: about 11% at
    redetermination for RAC appeals in 2012, 18-56% at ALJ depending on the
    year). Decided means favorable, partially favorable, unfavorable or
    dismissed; withdrawn and pending appeals are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"notice_id": ["N1", "N2", "N3"], "level": ["Redetermination"] * 3,
    ...                   "outcome": ["favorable", "unfavorable", "pending"]})
    >>> appeal_overturn_rate(o)["value"].tolist()
    [50.0, 50.0]
    """
    label = "Appeal overturn rate"
    if outcomes is None:
        return switched_off([("appeal_overturn_rate", label, "percent")], reason or (
            "No appeal outcomes: add appeal_outcomes.csv (notice_id, level, outcome) or an outcome column "
            "to notices.csv."), source)
    _require(outcomes, ["level", "outcome"], "outcomes")
    outcome = _text(outcomes["outcome"]).str.lower().replace("", "pending")
    level = _text(outcomes["level"])
    decided = outcome.isin(DECIDED_OUTCOMES).to_numpy()
    won = outcome.isin(WON_OUTCOMES).to_numpy()
    pending = int((~decided).sum())
    rows = [_row("appeal_overturn_rate", label, "percent", numerator=int(won.sum()),
                 denominator=int(decided.sum()), basis="appeals", source=source,
                 note=f"Won fully or partly / decided, all levels; {pending} pending or withdrawn left out.")]
    for name in pd.unique(level):
        at = (level == name).to_numpy()
        rows.append(_row(f"appeal_overturn_rate[{name}]", f"{label}: {name}", "percent",
                         numerator=int((won & at).sum()), denominator=int((decided & at).sum()),
                         basis="appeals", source=source, note=f"Level {name}: won fully or partly / decided."))
    return _frame(rows)


def notice_amounts(decisions: pd.DataFrame | None, source: str = "notices.csv, decisions",
                   reason: str | None = None) -> pd.DataFrame:
    """What the payers' notices ask, and how much of it the audit agrees with.

    Parameters
    ----------
    decisions : pandas.DataFrame or None
        :func:`recoup_lib.appeals.decide` output (amount_cents,
        agreed_amount_cents, disputed_amount_cents, recommendation).

    Returns
    -------
    pandas.DataFrame
        notices_received (count), notice_dollars, agreed_dollars,
        disputed_dollars, appeal_recommended_rate (notices recommended
        ``appeal`` or ``partial`` / notices).
    """
    names = [("notices_received", "Recoupment notices", "count"),
             ("notice_dollars", "Money asked by notices", "dollars"),
             ("agreed_dollars", "Money the audit supports", "dollars"),
             ("disputed_dollars", "Money disputed", "dollars"),
             ("appeal_recommended_rate", "Notices to appeal (fully or partly)", "percent")]
    if decisions is None:
        return switched_off(names, reason or "No notices: add notices.csv and payers.csv to the folder.", source)
    amount = decisions["amount_cents"].astype("int64")
    appeal = decisions["recommendation"].isin(["appeal", "partial"])
    return _frame([
        _row("notices_received", "Recoupment notices", "count", numerator=len(decisions), basis="notices",
             source=source, note="Usable rows of notices.csv."),
        _row("notice_dollars", "Money asked by notices", "dollars", numerator=int(amount.sum()), basis="cents",
             source=source, note="Sum of the notices' amounts."),
        _row("agreed_dollars", "Money the audit supports", "dollars",
             numerator=int(decisions["agreed_amount_cents"].astype("int64").sum()), basis="cents",
             source=source, note="Agreed amounts of the decisions (accept and partial)."),
        _row("disputed_dollars", "Money disputed", "dollars",
             numerator=int(decisions["disputed_amount_cents"].astype("int64").sum()), basis="cents",
             source=source, note="Disputed amounts of the decisions (appeal and partial)."),
        _row("appeal_recommended_rate", "Notices to appeal (fully or partly)", "percent",
             numerator=int(appeal.sum()), denominator=len(decisions), basis="notices", source=source,
             note="Notices recommended appeal or partial / notices."),
    ])


def _response_dates(notices: pd.DataFrame, outcomes: pd.DataFrame | None) -> tuple[pd.Series | None, str, int]:
    """(response date per notice, where from, how many written dates could not be read)."""
    for column in RESPONSE_DATE_COLUMNS:
        if column not in notices.columns:
            continue
        values = notices[column]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            dates, unreadable = values, 0
        else:
            text = _text(values)
            dates = pd.to_datetime(text.where(text != "", None), format="%Y-%m-%d", errors="coerce")
            unreadable = int(((text != "") & dates.isna()).sum())
        if dates.notna().any():
            return dates, f"notices.csv {column}", unreadable
    if outcomes is not None and "filed_date" in outcomes.columns and "notice_id" in outcomes.columns:
        filed = outcomes.loc[outcomes["filed_date"].notna(), ["notice_id", "filed_date"]]
        if len(filed):
            first = filed.groupby("notice_id")["filed_date"].min()
            return pd.to_datetime(notices["notice_id"].map(first)), "appeal outcomes filed_date", 0
    return None, "", 0


def notice_response_days(notices: pd.DataFrame | None, outcomes: pd.DataFrame | None = None,
                         worklist: pd.DataFrame | None = None, source: str = "notices.csv",
                         reason: str | None = None) -> pd.DataFrame:
    """Days from a recoupment notice to the office's response (or, failing that, days left).

    Parameters
    ----------
    notices : pandas.DataFrame or None
        notice_id, notice_date, and optionally a response date column
        (:data:`RESPONSE_DATE_COLUMNS`); decisions carry these through.
    outcomes : pandas.DataFrame, optional
        notice_id, filed_date: the earliest filing per notice is its response.
    worklist : pandas.DataFrame, optional
        :func:`recoup_lib.appeals.worklist` output (days_left), used when no
        response date is known.

    Returns
    -------
    pandas.DataFrame
        With response dates: days_notice_to_response (mean; numerator total
        days, denominator notices answered) and
        days_notice_to_response_median. Without them, those two switched
        off, then worklist_days_left_median (open notices with a deadline
        ahead) and notices_past_deadline (count; denominator open notices).

    Notes
    -----
    Kit-defined. Calendar days from notice_date to the response date.
    Medicare stops the offset only for an appeal filed by day 30 and offsets
    from day 41 (docs/sources.md §1.1), so a mean above 30 days is a warning sign.
    """
    names = [("days_notice_to_response", "Days from notice to response (mean)", "days"),
             ("days_notice_to_response_median", "Days from notice to response (median)", "days")]
    if notices is None:
        return switched_off(names, reason or "No notices: add notices.csv and payers.csv to the folder.", source)
    dates, where, unreadable = _response_dates(notices, outcomes)
    if dates is not None:
        days = (dates - pd.to_datetime(notices["notice_date"])).dt.days
        answered = days.dropna().astype("int64")
        negative = int((answered < 0).sum())
        answered = answered[answered >= 0]
        why = [f"{negative} dated before the notice"] if negative else []
        why += [f"{unreadable} not a date written YYYY-MM-DD"] if unreadable else []
        note = (f"From {where}; {len(notices) - len(answered)} of {len(notices)} notices without a usable "
                "response date left out" + (f" (including {', '.join(why)})" if why else "") + ".")
        if not len(answered):
            return switched_off(names, "No notice has a usable response date. " + note, where)
        return _frame([
            _row(names[0][0], names[0][1], "days", value=float(answered.mean()), numerator=int(answered.sum()),
                 denominator=len(answered), basis="notices", source=where, note=note),
            _row(names[1][0], names[1][1], "days", value=float(answered.median()), denominator=len(answered),
                 basis="notices", source=where, note=note),
        ])
    off = switched_off(names, "No response dates: add response_date to notices.csv or filed_date to "
                       "appeal_outcomes.csv. The worklist's days left are shown instead.", source)
    if worklist is None:
        return off
    left = worklist["days_left"].dropna().astype("int64")
    ahead = left[left >= 0]
    rows = [
        _row("worklist_days_left_median", "Days left to the next deadline (median, open notices)", "days",
             value=float(ahead.median()) if len(ahead) else None, denominator=len(ahead), basis="notices",
             source="worklist", note="Open notices whose next deadline is still ahead."),
        _row("notices_past_deadline", "Open notices past every deadline", "count", numerator=int((left < 0).sum()),
             denominator=len(worklist), basis="notices", source="worklist",
             note="Open notices whose last deadline has passed / open notices."),
    ]
    return pd.concat([off, _frame(rows)], ignore_index=True)


def _open(notices: pd.DataFrame) -> pd.DataFrame:
    if "status" not in notices.columns:
        return notices
    closed = _text(notices["status"]).str.lower().isin(CLOSED_STATUSES)
    return notices.loc[~closed.to_numpy()]


def notice_aging(notices: pd.DataFrame, as_of) -> pd.DataFrame:
    """Open notices by age: 0-30, 31-60, 61-90 and 90+ days since the notice date.

    Parameters
    ----------
    notices : pandas.DataFrame
        notice_id, notice_date, amount_cents, optionally
        disputed_amount_cents and status (a value in
        :data:`CLOSED_STATUSES` closes a notice). Decisions work as they are.
    as_of : date-like

    Returns
    -------
    pandas.DataFrame
        bucket, notices, amount_cents (and disputed_cents when known); one
        row per bucket of :data:`AGING_BUCKETS`, empty buckets included.
        ``attrs["future"]`` counts notices dated after ``as_of`` (left out).

    Notes
    -----
    Age is ``as_of - notice_date`` in calendar days (0 on the notice date).
    Medicare milestones fall inside the first buckets: day 30 (stop the
    offset), day 41 (offset starts), day 125 (last day for redetermination).

    Examples
    --------
    >>> import pandas as pd
    >>> n = pd.DataFrame({"notice_id": ["a", "b"], "amount_cents": [100, 200],
    ...                   "notice_date": pd.to_datetime(["2025-01-01", "2025-03-01"])})
    >>> notice_aging(n, "2025-03-15")[["bucket", "notices"]].to_dict("list")
    {'bucket': ['0-30', '31-60', '61-90', '90+'], 'notices': [1, 0, 1, 0]}
    """
    frame = _open(notices)
    age = (pd.Timestamp(as_of) - pd.to_datetime(frame["notice_date"])).dt.days
    future = int((age < 0).sum())
    rows = []
    for label, low, high in AGING_BUCKETS:
        inside = (age >= low) & ((age <= high) if high is not None else True)
        inside = inside.fillna(False).to_numpy(dtype=bool)
        row = {"bucket": label, "notices": int(inside.sum()),
               "amount_cents": int(frame["amount_cents"].astype("int64").to_numpy()[inside].sum())}
        if "disputed_amount_cents" in frame.columns:
            row["disputed_cents"] = int(frame["disputed_amount_cents"].astype("int64").to_numpy()[inside].sum())
        rows.append(row)
    out = pd.DataFrame(rows).astype({"bucket": "str"})
    out.attrs["future"] = future
    return out


def _month(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.to_period("M").dt.to_timestamp().astype("datetime64[us]")


def trend_by_month(lines: pd.DataFrame, payments: pd.DataFrame, findings: pd.DataFrame | None = None,
                   recoupments: pd.DataFrame | None = None, notices: pd.DataFrame | None = None) -> pd.DataFrame:
    """Month by month: volume, denials, money at risk, money taken back, notices.

    Parameters
    ----------
    lines : pandas.DataFrame
        claim_id, line_no, service_date, optionally charge_cents.
    payments : pandas.DataFrame
        claim_id, line_no, payment_date, paid_cents, allowed_cents,
        optionally denial_code.
    findings, recoupments, notices : pandas.DataFrame, optional
        Their columns appear only when given.

    Returns
    -------
    pandas.DataFrame
        month (first day of the month), claims, lines, charges_cents,
        denied_lines, denial_rate_lines (percent, two decimals) -- by service month;
        paid_cents (gross positive payments, by payment month);
        at_risk_capped_cents (by service month); recouped_cents (by the
        recoupment's payment month); notices and notice_cents (by notice
        month). Every month from the first to the last is there; months
        with nothing are 0 (and their denial rate empty).
    """
    status = line_status(lines, payments)
    status["month"] = _month(status["service_date"])
    by_line = status.groupby("month")
    out = pd.DataFrame({"claims": by_line["claim_id"].nunique(), "lines": by_line.size(),
                        "denied_lines": by_line["denied"].sum()})
    if "charge_cents" in status.columns:
        out["charges_cents"] = by_line["charge_cents"].sum()
    paid = payments["paid_cents"].astype("int64")
    positive = payments.loc[paid > 0]
    out = out.join(positive.assign(month=_month(positive["payment_date"]))
                   .groupby("month")["paid_cents"].sum().rename("paid_cents"), how="outer")
    if findings is not None:
        capped = capped_findings(findings)
        out = out.join(capped.assign(month=_month(capped["service_date"]))
                       .groupby("month")["at_risk_capped_cents"].sum(), how="outer")
    if recoupments is not None:
        out = out.join(recoupments.assign(month=_month(recoupments["payment_date"]))
                       .groupby("month")["amount_cents"].sum().rename("recouped_cents"), how="outer")
    if notices is not None:
        n = notices.assign(month=_month(notices["notice_date"])).groupby("month")
        out = out.join(pd.DataFrame({"notices": n.size(), "notice_cents": n["amount_cents"].sum()}), how="outer")
    out = out.loc[out.index.notna()].sort_index()
    if len(out):
        out = out.reindex(pd.date_range(out.index.min(), out.index.max(), freq="MS").astype("datetime64[us]"))
    out = out.fillna(0).astype("int64")
    out.index.name = "month"
    out = out.reset_index()
    share = 100.0 * out["denied_lines"] / out["lines"].where(out["lines"] > 0, 1)
    rate = pd.array(np.where(out["lines"] > 0, share.round(2), np.nan), dtype="Float64")
    out.insert(out.columns.get_loc("denied_lines") + 1, "denial_rate_lines", rate)
    order = ["month", "claims", "lines", "charges_cents", "denied_lines", "denial_rate_lines", "paid_cents",
             "at_risk_capped_cents", "recouped_cents", "notices", "notice_cents"]
    return out[[c for c in order if c in out.columns]]


def metric_value(metrics: pd.DataFrame, metric: str):
    """The value of one metric: int cents for money, float for a rate or days, int for a count.

    Returns ``None`` when the metric is switched off or has no value.

    Examples
    --------
    >>> import pandas as pd
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
