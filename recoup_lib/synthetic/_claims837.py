"""The practice's claims as the clearinghouse sent them: X12 837P 5010 files.

Every claim line of ``claim_lines.csv`` appears in an 837P (005010X222A1):
one file per payer and month of submission (``claims837/<payer>_<YYYY-MM>.837``),
one interchange per file, one transaction (ST/SE) per submission date (its
BHT04 is the line's submitted_date), one billing provider (2000A), one
subscriber per patient and payer (2000B; the patient is the subscriber, so
the member id in 2010BA NM109 is the patient_id), one CLM per claim with
its diagnoses (HI, ICD-10 without the dot, as X12 writes them) and the
claim's rendering provider (2310B), and per line LX, SV1 (procedure,
modifiers, charge, units, diagnosis pointers), DTP*472 (date of service), REF*6R (line
control number ``<claim_id>-<line_no>``, the one the practice's 835s echo)
and a 2420A rendering provider where the line's differs from the claim's.

Reading these files with :func:`recoup_lib.ingest.read_837` gives back
exactly ``claim_lines.csv`` (a property test checks it over seeds), and
pyx12 validates them against the 5010 map (tests). No clock is read: the
interchange date is the submission date.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["write_claims_837", "CLAIMS837_FOLDER"]

#: Where a generated folder keeps the practice's 837 claim files.
CLAIMS837_FOLDER = "claims837"

_FILING = {"medicare": "MB", "medicaid": "MC", "commercial": "CI"}
_BAD = str.maketrans({c: " " for c in "*~:^>|"})


def _clean(text) -> str:
    """Names in the X12 basic character set: accents dropped (PEÑA -> PENA), separators blanked."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return plain.translate(_BAD).strip().upper()


def _amount(cents: int) -> str:
    whole, frac = divmod(abs(int(cents)), 100)
    sign = "-" if cents < 0 else ""
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:02d}".rstrip("0")


def _split_name(name: str) -> tuple[str, str]:
    parts = str(name).split()
    return (_clean(parts[-1]), _clean(" ".join(parts[:-1]))) if len(parts) > 1 else (_clean(name), "")


_UNKNOWN_SUBSCRIBER = ("PATIENT", "", "19700101", "U")


def _subscribers(patients: pd.DataFrame) -> dict[str, tuple[str, str, str, str]]:
    """Each patient's 2010BA name, birth date (CCYYMMDD) and sex (F, M or U), by patient_id.

    Built once per file set: looking a patient up row by row in a DataFrame
    cost more than writing the segments. A patient listed twice keeps the first row.
    """
    births = pd.to_datetime(patients["birth_date"]).dt.strftime("%Y%m%d").fillna(_UNKNOWN_SUBSCRIBER[2]).to_numpy()
    found: dict[str, tuple[str, str, str, str]] = {}
    for pid, first, last, birth, sex in zip(patients["patient_id"].astype(str), patients["first_name"],
                                            patients["last_name"], births, patients["sex"].astype(str)):
        found.setdefault(pid, (_clean(last), _clean(first), birth, sex if sex in ("F", "M") else "U"))
    return found


