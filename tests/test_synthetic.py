"""The generator: exact size, byte-for-byte reproducible, and labels that are exactly the contract's findings."""

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recoup_lib.cli import main
from recoup_lib.folder import read_table
from recoup_lib.rules import ERROR_TYPES, audit_folder, score
from recoup_lib.synthetic import FOLDER_FILES, generate_practice, load_profile, profile_names, write_practice
from recoup_lib.synthetic import demo
from recoup_lib.synthetic._profile import template_lines

pytestmark = pytest.mark.slow  # its tests take 20 s or more together: conftest.py starts the file first

PROFILES = profile_names()


def _digest(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _labels_equal_findings(folder: Path, result=None) -> pd.DataFrame:
    """Score the folder's audit (``result``, else :func:`audit_folder` of it) against its labels.csv."""
    result = audit_folder(folder) if result is None else result
    labels = read_table(folder / "labels.csv").data
    table = score(result.findings, labels).set_index("error_type")
    assert table.loc["all", "false_positives"] == 0, table
    assert table.loc["all", "false_negatives"] == 0, table
    assert table.loc["all", "exact_amounts"] == table.loc["all", "true_positives"], table
    return table


def test_profiles_are_three_kinds_of_practice():
    assert {"family_practice", "orthopedic_group", "hospital_outpatient"} <= set(PROFILES)


@pytest.mark.parametrize("profile", PROFILES)
def test_issue_example_labels_are_exactly_the_findings(tmp_path, profile):
    """`recoup generate --lines 20000 --seed 11`: every file, all ten types, labels = findings."""
    out = tmp_path / profile
    assert main(["generate", "--lines", "20000", "--seed", "11", "--profile", profile, "--out", str(out)]) == 0
    assert {p.name for p in out.glob("*")} >= set(FOLDER_FILES)
    assert len(read_table(out / "claim_lines.csv").data) == 20000
    table = _labels_equal_findings(out)
    present = set(table.index[table["labelled"] > 0]) - {"all"}
    assert present == set(ERROR_TYPES)
    lines_with_errors = json.loads((out / "practice.json").read_text())["lines_with_errors"]
    assert 0.07 <= lines_with_errors / 20000 <= 0.10


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**31 - 1), lines=st.integers(min_value=400, max_value=4000),
       rate=st.sampled_from([0.02, 0.08, 0.2]), profile=st.sampled_from(PROFILES))
def test_any_seed_gives_labels_equal_to_the_contract_findings(tmp_path, seed, lines, rate, profile):
    out = tmp_path / f"{profile}-{seed}-{lines}-{rate}"
    write_practice(generate_practice(lines=lines, seed=seed, error_rate=rate, profile=profile), out)
    assert len(read_table(out / "claim_lines.csv").data) == lines
    # audit_folder reads the folder with read_audit_folder and keeps what it read: one read, not two.
    result = audit_folder(out)
    assert result.inputs.problems == []
    _labels_equal_findings(out, result)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        write_practice(generate_practice(lines=1500, seed=seed, profile="orthopedic_group"), tmp_path / name)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a")["claim_lines.csv"] != _digest(tmp_path / "c")["claim_lines.csv"]


def test_error_rate_zero_is_a_clean_practice(tmp_path):
    out = tmp_path / "clean"
    write_practice(generate_practice(lines=3000, seed=2, error_rate=0.0, profile="hospital_outpatient"), out)
    assert len(read_table(out / "labels.csv").data) == 0
    assert len(audit_folder(out).findings) == 0


def test_clean_practice_still_has_the_noise_a_check_must_not_flag(tmp_path):
    practice = generate_practice(lines=6000, seed=8, error_rate=0.0, profile="orthopedic_group")
    pay = practice.payments
    assert (pay["_kind"] == "reversal").any()  # reversals followed by corrections
    assert (pay["denial_code"].astype(str) != "").any()  # denied lines
    assert (pay.groupby("_line")["paid_cents"].sum() == 0).any()  # paid nothing (deductible or denial)
    mods = practice.lines["modifiers"].astype(str)
    assert mods.str.contains("XU").any()  # NCCI pairs billed with a bypass modifier
    assert mods.str.contains("LT").any() and mods.str.contains("RT").any()


@pytest.mark.parametrize("name", ["nope", "../profiles/family_practice", "family_practice.json"])
def test_demo_path_refuses_what_is_not_a_profile_name_as_generate_does(name):
    from recoup_lib.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError) as caught:
        demo.demo_path(name)
    with pytest.raises(InvalidParameterError) as generating:
        load_profile("nope")
    assert str(caught.value) == str(generating.value).replace("'nope'", repr(name))
    assert f"unknown profile {name!r}; known profiles: " in str(caught.value)
    assert all(profile in str(caught.value) for profile in profile_names())


def test_demo_practices_have_not_drifted(tmp_path):
    """The committed demo folders are exactly what the generator writes today (`make demo` refreshes them)."""
    demo.build_demos(tmp_path)
    for profile in PROFILES:
        assert _digest(tmp_path / profile) == _digest(demo.demo_path(profile)), (
            f"synthetic/demo/{profile} differs from the generator's output: run `make demo` and commit")


