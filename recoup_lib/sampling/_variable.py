"""Variable appraisal: project sampled overpayments to the universe (mean-per-unit).

The estimator is the one RAT-STATS calls *unrestricted variable appraisal*
(simple random sample) and *stratified variable appraisal*: the universe total
is estimated as universe size x sample mean (per stratum, then summed), its
standard error carries the finite population correction, and the confidence
limits are point estimate +/- critical value x standard error.

Exactness: sampled overpayments are integer cents, so the point estimate
(a sum of ``N_h * sum_h / n_h``) and the variance of the estimate are exact
rational numbers (``fractions.Fraction``). Only the square root and the
Student's t quantile are irrational; they are carried as 50-digit Decimals
and a float from scipy. Every dollar figure is rounded once, half-up to the
cent, at the end.

This module checks the reviewed sample and computes those exact figures
(:func:`appraise_variable`); its result, :class:`VariableAppraisal`, with the
confidence limits and what is reported from them, is in
:mod:`recoup_lib.sampling._limits`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

import numpy as np
import pandas as pd

from ..errors import InputError, InvalidParameterError
from ..money import whole_floats
from ..schema import index_place
from ._common import (
    check_confidence,
    refuse_case_variants,
    round_half_up,
    sqrt_fraction,
    strata_as_named,
    stratum_key,
)
from ._limits import DF_METHODS, VariableAppraisal

__all__ = ["appraise_variable"]


def _stratum_moments(values: np.ndarray) -> tuple[int, int, int]:
    """n, sum and sum of squares as exact Python integers (no int64 overflow)."""
    ints = [int(v) for v in values]
    return len(ints), sum(ints), sum(v * v for v in ints)


def _universe_table(universe_size, strata) -> dict[str, int]:
    if (universe_size is None) == (strata is None):
        raise InvalidParameterError("give exactly one of universe_size (unstratified) or strata "
                         "(stratified: stratum -> universe size)")
    if strata is None:
        if isinstance(universe_size, bool) or int(universe_size) != universe_size:
            raise InvalidParameterError(f"universe_size must be a whole number; got {universe_size!r}")
        return {"": int(universe_size)}
    if isinstance(strata, pd.DataFrame):
        missing = {"stratum", "universe_size"} - set(strata.columns)
        if missing:
            raise InvalidParameterError("strata table needs columns 'stratum' and 'universe_size'")
        return {str(s): int(u) for s, u in zip(strata["stratum"], strata["universe_size"])}
    if isinstance(strata, Mapping):
        return {str(k): int(v) for k, v in strata.items()}
    raise InvalidParameterError("strata must be a mapping stratum -> universe size or a DataFrame "
                     "with columns stratum, universe_size")


def _unlisted_strata(named: pd.Series, universes: dict[str, int], rows: pd.Series, strata_label: str,
                     sample_label: str) -> str | None:
    """The message when a stratum of the sample (``named``, see
    :func:`~recoup_lib.sampling._common.strata_as_named`) has no row in the strata file: the universe size
    is what is missing, and it belongs in that file, so the message names the file and its ``stratum``
    column, and the sample's rows (``rows``, as a spreadsheet numbers them) holding the stratum."""
    missing = (named != "") & ~named.isin(list(universes))
    if not missing.any():
        return None
    lines = []
    for _, at in rows[missing].groupby(named[missing].map(stratum_key), sort=False):
        shown = ", ".join(str(int(r)) for r in at.iloc[:10]) + (", ..." if len(at) > 10 else "")
        lines.append(f"  {strata_label}, column 'stratum': expected a row for stratum {named[at.index[0]]!r} with "
                     f"its universe_size; {sample_label} holds it at row(s) {shown}")
    return (f"{strata_label}: {len(lines)} stratum(s) of the sample have no universe size, so nothing "
            "was estimated. Add a row for each:\n" + "\n".join(lines))


