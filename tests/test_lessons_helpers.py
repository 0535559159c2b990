"""Helpers behind the lesson notebooks (recoup_lib.lessons)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from recoup_lib.appeals import load_profiles, medicare_dates
from recoup_lib.lessons import (
    TIMELINE_COLUMNS,
    cash_flow_chart,
    medicare_timeline,
    money_bar_chart,
    pareto_chart,
    pareto_table,
    repeated_appraisals,
    sampling_chart,
    timeline_chart,
    weekly_cash,
)
from recoup_lib.sampling import appraise_variable, one_sided_lower_bound, select_sample

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


# --- practice_notices / reversals_as_recoupments ------------------------------------------------

from recoup_lib.appeals import decide  # noqa: E402
from recoup_lib.lessons import NOTICE_COLUMNS, practice_notices, reversals_as_recoupments  # noqa: E402


def _audit_like(n_lines: int = 40, n_found: int = 20):
    lines = pd.DataFrame({"claim_id": [f"C{i:03d}" for i in range(n_lines)], "line_no": 1,
                          "payer_id": "MCR", "paid_cents": np.arange(1, n_lines + 1, dtype=np.int64) * 1000})
    findings = lines.iloc[:n_found].assign(error_type="upcoding",
                                           at_risk_cents=lambda f: f["paid_cents"] // 4)
    payments = lines[["claim_id", "line_no", "paid_cents"]].assign(
        payment_date=pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(n_lines) * 4, unit="D"))
    return findings, lines, payments


def test_practice_notices_same_seed_same_table_other_seed_other_table():
    findings, lines, payments = _audit_like()
    a = practice_notices(findings, lines, payments, "2025-06-30", seed=3, n=8)
    pd.testing.assert_frame_equal(a, practice_notices(findings, lines, payments, "2025-06-30", seed=3, n=8))
    assert not a.equals(practice_notices(findings, lines, payments, "2025-06-30", seed=4, n=8))
    assert list(a.columns) == list(NOTICE_COLUMNS)


def test_practice_notices_amounts_match_how_each_notice_was_built():
    findings, lines, payments = _audit_like()
    notices = practice_notices(findings, lines, payments, "2025-06-30", seed=5, n=12, partial_share=0.25, appeal_share=0.25)
    risk = notices.merge(findings[["claim_id", "line_no", "at_risk_cents"]], how="left")
    counts = notices["built_as"].value_counts()
    assert counts["accept"] == 6 and counts["partial"] == 3 and counts["appeal"] == 3
    assert (risk.loc[risk["built_as"] == "accept", "amount_cents"]
            == risk.loc[risk["built_as"] == "accept", "at_risk_cents"]).all()
    assert (risk.loc[risk["built_as"] == "partial", "amount_cents"]
            > risk.loc[risk["built_as"] == "partial", "at_risk_cents"]).all()
    assert risk.loc[risk["built_as"] == "appeal", "at_risk_cents"].isna().all()


def test_practice_notices_dates_within_window_and_responses_never_after_as_of():
    findings, lines, payments = _audit_like()
    notices = practice_notices(findings, lines, payments, "2025-06-30", seed=9, n=16, max_age_days=90)
    as_of = pd.Timestamp("2025-06-30")
    assert notices["notice_date"].between(as_of - pd.Timedelta(days=90), as_of).all()
    answered = notices.dropna(subset=["response_date"])
    assert len(answered) and (answered["response_date"] <= as_of).all()
    assert (answered["response_date"] > answered["notice_date"]).all()
    assert notices["notice_id"].is_unique and notices["notice_date"].is_monotonic_increasing
    first = notices.merge(payments, on=["claim_id", "line_no"])["payment_date"]
    assert (notices["notice_date"] >= first + pd.Timedelta(days=14)).all()


def test_practice_notices_decide_agrees_with_how_they_were_built():
    findings, lines, payments = _audit_like()
    notices = practice_notices(findings, lines, payments, "2025-06-30", seed=2, n=12)
    payers = pd.DataFrame({"payer_id": ["MCR"], "name": ["Medicare"], "payer_type": ["medicare"], "state": [""]})
    decisions = decide(notices, payers, findings, payments)
    assert (decisions["recommendation"].to_numpy() == notices["built_as"].to_numpy()).all()


@pytest.mark.parametrize("kwargs, message", [
    ({"appeal_share": 1.5}, "appeal_share: expected a share between 0 and 1"),
    ({"appeal_share": 0.6, "partial_share": 0.6}, "expected at most 1"),
    ({"n": 100}, "expected at least"),
])
def test_practice_notices_rejects_impossible_requests(kwargs, message):
    findings, lines, payments = _audit_like()
    with pytest.raises(ValueError, match=message):
        practice_notices(findings, lines, payments, "2025-06-30", seed=1, **kwargs)


def test_reversals_as_recoupments_keeps_only_negative_payments_as_positive_amounts():
    pay = pd.DataFrame({"claim_id": ["A", "A", "B"], "line_no": [1, 1, 2], "payment_id": ["P1", "P2", "P3"],
                        "paid_cents": [9000, -9000, 500], "denial_code": ["", "CO-45", ""],
                        "payment_date": pd.to_datetime(["2025-01-10", "2025-03-01", "2025-03-02"])})
    rec = reversals_as_recoupments(pay)
    assert rec[["trace_number", "amount_cents", "mechanism", "reason_code", "reference"]].values.tolist() == [
        ["P2", 9000, "reversal", "CO-45", "line 1"]]
    assert int(rec["amount_cents"].sum()) == -int(pay.loc[pay["paid_cents"] < 0, "paid_cents"].sum())
