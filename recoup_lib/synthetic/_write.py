"""Writing a generated practice as an audit folder: in one piece, or block by block in bounded memory.

:func:`contract_tables` turns a practice (or one block of it) into the
contract's tables; :func:`write_folder` writes them with the payers' files,
the 835 remittances and ``practice.json``; :func:`write_in_blocks` writes a
large practice block by block (:mod:`._blocks`) without ever holding it
whole: each table is appended block after block, which gives the bytes the
whole practice written at once gives.
"""

from __future__ import annotations

import functools
import json
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import __version__
from ..folder import csv_bytes, write_csv
from ..checksums import combine_crc32
from ..outputs import vouch
from ..schema import RECOUPMENT_LABELS_SPEC
from ._blocks import Layout, place, run_blocks
from ._claims837 import CLAIMS837_FOLDER, write_claims_837
from ._identities import npi_numbers
from ._payer import NOTICE_COLUMNS
from ._practice import Practice, _obj
from ._random import stream
from ._values import _arrow_series, lexsort_order
from ._remits import TAKE_COLUMNS, plan_remits, write_remits

__all__ = ["WRITTEN_BY", "FOLDER_FILES", "PAYER_FILES", "REMITS_FOLDER", "RECOUPMENT_LABEL_COLUMNS", "contract_tables",
           "practice_claims_837", "write_folder", "write_in_blocks", "describe"]

#: The step that writes a generated folder: its manifest's writer and ``practice.json``'s generator.
WRITTEN_BY = "recoup generate"

#: Files of a generated folder, in the order they are written.
FOLDER_FILES = ("claim_lines.csv", "payments.csv", "coverage.csv", "documentation.csv",
                "fee_schedule.csv", "ncci_ptp.csv", "mue.csv", "payer_policies.csv", "payers.csv",
                "labels.csv", "patients.csv", "providers.csv", "practice.json")

#: The payers' files of a generated folder (see :mod:`._payer`); ``remits/`` holds the 835s.
PAYER_FILES = ("notices.csv", "recoupment_labels.csv")
#: Where a generated folder keeps the payers' 835 remittances (one file per payer and month).
REMITS_FOLDER = "remits"

#: recoupment_labels.csv columns before the take-back ones (money in cents in memory, dollars in the
#: file), as its spec lists them (:data:`recoup_lib.schema.RECOUPMENT_LABELS_SPEC`).
RECOUPMENT_LABEL_COLUMNS = [c.memory_name for c in RECOUPMENT_LABELS_SPEC.columns if c.memory_name not in TAKE_COLUMNS]


@dataclass
class _Tables:
    claim_lines: pd.DataFrame
    payments: pd.DataFrame
    coverage: pd.DataFrame
    documentation: pd.DataFrame
    fee_schedule: pd.DataFrame
    ncci_ptp: pd.DataFrame
    mue: pd.DataFrame
    payer_policies: pd.DataFrame
    payers: pd.DataFrame
    labels: pd.DataFrame
    patients: pd.DataFrame
    providers: pd.DataFrame
    notices: pd.DataFrame | None = None
    recoupment_labels: pd.DataFrame | None = None


#: The practice's line columns claim_lines.csv is made of (the others are the simulation's own).
_LINE_COLUMNS = ["claim", "line_no", "patient", "payer_id", "rendering_npi", "service_date", "submitted_date",
                 "procedure_code", "modifiers", "units", "charge_cents", "diagnosis_codes", "place_of_service"]


