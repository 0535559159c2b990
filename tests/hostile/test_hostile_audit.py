"""Hostile input for ``recoup audit``: broken files, extreme values, formula text, unsafe --out."""

from __future__ import annotations

import csv
import json

import pytest
from hostile_helpers import read_json, rewrite_csv, set_cell

from recoup_lib.folder import read_csv_text
from recoup_lib.filekind import link_to_nothing
from recoup_lib.outputs import MANIFEST

pytestmark = pytest.mark.slow  # its tests take 20 s or more together: conftest.py starts the file first

FORMULAS = ["=cmd|' /C calc'!A0", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB=1", "\r=1+1", "'=already"]


def _audit_counts_add_up(folder):
    run = read_json(folder / "run.json")
    for row in run["files"]:
        assert row["rows_read"] == row["rows_used"] + row["rows_set_aside"] + row["blank_rows_skipped"], row
        aside = folder / "rejected_rows" / row["file"]
        if row["rows_set_aside"] and row["source"] == "folder":
            raw, _, _ = read_csv_text(aside)
            assert len(raw) == row["rows_set_aside"], row
    return run


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_claim_id_reaches_findings_guarded_and_reads_back(hostile, text):
    folder = hostile.practice()
    claim = None

    def change(rows):
        nonlocal claim
        i = rows[0].index("claim_id")
        claim = rows[1][i]
        for r in rows[1:]:
            if r[i] == claim:
                r[i] = text + claim
    rewrite_csv(folder / "claim_lines.csv", change)
    rewrite_csv(folder / "payments.csv", change)
    rewrite_csv(folder / "documentation.csv", change)
    hostile.run("audit", folder, "--out", "out", expect=0, out="out")
    raw, _, _ = read_csv_text(hostile.path("out/findings_detail.csv"))
    ids = set(read_csv_text(folder / "claim_lines.csv")[0]["claim_id"])
    assert set(raw["claim_id"]) <= ids


@pytest.mark.parametrize(("file", "column", "value", "expected"), [
    ("payments.csv", "paid", "123456789012345678901.00", "under a trillion"),
    ("payments.csv", "paid", "92233720368547758.07", "under a trillion"),
    ("payments.csv", "allowed", "1000000000000", "under a trillion"),
    ("claim_lines.csv", "charge", "-99999999999999999999", "under a trillion"),
    ("claim_lines.csv", "service_date", "9999-12-31", "1900-01-01 and 2100-12-31"),
    ("claim_lines.csv", "service_date", "2205-03-01", "1900-01-01 and 2100-12-31"),
    ("claim_lines.csv", "submitted_date", "1899-12-31", "1900-01-01 and 2100-12-31"),
    ("claim_lines.csv", "service_date", "0001-01-01", "1900-01-01 and 2100-12-31"),
    ("payments.csv", "payment_date", "9999-12-31", "1900-01-01 and 2100-12-31"),
    ("claim_lines.csv", "units", "1000000000000000000", "at most 999,999,999"),
    ("claim_lines.csv", "units", "99999999999999999999999", "a whole number"),
    ("claim_lines.csv", "line_no", "-1", "a whole number"),
    ("claim_lines.csv", "units", "NaN", "a whole number"),
    ("payments.csv", "paid", "inf", "an amount in dollars"),
    ("payments.csv", "paid", "1e308", "an amount in dollars"),
    ("claim_lines.csv", "service_date", "2025-02-30", "a real date"),
    ("coverage.csv", "effective_date", "9999-12-31", "1900-01-01 and 2100-12-31"),
    ("documentation.csv", "note_present", "maybe", "true/false"),
])
def test_an_unrepresentable_value_is_set_aside_with_file_row_and_column(hostile, file, column, value, expected):
    folder = hostile.practice()
    set_cell(folder / file, 2, column, value)
    run = hostile.run("audit", folder, "--out", "out", expect=0, out="out")
    assert f"{file}, row 3, column '{column}'" in run.out and expected in run.out
    _audit_counts_add_up(hostile.path("out"))
    rejected = list(csv.DictReader(open(hostile.path("out/rejected.csv"), encoding="utf-8")))
    assert any(r["file"] == file and r["row"] == "3" and r["column"] == column for r in rejected)


def test_two_payments_near_int64_max_on_a_line_never_wrap_to_a_negative_paid(hostile):
    folder = hostile.practice()

    def change(rows):
        paid = rows[0].index("paid")
        pid = rows[0].index("payment_id")
        rows[1][paid] = "92233720368547758.07"
        twin = list(rows[1])
        twin[pid] = "PMT-TWIN"
        rows.append(twin)
    rewrite_csv(folder / "payments.csv", change)
    run = hostile.run("audit", folder, "--out", "out", expect=0, out="out")
    assert "-$" not in run.out
    _audit_counts_add_up(hostile.path("out"))


def test_huge_fee_times_huge_units_does_not_wrap(hostile):
    folder = hostile.practice()
    rewrite_csv(folder / "fee_schedule.csv", lambda rows: [r.__setitem__(rows[0].index("allowed"), "999999999999.99")
                                                          for r in rows[1:]])
    set_cell(folder / "claim_lines.csv", 1, "units", "999999999")
    set_cell(folder / "mue.csv", 1, "mue_value", "1")
    hostile.run("audit", folder, "--out", "out", expect=0, out="out")
    findings = list(csv.DictReader(open(hostile.path("out/findings.csv"), encoding="utf-8")))
    assert all(not f["at_risk"].startswith("-") for f in findings)


def test_every_payment_at_the_largest_amount_is_set_aside_past_what_the_file_can_total(hostile):
    folder = hostile.practice()

    def change(rows):
        paid = rows[0].index("paid")
        pid = rows[0].index("payment_id")
        base = list(rows[1])
        for k in range(50_000):
            extra = list(base)
            extra[pid] = f"X{k}"
            extra[paid] = "999999999999.99"
            rows.append(extra)
    rewrite_csv(folder / "payments.csv", change)
    run = hostile.run("audit", folder, "--out", "out", expect=0, out="out")
    assert "the most the kit can total" in run.out
    _audit_counts_add_up(hostile.path("out"))


@pytest.mark.parametrize("name", ["_row", "_reason", "_file", "_line", "_known", "_code", "__row", "paid_cents",
                                  "category", "error_type", "at_risk_cents", "line", "evidence", "_raw_text",
                                  "=HYPERLINK(\"x\")", "", "claim_id "])
def test_an_extra_column_with_any_name_is_harmless(hostile, name):
    folder = hostile.practice()
    for file in ("claim_lines.csv", "payments.csv"):
        rewrite_csv(folder / file, lambda rows: [r.append(name if i == 0 else "x") for i, r in enumerate(rows)])
    expect = 1 if name == "claim_id " else 0  # the same name twice (spaces do not count) is refused
    run = hostile.run("audit", folder, "--out", "out", expect=expect, out="out", names=["claim_lines.csv"])
    if expect == 0:
        _audit_counts_add_up(hostile.path("out"))
    else:
        assert "appears twice" in run.err


def test_a_fixed_rejected_rows_file_can_be_fed_back(hostile):
    folder = hostile.practice()
    set_cell(folder / "claim_lines.csv", 1, "units", "two")
    hostile.run("audit", folder, "--out", "out", expect=0, out="out")
    aside = hostile.path("out/rejected_rows/claim_lines.csv")
    header = next(csv.reader(open(aside, encoding="utf-8")))
    assert header[:3] == ["_file", "_row", "_reason"]
    second = hostile.practice("second")
    rewrite_csv(aside, lambda rows: None)
    shutil_rows = list(csv.reader(open(aside, encoding="utf-8")))
    shutil_rows[1][shutil_rows[0].index("units")] = "2"
    with open(second / "claim_lines.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(shutil_rows)
    run = hostile.run("audit", second, "--out", "out2", expect=0, out="out2", changes=("out/",))
    assert "claim_lines.csv: 1 rows read = 1 used + 0 set aside" in run.out


@pytest.mark.parametrize("case", ["long_field_beside_a_bad_row", "nul_bytes", "latin1_bytes", "bom_crlf",
                                  "blank_lines", "quoted_newlines", "unterminated_quote", "many_fields",
                                  "utf16", "binary", "header_only", "empty", "only_newlines",
                                  "one_mb_field", "duplicate_rows"])
def test_malformed_claim_lines_never_crash(hostile, case):
    folder = hostile.practice()
    path = folder / "claim_lines.csv"
    text = path.read_text(encoding="utf-8")
    header, *rows = text.splitlines()
    expect, names = 0, ["claim_lines.csv"]
    if case == "long_field_beside_a_bad_row":
        cells = rows[0].split(",")
        cells[-1] = "x" * 200_000
        rows[0] = ",".join(cells)
        rows[1] = rows[1] + ",extra"
    elif case == "nul_bytes":
        rows[0] = rows[0].replace(",", ",\x00", 1)
    elif case == "latin1_bytes":
        path.write_bytes((header + "\n" + "\n".join(rows)).encode() .replace(b"C0", b"\xe9C0", 1))
        rows = None
    elif case == "bom_crlf":
        path.write_bytes(("\ufeff" + header + "\r\n" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
        rows = None
    elif case == "blank_lines":
        rows = rows[:3] + ["", "   ", ""] + rows[3:]
    elif case == "quoted_newlines":
        cells = next(csv.reader([rows[0]]))
        cells[-1] = "line\nbreak"
        buffer = __import__("io").StringIO()
        csv.writer(buffer, lineterminator="").writerow(cells)
        rows[0] = buffer.getvalue()
    elif case == "unterminated_quote":
        rows[-1] = rows[-1] + ',"never closed'
    elif case == "many_fields":
        rows[0] = rows[0] + "," * 5000
    elif case == "utf16":
        path.write_bytes(text.encode("utf-16"))
        rows, expect = None, 1
    elif case == "binary":
        path.write_bytes(bytes(range(256)) * 40)
        rows, expect = None, 1
    elif case == "header_only":
        rows, expect = [], 1
    elif case == "empty":
        path.write_bytes(b"")
        rows, expect = None, 1
    elif case == "only_newlines":
        path.write_bytes(b"\n\n\n\n")
        rows, expect = None, 1
    elif case == "one_mb_field":
        cells = rows[0].split(",")
        cells[-1] = "y" * 1_000_000
        rows[0] = ",".join(cells)
    elif case == "duplicate_rows":
        rows = rows + rows[:10]
    if rows is not None:
        path.write_text(header + "\n" + "\n".join(rows) + ("\n" if rows else ""), encoding="utf-8", newline="")
    hostile.run("audit", folder, "--out", "out", expect=expect, out="out", names=names)
    if expect == 0:
        _audit_counts_add_up(hostile.path("out"))


@pytest.mark.parametrize("memory", [[], ["--max-memory", "400MB"]], ids=["in_memory", "partitioned"])
def test_a_windows_1252_row_with_a_field_too_many_is_set_aside_without_a_traceback(hostile, memory):
    """Arrow handed such a row to a handler as UTF-8 text; decoding failed inside Arrow, which
    printed a traceback under the audit's summary (the unraisable-exception warning is an error)."""
    folder = hostile.practice()
    path = folder / "claim_lines.csv"
    lines = path.read_bytes().split(b"\n")
    lines[3] += b",Pe\xf1a"
    path.write_bytes(b"\n".join(lines))
    run = hostile.run("audit", folder, "--out", "out", *memory, expect=0, out="out")
    assert run.err == ""
    files = {row["file"]: row for row in _audit_counts_add_up(hostile.path("out"))["files"]}
    assert files["claim_lines.csv"]["rows_set_aside"] == 1


@pytest.mark.parametrize(("case", "said"), [
    ("xlsx", "claim_lines.csv: an Excel workbook (or another zip file), not CSV text"),
    ("xls", "claim_lines.csv: an Excel 97-2003 workbook (.xls), not CSV text"),
    ("utf16", "claim_lines.csv: UTF-16 text, not CSV text"),
    ("utf16_without_bom", "claim_lines.csv: UTF-16 text, not CSV text"),
    ("binary", "most of it is not text: is the file a CSV file?"),
])
def test_a_claim_lines_file_that_is_not_csv_text_is_named_for_what_it_is(hostile, case, said):
    """A workbook saved under a .csv name, Excel's "Unicode text" or a binary file: the message says what
    the file is (and how to save it), rather than listing garbled characters as the header's columns."""
    folder = hostile.practice()
    path = folder / "claim_lines.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes({"xlsx": b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(32, 127)) * 4,
                      "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200),
                      "utf16": text.encode("utf-16"), "utf16_without_bom": text.encode("utf-16-le"),
                      "binary": bytes(range(1, 256)) * 4}[case])
    run = hostile.run("audit", folder, "--out", "out", expect=1, out="out", names=["claim_lines.csv"])
    assert said in run.err
    assert "\ufffd" not in run.err


@pytest.mark.parametrize("memory", [[], ["--max-memory", "400MB"]], ids=["in_memory", "partitioned"])
@pytest.mark.parametrize("file", ["claim_lines.csv", "payments.csv", "coverage.csv", "fee_schedule.csv"])
def test_a_file_that_is_a_link_to_nothing_is_named_as_such(hostile, file, memory):
    """A required file that is a link to a file since moved was "required file not found", naming the link,
    not what is missing; an optional one was passed over as absent (its rule off, or the shipped table used)."""
    folder = hostile.practice()
    (folder / file).unlink()
    (folder / file).symlink_to(hostile.path("archive") / file)
    hostile.run("audit", folder, *memory, "--out", "out", expect=1, out="out",
                names=[f"{file} in {folder}: {link_to_nothing(folder / file)}; expected a CSV file"])


@pytest.mark.parametrize("file", ["fee_schedule.csv", "ncci_ptp.csv", "mue.csv", "payer_policies.csv",
                                  "coverage.csv", "documentation.csv"])
def test_a_garbage_optional_file_is_set_aside_or_refused_never_a_crash(hostile, file):
    folder = hostile.practice()
    (folder / file).write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    run = hostile.run("audit", folder, "--out", "out", expect={0, 1}, out="out", names=[file])
    assert file in run.out + run.err


@pytest.mark.parametrize(("file", "column", "value"), [
    ("mue.csv", "mai", "4"), ("mue.csv", "mue_value", "1000000000000"), ("ncci_ptp.csv", "modifier_indicator", "x"),
    ("payer_policies.csv", "announced_date", "9999-12-31"), ("fee_schedule.csv", "end_date", "0000-00-00"),
    ("coverage.csv", "termination_date", "2205-01-01"),
])
def test_bad_reference_values_are_set_aside(hostile, file, column, value):
    folder = hostile.practice()
    set_cell(folder / file, 1, column, value)
    run = hostile.run("audit", folder, "--out", "out", expect=0, out="out")
    assert f"{file}, row 2, column '{column}'" in run.out


def test_all_claim_lines_unusable_is_exit_1(hostile):
    folder = hostile.practice()
    rewrite_csv(folder / "claim_lines.csv", lambda rows: [r.__setitem__(rows[0].index("units"), "lots")
                                                         for r in rows[1:]])
    hostile.run("audit", folder, "--out", "out", expect=1, out="out", names=["claim_lines.csv"])


@pytest.mark.parametrize(("separator", "said"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_file_separated_otherwise_than_by_commas_is_named_so(hostile, separator, said):
    """payments.csv saved by a spreadsheet set for a European locale (semicolons) or as "Text" (tabs) was
    refused as "missing required columns 'claim_id', ..." though its header held every one of them."""
    folder = hostile.practice()
    text = (folder / "payments.csv").read_text(encoding="utf-8")
    (folder / "payments.csv").write_text(text.replace(",", separator), encoding="utf-8")
    hostile.run("audit", folder, "--out", "out", expect=1, out="out",
                names=["payments.csv: missing required columns", f"separated by {said}, not commas"])


@pytest.mark.parametrize("file", ["claim_lines.csv", "payments.csv"])
def test_a_required_file_with_only_its_header_is_exit_1_and_writes_no_findings(hostile, file):
    folder = hostile.practice()
    rewrite_csv(folder / file, lambda rows: rows.__delitem__(slice(1, None)))
    run = hostile.run("audit", folder, "--out", "out", expect=1, out="out", names=[file])
    assert f"{file}: no " in run.err and "header and no rows" in run.err
    # Each sentence ends with its full stop: "...no findings can be produced The rows set aside" ran them together.
    assert ". The rows set aside, each with its reason: " in run.err
    out = hostile.path("out")
    written = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert {"rejected.csv", "run.json"} <= written <= {"rejected.csv", "rejected_rows", "run.json"}
    status = read_json(out / "run.json")
    assert status["status"] == "no findings produced"
    assert {row["file"]: row["rows_read"] for row in status["files"]}[file] == 0


@pytest.mark.parametrize("file, rule", [("coverage.csv", "coverage_lapsed"),
                                        ("documentation.csv", "missing_documentation")])
@pytest.mark.parametrize("how", ["header_only", "every_row_set_aside", "most_rows_set_aside"])
def test_an_optional_file_that_lost_its_rows_is_warned_about(hostile, file, rule, how):
    """A coverage.csv whose every date was refused flagged every paid line coverage_lapsed, the whole
    practice's payments at risk, with exit 0 and no word that the file, not the claims, was the cause."""
    folder = hostile.practice()
    column = {"coverage.csv": "effective_date", "documentation.csv": "note_present"}[file]

    def lose(rows):
        if how == "header_only":
            del rows[1:]
            return
        i = rows[0].index(column)
        for r in rows[1:] if how == "every_row_set_aside" else rows[1:len(rows) * 2 // 3]:
            r[i] = "lost"
    rewrite_csv(folder / file, lose)
    run = hostile.run("audit", folder, "--out", "out", expect=0, out="out")
    warned = [line for line in run.err.splitlines() if line.startswith(f"WARNING: {file}:")]
    assert len(warned) == 1 and rule in warned[0], run.err
    assert ("no usable row" in warned[0]) == (how != "most_rows_set_aside")
    clean = hostile.run("audit", hostile.practice("clean"), "--out", "out_clean", expect=0, out="out_clean")
    assert "WARNING" not in clean.err


@pytest.mark.parametrize("file, column, rule", [("mue.csv", "mue_value", "units_over_mue"),
                                                ("ncci_ptp.csv", "effective_date", "unbundling"),
                                                ("fee_schedule.csv", "allowed", "overpaid_rate"),
                                                ("payer_policies.csv", "effective_date", "policy_change")])
@pytest.mark.parametrize("how", ["header_only", "every_row_set_aside"])
def test_a_reference_table_that_lost_its_rows_is_warned_about(hostile, file, column, rule, how):
    """An mue.csv whose every value was refused (written 1,234) replaced the shipped table with nothing:
    units_over_mue ran, found nothing, and the audit ended 0 with fewer findings and no word of why."""
    folder = hostile.practice()

    def lose(rows):
        if how == "header_only":
            del rows[1:]
            return
        i = rows[0].index(column)
        for r in rows[1:]:
            r[i] = "lost"
    rewrite_csv(folder / file, lose)
    run = hostile.run("audit", folder, "--out", "out", expect=0, out="out")
    warned = [line for line in run.err.splitlines() if line.startswith(f"WARNING: {file}:")]
    assert len(warned) == 1 and f"), so {rule} finds nothing" in warned[0], run.err
    assert ("a header and no rows" in warned[0]) == (how == "header_only")


@pytest.mark.parametrize("where", ["input", "inside_input", "holds_input", "user_file", "a_file", "under_a_file",
                                   "symlink_to_input", "edited_kit_file", "root"])
def test_an_unsafe_out_is_refused_with_exit_2_and_nothing_changes(hostile, where):
    folder = hostile.practice()
    out = hostile.path("out")
    if where == "input":
        out = folder
    elif where == "inside_input":
        out = folder / "audit"
    elif where == "holds_input":
        out = hostile.root
    elif where == "user_file":
        hostile.write("out/notes.txt", "my notes")
    elif where == "a_file":
        hostile.write("out", "a file")
    elif where == "under_a_file":
        hostile.write("afile", "x")
        out = hostile.path("afile/out")
    elif where == "symlink_to_input":
        out.symlink_to(folder, target_is_directory=True)
    elif where == "edited_kit_file":
        hostile.run("audit", folder, "--out", out, expect=0, out=out)
        with open(out / "findings.csv", "a", encoding="utf-8") as handle:
            handle.write("my,own,row\n")
    elif where == "root":
        out = hostile.root.anchor
    hostile.run("audit", folder, "--out", out, expect=2, names=["--out"])


def test_a_rerun_leaves_no_stale_file(hostile):
    folder = hostile.practice()
    set_cell(folder / "payments.csv", 1, "paid", "lots")
    hostile.run("audit", folder, "--out", "out", "--xlsx", expect=0, out="out")
    assert hostile.path("out/rejected_rows/payments.csv").exists() and hostile.path("out/audit.xlsx").exists()
    set_cell(folder / "payments.csv", 1, "paid", "12.00")
    hostile.run("audit", folder, "--out", "out", expect=0, out="out")
    assert not hostile.path("out/rejected_rows").exists() and not hostile.path("out/audit.xlsx").exists()
    manifest = json.loads(hostile.path(f"out/{MANIFEST}").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(p.relative_to(hostile.path("out")).as_posix()
                                               for p in hostile.path("out").rglob("*")
                                               if p.is_file() and p.name != MANIFEST)
    assert [p.name for p in hostile.root.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("argv", [["--only", "no_such_rule"], ["--only", ""], ["--bogus"]])
def test_bad_options_are_usage_errors(hostile, argv):
    folder = hostile.practice()
    hostile.run("audit", folder, "--out", "out", *argv, expect=2)


def test_only_takes_error_types_in_any_case_as_the_files_do(hostile):
    folder = hostile.practice()
    hostile.run("audit", folder, "--out", "out", "--only", "DUPLICATE_CLAIM, Upcoding", expect=0, out="out")


def test_a_budget_under_a_megabyte_is_named_in_bytes(hostile):
    """--max-memory 10KB was refused as "0 MB is too small"."""
    folder = hostile.practice()
    hostile.run("audit", folder, "--out", "out", "--max-memory", "10KB", expect=2,
                names=["--max-memory 10KB is too small"])


@pytest.mark.parametrize("target", ["no_such_folder", "a_file.csv"])
def test_a_missing_folder_is_exit_1_naming_it(hostile, target):
    if target.endswith(".csv"):
        hostile.write(target, "claim_id\n1\n")
    hostile.run("audit", target, "--out", "out", expect=1, out="out", names=[target])


#: A value each file's contract refuses, by file and column: the row that holds it is set aside.
_REFUSED = {"claim_lines.csv": ("units", "two"), "payments.csv": ("paid", "lots"),
            "coverage.csv": ("effective_date", "someday"), "documentation.csv": ("note_present", "maybe"),
            "fee_schedule.csv": ("allowed", "free")}


@pytest.mark.parametrize("memory", [[], ["--max-memory", "400MB"]], ids=["in_memory", "partitioned"])
@pytest.mark.parametrize("file", list(_REFUSED))
def test_rows_of_commas_are_skipped_and_counted_not_set_aside(hostile, file, memory):
    """Excel saves a row it holds empty as a row of commas (``,,,,``, fewer commas after a short
    row, spaces left in a cell): each was set aside as a row of blanks, a dozen messages in
    rejected.csv and a row in rejected_rows/. Now skipped as the other readers skip them: the same
    findings as without them, rejected.csv as with blank lines in their places (whose row numbers
    they keep), and the count said."""
    column, refused = _REFUSED[file]
    runs = {}
    for case in ("without", "commas", "blank_lines"):
        folder = hostile.practice(case)
        path = folder / file
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        rows[-1][rows[0].index(column)] = refused
        lines = [",".join(row) for row in rows]
        width = len(rows[0]) - 1
        empty = {"without": None, "commas": ["," * width, " " + "," * width, ",,"],
                 "blank_lines": ["", "", ""]}[case]
        if empty:
            lines = lines[:3] + empty[:1] + lines[3:] + empty[1:]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = f"out_{case}"
        said = hostile.run("audit", folder, "--out", out, *memory, "--workers", "1", expect=0, out=out).out
        runs[case] = (said, _audit_counts_add_up(hostile.path(out)),
                      {name: (hostile.path(out) / name).read_bytes() for name in ("findings.csv", "rejected.csv")})
    (_, without, written_without), (said, commas, written), (_, _, written_blank) = runs.values()
    assert written["findings.csv"] == written_without["findings.csv"]
    assert written["rejected.csv"] == written_blank["rejected.csv"]
    assert f"{file},{len(rows) + 1},{column},{refused}".encode() in written["rejected.csv"]
    counts = {row["file"]: row for row in commas["files"]}[file]
    before = {row["file"]: row for row in without["files"]}[file]
    assert counts == {**before, "rows_read": before["rows_read"] + 3, "blank_rows_skipped": 3}
    assert (f"{file}: {counts['rows_read']:,} rows read = {counts['rows_used']:,} used + "
            f"{counts['rows_set_aside']:,} set aside + 3 blank row(s) skipped (folder)") in said.splitlines()
    rejected_rows = hostile.path("out_commas") / "rejected_rows" / file
    assert len(read_csv_text(rejected_rows)[0]) == counts["rows_set_aside"]
