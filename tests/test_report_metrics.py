"""Dashboard metrics: exact numbers on hand-made tables, switching off with reasons, the demo folder.

The demo-folder tests derive every expected figure from the CSV files and
the answer key (labels.csv) with plain Python and Decimal, independently of
the code under test.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from recoup_lib.errors import InvalidParameterError
from recoup_lib.report import (
    AGING_BUCKETS, METRIC_COLUMNS, appeal_overturn_rate, build_report, clean_claim_rate, denial_rate,
    line_status, metric_value, metrics_text, money_at_risk, notice_aging, notice_amounts,
    notice_response_days, other_claims_warning, outcomes_frame, payment_reversals, recoupment_rate,
    recoupments_frame, trend_by_month, volume,
)
from recoup_lib.rules import ERROR_TYPES
from recoup_lib.synthetic.demo import demo_path


def _lines(rows):
    """rows: (claim_id, line_no, service_date, charge_cents)."""
    return pd.DataFrame(rows, columns=["claim_id", "line_no", "service_date", "charge_cents"]).astype(
        {"service_date": "datetime64[us]"})


def _payments(rows, coded=True):
    """rows: (claim_id, line_no, payment_date, allowed_cents, paid_cents, denial_code)."""
    frame = pd.DataFrame(rows, columns=["claim_id", "line_no", "payment_date", "allowed_cents", "paid_cents",
                                        "denial_code"]).astype({"payment_date": "datetime64[us]",
                                                                "allowed_cents": "Int64"})
    return frame if coded else frame.drop(columns=["denial_code"])


def _row(metrics, name):
    return metrics.set_index("metric").loc[name]


# Four claims, six lines:
#   A: two lines paid cleanly                          -> clean
#   B: line 1 paid, line 2 denied with CO-16           -> denied
#   C: one line paid 0, allowed 0, no code (a denial)  -> denied
#   D: line 1 paid 0 to the deductible; line 2 unpaid  -> not adjudicated
LINES = _lines([
    ("A", 1, "2025-01-05", 10000), ("A", 2, "2025-01-05", 5000),
    ("B", 1, "2025-01-20", 20000), ("B", 2, "2025-01-20", 4000),
    ("C", 1, "2025-02-03", 6000),
    ("D", 1, "2025-02-10", 15000), ("D", 2, "2025-02-10", 9000),
])
PAYMENTS = _payments([
    ("A", 1, "2025-01-25", 8000, 8000, ""), ("A", 2, "2025-01-25", 4000, 4000, ""),
    ("B", 1, "2025-02-05", 15000, 15000, ""), ("B", 2, "2025-02-05", 0, 0, "CO-16"),
    ("C", 1, "2025-02-20", 0, 0, ""),
    ("D", 1, "2025-03-01", 12000, 0, ""),
    ("A", 1, "2025-03-15", -8000, -8000, ""),  # a reversal posted to A line 1
    ("A", 1, "2025-03-15", 8000, 7000, ""),    # and the corrected payment
])


def test_line_status_marks_coded_and_zero_allowed_denials_not_the_deductible():
    status = line_status(LINES, PAYMENTS).set_index(["claim_id", "line_no"])
    assert status["denied"].to_dict() == {("A", 1): False, ("A", 2): False, ("B", 1): False, ("B", 2): True,
                                          ("C", 1): True, ("D", 1): False, ("D", 2): False}
    assert status.loc[("D", 2), "n_payments"] == 0
    assert status.loc[("A", 1), "paid_cents"] == 7000
    assert status.loc[("A", 1), "n_payments"] == 3
    assert status.loc[("B", 2), "denial_codes"] == "CO-16"


def test_only_a_line_paid_nothing_with_a_code_that_is_no_routine_adjustment_is_denied():
    """A posting report's CARC column (read as denial_code) holds CO-45, the contractual write-off, on
    lines paid, and PR-1 on a line paid nothing because of the deductible: every such line counted as
    denied. A denial pays 0, with a code the kit's CARC table does not call routine, or with 0 allowed."""
    lines = _lines([("E", n, "2025-01-05", 10000) for n in range(1, 8)])
    pay = _payments([
        ("E", 1, "2025-01-25", 8000, 6400, "CO-45"),          # paid, contractual write-off
        ("E", 2, "2025-01-25", 8000, 0, "PR-1"),              # the deductible took it all
        ("E", 3, "2025-01-25", None, 0, "CO-45, PR-2"),       # two routine codes in one cell
        ("E", 4, "2025-01-25", None, 0, "CO-97"),             # bundled: paid nothing
        ("E", 5, "2025-01-25", 8000, 3000, "CO-150"),         # downcoded, but paid
        ("E", 6, "2025-01-25", -8000, -6400, "CO-129"),       # a reversal
        ("E", 7, "2025-01-25", None, 0, "co 999"),            # a code the kit does not know
    ])
    status = line_status(lines, pay).set_index("line_no")
    assert status.index[status["denied"]].tolist() == [4, 7]
    assert status["denial_codes"].tolist() == ["", "", "", "CO-97", "", "", "co 999"]
    row = _row(denial_rate(lines, pay), "denial_rate_lines")
    assert row["numerator"] == 2 and "not CO-45, PR-1/2/3" in row["note"]


