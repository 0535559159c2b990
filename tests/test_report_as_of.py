"""One as-of, one set of numbers: ``recoup report`` and ``recoup reconcile`` on a generated practice.

The report ages the open notices against the folder's own date (never the
wall clock), nets the money already taken back, and sets aside notices dated
after the as-of, exactly as ``recoup reconcile`` does for the same date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from recoup_lib.cli import main
from recoup_lib.report import build_report
from recoup_lib.synthetic import generate

pytestmark = pytest.mark.slow  # its tests take 20 s or more together: conftest.py starts the file first

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("as_of") / "practice", lines=3000, seed=11)


def _figures_not_drawn(figs, out, dpi=None):
    """``save_figures`` without drawing the PNGs: the paths report.md links to, each figure closed unsaved."""
    import matplotlib.pyplot as plt

    for fig in figs.values():
        plt.close(fig)
    return {name: Path(out) / f"{name}.png" for name in figs}


@pytest.fixture(scope="module")
def command(tmp_path_factory):
    """Run ``recoup report`` or ``recoup reconcile`` on a folder; returns (out folder, summary.json, what it
    printed). The commands are deterministic, so a run the module already made with the same arguments on
    the same folder content is shared rather than made again; once a test changes a file, it is a new run.

    The report's figures are made but, unless ``drawn``, not drawn to PNG (more than a third of a report's
    time): no test here reads a PNG; test_report_cli.py and test_report_plots.py check them.
    ``command.report(out)`` is the :class:`Report` the command wrote to ``out``."""
    import recoup_lib.report as report_module
    import recoup_lib.report._result as result_module

    done: dict[tuple, tuple[Path, dict, str]] = {}
    built: dict[Path, object] = {}

    def run(name: str, folder: Path, *as_of: str, drawn: bool = False) -> tuple[Path, dict, str]:
        content = hashlib.sha256()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            content.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
        key = (name, str(folder), as_of, drawn, content.hexdigest())
        if key not in done:
            out = tmp_path_factory.mktemp(name) / "out"
            argv = ([name, str(folder)] if name == "report" else
                    [name, str(folder / "remits"), "--notices", str(folder / "notices.csv")])
            printed = io.StringIO()
            with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
                def kept(*args, _build=report_module.build_report, **kwargs):
                    built[out] = _build(*args, **kwargs)
                    return built[out]
                patch.setattr(report_module, "build_report", kept)
                if not drawn:
                    patch.setattr(result_module, "save_figures", _figures_not_drawn)
                assert main([*argv, "--out", str(out), *as_of]) == 0
            done[key] = (out, json.loads((out / "summary.json").read_text(encoding="utf-8")), printed.getvalue())
        return done[key]

    run.report = built.__getitem__
    return run


def _ledger_aging(out) -> pd.DataFrame:
    ledger = pd.read_csv(out / "open_ledger.csv", dtype=str)
    still = ledger.loc[ledger["status"] != "closed"]
    cents = (still["open"].astype(float) * 100).round().astype("int64")
    return pd.DataFrame({"notices": still.groupby("aging").size(), "amount_cents": cents.groupby(still["aging"]).sum()})


@pytest.mark.parametrize("as_of", [None, "2026-03-01"])
def test_report_and_reconcile_agree_on_open_notices_and_aging_for_the_same_as_of(practice, command, as_of):
    given = [] if as_of is None else ["--as-of", as_of]
    report_out, report, said_report = command("report", practice, *given)
    recon_out, recon, said_recon = command("reconcile", practice, *given)
    said = said_report + said_recon
    assert report["as_of"] == recon["as_of"]
    if as_of is None:
        assert "(the folder's own date: its latest payment, remittance or notice date)" in said
    assert report["notices"] == recon["notices_used"]
    assert report["notices_open"] == recon["notices_open"] > 0
    assert report["open_cents"] == recon["open_cents"] > 0
    assert report["taken_back_cents"] == recon["taken_back_as_of_cents"]
    if as_of is None:
        assert report["taken_back_cents"] == recon["taken_back_cents"]
    aging = command.report(report_out).aging.set_index("bucket")
    theirs = _ledger_aging(recon_out).reindex(aging.index).fillna(0).astype("int64")
    assert aging["notices"].tolist() == theirs["notices"].tolist()
    assert aging["amount_cents"].tolist() == theirs["amount_cents"].tolist()
    assert int(aging["notices"].sum()) == report["notices_open"]


def test_report_sets_aside_notices_after_the_as_of_as_reconcile_does(practice, command):
    report_out, report, _ = command("report", practice, "--as-of", "2026-03-01")
    _, recon, _ = command("reconcile", practice, "--as-of", "2026-03-01")
    later = recon["notices_set_aside"]
    assert later > 0
    assert report["notices"] == recon["notices_read"] - later
    page = (report_out / "report.md").read_text(encoding="utf-8")
    assert f"{later} notice(s) dated after 2026-03-01 set aside" in page


def test_report_without_as_of_is_the_report_at_the_folders_own_date(practice, command):
    own_out, own, _ = command("report", practice)
    given_out, _, _ = command("report", practice, "--as-of", own["as_of"])
    for name in ("metrics.csv", "trend.csv"):
        assert (own_out / name).read_bytes() == (given_out / name).read_bytes()
    note = " (the folder's own date: its latest payment, remittance or notice date)"
    page = (own_out / "report.md").read_text(encoding="utf-8")
    assert note in page
    assert page.replace(note, "") == (given_out / "report.md").read_text(encoding="utf-8")


def test_no_module_of_the_report_reconcile_or_appeal_path_reads_the_wall_clock():
    clock = re.compile(r"\b(?:date|datetime)\.today\(|\bdatetime\.now\(|\btime\.time\("
                       r"|\bpd\.Timestamp\.(?:today|now)\(")
    for folder in ("report", "remit", "appeals", "cli"):
        for path in sorted((ROOT / "recoup_lib" / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                assert not clock.search(line), f"{path.relative_to(ROOT)}:{number} reads the wall clock: {line.strip()}"


def test_notices_the_office_closed_in_their_status_column_are_not_open_in_either_view(practice, command, tmp_path):
    import shutil

    folder = tmp_path / "practice"
    shutil.copytree(practice, folder)
    before_out, before, _ = command("reconcile", folder)
    notices = pd.read_csv(folder / "notices.csv", dtype=str, keep_default_na=False)
    ledger = pd.read_csv(before_out / "open_ledger.csv", dtype=str)
    settled = ledger.loc[ledger["status"] == "open", "notice_id"].head(3).tolist()
    notices["status"] = notices["notice_id"].isin(settled).map({True: "Closed", False: ""})
    notices.to_csv(folder / "notices.csv", index=False)
    _, report, _ = command("report", folder)
    _, recon, _ = command("reconcile", folder)
    assert len(settled) == 3
    assert recon["notices_open"] == before["notices_open"] - 3 == report["notices_open"]
    assert report["open_cents"] == recon["open_cents"] < before["open_cents"]


def test_remittances_kept_in_subfolders_of_remits_count_in_the_report_as_in_reconcile(practice, command, tmp_path):
    """An office files its 835s by payer (remits/CMX-FL/...): recoup reconcile reads the folder
    recursively, and the report's money taken back is the same figure."""
    import shutil

    folder = tmp_path / "practice"
    shutil.copytree(practice, folder)
    for path in sorted((folder / "remits").glob("*.835")):
        (path.parent / path.stem.split("_")[0]).mkdir(exist_ok=True)
        path.rename(path.parent / path.stem.split("_")[0] / path.name)
    _, flat, _ = command("report", practice, "--as-of", "2026-03-01")
    _, report, _ = command("report", folder, "--as-of", "2026-03-01")
    _, recon, _ = command("reconcile", folder, "--as-of", "2026-03-01")
    assert report["taken_back_cents"] == recon["taken_back_as_of_cents"] == flat["taken_back_cents"] > 0
    assert report["open_cents"] == recon["open_cents"] == flat["open_cents"]


