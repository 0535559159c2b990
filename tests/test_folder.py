"""Reading the audit folder: every problem named by file, row and column; nothing lost."""

import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup_lib.cli import main
from recoup_lib.errors import InputError
from recoup_lib.folder import COUNT_COLUMNS, optional_file_warnings, read_audit_folder, read_table, write_csv

HEADER = ("claim_id,line_no,patient_id,payer_id,rendering_npi,service_date,submitted_date,procedure_code,"
          "modifiers,units,charge,diagnosis_codes,place_of_service")
GOOD = "C1,1,P1,MCR01,1234567893,2025-01-05,2025-01-06,99213,,1,150.00,I10,11"
PAYMENTS = "claim_id,line_no,payment_id,payment_date,allowed,paid\nC1,1,PM1,2025-02-01,92.00,73.60\n"


def _folder(tmp_path: Path, lines: list[str], payments: str = PAYMENTS, header: str = HEADER) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "claim_lines.csv").write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    (folder / "payments.csv").write_text(payments, encoding="utf-8")
    return folder


def test_bad_values_are_named_by_file_row_and_column(tmp_path):
    folder = _folder(tmp_path, [
        GOOD,
        "C2,1,P1,MCR01,1234567893,2025-01-05,2025-01-06,99213,,two,150.00,I10,11",
        "C3,1,P1,MCR01,1234567893,2024-13-45,2025-01-06,99213,,1,150.00,I10,11",
        "C4,1,P1,MCR01,1234567893,2025-01-05,2025-01-06,99213,,1,12.505,I10,11",
    ])
    inputs = read_audit_folder(folder, use_defaults=False)
    messages = [p.message for p in inputs.problems]
    assert "claim_lines.csv, row 3, column 'units': expected a whole number >= 1; got 'two'." in messages
    assert ("claim_lines.csv, row 4, column 'service_date': expected a real date written YYYY-MM-DD; "
            "got '2024-13-45'.") in messages
    assert any(m.startswith("claim_lines.csv, row 5, column 'charge': expected an amount in dollars")
               and m.endswith("got '12.505'.") for m in messages)
    counts = inputs.counts.set_index("file")
    assert counts.loc["claim_lines.csv", "rows_read"] == 4
    assert counts.loc["claim_lines.csv", "rows_used"] == 1
    assert counts.loc["claim_lines.csv", "rows_set_aside"] == 3
    kept = inputs.rejected_rows["claim_lines.csv"]
    assert kept["_row"].tolist() == [3, 4, 5]
    assert kept.loc[0, "units"] == "two"  # the row is kept exactly as read


def test_every_problem_of_a_row_is_reported(tmp_path):
    folder = _folder(tmp_path, ["C2,x,P1,MCR01,1234567893,2025-02-30,soon,99213,,0,abc,I10,11"])
    inputs = read_audit_folder(folder, use_defaults=False)
    columns = {p.column for p in inputs.problems if p.file == "claim_lines.csv"}
    assert columns == {"line_no", "service_date", "submitted_date", "units", "charge"}


def test_missing_required_column_stops_the_run(tmp_path):
    folder = _folder(tmp_path, [GOOD.rsplit(",", 1)[0]], header=HEADER.replace(",place_of_service", ""))
    with pytest.raises(InputError, match=r"claim_lines.csv: missing required column 'place_of_service'"):
        read_audit_folder(folder)


