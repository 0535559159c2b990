"""Small helpers shared by the sampling modules: critical values, exact rounding, checks."""

from __future__ import annotations

import json
import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pandas as pd

from ..errors import InputError, InvalidParameterError
from ..money import MAX_CENTS, dollars, format_cents_scalar

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


class Cents(int):
    """A money figure in whole cents, which :func:`money_json` writes as exact dollars."""


def money_json(value, indent: int = 2, _depth: int = 0) -> str:
    """JSON text of ``value`` (as ``json.dumps(value, indent=indent)``), money exact to the cent.

    Every :class:`Cents` is written as a JSON number of dollars with two
    decimals, from the integer itself (``Cents(1520167)`` -> ``15201.67``,
    ``Cents(221270)`` -> ``2212.70``): never through a float, so a figure is
    exact whatever its size. Everything else is written as ``json.dumps``
    writes it.

    Examples
    --------
    >>> print(money_json({"total": Cents(-5), "n": 3, "parts": [Cents(10**16)]}, indent=0))
    {
    "total": -0.05,
    "n": 3,
    "parts": [
    100000000000000.00
    ]
    }
    """
    if isinstance(value, Cents):
        return format_cents_scalar(int(value))
    inner, outer = " " * indent * (_depth + 1), " " * indent * _depth
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(str(k))}: {money_json(v, indent, _depth + 1)}"
                 for k, v in value.items()]
    elif isinstance(value, (list, tuple)) and value:
        items = [inner + money_json(v, indent, _depth + 1) for v in value]
    else:
        return json.dumps(value)
    brackets = "{}" if isinstance(value, dict) else "[]"
    return brackets[0] + "\n" + ",\n".join(items) + "\n" + outer + brackets[1]


def refuse_unreportable(appraisal) -> None:
    """Raise InputError when a dollar figure a variable appraisal reports is a trillion dollars or more.

    The kit represents amounts under a trillion dollars (docs/contract.md,
    "Errors"). The appraisal itself is exact at any size (``Fraction``), but
    a projection beyond that (a huge overpayment times a huge universe)
    cannot be written as the kit writes money, so it is refused rather than
    reported.
    """
    head = f"{appraisal.label}: " if appraisal.label else ""
    figures = [("point estimate", appraisal.point_estimate_cents),
               ("standard error", appraisal.standard_error_cents)]
    levels = sorted({*STANDARD_CONFIDENCES, appraisal.confidence})
    # t is at most 12.71 (df >= 1, two-sided 95%): limits within |point| + 13 SE need no t.
    half = Fraction(MAX_CENTS, 2)
    if not (levels[-1] <= 0.95 and appraisal.df >= 1 and abs(appraisal.point_exact) <= half
            and 169 * appraisal.variance_exact <= half * half):
        for c in levels:
            iv = appraisal.interval(c)
            figures += [(f"{c:.0%} lower limit", iv.lower_cents),
                        (f"{c:.0%} upper limit", iv.upper_cents),
                        (f"{c:.0%} precision amount", round_half_up(iv.half_width))]
    if appraisal.stratified:
        for r in appraisal.strata.itertuples():
            figures += [(f"point estimate of stratum '{r.stratum}'", int(r.point_estimate_cents)),
                        (f"standard error of stratum '{r.stratum}'", int(r.standard_error_cents))]
    for name, cents in figures:
        if abs(cents) > MAX_CENTS:
            raise InputError(
                f"{head}cannot report the extrapolation: its {name} would be {dollars(cents)}, "
                "a trillion dollars or more, which the kit does not represent (amounts stay "
                f"under {dollars(MAX_CENTS + 1)}); check the overpayment values and the "
                "universe size")


def stratum_key(name) -> str:
    """A stratum's name as strata are matched between files: case and surrounding spaces ignored."""
    return str(name).strip().casefold()


def case_variants(names) -> dict[str, list[str]]:
    """Strata spelled two ways, differing only by case or surrounding spaces (``High``, ``high``).

    Strata are matched ignoring case (:func:`match_strata`), so two such
    spellings cannot be two strata. Returns ``{first spelling: [later
    spellings]}``, in order of appearance; empty when each stratum is
    spelled one way.
    """
    groups: dict[str, list[str]] = {}
    names = names if isinstance(names, pd.Series) else pd.Series(list(names), dtype="object")
    for name in names.astype("str").str.strip().drop_duplicates():
        groups.setdefault(stratum_key(name), []).append(name)
    return {spellings[0]: spellings[1:] for spellings in groups.values() if len(spellings) > 1}


def refuse_case_variants(names, head: str = "") -> None:
    """Raise InputError naming every stratum spelled two ways in ``names`` (:func:`case_variants`)."""
    variants = case_variants(names)
    if variants:
        listed = "; ".join(" and ".join(repr(s) for s in (first, *others)) for first, others in variants.items())
        raise InputError(f"{head}strata {listed} differ only by case: strata are matched ignoring case and "
                         "surrounding spaces, so these cannot be told apart; spell each stratum one way")


def match_strata(names, known) -> dict[str, str]:
    """Each of ``names`` -> the stratum of ``known`` it names: itself, else the one spelled alike
    ignoring case and surrounding spaces (``high`` -> ``High``); a name matching none is kept.

    ``known`` must hold no two names spelled alike (:func:`refuse_case_variants`).
    """
    by_key = {stratum_key(k): k for k in known}
    return {n: n if n in known else by_key.get(stratum_key(n), n) for n in names}


def strata_as_named(values: pd.Series, known) -> pd.Series:
    """Each unit's stratum (``values``, trimmed) as ``known`` names it (:func:`match_strata`: ``high``
    is ``High``); one ``known`` does not list stays as written, trimmed, and a blank one is ``""``."""
    labels = values.astype("str").str.strip()
    return labels.map(match_strata(labels.drop_duplicates(), known))


def kit_version() -> str:
    """The kit's version, the same one every other output's manifest records.

    Read from the package rather than the installed distribution's metadata:
    that lookup scans the environment's packages (milliseconds per call) and a
    lesson draws hundreds of samples.
    """
    from .. import __version__

    return __version__