def _late_835(day: str) -> str:
    """One remittance dated ``day`` (YYYYMMDD) paying a claim of no folder and taking nothing back."""
    body = ["ST*835*0001", f"BPR*I*91.29*C*CHK************{day}", f"TRN*1*LATE-{day}*1624053210",
            f"DTM*405*{day}", "N1*PR*LATE PAYER", "N1*PE*FAMILY PRACTICE*XX*1528608726", "LX*1",
            "CLP*LATE0001*1*190*91.29*30*12*ICNLATE0001*11*1", "SVC*HC:99213*190*91.29", f"DTM*472*{day}",
            "CAS*PR*3*30", "CAS*CO*45*68.71"]
    return "~".join([f"ISA*00*          *00*          *ZZ*LATE           *ZZ*1528608726     *{day[2:]}*1200*^*"
                     "00501*000000901*0*P*:", f"GS*HP*LATE*1528608726*{day}*1200*901*X*005010X221A1", *body,
                     f"SE*{len(body) + 1}*0001", "GE*1*901", "IEA*1*000000901"]) + "~"


def test_report_appeal_and_reconcile_take_the_same_own_date_from_a_remittance_that_takes_nothing_back(
        practice, command, tmp_path):
    """The latest remittance is dated by its payment, whether it takes money back or not: the report once
    dated the remittances by their take-backs alone, and so counted from an earlier day than the appeal."""
    import shutil

    from recoup_lib.appeals import appeal_folder

    folder = tmp_path / "practice"
    shutil.copytree(practice, folder)
    (folder / "remits" / "LATE.835").write_text(_late_835("20261231"), encoding="ascii")
    _, report, _ = command("report", folder)
    _, recon, _ = command("reconcile", folder)
    assert report["as_of"] == recon["as_of"] == f"{appeal_folder(folder).as_of:%Y-%m-%d}" == "2026-12-31"


