"""Hostile input for every command after the audit: score, sample, extrapolate, remit, reconcile, appeal,
score-appeals, report, reference, exercises and import."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from hostile_helpers import AS_OF, read_json, rewrite_csv, set_cell

from recoup_lib.folder import read_csv_text
from recoup_lib.outputs import MANIFEST
from recoup_lib.x12 import link_to_nothing

pytestmark = pytest.mark.slow  # its tests take 20 s or more together: conftest.py starts the file first

EVIL = "=cmd|' /C calc'!A0"


# --- score -------------------------------------------------------------------------------------

def _audited(hostile):
    folder = hostile.practice()
    hostile.run("audit", folder, "--out", "audit", expect=0, out="audit")
    return folder


def test_audit_next_step_reads_a_folder_under_the_labels_files_name(hostile):
    """labels.csv was looked for with ``is_file()``: a folder under its name was passed over in silence, and
    the next step left out recoup score, which reads it and names what it is."""
    folder = hostile.practice()
    labels = folder / "labels.csv"
    labels.unlink()
    labels.mkdir()
    run = hostile.run("audit", folder, "--out", "audit", expect=0, out="audit")
    assert "next: recoup score " in run.out and f"{labels}, or recoup report" in run.out
    hostile.run("score", hostile.path("audit/findings.csv"), labels, expect=1,
                names=[f"labels.csv in {folder}: a folder; expected a CSV file"])


def test_score_out_writes_the_table_and_a_rerun_replaces_it(hostile):
    folder = _audited(hostile)
    for _ in range(2):
        hostile.run("score", "audit/findings.csv", folder / "labels.csv", "--out", "score.csv", expect=0,
                    out="score.csv")
    rows = list(csv.DictReader(open(hostile.path("score.csv"), encoding="utf-8")))
    assert rows[-1]["error_type"] == "all" and {"flagged", "flagged_at_risk"} <= set(rows[0])


@pytest.mark.parametrize("where", ["users_file", "an_input", "a_folder", "under_a_file"])
def test_score_out_never_over_a_users_file(hostile, where):
    folder = _audited(hostile)
    out = {"users_file": "mine.csv", "an_input": "audit/findings.csv", "a_folder": "audit",
           "under_a_file": "audit/findings.csv/x.csv"}[where]
    if where == "users_file":
        hostile.write("mine.csv", "my,data\n")
    hostile.run("score", "audit/findings.csv", folder / "labels.csv", "--out", out, expect=2, names=["--out"])


@pytest.mark.parametrize(("file", "column", "value"), [
    ("labels.csv", "at_risk", "1e400"), ("labels.csv", "line_no", "zero"), ("findings", "at_risk", "$$"),
])
def test_score_inputs_with_bad_values_name_file_row_and_column(hostile, file, column, value):
    folder = _audited(hostile)
    path = folder / "labels.csv" if file == "labels.csv" else hostile.path("audit/findings.csv")
    set_cell(path, 1, column, value)
    hostile.run("score", "audit/findings.csv", folder / "labels.csv", expect=1,
                names=[path.name, "row 2", column], changes=("audit/",))


def test_score_says_how_many_problems_it_does_not_list(hostile):
    """A count of 8 problems followed by three messages and nothing else left the other five unaccounted for."""
    folder = _audited(hostile)
    rewrite_csv(hostile.path("audit/findings.csv"), lambda rows: rows.extend([[""] * (len(rows[0]) - 1) + ["x"]] * 2))
    run = hostile.run("score", "audit/findings.csv", folder / "labels.csv", expect=1, changes=("audit/",),
                      names=["8 problem(s)", "and 5 more"])
    assert "column 'at_risk'" not in run.err  # the fourth problem onwards is counted, not shown


def test_score_says_blank_for_a_blank_cell(hostile):
    """A blank cell was quoted as ``got ''.;``, punctuation a reader takes for a typo."""
    folder = _audited(hostile)
    set_cell(folder / "labels.csv", 1, "line_no", "")
    run = hostile.run("score", "audit/findings.csv", folder / "labels.csv", expect=1,
                      names=["labels.csv, row 2, column 'line_no'", "got blank."])
    assert "''" not in run.err


def test_score_reads_findings_and_labels_saved_in_windows_1252_with_blank_rows(hostile):
    """A findings or labels file saved from Excel in Windows-1252 had each row holding 'Muñoz' refused, and
    a row of commas (Excel's empty row) was refused as blank values: both are read as recoup sample reads
    its frame, and the summary says the encoding used and how many blank rows were skipped."""
    folder = _audited(hostile)
    expected = hostile.run("score", "audit/findings.csv", folder / "labels.csv", expect=0).out

    def resaved(rows):
        rows[0].append("note")
        for row in rows[1:]:
            row.append("Muñoz")
        rows[2:2] = [[""] * len(rows[0]), [","]]

    for name in ("findings.csv", "labels.csv"):
        source = hostile.path("audit/findings.csv") if name == "findings.csv" else folder / "labels.csv"
        with open(source, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        resaved(rows)
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows(rows)
        hostile.write(name, text.getvalue().encode("cp1252"))
    run = hostile.run("score", "findings.csv", "labels.csv", expect=0)
    assert "findings.csv: read as Windows-1252; 2 blank row(s) skipped." in run.out
    assert "labels.csv: read as Windows-1252; 2 blank row(s) skipped." in run.out
    assert run.out.startswith(expected)


def test_score_with_formula_error_types_guards_them(hostile):
    folder = _audited(hostile)
    set_cell(folder / "labels.csv", 1, "error_type", EVIL)
    hostile.run("score", "audit/findings.csv", folder / "labels.csv", "--out", "s.csv", expect={0, 1},
                out="s.csv")


# --- sample and extrapolate ---------------------------------------------------------------------

def _frame(hostile, rows=40, ids=None):
    lines = ["claim_id,paid,note"]
    for i in range(rows):
        ident = ids[i] if ids and i < len(ids) else f"C{i:04d}"
        lines.append(f"{ident},{10 + i}.00,n")
    return hostile.write("frame/sample.csv", "\n".join(lines) + "\n")


def test_sample_never_writes_over_its_frame(hostile):
    _frame(hostile)
    hostile.run("sample", "frame/sample.csv", "--id-column", "claim_id", "--size", "5", "--seed", "1",
                "--out", "frame", expect=2, names=["--out"])


def test_sample_ids_that_look_like_formulas_are_guarded_and_read_back(hostile):
    _frame(hostile, ids=[EVIL, "+1+1", "-A1", "@x", "\tz", "-5"])
    hostile.run("sample", "frame/sample.csv", "--id-column", "claim_id", "--size", "40", "--seed", "1",
                "--out", "s", expect=0, out="s")
    raw, _, _ = read_csv_text(hostile.path("s/sample.csv"))
    assert {EVIL, "+1+1", "-A1", "@x", "z", "-5"} <= set(raw["sample_id"])  # ids are read stripped


@pytest.mark.parametrize(("argv", "expect"), [
    (["--size", "0"], 2), (["--size", "100000000000000000000"], 2), (["--size", "41"], 2), (["--seed", "-1"], 2),
    (["--seed", "x"], 2), (["--spares", "1e3"], 2), (["--stratify-by", "nope"], 1), (["--id-column", "nope"], 1),
    (["--strata-bounds", "0,=1"], 2), (["--strata-bounds", "0,1000000000000000"], 2),
])
def test_sample_bad_options(hostile, argv, expect):
    _frame(hostile)
    base = {"--size": "5", "--seed": "1", "--id-column": "claim_id"}
    for k in range(0, len(argv), 2):
        base[argv[k]] = argv[k + 1]
    if "--strata-bounds" in base:
        base["--amount-column"] = "paid"
    flat = [x for kv in base.items() for x in kv]
    hostile.run("sample", "frame/sample.csv", *flat, "--out", "s", expect=expect, out="s")


@pytest.mark.parametrize("frame", ["empty", "header_only", "duplicate_ids", "blank_id", "underscore_columns",
                                   "huge_amount"])
def test_sample_malformed_frames(hostile, frame):
    text = {"empty": "",
            "header_only": "claim_id,paid\n",
            "duplicate_ids": "claim_id,paid\nA,1\nA,2\nB,3\n",
            "blank_id": "claim_id,paid\n,1\nB,2\n",
            "underscore_columns": "claim_id,_row,_reason,paid\nA,1,x,1\nB,2,y,2\nC,3,z,3\n",
            "huge_amount": "claim_id,paid\nA,1\nB,99999999999999999999\nC,3\n"}[frame]
    hostile.write("frame.csv", text)
    expect = 0 if frame == "underscore_columns" else 1
    extra = ["--strata-bounds", "0,2", "--amount-column", "paid"] if frame == "huge_amount" else []
    hostile.run("sample", "frame.csv", "--id-column", "claim_id", "--size", "2", "--seed", "1", *extra,
                "--out", "s", expect=expect, out="s", names=["frame.csv"])


@pytest.mark.parametrize("separator", [";", "\t"])
def test_sample_names_a_frame_separated_otherwise_than_by_commas(hostile, separator):
    """A frame saved with semicolons or tabs was refused as missing the columns its header held."""
    hostile.write("frame.csv", f"claim_id{separator}paid\nA{separator}1\nB{separator}2\nC{separator}3\n")
    hostile.run("sample", "frame.csv", "--id-column", "claim_id", "--size", "2", "--seed", "1", "--out", "s",
                expect=1, out="s", names=["frame.csv", "not commas"])


def test_sample_names_the_file_row_of_an_amount_below_the_lowest_band(hostile):
    """An amount below the lowest --strata-bounds was named by its frame position (3 for the file's
    row 5 here, after a blank line), the first one only; now every one, by the row a spreadsheet shows."""
    hostile.write("frame.csv", "claim_id,paid\nC1,50\nC2,150\n\nC3,-5\nC4,700\nC5,$-20.50\n")
    run = hostile.run("sample", "frame.csv", "--id-column", "claim_id", "--size", "2", "--seed", "1",
                      "--strata-bounds", "0,100", "--out", "s", expect=1, out="s",
                      names=["frame.csv, row 5, column 'paid': expected an amount of at least 0.00",
                             "got '-5'", "frame.csv, row 7, column 'paid'", "got '$-20.50'"])
    assert "position" not in run.err
    hostile.run("sample", "frame.csv", "--id-column", "claim_id", "--size", "2", "--seed", "1",
                "--strata-bounds", "100,0", "--out", "s", expect=2, out="s", names=["strictly increasing"])


def test_a_frames_columns_named_like_the_samples_own_never_reach_the_appraisal(hostile):
    """A frame holding a 'Stratum' or 'Is_Spare' column (another tool's frame) gave a sample.csv that
    recoup extrapolate refused ("column 'stratum' appears twice"), as its reader matches names ignoring
    case; and a frame's own 'Overpayment' went into sample.csv as if reviewed, so the extrapolation ran
    on amounts nobody reviewed."""
    hostile.write("frame.csv", "Claim ID,Stratum,Is_Spare,frame_stratum,Overpayment\n"
                  + "".join(f"C{i},{1 + i % 2},no,x,{i}00.00\n" for i in range(8)))
    hostile.run("sample", "frame.csv", "--id-column", "Claim ID", "--stratify-by", "Stratum", "--size", "4",
                "--seed", "1", "--out", "s", expect=0, out="s")
    raw, _, _ = read_csv_text(hostile.path("s/sample.csv"))
    assert len({name.lower() for name in raw.columns}) == len(raw.columns)
    assert {"frame_frame_Stratum", "frame_Is_Spare", "frame_stratum", "frame_Overpayment"} <= set(raw.columns)
    hostile.run("extrapolate", "s/sample.csv", "--strata", "s/strata.csv", expect=1,
                names=["sample.csv: missing required column 'overpayment'"])  # nothing reviewed yet


def test_a_control_character_in_a_frames_header_never_reaches_sample_csv(hostile):
    """A NUL byte in a header cell (a frame saved by a practice-management system) was copied into
    sample.csv's header, which a spreadsheet then showed cut at the NUL."""
    hostile.write("frame.csv", "claim_id,pa\x00id,no\x07te\n" + "".join(f"C{i},{i}.00,n\n" for i in range(6)))
    hostile.run("sample", "frame.csv", "--id-column", "claim_id", "--size", "2", "--seed", "1", "--out", "s",
                expect=0, out="s")
    raw, _, _ = read_csv_text(hostile.path("s/sample.csv"))
    assert {"paid", "note"} <= set(raw.columns)
    assert "\x00" not in hostile.path("s/sample.csv").read_text(encoding="utf-8")


def test_windows_1252_frames_samples_and_strata_are_read_in_their_encoding(hostile):
    """A frame or reviewed sample saved from Excel in Windows-1252 had each row holding 'Muñoz' refused
    ("save the file as UTF-8"): such files are decoded as recoup import decodes them, and the summary
    says which encoding was used."""
    hostile.write("frame.csv", "Claim #,Patient,Paid\r\nC1,Muñoz,10.00\r\nC2,Peña,20.00\r\nC3,Smith,30.00\r\n"
                  "C4,Núñez,5.00\r\n".encode("cp1252"))
    run = hostile.run("sample", "frame.csv", "--id-column", "Claim #", "--size", "4", "--seed", "1", "--out", "s",
                      expect=0, out="s")
    assert "frame.csv: read as Windows-1252." in run.out
    raw, _, _ = read_csv_text(hostile.path("s/sample.csv"))
    assert sorted(raw["Patient"]) == ["Muñoz", "Núñez", "Peña", "Smith"]
    hostile.write("reviewed.csv", "sample_id,overpayment,stratum,note\nC1,12.00,Año,Muñoz\nC2,1.00,Año,\n"
                  "C3,0,B,\nC4,0,B,\n".encode("cp1252"))
    hostile.write("strata.csv", "stratum,universe_size\nAño,40\nB,50\n".encode("cp1252"))
    run = hostile.run("extrapolate", "reviewed.csv", "--strata", "strata.csv", expect=0)
    assert json.loads(run.out)["sample_size"] == 4
    assert "reviewed.csv: read as Windows-1252." in run.err and "strata.csv: read as Windows-1252." in run.err


def test_frames_and_samples_with_a_byte_order_mark_before_windows_1252_are_read_in_that_encoding(hostile):
    """A tool that writes a UTF-8 byte-order mark and then the office's code page (``Peña`` in
    Windows-1252): every row of such a frame was refused as "not UTF-8", though the same file without
    the mark was read as Windows-1252. The bytes after the mark are read as a file without one is."""
    bom = b"\xef\xbb\xbf"
    hostile.write("frame.csv", bom + "unit_id,book_value,Name\r\nU1,100.00,Peña\r\nU2,50.00,Zoë\r\n".encode("cp1252"))
    run = hostile.run("sample", "frame.csv", "--id-column", "unit_id", "--size", "2", "--seed", "1", "--out", "s",
                      expect=0, out="s")
    assert "frame.csv: read as Windows-1252." in run.out
    raw, _, _ = read_csv_text(hostile.path("s/sample.csv"))
    assert sorted(raw["Name"]) == ["Peña", "Zoë"]
    hostile.write("reviewed.csv", bom + "sample_id,overpayment,note\nU1,12.00,Muñoz\nU2,0,\n".encode("cp1252"))
    run = hostile.run("extrapolate", "reviewed.csv", "--universe-size", "2", expect=0)
    assert json.loads(run.out)["sample_size"] == 2 and "reviewed.csv: read as Windows-1252." in run.err


def test_rows_blank_in_every_cell_are_skipped_in_frames_samples_and_strata(hostile):
    """A row of commas (Excel's empty row) in a frame was refused as a blank id, and in a sample or strata
    file as a blank value: it holds no unit, so it is skipped, counted in the summary, never an error. It is
    counted among the rows read, as the audit and the import count it (it was left out of them)."""
    hostile.write("frame.csv", "claim_id,paid,note\nC1,10.00,a\n,,\nC2,20.00,b\n , ,\nC3,30.00,c\n,\n")
    run = hostile.run("sample", "frame.csv", "--id-column", "claim_id", "--size", "3", "--seed", "1", "--out", "s",
                      expect=0, out="s")
    assert "frame.csv: 3 blank row(s) skipped." in run.out and "drawn from 3 " in run.out
    hostile.write("reviewed.csv", "sample_id,overpayment,stratum\nA,1,x\n,,\nB,2,x\nC,3,y\nD,4,y\n,,\n")
    hostile.write("strata.csv", "stratum,universe_size\nx,50\n,\ny,60\n")
    run = hostile.run("extrapolate", "reviewed.csv", "--strata", "strata.csv", expect=0)
    said = json.loads(run.out)
    assert (said["sample_size"], said["rows_read"], said["blank_rows_skipped"]) == (4, 6, 2)
    assert "reviewed.csv: 2 blank row(s) skipped." in run.err and "strata.csv: 1 blank row(s) skipped." in run.err
    hostile.write("bad.csv", "claim_id,paid\nC1,10.00\n,,\n,5.00\n")
    refused = hostile.run("sample", "bad.csv", "--id-column", "claim_id", "--size", "1", "--seed", "1", "--out", "b",
                          expect=1)
    assert "bad.csv: 1 problem(s) in 1 of 3 row(s)" in refused.err


def test_a_strata_files_universe_size_may_hold_thousands_separators(hostile):
    """``--universe-size 1,000`` was accepted but ``1,000`` in a strata file refused."""
    hostile.write("reviewed.csv", "sample_id,overpayment,stratum\nA,1,x\nB,2,x\nC,3,y\nD,4,y\n")
    hostile.write("strata.csv", 'stratum,universe_size\nx,"1,000"\ny," 12,345,678 "\n')
    run = hostile.run("extrapolate", "reviewed.csv", "--strata", "strata.csv", expect=0)
    assert json.loads(run.out)["universe_size"] == 1000 + 12_345_678
    hostile.write("strata.csv", 'stratum,universe_size\nx,"1,000"\ny,"1,23"\n')
    hostile.run("extrapolate", "reviewed.csv", "--strata", "strata.csv", expect=1,
                names=["strata.csv, row 3, column 'universe_size'", "got '1,23'"])
    hostile.write("strata.csv", 'stratum,universe_size\n,\nx,"0,000"\ny,"1,000"\n')  # quoted as written
    hostile.run("extrapolate", "reviewed.csv", "--strata", "strata.csv", expect=1,
                names=["strata.csv, row 3, column 'universe_size'", "a whole number >= 1; got '0,000'"])


def test_a_reviewed_samples_accounting_negatives_are_read_as_recoup_import_reads_them(hostile):
    """An overpayment written ``(12.00)`` (Excel's accounting negative) was refused; it is -12.00, as
    ``recoup import`` reads it, beside ``$1,234.56``. A value that is no amount is still refused as written."""
    hostile.write("reviewed.csv", 'sample_id,overpayment\nA,(12.00)\nB,"$1,234.56"\nC," ($1,000.00) "\nD,0\n')
    run = hostile.run("extrapolate", "reviewed.csv", "--universe-size", "4", expect=0)
    assert json.loads(run.out, parse_float=str)["point_estimate"] == "222.56"  # -12 + 1,234.56 - 1,000 + 0
    hostile.write("reviewed.csv", "sample_id,overpayment\nA,(12.00)\nB,(1.234)\nC,3\n")
    hostile.run("extrapolate", "reviewed.csv", "--universe-size", "4", expect=1,
                names=["reviewed.csv, row 3, column 'overpayment'", "got '(1.234)'"])


def test_amounts_with_one_decimal_are_read_in_frames_and_samples_as_recoup_import_reads_them(hostile):
    """``($1,000.5)``, an accounting negative as a column formatted to one decimal shows it, was refused in
    a reviewed sample and a frame, though ``recoup import`` reads it as -1,000.50 (``$1,000.5`` and ``1000.5``
    were read). Three decimals are still refused, quoted as written."""
    hostile.write("reviewed.csv", 'sample_id,overpayment\nA,"($1,000.5)"\nB,"$1,000.5"\nC,1000.5\nD,(12.5)\n')
    run = hostile.run("extrapolate", "reviewed.csv", "--universe-size", "4", expect=0)
    assert json.loads(run.out, parse_float=str)["point_estimate"] == "988.00"  # -1,000.50 + 1,000.50 + 1,000.50 - 12.50
    hostile.write("frame.csv", 'claim_id,paid\nC1,"($1,000.5)"\nC2,"$1,000.5"\nC3,(2.5)\nC4,5.00\n')
    hostile.run("sample", "frame.csv", "--id-column", "claim_id", "--amount-column", "paid",
                "--strata-bounds=-2000,0,2000", "--size", "4", "--seed", "1", "--out", "s", expect=0, out="s")
    assert sorted(read_csv_text(hostile.path("s/strata.csv"))[0]["universe_size"]) == ["2", "2"]
    hostile.write("reviewed.csv", 'sample_id,overpayment\nA,"($1,000.505)"\nB,1\n')
    hostile.run("extrapolate", "reviewed.csv", "--universe-size", "4", expect=1,
                names=["reviewed.csv, row 2, column 'overpayment'", "at most two decimals", "got '($1,000.505)'"])


@pytest.mark.parametrize("missing, argv, expect", [
    ("frame.csv", ["sample", "frame.csv", "--id-column", "claim_id", "--size", "2", "--seed", "1", "--out", "s"], 1),
    ("reviewed.csv", ["extrapolate", "reviewed.csv", "--universe-size", "4"], 1),
    ("findings.csv", ["score", "findings.csv", "labels.csv"], 1),
    ("notices.csv", ["reconcile", "remits", "--notices", "notices.csv", "--out", "c"], 1),
    ("payers.csv", ["reconcile", "remits", "--notices", "notices.csv", "--payers", "payers.csv", "--out", "c"], 2)])
def test_a_workbook_beside_a_missing_csv_is_named_by_every_command(hostile, missing, argv, expect):
    """frame.xlsx where frame.csv was given: only the audit said a workbook of that name was there and how
    to save it; every command handed a CSV path that does not exist now says it, in the audit's words."""
    hostile.write("labels.csv", "claim_id,line_no,error_type,at_risk\nC1,1,units_over_mue,10.00\n")
    if missing != "notices.csv":
        hostile.write("notices.csv", "notice_id\n")
    hostile.path("remits").mkdir()
    workbook = missing.replace(".csv", ".xlsx")
    hostile.write(workbook, b"PK\x03\x04")
    hostile.run(*argv, expect=expect, names=[
        missing, f'{workbook} is in the folder, but the command reads {missing}: save the workbook from the '
        f'spreadsheet as "CSV UTF-8" named {missing}'])


def test_accounting_negatives_written_with_a_space_are_read_in_a_reviewed_sample(hostile):
    """``$ (12.00)`` and ``($ 3.00)``, accounting negatives as some exports write them, were refused in a
    reviewed sample although ``recoup import`` reads them as ``($12.00)``."""
    hostile.write("reviewed.csv", 'sample_id,overpayment\nA,$ (12.00)\nB,($ 3.00)\nC,18\n')
    run = hostile.run("extrapolate", "reviewed.csv", "--universe-size", "3", expect=0)
    assert json.loads(run.out, parse_float=str)["point_estimate"] == "3.00"  # (-12 - 3 + 18) / 3 * 3


def test_sample_matches_column_options_trimmed_and_ignoring_case(hostile):
    """``--id-column " Claim # "`` (spaces typed around the name) was refused as a missing column although
    the header names 'Claim #': a header is matched trimmed and ignoring case."""
    hostile.write("frame.csv", "Claim #,Payer,Paid\n" + "".join(f"C{i},P{i % 2},{i}.00\n" for i in range(8)))
    hostile.run("sample", "frame.csv", "--id-column", " Claim # ", "--stratify-by", " payer ", "--size", "4",
                "--seed", "1", "--out", "s", expect=0, out="s")
    hostile.run("sample", "frame.csv", "--id-column", "claim #", "--strata-bounds", "0,4", "--amount-column",
                "PAID ", "--size", "4", "--seed", "1", "--out", "t", expect=0, out="t")
    assert len(read_csv_text(hostile.path("s/sample.csv"))[0]) == 4


@pytest.mark.parametrize("label", ["Total", "TOTAL:", "Grand Total", "Sub-total"])
def test_a_total_row_is_never_taken_for_a_unit(hostile, label):
    """A spreadsheet's total row under the units ('Total', the sum of the overpayments) was read as one
    more unit: drawn into the sample from a frame, and counted by the extrapolation, which projected the
    total as a unit's overpayment (here $1,500.00 for a sample whose units give $1,000.00)."""
    hostile.write("frame.csv", f"claim_id,paid\nC1,10.00\nC2,20.00\nC3,30.00\n{label},60.00\n")
    hostile.run("sample", "frame.csv", "--id-column", "claim_id", "--size", "2", "--seed", "1", "--out", "s",
                expect=1, out="s", names=["frame.csv, row 5, column 'claim_id'", "total row"])
    hostile.write("reviewed.csv", f"sample_id,overpayment\nA,10\nB,0\nC,20\n{label},30\n")
    hostile.run("extrapolate", "reviewed.csv", "--universe-size", "100", expect=1,
                names=["reviewed.csv, row 5, column 'sample_id'", "total row"])
    hostile.write("reviewed.csv", "sample_id,overpayment\nA,10\nB,0\nC,20\nTOTALLY-7,5\n")
    hostile.run("extrapolate", "reviewed.csv", "--universe-size", "100", expect=0)


def test_a_total_rows_label_beside_a_blank_id_is_named_as_a_total_row(hostile):
    """A spreadsheet's total label in another column than the id (the id blank, the sum under the amounts)
    was reported as a blank id, "expected a value ... got blank": it is a total row, named as one in the
    id column is. A unit whose id alone is blank is still asked for its id."""
    hostile.write("frame.csv", "claim_id,payer,paid\nC1,A,10.00\nC2,B,20.00\nC3,A,30.00\n,Total,60.00\n")
    run = hostile.run("sample", "frame.csv", "--id-column", "claim_id", "--amount-column", "paid",
                      "--strata-bounds", "0,25", "--size", "2", "--seed", "1", "--out", "s", expect=1, out="s",
                      names=["frame.csv, row 5, column 'claim_id'", "not a total row's label", "got 'Total'"])
    assert "1 problem(s)" in run.err and "got blank" not in run.err
    hostile.write("reviewed.csv", "note,sample_id,overpayment\na,A,10\nb,B,0\nc,C,20\nGrand total:,,30\n")
    run = hostile.run("extrapolate", "reviewed.csv", "--universe-size", "100", expect=1,
                      names=["reviewed.csv, row 5, column 'sample_id'", "not a total row's label",
                             "got 'Grand total:'"])
    assert "1 problem(s)" in run.err and "got blank" not in run.err
    hostile.write("reviewed.csv", "sample_id,overpayment,note\nA,10,x\n,0,reviewed\n")
    hostile.run("extrapolate", "reviewed.csv", "--universe-size", "100", expect=1,
                names=["reviewed.csv, row 3, column 'sample_id'", "got blank"])


def test_a_units_text_beginning_with_total_beside_a_blank_id_is_not_a_total_row(hostile):
    """A unit whose description begins with the word ('Total knee arthroplasty') beside its blank id was
    called a total row, its description quoted under claim_id: beside a blank id only a cell that is the
    label and nothing more ('Total', 'Grand total:') makes a total row, whose message names its column."""
    hostile.write("frame.csv", 'claim_id,description,billed\nC1,Knee,10.00\n,Total knee arthroplasty,"2,345.00"\n'
                               "C3,Hip,1.00\n,Total,30\n")
    run = hostile.run("sample", "frame.csv", "--id-column", "claim_id", "--size", "2", "--seed", "1", "--out", "s",
                      expect=1, out="s", names=["frame.csv, row 3, column 'claim_id': expected a value", "got blank",
                                                "frame.csv, row 5, column 'claim_id'", "not a total row's label",
                                                "in column 'description'", "got 'Total'"])
    assert "Total knee" not in run.err


def test_a_total_row_counting_the_ids_under_a_label_in_the_first_column_is_a_total_row(hostile):
    """An Excel table's total row with Count on the id column ('Total,3,30' under note,sample_id,overpayment)
    was read as unit '3' with an overpayment of $30.00: a whole-cell total label in the first column, where
    that is not the id column, makes a total row. A note that only begins with the word is a unit's."""
    hostile.write("reviewed.csv", "note,sample_id,overpayment\na,A,10\nb,B,0\nc,C,20\nTotal,3,30\n")
    run = hostile.run("extrapolate", "reviewed.csv", "--universe-size", "100", expect=1,
                      names=["reviewed.csv, row 5, column 'sample_id'", "not a total row's label",
                             "in column 'note'", "got 'Total'"])
    assert "1 problem(s)" in run.err
    hostile.write("reviewed.csv", "note,sample_id,overpayment\na,A,10\nb,B,0\nTotal knee,C,20\n")
    hostile.run("extrapolate", "reviewed.csv", "--universe-size", "100", expect=0)


def test_an_id_of_spaces_beside_a_total_label_is_a_blank_id(hostile):
    """An id cell holding spaces beside 'Total' was taken for the row's first filled cell, so the total row
    was reported as a blank id, though ``recoup import`` reads a cell of spaces as blank."""
    hostile.write("frame.csv", "claim_id,payer,paid\nC1,A,10.00\nC2,B,20.00\n  ,Total,30.00\n")
    run = hostile.run("sample", "frame.csv", "--id-column", "claim_id", "--size", "2", "--seed", "1", "--out", "s",
                      expect=1, out="s",
                      names=["frame.csv, row 4, column 'claim_id'", "not a total row's label", "got 'Total'"])
    assert "got blank" not in run.err


def test_extrapolate_names_the_strata_file_missing_a_stratum(hostile):
    """A stratum of the sample with no row in the strata file was reported against the sample file, which
    is not the file to fix."""
    hostile.write("reviewed.csv", "sample_id,overpayment,stratum\nA,1,x\nB,2,x\nC,3, Y\nD,4,y\n")
    hostile.write("strata.csv", "stratum,universe_size\nx,50\n")
    run = hostile.run("extrapolate", "reviewed.csv", "--strata", "strata.csv", expect=1,
                      names=["strata.csv, column 'stratum': expected a row for stratum 'Y' with its universe_size",
                             "reviewed.csv holds it at row(s) 4, 5"])
    assert not run.err.startswith("recoup extrapolate: reviewed.csv")


@pytest.mark.parametrize(("sample", "argv", "expect"), [
    ("sample_id,overpayment\nA,1\nB,2\nC,3\n", ["--universe-size", "10"], 0),
    ("sample_id,overpayment\nA,1\nB,99999999999999999999\nC,3\n", ["--universe-size", "10"], 1),
    ("sample_id,overpayment\nA,1\nB,2\nC,3\n", ["--universe-size", "1000000000000000000000000"], 2),
    ("sample_id,overpayment\nA,1\nB,2\nC,3\n", ["--universe-size", "2"], 1),
    ("sample_id,overpayment\nA,1\nB,2\nC,3\n", ["--universe-size", "10", "--confidence", "nan"], 2),
    ("sample_id,overpayment\nA,1\nB,2\nC,3\n", ["--universe-size", "10", "--confidence", "1"], 2),
    # A projection of a trillion dollars or more cannot be printed exactly: refused.
    ("sample_id,overpayment\nA,999999999999.99\nB,999999999999.99\nC,-999999999999.99\n",
     ["--universe-size", "999999999"], 1),
    ("sample_id,overpayment\n", ["--universe-size", "10"], 1),
    ("", ["--universe-size", "10"], 1),
    ("sample_id,overpayment\nA,1\n", ["--universe-size", "10"], {0, 1}),
    ("sample_id,overpayment,stratum\nA,1,x\nB,2,x\nC,3,y\nD,4,y\n", ["--strata", "strata.csv"], {0, 1}),
    ("sample_id,overpayment\n=A,1\n+B,2\n@C,3\n", ["--universe-size", "10"], 0),
])
def test_extrapolate_on_extreme_samples(hostile, sample, argv, expect):
    hostile.write("s.csv", sample)
    hostile.write("strata.csv", "stratum,universe_size\nx,5\ny,99999999999999\n")
    run = hostile.run("extrapolate", "s.csv", *argv, expect=expect, names=[])
    if run.code == 0:
        result = json.loads(run.out)
        assert all(v == v for v in result.values() if isinstance(v, float))  # no NaN
        assert "Infinity" not in run.out and "NaN" not in run.out


# --- remit and reconcile ------------------------------------------------------------------------

def _remit_text(claim_id="C0000001", payer="ACME PAYER", trace="TRACE1", plb_ref="C0000001", amount="100.00"):
    segs = [
        "ISA*00*          *00*          *ZZ*PAYER          *ZZ*PROVIDER       *250101*1200*^*00501*000000001*0*P*:",
        "GS*HP*PAYER*PROVIDER*20250101*1200*1*X*005010X221A1",
        "ST*835*0001",
        f"BPR*I*{amount}*C*ACH*CCP*01*999999999*DA*123456*1234567890**01*999999999*DA*654321*20250105",
        f"TRN*1*{trace}*1234567890",
        "DTM*405*20250105",
        f"N1*PR*{payer}",
        "N1*PE*CLINIC*XX*1234567893",
        "LX*1",
        f"CLP*{claim_id}*1*150.00*110.00*40.00*MC*PCN1",
        "NM1*QC*1*DOE*JANE****MI*M1",
        "SVC*HC:99213*150.00*110.00**1",
        "DTM*472*20250102",
        "CAS*CO*45*40.00",
        f"PLB*1234567890*20251231*WO:{plb_ref}*10.00",
        "SE*14*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return "~\n".join(segs) + "~\n"


@pytest.mark.parametrize(("text", "expect"), [
    (_remit_text(), 0),
    (_remit_text().replace("SE*14*", "SE*15*"), 0),  # a wrong SE01 count is a warning (contract v2)
    (_remit_text(claim_id=EVIL, payer="=HYPERLINK(\"http://x\")", trace="+1+1", plb_ref="@SUM(1)"), 0),
    (_remit_text(amount="99999999999999999999.00"), {0, 1}),
    (_remit_text(amount="1e308"), {0, 1}),
    ("", 1), ("\x00\x01\x02" * 100, 1), ("ISA*" + "x" * 200_000 + "~", 1), ("hello, world\n", 1),
    (_remit_text().replace("~\n", "\n"), {0, 1}),
    (_remit_text().replace("DTM*405*20250105", "DTM*405*99991231"), {0, 1}),
])
def test_remit_on_hostile_835s(hostile, text, expect):
    hostile.write("in/a.835", text)
    hostile.run("remit", "in", "--out", "r", expect=expect, out="r", names=["a.835"])


@pytest.mark.parametrize("where", ["the_input_folder", "holds_the_input", "an_input_file", "a_file",
                                   "practice_holding_remits"])
def test_remit_out_never_replaces_inputs(hostile, where):
    folder = hostile.practice()
    files = [folder / "remits"]
    out = {"the_input_folder": folder / "remits", "holds_the_input": folder,
           "an_input_file": next((folder / "remits").glob("*.835")), "a_file": folder / "payments.csv",
           "practice_holding_remits": folder}[where]
    hostile.run("remit", *files, "--out", out, expect=2, names=["--out"])


def test_remit_and_reconcile_read_a_file_whose_name_is_not_utf8(hostile):
    """A remittance saved on another system (Latin-1 name ``caf\\xe9.835``) is read; its name is shown
    with the byte escaped, in the summary and in every CSV."""
    folder = hostile.practice()
    remits = sorted((folder / "remits").glob("*.835"))
    odd = folder / "remits" / os.fsdecode(b"caf\xe9-" + os.fsencode(remits[0].name))
    remits[0].rename(odd)
    run = hostile.run("remit", folder / "remits", "--out", "r", expect=0, out="r")
    files = (hostile.path("r") / "files.csv").read_text(encoding="utf-8")
    assert "caf\\xe9-" in files and "caf\\xe9-" in (hostile.path("r") / "transactions.csv").read_text(encoding="utf-8")
    assert "0 set aside" in run.out
    hostile.run("reconcile", folder / "remits", "--out", "c", expect=0, out="c")


def test_remit_reads_a_byte_order_mark_before_latin_1_as_no_text_before_the_isa(hostile):
    """An 835 with a UTF-8 byte-order mark before Latin-1 text was decoded mark and all as Latin-1, and
    warned of text ``ï»¿`` before the ISA header beside the warning that it was read as Latin-1."""
    hostile.write("r.835", b"\xef\xbb\xbf" + _remit_text(payer="PE\u00d1A PAYER").encode("latin-1"))
    hostile.run("remit", "r.835", "--out", "o", expect=0, out="o")
    warnings = hostile.path("o/warnings.csv").read_text(encoding="utf-8")
    assert "read as Latin-1" in warnings and "ISA header" not in warnings


@pytest.mark.parametrize("byte", ["\x00", "\x01", "\x7f"])
def test_remit_warns_of_a_control_character_inside_a_patient_control_number(hostile, byte):
    """A NUL byte inside CLP01 (a damaged file, found by fuzzing) was kept in payments.csv without a word,
    while recoup import sets the same claim aside: the claim matches no claim or notice of the practice."""
    hostile.write("r.835", _remit_text(claim_id=f"C00{byte}00001"))
    run = hostile.run("remit", "r.835", "--out", "o", expect=0, out="o")
    assert "1 used, 0 set aside" in run.out
    with open(hostile.path("o/warnings.csv"), encoding="utf-8", newline="") as handle:
        warned = [row for row in csv.DictReader(handle) if row["element"] == "CLP01"]
    assert [(row["segment"], row["value"]) for row in warned] == [("10", f"C00{byte}00001")]
    assert repr(f"C00{byte}00001") in warned[0]["message"] and "control characters" in warned[0]["expected"]


@pytest.mark.parametrize(("sent", "damaged", "segment", "element"), [
    ("TRN*1*TRACE1*", "TRN*1*TR\x00ACE1*", "5", "TRN02"),
    ("*MC*PCN1", "*MC*PC\x01N1", "10", "CLP07"),
    ("DTM*472*20250102", "DTM*472*20250102~\nREF*6R*12\x7f3", "14", "REF02"),
    ("WO:C0000001*10.00", "WO:C0000001*5.00*FB:R\x00F*5.00", "15", "PLB05-2"),
    ("N1*PE*CLINIC*XX*1234567893", "N1*PE*CLINIC*XX*12345\x0067893", "8", "N104"),
    ("*MI*M1", "*MI*M\x001", "11", "NM109"),
    ("ST*835*0001", "ST*835*00\x0001", "3", "ST02"),
])
def test_remit_warns_of_a_control_character_inside_any_id_it_writes(hostile, sent, damaged, segment, element):
    """A NUL byte inside a trace number, payer claim control number, line item control number, PLB reference,
    payee, member or transaction id (found by fuzzing) was written into the remittance tables without a word:
    each is warned of as CLP01 is (the value kept as sent), naming the segment and the element."""
    hostile.write("r.835", _remit_text().replace(sent, damaged))
    hostile.run("remit", "r.835", "--out", "o", expect=0, out="o")
    with open(hostile.path("o/warnings.csv"), encoding="utf-8", newline="") as handle:
        warned = [row for row in csv.DictReader(handle) if "control characters" in row["expected"]]
    assert [(row["segment"], row["element"], row["action"]) for row in warned] == [(segment, element, "kept")]


def test_remit_warns_of_a_procedure_code_without_its_qualifier(hostile):
    """SVC01 ``:99213`` (the composite's qualifier missing, found by fuzzing) was read without a word, while
    ``HC:`` (its code missing) was warned of."""
    hostile.write("r.835", _remit_text().replace("SVC*HC:99213*", "SVC*:99213*"))
    hostile.run("remit", "r.835", "--out", "o", expect=0, out="o")
    with open(hostile.path("o/warnings.csv"), encoding="utf-8", newline="") as handle:
        warned = [(row["segment"], row["value"]) for row in csv.DictReader(handle) if row["element"] == "SVC01"]
    assert warned == [("12", ":99213")]
    with open(hostile.path("o/service_lines.csv"), encoding="utf-8", newline="") as handle:
        assert [row["procedure_code"] for row in csv.DictReader(handle)] == ["99213"]


@pytest.mark.parametrize(("composite", "warned"), [
    ("HC:99213:25:26:27:28:DESC:ID:59", True), ("HC:99213:25:26:27:28:DESC:ID", False),
    ("HC:99213:25:26:27:28:DESC:ID:::", False),
])
def test_remit_warns_of_a_procedure_composite_with_more_components_than_x12_defines(hostile, composite, warned):
    """An SVC01 with a ninth component (found by fuzzing) had it dropped without a word; the eight X12 defines
    (qualifier, code, four modifiers, description, product/service id) are no warning, nor empty ones after them."""
    hostile.write("r.835", _remit_text().replace("SVC*HC:99213*", f"SVC*{composite}*"))
    hostile.run("remit", "r.835", "--out", "o", expect=0, out="o")
    with open(hostile.path("o/warnings.csv"), encoding="utf-8", newline="") as handle:
        found = [(row["segment"], row["element"], row["value"]) for row in csv.DictReader(handle)
                 if "components" in row["expected"]]
    assert found == ([("12", "SVC01", composite)] if warned else [])
    with open(hostile.path("o/service_lines.csv"), encoding="utf-8", newline="") as handle:
        assert [row["modifiers"] for row in csv.DictReader(handle)] == ["25;26;27;28"]


def test_remit_of_nothing_readable_is_exit_1(hostile):
    hostile.write("in/readme.txt", "no remittances here")
    hostile.run("remit", "in", "--out", "r", expect=1, out="r")
    assert sorted(p.name for p in hostile.path("r").iterdir() if p.name != MANIFEST) == [
        "files.csv", "rejected.csv", "warnings.csv"]  # what says why; no empty tables that look like a result
    hostile.run("remit", "missing_folder", "--out", "r2", expect=1, out="r2", names=["missing_folder"])


def test_remit_next_step_reads_a_folder_under_the_notices_files_name(hostile):
    """The audit folder's notices.csv was looked for with ``is_file()``: a folder under its name was passed
    over in silence, and the next step left out --notices, with which reconcile reads it and names it."""
    folder = hostile.practice()
    (folder / "notices.csv").unlink()
    (folder / "notices.csv").mkdir()
    run = hostile.run("remit", folder / "remits", "--out", "r", expect=0, out="r")
    assert f"--notices {folder / 'notices.csv'} --out RECON" in run.out
    hostile.run("reconcile", folder / "remits", "--notices", folder / "notices.csv", "--out", "rc", expect=1,
                out="rc", names=[f"{folder / 'notices.csv'}: a folder"])


@pytest.mark.parametrize(("column", "value"), [("notice_date", "9999-12-31"), ("amount", "1e999"),
                                               ("notice_id", EVIL), ("claim_id", "+SUM(1)")])
def test_reconcile_with_hostile_notices(hostile, column, value):
    folder = hostile.practice()
    set_cell(folder / "notices.csv", 1, column, value)
    hostile.run("reconcile", folder / "remits", "--notices", folder / "notices.csv", "--out", "rc",
                expect=0, out="rc")


@pytest.mark.parametrize("argv", [["--as-of", "2025-02-30"], ["--as-of", "9999-12-31"], ["--notices", "nope.csv"]])
def test_reconcile_bad_options(hostile, argv):
    folder = hostile.practice()
    hostile.run("reconcile", folder / "remits", *argv, "--out", "rc", expect={1, 2}, out="rc")


@pytest.mark.parametrize("option", ["--notices", "--payers"])
@pytest.mark.parametrize("given, said", [("a_folder", "a folder"), ("/dev/null", "not a regular file"),
                                         ("moved.csv", "a link to ")])
def test_reconcile_names_what_a_notices_or_payers_path_is(hostile, option, given, said):
    """A folder or a device given as --notices or --payers was called "no such file", and so was a link
    to a file since moved (what is missing is its target, named as recoup remit names it)."""
    folder = hostile.practice()
    hostile.path("a_folder").mkdir()
    hostile.path("moved.csv").symlink_to(hostile.path("archive/gone.csv"))
    if given == "moved.csv":
        said = link_to_nothing(hostile.path("moved.csv"))
    notices = given if option == "--notices" else folder / "notices.csv"
    payers = ["--payers", given] if option == "--payers" else []
    hostile.run("reconcile", folder / "remits", "--notices", notices, *payers, "--out", "rc",
                expect={1, 2}, out="rc", names=[given, said])
    assert not hostile.path("rc").exists()


@pytest.mark.parametrize("name", ["payers.csv", "claim_lines.csv"])
def test_reconcile_names_a_folder_under_the_name_of_a_file_the_notices_are_checked_against(hostile, name):
    """A folder named payers.csv beside the notices was passed over in silence, so no notice's payer was
    checked, where recoup appeal on the same folder stops naming it."""
    folder = hostile.practice()
    (folder / name).unlink()
    (folder / name).mkdir()
    hostile.run("reconcile", folder / "remits", "--notices", folder / "notices.csv", "--out", "rc", expect=1,
                out="rc", names=[f"{name} in {folder}: a folder; expected a CSV file"])


def test_reconcile_next_step_reads_a_folder_under_the_claim_lines_files_name(hostile):
    """The notices' folder was taken for an appeal folder only when claim_lines.csv and payers.csv were files:
    a folder under one's name (left unread when payments.csv is absent) was passed over in silence, and the
    next step pointed elsewhere, not to recoup appeal, which reads it and names what it is."""
    folder = hostile.practice()
    (folder / "payments.csv").unlink()
    (folder / "claim_lines.csv").unlink()
    (folder / "claim_lines.csv").mkdir()
    run = hostile.run("reconcile", folder / "remits", "--notices", folder / "notices.csv", "--out", "rc",
                      expect=0, out="rc")
    assert f"next: recoup appeal {folder} --out APPEALS" in run.out
    hostile.run("appeal", folder, "--as-of", AS_OF, "--out", "ap", expect=1, out="ap",
                names=[f"claim_lines.csv in {folder}: a folder; expected a CSV file"])


@pytest.mark.parametrize("kind", ["folder", "link"])
def test_remit_and_reconcile_next_steps_read_whatever_is_under_the_audit_folders_claim_lines_name(hostile, kind):
    """The 835s' audit folder was found by a claim_lines.csv that is a file: a folder or a link to a file
    since moved under its name was passed over, so remit's next step left out the folder's --notices and
    reconcile's named no folder, where recoup report on it reads it and names what it is."""
    folder = hostile.practice()
    (folder / "claim_lines.csv").unlink()
    if kind == "folder":
        (folder / "claim_lines.csv").mkdir()
    else:
        (folder / "claim_lines.csv").symlink_to(hostile.path("archive") / "claim_lines.csv")
    run = hostile.run("remit", folder / "remits", "--out", "r", expect=0, out="r")
    assert f"--notices {folder / 'notices.csv'} --out RECON" in run.out
    run = hostile.run("reconcile", folder / "remits", "--out", "rc", expect=0, out="rc")
    assert f"next: recoup report {folder} --out REPORT" in run.out
    hostile.run("report", folder, "--as-of", AS_OF, "--out", "rep", expect=1, out="rep",
                names=[f"claim_lines.csv in {folder}"])


@pytest.mark.parametrize("given", [True, False])
def test_reconcile_with_a_payers_file_holding_no_payer_stops_naming_it_as_appeal_does(hostile, given):
    """A payers.csv of a header alone (given with --payers, or beside the notices) only warned that no notice
    could be used, each set aside for its payer, where recoup appeal on the same folder stops naming it."""
    folder = hostile.practice()
    payers = hostile.path("other/payers.csv") if given else folder / "payers.csv"
    payers.parent.mkdir(exist_ok=True)
    payers.write_text((folder / "payers.csv").read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    option = ["--payers", payers] if given else []
    hostile.run("reconcile", folder / "remits", "--notices", folder / "notices.csv", *option, "--out", "rc",
                expect=1, out="rc", names=[f"payers.csv: no payer in {payers}"])
    assert not hostile.path("rc").exists()


def test_reconcile_of_notices_holding_no_row_says_so_and_points_to_no_file_it_did_not_write(hostile):
    folder = hostile.practice()
    rewrite_csv(folder / "notices.csv", lambda rows: rows.__delitem__(slice(1, None)))
    run = hostile.run("reconcile", folder / "remits", "--notices", folder / "notices.csv", "--out", "rc",
                      expect=0, out="rc")
    assert "could be used (it holds no row)" in run.err
    assert "notices_rejected.csv" not in run.out + run.err and not hostile.path("rc/notices_rejected.csv").exists()


def test_reconcile_of_notices_of_blank_rows_only_counts_them_as_its_summary_does(hostile):
    """A notices.csv of a header and 2 blank rows warned "it holds no row" where the summary above it said
    "2 read = 0 used + 0 set aside + 2 blank row(s) skipped"."""
    folder = hostile.practice()
    rewrite_csv(folder / "notices.csv", lambda rows: rows.__setitem__(slice(1, None), [[""] * len(rows[0])] * 2))
    run = hostile.run("reconcile", folder / "remits", "--notices", folder / "notices.csv", "--out", "rc",
                      expect=0, out="rc")
    counted = "2 read = 0 used + 0 set aside + 2 blank row(s) skipped"
    assert f"Notices: {counted}" in run.out
    assert f"no notice of {folder / 'notices.csv'} could be used ({counted}), so no recoupment" in run.err
    assert "holds no row" not in run.err and "notices_rejected.csv" not in run.out + run.err


# --- appeal and score-appeals -------------------------------------------------------------------

@pytest.mark.parametrize(("file", "column", "value"), [
    ("notices.csv", "notice_date", "9999-12-31"), ("notices.csv", "notice_id", EVIL),
    ("notices.csv", "amount", "123456789012345678901"), ("notices.csv", "error_type", "$\\undefinedmacro{x}$"),
    ("payers.csv", "state", "=XX"), ("payers.csv", "name", "@evil"), ("notices.csv", "line_no", "99999999999"),
    ("notices.csv", "reason_code", "-1+1"),
])
def test_appeal_with_hostile_notices_and_payers(hostile, file, column, value):
    folder = hostile.practice()
    set_cell(folder / file, 1, column, value)
    hostile.run("appeal", folder, "--as-of", AS_OF, "--out", "ap", "--xlsx", expect=0, out="ap")


def test_appeal_rerun_leaves_no_stale_letters(hostile):
    folder = hostile.practice()
    set_cell(folder / "notices.csv", 1, "error_type", "units_over_mue")  # the audit does not find it: appeal
    hostile.run("appeal", folder, "--as-of", AS_OF, "--out", "ap", expect=0, out="ap")
    letters = list(hostile.path("ap/letters").glob("*"))
    assert letters
    rewrite_csv(folder / "notices.csv", lambda rows: rows.__delitem__(slice(1, None)))
    hostile.run("appeal", folder, "--as-of", AS_OF, "--out", "ap", expect={0, 1}, out="ap")
    assert not hostile.path("ap/letters").exists() or not any(hostile.path("ap/letters").iterdir())


@pytest.mark.parametrize("argv", [["--as-of", "someday"], ["--as-of", "0001-01-01"], ["--profiles", "nope"]])
def test_appeal_bad_options(hostile, argv):
    folder = hostile.practice()
    hostile.run("appeal", folder, *argv, "--out", "ap", expect=2, out="ap")


@pytest.mark.parametrize("name", ["notices.csv", "payers.csv", "claim_lines.csv", "coverage.csv"])
def test_appeal_folder_holding_a_folder_under_a_files_name_says_so(hostile, name):
    """A folder named notices.csv (an unzipped export, a copy gone wrong) was "required file not found",
    and one named coverage.csv was passed over in silence, switching its rule off."""
    folder = hostile.practice()
    (folder / name).unlink()
    (folder / name).mkdir()
    hostile.run("appeal", folder, "--as-of", AS_OF, "--out", "ap", expect=1, out="ap",
                names=[f"{name} in {folder}: a folder; expected a CSV file"])


@pytest.mark.parametrize("name", ["notices.csv", "payers.csv", "claim_lines.csv", "coverage.csv"])
def test_appeal_folder_holding_a_link_to_nothing_under_a_files_name_says_so(hostile, name):
    """A notices.csv that is a link to a file since moved was "required file not found", naming the link,
    not what is missing; a coverage.csv one was passed over in silence, switching its rule off."""
    folder = hostile.practice()
    (folder / name).unlink()
    (folder / name).symlink_to(hostile.path("archive") / name)
    hostile.run("appeal", folder, "--as-of", AS_OF, "--out", "ap", expect=1, out="ap",
                names=[f"{name} in {folder}: {link_to_nothing(folder / name)}; expected a CSV file"])


def test_appeal_next_step_reads_a_folder_under_the_recoupment_labels_files_name(hostile):
    """recoupment_labels.csv was looked for with ``is_file()``: a folder under its name was passed over in
    silence, and the next step left out recoup score-appeals, which now reads it and names what it is (it
    said "no such file")."""
    folder = hostile.practice()
    labels = folder / "recoupment_labels.csv"
    labels.unlink()
    labels.mkdir()
    run = hostile.run("appeal", folder, "--as-of", AS_OF, "--out", "ap", expect=0, out="ap")
    assert "next: recoup score-appeals " in run.out and f"{labels}, or recoup report" in run.out
    hostile.run("score-appeals", hostile.path("ap/decisions.csv"), labels, expect=1,
                names=[f"recoupment_labels.csv in {folder}: a folder; expected a CSV file"])


@pytest.mark.parametrize("name", ["payer_rules.csv", "appeal_levels.csv"])
def test_appeal_names_a_folder_under_a_rule_tables_name(hostile, name):
    """A folder's copy of a rule table replaces the shipped one; it was looked for with ``is_file()``, so a
    folder under its name was passed over and the shipped table used in silence."""
    folder = hostile.practice()
    (folder / name).mkdir()
    hostile.run("appeal", folder, "--as-of", AS_OF, "--out", "ap", expect=1, out="ap",
                names=[f"{name} in {folder}: a folder; expected a CSV file"])


@pytest.mark.parametrize("name", ["notices.csv", "payers.csv"])
def test_report_without_as_of_names_a_link_to_nothing_under_a_notices_or_payers_name(hostile, name):
    """The report and the folder's as-of looked for notices.csv and payers.csv with ``exists()``: a link to
    a file since moved was passed over as absent, so the appeal metrics were off with no word of the link
    (or, for payers.csv, blamed on a payers.csv "not present")."""
    folder = hostile.practice()
    (folder / name).unlink()
    (folder / name).symlink_to(hostile.path("archive") / name)
    run = hostile.run("report", folder, "--out", "rp", expect=0, out="rp")
    assert f"{name} in {folder}: {link_to_nothing(folder / name)}; expected a CSV file" in run.out


def test_appeal_without_as_of_names_a_folder_under_the_recoupments_files_name(hostile):
    """The folder's own as-of is read from recoupments.csv when present: a folder under that name was
    passed over, and the date taken from the 835s instead, in silence. The appeal goes on without its
    dates (as the report does) and its as-of line names the folder and what was left out."""
    folder = hostile.practice()
    (folder / "recoupments.csv").mkdir()
    hostile.run("appeal", folder, "--out", "ap", expect=0, out="ap",
                names=[f"recoupments.csv in {folder}: a folder; expected a CSV file (its dates are left out)"])


def test_appeal_without_as_of_names_a_link_to_nothing_under_the_recoupments_files_name(hostile):
    """The folder's own as-of looked for recoupments.csv with ``exists()``: a link to a file since moved
    was passed over as absent, and the date taken from the 835s instead, with no word of the link."""
    folder = hostile.practice()
    (folder / "recoupments.csv").symlink_to(hostile.path("archive") / "recoupments.csv")
    run = hostile.run("appeal", folder, "--out", "ap", expect=0, out="ap")
    said = f"recoupments.csv in {folder}: {link_to_nothing(folder / 'recoupments.csv')}; expected a CSV file"
    assert f"{said} (its dates are left out)" in run.out + run.err


def test_appeal_with_a_payers_file_holding_no_payer_names_that_file(hostile):
    """A payers.csv of a header alone set every notice aside, each blamed on notices.csv."""
    folder = hostile.practice()
    rewrite_csv(folder / "payers.csv", lambda rows: rows.__delitem__(slice(1, None)))
    hostile.run("appeal", folder, "--as-of", AS_OF, "--out", "ap", expect=1, out="ap",
                names=["payers.csv: no payer in"])


def test_appeal_malformed_profile_table_names_it(hostile):
    folder = hostile.practice()
    hostile.write("profiles/payer_rules.csv", "\x00\x01garbage")
    hostile.run("appeal", folder, "--as-of", AS_OF, "--profiles", "profiles", "--out", "ap", expect=1, out="ap",
                names=["payer_rules.csv"])


@pytest.mark.parametrize("case", ["good", "bad_recommendation", "huge_amount", "formula_ids", "missing_file",
                                  "unknown_notice"])
def test_score_appeals(hostile, case):
    folder = hostile.practice()
    hostile.run("appeal", folder, "--as-of", AS_OF, "--out", "ap", expect=0, out="ap")
    decisions = hostile.path("ap/decisions.csv")
    expect, names = 0, []
    if case == "bad_recommendation":
        set_cell(decisions, 1, "recommendation", "maybe")
        expect = {0, 1}
    elif case == "huge_amount":
        set_cell(decisions, 1, "agreed_amount", "99999999999999999999")
        expect = {0, 1}
    elif case == "formula_ids":
        def change(rows):
            i = rows[0].index("notice_id")
            for r in rows[1:]:
                r[i] = "=" + r[i]
        rewrite_csv(decisions, change)
        rewrite_csv(folder / "recoupment_labels.csv", change)
    elif case == "missing_file":
        decisions = hostile.path("ap/nope.csv")
        expect, names = 1, ["nope.csv"]
    elif case == "unknown_notice":  # decisions of another practice
        set_cell(decisions, 1, "notice_id", "N-OTHER")
        expect, names = 1, ["decisions.csv, row 2, column 'notice_id'", "recoupment_labels.csv"]
    hostile.run("score-appeals", decisions, folder / "recoupment_labels.csv", "--out", "sa", expect=expect,
                out="sa", changes=("ap/",), names=names)


def test_score_appeals_reads_decisions_saved_from_excel(hostile):
    """Decisions a reviewer opened in Excel and saved as plain "CSV": Windows-1252 (a name with an accent),
    CRLF, and a row of commas Excel left under them. They once stopped score-appeals (bytes that are not
    UTF-8, a blank notice_id); they are scored as the decisions written, and the summary says how they
    were read."""
    folder = hostile.practice()
    hostile.run("appeal", folder, "--as-of", AS_OF, "--out", "ap", expect=0, out="ap")
    set_cell(hostile.path("ap/decisions.csv"), 1, "reasons", "reviewed by J. Muñoz")
    labels = folder / "recoupment_labels.csv"
    hostile.run("score-appeals", "ap/decisions.csv", labels, "--out", "as_written", expect=0, out="as_written")
    text = hostile.path("ap/decisions.csv").read_text(encoding="utf-8")
    saved = text.replace("\n", "\r\n") + "," * text.splitlines()[0].count(",") + "\r\n"
    hostile.write("excel/decisions.csv", saved.encode("cp1252"))
    run = hostile.run("score-appeals", "excel/decisions.csv", labels, "--out", "as_saved", expect=0, out="as_saved")
    assert "decisions.csv: read as Windows-1252; 1 blank row(s) skipped." in run.out
    for name in ("appeal_scores.csv", "appeal_score_summary.csv"):
        assert hostile.path(f"as_saved/{name}").read_bytes() == hostile.path(f"as_written/{name}").read_bytes()


# --- report -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("file", "column", "value"), [
    ("claim_lines.csv", "procedure_code", "$\\undefinedmacro{x}$"),
    ("claim_lines.csv", "rendering_npi", "$\\undefinedmacro{x}$"),
    ("claim_lines.csv", "service_date", "9999-12-31"),
    ("notices.csv", "notice_date", "9999-12-31"),
])
def test_report_on_hostile_values_is_quick_and_never_crashes(hostile, file, column, value):
    folder = hostile.practice()
    def change(rows):
        i = rows[0].index(column)
        for r in rows[1:6]:
            r[i] = value
    rewrite_csv(folder / file, change)
    hostile.run("report", folder, "--out", "rep", "--as-of", AS_OF, expect=0, out="rep")


def test_report_spanning_1900_to_2100_stays_bounded(hostile):
    folder = hostile.practice()
    set_cell(folder / "claim_lines.csv", 1, "service_date", "1900-01-01")
    set_cell(folder / "claim_lines.csv", 2, "service_date", "2100-12-31")
    set_cell(folder / "claim_lines.csv", 2, "submitted_date", "2100-12-31")
    hostile.run("report", folder, "--out", "rep", "--as-of", AS_OF, expect=0, out="rep")


def test_a_chart_spanning_two_centuries_draws_only_the_months_that_have_money():
    """What keeps such a report quick: 2,412 months on the axis, but a bar only where there is money,
    and at most a dozen or so labelled ticks."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from recoup_lib.report import plot_money_by_month

    frame = pd.DataFrame({"date": pd.to_datetime(["1900-01-15", "1900-01-20", "2025-06-01", "2100-12-31"]),
                          "cents": [100, 250, 0, 9900]})
    fig = plot_money_by_month(frame, "date", "cents", title="Paid")
    ax = fig.axes[0]
    assert len(ax.patches) == 2
    assert sorted(round(p.get_height(), 2) for p in ax.patches) == [3.5, 99.0]
    assert len(ax.get_xticks()) <= 13
    plt.close(fig)


@pytest.mark.parametrize("extra", ["recoupments", "outcomes"])
def test_report_hostile_optional_files(hostile, extra):
    folder = hostile.practice()
    if extra == "recoupments":
        hostile.write("practice/recoupments.csv", f"payment_date,amount,claim_id\n9999-12-31,1,A\n2025-01-01,"
                      f"99999999999999999999,B\n2025-02-01,5.00,{EVIL}\n")
    else:
        hostile.write("practice/appeal_outcomes.csv", f"notice_id,level,outcome\n{EVIL},1,won\n,,\n")
    hostile.run("report", folder, "--out", "rep", "--as-of", AS_OF, "--xlsx", expect=0, out="rep")


@pytest.mark.parametrize("net", ["-500.00", "99999.00"])
def test_report_sets_aside_a_recoupment_whose_net_amount_is_not_within_its_amount(hostile, net):
    """A hand-edited net_amount below 0 or above the gross amount was summed as money taken back: a
    negative take-back, or more taken back once than was taken at all."""
    folder = hostile.practice()
    hostile.write("practice/recoupments.csv", "payment_date,amount,net_amount\n2025-03-01,100.00,40.00\n"
                  f"2025-03-02,200.00,{net}\n2025-03-03,300.00,\n")
    shutil.rmtree(folder / "remits")
    run = hostile.run("report", folder, "--out", "rep", "--as-of", AS_OF, expect=0, out="rep")
    assert "recoupments.csv: 3 rows read = 2 used + 1 set aside" in run.out
    assert "Money taken back: $340.00" in run.out  # 40.00, and 300.00 in full where no net is given
    rejected = list(csv.DictReader(open(hostile.path("rep/rejected.csv"), encoding="utf-8")))
    assert [(r["file"], r["row"], r["column"], r["value"]) for r in rejected] == [
        ("recoupments.csv", "3", "net_amount", net)]


def test_report_printout_says_why_a_metric_is_off_once(hostile):
    """The printout read "off (switched off (see the end of the page)) -- <reason>": the page is
    report.md, not the printout, which gives the reason itself."""
    folder = hostile.practice()
    run = hostile.run("report", folder, "--out", "rep", "--as-of", AS_OF, expect=0, out="rep")
    assert "  Appeal overturn rate: off -- No appeal outcomes" in run.out
    assert "end of the page" not in run.out


@pytest.mark.parametrize("unusable", ["notices", "payers"])
def test_report_with_no_usable_notice_warns_as_reconcile_does(hostile, unusable):
    """Every notice set aside (a bad amount on each, or payers.csv naming none of their payers) showed
    "Notices still open: 0 (of 0 notices)" as if no notice had come, only the counts line explaining it,
    where recoup reconcile on the same notices warns that none could be used."""
    folder = hostile.practice()
    if unusable == "notices":
        rewrite_csv(folder / "notices.csv", lambda rows: [row.__setitem__(rows[0].index("amount"), "n/a")
                                                          for row in rows[1:]])
    else:
        rewrite_csv(folder / "payers.csv", lambda rows: [row.__setitem__(0, "X" + row[0]) for row in rows[1:]])
    rows = len(read_csv_text(folder / "notices.csv")[0])
    run = hostile.run("report", folder, "--out", "rep", "--as-of", AS_OF, expect=0, out="rep")
    counted = f"({rows} read = 0 used + {rows} set aside: see "
    said = f"no notice of {folder / 'notices.csv'} could be used {counted}"
    assert f"recoup report: warning: {said}{Path('rep') / 'rejected.csv'}), so the notice metrics are switched off" \
        in run.err
    assert f"  Notices still open: off -- no notice of notices.csv could be used {counted}rejected.csv)" in run.out
    assert "notices_open" not in read_json(hostile.path("rep/summary.json"))
    recon = hostile.run("reconcile", folder / "remits", "--notices", folder / "notices.csv", "--as-of", AS_OF,
                        "--out", "rc", expect=0, out="rc")
    assert f"recoup reconcile: warning: {said}{Path('rc') / 'notices_rejected.csv'})" in recon.err


@pytest.mark.parametrize("name", ["notices.csv", "appeal_outcomes.csv"])
def test_report_says_why_an_optional_file_that_is_a_folder_is_not_used(hostile, name):
    folder = hostile.practice()
    (folder / name).unlink(missing_ok=True)
    (folder / name).mkdir()
    run = hostile.run("report", folder, "--out", "rep", "--as-of", AS_OF, expect=0, out="rep")
    assert f"{name} in {folder}: a folder; expected a CSV file" in run.out


def test_report_names_a_folder_under_the_providers_files_name(hostile):
    """providers.csv gives the report's provider names; it was looked for with ``is_file()``, so a folder
    under its name was passed over, and the NPIs shown without names, in silence."""
    folder = hostile.practice()
    (folder / "providers.csv").unlink()
    (folder / "providers.csv").mkdir()
    run = hostile.run("report", folder, "--out", "rep", "--as-of", AS_OF, expect=0, out="rep")
    assert f"provider names not shown: providers.csv in {folder}: a folder; expected a CSV file" in run.out


@pytest.mark.parametrize("name", ["recoupments.csv", "appeal_outcomes.csv"])
def test_report_names_a_link_to_nothing_under_an_optional_files_name(hostile, name):
    """The report looked for recoupments.csv and appeal_outcomes.csv with ``exists()``: a link to a file
    since moved was passed over as absent (the 835s, or the notices' outcomes, used instead in silence)."""
    folder = hostile.practice()
    (folder / name).symlink_to(hostile.path("archive") / name)
    run = hostile.run("report", folder, "--out", "rep", "--as-of", AS_OF, expect=0, out="rep")
    assert f"{name} in {folder}: {link_to_nothing(folder / name)}; expected a CSV file" in run.out + run.err


def test_report_writes_every_value_it_set_aside_with_file_row_and_column(hostile):
    folder = hostile.practice()
    set_cell(folder / "claim_lines.csv", 2, "service_date", "9999-12-31")
    set_cell(folder / "notices.csv", 1, "amount", "lots")
    run = hostile.run("report", folder, "--out", "rep", "--as-of", AS_OF, expect=0, out="rep")
    assert "rows read = " in run.out and "set aside (see rejected.csv)" in run.out
    rejected = list(csv.DictReader(open(hostile.path("rep/rejected.csv"), encoding="utf-8")))
    assert {(r["file"], r["row"], r["column"]) for r in rejected} >= {
        ("claim_lines.csv", "3", "service_date"), ("notices.csv", "2", "amount")}


def test_report_out_is_refused_when_unsafe(hostile):
    folder = hostile.practice()
    hostile.run("report", folder, "--out", folder, expect=2, names=["--out"])
    hostile.run("report", folder, "--out", folder / "rep", expect=2, names=["--out"])
    hostile.write("f", "x")
    hostile.run("report", folder, "--out", "f", expect=2, names=["--out"])


@pytest.mark.parametrize("command", [
    ["generate", "--lines", "50"], ["audit", "practice"], ["report", "practice", "--as-of", AS_OF],
    ["appeal", "practice", "--as-of", AS_OF], ["remit", "practice/remits"], ["reconcile", "practice/remits"],
    ["score", "practice/labels.csv", "practice/labels.csv"], ["import", "--claims", "practice/claim_lines.csv"],
    ["sample", "practice/payers.csv", "--id-column", "payer_id", "--size", "1", "--seed", "1"],
    ["score-appeals", "practice/recoupment_labels.csv", "practice/recoupment_labels.csv"],
    ["reference", "import-ptp", "practice/ncci_ptp.csv"], ["reference", "import-mue", "practice/mue.csv"],
    ["exercises", "grade", "practice"], ["exercises", "build"],
])
@pytest.mark.parametrize("form", ["--out", "--out="])
def test_an_empty_out_is_a_usage_error_for_every_command(hostile, command, form):
    hostile.practice()
    out = ["--out", " "] if form == "--out" else ["--out="]
    hostile.run(*command, *out, expect=2, names=["--out"])


# --- an --out holding another command's results -------------------------------------------------

def _generated(hostile, name: str = "other") -> Path:
    """A generated practice with its manifest, as ``cp -r`` copies one."""
    return Path(shutil.copytree(hostile.template, hostile.path(name)))


def _contents(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("command", [
    ["audit", "practice"], ["sample", "practice/payers.csv", "--id-column", "payer_id", "--size", "1", "--seed", "1"],
    ["report", "practice", "--as-of", AS_OF], ["appeal", "practice", "--as-of", AS_OF], ["remit", "practice/remits"],
    ["reconcile", "practice/remits"], ["import", "--claims", "practice/claim_lines.csv"],
])
def test_an_out_holding_another_commands_results_is_refused_and_left_byte_for_byte(hostile, command):
    """Every command accepted any file the kit's manifest listed, whichever command wrote it: `recoup audit
    practiceA --out practiceB` deleted every file of practiceB."""
    hostile.practice()
    other = _generated(hostile)
    before = _contents(other)
    hostile.run(*command, "--out", other, expect=2,
                names=["--out", "`recoup generate`", "claim_lines.csv", "Choose a new or empty folder"])
    assert _contents(other) == before


def test_score_out_never_replaces_a_file_another_command_wrote(hostile):
    folder = _audited(hostile)
    other = _generated(hostile)
    claims = (other / "claim_lines.csv").read_bytes()
    hostile.run("score", "audit/findings.csv", folder / "labels.csv", "--out", other / "claim_lines.csv", expect=2,
                names=["--out", "claim_lines.csv", "`recoup generate`"])
    assert (other / "claim_lines.csv").read_bytes() == claims


def test_a_score_in_the_audits_folder_is_score_s_to_rewrite_and_stops_an_audit_rerun_there(hostile):
    """score.csv written into an audit's folder joins its manifest as `recoup score`'s: a rerun of the score
    replaces it; the audit run again into that folder would delete it, so it stops and names it."""
    folder = _audited(hostile)
    for _ in range(2):
        hostile.run("score", "audit/findings.csv", folder / "labels.csv", "--out", "audit/score.csv", expect=0,
                    out="audit/score.csv", changes=(f"audit/{MANIFEST}",))
    score = hostile.path("audit/score.csv").read_bytes()
    hostile.run("audit", folder, "--out", "audit", expect=2, names=["score.csv", "`recoup score`"])
    assert hostile.path("audit/score.csv").read_bytes() == score


def test_a_folder_written_from_python_is_the_same_steps_for_the_command_line(hostile):
    from recoup_lib.rules import audit_folder

    folder = hostile.practice()
    audit_folder(folder).write(hostile.path("audit"))
    hostile.run("audit", folder, "--out", "audit", expect=0, out="audit")
    assert read_json(hostile.path(f"audit/{MANIFEST}"))["written_by"] == "recoup audit"


# --- reference ----------------------------------------------------------------------------------

@pytest.mark.parametrize("action", ["import-ptp", "import-mue"])
@pytest.mark.parametrize("content", ["garbage", "empty", "zip_garbage"])
def test_reference_import_of_garbage_is_exit_1(hostile, action, content):
    data = {"garbage": b"\x00\x01\x02 not a CMS file" * 50, "empty": b"",
            "zip_garbage": b"PK\x03\x04" + b"\x00" * 100}[content]
    name = "f.zip" if content == "zip_garbage" else "f.txt"
    hostile.write(name, data)
    hostile.run("reference", action, name, "--out", "o.csv", expect=1, out="o.csv", names=[name])


def test_reference_import_never_over_a_users_file(hostile, tmp_path):
    hostile.write("ncci_ptp.csv", "mine\n")
    hostile.write("f.txt", "x\n")
    hostile.run("reference", "import-ptp", "f.txt", expect=2, names=["ncci_ptp.csv"])


MUE_HEADER = "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator\n"


def test_reference_import_rerun_leaves_no_stale_rejected_file(hostile):
    """A rerun on a corrected file left the first run's mue_rejected.csv beside the new mue.csv, listing
    rows the new table does not come from."""
    hostile.write("mue.txt", MUE_HEADER + "10001,1,1\n10002,two,1\n")
    hostile.run("reference", "import-mue", "mue.txt", "--out", "mue.csv", expect=0, out="mue.csv",
                changes=("mue_rejected.csv",))
    assert hostile.path("mue_rejected.csv").exists()
    hostile.write("mue.txt", MUE_HEADER + "10001,1,1\n10002,2,1\n")
    hostile.run("reference", "import-mue", "mue.txt", "--out", "mue.csv", expect=0, out="mue.csv",
                changes=("mue_rejected.csv",))
    assert not hostile.path("mue_rejected.csv").exists()
    hostile.write("mue_rejected.csv", "my own notes\n")  # not the kit's: kept
    hostile.run("reference", "import-mue", "mue.txt", "--out", "mue.csv", expect=0, out="mue.csv")
    assert hostile.path("mue_rejected.csv").read_text(encoding="utf-8") == "my own notes\n"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le"])
def test_reference_import_reads_a_cms_table_resaved_as_unicode_text(hostile, codec):
    """Excel's "Unicode Text" (UTF-16, tab separated, with or without a byte-order mark) of a CMS table
    was told "no header row ... is this the right kind of CMS file?"."""
    hostile.write("mue.txt", (MUE_HEADER + "10001,1,1\n10002,2,3\n").replace(",", "\t").encode(codec))
    run = hostile.run("reference", "import-mue", "mue.txt", "--out", "mue.csv", expect=0, out="mue.csv")
    assert "2 rows read = 2 used + 0 set aside" in run.out
    assert hostile.path("mue.csv").read_text(encoding="utf-8") == "procedure_code,mue_value,mai\n10001,1,1\n10002,2,3\n"


def test_reference_import_reads_a_cms_table_with_a_byte_order_mark_before_windows_1252(hostile):
    """A byte-order mark before Windows-1252 text was decoded with the text as Windows-1252, so the first
    header began ``ï»¿`` and the table was "no header row ... is this the right kind of CMS file?"."""
    text = MUE_HEADER.replace("\n", ",Rationale\n") + "10001,1,1,CPT\u00ae\n10002,2,3,Peña\n"
    hostile.write("mue.txt", b"\xef\xbb\xbf" + text.encode("cp1252"))
    run = hostile.run("reference", "import-mue", "mue.txt", "--out", "mue.csv", expect=0, out="mue.csv")
    assert "2 rows read = 2 used + 0 set aside" in run.out


@pytest.mark.parametrize("action", ["import-ptp", "import-mue", "import-interest-rates"])
@pytest.mark.parametrize(("given", "said"), [("CMS files", "a folder"), ("no such.csv", "file not found")])
def test_reference_import_says_what_a_path_that_is_no_file_is(hostile, action, given, said):
    """A folder given as the CMS file was called "file not found", and import-interest-rates answered a
    folder or a missing file with Python's own words ("[Errno 21] Is a directory")."""
    hostile.path("CMS files").mkdir()
    run = hostile.run("reference", action, given, "--out", "o.csv", expect=1, out="o.csv", names=[given, said])
    assert "Errno" not in run.err


RATES_HEADER = "effective_date,rate_percent\n"


def test_interest_rates_name_the_row_a_spreadsheet_shows_after_blank_rows(hostile):
    """A blank line, or a row of commas Excel writes for an empty row, moved every later row's number up:
    the rate of row 6 was named as row 3's."""
    hostile.write("rates.csv", "\n" + RATES_HEADER + "2025-01-01,9.5\n\n,\n2025-04-01,150\n")
    run = hostile.run("reference", "import-interest-rates", "rates.csv", "--out", "r.csv", expect=0, out="r.csv")
    assert "rates.csv: 4 rows read = 1 used + 1 set aside + 2 blank row(s) skipped" in run.out
    assert "rates.csv, row 6, column 'rate_percent'" in run.out


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_interest_rates_read_bytes_windows_1252_does_not_define_after_a_byte_order_mark_or_not(hostile, bom):
    """A file that is not UTF-8 was decoded as Windows-1252 whole, its byte-order mark included: a byte
    Windows-1252 does not define (0x81, which Latin-1 does) ended in "unexpected error: UnicodeDecodeError".
    Each file is decoded as recoup import decodes it, the bytes after a mark as those of a file without one."""
    hostile.write("rates.csv", bom + (RATES_HEADER.replace("\n", ",note\n") + "2025-01-01,9.5,Peña").encode("cp1252")
                  + b"\x81\n")
    run = hostile.run("reference", "import-interest-rates", "rates.csv", "--out", "r.csv", expect=0, out="r.csv")
    assert "rates.csv: 1 rows read = 1 used + 0 set aside" in run.out


def test_interest_rates_set_aside_a_row_with_more_cells_than_the_header(hostile):
    """A row with one cell more than the header was read shifted one column (its date taken for the row's
    name, its rate for its date); a later one stopped the whole file. Each is set aside, naming its row."""
    hostile.write("long.csv", RATES_HEADER + "2025-01-01,9.5,a note\n2025-04-01,9\n2025-07-01,9,x\n2025-10-01,8.5,\n")
    run = hostile.run("reference", "import-interest-rates", "long.csv", "--out", "l.csv", expect=0, out="l.csv")
    assert "long.csv: 4 rows read = 2 used + 2 set aside" in run.out
    assert all(f"long.csv, row {row}, column '(whole row)': expected at most 2 cells, as the header has" in run.out
               for row in (2, 4))


def test_interest_rates_list_every_row_set_aside(hostile):
    """Past ten rows set aside, the others were counted but never shown, nor written anywhere."""
    rows = "".join(f"2025-01-{day:02d},{100 + day}\n" for day in range(1, 13))
    hostile.write("rates.csv", RATES_HEADER + rows + "2026-01-01,9.5\n")
    run = hostile.run("reference", "import-interest-rates", "rates.csv", "--out", "r.csv", expect=0, out="r.csv")
    assert "13 rows read = 1 used + 12 set aside" in run.out
    assert all(f"rates.csv, row {row}, column 'rate_percent'" in run.out for row in range(2, 14))


@pytest.mark.parametrize("code", [EVIL, "$\\x$", "\x00", "9" * 10000])
def test_reference_explain_anything_unknown_is_exit_1(hostile, code):
    hostile.run("reference", "explain", code, expect=1, names=[code])


@pytest.mark.parametrize("code", ["", "  ", "\t"])
def test_reference_explain_blank_code_is_a_usage_error(hostile, code):
    run = hostile.run("reference", "explain", "45", code, expect=2, names=["code 2 of the 2 given is empty"])
    assert run.out == ""


# --- exercises ----------------------------------------------------------------------------------

def _answers(hostile, record, name="ana/ex01_spot_the_cause.json"):
    return hostile.write(f"answers/{name}", record if isinstance(record, str) else json.dumps(record))


GOOD = {"exercise": "ex01_spot_the_cause", "trainee": "ana", "params": {}, "answers": {"q1": {"answer": 3}}}


@pytest.mark.parametrize(("record", "field"), [
    ("{not json", None), ("[]", "(whole file)"), ({"exercise": "ex01_spot_the_cause"}, "trainee"),
    (dict(GOOD, exercise="ex99_nope"), "exercise"), (dict(GOOD, exercise=5), "exercise"),
    (dict(GOOD, answers=[1, 2]), "answers"), (dict(GOOD, answers={"q1": 5}), "answers.q1"),
    (dict(GOOD, answers={"q99": {"answer": 1}}), "answers.q99"),
    (dict(GOOD, answers={"q1": {"answer": 1, "attempts": "many"}}), "answers.q1.attempts"),
    (dict(GOOD, params={"SEED": "zero"}), "params.SEED"), (dict(GOOD, params={"SEED": 10**30}), "params.SEED"),
    (dict(GOOD, params={"LINES": 10**9}), "params.LINES"), (dict(GOOD, params={"PROFILE": "no_such"}), "params"),
    (dict(GOOD, params=[1]), "params"), (dict(GOOD, trainee=None), "trainee"), ("\ufeff\x00", None),
])
def test_grade_names_the_file_and_field_of_a_malformed_answer(hostile, record, field):
    path = _answers(hostile, record)
    run = hostile.run("exercises", "grade", "answers", expect=1, names=[path.name])
    if field:
        assert f"field '{field}'" in run.err


def test_grade_sets_a_malformed_file_aside_and_grades_the_rest_of_the_class(hostile):
    _answers(hostile, GOOD)
    _answers(hostile, "{not json", name="bo/ex01_spot_the_cause.json")
    _answers(hostile, dict(GOOD, trainee="cy", answers={"q1": 5}), name="cy/ex01_spot_the_cause.json")
    run = hostile.run("exercises", "grade", "answers", "--out", "scores.csv", expect=0, out="scores.csv")
    assert "3 read = 1 used + 2 set aside" in run.out
    assert "bo/ex01_spot_the_cause.json" in run.out and "field 'answers.q1'" in run.out
    raw, _, _ = read_csv_text(hostile.path("scores.csv"))
    assert set(raw["trainee"]) == {"ana"}


@pytest.mark.parametrize("given", ["empty_folder", "folder_of_other_files"])
def test_grade_of_no_answer_file_is_exit_1_and_writes_no_score_sheet(hostile, given):
    """A folder holding no answer file gave exit 0, nothing printed and an empty scores.csv: a class
    graded as "nothing to grade" reads as success."""
    hostile.path("answers").mkdir()
    if given == "folder_of_other_files":
        hostile.write("answers/ana/notes.txt", "{}")
    hostile.run("exercises", "grade", "answers", "--out", "scores.csv", expect=1, out="scores.csv",
                names=["answers", "no answer file"])
    assert not hostile.path("scores.csv").exists()


def test_grade_reads_a_file_given_twice_once(hostile):
    """The same answer file named twice (or a folder and a file inside it) is one record, never set aside
    as "another answer file" of itself."""
    path = _answers(hostile, GOOD)
    run = hostile.run("exercises", "grade", "answers", path, "./" + str(path.relative_to(hostile.root)),
                      "--out", "scores.csv", expect=0, out="scores.csv")
    assert "set aside" not in run.out and "another answer file" not in run.out
    raw, _, _ = read_csv_text(hostile.path("scores.csv"))
    assert set(raw["trainee"]) == {"ana"} and raw["question"].is_unique


def test_grade_guards_formula_trainee_names_and_answers(hostile):
    _answers(hostile, dict(GOOD, trainee=EVIL, answers={"q1": {"answer": "=1+1"}, "q2": {"answer": [EVIL]}}))
    hostile.run("exercises", "grade", "answers", "--out", "scores.csv", expect=0, out="scores.csv")
    raw, _, _ = read_csv_text(hostile.path("scores.csv"))
    assert set(raw["trainee"]) == {EVIL}


def test_grade_out_never_over_a_users_file(hostile):
    _answers(hostile, GOOD)
    hostile.write("scores.csv", "my own sheet\n")
    hostile.run("exercises", "grade", "answers", "--out", "scores.csv", expect=2, names=["scores.csv"])
    hostile.run("exercises", "grade", "answers", "--out", "answers", expect=2, names=["--out"])


def test_build_never_over_a_notebook_it_did_not_build(hostile):
    hostile.write("ex/masters/ex01_spot_the_cause.ipynb", json.dumps(
        {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    hostile.write("ex/ex01_spot_the_cause.ipynb", "my own notebook")
    hostile.run("exercises", "build", "--folder", "ex", expect=2, names=["ex01_spot_the_cause.ipynb"])
    hostile.path("ex/ex01_spot_the_cause.ipynb").unlink()
    hostile.run("exercises", "build", "--folder", "ex", expect=0, out="ex/ex01_spot_the_cause.ipynb")
    hostile.run("exercises", "build", "--folder", "ex", expect=0, out="ex/ex01_spot_the_cause.ipynb")


@pytest.mark.parametrize("master", ["not json", '{"cells": 5}', json.dumps(
    {"cells": [{"cell_type": "code", "source": "### BEGIN SOLUTION\nx = 1\n", "metadata": {}, "outputs": [],
                "execution_count": None}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})])
def test_build_from_a_malformed_master_is_exit_1_naming_it(hostile, master):
    hostile.write("ex/masters/ex01_bad.ipynb", master)
    hostile.run("exercises", "build", "--folder", "ex", expect=1, out="ex/ex01_bad.ipynb", names=["ex01_bad"])


# --- import -------------------------------------------------------------------------------------

CLAIMS = ("Claim #,Line,Patient Acct,Payer,Rendering NPI,DOS,Bill Date,CPT,Mod,Units,Charges,Dx 1,POS\n"
          "C1,1,P1,MCR01,1234567893,01/05/2025,01/07/2025,99213,,1,$120.00,I10,11\n"
          "C2,1,P2,MCR01,1234567893,01/06/2025,01/08/2025,99214,,1,$180.00,I10,11\n")


@pytest.mark.parametrize("case", ["good", "formula", "huge", "far_dates", "underscore", "binary", "empty",
                                  "out_is_input_folder", "bare_carriage_returns", "long_field_beside_a_bad_row"])
def test_import_on_hostile_exports(hostile, case):
    text, expect, out = CLAIMS, 0, "imp"
    if case == "formula":
        text = CLAIMS.replace("C1,", f"\"{EVIL}\",").replace("P2", "+P2")
    elif case == "huge":
        text = CLAIMS.replace("$120.00", "$99999999999999999999.00")
    elif case == "far_dates":
        text = CLAIMS.replace("01/05/2025", "12/31/9999")
    elif case == "underscore":
        text = CLAIMS.replace("POS\n", "POS,_row,_reason\n").replace(",11\n", ",11,1,x\n")
    elif case == "binary":
        text, expect = "\x00\x01\x02" * 100, 1
    elif case == "empty":
        text, expect = "", 1
    elif case == "out_is_input_folder":
        out, expect = "in", 2
    elif case == "bare_carriage_returns":  # a CR inside an unquoted cell, as an old Mac export has it
        text = CLAIMS.replace("C1,", "\r=C1,").replace("P2", "\rP2")
    elif case == "long_field_beside_a_bad_row":
        text = CLAIMS.replace(",I10,11\n", ",I10," + "x" * 200_000 + "\n", 1).replace(",11\n", ",11,extra\n")
    hostile.write("in/charges.csv", text)
    hostile.run("import", "--claims", "in/charges.csv", "--out", out, expect=expect, out="imp",
                names=["charges.csv"] if expect == 1 else ["--out"] if expect == 2 else [])


def test_import_says_an_amount_of_a_trillion_dollars_is_too_large(hostile):
    """A charge of twenty digits was set aside as "expected an amount ... with at most two decimals": it
    has none; what it lacks is being under a trillion dollars, the kit's bound on every amount."""
    hostile.write("in/charges.csv", CLAIMS.replace("$180.00", "99999999999999999999"))
    run = hostile.run("import", "--claims", "in/charges.csv", "--out", "imp", expect=0, out="imp")
    said = [line for line in run.out.splitlines() if "99999999999999999999" in line]
    assert said and "under a trillion dollars" in said[0], run.out


def test_import_reads_a_serial_date_with_a_time_of_day_as_its_date(hostile):
    """A date and time saved from a column formatted General is a serial number with a fraction
    (45662.5625: 2025-01-05 13:30): it was set aside as no date, though the same moment written
    01/05/2025 13:30 or as the serial 45662 is read as its day."""
    hostile.write("in/charges.csv", CLAIMS.replace("01/05/2025,", "45662.5625,", 1))
    hostile.run("import", "--claims", "in/charges.csv", "--out", "imp", expect=0, out="imp")
    lines = list(csv.DictReader(io.StringIO(hostile.path("imp/claim_lines.csv").read_text("utf-8"))))
    assert [(line["claim_id"], line["service_date"]) for line in lines] == [("C1", "2025-01-05"), ("C2", "2025-01-06")]


@pytest.mark.parametrize("case", ["formula_cells", "nothing_fits", "per_claim_of_no_claim"])
def test_import_of_payments_without_line_numbers(hostile, case):
    """A posting report that does not number the lines: hostile cells are read and written guarded, and a
    report none of whose payments fits a claim line is exit 1, naming the file and the reason."""
    rows = {"formula_cells": [f"C1,{EVIL},+25,01/05/2025,EFT1,02/01/2025,@90.00", "C1,99213,,-5,EFT1,02/01/2025,90",
                              "+C2,99214,,01/06/2025,=EFT1,02/01/2025,80.00",
                              "C2,99214,,01/06/2025,EFT2,02/01/2025,80"],
            "nothing_fits": ["C1,99215,,01/05/2025,EFT1,02/01/2025,90.00", "C2,99213,,01/06/2025,EFT1,02/01/2025,80"],
            "per_claim_of_no_claim": ["C7,,,,EFT1,02/01/2025,90.00"]}[case]
    second_lines = ("C1,2,P1,MCR01,1234567893,01/05/2025,01/07/2025,36415,,1,$15.00,I10,11\n"
                    "C2,2,P2,MCR01,1234567893,01/06/2025,01/08/2025,36415,,1,$15.00,I10,11\n")
    # Claims of one line take a payment no line fits (a downcode): those of nothing_fits have two.
    hostile.write("in/charges.csv", CLAIMS + (second_lines if case == "nothing_fits" else ""))
    hostile.write("in/pay.csv", "Claim #,CPT,Mod,DOS,Check #,Check Date,Paid Amt\n" + "\n".join(rows) + "\n")
    expect = 0 if case == "formula_cells" else 1
    reason = {"nothing_fits": "no line number, and no line of its claim has its procedure code and service date",
              "per_claim_of_no_claim": "no line number, and no usable line of its claim"}.get(case)
    run = hostile.run("import", "--infer-missing", "--claims", "in/charges.csv", "--payments", "in/pay.csv", "--out",
                      "imp", expect=expect, out="imp", names=["pay.csv", reason] if reason else [])
    if case == "formula_cells":
        assert "pay.csv (payments: CSV, UTF-8): 4 rows read = 1 used + 3 set aside" in run.out
        assert "1 payment(s) put on the one line of their claim" in run.out
    else:
        assert not hostile.path("imp/payments.csv").exists()


def test_import_column_for_the_claims_date_leaves_a_payment_reports_date_alone(hostile):
    """A claims export with both ``Date`` and ``Charge Date`` asks for ``--column service_date=Date``; that
    --column was applied to a payment report's ``Date`` too (the service date finds the line of a payment
    without a line number), so the payment date was lost: "no header for required field 'payment_date'",
    and ``--column payment_date=Date`` beside it was refused as two fields under one header (exit 2). In
    a payment report another field's header stays that field's; a report without line numbers finds
    its service date among its other headers."""
    hostile.write("in/charges.csv", CLAIMS.replace("DOS,Bill Date", "Date,Charge Date"))
    hostile.write("in/pay2.csv", "Claim ID,Line,Check #,Date,Paid\nC1,1,=EFT1,02/01/2025,90.00\n"
                                 "C2,1,EFT1,02/03/2025,80.00\n")
    hostile.write("in/pay3.csv", "Claim ID,CPT,DOS,Check #,Date,Paid\nC1,99213,01/05/2025,EFT2,02/04/2025,-90.00\n")
    hostile.run("import", "--claims", "in/charges.csv", "--payments", "in/pay2.csv", "--out", "ask", expect=1,
                out="ask", names=["charges.csv", "--column service_date=HEADER"])
    for also in ([], ["--column", "payment_date=Date"]):
        out = f"imp{len(also)}"
        hostile.run("import", "--infer-missing", "--claims", "in/charges.csv", "--payments", "in/pay2.csv",
                    "--payments", "in/pay3.csv", "--column", "service_date=Date", *also, "--out", out, expect=0,
                    out=out)
        pay, _, _ = read_csv_text(hostile.path(f"{out}/payments.csv"))
        assert pay["payment_date"].tolist() == ["2025-02-01", "2025-02-03", "2025-02-04"]
        assert pay["line_no"].tolist() == ["1", "1", "1"]
        claims, _, _ = read_csv_text(hostile.path(f"{out}/claim_lines.csv"))
        assert claims["service_date"].tolist() == ["2025-01-05", "2025-01-06"]


def _unnumbered(text: str) -> str:
    """The charges without their line number and bill date columns, as most charge exports come."""
    rows = [row.split(",") for row in text.splitlines()]
    return "".join(",".join(r[:1] + r[2:6] + r[7:]) + "\n" for r in rows)


def test_import_of_overlapping_charge_exports_without_line_numbers(hostile):
    """Two charge exports without line numbers or bill dates, the second repeating the first's claims
    (one with a formula for its number) and adding a line to C2: the lines are numbered in order,
    the repeats set aside and counted, the formula written guarded, and the summary says how."""
    first = _unnumbered(CLAIMS).replace("C1,", f"\"{EVIL}\",")
    hostile.write("in/jan.csv", first)
    hostile.write("in/feb.csv", first + "C2,P2,MCR01,1234567893,01/06/2025,36415,,1,$15.00,I10,11\n")
    run = hostile.run("import", "--infer-missing", "--claims", "in/jan.csv", "--claims", "in/feb.csv", "--out", "imp",
                      expect=0, out="imp")
    assert "feb.csv (claims: CSV, UTF-8): 3 rows read = 1 used + 2 set aside" in run.out
    assert "line_no: no column; each claim's lines numbered in the order the export lists them" in run.out
    raw, _, _ = read_csv_text(hostile.path("imp/claim_lines.csv"))
    assert list(zip(raw["claim_id"], raw["line_no"], raw["procedure_code"]))[1:] == [("C2", "1", "99214"),
                                                                                     ("C2", "2", "36415")]
    assert (raw["submitted_date"] == raw["service_date"]).all()


def test_import_of_a_file_named_twice_reads_it_once(hostile):
    """Named twice (another spelling of its path, a link to it), a file was read twice and every row of
    the second reading set aside as "the same claim_id and line_no came earlier from another file"."""
    hostile.write("in/charges.csv", CLAIMS)
    os.symlink("charges.csv", hostile.path("in/link.csv"))
    run = hostile.run("import", "--claims", "in/charges.csv", "--claims", "./in/charges.csv", "--claims",
                      "in/link.csv", "--out", "imp", expect=0, out="imp")
    assert "charges.csv (claims: CSV, UTF-8): 2 rows read = 2 used + 0 set aside" in run.out
    assert "./in/charges.csv: named twice as claims; read once" in run.out
    assert "in/link.csv: named twice as claims; read once" in run.out
    assert "set aside: the same claim_id" not in run.out and not hostile.path("imp/import_rejected_rows").exists()
    counts = list(csv.DictReader(open(hostile.path("imp/import_counts.csv"), encoding="utf-8")))
    assert [(r["file"], r["rows_read"], r["rows_used"]) for r in counts] == [("charges.csv", "2", "2")]


def _zipped(*members: tuple[str, str]) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for name, text in members:
            archive.writestr(name, text)
    return packed.getvalue()


@pytest.mark.parametrize("name, members, said", [
    ("charges.zip", [("charges.csv", CLAIMS)], "charges.zip: not a workbook but a zip archive holding charges.csv"),
    ("charges.docx", [("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>")],
     "charges.docx: not a workbook but a Word document (.docx)"),
    ("charges.xlsx", [("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>")],
     "charges.xlsx: not a workbook but a Word document (.docx)"),
    ("charges.pptx", [("[Content_Types].xml", "<Types/>"), ("ppt/presentation.xml", "<p:presentation/>")],
     "charges.pptx: not a workbook but a PowerPoint presentation (.pptx)"),
    ("charges.csv", [("charges.csv", CLAIMS), ("payments.csv", "Claim #\n")],
     "charges.csv: not a workbook but a zip archive holding charges.csv, payments.csv"),
])
def test_import_of_a_zip_that_is_no_workbook_says_what_it_is(hostile, name, members, said):
    """A zip given as an export (an archive of exports, a Word document, one renamed .xlsx) is named as
    what it is, not handed to the workbook readers and refused with their error."""
    hostile.write(f"in/{name}", _zipped(*members))
    hostile.run("import", "--claims", f"in/{name}", "--out", "imp", expect=1, out="imp", names=[said])


X12_CLAIM = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
             "*250102*1200*^*00501*000000001*0*P*:~"
             "GS*HC*SENDER*RECEIVER*20250102*1200*1*X*005010X222A1~ST*837*0001*005010X222A1~"
             "BHT*0019*00*B1*20250107*1200*CH~HL*1**20*1~NM1*85*2*CLINIC*****XX*1234567893~HL*2*1*22*0~"
             "SBR*P*18*******CI~NM1*IL*1*DOE*JANE****MI*P1~NM1*PR*2*PAYER*****PI*MCR01~"
             "CLM*C1*120***11:B:1*Y*A*Y*Y~HI*ABK:I10~LX*1~SV1*HC:99213*120*UN*1***1~DTP*472*D8*20250105~"
             "SE*14*0001~GE*1*1~IEA*1*000000001~")


def _web_page(text: str) -> str:
    """An export saved as a web page: the rows of CSV ``text`` as an HTML table."""
    rows = ("<tr>" + "".join(f"<td>{cell}</td>" for cell in line.split(",")) + "</tr>" for line in text.splitlines())
    return "<html><body><table>" + "".join(rows) + "</table></body></html>"


def _workbook(text: str) -> bytes:
    """An export saved as an .xlsx workbook: the rows of CSV ``text`` as one sheet's cells."""
    import openpyxl

    book, packed = openpyxl.Workbook(), io.BytesIO()
    for line in text.splitlines():
        book.active.append(line.split(","))
    book.save(packed)
    return packed.getvalue()


@pytest.mark.parametrize("name, text", [(b"in/cl\xe9ims.csv", CLAIMS), (b"in/cl\xe9ims.837", X12_CLAIM),
                                        (b"in/837s/cl\xe9ims.837", X12_CLAIM),
                                        (b"in/cl\xe9ims.xls", _web_page(CLAIMS)),
                                        (b"in/cl\xe9ims.csv", _workbook(CLAIMS))])
def test_import_of_a_file_whose_name_is_not_utf8(hostile, name, text):
    """A name made on another system (Latin-1 ``\\xe9``) reaches Python with a surrogate that no UTF-8
    table or Arrow array takes: it ended in "unexpected error: UnicodeEncodeError". It is shown as
    ``cl\\xe9ims`` in the counts and messages, and the file is read; so is the note saying a web page
    named .xls was read as one (it still held the raw name, and writing the summary failed). A workbook
    so named was "not a readable workbook": python-calamine could not open the name, and openpyxl
    refuses a .csv one."""
    hostile.write(os.fsdecode(name), text)
    given = "in/837s" if b"837s" in name else os.fsdecode(name)
    run = hostile.run("import", "--claims", given, "--out", "imp", expect=0, out="imp")
    assert "cl\\xe9ims" in run.out
    counts = hostile.path("imp/import_counts.csv").read_text(encoding="utf-8")
    assert "cl\\xe9ims" in counts and ",claims,claim_lines.csv," in counts
    if name.endswith(b".xls"):
        assert "cl\\xe9ims.xls holds a web page" in hostile.path("imp/summary.txt").read_text(encoding="utf-8")
    if isinstance(text, bytes) and name.endswith(b".csv"):
        assert "cl\\xe9ims.csv holds an Excel workbook" in hostile.path("imp/summary.txt").read_text(encoding="utf-8")


def test_import_stopping_names_the_reason_the_values_it_quotes_failed(hostile):
    """An 837 whose member ids (NM109) are blank in one claim and hold a NUL byte in two (found by fuzzing):
    the message said NM109 "expected a value (this column may not be blank) but held values like 'P\\x002'",
    the first reason met beside the values another reason set aside."""
    members = ["MI*~", "MI*P\x002~", "MI*P\x003~"]
    hostile.write("in/c.837", "".join(X12_CLAIM.replace("CLM*C1*", f"CLM*C{n}*").replace("MI*P1~", member)
                                      for n, member in enumerate(members, 1)))
    run = hostile.run("import", "--claims", "in/c.837", "--out", "imp", expect=1, out="imp", names=["c.837"])
    assert ("most often element NM109 of 2010CA/2010BA (2 rows), which expected an id or code without control "
            "characters") in run.err and "but held values like 'P\\x002', 'P\\x003'" in run.err


def test_import_reads_a_byte_order_mark_before_windows_1252_in_that_encoding(hostile):
    """A tool that writes a UTF-8 byte-order mark and then the office's code page (``Peña``, ``Zoë`` in
    Windows-1252): the bytes after the mark were taken as UTF-8 unchecked, and the import ended in
    "unexpected error: UnicodeDecodeError". They are read as a file without the mark is, and the
    summary names the encoding used."""
    text = CLAIMS.replace(",P1,", ",Peña,").replace(",P2,", ",Zoë,")
    hostile.write("in/charges.csv", b"\xef\xbb\xbf" + text.encode("cp1252"))
    run = hostile.run("import", "--claims", "in/charges.csv", "--out", "imp", expect=0, out="imp")
    assert "charges.csv (claims: CSV, Windows-1252): 2 rows read = 2 used + 0 set aside" in run.out
    raw, _, _ = read_csv_text(hostile.path("imp/claim_lines.csv"))
    assert raw["patient_id"].tolist() == ["Peña", "Zoë"]


@pytest.mark.parametrize("name, text, said", [
    (b"in/cl\xe9ims.docx", _zipped(("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>")),
     "cl\\xe9ims.docx: not a workbook but a Word document"),
    (b"in/cl\xe9ims.csv", b"", "cl\\xe9ims.csv: the file is empty"),
    (b"in/cl\xe9ims.xls", "<html><p>Please sign in</p><table></table></html>",
     "cl\\xe9ims.xls: a web page (HTML) with no table"),
    (b"in/cl\xe9ims.xlsx", b"PK\x03\x04 cut short", "cl\\xe9ims.xlsx: not a readable workbook"),
])
def test_import_refusing_a_file_whose_name_is_not_utf8_shows_its_name_as_the_summary_does(hostile, name, text, said):
    """The messages refusing an export name it as the counts and the summary do (``cl\\xe9ims``), not
    with the surrogate Python keeps for the Latin-1 byte (printed ``cl\\udce9ims``)."""
    hostile.write(os.fsdecode(name), text)
    hostile.run("import", "--claims", os.fsdecode(name), "--out", "imp", expect=1, out="imp", names=[said])


@pytest.mark.parametrize("kind", ["claims", "payments", "coverage", "documentation"])
def test_import_of_an_export_named_that_links_to_a_missing_file_names_the_missing_file(hostile, kind):
    """An export given by name that is a link to a file since moved was "moved.csv: file not found in .":
    the link exists, what is missing is its target. It is said in the words recoup remit and the 837
    reader use (:func:`recoup_lib.x12.link_to_nothing`)."""
    hostile.write("in/charges.csv", CLAIMS)
    hostile.path("moved.csv").symlink_to(hostile.path("archive/gone.csv"))
    given = {"claims": "moved.csv"} if kind == "claims" else {"claims": "in/charges.csv", kind: "moved.csv"}
    argv = [part for option, name in given.items() for part in (f"--{option}", name)]
    run = hostile.run("import", *argv, "--out", "imp", expect=1, out="imp")
    assert f"moved.csv: {link_to_nothing(hostile.path('moved.csv'))}" in run.err, run.err
    assert "file not found" not in run.err


@pytest.mark.parametrize("given", ["claims", "payments", "hidden only"])
def test_import_of_a_folder_holding_no_file_is_exit_1_naming_it(hostile, given):
    """An empty folder of 837s (or one holding only hidden files) gave exit 0, "wrote 4 files" and no
    claim_lines.csv; an empty folder of 835s gave an empty payments.csv. Both are refused."""
    hostile.path("in/x12").mkdir(parents=True)
    hostile.write("in/charges.csv", CLAIMS)
    if given == "hidden only":
        hostile.write("in/x12/.sent/claims.837", X12_CLAIM)
    argv = ["--claims", "in/charges.csv", "--payments", "in/x12"] if given == "payments" else ["--claims", "in/x12"]
    hostile.run("import", *argv, "--out", "imp", expect=1, out="imp", names=["in/x12", "holds no file"])
    assert not hostile.path("imp").exists()


@pytest.mark.parametrize("given, said, why", [
    ("in/x12/c.837", "c.837: no payments to import: the file holds", "c.837, segment 3 (ST), element ST01: expected "
                                                                     "ST01 = 835"),
    ("in/x12", "x12/: no payments to import: the folder holds", "c.837: expected an 835 file to read")])
def test_import_of_payments_given_837s_only_is_exit_1_naming_them(hostile, given, said, why):
    """837s given as --payments (a file, or a folder holding no 835) gave exit 0, "next: recoup audit" and
    a payments.csv of its header alone: the 835 reader skipped each file and no payment file was counted."""
    hostile.write("in/charges.csv", CLAIMS)
    hostile.write("in/x12/c.837", X12_CLAIM)
    run = hostile.run("import", "--claims", "in/charges.csv", "--payments", given, "--out", "imp", expect=1,
                      out="imp", names=[said + " no claim payment (CLP)"])
    assert why in run.out
    assert not hostile.path("imp/payments.csv").exists()


@pytest.mark.parametrize("argv", [["score", "/dev/zero", "/dev/zero"],
                                  ["exercises", "grade", "/dev/zero", "--out", "grades.csv"],
                                  ["remit", "/dev/zero", "--out", "remit"],
                                  ["import", "--claims", "/dev/zero", "--out", "imported"]])
def test_a_device_given_as_an_input_is_refused_at_once_naming_it(hostile, argv):
    """/dev/zero never ends: read, it would fill memory; every command refuses it before reading."""
    hostile.run(*argv, expect=1, out=argv[-1] if "--out" in argv else None, names=["not a regular file"])


@pytest.mark.parametrize("argv", [["import", "--claims", "in/charges.csv", "--documentation", "loop.csv", "--out", "imp"],
                                  ["reference", "import-ptp", "loop.csv", "--out", "ptp.csv"],
                                  ["exercises", "grade", "answers", "--out", "grades.csv"],
                                  ["remit", *(f"in/{n}.835" for n in range(11)), "loop.csv", "--out", "remit"]])
def test_a_link_that_leads_back_to_itself_is_named_as_a_loop(hostile, argv):
    """A symbolic link to itself, given as an input or found in a folder given, ended in "unexpected error:
    RuntimeError: Symlink loop" (Python's ``Path.resolve`` raises it, before Python 3.13) in every
    command that compares its inputs' paths. It is named for what it is; remit reads the other files."""
    hostile.write("in/charges.csv", CLAIMS)
    for n in range(11):
        hostile.write(f"in/{n}.835", _x12("835", n))
    hostile.path("loop.csv").symlink_to("loop.csv")
    hostile.path("answers/ana").mkdir(parents=True)
    hostile.path("answers/ana/ex01_spot_the_cause.json").symlink_to("ex01_spot_the_cause.json")
    said = "Too many levels of symbolic links" if argv[0] in ("remit", "exercises") else "a loop of links"
    hostile.run(*argv, expect=0 if argv[0] == "remit" else 1, out=argv[-1], names=[said])


def _x12(kind: str, n: int) -> str:
    """A small 835 or 837 whose claim (and trace number) is its own: ``n`` tells files apart."""
    if kind == "835":
        return _remit_text(claim_id=f"C{n:07}", trace=f"TRACE{n}", plb_ref=f"C{n:07}")
    return X12_CLAIM.replace("CLM*C1*", f"CLM*C{n}*")


def _walked_by_both(hostile, build) -> tuple[dict, dict]:
    """``recoup remit`` on a folder of 835s and ``recoup import`` on the same folder made of 837s
    (``build(folder, kind)`` fills each): per file found, ``(status, reason)``, with 835 and 837
    written ``KIND``, so that the two can be compared: each command gives its reasons in its own frame
    (``an 835 file to read; this is REASON``, ``skipped (in a folder of 837s): REASON``)."""
    for kind in ("835", "837"):
        build(hostile.path(f"in/{kind}s"), kind)
    hostile.run("remit", "in/835s", "--out", "r", expect=0, out="r")
    remit = {}
    with open(hostile.path("r/files.csv"), encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            remit[row["file"]] = ["read" if row["status"] == "read" else "skipped", ""]
    with open(hostile.path("r/warnings.csv"), encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["action"] == "skipped":
                remit[row["file"]][1] = row["expected"].removeprefix("an 835 file to read; this is ")
    run = hostile.run("import", "--claims", "in/837s", "--out", "imp", expect=0, out="imp")
    imported = {row["file"]: ["read" if int(row["rows_used"]) else "skipped", ""]
                for row in csv.DictReader(io.StringIO(hostile.path("imp/import_counts.csv").read_text("utf-8")))}
    label = None
    for line in run.out.splitlines():
        if " (claims: 837): " in line:
            label = line.split(" (claims: 837): ")[0]
        elif line.startswith("  skipped (in a folder of 837s): "):
            imported[label][1] = line.removeprefix("  skipped (in a folder of 837s): ")
        elif ": skipped (in a folder of 837s): " in line:
            name, reason = line.split(": skipped (in a folder of 837s): ")
            imported[name] = ["skipped", reason]

    def common(text: str) -> str:
        return text.replace("835", "KIND").replace("837", "KIND")

    return ({common(name): (status, common(reason)) for name, (status, reason) in found.items()}
            for found in (remit, imported))


def test_remit_and_import_walk_a_folder_alike(hostile):
    """``recoup import`` walked a folder of 837s with a walk of its own: a linked folder was not read,
    a hidden file or a link back up passed over in silence, a PDF opened. It now walks it as
    ``recoup remit`` walks a folder of 835s: the same files read, the same skipped, for the same reasons
    (a link to a file that does not exist too: its words, once written by each reader, are written once)."""
    archives = hostile.path("archive")

    def build(folder: Path, kind: str) -> None:
        hostile.write(f"archive/{kind}/c.{kind}", _x12(kind, 3))
        hostile.write(f"in/{folder.name}/a.{kind}", _x12(kind, 1))
        hostile.write(f"in/{folder.name}/2024/b.{kind}", _x12(kind, 2))
        hostile.write(f"in/{folder.name}/.b.{kind}", _x12(kind, 4))
        hostile.write(f"in/{folder.name}/empty.{kind}", "")
        hostile.write(f"in/{folder.name}/notes.pdf", b"%PDF-1.7")
        (folder / "linked").symlink_to(archives / kind, target_is_directory=True)
        (folder / "again").symlink_to(folder, target_is_directory=True)
        (folder / f"moved.{kind}").symlink_to(archives / f"gone.{kind}")

    remit, imported = _walked_by_both(hostile, build)
    assert remit == imported
    moved = link_to_nothing(hostile.path("in/837s/moved.837"))   # the words both commands take from recoup_lib.x12
    assert imported["moved.KIND"] == ("skipped", moved.replace("837", "KIND"))
    # Named: recoup remit said "file not found" of the link; it names the file missing, as read_837 does.
    hostile.run("remit", "in/835s/moved.835", "--out", "r-moved", expect=1, out="r-moved")
    rejected = hostile.path("r-moved/rejected.csv").read_text("utf-8")
    assert f"a readable file ({link_to_nothing(hostile.path('in/835s/moved.835'))})" in rejected, rejected
    # An empty file was "not X12 (no ISA header ...)", as if its format were wrong; it holds nothing.
    assert imported["empty.KIND"] == ("skipped", "an empty file, 0 bytes: a download or copy that did not finish?")
    assert {name: status for name, (status, _) in imported.items()} == {
        "a.KIND": "read", "b.KIND": "read", "c.KIND": "read", "empty.KIND": "skipped", "again": "skipped",
        ".b.KIND": "skipped", "notes.pdf": "skipped", "moved.KIND": "skipped"}
    assert imported["again"][1].startswith("a link to a folder already read")
    assert imported[".b.KIND"][1] == "a hidden file (not read)"
    assert imported["notes.pdf"][1] == "a .pdf document, not an KIND"


#: What Excel leaves beside a workbook while it is open: the length of its owner's name, the name padded
#: with spaces, then the name again in UTF-16 (165 bytes in all).
_EXCEL_LOCK = (bytes([10]) + b"Dana Smith".ljust(53) + b"\x00\x0a\x00"
               + "Dana Smith".encode("utf-16-le")).ljust(165, b" ")


def test_an_office_lock_file_is_named_as_such_by_remit_and_import(hostile):
    """``~$Book1.xlsx``, the lock file Excel leaves beside an open workbook in the folder an office saves
    its 835s and 837s to, was "a .xlsx document, not an 835"; named explicitly, "not X12" to ``recoup
    remit`` and "binary data: a PDF, an image or a damaged file?" to ``recoup import``. Both commands
    now name it an Office lock file, whatever its extension, in a folder and named explicitly."""
    lock = "an Office lock file (~$...), left while the document is open"

    def build(folder: Path, kind: str) -> None:
        hostile.write(f"in/{folder.name}/a.{kind}", _x12(kind, 1))
        hostile.write(f"in/{folder.name}/~$Book1.xlsx", _EXCEL_LOCK)
        hostile.write(f"in/{folder.name}/~$port.docx", _EXCEL_LOCK[:162])

    remit, imported = _walked_by_both(hostile, build)
    assert remit == imported
    assert imported["~$Book1.xlsx"] == imported["~$port.docx"] == ("skipped", lock)
    assert imported["a.KIND"] == ("read", "")
    hostile.run("remit", "in/835s/~$Book1.xlsx", "--out", "r-lock", expect=1, out="r-lock")
    assert f"an 835 file to read; this is {lock}" in hostile.path("r-lock/warnings.csv").read_text("utf-8")
    for option in ("--claims", "--payments"):
        given = [] if option == "--claims" else ["--claims", "in/837s/a.837"]
        hostile.run("import", *given, option, "in/835s/~$Book1.xlsx", "--out", "imp-lock", expect=1,
                    names=["~$Book1.xlsx", lock + ", not the export; give the document itself"])


def test_remit_and_import_name_what_is_no_x12_alike(hostile):
    """The 837 reader named a file that is no X12 by its byte signature alone: a web page saved in
    the 837's place, or a PDF after a UTF-8 byte-order mark, was "not an X12 file". Both commands now
    ask one function, before cutting the file: the same bytes are named the same, in the same words,
    in a folder and named explicitly (where ``recoup import`` takes a file that is no X12 for an
    export, and says what it is: a PDF after a byte-order mark was "no header for required field").
    X12 saved as UTF-16 is read by both (``recoup import`` refused it); X12 in lower case is named
    as such by both (``recoup remit`` said it was no X12)."""
    page = "\r\n<!DOCTYPE html><html><body>Session expired, sign in again</body></html>"

    def build(folder: Path, kind: str) -> None:
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_STORED) as archive:  # stored: its X12 shows through
            archive.writestr(f"sent.{kind}", _x12(kind, 9))
        for name, data in ((f"zipped.{kind}", packed.getvalue()), (f"print.{kind}", b"%PDF-1.7\n%\xe2\xe3"),
                           (f"marked.{kind}", b"\xef\xbb\xbf%PDF-1.7\n"), (f"page.{kind}", page.encode()),
                           (f"unicode-page.{kind}", page.encode("utf-16")),
                           (f"bom.{kind}", b"\xef\xbb\xbf" + _x12(kind, 1).encode()),
                           (f"unicode.{kind}", _x12(kind, 2).encode("utf-16")),
                           (f"unmarked.{kind}", _x12(kind, 3).encode("utf-16-le")),
                           (f"lower.{kind}", _x12(kind, 4).lower()), (f"notes.{kind}", "Call the payer back\n"),
                           (f"blank.{kind}", "\r\n \r\n")):
            hostile.write(f"in/{folder.name}/{name}", data)

    remit, imported = _walked_by_both(hostile, build)
    web_page = "not X12 but an HTML page (a web page saved instead of the KIND file?)"
    expected = {"zipped.KIND": "not X12 but a zip archive holding sent.KIND (unzip it and give the files it "
                               "holds, or their folder)",
                "print.KIND": "not X12 but a PDF document", "marked.KIND": "not X12 but a PDF document",
                "page.KIND": web_page, "unicode-page.KIND": web_page,
                "lower.KIND": "X12 whose segment ids are in lower case; give the file as its sender wrote it, with "
                              "segment ids in capitals",
                "notes.KIND": "not X12 (no ISA header or ST near its start)",
                "blank.KIND": "an empty file, nothing but blank space: a download or copy that did not finish?"}
    assert {name: said for name, (_, said) in remit.items() if name in expected} == expected
    assert {name: said for name, (_, said) in imported.items() if name in expected} == expected
    for name in ("bom.KIND", "unicode.KIND", "unmarked.KIND"):
        assert remit[name] == imported[name] == ("read", ""), name
    # Named explicitly: recoup remit sets the file aside saying what it is; recoup import reads it as an export
    # and says what it is too, or refuses X12 in lower case saying so.
    for name, what in (("page", "not X12 but an HTML page"), ("marked", "not X12 but a PDF document"),
                       ("zipped", "not X12 but a zip archive holding"),
                       ("lower", "X12 whose segment ids are in lower case")):
        run = hostile.run("remit", f"in/835s/{name}.835", "--out", f"r-{name}", expect=1, out=f"r-{name}")
        assert f"an X12 835 file; this is {what}" in hostile.path(f"r-{name}/rejected.csv").read_text("utf-8"), run
    for kind, option in (("837", "--claims"), ("835", "--payments")):
        given = [] if kind == "837" else ["--claims", "in/837s/bom.837"]
        for name, what in (("page", "a web page (HTML)"), ("print", "a PDF document"), ("marked", "a PDF document"),
                           ("zipped", "a zip archive holding"), ("lower", "X12 whose segment ids are in lower case")):
            run = hostile.run("import", *given, option, f"in/{kind}s/{name}.{kind}", "--out", "imp2", expect=1,
                              names=[f"{name}.{kind}", what])
            assert "no header for required field" not in run.err, run


@pytest.mark.parametrize(("name", "data", "what"), [
    ("deposits.csv", "claim_id,amount\nC1,10.00\n", "not X12 (no ISA header or ST near its start)"),
    ("era.835", "claim_id,amount\nC1,10.00\n", "not X12 (no ISA header or ST near its start)"),
    ("letter.txt", "Dear provider,\nWe have reviewed your claim.\n", "not X12 (no ISA header or ST near its start)"),
    ("print.pdf", b"%PDF-1.7\n%\xe2\xe3", "not X12 but a PDF document"),
])
def test_remit_names_a_file_given_that_is_no_x12_as_a_folders_walk_does(hostile, name, data, what):
    """A CSV or a letter named to ``recoup remit`` was set aside with the tokenizer's words, "expected an ISA
    interchange header (or ST for a bare transaction); got 'claim_id,amount'", where a folder's walk (and
    ``recoup import``) says it is no X12. It is now set aside saying so, its first line shown."""
    hostile.write(f"in/{name}", data)
    run = hostile.run("remit", f"in/{name}", "--out", "r", expect=1, out="r", names=[name, what])
    assert "ISA interchange header" not in run.out + run.err, run
    rows = list(csv.DictReader(io.StringIO(hostile.path("r/rejected.csv").read_text("utf-8"))))
    assert [(row["file"], row["expected"], row["action"]) for row in rows] == [
        (name, f"an X12 835 file; this is {what}", "file set aside")]


def test_remit_still_reads_x12_that_does_not_look_like_it_at_its_start(hostile):
    """What is said of a file named that does not look like X12 changes only when the tokenizer finds
    none in it: a transaction sent bare after a banner line is read as before."""
    bare = _remit_text().split("ST*835*", 1)[1].rsplit("GE*", 1)[0]
    hostile.write("in/banner.835", "Remittance advice printed 2025-01-05\nST*835*" + bare)
    hostile.run("remit", "in/banner.835", "--out", "r", expect=0, out="r")
    rows = list(csv.DictReader(io.StringIO(hostile.path("r/files.csv").read_text("utf-8"))))
    assert [(row["file"], row["status"]) for row in rows] == [("banner.835", "read")]


def test_import_reads_utf16_x12_as_remit_does(hostile):
    """``recoup remit`` read a UTF-16 835 (with or without a byte-order mark) while ``recoup import`` refused
    a UTF-16 837 or 835 ("save it as plain text"). Both now read it, transcoded once, with a warning; the
    claims and payments are those of the same file saved as plain text."""
    for codec in ("utf-16", "utf-16-le"):
        hostile.write(f"in/{codec}/claims.837", _x12("837", 1).encode(codec))
        hostile.write(f"in/{codec}/paid.835", _remit_text(claim_id="C1").encode(codec))
    hostile.write("in/plain/claims.837", _x12("837", 1))
    hostile.write("in/plain/paid.835", _remit_text(claim_id="C1"))
    tables = {}
    for folder in ("plain", "utf-16", "utf-16-le"):
        run = hostile.run("import", "--claims", f"in/{folder}/claims.837", "--payments", f"in/{folder}/paid.835",
                          "--out", f"imp-{folder}", expect=0, out=f"imp-{folder}")
        tables[folder] = [hostile.path(f"imp-{folder}/{name}").read_text("utf-8")
                          for name in ("claim_lines.csv", "payments.csv")]
        said = "expected UTF-8 text (the file was read as UTF-16)"
        assert (said in run.out) == (folder != "plain"), run.out
        remit = hostile.run("remit", f"in/{folder}/paid.835", "--out", f"r-{folder}", expect=0, out=f"r-{folder}")
        assert (said in hostile.path(f"r-{folder}/warnings.csv").read_text("utf-8")) == (folder != "plain"), remit
    assert tables["utf-16"] == tables["utf-16-le"] == tables["plain"]
    assert "C1" in tables["plain"][1]


# --- rows of commas (an empty row as Excel saves it) in the files the commands after the audit read ---


def _add_rows_of_commas(path: Path) -> int:
    """Add three empty rows as Excel saves them to a CSV: ``,,,,`` after its first row, then at its end
    one with a space left in a cell and one shorter than the header (``,,``). Returns how many."""
    lines = path.read_text(encoding="utf-8").splitlines()
    width = lines[0].count(",")
    lines = lines[:2] + ["," * width] + lines[2:] + [" " + "," * width, ",,"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 3


def _without_and_with_rows_of_commas(hostile, files, *argv, out="out"):
    """Run ``recoup ARGV`` on a practice as generated and on one whose ``files`` hold rows of commas
    (``{folder}`` in ``argv``: the practice); return both runs and their outputs' folders."""
    runs = []
    for case in ("without", "with"):
        folder = hostile.practice(f"practice_{case}")
        if case == "with":
            for name in files:
                _add_rows_of_commas(folder / name)
        where = f"{out}_{case}"
        runs.append((hostile.run(*[a.format(folder=folder) for a in argv], "--out", where, expect=0, out=where),
                     hostile.path(where)))
    return runs


def test_appeal_skips_and_counts_rows_of_commas_in_notices_and_payers(hostile):
    """A row of commas in notices.csv or payers.csv was set aside as a row of blanks, a message per empty
    required cell in rejected.csv; now skipped as the audit's files' are, and counted."""
    (_, without), (run, with_commas) = _without_and_with_rows_of_commas(
        hostile, ["notices.csv", "payers.csv"], "appeal", "{folder}", "--as-of", AS_OF)
    for name in ("decisions.csv", "rejected.csv", "worklist.csv"):
        assert (with_commas / name).read_bytes() == (without / name).read_bytes(), name
    said = [line.strip() for line in run.out.splitlines()]
    assert any(line.startswith("notices.csv: ") and line.endswith(" set aside + 3 blank row(s) skipped")
               for line in said), run.out
    assert any(line.startswith("payers.csv: ") and line.endswith(" set aside + 3 blank row(s) skipped")
               for line in said), run.out


def test_reconcile_skips_and_counts_rows_of_commas_in_notices(hostile):
    (_, without), (run, with_commas) = _without_and_with_rows_of_commas(
        hostile, ["notices.csv", "payers.csv"], "reconcile", "{folder}/remits", "--notices", "{folder}/notices.csv",
        "--payers", "{folder}/payers.csv")
    assert not (with_commas / "notices_rejected.csv").exists()
    for name in ("open_ledger.csv", "recoupment_links.csv"):
        assert (with_commas / name).read_bytes() == (without / name).read_bytes(), name
    assert " + 3 blank row(s) skipped; as of " in run.out
    counts = read_json(with_commas / "summary.json")
    assert counts["notices_blank_rows_skipped"] == 3
    assert counts["notices_read"] == counts["notices_used"] + counts["notices_set_aside"] + 3


def test_report_skips_and_counts_rows_of_commas_in_notices_payers_and_recoupments(hostile):
    """recoupments.csv (written by recoup remit, perhaps opened and saved again) too."""
    hostile.run("remit", hostile.practice("remitted") / "remits", "--out", "remit", expect=0, out="remit")
    runs = []
    for case in ("without", "with"):
        folder = hostile.practice(f"practice_{case}")
        shutil.copy(hostile.path("remit") / "recoupments.csv", folder / "recoupments.csv")
        if case == "with":
            for name in ("notices.csv", "payers.csv", "recoupments.csv"):
                _add_rows_of_commas(folder / name)
        where = f"report_{case}"
        runs.append((hostile.run("report", folder, "--as-of", AS_OF, "--out", where, expect=0, out=where),
                     hostile.path(where)))
    (_, without), (run, with_commas) = runs
    assert (with_commas / "metrics.csv").read_bytes() == (without / "metrics.csv").read_bytes()
    assert (with_commas / "rejected.csv").read_bytes() == (without / "rejected.csv").read_bytes()
    shown = run.out + run.err + "".join(p.read_text(encoding="utf-8") for p in with_commas.glob("*.md"))
    for name in ("notices.csv", "payers.csv", "recoupments.csv"):
        said = [line for line in shown.splitlines() if f"{name}: " in line and "rows read" in line]
        assert said and all(" + 3 blank row(s) skipped" in line for line in said), (name, said)


def test_import_counts_rows_of_commas_the_exact_reader_reads(hostile):
    """A row of commas shorter than the header sends an export to the exact reader, which dropped every
    row of commas uncounted (Arrow's reader keeps them, and the import counts them as blank rows). The
    import counted them apart from the rows read ("60 rows read = 60 used + 0 set aside; 3 blank rows
    ignored"); it now counts them among the rows read, worded as the audit words them."""
    (_, without), (run, with_commas) = _without_and_with_rows_of_commas(
        hostile, ["claim_lines.csv"], "import", "--claims", "{folder}/claim_lines.csv")
    assert (with_commas / "claim_lines.csv").read_bytes() == (without / "claim_lines.csv").read_bytes()
    assert "63 rows read = 60 used + 0 set aside + 3 blank row(s) skipped" in run.out
    with open(with_commas / "import_counts.csv", encoding="utf-8", newline="") as handle:
        counts = list(csv.DictReader(handle))
    assert [(r["rows_read"], r["rows_used"], r["rows_set_aside"], r["blank_rows_skipped"]) for r in counts] == [
        ("63", "60", "0", "3")]
