"""Small helpers shared by the sampling modules: critical values, exact rounding, checks."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from ..errors import InvalidParameterError

#: The three confidence levels RAT-STATS prints for every appraisal (two-sided).
STANDARD_CONFIDENCES = (0.80, 0.90, 0.95)

#: Working precision (significant digits) for the Decimal steps of the appraisal.
DECIMAL_DIGITS = 50


def check_confidence(confidence: float, name: str = "confidence") -> float:
    """Return ``confidence`` as a float strictly between 0 and 1, else raise InvalidParameterError."""
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{name} must be a number between 0 and 1 (e.g. 0.90 for 90%); "
                         f"got {confidence!r}") from None
    if not 0.0 < value < 1.0 or math.isnan(value):
        raise InvalidParameterError(f"{name} must be strictly between 0 and 1 (e.g. 0.90 for 90%); "
                         f"got {confidence!r}")
    return value


def critical_value(level: float, df: float) -> float:
    """Quantile of Student's t (or of the normal when ``df`` is infinite) at ``level``.

    ``level`` is a cumulative probability: 0.95 gives the value that a
    two-sided 90% interval (or a one-sided 95% bound) uses.
    """
    from scipy import stats

    if math.isinf(df):
        return float(stats.norm.ppf(level))
    return float(stats.t.ppf(level, df))


def two_sided_level(confidence: float) -> float:
    """Cumulative probability of the upper limit of a two-sided interval: 0.90 -> 0.95."""
    return 1.0 - (1.0 - confidence) / 2.0


def smallest_satisfying(lo: int, hi: int, predicate) -> int:
    """Smallest whole m in [lo, hi] with ``predicate(m)`` true, by bisection; ``hi + 1`` if none.

    ``predicate`` must be monotone: false up to some point, true from there on.
    """
    if predicate(lo):
        return lo
    if not predicate(hi):
        return hi + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if predicate(mid):
            hi = mid
        else:
            lo = mid
    return hi


def fraction_to_decimal(value: Fraction) -> Decimal:
    """A Fraction as a Decimal with :data:`DECIMAL_DIGITS` significant digits."""
    with localcontext() as ctx:
        ctx.prec = DECIMAL_DIGITS
        return Decimal(value.numerator) / Decimal(value.denominator)


def sqrt_fraction(value: Fraction) -> Decimal:
    """Square root of a non-negative Fraction, as a Decimal with 50 significant digits."""
    if value < 0:
        raise ValueError("negative variance")
    with localcontext() as ctx:
        ctx.prec = DECIMAL_DIGITS
        return fraction_to_decimal(value).sqrt()


def round_half_up(value: Decimal | Fraction) -> int:
    """Round to the nearest whole number, ties away from zero (the contract's rule)."""
    if isinstance(value, Fraction):
        num, den = value.numerator, value.denominator
        sign = -1 if num < 0 else 1
        return sign * ((2 * abs(num) + den) // (2 * den))
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def round_fraction_digits(value: Decimal, digits: int = 4) -> float:
    """Round a Decimal half-up to ``digits`` decimals and return it as a float (for JSON)."""
    return float(value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def cents_to_number(cents: int) -> float:
    """Integer cents as a JSON number of dollars: ``1520167`` -> ``15201.67``.

    The float's shortest representation is exactly the two-decimal dollar
    amount, so ``json.dumps`` prints ``15201.67``.
    """
    return float(Decimal(int(cents)).scaleb(-2))


def kit_version() -> str:
    """The kit's version, the same one every other output's manifest records.

    Read from the package rather than the installed distribution's metadata:
    that lookup scans the environment's packages (milliseconds per call) and a
    lesson draws hundreds of samples.
    """
    from .. import __version__

    return __version__
