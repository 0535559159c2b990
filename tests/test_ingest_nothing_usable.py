"""``recoup import`` never reports success on nothing, reads 837s without LX, refuses a malformed
``--map`` and an X12 or CSV file it would misread (UTF-16, lower case) with a message naming the file."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
from ingest_helpers import in_forked_child

from recoup_lib.cli import main
from recoup_lib.errors import InputError
from recoup_lib.ingest import import_files, load_mapping

CLAIMS = "Claim #,Line,Patient Acct,Payer,Rendering NPI,DOS,Bill Date,CPT,Mod 1,Mod 2,Units,Charges,Dx 1,POS"
ROWS = ["C1,1,P1,MCR01,1234567893,01/05/2025,01/07/2025,99213,25,,1,$120.00,I10,11",
        "C1,2,P1,MCR01,1234567893,01/05/2025,01/07/2025,36415,,,1,$15.00,I10,11"]
PAYMENTS = "Claim #,Line,Check/EFT #,Payment Date,Allowed Amt,Paid Amt"
PAID = ["C1,1,EFT1,02/20/2025,$80.00,$64.00"]
ACCOUNTS = ["import_counts.csv", "import_rejected.csv", "mapping.json", "summary.txt"]

ISA = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250102*1200*^*00501*"
       "000000001*0*P*:~")
HEAD = ["GS*HC*SENDER*RECEIVER*20250102*1200*1*X*005010X222A1", "ST*837*0001*005010X222A1",
        "BHT*0019*00*B1*20250102*1200*CH", "NM1*41*2*CLINIC*****46*111", "NM1*40*2*PAYER*****46*P1",
        "HL*1**20*1", "NM1*85*2*CLINIC*****XX*1111111111", "HL*2*1*22*0", "SBR*P*18*******CI",
        "NM1*IL*1*DOE*JANE****MI*M1", "NM1*PR*2*PAYER*****PI*P1"]
TAIL = ["SE*0*0001", "GE*1*1", "IEA*1*000000001"]


def x12(segments: list[str]) -> str:
    return ISA + "\n" + "".join(s + "~\n" for s in HEAD + segments + TAIL)


def write(path, lines: list[str]):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(tmp_path, capsys, *argv) -> tuple[int, str, str]:
    code = main(["import", *map(str, argv), "--out", str(tmp_path / "out")])
    got = capsys.readouterr()
    return code, got.out, got.err


def written(tmp_path) -> list[str]:
    out = tmp_path / "out"
    return sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) if out.exists() else []


def test_header_only_claims_exit_1_naming_the_file_and_write_only_the_accounts(tmp_path, capsys):
    claims = write(tmp_path / "charges.csv", [CLAIMS])
    payments = write(tmp_path / "payments.csv", [PAYMENTS])
    code, out, err = run(tmp_path, capsys, "--claims", claims, "--payments", payments)
    assert code == 1
    assert "charges.csv (claims: CSV, UTF-8): 0 rows read = 0 used + 0 set aside" in out
    assert ("charges.csv: no claim lines to import: the file holds no data row below the header, "
            "so no audit folder can be made.") in err
    assert "import_counts.csv" in err and "wrote" not in out
    assert written(tmp_path) == ACCOUNTS
    counts = pd.read_csv(tmp_path / "out" / "import_counts.csv")
    assert counts[["file", "rows_read", "rows_used"]].values.tolist() == [["charges.csv", 0, 0],
                                                                           ["payments.csv", 0, 0]]


def test_header_only_payments_given_with_good_claims_exit_1_naming_the_payments(tmp_path, capsys):
    claims = write(tmp_path / "charges.csv", [CLAIMS, *ROWS])
    payments = write(tmp_path / "pay.csv", [PAYMENTS])
    code, _, err = run(tmp_path, capsys, "--claims", claims, "--payments", payments)
    assert code == 1
    assert "pay.csv: no payments to import: the file holds no data row below the header" in err
    assert written(tmp_path) == ACCOUNTS
    with pytest.raises(InputError, match="pay.csv: no payments to import"):
        import_files(claims, payments=payments).write(tmp_path / "api")
    assert not (tmp_path / "api").exists()


def test_claims_of_only_title_and_total_rows_exit_1(tmp_path, capsys):
    claims = write(tmp_path / "charges.csv", ["Sunrise Clinic - Charge Detail", CLAIMS,
                                              "TOTAL,,,,,,,,,,2,$135.00,,"])
    code, out, err = run(tmp_path, capsys, "--claims", claims)
    assert code == 1 and "2 rows read = 0 used + 2 set aside" in out
    assert "charges.csv: no claim lines to import: the file holds only title, total" in err
    assert "import_rejected.csv" in err and "claim_lines.csv" not in written(tmp_path)


def test_header_only_workbook_exits_1(tmp_path, capsys):
    book = openpyxl.Workbook()
    book.active.append(CLAIMS.split(","))
    book.save(tmp_path / "charges.xlsx")
    code, _, err = run(tmp_path, capsys, "--claims", tmp_path / "charges.xlsx")
    assert code == 1 and "charges.xlsx: no claim lines to import" in err
    assert written(tmp_path) == ACCOUNTS


def test_an_837_without_service_lines_exits_1(tmp_path, capsys):
    path = tmp_path / "c.837"
    path.write_text(x12(["CLM*C1*50***11:B:1*Y*A*Y*Y", "HI*ABK:J069"]))
    code, out, err = run(tmp_path, capsys, "--claims", path)
    assert code == 1 and "c.837 (claims: 837): 0 rows read = 0 used + 0 set aside" in out
    assert "c.837: no claim lines to import: the file holds no claim service line (CLM with SV1 or SV2)" in err
    assert written(tmp_path) == ACCOUNTS


def test_an_837_without_lx_reads_each_sv1_as_a_line_numbered_by_its_order(tmp_path, capsys):
    path = tmp_path / "c.837"
    path.write_text(x12(["CLM*C1*75***11:B:1*Y*A*Y*Y", "HI*ABK:E119*ABF:I10",
                         "SV1*HC:99213:25*60*UN*1***1", "DTP*472*D8*20250105", "REF*6R*C1-A",
                         "SV1*HC:36415*15*UN*1***2", "DTP*472*D8*20250106",
                         "NM1*82*1*ROE*RAY****XX*2222222222",
                         "CLM*C2*10***22:B:1*Y*A*Y*Y", "DTP*472*D8*20250110", "HI*ABK:Z0000",
                         "SV1*HC:99211*10*UN*1***1"]))
    code, out, _ = run(tmp_path, capsys, "--claims", path)
    assert code == 0 and "c.837 (claims: 837): 3 rows read = 3 used + 0 set aside" in out
    assert "c.837, segment 15: warning: claims without LX segments" in out
    lines = pd.read_csv(tmp_path / "out" / "claim_lines.csv", dtype=str, keep_default_na=False)
    got = lines[["claim_id", "line_no", "procedure_code", "service_date", "line_control", "rendering_npi",
                 "diagnosis_codes"]].values.tolist()
    assert got == [["C1", "1", "99213", "2025-01-05", "C1-A", "1111111111", "E11.9"],
                   ["C1", "2", "36415", "2025-01-06", "", "2222222222", "I10"],
                   ["C2", "1", "99211", "2025-01-10", "", "1111111111", "Z00.00"]]


def test_an_sv1_before_the_first_lx_of_its_claim_is_set_aside_and_counted(tmp_path, capsys):
    path = tmp_path / "c.837"
    path.write_text(x12(["CLM*C1*75***11:B:1*Y*A*Y*Y", "HI*ABK:I10", "DTP*472*D8*20250105",
                         "SV1*HC:99999*5*UN*1***1", "LX*1", "SV1*HC:99213*60*UN*1***1"]))
    code, out, _ = run(tmp_path, capsys, "--claims", path)
    assert code == 0 and "c.837 (claims: 837): 2 rows read = 1 used + 1 set aside" in out
    aside = pd.read_csv(tmp_path / "out" / "import_rejected.csv", dtype=str)
    assert aside[["row", "reason", "row_as_read"]].values.tolist() == [
        ["16", "a service line before its claim's first LX (its line number is unknown)",
         "SV1*HC:99999*5*UN*1***1"]]


@pytest.mark.parametrize(("document", "key", "expected"), [
    ({"columns": {"claims": {"claim_id": 5}}}, "columns.claims.claim_id", "one header name (text)"),
    ({"columns": {"claims": "x"}}, "columns.claims", "an object {field: header}"),
    ({"columns": {}, "files": "x"}, "files", "a list of {file, kind, columns}"),
    ({"columns": {"claims": {"claim_id": ["Claim #", "Line"]}}}, "columns.claims.claim_id",
     "one header name (text), or null"),
    ({"columns": {"claims": {"modifiers": ["Mod 1", 2]}}}, "columns.claims.modifiers",
     "a header name or a list of header names"),
    ({"columns": {"claim": {"claim_id": "Claim #"}}}, "columns.claim", "one of the kinds claims"),
    ({"columns": {"claims": {"claimid": "Claim #"}}}, "columns.claims.claimid", "a field of claims"),
    ({"files": [{"kind": "claims", "file": "charges.csv", "columns": {"paid_amt": "x"}}]},
     "files[0].columns.paid_amt", "a field of claims"),
    ([1, 2], "the whole file", "the mapping.json that `recoup import` writes"),
    # another JSON file of the kit (recoup report's summary.json) was taken for an empty mapping
    ({"as_of": "2026-08-19", "lines": 3000, "taken_back_cents": 254311}, "the whole file",
     "the mapping.json that `recoup import` writes"),
])
def test_a_malformed_map_is_refused_naming_the_file_and_key(tmp_path, capsys, document, key, expected):
    claims = write(tmp_path / "charges.csv", [CLAIMS, *ROWS])
    mapfile = tmp_path / "bad_map.json"
    mapfile.write_text(json.dumps(document))
    code, _, err = run(tmp_path, capsys, "--claims", claims, "--map", mapfile)
    assert code == 1
    assert err.startswith(f"recoup import: bad_map.json: {key}: expected {expected}")
    assert "unexpected error" not in err and "claim_lines.csv" not in written(tmp_path)


@pytest.mark.parametrize(("data", "expected"), [
    (("[" * 100_000 + "]" * 100_000).encode(), "read as UTF-8: nested too deeply"),
    (b"{not json", "read as UTF-8: Expecting property name"),
    ('{"columns": {"claims": {"service_date": "Fecha de atención"}}'.encode("cp1252"),
     "read as Windows-1252: Expecting ',' delimiter"),
    (b"\x00\x00\xfe\xff", "Expecting value")])
def test_an_unreadable_map_is_refused_naming_the_file(tmp_path, capsys, data, expected):
    """JSON nested past Python's recursion limit ended in "an input nested too deeply", no file named. The
    message says the encoding the file was read in as a person names it (Windows-1252), and never a
    Python codec's ("'utf-32-be' codec can't decode bytes": JSON's own guess at bytes of zeros)."""
    claims = write(tmp_path / "charges.csv", [CLAIMS, *ROWS])
    mapfile = tmp_path / "bad_map.json"
    mapfile.write_bytes(data)
    code, _, err = run(tmp_path, capsys, "--claims", claims, "--map", mapfile)
    assert code == 1 and err.startswith("recoup import: bad_map.json: not a readable mapping file (read as ")
    assert expected in err and "codec" not in err and "claim_lines.csv" not in written(tmp_path)


