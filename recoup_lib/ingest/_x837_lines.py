"""One run of 837 segments (the files sharing a set of separators) read into claim lines.

Each service line (LX) becomes one row of ``claim_lines.csv``, with the
fields ``docs/contract.md`` lists: claim_id CLM01; line_no LX01 (in a claim
without LX, the SV1/SV2's order in it: :func:`_service_lines`); patient_id
the patient's NM109 (2010CA, which only 4010 files fill) or else the
subscriber's (2010BA); payer_id 2010BB NM109 (``NM1*PR``, or ``NM1*IN`` as
some 4010 files write it); rendering_npi the line's rendering provider
(2420A; 2420C on an 837I), else the claim's (2310B; 2310D), else the billing
provider (2010AA); service_date the line's DTP*472, else the claim's
(DTP*472, or the statement's first day DTP*434); procedure code, modifiers,
units and charge from SV1 (837P) or SV2 (837I); place_of_service SV105, else
CLM05-1; diagnosis_codes the codes the line points to (SV107) or, on an
837I, all the claim's diagnoses (principal and other: HI qualifiers ABK/ABF,
BK/BF for ICD-9), written with their dot (``E11.9``); submitted_date BHT04.
Extra columns: line_control (REF*6R, what an 835 echoes back), revenue_code
(SV201), claim_type (837P or 837I).

How it is read: every segment's owner is found with numpy (the last HL, CLM
or LX before it). Elements are byte spans (:mod:`._x12spans`): which segment
gives each line its patient, date or provider is worked out with integers,
and only the values kept become Arrow text (:mod:`._x837_values` turns them
into the contract's spelling), so there is no Python object per segment.
Loop boundaries follow the 5010 guides: the subscriber and payer names are
those of the HL (before its first CLM), so the other payers' names of loop
2330 are not taken for them; a rendering provider without an NPI (2330D) is
skipped. Lines that cannot be audited are set aside with their reason, and
what a file gets wrong is warned about once per file (:mod:`._x837` reads
the files and puts the runs' lines back in file order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..x12 import OUTSIDE_ANY_TRANSACTION, TRANSACTION_NAMES, segment_code
from ._x12spans import Parts, Segments, first_owned, running
from ._x837_envelope import CUT_SHORT, Transactions, envelope_warnings, lines_cut_short, transactions
from ._x837_values import diagnoses, line_diagnoses, mend, name_ids, service_fields, to_iso

__all__ = ["LINE_COLUMNS", "REVENUE_ONLY", "OUTSIDE_TRANSACTION", "read_segments"]

#: Columns of the claim lines read from 837s, in order (contract columns first).
LINE_COLUMNS = ["claim_id", "line_no", "patient_id", "payer_id", "rendering_npi", "service_date",
                "submitted_date", "procedure_code", "modifiers", "units", "charge",
                "diagnosis_codes", "place_of_service", "line_control", "revenue_code", "claim_type"]

_ALTERNATIVE_COMPONENTS = (">", ":", "^", "!", "|", "\\", "}", "{")


def _last_before(marks: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Index into ``marks`` of the last mark before each position (-1 if none)."""
    return np.searchsorted(marks, pos, side="right") - 1


def _at(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]`` where index may be -1 (or ``values`` empty): 0 (False) there."""
    if not len(values):
        return np.zeros(len(index), dtype=values.dtype)
    return values[np.maximum(index, 0)]


def _index(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]`` (indices themselves), -1 where index < 0 or ``values`` is empty."""
    if not len(values):
        return np.full(len(index), -1, dtype=np.int64)
    return np.where(index >= 0, values[np.maximum(index, 0)], -1)


#: Where each claim line field is read from in an 837 (837P / 837I), named in the messages about its values.
X12_ELEMENTS = {"claim_id": "CLM01", "line_no": "LX01", "patient_id": "NM109 of 2010CA/2010BA",
                "payer_id": "NM109 of 2010BB", "rendering_npi": "NM109 of 2420A/2310B/2010AA",
                "service_date": "DTP*472 DTP03", "submitted_date": "BHT04", "procedure_code": "SV101-2/SV202-2",
                "modifiers": "SV101-3..6/SV202-3..6", "units": "SV104/SV205", "charge": "SV102/SV203",
                "diagnosis_codes": "HI", "place_of_service": "SV105/CLM05-1"}


