"""Done when: a practice exported messily imports and audits to exactly the findings of the same practice.

The messy export (recoup_lib.synthetic._export) has other headers, US dates, $ amounts and parenthesised
negatives, Windows-1252 names, title and total rows, and payments in an .xlsx workbook.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pandas as pd
import pytest

from recoup_lib.ingest import import_files
from recoup_lib.rules import audit_folder
from recoup_lib.synthetic import generate_practice, write_practice
from recoup_lib.synthetic._export import HEADER_STYLES, build_messy_demo, write_messy_export

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "synthetic" / "messy_export"


def findings_of(folder: Path) -> pd.DataFrame:
    found = audit_folder(folder).findings
    columns = ["claim_id", "line_no", "error_type", "category", "rule_id", "at_risk_cents", "action", "evidence"]
    return found[columns].sort_values(["claim_id", "line_no", "error_type"]).reset_index(drop=True)


def import_messy(messy: Path, out: Path, claims=None):
    result = import_files(claims or messy / "charges.csv", payments=messy / "payments.xlsx",
                          coverage=messy / "coverage.csv", documentation=messy / "documentation.csv")
    result.write(out)
    for table in (messy / "reference").iterdir():          # the payers' rules, as for the practice
        shutil.copy(table, out / table.name)
    return result


@pytest.mark.slow
@pytest.mark.parametrize("seed, profile, style", [
    (1, "family_practice", "charge_detail"), (2, "orthopedic_group", "encounter_report"),
    (3, "hospital_outpatient", "charge_detail"), (4, "family_practice", "encounter_report"),
])
def test_messy_export_audits_to_exactly_the_practices_findings(tmp_path, seed, profile, style):
    practice = generate_practice(lines=500, seed=seed, profile=profile)
    write_practice(practice, tmp_path / "contract", payer=False)
    write_messy_export(practice, tmp_path / "messy", style=style)
    result = import_messy(tmp_path / "messy", tmp_path / "imported")
    expected = findings_of(tmp_path / "contract")
    assert len(expected) > 10
    pd.testing.assert_frame_equal(findings_of(tmp_path / "imported"), expected)
    counts = result.counts.set_index("file")
    assert counts.loc["charges.csv", "rows_used"] == 500
    assert counts.loc["charges.csv", "rows_set_aside"] == 5          # 3 title rows, TOTAL, End of report
    assert counts.loc["payments.xlsx", "rows_set_aside"] == 2        # the title row and the TOTAL row
    assert result.sources[0].info["encoding"] == "cp1252"
    # The same claims from the clearinghouse's 837s give the same findings.
    import_messy(tmp_path / "messy", tmp_path / "from837", claims=tmp_path / "messy" / "claims837")
    pd.testing.assert_frame_equal(findings_of(tmp_path / "from837"), expected)


def test_messy_export_is_messy_in_the_ways_it_promises(tmp_path):
    practice = generate_practice(lines=200, seed=8)
    write_messy_export(practice, tmp_path, style="charge_detail")
    raw = (tmp_path / "charges.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert "\r\n" in text and ",Mod 1,Mod 2,Mod 3,Mod 4," in text and text.splitlines()[-2].startswith("TOTAL")
    assert any(ch in text for ch in "ñéüóíá")
    assert (tmp_path / "coverage.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert set(HEADER_STYLES) == {"charge_detail", "encounter_report"}


def test_committed_messy_export_is_reproducible_byte_for_byte(tmp_path):
    built = build_messy_demo(tmp_path / "messy")
    ours = sorted(p.relative_to(built) for p in built.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(COMMITTED) for p in COMMITTED.rglob("*")
                       if p.is_file() and not p.name.startswith("."))
    assert ours == committed
    differ = [str(p) for p in ours if not filecmp.cmp(built / p, COMMITTED / p, shallow=False)]
    assert not differ, f"rebuild with `python -m recoup_lib.synthetic._export`: {differ}"