def test_a_mapping_saved_with_a_byte_order_mark_is_accepted_back(tmp_path, capsys):
    """A mapping.json edited and saved by Windows Notepad starts with a UTF-8 byte-order mark: it was
    refused with Python's "Unexpected UTF-8 BOM (decode using utf-8-sig)"."""
    claims = write(tmp_path / "charges.csv", [CLAIMS, *ROWS])
    assert run(tmp_path, capsys, "--claims", claims)[0] == 0
    mapping = tmp_path / "out" / "mapping.json"
    edited = tmp_path / "edited.json"
    edited.write_bytes(b"\xef\xbb\xbf" + mapping.read_bytes())
    assert load_mapping(edited) == load_mapping(mapping)


def test_a_mapping_saved_in_windows_1252_meets_the_export_saved_so(tmp_path, capsys):
    """An export whose header says "Fecha de atención", saved by Excel as plain "CSV" (Windows-1252), and
    the mapping.json edited to name it in Notepad saved as "ANSI": the export was read in its encoding but
    the mapping was refused ("'utf-8' codec can't decode byte 0xf3"). Both are read as saved, so the
    header the mapping names is the export's."""
    header = CLAIMS.replace("DOS", "Fecha de atención")
    claims = tmp_path / "charges.csv"
    claims.write_bytes("\r\n".join([header, *ROWS, ""]).encode("cp1252"))
    assert run(tmp_path, capsys, "--claims", claims, "--column", "service_date=Fecha de atención")[0] == 0
    document = load_mapping(tmp_path / "out" / "mapping.json")
    assert document["columns"]["claims"]["service_date"] == "Fecha de atención"
    edited = tmp_path / "edited.json"
    edited.write_bytes(json.dumps(document, ensure_ascii=False, indent=2).encode("cp1252"))
    assert load_mapping(edited) == document


