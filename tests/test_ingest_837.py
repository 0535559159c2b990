"""X12 837 claim files: public samples, the generator's 837s (round trip, pyx12), broken files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recoup_lib.ingest import LINE_COLUMNS, import_files, read_837
from recoup_lib.synthetic import CLAIMS837_FOLDER, generate_practice, profile_names, write_practice
from test_remit_writer import pyx12_batch_errors, pyx12_errors  # the 835 writer's tests' pyx12 checks

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data" / "837"
#: Public files that are not an 837P or 837I: each is refused with its reason, never read as claim lines.
REFUSED = {"oopfactory-837d-4010-Spec_4.2.1_WorkmansComp.txt":
           "a dental service line (SV3, 837D): only 837P and 837I are read",
           "imsweb-x12_999_accepted.txt":
           "transaction set aside: ST01 is '999' (999 acknowledgments), not an 837 claim",
           "imsweb-x12_277CA_accepted.txt":
           "transaction set aside: ST01 is '277' (277 claim status answers), not an 837 claim",
           # 837s that bill nothing: a predetermination (an estimate asked before the service) and a payer's report.
           "stupidedi-X291-hmo-plan.edi":
           "transaction set aside: it is a professional predetermination of benefits, an estimate asked before the "
           "service (ST03/GS08 '005010X291'), not a claim billed: only 837P and 837I claims are read",
           "stupidedi-X298-pacdr-professional-external-example.edi":
           "a service line of a post-adjudicated claims data report, a payer's report of claims it paid "
           "(ST03/GS08 '005010X298'), not a claim billed"}
#: Lines of the public 837Is that bill a revenue code alone (no HCPCS/CPT in SV202): set aside, each named.
REVENUE_ONLY = "an institutional line with a revenue code and no procedure code (SV202-2 blank)"
LINES_SET_ASIDE = {("tigershark-837I-Examples.txt", segment) for segment in (112, 116, 120, 124)} | {
    ("tigershark-837I-Patient-NotSubscriber.txt", segment) for segment in (44, 50)}
#: What is off in the public files, as their warnings say it (the lines found are read all the same).
WARNED = {"silvenga-odd-separator.edi": ["ISA) with no IEA after them", "(ST) with no SE before the end of the file",
                                         "with no service line (no SV1 or SV2 after the CLM)"],
          "imsweb-x12_no_isa_line.txt": ["the file starts at its GS"],
          "imsweb-x12_complex.txt": ["(HL level 23) with no ID of their own"],
          "tigershark-837I-Examples.txt": ["with no SE closing them before the ST, GS, GE, ISA or IEA that follows",
                                           "an ISA header of the fixed 106 characters"],
          # One interchange whose ISA06/ISA08 are not padded: the reader's one-pass cut said nothing of it.
          "tigershark-837-example.txt": ["an ISA header of the fixed 106 characters"],
          "tigershark-837I-Patient-NotSubscriber.txt": ["an ISA header of the fixed 106 characters"]}
#: What the folder holds besides X12 files: its notes and the expectations.
NOT_X12 = {"SOURCES.md", "expected_lines.csv"}
CONTRACT = ["claim_id", "line_no", "patient_id", "payer_id", "rendering_npi", "service_date", "submitted_date",
            "procedure_code", "modifiers", "units", "charge", "diagnosis_codes", "place_of_service"]


def frame(claims) -> pd.DataFrame:
    return pd.DataFrame({k: (v.to_pylist() if hasattr(v, "to_pylist") else list(v))
                         for k, v in claims.lines.items()}).rename(columns={"_file": "file"})


def test_public_samples_read_without_errors_and_match_the_hand_expectations():
    expected = pd.read_csv(DATA / "expected_lines.csv", dtype=str, keep_default_na=False)
    claims = read_837(DATA)
    aside = [entry for entry in claims.set_aside if entry[0] not in REFUSED]
    assert {(f, segment) for f, segment, _, _ in aside} == LINES_SET_ASIDE
    assert all(why.startswith(REVENUE_ONLY) for _, _, why, _ in aside)
    assert not [p for p in claims.problems if "warning" not in p[2] and p[0] not in NOT_X12 | set(REFUSED)]
    got = frame(claims)
    got = got.loc[got["file"].isin(expected["file"])].reset_index(drop=True)
    assert sorted(set(got["file"])) == sorted(set(expected["file"]))
    # A file that sends a claim twice (a second transaction) gives its lines twice: matched in order.
    expected, got = (f.assign(_copy=f.groupby(["file", "claim_id", "line_no"]).cumcount()) for f in (expected, got))
    key = ["file", "claim_id", "line_no", "_copy"]
    merged = expected.merge(got, on=key, how="outer", suffixes=("", "_got"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", key]
    for column in expected.columns.drop(key):
        differ = merged.loc[merged[column] != merged[f"{column}_got"], key + [column, f"{column}_got"]]
        assert differ.empty, f"{column}:\n{differ.to_string()}"


def test_public_files_that_are_not_837p_or_837i_are_refused_with_their_reason():
    claims = read_837(DATA)
    assert not [f for f in frame(claims)["file"] if f in REFUSED]
    said = {(f, why) for f, _, why, _ in claims.set_aside} | {(f, msg) for f, _, msg in claims.problems}
    assert set(REFUSED.items()) <= said


def test_public_samples_warn_about_their_mended_component_separator():
    warned = {f for f, _, msg in read_837(DATA).problems if "although ISA16 declares" in msg}
    assert {"demo.example9.837", "demo.example11.837", "ppo-repriced-claim.837i"} <= warned


@pytest.mark.parametrize("name", sorted(WARNED))
def test_what_is_off_in_a_public_837_is_a_warning(name):
    said = "\n".join(msg for _, _, msg in read_837(DATA / name).problems)
    for text in WARNED[name]:
        assert text in said, (text, said)


@pytest.mark.parametrize("name, repeated", [("imsweb-x12_multiple_st.txt", [58, 67]),
                                            ("imsweb-x12_no_isa_line.txt", [38]),
                                            ("imsweb-x12_complex.txt", [200, 210, 252, 286, 289])])
def test_a_claim_sent_again_in_the_same_file_is_imported_once_its_repeat_named(name, repeated):
    """A second transaction (or a second billing-provider loop) holding the claims again: each line counted once."""
    [source] = import_files([DATA / name]).sources
    assert source.rows_read == source.rows_used + source.rows_set_aside == source.rows_used + len(repeated)
    assert source.aside["_row"].tolist() == repeated


def test_public_samples_import_into_claim_lines(tmp_path):
    result = import_files(sorted(DATA.glob("*.837")))
    lines = result.tables["claim_lines.csv"]
    assert len(lines) == sum(s.rows_used for s in result.sources) == 41 - 11
    assert all(s.rows_read == s.rows_used + s.rows_set_aside for s in result.sources)
    # Examples reuse claim ids (26407789 twice, CLMNO12345 three times): repeats are set aside, named.
    aside = pd.concat([s.aside for s in result.sources if len(s.aside)])
    assert set(aside["_reason"]) == {"the same claim_id and line_no came earlier from another file"}


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), profile=st.sampled_from(sorted(profile_names())))
def test_generated_837s_read_back_to_exactly_claim_lines(tmp_path_factory, seed, profile):
    folder = write_practice(generate_practice(lines=400, seed=seed, profile=profile),
                            tmp_path_factory.mktemp("p"))
    claims = read_837(folder / CLAIMS837_FOLDER)
    assert claims.set_aside == [] and claims.problems == []
    got = frame(claims)[CONTRACT]
    expected = pd.read_csv(folder / "claim_lines.csv", dtype=str, keep_default_na=False)
    got = got.assign(_n=got["line_no"].astype(int)).sort_values(["claim_id", "_n"]).drop(columns="_n")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return write_practice(generate_practice(lines=600, seed=21, profile="orthopedic_group"),
                          tmp_path_factory.mktemp("gen"))


def test_generated_837s_are_valid_5010_for_pyx12(generated, tmp_path):
    files = sorted((generated / CLAIMS837_FOLDER).glob("*.837"))
    assert files
    # In one pyx12 pass (it loads its maps once per stream), each file alone only if the pass finds an error.
    assert pyx12_batch_errors(files[:6], tmp_path) == {}


def test_pyx12_check_catches_a_broken_837(generated, tmp_path):
    path = sorted((generated / CLAIMS837_FOLDER).glob("*.837"))[0]
    broken = tmp_path / "broken.837"
    broken.write_text("\n".join(s for s in path.read_text().splitlines() if not s.startswith("NM1*PR")))
    valid, errors = pyx12_errors(broken)
    assert not valid and errors


def test_no_remits_also_skips_the_837s(tmp_path):
    practice = generate_practice(lines=100, seed=2)
    assert not (write_practice(practice, tmp_path / "a", remits=False) / CLAIMS837_FOLDER).exists()
    assert (write_practice(practice, tmp_path / "b", remits=False, claims837=True) / CLAIMS837_FOLDER).is_dir()


def test_broken_files_are_set_aside_with_their_reason_never_raised(tmp_path):
    good = (DATA / "demo.example1.837").read_text()
    (tmp_path / "not837.837").write_text(good.replace("ST*837*", "ST*835*"))
    (tmp_path / "text.837").write_text("Claim #,DOS\n1,2\n")
    no_sv = good.replace("SV1*HC:87070*15.00*UN*1.00***1~", "")
    (tmp_path / "no_sv1.837").write_text(no_sv)
    claims = read_837(tmp_path)
    messages = {f: m for f, _, m in claims.problems}
    assert messages["not837.837"] == ("transaction set aside: ST01 is '835' (835 remittances), not an 837 claim: "
                                      "give 835 files with --payments")
    assert messages["text.837"] == "skipped (in a folder of 837s): not X12 (no ISA header or ST near its start)"
    assert sorted((f, why) for f, _, why, _ in claims.set_aside) == [
        ("no_sv1.837", "an LX service line without SV1 (837P) or SV2 (837I)")] + [
        ("not837.837", "a service line of a transaction that is not an 837")] * 4
    assert frame(claims)["file"].tolist() == ["no_sv1.837"] * 3


def test_line_columns_list():
    assert LINE_COLUMNS[:13] == CONTRACT
