"""Claim metrics: what was billed and paid, the clean claim rate and the denial rate.

A claim line's status comes from its payments (:func:`line_status`, which
payment is a denial: :func:`denials`); the rates divide by the claims or
lines submitted (docs/sources.md §9.1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..reference.codes import REASON_CODE, carc_categories
from ._metrics import clean_text, metric_frame, metric_row, require_columns, switched_off

__all__ = ["line_status", "denials", "volume", "clean_claim_rate", "denial_rate"]

_KEY = ["claim_id", "line_no"]
#: What the rates' notes say a denial is.
_DENIED_MEANS = ("0 paid with a reason code that is no routine adjustment (not CO-45, PR-1/2/3 or another the "
                 "kit's CARC table calls routine), or 0 paid with 0 allowed")


def denials(paid_cents, allowed_cents, codes) -> np.ndarray:
    """Which payment rows are denials: the payer paid nothing, and said no.

    Parameters
    ----------
    paid_cents : array-like of int
    allowed_cents : array-like of Int64
        Missing where the payment gives none.
    codes : pandas.Series of str
        Each row's reason code (``denial_code``: ``CO-16``, ``45``), ``""`` where none; several
        written in one cell (``CO-45, PR-2``, ``CO-45 PR-2``, ``CO45/PR2``) are each looked up, and a
        cell of separators alone (``,``) counts as none, and one in words (``DENIED``) as a reason
        the table does not know.

    Returns
    -------
    numpy.ndarray of bool

    Notes
    -----
    A row pays nothing (0) and either carries a reason code that is not a routine adjustment, or
    allowed 0 (an adjudication that allowed nothing). Routine are the codes of the kit's CARC table
    (``reference/data/carc.csv``) in category ``routine``: the contractual write-off CO-45, the
    patient's deductible, coinsurance and copay (1, 2, 3), sequestration (253), ... A posting
    report's reason column holds them on the lines paid, where they say why the payment is less
    than the charge, not that the line was refused; an 835 sends CO-45 on nearly every line paid.
    So a row that paid something (a partial payment, a downcode) or took money back (a reversal)
    is no denial whatever its code, and 0 paid with 0 allowed is one without a code. A code the
    table does not know counts as a denial's.

    Examples
    --------
    >>> allowed = pd.array([8000, 0, 8000, None, 8000, 8000, 8000, 8000], dtype="Int64")
    >>> denials([6400, 0, 0, 0, 0, 0, 0, 0], allowed,
    ...         pd.Series(["CO-45", "", "PR-1", "CO-16", "CO-45, PR-1", "CO45/PR2", "DENIED", ","])).tolist()
    [False, True, False, True, False, False, True, False]
    """
    nothing = np.asarray(paid_cents, dtype=np.int64) == 0
    zero_allowed = (pd.array(allowed_cents, dtype="Int64") == 0).to_numpy(dtype=bool, na_value=False)
    which, distinct = pd.factorize(pd.Series(codes, dtype="object").fillna("").astype(str).str.upper())
    tokens = pd.Series(distinct, dtype="object").str.extractall(REASON_CODE)["carc"].droplevel("match")
    routine = carc_categories(tokens.astype("str")) == "routine"
    refused = (~routine).groupby(level=0).any().reindex(range(len(distinct)), fill_value=False).to_numpy(dtype=bool)
    # A reason written in words (``DENIED``, ``Not covered``) or a code the pattern does not know is still the
    # payer's reason: only a cell of separators alone says nothing.
    worded = pd.Series(distinct, dtype="object").str.contains(r"[A-Z0-9]", regex=True).to_numpy(dtype=bool)
    coded = np.zeros(len(distinct), dtype=bool)
    coded[np.unique(tokens.index.to_numpy(dtype=np.int64))] = True
    return nothing & ((refused | (worded & ~coded))[which] | zero_allowed)


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
        denied (bool), denial_codes (the codes of its denials, ``;``-joined).

    Notes
    -----
    A payment row is a denial as :func:`denials` says: it pays 0, with a
    reason code that is no routine adjustment (CO-45 on a paid line is the
    contractual write-off, not a denial) or with 0 allowed. A line is denied
    when any of its payment rows is, even if a later payment paid it after a
    resubmission: the first pass was still denied. A payment with 0 paid
    but an allowed amount (applied to the deductible) is not a denial.
    ``denial_codes`` lists the codes of the line's denials only.
    """
    require_columns(lines, _KEY, "lines")
    require_columns(payments, [*_KEY, "paid_cents"], "payments")
    keep = [c for c in (*_KEY, "service_date", "charge_cents") if c in lines.columns]
    out = lines[keep].reset_index(drop=True)
    pay = payments[_KEY].copy()
    pay["paid_cents"] = payments["paid_cents"].astype("int64").to_numpy()
    allowed = (payments["allowed_cents"] if "allowed_cents" in payments.columns
               else pd.Series(pd.NA, index=payments.index, dtype="Int64"))
    pay["allowed_cents"] = allowed.astype("Int64").fillna(0).astype("int64").to_numpy()
    codes = (clean_text(payments["denial_code"]) if "denial_code" in payments.columns
             else pd.Series("", index=payments.index, dtype="str"))
    pay["denied"] = denials(pay["paid_cents"].to_numpy(), allowed.to_numpy(), codes)
    pay["code"] = np.where(pay["denied"].to_numpy(), codes.to_numpy(), "")
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
        metric_row("claims_submitted", "Claims submitted", "count", numerator=lines["claim_id"].nunique(),
                   basis="claims", source=source, note="Distinct claim_id of the lines submitted."),
        metric_row("lines_submitted", "Claim lines submitted", "count", numerator=len(lines), basis="lines",
                   source=source, note=("Rows of claim_lines.csv used by the audit and submitted by the as-of date "
                                 "(every one when the as-of is the data's own).")),
    ]
    if "charge_cents" in lines.columns:
        rows.append(metric_row("charges_dollars", "Charges billed", "dollars",
                               numerator=int(lines["charge_cents"].astype("int64").sum()), basis="cents",
                               source=source, note="Sum of charge over the claim lines."))
    paid = payments["paid_cents"].astype("int64")
    rows.append(metric_row("paid_dollars", "Money paid (gross)", "dollars", numerator=int(paid[paid > 0].sum()),
                           basis="cents", source=source, note="Sum of the positive payments in payments.csv."))
    rows.append(metric_row("paid_net_dollars", "Money paid (net of reversals)", "dollars",
                           numerator=int(paid.sum()), basis="cents", source=source,
                           note="Sum of every payment in payments.csv, negative reversals included."))
    return metric_frame(rows)