def _empty_lines() -> dict:
    out = {name: pa.array([], pa.string()) for name in LINE_COLUMNS}
    out["_file"] = np.zeros(0, dtype=np.int64)
    out["_row"] = np.zeros(0, dtype=np.int64)
    out["_frequency"], out["_claim_row"] = pa.array([], pa.string()), pa.array([], pa.int64())
    return out


class _Owners:
    """Each segment's owner: the last HL, CLM or LX at or before it, in the same transaction.

    Per mark (an HL, CLM or LX), its number among the segments of each kind (-1 for the
    other kinds) and its transaction are kept, each with a last entry that answers for
    segments that have no mark before them (index -1): no owner, and a transaction no
    segment has.
    """

    def __init__(self, segments: Segments, hl: np.ndarray, clm: np.ndarray, lx: np.ndarray, txn_seg: np.ndarray):
        kind_of = np.full(len(segments), -1, dtype=np.int8)
        kind_of[hl], kind_of[clm], kind_of[lx] = 0, 1, 2
        marks = np.flatnonzero(kind_of >= 0)
        kinds = kind_of[marks]
        self.of_kind = []
        for k, positions in enumerate((hl, clm, lx)):
            which = np.full(len(marks) + 1, -1, dtype=np.int64)
            which[:-1][kinds == k] = np.arange(len(positions))
            self.of_kind.append(which)
        self.mark_txn = np.append(txn_seg[marks], -2)
        self.last = running(marks, len(segments))
        self.txn_seg = txn_seg

    def txn(self, pos: np.ndarray) -> np.ndarray:
        return self.txn_seg[pos] if len(pos) else np.zeros(0, dtype=np.int64)

    def __call__(self, pos: np.ndarray, kind: int) -> np.ndarray:
        k = np.take(self.last, pos)
        return np.where(np.take(self.mark_txn, k) == self.txn(pos), np.take(self.of_kind[kind], k), -1)


def _transactions(segs: Segments, spans: Transactions) -> np.ndarray:
    """Each segment's transaction: the index of the last ST at or before it while that transaction
    lasts (to its SE, or to what ends it: :func:`._x837_envelope.transactions`); -1 outside any.

    Outside any transaction lie a file's envelope, the segments after a transaction's SE (or the GE
    that ended it) before the next ST, and every segment of a file without ST. Files that share
    separators are read as one run of segments: without that end, the segments a file holds
    before its first ST would fall into the previous file's last transaction, and how files were
    batched would decide what they mean.
    """
    txn = running(spans.st, len(segs))
    txn[spans.outside(len(segs))] = -1
    return txn


