"""Rows whose key came earlier from another file are set aside, whatever the number of files.

``recoup_lib.ingest._run._dedupe_across`` finds each key's first file with one group-by over all
the files; these tests hold it to the plain reading of the rule (each file compared with every file
before it) on random files, and check what the user is told.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup_lib.ingest._result import SourceReport
from recoup_lib.ingest._run import _dedupe_across

KEY = ("claim_id", "line_no")


def _files(draw_rows: list[list[tuple]]) -> list[tuple[pd.DataFrame, SourceReport]]:
    parsed = []
    for i, rows in enumerate(draw_rows):
        data = pd.DataFrame({"claim_id": pd.Series([r[0] for r in rows], dtype="str"),
                             "line_no": pd.Series([r[1] for r in rows], dtype="int64"),
                             "_row": pd.Series(np.arange(len(rows)) + 2, dtype="int64")})
        parsed.append((data, SourceReport(label=f"export_{i}.csv", kind="claims", format="csv",
                                          rows_read=len(rows), rows_used=len(rows))))
    return parsed


def _set_aside_by_the_rule(files: list[list[tuple]]) -> list[list[int]]:
    """The rows (``_row``) of each file whose key some earlier file holds."""
    seen: set[tuple] = set()
    aside = []
    for rows in files:
        aside.append([i + 2 for i, row in enumerate(rows) if row in seen])
        seen |= set(rows)
    return aside


_row = st.tuples(st.sampled_from(["C1", "C2", "C3", "", "C 1"]), st.integers(1, 3))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_row, max_size=8), min_size=0, max_size=6))
def test_a_key_from_an_earlier_file_sets_the_later_row_aside_and_nothing_else(files):
    parsed = _files(files)
    problems: list = []
    kept = _dedupe_across(parsed, KEY, problems)
    expected = _set_aside_by_the_rule(files)
    assert len(kept) == len(files)
    for rows, data, (_, report), aside in zip(files, kept, parsed, expected):
        assert data["_row"].tolist() == [i + 2 for i in range(len(rows)) if i + 2 not in aside]
        assert report.rows_set_aside == len(aside) and report.rows_used == len(rows) - len(aside)
        assert (report.aside["_row"].tolist() if len(report.aside) else []) == aside
    assert [(p.file, p.row) for p in problems] == [(f"export_{i}.csv", r) for i, rows in enumerate(expected)
                                                   for r in rows]


def test_the_message_names_the_file_row_and_key():
    parsed = _files([[("C1", 1), ("C2", 1)], [("C2", 1), ("C1", 2)], [("C1", 2), ("C1", 1)]])
    problems: list = []
    kept = _dedupe_across(parsed, KEY, problems)
    assert [len(k) for k in kept] == [2, 1, 0]
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("export_1.csv", 2, "claim_id,line_no"), ("export_2.csv", 2, "claim_id,line_no"),
        ("export_2.csv", 3, "claim_id,line_no")]
    assert all("came earlier from another file" in p.message for p in problems)
    assert parsed[2][1].aside[["claim_id", "line_no"]].values.tolist() == [["C1", "2"], ["C1", "1"]]