@pytest.mark.parametrize("cell, denied", [
    ("CO-45 PR-2", False), ("CO45/PR2", False), ("CO45PR2", False), ("CO 45", False), (",", False),
    ("co-45 | co-16", True), ("CO 97", True), ("DENIED", True), ("Not covered", True), ("MA130", True),
])
def test_a_cell_of_several_codes_is_read_code_by_code_whatever_separates_them(cell, denied):
    """Codes were split on ``, ; |`` only: ``CO-45 PR-2`` or ``CO45/PR2`` (0 paid, 80.00 allowed) was read as
    one code the table does not know, a denial; a cell of a lone ``,`` too. Each group+code is now pulled out
    (``CO 45`` is one code); a cell of separators alone is no code, and a reason in words (``DENIED``) or a
    remark code alone counts as a reason the table does not know, as it did before."""
    lines = _lines([("F", 1, "2025-01-05", 10000)])
    pay = _payments([("F", 1, "2025-01-25", 8000, 0, cell)])
    assert line_status(lines, pay)["denied"].tolist() == [denied]


def test_clean_claim_rate_counts_only_claims_adjudicated_undenied_and_unflagged():
    findings = pd.DataFrame({"claim_id": ["A"], "line_no": [2]})
    row = _row(clean_claim_rate(LINES, PAYMENTS, findings), "clean_claim_rate")
    assert (row["numerator"], row["denominator"]) == (0, 4)
    row = _row(clean_claim_rate(LINES, PAYMENTS, findings.iloc[0:0]), "clean_claim_rate")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 4, 25.0)
    assert "1 with a line not yet adjudicated, 2 with a denied line, 0 with a finding" in row["note"]


def test_clean_claim_rate_ignores_findings_on_claims_not_submitted():
    findings = pd.DataFrame({"claim_id": ["Z"], "line_no": [1]})
    assert _row(clean_claim_rate(LINES, PAYMENTS, findings), "clean_claim_rate")["numerator"] == 1


def test_denial_rate_by_claims_lines_and_charged_dollars_is_exact():
    m = denial_rate(LINES, PAYMENTS)
    assert list(m["metric"]) == ["denial_rate_claims", "denial_rate_lines", "denial_rate_dollars"]
    assert tuple(_row(m, "denial_rate_claims")[["numerator", "denominator"]]) == (2, 4)
    assert tuple(_row(m, "denial_rate_lines")[["numerator", "denominator"]]) == (2, 7)
    dollars = _row(m, "denial_rate_dollars")
    assert (dollars["numerator"], dollars["denominator"]) == (4000 + 6000, 69000)
    assert dollars["value"] == pytest.approx(100 * 10000 / 69000)


def test_denial_rate_without_denial_codes_counts_zero_allowed_only_and_says_so():
    m = denial_rate(LINES, _payments(PAYMENTS.values.tolist(), coded=False))
    row = _row(m, "denial_rate_lines")
    # B line 2 also paid 0 with 0 allowed, so both denials are still seen.
    assert row["numerator"] == 2
    assert "no denial_code column" in row["note"]


def test_denial_rate_dollars_switches_off_without_charges():
    m = denial_rate(LINES.drop(columns=["charge_cents"]), PAYMENTS)
    row = _row(m, "denial_rate_dollars")
    assert not row["available"] and "no charge column" in row["note"]
    assert _row(m, "denial_rate_lines")["available"]


def test_volume_gross_and_net_paid():
    m = volume(LINES, PAYMENTS)
    assert metric_value(m, "paid_dollars") == 8000 + 4000 + 15000 + 8000 - 1000
    assert metric_value(m, "paid_net_dollars") == 8000 + 4000 + 15000 + 7000 - 8000
    assert metric_value(m, "charges_dollars") == 69000
    assert metric_value(m, "claims_submitted") == 4


RECOUPMENTS = pd.DataFrame({
    "file": ["r1.835", "r1.835", "r2.835"], "trace_number": ["T1", "T1", "T2"],
    "payment_date": pd.to_datetime(["2025-03-15", "2025-03-15", "2025-04-02"]),
    "claim_id": ["A", "", "B"], "amount_cents": [8000, 2500, 1234],
    "mechanism": ["reversal", "offset", "offset"], "reason_code": ["", "WO", "FB"], "reference": ["", "X", "Y"],
})


def test_recoupment_rate_is_taken_back_over_gross_paid_with_mechanisms():
    m = recoupment_rate(RECOUPMENTS, PAYMENTS, source="test")
    gross = 8000 + 4000 + 15000 + 7000
    rate = _row(m, "recoupment_rate")
    assert (rate["numerator"], rate["denominator"]) == (11734, gross)
    assert rate["value"] == pytest.approx(100 * 11734 / gross)
    assert metric_value(m, "recoupment_count") == 3
    assert metric_value(m, "recoupment_dollars[reversal]") == 8000
    assert metric_value(m, "recoupment_dollars[offset]") == 3734