def read_segments(segs: Segments, labels: list[str]):
    """The claim lines of one run of segments, with what was set aside and warned about.

    Returns ``(lines, set_aside, warnings)``: :data:`LINE_COLUMNS` as Arrow text plus ``_file``
    (index into ``labels``) and ``_row`` (segment numbers) as numpy; each line set aside as
    ``(file, segment, reason, text)`` (:func:`._x837.read_837` sorts them by file and segment);
    each warning keyed by where it is reported (:func:`_order`), for :func:`._x837.read_837` to
    merge in order across runs.
    """
    comp = segs.separators.component
    st, hl, clm, lx = segs.where("ST"), segs.where("HL"), segs.where("CLM"), segs.where("LX")
    spans = transactions(segs)
    txn = _transactions(segs, spans)
    owner = _Owners(segs, hl, clm, lx, txn)
    txn_of = owner.txn
    warnings: list[tuple[int, tuple[str, int, str]]] = []
    set_aside: list[tuple[str, int, str, str]] = []
    lx, line_no = _service_lines(segs, owner, clm, lx, labels, set_aside, warnings)
    if line_no is not None:
        owner = _Owners(segs, hl, clm, lx, txn)

    st_kind = segs.fields(st)[1].to_pylist()
    guides = _guides(segs, st)
    unbilled = [_not_billed(guide) if kind == "837" else "" for kind, guide in zip(st_kind, guides)]
    why_not = [_not_837(kind) if kind != "837" else (
        f"transaction set aside: it is {what}, not a claim billed: only 837P and 837I claims are read" if what else "")
        for kind, what in zip(st_kind, unbilled)]
    not_837 = np.array([bool(why) for why in why_not], dtype=bool)
    for i in np.flatnonzero(not_837):
        warnings.append((_order(segs, st[i], 0), (labels[int(segs.files[st[i]])], int(segs.numbers[st[i]]),
                                                   why_not[i])))
    envelope_warnings(segs, spans, lambda rows, what: _warn_first_per_file(segs, rows, labels, warnings, what))
    if not len(lx):
        _warn_first_per_file(segs, clm, labels, warnings, _NO_SERVICE_LINE)
        return _empty_lines(), set_aside, warnings
    alt = _alternative_components(segs, comp, labels, warnings)

    # HL levels and the names held in each HL (before its first claim): NM1 rows per HL.
    hl_level = segs.of("HL").code(3)
    nm1 = segs.where("NM1")
    names = segs.of("NM1")
    entity = names.code(1)
    ids, shifted = name_ids(names)
    has_id = ~names.empty(9) | shifted
    if shifted.any():
        _warn_first_per_file(segs, nm1[shifted], labels, warnings,
                             NAME_SHIFTED.replace("{separator}", repr(segs.separators.element)))

    def id_at(index: np.ndarray) -> pa.Array:
        return names.text_at(9, index) if ids is None else _take_text(ids, index)
    nm1_hl = owner(nm1, 0)

    def per_hl(code: str) -> np.ndarray:
        return first_owned(nm1_hl, len(hl), entity == segment_code(code))

    billing_of_hl, subscriber_of_hl = per_hl("85"), per_hl("IL")
    payer_of_hl, patient_of_hl = per_hl("PR"), per_hl("QC")
    # Some 4010 files name the payer as the insurer (NM1*IN, the guide's examples of 1997-2000).
    payer_of_hl = np.where(payer_of_hl >= 0, payer_of_hl, per_hl("IN"))

    # Claims: which NM1 names each claim's patient, payer and billing provider.
    claims = segs.of("CLM")
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
    own_patient = _index(patient_of_hl, np.where(is_patient_hl, claim_hl, -1))
    own_named = (own_patient >= 0) & _at(has_id, own_patient).astype(bool)
    patient_of_claim = np.where(own_named, own_patient, _index(subscriber_of_hl, sub_hl))
    dependents = is_patient_hl & ~own_named & (own_patient >= 0)
    if dependents.any():
        person = np.where(own_patient >= 0, own_patient, patient_of_claim)
        shared = _ids_of_several_people(id_at(patient_of_claim), names.text_at(3, person),
                                        names.text_at(4, person), dependents)
        _warn_first_per_file(segs, clm[shared], labels, warnings, SHARED_PATIENT_ID)
    payer_of_claim = _index(payer_of_hl, sub_hl)
    billing_of_claim = _index(billing_of_hl, bill_hl)
    bht = segs.where("BHT")
    first_bht = first_owned(txn_of(bht), len(st))
    bht_of_claim = np.where(clm_txn >= 0, _at(first_bht, clm_txn), -1)

    # Claim-level rendering provider: an NM1*82 with an NPI after CLM, before any other-payer SBR.
    sbr = segs.where("SBR")
    nm1_clm = owner(nm1, 1)
    sbr_before = _last_before(sbr, nm1)
    in_2310 = (nm1_clm >= 0) & ((sbr_before < 0) | (_at(sbr, sbr_before) < _at(clm, nm1_clm)))
    rendering = (entity == segment_code("82")) & has_id
    rend_of_claim = first_owned(nm1_clm, len(clm), rendering & in_2310)
    rend_of_line = first_owned(owner(nm1, 2), len(lx), rendering)

    # Dates (DTP) of claims and lines: the DTP row giving each its date.
    dtp = segs.where("DTP")
    dates = segs.of("DTP")
    qual = dates.code(1)
    dated = ~dates.empty(3)
    dtp_clm, dtp_lx = owner(dtp, 1), owner(dtp, 2)
    claim_472 = first_owned(dtp_clm, len(clm), qual == segment_code("472"))
    claim_434 = first_owned(dtp_clm, len(clm), qual == segment_code("434"))
    date_of_claim = np.where((claim_472 >= 0) & _at(dated, claim_472).astype(bool), claim_472, claim_434)
    date_of_line = first_owned(dtp_lx, len(lx), qual == segment_code("472"))

    # Line control numbers (REF*6R) and diagnoses (HI).
    ref = segs.where("REF")
    refs = segs.of("REF")
    control_of_line = first_owned(owner(ref, 2), len(lx), refs.code(1) == segment_code("6R"))
    dx = diagnoses(segs, owner, len(clm), comp, alt)

    # Lines and their service segment.
    line_claim = _last_before(clm, lx)
    line_claim = np.where((line_claim >= 0) & (_at(clm_txn, line_claim) == txn_of(lx)), line_claim, -1)
    sv1, sv2, sv3 = segs.where("SV1"), segs.where("SV2"), segs.where("SV3")
    sv1_of = first_owned(owner(sv1, 2), len(lx))
    sv2_of = first_owned(owner(sv2, 2), len(lx))
    sv3_of = first_owned(owner(sv3, 2), len(lx))
    lx_txn = txn_of(lx)
    bad_txn = np.where(lx_txn >= 0, _at(not_837, lx_txn), True)
    prof, inst = sv1_of >= 0, (sv2_of >= 0) & (sv1_of < 0)
    reason = np.full(len(lx), "", dtype=object)
    reason[~prof & ~inst] = "an LX service line without SV1 (837P) or SV2 (837I)"
    reason[(sv3_of >= 0) & ~prof & ~inst] = "a dental service line (SV3, 837D): only 837P and 837I are read"
    cut_lines, cut_segments = lines_cut_short(segs, owner)
    for line, segment in zip(cut_lines, cut_segments):
        reason[line] = CUT_SHORT.format(segment=segment)
    reason[line_claim < 0] = "an LX service line outside any claim (no CLM before it)"
    reason[bad_txn] = "a service line of a transaction that is not an 837"
    for i in np.flatnonzero((lx_txn >= 0) & bad_txn):
        if unbilled[int(lx_txn[i])]:
            reason[i] = f"a service line of {unbilled[int(lx_txn[i])]}, not a claim billed"
    reason[lx_txn < 0] = OUTSIDE_TRANSACTION
    keep = reason == ""
    for i in np.flatnonzero(~keep):
        set_aside.append((labels[int(segs.files[lx[i]])], int(segs.numbers[lx[i]]), str(reason[i]),
                          segs.text(int(lx[i]))))
    lineless = np.ones(len(clm), dtype=bool)
    lineless[line_claim[line_claim >= 0]] = False
    _warn_first_per_file(segs, clm[lineless], labels, warnings, _NO_SERVICE_LINE)
    kept = np.flatnonzero(keep)
    place_in_claim = _order_in_group(line_claim)[keep]  # counted over every LX, kept or set aside
    line_claim, prof = line_claim[keep], prof[keep]
    files = segs.files[lx[keep]]

    svc = service_fields(segs, sv1_of[keep], sv2_of[keep], prof, comp, alt, files)
    own_rend = rend_of_line[keep]
    claim_rend = _index(rend_of_claim, line_claim)
    rend = np.where(own_rend >= 0, own_rend,
                    np.where(claim_rend >= 0, claim_rend, _index(billing_of_claim, line_claim)))
    own_date = date_of_line[keep]
    own_dated = (own_date >= 0) & _at(dated, own_date).astype(bool)
    date = to_iso(dates.text_at(3, np.where(own_dated, own_date, _index(date_of_claim, line_claim))))
    _warn_first_per_file(segs, lx[keep][pc.equal(svc["basis"], "MJ").to_numpy(zero_copy_only=False)], labels,
                         warnings, IN_MINUTES)
    pos = svc["pos"]
    facility = Parts(mend(claims[5], segs.files[clm], alt, comp), comp)
    if not pc.all(pc.not_equal(pos, "")).as_py():
        pos = pc.if_else(pc.equal(pos, ""), facility[0].take(pa.array(line_claim)), pos)
    diagnosis, dangling = line_diagnoses(svc["pointers"], prof, line_claim, dx, comp)
    _warn_first_per_file(segs, lx[keep][dangling], labels, warnings,
                         "{count} service line(s) point (SV107) to a diagnosis their claim's HI does not list, "
                         "this one first; those pointers are left out of diagnosis_codes (read)")
    line_numbers = segs.of("LX").text_at(1, kept) if line_no is None else line_no.take(pa.array(kept))
    line_numbers = _numbered_once(segs, line_numbers, line_claim, place_in_claim, lx[keep], labels, warnings)
    kind = pc.if_else(pa.array(prof), pa.scalar("837P"), pa.scalar("837I"))
    bht_dates = to_iso(segs.of("BHT")[4])
    submitted = _take_text(bht_dates, _index(bht_of_claim, line_claim))
    out = {
        "claim_id": claims.text_at(1, line_claim),
        "line_no": line_numbers,
        "patient_id": id_at(_index(patient_of_claim, line_claim)),
        "payer_id": id_at(_index(payer_of_claim, line_claim)),
        "rendering_npi": id_at(rend), "service_date": date,
        "submitted_date": submitted, "procedure_code": svc["code"],
        "modifiers": svc["modifiers"], "units": svc["units"], "charge": svc["charge"],
        "diagnosis_codes": diagnosis, "place_of_service": pos,
        "line_control": refs.text_at(2, control_of_line[keep]),
        "revenue_code": svc["revenue"], "claim_type": kind,
        "_file": files, "_row": segs.numbers[lx[keep]].astype(np.int64),
        "_frequency": facility[2].take(pa.array(line_claim)),
        "_claim_row": pa.array(segs.numbers[clm[line_claim]].astype(np.int64)),
    }
    out, usable = _without_revenue_only(segs, out, lx[keep], labels, set_aside)
    served = np.zeros(len(clm), dtype=bool)
    served[line_claim[usable]] = True
    in_837 = (clm_txn >= 0) & ~_at(not_837, clm_txn)
    _warn_first_per_file(segs, clm[~lineless & ~served & in_837], labels, warnings,
                         "{count} claim(s) whose every service line is set aside (see the lines set aside), "
                         "this one first: they give no claim line")
    return out, set_aside, warnings


