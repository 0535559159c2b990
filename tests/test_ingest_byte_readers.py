"""The import's byte-level readers give what the general readers give (recoup_lib.ingest).

Amounts of the common forms and dates of the usual shapes are read straight
from a column's bytes, a repetitive column once per distinct value, and a
Windows-1252 export is cut into cells before its accented letters are
decoded. Each is compared here with the general way on values chosen to
differ: every form the contract lists, values that must be set aside, and
non-ASCII text in every column.
"""

from __future__ import annotations

import csv
import io
import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from recoup_lib.ingest import import_files
from recoup_lib.ingest._build import text_frame
from recoup_lib.ingest._calendar import days_in_month, days_since_1970, read_dates
from recoup_lib.ingest._distinct import _MIN_ROWS, distinct_values
from recoup_lib.ingest._tables import _transcoded, decode_bytes
from recoup_lib.ingest._values import _read_money_marks, join_lists, money_text, read_money, text, to_flags

AMOUNTS = ["131.00", "$131.00", "$1,234.50", "1,234.50", "($3.84)", "(12.00)", "(0.00)", "-12.00", "-0.00", "1234",
           "$1,234", "0.05", "00.05", "012.00", "999999999999.99", "1000000000000.00", "$999,999,999,999.99",
           "12.5", "(12.5)", "($1,000.5)", "$1,000.5", "-0.5", "12.", ".5", "(1,000.505)", "12.345", "12.500", "1,23.00", "1234,567.00", ",123.00", "(-5.00)", "($-3.84)",
           "$ (3.84)", "($ 3.84)", "$(3.84)", "$ ($3.84)", "$ (-3.84)", "$  (3.84)", "($  3.84)",
           "$-4.00", "-$5.00", "+7.25", "5.00 CR", "5.00-", "USD 8.00", "$ 4.00", "( 3.00 )", "(5.00", "5.00)",
           "$", "()", "-", "", "abc", "1e3", "Peña", "€5.00", "$12.00€"]


