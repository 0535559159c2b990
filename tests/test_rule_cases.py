"""Every rule's case table, run through that rule alone.

See tests/rule_cases/README.md for the file format. Adding a rule means adding
a case file; this test picks it up.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recoup_lib.money import parse_cents_scalar
from recoup_lib.rules import ERROR_TYPES, audit_tables, default_registry
from recoup_lib.schema import SPECS, parse_table

CASES = Path(__file__).parent / "rule_cases"
DEFAULTS = {"patient_id": "P1", "payer_id": "MCR01", "rendering_npi": "1111111112",
            "modifiers": "", "units": "1", "charge": "200.00", "diagnosis_codes": "Z00.00",
            "place_of_service": "11"}
TABLES = ("fee_schedule", "ncci_ptp", "mue", "coverage", "payer_policies")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype="str", keep_default_na=False)


def _cases():
    for path in sorted(CASES.glob("*.csv")):
        if path.stem.count(".") == 0:
            frame = _read(path)
            for case in dict.fromkeys(frame["case"]):
                yield pytest.param(path.stem, case, id=f"{path.stem}-{case}")


def _parsed(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    parsed = parse_table(raw, SPECS[name])
    assert not parsed.problems, [p.message for p in parsed.problems]
    return parsed.data


def build_case(error_type: str, case: str):
    """The typed tables and expectations of one case."""
    frame = _read(CASES / f"{error_type}.csv")
    rows = frame.loc[frame["case"] == case].reset_index(drop=True)
    lines = pd.DataFrame({c: rows[c] if c in rows else "" for c in SPECS["claim_lines.csv"].column_names})
    for column, default in DEFAULTS.items():
        lines[column] = lines[column].where(lines[column] != "", default)
    submitted = (pd.to_datetime(lines["service_date"]) + pd.Timedelta(days=2)).dt.strftime("%Y-%m-%d")
    lines["submitted_date"] = lines["submitted_date"].where(lines["submitted_date"] != "", submitted)
    payments = []
    for row in rows.itertuples():
        for i, amount in enumerate(a for a in row.payments.split(";") if a):
            payments.append({"claim_id": row.claim_id, "line_no": row.line_no,
                             "payment_id": f"{row.claim_id}-{row.line_no}-{i}",
                             "payment_date": f"2025-12-{i + 1:02d}", "allowed": "", "paid": amount})
    payments = pd.DataFrame(payments, columns=SPECS["payments.csv"].column_names, dtype="str")
    tables = {}
    if "note_present" in rows:
        doc = rows.loc[rows["note_present"] != "", ["claim_id", "line_no", "note_present", "signed",
                                                   "documented_code"]]
        tables["documentation"] = _parsed(doc, "documentation.csv")
    for name in TABLES:
        path = CASES / f"{error_type}.{name}.csv"
        if path.exists():
            ref = _read(path)
            ref = ref.loc[ref["case"].isin(["*", case])].drop(columns="case")
            tables[name] = _parsed(ref, f"{name}.csv")
    return _parsed(lines, "claim_lines.csv"), _parsed(payments, "payments.csv"), tables, rows


@pytest.mark.parametrize(("error_type", "case"), list(_cases()))
def test_rule_case(error_type, case):
    lines, payments, tables, rows = build_case(error_type, case)
    result = audit_tables(lines, payments, only=[error_type], **tables)
    assert result.switched_off.empty, result.switched_off["message"].tolist()
    found = {(f.claim_id, int(f.line_no)): f for f in result.findings.itertuples()}
    for row in rows.itertuples():
        key = (row.claim_id, int(row.line_no))
        if row.expect == "":
            assert key not in found, f"{case}: {key} must not be flagged ({row.why}); got {found.get(key)}"
            continue
        assert key in found, f"{case}: {key} must be flagged ({row.why})"
        finding = found[key]
        assert finding.at_risk_cents == parse_cents_scalar(row.expect), (case, key, finding.evidence)
        assert finding.error_type == error_type
        assert finding.category == ERROR_TYPES[error_type]
        wanted = getattr(row, "evidence", "")
        if wanted.startswith("!"):
            assert wanted[1:] not in finding.evidence, finding.evidence
        elif wanted:
            assert wanted in finding.evidence, finding.evidence
    assert len(found) == (rows["expect"] != "").sum()


def test_every_builtin_rule_has_a_case_file():
    names = {p.stem for p in CASES.glob("*.csv") if "." not in p.stem}
    assert {r.error_type for r in default_registry()} <= names