#: Why a service line after a transaction's end (its SE, or the GE that ended it) and before the next ST, or in
#: a file without ST, is set aside: in the words of the 835 reader, which sets such segments aside.
OUTSIDE_TRANSACTION = f"a service line {OUTSIDE_ANY_TRANSACTION}"
#: Why an 837I line with a revenue code and no procedure code is set aside.
REVENUE_ONLY = ("an institutional line with a revenue code and no procedure code (SV202-2 blank): the audit's "
                "rules read procedure codes (HCPCS/CPT), so this line cannot be audited")
#: Why an NM1's id is read from its last element (:func:`._x837_values.name_ids`).
NAME_SHIFTED = ("{count} NM1 segment(s) with elements filled past NM109, this one first: a name holding the "
                "element separator {separator}? The id (patient, payer, provider) is read from its last "
                "element (read)")
#: What a line's units mean when the 837 gives them in minutes (anesthesia time).
IN_MINUTES = ("{count} service line(s) give their units in minutes (SV103 MJ: anesthesia time), this one "
              "first: units holds those minutes as written, and the audit reads them as units of service "
              "(units_over_mue; overpaid_rate's fee times units), so check such lines against the anesthesia "
              "record")
#: Why a dependent's lines may be taken for another patient's (:func:`_ids_of_several_people`).
SHARED_PATIENT_ID = ("{count} claim(s) of dependents (HL level 23) with no ID of their own in 2010CA NM109, this "
                     "one first: their patient_id is the subscriber's (2010BA NM109), which patients of other "
                     "names (NM103/NM104) share, so the audit cannot tell these patients apart: the same service "
                     "given to two of them on one day reads as a duplicate (duplicate_claim). The practice "
                     "system's export has a patient number of its own for each; import it to tell them apart")
