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
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, InvalidParameterError
from ..folder import write_csv
from ..money import dollars, whole_floats
from ..outputs import writes_folder
from ..results import StepResult
from ..schema import index_place
from ._common import (
    DECIMAL_DIGITS,
    STANDARD_CONFIDENCES,
    Cents,
    check_confidence,
    critical_value,
    fraction_to_decimal,
    money_json,
    refuse_case_variants,
    refuse_unreportable,
    round_fraction_digits,
    round_half_up,
    sqrt_fraction,
    strata_as_named,
    stratum_key,
    two_sided_level,
)

__all__ = [
    "DF_METHODS",
    "CONTRACT_KEYS",
    "Interval",
    "VariableAppraisal",
    "appraise_variable",
]

#: How the degrees of freedom of a *stratified* appraisal are chosen.
#: An unstratified appraisal always uses n - 1 (the contract's rule).
DF_METHODS = {
    "satterthwaite": "Student's t with Satterthwaite's effective degrees of freedom "
                     "(equals n - 1 when there is one stratum)",
    "pooled": "Student's t with n - L degrees of freedom (total sample size less the number "
              "of strata)",
    "normal": "standard normal (z) critical values, no degrees of freedom",
}

#: Keys ``recoup extrapolate`` must print (docs/contract.md, "Extrapolation").
CONTRACT_KEYS = ("sample_size", "universe_size", "point_estimate", "standard_error",
                 "lower_bound", "upper_bound", "precision", "confidence")


@dataclass(frozen=True)
class Interval:
    """Confidence limits of an appraisal at one confidence level.

    Attributes
    ----------
    confidence : float
        Two-sided confidence (0.90 = 90%); for a one-sided bound, its level.
    two_sided : bool
    critical_value : float
        The t (or z) value used.
    lower_cents, upper_cents : int
        Limits in cents, rounded half-up (``upper_cents`` is None for a
        one-sided lower bound).
    half_width : Decimal
        Critical value x standard error, unrounded, in cents.
    precision : float or None
        ``half_width / |point estimate|`` unrounded; None when the point
        estimate is 0.
    precision_exact : Decimal or None
        The same as a 50-digit Decimal.
    lower_exact, upper_exact : Decimal
        The limits before rounding (cents), for checks.
    """

    confidence: float
    two_sided: bool
    critical_value: float
    lower_cents: int
    upper_cents: int | None
    half_width: Decimal
    precision: float | None
    precision_exact: Decimal | None
    lower_exact: Decimal
    upper_exact: Decimal | None


