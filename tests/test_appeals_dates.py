"""Deadline arithmetic, next appeal levels, amounts in controversy and Medicare interest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup_lib.appeals import (
    add_months, aic_threshold, interest_due, interest_periods, interest_table, load_profiles, medicare_dates,
    next_level, period_interest, rate_on, shift, to_days,
)
from recoup_lib.money import apply_rate

PROFILES = load_profiles()
DAYS = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


def _d(values) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]")


@pytest.mark.parametrize("given, last", [
    (_d(["2025-01-31", "NaT", "10000-01-01"]), "10000-01-01"),
    (np.array(["2025-01-31T13:45", "NaT", "10000-01-01"], dtype="datetime64[us]"), "10000-01-01"),
    (pd.Series(np.array(["2025-01-31T13:45", "NaT", "2300-01-01"], dtype="datetime64[s]")), "2300-01-01"),
    (["2025-01-31", None, "2300-01-01"], "2300-01-01"),
])
def test_to_days_keeps_datetime64_input_as_it_is_whatever_the_year(given, last):
    """A datetime64 array went through Python objects: a day past datetime.date's range (year 10000) came
    back as 1970-01-01, and a million days took 0.2 s instead of a cast."""
    expected = ["2025-01-31", "NaT", last]
    got = to_days(given)
    assert got.dtype == np.dtype("datetime64[D]")
    np.testing.assert_array_equal(got, np.array(expected, dtype="datetime64[D]"))
    assert to_days(np.datetime64("2025-01-31T08:00")).tolist() == [dt.date(2025, 1, 31)]


@pytest.mark.parametrize("start, months, expected", [
    ("2024-02-29", 12, "2025-02-28"),   # leap day to a common year
    ("2024-02-29", 48, "2028-02-29"),   # leap day to a leap year
    ("2023-08-31", 6, "2024-02-29"),    # month end clipped to a leap February
    ("2022-08-31", 6, "2023-02-28"),    # month end clipped to a common February
    ("2024-01-31", 1, "2024-02-29"),
    ("2024-10-31", 1, "2024-11-30"),
    ("2023-12-31", 18, "2025-06-30"),   # year end, 30-day month
    ("2024-12-15", 24, "2026-12-15"),
])
def test_add_months_clips_to_the_last_day_of_the_target_month(start, months, expected):
    assert str(add_months(_d([start]), months)[0]) == expected


@settings(max_examples=200, deadline=None)
@given(DAYS, st.integers(0, 120))
def test_add_months_lands_in_the_right_month_never_later_day(day, months):
    got = add_months(_d([day]), months)[0].astype(object)
    assert (got.year - day.year) * 12 + got.month - day.month == months
    assert got.day <= day.day
    assert got.day == day.day or (got + dt.timedelta(days=1)).day == 1


@settings(max_examples=200, deadline=None)
@given(DAYS, st.integers(1, 400))
def test_shift_days_and_day_numbers_agree_with_timedelta(day, n):
    assert shift(_d([day]), n, "days")[0].astype(object) == day + dt.timedelta(days=n)
    assert shift(_d([day]), n, "day_number")[0].astype(object) == day + dt.timedelta(days=n - 1)


def test_shift_business_days_skips_weekends():
    # Friday 2025-01-03 + 1 business day = Monday 2025-01-06; + 5 = Friday 2025-01-10.
    got = shift(_d(["2025-01-03", "2025-01-03", "NaT"]), 1, "business_days")
    assert [str(x) for x in got] == ["2025-01-06", "2025-01-06", "NaT"]
    assert str(shift(_d(["2025-01-03"]), 5, "business_days")[0]) == "2025-01-10"


def test_shift_business_days_from_a_weekend_counts_the_next_monday_as_day_one():
    # Saturday 2025-03-01: working day 1 is Monday 2025-03-03, so 30 working days end on Friday 2025-04-11.
    assert str(shift(_d(["2025-03-01"]), 1, "business_days")[0]) == "2025-03-03"
    assert str(shift(_d(["2025-03-01"]), 30, "business_days")[0]) == "2025-04-11"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | st.integers(-40, 40) | st.integers(-(10**5), 10**5), max_size=120),
       st.sampled_from(["months", "business_days"]), st.integers(0, 36))
def test_shift_of_many_dates_is_the_shift_of_each_alone(offsets, unit, n):
    """Months and business days are worked out once per calendar day and looked up; each date gets its own."""
    dates = _d([np.datetime64("NaT") if o is None else np.datetime64("2024-02-29") + o for o in offsets])
    alone = [d if np.isnat(d) else (add_months(_d([d]), n)[0] if unit == "months"
                                    else np.busday_offset(d, n, roll="backward")) for d in dates]
    got = shift(dates, n, unit)
    assert got.dtype == np.dtype("datetime64[D]")
    assert np.array_equal(got, _d(alone), equal_nan=True)


def test_shift_unknown_unit_raises_naming_it():
    with pytest.raises(ValueError, match="unknown unit 'weeks'"):
        shift(_d(["2025-01-03"]), 1, "weeks")


@settings(max_examples=200, deadline=None)
@given(DAYS)
def test_medicare_dates_follow_the_contract_offsets(day):
    row = medicare_dates([day], PROFILES).iloc[0]
    notice = pd.Timestamp(day)
    assert row["receipt_date"] == notice + pd.Timedelta(days=5)
    assert row["file_by"] == notice + pd.Timedelta(days=125)
    assert row["stop_offset_by"] == notice + pd.Timedelta(days=29)
    assert row["pay_without_interest_by"] == notice + pd.Timedelta(days=29)
    assert row["interest_from"] == notice + pd.Timedelta(days=30)
    assert row["offset_starts"] == notice + pd.Timedelta(days=40)
    assert row["rebuttal_by"] == notice + pd.Timedelta(days=14)


def test_medicare_dates_blank_notice_date_gives_blank_deadlines():
    row = medicare_dates(pd.Series(pd.to_datetime([None])), PROFILES).iloc[0]
    assert row.isna().all()


# --- after an unfavourable decision -------------------------------------------------------------


def test_next_level_after_redetermination_is_reconsideration_from_receipt():
    step = next_level("2024-02-29", 1, 50_00, profiles=PROFILES)
    assert step.name == "Reconsideration" and step.level == 2
    assert step.receipt_date == dt.date(2024, 3, 5)
    assert step.file_by == dt.date(2024, 3, 5) + dt.timedelta(days=180)
    assert step.stop_offset_by == dt.date(2024, 2, 29) + dt.timedelta(days=59)
    assert step.aic_threshold_cents is None and step.aic_met is None


@pytest.mark.parametrize("decision, disputed, threshold, year, met", [
    ("2024-12-31", 190_00, 190_00, 2025, True),    # filed in 2025: $190 needed, exactly met
    ("2024-12-31", 189_99, 190_00, 2025, False),
    ("2024-10-01", 180_00, 180_00, 2024, True),     # deadline still in 2024: $180
    ("2025-12-20", 199_99, 200_00, 2026, False),   # 2026: $200
])
def test_next_level_alj_checks_amount_in_controversy_for_the_filing_year(decision, disputed, threshold, year, met):
    step = next_level(decision, 2, disputed, profiles=PROFILES)
    assert step.name.startswith("Administrative Law Judge")
    assert (step.aic_threshold_cents, step.aic_year, step.aic_met) == (threshold, year, met)
    assert step.stop_offset_by is None  # an ALJ request does not stop recoupment


def test_next_level_court_uses_judicial_review_threshold():
    step = next_level("2025-06-02", 4, 1_900_00, profiles=PROFILES)
    assert step.name.startswith("Judicial review")
    assert (step.aic_threshold_cents, step.aic_met) == (1_900_00, True)
    assert step.file_by == dt.date(2025, 6, 7) + dt.timedelta(days=60)


def test_next_level_after_the_last_level_is_none():
    assert next_level("2025-06-02", 5, 10_000_00, profiles=PROFILES) is None


def test_aic_threshold_missing_year_uses_latest_earlier_year_and_says_so():
    cents, used, note = aic_threshold(2023, "alj_hearing", PROFILES)
    assert (cents, used) == (180_00, 2022)
    assert "no 2023 row" in note and "2022" in note
    assert aic_threshold(2016, "judicial_review", PROFILES) == (1_500_00, 2016, "")
    assert aic_threshold(1999, "alj_hearing", PROFILES)[0] is None


# --- interest -------------------------------------------------------------------------------------


def test_period_interest_matches_domain_test_vector():
    assert period_interest(1_000_000, "10.50") == 8750  # $10,000 x 10.50% x 30/360 = $87.50


def test_interest_due_payment_on_day_31_is_charged_exactly_one_period():
    # Notice 2012-02-01 (10.50% in force); day 31 is 2012-03-02.
    due = interest_due(1_000_000, "2012-02-01", "2012-03-02", PROFILES)
    assert (due.periods, due.total_cents) == (1, 8750)
    assert due.rate.rate_percent == "10.50" and due.rate.status == "secondary"
    assert due.next_period_on == dt.date(2012, 4, 1)  # day 61


@pytest.mark.parametrize("paid_on, periods", [
    ("2024-01-01", 0), ("2024-01-30", 0),   # day 1 and day 30: no interest
    ("2024-01-31", 1), ("2024-02-29", 1),   # day 31 and day 60: one started period
    ("2024-03-01", 2), ("2024-03-31", 3),   # day 61, day 91
    ("2023-12-31", 0),                       # paid before the notice
])
def test_interest_periods_count_every_started_period_from_day_31(paid_on, periods):
    assert interest_periods("2024-01-01", paid_on) == periods


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**10), st.sampled_from(["10.50", "10.375", "14.125", "9.75", "10.78", "11.00"]))
def test_period_interest_is_exact_half_up_rounding(principal, rate):
    exact = Fraction(principal) * Fraction(Decimal(rate)) * 30 / (100 * 360)
    floor = exact.numerator // exact.denominator
    want = floor + (1 if exact - floor >= Fraction(1, 2) else 0)
    assert period_interest(principal, rate) == want


def test_period_interest_exact_tie_rounds_up_where_a_truncated_decimal_rate_would_not():
    # 13.75% x 30/360 = 11/960, a repeating decimal; $4,363.20 x 11/960 is exactly 4999.5 cents.
    assert Fraction(436320) * Fraction(Decimal("13.75")) * 30 / 36000 == Fraction(9999, 2)
    assert period_interest(436320, "13.75") == 5000
    truncated_rate = Decimal("13.75") / 100 * 30 / 360
    assert apply_rate(436320, truncated_rate) == 4999  # why period_interest does not use apply_rate


def test_rate_on_is_none_outside_the_table_and_placeholder_is_marked():
    assert rate_on("2019-06-01", PROFILES) is None
    placeholder = rate_on("2025-06-01", PROFILES)
    assert placeholder.placeholder and placeholder.status == "unconfirmed"
    assert "PLACEHOLDER" in placeholder.describe()


def test_interest_table_names_placeholder_and_missing_rates_never_silently():
    frame = pd.DataFrame({
        "payer_type": ["medicare", "medicare", "commercial"],
        "notice_date": pd.to_datetime(["2025-03-01", "2019-06-01", "2025-03-01"]),
        "amount_cents": [1_000_000, 1_000_000, 1_000_000],
    })
    got = interest_table(frame, "2025-05-01", PROFILES)
    assert got["interest_rate_status"].tolist() == ["placeholder", "", ""]
    assert "PLACEHOLDER" in got["interest_note"].iloc[0]
    assert pd.isna(got["interest_accrued_cents"].iloc[0]) and got["interest_periods"].iloc[0] == 2
    assert "no rate in medicare_interest_rates.csv covers 2019-06-01" in got["interest_note"].iloc[1]
    assert pd.isna(got["interest_accrued_cents"].iloc[1])
    assert "no interest rule in the commercial profile" == got["interest_note"].iloc[2]


def test_interest_due_payer_without_interest_rule_raises():
    with pytest.raises(ValueError, match="commercial profile has no interest_from rule"):
        interest_due(100, "2025-01-01", "2025-03-01", PROFILES, payer_type="commercial")
