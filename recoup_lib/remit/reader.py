"""Read X12 835 remittances into tables, check their balance, find recoupments.

:func:`read_835` reads any number of files (5010 ``005010X221A1``; 4010
``004010X091A1`` too) and returns a :class:`Remit`: one DataFrame per level
of the 835 (transactions, claim payments, service lines, CAS adjustments, PLB
provider adjustments), the recoupments found in them, and every problem met.

How a file is read
------------------
Separators come from each ISA header (:mod:`._segments`); a bare ST...SE run
without one is read with ``*``, ``~`` (or line breaks when the file has no
``~``) and ``:``. The work is columnar: segments are located in the bytes as
read, elements are gathered a column at a time into Arrow arrays, and loops are
resolved with numpy (each CAS belongs to the last CLP or SVC before it), so a
few million segments take seconds.

What is set aside
-----------------
A problem inside a transaction (a non-numeric or over-precise amount, a CLP
without its charge, an SVC before any CLP, a missing SE or a wrong SE01 count)
sets that transaction aside; a problem outside any transaction (a broken ISA
header, a segment between SE and the next ST) sets the whole file aside. Each
problem names the file, the segment's 1-based position in the file, the
element and what was expected. Envelope bookkeeping (GE01/IEA01 counts,
control numbers) and unreadable dates are warnings; the data is kept. The rest
of the batch always loads.

Balancing (docs/sources.md §5.4) is checked, never assumed: a transaction is balanced
when BPR02 = sum of CLP04 - sum of PLB amounts; claims and service lines carry
their own ``balanced`` flags. Unbalanced data is kept and reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..folder import write_csv
from ..money import dollars
from ._segments import (
    AMOUNT_EXPECTED,
    Chunk,
    Elements,
    Splitter,
    code_name,
    parse_amounts,
    segment_code,
    combine,
    split_interchanges,
    split_values,
)

__all__ = ["read_835", "Remit", "SegmentProblem", "RECOUPMENT_REASONS", "COLUMNS"]

_IDS = ("ISA GS ST BPR TRN DTM N1 CLP CAS NM1 SVC REF AMT PLB SE GE IEA LX").split()
C = {name: segment_code(name) for name in _IDS}
_KNOWN = frozenset(segment_code(s) for s in (
    "ISA GS ST BPR NTE TRN CUR REF DTM N1 N2 N3 N4 PER RDM LX TS3 TS2 CLP CAS NM1 MIA MOA "
    "AMT QTY SVC LQ PLB SE GE IEA TA1").split())
_ENVELOPE = np.array([C["ISA"], C["GS"], C["GE"], C["IEA"]], dtype=np.uint32)
#: Packed codes of the qualifiers compared without building strings.
_CODE = {q: segment_code(q) for q in ("D", "405", "PR", "PE", "QC", "232", "233", "F8", "472",
                                      "150", "151", "6R", "B6")}

#: PLB reason codes whose positive amount is an offset (docs/contract.md "Remittances").
RECOUPMENT_REASONS = ("WO", "FB")
#: Group codes the 5010 CAS accepts; CR is read from 4010 files (docs/sources.md §6.1).
_GROUPS_5010 = ("CO", "PR", "OA", "PI")

_SET_ASIDE = {"file": "file set aside", "transaction": "transaction set aside", "warning": "kept"}


@dataclass(frozen=True)
class SegmentProblem:
    """One problem in an 835 file, located by segment.

    Attributes
    ----------
    file : str
    segment : int
        1-based position of the segment in the file (ISA = 1); 0 for the
        file itself (not found, empty).
    segment_id : str
    element : str
        ``CLP04``-style element name, or ``""``.
    value : str
        What was found.
    expected : str
        What was expected, in plain words.
    severity : str
        ``error`` (something was set aside) or ``warning`` (kept).
    action : str
        ``file set aside``, ``transaction set aside`` or ``kept``.
    trace_number : str
        The transaction's TRN02 where known.
    """

    file: str
    segment: int
    segment_id: str
    element: str
    value: str
    expected: str
    severity: str
    action: str
    trace_number: str = ""

    @property
    def message(self) -> str:
        """``a.835, segment 12 (CLP), element CLP04: expected ...; got 'abc' (transaction set aside).``"""
        where = f"{self.file}"
        if self.segment:
            where += f", segment {self.segment}"
            if self.segment_id:
                where += f" ({self.segment_id})"
        if self.element:
            where += f", element {self.element}"
        got = f"; got {self.value!r}" if self.value else ""
        return f"{where}: expected {self.expected}{got} ({self.action})."

    def __str__(self) -> str:
        return self.message


# ----------------------------------------------------------------------------
# One chunk (interchange) -> columns
# ----------------------------------------------------------------------------

def _first_per_group(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted positions grouped by ``groups``: (group ids present, index of their first row)."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ids, first = np.unique(groups, return_index=True)
    return ids, first


def _fill(n: int, ids: np.ndarray, values, default=""):
    """An array of length ``n`` holding ``values`` at ``ids`` and ``default`` elsewhere."""
    if isinstance(values, pa.Array):
        out = np.full(n, -1, dtype=np.int64)
        out[ids] = np.arange(len(ids))
        present = out >= 0
        taken = values.take(pa.array(np.where(present, out, 0))) if len(values) else pa.array(
            [default] * n, pa.large_string())
        return pc.if_else(pa.array(present), taken, pa.scalar(default, pa.large_string()))
    values = np.asarray(values)
    out = np.full(n, default, dtype=values.dtype)
    out[ids] = values
    return out


class _ChunkReader:
    """Parse one chunk of segments into per-level columns (local indices)."""

    def __init__(self, chunk: Chunk):
        self.chunk = chunk
        self.codes = chunk.codes
        self.n = len(chunk)
        self.problems: list[tuple] = []  # (pos, element, value, expected, scope)
        self.out: dict[str, dict] = {}

    # -- problems ------------------------------------------------------------
    def flag(self, pos: int, element: str, value: str, expected: str, scope: str) -> None:
        self.problems.append((int(pos), element, str(value), expected, scope))

    def flag_mask(self, positions: np.ndarray, mask: np.ndarray, element: str, values,
                  expected: str, scope: str) -> None:
        if not mask.any():
            return
        hits = np.flatnonzero(mask)
        if callable(values):
            values = values()
        got = values.take(pa.array(hits)).to_pylist() if isinstance(values, pa.Array) else [
            values[i] for i in hits]
        for i, v in zip(hits, got):
            self.problems.append((int(positions[i]), element, str(v), expected, scope))

    def amounts(self, positions, values, element, required=True, scope="transaction"):
        cents, blank, invalid = parse_amounts(values)
        self.flag_mask(positions, invalid, element, values, AMOUNT_EXPECTED, scope)
        if required:
            self.flag_mask(positions, blank, element, values,
                           f"an amount in {element} (it may not be blank)", scope)
        return cents, blank

    def dates(self, positions, elements: Elements, j: int, element: str) -> np.ndarray:
        """Element ``j`` of ``elements`` as dates; invalid ones are warned about and left NaT."""
        dates, _, invalid = elements.date(j)
        self.flag_mask(positions, invalid, element, lambda: elements[j],
                       "a date written CCYYMMDD (the date is left blank)", "warning")
        return dates

    def where(self, name: str) -> np.ndarray:
        return np.flatnonzero(self.codes == C[name])

    # -- structure -----------------------------------------------------------
    def run(self) -> "_ChunkReader":
        codes, n = self.codes, self.n
        self._envelope()
        self.T = len(self.txn_start)
        # Mark the segments inside a transaction span (spans never overlap).
        edges = np.zeros(n + 1, dtype=np.int32)
        np.add.at(edges, self.txn_start, 1)
        np.add.at(edges, self.txn_end + 1, -1)
        inside = np.cumsum(edges[:-1], dtype=np.int32) > 0
        stray = ~inside & ~np.isin(codes, _ENVELOPE)
        if stray.any():
            where = np.flatnonzero(stray)
            for p in where[:5]:
                self.flag(p, "", "", f"ST before {code_name(int(codes[p])) or 'this segment'} "
                          "(the segment is outside any ST...SE transaction)", "file")
            if len(where) > 5:
                self.flag(where[5], "", "", f"ST before each segment: {len(where) - 5} more "
                          "segments lie outside any transaction", "file")
        self._ids(inside)
        del inside, stray, edges
        self._context()
        self._transactions()
        self._claims()
        self._lines()
        self._adjustments()
        self._plb()
        self._totals()
        return self

    # -- where a segment belongs ---------------------------------------------
    def txn_of(self, pos: np.ndarray) -> np.ndarray:
        """Index of the transaction holding each position, -1 outside any."""
        pos = np.asarray(pos, dtype=np.int64)
        if not self.T:
            return np.full(len(pos), -1, dtype=np.int64)
        t = np.searchsorted(self.txn_start, pos, side="right") - 1
        ok = (t >= 0) & (pos <= self.txn_end[np.maximum(t, 0)])
        return np.where(ok, t, -1)

    @staticmethod
    def _last(marks: np.ndarray, pos: np.ndarray, floor: np.ndarray) -> np.ndarray:
        """Index of the last mark at or before each position and not before ``floor``."""
        if not len(marks):
            return np.full(len(pos), -1, dtype=np.int64)
        i = np.searchsorted(marks, pos, side="right") - 1
        ok = (i >= 0) & (marks[np.maximum(i, 0)] >= floor)
        return np.where(ok, i, -1)

    def _floor(self, tx: np.ndarray) -> np.ndarray:
        if not self.T:
            return np.full(len(tx), np.iinfo(np.int64).max)
        return np.where(tx >= 0, self.txn_start[np.maximum(tx, 0)], np.iinfo(np.int64).max)

    def claim_at(self, pos: np.ndarray, tx: np.ndarray | None = None) -> np.ndarray:
        """Index (into the claims) of the CLP whose loop holds each position, or -1."""
        tx = self.txn_of(pos) if tx is None else tx
        return self._last(self.clp_pos, pos, self._floor(tx))

    def line_at(self, pos: np.ndarray, claim: np.ndarray | None = None) -> np.ndarray:
        """Index (into the service lines) of the SVC whose loop holds each position, or -1."""
        claim = self.claim_at(pos) if claim is None else claim
        floor = np.where(claim >= 0, self.clp_pos[np.maximum(claim, 0)] + 1 if len(
            self.clp_pos) else 0, np.iinfo(np.int64).max)
        j = self._last(self.svc_all, pos, floor)
        return np.where(j >= 0, self.svc_line[np.maximum(j, 0)] if len(self.svc_line) else -1,
                        -1)

    def after_plb(self, pos: np.ndarray, tx: np.ndarray | None = None) -> np.ndarray:
        tx = self.txn_of(pos) if tx is None else tx
        return self._last(self.plb_pos, pos, self._floor(tx)) >= 0

    def header_at(self, pos: np.ndarray) -> np.ndarray:
        """True for positions in a transaction's header (before any CLP and PLB)."""
        tx = self.txn_of(pos)
        return (tx >= 0) & (self.claim_at(pos, tx) < 0) & ~self.after_plb(pos, tx)

    def _context(self) -> None:
        def inside(name):
            pos = self.where(name)
            return pos[self.txn_of(pos) >= 0]

        self.clp_pos = inside("CLP")
        self.svc_all = inside("SVC")
        self.plb_pos = inside("PLB")
        # A service line is kept when it sits in a claim; map every SVC to its line index.
        in_claim = self.claim_at(self.svc_all) >= 0
        self.svc_line = np.where(in_claim, np.cumsum(in_claim) - 1, -1)

    def _envelope(self) -> None:
        """Walk ST/SE and the envelope; find each transaction's span and check counts.

        Transactions never cross a file boundary or an ISA: reaching one
        with a transaction still open sets that transaction aside.
        """
        chunk, codes = self.chunk, self.codes
        numbers, files = chunk.numbers, chunk.files
        kinds = np.array([C[k] for k in ("ISA", "GS", "ST", "SE", "GE", "IEA")], np.uint32)
        marks = np.flatnonzero(np.isin(codes, kinds))
        info = {}
        for name, cols in (("ISA", (6, 8, 12, 13)), ("GS", (2, 3, 6, 8)), ("ST", (1, 2, 3)),
                           ("SE", (1, 2)), ("GE", (1, 2)), ("IEA", (1, 2))):
            idx = self.where(name)
            el = Elements.of(chunk, idx)
            values = [el[j].to_pylist() for j in cols]
            info.update({int(p): tuple(v[i].strip() for v in values) for i, p in enumerate(idx)})
        starts_of_files = set((np.flatnonzero(np.diff(files)) + 1).tolist()) | {0}
        events = sorted(set(marks.tolist()) | starts_of_files)
        spans: list[tuple] = []
        state = {"st": None, "gs": None, "isa": None, "groups": 0, "iea": True}

        def close_bad(end: int, expected: str) -> None:
            st = state["st"]
            self.flag(st, "SE01", "", expected, "transaction")
            spans.append((st, end, state["isa"], state["gs"], False))
            state["st"] = None

        def end_of_file(p: int) -> None:
            last = p - 1
            if state["st"] is not None:
                close_bad(last, f"SE closing transaction {info[state['st']][1]!r}; the file "
                          f"ends at segment {numbers[last]} without it (is it truncated?)")
            if not state["iea"]:
                self.flag(last, "", "", "IEA closing the interchange (is the file truncated?)",
                          "warning")
            state.update(st=None, gs=None, isa=None, groups=0, iea=True)

        for p in events:
            if p in starts_of_files and p > 0:
                end_of_file(p)
            code = int(codes[p])
            if code == C["ST"]:
                if state["st"] is not None:
                    close_bad(p - 1, f"SE closing transaction {info[state['st']][1]!r} before "
                              f"the next ST at segment {numbers[p]}")
                state["st"] = p
                if state["gs"] is not None:
                    state["gs"][4] += 1
                elif state["isa"] is not None:
                    self.flag(p, "", "", "a GS functional group header before ST", "warning")
            elif code == C["SE"]:
                st = state["st"]
                if st is None:
                    self.flag(p, "", "", "ST before SE (SE closes no open transaction)", "file")
                    continue
                ident, control, _ = info[st]
                count, se_control = info[p]
                ok = True
                if ident != "835":
                    self.flag(st, "ST01", ident, "ST01 = 835 (a health care claim payment)",
                              "transaction")
                    ok = False
                if count != str(p - st + 1):
                    self.flag(p, "SE01", count, "the number of segments from ST to SE, "
                              f"{p - st + 1}", "transaction")
                    ok = False
                if se_control != control:
                    self.flag(p, "SE02", se_control, f"the ST02 control number {control!r}",
                              "transaction")
                    ok = False
                spans.append((st, p, state["isa"], state["gs"], ok))
                state["st"] = None
            elif code in (C["ISA"], C["GS"], C["GE"], C["IEA"]):
                if state["st"] is not None:
                    close_bad(p - 1, f"SE closing transaction {info[state['st']][1]!r} before "
                              f"{code_name(code)} at segment {numbers[p]}")
                if code == C["ISA"]:
                    if not state["iea"]:
                        self.flag(p - 1, "", "", "IEA closing the interchange before the next "
                                  "ISA", "warning")
                    state.update(isa=info[p], gs=None, groups=0, iea=False)
                elif code == C["GS"]:
                    if state["gs"] is not None:
                        self.flag(p, "", "", "GE closing the previous functional group",
                                  "warning")
                    state["gs"] = list(info[p]) + [0]
                    state["groups"] += 1
                elif code == C["GE"]:
                    count, control = info[p]
                    gs = state["gs"]
                    if gs is None:
                        self.flag(p, "", "", "GS before GE", "warning")
                    else:
                        if count != str(gs[4]):
                            self.flag(p, "GE01", count, "the number of transactions in the "
                                      f"group, {gs[4]}", "warning")
                        if control != gs[2]:
                            self.flag(p, "GE02", control, f"the GS06 control number {gs[2]!r}",
                                      "warning")
                    state["gs"] = None
                else:
                    count, control = info[p]
                    isa = state["isa"]
                    if count != str(state["groups"]):
                        self.flag(p, "IEA01", count, "the number of functional groups, "
                                  f"{state['groups']}", "warning")
                    if isa is not None and control != isa[3]:
                        self.flag(p, "IEA02", control, f"the ISA13 control number {isa[3]!r}",
                                  "warning")
                    state["iea"] = True
        if self.n:
            end_of_file(self.n)
        self.txn_start = np.array([s[0] for s in spans], dtype=np.int64)
        self.txn_end = np.array([s[1] for s in spans], dtype=np.int64)
        self.txn_ok = np.array([s[4] for s in spans], dtype=bool)
        isa_version = {"00501": "005010", "00401": "004010"}
        meta = {k: [] for k in ("transaction_control", "version", "group_control", "sender_id",
                                "receiver_id", "interchange_control")}
        for st, _, isa, gs, _ in spans:
            _, control, st03 = info[st]
            meta["transaction_control"].append(control)
            version = st03 or (gs[3] if gs else "") or (
                isa_version.get(isa[2], isa[2]) if isa else "")
            meta["version"].append(version)
            meta["group_control"].append(gs[2] if gs else "")
            meta["sender_id"].append((gs[0] if gs else "") or (isa[0] if isa else ""))
            meta["receiver_id"].append((gs[1] if gs else "") or (isa[1] if isa else ""))
            meta["interchange_control"].append(isa[3] if isa else "")
        self.txn_meta = meta

    def _ids(self, inside: np.ndarray) -> None:
        codes = self.codes
        bytes3 = np.stack([(codes >> 16) & 255, (codes >> 8) & 255, codes & 255], axis=1)
        alnum = ((bytes3 >= 48) & (bytes3 <= 57)) | ((bytes3 >= 65) & (bytes3 <= 90))
        well_formed = alnum[:, 0] & alnum[:, 1] & (alnum[:, 2] | (bytes3[:, 2] == 0))
        well_formed &= codes != 0xFFFFFF
        bad = inside & ~well_formed
        if bad.any():
            for p in np.flatnonzero(bad):
                text = self.chunk.text(int(p))[:20]
                self.flag(p, "", text, "a segment id of two or three capital letters or digits",
                          "transaction")
        unknown = inside & well_formed & ~np.isin(codes, np.array(sorted(_KNOWN), np.uint32))
        if unknown.any():
            where = np.flatnonzero(unknown)
            key = self.chunk.files[where] * 2**24 + codes[where]
            kinds, first, counts = np.unique(key, return_index=True, return_counts=True)
            for i, count in zip(first, counts):
                name = code_name(int(codes[where[i]]))
                self.flag(where[i], "", name, f"a segment of the 835 guide ({count} segment(s) "
                          f"'{name}' in this file ignored)", "warning")

    # -- levels ----------------------------------------------------------------
    def _transactions(self) -> None:
        chunk, T = self.chunk, self.T
        # BPR: exactly one, right after ST.
        bpr = self.where("BPR")
        tb = self.txn_of(bpr)
        bpr, tb = bpr[tb >= 0], tb[tb >= 0]
        next_seg = self.txn_start + 1
        for k in range(T):
            p = int(next_seg[k])
            if p > self.txn_end[k] or self.codes[p] != C["BPR"]:
                got = code_name(int(self.codes[p])) if p <= self.txn_end[k] else "SE"
                self.flag(self.txn_start[k], "", got, "BPR right after ST (the financial "
                          "information segment)", "transaction")
        first = bpr == next_seg[tb]
        for p in bpr[~first]:
            self.flag(p, "", "", "one BPR per transaction, right after ST", "transaction")
        bpr, tb = bpr[first], tb[first]
        el = Elements.of(chunk, bpr)
        cents, _ = self.amounts(bpr, el[2], "BPR02")
        signed = np.where(el.code(3) == _CODE["D"], -cents, cents)
        pay_dates = self.dates(bpr, el, 16, "BPR16")
        ids = tb
        cols = {
            "bpr_amount_cents": _fill(T, ids, signed, 0),
            "handling_code": _fill(T, ids, el[1]),
            "credit_debit": _fill(T, ids, el[3]),
            "payment_method": _fill(T, ids, el[4]),
        }
        bpr_date = _fill(T, ids, pay_dates, np.datetime64("NaT", "us"))
        # TRN, DTM*405, N1*PR / N1*PE: first in the header.
        trn = self.where("TRN")
        trn = trn[self.header_at(trn)]
        g, first = _first_per_group(self.txn_of(trn))
        el = Elements.of(chunk, trn[first])
        cols["trace_number"] = _fill(T, g, el[2])
        cols["trace_payer_id"] = _fill(T, g, el[3])
        missing = np.setdiff1d(np.arange(T), g)
        for k in missing:
            self.flag(self.txn_start[k], "TRN02", "", "a TRN reassociation trace number in "
                      "the header (the trace number is left blank)", "warning")
        dtm = self.where("DTM")
        dtm_el = Elements.of(chunk, dtm)
        qualifier = dtm_el.code(1)
        dtm_dates = self.dates(dtm, dtm_el, 2, "DTM02")
        self.dtm = (dtm, qualifier, dtm_dates)
        head = self.header_at(dtm) & (qualifier == _CODE["405"])
        g, first = _first_per_group(self.txn_of(dtm[head]))
        production = _fill(T, g, dtm_dates[head][first], np.datetime64("NaT", "us"))
        cols["payment_date"] = np.where(np.isnat(bpr_date), production, bpr_date)
        cols["production_date"] = production
        for k in np.flatnonzero(np.isnat(bpr_date) & ~np.isnat(production)):
            self.flag(self.txn_start[k] + 1, "BPR16", "", "a payment date in BPR16 "
                      "(the DTM*405 production date is used instead)", "warning")
        n1 = self.where("N1")
        n1 = n1[self.header_at(n1)]
        el = Elements.of(chunk, n1)
        for who, prefix in (("PR", "payer"), ("PE", "payee")):
            mask = el.code(1) == _CODE[who]
            g, first = _first_per_group(self.txn_of(n1[mask]))
            sub = np.flatnonzero(mask)[first]
            cols[f"{prefix}_name"] = _fill(T, g, el[2].take(pa.array(sub)))
            cols[f"{prefix}_id"] = _fill(T, g, el[4].take(pa.array(sub)))
        cols["payer"] = cols.pop("payer_name")
        cols["payer_id"] = pc.if_else(pc.equal(cols["payer_id"], ""), cols.pop("trace_payer_id"),
                                      cols["payer_id"])
        cols["segment"] = self.txn_start
        self.out["transactions"] = cols

    def _claims(self) -> None:
        chunk = self.chunk
        clp = self.clp_pos
        tx = self.txn_of(clp)
        late = self.after_plb(clp, tx)
        self.flag_mask(clp, late, "", pa.array([""] * len(clp)),
                       "PLB or SE after the PLB provider adjustments, not another CLP",
                       "transaction")
        el = Elements.of(chunk, clp)
        for j in (1, 2):
            blank = np.asarray(pc.equal(el[j], ""))
            self.flag_mask(clp, blank, f"CLP0{j}", el[j],
                           "a patient control number" if j == 1 else "a claim status code",
                           "transaction")
        charge, _ = self.amounts(clp, el[3], "CLP03")
        paid, _ = self.amounts(clp, el[4], "CLP04")
        resp, _ = self.amounts(clp, el[5], "CLP05", required=False)
        cols = {
            "_tx": tx,
            "claim_id": el[1], "status_code": el[2],
            "charge_cents": charge, "paid_cents": paid, "patient_responsibility_cents": resp,
            "filing_indicator": el[6], "payer_claim_control": el[7],
            "facility_code": el[8], "frequency_code": el[9],
            "segment": clp,
        }
        # NM1*QC patient; REF*F8 original reference; DTM*232/233 statement dates.
        n_claims = len(clp)
        nm1 = self.where("NM1")
        owner_all = self.claim_at(nm1)
        at_claim = (owner_all >= 0) & (self.line_at(nm1, owner_all) < 0)
        nm1, owner_all = nm1[at_claim], owner_all[at_claim]
        nel = Elements.of(chunk, nm1)
        qc = nel.code(1) == _CODE["QC"]
        owner = owner_all[qc]
        g, first = _first_per_group(owner)
        sub = pa.array(np.flatnonzero(qc)[first])
        cols["patient_last_name"] = _fill(n_claims, g, nel[3].take(sub))
        cols["patient_first_name"] = _fill(n_claims, g, nel[4].take(sub))
        cols["member_id"] = _fill(n_claims, g, nel[9].take(sub))
        dtm, qual, dtm_dates = self.dtm
        self.dtm_claim = self.claim_at(dtm)
        self.dtm_line = self.line_at(dtm, self.dtm_claim)
        claim_dtm = (self.dtm_claim >= 0) & (self.dtm_line < 0)
        for code, name in (("232", "statement_from"), ("233", "statement_to")):
            mask = claim_dtm & (qual == _CODE[code])
            g, first = _first_per_group(self.dtm_claim[mask])
            cols[name] = _fill(n_claims, g, dtm_dates[mask][first], np.datetime64("NaT", "us"))
        ref = self.where("REF")
        rel = Elements.of(chunk, ref)
        ref_claim = self.claim_at(ref)
        ref_line = self.line_at(ref, ref_claim)
        ref_qual = rel.code(1)
        self.ref = (ref, rel, ref_line, ref_qual)
        mask = (ref_claim >= 0) & (ref_line < 0) & (ref_qual == _CODE["F8"])
        owner = ref_claim[mask]
        g, first = _first_per_group(owner)
        cols["original_reference"] = _fill(
            n_claims, g, rel[2].filter(pa.array(mask)).take(pa.array(first)))
        self.out["payments"] = cols

    def _lines(self) -> None:
        chunk, sep = self.chunk, self.chunk.separators
        svc = self.svc_all
        orphan = self.svc_line < 0
        self.flag_mask(svc, orphan, "", pa.array([""] * len(svc)),
                       "a CLP claim payment before SVC (a service line belongs to a claim)",
                       "transaction")
        late = self.after_plb(svc) & ~orphan
        self.flag_mask(svc, late, "", pa.array([""] * len(svc)),
                       "PLB or SE after the PLB provider adjustments, not SVC", "transaction")
        svc = svc[~orphan]
        el = Elements.of(chunk, svc)
        composite = self._composite(svc, el[1])
        comp = Splitter.of_array(composite, sep.component)
        comp = [comp.element(j) for j in range(6)]
        charge, _ = self.amounts(svc, el[2], "SVC02")
        paid, _ = self.amounts(svc, el[3], "SVC03")
        units_c, units_blank = self.amounts(svc, el[5], "SVC05", required=False)
        no_code = np.asarray(pc.equal(comp[1], ""))
        self.flag_mask(svc, no_code, "SVC01", el[1],
                       f"a qualifier and a procedure code (e.g. HC{sep.component}99213)",
                       "warning")
        mods = comp[2]
        semicolon = pa.scalar(";", pa.large_string())
        for extra in comp[3:]:
            more = pc.not_equal(extra, "")
            if pc.any(more).as_py():
                joined = pc.binary_join_element_wise(mods, extra, semicolon)
                mods = pc.if_else(more, pc.utf8_ltrim(joined, ";"), mods)
        tx = self.txn_of(svc)
        claim_of = self.claim_at(svc, tx)
        rank = np.arange(len(svc)) - np.searchsorted(claim_of, claim_of, side="left")
        cols = {
            "_tx": tx, "_claim": claim_of, "line_seq": rank + 1,
            "procedure_qualifier": comp[0], "procedure_code": comp[1], "modifiers": mods,
            "revenue_code": el[4], "charge_cents": charge, "paid_cents": paid,
            "units": np.where(units_blank, 1.0, units_c / 100.0),
            "segment": svc,
        }
        L = len(svc)
        dtm, qual, dtm_dates = self.dtm
        line_dtm = self.dtm_line >= 0
        for code, name in (("472", "service_date"), ("150", "service_start"),
                           ("151", "service_end")):
            mask = line_dtm & (qual == _CODE[code])
            g, first = _first_per_group(self.dtm_line[mask])
            cols[name] = _fill(L, g, dtm_dates[mask][first], np.datetime64("NaT", "us"))
        start = cols.pop("service_start")
        cols["service_date"] = np.where(np.isnat(cols["service_date"]), start,
                                        cols["service_date"])
        cols["service_end_date"] = cols.pop("service_end")
        ref, rel, ref_line, ref_qual = self.ref
        mask = (ref_line >= 0) & (ref_qual == _CODE["6R"])
        owner = ref_line[mask]
        g, first = _first_per_group(owner)
        control = _fill(L, g, rel[2].filter(pa.array(mask)).take(pa.array(first)))
        cols["line_control"] = control
        numeric = np.asarray(pc.and_(pc.utf8_is_digit(control),
                                     pc.less_equal(pc.binary_length(control), 18)))
        cols["line_no"] = pc.cast(pc.if_else(pa.array(numeric), control, pa.scalar(
            "0", pa.large_string())), pa.int64()).to_numpy()
        cols["_line_no_present"] = numeric
        amt = self.where("AMT")
        amt_line = self.line_at(amt)
        amt, amt_line = amt[amt_line >= 0], amt_line[amt_line >= 0]
        ael = Elements.of(chunk, amt)
        mask = ael.code(1) == _CODE["B6"]
        owner = amt_line[mask]
        g, first = _first_per_group(owner)
        allowed_text = ael[2].filter(pa.array(mask)).take(pa.array(first))
        allowed, blank, invalid = parse_amounts(allowed_text)
        self.flag_mask(amt[mask][first], invalid, "AMT02", allowed_text,
                       AMOUNT_EXPECTED + " (the allowed amount is left blank)", "warning")
        present = np.zeros(L, dtype=bool)
        present[g] = ~(blank | invalid)
        cols["allowed_cents"] = _fill(L, g, allowed, 0)
        cols["_allowed_present"] = present
        self.out["service_lines"] = cols

    def _composite(self, positions: np.ndarray, values: pa.Array) -> pa.Array:
        """SVC01 text; a composite written with another separator than ISA16 is mended."""
        sep = self.chunk.separators
        if len(values) == 0:
            return values
        has_comp = np.asarray(pc.match_substring(values, sep.component))
        if has_comp.all():
            return values
        odd = np.asarray(pc.match_substring_regex(values, r"^[A-Z0-9]{2}[^A-Za-z0-9 ]")) \
            & ~has_comp
        if not odd.any():
            return values
        texts = values.to_pylist()
        seen = set()
        for i in np.flatnonzero(odd):
            ch = texts[i][2]
            if ch in sep.characters():
                continue
            texts[i] = texts[i].replace(ch, sep.component)
            key = (int(self.chunk.files[positions[i]]), ch)
            if key not in seen:
                seen.add(key)
                self.flag(positions[i], "SVC01", values[int(i)].as_py(),
                          f"components separated by ISA16 {sep.component!r}; read with "
                          f"{ch!r}, which this file uses instead", "warning")
        return pa.array(texts, pa.large_string())

    def _adjustments(self) -> None:
        chunk = self.chunk
        cas = self.where("CAS")
        tx = self.txn_of(cas)
        cas, tx = cas[tx >= 0], tx[tx >= 0]
        claim = self.claim_at(cas, tx)
        orphan = claim < 0
        self.flag_mask(cas, orphan, "", pa.array([""] * len(cas)),
                       "a CLP or SVC before CAS (an adjustment belongs to a claim or a line)",
                       "transaction")
        late = self.after_plb(cas, tx) & ~orphan
        self.flag_mask(cas, late, "", pa.array([""] * len(cas)),
                       "PLB or SE after the PLB provider adjustments, not CAS", "transaction")
        cas, tx, claim = cas[~orphan], tx[~orphan], claim[~orphan]
        el = Elements.of(chunk, cas)
        group = el[1]
        self.flag_mask(cas, np.asarray(pc.equal(group, "")), "CAS01", group,
                       "a group code (CO, PR, OA or PI)", "transaction")
        known = np.asarray(pc.is_in(group, pa.array(list(_GROUPS_5010) + ["CR"])))
        self.flag_mask(cas, ~known & ~np.asarray(pc.equal(group, "")), "CAS01", group,
                       "a group code CO, PR, OA or PI", "warning")
        is_cr = np.asarray(pc.equal(group, "CR"))
        if is_cr.any():
            v5010 = np.array([str(v).startswith("005010") for v in self.txn_meta["version"]],
                             dtype=bool)
            self.flag_mask(cas, is_cr & v5010[tx], "CAS01", group,
                           "CO, PR, OA or PI: 5010 removed CR; a reversal repeats the original "
                           "group codes (kept as CR)", "warning")
        line = self.line_at(cas, claim)
        rows, (reason, _, quantity), cents = self._element_groups(cas, 2, 3, "CAS")
        self.out["adjustments"] = {
            "_tx": tx[rows],
            "_claim": claim[rows],
            "_line": line[rows],
            "group_code": group.take(pa.array(rows)),
            "reason_code": reason,
            "amount_cents": cents,
            "quantity": quantity,
            "segment": cas[rows],
        }

    def _element_groups(self, positions: np.ndarray, first: int, width: int, label: str):
        """Read repeated element groups: CAS reason/amount/quantity, PLB reason/amount.

        Group *k* (0-5) starts at element ``first + width * k``; its first
        element is the reason, its second the amount. Later groups are read only
        from segments long enough to hold them.

        Returns
        -------
        rows : numpy.ndarray
            Index into ``positions`` of each group found, in segment then group order.
        values : list of pyarrow arrays
            The group's elements, one array each.
        cents : numpy.ndarray of int64
            The amounts.
        """
        count = self.chunk.splitter.count[positions]
        found_rows, found_k, found_cents = [], [], []
        found_values: list[list[pa.Array]] = [[] for _ in range(width)]
        for k in range(6):
            j = first + width * k
            rows = np.arange(len(positions)) if k == 0 else np.flatnonzero(count >= j)
            if k and not len(rows):
                break
            sub = Elements.of(self.chunk, positions[rows])
            values = [sub[j + i] for i in range(width)]
            has_reason = ~np.asarray(pc.equal(values[0], ""))
            has_amount = ~np.asarray(pc.equal(values[1], ""))
            if k == 0:
                self.flag_mask(positions, ~has_reason, f"{label}{j:02d}", values[0],
                               "an adjustment reason code", "transaction")
                keep = np.ones(len(rows), dtype=bool)
            else:
                self.flag_mask(positions[rows], has_amount & ~has_reason, f"{label}{j:02d}",
                               values[1], "a reason code before the amount", "transaction")
                keep = has_reason | has_amount
            if not keep.all():
                rows = rows[keep]
                values = [v.filter(pa.array(keep)) for v in values]
            cents, _ = self.amounts(positions[rows], values[1], f"{label}{j + 1:02d}")
            found_rows.append(rows)
            found_k.append(np.full(len(rows), k))
            found_cents.append(cents)
            for i, v in enumerate(values):
                found_values[i].append(v)
        rows = np.concatenate(found_rows)
        order = np.lexsort((np.concatenate(found_k), rows))
        take = pa.array(order)
        values = [pa.concat_arrays(v).take(take) for v in found_values]
        return rows[order], values, np.concatenate(found_cents)[order]

    def _plb(self) -> None:
        comp = self.chunk.separators.component
        plb = self.plb_pos
        tx = self.txn_of(plb)
        el = Elements.of(self.chunk, plb)
        dates = self.dates(plb, el, 2, "PLB02")
        rows, (composite, _), cents = self._element_groups(plb, 3, 2, "PLB")
        reason, reference = split_values(composite, comp, 2)
        self.out["provider_adjustments"] = {
            "_tx": tx[rows],
            "reason_code": reason,
            "reference": reference,
            "amount_cents": cents,
            "provider_id": el[1].take(pa.array(rows)),
            "fiscal_period_date": dates[rows],
            "segment": plb[rows],
        }

    def _totals(self) -> None:
        T = self.T
        pay, lines = self.out["payments"], self.out["service_lines"]
        adj, plb = self.out["adjustments"], self.out["provider_adjustments"]
        n_claims, n_lines = len(pay["segment"]), len(lines["segment"])
        line_adj = np.zeros(n_lines, dtype=np.int64)
        at_line = adj["_line"] >= 0
        np.add.at(line_adj, adj["_line"][at_line], adj["amount_cents"][at_line])
        claim_adj = np.zeros(n_claims, dtype=np.int64)
        np.add.at(claim_adj, adj["_claim"][~at_line], adj["amount_cents"][~at_line])
        claim_line_adj = np.zeros(n_claims, dtype=np.int64)
        np.add.at(claim_line_adj, lines["_claim"], line_adj)
        line_count = np.bincount(lines["_claim"], minlength=n_claims)
        line_ok = lines["charge_cents"] - line_adj == lines["paid_cents"]
        bad_lines = np.bincount(lines["_claim"][~line_ok], minlength=n_claims)
        lines["adjustment_total_cents"] = line_adj
        lines["balanced"] = line_ok
        pay["claim_adjustment_total_cents"] = claim_adj
        pay["line_adjustment_total_cents"] = claim_line_adj
        pay["service_lines"] = line_count
        pay["balanced"] = (pay["charge_cents"] - claim_adj - claim_line_adj == pay["paid_cents"])
        pay["unbalanced_lines"] = bad_lines
        tr = self.out["transactions"]
        paid = np.zeros(T, dtype=np.int64)
        np.add.at(paid, pay["_tx"], pay["paid_cents"])
        plb_total = np.zeros(T, dtype=np.int64)
        np.add.at(plb_total, plb["_tx"], plb["amount_cents"])
        tr["claim_paid_total_cents"] = paid
        tr["provider_adjustment_total_cents"] = plb_total
        tr["difference_cents"] = tr["bpr_amount_cents"] - (paid - plb_total)
        tr["balanced"] = tr["difference_cents"] == 0
        tr["claims"] = np.bincount(pay["_tx"], minlength=T)
        tr["service_lines"] = np.bincount(lines["_tx"], minlength=T)
        tr["unbalanced_claims"] = np.bincount(pay["_tx"][~pay["balanced"]], minlength=T)
        tr["unbalanced_lines"] = np.bincount(lines["_tx"][~line_ok], minlength=T)
        for k, v in self.txn_meta.items():
            tr[k] = v