def test_recoupment_rate_counts_only_the_take_backs_on_the_folders_claims():
    """Take-backs on claims the folder does not hold stay in the money taken back, out of the rate."""
    m = recoupment_rate(RECOUPMENTS, PAYMENTS, source="test", claims=["A", "C", "D"])
    rate = _row(m, "recoupment_rate")
    assert (rate["numerator"], metric_value(m, "recoupment_dollars")) == (8000 + 2500, 11734)
    assert "1 take-back(s) on claims not in claim_lines.csv ($12.34 net) left out" in rate["note"]
    assert "mostly take back money on claims" in other_claims_warning(RECOUPMENTS, None, ["B"])
    assert other_claims_warning(RECOUPMENTS, None, ["A"]) == ""


@pytest.mark.parametrize("start, end", [(None, None), ("2025-03-01", "2025-03-31"), ("2025-04-01", None)])
def test_take_backs_on_other_claims_given_are_those_the_rate_and_warning_work_out(start, end):
    from recoup_lib.report._money_metrics import _on_other_claims

    for claims in (["A", "C", "D"], ["B"], ["A"]):
        other = _on_other_claims(RECOUPMENTS, claims)
        pd.testing.assert_frame_equal(
            recoupment_rate(RECOUPMENTS, PAYMENTS, start, end, claims=claims, on_other_claims=other),
            recoupment_rate(RECOUPMENTS, PAYMENTS, start, end, claims=claims))
        assert (other_claims_warning(RECOUPMENTS, None, claims, on_other_claims=other)
                == other_claims_warning(RECOUPMENTS, None, claims))


def test_a_report_works_out_the_take_backs_on_other_claims_once(monkeypatch):
    """The recoupment rate and the warning each matched every take-back against the folder's claims."""
    import recoup_lib.report._build as build
    import recoup_lib.report._money_metrics as money_metrics

    calls = []

    def counted(*args, _match=money_metrics._on_other_claims, **kwargs):
        calls.append(1)
        return _match(*args, **kwargs)

    for module in (build, money_metrics):
        monkeypatch.setattr(module, "_on_other_claims", counted, raising=False)
    report = build_report(demo_path("family_practice"), as_of="2026-03-01", recoupments=RECOUPMENTS)
    assert len(report.recoupments) == len(RECOUPMENTS) and len(calls) == 1


def test_recoupment_rate_period_limits_both_sides():
    m = recoupment_rate(RECOUPMENTS, PAYMENTS, start="2025-03-01", end="2025-03-31")
    rate = _row(m, "recoupment_rate")
    assert (rate["numerator"], rate["denominator"]) == (10500, 7000)


def test_recoupment_rate_without_remittance_data_is_switched_off_with_reason():
    m = recoupment_rate(None, PAYMENTS)
    assert set(m["metric"]) == {"recoupment_dollars", "recoupment_gross_dollars", "recoupment_count",
                                "recoupment_rate"}
    assert not m["available"].any()
    assert m["note"].str.contains("remits/").all()
    assert m["value"].isna().all() and m["numerator"].isna().all()
    assert metric_value(m, "recoupment_rate") is None


def test_recoupments_frame_requires_cents_and_names_the_column():
    with pytest.raises(ValueError, match=r"lacks column 'amount_cents' \(money in memory is integer cents"):
        recoupments_frame(pd.DataFrame({"payment_date": ["2025-01-01"], "amount": ["1.00"]}))
    filled = recoupments_frame(pd.DataFrame({"payment_date": ["2025-01-01"], "amount_cents": [100]}))
    assert list(filled.columns[:8]) == ["file", "trace_number", "payment_date", "claim_id", "amount_cents",
                                        "mechanism", "reason_code", "reference"]


def test_recoupments_and_outcomes_from_python_are_checked_as_their_files():
    from recoup_lib.errors import InputError
    with pytest.raises(InputError, match=r"(?s)recoupments: .*index label 0, column 'amount_cents': expected whole cents"):
        recoupments_frame(pd.DataFrame({"payment_date": ["2025-01-01"], "amount_cents": [12.7]}))
    with pytest.raises(InputError, match=r"(?s)outcomes: .*column 'decision_date'"):
        outcomes_frame(pd.DataFrame({"notice_id": ["N1"], "level": ["redetermination"], "outcome": ["favorable"],
                                     "decision_date": ["2025-13-01"]}))


def test_payment_reversals_are_the_negative_payments():
    m = payment_reversals(PAYMENTS)
    assert metric_value(m, "reversals_posted_dollars") == 8000
    assert tuple(_row(m, "reversals_posted_rate")[["numerator", "denominator"]]) == (8000, 34000)


