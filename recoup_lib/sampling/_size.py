"""Sample-size determination for a variable appraisal (RAT-STATS "probe sample" style)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ._common import check_confidence, critical_value, smallest_satisfying, two_sided_level

__all__ = ["SampleSizePlan", "variable_sample_size", "probe_sample_size"]


@dataclass(frozen=True)
class SampleSizePlan:
    """Result of :func:`variable_sample_size`.

    Attributes
    ----------
    sample_size : int
        Smallest n meeting the target (between 2 and the universe size).
    universe_size : int
    confidence : float
        Two-sided.
    target_half_width_cents : float
        The precision amount aimed at (half-width of the interval of the total).
    target_precision : float or None
        The same as a fraction of the expected total, when given that way.
    expected_half_width_cents : float
        Half-width expected with ``sample_size`` units, if the probe's
        standard deviation holds.
    critical_value : float
        Student's t with ``sample_size - 1`` degrees of freedom.
    sd_cents, mean_cents : float
        The planning values used.
    """

    sample_size: int
    universe_size: int
    confidence: float
    target_half_width_cents: float
    target_precision: float | None
    expected_half_width_cents: float
    critical_value: float
    sd_cents: float
    mean_cents: float | None


def _half_width(n: int, universe: int, sd: float, level: float) -> float:
    if n >= universe:
        return 0.0
    return critical_value(level, n - 1) * universe * sd * math.sqrt(1.0 / n - 1.0 / universe)


def variable_sample_size(universe_size: int, sd_cents: float, *, mean_cents: float | None = None,
                         confidence: float = 0.90, precision: float | None = None,
                         precision_amount_cents: float | None = None) -> SampleSizePlan:
    """Smallest sample that should estimate the universe total to a desired precision.

    Parameters
    ----------
    universe_size : int
        N, units in the universe.
    sd_cents : float
        Expected standard deviation of the overpayment per unit (e.g. from a
        probe sample), cents.
    mean_cents : float, optional
        Expected mean overpayment per unit, cents; needed with ``precision``.
    confidence : float, default 0.90
        Two-sided confidence of the planned interval.
    precision : float, optional
        Desired half-width as a fraction of the expected total
        N x ``mean_cents`` (0.25 = plus or minus 25%).
    precision_amount_cents : float, optional
        Desired half-width in cents (give this or ``precision``).

    Returns
    -------
    SampleSizePlan

    Raises
    ------
    InvalidParameterError
        Neither or both targets; a relative target with a zero mean;
        non-positive inputs.

    Notes
    -----
    With the finite population correction the half-width of the estimated
    total is ``t(n - 1) * N * s * sqrt(1/n - 1/N)``. Because t depends on n,
    the equation is not solved in closed form: the half-width falls as n
    grows, so the smallest n meeting the target is found by bisection on
    whole n, recomputing t for each candidate (the iteration on t that
    RAT-STATS's probe-sample sample-size module describes). The result is
    only as good as the probe's standard deviation: overpayment data are
    skewed and a small probe often understates it.

    Examples
    --------
    >>> plan = variable_sample_size(1000, sd_cents=3475, mean_cents=1520, precision=0.25)
    >>> plan.sample_size
    187
    """
    confidence = check_confidence(confidence)
    if isinstance(universe_size, bool) or int(universe_size) != universe_size or universe_size < 2:
        raise InvalidParameterError(f"universe size must be a whole number >= 2; got {universe_size!r}")
    universe = int(universe_size)
    if sd_cents is None or not np.isfinite(sd_cents) or sd_cents < 0:
        raise InvalidParameterError(f"standard deviation must be a number >= 0; got {sd_cents!r}")
    if (precision is None) == (precision_amount_cents is None):
        raise InvalidParameterError("give exactly one target: precision (fraction of the total) or "
                         "precision_amount_cents")
    if precision is not None:
        if not precision > 0:
            raise InvalidParameterError(f"precision must be above 0; got {precision!r}")
        if not mean_cents:
            raise InvalidParameterError("a relative precision needs a non-zero expected mean")
        target = precision * universe * abs(float(mean_cents))
    else:
        if not precision_amount_cents > 0:
            raise InvalidParameterError(f"precision amount must be above 0; got {precision_amount_cents!r}")
        target = float(precision_amount_cents)
    level = two_sided_level(confidence)
    sd = float(sd_cents)
    n = smallest_satisfying(2, universe,
                            lambda m: _half_width(m, universe, sd, level) <= target)
    return SampleSizePlan(
        sample_size=n, universe_size=universe, confidence=confidence,
        target_half_width_cents=target, target_precision=precision,
        expected_half_width_cents=_half_width(n, universe, sd, level),
        critical_value=critical_value(level, n - 1) if n > 1 else math.nan,
        sd_cents=sd, mean_cents=None if mean_cents is None else float(mean_cents),
    )


def probe_sample_size(probe_cents, universe_size: int, *, confidence: float = 0.90,
                      precision: float = 0.25) -> SampleSizePlan:
    """Sample size from a probe sample's overpayments (mean and SD taken from it).

    Parameters
    ----------
    probe_cents : sequence of int
        Overpayments found in a probe sample (at least 2 units), cents.
    universe_size : int
    confidence : float, default 0.90
    precision : float, default 0.25
        Desired half-width as a fraction of the expected total.

    Returns
    -------
    SampleSizePlan

    Examples
    --------
    >>> probe_sample_size([0, 0, 4520, 0, 11200, 0, 0, 3875, 0, 7640], 5000).sample_size
    95
    """
    values = np.asarray(probe_cents, dtype=np.float64)
    if len(values) < 2:
        raise InvalidParameterError("a probe sample needs at least 2 units")
    return variable_sample_size(universe_size, float(values.std(ddof=1)),
                                mean_cents=float(values.mean()), confidence=confidence,
                                precision=precision)
