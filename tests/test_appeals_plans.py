"""Plan types: which rules govern a recoupment, its deadlines, and cross-plan offsets."""

from __future__ import annotations

import pandas as pd
import pytest

from recoup_lib.appeals import (PLAN_TYPES, cross_plan_offsets, load_plan_types, medicare_dates, plan_deadlines,
                                plan_rules, plan_type_of)
from recoup_lib.errors import InputError, InvalidParameterError

PLANS = load_plan_types()


def test_every_plan_type_has_a_sourced_row():
    assert PLANS["plan_type"].tolist() == list(PLAN_TYPES)
    assert PLANS["source_url"].str.startswith("https://").all()


def test_section_935_and_state_law_reach_only_their_plan_types():
    rules = PLANS.set_index("plan_type")
    assert rules.loc[rules["section_935"] == "yes"].index.tolist() == ["medicare_ffs"]
    assert rules.loc["commercial_self_funded", "state_recoupment_law"] == "no"
    assert rules.loc["commercial_fully_insured", "state_recoupment_law"] == "yes"
    assert rules.loc["medicare_advantage", "section_935"] == "no"


def test_plan_type_of_maps_payer_type_and_funding():
    got = plan_type_of(["medicare", "medicare", "medicaid", "medicaid", "commercial", "commercial"],
                       ["program", "managed_care", "program", "managed_care", "fully_insured", "self_funded"])
    assert got.tolist() == list(PLAN_TYPES)
    with pytest.raises(InvalidParameterError, match="no plan type"):
        plan_type_of("medicare", "self_funded")


def test_deadlines_follow_the_plan_type():
    notices = pd.DataFrame({"notice_id": list("ABCDE"), "notice_date": pd.to_datetime(["2025-05-01"] * 5),
                            "plan_type": ["medicare_ffs", "commercial_fully_insured", "commercial_fully_insured",
                                          "commercial_self_funded", "medicaid_ffs"],
                            "state": ["GA", "TX", "NY", "TX", "GA"]})
    got = plan_deadlines(notices).set_index("notice_id")
    medicare = medicare_dates(["2025-05-01"]).iloc[0]
    assert got.loc["A", "file_by"] == medicare["file_by"] and got.loc["A", "offset_starts"] == medicare["offset_starts"]
    assert got.loc["A", "section_935"] and not got.loc["D", "section_935"]
    assert got.loc["B", "offset_starts"] == pd.Timestamp("2025-06-16")  # Texas: no recovery before day 46
    assert got.loc["C", "offset_starts"] == pd.Timestamp("2025-05-31")  # New York: 30 days' notice
    assert got.loc["D", "file_by"] == pd.Timestamp("2025-10-28")  # ERISA: 180 days
    assert pd.isna(got.loc["E", "file_by"])  # Medicaid: the state's rules, no single figure
    assert got.loc["D", "state_law"] == "no"


def test_unknown_plan_type_names_the_known_ones():
    with pytest.raises(InvalidParameterError, match="expected one of medicare_ffs"):
        plan_rules("medigap")


def test_cross_plan_offsets_flag_other_and_unknown_plans():
    offsets = pd.DataFrame({"claim_id": ["A", "B", "Z"], "paying_plan": ["G1", "G1", "G1"],
                            "amount_cents": [100, 200, 300]})
    claims = pd.DataFrame({"claim_id": ["A", "B"], "plan_id": ["G1", "G2"]})
    got = cross_plan_offsets(offsets, claims)
    assert got["cross_plan"].tolist() == [False, True, True]
    assert got["overpaid_plan"].tolist() == ["G1", "G2", ""]
    assert got["amount_cents"].tolist() == [100, 200, 300]


def test_an_offset_from_a_deposit_that_also_paid_the_overpaid_plan_is_not_cross_plan():
    offsets = pd.DataFrame({"claim_id": ["A", "A"], "paying_plan": ["G2;G1", "G2; G3"], "amount_cents": [1, 2]})
    got = cross_plan_offsets(offsets, pd.DataFrame({"claim_id": ["A"], "plan_id": ["G1"]}))
    assert got["cross_plan"].tolist() == [False, True]


def test_a_folder_under_the_plan_tables_name_in_the_override_is_named(tmp_path):
    """A folder's copy of plan_types.csv replaces the shipped one; it was looked for with ``is_file()``, so
    a folder under its name was passed over and the shipped table used in silence."""
    (tmp_path / "plan_types.csv").mkdir()
    with pytest.raises(InputError, match=f"plan_types.csv in {tmp_path}: a folder; expected a CSV file"):
        load_plan_types(tmp_path)
