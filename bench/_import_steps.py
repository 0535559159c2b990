"""Steps of bench/import.py, each run in its own process (``import`` is a keyword, so they live here)."""

from __future__ import annotations

from pathlib import Path

from recoup_lib.folder import read_audit_folder
from recoup_lib.ingest import import_files, read_837
from recoup_lib.synthetic import generate_practice, write_practice
from recoup_lib.synthetic._export import write_messy_export


def step_write(lines: int, profile: str, out: str) -> dict:
    practice = generate_practice(lines=lines, seed=7, profile=profile)
    write_practice(practice, f"{out}/contract", payer=False)
    write_messy_export(practice, f"{out}/messy", payments_as="csv")
    return {}


def step_audit_read(out: str) -> dict:
    inputs = read_audit_folder(f"{out}/contract")
    return {"lines": int(len(inputs.claim_lines))}


def step_import_csv(out: str) -> dict:
    m = f"{out}/messy"
    result = import_files(f"{m}/charges.csv", payments=f"{m}/payments.csv", coverage=f"{m}/coverage.csv",
                          documentation=f"{m}/documentation.csv")
    return {"lines": int(len(result.tables["claim_lines.csv"]))}


def step_read_837(out: str) -> dict:
    return {"lines": len(read_837(f"{out}/messy/claims837"))}


def python_loop(folder: str) -> list[dict]:
    """A pure-Python segment loop: split each file on its terminator and elements, keep state."""
    out: list[dict] = []
    for path in sorted(Path(folder).rglob("*.837")):
        text = path.read_text(encoding="utf-8", errors="replace")
        sep, comp, term = text[3], text[104], text[105]
        first = len(out)
        names: dict = {}
        billing = submitted = ""
        claim = line = None
        for seg in text.replace("\r", "").replace("\n", "").split(term):
            e = seg.split(sep)
            tag = e[0]
            if tag == "BHT":
                submitted = e[4]
            elif tag == "HL":
                if e[3] == "22":
                    names = {}
                claim = line = None
            elif tag == "NM1":
                if line is not None:
                    if e[1] == "82" and len(e) > 9:
                        line["rendering_npi"] = e[9]
                elif claim is not None:
                    if e[1] == "82" and len(e) > 9 and "rendering" not in claim:
                        claim["rendering"] = e[9]
                elif e[1] == "85":
                    billing = e[9]
                elif e[1] in ("IL", "PR", "QC") and len(e) > 9:
                    names[e[1]] = e[9]
            elif tag == "CLM":
                claim = {"claim_id": e[1], "pos": e[5].split(comp)[0], "dx": [],
                         "patient": names.get("QC") or names.get("IL", ""), "payer": names.get("PR", "")}
                line = None
            elif tag == "HI" and claim is not None:
                for c in e[1:]:
                    q, _, code = c.partition(comp)
                    if q in ("ABK", "ABF", "BK", "BF"):
                        claim["dx"].append(code[:3] + "." + code[3:] if len(code) > 3 else code)
            elif tag == "LX" and claim is not None:
                line = {"claim_id": claim["claim_id"], "line_no": e[1], "patient_id": claim["patient"],
                        "payer_id": claim["payer"], "submitted_date": submitted, "claim": claim}
                out.append(line)
            elif tag == "SV1" and line is not None:
                p = e[1].split(comp)
                line["procedure_code"], line["modifiers"] = p[1], ";".join(m for m in p[2:6] if m)
                line["charge"], line["units"] = e[2], e[4]
                pointers = e[7].split(comp) if len(e) > 7 else []
                line["diagnosis_codes"] = ";".join(claim["dx"][int(k) - 1] for k in pointers
                                                   if k.isdigit() and int(k) <= len(claim["dx"]))
                line["place_of_service"] = e[5] if len(e) > 5 and e[5] else claim["pos"]
            elif tag == "DTP" and line is not None and e[1] == "472":
                line["service_date"] = e[3][:8]
            elif tag == "REF" and line is not None and e[1] == "6R":
                line["line_control"] = e[2]
        for row in out[first:]:
            row.setdefault("rendering_npi", row["claim"].get("rendering") or billing)
    return out


def step_python_loop(out: str) -> dict:
    return {"lines": len(python_loop(f"{out}/messy/claims837"))}