_NO_SERVICE_LINE = ("{count} claim(s) with no service line (no SV1 or SV2 after the CLM), this one first: they "
                    "give no claim line (a file cut short?)")


def _ids_of_several_people(ids: pa.Array, last: pa.Array, first: pa.Array, dependents: np.ndarray) -> np.ndarray:
    """Which dependents' claims carry a patient_id that claims of a person of another name carry too.

    A 5010 837 sends a dependent (HL level 23) only when the patient has no member ID of their
    own, and then 2010CA has no NM109: the subscriber's ID stands for the patient, and for every
    dependent of that subscriber, and for the subscriber. Names (last, first; case and spaces
    aside) tell the people apart. ``ids``, ``last``, ``first``: per claim; ``dependents``: the
    claims of such patients. Returns a mask over the claims.
    """
    people = pd.DataFrame({"id": ids.to_numpy(zero_copy_only=False),
                           "name": pc.utf8_upper(pc.binary_join_element_wise(
                               pc.utf8_trim_whitespace(last), pc.utf8_trim_whitespace(first), "|")
                           ).to_numpy(zero_copy_only=False)})
    named = people["id"].to_numpy() != ""
    several = people[named].groupby("id", sort=False)["name"].transform("nunique").to_numpy() > 1
    shared = np.zeros(len(people), dtype=bool)
    shared[np.flatnonzero(named)[several]] = True
    return shared & dependents