def test_report_from_audit_without_as_of_dates_the_remittances_given_by_every_transaction(practice, tmp_path):
    """report_from_audit without as_of took the remittance dates from the take-backs alone, while
    build_report and appeal_folder count every usable 835 transaction: a library caller passing the same
    835s got an earlier as-of than the report of the same folder."""
    from recoup_lib.remit import read_835, remits_in
    from recoup_lib.report import report_from_audit
    from recoup_lib.rules import audit_folder

    folder = tmp_path / "practice"
    shutil.copytree(practice, folder)
    (folder / "remits" / "LATE.835").write_text(_late_835("20261231"), encoding="ascii")
    remit = read_835(remits_in(folder))
    assert remit.recoupments["payment_date"].max() < pd.Timestamp("2026-12-31")
    report = report_from_audit(audit_folder(folder), recoupments=remit.recoupments, remit=remit)
    assert report.as_of == build_report(folder).as_of == dt.date(2026, 12, 31)


@pytest.fixture(scope="module")
def unreadable_recoupments(tmp_path_factory) -> Path:
    """A small practice without remittances whose recoupments.csv has no amount column and a later date
    than any other (read only by the tests using it)."""
    folder = generate(tmp_path_factory.mktemp("unreadable") / "practice", lines=300, seed=3)
    shutil.rmtree(folder / "remits")
    (folder / "recoupments.csv").write_text("payment_date,claim_id,Amount Taken\n2027-06-30,C1,10.00\n",
                                            encoding="utf-8")
    return folder


def test_appeal_without_as_of_leaves_out_an_unreadable_recoupments_csv_and_says_so(unreadable_recoupments):
    """recoup appeal does not use recoupments.csv, yet its own as-of read it against its contract and
    stopped on one without an amount column, where recoup report goes on without it: both now leave its
    dates out and take the same day, and the appeal's as-of note names the file."""
    from recoup_lib.appeals import appeal_folder

    folder = unreadable_recoupments
    result = appeal_folder(folder)
    assert "recoupments.csv" in result.as_of_note and "'amount'" in result.as_of_note
    assert result.as_of == build_report(folder).as_of < dt.date(2027, 6, 30)