def test_money_at_risk_caps_each_line_at_paid_and_splits_by_category():
    audited = line_status(LINES, PAYMENTS)
    findings = pd.DataFrame({
        "claim_id": ["A", "A", "B"], "line_no": [1, 1, 1],
        "error_type": ["duplicate_payment", "missing_documentation", "coverage_lapsed"],
        "category": ["overpayment", "documentation", "eligibility"],
        "at_risk_cents": [5000, 7000, 15000], "paid_cents": [7000, 7000, 15000],
        "service_date": pd.to_datetime(["2025-01-05"] * 2 + ["2025-01-20"]),
    })
    m = money_at_risk(findings, audited)
    assert metric_value(m, "money_at_risk") == 5000 + 2000 + 15000
    assert metric_value(m, "money_at_risk[overpayment]") == 5000
    assert metric_value(m, "money_at_risk[documentation]") == 2000
    assert metric_value(m, "money_at_risk[policy_change]") == 0
    rate = _row(m, "exposure_rate")
    assert rate["denominator"] == 7000 + 4000 + 15000


OUTCOMES = outcomes_frame(pd.DataFrame({
    "notice_id": ["N1", "N2", "N3", "N4", "N5", "N6", "N7"],
    "level": ["Redetermination"] * 5 + ["Reconsideration"] * 2,
    "outcome": ["favorable", "Partially favorable", "unfavorable", "withdrawn", "", "dismissed", "fully-favorable"],
    "filed_date": pd.to_datetime(["2025-02-01", "2025-02-10", None, None, None, "2025-05-01", "2025-05-02"]),
}))


def test_appeal_overturn_rate_by_level_counts_won_over_decided():
    m = appeal_overturn_rate(OUTCOMES)
    assert tuple(_row(m, "appeal_overturn_rate")[["numerator", "denominator"]]) == (3, 5)
    assert tuple(_row(m, "appeal_overturn_rate[Redetermination]")[["numerator", "denominator"]]) == (2, 3)
    assert tuple(_row(m, "appeal_overturn_rate[Reconsideration]")[["numerator", "denominator"]]) == (1, 2)
    assert "2 pending or withdrawn" in _row(m, "appeal_overturn_rate")["note"]


def test_appeal_overturn_rate_without_outcomes_is_switched_off():
    m = appeal_overturn_rate(None)
    assert not m["available"].any() and "appeal_outcomes.csv" in m["note"].iloc[0]


def test_outcomes_frame_rejects_an_unknown_outcome_naming_it():
    with pytest.raises(ValueError, match=r"unknown outcome\(s\) 'won'"):
        outcomes_frame(pd.DataFrame({"notice_id": ["N1"], "level": ["x"], "outcome": ["won"]}))


DECISIONS = pd.DataFrame({
    "notice_id": ["N1", "N2", "N3", "N4"],
    "notice_date": pd.to_datetime(["2025-01-01", "2025-01-10", "2025-03-01", "2025-06-01"]),
    "amount_cents": [10000, 5000, 2000, 999],
    "agreed_amount_cents": [10000, 2000, 0, 0], "disputed_amount_cents": [0, 3000, 2000, 999],
    "recommendation": ["accept", "partial", "appeal", "appeal"],
    "status": ["", "closed", "", ""],
    "response_date": ["2025-01-21", "", "2025-03-04", "not a date"],
})


def test_notice_response_days_uses_response_dates_and_says_how_many_are_missing():
    m = notice_response_days(DECISIONS)
    mean = _row(m, "days_notice_to_response")
    assert (mean["numerator"], mean["denominator"], mean["value"]) == (20 + 3, 2, 11.5)
    assert _row(m, "days_notice_to_response_median")["value"] == 11.5
    assert "2 of 4 notices without a usable response date left out (including 1 not a date written YYYY-MM-DD)" \
        in mean["note"]


def test_notice_response_days_falls_back_to_outcome_filing_dates():
    m = notice_response_days(DECISIONS.drop(columns=["response_date"]), OUTCOMES)
    mean = _row(m, "days_notice_to_response")
    # N1 filed 2025-02-01 (31 days), N2 filed 2025-02-10 (31 days).
    assert (mean["numerator"], mean["denominator"]) == (62, 2)
    assert mean["source"] == "appeal outcomes filed_date"


def test_notice_response_days_without_dates_switches_off_and_shows_the_worklist():
    worklist = pd.DataFrame({"days_left": pd.array([5, 12, -3, None], dtype="Int64")})
    m = notice_response_days(DECISIONS.drop(columns=["response_date"]), None, worklist)
    assert not _row(m, "days_notice_to_response")["available"]
    assert "response_date" in _row(m, "days_notice_to_response")["note"]
    assert _row(m, "worklist_days_left_median")["value"] == 8.5
    assert tuple(_row(m, "notices_past_deadline")[["numerator", "denominator"]]) == (1, 4)