def _without_revenue_only(segs: Segments, out: dict, lines: np.ndarray, labels, set_aside: list):
    """The claim lines read (``out``, opened by the segments ``lines``) without the 837I lines that give
    a revenue code and no procedure code (``SV2*0124**...``: room and board, most inpatient lines),
    which are set aside with their own reason (:data:`REVENUE_ONLY`): every audit rule reads a
    procedure code (fee schedules, NCCI pairs, MUEs), so such a line cannot be audited; and which
    of the lines read are kept."""
    revenue_only = pc.and_(pc.equal(out["procedure_code"], ""), pc.not_equal(out["revenue_code"], ""))
    revenue_only = revenue_only.to_numpy(zero_copy_only=False)
    kept = ~revenue_only
    if kept.all():
        return out, kept
    which = np.flatnonzero(revenue_only)
    taken = pa.array(which)
    described = zip(*(out[name].take(taken).to_pylist() for name in ("claim_id", "line_no", "revenue_code", "charge")))
    for i, (claim, line, revenue, charge) in zip(lines[which], described):
        set_aside.append((labels[int(segs.files[i])], int(segs.numbers[i]), REVENUE_ONLY,
                          f"claim {claim} line {line}: revenue code {revenue}, charge {charge}"))
    mask = pa.array(kept)
    return {name: values[kept] if isinstance(values, np.ndarray) else values.filter(mask)
            for name, values in out.items()}, kept


def _not_837(kind: str) -> str:
    """Why a transaction whose ST01 is ``kind`` is set aside, naming what it holds: a 999 or a 277
    kept beside the claims is not a broken 837, and an 835 belongs to ``--payments``."""
    if kind == "835":
        return ("transaction set aside: ST01 is '835' (835 remittances), not an 837 claim: give 835 files "
                "with --payments")
    named = TRANSACTION_NAMES.get(kind)
    return f"transaction set aside: ST01 is {kind!r}{f' ({named})' if named else ''}, not an 837 claim"