def test_reconcile_counts_the_payments_its_notices_are_checked_against_toward_its_own_date_as_appeal_does(
        practice, command, tmp_path):
    """recoup reconcile worked out its own as-of from the 835s and the notices alone, while report and appeal
    take the folder's latest payment, remittance or notice date (one function: folder_as_of). A payment
    posted after every remittance and notice moved theirs and not reconcile's; it reads payments.csv beside
    the notices anyway (to check them), and now counts it as appeal does."""
    import shutil

    from recoup_lib.appeals import appeal_folder

    folder = tmp_path / "practice"
    shutil.copytree(practice, folder)
    payments = pd.read_csv(folder / "payments.csv", dtype=str, keep_default_na=False)
    payments.loc[payments.index[-1], "payment_date"] = "2026-12-30"
    payments.to_csv(folder / "payments.csv", index=False)
    _, report, _ = command("report", folder)
    _, recon, _ = command("reconcile", folder)
    assert report["as_of"] == recon["as_of"] == f"{appeal_folder(folder).as_of:%Y-%m-%d}" == "2026-12-30"
    assert recon["as_of_from"] == "the latest payment, remittance or notice date"


def _recoupments_csv(*rows: tuple[str, str, str]) -> str:
    """A recoupments.csv of (payment_date, amount, net_amount) rows, taken back from one claim."""
    lines = ["payment_date,claim_id,amount,mechanism,net_amount"]
    lines += [f"{day},C0000001,{amount},offset,{net}" for day, amount, net in rows]
    return "\n".join(lines) + "\n"


def test_a_recoupments_row_set_aside_does_not_move_the_folders_own_date(practice, tmp_path):
    """A row of recoupments.csv the report sets aside (an amount not above 0, a net amount outside 0 to
    the amount) counted toward the as-of of both report and appeal: its date is no more to be trusted
    than its amount, so the date is the one the usable rows give."""
    import shutil

    from recoup_lib.appeals import appeal_folder, folder_as_of

    folder = tmp_path / "practice"
    shutil.copytree(practice, folder)
    (folder / "recoupments.csv").write_text(_recoupments_csv(("2026-01-15", "10.00", "10.00")), encoding="utf-8")
    usable_only = folder_as_of(folder)[0]
    (folder / "recoupments.csv").write_text(_recoupments_csv(
        ("2026-01-15", "10.00", "10.00"), ("2027-03-31", "-5.00", ""), ("2027-02-28", "10.00", "20.00"),
        ("2027-01-31", "10.00", "-1.00")), encoding="utf-8")
    assert usable_only < dt.date(2027, 1, 31)
    assert folder_as_of(folder)[0] == appeal_folder(folder).as_of == usable_only
    report = build_report(folder)
    assert report.as_of == usable_only
    assert len(report.problems) >= 3


def _counted_table_reads(monkeypatch) -> list[str]:
    """The names of the files the report's recoupments.csv readers read, one entry per read."""
    import recoup_lib.remit._as_of as as_of_module
    import recoup_lib.report._tables as tables_module

    reads = []
    for module in (as_of_module, tables_module):
        def counted(path, *args, _read=module.read_table, **kwargs):
            reads.append(Path(path).name)
            return _read(path, *args, **kwargs)
        monkeypatch.setattr(module, "read_table", counted)
    return reads


def test_report_without_as_of_reads_recoupments_csv_once(practice, tmp_path, monkeypatch):
    """The report read recoupments.csv for its metrics, then again for the folder's own date."""
    import shutil

    folder = tmp_path / "practice"
    shutil.copytree(practice, folder)
    (folder / "recoupments.csv").write_text(_recoupments_csv(("2026-01-15", "10.00", "10.00")), encoding="utf-8")
    reads = _counted_table_reads(monkeypatch)
    build_report(folder)
    assert reads.count("recoupments.csv") == 1