def clean_claim_rate(lines: pd.DataFrame, payments: pd.DataFrame, findings: pd.DataFrame | None,
                     source: str = "claim_lines.csv, payments.csv, audit findings",
                     status: pd.DataFrame | None = None) -> pd.DataFrame:
    """Clean claim rate: claims that went through without a problem / claims submitted.

    Parameters
    ----------
    lines : pandas.DataFrame
        claim_id, line_no (claim_lines.csv).
    payments : pandas.DataFrame
        claim_id, line_no, paid_cents, allowed_cents, optionally denial_code.
    findings : pandas.DataFrame or None
        The audit's findings (claim_id). ``None`` switches the metric off.
    status : pandas.DataFrame, optional
        ``line_status(lines, payments)`` already computed, so it is not
        computed again.

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
    if status is None:
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
    return metric_frame([metric_row("clean_claim_rate", label, "percent", numerator=clean, denominator=len(claims),
                        basis="claims", source=source, note=note)])


def denial_rate(lines: pd.DataFrame, payments: pd.DataFrame,
                source: str = "claim_lines.csv, payments.csv", status: pd.DataFrame | None = None) -> pd.DataFrame:
    """Denial rate by claims, by lines and by charged dollars.

    Parameters
    ----------
    lines : pandas.DataFrame
        claim_id, line_no, optionally charge_cents.
    payments : pandas.DataFrame
        claim_id, line_no, paid_cents, allowed_cents, optionally denial_code.
    status : pandas.DataFrame, optional
        ``line_status(lines, payments)`` already computed, so it is not
        computed again.

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
    is denied as :func:`line_status` says (0 paid with a reason code that is
    no routine adjustment such as CO-45, or 0 paid with 0 allowed:
    :func:`denials`). A claim counts as denied when any of its lines is
    (partial denials included).

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"claim_id": ["A", "A"], "line_no": [1, 2], "charge_cents": [300, 100]})
    >>> pay = pd.DataFrame({"claim_id": ["A", "A"], "line_no": [1, 2], "paid_cents": [250, 0],
    ...                     "allowed_cents": [250, 0], "denial_code": ["", "CO-16"]})
    >>> denial_rate(lines, pay)[["metric", "value"]].to_dict("list")["value"]
    [100.0, 50.0, 25.0]
    """
    if status is None:
        status = line_status(lines, payments)
    coded = "denial_code" in payments.columns
    how = (_DENIED_MEANS if coded else
           "0 paid with 0 allowed (payments.csv has no denial_code column, so coded denials that "
           "allowed an amount are not seen)")
    denied_claims = status.loc[status["denied"], "claim_id"].nunique()
    rows = [
        metric_row("denial_rate_claims", "Denial rate (claims)", "percent", numerator=denied_claims,
                   denominator=status["claim_id"].nunique(), basis="claims", source=source,
                   note=f"Claims with at least one denied line / claims submitted; denied means {how}."),
        metric_row("denial_rate_lines", "Denial rate (lines)", "percent", numerator=int(status["denied"].sum()),
                   denominator=len(status), basis="lines", source=source,
                   note=f"Denied lines / lines submitted; denied means {how}."),
    ]
    out = metric_frame(rows)
    if "charge_cents" in status.columns:
        charge = status["charge_cents"].astype("int64")
        dollars = metric_frame([metric_row("denial_rate_dollars", "Denial rate (charged dollars)", "percent",
                               numerator=int(charge[status["denied"]].sum()), denominator=int(charge.sum()),
                               basis="cents", source=source,
                               note="Charges of denied lines / charges submitted.")])
    else:
        dollars = switched_off([("denial_rate_dollars", "Denial rate (charged dollars)", "percent")],
                               "claim_lines has no charge column.", source)
    return pd.concat([out, dollars], ignore_index=True)
