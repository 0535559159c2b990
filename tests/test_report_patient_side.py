"""The patient's side of a recoupment: shares after a take-back, refunds, rebills, credit balances."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup_lib.errors import InvalidParameterError
from recoup_lib.remit import Adjustment, ClaimPayment, Interchange, Remittance, format_835, plb_refund_pair, read_835
from recoup_lib.report import (credit_balance_report_rule, load_patient_rules, patient_credit_balances,
                               patient_share_changes, plain_table, takeback_patient_effects)
from recoup_lib.rules import ERROR_TYPES


def _pay(rows):
    cols = ["claim_id", "line_no", "payment_date", "allowed_cents", "paid_cents", "deductible_cents",
            "coinsurance_cents", "copay_cents"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["payment_date"] = pd.to_datetime(frame["payment_date"])
    return frame


PAYMENTS = _pay([
    ("A", 1, "2025-02-01", 10_000, 8_000, 0, 2_000, 0),      # upcoded visit
    ("B", 1, "2025-02-01", 5_000, 4_000, 0, 1_000, 0),       # no note
    ("C", 1, "2025-02-01", 5_000, 4_000, 0, 1_000, 0),       # paid twice by the payer
    ("C", 1, "2025-02-08", 5_000, 4_000, 0, 1_000, 0),
    ("D", 1, "2025-02-01", 5_000, 4_000, 0, 1_000, 0),       # not covered that day
    ("E", 1, "2025-02-01", 6_000, 4_800, 0, 1_200, 0),       # reversed, then re-paid with the deductible
    ("E", 1, "2025-03-01", -6_000, -4_800, 0, -1_200, 0),
    ("E", 1, "2025-03-01", 6_000, 4_000, 800, 1_200, 0),
])
TAKEBACKS = pd.DataFrame({"claim_id": ["A", "B", "C", "D"], "line_no": [1, 1, 1, 1],
                          "error_type": ["upcoding", "missing_documentation", "duplicate_payment", "coverage_lapsed"],
                          "taken_cents": [2_000, 4_000, 4_000, 4_000]})


def test_every_error_type_has_a_patient_effect_with_a_source():
    effects = load_patient_rules().effects
    assert set(effects["error_type"]) == set(ERROR_TYPES)
    assert effects["source_url"].str.startswith("https://").all()


def test_takeback_effects_refund_prorate_keep_and_move_to_the_right_payer():
    got = takeback_patient_effects(TAKEBACKS, PAYMENTS).set_index("claim_id")
    assert got.loc["A", "share_after_cents"] == 1_500 and got.loc["A", "refund_cents"] == 500  # 2000 x 6000/8000
    assert got.loc["B", "share_after_cents"] == 0 and got.loc["B", "refund_cents"] == 1_000
    assert got.loc["C", "share_cents"] == 1_000 and got.loc["C", "refund_cents"] == 0  # the payer's duplicate only
    assert got.loc["D", "refund_cents"] == 0 and got.loc["D", "hold_cents"] == 1_000
    assert got.loc["D", "patient_may_be_billed"] == "other_payer"
    assert (got["bill_cents"] == 0).all()


def test_what_the_patient_really_paid_changes_refund_and_bill():
    paid = pd.DataFrame({"claim_id": ["A", "B"], "line_no": [1, 1], "patient_paid_cents": [1_000, 0]})
    got = takeback_patient_effects(TAKEBACKS, PAYMENTS, patient_paid=paid).set_index("claim_id")
    assert got.loc["A", "refund_cents"] == 0 and got.loc["A", "bill_cents"] == 500
    assert got.loc["B", "refund_cents"] == 0 and got.loc["B", "bill_cents"] == 0


RULES = load_patient_rules()


@settings(deadline=None, max_examples=60)
@given(st.integers(min_value=1, max_value=10**7), st.integers(min_value=0, max_value=10**6),
       st.integers(min_value=0, max_value=10**7))
def test_prorated_share_never_exceeds_the_share_and_refund_plus_share_after_is_what_was_paid(paid, share, taken):
    taken = min(taken, paid)
    pay = _pay([("X", 1, "2025-01-01", paid + share, paid, 0, share, 0)])
    tb = pd.DataFrame({"claim_id": ["X"], "line_no": [1], "error_type": ["units_over_mue"], "taken_cents": [taken]})
    row = takeback_patient_effects(tb, pay, rules=RULES).iloc[0]
    assert 0 <= row["share_after_cents"] <= share
    assert row["refund_cents"] + row["share_after_cents"] == share
    if taken == paid:
        assert row["share_after_cents"] == 0


def test_unknown_error_type_is_refused():
    tb = TAKEBACKS.assign(error_type="bad_vibes")
    with pytest.raises(InvalidParameterError, match="bad_vibes"):
        takeback_patient_effects(tb, PAYMENTS)


def test_share_changes_after_a_readjudication_bill_the_patient_the_deductible():
    got = patient_share_changes(PAYMENTS).set_index("claim_id")
    assert got.index.tolist() == ["E"]
    assert got.loc["E", "share_first_cents"] == 1_200 and got.loc["E", "share_now_cents"] == 2_000
    assert got.loc["E", "bill_cents"] == 800 and got.loc["E", "refund_cents"] == 0
    assert got.loc["E", "paid_now_cents"] == 4_000


def test_credit_balances_age_and_turn_dormant_after_the_states_period():
    refunds = pd.DataFrame({"patient_id": ["P1", "P1", "P2", "P3"], "refund_cents": [500, 700, 900, 0],
                            "arose_on": pd.to_datetime(["2022-01-10", "2024-05-01", "2025-06-01", "2020-01-01"])})
    got = patient_credit_balances(refunds, "2025-12-31", state="PA").set_index("patient_id")
    assert got.index.tolist() == ["P1", "P2"]  # largest credit first; P3 owes nothing
    assert got.loc["P1", "credit_cents"] == 1_200 and got.loc["P1", "lines"] == 2
    assert got.loc["P1", "report_as_unclaimed_from"] == pd.Timestamp("2025-01-10") and got.loc["P1", "dormant"]
    assert not got.loc["P2", "dormant"] and got.loc["P2", "age_days"] == 213


@pytest.mark.parametrize("quarter_end, rule, due", [
    ("2024-03-31", "quarterly", "2024-04-30"), ("2024-06-30", "quarterly", "2024-07-30"),
    ("2024-09-30", "quarterly", "2024-10-30"), ("2023-12-31", "quarterly", "2024-01-30"),
    ("2024-12-31", "when_they_occur", None)])
def test_credit_balance_report_was_quarterly_until_december_2024(quarter_end, rule, due):
    row = credit_balance_report_rule(quarter_end)
    assert row["rule"] == rule
    assert (pd.isna(row["due"]) if due is None else row["due"] == pd.Timestamp(due))


def test_refund_pair_leaves_the_deposit_unchanged_and_the_reader_sees_one_recovery():
    day = dt.date(2025, 9, 12)
    paid = ClaimPayment("C1", "1", 20_000, 12_000, "ICN-1", adjustments=(Adjustment("CO", "45", 8_000),))
    wo, returned = plb_refund_pair("ICN-0", 6_000, "1999999984", dt.date(2025, 12, 31), "CHK4471")
    remittance = Remittance("T2", day, "MEDICARE", "1999999999", "CLINIC", "1999999984", claims=(paid,),
                            provider_adjustments=(wo, returned))
    assert remittance.payment_cents == remittance.claim_paid_cents == 12_000
    text = format_835(Interchange("S", "R", 1, day, remittances=(remittance,)))
    assert "WO:ICN-0*60*72:CHK4471*-60" in text


def test_the_reader_counts_the_refund_pairs_wo_as_one_recovery_of_that_claim(tmp_path):
    day = dt.date(2025, 9, 12)
    original = ClaimPayment("C0", "1", 15_000, 9_000, "ICN-0", adjustments=(Adjustment("CO", "45", 6_000),))
    later = ClaimPayment("C1", "1", 20_000, 12_000, "ICN-1", adjustments=(Adjustment("CO", "45", 8_000),))
    pair = plb_refund_pair(original, 6_000, "1999999984", dt.date(2025, 12, 31), "CHK4471")
    first = Remittance("T1", dt.date(2025, 6, 2), "MEDICARE", "1999999999", "CLINIC", "1999999984", claims=(original,))
    second = Remittance("T2", day, "MEDICARE", "1999999999", "CLINIC", "1999999984", claims=(later,),
                        provider_adjustments=pair)
    path = tmp_path / "refund.835"
    path.write_text(format_835(Interchange("S", "R", 1, day, remittances=(first, second))), encoding="utf-8")
    remit = read_835([path])
    t2 = remit.transactions.set_index("trace_number").loc["T2"]
    assert t2["bpr_amount_cents"] == t2["claim_paid_total_cents"] == 12_000 and t2["balanced"]
    taken = remit.recoupments
    assert len(taken) == 1 and taken.iloc[0]["claim_id"] == "C0" and taken.iloc[0]["amount_cents"] == 6_000
    assert set(remit.provider_adjustments["reason_code"]) == {"WO", "72"}


def test_plain_table_makes_dollars_dates_and_plain_names():
    frame = pd.DataFrame({"claim_id": ["A"], "refund_cents": [1_234_567], "arose_on": pd.to_datetime(["2025-03-04"]),
                          "dormant": [False], "_hidden": [1]})
    got = plain_table(frame)
    assert got.columns.tolist() == ["Claim", "Refund", "Arose on", "Dormant"]
    assert got.iloc[0].tolist() == ["A", "$12,345.67", "2025-03-04", "no"] and got.index[0] == 1
    assert plain_table(frame, {"refund_cents": "Owed to the patient"}).columns.tolist() == ["Owed to the patient"]


def test_plain_table_shows_a_missing_yes_no_blank_and_a_series_as_a_table():
    flags = pd.DataFrame({"aic_met": pd.array([True, None, False], dtype="boolean")})
    assert plain_table(flags)["Aic met"].tolist() == ["yes", "", "no"]
    counts = pd.Series([3, 1], index=pd.Index(["appeal", "accept"], name="recommendation"), name="notices")
    got = plain_table(counts)
    assert got.columns.tolist() == ["Recommendation", "Notices"] and got.iloc[0].tolist() == ["appeal", "3"]
