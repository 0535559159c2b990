"""The contract v2 appeal rules beyond the basic split (docs/contract.md "Appeal decisions").

Retroactive policy changes are appealed whatever the audit finds; notices after
the as-of date are set aside; states outside the table, Medicaid programs and
managed-care plans are marked needs_review; duplicates skip New York's and South
Carolina's notice period; Georgia's notice of intent to audit is asked for.
"""

from __future__ import annotations

import pandas as pd
import pytest

from recoup_lib.appeals import decide, load_profiles, usable_notices, worklist
from recoup_lib.cli import main
from recoup_lib.errors import InputError
from recoup_lib.folder import read_table

PROFILES = load_profiles()


def _frames(error_type="policy_change", payer_type="commercial", state="TX", name="Payer", at_risk=7000,
            service="2025-03-10", notice="2025-06-02", paid_on="2025-03-25", extra_payer=None):
    notices = pd.DataFrame({"notice_id": ["N1"], "payer_id": ["P"], "claim_id": ["C1"], "line_no": [1],
                            "notice_date": pd.to_datetime([notice]), "amount_cents": [7000],
                            "error_type": [error_type]})
    payers = pd.DataFrame({"payer_id": ["P"], "name": [name], "payer_type": [payer_type], "state": [state],
                           **(extra_payer or {})})
    findings = pd.DataFrame({"claim_id": ["C1"] if at_risk is not None else [],
                             "line_no": [1] if at_risk is not None else [],
                             "error_type": [error_type] if at_risk is not None else [],
                             "at_risk_cents": [at_risk] if at_risk is not None else []})
    payments = pd.DataFrame({"claim_id": ["C1"], "line_no": [1], "payment_date": pd.to_datetime([paid_on]),
                             "paid_cents": [7000]})
    lines = pd.DataFrame({"claim_id": ["C1"], "line_no": [1], "payer_id": ["P"],
                          "service_date": pd.to_datetime([service]), "procedure_code": ["97110"]})
    return notices, payers, findings, payments, lines


def _policy(announced: str, effective: str = "2025-01-01") -> pd.DataFrame:
    return pd.DataFrame({"payer_id": ["P"], "procedure_code": ["97110"],
                         "effective_date": pd.to_datetime([effective]), "announced_date": pd.to_datetime([announced])})


@pytest.mark.parametrize("announced, at_risk, recommendation, basis, agreed", [
    ("2025-04-01", 7000, "appeal", "retroactive_policy", 0),   # announced after the service: appeal in full
    ("2025-04-01", 3000, "appeal", "retroactive_policy", 0),   # ... whatever the audit finds
    ("2025-04-01", None, "appeal", "retroactive_policy", 0),
    ("2025-03-10", 7000, "accept", "found", 7000),             # announced on the day of service: general rule
    ("2024-12-01", 3000, "partial", "partial", 3000),          # announced before: general rule
    ("2024-12-01", None, "appeal", "not_found", 0),
])
def test_policy_change_retroactive_is_appealed_whatever_the_audit_finds(announced, at_risk, recommendation,
                                                                        basis, agreed):
    notices, payers, findings, payments, lines = _frames(at_risk=at_risk)
    got = decide(notices, payers, findings, payments, claim_lines=lines, payer_policies=_policy(announced),
                 profiles=PROFILES).iloc[0]
    assert (got["recommendation"], got["merit_basis"], got["agreed_amount_cents"]) == (recommendation, basis, agreed)
    assert got["agreed_amount_cents"] + got["disputed_amount_cents"] == 7000
    assert bool(got["policy_retroactive"]) == (announced > "2025-03-10")
    if basis == "retroactive_policy":
        assert "applied retroactively, it is appealed whatever our audit finds" in got["reasons"]
        assert "announced the policy on 2025-04-01, after the date of service 2025-03-10" in got["reasons"]
    elif at_risk is not None:
        assert f"announced on {announced}, on or before the date of service 2025-03-10" in got["reasons"]


def test_policy_change_earliest_applicable_announcement_counts_as_in_the_audit_rule():
    notices, payers, findings, payments, lines = _frames()
    policies = pd.concat([_policy("2025-04-01"), _policy("2024-11-15", effective="2025-02-01")])
    got = decide(notices, payers, findings, payments, claim_lines=lines, payer_policies=policies,
                 profiles=PROFILES).iloc[0]
    assert got["recommendation"] == "accept" and not got["policy_retroactive"]
    future = pd.concat([_policy("2025-04-01"), _policy("2024-11-15", effective="2025-05-01")])
    got = decide(notices, payers, findings, payments, claim_lines=lines, payer_policies=future,
                 profiles=PROFILES).iloc[0]
    assert got["recommendation"] == "appeal" and got["policy_retroactive"]  # the later policy does not apply yet