def test_notice_amounts_sum_the_decisions():
    m = notice_amounts(DECISIONS)
    assert metric_value(m, "notice_dollars") == 17999
    assert metric_value(m, "agreed_dollars") == 12000
    assert metric_value(m, "disputed_dollars") == 5999
    assert tuple(_row(m, "appeal_recommended_rate")[["numerator", "denominator"]]) == (3, 4)
    off = notice_amounts(None, reason="because")
    assert not off["available"].any() and (off["note"] == "because").all()


def test_notice_aging_buckets_open_notices_by_days_since_the_notice():
    aging = notice_aging(DECISIONS, "2025-04-01")
    assert list(aging["bucket"]) == [b for b, _, _ in AGING_BUCKETS]
    # N1: 90 days (61-90); N2 closed; N3: 31 days (31-60); N4 dated after as_of. The buckets are
    # recoup reconcile's open-ledger buckets, so the two views age notices alike.
    assert list(aging["bucket"]) == ["0-30", "31-60", "61-90", "91-120", ">120"]
    assert aging["notices"].tolist() == [0, 1, 1, 0, 0]
    assert aging["amount_cents"].tolist() == [0, 2000, 10000, 0, 0]
    assert aging["disputed_cents"].tolist() == [0, 2000, 0, 0, 0]
    assert aging.attrs["future"] == 1
    assert notice_aging(DECISIONS, "2025-04-02")["notices"].tolist() == [0, 1, 0, 1, 0]


def test_notice_aging_of_a_ledger_counts_only_what_is_still_open():
    ledger = DECISIONS.assign(open_cents=[10000, 0, 1500, 500])
    aging = notice_aging(ledger, "2025-04-01")
    # N1 still open for $100.00 (61-90); N2 taken in full: not counted; N3 open for $15.00 (31-60).
    assert aging["notices"].tolist() == [0, 1, 1, 0, 0]
    assert aging["amount_cents"].tolist() == [0, 1500, 10000, 0, 0]


def test_trend_by_month_puts_each_amount_in_its_own_month():
    findings = pd.DataFrame({"claim_id": ["B"], "line_no": [1], "error_type": ["coverage_lapsed"],
                             "category": ["eligibility"], "at_risk_cents": [15000], "paid_cents": [15000],
                             "service_date": pd.to_datetime(["2025-01-20"])})
    trend = trend_by_month(LINES, PAYMENTS, findings, RECOUPMENTS, DECISIONS).set_index("month")
    assert list(trend.index.strftime("%Y-%m")) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05",
                                                   "2025-06"]
    jan, feb, mar = (trend.loc[pd.Timestamp(m)] for m in ("2025-01-01", "2025-02-01", "2025-03-01"))
    assert (jan["claims"], jan["lines"], jan["denied_lines"], jan["charges_cents"]) == (2, 4, 1, 39000)
    assert jan["denial_rate_lines"] == 25.0
    assert (jan["paid_cents"], feb["paid_cents"], mar["paid_cents"]) == (12000, 15000, 7000)
    assert jan["at_risk_capped_cents"] == 15000
    assert (mar["recouped_cents"], trend.loc[pd.Timestamp("2025-04-01"), "recouped_cents"]) == (10500, 1234)
    assert (jan["notices"], jan["notice_cents"]) == (2, 15000)
    assert pd.isna(trend.loc[pd.Timestamp("2025-04-01"), "denial_rate_lines"])


def test_the_line_status_given_is_the_one_the_rates_and_trend_compute():
    status = line_status(LINES, PAYMENTS)
    kept = status.copy()
    findings = pd.DataFrame({"claim_id": ["B"]})
    pd.testing.assert_frame_equal(clean_claim_rate(LINES, PAYMENTS, findings, status=status),
                                  clean_claim_rate(LINES, PAYMENTS, findings))
    pd.testing.assert_frame_equal(denial_rate(LINES, PAYMENTS, status=status), denial_rate(LINES, PAYMENTS))
    pd.testing.assert_frame_equal(trend_by_month(LINES, PAYMENTS, status=status), trend_by_month(LINES, PAYMENTS))
    pd.testing.assert_frame_equal(status, kept)


def test_a_report_works_out_each_lines_status_once(monkeypatch):
    """The clean claim rate, the denial rate and the trend each worked out every line's status again,
    each running :func:`recoup_lib.report.denials` (a regex and a CARC lookup) over every payment."""
    import recoup_lib.report._claim_metrics as claim_metrics
    from recoup_lib.report import report_from_audit
    from recoup_lib.rules import audit_folder

    audit = audit_folder(demo_path("family_practice"))
    calls = []

    def counted(*args, _denials=claim_metrics.denials, **kwargs):
        calls.append(1)
        return _denials(*args, **kwargs)

    monkeypatch.setattr(claim_metrics, "denials", counted)
    report_from_audit(audit, "2026-03-01")
    assert len(calls) == 1


