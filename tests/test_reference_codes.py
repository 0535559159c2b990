"""Shipped code tables (reference/data/*.csv) and the helpers that explain them."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from recoup_lib import reference
from recoup_lib.reference import codes

CODE_TABLES = {
    "carc.csv": "code",
    "rarc.csv": "code",
    "plb_reasons.csv": "code",
    "claim_status.csv": "code",
    "cas_groups.csv": "code",
    "em_levels.csv": "procedure_code",
    "place_of_service.csv": "code",
}
ALL_TABLES = list(CODE_TABLES) + ["em_distribution.csv"]

#: docs/contract.md, "Findings": the error_type vocabulary.
ERROR_TYPES = {"duplicate_claim", "duplicate_payment", "overpaid_rate", "upcoding", "unbundling",
               "units_over_mue", "missing_documentation", "missing_signature", "coverage_lapsed",
               "policy_change"}
CATEGORIES = {"overpayment", "incorrect_billing", "documentation", "eligibility", "policy_change"}

#: docs/sources.md §6.2 (every CARC of its table) and the common ones the kit adds.
DOMAIN_CARCS = ["4", "5", "11", "15", "16", "18", "22", "26", "27", "29", "31", "35", "45", "50",
                "96", "97", "119", "150", "151", "167", "181", "182", "197", "198", "204", "226",
                "234", "236", "252", "B13"]
COMMON_CARCS = ["1", "2", "3", "23", "24", "109", "119", "129", "140", "185", "242", "253"]
DOMAIN_RARCS = ["N362", "M80", "M15", "M86", "N432", "N115", "N386", "MA130", "MA01", "N130"]


def table(name: str) -> pd.DataFrame:
    return reference.load(name)


# --------------------------------------------------------------------------- every table

@pytest.mark.parametrize("name", ALL_TABLES)
def test_table_loads_as_text_with_rows(name):
    frame = table(name)
    assert len(frame) > 0
    assert all(pd.api.types.is_string_dtype(frame[c]) for c in frame.columns)


@pytest.mark.parametrize("name, key", CODE_TABLES.items())
def test_table_codes_are_unique_and_never_blank(name, key):
    frame = table(name)
    assert frame[key].is_unique
    assert (frame[key].str.strip() != "").all()
    assert (frame[key] == frame[key].str.strip()).all()


@pytest.mark.parametrize("name", [n for n in CODE_TABLES if n != "em_levels.csv"])
def test_table_meanings_are_short_plain_sentences_of_our_own(name):
    meaning = table(name)["meaning"]
    assert (meaning.str.len() > 3).all()
    assert (meaning.str.len() <= 200).all()
    # Marks of the official X12 wording, which the kit must not copy.
    assert not meaning.str.contains("Usage:|At least one Remark Code must be provided").any()


@pytest.mark.parametrize("name", sorted(p.name for p in Path(reference.DATA_DIR).glob("*.csv")))
def test_readme_has_a_section_for_every_table(name):
    readme = (reference.DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"^#+ `{re.escape(name)}`", readme, flags=re.M)


def test_codes_keep_leading_zeros_and_letters():
    pos = table("place_of_service")
    assert {"02", "10", "11", "19", "21", "22", "23", "12", "31", "32", "81"} <= set(pos["code"])
    assert pos["code"].str.fullmatch(r"\d{2}").all()
    carc = table("carc").set_index("code")
    assert "B13" in carc.index and "B12" in carc.index


# --------------------------------------------------------------------------- CARC

@pytest.mark.parametrize("code", sorted(set(DOMAIN_CARCS + COMMON_CARCS)))
def test_carc_table_has_the_domain_and_common_codes(code):
    assert code in set(table("carc")["code"])


def test_carc_error_types_and_categories_use_the_contract_vocabulary():
    carc = table("carc")
    assert set(carc["related_error_type"]) - {""} <= ERROR_TYPES
    assert set(carc["kit_category"]) <= CATEGORIES | {"", "routine", "denial"}
    by_code = carc.set_index("code")
    for code, error_type in by_code["related_error_type"].items():
        if error_type:
            assert by_code.loc[code, "kit_category"] in CATEGORIES, code


@pytest.mark.parametrize("code, error_type", [
    ("18", "duplicate_claim"), ("150", "upcoding"), ("151", "units_over_mue"),
    ("236", "unbundling"), ("97", "unbundling"), ("226", "missing_documentation"),
    ("252", "missing_documentation"), ("27", "coverage_lapsed"), ("45", ""),
])
def test_carc_maps_to_the_contract_error_type(code, error_type):
    assert table("carc").set_index("code").loc[code, "related_error_type"] == error_type


def test_carc_typical_groups_are_5010_group_codes():
    groups = table("carc")["typical_group"].str.split("/").explode()
    assert set(groups) <= {"CO", "PR", "OA", "PI"}


def test_carc_every_row_says_where_its_meaning_was_checked():
    carc = table("carc")
    assert (carc["source"] != "").all()
    domain = carc.set_index("code").loc[DOMAIN_CARCS, "source"]
    assert domain.str.contains("docs/sources.md §6.2").all()


# --------------------------------------------------------------------------- RARC, PLB, status, groups

def test_rarc_table_has_domain_codes_and_pairs_with_known_carcs():
    rarc = table("rarc")
    assert set(DOMAIN_RARCS) <= set(rarc["code"])
    paired = rarc["pairs_with"].str.split(";").explode()
    assert set(paired[paired != ""]) <= set(table("carc")["code"])
    assert rarc.set_index("code").loc["N362", "pairs_with"].split(";")[:2] == ["151", "96"]


def test_plb_recoupment_flags_follow_the_contract():
    plb = table("plb_reasons").set_index("code")
    assert plb.loc["WO", "is_recoupment"] == "true"
    assert plb.loc["FB", "is_recoupment"] == "true"
    assert plb.loc["72", "is_recoupment"] == "false"
    assert "twice" in plb.loc["72", "note"]
    assert set(plb["is_recoupment"]) == {"true", "false"}
    assert set(plb["reference_holds_claim"]) <= {"yes", "no", "usually no", "varies", "unknown"}
    for code in ("WO", "FB"):
        assert "Positive" in plb.loc[code, "direction_note"]
        assert "positive" in plb.loc[code, "note"].lower()


def test_claim_status_has_the_835_codes_and_22_is_the_reversal():
    status = table("claim_status").set_index("code")
    assert list(status.index) == ["1", "2", "3", "4", "19", "20", "21", "22", "23", "25"]
    assert "Reversal" in status.loc["22", "meaning"]
    assert "recoupment" in status.loc["22", "kit_use"]


def test_cas_groups_cr_is_not_in_5010():
    groups = table("cas_groups").set_index("code")
    assert groups["in_5010"].to_dict() == {"CO": "true", "PR": "true", "OA": "true",
                                           "PI": "true", "CR": "false"}
    assert groups.loc["PR", "who_bears"] == "patient"


# --------------------------------------------------------------------------- E/M

def test_em_levels_cover_the_office_visit_codes():
    em = table("em_levels").set_index("procedure_code")
    assert list(em.index) == ["99202", "99203", "99204", "99205",
                              "99211", "99212", "99213", "99214", "99215"]
    assert set(em.loc[["99202", "99203", "99204", "99205"], "family"]) == {"new"}
    assert set(em.loc[["99211", "99212", "99213", "99214", "99215"], "family"]) == {"established"}
    assert em["level"].astype(int).tolist() == [2, 3, 4, 5, 1, 2, 3, 4, 5]
    assert em.loc["99211", "mdm"] == "n/a"
    mdm_by_level = {"2": "straightforward", "3": "low", "4": "moderate", "5": "high"}
    for code, row in em.drop(index="99211").iterrows():
        assert row["mdm"] == mdm_by_level[row["level"]], code
        assert row["time_2024_status"] == "unconfirmed", code
        low = int(row["time_2021_2023"].split("-")[0])
        assert int(row["time_2024_min"]) == low, code


def test_em_distribution_shares_sum_to_one_within_each_population():
    dist = table("em_distribution")
    assert set(dist["status"]) <= {"published", "secondary", "our assumption"}
    assert dist["share"].str.fullmatch(r"0(\.\d{1,4})?|1(\.0{1,4})?").all()
    for key, group in dist.groupby(["source", "population", "family"]):
        total = sum(Decimal(x) for x in group["share"])
        assert abs(total - 1) <= Decimal("0.001"), key
        assert group["procedure_code"].is_unique, key


def test_em_distribution_codes_match_their_family():
    dist = table("em_distribution")
    em = table("em_levels").set_index("procedure_code")["family"]
    known = dist[dist["procedure_code"].isin(em.index)]
    assert (known["family"] == known["procedure_code"].map(em)).all()
    assert set(dist["procedure_code"]) - set(em.index) <= {"99201", "other"}


def test_em_distribution_labels_the_synthetic_default_as_our_assumption():
    dist = table("em_distribution")
    ours = dist[dist["status"] == "our assumption"]
    assert set(ours["family"]) == {"new", "established"}
    assert ours["source"].str.contains("RecoupKit").all()
    default = ours.set_index(["family", "procedure_code"])["share"]
    assert default[("established", "99214")] == "0.48" and default[("new", "99204")] == "0.52"


# --------------------------------------------------------------------------- helpers

def test_explain_carc_with_and_without_group():
    assert codes.explain_carc("45").startswith("CARC 45: The charge is above")
    with_group = codes.explain_carc("co-45")
    assert with_group.startswith("CO-45: ") and "borne by the provider" in with_group
    assert codes.explain_carc("PR 2").startswith("PR-2: Coinsurance")
    assert codes.explain_carc("OA-18").endswith("(OA = other adjustment; who bears it depends on the case.)")
    assert "not in the kit's table" in codes.explain_carc("9999")


def test_explain_rarc_plb_group_pos_and_status():
    assert codes.explain_rarc(" n362 ").startswith("RARC N362: ")
    assert "Positive here: money taken back" in codes.explain_plb("FB", "12.50")
    assert "Negative here: it raises this payment" in codes.explain_plb("WO", "-150")
    assert "Positive here: it lowers this payment" in codes.explain_plb("72", "1,000.00")
    assert codes.explain_group("PI").startswith("PI (payer-initiated reduction)")
    assert codes.explain_pos("2") == codes.explain_pos("02")
    assert codes.explain_pos("11") == "POS 11: Office (a practice's own office or clinic)"
    assert codes.explain_claim_status(22) == "Claim status 22: Reversal of a previous payment"
    assert "not in the kit's table" in codes.explain_rarc("N99999")


def test_explain_lists_every_table_of_an_ambiguous_code():
    found = codes.explain("22")
    assert found["table"].tolist() == ["CARC", "Place of service", "Claim status (CLP02)"]
    assert codes.explain("2")["table"].tolist() == ["CARC", "Claim status (CLP02)"]
    assert codes.explain("02")["table"].tolist() == ["Place of service"]
    assert codes.explain("nothing").empty


def test_explain_says_when_the_carc_of_a_group_code_is_unknown():
    found = codes.explain("CO-999")
    assert found[["table", "code", "known"]].values.tolist() == [["CARC", "999", False],
                                                                  ["CAS group", "CO", True]]
    assert found.loc[0, "meaning"].startswith("not in the kit's CARC table (CO-999 reads as group CO")
    assert codes.explain("co-n362")[["table", "code", "known"]].values.tolist() == [
        ["CARC", "N362", False], ["RARC", "N362", True], ["CAS group", "CO", True]]
    assert codes.explain("PR 72")["table"].tolist()[:2] == ["CARC", "PLB reason"]
    assert codes.explain("CO-45")["known"].all()


def test_cli_explain_names_the_unknown_part_of_a_group_code(capsys):
    from recoup_lib.cli import main

    assert main(["reference", "explain", "CO-999", "CO-N362"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("999: not in the kit's CARC table (CO-999 reads as group CO and CARC 999; "
                        "check the X12 CARC list)")
    assert lines[1].startswith("CO [CAS group]: Contractual obligation")
    assert lines[2].startswith("N362: not in the kit's CARC table") and lines[3].startswith("N362 [RARC]: ")


def test_cli_explain_fails_only_when_no_code_is_known(capsys):
    from recoup_lib.cli import main

    assert main(["reference", "explain", "ZZZ9", "QQ"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "ZZZ9, QQ: not in the kit's code tables" in captured.err
    assert main(["reference", "explain", "ZZZ9", "45"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("ZZZ9: not in the kit's code tables") and lines[1].startswith("45 [CARC]: ")


@pytest.mark.parametrize(("pasted", "read"), [
    ("45,96", ["45 [CARC]", "96 [CARC]"]), ("OA*23", ["OA-23 [CARC]"]), ("CO-45 CO-96", ["CO-45 [CARC]", "CO-96 [CARC]"]),
])
def test_cli_explain_splits_codes_as_a_user_pastes_them(capsys, pasted, read):
    """``45,96``, ``OA*23`` (an X12 CAS segment's group*code) and ``CO-45 CO-96`` were each looked up as
    one code and called unknown."""
    from recoup_lib.cli import main

    assert main(["reference", "explain", pasted]) == 0
    out = capsys.readouterr().out
    assert "not in the kit's code tables" not in out
    assert all(part in out for part in read)


def test_cli_explain_names_an_argument_holding_no_known_code_as_given(capsys):
    from recoup_lib.cli import main

    assert main(["reference", "explain", "=cmd|' /C calc'!A0", "45"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == ("=cmd|' /C calc'!A0: not in the kit's code tables (CARC, RARC, "
                                                        "PLB, CAS group, place of service, claim status, office E/M)")


@pytest.mark.parametrize("blank", ["", "   ", " , "])
def test_cli_explain_refuses_a_blank_code(capsys, blank):
    from recoup_lib.cli import main

    assert main(["reference", "explain", blank]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "code 1 of the 1 given is empty" in captured.err


def test_split_adjustment_forms():
    assert codes.split_adjustment("CO-45") == ("CO", "45")
    assert codes.split_adjustment("oa 23") == ("OA", "23")
    assert codes.split_adjustment("PIB13") == ("PI", "B13")
    assert codes.split_adjustment("B13") == ("", "B13")
    assert codes.split_adjustment("P1") == ("", "P1")


@pytest.mark.parametrize("written, group, carc", [
    ("CO-45", "CO", "45"), ("CO 45", "CO", "45"), ("CO:45", "CO", "45"), ("CO45", "CO", "45"),
    ("CO - 45", "CO", "45"), ("CO--45", "CO", "45"), ("CO\t45", "CO", "45"), ("PIB13", "PI", "B13"),
    ("CR-B5", "CR", "B5"), ("16", None, "16"), ("B13", None, "B13"),
])
def test_the_one_reason_code_pattern_splits_odd_spellings_as_every_user_of_it_does(written, group, carc):
    match = codes.REASON_CODE.fullmatch(written)
    assert match is not None and (match["group"], match["carc"]) == (group, carc)
    assert codes.split_adjustment(written.lower()) == (group or "", carc)
    assert codes.carc_categories(pd.Series([written])).tolist() == codes.carc_categories(pd.Series([carc])).tolist()


@pytest.mark.parametrize("cell, carcs", [
    ("CO45/PR2", ["45", "2"]), ("CO45PR2", ["45", "2"]), ("CO-45, PR-2", ["45", "2"]), ("PR-3 N130", ["3", "N130"]),
    ("45CO16", ["45", "16"]), ("MA130", []), ("DENIED", []), (",", []),
])
def test_the_reason_code_pattern_finds_each_code_of_a_cell_and_none_inside_a_word(cell, carcs):
    assert [m["carc"] for m in codes.REASON_CODE.finditer(cell)] == carcs


def test_vectorised_helpers_keep_index_and_blank_unknowns():
    carcs = pd.Series(["CO-150", "45", "pr-27", "B13", "XYZ"], index=[10, 11, 12, 13, 14])
    assert codes.carc_error_types(carcs).tolist() == [
        "upcoding", "", "coverage_lapsed", "duplicate_claim", ""]
    assert codes.carc_error_types(carcs).index.tolist() == [10, 11, 12, 13, 14]
    assert codes.carc_categories(carcs).tolist() == [
        "incorrect_billing", "routine", "eligibility", "overpayment", ""]
    meanings = codes.meanings(pd.Series(["2", "02", "11", "77"]), "pos")
    assert meanings.iloc[0] == meanings.iloc[1] != ""
    assert meanings.iloc[3] == ""


def test_em_family_and_level_scalar_and_vectorised():
    assert codes.em_family("99205") == "new"
    assert codes.em_family("99211") == "established"
    assert codes.em_family("99201") is None and codes.em_family("36415") is None
    assert codes.em_level("99213") == 3 and codes.em_level("G0439") is None
    column = pd.Series(["99202", "99215", "80053", ""])
    assert codes.em_families(column).tolist() == ["new", "established", "", ""]
    levels = codes.em_level_numbers(column)
    assert str(levels.dtype) == "Int64"
    assert levels.tolist()[:2] == [2, 5] and levels.isna().tolist() == [False, False, True, True]


def test_code_table_returns_a_copy_and_rejects_unknown_names():
    first = codes.code_table("carc")
    first.loc[0, "meaning"] = "changed"
    assert codes.code_table("carc").loc[0, "meaning"] != "changed"
    with pytest.raises(KeyError, match="unknown code table 'hcpcs'"):
        codes.code_table("hcpcs")


def test_lookup_returns_the_row_as_text():
    row = codes.lookup("plb", "wo")
    assert row["code"] == "WO" and row["is_recoupment"] == "true"
    assert codes.lookup("carc", "CO-18")["related_error_type"] == "duplicate_claim"
    assert codes.lookup("pos", 2)["code"] == "02"


def test_data_folder_holds_only_files_with_readme_sections():
    readme = (reference.DATA_DIR / "README.md").read_text(encoding="utf-8")
    ours = [p.name for p in Path(reference.DATA_DIR).glob("*.csv") if p.name in ALL_TABLES]
    assert sorted(ours) == sorted(ALL_TABLES)
    assert "paraphrase" in readme.lower()
