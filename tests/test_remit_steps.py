"""The two remittance steps as one call each: read_835 -> Remit, reconcile -> Reconciliation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from recoup_lib.outputs import MANIFEST
from recoup_lib.results import StepResult
from recoup_lib.remit import Reconciliation, Remit, read_835, reconcile

DATA = Path(__file__).parent / "data" / "835"
REMIT_DIR = Path(__file__).parents[1] / "recoup_lib" / "remit"


def test_read_835_returns_a_step_result_whose_summary_is_text_with_counts():
    remit = read_835([DATA / "domain-5.5.835"])
    assert isinstance(remit, StepResult) and isinstance(remit, Remit)
    text = remit.summary()
    assert isinstance(text, str)
    assert str(text) == "\n".join(remit.report())
    assert "taken back $135.00, each dollar once (gross $225.00" in text
    assert text["errors"] == 0 and text["transactions_used"] == 1
    assert remit.totals()["payment_total_cents"] == 28_735


def test_read_835_write_returns_every_path_it_wrote(tmp_path):
    remit = read_835([DATA / "domain-5.5.835"])
    written = remit.write(tmp_path / "out")
    # Beside the files listed, the folder holds the kit's manifest of what it wrote (output safety).
    assert sorted([p.name for p in written] + [MANIFEST]) == sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "summary.json" in {p.name for p in written}


def test_reconcile_takes_paths_or_a_remit_and_gives_the_same_tables():
    paths = [DATA / "domain-5.5-deferred.835", DATA / "domain-5.5-later.835"]
    by_path = reconcile(paths)
    by_remit = reconcile(read_835(paths))
    assert isinstance(by_path, StepResult) and isinstance(by_path, Reconciliation)
    for name in ("deposits", "links", "ledger", "cash_flow"):
        pd.testing.assert_frame_equal(getattr(by_path, name), getattr(by_remit, name))
    assert by_path.as_of.isoformat() == "2025-04-11"
    assert by_path.summary() == by_remit.summary()


def test_reconcile_summary_states_deposits_and_net_taken():
    result = reconcile([DATA / "domain-5.5.835"])
    text = result.summary()
    assert text.startswith("Reconciled 1 deposit(s) from 1 file(s)")
    assert "$287.35 deposited" in text and "took back $135.00 net" in text
    assert text.endswith("Every deposit balances to the cent.")


def test_reconcile_with_notices_ages_the_open_ledger(tmp_path):
    notices = tmp_path / "notices.csv"
    notices.write_text("notice_id,payer_id,claim_id,line_no,notice_date,amount,reason_code,"
                       "error_type\nN1,1999999999,PCN-B200,1,2025-01-02,60.00,45,"
                       "overpaid_rate\n", encoding="utf-8")
    result = reconcile([DATA / "domain-5.5.835"], notices=notices, as_of="2025-03-31")
    assert result.ledger["notice_id"].tolist() == ["N1"]
    assert int(result.ledger["open_cents"].iloc[0]) == 0
    assert "Notices: 1 read = 1 used + 0 set aside; as of 2025-03-31" in result.summary()
    names = {p.name for p in result.write(tmp_path / "out")}
    assert names == {"rejected.csv", "warnings.csv", "files.csv", "deposits.csv", "recoupment_links.csv",
                     "open_ledger.csv", "cash_flow.csv", "summary.json"}


def test_reconcile_of_nothing_readable_is_not_loaded_and_writes_only_why(tmp_path):
    bad = tmp_path / "bad.835"
    bad.write_text("not an 835\n", encoding="utf-8")
    result = reconcile([bad])
    assert not result.loaded
    assert [p.name for p in result.write(tmp_path / "out")] == ["rejected.csv", "warnings.csv", "files.csv"]
    assert "No usable 835 transaction in 1 file(s)" in result.summary()


def test_reconcile_name_is_the_function_whatever_is_imported_first():
    code = ("from recoup_lib.remit.reconcile import deposit_items\n"
            "import recoup_lib.remit as r\n"
            "from recoup_lib.remit import reconcile\n"
            "assert callable(reconcile) and reconcile is r.reconcile\n"
            "assert r.reconcile.__module__ == 'recoup_lib.remit._reconciliation'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_remit_modules_hold_one_idea_each_under_600_lines():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines())
             for p in REMIT_DIR.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 600} == {}