# ----------------------------------------------------------------------------
# The batch: files -> Remit
# ----------------------------------------------------------------------------

_TABLES = ("transactions", "payments", "service_lines", "adjustments", "provider_adjustments")
_NAT = np.datetime64("NaT", "us")


def _concat(values: list):
    if isinstance(values[0], pa.Array):
        return pa.concat_arrays([v.cast(pa.large_string()) for v in values])
    if isinstance(values[0], list):
        return pa.array([x for v in values for x in v], pa.large_string())
    return np.concatenate([np.asarray(v) for v in values])


def _expand(paths) -> tuple[list[Path], set[int]]:
    """The files to read, and the positions of those found inside a folder."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    found: set[int] = set()
    for p in paths:
        p = Path(p)
        if p.is_dir():
            inside = sorted(q for q in p.iterdir() if q.is_file() and not q.name.startswith("."))
            found.update(range(len(files), len(files) + len(inside)))
            files.extend(inside)
        else:
            files.append(p)
    return files, found


def _looks_like_x12(data: bytes) -> bool:
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"ISA") or (head.startswith(b"ST") and head[2:3] in b"*|^~:!")


def _labels(files: list[Path]) -> list[str]:
    names = [f.name for f in files]
    if len(set(names)) == len(names):
        return names
    return [str(f) for f in files]


def read_835(paths) -> "Remit":
    """Read X12 835 remittance files into tables.

    Parameters
    ----------
    paths : path-like or sequence of path-like
        Files, or folders (every non-hidden file directly inside is read).

    Returns
    -------
    Remit
        Tables ``transactions``, ``payments``, ``service_lines``,
        ``adjustments``, ``provider_adjustments``, ``recoupments``,
        ``problems`` and ``files`` (see :class:`Remit`). The ``file`` column
        holds the file name, or the path as given when two files share a name.

    Notes
    -----
    Set-aside rules and balancing are described in the module docstring.
    Never raises for bad content; a file that cannot be opened is a problem
    of that file like any other.

    Examples
    --------
    >>> remit = read_835(["medicare-part-a.835"])  # doctest: +SKIP
    >>> remit.transactions[["trace_number", "bpr_amount_cents", "balanced"]]  # doctest: +SKIP
    """
    files, in_folder = _expand(paths)
    labels = _labels(files)
    pieces, problems, file_bad, segments, skipped = _load(files, labels, in_folder)
    parts, txn_file, bad_txn = _parse(pieces, labels, problems, file_bad)
    has_txn = np.bincount(txn_file, minlength=len(files)) > 0
    for f in np.flatnonzero(~has_txn & ~file_bad & ~skipped):
        file_bad[f] = True
        problems.append(SegmentProblem(labels[f], 0, "", "", "",
                                       "at least one ST...SE transaction", "error",
                                       _SET_ASIDE["file"]))
    if file_bad.any():
        bad_txn.update(np.flatnonzero(file_bad[txn_file]).tolist())
        bad_labels = {labels[f] for f in np.flatnonzero(file_bad)}
        problems = [p if p.severity == "warning" or p.file not in bad_labels else SegmentProblem(
            p.file, p.segment, p.segment_id, p.element, p.value, p.expected, p.severity,
            _SET_ASIDE["file"], p.trace_number) for p in problems]
    order = {label: i for i, label in enumerate(labels)}
    problems.sort(key=lambda p: (order.get(p.file, -1), p.segment))
    by_file = np.argsort(txn_file, kind="stable")
    bounds = np.searchsorted(txn_file[by_file], np.arange(len(files) + 1))
    file_rows = [(label, str(path), int(segments[f]), by_file[bounds[f]: bounds[f + 1]],
                  bool(skipped[f])) for f, (path, label) in enumerate(zip(files, labels))]
    return _assemble(parts, labels, txn_file, bad_txn, problems, file_rows)


def _load(files: list[Path], labels: list[str], in_folder: set[int]):
    """Read and cut every file; file-level problems are recorded, never raised.

    A file found in a folder that does not start like X12 (a README, a PDF) is
    skipped with a warning; a file named explicitly is always read.
    """
    problems: list[SegmentProblem] = []
    pieces: list[tuple[int, object]] = []
    file_bad = np.zeros(len(files), dtype=bool)
    skipped = np.zeros(len(files), dtype=bool)
    segments = np.zeros(len(files), dtype=np.int64)
    for f, (path, label) in enumerate(zip(files, labels)):
        try:
            data = path.read_bytes()
        except OSError as exc:
            reason = "file not found" if isinstance(exc, FileNotFoundError) else exc.strerror
            problems.append(SegmentProblem(label, 0, "", "", str(path),
                                           f"a readable file ({reason})", "error",
                                           _SET_ASIDE["file"]))
            file_bad[f] = True
            continue
        if f in in_folder and not _looks_like_x12(data):
            skipped[f] = True
            problems.append(SegmentProblem(label, 0, "", "", "", "an X12 file (ISA or ST at "
                                           "the start); this file in the folder is not one",
                                           "warning", "skipped"))
            continue
        found, raw_problems, notes = split_interchanges(data)
        for rp in raw_problems:
            file_bad[f] = True
            problems.append(SegmentProblem(label, rp.segment, rp.segment_id, rp.element,
                                           rp.value, rp.expected, "error", _SET_ASIDE["file"]))
        for number, expected, found_text in notes:
            problems.append(SegmentProblem(label, number, "", "", found_text, expected,
                                           "warning", "kept"))
        pieces.extend((f, piece) for piece in found)
        segments[f] = sum(len(piece) for piece in found)
    return pieces, problems, file_bad, segments, skipped


def _parse(pieces, labels: list[str], problems: list[SegmentProblem], file_bad: np.ndarray):
    """Run the chunk reader over every chunk; gather columns with batch-wide indices."""
    parts: dict[str, dict[str, list]] = {t: {} for t in _TABLES}
    txn_file: list[np.ndarray] = []
    bad_txn: set[int] = set()
    base = {"tx": 0, "claim": 0, "line": 0}
    for chunk in combine(pieces):
        reader = _ChunkReader(chunk).run()
        tx0 = base["tx"]
        traces = reader.out["transactions"]["trace_number"].to_pylist()
        where = reader.txn_of(np.array([p[0] for p in reader.problems], dtype=np.int64))
        for (pos, element, value, expected, scope), local in zip(reader.problems,
                                                                  where.tolist()):
            f = int(chunk.files[pos])
            if scope == "transaction":
                if local < 0:
                    scope = "file"
                else:
                    bad_txn.add(tx0 + local)
            if scope == "file":
                file_bad[f] = True
            problems.append(SegmentProblem(
                labels[f], int(chunk.numbers[pos]), code_name(int(chunk.codes[pos])), element,
                value, expected, "warning" if scope == "warning" else "error", _SET_ASIDE[scope],
                traces[local] if local >= 0 else ""))
        bad_txn.update((tx0 + np.flatnonzero(~reader.txn_ok)).tolist())
        for table in _TABLES:
            cols = reader.out[table]
            for name, values in cols.items():
                if name == "_tx":
                    values = values + tx0
                elif name == "_claim":
                    values = values + base["claim"]
                elif name == "_line":
                    values = np.where(values >= 0, values + base["line"], -1)
                elif name == "segment":
                    values = chunk.numbers[values]
                parts[table].setdefault(name, []).append(values)
            parts[table].setdefault("_file", []).append(chunk.files[cols["segment"]])
        txn_file.append(chunk.files[reader.txn_start])
        base["tx"] += reader.T
        base["claim"] += len(reader.out["payments"]["segment"])
        base["line"] += len(reader.out["service_lines"]["segment"])
    txn_file_arr = np.concatenate(txn_file) if txn_file else np.zeros(0, dtype=np.int64)
    return parts, txn_file_arr.astype(np.int64), bad_txn


_STR, _DATE, _INT, _BOOL = "str", "datetime64[us]", "int64", "bool"
#: Column order and dtype of every table of a :class:`Remit`.
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "transactions": [
        ("file", _STR), ("trace_number", _STR), ("payer", _STR), ("payment_date", _DATE),
        ("bpr_amount_cents", _INT), ("claim_paid_total_cents", _INT),
        ("provider_adjustment_total_cents", _INT), ("balanced", _BOOL),
        ("difference_cents", _INT), ("recouped_cents", _INT), ("payer_id", _STR),
        ("payee_name", _STR), ("payee_id", _STR), ("payment_method", _STR),
        ("handling_code", _STR), ("credit_debit", _STR), ("production_date", _DATE),
        ("claims", _INT), ("service_lines", _INT), ("unbalanced_claims", _INT),
        ("unbalanced_lines", _INT), ("version", _STR), ("sender_id", _STR),
        ("receiver_id", _STR), ("interchange_control", _STR), ("group_control", _STR),
        ("transaction_control", _STR), ("segment", _INT)],
    "payments": [
        ("file", _STR), ("trace_number", _STR), ("claim_id", _STR), ("status_code", _STR),
        ("charge_cents", _INT), ("paid_cents", _INT), ("patient_responsibility_cents", _INT),
        ("payer_claim_control", _STR), ("claim_seq", _INT), ("payment_date", _DATE),
        ("filing_indicator", _STR), ("facility_code", _STR), ("frequency_code", _STR),
        ("patient_last_name", _STR), ("patient_first_name", _STR), ("member_id", _STR),
        ("statement_from", _DATE), ("statement_to", _DATE), ("original_reference", _STR),
        ("claim_adjustment_total_cents", _INT), ("line_adjustment_total_cents", _INT),
        ("service_lines", _INT), ("unbalanced_lines", _INT), ("balanced", _BOOL),
        ("segment", _INT)],
    "service_lines": [
        ("file", _STR), ("trace_number", _STR), ("claim_id", _STR), ("claim_seq", _INT),
        ("line_seq", _INT), ("line_control", _STR), ("line_no", "Int64"),
        ("procedure_qualifier", _STR),
        ("procedure_code", _STR), ("modifiers", _STR), ("revenue_code", _STR),
        ("units", "float64"), ("charge_cents", _INT), ("paid_cents", _INT),
        ("allowed_cents", "Int64"), ("adjustment_total_cents", _INT), ("balanced", _BOOL),
        ("service_date", _DATE), ("service_end_date", _DATE), ("segment", _INT)],
    "adjustments": [
        ("file", _STR), ("trace_number", _STR), ("claim_id", _STR), ("claim_seq", _INT),
        ("line_seq", "Int64"), ("level", _STR), ("group_code", _STR), ("reason_code", _STR),
        ("amount_cents", _INT), ("quantity", _STR), ("segment", _INT)],
    "provider_adjustments": [
        ("file", _STR), ("trace_number", _STR), ("reason_code", _STR), ("reference", _STR),
        ("amount_cents", _INT), ("provider_id", _STR), ("fiscal_period_date", _DATE),
        ("claim_id", _STR), ("payer_claim_control", _STR), ("match", _STR), ("segment", _INT)],
    "recoupments": [
        ("file", _STR), ("trace_number", _STR), ("payment_date", _DATE), ("claim_id", _STR),
        ("amount_cents", _INT), ("mechanism", _STR), ("reason_code", _STR), ("reference", _STR),
        ("payer_claim_control", _STR), ("match", _STR), ("deferred_cents", _INT),
        ("payer", _STR), ("segment", _INT)],
    "problems": [
        ("file", _STR), ("segment", _INT), ("segment_id", _STR), ("element", _STR),
        ("value", _STR), ("expected", _STR), ("severity", _STR), ("action", _STR),
        ("trace_number", _STR), ("message", _STR)],
    "files": [
        ("file", _STR), ("path", _STR), ("status", _STR), ("segments", _INT),
        ("transactions", _INT), ("transactions_used", _INT), ("transactions_set_aside", _INT),
        ("errors", _INT), ("warnings", _INT)],
}


def _typed(frame: dict, table: str, n: int) -> pd.DataFrame:
    """A DataFrame with the columns of ``COLUMNS[table]`` in order, plus ``_tx`` if given."""
    out = {}
    for name, dtype in COLUMNS[table]:
        values = frame.get(name)
        if values is None:
            if dtype == _STR:
                values = np.full(n, "", dtype=object)
            elif dtype == _DATE:
                values = np.full(n, _NAT)
            elif dtype == _BOOL:
                values = np.zeros(n, dtype=bool)
            else:
                values = np.zeros(n, dtype=np.int64)
        if isinstance(values, pa.Array) or dtype == _STR:
            out[name] = pd.Series(values, dtype="str")
        elif isinstance(values, pd.api.extensions.ExtensionArray):
            out[name] = pd.Series(values, dtype=dtype)
        else:
            out[name] = pd.Series(np.asarray(values)).astype(dtype)
    df = pd.DataFrame(out, columns=[c for c, _ in COLUMNS[table]])
    for private in ("_tx", "_file"):
        if private in frame:
            df[private] = np.asarray(frame[private], dtype=np.int64)
    return df


def _assemble(parts, labels, txn_file, bad_txn, problems, file_rows) -> "Remit":
    T = len(txn_file)
    keep_tx = np.ones(T, dtype=bool)
    if bad_txn:
        keep_tx[sorted(bad_txn)] = False
    names = pa.array(list(labels) + [""], pa.large_string())
    cols = {t: ({k: _concat(v) for k, v in parts[t].items()} if parts[t] else {})
            for t in _TABLES}
    if cols["transactions"]:
        cols["transactions"]["_tx"] = np.arange(T)
        cols["transactions"]["_file"] = np.asarray(txn_file, dtype=np.int64)
        traces = cols["transactions"]["trace_number"]
        pay_dates = cols["transactions"]["payment_date"]
    else:
        traces, pay_dates = pa.array([], pa.large_string()), np.zeros(0, "datetime64[us]")

    def kept(table: str) -> dict:
        c = cols[table]
        if not c:
            return {"_tx": np.zeros(0, np.int64), "_file": np.zeros(0, np.int64)}
        keep = keep_tx[c["_tx"]]
        if keep.all():
            out = dict(c)
        else:
            out = {name: values.filter(pa.array(keep)) if isinstance(values, pa.Array)
                   else np.asarray(values)[keep] for name, values in c.items()}
        out["file"] = names.take(pa.array(out["_file"]))
        out["trace_number"] = traces.take(pa.array(out["_tx"]))
        return out

    tr, pay, lines = kept("transactions"), kept("payments"), kept("service_lines")
    adj, plb = kept("adjustments"), kept("provider_adjustments")
    if cols["payments"]:
        claim_tx = cols["payments"]["_tx"]
        seq_all = np.arange(len(claim_tx)) - np.searchsorted(claim_tx, claim_tx, side="left") + 1
        ids_all = cols["payments"]["claim_id"]
        pay["claim_seq"] = seq_all[keep_tx[claim_tx]]
        pay["payment_date"] = pay_dates[pay["_tx"]]
        for d in (lines, adj):
            d["claim_seq"] = seq_all[d["_claim"]]
            d["claim_id"] = ids_all.take(pa.array(d["_claim"]))
        at_line = adj["_line"] >= 0
        line_seq_all = cols["service_lines"]["line_seq"]
        seq = pd.array(line_seq_all[np.maximum(adj["_line"], 0)] if len(line_seq_all)
                       else np.zeros(len(at_line), np.int64), dtype="Int64")
        seq[~at_line] = pd.NA
        adj["line_seq"] = seq
        adj["level"] = pc.if_else(pa.array(at_line), pa.scalar("line", pa.large_string()),
                                  pa.scalar("claim", pa.large_string()))
        for name in ("allowed_cents", "line_no"):
            values = pd.array(lines[name], dtype="Int64")
            values[~lines[f"_{name.removesuffix('_cents')}_present"]] = pd.NA
            lines[name] = values
    frames = {name: _typed(d, name, len(d.get("_tx", []))) for name, d in (
        ("transactions", tr), ("payments", pay), ("service_lines", lines),
        ("adjustments", adj), ("provider_adjustments", plb))}
    frames["provider_adjustments"], frames["recoupments"] = _recoupments(
        frames["transactions"], frames["payments"], frames["provider_adjustments"])
    t = frames["transactions"]
    rec = frames["recoupments"]
    totals = rec.groupby("_tx")["amount_cents"].sum()
    t["recouped_cents"] = t["_tx"].map(totals).fillna(0).astype("int64")
    for name in list(frames):
        frame = frames[name]
        if len(frame) > 1 and "_file" in frame:
            # Files with different separators are read in separate batches; restore file order.
            key = frame["_file"].to_numpy(np.int64) * 2**40 + frame["segment"].to_numpy(np.int64)
            if (np.diff(key) < 0).any():
                frame = frame.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)
        frames[name] = frame.drop(columns=["_tx", "_file"], errors="ignore")
    frames["problems"] = _problem_frame(problems)
    frames["files"] = _file_frame(file_rows, keep_tx, problems)
    return Remit(**frames)


def _problem_frame(problems: list[SegmentProblem]) -> pd.DataFrame:
    data = {name: [getattr(p, name) for p in problems] for name, _ in COLUMNS["problems"]}
    data["segment"] = np.array(data["segment"], dtype=np.int64)
    return _typed(data, "problems", len(problems))


def _file_frame(file_rows, keep_tx, problems) -> pd.DataFrame:
    errors: dict[str, int] = {}
    warnings: dict[str, int] = {}
    for p in problems:
        bucket = warnings if p.severity == "warning" else errors
        bucket[p.file] = bucket.get(p.file, 0) + 1
    rows = []
    for label, path, segments, idx, skipped in file_rows:
        read = len(idx)
        used = int(keep_tx[idx].sum())
        status = "skipped" if skipped else (
            "set aside" if used == 0 else ("partly set aside" if used < read else "read"))
        rows.append((label, path, status, segments, read, used, read - used,
                     errors.get(label, 0), warnings.get(label, 0)))
    data = {name: [r[i] for r in rows] for i, (name, _) in enumerate(COLUMNS["files"])}
    return _typed(data, "files", len(rows))


# ----------------------------------------------------------------------------
# Recoupments
# ----------------------------------------------------------------------------

class _ClaimIndex:
    """Resolve PLB references to the claims they concern.

    A reference is matched, in this order, against payer claim control
    numbers (CLP07), then patient control numbers (CLP01), seen anywhere in
    the batch: the whole reference, then each word of it (Medicare writes
    "ICN HIC"), then its start (a number of at least 8 characters followed
    directly by other text). Only the candidate strings of the references
    are looked up, so the cost follows the number of PLB references.
    """

    MIN_PREFIX = 8

    def __init__(self, payments: pd.DataFrame, references: list[str]):
        controls = payments["payer_claim_control"]
        ids = payments["claim_id"]
        self.control_lengths = sorted({int(n) for n in controls.str.len().unique()
                                       if n >= self.MIN_PREFIX}, reverse=True)
        self.id_lengths = sorted({int(n) for n in ids.str.len().unique()
                                  if n >= self.MIN_PREFIX}, reverse=True)
        wanted: set[str] = set()
        for ref in references:
            ref = ref.strip()
            wanted.update(ref.split())
            wanted.add(ref)
            wanted.update(ref[:n] for n in self.control_lengths + self.id_lengths if n < len(ref))
        wanted.discard("")
        value_set = pa.array(sorted(wanted), pa.large_string())

        def among(column: pd.Series) -> np.ndarray:
            values = pa.array(column.array).cast(pa.large_string())
            return np.asarray(pc.is_in(values, value_set=value_set))

        self.by_control: dict[str, set[str]] = {}
        self.controls_of: dict[str, set[str]] = {}
        hit = among(controls)
        for ctl, cid in zip(controls[hit].tolist(), ids[hit].tolist()):
            self.by_control.setdefault(ctl, set()).add(cid)
        hit = among(ids)
        for cid, ctl in zip(ids[hit].tolist(), controls[hit].tolist()):
            self.controls_of.setdefault(cid, set()).update([ctl] if ctl else [])

    def _by_control(self, key: str, how: str) -> tuple[str, str, str]:
        ids = self.by_control[key]
        return (next(iter(ids)), key, how) if len(ids) == 1 else ("", key, "ambiguous")

    def _by_claim(self, key: str, how: str) -> tuple[str, str, str]:
        controls = self.controls_of[key]
        return key, (next(iter(controls)) if len(controls) == 1 else ""), how

    def resolve(self, reference: str) -> tuple[str, str, str]:
        """``(claim_id, payer_claim_control, match)``; match is ``none`` when nothing fits."""
        ref = reference.strip()
        if not ref:
            return "", "", "none"
        words = [ref] + [w for w in ref.split() if w != ref]
        for w in words:
            if w in self.by_control:
                return self._by_control(w, "payer_claim_control")
        for w in words:
            if w in self.controls_of:
                return self._by_claim(w, "claim_id")
        for n in self.control_lengths:
            if len(ref) > n and ref[:n] in self.by_control:
                return self._by_control(ref[:n], "payer_claim_control prefix")
        for n in self.id_lengths:
            if len(ref) > n and ref[:n] in self.controls_of:
                return self._by_claim(ref[:n], "claim_id prefix")
        return "", "", "none"


def _recoupments(transactions: pd.DataFrame, payments: pd.DataFrame,
                 plb: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Money taken back: reversals in claim data, offsets in PLB (docs/contract.md "Remittances").

    Returns the PLB table with ``claim_id``, ``payer_claim_control`` and
    ``match`` resolved, and the recoupments table.

    Notes
    -----
    - ``reversal``: a CLP with status 22, or any CLP with a negative paid
      amount; the amount is the paid amount negated (a reversal that takes
      nothing back, such as that of a denial, has no row). The claim is CLP01
      (X12 RFI #2150: a reversal carries the original patient control
      number); ``reason_code`` is the CLP02 status; ``reference`` is CLP07.
    - ``offset``: a PLB ``WO`` or ``FB`` with a positive amount; the claim is
      resolved from the reference (:class:`_ClaimIndex`). When it cannot be,
      a WO's ``payer_claim_control`` is still the reference's first word (the
      payer's control number by convention) and ``match`` is ``none``.
    - ``deferred_cents``: the part of a reversal that the same transaction
      hands back through a negative WO for the same claim: the payer reversed
      but chose not to take the money yet (X12 RFI #227, #578; docs/sources.md §5.5).
      The later positive WO is its own offset row.
    """
    refs = plb["reference"].tolist()
    unique_refs = list(dict.fromkeys(refs))
    index = _ClaimIndex(payments, unique_refs)
    resolved = {r: index.resolve(r) for r in unique_refs}
    plb = plb.copy()
    for i, name in enumerate(("claim_id", "payer_claim_control", "match")):
        plb[name] = pd.Series([resolved[r][i] for r in refs], dtype="str", index=plb.index)
    # Status 22 or not, only a negative paid amount takes money back.
    rev = payments.loc[payments["paid_cents"] < 0]
    reversals = pd.DataFrame({
        "_tx": rev["_tx"], "_file": rev["_file"], "file": rev["file"],
        "trace_number": rev["trace_number"],
        "claim_id": rev["claim_id"], "amount_cents": -rev["paid_cents"],
        "mechanism": "reversal", "reason_code": rev["status_code"],
        "reference": rev["payer_claim_control"], "payer_claim_control": rev["payer_claim_control"],
        "match": "clp01", "segment": rev["segment"],
    })
    off = plb.loc[plb["reason_code"].isin(RECOUPMENT_REASONS) & (plb["amount_cents"] > 0)]
    # An unresolved WO still names the payer's control number first, by convention.
    first_word = (off["reference"].str.strip().str.split().str[0].fillna("").astype("str") if len(off)
                  else pd.Series([], index=off.index, dtype="str"))
    control = off["payer_claim_control"].where(
        (off["payer_claim_control"] != "") | (off["reason_code"] != "WO"), first_word)
    offsets = pd.DataFrame({
        "_tx": off["_tx"], "_file": off["_file"], "file": off["file"],
        "trace_number": off["trace_number"],
        "claim_id": off["claim_id"], "amount_cents": off["amount_cents"],
        "mechanism": "offset", "reason_code": off["reason_code"], "reference": off["reference"],
        "payer_claim_control": control, "match": off["match"],
        "segment": off["segment"],
    })
    frames = [f for f in (reversals, offsets) if len(f)]
    rec = pd.concat(frames, ignore_index=True) if frames else reversals.iloc[0:0]
    rec = rec.sort_values(["_tx", "segment"], kind="stable").reset_index(drop=True)
    rec["deferred_cents"] = _deferred(rec, plb)
    info = transactions.set_index("_tx")
    rec["payer"] = info["payer"].reindex(rec["_tx"]).to_numpy()
    rec["payment_date"] = info["payment_date"].reindex(rec["_tx"]).to_numpy()
    data = {name: rec[name].to_numpy() for name, _ in COLUMNS["recoupments"]}
    data["_tx"] = rec["_tx"].to_numpy()
    data["_file"] = rec["_file"].to_numpy()
    return plb, _typed(data, "recoupments", len(rec))