def test_metrics_text_writes_dollars_and_blank_values_for_switched_off():
    m = pd.concat([volume(LINES, PAYMENTS), denial_rate(LINES, PAYMENTS), recoupment_rate(None, PAYMENTS)])
    text = metrics_text(m).set_index("metric")
    assert list(text.reset_index().columns[:6]) == ["metric", "value", "numerator", "denominator", "unit", "note"]
    assert text.loc["charges_dollars", "value"] == "690.00"
    assert text.loc["denial_rate_dollars", ["numerator", "denominator"]].tolist() == ["100.00", "690.00"]
    assert text.loc["denial_rate_lines", ["value", "numerator", "denominator"]].tolist() == ["28.57", "2", "7"]
    assert text.loc["recoupment_rate", ["value", "numerator", "available"]].tolist() == ["", "", "false"]


def test_every_metric_function_returns_the_metric_columns():
    for frame in (volume(LINES, PAYMENTS), clean_claim_rate(LINES, PAYMENTS, None), denial_rate(LINES, PAYMENTS),
                  recoupment_rate(None, PAYMENTS), money_at_risk(None, LINES), appeal_overturn_rate(None),
                  notice_amounts(None), notice_response_days(None)):
        assert list(frame.columns) == METRIC_COLUMNS
        assert str(frame["numerator"].dtype) == "Int64" and str(frame["value"].dtype) == "Float64"
        assert (frame["note"] != "").all()


# --- the demo folder, against values derived from its files and answer key --------------------------

def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _c(text: str) -> int:
    return int(Decimal(text or "0") * 100)


@pytest.fixture(scope="module")
def demo():
    folder = demo_path("family_practice")
    return folder, build_report(folder, as_of="2026-03-01")


def test_demo_volume_and_denials_match_the_files(demo):
    folder, report = demo
    lines = _read(folder / "claim_lines.csv")
    payments = _read(folder / "payments.csv")
    denied = {(p["claim_id"], p["line_no"]) for p in payments
              if p["denial_code"].strip() or (_c(p["paid"]) == 0 and _c(p["allowed"]) == 0)}
    charges = {(ln["claim_id"], ln["line_no"]): _c(ln["charge"]) for ln in lines}
    m = report.metrics
    assert metric_value(m, "claims_submitted") == len({ln["claim_id"] for ln in lines})
    assert tuple(_row(m, "denial_rate_lines")[["numerator", "denominator"]]) == (len(denied), len(lines))
    assert _row(m, "denial_rate_claims")["numerator"] == len({c for c, _ in denied})
    assert _row(m, "denial_rate_dollars")["numerator"] == sum(charges[k] for k in denied)
    assert metric_value(m, "paid_dollars") == sum(_c(p["paid"]) for p in payments if _c(p["paid"]) > 0)


def test_demo_clean_claim_rate_matches_the_answer_key(demo):
    folder, report = demo
    lines = _read(folder / "claim_lines.csv")
    payments = _read(folder / "payments.csv")
    labels = _read(folder / "labels.csv")
    paid_lines = {(p["claim_id"], p["line_no"]) for p in payments}
    bad = {p["claim_id"] for p in payments
           if p["denial_code"].strip() or (_c(p["paid"]) == 0 and _c(p["allowed"]) == 0)}
    bad |= {ln["claim_id"] for ln in lines if (ln["claim_id"], ln["line_no"]) not in paid_lines}
    bad |= {lab["claim_id"] for lab in labels}
    claims = {ln["claim_id"] for ln in lines}
    row = _row(report.metrics, "clean_claim_rate")
    assert (row["numerator"], row["denominator"]) == (len(claims - bad), len(claims))


def test_demo_money_at_risk_by_category_matches_the_capped_answer_key(demo):
    folder, report = demo
    paid = defaultdict(int)
    for p in _read(folder / "payments.csv"):
        paid[(p["claim_id"], p["line_no"])] += _c(p["paid"])
    order = {e: i for i, e in enumerate(ERROR_TYPES)}
    labels = sorted(_read(folder / "labels.csv"), key=lambda r: (r["claim_id"], int(r["line_no"]),
                                                                 order[r["error_type"]]))
    used, by_category = defaultdict(int), defaultdict(int)
    for lab in labels:
        key = (lab["claim_id"], lab["line_no"])
        take = min(_c(lab["at_risk"]), max(paid[key] - used[key], 0))
        used[key] += _c(lab["at_risk"])
        by_category[lab["category"]] += take
    m = report.metrics
    for category, cents in by_category.items():
        assert metric_value(m, f"money_at_risk[{category}]") == cents
    assert metric_value(m, "money_at_risk") == sum(by_category.values())
    assert _row(m, "exposure_rate")["denominator"] == sum(v for v in paid.values() if v > 0)


def test_demo_without_extras_switches_off_what_it_cannot_know(demo):
    _, report = demo
    off = report.switched_off.set_index("metric")
    for name in ("recoupment_rate", "appeal_overturn_rate", "days_notice_to_response", "notices_received"):
        assert name in off.index
        assert off.loc[name, "note"]
    assert report.aging is None and report.recoupments is None


