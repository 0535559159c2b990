"""Loading CMS's quarterly Medicare interest-rate notices (recoup_lib.appeals.read_rate_notices and
``recoup reference import-interest-rates``): both layouts, rows set aside with reasons, placeholders replaced."""

from __future__ import annotations

import pandas as pd
import pytest

from recoup_lib.appeals import (
    decide, interest_due, load_profiles, merge_rate_notices, rate_on, read_rate_notices, with_rate_notices,
    worklist,
)
from recoup_lib.cli import main
from recoup_lib.errors import InputError
from recoup_lib.folder import write_csv

PROFILES = load_profiles()
TABLE = ('Period,Interest Rate\n'
         '"January 21, 2025 \u2013 April 20, 2025",9.875%\n'
         '"April 21, 2025 - July 20, 2025",9.75%\n'
         'not a period,10%\n'
         '"July 21, 2025 \u2013",9.625\n')


def _write(tmp_path, text, name="rates.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_read_rate_notices_reads_the_transmittal_table_and_sets_aside_bad_rows(tmp_path):
    got = read_rate_notices(_write(tmp_path, TABLE))
    rates = got.rates
    assert rates["rate_percent"].tolist() == ["9.875", "9.75", "9.625"]
    assert [f"{d:%Y-%m-%d}" for d in rates["effective_date"]] == ["2025-01-21", "2025-04-21", "2025-07-21"]
    assert f"{rates['end_date'].iloc[0]:%Y-%m-%d}" == "2025-04-20" and pd.isna(rates["end_date"].iloc[2])
    assert (rates["status"] == "confirmed").all() and rates["source_url"].str.startswith("https://").all()
    assert got.rows_read == 4 and len(rates) + got.rows_set_aside == got.rows_read
    (problem,) = got.problems
    assert problem.message.startswith("rates.csv, row 4, column 'Period': expected a date")


def test_read_rate_notices_reads_one_notice_a_row_with_us_dates_and_windows_1252(tmp_path):
    text = ("Effective Date,Rate,Transmittal,Note\n01/21/2025,9.875,R1234FM,caf\u00e9\n"
            "04/21/2025,9.750,R1250FM,\n")
    got = read_rate_notices(_write(tmp_path, text, encoding="cp1252"))
    assert [f"{d:%Y-%m-%d}" for d in got.rates["end_date"].iloc[:1]] == ["2025-04-20"]  # the day before the next
    assert got.rates["source"].tolist() == ["R1234FM", "R1250FM"] and got.rates["note"].iloc[0] == "caf\u00e9"


@pytest.mark.parametrize("text, message", [
    ("date,amount\n2025-01-01,10\n", r"expected columns effective_date and rate_percent .*got 'date', 'amount'"),
    ("effective_date,rate_percent\nsoon,ten\n",
     r"no usable rate notice \(its 1 row set aside\).*row 2, column 'effective_date'"),
    ("effective_date,rate_percent\n,\n\n", r"no usable rate notice \(a header and no rows but 2 blank one\(s\)\)\.$"),
    ("effective_date,end_date,rate_percent\n2025-01-01,2025-06-30,9.5\n2025-04-01,,9.0\n",
     r"rates.csv, row 3, column 'effective_date': expected a date after 2025-06-30.*may not overlap"),
])
def test_read_rate_notices_refuses_what_it_cannot_use_naming_file_row_and_column(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        read_rate_notices(_write(tmp_path, text))


def test_loaded_rates_replace_the_placeholders_and_interest_is_shown(tmp_path):
    notices = read_rate_notices(_write(tmp_path, TABLE))
    assert rate_on("2025-03-01", PROFILES).placeholder
    profiles = with_rate_notices(PROFILES, notices)
    assert rate_on("2025-03-01", profiles).rate_percent == "9.875"
    assert rate_on("2026-06-01", profiles).rate_percent == "9.625"  # the last notice is still in force
    assert rate_on("2025-01-10", profiles) is None                  # the placeholder year is gone, not kept
    assert rate_on("2015-07-30", profiles).rate_percent == "9.75"   # older rows stay
    due = interest_due(1_000_000, "2025-05-01", "2025-07-01", profiles)
    assert (due.periods, due.per_period_cents, due.total_cents) == (2, 8125, 16250)  # 10,000 x 9.75% x 30/360
    hidden = interest_due(1_000_000, "2025-05-01", "2025-07-01", PROFILES)
    assert hidden.total_cents is None and "not shown" in hidden.note
    shown = interest_due(1_000_000, "2025-05-01", "2025-07-01", PROFILES, allow_placeholder=True)
    assert shown.total_cents == 2 * 8750 and "PLACEHOLDER" in shown.note
    merged = merge_rate_notices(PROFILES.interest_rates, notices)
    assert not merged["note"].str.contains("PLACEHOLDER").any()
    assert merged["effective_date"].is_monotonic_increasing


def test_worklist_interest_uses_the_loaded_rates(tmp_path):
    notices = pd.DataFrame({"notice_id": ["N1"], "payer_id": ["M"], "claim_id": ["C"], "line_no": [1],
                            "notice_date": pd.to_datetime(["2025-05-01"]), "amount_cents": [1_000_000],
                            "error_type": ["upcoding"]})
    payers = pd.DataFrame({"payer_id": ["M"], "name": ["Medicare"], "payer_type": ["medicare"], "state": [""]})
    payments = pd.DataFrame({"claim_id": ["C"], "line_no": [1], "payment_date": pd.to_datetime(["2025-02-01"]),
                             "paid_cents": [1_000_000]})
    profiles = with_rate_notices(PROFILES, read_rate_notices(_write(tmp_path, TABLE)))
    d = decide(notices, payers, None, payments, profiles=profiles)
    row = worklist(d, "2025-07-01", profiles).iloc[0]
    assert (row["interest_accrued_cents"], row["interest_rate_percent"], row["interest_rate_status"]) == \
        (16250, "9.75", "confirmed")


def test_cli_import_interest_rates_writes_a_table_recoup_appeal_reads_and_a_rerun_replaces(tmp_path, capsys):
    source = _write(tmp_path, TABLE)
    folder = tmp_path / "rules"
    folder.mkdir()
    assert main(["reference", "import-interest-rates", str(source), "--out", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "4 rows read = 3 used + 1 set aside" in out and "0 placeholder row(s) left" in out
    loaded = load_profiles(folder)
    assert loaded.sources["medicare_interest_rates.csv"] == str(folder / "medicare_interest_rates.csv")
    assert rate_on("2025-05-01", loaded).rate_percent == "9.75"
    _write(tmp_path, TABLE.replace("9.75", "9.875"))
    assert main(["reference", "import-interest-rates", str(source), "--out", str(folder)]) == 0
    assert rate_on("2025-05-01", load_profiles(folder)).rate_percent == "9.875"


@pytest.mark.parametrize("mine", ["a_users_file", "another_steps_file"])
def test_cli_import_interest_rates_never_writes_over_a_file_it_did_not_write(tmp_path, capsys, mine):
    """The step replaces only a table it wrote itself (a rerun after the next notice); a file of the user's,
    or one another step wrote, is refused (exit 2) and left as it was."""
    source = _write(tmp_path, TABLE)
    out = tmp_path / "medicare_interest_rates.csv"
    if mine == "a_users_file":
        out.write_text("effective_date,rate_percent\n2025-01-01,1\n", encoding="utf-8")
    else:
        write_csv(pd.DataFrame({"effective_date": ["2025-01-01"]}), out)
    before = out.read_bytes()
    assert main(["reference", "import-interest-rates", str(source), "--out", str(out)]) == 2
    assert "--out" in capsys.readouterr().err
    assert out.read_bytes() == before


def test_a_windows_1252_file_with_a_byte_order_mark_and_a_row_of_commas_is_read(tmp_path):
    text = "Effective Date,Rate,Note\r\n01/21/2025,9.875,Peña\r\n,,\r\n04/21/2025,9.750,café\r\n"
    path = tmp_path / "rates.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("cp1252"))
    got = read_rate_notices(path)
    assert got.rates["rate_percent"].tolist() == ["9.875", "9.750"]
    assert got.rates["note"].tolist() == ["Peña", "café"] and (got.rows_read, got.problems) == (2, [])
    assert (got.blank_rows, got.rows_in_file) == (1, 3)


def test_cli_import_interest_rates_counts_and_says_the_blank_rows_it_skips(tmp_path, capsys):
    """Blank rows under the header were skipped without a word, where every other import counts them
    among the rows read; the blank lines above the header are no rows of the table."""
    source = _write(tmp_path, "\n,,\n" + TABLE.replace("9.75%\n", "9.75%\n,\n\n , \n"))
    assert main(["reference", "import-interest-rates", str(source), "--out", str(tmp_path / "r.csv")]) == 0
    assert "rates.csv: 7 rows read = 3 used + 1 set aside + 3 blank row(s) skipped" in capsys.readouterr().out


def test_a_quote_that_runs_away_sets_aside_its_row_and_the_rows_after_it_are_read(tmp_path):
    """A stray quote left open swallowed every row after it into its value (one row read, the later
    notices lost without a word); it is cut as the kit's other CSV readers cut it, its row set aside."""
    text = ('effective_date,end_date,rate_percent,note\n2025-01-01,,9.5,"as announced\n'
            '2025-04-01,,9.25,\n2025-07-01,,9.0,"two\nlines"\n')
    got = read_rate_notices(_write(tmp_path, text))
    assert got.rates["rate_percent"].tolist() == ["9.25", "9.0"] and got.rates["note"].iloc[1] == "two\nlines"
    (problem,) = got.problems
    assert problem.message.startswith("rates.csv, row 2, column 'note': expected a closing quote")
    assert got.rows_read == 3