def _deferred(rec: pd.DataFrame, plb: pd.DataFrame) -> np.ndarray:
    """Cents of each reversal row whose recovery a negative WO defers (same transaction)."""
    deferred = np.zeros(len(rec), dtype=np.int64)
    negative = plb.loc[(plb["reason_code"] == "WO") & (plb["amount_cents"] < 0)]
    if not len(negative) or not len(rec):
        return deferred
    is_rev = (rec["mechanism"] == "reversal").to_numpy()
    tx, cid, ctl = rec["_tx"].to_numpy(), rec["claim_id"].to_numpy(), \
        rec["payer_claim_control"].to_numpy()
    amount = rec["amount_cents"].to_numpy()
    for t, d_cid, d_ctl, d_amount in zip(negative["_tx"], negative["claim_id"],
                                         negative["payer_claim_control"],
                                         negative["amount_cents"]):
        left = -int(d_amount)
        same = is_rev & (tx == t) & (((ctl == d_ctl) & (d_ctl != "")) |
                                     ((cid == d_cid) & (d_cid != "")))
        for i in np.flatnonzero(same):
            take = min(left, int(amount[i] - deferred[i]))
            deferred[i] += take
            left -= take
            if left == 0:
                break
    return deferred


# ----------------------------------------------------------------------------
# The result
# ----------------------------------------------------------------------------