@dataclass(frozen=True)
class VariableAppraisal(StepResult):
    """Result of :func:`appraise_variable`: an exact point estimate and its error.

    Attributes
    ----------
    sample_size, universe_size : int
        Summed over strata.
    point_exact : fractions.Fraction
        Estimated universe total in cents, unrounded.
    variance_exact : fractions.Fraction
        Variance of the estimated total in cents squared, unrounded.
    df : float
        Degrees of freedom of the critical value (``math.inf`` for z).
    df_method : str
        ``"n-1"`` for an unstratified appraisal, else a key of :data:`DF_METHODS`.
    confidence : float
        The default two-sided confidence of :meth:`interval` and :meth:`to_dict`.
    stratified : bool
    strata : pandas.DataFrame
        One row per stratum: ``stratum``, ``universe_size``, ``sample_size``,
        ``nonzero`` (sampled units with an overpayment), ``sample_total_cents``,
        ``mean_cents`` (float), ``sd_cents`` (float, n - 1 divisor),
        ``point_estimate_cents``, ``standard_error_cents``.
    label : str
        Name of the sample's file, put in front of error messages.
    """

    written_by = "recoup extrapolate"

    sample_size: int
    universe_size: int
    point_exact: Fraction
    variance_exact: Fraction
    df: float
    df_method: str
    confidence: float
    stratified: bool
    strata: pd.DataFrame = field(repr=False)
    label: str = field(default="", repr=False)

    @property
    def point_estimate_cents(self) -> int:
        """Point estimate of the universe total, cents, half-up."""
        return round_half_up(self.point_exact)

    @property
    def standard_error_exact(self) -> Decimal:
        """Standard error of the estimated total, cents, unrounded (50 digits)."""
        return sqrt_fraction(self.variance_exact)

    @property
    def standard_error_cents(self) -> int:
        """Standard error of the estimated total, cents, half-up."""
        return round_half_up(self.standard_error_exact)

    def interval(self, confidence: float | None = None) -> Interval:
        """Two-sided confidence limits (default: the appraisal's confidence).

        Parameters
        ----------
        confidence : float, optional
            Two-sided confidence, strictly between 0 and 1.

        Returns
        -------
        Interval
        """
        level = self.confidence if confidence is None else check_confidence(confidence)
        return self._limits(level, two_sided=True)

    def one_sided_lower(self, confidence: float = 0.90) -> Interval:
        """One-sided lower confidence bound (the lower limit alone).

        A one-sided 90% lower bound equals the lower limit of the two-sided
        80% interval: both use the 0.90 quantile of t.
        """
        return self._limits(check_confidence(confidence), two_sided=False)

    def _limits(self, confidence: float, two_sided: bool) -> Interval:
        level = two_sided_level(confidence) if two_sided else confidence
        t = critical_value(level, self.df)
        point = fraction_to_decimal(self.point_exact)
        with localcontext() as ctx:
            ctx.prec = DECIMAL_DIGITS
            half = Decimal(t) * self.standard_error_exact
            lower = point - half
            upper = point + half if two_sided else None
            precision = None if self.point_exact == 0 else half / abs(point)
        return Interval(
            confidence=confidence, two_sided=two_sided, critical_value=t,
            lower_cents=round_half_up(lower),
            upper_cents=None if upper is None else round_half_up(upper),
            half_width=half, precision=None if precision is None else float(precision),
            precision_exact=precision, lower_exact=lower, upper_exact=upper,
        )

    def limits(self, confidences=STANDARD_CONFIDENCES) -> pd.DataFrame:
        """The RAT-STATS style table of limits at several confidence levels.

        Returns
        -------
        pandas.DataFrame
            Columns ``confidence``, ``critical_value``, ``lower_bound_cents``,
            ``upper_bound_cents``, ``precision_cents`` (half-width, half-up),
            ``precision`` (fraction of the point estimate, or NaN).
        """
        rows = []
        for c in confidences:
            iv = self.interval(c)
            rows.append({
                "confidence": iv.confidence, "critical_value": iv.critical_value,
                "lower_bound_cents": iv.lower_cents, "upper_bound_cents": iv.upper_cents,
                "precision_cents": round_half_up(iv.half_width),
                "precision": np.nan if iv.precision is None else iv.precision,
            })
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """What ``recoup extrapolate`` prints (:meth:`to_json`), read back: the contract's keys, then extras.

        Dollar amounts are numbers with two decimals (half-up to the cent);
        ``precision`` is a fraction rounded half-up to 4 decimals, or None
        when the point estimate is 0. The figures in cents are exact as
        attributes (:attr:`point_estimate_cents`, :meth:`interval`).
        """
        return json.loads(self.to_json())

    def to_json(self, **extra) -> str:
        """The JSON ``recoup extrapolate`` prints, with ``extra`` keys after the appraisal's.

        Every dollar amount is written from its integer cents with two
        decimals (``2212.70``), never through a float (:func:`money_json`).

        Raises
        ------
        InputError
            A dollar figure to report is a trillion dollars or more, which
            the kit does not represent (docs/contract.md, "Errors").
        """
        refuse_unreportable(self)
        return money_json({**self._payload(), **extra})

    def _payload(self) -> dict:
        iv = self.interval()
        out = {
            "sample_size": self.sample_size,
            "universe_size": self.universe_size,
            "point_estimate": Cents(self.point_estimate_cents),
            "standard_error": Cents(self.standard_error_cents),
            "lower_bound": Cents(iv.lower_cents),
            "upper_bound": Cents(iv.upper_cents),
            "precision": _precision_number(iv),
            "confidence": self.confidence,
        }
        lower90 = self.one_sided_lower(0.90)
        out.update({
            "method": "mean-per-unit estimation with finite population correction"
                      + (" (stratified: stratum totals summed)" if self.stratified else ""),
            "interval": "Student's t, n - 1 degrees of freedom" if not self.stratified
                        else DF_METHODS[self.df_method],
            "degrees_of_freedom": None if math.isinf(self.df) else _round_df(self.df),
            "critical_value": round(iv.critical_value, 6),
            "precision_amount": Cents(round_half_up(iv.half_width)),
            "one_sided_90_lower_bound": Cents(lower90.lower_cents),
            "limits": [
                {
                    "confidence": lim.confidence,
                    "critical_value": round(lim.critical_value, 6),
                    "lower_bound": Cents(lim.lower_cents),
                    "upper_bound": Cents(lim.upper_cents),
                    "precision_amount": Cents(round_half_up(lim.half_width)),
                    "precision": _precision_number(lim),
                }
                for lim in (self.interval(c) for c in STANDARD_CONFIDENCES)
            ],
        })
        if self.stratified:
            out["strata"] = [
                {
                    "stratum": r.stratum, "universe_size": int(r.universe_size),
                    "sample_size": int(r.sample_size), "nonzero": int(r.nonzero),
                    "point_estimate": Cents(r.point_estimate_cents),
                    "standard_error": Cents(r.standard_error_cents),
                }
                for r in self.strata.itertuples()
            ]
        return out

    @writes_folder
    def write(self, out: str | Path) -> list[Path]:
        """Write extrapolation.json (:meth:`to_dict`) and confidence_limits.csv (:meth:`limits`) into ``out``.

        confidence_limits.csv has the dollars as the JSON has them: lower_bound,
        upper_bound and precision_amount (the half-width). Returns the two paths.
        Refused like :meth:`to_json`, before anything is written.
        """
        text = self.to_json()
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        path = out / "extrapolation.json"
        path.write_text(text + "\n", encoding="utf-8")
        limits = self.limits().rename(columns={"precision_cents": "precision_amount_cents"})
        return [path, write_csv(limits, out / "confidence_limits.csv")]

    def summary(self) -> str:
        """The estimate, its standard error and the 80/90/95% limits in dollars (:meth:`report`)."""
        return self.report()

    def report(self) -> str:
        """A human-readable summary with the 80/90/95% table (``--table``)."""
        refuse_unreportable(self)
        lines = [
            "Variable appraisal (mean-per-unit, finite population correction)"
            + (f", {len(self.strata)} strata" if self.stratified else ", unrestricted"),
            f"  universe size      {self.universe_size:>16,}",
            f"  sample size        {self.sample_size:>16,}",
            f"  point estimate     {dollars(self.point_estimate_cents):>16}",
            f"  standard error     {dollars(self.standard_error_cents):>16}",
            "  critical values    " + (
                "normal (z)" if math.isinf(self.df)
                else f"Student's t, {_round_df(self.df)} degrees of freedom"
                + ("" if not self.stratified else f" ({self.df_method})")),
            "",
            f"  {'confidence':>10}  {'lower limit':>16}  {'upper limit':>16}  "
            f"{'precision':>14}  {'precision %':>11}  {'t/z':>8}",
        ]
        for row in self.limits().itertuples():
            pct = "n/a" if pd.isna(row.precision) else f"{100 * row.precision:.2f}%"
            lines.append(
                f"  {row.confidence:>10.0%}  {dollars(row.lower_bound_cents):>16}  "
                f"{dollars(row.upper_bound_cents):>16}  {dollars(row.precision_cents):>14}  "
                f"{pct:>11}  {row.critical_value:>8.4f}")
        lines += [
            "",
            f"  one-sided 90% lower bound (= two-sided 80% lower limit): "
            f"{dollars(self.one_sided_lower(0.90).lower_cents)}",
        ]
        if self.stratified:
            lines += ["", f"  {'stratum':<16} {'universe':>10} {'sample':>8} {'nonzero':>8} "
                          f"{'point estimate':>16} {'std error':>14}"]
            for r in self.strata.itertuples():
                lines.append(
                    f"  {str(r.stratum):<16} {r.universe_size:>10,} {r.sample_size:>8,} "
                    f"{r.nonzero:>8,} {dollars(r.point_estimate_cents):>16} "
                    f"{dollars(r.standard_error_cents):>14}")
        return "\n".join(lines)


def _precision_number(iv: Interval) -> float | None:
    return None if iv.precision_exact is None else round_fraction_digits(iv.precision_exact)


def _round_df(df: float) -> float | int:
    return int(df) if float(df).is_integer() else round(float(df), 4)


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
