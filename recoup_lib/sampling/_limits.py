"""The result of a variable appraisal: its confidence limits and what is reported from them.

:class:`VariableAppraisal` holds the exact point estimate and variance that
:func:`~recoup_lib.sampling.appraise_variable` computed, and gives the limits
at any confidence (:class:`Interval`, two-sided or one-sided), the RAT-STATS
style table of limits, the JSON ``recoup extrapolate`` prints (the
contract's keys, :data:`CONTRACT_KEYS`, first), its files and its report.
Every dollar figure is rounded once, half-up to the cent, from the exact
values.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from ..folder import write_csv
from ..money import dollars
from ..outputs import writes_folder
from ..results import StepResult
from ._common import (
    DECIMAL_DIGITS,
    STANDARD_CONFIDENCES,
    Cents,
    check_confidence,
    critical_value,
    fraction_to_decimal,
    money_json,
    refuse_unreportable,
    round_fraction_digits,
    round_half_up,
    sqrt_fraction,
    two_sided_level,
)

__all__ = [
    "DF_METHODS",
    "CONTRACT_KEYS",
    "Interval",
    "VariableAppraisal",
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