@pytest.mark.parametrize("profile", PROFILES)
def test_profile_templates_only_bill_priced_codes_within_their_edits(profile):
    from recoup_lib import reference

    data = load_profile(profile).data
    codes = set(reference.load("procedure_codes")["procedure_code"])
    fees = reference.load("fee_schedule")
    mue = reference.load("mue").set_index("procedure_code")
    for vt in data["visit_types"]:
        for line in template_lines(vt.get("lines", [])):
            assert line["code"] in codes, (vt["name"], line["code"])
            assert (fees["procedure_code"] == line["code"]).any()
            if line["code"] in mue.index:
                assert line.get("units", [1, 1])[1] <= mue.loc[line["code"], "mue_value"], (vt["name"], line)
    for payer in data["payer_mix"]:
        assert (fees["payer_id"] == payer).any(), payer


def test_cli_generate_rejects_bad_options(tmp_path, capsys):
    assert main(["generate", "--lines", "10", "--out", str(tmp_path / "x")]) == 2
    assert main(["generate", "--profile", "nope", "--out", str(tmp_path / "x")]) == 2
    assert "known profiles: family_practice" in capsys.readouterr().err
    assert main(["generate", "--error-rate", "0.9", "--out", str(tmp_path / "x")]) == 2


def test_caught_duplicates_carry_carc_18_under_group_oa_in_payments_csv_and_the_835(tmp_path):
    """CARC 18 (exact duplicate) goes under group OA: payments.csv says what the generated 835 carries."""
    from recoup_lib.remit import read_835
    from recoup_lib.synthetic import generate

    folder = generate(tmp_path / "p", lines=4000, seed=3, profile="family_practice")
    codes = read_table(folder / "payments.csv").data["denial_code"].fillna("").astype(str)
    eighteen = codes.loc[codes.str.endswith("-18")]
    assert len(eighteen) and set(eighteen) == {"OA-18"}
    adjustments = read_835([folder / "remits"]).adjustments
    groups = set(adjustments.loc[adjustments["reason_code"] == "18", "group_code"])
    assert groups == {"OA"}


@pytest.mark.parametrize("offset", [0, 10**12])
def test_visits_number_the_encounters_in_order_small_numbers_or_not(offset):
    """A line's visit is its encounter's rank among the block's encounters (small numbers or large)."""
    import numpy as np

    from recoup_lib.synthetic._inject_state import InjectionState

    state = InjectionState(generate_practice(lines=3000, seed=5))
    state.lines["encounter"] = state.lines["encounter"].to_numpy() + offset
    visit, visits = state.visits()
    expected_visit, expected_visits = pd.factorize(state.lines["encounter"].to_numpy(), sort=True)
    assert np.array_equal(visits, expected_visits) and np.array_equal(visit, expected_visit)
    assert np.array_equal(visits[visit], state.lines["encounter"].to_numpy())


@pytest.mark.parametrize("rows, patients, draws", [(0, 1, 1), (1, 1, 1), (2000, 60, 10), (5000, 3000, 1000)])
def test_each_patients_first_drawn_row_is_the_one_a_stable_sort_keeps(rows, patients, draws):
    """Coverage lapses pick each patient's first row in a random order: as sorting every row would (ties too)."""
    import numpy as np

    from recoup_lib.synthetic._inject_population import _first_drawn

    rng = np.random.default_rng(rows)
    patient = rng.integers(0, patients, rows)
    draw = rng.integers(0, draws, rows) / draws
    by_draw = np.argsort(draw, kind="stable")
    expected = by_draw[~pd.Series(patient[by_draw]).duplicated().to_numpy()]
    assert np.array_equal(_first_drawn(patient, draw), expected)


@pytest.mark.parametrize("categorical", [True, False])
def test_a_columns_positions_in_an_index_are_those_get_indexer_gives(categorical):
    """Spans' payers are found in the lines' payers through their categories: as looking up every value would
    (values absent from the index and missing values: -1)."""
    import numpy as np

    from recoup_lib.synthetic._inject_population import _codes_in

    values = pd.Series(["P2", "P9", None, "P1", "P2", "P1"], dtype="category" if categorical else object)
    index = pd.Index(["P1", "P2", "P3"], dtype=object)
    expected = index.get_indexer(values.to_numpy(dtype=object))
    assert np.array_equal(_codes_in(values, index), expected)
    assert list(expected) == [1, -1, -1, 0, 1, 0]


def test_patients_names_and_sexes_are_the_pools_texts_drawn_for_them():
    """Patients' names come from the seeded name pools, women's first names from the women's pool."""
    from recoup_lib.synthetic._identities import name_pools

    practice = generate_practice(lines=2000, seed=4)
    patients, pools = practice.patients, name_pools(4)
    women = patients["sex"] == "F"
    assert set(patients["sex"]) == {"F", "M"} and str(patients["sex"].dtype) == "str"
    assert set(patients.loc[women, "first_name"]) <= set(pools["female"])
    assert set(patients.loc[~women, "first_name"]) <= set(pools["male"])
    assert set(patients["last_name"]) <= set(pools["last"])
    assert set(patients["primary_payer"]) <= set(load_profile("family_practice")["payer_mix"])
