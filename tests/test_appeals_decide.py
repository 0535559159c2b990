"""Appeal decisions (docs/contract.md "Appeal decisions"): the contract's cases, state profiles, invariants, worklist.

The decision cases live in tests/data/appeals/decision_cases.csv, one hand-worked
case a row; the deadline cases in deadline_cases.csv.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup_lib.appeals import (
    DECISION_COLUMNS, WORKLIST_COLUMNS, decide, load_profiles, profile_for, usable_notices, with_rate_notices,
    worklist,
)
from recoup_lib.errors import InputError
from recoup_lib.money import parse_cents, parse_cents_scalar

DATA = Path(__file__).parent / "data" / "appeals"
PROFILES = load_profiles()


def _cents(text: str) -> int:
    return parse_cents_scalar(text)


def _frames(cases: pd.DataFrame):
    """Build notices, payers, findings, payments, documentation and claim lines from case rows."""
    cases = cases.reset_index(drop=True)
    ids = [f"N{i:03d}" for i in range(len(cases))]
    claims = [f"C{i:03d}" for i in range(len(cases))]
    payer_ids = "P_" + cases["payer_type"] + "_" + cases["state"]
    notices = pd.DataFrame({
        "notice_id": ids, "payer_id": payer_ids, "claim_id": claims, "line_no": 1,
        "notice_date": pd.to_datetime(cases["notice_date"]),
        "amount_cents": parse_cents(cases["amount"])[0].astype("int64").to_numpy(),
        "reason_code": "", "error_type": cases["error_type"],
        "original_payment_date": pd.to_datetime(cases["original_payment_date"].replace("", None)),
    })
    payers = pd.DataFrame({"payer_id": payer_ids, "name": "Payer " + payer_ids,
                           "payer_type": cases["payer_type"], "state": cases["state"]}).drop_duplicates("payer_id")
    found = cases["finding_error_type"] != ""
    findings = pd.DataFrame({
        "claim_id": np.asarray(claims)[found.to_numpy()], "line_no": 1,
        "error_type": cases.loc[found, "finding_error_type"].to_numpy(),
        "at_risk_cents": parse_cents(cases.loc[found, "finding_at_risk"])[0].astype("int64").to_numpy(),
    })
    pay_rows = []
    for claim, text in zip(claims, cases["payments"]):
        for k, part in enumerate(p for p in text.split(";") if p):
            day, amount = part.split(":")
            pay_rows.append((claim, 1, f"{claim}-{k}", day, amount))
    payments = pd.DataFrame(pay_rows, columns=["claim_id", "line_no", "payment_id", "payment_date", "paid"],
                            dtype="str")
    payments["line_no"] = 1
    payments["payment_date"] = pd.to_datetime(payments["payment_date"])
    payments["paid_cents"] = parse_cents(payments.pop("paid"))[0].astype("int64").to_numpy()
    documented = cases["note_present"] != ""
    documentation = pd.DataFrame({
        "claim_id": np.asarray(claims)[documented.to_numpy()], "line_no": 1,
        "note_present": pd.array(cases.loc[documented, "note_present"].eq("true").to_numpy(), dtype="boolean"),
        "signed": pd.array(cases.loc[documented, "signed"].eq("true").to_numpy(), dtype="boolean"),
        "documented_code": "",
    })
    claim_lines = pd.DataFrame({
        "claim_id": claims, "line_no": 1, "patient_id": [f"PT{i}" for i in range(len(cases))],
        "payer_id": payer_ids, "rendering_npi": "1999999984",
        "service_date": pd.to_datetime(cases["service_date"]), "procedure_code": "99213", "modifiers": "",
        "units": 1,
    })
    return notices, payers, findings, payments, documentation, claim_lines


def _decide_cases(cases: pd.DataFrame) -> pd.DataFrame:
    notices, payers, findings, payments, documentation, claim_lines = _frames(cases)
    return decide(notices, payers, findings, payments, documentation=documentation,
                  claim_lines=claim_lines, profiles=PROFILES)


DECISION_CASES = pd.read_csv(DATA / "decision_cases.csv", dtype="str", keep_default_na=False)
DEADLINE_CASES = pd.read_csv(DATA / "deadline_cases.csv", dtype="str", keep_default_na=False)


@pytest.fixture(scope="module")
def decided() -> pd.DataFrame:
    return _decide_cases(DECISION_CASES).assign(case=DECISION_CASES["case"].to_numpy())


@pytest.mark.parametrize("case", DECISION_CASES["case"].tolist())
def test_decide_case_table_row_gets_its_hand_worked_decision(decided, case):
    want = DECISION_CASES.set_index("case").loc[case]
    got = decided.set_index("case").loc[case]
    assert got["recommendation"] == want["recommendation"]
    assert got["agreed_amount_cents"] == _cents(want["agreed"])
    assert got["disputed_amount_cents"] == _cents(want["disputed"])
    assert got["merit_basis"] == want["merit_basis"]
    assert want["reason_contains"] in got["reasons"]


def test_decide_same_cases_one_at_a_time_match_the_batch(decided):
    """A decision depends only on its own notice: deciding alone gives the same row."""
    for i in (0, 8, 11, 20):
        alone = _decide_cases(DECISION_CASES.iloc[[i]])
        assert alone["recommendation"].iloc[0] == decided["recommendation"].iloc[i]
        assert alone["reasons"].iloc[0].replace("C000", "") == \
            decided["reasons"].iloc[i].replace(f"C{i:03d}", "")


def test_decide_columns_contract_first_in_order(decided):
    assert list(decided.columns[: len(DECISION_COLUMNS)]) == DECISION_COLUMNS
    assert decided["agreed_amount_cents"].dtype == np.int64
    assert decided["disputed_amount_cents"].dtype == np.int64


def test_decide_lookback_appeal_keeps_what_the_audit_would_support(decided):
    row = decided.set_index("case").loc["lookback_original_payment_date"]
    assert (row["agreed_amount_cents"], row["audit_supported_cents"]) == (0, 30000)
    assert row["lookback_from"] == "original_payment_date"
    assert f"{row['lookback_limit']:%Y-%m-%d}" == "2025-02-28"


def test_decide_lookback_fallback_uses_earliest_positive_payment_not_the_reversal(decided):
    row = decided.set_index("case").loc["lookback_earliest_positive_payment"]
    assert row["lookback_from"] == "earliest_payment"
    assert f"{row['lookback_basis_date']:%Y-%m-%d}" == "2023-10-02"


@pytest.fixture(scope="module")
def deadlines() -> pd.DataFrame:
    """The first decision case under each deadline case's payer type, state and notice date, decided in one
    batch (a decision depends only on its own notice: test_decide_same_cases_one_at_a_time_match_the_batch)."""
    cases = DECISION_CASES.iloc[[0] * len(DEADLINE_CASES)].reset_index(drop=True)
    for column in ("payer_type", "state", "notice_date"):
        cases[column] = DEADLINE_CASES[column].to_numpy()
    return _decide_cases(cases).assign(case=DEADLINE_CASES["case"].to_numpy()).set_index("case")


@pytest.mark.parametrize("case", DEADLINE_CASES["case"].tolist())
def test_decide_deadline_case_dates_match_hand_count(deadlines, case):
    want = DEADLINE_CASES.set_index("case").loc[case]
    got = deadlines.loc[case]
    for col in ("file_by", "stop_offset_by", "offset_starts"):
        shown = "" if pd.isna(got[col]) else f"{got[col]:%Y-%m-%d}"
        assert shown == want[col], f"{case}: {col}"


def test_decide_medicare_contract_offsets_from_notice_date():
    cases = DECISION_CASES.iloc[[0]].copy()
    cases["notice_date"] = "2025-05-20"
    got = _decide_cases(cases).iloc[0]
    notice = pd.Timestamp("2025-05-20")
    assert got["receipt_date"] - notice == pd.Timedelta(days=5)
    assert got["file_by"] - notice == pd.Timedelta(days=125)
    assert got["stop_offset_by"] - notice == pd.Timedelta(days=29)
    assert got["offset_starts"] - notice == pd.Timedelta(days=40)
    assert got["interest_from"] - notice == pd.Timedelta(days=30)
    assert got["appeal_level"] == "Redetermination"
    assert got["next_level"] == "Reconsideration"


@pytest.mark.parametrize("state, lookback", [
    ("CA", "365 days from the payment date"), ("NY", "24 months from the payment date"),
    ("TX", "180 days from the payment date"), ("FL", "30 months from the payment date"),
    ("GA", "18 months from the date of service"), ("IL", "12 months from the payment date"),
    ("SC", "18 months from the payment date"),
])
def test_profile_for_listed_state_uses_its_own_lookback(state, lookback):
    profile = profile_for(PROFILES, "commercial", state)
    assert profile.has_state_rows and profile.key == f"commercial:{state}"
    assert profile.rule("lookback").describe() == lookback
    assert profile.rule("lookback").state == state
    assert profile.text("statute")


def test_profile_for_unlisted_state_falls_back_to_default_and_reasons_say_so():
    profile = profile_for(PROFILES, "commercial", "wy")
    assert not profile.has_state_rows and profile.key == "commercial:default"
    assert profile.rule("lookback").state == ""
    cases = DECISION_CASES.iloc[[5]].copy()
    cases["state"] = "WY"
    got = _decide_cases(cases).iloc[0]
    reasons = got["reasons"]
    assert "State WY is not in RecoupKit's commercial table, so the default profile applies" in reasons
    assert "look-back 12 months from the payment date, appeal window 30 days" in reasons
    assert "needs review" in reasons
    assert bool(got["needs_review"])


def test_profile_for_listed_state_missing_window_says_default_assumed():
    cases = DECISION_CASES.iloc[[5]].copy()
    cases["state"] = "NY"
    got = _decide_cases(cases).iloc[0]
    assert "NY's entry in RecoupKit's table sets no appeal window (the default 30 days is assumed)" in got["reasons"]
    assert not got["needs_review"]


def test_profile_for_payer_without_state_says_so():
    cases = DECISION_CASES.iloc[[5]].copy()
    cases["state"] = ""
    reasons = _decide_cases(cases)["reasons"].iloc[0]
    assert "payers.csv gives no state for this payer, so it the default profile" not in reasons
    assert "payers.csv gives no state for this payer, so the default profile applies" in reasons


def test_profile_for_unknown_payer_type_raises_naming_it():
    with pytest.raises(ValueError, match="unknown payer_type 'tricare'"):
        profile_for(PROFILES, "tricare", "TX")


def test_decide_unknown_payer_raises_naming_row_and_column():
    notices, payers, findings, payments, _, _ = _frames(DECISION_CASES.iloc[[0]])
    notices["_row"] = 7
    with pytest.raises(InputError, match=r"notices.csv, row 7, column 'payer_id': expected a payer listed"):
        decide(notices, payers.iloc[0:0], findings, payments, profiles=PROFILES)


def test_usable_notices_sets_aside_unknown_payer_bad_amount_and_unknown_line_with_reasons():
    notices, payers, _, _, _, claim_lines = _frames(DECISION_CASES.iloc[[0, 1, 2, 3]])
    notices.loc[1, "payer_id"] = "NOPE"
    notices.loc[2, "amount_cents"] = 0
    notices.loc[3, "claim_id"] = "GHOST"
    usable, aside = usable_notices(notices, payers, claim_lines)
    assert usable["notice_id"].tolist() == ["N000"]
    assert len(usable) + len(aside) == len(notices)
    reasons = aside.set_index("notice_id")["_reason"]
    assert "payer listed in payers.csv; got 'NOPE'" in reasons["N001"]
    assert "an amount greater than 0; got '0.00'" in reasons["N002"]
    assert "present in claim_lines.csv" in reasons["N003"] and "got 'GHOST|1'" in reasons["N003"]


def test_decide_extra_notice_columns_pass_through():
    notices, payers, findings, payments, _, _ = _frames(DECISION_CASES.iloc[[0, 1]])
    notices["our_reference"] = ["A-1", "B-2"]
    got = decide(notices, payers, findings, payments, profiles=PROFILES)
    assert got["our_reference"].tolist() == ["A-1", "B-2"]


def test_decide_unchecked_error_type_is_said_unchecked_only_where_the_audit_found_nothing():
    notices, payers, findings, payments, _, _ = _frames(DECISION_CASES)
    unchecked = {et: f"rule {et} switched off: test" for et in notices["error_type"].unique()}
    plain = decide(notices, payers, findings, payments, profiles=PROFILES)
    got = decide(notices, payers, findings, payments, profiles=PROFILES, unchecked=unchecked)
    nothing_found = got["audit_at_risk_cents"].isna()
    assert nothing_found.any() and (~nothing_found).any()
    pd.testing.assert_frame_equal(got[DECISION_COLUMNS].drop(columns="reasons"),
                                  plain[DECISION_COLUMNS].drop(columns="reasons"))
    said = got["reasons"].str.contains("Our audit could not check", regex=False)
    assert said.tolist() == (nothing_found & got["merit_basis"].eq("not_found")).tolist()
    assert got.loc[said, "_audit_unchecked"].tolist() == [unchecked[et] for et in got.loc[said, "error_type"]]
    assert (plain["_audit_unchecked"] == "").all()


def test_decide_does_not_modify_its_inputs():
    frames = _frames(DECISION_CASES)
    before = [f.copy() for f in frames]
    decide(frames[0], frames[1], frames[2], frames[3], documentation=frames[4], claim_lines=frames[5],
           profiles=PROFILES)
    for b, a in zip(before, frames):
        pd.testing.assert_frame_equal(b, a)


def test_decide_expected_value_is_disputed_times_p_minus_cost(decided):
    row = decided.set_index("case").loc["appeal_not_found"]
    assert row["p_win"] == "0.25" and row["appeal_cost_cents"] == 4000
    assert row["expected_value_cents"] == 10000 * 25 // 100 - 4000
    assert "assumption" in row["p_win_source"].lower()
    medicare = decided.set_index("case").loc["appeal_signed_note_on_file"]
    assert medicare["p_win"] == "0.11" and "2012" in medicare["p_win_source"]


def test_decide_checklist_names_the_signed_note_for_a_documentation_appeal(decided):
    row = decided.set_index("case").loc["appeal_signed_note_on_file"]
    assert "The signed note on file for this line" in row["evidence_checklist"]
    assert "The note showing the signature and its date" in row["evidence_checklist"]
    lookback = decided.set_index("case").loc["lookback_original_payment_date"]
    assert "Proof of the original payment date" in lookback["evidence_checklist"]


def test_decide_small_disputed_amount_warns_alj_threshold_not_met(decided):
    row = decided.set_index("case").loc["partial_smaller_at_risk"]
    assert row["alj_aic_met"] is np.False_ or row["alj_aic_met"] is False
    assert "below the amount in controversy an ALJ hearing needs" in row["reasons"]


def test_decide_unconfirmed_rules_are_named(decided):
    row = decided.set_index("case").loc["medicaid_assumptions_said"]
    assert "lookback (unconfirmed)" in row["unconfirmed_rules"]
    assert "appeal level 1 (unconfirmed)" in row["unconfirmed_rules"]


_case_rows = st.fixed_dictionaries({
    "payer_type_state": st.sampled_from([("medicare", ""), ("commercial", "TX"), ("commercial", "CA"),
                                         ("commercial", "WY"), ("medicaid", "OH")]),
    "notice_day": st.dates(min_value=pd.Timestamp("2016-01-01").date(),
                           max_value=pd.Timestamp("2026-12-31").date()),
    "paid_days_before": st.integers(0, 2500),
    "amount": st.integers(1, 10**7),
    "at_risk": st.one_of(st.none(), st.integers(0, 10**7)),
})


@settings(max_examples=25, deadline=None)
@given(st.lists(_case_rows, min_size=1, max_size=6))
def test_decide_amounts_always_split_exactly(rows):
    cases = pd.DataFrame([{
        "payer_type": r["payer_type_state"][0], "state": r["payer_type_state"][1],
        "notice_date": f"{r['notice_day']:%Y-%m-%d}",
        "amount": f"{r['amount'] // 100}.{r['amount'] % 100:02d}", "error_type": "upcoding",
        "original_payment_date": "",
        "service_date": "2015-01-01",
        "payments": f"{pd.Timestamp(r['notice_day']) - pd.Timedelta(days=r['paid_days_before']):%Y-%m-%d}:1.00",
        "finding_error_type": "" if r["at_risk"] is None else "upcoding",
        "finding_at_risk": "" if r["at_risk"] is None else f"{r['at_risk'] // 100}.{r['at_risk'] % 100:02d}",
        "note_present": "", "signed": "",
    } for r in rows])
    got = _decide_cases(cases)
    amount = got["amount_cents"].to_numpy()
    assert (got["agreed_amount_cents"] + got["disputed_amount_cents"]).tolist() == amount.tolist()
    assert (got["agreed_amount_cents"] >= 0).all() and (got["agreed_amount_cents"] <= amount).all()
    assert set(got["recommendation"]) <= {"appeal", "accept", "partial"}
    assert (got.loc[got["recommendation"] == "accept", "disputed_amount_cents"] == 0).all()
    assert (got.loc[got["recommendation"] == "appeal", "agreed_amount_cents"] == 0).all()
    assert (got.loc[got["lookback_expired"], "recommendation"] == "appeal").all()
    assert (got["file_by"] >= got["notice_date"]).all()


# --- worklist -------------------------------------------------------------------------------------


def _worklist_decisions() -> pd.DataFrame:
    cases = DECISION_CASES.set_index("case").loc[
        ["accept_exact", "partial_smaller_at_risk", "appeal_not_found", "appeal_signed_note_on_file"]
    ].reset_index()
    cases["notice_date"] = ["2025-03-01", "2025-02-01", "2025-01-10", "2024-01-05"]
    return _decide_cases(cases)


def test_worklist_orders_by_next_deadline_ahead_then_passed():
    d = _worklist_decisions()
    w = worklist(d, "2025-03-05", PROFILES)
    assert list(w.columns) == WORKLIST_COLUMNS
    # N000 accept (pay by 2025-03-30), N001 partial (file by 2025-05-13), N002 TX (file by 2025-02-24: passed),
    # N003 Medicare appeal from 2024 (everything passed long ago).
    assert w["notice_id"].tolist() == ["N000", "N001", "N002", "N003"]
    first = w.iloc[0]
    assert f"{first['next_deadline']:%Y-%m-%d}" == "2025-03-30" and first["days_left"] == 25
    assert first["next_action"] == "pay in full without interest"
    assert w.iloc[2]["next_action"].startswith("passed:") and w.iloc[2]["days_left"] < 0
    assert w.iloc[2]["days_left"] > w.iloc[3]["days_left"]


def test_worklist_partial_past_stay_shows_paying_agreed_part_next():
    d = _worklist_decisions()
    w = worklist(d, "2025-03-04", PROFILES).set_index("notice_id")
    # stop_offset_by and pay_without_interest_by are both 2025-03-02 (day 30); filing runs to 2025-06-06.
    assert w.loc["N001", "next_action"] == "last day to file the appeal (disputed part)"
    assert f"{w.loc['N001', 'next_deadline']:%Y-%m-%d}" == "2025-06-06"


def test_worklist_medicare_interest_at_a_placeholder_rate_is_not_shown_and_says_why():
    d = _worklist_decisions()
    w = worklist(d, "2025-05-01", PROFILES).set_index("notice_id")
    row = w.loc["N000"]  # notice 2025-03-01, $100.00; day 62 on 2025-05-01 -> 2 periods
    assert row["interest_periods"] == 2
    assert f"{row['next_interest_on']:%Y-%m-%d}" == "2025-05-30"
    assert pd.isna(row["next_interest_cents"]) and pd.isna(row["interest_accrued_cents"])
    assert row["interest_rate_status"] == "placeholder"
    assert "PLACEHOLDER" in row["interest_note"] and "interest is not shown" in row["interest_note"]
    assert pd.isna(w.loc["N002", "interest_periods"]) and "no interest rule" in w.loc["N002", "interest_note"]


def test_worklist_medicare_interest_counts_started_periods_once_cms_rates_are_loaded():
    loaded = pd.DataFrame({"effective_date": pd.to_datetime(["2025-01-01"]), "end_date": [pd.NaT],
                           "rate_percent": ["10.50"], "source": ["CMS notice (test)"], "source_url": [""],
                           "status": ["confirmed"], "note": [""]})
    profiles = with_rate_notices(PROFILES, loaded)
    w = worklist(_worklist_decisions(), "2025-05-01", profiles).set_index("notice_id")
    row = w.loc["N000"]
    assert row["next_interest_cents"] == 88  # $100.00 x 10.50% x 30/360 = $0.875, half-up to $0.88
    assert row["interest_accrued_cents"] == 2 * 88
    assert (row["interest_rate_percent"], row["interest_rate_status"], row["interest_note"]) == \
        ("10.50", "confirmed", "")


def test_worklist_leaves_out_notices_marked_closed():
    d = _worklist_decisions().assign(status=["open", "Closed", "", "paid"])
    w = worklist(d, "2025-03-05", PROFILES)
    assert w["notice_id"].tolist() == ["N000", "N002"]


def test_worklist_of_no_decisions_is_empty_with_columns():
    d = _worklist_decisions().iloc[0:0]
    w = worklist(d, "2025-03-05", PROFILES)
    assert list(w.columns) == WORKLIST_COLUMNS and len(w) == 0
