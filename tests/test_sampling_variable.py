"""Variable appraisal (recoup_lib.sampling.appraise_variable): golden vectors and invariants."""

from __future__ import annotations

import json
import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from recoup_lib.errors import InputError, InvalidParameterError
from recoup_lib.sampling import (
    CONTRACT_KEYS,
    appraise_variable,
    demand_amount,
    one_sided_lower_bound,
    read_sample_file,
    read_strata_file,
)

DATA = Path(__file__).parent / "data" / "sampling"

# docs/sources.md §4.4: fictional sample of 30 claims from a universe of 1,000.
DOMAIN_CENTS = [0, 0, 4520, 0, 0, 11200, 0, 0, 0, 3875, 0, 0, 0, 0, 7640, 0, 0, 0, 0, 0,
                5210, 0, 0, 0, 0, 0, 0, 13160, 0, 0]


def frame_of(cents, strata=None) -> pd.DataFrame:
    df = pd.DataFrame({"overpayment_cents": np.asarray(cents, dtype=np.int64)})
    if strata is not None:
        df["stratum"] = strata
    return df


def half_up_cents(dollars: float) -> float:
    """Independent rounding for expectations: dollars -> dollars rounded half-up to the cent."""
    return float(Decimal(repr(float(dollars))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- the docs/sources.md §4.4 worked vector ----------------------------------------------------------

@pytest.fixture(scope="module")
def domain():
    return appraise_variable(frame_of(DOMAIN_CENTS), universe_size=1000)


def test_domain_vector_contract_keys_match_table_at_90_percent(domain):
    out = domain.to_dict()
    assert {k: out[k] for k in CONTRACT_KEYS} == {
        "sample_size": 30, "universe_size": 1000, "point_estimate": 15201.67,
        "standard_error": 6249.14, "lower_bound": 4583.58, "upper_bound": 25819.75,
        "precision": 0.6985, "confidence": 0.90,
    }


def test_domain_vector_stratum_statistics_match_table(domain):
    row = domain.strata.iloc[0]
    assert round(row.mean_cents / 100, 6) == 15.201667
    assert round(row.sd_cents / 100, 6) == 34.753225
    assert round(domain.standard_error_cents / 100 / 1000, 6) == pytest.approx(6.249141, abs=1e-5)


@pytest.mark.parametrize("confidence, t_value, lower, upper, precision", [
    (0.80, 1.311434, 7006.33, 23397.00, 0.5391),
    (0.90, 1.699127, 4583.58, 25819.75, 0.6985),
    (0.95, 2.045230, 2420.74, 27982.60, 0.8408),
])
def test_domain_vector_limits_at_80_90_95_match_table(domain, confidence, t_value, lower, upper,
                                                      precision):
    iv = domain.interval(confidence)
    assert round(iv.critical_value, 6) == t_value
    assert (iv.lower_cents / 100, iv.upper_cents / 100) == (lower, upper)
    assert round(iv.precision, 4) == precision


def test_domain_vector_80_percent_precision_amount_is_8195_33(domain):
    lim = domain.to_dict()["limits"][0]
    assert (lim["confidence"], lim["precision_amount"], lim["precision"]) == (0.8, 8195.33, 0.5391)


def test_domain_vector_one_sided_90_lower_bound_equals_two_sided_80_lower(domain):
    assert one_sided_lower_bound(domain, 0.90) == 700633
    assert domain.to_dict()["one_sided_90_lower_bound"] == 7006.33


def test_domain_vector_demand_bases_pick_lower_bound_or_point_estimate(domain):
    assert demand_amount(domain) == 700633
    assert demand_amount(domain, "point_estimate") == 1520167
    with pytest.raises(InvalidParameterError, match="basis must be one of"):
        demand_amount(domain, "average")


def test_domain_vector_read_from_csv_gives_same_estimate():
    sample = read_sample_file(DATA / "domain_4_4_sample.csv")
    a = appraise_variable(sample.data, universe_size=1000)
    assert (a.point_estimate_cents, a.interval().lower_cents) == (1520167, 458358)


# --- stratified appraisal, checked by hand -----------------------------------------------------

@pytest.fixture(scope="module")
def hand_strata():
    sample = read_sample_file(DATA / "stratified_sample.csv")
    return sample, read_strata_file(DATA / "stratified_strata.csv")


def test_stratified_hand_case_point_and_standard_error(hand_strata):
    """Stratum A: N=10, values $0, $10, $20 -> mean 10, s^2 = 100, T_A = $100,
    Var_A = 10^2 (1 - 3/10) 100 / 3 = 7000/3.
    Stratum B: N=20, values $5, $5, $5, $25 -> mean 10, s^2 = 300/3 = 100, T_B = $200,
    Var_B = 20^2 (1 - 4/20) 100 / 4 = 8000.
    Stratum C: N=50, three zeros -> T_C = 0, Var_C = 0.
    T = $300.00; SE = sqrt(31000/3) = $101.653004... -> $101.65."""
    sample, strata = hand_strata
    out = appraise_variable(sample.data, strata=strata).to_dict()
    assert (out["sample_size"], out["universe_size"]) == (10, 80)
    assert out["point_estimate"] == 300.00
    assert out["standard_error"] == 101.65
    assert [s["point_estimate"] for s in out["strata"]] == [100.00, 200.00, 0.00]


def test_stratified_hand_case_satterthwaite_df_is_1922_over_433(hand_strata):
    """df = (7000/3 + 8000)^2 / ((7000/3)^2 / 2 + 8000^2 / 3) = 1922/433 = 4.4388;
    the all-zero stratum C adds nothing to either sum."""
    sample, strata = hand_strata
    a = appraise_variable(sample.data, strata=strata)
    assert a.df == pytest.approx(1922 / 433, rel=1e-12)
    t = stats.t.ppf(0.95, 1922 / 433)
    se = math.sqrt(31000 / 3)
    out = a.to_dict()
    assert out["lower_bound"] == half_up_cents(300 - t * se)
    assert out["upper_bound"] == half_up_cents(300 + t * se)
    assert out["precision"] == round(t * se / 300, 4)


@pytest.mark.parametrize("method, level", [("pooled", stats.t(7)), ("normal", stats.norm())])
def test_stratified_hand_case_pooled_uses_n_minus_L_and_normal_uses_z(hand_strata, method, level):
    sample, strata = hand_strata
    out = appraise_variable(sample.data, strata=strata, df_method=method,
                            confidence=0.95).to_dict()
    q = level.ppf(0.975)
    assert out["lower_bound"] == half_up_cents(300 - q * math.sqrt(31000 / 3))
    assert out["degrees_of_freedom"] == (7 if method == "pooled" else None)


def test_stratified_all_zero_stratum_adds_universe_but_no_error(hand_strata):
    sample, strata = hand_strata
    with_c = appraise_variable(sample.data, strata=strata)
    without_c = appraise_variable(sample.data[sample.data.stratum != "C"],
                                  strata={"A": 10, "B": 20})
    assert with_c.point_exact == without_c.point_exact
    assert with_c.variance_exact == without_c.variance_exact
    assert with_c.universe_size == without_c.universe_size + 50
    assert with_c.strata.set_index("stratum").loc["C", "standard_error_cents"] == 0


def test_stratified_one_stratum_equals_unstratified_for_t_methods():
    strat = appraise_variable(frame_of(DOMAIN_CENTS, ["X"] * 30), strata={"X": 1000})
    plain = appraise_variable(frame_of(DOMAIN_CENTS), universe_size=1000)
    assert strat.df == plain.df == 29
    assert strat.interval().lower_cents == plain.interval().lower_cents


def test_all_zero_sample_gives_zero_estimate_and_null_precision():
    out = appraise_variable(frame_of([0] * 12), universe_size=500).to_dict()
    assert (out["point_estimate"], out["standard_error"], out["lower_bound"],
            out["upper_bound"], out["precision"]) == (0.0, 0.0, 0.0, 0.0, None)


# --- census (n = N) and exact cents ------------------------------------------------------------

def test_full_census_has_zero_error_and_limits_equal_point():
    """n = N: the finite population correction (1 - n/N) is 0."""
    cents = [100, 250, 0, 999]
    a = appraise_variable(frame_of(cents), universe_size=4)
    out = a.to_dict()
    assert (out["point_estimate"], out["standard_error"]) == (13.49, 0.0)
    assert out["lower_bound"] == out["upper_bound"] == 13.49
    assert out["precision"] == 0.0


def test_census_stratum_of_one_unit_is_accepted():
    a = appraise_variable(frame_of([50000, 0, 100, 300], ["big", "s", "s", "s"]),
                          strata={"big": 1, "s": 30})
    big = a.strata.set_index("stratum").loc["big"]
    assert (big.point_estimate_cents, big.standard_error_cents) == (50000, 0)
    assert a.point_estimate_cents == 50000 + round(30 * 400 / 3)


@pytest.mark.parametrize("cents, expected", [([1, 0], 0.02), ([-1, 0], -0.02), ([3, 0], 0.05)])
def test_point_estimate_rounds_half_cent_away_from_zero(cents, expected):
    """N = 3, n = 2: T = 3 x sum / 2, so a 1-cent sum gives exactly 1.5 cents."""
    assert appraise_variable(frame_of(cents), universe_size=3).to_dict()["point_estimate"] == \
        expected


def test_large_amounts_keep_exact_cents_without_int64_overflow():
    cents = [9_000_000_000_00, 1, 0, 7]
    a = appraise_variable(frame_of(cents), universe_size=10**7)
    assert a.point_exact == Fraction(10**7 * sum(cents), 4)
    assert a.standard_error_cents > 0


# --- bad input -------------------------------------------------------------------------------

def test_sample_larger_than_universe_is_refused():
    with pytest.raises(InputError, match="sample size 30 is larger than the universe size 10"):
        appraise_variable(frame_of(DOMAIN_CENTS), universe_size=10)


def test_single_unit_sample_is_refused():
    with pytest.raises(InputError, match="at least 2 are needed"):
        appraise_variable(frame_of([500]), universe_size=100)


def test_sampled_stratum_missing_from_strata_and_empty_stratum_are_both_listed():
    with pytest.raises(InputError, match=r"'Z' is in the sample but has no universe size.*"
                                         r"stratum 'B': universe size 9 but no sampled unit"):
        appraise_variable(frame_of([1, 2, 3, 4], ["A", "A", "Z", "Z"]), strata={"A": 5, "B": 9})


def test_a_stratum_missing_from_a_strata_file_is_named_against_that_file_for_a_python_caller(tmp_path):
    """Only ``recoup extrapolate`` named the strata file (and the sample's rows) when a stratum of the sample
    has no universe size there; a Python caller of appraise_variable was told of the sample alone."""
    (tmp_path / "reviewed.csv").write_text("sample_id,overpayment,stratum\nA,1,x\nB,2,x\nC,3, Y\nD,4,y\n")
    (tmp_path / "strata.csv").write_text("stratum,universe_size\nx,50\n")
    sample = read_sample_file(tmp_path / "reviewed.csv", stratified=True)
    with pytest.raises(InputError) as refused:
        appraise_variable(sample.data, strata=read_strata_file(tmp_path / "strata.csv"), label="reviewed.csv")
    assert str(refused.value).startswith("strata.csv: 1 stratum(s) of the sample have no universe size")
    assert ("strata.csv, column 'stratum': expected a row for stratum 'Y' with its universe_size; reviewed.csv "
            "holds it at row(s) 4, 5") in str(refused.value)


def test_sample_strata_match_the_strata_given_ignoring_case_and_spaces():
    exact = appraise_variable(frame_of([1, 2, 3, 4], ["A", "A", "B", "B"]), strata={"A": 5, "B": 9})
    respelled = appraise_variable(frame_of([1, 2, 3, 4], ["a", " A", "B ", "b"]), strata={"A": 5, "B": 9})
    assert respelled.to_dict() == exact.to_dict()
    assert respelled.strata["stratum"].tolist() == ["A", "B"]
    assert appraise_variable(frame_of([1, 2], ["a", "A"]), universe_size=5).sample_size == 2


def test_strata_spelled_alike_but_for_case_are_refused_naming_both():
    with pytest.raises(InputError, match=r"s.csv: strata 'B' and 'b' differ only by case"):
        appraise_variable(frame_of([1, 2, 3, 4], ["A", "A", "B", "B"]), strata={"A": 5, "B": 9, "b": 3},
                          label="s.csv")


def test_both_or_neither_universe_and_strata_is_usage_error():
    with pytest.raises(InvalidParameterError, match="exactly one of universe_size"):
        appraise_variable(frame_of([1, 2]))
    with pytest.raises(InvalidParameterError, match="exactly one of universe_size"):
        appraise_variable(frame_of([1, 2], ["A", "A"]), universe_size=5, strata={"A": 5})


def test_stratified_sample_given_only_a_universe_size_is_refused():
    with pytest.raises(InputError, match="the sample has 2 strata"):
        appraise_variable(frame_of([1, 2, 3, 4], ["A", "A", "B", "B"]), universe_size=50)


@pytest.mark.parametrize("confidence", [0, 1, 1.2, -0.5, "ninety"])
def test_confidence_outside_zero_one_is_usage_error(confidence):
    with pytest.raises(InvalidParameterError, match="confidence must be"):
        appraise_variable(frame_of([1, 2]), universe_size=5, confidence=confidence)


def test_unknown_df_method_is_usage_error():
    with pytest.raises(InvalidParameterError, match="df_method must be one of satterthwaite"):
        appraise_variable(frame_of([1, 2]), universe_size=5, df_method="welch")


def test_missing_overpayment_value_is_refused():
    df = pd.DataFrame({"overpayment_cents": pd.array([1, None, 3], dtype="Int64")})
    with pytest.raises(InputError, match="1 sampled unit"):
        appraise_variable(df, universe_size=10)


# --- invariants ------------------------------------------------------------------------------

samples = st.lists(st.integers(min_value=0, max_value=5_000_000), min_size=2, max_size=40)


@settings(max_examples=60, deadline=None)
@given(cents=samples, extra=st.integers(min_value=0, max_value=100_000),
       confidence=st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99]))
