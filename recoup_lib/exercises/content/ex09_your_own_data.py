"""Exercise 09: bring your own data: import a messy export, account for every row, fix a mapping.

Drills lesson 09. The materials are a messy practice-management export made
from a generated practice (its SEED), written to a private folder: the
export itself, a copy whose dates of service were typed day-first on a few
rows, a copy whose date-of-service header is ``Seen On``, a copy printed as a
grouped report (each claim's number, patient, payer, provider and dates on
its first line only), and the same claims as 837 files. The expected answers come from importing and auditing them
when a check runs.
"""

from __future__ import annotations

import atexit
import csv
import functools
import io
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ...ingest import import_files
from ...rules import audit_folder
from ...synthetic import HEADER_STYLES, generate_practice, write_messy_export
from .._registry import Exercise, register

LINES = 400
#: The messy-export generator's family of headers the export is written in (``Claim #``, ``DOS``, ...).
STYLE = "charge_detail"
#: That family's header of each field: the variants find their columns by it.
HEADERS = HEADER_STYLES[STYLE]
#: The fields charges_grouped.csv prints on a claim's first line only (under their HEADERS).
GROUP = ("claim_id", "patient_id", "payer_id", "rendering_npi", "service_date", "submitted_date")


def _rewrite(path: Path, out: Path, edit) -> None:
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("cp1252"), newline="")))
    edit(rows)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    out.write_bytes(buffer.getvalue().encode("cp1252"))


@functools.lru_cache(maxsize=4)
def _folder(seed: int) -> str:
    folder = Path(tempfile.mkdtemp(prefix=f"ex09-{seed}-"))
    # The trainee opens these files while the kernel runs; they go when it ends.
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    practice = generate_practice(lines=LINES, seed=seed)
    write_messy_export(practice, folder, seed=seed, style=STYLE)
    rng = np.random.default_rng([seed, 9])

    def day_first(rows):
        header = rows[4]
        dos = header.index(HEADERS["service_date"])
        late = [i for i in range(5, len(rows) - 2) if int(rows[i][dos].split("/")[1]) > 12]
        for i in sorted(rng.choice(late, size=3, replace=False)):
            month, day, year = rows[i][dos].split("/")
            rows[i][dos] = f"{day}/{month}/{year}"

    def rename(rows):
        rows[4][rows[4].index(HEADERS["service_date"])] = "Seen On"

    def grouped(rows):
        header = rows[4]
        claim = header.index(HEADERS["claim_id"])
        blanked = [header.index(h) for h in (*(HEADERS[f] for f in GROUP), "Patient Name", "Rendering Provider")
                   if h in header]
        claims = [row[claim] for row in rows]
        for i in range(6, len(rows) - 2):
            if claims[i] and claims[i] == claims[i - 1]:
                for j in blanked:
                    rows[i][j] = ""

    _rewrite(folder / "charges.csv", folder / "charges_typed.csv", day_first)
    _rewrite(folder / "charges.csv", folder / "charges_svc.csv", rename)
    _rewrite(folder / "charges.csv", folder / "charges_grouped.csv", grouped)
    return str(folder)


def build(SEED: int) -> dict:
    """The messy export of the practice with this seed, and its variants (see the module doc)."""
    folder = Path(_folder(int(SEED)))
    return {"folder": folder, "seed": int(SEED)}


EX = register(Exercise("ex09_your_own_data", "Your own data", build, {"SEED": 909}))


@functools.lru_cache(maxsize=8)
def _imported(folder: str, claims: str):
    f = Path(folder)
    return import_files(f / claims, payments=f / "payments.xlsx", coverage=f / "coverage.csv",
                        documentation=f / "documentation.csv",
                        columns={"service_date": "Seen On"} if claims == "charges_svc.csv" else None,
                        fill_down=list(GROUP) if claims == "charges_grouped.csv" else None)


@functools.lru_cache(maxsize=4)
def _findings(folder: str, claims: str) -> pd.DataFrame:
    result = _imported(folder, claims)
    out = Path(tempfile.mkdtemp(prefix="ex09-audit-"))
    try:
        result.write(out / "folder")
        for table in (Path(folder) / "reference").iterdir():
            shutil.copy(table, out / "folder" / table.name)
        found = audit_folder(out / "folder").findings
    finally:
        shutil.rmtree(out, ignore_errors=True)
    key = ["claim_id", "line_no", "error_type", "at_risk_cents"]
    return found[key].sort_values(key).reset_index(drop=True)


def _source(m, claims: str, label: str):
    return next(s for s in _imported(str(m["folder"]), claims).sources if s.label == label)