#: The 837 guides whose transactions are not claims billed for payment, and what each one is.
NOT_BILLED = {"X291": "a professional predetermination of benefits, an estimate asked before the service",
              "X292": "an institutional predetermination of benefits, an estimate asked before the service",
              "X298": "a post-adjudicated claims data report, a payer's report of claims it paid"}


def _guides(segs: Segments, st: np.ndarray) -> list[str]:
    """Each transaction's implementation guide: its ST03, else its group's GS08 (``005010X222A1``)."""
    gs = segs.where("GS")
    group = _last_before(gs, st)
    group = np.where(segs.files[_at(gs, group)] == segs.files[st], group, -1)  # a GS of the same file
    gs08 = segs.fields(gs).text_at(8, group).to_pylist() if len(gs) else [""] * len(st)
    return [own or of_group for own, of_group in zip(segs.fields(st)[3].to_pylist(), gs08)]


def _not_billed(guide: str) -> str:
    """What an 837 written to a guide of :data:`NOT_BILLED` is, naming the guide ("" for a claim):
    a predetermination or a payer's report holds no service billed, so it has nothing to audit."""
    named = next((what for code, what in NOT_BILLED.items() if code in guide.upper()), "")
    return f"{named} (ST03/GS08 {guide!r})" if named else ""


def _warn_first_per_file(segs: Segments, rows: np.ndarray, labels, warnings: list, what: str) -> None:
    """One warning per file, at the first of ``rows`` (segment positions) in it; ``what`` may hold
    ``{count}``, the file's number of such rows."""
    files, first, counts = np.unique(segs.files[rows], return_index=True, return_counts=True)
    for i, count in zip(rows[first], counts):
        warnings.append((_order(segs, i, 0), (labels[int(segs.files[i])], int(segs.numbers[i]),
                                              "warning: " + what.format(count=f"{count:,}"))))


def _service_lines(segs: Segments, owner: _Owners, clm: np.ndarray, lx: np.ndarray, labels,
                   set_aside: list, warnings: list) -> tuple[np.ndarray, pa.Array | None]:
    """The segments that open service lines, and their line numbers (None: every line is an LX).

    Some senders leave LX out. In a claim with no LX at all, each SV1, SV2 or SV3 opens a line
    numbered by its order in the claim (what LX01 would say: the guides number lines 1, 2, ...
    in order), and what follows it (DTP*472, REF*6R, NM1*82) is that line's; one warning per
    file says so. A service segment before the first LX of a claim that has LX cannot be given a
    number safely, so it is set aside with that reason.
    """
    service = np.sort(np.concatenate([segs.where(n) for n in ("SV1", "SV2", "SV3")]))
    in_claim = owner(service, 1) if len(service) else np.zeros(0, dtype=np.int64)
    direct = in_claim >= 0
    if not direct.any():
        return lx, None
    claim_of_lx = _last_before(clm, lx)
    has_lx = np.zeros(len(clm), dtype=bool)
    has_lx[claim_of_lx[claim_of_lx >= 0]] = True
    stray = direct & _at(has_lx, in_claim)
    for i in service[stray]:
        set_aside.append((labels[int(segs.files[i])], int(segs.numbers[i]),
                          "a service line before its claim's first LX (its line number is unknown)",
                          segs.text(int(i))))
    bare = direct & ~stray
    if not bare.any():
        return lx, None
    opens, claim_of = service[bare], in_claim[bare]
    ordinal = _order_in_group(claim_of)
    _warn_first_per_file(segs, opens, labels, warnings, "claims without LX segments: each service line "
                         "(SV1/SV2) is read as a claim line numbered by its order in its claim (read)")
    lines = np.sort(np.concatenate([lx, opens]))
    numbered = np.isin(lines, opens)
    numbers = np.zeros(len(lines), dtype=np.int64)
    numbers[numbered] = ordinal
    own = segs.of("LX").text_at(1, np.where(numbered, -1, np.searchsorted(lx, lines)))
    return lines, pc.if_else(pa.array(numbered), pa.array(numbers.astype(str)), own)