def test_bounds_are_ordered_around_the_point_estimate(cents, extra, confidence):
    a = appraise_variable(frame_of(cents), universe_size=len(cents) + extra,
                          confidence=confidence)
    out = a.to_dict()
    assert out["lower_bound"] <= out["point_estimate"] <= out["upper_bound"]
    assert a.one_sided_lower(0.90).lower_cents == a.interval(0.80).lower_cents


@settings(max_examples=60, deadline=None)
@given(cents=samples, extra=st.integers(min_value=1, max_value=100_000),
       levels=st.lists(st.floats(min_value=0.5, max_value=0.995), min_size=2, max_size=2,
                       unique=True))
def test_wider_confidence_gives_a_wider_interval(cents, extra, levels):
    low_c, high_c = sorted(levels)
    a = appraise_variable(frame_of(cents), universe_size=len(cents) + extra)
    narrow, wide = a.interval(low_c), a.interval(high_c)
    assert wide.lower_exact <= narrow.lower_exact
    assert wide.upper_exact >= narrow.upper_exact
    assert wide.lower_cents <= narrow.lower_cents and wide.upper_cents >= narrow.upper_cents


@settings(max_examples=60, deadline=None)
@given(cents=samples, extra=st.integers(min_value=0, max_value=100_000),
       k=st.integers(min_value=2, max_value=1000))
