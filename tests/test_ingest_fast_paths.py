"""The import's shortcuts give what the general way gives (recoup_lib.ingest._values, ._tables, ._build).

Money already written as the contract writes it is kept rather than read and
written again; UTF-8 is checked by Arrow rather than by decoding the file;
dates are handed to the contract check already read. Each shortcut is
compared here with the general way on the values where they could differ.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from recoup_lib.ingest import import_files
from recoup_lib.ingest._tables import _is_utf8, decode_bytes
from recoup_lib.ingest._values import to_money
from recoup_lib.synthetic import generate_practice
from recoup_lib.synthetic._export import write_messy_export

MONEY = ["190.00", "0.50", "0.05", "0.00", "00.05", "012.00", "(0.00)", "($3.84)", "$1,234.50", "12,34.50",
         "999999999999.99", "1000000000000.00", "9999999999999.00", "-12.00", "12.5", "12.", ".5", "1e3",
         "5.00 CR", "5.00-", "(-5.00)", "+7.25", "USD 8.00", "", " ", "abc", "1.234", "12.500", "$ 4.00",
         "0.001", "123456789012.34", "0123456789012.34"]


def _reference(written: str) -> tuple[str, bool]:
    """What the contract spelling of an amount is, worked out with Decimal (the values above only)."""
    s = written.strip()
    if not s:
        return "", False
    negative = False
    s = re.sub(r"(?i)usd", "", s).strip()
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.upper().endswith("CR"):
        negative, s = True, s[:-2].strip()
    if s.endswith("-") and len(s) > 1:
        negative, s = True, s[:-1]
    s = re.sub(r"^([-+]?)\s*\$\s*", r"\1", s)
    if "," in s and not re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?", s):
        return written.strip(), True
    s = s.replace(",", "").removeprefix("+")
    if not re.fullmatch(r"-?(\d{1,16}(\.\d*)?|\.\d+)", s) or (negative and s.startswith("-")):
        return written.strip(), True
    value = Decimal(s)
    if value != value.quantize(Decimal("0.01")) or abs(value) >= 10**12:
        return written.strip(), True
    value = -value if negative else value
    return (f"{value:.2f}" if value != 0 else "0.00"), False


def test_money_plain_or_not_reads_as_the_general_rule_and_alone_as_in_a_column():
    column, bad = to_money(MONEY)
    for i, written in enumerate(MONEY):
        assert (column[i].as_py(), bool(bad[i])) == _reference(written), written
        alone, alone_bad = to_money([written])
        assert (alone[0].as_py(), bool(alone_bad[0])) == (column[i].as_py(), bool(bad[i])), written


def test_a_column_of_plain_amounts_is_returned_as_written():
    values = pa.array(["190.00", "15.00", "0.50", "0.00", "999999999999.99"])
    out, bad = to_money(values)
    assert out.to_pylist() == values.to_pylist() and not bad.any()


@pytest.mark.parametrize("data", [b"plain ascii", b"caf\xc3\xa9", b"\xef\xbf\xbe", b"\xf0\x9f\x92\xb0 paid",
                                  b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xe2\x82", b"Pe\xf1a",
                                  b"\x80", b"ok\xc3", b""])
def test_utf8_check_agrees_with_pythons_decoder(data):
    try:
        data.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    assert _is_utf8(data) is expected
    assert (decode_bytes(data)[1] == "utf-8") is expected


def test_dates_handed_over_read_still_show_as_text_in_rows_the_contract_check_sets_aside(tmp_path):
    write_messy_export(generate_practice(lines=200, seed=3), tmp_path, payments_as="csv", claims837=False)
    charges = tmp_path / "charges.csv"
    lines = charges.read_bytes().split(b"\n")
    header = next(i for i, line in enumerate(lines) if re.search(rb"DOS|Date of Service", line))
    lines.insert(header + 3, lines[header + 2])          # the same claim line twice
    charges.write_bytes(b"\n".join(lines))
    result = import_files(charges)
    claim_lines = result.tables["claim_lines.csv"]
    assert str(claim_lines["service_date"].dtype).startswith("datetime64")
    aside = result.sources[0].aside
    repeated = aside[aside["_reason"].str.contains("a key not used by an earlier row")]
    assert len(repeated) == 1
    for name in ("service_date", "submitted_date"):
        value = repeated[name].iloc[0]
        assert isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), (name, value)
        kept = claim_lines.loc[claim_lines["_row"] == int(repeated["_row"].iloc[0]) - 1, name]
        assert pd.Timestamp(value) == kept.iloc[0]
