"""``recoup extrapolate`` and ``recoup sample`` through recoup_lib.cli.main."""

from __future__ import annotations

import csv
import re
import json
from pathlib import Path

import pytest

from recoup_lib.cli import main
from recoup_lib.sampling import CONTRACT_KEYS

DATA = Path(__file__).parent / "data" / "sampling"


def run_json(capsys, argv):
    status = main(argv)
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return json.loads(captured.out)


def run_fail(capsys, argv, status):
    assert main(argv) == status
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- recoup extrapolate ------------------------------------------------------------------------

def test_extrapolate_domain_vector_prints_contract_json(capsys):
    out = run_json(capsys, ["extrapolate", str(DATA / "domain_4_4_sample.csv"),
                            "--universe-size", "1000"])
    assert set(CONTRACT_KEYS) <= set(out)
    assert {k: out[k] for k in CONTRACT_KEYS} == {
        "sample_size": 30, "universe_size": 1000, "point_estimate": 15201.67,
        "standard_error": 6249.14, "lower_bound": 4583.58, "upper_bound": 25819.75,
        "precision": 0.6985, "confidence": 0.9}
    assert out["one_sided_90_lower_bound"] == 7006.33
    assert [(x["confidence"], x["lower_bound"], x["upper_bound"]) for x in out["limits"]] == [
        (0.8, 7006.33, 23397.0), (0.9, 4583.58, 25819.75), (0.95, 2420.74, 27982.6)]


def test_contract_shows_what_extrapolate_prints(capsys):
    """docs/contract.md showed the JSON on two lines, keys run together; the command prints it indented."""
    contract = (Path(__file__).parents[1] / "docs" / "contract.md").read_text(encoding="utf-8")
    shown = re.search(r"```\n\$ recoup extrapolate sample\.csv --universe-size 1000\n(.*?)```", contract, re.S)
    assert shown, "docs/contract.md no longer shows recoup extrapolate's output"
    assert main(["extrapolate", str(DATA / "domain_4_4_sample.csv"), "--universe-size", "1000"]) == 0
    assert capsys.readouterr().out == shown.group(1)


def test_extrapolate_confidence_option_changes_the_interval(capsys):
    out = run_json(capsys, ["extrapolate", str(DATA / "domain_4_4_sample.csv"),
                            "--universe-size", "1000", "--confidence", "0.95"])
    assert (out["confidence"], out["lower_bound"], out["precision"]) == (0.95, 2420.74, 0.8408)


def test_extrapolate_table_prints_80_90_95_rows(capsys):
    assert main(["extrapolate", str(DATA / "domain_4_4_sample.csv"), "--universe-size", "1000",
                 "--table"]) == 0
    text = capsys.readouterr().out
    assert "$15,201.67" in text and "$7,006.33" in text and "$27,982.60" in text
    assert "one-sided 90% lower bound" in text


def test_extrapolate_stratified_with_strata_file(capsys):
    out = run_json(capsys, ["extrapolate", str(DATA / "stratified_sample.csv"),
                            "--strata", str(DATA / "stratified_strata.csv")])
    assert (out["sample_size"], out["universe_size"], out["point_estimate"],
            out["standard_error"]) == (10, 80, 300.0, 101.65)
    assert out["degrees_of_freedom"] == pytest.approx(1922 / 433, abs=1e-4)
    assert [s["stratum"] for s in out["strata"]] == ["A", "B", "C"]


def test_extrapolate_stratified_df_option_pooled(capsys):
    out = run_json(capsys, ["extrapolate", str(DATA / "stratified_sample.csv"),
                            "--strata", str(DATA / "stratified_strata.csv"),
                            "--stratified-df", "pooled"])
    assert out["degrees_of_freedom"] == 7


@pytest.mark.parametrize("extra", [[], ["--universe-size", "100", "--strata", "x.csv"]])
def test_extrapolate_needs_exactly_one_of_universe_size_and_strata(capsys, extra):
    err = run_fail(capsys, ["extrapolate", str(DATA / "domain_4_4_sample.csv"), *extra], 2)
    assert "give exactly one of --universe-size N" in err