def test_scaling_overpayments_by_k_scales_estimates_within_a_cent(cents, extra, k):
    """Each figure is rounded once, so est(k*y) is within half a cent of k * unrounded est(y)."""
    base = appraise_variable(frame_of(cents), universe_size=len(cents) + extra)
    scaled = appraise_variable(frame_of([k * c for c in cents]), universe_size=len(cents) + extra)
    assert abs(scaled.point_estimate_cents - k * base.point_exact) <= Fraction(1, 2)
    assert abs(Decimal(scaled.standard_error_cents) - k * base.standard_error_exact) <= \
        Decimal("0.5000001")
    iv, iv_k = base.interval(), scaled.interval()
    assert abs(Decimal(iv_k.lower_cents) - k * iv.lower_exact) <= Decimal("0.5000001")
    assert abs(Decimal(iv_k.upper_cents) - k * iv.upper_exact) <= Decimal("0.5000001")


@settings(max_examples=40, deadline=None)
@given(a=samples, b=samples, extra=st.integers(min_value=0, max_value=1000),
       method=st.sampled_from(["satterthwaite", "pooled", "normal"]))
def test_stratified_point_is_sum_of_stratum_points_and_bounds_ordered(a, b, extra, method):
    df = frame_of(a + b, ["A"] * len(a) + ["B"] * len(b))
    strata = {"A": len(a) + extra, "B": len(b) + 2 * extra}
    res = appraise_variable(df, strata=strata, df_method=method)
    expected = Fraction(strata["A"] * sum(a), len(a)) + Fraction(strata["B"] * sum(b), len(b))
    assert res.point_exact == expected
    out = res.to_dict()
    assert out["lower_bound"] <= out["point_estimate"] <= out["upper_bound"]
    if method == "satterthwaite" and res.variance_exact > 0:
        assert min(len(a), len(b)) - 1 - 1e-9 <= res.df <= len(a) + len(b) - 2 + 1e-9