def test_recoupments_from_payments_turns_each_negative_payment_into_a_positive_reversal():
    from recoup_lib.report import recoupments_from_payments

    pay = pd.DataFrame({"claim_id": ["A", "A", "B"], "line_no": [1, 1, 2], "payment_id": ["P1", "P2", "P3"],
                        "paid_cents": [9000, -9000, 500],
                        "payment_date": pd.to_datetime(["2025-01-10", "2025-03-01", "2025-01-11"])})
    out = recoupments_from_payments(pay)
    assert out[["claim_id", "trace_number", "amount_cents", "mechanism", "reference"]].values.tolist() == [
        ["A", "P2", 9000, "reversal", "line 1"]]


def test_recoupments_from_remits_lists_each_take_back_of_generated_835s_in_cents(tmp_path):
    """Public and used by no command: its documented columns, typed, and a reversal's amount as the 835 says."""
    from recoup_lib.report import RECOUPMENT_COLUMNS, recoupments_from_remits
    from recoup_lib.synthetic import generate

    remits = generate(tmp_path / "practice", lines=300, seed=3) / "remits"
    table, messages = recoupments_from_remits(remits)
    assert list(table.columns[:len(RECOUPMENT_COLUMNS)]) == RECOUPMENT_COLUMNS and messages == []
    assert (table["amount_cents"].dtype, table["net_amount_cents"].dtype) == ("int64", "int64")
    assert str(table["payment_date"].dtype).startswith("datetime64")
    assert (table["amount_cents"] > 0).all() and set(table["mechanism"]) == {"reversal", "offset"}
    first = table.loc[table["mechanism"] == "reversal"].iloc[0]
    segments = (remits / first["file"]).read_text(encoding="ascii").replace("\n", "").split("~")
    clp = next(seg.split("*") for seg in segments if seg.startswith(f"CLP*{first['claim_id']}*22*"))
    assert first["amount_cents"] == -int(Decimal(clp[4]) * 100) > 0
    assert first["payment_date"] == pd.Timestamp(next(seg.split("*")[16] for seg in segments if seg.startswith("BPR*")))


def test_recoupments_csv_net_amount_is_money_taken_back_and_gross_is_labelled(tmp_path):
    from recoup_lib.report import read_recoupments, recoupments_frame

    path = tmp_path / "recoupments.csv"
    path.write_text("payment_date,amount,net_amount,mechanism\n"
                    "2025-03-01,90.00,20.00,reversal\n"
                    "2025-03-02,50.00,,offset\n", encoding="utf-8")
    frame = recoupments_frame(read_recoupments(path).data.drop(columns=["_row"]))
    # a blank net_amount counts the take-back in full
    assert frame["net_amount_cents"].tolist() == [2000, 5000]
    pay = pd.DataFrame({"payment_date": pd.to_datetime(["2025-01-01"]), "paid_cents": [100000]})
    m = recoupment_rate(frame, pay)
    assert metric_value(m, "recoupment_dollars") == 7000
    assert metric_value(m, "recoupment_gross_dollars") == 14000
    assert metric_value(m, "recoupment_dollars[reversal]") == 2000
    assert metric_value(m, "recoupment_rate") == 7.0


def _outcomes(rows):
    """rows: (notice_id, level, outcome, filed_date, decision_date); dates may be None."""
    return outcomes_frame(pd.DataFrame(rows, columns=["notice_id", "level", "outcome", "filed_date",
                                                      "decision_date"]))


NOTICES_USED = pd.DataFrame({"notice_id": ["N1", "N2", "N3"],
                             "notice_date": pd.to_datetime(["2025-01-10", "2025-02-10", "2025-03-10"])})


def test_outcomes_in_run_sets_aside_what_a_report_as_of_a_day_cannot_count_naming_row_and_column():
    from recoup_lib.report import outcomes_in_run

    kept = outcomes_in_run(_outcomes([
        ("N1", "1", "unfavorable", "2025-02-01", "2025-04-01"),    # row 2: counted
        ("NOPE", "1", "favorable", "2025-02-01", "2025-04-01"),    # row 3: no such notice in the run
        ("N2", "1", "favorable", "2025-07-01", "2025-06-01"),      # row 4: decided before it was filed
        ("N3", "1", "favorable", "2025-01-01", "2025-04-01"),      # row 5: filed before its notice
        ("N2", "2", "favorable", "2025-05-01", "2026-10-01"),      # row 6: decided after the as-of
        ("N3", "2", "favorable", "2026-09-01", None),              # row 7: filed after the as-of
        ("N1", "2", "", "2025-05-01", None),                       # row 8: pending, counted as pending
    ]), NOTICES_USED, "2026-03-01")
    assert kept.data["_row"].tolist() == [2, 8]
    assert kept.rows_read == 7 and kept.rows_used == 2 and kept.rows_set_aside == 5
    assert [(p.file, p.row, p.column, p.value) for p in kept.problems] == [
        ("appeal_outcomes.csv", 3, "notice_id", "NOPE"),
        ("appeal_outcomes.csv", 4, "decision_date", "2025-06-01"),
        ("appeal_outcomes.csv", 5, "filed_date", "2025-01-01"),
        ("appeal_outcomes.csv", 6, "decision_date", "2026-10-01"),
        ("appeal_outcomes.csv", 7, "filed_date", "2026-09-01")]
    assert "on or before the as-of date 2026-03-01" in kept.problems[3].message
    assert kept.rejected["_row"].tolist() == [3, 4, 5, 6, 7]
    assert kept.rejected.loc[kept.rejected["_row"] == 7, "decision_date"].tolist() == [""]
    rate = appeal_overturn_rate(kept.data).set_index("metric").loc["appeal_overturn_rate"]
    assert (rate["numerator"], rate["denominator"], rate["value"]) == (0, 1, 0.0)