def contract_tables(practice: Practice, notices: pd.DataFrame | None = None) -> _Tables:
    """The practice as the contract's tables (typed, in memory, in file order).

    ``notices`` (default ``practice.notices``) may carry the take-back columns
    of :func:`plan_remits`; they go to recoupment_labels.csv. The tables are
    read and written, never changed in place, so their columns are not copied
    (pandas would otherwise stack a block's whole-number and date columns into
    new two-dimensional blocks: 15 ms of the 90 ms this takes).
    """
    lines = practice.lines
    order = claim_line_order(lines["claim"].to_numpy(), lines["line_no"].to_numpy())
    lines = {c: pd.Series(lines[c].array.take(order)) for c in _LINE_COLUMNS}
    claim_lines = pd.DataFrame({
        "claim_id": practice.claim_id_column(lines["claim"].to_numpy()),
        "line_no": lines["line_no"].to_numpy(dtype=np.int64),
        "patient_id": practice.patient_id_column(lines["patient"].to_numpy()),
        "payer_id": lines["payer_id"],
        "rendering_npi": lines["rendering_npi"],
        "service_date": lines["service_date"].to_numpy(),
        "submitted_date": lines["submitted_date"].to_numpy(),
        "procedure_code": lines["procedure_code"],
        "modifiers": lines["modifiers"],
        "units": lines["units"].to_numpy(dtype=np.int64),
        "charge_cents": lines["charge_cents"].to_numpy(dtype=np.int64),
        "diagnosis_codes": lines["diagnosis_codes"],
        "place_of_service": lines["place_of_service"],
    }, copy=False)
    pay = practice.payments.reset_index(drop=True)
    payments = pd.DataFrame({
        "claim_id": practice.claim_id_column(pay["claim"].to_numpy()),
        "line_no": pay["line_no"].to_numpy(dtype=np.int64),
        "payment_id": pay["payment_id"], "payment_date": pay["payment_date"].to_numpy(),
        **{c: pay[c].to_numpy(dtype=np.int64) for c in ("allowed_cents", "paid_cents", "deductible_cents",
                                                        "coinsurance_cents", "copay_cents")},
        "denial_code": _blank_for_missing(pay["denial_code"]),
    }, copy=False)
    spans = practice.spans.reset_index(drop=True)
    coverage = pd.DataFrame({
        "patient_id": practice.patient_id_column(spans["patient"].to_numpy()),
        "payer_id": spans["payer_id"].array, "member_id": spans["member_id"].array,
        "effective_date": spans["effective_date"].to_numpy(), "termination_date": spans["termination_date"].to_numpy(),
    }, copy=False)
    doc = practice.documentation
    doc = doc.iloc[claim_line_order(doc["claim"].to_numpy(), doc["line_no"].to_numpy())].reset_index(drop=True)
    documentation = pd.DataFrame({
        "claim_id": practice.claim_id_column(doc["claim"].to_numpy()),
        "line_no": doc["line_no"].to_numpy(dtype=np.int64),
        "note_present": doc["note_present"].array, "signed": doc["signed"].array,
        "documented_code": _blank_for_missing(doc["documented_code"]),
    }, copy=False)
    payer_ids = list(practice.profile["payer_mix"])
    fee = practice.refs.fee_schedule
    fee_schedule = fee.loc[fee["payer_id"].isin(payer_ids)].drop(columns=["_row"], errors="ignore")
    ncci = practice.refs.ncci_ptp.drop(columns=["_row"], errors="ignore")
    mue = practice.refs.mue.drop(columns=["_row"], errors="ignore")
    policies = practice.policies[["payer_id", "procedure_code", "effective_date", "announced_date", "description"]]
    policies = policies.sort_values(["payer_id", "procedure_code", "effective_date"], kind="stable")
    payers = practice.refs.payers
    payers = payers.loc[payers["payer_id"].isin(payer_ids), ["payer_id", "name", "payer_type", "state"]]
    lab = practice.labels.reset_index(drop=True)
    labels = pd.DataFrame({
        "claim_id": practice.claim_id_column(lab["claim"].to_numpy()),
        "line_no": lab["line_no"].to_numpy(dtype=np.int64),
        "error_type": lab["error_type"].array, "at_risk_cents": lab["at_risk_cents"].to_numpy(),
        "category": lab["category"].array, "injected_as": lab["injected_as"].array,
    }, copy=False)
    pat = practice.patients
    patients = pd.DataFrame({"patient_id": practice.patient_id_column(pat["patient"].to_numpy()),
                             "first_name": pat["first_name"].array, "last_name": pat["last_name"].array,
                             "birth_date": pat["birth_date"].to_numpy(), "sex": pat["sex"].array}, copy=False)
    nt = notices if notices is not None else practice.notices
    notices = recoupment_labels = None
    if nt is not None:
        with_ids = nt.assign(claim_id=practice.claim_id_column(nt["claim"].to_numpy()).to_numpy())
        notices = with_ids[NOTICE_COLUMNS].reset_index(drop=True)
        recoupment_labels = with_ids[[c for c in RECOUPMENT_LABEL_COLUMNS if c in with_ids.columns]
                                     + [c for c in nt.columns if c in _TAKE_COLUMNS]].reset_index(drop=True)
    return _Tables(claim_lines, payments, coverage, documentation, fee_schedule.reset_index(drop=True),
                   ncci, mue, policies.reset_index(drop=True), payers.reset_index(drop=True),
                   labels, patients, practice.providers, notices, recoupment_labels)