def _random_amount(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(AMOUNTS)
    whole = str(rng.randint(0, 10 ** rng.randint(1, 13)))
    if rng.random() < 0.3:
        whole = f"{int(whole):,}"
    value = whole + rng.choice(["", ".00", ".5", ".05", ".", ".123"])
    value = rng.choice(["", "$", "-", "-$", "$-", "+"]) + value
    return f"({value})" if rng.random() < 0.2 else value


def _same_money(values: list[str]) -> None:
    arr = text(pa.array(values, pa.string()))
    fast, general = read_money(arr), _read_money_marks(arr)
    for name in ("cents", "blank", "bad"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(general, name), err_msg=name)
    assert money_text(fast).to_pylist() == money_text(general).to_pylist()


@pytest.mark.parametrize("seed", range(4))
def test_amounts_read_from_the_bytes_are_what_the_mark_by_mark_reading_gives(seed):
    rng = random.Random(seed)
    for _ in range(300):
        _same_money([_random_amount(rng) for _ in range(rng.randint(1, 25))])
    for value in AMOUNTS:
        _same_money([value])


def test_a_long_repetitive_column_is_read_once_per_distinct_value_with_the_same_results():
    rng = random.Random(7)
    values = [rng.choice(AMOUNTS) for _ in range(_MIN_ROWS)]
    assert distinct_values(text(pa.array(values))) is not None
    _same_money(values)
    dates = [rng.choice(DATES + [written for written, _ in US_DATES]) for _ in range(_MIN_ROWS)]
    assert distinct_values(text(pa.array(dates))) is not None
    arr, days, ok, blank, serial = read_dates(dates)
    alone = [read_dates([value]) for value in DATES + [written for written, _ in US_DATES]]
    by_value = {value: (d[0], o[0], b[0], s[0])
                for value, (_, d, o, b, s) in zip(DATES + [w for w, _ in US_DATES], alone)}
    for i, value in enumerate(dates):
        want = by_value[value]
        assert (ok[i], blank[i], serial[i]) == want[1:], value
        if ok[i]:
            assert days[i] == want[0], value


US_DATES = [("01/31/2025", "2025-01-31"), ("1/31/25", "2025-01-31"), ("1/3/25", "2025-01-03"),
            ("12/31/1999", "1999-12-31"), ("1/1/68", "2068-01-01"), ("1/1/69", "1969-01-01"),
            ("01-31-2025", "2025-01-31"), ("01.31.2025", "2025-01-31"), ("20250131", "2025-01-31"),
            ("2025-01-31", "2025-01-31"), ("2025/1/3", "2025-01-03"), ("2/29/2024", "2024-02-29"),
            ("2/29/2000", "2000-02-29"), ("1/1/1900", "1900-01-01"), ("12/31/2100", "2100-12-31"),
            ("45688", "2025-01-31"), ("31-Jan-2025", "2025-01-31"), ("Jan 31, 2025", "2025-01-31"),
            ("01/31/2025 00:00:00", "2025-01-31")]
DATES = ["2/29/2025", "2/29/1900", "4/31/2025", "13/01/2025", "00/10/2025", "1/32/2025", "12/31/1899",
         "1/1/2101", "2025-13-01", "20251301", "31/01/2025", "", "n/a", "01/31/2025é", "1/1/2025/1",
         "01/03/0025", "1/3/0099", "0025-01-03", "00250103", "01/03/0025 10:00"]


@pytest.mark.parametrize("written, iso", US_DATES)
def test_every_us_date_form_reads_to_its_day_alone_and_in_columns_of_one_or_many_lengths(written, iso):
    for column in ([written], [written] * 5, [written, "1/2/25", "2025-02-03"], ["x", written][1:]):
        _, days, ok, _, serial = read_dates(pa.array(column).slice(0) if column else column)
        assert ok[column.index(written)], (written, column)
        assert serial[column.index(written)] == (written == "45688")      # the one serial number
        assert str(days[column.index(written)]) == iso


@pytest.mark.parametrize("written", DATES)
def test_impossible_dates_and_text_are_not_dates_in_any_column(written):
    for column in ([written], [written] * 5, [written, "1/2/25", "2025-02-03"]):
        _, _, ok, blank, serial = read_dates(column)
        assert not ok[0] and not serial[0]
        assert blank[0] == (written == "")


def test_calendar_arithmetic_agrees_with_numpy_for_every_day_from_1900_to_2100():
    days = np.arange(np.datetime64("1900-01-01"), np.datetime64("2101-01-01"))
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    np.testing.assert_array_equal(days_since_1970(year, month, day), days.astype(np.int64))
    np.testing.assert_array_equal(days_in_month(year, month) >= day, True)
    last = days[np.r_[day[1:] == 1, True]]
    assert (days_in_month(year[np.r_[day[1:] == 1, True]], month[np.r_[day[1:] == 1, True]])
            == (last - last.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1).all()


@pytest.mark.parametrize("encoding", ["cp1252", "latin_1", "mac_roman", "cp850"])
def test_single_byte_cells_are_decoded_as_python_decodes_them(encoding):
    rng = random.Random(encoding)
    for _ in range(300):
        cells = [bytes(rng.choice([rng.randint(0, 127), rng.randint(128, 255)]) for _ in range(rng.randint(0, 6)))
                 for _ in range(rng.randint(1, 8))]
        arr = pa.array(cells, pa.binary())
        for start in (0, 1):
            try:
                want = [c.decode(encoding) for c in cells[start:]]
            except UnicodeDecodeError:
                with pytest.raises(UnicodeDecodeError):
                    _transcoded(arr.slice(start), encoding)
                continue
            got = _transcoded(arr.slice(start), encoding)
            got.validate(full=True)
            assert got.to_pylist() == want


HEADER = ["Claim #", "Line #", "Patient Acct", "Patient Name", "Ins Code", "Rendering NPI", "DOS", "Date Billed",
          "CPT", "Mod 1", "Units", "Billed Amt", "Dx 1", "POS"]
ROW = ["C1", "1", "P1", "Peña, José", "MCR01", "1234567893", "01/05/2025", "01/07/2025", "99213", "25", "1",
       "$120.00", "I10", "11"]


def _export(rows: list[list[str]], title: bool = True) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if title:
        writer.writerow(["Charge Detail Report"] + [""] * (len(HEADER) - 1))
    writer.writerows([HEADER] + rows + [["TOTAL"] + [""] * (len(HEADER) - 1)])
    return out.getvalue()


def _accented_rows() -> list[list[str]]:
    """A clean row, then one row per column with an accented letter in that column (most to set aside)."""
    rows = [list(ROW)]
    for j in range(len(HEADER)):
        row = list(ROW)
        row[0] = f"C{j + 2}"
        row[j] = row[j] + "é" if j else "Ç" + str(j)
        rows.append(row)
    return rows


def _import_text(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    result = import_files(path)
    source = result.sources[0]
    return result, source


def test_a_windows_1252_export_with_accents_in_every_column_imports_as_its_utf8_twin(tmp_path):
    body = _export(_accented_rows())
    cp, cp_source = _import_text(tmp_path, "cp.csv", body.encode("cp1252"))
    u8, u8_source = _import_text(tmp_path, "u8.csv", body.encode("utf-8"))
    assert cp_source.info["encoding"] == "cp1252" and u8_source.info["encoding"] == "utf-8"
    pd.testing.assert_frame_equal(cp.tables["claim_lines.csv"].drop(columns="_file"),
                                  u8.tables["claim_lines.csv"].drop(columns="_file"))
    pd.testing.assert_frame_equal(cp.rejected.drop(columns="file"), u8.rejected.drop(columns="file"))
    reasons = " ".join(cp.rejected["reason"])
    for header in ("Line #", "DOS", "Date Billed", "Units", "Billed Amt"):
        assert f"'{header}'" in reasons, header          # each set aside naming the column and the value
    assert "'01/05/2025é'" in reasons and "'$120.00é'" in reasons
    names = cp.tables["claim_lines.csv"]["Patient Name"].tolist()
    assert "Peña, Joséé" in names and "Peña, José" in names


def test_a_byte_windows_1252_leaves_undefined_is_read_as_latin_1_as_before(tmp_path):
    data = _export([list(ROW)]).encode("cp1252").replace("Peña".encode("cp1252"), b"Pe\x81a")
    result, source = _import_text(tmp_path, "odd.csv", data)
    assert source.info["encoding"] == decode_bytes(data)[1] == "latin_1"
    assert result.tables["claim_lines.csv"]["Patient Name"].tolist() == ["Pe\x81a, José"]


def test_formula_guards_are_undone_in_a_windows_1252_export_and_apostrophes_kept(tmp_path):
    rows = [list(ROW), list(ROW)]
    rows[1][0], rows[1][3] = "C2", "'=HYPERLINK(x)"
    rows[0][3] = "O'Brien, Peña"
    result, _ = _import_text(tmp_path, "guard.csv", _export(rows).encode("cp1252"))
    assert result.tables["claim_lines.csv"]["Patient Name"].tolist() == ["O'Brien, Peña", "=HYPERLINK(x)"]


@pytest.mark.parametrize("kept", [[True, True, False], [False, True, True], [True, False, True], [False] * 3])
def test_rows_kept_in_one_run_are_sliced_and_others_filtered_to_the_same_frame(kept):
    mask = np.array(kept)
    columns = {"a": pa.array(["x", "y", "z"]), "b": np.array([1, 2, 3]), "c": pd.array([1, None, 3], "Int64")}
    got = text_frame(columns, mask)
    want = pd.DataFrame({"a": pd.array(np.array(["x", "y", "z"])[mask], dtype=pd.StringDtype("pyarrow")),
                         "b": np.array([1, 2, 3])[mask], "c": pd.array([1, None, 3], "Int64")[mask]})
    pd.testing.assert_frame_equal(got, want)


def test_flags_and_lists_of_a_long_repetitive_column_are_what_each_value_gives_alone():
    rng = random.Random(3)
    flags = ["Y", "N", "yes", "No", "X", "", "1", "0.0", "maybe", "Checked", " y "]
    column = [rng.choice(flags) for _ in range(_MIN_ROWS)]
    assert distinct_values(text(pa.array(column))) is not None
    out, bad = to_flags(column)
    alone = {value: (flag[0].as_py(), bool(unread[0])) for value in flags for flag, unread in [to_flags([value])]}
    assert out.to_pylist() == [alone[v][0] for v in column]
    assert bad.tolist() == [alone[v][1] for v in column]
    lists = ["E11.9, I10", "I10", "", "25 59", "RT/59", ";25;", "J06.9|R05.9", "  "]
    column = [rng.choice(lists) for _ in range(_MIN_ROWS)]
    assert distinct_values(text(pa.array(column))) is not None
    joined = join_lists([column])
    joined_alone = {value: join_lists([[value]])[0].as_py() for value in lists}
    assert joined.to_pylist() == [joined_alone[v] for v in column]