def write_claims_837(claim_lines: pd.DataFrame, patients: pd.DataFrame, providers: pd.DataFrame,
                     payers: pd.DataFrame, folder, billing_name: str, billing_npi: str,
                     state: str = "GA") -> list[str]:
    """Write the claim lines as 837P files; return the file names written (sorted).

    Parameters
    ----------
    claim_lines : pandas.DataFrame
        The contract's claim lines in memory (``charge_cents``; dates as
        datetime64), every claim's lines sharing patient, payer, dates of
        submission, place of service and diagnoses, at most 4 diagnoses per
        line and 12 per claim.
    patients, providers, payers : pandas.DataFrame
        ``patient_id, first_name, last_name, birth_date, sex``;
        ``rendering_npi, name``; ``payer_id, name, payer_type``.
    folder : path-like
        Created if needed; earlier ``*.837`` files there are replaced.
    billing_name, billing_npi : str
        The billing provider (2010AA), also the submitter.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.837"):
        old.unlink()
    lines = claim_lines.reset_index(drop=True)
    if not len(lines):
        return []
    subscribers = _subscribers(patients)
    prov = providers.set_index("rendering_npi")["name"].astype(str).to_dict()
    pay = payers.set_index("payer_id")
    submitted = pd.to_datetime(lines["submitted_date"]).dt.strftime("%Y%m%d").to_numpy()
    served = pd.to_datetime(lines["service_date"]).dt.strftime("%Y%m%d").to_numpy()
    month = pd.to_datetime(lines["submitted_date"]).dt.strftime("%Y-%m").to_numpy()
    payer = lines["payer_id"].astype(str).to_numpy()
    claim = lines["claim_id"].astype(str).to_numpy()
    order = np.lexsort((lines["line_no"].to_numpy(), claim, submitted, payer))
    files: dict[str, list[int]] = {}
    for i in order:
        files.setdefault(f"{payer[i]}_{month[i]}.837", []).append(int(i))
    cols = {c: lines[c].astype(str).to_numpy() for c in
            ("patient_id", "rendering_npi", "procedure_code", "modifiers", "diagnosis_codes",
             "place_of_service")}
    units = lines["units"].to_numpy(dtype=np.int64)
    charge = lines["charge_cents"].to_numpy(dtype=np.int64)
    line_no = lines["line_no"].to_numpy(dtype=np.int64)
    billing = _clean(billing_name)[:60]
    written = []
    for control, (name, rows) in enumerate(sorted(files.items()), start=1):
        p = payer[rows[0]]
        payer_name = _clean(pay.loc[p, "name"]) if p in pay.index else p
        filing = _FILING.get(str(pay.loc[p, "payer_type"]) if p in pay.index else "", "CI")
        date = submitted[rows[0]]
        segs: list[str] = []
        segs.append(f"ISA*00*          *00*          *ZZ*{billing_npi:<15}*ZZ*{p[:15]:<15}*{date[2:]}*1200*^*00501*"
                    f"{control:09d}*0*P*:")
        segs.append(f"GS*HC*{billing_npi}*{p}*{date}*1200*{control}*X*005010X222A1")
        st_count = 0
        by_day: dict[str, list[int]] = {}
        for i in rows:
            by_day.setdefault(submitted[i], []).append(i)
        for day, day_rows in by_day.items():
            st_count += 1
            start = len(segs)
            st = f"{st_count:04d}"
            segs += [f"ST*837*{st}*005010X222A1", f"BHT*0019*00*{p}{day}*{day}*1200*CH",
                     f"NM1*41*2*{billing}*****46*{billing_npi}", "PER*IC*BILLING OFFICE*TE*5555550100",
                     f"NM1*40*2*{payer_name}*****46*{p}",
                     "HL*1**20*1", f"NM1*85*2*{billing}*****XX*{billing_npi}", "N3*100 MAIN ST",
                     f"N4*SPRINGFIELD*{state}*300010000", "REF*EI*123456789"]
            hl = 1
            last_patient = None
            claims: dict[str, list[int]] = {}
            for i in day_rows:
                claims.setdefault(claim[i], []).append(i)
            for cid in sorted(claims, key=lambda c: (cols["patient_id"][claims[c][0]], c)):
                idx = claims[cid]
                first = idx[0]
                patient = cols["patient_id"][first]
                if patient != last_patient:
                    hl += 1
                    last_patient = patient
                    last, given, birth, sex = subscribers.get(patient, _UNKNOWN_SUBSCRIBER)
                    segs += [f"HL*{hl}*1*22*0", f"SBR*P*18*******{filing}",
                             f"NM1*IL*1*{last}*{given}****MI*{patient}", "N3*1 PATIENT WAY",
                             f"N4*SPRINGFIELD*{state}*300010000", f"DMG*D8*{birth}*{sex}",
                             f"NM1*PR*2*{payer_name}*****PI*{p}"]
                dx: list[str] = []
                for i in idx:
                    for code in filter(None, cols["diagnosis_codes"][i].split(";")):
                        if code not in dx:
                            dx.append(code)
                if len(dx) > 12:
                    raise ValueError(f"claim {cid}: {len(dx)} diagnoses; an 837P carries at most 12")
                total = int(charge[idx].sum())
                segs.append(f"CLM*{cid}*{_amount(total)}***{cols['place_of_service'][first]}:B:1*Y*A*Y*Y")
                if dx:
                    segs.append("HI*" + "*".join(f"{'ABK' if k == 0 else 'ABF'}:{c.replace('.', '')}"
                                                 for k, c in enumerate(dx)))
                claim_npi = cols["rendering_npi"][first]
                last, given = _split_name(prov.get(claim_npi, "PROVIDER"))
                segs.append(f"NM1*82*1*{last}*{given}****XX*{claim_npi}")
                for i in idx:
                    mods = [m for m in cols["modifiers"][i].split(";") if m]
                    if len(mods) > 4:
                        raise ValueError(f"claim {cid} line {line_no[i]}: more than 4 modifiers")
                    pointers = [str(dx.index(c) + 1) for c in filter(None, cols["diagnosis_codes"][i].split(";"))]
                    if len(pointers) > 4:
                        raise ValueError(f"claim {cid} line {line_no[i]}: more than 4 diagnoses for one line")
                    proc = ":".join(["HC", cols["procedure_code"][i]] + mods)
                    segs += [f"LX*{line_no[i]}",
                             f"SV1*{proc}*{_amount(int(charge[i]))}*UN*{units[i]}***{':'.join(pointers)}",
                             f"DTP*472*D8*{served[i]}", f"REF*6R*{cid}-{line_no[i]}"]
                    if cols["rendering_npi"][i] != claim_npi:
                        last, given = _split_name(prov.get(cols["rendering_npi"][i], "PROVIDER"))
                        segs.append(f"NM1*82*1*{last}*{given}****XX*{cols['rendering_npi'][i]}")
            segs.append(f"SE*{len(segs) - start + 1}*{st}")
        segs += [f"GE*{st_count}*{control}", f"IEA*1*{control:09d}"]
        (folder / name).write_text("~\n".join(segs) + "~\n", encoding="ascii", errors="replace")
        written.append(name)
    return sorted(written)
