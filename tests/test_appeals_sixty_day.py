"""The 60-day rule: the clock, the 180-day investigation, the 6-year look-back, who is owed, where it goes."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup_lib.appeals import (load_sixty_day_rules, lookback_start, overpayment_workup, return_route,
                                sixty_day_clock, workup_summary)
from recoup_lib.errors import InvalidParameterError

RULES = load_sixty_day_rules()


def test_without_an_investigation_the_deadline_is_60_days_after_identification():
    clock = sixty_day_clock("2025-03-03")
    assert clock.report_by == pd.Timestamp("2025-05-02") and clock.rule == "2025"
    assert "report and return by 2025-05-02" in clock.describe()


def test_an_investigation_delays_the_60_days_until_it_ends():
    clock = sixty_day_clock("2025-03-03", investigation_completed="2025-06-01")
    assert clock.suspension_ends == pd.Timestamp("2025-06-01") and not clock.limited
    assert clock.report_by == pd.Timestamp("2025-07-31")


def test_the_investigation_suspends_the_clock_for_180_days_at_most():
    clock = sixty_day_clock("2025-03-03", investigation_completed="2026-01-31")
    assert clock.suspension_ends == pd.Timestamp("2025-08-30") and clock.limited
    assert clock.report_by == pd.Timestamp("2025-10-29")
    assert "180-day limit" in clock.describe()


def test_before_2025_an_investigation_did_not_suspend_the_regulation_clock():
    clock = sixty_day_clock("2024-11-01", investigation_completed="2025-01-15")
    assert clock.rule == "2016" and clock.report_by == pd.Timestamp("2024-12-31")


def test_a_later_cost_report_due_date_wins():
    assert sixty_day_clock("2025-03-03", cost_report_due="2025-09-30").report_by == pd.Timestamp("2025-09-30")
    assert sixty_day_clock("2025-03-03", cost_report_due="2025-04-01").report_by == pd.Timestamp("2025-05-02")


def test_an_investigation_cannot_end_before_identification():
    with pytest.raises(InvalidParameterError, match="cannot end"):
        sixty_day_clock("2025-03-03", investigation_completed="2025-03-01")


@given(st.dates(min_value=pd.Timestamp("2025-01-01").date(), max_value=pd.Timestamp("2030-12-31").date()),
       st.integers(min_value=0, max_value=1000))
def test_the_deadline_is_never_more_than_240_days_after_identification(identified, days):
    clock = sixty_day_clock(identified, investigation_completed=pd.Timestamp(identified) + pd.Timedelta(days=days))
    span = (clock.report_by - clock.identified_on).days
    assert 60 <= span <= 240 and span == 60 + min(days, 180)


def test_lookback_reaches_six_years_back():
    assert lookback_start("2026-02-14") == pd.Timestamp("2020-02-14")
    assert lookback_start("2024-02-29") == pd.Timestamp("2018-02-28")


def _inputs():
    findings = pd.DataFrame({
        "claim_id": ["A", "A", "B", "C", "D"], "line_no": [1, 1, 1, 1, 1],
        "error_type": ["duplicate_claim", "missing_documentation", "upcoding", "coverage_lapsed", "unbundling"],
        "at_risk_cents": [8_000, 8_000, 1_200, 5_000, 0], "paid_cents": [8_000, 8_000, 9_000, 5_000, 700],
        "payer_id": ["MCR", "MCR", "MCD", "CMX", "MCR"], "patient_id": ["P1", "P1", "P2", "P3", "P4"],
        "service_date": pd.to_datetime(["2025-01-02"] * 4 + ["2018-01-01"]),
        "procedure_code": ["99213", "99213", "99214", "99213", "36415"]})
    payments = pd.DataFrame({"claim_id": ["A", "B", "C", "D"], "line_no": [1, 1, 1, 1],
                             "payment_date": pd.to_datetime(["2025-01-20", "2019-01-20", "2025-02-01", "2018-02-01"]),
                             "paid_cents": [8_000, 9_000, 5_000, 700]})
    payers = pd.DataFrame({"payer_id": ["MCR", "MCD", "CMX"], "payer_type": ["medicare", "medicaid", "commercial"]})
    return findings, payments, payers


def test_workup_caps_each_line_names_the_law_and_the_lookback():
    work = overpayment_workup(*_inputs(), identified_on="2026-02-14").set_index("claim_id")
    assert work.loc["A", "overpaid_cents"] == 8_000  # two findings on one line, capped at what it was paid
    assert "D" not in work.index  # nothing overpaid on it
    assert not work.loc["B", "within_lookback"] and work.loc["A", "within_lookback"]
    assert "401.305" in work.loc["A", "law"] and "401.305 does not cover Medicaid" in work.loc["B", "law"]
    assert "no federal 60-day rule" in work.loc["C", "duty"]
    summary = workup_summary(work.reset_index()).set_index("payer_type")
    assert summary.loc["medicaid", "overpaid_cents"] == 0 and summary.loc["medicaid", "outside_lookback_cents"] == 1_200
    assert summary["overpaid_cents"].sum() + summary["outside_lookback_cents"].sum() == work["overpaid_cents"].sum()


@pytest.mark.parametrize("kwargs, route", [
    ({"payer_type": "medicare"}, "mac_refund"),
    ({"payer_type": "medicare", "potential_fraud": True}, "oig_sdp"),
    ({"payer_type": "medicare", "stark_only": True}, "cms_srdp"),
    ({"payer_type": "medicaid"}, "medicaid_state"),
    ({"payer_type": "medicaid", "potential_fraud": True}, "oig_sdp"),
    ({"payer_type": "commercial"}, "payer_contract"),
])
def test_return_route(kwargs, route):
    row = return_route(**kwargs)
    assert row["route"] == route and row["source_url"].startswith("https://")


def test_return_route_refuses_fraud_called_stark_only():
    with pytest.raises(InvalidParameterError, match="goes to the OIG"):
        return_route("medicare", potential_fraud=True, stark_only=True)


def test_only_disclosures_suspend_the_deadline():
    suspends = RULES.routes.set_index("route")["suspends_deadline"]
    assert suspends[["oig_sdp", "cms_srdp"]].all() and not suspends[["mac_refund", "medicaid_state"]].any()