def test_policy_change_without_policies_reads_the_audit_evidence():
    notices, payers, findings, payments, lines = _frames()
    findings["evidence"] = ["P does not cover 97110 for services from 2025-01-01; retroactive: announced 2025-04-01"]
    got = decide(notices, payers, findings, payments, claim_lines=lines, profiles=PROFILES).iloc[0]
    assert (got["recommendation"], got["merit_basis"]) == ("appeal", "retroactive_policy")
    findings["evidence"] = ["P does not cover 97110 for services from 2025-01-01; announced 2024-12-01"]
    got = decide(notices, payers, findings, payments, claim_lines=lines, profiles=PROFILES).iloc[0]
    assert got["recommendation"] == "accept"


def test_policy_retroactive_letter_argues_notice_before_a_policy_applies():
    from recoup_lib.appeals import letters

    notices, payers, findings, payments, lines = _frames()
    d = decide(notices, payers, findings, payments, claim_lines=lines, payer_policies=_policy("2025-04-01"),
               profiles=PROFILES)
    (letter,) = letters(d, "2025-06-03", PROFILES)
    assert "announced on 2025-04-01, after the date of service (2025-03-10)" in letter.markdown
    assert "cannot be applied to services furnished before it was announced" in letter.html


def test_usable_notices_sets_aside_notices_after_as_of_with_that_reason():
    notices, payers, _, _, lines = _frames()
    notices = pd.concat([notices, notices.assign(notice_id="N2", notice_date=pd.Timestamp("2025-06-03"))],
                        ignore_index=True)
    usable, aside = usable_notices(notices, payers, lines, as_of="2025-06-02")
    assert usable["notice_id"].tolist() == ["N1"] and aside["notice_id"].tolist() == ["N2"]
    assert aside["_reason"].iloc[0] == (
        "column 'notice_date': expected a date on or before the as-of date 2025-06-02 (a notice that had not "
        "arrived by then is set aside, not decided); got '2025-06-03'")
    assert len(usable_notices(notices, payers, lines)[0]) == 2


@pytest.mark.parametrize("payer_type, state, review", [
    ("commercial", "TX", False), ("commercial", "IL", False), ("medicare", "", False),
    ("commercial", "WY", True), ("commercial", "", True), ("medicaid", "GA", True),
])
def test_needs_review_where_the_table_does_not_hold_the_rules(payer_type, state, review):
    notices, payers, findings, payments, lines = _frames(error_type="upcoding", payer_type=payer_type, state=state)
    got = decide(notices, payers, findings, payments, claim_lines=lines, profiles=PROFILES).iloc[0]
    assert bool(got["needs_review"]) is review
    if review:
        assert "check" in got["reasons"]


@pytest.mark.parametrize("extra, name, plan", [
    ({"funding": ["managed_care"]}, "Humana Gold", "medicare_advantage"),
    ({"funding": [""]}, "Sunrise Medicare Advantage Plan", "medicare_advantage"),
    ({"funding": ["program"]}, "Sunrise Medicare Advantage Plan", "medicare_ffs"),
    (None, "Medicare Part B (example contractor)", "medicare_ffs"),
])
def test_medicare_advantage_follows_the_contract_not_section_935(extra, name, plan):
    notices, payers, findings, payments, lines = _frames(error_type="upcoding", payer_type="medicare", state="FL",
                                                         name=name, extra_payer=extra)
    d = decide(notices, payers, findings, payments, claim_lines=lines, profiles=PROFILES)
    got = d.iloc[0]
    managed = plan == "medicare_advantage"
    assert got["plan_type"] == plan and bool(got["needs_review"]) is managed
    if managed:
        assert (got["rules_payer_type"], got["profile"]) == ("commercial", "commercial:default")
        assert "not Section 935" in got["reasons"]
        assert f"{got['file_by']:%Y-%m-%d}" == "2025-07-02"  # the contract default: 30 days
        w = worklist(d, "2025-09-01", PROFILES)
        assert "no interest rule" in w["interest_note"].iloc[0]
    else:
        assert got["profile"] == "medicare" and f"{got['file_by']:%Y-%m-%d}" == "2025-10-05"  # notice + 125
        assert "traditional Medicare (Parts A and B" in got["reasons"]


def test_self_funded_plan_is_outside_the_state_lookback():
    notices, payers, findings, payments, lines = _frames(error_type="upcoding", state="NY", notice="2027-06-02",
                                                         extra_payer={"funding": ["self_funded"]})
    got = decide(notices, payers, findings, payments, claim_lines=lines, profiles=PROFILES).iloc[0]
    assert got["plan_type"] == "commercial_self_funded" and got["needs_review"]
    assert got["profile"] == "commercial:default" and "ERISA" in got["reasons"]
    insured = decide(notices, payers.drop(columns="funding"), findings, payments, claim_lines=lines,
                     profiles=PROFILES).iloc[0]
    assert insured["plan_type"] == "commercial_fully_insured" and insured["profile"] == "commercial:NY"