def test_to_json_writes_money_from_cents_and_to_dict_reads_it_back():
    a = appraise_variable(frame_of(DOMAIN_CENTS), universe_size=1000)
    text = a.to_json(rows_read=30)
    assert '"upper_bound": 23397.00' in text and '"precision_amount": 8195.33' in text
    assert text.rstrip().endswith('"rows_read": 30\n}')
    assert {k: v for k, v in json.loads(text).items() if k != "rows_read"} == a.to_dict()
    assert a.to_dict()["limits"][0]["upper_bound"] == 23397.0


def test_appraisal_beyond_a_trillion_dollars_stays_exact_but_is_not_reported(tmp_path):
    a = appraise_variable(frame_of([99_999_999_999_999, 99_999_999_999_999]),
                          universe_size=999_999_999, label="s.csv")
    assert a.point_estimate_cents == 99_999_999_999_999 * 999_999_999
    for report in (a.to_json, a.to_dict, a.report, lambda: a.write(tmp_path / "out")):
        with pytest.raises(InputError, match=r"^s\.csv: cannot report the extrapolation: its "
                                             r"point estimate would be \$999,999,998,999,"):
            report()
    assert not (tmp_path / "out").exists()


def test_a_limit_beyond_a_trillion_dollars_is_refused_by_name():
    # Point estimate $980 billion; its upper limits pass a trillion.
    a = appraise_variable(frame_of([10**13] * 2 + [0] * 8), universe_size=49)
    assert a.point_estimate_cents == 98_000_000_000_000
    with pytest.raises(InputError, match=r"its 80% upper limit would be \$1,"):
        a.to_json()


def test_stratum_beyond_a_trillion_dollars_is_refused_even_when_the_total_is_not():
    a = appraise_variable(frame_of([99_999_999_999_999] * 2 + [-99_999_999_999_999] * 2,
                                   ["A", "A", "B", "B"]), strata={"A": 2 * 10, "B": 2 * 10})
    assert a.point_estimate_cents == 0
    with pytest.raises(InputError, match=r"its (point estimate|standard error) of stratum 'A' "
                                         r"would be \$"):
        a.to_json()