def test_cli_missing_column_exits_1_with_one_line(tmp_path, capsys):
    folder = _folder(tmp_path, [GOOD.replace(",1,150.00", ",1")], header=HEADER.replace(",charge", ""))
    assert main(["audit", str(folder), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0] == ("recoup audit: claim_lines.csv: missing required column 'charge' "
                      f"(the header has: {HEADER.replace(',charge', '').replace(',', ', ')})")


def test_cli_missing_required_file_exits_1(tmp_path, capsys):
    folder = _folder(tmp_path, [GOOD])
    (folder / "payments.csv").unlink()
    assert main(["audit", str(folder), "--out", str(tmp_path / "out")]) == 1
    assert "payments.csv: required file not found" in capsys.readouterr().err


def test_a_table_that_is_a_link_to_nothing_names_what_is_missing(tmp_path):
    """A file that is a link to a file since moved was "file not found", naming the link, not what is missing."""
    (tmp_path / "notices.csv").symlink_to(tmp_path / "archive" / "gone.csv")
    with pytest.raises(InputError) as raised:
        read_table(tmp_path / "notices.csv")
    assert str(raised.value) == (f"notices.csv in {tmp_path}: a link to {tmp_path / 'archive' / 'gone.csv'}, "
                                 "which does not exist; expected a CSV file")


def test_cli_writes_rejected_rows_and_counts(tmp_path, capsys):
    folder = _folder(tmp_path, [GOOD, "C2,1,P1,MCR01,1234567893,2025-01-05,2025-01-06,99213,,two,150.00,I10,11"],
                     payments=PAYMENTS + "C9,1,PM2,2025-02-01,92.00,73.60\n")
    out = tmp_path / "out"
    assert main(["audit", str(folder), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "claim_lines.csv: 2 rows read = 1 used + 1 set aside (folder)" in printed
    assert "payments.csv: 2 rows read = 1 used + 1 set aside (folder)" in printed
    rejected = pd.read_csv(out / "rejected.csv", dtype="str")
    assert set(rejected["file"]) == {"claim_lines.csv", "payments.csv"}
    rows = pd.read_csv(out / "rejected_rows" / "payments.csv", dtype="str")
    assert rows.loc[0, "claim_id"] == "C9" and "no usable claim line" in rows.loc[0, "_reason"]


def test_malformed_rows_utf8_bom_blank_lines_and_quoted_newlines(tmp_path):
    """No code holds a line break: a quoted one is set aside where it opens, and the line after it
    is read as a row of its own (here too short), each named by its own row number."""
    text = ("\ufeff" + HEADER + "\n" + GOOD + "\n\n"
            + 'C2,1,P1,MCR01,1234567893,2025-01-05,2025-01-06,99213,"25;\n59",1,150.00,I10,11\n'
            + "C3,1,P1,MCR01\n" + GOOD.replace("C1", "C4") + "\n")
    folder = _folder(tmp_path, [])
    (folder / "claim_lines.csv").write_text(text, encoding="utf-8")
    parsed = read_table(folder / "claim_lines.csv")
    assert parsed.data["claim_id"].tolist() == ["C1", "C4"]
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [
        (4, "modifiers", '"25;'), (5, "(whole row)", "5 fields"), (6, "(whole row)", "4 fields")]
    assert parsed.problems[1].expected == "13 fields, as in the header"
    assert (parsed.rows_read, parsed.rows_used, parsed.rows_set_aside) == (5, 2, 3)


_STRAY = GOOD.replace(",11", ',"11')


def _stray_quote_lines(where: str) -> list[str]:
    """Six rows (C1..C6), the stray quote opening in the last field of the second or the last one."""
    rows = [GOOD.replace("C1", f"C{i}") for i in range(1, 7)]
    at = 1 if where == "mid_file" else len(rows) - 1
    rows[at] = _STRAY.replace("C1", f"C{at + 1}")
    return rows


@pytest.mark.parametrize("quoted_elsewhere", [False, True])
@pytest.mark.parametrize("where", ["mid_file", "last_row"])
@pytest.mark.parametrize("ending", ["\n", "\r\n", ""])
def test_a_stray_quote_sets_its_row_aside_and_loses_no_other(tmp_path, where, ending, quoted_elsewhere):
    """A quote never closed (Arrow and Python's csv module would take every line after it as one
    value, or close it at the end of the file without a word) is set aside where it opens, naming
    the column; every other line is read as its own row."""
    rows = _stray_quote_lines(where)
    if quoted_elsewhere:  # a legitimate quoted comma: the file needs quote tracking either way
        rows[2] = rows[2].replace("I10", '"I10,E11.9"')
    folder = _folder(tmp_path, [])
    (folder / "claim_lines.csv").write_bytes((HEADER + "\n" + "\n".join(rows)).replace("\n", ending or "\n")
                                             .encode() + ending.encode())
    parsed = read_table(folder / "claim_lines.csv")
    bad = 3 if where == "mid_file" else 7
    assert [(p.row, p.column) for p in parsed.problems] == [(bad, "place_of_service")]
    assert parsed.problems[0].message == (
        f"claim_lines.csv, row {bad}, column 'place_of_service': expected a closing quote on the same row "
        "(a value of this column never holds a line break); got '\"11'.")
    assert (parsed.rows_read, parsed.rows_used, parsed.rows_set_aside) == (6, 5, 1)
    assert f"C{bad - 1}" not in parsed.data["claim_id"].tolist()
    assert set(parsed.data["place_of_service"]) == {"11"}
    assert parsed.rejected.loc[0, "_raw_text"] == _STRAY.replace("C1", f"C{bad - 1}")
    if quoted_elsewhere:
        assert parsed.data.set_index("claim_id").loc["C3", "diagnosis_codes"] == "I10,E11.9"


@pytest.mark.parametrize("where", ["mid_file", "last_row"])
def test_a_note_over_several_lines_is_one_row_but_a_stray_quote_in_it_is_set_aside(tmp_path, where):
    """An extra column (kept as written, e.g. the Notes an import passed through) may hold a line
    break; a quote there never closed, or taking in lines that look like rows, is a stray one, and
    the lines after it are read again as what they are (the note of C4 still one row)."""
    note = '"called payer,\nwill ""resubmit"""'
    rows = [f"{GOOD.replace('C1', f'C{i}')},{note if i == 4 else 'ok'}" for i in range(1, 7)]
    folder = _folder(tmp_path, rows, header=HEADER + ",note")
    parsed = read_table(folder / "claim_lines.csv")
    assert parsed.problems == [] and (parsed.rows_read, parsed.rows_used) == (6, 6)
    assert parsed.data["note"].tolist()[2:4] == ["ok", 'called payer,\nwill "resubmit"']
    at = 1 if where == "mid_file" else 5
    rows[at] = rows[at].removesuffix(",ok") + ',"never closed'
    (folder / "claim_lines.csv").write_text("\n".join([HEADER + ",note", *rows]) + "\n", encoding="utf-8")
    parsed = read_table(folder / "claim_lines.csv")
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [(at + 2, "note", '"never closed')]
    assert parsed.problems[0].expected.startswith("a closing quote before the lines after it")
    assert (parsed.rows_read, parsed.rows_used, parsed.rows_set_aside) == (6, 5, 1)
    assert parsed.data["claim_id"].tolist() == [f"C{i}" for i in range(1, 7) if i != at + 1]
    assert 'called payer,\nwill "resubmit"' in parsed.data["note"].tolist()


def test_a_quoted_comma_still_reads_on_the_fast_path(tmp_path):
    folder = _folder(tmp_path, [GOOD, GOOD.replace("C1", "C2").replace("I10", '"I10,E11.9"')])
    parsed = read_table(folder / "claim_lines.csv")
    assert parsed.problems == [] and (parsed.rows_read, parsed.rows_used) == (2, 2)
    assert parsed.data["diagnosis_codes"].tolist() == ["I10", "I10,E11.9"]


def test_a_rule_switched_off_says_why_its_table_is_missing(tmp_path, capsys):
    """With --no-defaults the shipped reference tables exist but are left out: the message must not
    say there is no shipped default (it used to), and must still say so for coverage.csv."""
    folder = _folder(tmp_path, [GOOD])
    assert main(["audit", str(folder), "--no-defaults", "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert ("rule overpaid_rate switched off: no fee_schedule.csv in the folder, "
            "and the shipped default is not used (--no-defaults)") in said
    assert "rule coverage_lapsed switched off: no coverage.csv in the folder and no shipped default" in said
    assert "fee_schedule.csv in the folder and no shipped default" not in said


def test_a_stray_quote_is_reported_by_the_audit_with_every_other_line_audited(tmp_path, capsys):
    folder = _folder(tmp_path, _stray_quote_lines("mid_file"))
    out = tmp_path / "out"
    assert main(["audit", str(folder), "--no-defaults", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "claim_lines.csv: 6 rows read = 5 used + 1 set aside" in said
    assert "claim_lines.csv, row 3, column 'place_of_service': expected a closing quote on the same row" in said
    rejected = pd.read_csv(out / "rejected.csv", dtype="str", keep_default_na=False)
    assert rejected[["file", "row", "column", "value"]].values.tolist() == [
        ["claim_lines.csv", "3", "place_of_service", '"11']]
    rows = (out / "rejected_rows" / "claim_lines.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "_file,_row,_reason,_raw_text" and rows[1].startswith("claim_lines.csv,3,")
    partitioned = tmp_path / "partitioned"
    assert main(["audit", str(folder), "--no-defaults", "--max-memory", "1GB", "--out", str(partitioned)]) == 0
    assert (partitioned / "rejected_rows" / "claim_lines.csv").read_bytes() == \
        (out / "rejected_rows" / "claim_lines.csv").read_bytes()


@pytest.mark.parametrize("second", [GOOD.replace("C1", "C2"), GOOD.replace("C1", '"C2"')])
@pytest.mark.parametrize("blank", ["\n", "\r\n", "\n\n"])
def test_a_blank_line_is_skipped_whichever_reader_reads_the_file(tmp_path, second, blank):
    """A blank line between rows is not a row, in a file with or without a quote character (the
    fast reader sees a row blank in every column; the exact reader skips the line)."""
    folder = _folder(tmp_path, [])
    (folder / "claim_lines.csv").write_text(HEADER + "\n" + GOOD + "\n" + blank + second + "\n",
                                            encoding="utf-8", newline="")
    parsed = read_table(folder / "claim_lines.csv")
    assert parsed.data["claim_id"].tolist() == ["C1", "C2"]
    assert (parsed.rows_read, parsed.rows_used, parsed.rows_set_aside, parsed.problems) == (2, 2, 0, [])


@pytest.mark.parametrize("max_memory", [[], ["--max-memory", "400MB"]])
@pytest.mark.parametrize("again", [HEADER, HEADER.upper().replace(",", " , ")])
def test_a_header_row_repeated_in_the_middle_is_set_aside_once_as_a_repeated_header(tmp_path, capsys, again,
                                                                                     max_memory):
    """Two exports pasted one below the other: the second header was set aside cell by cell ("line_no:
    expected a whole number >= 1; got 'line_no'", one per column), never named as the header it is."""
    folder = _folder(tmp_path, [GOOD, again, GOOD.replace("C1", "C2")])
    parsed = read_table(folder / "claim_lines.csv")
    assert parsed.data["claim_id"].tolist() == ["C1", "C2"]
    assert [(p.row, p.column) for p in parsed.problems] == [(3, "(whole row)")]
    assert "expected a data row, not a repeated header row" in parsed.problems[0].message
    assert main(["audit", str(folder), "--out", str(tmp_path / f"out{len(max_memory)}"), *max_memory]) == 0
    rejected = pd.read_csv(tmp_path / f"out{len(max_memory)}" / "rejected.csv", dtype=str)
    assert rejected[["file", "row", "column"]].values.tolist() == [["claim_lines.csv", "3", "(whole row)"]]


def test_non_utf8_bytes_are_set_aside_not_fatal(tmp_path):
    folder = _folder(tmp_path, [GOOD])
    path = folder / "claim_lines.csv"
    path.write_bytes(path.read_bytes() + "C2,1,P1,MCR01,1234567893,2025-01-05,2025-01-06,99213,,1,1.00,Caf\xe9,11\n"
                     .encode("latin-1"))
    parsed = read_table(path)
    assert parsed.data["claim_id"].tolist() == ["C1"]
    assert parsed.problems[0].row == 3 and "UTF-8" in parsed.problems[0].expected


def test_codes_keep_leading_zeros_and_extra_columns_pass_through(tmp_path):
    folder = _folder(tmp_path, [GOOD.replace("99213", "0001U") + ",keep me"], header=HEADER + ",note")
    inputs = read_audit_folder(folder, use_defaults=False)
    assert inputs.claim_lines.loc[0, "procedure_code"] == "0001U"
    assert inputs.claim_lines.loc[0, "note"] == "keep me"


def test_header_matching_ignores_case_and_spaces(tmp_path):
    folder = _folder(tmp_path, [GOOD], header=HEADER.upper().replace(",", " , "))
    assert read_audit_folder(folder, use_defaults=False).claim_lines.loc[0, "units"] == 1


def test_booleans_accept_the_listed_spellings(tmp_path):
    folder = _folder(tmp_path, [GOOD])
    (folder / "documentation.csv").write_text(
        "claim_id,line_no,note_present,signed,documented_code\nC1,1,Yes,n,\n", encoding="utf-8")
    doc = read_audit_folder(folder, use_defaults=False).documentation
    assert doc.loc[0, "note_present"] == True  # noqa: E712
    assert doc.loc[0, "signed"] == False  # noqa: E712


def test_reference_defaults_fill_in_and_folder_copies_win(tmp_path):
    folder = _folder(tmp_path, [GOOD])
    inputs = read_audit_folder(folder)
    assert inputs.sources["fee_schedule.csv"] == "shipped default"
    assert inputs.sources["coverage.csv"] == "absent"
    (folder / "mue.csv").write_text("procedure_code,mue_value,mai\n99213,1,2\n", encoding="utf-8")
    inputs = read_audit_folder(folder)
    assert inputs.sources["mue.csv"] == "folder" and len(inputs.mue) == 1


def test_write_csv_money_dates_and_quoting(tmp_path):
    frame = pd.DataFrame({"claim_id": ["C1", "C,2"], "paid_cents": [-4050, 5],
                          "service_date": pd.to_datetime(["2025-01-05", None])})
    path = write_csv(frame, tmp_path / "x.csv")
    assert path.read_text() == 'claim_id,paid,service_date\nC1,-40.50,2025-01-05\n"C,2",0.05,\n'


def test_generated_folder_reads_without_problems(tmp_path):
    from recoup_lib.synthetic import demo
    folder = tmp_path / "demo"
    shutil.copytree(demo.demo_path("orthopedic_group"), folder)
    inputs = read_audit_folder(folder)
    assert inputs.problems == []
    assert (inputs.counts["rows_read"] == inputs.counts["rows_used"]).all()


_CELL = st.text(alphabet='ab,"\n é', max_size=6)


@given(st.integers(min_value=1, max_value=3).flatmap(
    lambda width: st.lists(st.lists(_CELL, min_size=width, max_size=width), min_size=1, max_size=20)))
def test_write_csv_quoting_matches_the_csv_module_and_reads_back(rows):
    import csv
    import io

    columns = [f"c{i}" for i in range(len(rows[0]))]
    frame = pd.DataFrame(rows, columns=columns, dtype="str")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        write_csv(frame, path, text=True)
        sink = io.StringIO()
        csv.writer(sink, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows([columns] + rows)
        assert path.read_bytes() == sink.getvalue().encode("utf-8")
        with open(path, newline="", encoding="utf-8") as handle:
            assert list(csv.reader(handle))[1:] == rows


@given(st.lists(st.lists(_CELL, min_size=1, max_size=1), min_size=1, max_size=12), st.integers(1, 4))
def test_write_csv_in_chunks_writes_the_bytes_of_the_whole_table(rows, chunk):
    """A table is turned into text a chunk of rows at a time (bounded memory): same bytes, even for
    one column whose empty values only some chunks hold (those are quoted, not blank lines)."""
    from unittest import mock

    import recoup_lib.csvout as csvout

    frame = pd.DataFrame(rows, columns=["c0"], dtype="str")
    header, body = csvout.csv_bytes(frame, text=True)
    with tempfile.TemporaryDirectory() as tmp, mock.patch.object(csvout, "CHUNK_ROWS", chunk):
        path = write_csv(frame, Path(tmp) / "t.csv", text=True)
        assert path.read_bytes() == header + body


def test_write_csv_quotes_a_carriage_return_so_no_reader_splits_the_row(tmp_path):
    path = write_csv(pd.DataFrame({"a": ["x\ry", "z"], "b": ["1", "2"]}, dtype="str"), tmp_path / "t.csv", text=True)
    assert path.read_bytes() == b'a,b\n"x\ry",1\nz,2\n'


_CELLS = st.sampled_from(["2025-01-05", " 2025-01-05", "2025-02-29", "2024-02-29", "2025-1-5", "", "1", "+2", "0",
                          "-3", "3.0", " 7 ", "0x10", "x", "12", "99999999999999999999", "2025-01-05T00:00",
                          # Arrow's own null spellings: values like any other, never a blank
                          "NA", "NULL", "N/A", "n/a", "nan", "NaN", "-nan", "null", "#N/A", "#N/A N/A", "1.#IND"])


@given(st.lists(st.tuples(_CELLS, _CELLS, _CELLS), min_size=1, max_size=6))
def test_typed_fast_reader_gives_what_the_text_parser_gives(rows):
    # The reader converts date and whole-number columns while reading when every value is
    # clean; the result must be exactly the text reader's, problems and set-aside rows too.
    from recoup_lib.folder import read_csv_text
    from recoup_lib.schema import SPECS, parse_table

    spec = SPECS["documentation.csv"]
    header = "claim_id,line_no,note_present,signed,documented_code"
    body = [f"C{i},{line},true,,{code}" for i, (line, _, code) in enumerate(rows)]
    coverage = "patient_id,payer_id,member_id,effective_date,termination_date"
    cov_body = [f"P{i},MCR,M,{eff},{end}" for i, (_, eff, end) in enumerate(rows)]
    with tempfile.TemporaryDirectory() as tmp:
        for name, head, lines in (("documentation.csv", header, body), ("coverage.csv", coverage, cov_body)):
            path = Path(tmp) / name
            path.write_text("\n".join([head, *lines]) + "\n", encoding="utf-8")
            spec = SPECS[name]
            fast = read_table(path, name)
            raw, numbers, _ = read_csv_text(path, spec)
            slow = parse_table(raw, spec, label=name, row_numbers=numbers)
            pd.testing.assert_frame_equal(fast.data, slow.data)
            assert [p.message for p in fast.problems] == [p.message for p in slow.problems]
            assert len(fast.rejected) == len(slow.rejected)
            if len(slow.rejected):
                pd.testing.assert_frame_equal(fast.rejected, slow.rejected)


@pytest.mark.parametrize("paid", [
    ["73.60", "", "-5.00"],                        # a blank where paid needs a value: set aside
    ["73.60", "10.00", "99999999999.99"],          # plain, but the file's total reaches what the kit can hold
    ["73.60", "$10.00", " 5.00"],                  # odd forms: the general path
    ["73.60", "10.0", "١.٠٠"],                     # one decimal, non-ASCII digits
])
def test_a_money_column_reads_the_same_through_the_plain_fast_path_and_the_general_parser(
        tmp_path, monkeypatch, paid):
    import recoup_lib.schema._money as money_columns
    import recoup_lib.schema._parse as parse

    rows = [f"C1,{i + 1},PM{i},2025-02-01,92.00,{p}" for i, p in enumerate(paid)] * 400
    rows = [r.replace(",PM", f",PM{n}-", 1) for n, r in enumerate(rows)]
    path = tmp_path / "payments.csv"
    path.write_text("claim_id,line_no,payment_id,payment_date,allowed,paid\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    if paid[-1] == "99999999999.99":
        monkeypatch.setattr(money_columns, "MAX_TOTAL_CENTS", 10**14)
    taken = []
    with monkeypatch.context() as patch:
        patch.setattr(parse, "_plain_money", lambda values, col, *args, plain=parse._plain_money:
                      taken.append((col.name, plain(values, col, *args))) or taken[-1][1])
        fast = read_table(path)
    assert {name for name, got in taken if got is not None} == (
        {"allowed", "paid"} if paid[1] in ("", "10.00") else {"allowed"})
    with monkeypatch.context() as patch:
        patch.setattr(parse, "_plain_money", lambda *args: None)
        general = read_table(path)
    pd.testing.assert_frame_equal(fast.data, general.data)
    pd.testing.assert_frame_equal(fast.rejected, general.rejected)
    assert fast.problems == general.problems and fast.rows_read == general.rows_read


@pytest.mark.parametrize("saved", ["3/7/2025", "07/03/2025", "7.3.25", "3/7/2025 0:00", "3/7/2025 12:00:00 AM"])
def test_a_date_a_spreadsheet_rewrote_is_set_aside_saying_how_to_save_it(tmp_path, saved):
    """Excel saves a date column as the computer shows dates (3/7/2025 in the US, 07/03/2025 in the UK): which
    number is the month the file cannot say, so the row is set aside, and the message says what happened and
    how to save the file instead of only that YYYY-MM-DD was expected."""
    second = GOOD.replace("C1", "C2").replace("2025-01-05", saved)
    parsed = read_table(_folder(tmp_path, [GOOD, second]) / "claim_lines.csv")
    assert parsed.data["claim_id"].tolist() == ["C1"]
    [problem] = parsed.problems
    assert (problem.row, problem.column, problem.value) == (3, "service_date", saved)
    assert problem.expected.startswith("a real date written YYYY-MM-DD (a spreadsheet saved this date")
    assert "format the column as yyyy-mm-dd before saving" in problem.expected


@pytest.mark.parametrize(("column", "bad"), [("claim_id", "C\x002"), ("claim_id", "C\t2"), ("patient_id", "P\x1b1"),
                                             ("procedure_code", "992\x7f13")])
def test_an_id_or_code_holding_a_control_character_is_set_aside_naming_its_column(tmp_path, column, bad):
    """A NUL, tab or escape inside an id is a cell that ran into another or a damaged file: set aside."""
    good = dict(zip(HEADER.split(","), GOOD.split(",")))
    second = ",".join(bad if name == column else value.replace("C1", "C2")
                      for name, value in good.items())
    folder = _folder(tmp_path, [GOOD, second])
    parsed = read_table(folder / "claim_lines.csv")
    assert parsed.data["claim_id"].tolist() == ["C1"]
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [(3, column, bad)]
    assert parsed.problems[0].expected.startswith("an id or code without control characters")


def test_ids_excel_saved_in_scientific_notation_are_each_set_aside_saying_what_to_do(tmp_path):
    """Claims 202501030001234 and 202501030001235 saved from Excel are both ``2.02501E+14``: the first was
    once used as a claim and the second set aside as its repeat, so the second claim's payments met the
    first's line. Neither can be told apart now: both are set aside, saying to format the column as Text;
    an id that merely holds an E (``2E+14A``, ``C1E+05``) is an id like any other."""
    good = GOOD.split(",")
    lines = [",".join([claim, *good[1:]]) for claim in ("2.02501E+14", "2.02501E+14", "C1E+05", "2E+14A")]
    parsed = read_table(_folder(tmp_path, lines) / "claim_lines.csv")
    assert parsed.data["claim_id"].tolist() == ["C1E+05", "2E+14A"]
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [(2, "claim_id", "2.02501E+14"),
                                                                      (3, "claim_id", "2.02501E+14")]
    assert "format the column as Text before saving" in parsed.problems[0].expected


@pytest.mark.parametrize("written", ["UNITS_OVER_MUE", "Units over MUE", "units-over-mue", " units_over_mue "])
def test_an_error_type_in_other_case_or_with_spaces_is_read_as_the_contract_spells_it(tmp_path, written):
    """A payer's export or a spreadsheet may capitalise the error type: it is still that type, so the
    score counts it and the appeal compares it with the audit's findings (other text stays as written)."""
    path = tmp_path / "labels.csv"
    path.write_text(f"claim_id,line_no,error_type,at_risk\nC1,1,{written},10.00\nC1,2,made_up,5.00\n",
                    encoding="utf-8")
    parsed = read_table(path, "labels.csv")
    assert parsed.data["error_type"].tolist() == ["units_over_mue", "made_up"] and not parsed.problems


@pytest.mark.parametrize("line_claim, paid_claim, said", [
    ("123", "00123", "If claim_lines.csv was saved from a spreadsheet, its claim ids lost their leading zeros "
                     "('00123' became '123'; Excel drops the zeros of ids it stores as numbers): format the "
                     "claim_id column as Text"),
    ("00123", "123", "If payments.csv was saved from a spreadsheet, its claim ids lost their leading zeros "
                     "('00123' became '123'"),
    ("C1", "00123", None), ("124", "00123", None)])
def test_payments_whose_claim_ids_lost_their_leading_zeros_say_so_only_when_the_ids_then_match(
        tmp_path, capsys, line_claim, paid_claim, said):
    """claim_lines.csv (or payments.csv) opened and saved in Excel: claim 00123 became 123, so no payment
    meets its line. The payments are still set aside (never matched to a claim that now bears the short
    number), and the message says what happened and what to do instead of only "add the claim lines they
    pay"; but only when the ids match once their zeros are off, not for any payment's id of zeros."""
    line = GOOD.replace("C1,", f"{line_claim},", 1)
    folder = _folder(tmp_path, [line], payments=PAYMENTS.replace("\nC1,", f"\n{paid_claim},"))
    assert main(["audit", str(folder), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "payments.csv: all 1 rows were set aside" in err
    if said:
        assert said in err
    else:
        assert "leading zeros" not in err and "Add the claim lines they pay to claim_lines.csv." in err


def test_the_alarm_names_the_reason_not_a_column_for_835_claim_payments_set_aside_whole():
    """An 835 claim payment set aside as a whole has no column to name: the alarm gives the most common
    reason, and no advice to name a column with --column."""
    from recoup_lib.errors import WHOLE_PAYMENT, Problem
    from recoup_lib.folder import set_aside_alarm

    problems = [Problem("era.835", s, WHOLE_PAYMENT, "CLP*A1*1*100*80", "a claim payment with its service lines")
                for s in (12, 30, 44)]
    _, warning = set_aside_alarm("era.835", 4, 1, problems, fix=None)
    assert "most often (3 rows): a claim payment with its service lines" in warning
    assert "(claim payment)" not in warning and "--column" not in warning


@pytest.mark.parametrize("written, cents", [("($172.92)", -17292), ("(172.92)", -17292),
                                            ("($1,234.50)", -123450), ("$1,234.50", 123450),
                                            ("$ (172.92)", -17292), ("($ 172.92)", -17292), ("$(172.92)", -17292)])
def test_an_amount_saved_in_excels_currency_or_accounting_format_is_read(tmp_path, written, cents):
    """Excel's Currency and Accounting formats save a negative in parentheses (``($172.92)``; some exports
    with a space, ``$ (172.92)``, ``($ 172.92)``): it reads as ``recoup import`` and the sampling files read
    it (-172.92), in a column of other amounts too."""
    payments = PAYMENTS + f'C1,1,PM2,2025-03-01,92.00,"{written}"\n'
    parsed = read_table(_folder(tmp_path, [GOOD], payments=payments) / "payments.csv")
    assert parsed.problems == [] and parsed.data["paid_cents"].tolist() == [7360, cents]


@pytest.mark.parametrize("written", ["-", " - ", "$ -", " $  - ", "$-"])
def test_zero_as_excels_accounting_format_saves_it_is_read_as_recoup_import_reads_it(tmp_path, written):
    """A sheet in Excel's Accounting format saved as CSV holds ``-`` or ``$ -`` for zero: ``recoup import``
    reads it as 0.00, the audit folder refused it ("expected an amount in dollars")."""
    from recoup_lib.ingest._values import read_money

    payments = PAYMENTS + f'C1,1,PM2,2025-03-01,"{written}",0.00\n'
    parsed = read_table(_folder(tmp_path, [GOOD], payments=payments) / "payments.csv")
    assert parsed.problems == [] and parsed.data["allowed_cents"].tolist() == [9200, 0]
    assert read_money(pa.array([written.strip()])).cents.tolist() == [0]


@pytest.mark.parametrize("written", ["(1000000000000.00)", "($1,000,000,000,000.00)", "$ (1000000000000)",
                                     "1000000000000.00-", "$1,000,000,000,000.00-"])
def test_a_negative_of_a_trillion_dollars_is_refused_as_too_large_as_the_plain_form_is(tmp_path, written):
    """-1000000000000.00 is refused as "an amount under a trillion dollars"; written in parentheses or with its
    minus after it, it got the general "expected an amount in dollars" instead."""
    payments = PAYMENTS + f'C1,1,PM2,2025-03-01,92.00,"{written}"\nC1,1,PM3,2025-03-01,92.00,-1000000000000.00\n'
    parsed = read_table(_folder(tmp_path, [GOOD], payments=payments) / "payments.csv")
    assert [(p.row, p.value, p.expected) for p in parsed.problems] == [
        (3, written, "an amount under a trillion dollars (at most 999999999999.99)"),
        (4, "-1000000000000.00", "an amount under a trillion dollars (at most 999999999999.99)")]


@pytest.mark.parametrize("written", ["( 5.00 )", "( 5000000000000.00 )"])
def test_spaces_inside_parentheses_are_refused_alike_whatever_the_amounts_size(tmp_path, written):
    """The reader refuses ``( 5.00 )`` (spaces inside the parentheses) as no amount; the same form a
    trillion dollars large was measured as a negative and refused as too large: a second rule."""
    payments = PAYMENTS + f'C1,1,PM2,2025-03-01,92.00,"{written}"\n'
    parsed = read_table(_folder(tmp_path, [GOOD], payments=payments) / "payments.csv")
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [(3, "paid", written)]
    assert "trillion" not in parsed.problems[0].expected


@pytest.mark.parametrize("written", ["(-172.92)", "(172.92", "-($172.92)", "($1,23.00)", "(172.925)", "()",
                                     "$ ($172.92)"])
def test_an_amount_half_written_in_parentheses_is_still_set_aside(tmp_path, written):
    payments = PAYMENTS + f'C1,1,PM2,2025-03-01,92.00,"{written}"\n'
    parsed = read_table(_folder(tmp_path, [GOOD], payments=payments) / "payments.csv")
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [(3, "paid", written)]


@pytest.mark.parametrize("max_memory", [[], ["--max-memory", "1GB"]])
@pytest.mark.parametrize("workbook", ["documentation.xlsx", "documentation.xls", "documentation.XLSX"])
def test_a_workbook_beside_a_missing_optional_csv_is_named(tmp_path, capsys, max_memory, workbook):
    """documentation.xlsx where documentation.csv should be: the audit said only "no documentation.csv";
    it now says the workbook is there and to save it as CSV under the name the audit reads."""
    folder = _folder(tmp_path, [GOOD])
    (folder / workbook).write_bytes(b"PK\x03\x04 a workbook")
    assert main(["audit", str(folder), "--no-defaults", *max_memory, "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr()
    assert (f"{workbook} is in the folder, but the audit reads documentation.csv: save the workbook from "
            "the spreadsheet as \"CSV UTF-8\" named documentation.csv") in said.out + said.err


@pytest.mark.parametrize("max_memory", [[], ["--max-memory", "1GB"]])
def test_a_workbook_beside_a_missing_required_csv_is_named(tmp_path, capsys, max_memory):
    folder = _folder(tmp_path, [GOOD])
    (folder / "payments.csv").rename(folder / "payments.xlsx")
    assert main(["audit", str(folder), "--out", str(tmp_path / "out"), *max_memory]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "payments.csv: required file not found in" in err
    assert ("payments.xlsx is in the folder, but the audit reads payments.csv: save the workbook from the "
            "spreadsheet as \"CSV UTF-8\" named payments.csv") in err


@pytest.mark.parametrize(("file", "rule"), [("fee_schedule.csv", "overpaid_rate"), ("coverage.csv", "coverage_lapsed")])
def test_a_file_of_blank_rows_alone_is_not_said_to_have_its_rows_set_aside(file, rule):
    """fee_schedule.csv of a header and 3 rows of commas (3 read, 0 used, 0 set aside, 3 blank) was
    warned about as "no usable row (all 3 rows set aside)": its rows read count the blank ones."""
    counts = pd.DataFrame([(file, 3, 0, 0, 3)], columns=COUNT_COLUMNS)
    counts["source"] = "folder"
    warned = optional_file_warnings(counts)
    assert len(warned) == 1
    assert warned[0].startswith(f"WARNING: {file}: no usable row (a header and no rows but 3 blank one(s)), so {rule} ")
