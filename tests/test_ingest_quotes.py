"""``recoup import``: a stray quote in an export is set aside where it opens, never taken as data or a footer.

A value may hold line breaks in an export (a Notes column), so a quote may span lines; a quote never
closed, or closed only after taking in lines that look like rows, is a mistake of the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recoup_lib.cli import main
from recoup_lib.ingest import import_files

HEADER = "Claim #,Line #,Patient Acct,Notes,Ins Code,Rendering NPI,DOS,Date Billed,CPT,Units,Billed Amt,Dx 1,POS"


def _row(claim: int, notes: str = "", amount: str = "$1190.00") -> str:
    return f"C{claim},1,P1,{notes},MCR01,1234567893,01/31/2025,2/3/25,99213,1,{amount},E11.9,11"


def _import(tmp_path: Path, rows: list[str], ending: str = "\n", encoding: str = "utf-8",
            delimiter: str = ","):
    lines = [HEADER.replace(",", delimiter)] + [r.replace(",", delimiter) if delimiter != "," else r for r in rows]
    path = tmp_path / "charges.csv"
    path.write_bytes(("\n".join(lines).replace("\n", ending or "\n") + ending).encode(encoding))
    result = import_files(path)
    return result, result.sources[0]


@pytest.mark.parametrize("ending", ["\n", "\r\n", ""])
@pytest.mark.parametrize("where", [2, 6])
def test_a_quote_never_closed_sets_its_row_aside_and_the_rest_is_read(tmp_path, where, ending):
    """A quote opened and never closed, mid-file (Python's csv module took every line after it as
    one value, later called a footer) or on the last row (Arrow closed it without a word)."""
    rows = [_row(i) for i in range(1, 7)]
    rows[where - 1] = rows[where - 1].replace(",MCR01,", ',"MCR01,')
    result, source = _import(tmp_path, rows, ending)
    bad = where + 1
    assert (source.rows_read, source.rows_used, source.rows_set_aside) == (6, 5, 1)
    assert result.tables["claim_lines.csv"]["claim_id"].tolist() == [f"C{i}" for i in range(1, 7) if i != where]
    after = 6 - where
    reason = f"a quote opened in column 'Ins Code' and never closed (the {after:,} line(s) after it would be one value)"
    assert source.aside[["_row", "_reason"]].values.tolist() == [[bad, reason]]
    problem, = [p for p in result.problems if p.row == bad]
    assert (problem.file, problem.column, problem.expected) == ("charges.csv", "Ins Code", reason)
    assert problem.value == rows[where - 1][:60]


def test_a_quote_closed_only_rows_later_sets_its_row_aside(tmp_path):
    """A stray quote closed by another one four rows down: the three rows between looked like one
    long value (and the whole record like one row with too many fields); the row that closes it is
    read on its own, its quote then a character of its Notes."""
    rows = [_row(i) for i in range(1, 8)]
    rows[1] = rows[1].replace(",MCR01,", ',"MCR01,')
    rows[5] = _row(6, 'seen by "Dr. A"')
    result, source = _import(tmp_path, rows)
    assert source.aside["_row"].tolist() == [3]
    assert source.aside.loc[0, "_reason"] == ("a quote opened in column 'Ins Code' that takes in 3 line(s) looking "
                                              "like rows of their own (closed only on row 7)")
    lines = result.tables["claim_lines.csv"]
    assert lines["claim_id"].tolist() == ["C1", "C3", "C4", "C5", "C6", "C7"]
    assert lines.loc[lines["claim_id"] == "C6", "Notes"].tolist() == ['seen by "Dr. A"']
    assert (source.rows_read, source.rows_used, source.rows_set_aside) == (7, 6, 1)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_quoted_commas_and_a_multi_line_note_still_read(tmp_path, ending, encoding):
    """Legitimate quotes: a comma in an amount, and notes over two and three lines (one ending the
    file), each row numbered by the line it starts on."""
    rows = [_row(1, '"Called payer, twice\nwill resubmit"', '"$1,190.00"'), _row(2, "Peña", '"$1,190.00"'),
            _row(3, '"line one\n\nline three, with ""quotes"""', '"$1,190.00"')]
    result, source = _import(tmp_path, rows, ending, encoding)
    lines = result.tables["claim_lines.csv"]
    assert (source.rows_read, source.rows_used, source.rows_set_aside) == (3, 3, 0)
    assert lines["Notes"].tolist() == [f"Called payer, twice{ending}will resubmit", "Peña",
                                       f'line one{ending}{ending}line three, with "quotes"']
    assert lines["charge_cents"].tolist() == [119000] * 3
    assert lines["_row"].tolist() == [2, 4, 5]


def test_a_stray_quote_in_a_tab_separated_export(tmp_path):
    rows = [_row(1), _row(2).replace(",MCR01,", ',"MCR01,'), _row(3)]
    result, source = _import(tmp_path, rows, delimiter="\t")
    assert source.aside["_row"].tolist() == [3]
    assert "column 'Ins Code' and never closed" in source.aside.loc[0, "_reason"]
    assert result.tables["claim_lines.csv"]["claim_id"].tolist() == ["C1", "C3"]


def test_recoup_import_names_the_file_row_and_column_of_a_stray_quote(tmp_path, capsys):
    rows = [_row(i) for i in range(1, 5)]
    rows[1] = rows[1].replace(",MCR01,", ',"MCR01,')
    path = tmp_path / "charges.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    assert main(["import", "--claims", str(path), "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert "charges.csv (claims: CSV, UTF-8): 4 rows read = 3 used + 1 set aside" in said
    assert ("1 set aside: a quote opened in column 'Ins Code' and never closed (the 2 line(s) after it would be "
            "one value); e.g. row 3:") in said
