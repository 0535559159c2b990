"""One as-of, one set of numbers: ``recoup report`` and ``recoup reconcile`` on a generated practice.

The report ages the open notices against the folder's own date (never the
wall clock), nets the money already taken back, and sets aside notices dated
after the as-of, exactly as ``recoup reconcile`` does for the same date.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from recoup_lib.cli import main
from recoup_lib.report import build_report
from recoup_lib.synthetic import generate

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("as_of") / "practice", lines=3000, seed=11)


def _report(practice, out, *as_of):
    assert main(["report", str(practice), "--out", str(out), *as_of]) == 0
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def _reconcile(practice, out, *as_of):
    assert main(["reconcile", str(practice / "remits"), "--notices", str(practice / "notices.csv"),
                 "--out", str(out), *as_of]) == 0
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def _ledger_aging(out) -> pd.DataFrame:
    ledger = pd.read_csv(out / "open_ledger.csv", dtype=str)
    still = ledger.loc[ledger["status"] != "closed"]
    cents = (still["open"].astype(float) * 100).round().astype("int64")
    return pd.DataFrame({"notices": still.groupby("aging").size(), "amount_cents": cents.groupby(still["aging"]).sum()})


@pytest.mark.parametrize("as_of", [None, "2026-03-01"])
def test_report_and_reconcile_agree_on_open_notices_and_aging_for_the_same_as_of(practice, tmp_path, capsys,
                                                                                as_of):
    given = [] if as_of is None else ["--as-of", as_of]
    report = _report(practice, tmp_path / "report", *given)
    recon = _reconcile(practice, tmp_path / "recon", *given)
    said = capsys.readouterr().out
    assert report["as_of"] == recon["as_of"]
    if as_of is None:
        assert "(the folder's own date: its latest payment, remittance or notice date)" in said
    assert report["notices"] == recon["notices_used"]
    assert report["notices_open"] == recon["notices_open"] > 0
    assert report["open_cents"] == recon["open_cents"] > 0
    assert report["taken_back_cents"] == recon["taken_back_cents"]
    aging = build_report(practice, as_of).aging.set_index("bucket")
    theirs = _ledger_aging(tmp_path / "recon").reindex(aging.index).fillna(0).astype("int64")
    assert aging["notices"].tolist() == theirs["notices"].tolist()
    assert aging["amount_cents"].tolist() == theirs["amount_cents"].tolist()
    assert int(aging["notices"].sum()) == report["notices_open"]


def test_report_sets_aside_notices_after_the_as_of_as_reconcile_does(practice, tmp_path, capsys):
    report = _report(practice, tmp_path / "report", "--as-of", "2026-03-01")
    recon = _reconcile(practice, tmp_path / "recon", "--as-of", "2026-03-01")
    capsys.readouterr()
    later = recon["notices_set_aside"]
    assert later > 0
    assert report["notices"] == recon["notices_read"] - later
    page = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert f"{later} notice(s) dated after 2026-03-01 set aside" in page


def test_report_without_as_of_is_the_report_at_the_folders_own_date(practice, tmp_path, capsys):
    own = _report(practice, tmp_path / "own")["as_of"]
    _report(practice, tmp_path / "given", "--as-of", own)
    capsys.readouterr()
    for name in ("metrics.csv", "trend.csv"):
        assert (tmp_path / "own" / name).read_bytes() == (tmp_path / "given" / name).read_bytes()
    note = " (the folder's own date: its latest payment, remittance or notice date)"
    page = (tmp_path / "own" / "report.md").read_text(encoding="utf-8")
    assert note in page
    assert page.replace(note, "") == (tmp_path / "given" / "report.md").read_text(encoding="utf-8")


def test_no_module_of_the_report_reconcile_or_appeal_path_reads_the_wall_clock():
    clock = re.compile(r"\b(?:date|datetime)\.today\(|\bdatetime\.now\(|\btime\.time\(|\bpd\.Timestamp\.(?:today|now)\(")
    for folder in ("report", "remit", "appeals", "cli"):
        for path in sorted((ROOT / "recoup_lib" / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                assert not clock.search(line), f"{path.relative_to(ROOT)}:{number} reads the wall clock: {line.strip()}"


def test_notices_the_office_closed_in_their_status_column_are_not_open_in_either_view(practice, tmp_path, capsys):
    import shutil

    folder = tmp_path / "practice"
    shutil.copytree(practice, folder)
    before = _reconcile(folder, tmp_path / "before")
    notices = pd.read_csv(folder / "notices.csv", dtype=str, keep_default_na=False)
    ledger = pd.read_csv(tmp_path / "before" / "open_ledger.csv", dtype=str)
    settled = ledger.loc[ledger["status"] == "open", "notice_id"].head(3).tolist()
    notices["status"] = notices["notice_id"].isin(settled).map({True: "Closed", False: ""})
    notices.to_csv(folder / "notices.csv", index=False)
    report = _report(folder, tmp_path / "report")
    recon = _reconcile(folder, tmp_path / "recon")
    capsys.readouterr()
    assert len(settled) == 3
    assert recon["notices_open"] == before["notices_open"] - 3 == report["notices_open"]
    assert report["open_cents"] == recon["open_cents"] < before["open_cents"]
