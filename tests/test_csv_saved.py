"""Reading a kit file as a person saved it again (recoup_lib.csvsaved): UTF-8 is checked once."""

from __future__ import annotations

import pandas as pd
import pytest

from recoup_lib import csvread
from recoup_lib.csvread import read_csv_text
from recoup_lib.csvsaved import read_as_saved
from recoup_lib.schema import FileSpec

ROWS = "notice_id,decision,note\r\nN0,appeal,Muñoz\r\nN1,accept,Peña\r\n,,\r\n"
SPEC = FileSpec("decisions.csv", ())


@pytest.fixture
def arrow_checks(monkeypatch) -> list[bool]:
    """Whether each of the fast reader's Arrow reads checks UTF-8 itself."""
    checks: list[bool] = []
    options = csvread.arrow_options

    def spied(*args, **kwargs):
        checks.append(kwargs.get("check_utf8", True))
        return options(*args, **kwargs)

    monkeypatch.setattr(csvread, "arrow_options", spied)
    return checks


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_bytes_checked_as_utf8_before_the_read_are_not_checked_again_by_arrow(tmp_path, arrow_checks, encoding):
    """text_encoding checks every byte of a UTF-8 file (and a decoded copy is UTF-8 as its codec wrote
    it): Arrow was asked to check each value again."""
    path = tmp_path / "decisions.csv"
    path.write_bytes(ROWS.encode(encoding))
    raw, rows, broken, reading = read_as_saved(path, SPEC, path.name)
    assert arrow_checks and not any(arrow_checks)
    assert raw["note"].tolist() == ["Muñoz", "Peña"] and rows.tolist() == [2, 3] and broken.empty
    assert (reading.encoding, reading.blank_rows) == (encoding, 1)


def test_a_file_read_without_the_check_is_still_checked_by_arrow(tmp_path, arrow_checks):
    path = tmp_path / "decisions.csv"
    path.write_bytes(ROWS.encode("cp1252"))
    raw, rows, broken = read_csv_text(path, SPEC)
    assert all(arrow_checks)
    assert pd.Series(broken["_row"]).tolist() == [2, 3]


def test_the_rows_in_the_file_are_counted_where_they_are_read(tmp_path):
    """The sampling readers added the blank and malformed rows to the rows parsed by hand; the reading
    counts every row under the header, as ParsedTable.rows_in_file does for a contract file."""
    path = tmp_path / "decisions.csv"
    path.write_text(ROWS + "N2,appeal,a,too many\r\n,\r\nN3,accept,\r\n", encoding="utf-8")
    raw, rows, broken, reading = read_as_saved(path, SPEC, path.name)
    assert (len(raw), len(broken), reading.blank_rows) == (3, 1, 2)
    assert reading.rows_in_file == 6
