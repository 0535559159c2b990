"""The appeal rules read as a compliance reviewer would: every rule cited, every state tested.

Every row of the shipped rule tables names its source, the address of the
primary text and a status; every state in the table has a look-back case in
tests/data/appeals/lookback_cases.csv (counted from its own starting point,
one day inside and one day outside the limit) and a row in docs/sources.md §8.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from recoup_lib.appeals import DATA_DIR, PROFILE_FILES, STATUSES, decide, load_profiles, profile_for

ROOT = Path(__file__).parents[1]
CASES = pd.read_csv(Path(__file__).parent / "data" / "appeals" / "lookback_cases.csv", dtype="str",
                    keep_default_na=False)
PROFILES = load_profiles()
SOURCED = [name for name in PROFILE_FILES if name != "evidence_checklist.csv"]
STATE_NAMES = {"CA": "California", "NY": "New York", "TX": "Texas", "FL": "Florida", "GA": "Georgia",
               "IL": "Illinois", "SC": "South Carolina", "AL": "Alabama", "AZ": "Arizona", "AK": "Alaska",
               "AR": "Arkansas", "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware"}


def _table_states() -> set[str]:
    states = set(PROFILES.rules.loc[PROFILES.rules["state"] != "", "state"])
    return states | set(PROFILES.levels.loc[PROFILES.levels["state"] != "", "state"])


@pytest.mark.parametrize("name", SOURCED)
def test_every_shipped_rule_row_cites_a_source_url_and_a_status(name):
    raw = pd.read_csv(DATA_DIR / name, dtype="str", keep_default_na=False)
    assert {"source", "source_url", "status"} <= set(raw.columns)
    for i, row in raw.iterrows():
        where = f"{name}, row {i + 2}"
        assert row["source"].strip(), f"{where}: no source"
        assert re.match(r"https?://[^\s]+\.[a-z]{2,}", row["source_url"]), f"{where}: {row['source_url']!r}"
        assert row["status"] in STATUSES, f"{where}: status {row['status']!r}"
        if row["status"] != "confirmed":
            assert row["status"] in ("secondary", "unconfirmed")


def test_every_state_rule_is_a_commercial_rule_with_a_statute_and_a_lookback():
    for state in sorted(_table_states()):
        profile = profile_for(PROFILES, "commercial", state)
        assert profile.has_state_rows, state
        assert profile.rule("statute").state == state, state
        assert profile.rule("lookback").state == state, state
        assert profile.rule("lookback").counted_from in ("payment_date", "service_date", ""), state


def test_every_state_in_the_table_has_a_lookback_case_and_a_sources_row():
    assert _table_states() <= set(CASES["state"]), "add a row to tests/data/appeals/lookback_cases.csv"
    section = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8").split("## 8.")[1].split("\n## ")[0]
    for state in _table_states():
        assert STATE_NAMES[state] in section, f"{state} is not in docs/sources.md §8"


def test_lookback_cases_match_the_table_start_points():
    for case in CASES.itertuples():
        rule = profile_for(PROFILES, case.payer_type, case.state).rule("lookback")
        if case.last_day:
            assert rule.counted_from == case.counted_from, case.state


def _decide_on(asked: dict) -> dict:
    """decide() of one notice per (case, notice date) in ``asked`` (by key), for a line paid (or served) on the
    case's start date that our audit supports in full; each notice its own claim and payer, all decided in one
    call (a decision depends only on its own notice: test_appeals_decide checks it)."""
    keys = list(asked)
    rows = []
    for n, key in enumerate(keys):
        case, notice_date = asked[key]
        by_service = case.counted_from == "service_date"
        paid = pd.Timestamp(case.start_date) + pd.Timedelta(days=30 if by_service else 0)
        rows.append({"notice_id": f"N{n}", "claim_id": f"C{n}", "payer_id": f"P{n}", "notice_date": notice_date,
                     "payment_date": f"{paid:%Y-%m-%d}", "service_date": case.start_date if by_service else "2014-01-01",
                     "payer_type": case.payer_type, "state": case.state})
    t = pd.DataFrame(rows)
    one = {"line_no": 1}
    notices = t[["notice_id", "payer_id", "claim_id"]].assign(
        **one, notice_date=pd.to_datetime(t["notice_date"].tolist()), amount_cents=5000, error_type="overpaid_rate",
        original_payment_date=pd.to_datetime([pd.NaT] * len(t)))
    payers = t[["payer_id"]].assign(name="Payer", payer_type=t["payer_type"], state=t["state"])
    findings = t[["claim_id"]].assign(**one, error_type="overpaid_rate", at_risk_cents=5000)
    payments = t[["claim_id"]].assign(**one, payment_date=pd.to_datetime(t["payment_date"].tolist()), paid_cents=9000)
    lines = t[["claim_id"]].assign(**one, payer_id=t["payer_id"], service_date=pd.to_datetime(t["service_date"].tolist()),
                                   procedure_code="99213")
    got = decide(notices, payers, findings, payments, claim_lines=lines, profiles=PROFILES).set_index("notice_id")
    return {key: got.loc[f"N{n}"] for n, key in enumerate(keys)}


@pytest.fixture(scope="module")
def lookbacks() -> dict:
    """Each case's notices: on its last day and the day after, or (without a last day) ten years on."""
    asked = {}
    for case in CASES.itertuples():
        if case.last_day:
            after = pd.Timestamp(case.last_day) + pd.Timedelta(days=1)
            asked[case.Index, "inside"] = case, case.last_day
            asked[case.Index, "outside"] = case, f"{after:%Y-%m-%d}"
        else:
            asked[case.Index, "later"] = case, f"{pd.Timestamp(case.start_date) + pd.DateOffset(years=10):%Y-%m-%d}"
    return _decide_on(asked)


@pytest.mark.parametrize("case", list(CASES.itertuples()), ids=lambda c: c.state or c.payer_type)
def test_lookback_one_day_inside_is_in_time_and_one_day_outside_is_appealed(lookbacks, case):
    if not case.last_day:
        got = lookbacks[case.Index, "later"]
        assert not got["lookback_expired"] and got["recommendation"] == "accept"
        return
    inside = lookbacks[case.Index, "inside"]
    assert f"{inside['lookback_limit']:%Y-%m-%d}" == case.last_day, case.why
    assert f"{inside['lookback_basis_date']:%Y-%m-%d}" == case.start_date
    assert not inside["lookback_expired"] and inside["recommendation"] == "accept", case.why
    outside = lookbacks[case.Index, "outside"]
    assert outside["lookback_expired"], case.why
    assert (outside["recommendation"], outside["merit_basis"]) == ("appeal", "lookback")
    assert (outside["agreed_amount_cents"], outside["disputed_amount_cents"]) == (0, 5000)
    assert f"last day {case.last_day}" in outside["reasons"]
    assert outside["needs_review"] == (case.state not in _table_states() and case.payer_type != "medicare")
