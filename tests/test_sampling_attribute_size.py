"""Attribute appraisal, minimum-sum bound and sample-size determination."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from recoup_lib.errors import InvalidParameterError
from recoup_lib.sampling import (
    appraise_attribute,
    errors_lower_bound,
    errors_upper_bound,
    minimum_sum_lower_bound,
    probe_sample_size,
    variable_sample_size,
)


def brute_force_limits(big_n: int, n: int, k: int, tail: float) -> tuple[int, int]:
    """Every possible count of universe errors M, tested one by one."""
    feasible = range(k, big_n - (n - k) + 1)
    lower = min(m for m in feasible if stats.hypergeom.sf(k - 1, big_n, m, n) >= tail)
    upper = max(m for m in feasible if stats.hypergeom.cdf(k, big_n, m, n) >= tail)
    return lower, upper


# --- attribute appraisal ---------------------------------------------------------------------

@pytest.mark.parametrize("big_n, n, k", [(200, 30, 0), (200, 30, 4), (200, 30, 30),
                                         (57, 20, 11), (1000, 100, 7)])
def test_hypergeometric_limits_match_brute_force_search(big_n, n, k):
    a = appraise_attribute(n, k, big_n, confidence=0.90)
    assert (a.lower_errors, a.upper_errors) == brute_force_limits(big_n, n, k, 0.05)
    assert (a.lower_rate, a.upper_rate) == (a.lower_errors / big_n, a.upper_errors / big_n)
    assert a.projected_errors == big_n * k / n


def test_zero_errors_gives_zero_lower_and_full_sample_gives_full_upper():
    none = appraise_attribute(50, 0, 400)
    full = appraise_attribute(50, 50, 400)
    assert none.lower_errors == 0 and full.upper_errors == 400
    assert full.lower_errors >= 50


@pytest.mark.parametrize("n", [10, 25, 60])
def test_clopper_pearson_matches_closed_form_for_zero_and_all_errors(n):
    """With 0 errors the upper limit solves (1 - p)^n = alpha/2; with n errors p^n = alpha/2."""
    zero = appraise_attribute(n, 0, confidence=0.95, method="clopper-pearson")
    full = appraise_attribute(n, n, confidence=0.95, method="clopper-pearson")
    assert zero.upper_rate == pytest.approx(1 - 0.025 ** (1 / n), rel=1e-9)
    assert full.lower_rate == pytest.approx(0.025 ** (1 / n), rel=1e-9)
    assert zero.projected_errors is None


def test_hypergeometric_approaches_clopper_pearson_for_a_huge_universe():
    hyper = appraise_attribute(100, 7, 10**8)
    binom = appraise_attribute(100, 7, 10**8, method="clopper-pearson")
    assert hyper.lower_rate == pytest.approx(binom.lower_rate, abs=1e-4)
    assert hyper.upper_rate == pytest.approx(binom.upper_rate, abs=1e-4)


def test_finite_universe_interval_is_no_wider_than_binomial():
    hyper = appraise_attribute(100, 7, 500)
    binom = appraise_attribute(100, 7, 500, method="clopper-pearson")
    assert binom.lower_rate <= hyper.lower_rate <= hyper.upper_rate <= binom.upper_rate


@pytest.mark.parametrize("args, kwargs, message", [
    ((10, 11, 100), {}, r"errors \(11\) cannot exceed the sample size \(10\)"),
    ((101, 1, 100), {}, "larger than the universe size"),
    ((10, 1), {}, "needs the universe size"),
    ((10, 1, 100), {"method": "wilson"}, "method must be one of"),
    ((0, 0, 100), {}, "sample size must be a whole number >= 1"),
])
def test_attribute_bad_counts_are_usage_errors(args, kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        appraise_attribute(*args, **kwargs)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_attribute_limits_contain_the_projection_and_widen_with_confidence(data):
    big_n = data.draw(st.integers(min_value=2, max_value=3000))
    n = data.draw(st.integers(min_value=1, max_value=min(big_n, 200)))
    k = data.draw(st.integers(min_value=0, max_value=n))
    a80, a95 = (appraise_attribute(n, k, big_n, confidence=c) for c in (0.80, 0.95))
    # The hypergeometric limits are whole numbers of errors in the universe; the projection
    # (errors x N / n) need not be, so it is held to the whole numbers on either side of it.
    projected = a80.projected_errors
    assert a80.lower_errors <= math.ceil(projected - 1e-9) and math.floor(projected + 1e-9) <= a80.upper_errors
    assert a95.lower_errors <= a80.lower_errors and a95.upper_errors >= a80.upper_errors


# --- minimum-sum lower bound -------------------------------------------------------------------

def test_minimum_sum_with_equal_payments_is_count_bound_times_payment():
    """30 sampled of 1,000 equal $100 payments, 6 fully in error."""
    r = minimum_sum_lower_bound([10000] * 970, [10000] * 6 + [0] * 24)
    low, _ = brute_force_limits(1000, 30, 6, 0.10)
    assert r.errors_lower_bound == low == errors_lower_bound(1000, 30, 6, 0.10)
    assert r.lower_bound_cents == 10000 * low
    assert (r.added_units, r.sample_overpayment_cents) == (low - 6, 60000)


def test_minimum_sum_adds_the_smallest_unsampled_payments():
    unsampled = list(range(1, 471))[::-1]
    r = minimum_sum_lower_bound(unsampled, [500, 0, 700] + [0] * 27)
    assert r.lower_bound_cents == 1200 + sum(range(1, r.added_units + 1))


def test_minimum_sum_without_errors_is_zero():
    assert minimum_sum_lower_bound([500] * 100, [0] * 20).lower_bound_cents == 0


def test_errors_upper_bound_is_universe_when_all_sampled_in_error():
    assert errors_upper_bound(80, 10, 10) == 80


# --- sample size ------------------------------------------------------------------------------

def half_width(n, big_n, sd, confidence):
    """t(n-1) * N * s * sqrt(1/n - 1/N), straight from the formula."""
    t = stats.t.ppf(1 - (1 - confidence) / 2, n - 1)
    return t * big_n * sd * math.sqrt(1 / n - 1 / big_n)


@pytest.mark.parametrize("big_n, sd, mean, confidence, precision", [
    (1000, 3475.32, 1520.17, 0.90, 0.25),
    (25000, 9000, 2500, 0.90, 0.10),
    (300, 100, 5000, 0.95, 0.05),
])
def test_sample_size_is_smallest_n_meeting_the_target(big_n, sd, mean, confidence, precision):
    plan = variable_sample_size(big_n, sd, mean_cents=mean, confidence=confidence,
                                precision=precision)
    target = precision * big_n * mean
    n = plan.sample_size
    assert plan.target_half_width_cents == pytest.approx(target)
    assert half_width(n, big_n, sd, confidence) <= target or n == big_n
    assert n == 2 or half_width(n - 1, big_n, sd, confidence) > target
    assert plan.critical_value == pytest.approx(stats.t.ppf(1 - (1 - confidence) / 2, n - 1))


def test_sample_size_with_an_amount_target_and_zero_spread():
    assert variable_sample_size(500, 0, precision_amount_cents=100).sample_size == 2
    plan = variable_sample_size(500, 2000, precision_amount_cents=50_000)
    assert half_width(plan.sample_size, 500, 2000, 0.90) <= 50_000


def test_tighter_precision_needs_more_units_but_never_more_than_universe():
    sizes = [variable_sample_size(2000, 3000, mean_cents=1000, precision=p).sample_size
             for p in (0.5, 0.25, 0.1, 0.01)]
    assert sizes == sorted(sizes) and sizes[-1] <= 2000


def test_probe_sample_size_uses_probe_mean_and_sd():
    probe = [0, 0, 4520, 0, 11200, 0, 0, 3875, 0, 7640]
    plan = probe_sample_size(probe, 5000, precision=0.25)
    direct = variable_sample_size(5000, float(np.std(probe, ddof=1)),
                                  mean_cents=float(np.mean(probe)), precision=0.25)
    assert plan == direct


@pytest.mark.parametrize("kwargs, message", [
    ({"universe_size": 100, "sd_cents": 10, "precision": 0.1}, "non-zero expected mean"),
    ({"universe_size": 100, "sd_cents": 10}, "exactly one target"),
    ({"universe_size": 100, "sd_cents": -1, "precision_amount_cents": 5}, "standard deviation"),
    ({"universe_size": 1, "sd_cents": 10, "precision_amount_cents": 5}, "universe size"),
])
def test_sample_size_bad_inputs_are_usage_errors(kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        variable_sample_size(**kwargs)