def test_the_mapping_an_import_wrote_is_accepted_back_with_lists_where_documented(tmp_path, capsys):
    claims = write(tmp_path / "charges.csv", [CLAIMS, *ROWS])
    assert run(tmp_path, capsys, "--claims", claims)[0] == 0
    document = load_mapping(tmp_path / "out" / "mapping.json")
    assert document["columns"]["claims"]["modifiers"] == ["Mod 1", "Mod 2"]
    result = import_files(claims, mapping=document)
    assert result.tables["claim_lines.csv"]["modifiers"].tolist() == ["25", ""]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-16"])
def test_a_utf16_export_with_or_without_bom_is_read(tmp_path, codec):
    path = tmp_path / "charges.csv"
    path.write_bytes("\n".join([CLAIMS, *ROWS]).encode(codec))
    result = import_files(path)
    lines = result.tables["claim_lines.csv"]
    assert lines["claim_id"].tolist() == ["C1", "C1"] and lines["line_no"].tolist() == [1, 2]
    assert result.sources[0].info["encoding"] == "utf-16"
    assert "(claims: CSV, UTF-16)" in result.summary()


@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
def test_an_837_in_lower_case_is_refused_as_x12(tmp_path, capsys, codec):
    path = tmp_path / "claims.837"
    path.write_bytes(x12(["CLM*C1*60***11:B:1*Y*A*Y*Y", "LX*1", "SV1*HC:99213*60*UN*1"]).lower().encode(codec))
    code, _, err = run(tmp_path, capsys, "--claims", path)
    assert code == 1
    assert err.startswith("recoup import: claims.837: X12 whose segment ids are in lower case; give the file as its "
                          "sender wrote it, with segment ids in capitals, and import it again.")
    assert "no header for required field" not in err and written(tmp_path) == []