@EX.question("q1", prompt="Import charges.csv (with the payments, coverage and documentation). How many of "
                          "its rows were set aside?",
             rule="Rows read = rows used + rows set aside. A report's title lines above the header, its TOTAL "
                  "row and the 'End of report' line are rows of the file, but not claim lines: they are set "
                  "aside with their reason, never silently dropped.",
             source="lesson 09 sections 3-4; docs/import-workflow.md", kind="whole")
def _rows_set_aside(m):
    return _source(m, "charges.csv", "charges.csv").rows_set_aside


@EX.question("q2", prompt="Why was the row that starts with TOTAL set aside?",
             rule="A total row adds up charges that are already on the claim lines above it; audited as a "
                  "line it would double every sum. The kit recognises TOTAL, SUBTOTAL and GRAND TOTAL rows "
                  "that carry no claim number of their own.",
             source="lesson 09 section 4", kind="choice",
             choices=("a title row", "a total row", "a bad date", "an unknown claim"))
def _why_total(m):
    return "a total row"


@EX.question("q3", prompt="How many payment rows of payments.xlsx were used?",
             rule="Each payment posted to a line is one row; reversals are negative amounts (written "
                  "($64.00) in the workbook) and are kept: they are what makes a duplicate payment or a "
                  "recoupment visible.",
             source="lesson 09 section 3", kind="whole")
def _payments_used(m):
    return _source(m, "charges.csv", "payments.xlsx").rows_used


@EX.question("q4", prompt="What do the imported claim lines charge in all (dollars)?",
             rule="Charges like $1,234.50 are read to the cent; the TOTAL row is not a line, so it is not "
                  "added again.",
             source="lesson 09 section 3", kind="money")
def _total_charge(m):
    return int(_imported(str(m["folder"]), "charges.csv").tables["claim_lines.csv"]["charge_cents"].sum())


@EX.question("q5", prompt="charges_typed.csv is the same export after someone typed a few dates of service "
                          "day first (31/01/2025). Which claim lines (claim/line) were set aside for it?",
             rule="US exports write the month first. 31/01/2025 is not a date in that order, so the row is "
                  "set aside with the column, the expected form and the value found; fix the file (or the "
                  "system's export setting) and import again.",
             source="lesson 09 section 4; import_rejected.csv", kind="keys")
def _typed_keys(m):
    aside = _source(m, "charges_typed.csv", "charges_typed.csv").aside
    bad = aside.loc[aside["_reason"].str.contains("service_date", regex=False)]
    return {f"{c}/{int(n)}" for c, n in zip(bad[HEADERS["claim_id"]], bad[HEADERS["line_no"]])}


@EX.question("q6", prompt="charges_svc.csv calls the date of service 'Seen On', a name the kit does not know. "
                          "Which option settles it?",
             rule="--column FIELD=HEADER names, for one field, the header that holds it; it applies to every "
                  "file that has that header and is written into mapping.json for the next import.",
             source="lesson 09 section 5", kind="choice",
             choices=("--column service_date=Seen On", "--column Seen On=service_date",
                      "--column submitted_date=Seen On"))
def _column_option(m):
    return "--column service_date=Seen On"


@EX.question("q7", prompt="Audited with the practice's reference tables, do the clearinghouse's 837 files "
                          "(claims837/) give exactly the same findings as charges.csv?",
             rule="An 837 carries every field the audit needs (claim and line, patient, payer, rendering NPI, "
                  "dates, code, modifiers, units, charge, diagnoses, place of service): imported, the same "
                  "claims give the same findings, whatever file they came from.",
             source="lesson 09 section 8", kind="choice", choices=("yes", "no"))
def _same_findings(m):
    same = _findings(str(m["folder"]), "claims837").equals(_findings(str(m["folder"]), "charges.csv"))
    return "yes" if same else "no"


@EX.question("q8", prompt="charges_grouped.csv prints each claim's number, patient, payer, rendering NPI and "
                          "dates on its first line only. Imported with those six fields filled down "
                          "(fill_down=[...], --fill-down FIELD), how many claim lines are used?",
             rule="A grouped report leaves a claim's fields blank on its later lines. Read as written, those "
                  "lines have no claim number and are set aside; the summary names the blank fields and the "
                  "option. Filled down, each blank cell takes the value of the nearest row above, and every "
                  "line comes back (total rows are never filled).",
             source="lesson 09 section 5 (a grouped report); docs/import-workflow.md", kind="whole")
def _grouped_lines_used(m):
    return _source(m, "charges_grouped.csv", "charges_grouped.csv").rows_used