def _blank_for_missing(text: pd.Series) -> pd.Series:
    """A text column with missing values blank (``fillna("")``), Arrow-backed.

    Each distinct value becomes Arrow text once (a block's 250,000 denial
    codes hold ten): 10 ms against 20 for filling, then converting every
    value when written. Values that are not all text stay Python objects,
    written as before. Arrow text (``str``, as the simulation makes these
    columns) only has its missing values filled.
    """
    if isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == "pyarrow":
        return _arrow_series(pc.fill_null(pa.array(text.array), ""))
    codes, distinct = pd.factorize(text.to_numpy(dtype=object))
    try:
        table = pa.array(np.asarray(distinct, dtype=object), type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _obj(text.fillna("").to_numpy(dtype=object))
    missing = codes < 0
    taken = table.take(pa.array(codes, mask=missing if missing.any() else None))
    return _arrow_series(pc.fill_null(taken, "") if missing.any() else taken)


def claim_line_order(claim: np.ndarray, line_no: np.ndarray) -> np.ndarray:
    """Positions putting rows in claim order, then line order: ``np.lexsort((line_no, claim))``.

    Whole numbers (integers, or floats that are all whole) are sorted by one
    combined key (:func:`._values.lexsort_order`): the same positions in a
    tenth of the time on a block's lines (0.8 ms against 9.8 for 250,000:
    ``np.lexsort`` sorts by each key in turn). Anything else goes to
    ``np.lexsort``.
    """
    claim, line_no = np.asarray(claim), np.asarray(line_no)
    claims, lines = _whole_numbers(claim), _whole_numbers(line_no)
    if claims is not None and lines is not None:
        return lexsort_order((lines, claims))
    return np.lexsort((line_no, claim))


def _whole_numbers(values: np.ndarray) -> np.ndarray | None:
    """``values`` as int64 when every one is a whole number within +-2**53; None otherwise."""
    if values.dtype.kind not in "iuf" or not len(values):
        return None
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        return None
    if max(abs(int(values.min())), abs(int(values.max()))) > 2**53:
        return None
    whole = values.astype(np.int64)
    return whole if values.dtype.kind in "iu" or np.array_equal(whole, values) else None


#: Take-back columns of recoupment_labels.csv, filled by the remittance simulation.
_TAKE_COLUMNS = tuple(TAKE_COLUMNS)


#: Files written once (reference tables and the practice's staff), not block by block.
_ONCE = ("fee_schedule.csv", "ncci_ptp.csv", "mue.csv", "payer_policies.csv", "payers.csv", "providers.csv")


class _Summary:
    """What practice.json says about the folder, added up table by table (or block by block)."""

    def __init__(self, practice: Practice, seed: int):
        self.facts = {"profile": practice.profile, "seed": seed, "error_rate": practice.error_rate,
                      "start": practice.start, "end": practice.end, "export_date": practice.export_date}
        self.files = Counter()
        self.labels_by_error_type = Counter()
        self.lines_with_errors = 0
        self.coverage_changes = []
        self.review = None

    def add(self, tally: dict) -> None:
        self.files.update(tally["files"])
        self.labels_by_error_type.update(tally["labels"])
        self.lines_with_errors += tally["lines_with_errors"]
        self.coverage_changes += tally["coverage_changes"]
        if tally["review"] is not None:
            self.review = (self.review or Counter()) + tally["review"]


    def as_dict(self) -> dict:
        p = self.facts
        summary = {
            "generator": WRITTEN_BY,
            "kit_version": __version__,
            "profile": p["profile"].name,
            "profile_title": p["profile"].title,
            "seed": p["seed"],
            "lines": self.files["claim_lines.csv"],
            "error_rate": p["error_rate"],
            "period": {"start": str(p["start"]), "end": str(p["end"])},
            "export_date": str(p["export_date"]),
            "files": {name: self.files[name] for name in FOLDER_FILES[:-1]},
            "labels_by_error_type": {k: int(v) for k, v in sorted(self.labels_by_error_type.items()) if v},
            "lines_with_errors": self.lines_with_errors,
            "coverage_changes": self.coverage_changes,
        }
        if self.review is not None:
            summary["payer_review"] = {k: int(self.review[k]) for k in
                                       ("notices", "valid", "false_accusations", "after_lookback", "appealed")}
        return summary


def _tally(t, practice: Practice, once: bool = True) -> dict:
    """One table set's share of practice.json (``once``: with the files written once).

    Lines with errors are counted on the practice's claim numbers, not on ``t``'s claim ids made
    from them (one id per number): the same count without hashing text.
    """
    review = None
    if t.notices is not None:
        rl = t.recoupment_labels
        review = Counter({"notices": int(len(t.notices)), "valid": int(rl["valid"].sum()),
                          "false_accusations": int((rl["accusation"] == "false").sum()),
                          "after_lookback": int((~rl["within_lookback"]).sum()), "appealed": int(rl["appealed"].sum())})
    return {"files": Counter({name: int(len(getattr(t, name.removesuffix(".csv")))) for name in FOLDER_FILES[:-1]
                              if once or name not in _ONCE}),
            "labels": Counter(t.labels["error_type"].value_counts().to_dict()),
            "lines_with_errors": int(practice.labels[["claim", "line_no"]].drop_duplicates().shape[0]),
            "coverage_changes": [{k: str(v) for k, v in c.items()} for c in practice.coverage_changes],
            "review": review}


def _write_summary(out: Path, summary: dict) -> Path:
    path = out / "practice.json"
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return path


def write_folder(practice: Practice, out: str | Path, payer: bool, remits: bool,
                 claims837: bool | None = None) -> list[Path]:
    """Write the practice as an audit folder (see :func:`recoup_lib.synthetic.write_practice`); every file written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plan = plan_remits(practice) if (payer and remits and practice.notices is not None) else None
    t = contract_tables(practice, plan.notices if plan is not None else None)
    if not payer:
        t.notices = t.recoupment_labels = None
    paths = [write_csv(getattr(t, name.removesuffix(".csv")), out / name) for name in FOLDER_FILES[:-1]]
    if t.notices is not None:
        paths += [write_csv(getattr(t, name.removesuffix(".csv")), out / name) for name in PAYER_FILES]
    planned = plan is not None
    if planned:
        folder = out / REMITS_FOLDER
        written = write_remits(practice, plan, folder)
        paths += [folder / name for name in written]
        transactions = len(plan.tx)
        plan = None  # its tables are as large as the payments: not kept while the 837s are made
    claims_written = None
    if planned if claims837 is None else claims837:
        claims_written = practice_claims_837(practice, t, out / CLAIMS837_FOLDER)
        paths += [out / CLAIMS837_FOLDER / name for name in claims_written]
    tally = _Summary(practice, practice.seed)
    tally.add(_tally(t, practice))
    summary = tally.as_dict()
    if planned:
        rl = t.recoupment_labels
        summary["payer_review"].update({
            "remit_files": len(written),
            "remit_transactions": int(transactions),
            "taken": {k: int(v) for k, v in rl["mechanism"].where(rl["taken_cents"] > 0, "none")
                      .value_counts().sort_index().items()},
            "taken_total": f"{int(rl['taken_cents'].sum()) / 100:.2f}",
        })
    if claims_written is not None:
        summary["claims837_files"] = len(claims_written)
    return paths + [_write_summary(out, summary)]


def practice_claims_837(practice: Practice, t: _Tables, folder: Path) -> list[str]:
    """Write the practice's claim lines (``t``, its :func:`contract_tables`) as 837P files in ``folder``.

    The billing provider is the practice: its profile's name and state, an NPI drawn from its seed.
    """
    return write_claims_837(t.claim_lines, t.patients, practice.providers, practice.refs.payers, folder,
                            billing_name=practice.profile.name.replace("_", " "),
                            billing_npi=npi_numbers(stream(practice.seed, "payee"), 1)[0],
                            state=str(practice.profile.get("state", "GA")))


def write_in_blocks(layout: Layout, out: str | Path, payer: bool = True, keep: bool = False,
                    workers: int = 1, close_later: bool = False) -> dict:
    """Generate and write a practice block by block (:func:`._blocks.run_blocks`); practice.json's content.

    The folder is byte for byte the one :func:`write_folder` writes for the
    same practice made in memory without remittances (the 835s need every
    patient of a payer's month at once). ``keep=False`` holds one block at a
    time (bounded memory); ``workers`` > 1 makes each block's CSV text in the
    worker process that finished it, and that process also writes it, at the
    place in each file this process gives it once the blocks before it are
    known (only sizes travel between the processes, not the text).
    ``close_later``: the worker processes end in the background (see
    :func:`._blocks.run_blocks`; :func:`._blocks.wait_for_workers`).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    blocks = run_blocks(layout, functools.partial(_block_text, payer=payer), keep=keep, workers=workers,
                        then=_write_block, close_later=close_later)
    summary, ends, checksums, parts = None, {}, {}, []
    result = next(blocks)
    while True:
        sizes, headers, tally, practice = result
        summary = summary or _Summary(practice, layout.seed)
        for name, header in (headers or {}).items():
            (out / name).write_bytes(header)
            ends[name] = len(header)
            checksums[name] = zlib.crc32(header)
        places = {name: ends[name] for name in sizes}
        for name, size in sizes.items():
            ends[name] += size
        parts.append(sizes)
        summary.add(tally)
        try:
            result = blocks.send((out, places))
        except StopIteration as end:
            written = end.value
            break
    # Each file's checksum from its header's and its blocks' (summed where each block was written).
    for block, sizes in enumerate(parts):
        for name, size in sizes.items():
            checksums[name] = combine_crc32(checksums[name], written[block][name], size)
    for name, crc in checksums.items():
        vouch(out / name, ends[name], crc)
    content = summary.as_dict()
    _write_summary(out, content)
    return content


def _block_text(practice: Practice, layout: Layout, block: int, at: dict, payer: bool = True):
    """:func:`run_blocks` step: (the sizes of the block's CSV rows per file, the headers of block 0, its
    practice.json share, its facts) to send, and the rows themselves to keep for :func:`_write_block`."""
    files, tally, facts = _block_files(practice, layout, block, at, payer=payer)
    headers = {name: header for name, (header, _) in files.items()} if block == 0 else None
    rows = {name: body for name, (_, body) in files.items()}
    return ({name: len(body) for name, body in rows.items()}, headers, tally, facts), rows


def _write_block(rows: dict, answer) -> dict:
    """:func:`run_blocks` follow-up: write a block's rows into the folder's files at the places given;
    the CRC-32 of the rows written to each file (for the folder's manifest)."""
    folder, places = answer
    for name, body in rows.items():
        if body:
            with open(Path(folder) / name, "r+b") as handle:
                handle.seek(places[name])
                handle.write(body)
    return {name: zlib.crc32(body) for name, body in rows.items()}


def _block_files(practice: Practice, layout: Layout, block: int, at: dict, payer: bool = True):
    """A placed block's CSV header and rows per file, its practice.json share, its facts."""
    place(practice, layout, at)
    t = contract_tables(practice)
    if not payer:
        t.notices = t.recoupment_labels = None
    names = list(FOLDER_FILES[:-1]) + (list(PAYER_FILES) if t.notices is not None else [])
    files = {name: csv_bytes(getattr(t, name.removesuffix(".csv"))) for name in names
             if block == 0 or name not in _ONCE}
    facts = Practice(profile=practice.profile, seed=practice.seed, start=practice.start, end=practice.end,
                     export_date=practice.export_date, refs=None, providers=None, patients=None, spans=None,
                     encounters=None, lines=None, payments=None, documentation=None,
                     error_rate=practice.error_rate)
    return files, _tally(t, practice, once=block == 0), facts


def describe(summary: dict) -> str:
    """practice.json's content in plain words: size, errors by type, the payers' notices."""
    labels = summary["labels_by_error_type"]
    out = [f"{summary['profile_title']}: {summary['lines']:,} claim lines, seed {summary['seed']}, "
           f"{summary['lines_with_errors']:,} lines with errors ({sum(labels.values()):,} labels)"]
    out += [f"  {error_type}: {count}" for error_type, count in labels.items()]
    review = summary.get("payer_review")
    if review is not None:
        out.append(f"payer review: {review['notices']:,} notices ({review['valid']:,} valid, "
                   f"{review['false_accusations']:,} "
                   f"false accusation{'' if review['false_accusations'] == 1 else 's'}, "
                   f"{review['after_lookback']:,} after the look-back limit)")
    return "\n".join(out)
