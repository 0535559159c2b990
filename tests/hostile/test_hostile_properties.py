"""Properties over arbitrary text: any value survives write -> read, no written cell starts a formula,
and an audit over a practice with arbitrary text in any cell never crashes."""

from __future__ import annotations

import re
import shutil

import pandas as pd
from hostile_helpers import Harness, formula_cells, rewrite_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recoup_lib.folder import read_csv_text, write_csv
from recoup_lib.formulas import guard_formulas, unguard_formulas

# Text as users' files hold it: formula starts, quotes, separators, line breaks, tabs, unicode.
_ALPHABET = st.sampled_from(list("=+-@'\t\r\n,;\"$\\ aZ09.é€") + ["\x00", "\u2028", "\ufeff"])
TEXT = st.text(alphabet=_ALPHABET, max_size=12) | st.text(max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=30))
def test_guard_then_unguard_gives_back_any_text(values):
    import pyarrow as pa

    arr = pa.array(values, pa.string())
    assert unguard_formulas(guard_formulas(arr)).to_pylist() == values


def _guarded_one_by_one(value):
    import re

    if value is None or not re.match(r"^'*[=+\-@\t\r]", value):
        return value
    if re.match(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$", value):
        return value
    return "'" + value


@settings(max_examples=150, deadline=None)
@given(st.lists(st.none() | TEXT, max_size=30), st.integers(0, 30), st.integers(0, 30),
       st.booleans(), st.booleans())
def test_guard_formulas_guards_exactly_the_values_one_by_one_checks_would(values, start, stop, large, chunked):
    """Whatever the array's layout (a slice, several chunks, large offsets, nulls and empty values
    next to formula starts), the quick first look never lets a formula through."""
    import pyarrow as pa

    arr = pa.array(values, pa.large_string() if large else pa.string()).slice(start, max(0, stop - start))
    if chunked:
        arr = pa.chunked_array([arr.slice(0, len(arr) // 2), arr.slice(len(arr) // 2)], arr.type)
    expected = [_guarded_one_by_one(v) for v in arr.to_pylist()]
    assert guard_formulas(arr).to_pylist() == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=15), TEXT)
def test_any_text_survives_write_then_read_and_no_cell_starts_a_formula(tmp_path, rows, header):
    folder = tmp_path / "round"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    # A header is read back without its control characters (a NUL, a line break) and surrounding spaces.
    cleaned = re.sub(r"[\x00-\x1f\x7f]", "", header).strip()
    name = header if cleaned and not cleaned.startswith("_") else "note"
    frame = pd.DataFrame({"id": [a for a, _ in rows], name: [b for _, b in rows]}, dtype="str")
    path = write_csv(frame, folder / "t.csv", text=True)
    assert not formula_cells(path)
    raw, _rows, broken = read_csv_text(path)
    assert len(broken) == 0
    assert list(raw.columns) == ["id", cleaned if name == header else name]
    assert raw["id"].tolist() == frame["id"].tolist()
    assert raw.iloc[:, 1].tolist() == frame[name].tolist()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["claim_lines.csv", "payments.csv", "coverage.csv", "documentation.csv", "notices.csv"]),
       st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=12), TEXT)
def test_an_audit_with_any_text_in_any_cell_never_crashes(tmp_path, practice_template, file, row, column, value):
    case = tmp_path / "case"
    shutil.rmtree(case, ignore_errors=True)
    case.mkdir()
    hostile = Harness(case, practice_template)
    folder = hostile.practice()

    def change(rows):
        target = rows[min(row, len(rows) - 1)]
        target[column % len(target)] = value
    rewrite_csv(folder / file, change)
    hostile.run("audit", folder, "--out", "out", expect={0, 1}, out="out", names=["csv"])