@pytest.mark.parametrize("option, value, message", [
    ("--confidence", "1.5", "--confidence must be strictly between 0 and 1"),
    ("--confidence", "90%", "--confidence must be a number between 0 and 1"),
    ("--universe-size", "many", "--universe-size must be a whole number >= 1"),
    ("--universe-size", "0", "--universe-size must be a whole number >= 1"),
])
def test_extrapolate_bad_option_values_exit_2(capsys, option, value, message):
    argv = ["extrapolate", str(DATA / "domain_4_4_sample.csv"), "--universe-size", "1000"]
    if option == "--universe-size":
        argv[-1] = value
    else:
        argv += [option, value]
    assert message in run_fail(capsys, argv, 2)


def test_extrapolate_bad_rows_stop_the_run_listing_file_row_and_column(capsys):
    err = run_fail(capsys, ["extrapolate", str(DATA / "bad_sample.csv"),
                            "--universe-size", "100"], 1)
    assert "bad_sample.csv: 5 problem(s) in 5 of 7 row(s)" in err
    assert "an extrapolation from part of a sample is not valid" in err
    assert "bad_sample.csv, row 3, column 'overpayment': expected an amount in dollars" in err
    assert "got '12.345'" in err
    assert "bad_sample.csv, row 4, column 'overpayment': expected the reviewed overpayment" in err
    assert "bad_sample.csv, row 5, column 'sample_id': expected a value" in err
    assert "bad_sample.csv, row 6, column 'sample_id': expected a key not used" in err
    assert "bad_sample.csv, row 7, column 'overpayment'" in err and "got 'ten'" in err


def test_extrapolate_missing_column_and_missing_file_exit_1(capsys, tmp_path):
    no_col = write(tmp_path / "s.csv", "sample_id,amount\nA,1\nB,2\n")
    err = run_fail(capsys, ["extrapolate", str(no_col), "--universe-size", "10"], 1)
    assert "s.csv: missing required column 'overpayment'" in err
    err = run_fail(capsys, ["extrapolate", str(tmp_path / "nope.csv"), "--universe-size", "10"],
                   1)
    assert "nope.csv: file not found" in err


def test_extrapolate_sample_bigger_than_universe_exit_1(capsys):
    err = run_fail(capsys, ["extrapolate", str(DATA / "domain_4_4_sample.csv"),
                            "--universe-size", "20"], 1)
    assert "domain_4_4_sample.csv: cannot appraise the sample: sample size 30 is larger than " \
           "the universe size 20" in err


def test_extrapolate_single_unit_exit_1(capsys, tmp_path):
    one = write(tmp_path / "one.csv", "sample_id,overpayment\nA,10.00\n")
    err = run_fail(capsys, ["extrapolate", str(one), "--universe-size", "10"], 1)
    assert "1 sampled unit; at least 2 are needed" in err


def test_extrapolate_stratum_missing_from_strata_file_exit_1(capsys, tmp_path):
    strata = write(tmp_path / "strata.csv", "stratum,universe_size\nA,10\nB,20\n")
    err = run_fail(capsys, ["extrapolate", str(DATA / "stratified_sample.csv"),
                            "--strata", str(strata)], 1)
    assert ("strata.csv, column 'stratum': expected a row for stratum 'C' with its universe_size; "
            "stratified_sample.csv holds it at row(s) 9, 10, 11") in err


def test_extrapolate_bad_strata_file_rows_exit_1(capsys, tmp_path):
    strata = write(tmp_path / "strata.csv", "stratum,universe_size\nA,10\nB,zero\nA,5\nC,50\n")
    err = run_fail(capsys, ["extrapolate", str(DATA / "stratified_sample.csv"),
                            "--strata", str(strata)], 1)
    assert "strata.csv, row 3, column 'universe_size': expected a whole number >= 1" in err
    assert "strata.csv, row 4, column 'stratum': expected a key not used" in err