def test_outcomes_in_run_without_notices_or_as_of_only_refuses_a_decision_before_its_filing():
    from recoup_lib.report import outcomes_in_run

    kept = outcomes_in_run(_outcomes([("NOPE", "1", "favorable", "2025-02-01", "2099-04-01"),
                                      ("N2", "1", "favorable", "2025-07-01", "2025-06-01")]))
    assert kept.data["notice_id"].tolist() == ["NOPE"]
    assert [(p.row, p.column) for p in kept.problems] == [(3, "decision_date")]


def test_outcomes_of_notices_set_aside_by_the_as_of_do_not_count_in_the_overturn_rate():
    from recoup_lib.report import outcomes_in_run

    # the tester's case: two wins on notices dated after the as-of (so set aside), decided after it, one loss
    outcomes = _outcomes([("N000068", "1", "favorable", "2026-09-01", "2026-10-01"),
                          ("N000067", "1", "favorable", "2026-09-01", "2026-10-01"),
                          ("N000001", "1", "unfavorable", "2025-04-01", "2025-05-01")])
    used = pd.DataFrame({"notice_id": ["N000001"], "notice_date": pd.to_datetime(["2025-03-29"])})
    kept = outcomes_in_run(outcomes, used, "2026-03-01")
    assert [(p.row, p.column) for p in kept.problems] == [(2, "notice_id"), (3, "notice_id")]
    assert metric_value(appeal_overturn_rate(kept.data), "appeal_overturn_rate") == 0.0


def test_recoupments_paid_after_the_as_of_are_not_money_taken_back():
    from recoup_lib.report._build import _taken_by

    rec = recoupments_frame(pd.DataFrame({
        "payment_date": pd.to_datetime(["2025-03-01", "2025-06-01", "2025-06-02"]),
        "amount_cents": [9000, 5000, 7000], "net_amount_cents": [2000, 5000, 7000],
        "mechanism": ["reversal", "offset", "offset"]}))
    kept, said = _taken_by(rec, pd.Timestamp("2025-06-01").date())
    assert kept["amount_cents"].tolist() == [9000, 5000]
    assert said == ("1 take-back(s) paid after 2025-06-01 left out of the money taken back ($70.00 net): "
                    "not taken by the as-of date")
    pay = pd.DataFrame({"payment_date": pd.to_datetime(["2025-01-01"]), "paid_cents": [100000]})
    assert metric_value(recoupment_rate(kept, pay), "recoupment_dollars") == 7000
    none, said = _taken_by(rec, pd.Timestamp("1900-01-01").date())
    assert len(none) == 0 and said.startswith("3 take-back(s) paid after 1900-01-01")
    assert metric_value(recoupment_rate(none, pay), "recoupment_dollars") == 0
    assert _taken_by(rec, pd.Timestamp("2025-06-02").date()) == (rec, "")


@pytest.mark.parametrize("which, column", [("_taken_by", "payment_date"), ("_paid_by", "payment_date"),
                                           ("_submitted_by", "submitted_date")])
def test_what_is_left_out_after_the_as_of_is_told_the_same_way_for_take_backs_payments_and_lines(which, column):
    from recoup_lib.report import _build

    frame = pd.DataFrame({column: pd.to_datetime(["2025-03-01", "2025-06-02", None]),
                          "paid_cents": [100, 200, 300], "amount_cents": [100, 200, 300],
                          "net_amount_cents": [100, 200, 300]})
    frame.attrs["net_given"] = False
    keep = getattr(_build, which)
    kept, said = keep(frame, pd.Timestamp("2025-06-01").date())
    assert kept["paid_cents"].tolist() == [100, 300] and kept.index.tolist() == [0, 1]
    assert kept.attrs == {"net_given": False}
    assert isinstance(said, str) and said.startswith("1 ") and "after 2025-06-01 left out of" in said
    assert keep(frame, pd.Timestamp("2025-06-02").date()) == (frame, "")


def test_build_report_refuses_an_as_of_before_the_first_date_of_service():
    with pytest.raises(InvalidParameterError, match="before the folder's first date of service"):
        build_report(demo_path("family_practice"), as_of="1900-01-01")
