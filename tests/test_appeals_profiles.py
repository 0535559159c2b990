"""The appeal rule profiles: shipped data complete and sourced; user copies replace it; bad copies explained."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from recoup_lib.appeals import DATA_DIR, PROFILE_FILES, STATUSES, load_profiles, medicare_dates, profile_for
from recoup_lib.errors import InputError, InvalidParameterError

PROFILES = load_profiles()


@pytest.mark.parametrize("name", PROFILE_FILES)
def test_shipped_profile_file_every_row_has_source_and_known_status(name):
    raw = pd.read_csv(DATA_DIR / name, dtype="str", keep_default_na=False)
    assert len(raw) > 0
    assert (raw["source"].str.strip() != "").all()
    allowed = set(STATUSES) | ({""} if name == "evidence_checklist.csv" else set())
    assert set(raw["status"]) <= allowed


def test_data_readme_describes_every_profile_file():
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    for name in PROFILE_FILES:
        assert name in readme


def test_medicare_profile_has_five_levels_with_their_windows():
    levels = profile_for(PROFILES, "medicare").levels
    assert levels["level"].tolist() == [1, 2, 3, 4, 5]
    assert levels["filing_window"].tolist() == [120, 180, 60, 60, 60]
    assert (levels["filing_from"] == "receipt").all()
    assert levels["aic"].tolist() == ["", "", "alj_hearing", "", "judicial_review"]
    assert levels["stay_window"].iloc[:2].tolist() == [30, 60]


def test_medicare_aic_table_has_the_domain_years():
    aic = PROFILES.aic.set_index("year")
    for year, alj, court in [(2016, 150_00, 1_500_00), (2017, 160_00, 1_560_00), (2018, 160_00, 1_600_00),
                             (2021, 180_00, 1_760_00), (2022, 180_00, 1_760_00), (2024, 180_00, 1_840_00),
                             (2025, 190_00, 1_900_00), (2026, 200_00, 1_960_00)]:
        assert (aic.loc[year, "alj_hearing_cents"], aic.loc[year, "judicial_review_cents"]) == (alj, court)


def test_interest_rates_2025_2026_are_marked_placeholders():
    rates = PROFILES.interest_rates
    late = rates.loc[rates["effective_date"] >= pd.Timestamp("2025-01-01")]
    assert {2025, 2026} <= set(late["effective_date"].dt.year)
    assert (late["status"] == "unconfirmed").all()
    assert late["note"].str.contains("PLACEHOLDER").all()


@pytest.mark.parametrize("state", ["CA", "NY", "TX", "FL", "GA", "IL", "SC"])
def test_commercial_state_has_statute_lookback_and_notice_rules(state):
    rules = PROFILES.rules
    own = set(rules.loc[(rules["payer_type"] == "commercial") & (rules["state"] == state), "parameter"])
    assert {"statute", "lookback", "notice_requirements"} <= own


def test_commercial_default_and_medicaid_profiles_are_complete_and_say_they_are_assumptions():
    for payer_type in ("commercial", "medicaid"):
        profile = profile_for(PROFILES, payer_type, None)
        for name in ("lookback", "offset_starts", "appeal_cost", "statute"):
            assert profile.rule(name) is not None, (payer_type, name)
        assert profile.rule("lookback").status == "unconfirmed"
    medicaid = PROFILES.rules.loc[PROFILES.rules["payer_type"] == "medicaid"]
    assert medicaid["source"].str.contains("assumption").all()


def test_ers_options_cover_hardship_and_extreme_hardship():
    ers = PROFILES.ers.set_index("option")
    assert ers.loc["Extended repayment schedule (hardship)", ["months_min", "months_max"]].tolist() == [6, 36]
    assert ers.loc["Extended repayment schedule (extreme hardship)", ["months_min", "months_max"]].tolist() \
        == [36, 60]


def test_load_profiles_folder_copy_replaces_shipped_file(tmp_path):
    shutil.copy(DATA_DIR / "payer_rules.csv", tmp_path / "payer_rules.csv")
    text = (tmp_path / "payer_rules.csv").read_text(encoding="utf-8")
    (tmp_path / "payer_rules.csv").write_text(
        text.replace("medicare,,offset_starts,41,", "medicare,,offset_starts,46,"), encoding="utf-8")
    edited = load_profiles(tmp_path)
    assert edited.sources["payer_rules.csv"] == str(tmp_path / "payer_rules.csv")
    assert edited.sources["appeal_levels.csv"] == "shipped"
    row = medicare_dates(["2025-01-01"], edited).iloc[0]
    assert f"{row['offset_starts']:%Y-%m-%d}" == "2025-02-15"


@pytest.mark.parametrize("name, find, replace, message", [
    ("appeal_levels.csv", "medicare,,1,Redetermination,the Medicare Administrative Contractor (MAC),120,",
     "medicare,,1,Redetermination,the Medicare Administrative Contractor (MAC),12O,",
     r"appeal_levels.csv, row 2, column 'filing_window': expected a whole number >= 0; got '12O'"),
    ("medicare_interest_rates.csv", "2025-01-01,2025-12-31,10.50", "2025-01-01,2025-12-31,ten",
     r"medicare_interest_rates.csv, row \d+, column 'rate_percent': expected a percentage"),
    ("medicare_interest_rates.csv", "2026-01-01,2026-12-31", "2025-12-01,2026-12-31",
     r"medicare_interest_rates.csv, row 35, column 'effective_date': expected a date after 2025-12-31, where "
     r"the rate of row 34 ends \(date ranges may not overlap\); got '2025-12-01'"),
    ("appeal_levels.csv", "120,days,receipt,60,,30,day_number", "120,,receipt,60,,30,day_number",
     r"appeal_levels.csv, row 2, column 'filing_unit': expected a unit exactly when filing_window is given"),
    ("overturn_rates.csv", "medicare,3,*,0.56,FY2010,false", "medicare,3,*,0.56,FY2010,true",
     r"overturn_rates.csv, row \d+, column 'use': expected one row with use=true per payer_type, level and basis"),
    ("payer_rules.csv", "commercial,TX,lookback,180,days", "commercial,TX,lookback,180,fortnights",
     r"payer_rules.csv, row \d+, column 'unit': expected one of days"),
    ("overturn_rates.csv", "medicare,1,*,0.11", "medicare,1,*,1.10",
     r"overturn_rates.csv, row 2, column 'p_win': expected a probability between 0 and 1"),
    ("medicare_aic.csv", "2026,200.00", "2026,2OO",
     r"medicare_aic.csv, row \d+, column 'alj_hearing': expected an amount in dollars"),
    ("payer_rules.csv", ",status,note", ",state_of_play,note", r"payer_rules.csv: missing required column 'status'"),
])
def test_load_profiles_bad_copy_names_file_row_and_column(tmp_path, name, find, replace, message):
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    assert find in text
    (tmp_path / name).write_text(text.replace(find, replace, 1), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_profiles(tmp_path)


def test_load_profiles_duplicate_parameter_is_refused(tmp_path):
    text = (DATA_DIR / "payer_rules.csv").read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("commercial,NY,lookback"))
    (tmp_path / "payer_rules.csv").write_text(text + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"payer_rules.csv, row \d+, column 'payer_type,state,parameter': "
                                         r"expected a key not used by an earlier row .*got 'commercial\|NY\|lookback'"):
        load_profiles(tmp_path)


def test_profile_levels_combine_a_state_own_first_level_with_the_default_later_ones(tmp_path):
    """TX lists only its first level: level 2 is the default's. GA lists rules and no level: all default."""
    text = (DATA_DIR / "appeal_levels.csv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    tx = next(x for x in lines if x.startswith("commercial,TX,1,"))
    default_2 = next(x for x in lines if x.startswith("commercial,,2,"))
    (tmp_path / "appeal_levels.csv").write_text(
        text.replace(default_2, default_2 + default_2.replace("commercial,,2,", "commercial,,3,", 1), 1)
        + tx.replace("commercial,TX,1,", "commercial,TX,2,", 1), encoding="utf-8")
    edited = load_profiles(tmp_path)
    tx_profile = profile_for(edited, "commercial", "TX")
    assert tx_profile.levels[["state", "level"]].values.tolist() == [["TX", 1], ["TX", 2], ["", 3]]
    assert list(tx_profile.levels.index) == [0, 1, 2] and not tx_profile.levels_from_default
    ga = profile_for(edited, "commercial", "GA")
    assert ga.has_state_rows and ga.levels_from_default
    assert ga.levels[["state", "level"]].values.tolist() == [["", 1], ["", 2], ["", 3]]
    assert ga.rule("lookback").state == "GA" and "statute" not in ga.fallbacks


def test_profile_for_a_payer_type_without_default_levels_is_refused(tmp_path):
    text = (DATA_DIR / "appeal_levels.csv").read_text(encoding="utf-8")
    kept = [x for x in text.splitlines(keepends=True) if not x.startswith("medicaid,,")]
    (tmp_path / "appeal_levels.csv").write_text("".join(kept), encoding="utf-8")
    with pytest.raises(InvalidParameterError, match=r"appeal_levels.csv has no level for medicaid \(default profile\)"):
        profile_for(load_profiles(tmp_path), "medicaid", "GA")