def test_extrapolate_matches_strata_ignoring_case_and_surrounding_spaces(capsys, tmp_path):
    """A sample typed ``a`` or `` B `` where the strata file says ``A`` and ``B`` was refused as strata with no
    universe size: the spellings name one stratum each, so the appraisal is the one of the file as written."""
    text = (DATA / "stratified_sample.csv").read_text(encoding="utf-8")
    respelled = write(tmp_path / "s.csv", text.replace("A2,A,", "A2,a,").replace("B1,B,", "B1, b ,"))
    assert respelled.read_text(encoding="utf-8") != text
    strata = ["--strata", str(DATA / "stratified_strata.csv")]
    expected = run_json(capsys, ["extrapolate", str(DATA / "stratified_sample.csv"), *strata])
    assert run_json(capsys, ["extrapolate", str(respelled), *strata]) == expected
    assert [s["stratum"] for s in expected["strata"]] == ["A", "B", "C"]


def test_extrapolate_refuses_strata_spelled_alike_but_for_case(capsys, tmp_path):
    strata = write(tmp_path / "strata.csv", "stratum,universe_size\nA,10\nB,20\nC,50\nb,5\n")
    err = run_fail(capsys, ["extrapolate", str(DATA / "stratified_sample.csv"), "--strata", str(strata)], 1)
    assert "strata.csv, row 5, column 'stratum': expected the spelling of row 3, 'B' (strata are matched " \
           "ignoring case, so 'B' and 'b' cannot be two strata); got 'b'" in err


def test_extrapolate_strata_without_stratum_column_exit_1(capsys):
    err = run_fail(capsys, ["extrapolate", str(DATA / "domain_4_4_sample.csv"),
                            "--strata", str(DATA / "stratified_strata.csv")], 1)
    assert "domain_4_4_sample.csv: no 'stratum' column" in err


def test_extrapolate_skips_unused_spares_but_refuses_blank_sample_units(capsys, tmp_path):
    ok = write(tmp_path / "ok.csv", "sample_id,overpayment,is_spare\nA,0,false\nB,10,false\n"
                                    "C,,true\nD,5,true\n")
    out = run_json(capsys, ["extrapolate", str(ok), "--universe-size", "100"])
    assert (out["sample_size"], out["unused_spares"], out["rows_read"]) == (3, 1, 4)
    bad = write(tmp_path / "bad.csv", "sample_id,overpayment,is_spare\nA,,false\nB,10,false\n"
                                      "C,2,false\n")
    err = run_fail(capsys, ["extrapolate", str(bad), "--universe-size", "100"], 1)
    assert "bad.csv, row 2, column 'overpayment': expected the reviewed overpayment" in err


# --- recoup sample ----------------------------------------------------------------------------

@pytest.fixture()
def frame_csv(tmp_path) -> Path:
    lines = ["claim_id,paid,specialty"]
    for i in range(1, 121):
        lines.append(f"C{i:04d},{(i * 37) % 700}.{i % 100:02d},{['FM', 'IM', 'CARD'][i % 3]}")
    return write(tmp_path / "frame.csv", "\n".join(lines) + "\n")


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_sample_writes_sample_design_and_strata_files(capsys, tmp_path, frame_csv):
    out = tmp_path / "out"
    assert main(["sample", str(frame_csv), "--id-column", "claim_id", "--size", "12",
                 "--seed", "2024", "--spares", "2", "--out", str(out)]) == 0
    assert "12 unit(s) and 2 spare(s) drawn from 120 with seed 2024" in capsys.readouterr().out
    rows = read_csv(out / "sample.csv")
    assert list(rows[0])[:5] == ["selection_order", "sample_id", "stratum", "is_spare",
                                 "frame_position"]
    assert [r["is_spare"] for r in rows].count("true") == 2
    design = json.loads((out / "sample_design.json").read_text())
    assert (design["seed"], design["frame_size"], design["sample_size"]) == (2024, 120, 12)
    assert design["universe_sizes"] == {"all": 120} and design["sample_sizes"] == {"all": 12}
    assert design["kit_version"] and design["frame_file"] == "frame.csv"
    assert "RAT-STATS" in design["note"]
    assert read_csv(out / "strata.csv") == [{"stratum": "all", "universe_size": "120"}]


