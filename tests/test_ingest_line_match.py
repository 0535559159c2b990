"""The lines payments and notes without a line number are found on, and the words their reasons use."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recoup_lib.ingest._line_match import find_lines, find_note_lines


def _lines(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["claim_id", "line_no", "procedure_code", "modifiers", "service_date"]).astype(
        {"service_date": "datetime64[s]"})


def _rows(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["claim_id", "procedure_code", "service_date"]).astype(
        {"service_date": "datetime64[s]"})


def test_find_note_lines_speaks_of_notes_where_find_lines_speaks_of_payments():
    lines = _lines(("C1", 1, "99214", "", "2024-01-02"),
                   ("C2", 1, "97110", "GP", "2024-01-03"), ("C2", 2, "97110", "59", "2024-01-03"))
    rows = _rows(("C1", "99213", "2024-01-02"), ("C2", "97110", "2024-01-03"))
    paid = find_lines(rows.assign(paid_cents=np.int64(100)), lines)
    noted = find_note_lines(rows, lines, downcode=True)
    assert paid[1][0] == "the claim's only line (procedure code differs: 99213 paid, 99214 billed)"
    assert noted[1][0] == "the claim's only line (procedure code differs: 99213 in the note, 99214 billed)"
    several = "no line number, and several lines of its claim have its procedure code and service date (2 lines, "
    assert paid[2][1] == several + ("not alike: their modifiers differ, which the report does not give): which one "
                                    "each paid cannot be told")
    assert noted[2][1] == several + ("not alike: their modifiers differ, which the note does not give): which one "
                                     "each documents cannot be told")
    set_aside = find_note_lines(rows, lines, downcode=False)[2][0]
    assert set_aside == ("no line number, and no line of its claim has its procedure code and service date "
                         "(procedure code differs: 99213 in the note, 99214 billed)")