@dataclass
class Remit:
    """What :func:`read_835` found, as tables (money in ``_cents`` columns).

    Attributes
    ----------
    transactions : pandas.DataFrame
        One row per usable ST/SE transaction: file, trace_number, payer,
        payment_date (BPR16, else DTM*405), bpr_amount_cents (negative when
        BPR03 is ``D``), claim_paid_total_cents, provider_adjustment_total_cents,
        balanced (BPR02 = sum CLP04 - sum PLB), difference_cents, recouped_cents,
        payer/payee ids, payment_method, counts and envelope control numbers.
    payments : pandas.DataFrame
        One row per CLP: file, trace_number, claim_id, status_code, charge,
        paid, patient_responsibility (``_cents``), payer_claim_control,
        claim_seq (1-based within the transaction), patient, statement dates,
        adjustment totals, balanced (CLP03 - claim CAS - line CAS = CLP04).
    service_lines : pandas.DataFrame
        One row per SVC: claim_id, claim_seq, line_seq, line_control (REF*6R,
        our line_no), procedure_qualifier, procedure_code, modifiers (``;``),
        units, charge/paid/allowed (``_cents``), balanced (SVC02 - CAS = SVC03),
        service_date (DTM*472, else DTM*150), line_no (line_control as a number
        where it is one: the audit's line_no).
    adjustments : pandas.DataFrame
        One row per CAS reason/amount: level (``claim`` or ``line``),
        claim_seq, line_seq (blank for claim level), group_code, reason_code,
        amount_cents, quantity.
    provider_adjustments : pandas.DataFrame
        One row per PLB reason/amount pair, amount as sent (positive takes
        money), with the claim its reference resolves to (``match`` says how).
    recoupments : pandas.DataFrame
        One row per amount taken back: file, trace_number, payment_date,
        claim_id, amount_cents (> 0), mechanism (``reversal`` or ``offset``),
        reason_code, reference, payer_claim_control, match, deferred_cents.
    problems : pandas.DataFrame
        file, segment, segment_id, element, value, expected, severity,
        action, trace_number, message.
    files : pandas.DataFrame
        Per file: status (``read``, ``partly set aside``, ``set aside``, or
        ``skipped``: found in a folder but not an X12 file),
        segments, transactions read / used / set aside, errors, warnings.
    """

    transactions: pd.DataFrame
    payments: pd.DataFrame
    service_lines: pd.DataFrame
    adjustments: pd.DataFrame
    provider_adjustments: pd.DataFrame
    recoupments: pd.DataFrame
    problems: pd.DataFrame
    files: pd.DataFrame
    outputs: list[Path] = field(default_factory=list)

    @property
    def rejected(self) -> pd.DataFrame:
        """The problems that set a file or transaction aside."""
        return self.problems.loc[self.problems["severity"] == "error"].reset_index(drop=True)

    @property
    def warnings(self) -> pd.DataFrame:
        return self.problems.loc[self.problems["severity"] == "warning"].reset_index(drop=True)

    @property
    def loaded(self) -> bool:
        """True when at least one transaction could be used."""
        return len(self.transactions) > 0

    def require_loaded(self, hint: str = "") -> "Remit":
        """Return self, or raise :class:`InputError` when no transaction could be used.

        The message counts the files and quotes the first problems; ``hint``
        (e.g. where ``rejected.csv`` was written) is added after the count.
        """
        if not self.loaded:
            first = "; ".join(m.rstrip(".") for m in self.rejected["message"].head(3)) \
                or "no ST...SE transaction found"
            raise InputError(f"no usable 835 transaction in {len(self.files)} file(s){hint}: "
                             f"{first}")
        return self

    def summary(self) -> dict:
        """Counts and totals of the batch (cents as integers)."""
        t, rec, f = self.transactions, self.recoupments, self.files
        read = int(f["transactions"].sum())
        return {
            "files": len(f),
            "files_set_aside": int((f["status"] == "set aside").sum()),
            "files_skipped": int((f["status"] == "skipped").sum()),
            "transactions_read": read,
            "transactions_used": len(t),
            "transactions_set_aside": read - len(t),
            "unbalanced_transactions": int((~t["balanced"]).sum()),
            "claim_payments": len(self.payments),
            "unbalanced_claims": int((~self.payments["balanced"]).sum()),
            "service_lines": len(self.service_lines),
            "unbalanced_lines": int((~self.service_lines["balanced"]).sum()),
            "payment_total_cents": int(t["bpr_amount_cents"].sum()),
            "claim_paid_total_cents": int(t["claim_paid_total_cents"].sum()),
            "provider_adjustment_total_cents": int(t["provider_adjustment_total_cents"].sum()),
            "recouped_total_cents": int(rec["amount_cents"].sum()),
            "reversal_total_cents": int(rec.loc[rec["mechanism"] == "reversal",
                                                "amount_cents"].sum()),
            "offset_total_cents": int(rec.loc[rec["mechanism"] == "offset",
                                              "amount_cents"].sum()),
            "deferred_total_cents": int(rec["deferred_cents"].sum()),
            "errors": int((self.problems["severity"] == "error").sum()),
            "warnings": int((self.problems["severity"] == "warning").sum()),
        }

    def report(self, limit: int = 10) -> list[str]:
        """A short plain-English account of the batch, one line per item."""
        s = self.summary()
        lines = [
            f"Read {s['files']:,} file(s) ({s['files_set_aside']:,} set aside, "
            f"{s['files_skipped']:,} skipped as not X12): "
            f"{s['transactions_read']:,} transaction(s), {s['transactions_used']:,} used, "
            f"{s['transactions_set_aside']:,} set aside; "
            f"{s['claim_payments']:,} claim payment(s), {s['service_lines']:,} service line(s).",
            f"Balance: {s['unbalanced_transactions']:,} unbalanced transaction(s), "
            f"{s['unbalanced_claims']:,} unbalanced claim(s), {s['unbalanced_lines']:,} "
            f"unbalanced service line(s).",
            f"Paid {dollars(s['payment_total_cents'])} (claims {dollars(s['claim_paid_total_cents'])}"
            f", provider adjustments {dollars(s['provider_adjustment_total_cents'])}); taken back "
            f"{dollars(s['recouped_total_cents'])} (reversals {dollars(s['reversal_total_cents'])}, "
            f"offsets {dollars(s['offset_total_cents'])}; deferred "
            f"{dollars(s['deferred_total_cents'])}).",
        ]
        bad = self.transactions.loc[~self.transactions["balanced"]]
        for row in bad.head(limit).itertuples(index=False):
            lines.append(
                f"UNBALANCED {row.file}, trace {row.trace_number}: BPR02 "
                f"{dollars(row.bpr_amount_cents)} but claims {dollars(row.claim_paid_total_cents)}"
                f" - provider adjustments {dollars(row.provider_adjustment_total_cents)} = "
                f"{dollars(row.claim_paid_total_cents - row.provider_adjustment_total_cents)}.")
        if len(bad) > limit:
            lines.append(f"... and {len(bad) - limit} more unbalanced transaction(s).")
        errors = self.rejected
        for message in errors["message"].head(limit):
            lines.append(f"SET ASIDE {message}")
        if len(errors) > limit:
            lines.append(f"... and {len(errors) - limit} more problem(s) that set data aside.")
        if s["warnings"]:
            lines.append(f"{s['warnings']} warning(s) (data kept).")
        return lines

    def write(self, out: str | Path) -> list[Path]:
        """Write every table as contract CSV into folder ``out``, plus ``summary.json``.

        Files: transactions.csv, payments.csv, provider_adjustments.csv,
        recoupments.csv (the contract's four), service_lines.csv,
        adjustments.csv, rejected.csv (problems that set data aside),
        warnings.csv, files.csv and summary.json.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        tables = {
            "transactions.csv": self.transactions, "payments.csv": self.payments,
            "provider_adjustments.csv": self.provider_adjustments,
            "recoupments.csv": self.recoupments, "service_lines.csv": self.service_lines,
            "adjustments.csv": self.adjustments, "rejected.csv": self.rejected,
            "warnings.csv": self.warnings, "files.csv": self.files,
        }
        for name, frame in tables.items():
            if "units" in frame:
                frame = frame.assign(units=_units_text(frame["units"]))
            written.append(write_csv(frame, out / name))
        summary = out / "summary.json"
        summary.write_text(json.dumps(self.summary(), indent=2) + "\n", encoding="utf-8")
        written.append(summary)
        self.outputs = written
        return written


def _units_text(units: pd.Series) -> pd.Series:
    """Units as text without a needless ``.0``."""
    whole = units == units.round()
    text = units.astype("str")
    return text.where(~whole, units.round().astype("int64").astype("str"))