def test_an_export_whose_first_header_starts_with_isa_is_still_an_export(tmp_path):
    path = write(tmp_path / "charges.csv", [CLAIMS.replace("Claim #", "Isa Claim #", 1), *ROWS])
    result = import_files(path, columns={"claim_id": "Isa Claim #"})
    assert result.tables["claim_lines.csv"]["claim_id"].tolist() == ["C1", "C1"]


def _import_claims(given: str, out: str) -> tuple[int, str]:
    """``recoup import --claims GIVEN --out OUT``: its exit status and what it wrote to standard error."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["import", "--claims", given, "--out", out])
    return code, err.getvalue()


@pytest.mark.parametrize("kind", ["pipe", "device"])
def test_a_pipe_or_a_device_given_as_an_export_is_refused_without_waiting_on_it(tmp_path, kind):
    """Opening a named pipe waits for a writer for ever, and a device never ends: both are refused,
    naming the path, before anything opens them (run in a child process so a hang fails the test: the
    pipe through ``python -m recoup_lib`` as a user runs it, the device in a child forked with the kit
    already imported)."""
    if kind == "pipe":
        given = tmp_path / "claims.csv"
        os.mkfifo(given)
        done = subprocess.run([sys.executable, "-m", "recoup_lib", "import", "--claims", str(given),
                               "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
        code, err = done.returncode, done.stderr
    else:
        given = "/dev/zero"
        code, err = in_forked_child(_import_claims, given, str(tmp_path / "out"))
    assert code == 1
    assert f"{given}: not a regular file (a device, pipe or socket)" in err
    assert not (tmp_path / "out").exists()
