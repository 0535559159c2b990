"""A practice as its practice-management system exports it: messy, on purpose.

Self-audit teams do not have contract CSVs; they have what their billing
software exports. :func:`write_messy_export` writes a generated practice the
way such exports look, so the import (``recoup import``) can be tested and
taught on files whose answer is known:

- ``charges.csv``: Windows-1252 (names such as ``Peña, José``), Windows line
  ends, a report title, a date range and a blank line above the header,
  headers of a billing system (``Claim #``, ``DOS``, ``CPT``, ``Mod 1``..``Mod 4``,
  ``Billed Amt``, ``Dx 1``..``Dx 4``; or another family of names, chosen by
  the seed), US dates (``01/31/2025`` and ``1/31/25``), ``$1,234.50``
  amounts, columns the audit does not use (patient and provider names), a
  TOTAL row and an "End of report" line below the data;
- ``payments.xlsx``: a workbook whose first sheet lists the payments under a
  title row: payment dates as Excel dates, positive amounts as numbers,
  reversals as text ``($64.00)``, a total row; a second sheet summarises by
  payer;
- ``coverage.csv`` (UTF-8 with a byte-order mark, ``Eff Date``/``Term Date``
  as ``MM/DD/YYYY``) and ``documentation.csv`` (``Y``/``N`` flags);
- ``claims837/``: the same claims as the clearinghouse's 837P files;
- ``reference/``: the practice's fee schedule, NCCI, MUE and payer policy
  tables in contract form (what the payers' rules were), to put beside the
  imported files so the audit uses the same rules as for the practice.

The same practice and seed always give the same bytes (the workbook's zip
entries and properties carry a fixed date).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..folder import write_csv
from ._claims837 import CLAIMS837_FOLDER
from ._write import contract_tables, practice_claims_837

__all__ = ["write_messy_export", "build_messy_demo", "MESSY_DEMO", "EXPORT_FILES", "HEADER_STYLES"]

EXPORT_FILES = ("charges.csv", "payments.xlsx", "coverage.csv", "documentation.csv")

#: Families of claims headers a practice-management system may use (the seed picks one).
HEADER_STYLES = {
    "charge_detail": {"claim_id": "Claim #", "line_no": "Line #", "patient_id": "Patient Acct",
                      "payer_id": "Ins Code", "rendering_npi": "Rendering NPI", "service_date": "DOS",
                      "submitted_date": "Date Billed", "procedure_code": "CPT", "modifiers": "Mod {}",
                      "units": "Units", "charge": "Billed Amt", "diagnosis_codes": "Dx {}",
                      "place_of_service": "POS"},
    "encounter_report": {"claim_id": "Encounter #", "line_no": "Ln", "patient_id": "Account #",
                         "payer_id": "Payer ID", "rendering_npi": "Provider NPI",
                         "service_date": "Date of Service", "submitted_date": "Submit Date",
                         "procedure_code": "CPT/HCPCS", "modifiers": "Modifiers", "units": "Qty",
                         "charge": "Charges", "diagnosis_codes": "Diagnosis Codes",
                         "place_of_service": "Place of Service"},
}

_ACCENTED_LAST = ["Peña", "Núñez", "Muñoz", "Ibáñez", "Gómez", "Martínez", "Rodríguez", "Müller",
                  "Gonçalves", "Sánchez", "Díaz", "Jiménez", "Lefèvre", "Ørsted"]
_ACCENTED_FIRST = ["José", "María", "Zoë", "Renée", "Inés", "Raúl", "Joaquín", "Ángel", "Chloé", "Noël"]
_FIXED_TIME = (2025, 1, 1, 0, 0, 0)


def _us(dates: pd.Series, short: bool = False) -> pd.Series:
    d = pd.to_datetime(dates)
    if short:
        return d.dt.month.astype(str) + "/" + d.dt.day.astype(str) + "/" + d.dt.strftime("%y")
    return d.dt.strftime("%m/%d/%Y").fillna("")


def _dollars(cents: pd.Series) -> pd.Series:
    c = pd.Series(cents, copy=False).astype("int64")
    text = (c.abs() // 100).map("{:,}".format) + "." + (c.abs() % 100).map("{:02d}".format)
    return np.where(c < 0, "($" + text + ")", "$" + text)


def _csv_bytes(rows: list[list[str]], encoding: str, line_end: str) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def _patient_names(t, rng: np.random.Generator) -> pd.Series:
    pat = t.patients.copy()
    n = len(pat)
    accented = rng.random(n) < 0.2
    pat.loc[accented, "last_name"] = rng.choice(_ACCENTED_LAST, int(accented.sum()))
    first = rng.random(n) < 0.5
    pat.loc[accented & first, "first_name"] = rng.choice(_ACCENTED_FIRST, int((accented & first).sum()))
    return pd.Series((pat["last_name"] + ", " + pat["first_name"]).to_numpy(),
                     index=pat["patient_id"].astype(str).to_numpy())


def _charges(practice, t, style: dict, rng) -> bytes:
    lines = t.claim_lines
    names = _patient_names(t, rng)
    providers = practice.providers.set_index("rendering_npi")["name"]
    mods = lines["modifiers"].fillna("").astype(str).str.split(";")
    dx = lines["diagnosis_codes"].fillna("").astype(str).str.split(";")
    columns: dict[str, list] = {}

    def spread(field: str, values: pd.Series, width: int):
        if "{}" in style[field]:
            for k in range(width):
                columns[style[field].format(k + 1)] = [v[k] if k < len(v) and v[k] else "" for v in values]
        else:
            columns[style[field]] = [", ".join(x for x in v if x) for v in values]

    columns[style["claim_id"]] = lines["claim_id"].astype(str).tolist()
    columns[style["line_no"]] = lines["line_no"].astype(str).tolist()
    columns[style["patient_id"]] = lines["patient_id"].astype(str).tolist()
    columns["Patient Name"] = names.reindex(lines["patient_id"].astype(str)).fillna("").tolist()
    columns[style["payer_id"]] = lines["payer_id"].astype(str).tolist()
    columns[style["rendering_npi"]] = lines["rendering_npi"].astype(str).tolist()
    columns["Rendering Provider"] = providers.reindex(lines["rendering_npi"]).fillna("").tolist()
    columns[style["service_date"]] = _us(lines["service_date"]).tolist()
    columns[style["submitted_date"]] = _us(lines["submitted_date"], short=True).tolist()
    columns[style["procedure_code"]] = lines["procedure_code"].astype(str).tolist()
    spread("modifiers", mods, 4)
    columns[style["units"]] = lines["units"].astype(str).tolist()
    columns[style["charge"]] = list(_dollars(lines["charge_cents"]))
    spread("diagnosis_codes", dx, 4)
    pos = lines["place_of_service"].astype(str)
    columns[style["place_of_service"]] = pos.str.lstrip("0").where(rng.random(len(pos)) < 0.5, pos).tolist()
    header = list(columns)
    body = [list(r) for r in zip(*columns.values())]
    start, end = pd.to_datetime(lines["service_date"]).min(), pd.to_datetime(lines["service_date"]).max()
    width = len(header)
    pad = [""] * (width - 1)
    total = [""] * width
    total[0] = "TOTAL"
    total[header.index(style["units"])] = str(int(lines["units"].sum()))
    total[header.index(style["charge"])] = _dollars(pd.Series([int(lines["charge_cents"].sum())]))[0]
    rows = [[practice.profile.title] + pad, ["Charge Detail Report"] + pad,
            [f"Dates of service {start:%m/%d/%Y} - {end:%m/%d/%Y}"] + pad, [""] * width, header]
    rows += body + [total, ["End of report"] + pad]
    return _csv_bytes(rows, "cp1252", "\r\n")


def _payments_workbook(t) -> bytes:
    import openpyxl

    pay = t.payments
    payers = t.claim_lines.drop_duplicates("claim_id").set_index("claim_id")["payer_id"]
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Payments"
    ws.append(["Payment Detail (all posted payments)"])
    ws.append([])
    header = ["Claim #", "Line #", "Payer", "Check/EFT #", "Payment Date", "Allowed Amt", "Paid Amt",
              "Deductible", "Coins", "Copay", "Reason Code"]
    ws.append(header)
    for r in pay.itertuples(index=False):
        paid = r.paid_cents / 100 if r.paid_cents >= 0 else _dollars(pd.Series([r.paid_cents]))[0]
        ws.append([r.claim_id, int(r.line_no), payers.get(r.claim_id, ""), r.payment_id,
                   pd.Timestamp(r.payment_date).to_pydatetime(), r.allowed_cents / 100, paid,
                   r.deductible_cents / 100, r.coinsurance_cents / 100, r.copay_cents / 100,
                   r.denial_code or None])
    for row in ws.iter_rows(min_row=4, min_col=5, max_col=5):
        for cell in row:
            cell.number_format = "mm/dd/yyyy"
    for row in ws.iter_rows(min_row=4, min_col=6, max_col=10):
        for cell in row:
            cell.number_format = '"$"#,##0.00_);("$"#,##0.00)'
    ws.append(["TOTAL", None, None, None, None, int(pay["allowed_cents"].sum()) / 100,
               int(pay["paid_cents"].sum()) / 100])
    summary = book.create_sheet("Summary")
    summary.append(["Payer", "Payments", "Paid"])
    by_payer = pay.assign(payer=pay["claim_id"].map(payers).astype(object)).groupby("payer", sort=True)["paid_cents"]
    for payer, cents in by_payer:
        summary.append([payer, int(len(cents)), int(cents.sum()) / 100])
    fixed = dt.datetime(*_FIXED_TIME)
    book.properties.created = book.properties.modified = fixed
    book.properties.creator = "RecoupKit messy export"
    raw = io.BytesIO()
    book.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry dated :data:`_FIXED_TIME` (byte-for-byte reproducible)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-01-01T00:00:00Z", data)
            dst.writestr(entry, data)
    return out.getvalue()


def _coverage(t) -> bytes:
    cov = t.coverage
    rows = [["Patient Acct", "Ins Code", "Member ID", "Eff Date", "Term Date"]]
    rows += [list(r) for r in zip(cov["patient_id"].astype(str), cov["payer_id"].astype(str),
                                  cov["member_id"].fillna("").astype(str), _us(cov["effective_date"]),
                                  _us(cov["termination_date"]))]
    return b"\xef\xbb\xbf" + _csv_bytes(rows, "utf-8", "\n")


def _documentation(t) -> bytes:
    doc = t.documentation
    flag = lambda s: np.where(pd.array(s, dtype="boolean").fillna(False), "Y",  # noqa: E731
                              np.where(pd.isna(pd.array(s, dtype="boolean")), "", "N"))
    rows = [["Claim #", "Line #", "Note on File", "Signed", "Supported Code"]]
    rows += [list(r) for r in zip(doc["claim_id"].astype(str), doc["line_no"].astype(str),
                                  flag(doc["note_present"]), flag(doc["signed"]),
                                  doc["documented_code"].fillna("").astype(str))]
    return _csv_bytes(rows, "utf-8", "\n")


def _payments_csv(t) -> bytes:
    """The payments as a CSV export (for sizes a workbook cannot hold): US dates, $ and ($) amounts."""
    pay = t.payments
    rows = [["Claim #", "Line #", "Check/EFT #", "Payment Date", "Allowed Amt", "Paid Amt", "Deductible",
             "Coins", "Copay", "Reason Code"]]
    rows += [list(r) for r in zip(pay["claim_id"].astype(str), pay["line_no"].astype(str),
                                  pay["payment_id"].astype(str), _us(pay["payment_date"]),
                                  _dollars(pay["allowed_cents"]), _dollars(pay["paid_cents"]),
                                  _dollars(pay["deductible_cents"]), _dollars(pay["coinsurance_cents"]),
                                  _dollars(pay["copay_cents"]), pay["denial_code"].fillna("").astype(str))]
    return _csv_bytes(rows, "cp1252", "\r\n")


def write_messy_export(practice, out, seed: int | None = None, style: str | None = None,
                       payments_as: str = "xlsx", claims837: bool = True) -> list[Path]:
    """Write a practice as a practice-management system would export it (see module doc).

    Parameters
    ----------
    practice : Practice
        From :func:`recoup_lib.synthetic.generate_practice`.
    out : path-like
        Folder to write (created; files of the same names are replaced).
    seed : int, optional
        Chooses the header family, the accented names and which place of
        service codes lose their leading zero (default: the practice's seed).
    style : str, optional
        A key of :data:`HEADER_STYLES` (default: chosen by the seed).
    payments_as : {"xlsx", "csv"}, default "xlsx"
        ``payments.xlsx`` (a workbook), or ``payments.csv`` (Windows-1252,
        US dates, ``$``/``($)`` amounts) for exports larger than a workbook holds.
    claims837 : bool, default True
        Also write the 837 files.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([practice.seed if seed is None else seed, 1837])
    names = sorted(HEADER_STYLES)
    chosen = style or names[int(rng.integers(len(names)))]
    t = contract_tables(practice)
    files = {"charges.csv": _charges(practice, t, HEADER_STYLES[chosen], rng),
             "coverage.csv": _coverage(t), "documentation.csv": _documentation(t)}
    if payments_as == "csv":
        files["payments.csv"] = _payments_csv(t)
    else:
        files["payments.xlsx"] = _payments_workbook(t)
    written = []
    for name, data in files.items():
        (out / name).write_bytes(data)
        written.append(out / name)
    for name in ("fee_schedule", "ncci_ptp", "mue", "payer_policies"):
        written.append(write_csv(getattr(t, name), out / "reference" / f"{name}.csv"))
    if claims837:
        for name in practice_claims_837(practice, t, out / CLAIMS837_FOLDER):
            written.append(out / CLAIMS837_FOLDER / name)
    return written


#: The messy export committed under ``synthetic/messy_export/`` (lesson 09, exercise ex09).
MESSY_DEMO = {"lines": 1500, "seed": 909, "profile": "family_practice"}

_README = """# A messy practice-management export (generated)

What a self-audit team really has, made on purpose from a generated practice
(profile `{profile}`, {lines} claim lines, seed {seed}) by
`recoup_lib.synthetic._export.write_messy_export`. Lesson
`notebooks/09_your_own_data.ipynb` and exercise `ex09_your_own_data` take it
through `recoup import`, then the audit.

| file | what is messy about it |
|---|---|
| `charges.csv` | Windows-1252 (accented names), Windows line ends, a title, a date range and a blank line \
above the header, a billing system's headers, US dates (`01/31/2025`, `1/31/25`), `$1,234.50`, place of service \
without its leading zero, a TOTAL row and "End of report" below |
| `payments.xlsx` | a workbook: a title row, Excel dates, amounts as numbers, reversals as text \
`($64.00)`, a TOTAL row; a second sheet of totals by payer |
| `coverage.csv` | UTF-8 with a byte-order mark, `Eff Date` / `Term Date` as `MM/DD/YYYY` |
| `documentation.csv` | `Y`/`N` flags |
| `claims837/` | the same claims as the clearinghouse's 837P files, one per payer and month |
| `reference/` | the payers' rules this practice was paid under (fee schedule, NCCI, MUE, payer policies), \
in contract form, to copy beside the imported files |

Rebuild (the same bytes every time; `tests/test_ingest_messy.py` checks it):

    python -m recoup_lib.synthetic._export
"""


def build_messy_demo(out=None) -> Path:
    """Write the committed messy export (default: ``synthetic/messy_export`` in the repository)."""
    from . import generate_practice
    from ._profile import profiles_dir

    out = Path(out) if out is not None else profiles_dir().parent / "messy_export"
    practice = generate_practice(lines=MESSY_DEMO["lines"], seed=MESSY_DEMO["seed"], profile=MESSY_DEMO["profile"])
    write_messy_export(practice, out, style="charge_detail")
    (out / "README.md").write_text(_README.format(**MESSY_DEMO), encoding="utf-8")
    return out


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(f"wrote {build_messy_demo(sys.argv[1] if len(sys.argv) > 1 else None)}")
