"""Read X12 837 claim files (5010 837P and 837I; 4010 too) into claim lines.

Each service line (LX) becomes one row of ``claim_lines.csv``, with the
fields ``docs/contract.md`` lists: claim_id CLM01; line_no LX01; patient_id
the patient's NM109 (2010CA, which only 4010 files fill) or else the
subscriber's (2010BA); payer_id 2010BB NM109; rendering_npi the line's
rendering provider (2420A; 2420C on an 837I), else the claim's (2310B;
2310D), else the billing provider (2010AA); service_date the line's DTP*472,
else the claim's (DTP*472, or the statement's first day DTP*434); procedure
code, modifiers, units and charge from SV1 (837P) or SV2 (837I);
place_of_service SV105, else CLM05-1; diagnosis_codes the codes the line
points to (SV107) or, on an 837I, all the claim's diagnoses (principal and
other: HI qualifiers ABK/ABF, BK/BF for ICD-9), written with their dot
(``E11.9``); submitted_date BHT04. Extra columns: line_control (REF*6R, what
an 835 echoes back), revenue_code (SV201), claim_type (837P or 837I).

How it is read: the 835 tokenizer (:mod:`recoup_lib.remit._segments`) cuts
the bytes into segments with the separators of each ISA; every segment's
owner is found with numpy (the last HL, CLM or LX before it), elements are
gathered a column at a time as Arrow arrays, so there is no Python object
per segment. Loop boundaries follow the 5010 guides: the subscriber and
payer names are those of the HL (before its first CLM), so the other payers'
names of loop 2330 are not taken for them; a rendering provider without an
NPI (2330D) is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..money import format_cents_arrow
from ..remit._segments import (
    Elements,
    Splitter,
    combine,
    parse_amounts,
    segment_code,
    split_interchanges,
)
from ._values import insert_icd_dot

__all__ = ["read_837", "Claims837", "LINE_COLUMNS", "looks_like_x12", "expand_paths"]

#: Columns of the claim lines read from 837s, in order (contract columns first).
LINE_COLUMNS = ["claim_id", "line_no", "patient_id", "payer_id", "rendering_npi", "service_date",
                "submitted_date", "procedure_code", "modifiers", "units", "charge",
                "diagnosis_codes", "place_of_service", "line_control", "revenue_code", "claim_type"]

_DX_POINTED = ("ABK", "ABF", "BK", "BF")
_ICD9 = ("BK", "BF")
_ALTERNATIVE_COMPONENTS = (">", "^", "!", "|", "\\", "}", "{")


@dataclass
class Claims837:
    """Claim lines read from 837 files.

    Attributes
    ----------
    lines : dict of str to pyarrow.Array
        :data:`LINE_COLUMNS` as text, plus ``_file`` (the file's label) and
        ``_row`` (the LX segment's 1-based position in its file).
    set_aside : list of (file, segment, reason, text)
        Service lines that could not be read as claim lines.
    problems : list of (file, segment, message)
        File-level problems (not an 837, unreadable) and warnings.
    files : list of str
    """

    lines: dict[str, pa.Array]
    set_aside: list[tuple[str, int, str, str]] = field(default_factory=list)
    problems: list[tuple[str, int, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.lines["claim_id"])


def looks_like_x12(data: bytes) -> bool:
    head = data[:128].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"ISA") or (head.startswith(b"ST") and head[2:3] in b"*|^~:!")


def expand_paths(paths) -> tuple[list[Path], set[int]]:
    """Files to read, folders searched recursively (hidden files and folders skipped).

    Returns the files and the positions of those found inside a folder (a
    file there that is not X12 is skipped with a note; one named is an error).
    """
    files: list[Path] = []
    found: set[int] = set()
    for p in [paths] if isinstance(paths, (str, Path)) else paths:
        p = Path(p)
        if not p.is_dir():
            files.append(p)
            continue
        inside = [q for q in sorted(p.rglob("*")) if q.is_file()
                  and not any(part.startswith(".") for part in q.relative_to(p).parts)]
        found.update(range(len(files), len(files) + len(inside)))
        files += inside
    return files, found


def _labels(files: list[Path]) -> list[str]:
    names = [f.name for f in files]
    return names if len(set(names)) == len(names) else [str(f) for f in files]


def read_837(paths) -> Claims837:
    """Read 837 files (or folders of them) into claim lines; never raises for bad content.

    Parameters
    ----------
    paths : path-like or sequence of path-like

    Returns
    -------
    Claims837
    """
    files, in_folder = expand_paths(paths)
    labels = _labels(files)
    problems: list[tuple[str, int, str]] = []
    pieces = []
    for f, (path, label) in enumerate(zip(files, labels)):
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append((label, 0, f"file set aside: cannot be read ({exc.strerror or exc})"))
            continue
        if not looks_like_x12(data):
            where = "skipped (in a folder of 837s)" if f in in_folder else "file set aside"
            problems.append((label, 0, f"{where}: not an X12 file (expected ISA or ST at the start)"))
            continue
        found, raw_problems, notes = split_interchanges(data)
        for rp in raw_problems:
            problems.append((label, rp.segment, f"{rp.segment_id or 'segment'} {rp.element}: expected "
                             f"{rp.expected}; got {rp.value!r} (the rest of the file is set aside)"))
        for number, expected, found_text in notes:
            problems.append((label, number, f"warning: expected {expected}; found {found_text} (read)"))
        pieces.extend((f, piece) for piece in found)
    parts, set_aside = [], []
    for batch in _batches(pieces):
        for chunk in combine(batch):
            got, aside, warns = _read_chunk(chunk, labels)
            parts.append(got)
            set_aside.extend(aside)
            problems.extend(warns)
    lines = {name: _concat([p[name] for p in parts]) for name in LINE_COLUMNS + ["_file", "_row"]}
    order = np.lexsort((np.asarray(lines["_row"]), _file_order(lines["_file"], labels)))
    lines = {k: (v.take(pa.array(order)) if isinstance(v, pa.Array) else v[order]) for k, v in lines.items()}
    return Claims837(lines, set_aside, problems, labels)


def _batches(pieces: list, size: int = 1 << 23) -> list[list]:
    """Whole files, grouped up to about ``size`` bytes: working sets that stay in memory caches."""
    batches, current, total, last = [], [], 0, None
    for f, piece in pieces:
        if current and total + len(piece.data) > size and f != last:
            batches.append(current)
            current, total = [], 0
        current.append((f, piece))
        total += len(piece.data)
        last = f
    if current:
        batches.append(current)
    return batches


def _file_order(file_labels: pa.Array, labels: list[str]) -> np.ndarray:
    index = {label: i for i, label in enumerate(labels)}
    return np.array([index[x] for x in file_labels.to_pylist()], dtype=np.int64) if len(file_labels) \
        else np.zeros(0, dtype=np.int64)


def _concat(values: list):
    if not values:
        return pa.array([], pa.string())
    if isinstance(values[0], np.ndarray):
        return np.concatenate(values)
    return pa.concat_arrays([pc.cast(v, pa.string()) for v in values])


def _last_before(marks: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Index into ``marks`` of the last mark before each position (-1 if none)."""
    return np.searchsorted(marks, pos, side="right") - 1


class _Chunk:
    """Segment positions of one chunk, found with one sort of the segment ids."""

    def __init__(self, chunk):
        self.chunk = chunk
        self.codes = chunk.codes
        self.order = np.argsort(self.codes, kind="stable")
        self.sorted = self.codes[self.order]

    def where(self, name: str) -> np.ndarray:
        code = segment_code(name)
        lo, hi = np.searchsorted(self.sorted, [code, code + 1])
        return self.order[lo:hi]

    def running(self, positions: np.ndarray) -> np.ndarray:
        """For every segment, the index into ``positions`` of the last one at or before it (-1: none)."""
        mark = np.full(len(self.codes), -1, dtype=np.int64)
        mark[positions] = np.arange(len(positions))
        return np.maximum.accumulate(mark)

    def elements(self, rows: np.ndarray) -> Elements:
        return Elements(self.chunk.splitter, rows)


def _take(values: pa.Array, index: np.ndarray, default: str = "") -> pa.Array:
    """``values[index]`` with ``default`` where index < 0."""
    index = np.asarray(index, dtype=np.int64)
    if len(values) == 0:
        return pa.array([default] * len(index), pa.string())
    got = pc.cast(values, pa.string()).take(pa.array(np.where(index >= 0, index, 0)))
    return pc.if_else(pa.array(index >= 0), got, pa.scalar(default, pa.string()))


def _first_owner(owner: np.ndarray, n: int, mask: np.ndarray | None = None) -> np.ndarray:
    """For each of ``n`` owners, the index of its first owned item (-1 if none)."""
    out = np.full(n, -1, dtype=np.int64)
    idx = np.arange(len(owner))
    if mask is not None:
        idx = idx[mask]
    own = owner[idx]
    keep = own >= 0
    idx, own = idx[keep], own[keep]
    if len(own):
        firsts, where = np.unique(own, return_index=True)
        out[firsts] = idx[where]
    return out


def _at(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]`` where index may be -1 (or ``values`` empty): 0 there."""
    if not len(values):
        return np.zeros(len(index), dtype=np.int64)
    return values[np.maximum(index, 0)]


def _empty_lines() -> dict:
    out = {name: pa.array([], pa.string()) for name in LINE_COLUMNS + ["_file"]}
    out["_row"] = np.zeros(0, dtype=np.int64)
    return out


def _read_chunk(chunk, labels: list[str]):
    c = _Chunk(chunk)
    comp = chunk.separators.component
    st, hl, clm, lx = c.where("ST"), c.where("HL"), c.where("CLM"), c.where("LX")
    txn_seg = c.running(st)
    txn_of = lambda pos: txn_seg[pos] if len(pos) else np.zeros(0, dtype=np.int64)  # noqa: E731
    warnings: list[tuple[str, int, str]] = []
    set_aside: list[tuple[str, int, str, str]] = []

    st_el = c.elements(st)
    st_kind = st_el[1].to_pylist()
    not_837 = np.array([k != "837" for k in st_kind], dtype=bool)
    for i in np.flatnonzero(not_837):
        warnings.append((labels[int(chunk.files[st[i]])], int(chunk.numbers[st[i]]),
                         f"transaction set aside: ST01 is {st_kind[i]!r}, not an 837 claim"))

    # Markers: each segment's owner is the last HL, CLM or LX before it in its transaction.
    marks = np.concatenate([hl, clm, lx])
    kinds = np.concatenate([np.zeros(len(hl), np.int8), np.ones(len(clm), np.int8), np.full(len(lx), 2, np.int8)])
    which = np.concatenate([np.arange(len(hl)), np.arange(len(clm)), np.arange(len(lx))])
    order = np.argsort(marks, kind="stable")
    marks, kinds, which = marks[order], kinds[order], which[order]
    last_mark = c.running(marks)

    def owner(pos: np.ndarray, kind: int) -> np.ndarray:
        k = last_mark[pos]
        ok = (k >= 0)
        kk = np.where(ok, k, 0)
        ok &= (kinds[kk] == kind) & (txn_of(marks[kk]) == txn_of(pos))
        return np.where(ok, which[kk], -1)

    if not len(lx):
        return _empty_lines(), set_aside, warnings
    alt = _alternative_components(c, chunk, comp, labels, warnings)

    # HL levels and the names held in each HL (before its first claim).
    hl_level = c.elements(hl).code(3)
    nm1 = c.where("NM1")
    nel = c.elements(nm1)
    entity = nel.code(1)
    ident = nel[9]
    nm1_hl = owner(nm1, 0)

    def per_hl(code: str) -> pa.Array:
        first = _first_owner(nm1_hl, len(hl), entity == segment_code(code))
        return _take(ident, first)

    billing_of_hl, subscriber_of_hl = per_hl("85"), per_hl("IL")
    payer_of_hl, patient_of_hl = per_hl("PR"), per_hl("QC")

    # Claims.
    cel = c.elements(clm)
    claim_id = pc.cast(cel[1], pa.string())
    clm05 = _mend(cel[5], chunk, clm, alt, comp)
    claim_pos_code = Splitter.of_array(clm05, comp).element(0)
    clm_txn = txn_of(clm)
    claim_hl = _last_before(hl, clm)
    claim_hl = np.where((claim_hl >= 0) & (txn_of(_at(hl, claim_hl)) == clm_txn), claim_hl, -1)

    def last_level(level: str) -> np.ndarray:
        sel = np.flatnonzero(hl_level == segment_code(level))
        k = _last_before(hl[sel], clm)
        got = np.where(k >= 0, _at(sel, k), -1)
        same = (got >= 0) & (txn_of(_at(hl, got)) == clm_txn)
        return np.where(same, got, -1)

    bill_hl, sub_hl = last_level("20"), last_level("22")
    is_patient_hl = (claim_hl >= 0) & (_at(hl_level, claim_hl) == segment_code("23"))
    patient_own = _take(patient_of_hl, np.where(is_patient_hl, claim_hl, -1))
    subscriber = _take(subscriber_of_hl, sub_hl)
    patient_id = pc.if_else(pc.equal(patient_own, ""), subscriber, patient_own)
    payer_id = _take(payer_of_hl, sub_hl)
    billing_npi = _take(billing_of_hl, bill_hl)
    bht = c.where("BHT")
    bht_txn = txn_of(bht)
    first_bht = _first_owner(bht_txn, len(st))
    bht_dates = _iso(c.elements(bht)[4])
    submitted = _take(bht_dates, np.where(clm_txn >= 0, _at(first_bht, clm_txn), -1))

    # Claim-level rendering provider: an NM1*82 with an NPI after CLM, before any other-payer SBR.
    sbr = c.where("SBR")
    nm1_clm = owner(nm1, 1)
    sbr_before = _last_before(sbr, nm1)
    in_2310 = (nm1_clm >= 0) & ((sbr_before < 0) | (_at(sbr, sbr_before) < _at(clm, nm1_clm)))
    has_id = np.asarray(pc.not_equal(ident, ""))
    rend_claim = _take(ident, _first_owner(nm1_clm, len(clm), (entity == segment_code("82")) & has_id & in_2310))
    nm1_lx = owner(nm1, 2)
    rend_line_first = _first_owner(nm1_lx, len(lx), (entity == segment_code("82")) & has_id)

    # Dates (DTP) of claims and lines.
    dtp = c.where("DTP")
    del_ = c.elements(dtp)
    qual = del_.code(1)
    dtp_text = _iso(del_[3])
    dtp_clm, dtp_lx = owner(dtp, 1), owner(dtp, 2)
    claim_472 = _take(dtp_text, _first_owner(dtp_clm, len(clm), qual == segment_code("472")))
    claim_434 = _take(dtp_text, _first_owner(dtp_clm, len(clm), qual == segment_code("434")))
    claim_date = pc.if_else(pc.equal(claim_472, ""), claim_434, claim_472)
    line_date = _take(dtp_text, _first_owner(dtp_lx, len(lx), qual == segment_code("472")))

    # Line control numbers (REF*6R) and diagnoses (HI).
    ref = c.where("REF")
    rel = c.elements(ref)
    line_ctl = _take(pc.cast(rel[2], pa.string()),
                     _first_owner(owner(ref, 2), len(lx), rel.code(1) == segment_code("6R")))
    dx_codes, dx_start, dx_count, dx_icd9 = _diagnoses(c, chunk, owner, len(clm), comp, alt)

    # Lines and their service segment.
    line_claim = owner(lx, 1)
    line_claim = np.where(line_claim >= 0, line_claim, _last_before(clm, lx))
    line_claim = np.where((line_claim >= 0) & (_at(clm_txn, line_claim) == txn_of(lx)), line_claim, -1)
    sv1, sv2, sv3 = c.where("SV1"), c.where("SV2"), c.where("SV3")
    sv1_of = _first_owner(owner(sv1, 2), len(lx))
    sv2_of = _first_owner(owner(sv2, 2), len(lx))
    sv3_of = _first_owner(owner(sv3, 2), len(lx))
    lx_txn = txn_of(lx)
    bad_txn = np.where(lx_txn >= 0, _at(not_837, lx_txn), True)
    prof, inst = sv1_of >= 0, (sv2_of >= 0) & (sv1_of < 0)
    reason = np.full(len(lx), "", dtype=object)
    reason[~prof & ~inst] = "an LX service line without SV1 (837P) or SV2 (837I)"
    reason[(sv3_of >= 0) & ~prof & ~inst] = "a dental service line (SV3, 837D): only 837P and 837I are read"
    reason[line_claim < 0] = "an LX service line outside any claim (no CLM before it)"
    reason[bad_txn] = "a service line of a transaction that is not an 837"
    keep = reason == ""
    lxel = c.elements(lx)
    for i in np.flatnonzero(~keep):
        set_aside.append((labels[int(chunk.files[lx[i]])], int(chunk.numbers[lx[i]]), str(reason[i]),
                          chunk.text(int(lx[i]))))
    lx, line_claim = lx[keep], line_claim[keep]
    sv1_of, sv2_of, rend_line_first = sv1_of[keep], sv2_of[keep], rend_line_first[keep]
    line_date, line_ctl = line_date.filter(pa.array(keep)), line_ctl.filter(pa.array(keep))
    line_no = pc.cast(lxel[1], pa.string()).filter(pa.array(keep))
    prof, n = prof[keep], int(keep.sum())

    svc = _service_fields(c, chunk, sv1, sv2, sv1_of, sv2_of, prof, comp, alt)
    own_rend = _take(ident, rend_line_first)
    claim_rend = _take(rend_claim, line_claim)
    rendering = pc.if_else(pc.equal(own_rend, ""), pc.if_else(pc.equal(claim_rend, ""),
                                                              _take(billing_npi, line_claim), claim_rend),
                           own_rend)
    date = pc.if_else(pc.equal(line_date, ""), _take(claim_date, line_claim), line_date)
    pos = pc.if_else(pc.equal(svc["pos"], ""), _take(claim_pos_code, line_claim), svc["pos"])
    diagnosis = _line_diagnoses(svc["pointers"], prof, line_claim, dx_codes, dx_start, dx_count, dx_icd9, comp)
    kind = pc.if_else(pa.array(prof), pa.scalar("837P"), pa.scalar("837I"))
    files = chunk.files[lx]
    out = {
        "claim_id": _take(claim_id, line_claim), "line_no": line_no,
        "patient_id": _take(patient_id, line_claim), "payer_id": _take(payer_id, line_claim),
        "rendering_npi": rendering, "service_date": date,
        "submitted_date": _take(submitted, line_claim), "procedure_code": svc["code"],
        "modifiers": svc["modifiers"], "units": svc["units"], "charge": svc["charge"],
        "diagnosis_codes": diagnosis, "place_of_service": pos, "line_control": line_ctl,
        "revenue_code": svc["revenue"], "claim_type": kind,
        "_file": pa.array([labels[int(f)] for f in files], pa.string()) if n else pa.array([], pa.string()),
        "_row": chunk.numbers[lx].astype(np.int64),
    }
    return out, set_aside, warnings


def _iso(values: pa.Array) -> pa.Array:
    """``20250131`` (or the start of ``20250131-20250205``) -> ``2025-01-31``; other text as is."""
    text = pc.cast(values, pa.string())
    shaped = pc.match_substring_regex(text, r"^\d{8}(-\d{8})?$")
    iso = pc.binary_join_element_wise(pc.utf8_slice_codeunits(text, 0, 4), pc.utf8_slice_codeunits(text, 4, 6),
                                      pc.utf8_slice_codeunits(text, 6, 8), "-")
    return pc.if_else(shaped, iso, text)


def _alternative_components(c: _Chunk, chunk, comp: str, labels, warnings) -> dict[int, str]:
    """Files whose composites use another character than ISA16 declares (read with it, warned)."""
    found: dict[int, str] = {}
    for name, j in (("SV1", 1), ("SV2", 2), ("HI", 1)):
        rows = c.where(name)
        if not len(rows):
            continue
        values = c.elements(rows)[j]
        lacks = ~np.asarray(pc.match_substring(values, comp))
        if not lacks.any():
            continue
        for i in np.flatnonzero(lacks):
            value = values[int(i)].as_py()
            f = int(chunk.files[rows[i]])
            if f in found:
                continue
            for ch in _ALTERNATIVE_COMPONENTS:
                if ch != chunk.separators.element and len(value) > 3 and ch in value[1:4]:
                    found[f] = ch
                    warnings.append((labels[f], int(chunk.numbers[rows[i]]),
                                     f"warning: composites use {ch!r} although ISA16 declares {comp!r}; "
                                     f"read with {ch!r} (e.g. {value!r})"))
                    break
    return found


def _mend(values: pa.Array, chunk, rows: np.ndarray, alt: dict[int, str], comp: str) -> pa.Array:
    values = pc.cast(values, pa.string())
    for f, ch in alt.items():
        mask = pa.array(chunk.files[rows] == f)
        values = pc.if_else(mask, pc.replace_substring(values, ch, comp), values)
    return values


def _diagnoses(c: _Chunk, chunk, owner, n_claims: int, comp: str, alt):
    """Each claim's diagnosis codes in order: (codes, start per claim, count per claim, ICD-9 mask)."""
    hi = c.where("HI")
    hi_clm = owner(hi, 1)
    hi, hi_clm = hi[hi_clm >= 0], hi_clm[hi_clm >= 0]
    el = c.elements(hi)
    claims, order, codes, icd9 = [], [], [], []
    width = int(el.count.max()) if len(hi) else 0
    values = [_mend(el[j], chunk, hi, alt, comp) for j in range(1, min(width, 12) + 2)]
    quals = pa.array(_DX_POINTED)
    for j in range(1, min(width, 12) + 1):
        parts = Splitter.of_array(values[j - 1], comp)
        qual, code = pc.cast(parts.element(0), pa.string()), pc.cast(parts.element(1), pa.string())
        # A qualifier alone, its code in the next element (``HI*BK*8901``: ``*`` written for ``:``).
        alone = np.asarray(pc.is_in(values[j - 1], quals)) & ~np.asarray(pc.match_substring(values[j], comp)) \
            & np.asarray(pc.match_substring_regex(values[j], r"^[A-Z0-9]{3,7}$")) \
            & ~np.asarray(pc.is_in(values[j], quals))
        if alone.any():
            code = pc.if_else(pa.array(alone), values[j], code)
        dx = np.asarray(pc.is_in(qual, quals)) & np.asarray(pc.not_equal(code, ""))
        if not dx.any():
            continue
        claims.append(hi_clm[dx])
        order.append(hi[dx] * 16 + j)
        codes.append(code.filter(pa.array(dx)))
        icd9.append(np.asarray(pc.is_in(qual.filter(pa.array(dx)), pa.array(_ICD9))))
    if not claims:
        return pa.array([], pa.string()), np.zeros(n_claims, np.int64), np.zeros(n_claims, np.int64), \
            np.zeros(0, bool)
    claims_a, order_a = np.concatenate(claims), np.concatenate(order)
    sort = np.lexsort((order_a, claims_a))
    codes_a = pa.concat_arrays(codes).take(pa.array(sort))
    icd9_a = np.concatenate(icd9)[sort]
    claims_a = claims_a[sort]
    codes_a = insert_icd_dot(codes_a, icd9_a)
    count = np.bincount(claims_a, minlength=n_claims)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    return codes_a, start, count, icd9_a


def _line_diagnoses(pointers, prof, line_claim, codes, start, count, icd9, comp):
    """Codes each line points to (837P), or all its claim's codes (837I), ``;``-joined."""
    n = len(line_claim)
    pieces = []
    if len(codes):
        split = Splitter.of_array(pointers, comp)
        for k in range(4):
            ptr = pc.replace_substring_regex(pc.cast(split.element(k), pa.string()), r"^(\d+)\.0*$", r"\1")
            num = np.asarray(pc.cast(pc.if_else(pc.utf8_is_digit(ptr), ptr, pa.scalar("0")), pa.int64())
                             .fill_null(0))
            cnt = count[line_claim]
            ok = prof & (num >= 1) & (num <= cnt)
            idx = np.where(ok, start[line_claim] + num - 1, -1)
            pieces.append(_take(codes, idx))
        # 837I: every code of the claim (up to 24), in order.
        inst = ~prof
        if inst.any():
            width = int(count[line_claim[inst]].max()) if inst.any() else 0
            for k in range(max(width, 0)):
                ok = inst & (count[line_claim] > k)
                idx = np.where(ok, start[line_claim] + k, -1)
                if k < 4:
                    pieces[k] = pc.if_else(pa.array(inst), _take(codes, idx), pieces[k])
                else:
                    pieces.append(_take(codes, idx))
    if not pieces:
        return pa.array([""] * n, pa.string())
    joined = pc.binary_join_element_wise(*pieces, ";") if len(pieces) > 1 else pieces[0]
    joined = pc.replace_substring_regex(joined, r";{2,}", ";")
    return pc.replace_substring_regex(joined, r"^;|;$", "")


def _service_fields(c: _Chunk, chunk, sv1, sv2, sv1_of, sv2_of, prof, comp, alt) -> dict:
    """Procedure, modifiers, units, charge, place of service and pointers of each line."""
    n = len(prof)
    e1 = c.elements(sv1[np.maximum(sv1_of, 0)]) if len(sv1) else None
    e2 = c.elements(sv2[np.maximum(sv2_of, 0)]) if len(sv2) else None

    def pick(f1, f2) -> pa.Array:
        a = f1() if e1 is not None else pa.array([""] * n, pa.string())
        b = f2() if e2 is not None else pa.array([""] * n, pa.string())
        return pc.if_else(pa.array(prof), pc.cast(a, pa.string()), pc.cast(b, pa.string()))

    rows1 = sv1[np.maximum(sv1_of, 0)] if len(sv1) else np.zeros(n, np.int64)
    rows2 = sv2[np.maximum(sv2_of, 0)] if len(sv2) else np.zeros(n, np.int64)
    composite = pick(lambda: _mend(e1[1], chunk, rows1, alt, comp), lambda: _mend(e2[2], chunk, rows2, alt, comp))
    parts = Splitter.of_array(composite, comp)
    code = pc.cast(parts.element(1), pa.string())
    mods = [pc.cast(parts.element(j), pa.string()) for j in range(2, 6)]
    modifiers = pc.binary_join_element_wise(*mods, ";")
    modifiers = pc.replace_substring_regex(pc.replace_substring_regex(modifiers, r";{2,}", ";"), r"^;|;$", "")
    charge_text = pick(lambda: e1[2], lambda: e2[3])
    cents, blank, invalid = parse_amounts(charge_text)
    charge = pc.cast(format_cents_arrow(cents), pa.string())
    charge = pc.if_else(pa.array(blank | invalid), charge_text, charge)
    units = pick(lambda: e1[4], lambda: e2[5])
    units = pc.replace_substring_regex(units, r"^0*(\d+)(?:\.0*)?$", r"\1")
    pos = pick(lambda: e1[5], lambda: pa.array([""] * n, pa.string()))
    pointers = pick(lambda: _mend(e1[7], chunk, rows1, alt, comp), lambda: pa.array([""] * n, pa.string()))
    revenue = pick(lambda: pa.array([""] * n, pa.string()), lambda: e2[1])
    return {"code": code, "modifiers": modifiers, "charge": charge, "units": units, "pos": pos,
            "pointers": pointers, "revenue": revenue}