def test_sample_same_seed_gives_identical_bytes(capsys, tmp_path, frame_csv):
    for name in ("a", "b"):
        assert main(["sample", str(frame_csv), "--id-column", "claim_id", "--size", "10",
                     "--seed", "77", "--stratify-by", "specialty", "--out",
                     str(tmp_path / name)]) == 0
    assert (tmp_path / "a" / "sample.csv").read_bytes() == \
        (tmp_path / "b" / "sample.csv").read_bytes()


def test_sample_strata_bounds_then_extrapolate_round_trip(capsys, tmp_path, frame_csv):
    out = tmp_path / "out"
    assert main(["sample", str(frame_csv), "--id-column", "claim_id", "--size", "15",
                 "--seed", "5", "--spares", "1", "--strata-bounds", "0,100,500",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    rows = read_csv(out / "sample.csv")
    strata = {r["stratum"]: int(r["universe_size"]) for r in read_csv(out / "strata.csv")}
    assert list(strata) == ["0.00-99.99", "100.00-499.99", "500.00+"]
    assert sum(strata.values()) == 120
    reviewed = tmp_path / "reviewed.csv"
    with open(reviewed, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*rows[0], "overpayment"])
        writer.writeheader()
        for r in rows:
            spare = r["is_spare"] == "true"
            writer.writerow({**r, "overpayment": "" if spare else r["paid"]})
    result = run_json(capsys, ["extrapolate", str(reviewed), "--strata", str(out / "strata.csv")])
    assert (result["sample_size"], result["universe_size"], result["unused_spares"]) == (15, 120, 3)
    assert result["lower_bound"] <= result["point_estimate"] <= result["upper_bound"]


@pytest.mark.parametrize("sizes", ["FM=3,IM=4,CARD=5", "fm=3, Im =4,CARD=5"])  # strata named ignoring case
def test_sample_stratum_sizes_are_respected(capsys, tmp_path, frame_csv, sizes):
    out = tmp_path / "out"
    assert main(["sample", str(frame_csv), "--id-column", "claim_id", "--seed", "1",
                 "--stratify-by", "specialty", "--stratum-sizes", sizes,
                 "--out", str(out)]) == 0
    design = json.loads((out / "sample_design.json").read_text())
    assert design["sample_sizes"] == {"CARD": 5, "FM": 3, "IM": 4}


def test_sample_refuses_a_frame_spelling_a_stratum_two_ways(capsys, tmp_path, frame_csv):
    """``FM`` on some rows and ``fm`` on others were drawn as two strata, whose strata.csv extrapolate then
    cannot tell apart: refused, naming the row of each other spelling."""
    text = frame_csv.read_text(encoding="utf-8").replace("C0004,148.04,IM", "C0004,148.04,im")
    frame = write(tmp_path / "mixed.csv", text.replace("C0003,111.03,FM", "C0003,111.03,fm"))
    err = run_fail(capsys, ["sample", str(frame), "--id-column", "claim_id", "--size", "9", "--seed", "1",
                            "--stratify-by", "specialty", "--out", str(tmp_path / "o")], 1)
    assert "mixed.csv, row 5, column 'specialty': expected the spelling of row 2, 'IM'" in err
    assert "mixed.csv, row 7, column 'specialty': expected the spelling of row 4, 'fm'" in err  # the first wins
    assert not (tmp_path / "o").exists()


def test_sample_frame_with_repeated_and_blank_ids_exit_1(capsys, tmp_path):
    frame = write(tmp_path / "frame.csv", "claim_id,paid\nA,1\nB,2\nA,3\n,4\n")
    err = run_fail(capsys, ["sample", str(frame), "--id-column", "claim_id", "--size", "2",
                            "--seed", "1", "--out", str(tmp_path / "o")], 1)
    assert "frame.csv: 2 problem(s) in 2 of 4 row(s); a frame with unusable rows" in err
    assert "frame.csv, row 4, column 'claim_id': expected a key not used by an earlier row" in err
    assert "frame.csv, row 5, column 'claim_id': expected a value" in err
    assert not (tmp_path / "o").exists()


def test_sample_bad_amount_for_bands_exit_1(capsys, tmp_path):
    frame = write(tmp_path / "frame.csv", "claim_id,paid\nA,1\nB,two\nC,3\n")
    err = run_fail(capsys, ["sample", str(frame), "--id-column", "claim_id", "--size", "2",
                            "--seed", "1", "--strata-bounds", "0,2", "--out",
                            str(tmp_path / "o")], 1)
    assert "frame.csv, row 3, column 'paid': expected an amount in dollars" in err


def test_sample_missing_id_column_exit_1(capsys, frame_csv, tmp_path):
    err = run_fail(capsys, ["sample", str(frame_csv), "--id-column", "line_id", "--size", "2",
                            "--seed", "1", "--out", str(tmp_path / "o")], 1)
    assert "frame.csv: missing required column 'line_id'" in err


@pytest.mark.parametrize("extra, message", [
    (["--size", "500", "--seed", "1"], "sample size 500 is larger than the frame (120 units)"),
    (["--size", "5", "--seed", "x"], "--seed must be a whole number >= 0"),
    (["--seed", "1"], "give the sample size with --size N"),
    (["--size", "5", "--seed", "1", "--stratum-sizes", "A=1"],
     "--stratum-sizes needs --stratify-by or --strata-bounds"),
    (["--size", "5", "--seed", "1", "--allocation", "equal"],
     "--allocation needs --stratify-by or --strata-bounds"),
    (["--seed", "1", "--stratify-by", "specialty", "--stratum-sizes", "FM=3", "--allocation", "equal"],
     "give --allocation or --stratum-sizes, not both"),
    (["--size", "5", "--seed", "1", "--strata-bounds", "0,abc"],
     "--strata-bounds must be dollar amounts"),
    (["--size", "5", "--seed", "1", "--strata-bounds", "100,0"], "strictly increasing"),
])
def test_sample_usage_errors_exit_2(capsys, frame_csv, tmp_path, extra, message):
    err = run_fail(capsys, ["sample", str(frame_csv), "--id-column", "claim_id", *extra,
                            "--out", str(tmp_path / "o")], 2)
    assert message in err


def test_sample_stratify_by_and_strata_bounds_together_is_argparse_usage_error(frame_csv,
                                                                               tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["sample", str(frame_csv), "--id-column", "claim_id", "--size", "5", "--seed", "1",
              "--stratify-by", "specialty", "--strata-bounds", "0,100", "--out",
              str(tmp_path / "o")])
    assert exc.value.code == 2


def test_extrapolate_blank_strata_are_problems_only_when_stratified(capsys, tmp_path):
    sample = write(tmp_path / "s.csv", "sample_id,stratum,overpayment\nA,,1\nB,X,2\nC,X,0\n")
    out = run_json(capsys, ["extrapolate", str(sample), "--universe-size", "50"])
    assert out["sample_size"] == 3
    strata = write(tmp_path / "strata.csv", "stratum,universe_size\nX,50\n")
    err = run_fail(capsys, ["extrapolate", str(sample), "--strata", str(strata)], 1)
    assert "s.csv, row 2, column 'stratum': expected the unit's stratum" in err


def test_extrapolate_prints_every_dollar_figure_with_two_decimals_from_its_cents(capsys):
    assert main(["extrapolate", str(DATA / "domain_4_4_sample.csv"), "--universe-size",
                 "1000"]) == 0
    text = capsys.readouterr().out
    # $23,397.00 and $27,982.60 were printed as floats, 23397.0 and 27982.6.
    assert '"upper_bound": 23397.00,' in text and '"upper_bound": 27982.60,' in text
    assert '"point_estimate": 15201.67,' in text and '"standard_error": 6249.14,' in text
    money = ("point_estimate", "standard_error", "lower_bound", "upper_bound",
             "precision_amount", "one_sided_90_lower_bound")
    for line in text.splitlines():
        key = line.strip().split('"')[1] if line.strip().startswith('"') else ""
        if key in money:
            assert re.fullmatch(r'\s*"\w+": -?\d+\.\d\d,?', line), line


@pytest.mark.parametrize("universe, figure", [
    ("999999999", "its point estimate would be $999,999,998,999,990,000,000.01"),
    ("11", "its point estimate would be $10,999,999,999,999.89")])
@pytest.mark.parametrize("table", [[], ["--table"]], ids=["json", "table"])
def test_extrapolate_refuses_a_projection_of_a_trillion_dollars_or_more(tmp_path, capsys,
                                                                         universe, figure, table):
    rows = "".join(f"S{i},999999999999.99\n" for i in range(10))
    sample = write(tmp_path / "huge.csv", "sample_id,overpayment\n" + rows)
    err = run_fail(capsys, ["extrapolate", str(sample), "--universe-size", universe, *table], 1)
    assert err.startswith(f"recoup extrapolate: huge.csv: cannot report the extrapolation: {figure}, "
                          "a trillion dollars or more")
    assert "e+" not in err and capsys.readouterr().out == ""


def test_extrapolate_just_under_a_trillion_dollars_is_printed_to_the_cent(tmp_path, capsys):
    rows = "".join(f"S{i},99999999999.99\n" for i in range(10))
    sample = write(tmp_path / "big.csv", "sample_id,overpayment\n" + rows)
    assert main(["extrapolate", str(sample), "--universe-size", "10"]) == 0
    text = capsys.readouterr().out
    assert '"point_estimate": 999999999999.90,' in text and '"standard_error": 0.00,' in text


@pytest.mark.parametrize(("removed", "warned"), [(False, True), (True, False)])
def test_extrapolate_warns_of_a_spare_reviewed_beside_every_unit_it_could_replace(tmp_path, capsys, removed, warned):
    """recoup sample numbers the units 1..n and the spares on from n + 1: a reviewed spare must take the
    place of a deleted unit, or the sample is larger than drawn."""
    rows = [f"{i},C{i},false,{i}.00" for i in range(1, 6)] + ["6,C6,true,6.00", "7,C7,true,"]
    if removed:
        rows = rows[1:]
    path = tmp_path / "sample.csv"
    path.write_text("selection_order,sample_id,is_spare,overpayment\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["extrapolate", str(path), "--universe-size", "100"]) == 0
    said = capsys.readouterr().err
    assert ("1 spare(s) reviewed while every sample unit they could replace is still in the file" in said) is warned


def test_a_frame_and_a_sample_read_in_several_blocks_are_read_whole(capsys, tmp_path):
    """A frame or reviewed sample over a megabyte (here 80,000 rows) ended in "unexpected error:
    AttributeError": Arrow reads such a file in several blocks, and the total-row and accounting-negative
    checks read the bytes of one array, given a chunked one."""
    rows = 80_000
    frame = write(tmp_path / "frame.csv", "claim_id,paid\n" + "".join(
        f"C{i:07d},{'(1.50)' if i % 7 == 0 else f'{i % 900}.25'}\n" for i in range(rows)))
    assert frame.stat().st_size > 1 << 20
    main(["sample", str(frame), "--id-column", "claim_id", "--amount-column", "paid", "--strata-bounds=-10,0,1000",
          "--size", "40", "--seed", "1", "--out", str(tmp_path / "s")])
    assert "error" not in capsys.readouterr().err
    strata = {r["stratum"]: r["universe_size"] for r in csv.DictReader(open(tmp_path / "s" / "strata.csv"))}
    assert sorted(strata.values()) == sorted([str(-(-rows // 7)), str(rows - -(-rows // 7))])
    sample = write(tmp_path / "reviewed.csv", "sample_id,overpayment\n" + "".join(
        f"C{i:07d},{'(1.50)' if i % 2 else '2.50'}\n" for i in range(rows)))
    out = run_json(capsys, ["extrapolate", str(sample), "--universe-size", str(2 * rows)])
    assert out["point_estimate"] == rows  # a mean of 0.50 a unit, in a universe of 2 * rows


@pytest.mark.parametrize(("written", "cents"), [("1.50-", -150), ("$1,234.50-", -123450), ("12.5-", -1250)])
def test_a_minus_sign_after_an_amount_is_read_in_frames_and_samples_as_recoup_import_reads_it(
        capsys, tmp_path, written, cents):
    """A negative written with its sign after it (``1.50-``, as accounting reports write one) was refused in a
    frame and a reviewed sample, where ``recoup import`` reads it as -1.50."""
    from recoup_lib.sampling import read_frame_file, read_sample_file

    frame = write(tmp_path / "frame.csv", f'claim_id,paid\nC1,"{written}"\nC2,3.00\n')
    assert read_frame_file(frame, "claim_id", amount_column="paid")["paid_cents"].tolist() == [cents, 300]
    sample = write(tmp_path / "reviewed.csv", f'sample_id,overpayment\nC1,"{written}"\nC2,3.00\n')
    assert read_sample_file(sample).data["overpayment_cents"].tolist() == [cents, 300]
    out = run_json(capsys, ["extrapolate", str(sample), "--universe-size", "2"])
    assert out["point_estimate"] == (cents + 300) / 100


@pytest.mark.parametrize("written", ["5.00 CR", "-5.00-", "(5.00)-", "5.00 -"])
def test_a_credit_mark_or_two_signs_on_an_overpayment_are_still_refused(capsys, tmp_path, written):
    """``5.00 CR`` is not read: on a patient account an overpayment is a credit balance, so the import's
    reading (a credit is a negative) could turn an overpayment into an underpayment; two signs are no amount."""
    sample = write(tmp_path / "reviewed.csv", f'sample_id,overpayment\nC1,"{written}"\nC2,3.00\n')
    err = run_fail(capsys, ["extrapolate", str(sample), "--universe-size", "2"], 1)
    assert "row 2, column 'overpayment': expected an amount in dollars" in err and repr(written) in err


@pytest.mark.parametrize("written", ["-", "$ -", " $ - "])
def test_zero_as_excels_accounting_format_saves_it_is_read_in_frames_and_samples(capsys, tmp_path, written):
    """A reviewed sample or a frame kept in Excel's Accounting format and saved as CSV holds ``-`` or ``$ -``
    for a clean unit's 0.00, which ``recoup import`` reads as 0; the sampling files refused it."""
    from recoup_lib.sampling import read_frame_file, read_sample_file

    frame = write(tmp_path / "frame.csv", f'claim_id,paid\nC1,"{written}"\nC2,3.00\n')
    assert read_frame_file(frame, "claim_id", amount_column="paid")["paid_cents"].tolist() == [0, 300]
    sample = write(tmp_path / "reviewed.csv", f'sample_id,overpayment\nC1,"{written}"\nC2,3.00\n')
    assert read_sample_file(sample).data["overpayment_cents"].tolist() == [0, 300]
    out = run_json(capsys, ["extrapolate", str(sample), "--universe-size", "2"])
    assert out["point_estimate"] == 3.0


@pytest.mark.parametrize("written", ["(1000000000000.00)", "1000000000000.00-"])
def test_a_negative_of_a_trillion_dollars_in_a_sample_is_refused_as_too_large(capsys, tmp_path, written):
    sample = write(tmp_path / "reviewed.csv", f'sample_id,overpayment\nC1,"{written}"\nC2,3.00\n')
    err = run_fail(capsys, ["extrapolate", str(sample), "--universe-size", "2"], 1)
    assert "row 2, column 'overpayment': expected an amount under a trillion dollars" in err