def test_medicaid_managed_care_plan_by_name_and_bad_funding_named():
    notices, payers, findings, payments, lines = _frames(error_type="upcoding", payer_type="medicaid", state="TX",
                                                         name="Lone Star Medicaid Managed Care")
    got = decide(notices, payers, findings, payments, claim_lines=lines, profiles=PROFILES).iloc[0]
    assert got["plan_type"] == "medicaid_managed_care" and "Medicaid managed-care plan" in got["reasons"]
    payers["_row"] = [3]
    for bad, allowed in (("maybe", "program or managed_care"), ("self_funded", "program or managed_care")):
        payers["funding"] = [bad]
        with pytest.raises(InputError, match=rf"payers.csv, row 3, column 'funding': expected {allowed} for a "
                                             rf"medicaid payer .*got '{bad}'"):
            decide(notices, payers, findings, payments, profiles=PROFILES)


@pytest.mark.parametrize("state, error_type, offset", [
    ("NY", "duplicate_claim", "2025-06-02"), ("NY", "duplicate_payment", "2025-06-02"),
    ("NY", "upcoding", "2025-07-02"), ("SC", "duplicate_payment", "2025-06-02"), ("SC", "upcoding", "2025-07-14"),
])
def test_duplicates_need_no_advance_notice_but_keep_the_lookback(state, error_type, offset):
    notices, payers, findings, payments, lines = _frames(error_type=error_type, state=state)
    got = decide(notices, payers, findings, payments, claim_lines=lines, profiles=PROFILES).iloc[0]
    assert f"{got['offset_starts']:%Y-%m-%d}" == offset
    assert bool(got["notice_exempt"]) == error_type.startswith("duplicate")
    late = decide(notices.assign(notice_date=pd.Timestamp("2027-06-02")), payers, findings, payments,
                  claim_lines=lines, profiles=PROFILES).iloc[0]
    assert late["recommendation"] == "appeal" and late["merit_basis"] == "lookback"


def test_georgia_asks_for_the_notice_of_intent_to_audit_after_twelve_months():
    notices, payers, findings, payments, lines = _frames(error_type="upcoding", state="GA",
                                                         service="2024-01-20", notice="2025-03-01",
                                                         paid_on="2024-02-10")
    got = decide(notices, payers, findings, payments, claim_lines=lines, profiles=PROFILES).iloc[0]
    assert got["audit_notice_late"] and f"{got['audit_notice_by']:%Y-%m-%d}" == "2025-01-20"
    assert "notice of intent to audit" in got["reasons"] and "by 2025-01-20" in got["reasons"]
    early = decide(notices.assign(notice_date=pd.Timestamp("2025-01-20")), payers, findings, payments,
                   claim_lines=lines, profiles=PROFILES).iloc[0]
    assert not early["audit_notice_late"]


def test_lookback_from_service_counts_from_the_claims_last_date_of_service():
    notices, payers, findings, payments, lines = _frames(error_type="upcoding", state="GA", service="2023-01-31",
                                                         notice="2024-08-15", paid_on="2023-03-01")
    later_line = lines.assign(line_no=2, service_date=pd.Timestamp("2023-02-20"))
    both = pd.concat([lines, later_line], ignore_index=True)
    got = decide(notices, payers, findings, payments, claim_lines=both, profiles=PROFILES).iloc[0]
    assert f"{got['lookback_basis_date']:%Y-%m-%d}" == "2023-02-20"
    assert not got["lookback_expired"]  # 18 months from 2023-02-20 ends 2024-08-20


@pytest.mark.parametrize("seed", [5, 6, 2025])
def test_generated_practice_every_retroactive_policy_notice_is_appealed(tmp_path, capsys, seed):
    folder = tmp_path / "practice"
    assert main(["generate", "--lines", "3000", "--seed", str(seed), "--no-remits", "--out", str(folder)]) == 0
    assert main(["appeal", str(folder), "--as-of", "2027-12-31", "--out", str(tmp_path / "appeal")]) == 0
    capsys.readouterr()
    decisions = pd.read_csv(tmp_path / "appeal" / "decisions.csv", dtype="str", keep_default_na=False)
    lines = read_table(folder / "claim_lines.csv").data
    policies = read_table(folder / "payer_policies.csv").data
    asked = decisions.loc[decisions["error_type"] == "policy_change",
                          ["notice_id", "claim_id", "line_no", "recommendation", "agreed_amount"]].merge(
        lines[["claim_id", "line_no", "payer_id", "procedure_code", "service_date"]].astype(
            {"line_no": "str", "payer_id": "str", "procedure_code": "str"}).rename(columns={"payer_id": "lp"}),
        on=["claim_id", "line_no"])
    applies = asked.merge(policies.astype({"payer_id": "str", "procedure_code": "str"}),
                          left_on=["lp", "procedure_code"], right_on=["payer_id", "procedure_code"])
    applies = applies.loc[applies["effective_date"] <= applies["service_date"]]
    first = applies.groupby("notice_id").agg(announced=("announced_date", "min"), service=("service_date", "first"))
    retro = first.index[first["announced"] > first["service"]]
    assert len(first), "the generated practice should hold policy_change notices"
    got = decisions.set_index("notice_id").loc[list(retro)]
    assert (got["recommendation"] == "appeal").all() and (got["agreed_amount"] == "0.00").all()