def _order_in_group(group: np.ndarray) -> np.ndarray:
    """Each item's place (1, 2, ...) among the run of equal ``group`` values it is in."""
    if not len(group):
        return np.zeros(0, dtype=np.int64)
    first = np.r_[True, group[1:] != group[:-1]]
    at = np.arange(len(group))
    return at - np.maximum.accumulate(np.where(first, at, 0)) + 1


def _numbered_once(segs: Segments, numbers: pa.Array, claim: np.ndarray, place: np.ndarray, opens: np.ndarray,
                   labels, warnings: list) -> pa.Array:
    """Line numbers with those of a claim that repeats one (every LX written ``LX*1``, as some
    systems do) replaced by each line's order in its claim (``place``, counted over all its LX,
    those set aside too), with one warning per file; the others as written. Read as written,
    the repeats would be set aside as lines already read.

    ``claim``: each line's claim (its lines are together, in order); ``opens``: each line's
    opening segment (for the warning's place).
    """
    if len(numbers) < 2:
        return numbers
    same_claim = claim[1:] == claim[:-1]
    digits = pc.all(pc.utf8_is_digit(numbers)).as_py() and pc.all(pc.less_equal(pc.utf8_length(numbers), 15)).as_py()
    if digits:
        values = pc.cast(numbers, pa.int64()).to_numpy(zero_copy_only=False)
        if not (same_claim & (values[1:] <= values[:-1])).any():
            return numbers  # increasing within every claim: none repeats
    codes = pc.dictionary_encode(numbers).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    key = claim.astype(np.int64) * (int(codes.max()) + 1) + codes
    order = np.argsort(key, kind="stable")
    repeated_key = key[order][1:] == key[order][:-1]
    if not repeated_key.any():
        return numbers
    bad_claims = np.unique(claim[order][1:][repeated_key])
    bad = np.isin(claim, bad_claims)
    starts = opens[bad & np.r_[True, ~same_claim]]
    _warn_first_per_file(segs, starts, labels, warnings,
                         "{count} claim(s) whose LX line numbers repeat (LX*1 on every line?), this one first: "
                         "their lines are numbered by their order in the claim (read)")
    return pc.if_else(pa.array(bad), pa.array(place.astype(str)), numbers)


def _order(segs: Segments, i: int, kind: int) -> tuple:
    """Where a warning about segment ``i`` is reported: its chunk, then the kind of message (0 for
    segments, then composites of SV1, SV2, HI), then its place."""
    return int(segs.chunks[i]), kind, int(segs.files[i]), int(segs.numbers[i])


def _take_text(values: pa.Array, index: np.ndarray) -> pa.Array:
    """``values[index]`` with ``""`` where index < 0."""
    if len(values) == 0:
        return pa.array([""] * len(index), pa.string())
    got = values.take(pa.array(np.where(index >= 0, index, 0)))
    return got if (index >= 0).all() else pc.if_else(pa.array(index >= 0), got, pa.scalar("", pa.string()))


def _alternative_components(segs: Segments, comp: str, labels, warnings) -> dict[int, str]:
    """Files whose composites use another character than ISA16 declares (read with it, warned)."""
    found: dict[int, str] = {}
    for kind, (name, j) in enumerate((("SV1", 1), ("SV2", 2), ("HI", 1)), start=1):
        rows = segs.where(name)
        if not len(rows):
            continue
        values = segs.of(name)[j]
        lacks = ~np.asarray(pc.match_substring(values, comp))
        if not lacks.any():
            continue
        for i in np.flatnonzero(lacks):
            value = values[int(i)].as_py()
            f = int(segs.files[rows[i]])
            if f in found:
                continue
            for ch in _ALTERNATIVE_COMPONENTS:
                if ch != segs.separators.element and len(value) > 3 and ch in value[1:4]:
                    found[f] = ch
                    warnings.append((_order(segs, rows[i], kind), (
                        labels[f], int(segs.numbers[rows[i]]),
                        f"warning: composites use {ch!r} although ISA16 declares {comp!r}; "
                        f"read with {ch!r} (e.g. {value!r})")))
                    break
    return found
