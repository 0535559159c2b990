"""Helpers behind the lesson notebooks: report's charts, appeals' timeline, sampling's repeated appraisals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from recoup_lib.appeals import TIMELINE_COLUMNS, load_profiles, medicare_dates, medicare_timeline
from recoup_lib.report import (cash_flow_chart, money_bar_chart, pareto_table, sampling_chart, timeline_chart,
                               weekly_cash)
from recoup_lib.report import plot_pareto as pareto_chart
from recoup_lib.sampling import appraise_variable, one_sided_lower_bound, repeated_appraisals, select_sample

PROFILES = load_profiles()
DAYS = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


# --- medicare_timeline ------------------------------------------------------------------------

@settings(max_examples=50, deadline=None)
@given(DAYS)
def test_medicare_timeline_days_match_medicare_dates(day):
    events = medicare_timeline(day, PROFILES)
    dates = medicare_dates([day], PROFILES).iloc[0]
    assert list(events.columns) == list(TIMELINE_COLUMNS)
    assert events["day"].is_monotonic_increasing
    for row in events.itertuples():
        assert row.day == (row.date - dates["notice_date"]).days + 1
    assert set(events["date"]) == {dates[c] for c in ("notice_date", "rebuttal_by", "stop_offset_by",
                                                      "interest_from", "offset_starts", "file_by")}


def test_medicare_timeline_first_row_is_day_one_on_the_letter_date():
    events = medicare_timeline("2025-06-02")
    assert events.loc[0, "day"] == 1
    assert events.loc[0, "date"] == pd.Timestamp("2025-06-02")
    offset = events.loc[events["event"] == "Offset starts"].iloc[0]
    assert offset["date"] == medicare_dates(["2025-06-02"]).iloc[0]["offset_starts"]


def test_timeline_chart_marks_every_event():
    events = medicare_timeline("2025-06-02")
    fig = timeline_chart(events, title="t")
    assert isinstance(fig, Figure)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for row in events.itertuples():
        assert f"day {row.day} " in texts


# --- weekly_cash ------------------------------------------------------------------------------

def _payments(dates, cents):
    return pd.DataFrame({"payment_date": pd.to_datetime(dates),
                         "paid_cents": np.asarray(cents, dtype=np.int64)})


def test_weekly_cash_takes_offset_only_from_payments_on_or_after_the_start():
    pay = _payments(["2025-01-06", "2025-01-13", "2025-01-20", "2025-01-27"],
                    [10000, 10000, 10000, 10000])
    weekly = weekly_cash(pay, 15000, "2025-01-13")
    assert weekly["offset_cents"].tolist() == [0, 10000, 5000, 0]
    assert weekly["deposited_cents"].tolist() == [10000, 0, 5000, 10000]
    assert weekly["still_owed_cents"].tolist() == [15000, 5000, 0, 0]


def test_weekly_cash_never_offsets_against_a_negative_day():
    pay = _payments(["2025-01-13", "2025-01-14"], [-3000, 8000])
    weekly = weekly_cash(pay, 5000, "2025-01-01")
    assert weekly["offset_cents"].sum() == 5000
    assert weekly["paid_cents"].sum() == 5000
    assert weekly["deposited_cents"].sum() == 0


def test_weekly_cash_rejects_a_negative_offset():
    with pytest.raises(ValueError, match="offset_cents must be 0 or more; got -1"):
        weekly_cash(_payments(["2025-01-06"], [100]), -1, "2025-01-01")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 120), st.integers(-20000, 50000)), min_size=1, max_size=40),
       st.integers(0, 500000), st.integers(0, 120))
def test_weekly_cash_conserves_money(rows, debt, start):
    base = pd.Timestamp("2025-01-01")
    pay = _payments([base + pd.Timedelta(days=d) for d, _ in rows], [c for _, c in rows])
    weekly = weekly_cash(pay, debt, base + pd.Timedelta(days=start))
    assert weekly["paid_cents"].sum() == pay["paid_cents"].sum()
    assert (weekly["deposited_cents"] == weekly["paid_cents"] - weekly["offset_cents"]).all()
    assert (weekly["offset_cents"] >= 0).all()
    assert weekly["offset_cents"].sum() <= debt
    assert weekly["still_owed_cents"].iloc[-1] == debt - weekly["offset_cents"].sum()
    daily = pay.groupby("payment_date")["paid_cents"].sum()
    later = daily[daily.index >= base + pd.Timedelta(days=start)].clip(lower=0).sum()
    assert weekly["offset_cents"].sum() == min(debt, later)


def test_cash_flow_chart_draws_deposits_and_offsets():
    pay = _payments(["2025-01-06", "2025-01-13"], [10000, 10000])
    fig = cash_flow_chart(weekly_cash(pay, 2500, "2025-01-10"), title="t",
                          marks={"offset starts": "2025-01-10"})
    assert len(fig.axes[0].patches) == 4
    assert any("offset starts" in t.get_text() for t in fig.axes[0].texts)


# --- pareto -----------------------------------------------------------------------------------

@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=12))
def test_pareto_table_sorted_and_cumulative_ends_at_one(values):
    frame = pd.DataFrame({"k": [f"c{i}" for i in range(len(values))], "v": values})
    table = pareto_table(frame, "k", "v")
    assert table["v"].is_monotonic_decreasing
    assert sorted(table["k"]) == sorted(frame["k"])
    if sum(values):
        assert table["cumulative_share"].iloc[-1] == pytest.approx(1.0)
        assert table["cumulative_share"].is_monotonic_increasing
    else:
        assert (table["cumulative_share"] == 0).all()


def test_pareto_chart_has_a_bar_per_row_and_a_running_line():
    frame = pd.DataFrame({"k": ["a", "b", "c"], "v": [100, 300, 50]})
    fig = pareto_chart(frame, "k", "v")
    bars, line = fig.axes
    assert len(bars.patches) == 3
    assert list(line.lines[0].get_ydata()) == pytest.approx([300 / 450 * 100, 400 / 450 * 100, 100])


def test_money_bar_chart_draws_dollars():
    fig = money_bar_chart(pd.DataFrame({"k": ["a", "b"], "v": [12345, 50]}), "k", "v",
                          horizontal=True)
    widths = [p.get_width() for p in fig.axes[0].patches]
    assert widths == pytest.approx([123.45, 0.5])


# --- repeated_appraisals ----------------------------------------------------------------------

def _universe(seed=3, size=400):
    rng = np.random.default_rng(seed)
    return np.where(rng.random(size) < 0.2, rng.integers(500, 40000, size), 0).astype(np.int64)


def test_repeated_appraisals_draw_what_select_sample_draws():
    values = _universe()
    frame = pd.DataFrame({"unit": [f"U{i:04d}" for i in range(len(values))], "v": values})
    sim = repeated_appraisals(values, 30, 5, seed=100)
    for row in sim.itertuples():
        chosen = select_sample(frame, "unit", 30, seed=int(row.seed)).units
        assert row.nonzero == int((chosen["v"] != 0).sum())


def test_repeated_appraisals_match_appraise_variable_to_the_cent():
    values = _universe()
    frame = pd.DataFrame({"unit": [f"U{i:04d}" for i in range(len(values))], "v": values})
    sim = repeated_appraisals(values, 40, 8, seed=7, confidence=0.90)
    for row in sim.itertuples():
        chosen = select_sample(frame, "unit", 40, seed=int(row.seed)).units
        appraisal = appraise_variable(chosen.rename(columns={"v": "overpayment_cents"}),
                                      universe_size=len(values))
        assert abs(row.point_estimate_cents - appraisal.point_estimate_cents) <= 1
        assert abs(row.lower_bound_cents - one_sided_lower_bound(appraisal, 0.90)) <= 1


def test_repeated_appraisals_same_seed_same_result():
    values = _universe()
    pd.testing.assert_frame_equal(repeated_appraisals(values, 20, 10, seed=1),
                                  repeated_appraisals(values, 20, 10, seed=1))


@pytest.mark.parametrize("size, repeats, message", [
    (1, 5, "sample_size must be between 2 and 399"),
    (400, 5, "sample_size must be between 2 and 399"),
    (10, 0, "repeats must be at least 1"),
])
def test_repeated_appraisals_rejects_bad_sizes(size, repeats, message):
    with pytest.raises(ValueError, match=message):
        repeated_appraisals(_universe(), size, repeats, seed=0)


def test_sampling_chart_reports_the_share_under_the_truth():
    values = _universe()
    sim = repeated_appraisals(values, 30, 50, seed=0)
    truth = int(values.sum())
    fig = sampling_chart(sim, truth)
    share = (sim["lower_bound_cents"] <= truth).mean()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(f"{share:.1%} at or below the truth" in text for text in labels)


# --- read_recoupment_labels / appeal_outcomes --------------------------------------------------

from recoup_lib.errors import InputError  # noqa: E402
from recoup_lib.appeals import OUTCOME_COLUMNS, appeal_outcomes, read_recoupment_labels  # noqa: E402
from recoup_lib.synthetic import generate_practice, write_practice  # noqa: E402


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return write_practice(generate_practice(lines=600, seed=4), tmp_path_factory.mktemp("practice"))


def test_read_recoupment_labels_types_the_generated_answer_key(generated):
    key = read_recoupment_labels(generated / "recoupment_labels.csv")
    notices = pd.read_csv(generated / "notices.csv", dtype="str")
    assert key["notice_id"].tolist() == notices["notice_id"].tolist()
    for column in ("valid", "merits", "within_lookback", "appealed"):
        assert key[column].dtype == bool, column
    assert pd.api.types.is_datetime64_any_dtype(key["notice_date"])
    assert (key["valid"] == (key["merits"] & key["within_lookback"])).all()
    raw = pd.read_csv(generated / "recoupment_labels.csv", dtype="str")
    assert key["amount_cents"].tolist() == [round(float(a) * 100) for a in raw["amount"]]


def test_read_recoupment_labels_names_the_bad_row_and_column(tmp_path, generated):
    text = (generated / "recoupment_labels.csv").read_text().splitlines()
    header = text[0].split(",")
    cells = text[1].split(",")
    cells[header.index("valid")] = "maybe"
    (tmp_path / "recoupment_labels.csv").write_text("\n".join([text[0], ",".join(cells)] + text[2:]) + "\n")
    with pytest.raises(InputError, match=r"recoupment_labels\.csv.*row 2.*valid"):
        read_recoupment_labels(tmp_path / "recoupment_labels.csv")
    with pytest.raises(InputError, match="absent.csv: file not found"):
        read_recoupment_labels(tmp_path / "absent.csv")


def test_appeal_outcomes_only_appealed_notices_won_exactly_when_invalid(generated):
    key = read_recoupment_labels(generated / "recoupment_labels.csv")
    outcomes = appeal_outcomes(key, level="Redetermination")
    filed = key.loc[key["appealed"]]
    assert list(outcomes.columns) == list(OUTCOME_COLUMNS)
    assert outcomes["notice_id"].tolist() == filed["notice_id"].tolist()
    assert (outcomes["outcome"] == "favorable").tolist() == (~filed["valid"]).tolist()
    assert set(outcomes["level"]) <= {"Redetermination"}


def test_appeal_outcomes_are_accepted_by_the_report(generated):
    from recoup_lib.report import appeal_overturn_rate, metric_value, outcomes_frame

    key = pd.DataFrame({"notice_id": ["N1", "N2", "N3", "N4"], "valid": [True, False, False, True],
                        "appealed": [True, True, False, False]})
    rate = appeal_overturn_rate(outcomes_frame(appeal_outcomes(key)))
    assert metric_value(rate, "appeal_overturn_rate") == 50.0


def test_appeal_outcomes_missing_column_is_named():
    with pytest.raises(ValueError, match="'appealed'"):
        appeal_outcomes(pd.DataFrame({"notice_id": ["N1"], "valid": [True]}))