def test_report_without_as_of_reads_an_unreadable_recoupments_csv_once(unreadable_recoupments, monkeypatch):
    """A recoupments.csv the report could not read for its metrics was read again for the folder's own
    date, only to fail again: its dates are left out either way."""
    reads = _counted_table_reads(monkeypatch)
    report = build_report(unreadable_recoupments)
    assert reads.count("recoupments.csv") == 1
    assert report.as_of < dt.date(2027, 6, 30)


def test_money_taken_back_counts_only_take_backs_paid_by_the_as_of_in_both_views(practice, command):
    _, whole, _ = command("reconcile", practice)
    dates = pd.read_csv(command("reconcile", practice)[0] / "recoupment_links.csv", dtype=str)["payment_date"]
    middle = sorted(dates)[len(dates) // 2]
    report_out, report, said = command("report", practice, "--as-of", middle)
    _, recon, said_recon = command("reconcile", practice, "--as-of", middle)
    assert 0 < report["taken_back_cents"] == recon["taken_back_as_of_cents"] < whole["taken_back_cents"]
    assert recon["taken_back_cents"] == whole["taken_back_cents"]
    later = int((pd.to_datetime(dates) > pd.Timestamp(middle)).sum())
    assert later > 0 and report["recoupments"] == len(dates) - later
    left = whole["taken_back_cents"] - report["taken_back_cents"]
    message = (f"{later} take-back(s) paid after {middle} left out of the money taken back "
               f"(${left // 100:,}.{left % 100:02d} net): not taken by the as-of date")
    assert message in said
    assert message in (report_out / "report.md").read_text(encoding="utf-8")
    metrics = pd.read_csv(report_out / "metrics.csv", dtype=str).set_index("metric")
    cents = report["taken_back_cents"]
    assert metrics.loc["recoupment_dollars", "numerator"] == f"{cents // 100}.{cents % 100:02d}"
    assert f"of it by the as-of date {middle}" in said_recon


def test_a_report_as_of_a_day_before_every_take_back_counts_none(practice, command):
    first_service = pd.read_csv(practice / "claim_lines.csv", dtype=str)["service_date"].min()
    out, report, said = command("report", practice, "--as-of", first_service, drawn=True)
    assert report["taken_back_cents"] == 0 == report["taken_back_gross_cents"]
    assert report["recoupments"] == 0
    assert "Money taken back: $0.00" in said
    # This run draws its figures (the others of the module do not): the empty take-backs chart too.
    linked = re.findall(r"\]\(([a-z_]+\.png)\)", (out / "report.md").read_text(encoding="utf-8"))
    assert "recoupments_by_month.png" in linked and all((out / name).stat().st_size > 0 for name in linked)


def test_overturn_rate_as_of_a_day_counts_only_appeals_of_notices_used_decided_by_then(practice, command,
                                                                                        tmp_path):
    import shutil

    folder = tmp_path / "practice"
    shutil.copytree(practice, folder)
    notices = pd.read_csv(folder / "notices.csv", dtype=str, keep_default_na=False)
    dated = pd.to_datetime(notices["notice_date"])
    early = notices.loc[dated <= "2025-09-01", "notice_id"].iloc[0]
    late = notices.loc[dated > "2026-03-01", "notice_id"].iloc[0]
    (folder / "appeal_outcomes.csv").write_text(
        "notice_id,level,outcome,filed_date,decision_date\n"
        f"{early},1,unfavorable,2025-10-01,2025-11-01\n"     # row 2: the one appeal decided by the as-of
        f"{late},1,favorable,2026-09-01,2026-10-01\n"        # row 3: its notice is set aside (after the as-of)
        "NOPE,1,favorable,2025-10-01,2025-11-01\n"            # row 4: not a notice at all
        f"{early},2,favorable,2025-12-01,2099-08-01\n"       # row 5: decided after the as-of
        f"{early},3,favorable,2025-12-01,2025-11-01\n",      # row 6: decided before it was filed
        encoding="utf-8")
    out, _, said = command("report", folder, "--as-of", "2026-03-01")
    assert "Appeal overturn rate: 0.00% (0 of 1 appeals)" in said
    assert "appeal_outcomes.csv: 5 rows read = 1 used + 4 set aside" in said
    rejected = pd.read_csv(out / "rejected.csv", dtype=str, keep_default_na=False)
    mine = rejected.loc[rejected["file"] == "appeal_outcomes.csv"]
    assert mine[["row", "column", "value"]].values.tolist() == [
        ["3", "notice_id", late], ["4", "notice_id", "NOPE"], ["5", "decision_date", "2099-08-01"],
        ["6", "decision_date", "2025-11-01"]]
    assert "on or before the as-of date 2026-03-01" in mine["message"].iloc[2]


def test_payments_posted_after_the_as_of_are_not_money_paid_nor_adjudications(practice, command):
    from recoup_lib.money import dollars, format_cents_scalar, parse_cents

    payments = pd.read_csv(practice / "payments.csv", dtype=str, keep_default_na=False)
    middle = sorted(payments["payment_date"])[len(payments) // 2]
    by_then = (pd.to_datetime(payments["payment_date"]) <= pd.Timestamp(middle)).to_numpy()
    paid = parse_cents(payments["paid"])[0].astype("int64").to_numpy()
    out, _, said = command("report", practice, "--as-of", middle)
    own_out, _, own_said = command("report", practice)
    metrics, own = (pd.read_csv(folder / "metrics.csv", dtype=str, keep_default_na=False).set_index("metric")
                    for folder in (out, own_out))
    gross = format_cents_scalar(int(paid[by_then & (paid > 0)].sum()))
    assert metrics.loc["paid_dollars", "numerator"] == gross == metrics.loc["recoupment_rate", "denominator"]
    assert metrics.loc["paid_net_dollars", "numerator"] == format_cents_scalar(int(paid[by_then].sum()))
    later = int((~by_then).sum())
    assert later > 0
    assert (f"{later} payment(s) posted after {middle} left out of the money paid, the clean claim, denial, "
            f"recoupment and reversal rates and the trend ({dollars(int(paid[~by_then].sum()))} net)") in said
    assert "payment(s) posted after" not in own_said
    assert own.loc["paid_dollars", "numerator"] == format_cents_scalar(int(paid[paid > 0].sum()))

    def not_adjudicated(table):
        return int(table.loc["clean_claim_rate", "note"].split("(")[1].split(" with a line")[0])

    assert not_adjudicated(metrics) > not_adjudicated(own)
    trend = pd.read_csv(out / "trend.csv", dtype=str, keep_default_na=False)
    assert trend.loc[parse_cents(trend["paid"])[0].astype("int64") > 0, "month"].max() <= middle


def _metric_table(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "metrics.csv", dtype=str, keep_default_na=False).set_index("metric")


def test_claim_lines_submitted_after_a_given_as_of_are_not_submitted_yet(practice, command):
    lines = pd.read_csv(practice / "claim_lines.csv", dtype=str, keep_default_na=False)
    payments = pd.read_csv(practice / "payments.csv", dtype=str, keep_default_na=False)
    middle = sorted(payments["payment_date"])[len(payments) // 2]
    sent = (pd.to_datetime(lines["submitted_date"]) <= pd.Timestamp(middle)).to_numpy()
    later = int((~sent).sum())
    assert 0 < later < len(lines)
    out, summary, said = command("report", practice, "--as-of", middle)
    metrics, kept = _metric_table(out), lines.loc[sent]
    assert (summary["lines"], summary["claims"]) == (len(lines), lines["claim_id"].nunique())
    assert (summary["lines_submitted"], summary["claims_submitted"]) == (len(kept), kept["claim_id"].nunique())
    assert metrics.loc["lines_submitted", "numerator"] == str(len(kept)) == metrics.loc["denial_rate_lines",
                                                                                        "denominator"]
    claims = str(kept["claim_id"].nunique())
    assert metrics.loc["claims_submitted", "numerator"] == claims == metrics.loc["clean_claim_rate", "denominator"]
    posted = payments.loc[pd.to_datetime(payments["payment_date"]) <= pd.Timestamp(middle)]
    adjudicated = set(zip(posted["claim_id"], posted["line_no"]))
    waiting = {claim for claim, line in zip(kept["claim_id"], kept["line_no"]) if (claim, line) not in adjudicated}
    assert f"({len(waiting)} with a line not yet adjudicated," in metrics.loc["clean_claim_rate", "note"]
    # counted in the message that counts the payments left out
    assert (f"not posted by the as-of date; {later} claim line(s) submitted after {middle} left out of the claims "
            "and lines submitted, the charges, the clean claim and denial rates and the trend: not submitted by "
            "the as-of date (the audit's money at risk and exposure rate still count them)") in said
    trend = pd.read_csv(out / "trend.csv", dtype=str, keep_default_na=False)
    assert trend["lines"].astype(int).sum() == len(kept)


def test_without_as_of_every_claim_line_counts_even_one_submitted_after_the_folders_own_date(
        practice, command, tmp_path):
    import shutil

    _, own, _ = command("report", practice)
    folder = tmp_path / "practice"
    shutil.copytree(practice, folder)
    lines = pd.read_csv(folder / "claim_lines.csv", dtype=str, keep_default_na=False)
    newest = lines["submitted_date"] == lines["submitted_date"].max()
    lines.loc[newest, "submitted_date"] = f"{pd.Timestamp(own['as_of']) + pd.Timedelta(days=1):%Y-%m-%d}"
    lines.to_csv(folder / "claim_lines.csv", index=False)
    out, summary, said = command("report", folder)
    assert summary["as_of"] == own["as_of"]
    metrics = _metric_table(out)
    assert metrics.loc["lines_submitted", "numerator"] == str(len(lines))
    assert metrics.loc["claims_submitted", "numerator"] == str(lines["claim_id"].nunique())
    assert (summary["lines_submitted"], summary["claims_submitted"]) == (summary["lines"], summary["claims"])
    assert "submitted after" not in said
    _, _, given = command("report", folder, "--as-of", own["as_of"])
    assert f"{int(newest.sum())} claim line(s) submitted after {own['as_of']} left out" in given


def test_whether_lines_submitted_after_the_as_of_count_is_said_by_a_keyword_not_by_the_as_of_note(practice,
                                                                                                  command):
    from recoup_lib.report import report_from_audit

    lines = pd.read_csv(practice / "claim_lines.csv", dtype=str, keep_default_na=False)
    payments = pd.read_csv(practice / "payments.csv", dtype=str, keep_default_na=False)
    middle = sorted(payments["payment_date"])[len(payments) // 2]
    sent = int((pd.to_datetime(lines["submitted_date"]) <= pd.Timestamp(middle)).sum())
    assert 0 < sent < len(lines)
    audit = command.report(command("report", practice, "--as-of", middle)[0]).audit  # build_report's audit

    def lines_submitted(**how) -> int:
        report = report_from_audit(audit, middle, **how)
        return int(report.metrics.set_index("metric").loc["lines_submitted", "numerator"])

    assert lines_submitted() == sent
    assert lines_submitted(as_of_note="the auditor's chosen date") == sent
    assert lines_submitted(as_of_from_data=True) == len(lines)
    assert lines_submitted(as_of_from_data=True, as_of_note="the folder's own date") == len(lines)
    assert int(report_from_audit(audit).metrics.set_index("metric").loc["lines_submitted", "numerator"]) \
        == len(lines)