def appraise_variable(sample: pd.DataFrame, universe_size: int | None = None,
                      strata: Mapping[str, int] | pd.DataFrame | None = None, *,
                      confidence: float = 0.90, df_method: str = "satterthwaite",
                      value_column: str = "overpayment_cents",
                      stratum_column: str = "stratum",
                      label: str | None = None) -> VariableAppraisal:
    """Estimate the universe's total overpayment from a probability sample.

    Parameters
    ----------
    sample : pandas.DataFrame
        One row per reviewed sampling unit. ``value_column`` holds the
        overpayment in integer cents (0 for a clean unit; negative values,
        i.e. underpayments, are used as given). For a stratified appraisal
        ``stratum_column`` names each unit's stratum, matched to ``strata``
        ignoring case and surrounding spaces (``high`` is stratum ``High``).
    universe_size : int, optional
        Number of units in the universe (unstratified appraisal).
    strata : mapping or pandas.DataFrame, optional
        Stratified appraisal: stratum -> universe size (or a table with
        columns ``stratum``, ``universe_size``). Give exactly one of
        ``universe_size`` and ``strata``. Read by
        :func:`~recoup_lib.sampling.read_strata_file`, with a sample read by
        :func:`~recoup_lib.sampling.read_sample_file`: a stratum of the sample
        it lacks is named against the strata file, with the sample's rows.
    confidence : float, default 0.90
        Two-sided confidence of the reported interval.
    df_method : {"satterthwaite", "pooled", "normal"}, default "satterthwaite"
        Critical value of a stratified appraisal (see :data:`DF_METHODS` and
        Notes). Ignored when unstratified, which always uses t with n - 1.
    value_column, stratum_column : str
        Column names in ``sample``.
    label : str, optional
        Name of the sample's file, put in front of error messages.

    Returns
    -------
    VariableAppraisal
        ``.to_dict()`` gives the contract's output; ``.interval(c)``,
        ``.one_sided_lower(c)`` and ``.limits()`` give other levels;
        ``.write(out)`` and ``.summary()`` as every step's result.

    Raises
    ------
    InvalidParameterError
        Both or neither of ``universe_size`` and ``strata``; unknown
        ``df_method``; confidence outside (0, 1).
    InputError
        The sample cannot support an estimate: fewer than 2 units in a
        stratum that is not fully sampled, more units than the universe, a
        sampled stratum missing from ``strata``, a stratum of ``strata`` with
        no sampled unit, two strata spelled alike but for case, or values
        that are not whole cents. Every problem is listed in one message.

    Notes
    -----
    For each stratum h with universe size N_h, sample size n_h, sample mean
    y_h and sample standard deviation s_h (n - 1 divisor)::

        T   = sum_h N_h * y_h
        SE  = sqrt( sum_h N_h**2 * (1 - n_h / N_h) * s_h**2 / n_h )
        limits = T -/+ c * SE,   precision = c * SE / |T|

    An unstratified sample is one stratum, and c is Student's t with n - 1
    degrees of freedom at the two-sided level: the method of RAT-STATS's
    unrestricted variable appraisal (OIG Office of Audit Services), and the
    contract's rule. A stratum sampled in full (n_h = N_h) adds no sampling
    error (its finite population correction is zero).

    For stratified samples we could not confirm from the RAT-STATS manuals
    which critical value RAT-STATS uses, so it is a parameter. The default,
    Satterthwaite's effective degrees of freedom with weights
    a_h = N_h * (N_h - n_h) / n_h::

        df = (sum_h a_h s_h**2)**2 / sum_h (a_h s_h**2)**2 / (n_h - 1)

    is the usual small-sample choice for a sum of independent stratum
    estimates (Cochran, *Sampling Techniques*, 3rd ed., ch. 5). It
    reduces to n - 1 with one stratum and always lies between the smallest
    n_h - 1 and n - L, so its limits are never narrower than the pooled ones.
    ``"pooled"`` (n - L) and ``"normal"`` (z) are offered for comparison with
    other tools.

    CMS contractors usually demand the one-sided 90% lower bound
    (PIM ch. 8 section 8.4; :func:`one_sided_lower_bound`), while
    self-disclosures under the OIG protocol are described as using the point
    estimate (see :func:`demand_amount`).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"overpayment_cents": [0, 4520, 0, 11200, 0, 3875]})
    >>> a = appraise_variable(s, universe_size=600)
    >>> a.point_estimate_cents, a.to_dict()["sample_size"]
    (1959500, 6)
    """
    confidence = check_confidence(confidence)
    if df_method not in DF_METHODS:
        raise InvalidParameterError(f"df_method must be one of {', '.join(DF_METHODS)}; got {df_method!r}")
    universes = _universe_table(universe_size, strata)
    stratified = strata is not None
    head = f"{label}: " if label else ""
    if value_column not in sample.columns:
        raise InputError(f"{head}the sample has no column '{value_column}' (overpayment in cents)")
    values = sample[value_column]
    problems: list[str] = []
    if values.isna().any():
        problems.append(f"{int(values.isna().sum())} sampled unit(s) have no overpayment value "
                        "(every sampled unit needs its reviewed amount; 0 for a clean unit)")
    elif not pd.api.types.is_integer_dtype(values.dtype):
        numbers = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
        bad = np.flatnonzero(~whole_floats(numbers))
        if len(bad):
            first = int(bad[0])
            value = values.iloc[first:first + 1].tolist()[0]
            others = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
            problems.append(f"column '{value_column}' must hold whole cents; got {value!r} at "
                            f"{index_place(sample.index, first)}{others}")
    if stratified:
        if stratum_column not in sample.columns:
            raise InputError(f"{head}a stratified appraisal needs a '{stratum_column}' column in the "
                             "sample")
        refuse_case_variants(universes, head)
        labels = strata_as_named(sample[stratum_column], universes)
        strata_file = getattr(getattr(strata, "reading", None), "label", None)
        if strata_file is not None and "_row" in sample.columns:
            unlisted = _unlisted_strata(labels, universes, sample["_row"], strata_file, label or "the sample")
            if unlisted:
                raise InputError(unlisted)
        blank = labels == ""
        if blank.any():
            problems.append(f"{int(blank.sum())} sampled unit(s) have a blank stratum")
    else:
        if stratum_column in sample.columns:
            named = sample[stratum_column].astype("str").str.strip().drop_duplicates()
            seen = sorted(set(named[~named.map(stratum_key).duplicated()]) - {""})
            if len(seen) > 1:
                raise InputError(
                    f"{head}the sample has {len(seen)} strata ({', '.join(seen[:5])}"
                    f"{', ...' if len(seen) > 5 else ''}): give the universe size of each "
                    "stratum (strata) for a stratified appraisal")
        labels = pd.Series([""] * len(sample), index=sample.index, dtype="str")
    for name, size in universes.items():
        if size < 1:
            where = f"stratum '{name}'" if stratified else "the universe"
            problems.append(f"{where}: universe size must be at least 1; got {size}")
    if problems:
        raise InputError(f"{head}cannot appraise the sample: " + "; ".join(problems))

    groups = {str(k): v for k, v in sample.groupby(labels.to_numpy(), sort=True)[value_column]}
    unknown = sorted(set(groups) - set(universes))
    if unknown:
        problems.append("stratum " + ", ".join(f"'{u}'" for u in unknown)
                        + " is in the sample but has no universe size")
    rows = []
    for name, big_n in universes.items():
        where = f"stratum '{name}': " if stratified else ""
        if name not in groups:
            problems.append(f"{where}universe size {big_n:,} but no sampled unit (every "
                            "stratum needs at least 2, or all of its units)")
            continue
        n, total, squares = _stratum_moments(groups[name].to_numpy())
        if n > big_n:
            problems.append(f"{where}sample size {n:,} is larger than the universe size "
                            f"{big_n:,}")
            continue
        if n < 2 and n < big_n:
            problems.append(f"{where}{n} sampled unit; at least 2 are needed to estimate "
                            "the sampling error (unless every unit of the universe is reviewed)")
            continue
        variance = (Fraction(n * squares - total * total, n * (n - 1)) if n > 1 else Fraction(0))
        rows.append((name, big_n, n, int((groups[name] != 0).sum()), total, variance))
    if problems:
        raise InputError(f"{head}cannot appraise the sample: " + "; ".join(problems))

    point = sum((Fraction(big_n * total, n) for _, big_n, n, _, total, _ in rows), Fraction(0))
    weights = [Fraction(big_n * (big_n - n), n) for _, big_n, n, _, _, _ in rows]
    parts = [w * var for w, (*_, var) in zip(weights, rows)]
    variance_total = sum(parts, Fraction(0))
    n_total = sum(r[2] for r in rows)
    if not stratified:
        df, method = float(n_total - 1), "n-1"
    else:
        df, method = _stratified_df(rows, parts, df_method), df_method
    table = pd.DataFrame({
        "stratum": [r[0] if stratified else "all" for r in rows],
        "universe_size": [r[1] for r in rows],
        "sample_size": [r[2] for r in rows],
        "nonzero": [r[3] for r in rows],
        "sample_total_cents": [r[4] for r in rows],
        "mean_cents": [r[4] / r[2] for r in rows],
        "sd_cents": [math.sqrt(r[5]) for r in rows],
        "point_estimate_cents": [round_half_up(Fraction(r[1] * r[4], r[2])) for r in rows],
        "standard_error_cents": [round_half_up(sqrt_fraction(p)) for p in parts],
    })
    return VariableAppraisal(
        sample_size=n_total, universe_size=sum(r[1] for r in rows), point_exact=point,
        variance_exact=variance_total, df=df, df_method=method, confidence=confidence,
        stratified=stratified, strata=table, label=label or "",
    )


def _stratified_df(rows, parts, df_method: str) -> float:
    n_total, n_strata = sum(r[2] for r in rows), len(rows)
    if df_method == "normal":
        return math.inf
    if df_method == "satterthwaite":
        denominator = sum((p * p / (r[2] - 1) for r, p in zip(rows, parts) if p != 0),
                          Fraction(0))
        if denominator != 0:
            return float(sum(parts, Fraction(0)) ** 2 / denominator)
    # "pooled", and Satterthwaite's fallback when no stratum varies (the error is 0 anyway).
    return float(max(n_total - n_strata, 1))
