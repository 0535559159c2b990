"""The loops of an 835 read into columns: transactions, claims, service lines, CAS and PLB.

Each reader takes a located :class:`~._chunk.ChunkReader` and adds one
table's columns to ``r.out``: the header (BPR, TRN, DTM*405, N1 payer and
payee), claim payments (CLP with NM1*QC, DTM*232/233, REF*F8), service lines
(SVC with DTM*472/150/151, REF*6R, AMT*B6), CAS adjustments at claim or line
level, and PLB reason/amount pairs. :func:`add_totals` then checks the
balance of every line, claim and transaction (docs/sources.md §5.4).
:func:`read_chunk` runs the whole sequence.
"""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..x12 import AMOUNT_EXPECTED, QUANTITY_EXPECTED, Chunk, Elements, Splitter, empty_strings, parse_amounts, \
    parse_quantities, split_values
from ._chunk import GROUPS_5010, QUALIFIER, ChunkReader, fill, first_per_group
from ._envelope import walk_envelope

__all__ = ["read_chunk"]

#: A REF*6R control number is the line's line_no only when it can be a line number: LX01 (Assigned
#: Number) has one to six digits. Senders that number their lines' control numbers 1, 2, 3 get them
#: back as line numbers; an id of their own (``800941258001``, ``1234567``) is no line number.
LINE_NUMBER_DIGITS = 6

#: The qualifiers 005010X221A1 lists for SVC06-1, the billed procedure code's code list (HC: HCPCS and
#: CPT; NU: a revenue code; N4: an NDC; AD: ADA dental; ER: jurisdiction-specific; HP: HIPPS; IV: HIEC;
#: WK: ABC codes).
SUBMITTED_QUALIFIERS = ("HC", "NU", "N4", "AD", "ER", "HP", "IV", "WK")

#: The value reported for a misplaced segment (no element of it is wrong).
_NO_VALUE = ""


def read_chunk(chunk: Chunk) -> ChunkReader:
    """Read every transaction of ``chunk`` into per-level columns (see :class:`ChunkReader`)."""
    r = ChunkReader(chunk)
    walk_envelope(r)
    r.locate()
    read_transactions(r)
    read_claims(r)
    read_service_lines(r)
    read_adjustments(r)
    read_provider_adjustments(r)
    add_totals(r)
    return r


def read_transactions(r: ChunkReader) -> None:
    chunk, T = r.chunk, r.T
    # BPR: one per transaction, right after ST; the first in the header is read wherever it is.
    bpr = r.where("BPR")
    tb = r.txn_of(bpr)
    bpr, tb = bpr[tb >= 0], tb[tb >= 0]
    g, first = first_per_group(tb)
    # A 278 or 837 in the batch is set aside for its ST01 alone: no BPR or TRN is asked of it.
    st01 = pc.utf8_trim_whitespace(Elements.of(chunk, r.txn_start)[1])
    payment = np.asarray(pc.fill_null(pc.equal(st01, "835"), False), dtype=bool)
    for k in np.setdiff1d(np.flatnonzero(payment), g):
        r.flag(r.txn_start[k], "BPR", "", "a BPR financial information segment (without it "
               "the payment cannot be read)", "transaction")
    chosen = np.zeros(len(bpr), dtype=bool)
    chosen[first] = True
    for p in bpr[~chosen]:
        r.flag(p, "", "", "one BPR per transaction (this one is ignored)", "warning")
    bpr, tb = bpr[chosen], tb[chosen]
    for p in bpr[bpr != r.txn_start[tb] + 1]:
        r.flag(p, "", "", "BPR right after ST (it is read where it is)", "warning")
    el = Elements.of(chunk, bpr)
    cents, _ = r.amounts(bpr, el[2], "BPR02")
    signed = np.where(el.code(3) == QUALIFIER["D"], -cents, cents)
    pay_dates = r.dates(bpr, el, 16, "BPR16")
    ids = tb
    cols = {
        "bpr_amount_cents": fill(T, ids, signed, 0),
        "handling_code": fill(T, ids, el[1]),
        "credit_debit": fill(T, ids, el[3]),
        "payment_method": fill(T, ids, el[4]),
    }
    bpr_date = fill(T, ids, pay_dates, np.datetime64("NaT", "us"))
    # TRN, DTM*405, N1*PR / N1*PE: first in the header.
    trn = r.where("TRN")
    trn = trn[r.header_at(trn)]
    g, first = first_per_group(r.txn_of(trn))
    el = Elements.of(chunk, trn[first])
    cols["trace_number"] = fill(T, g, r.ids(trn[first], el[2], "TRN02", "a reassociation trace number"))
    cols["trace_payer_id"] = fill(T, g, r.ids(trn[first], el[3], "TRN03", "a payer identifier"))
    for k in np.setdiff1d(np.flatnonzero(payment), g):
        r.flag(r.txn_start[k], "TRN02", "", "a TRN reassociation trace number in "
               "the header (the trace number is left blank)", "warning")
    dtm = r.where("DTM")
    dtm_el = Elements.of(chunk, dtm)
    qualifier = dtm_el.code(1)
    dtm_dates = r.dates(dtm, dtm_el, 2, "DTM02")
    r.dtm = (dtm, qualifier, dtm_dates)
    head = np.flatnonzero(qualifier == QUALIFIER["405"])
    head = head[r.header_at(dtm[head])]
    g, first = first_per_group(r.txn_of(dtm[head]))
    production = fill(T, g, dtm_dates[head][first], np.datetime64("NaT", "us"))
    cols["payment_date"] = np.where(np.isnat(bpr_date), production, bpr_date)
    cols["production_date"] = production
    for k in np.flatnonzero(np.isnat(bpr_date) & ~np.isnat(production)):
        r.flag(r.txn_start[k] + 1, "BPR16", "", "a payment date in BPR16 "
               "(the DTM*405 production date is used instead)", "warning")
    for k in np.flatnonzero(np.isin(np.arange(T), ids) & np.isnat(cols["payment_date"])):
        r.flag(r.txn_start[k] + 1, "BPR16", "", "a payment date in BPR16 or a DTM*405 "
               "production date (there is neither: the deposit is undated, and cash_flow.csv "
               "lists it in a last row without a period)", "warning")
    n1 = r.where("N1")
    n1 = n1[r.header_at(n1)]
    el = Elements.of(chunk, n1)
    for who, prefix in (("PR", "payer"), ("PE", "payee")):
        mask = el.code(1) == QUALIFIER[who]
        g, first = first_per_group(r.txn_of(n1[mask]))
        sub = np.flatnonzero(mask)[first]
        cols[f"{prefix}_name"] = fill(T, g, el[2].take(pa.array(sub)))
        cols[f"{prefix}_id"] = fill(T, g, r.ids(n1[sub], el[4].take(pa.array(sub)), "N104",
                                                f"a {prefix} identifier"))
    cols["payer"] = cols.pop("payer_name")
    cols["payer_id"] = pc.if_else(pc.equal(cols["payer_id"], ""), cols.pop("trace_payer_id"),
                                  cols["payer_id"])
    cols["segment"] = r.txn_start
    cols["_cut_short"] = r.txn_cut  # for find_repeats: a complete copy is kept before one cut short
    r.out["transactions"] = cols


def read_claims(r: ChunkReader) -> None:
    chunk = r.chunk
    clp = r.clp_pos
    tx = r.txn_of(clp)
    late = r.after_plb(clp, tx)
    r.flag_mask(clp, late, "", _NO_VALUE,
                "PLB or SE after the PLB provider adjustments, not another CLP (the claim "
                "payment is read)", "warning")
    el = Elements.of(chunk, clp)
    claim_id = r.ids(clp, el[1], "CLP01", "a patient control number")
    status = r.ids(clp, el[2], "CLP02", "a claim status code")
    for j, value in ((1, claim_id), (2, status)):
        blank = np.asarray(pc.equal(value, ""))
        r.flag_mask(clp, blank, f"CLP0{j}", el[j],
                    "a patient control number" if j == 1 else "a claim status code",
                    "warning")
    charge, _, bad_charge = r.amounts(clp, el[3], "CLP03", full=True)
    paid, _, bad_paid = r.amounts(clp, el[4], "CLP04", full=True)
    resp, _ = r.amounts(clp, el[5], "CLP05", required=False)
    cols = {
        "_tx": tx,
        "claim_id": claim_id, "status_code": status,
        "charge_cents": charge, "paid_cents": paid, "patient_responsibility_cents": resp,
        "filing_indicator": el[6], "payer_claim_control": r.ids(clp, el[7], "CLP07", "a payer claim control number"),
        "_money_bad": bad_charge | bad_paid,
        "facility_code": el[8], "frequency_code": el[9],
        "segment": clp,
    }
    # NM1*QC patient; REF*F8 original reference; DTM*232/233 statement dates.
    n_claims = len(clp)
    nm1 = r.where("NM1")
    owner_all = r.claim_at(nm1)
    at_claim = (owner_all >= 0) & (r.line_at(nm1, owner_all) < 0)
    nm1, owner_all = nm1[at_claim], owner_all[at_claim]
    nel = Elements.of(chunk, nm1)
    qc = nel.code(1) == QUALIFIER["QC"]
    owner = owner_all[qc]
    g, first = first_per_group(owner)
    at = np.flatnonzero(qc)[first]
    sub = pa.array(at)
    cols["patient_last_name"] = fill(n_claims, g, nel[3].take(sub))
    cols["patient_first_name"] = fill(n_claims, g, nel[4].take(sub))
    cols["member_id"] = fill(n_claims, g, r.ids(nm1[at], nel[9].take(sub), "NM109", "a member identifier"))
    dtm, qual, dtm_dates = r.dtm
    r.dtm_claim = r.claim_at(dtm)
    r.dtm_line = r.line_at(dtm, r.dtm_claim)
    claim_dtm = (r.dtm_claim >= 0) & (r.dtm_line < 0)
    for code, name in (("232", "statement_from"), ("233", "statement_to")):
        mask = claim_dtm & (qual == QUALIFIER[code])
        g, first = first_per_group(r.dtm_claim[mask])
        cols[name] = fill(n_claims, g, dtm_dates[mask][first], np.datetime64("NaT", "us"))
    ref = r.where("REF")
    rel = Elements.of(chunk, ref)
    ref_claim = r.claim_at(ref)
    ref_line = r.line_at(ref, ref_claim)
    ref_qual = rel.code(1)
    r.ref = (ref, rel, ref_line, ref_qual)
    mask = (ref_claim >= 0) & (ref_line < 0) & (ref_qual == QUALIFIER["F8"])
    owner = ref_claim[mask]
    g, first = first_per_group(owner)
    cols["original_reference"] = fill(n_claims, g, r.ids(ref[mask][first], rel[2].filter(pa.array(mask)).take(
        pa.array(first)), "REF02", "an original reference number (REF*F8)"))
    # Claim-level remark codes: MOA03-07 (outpatient), MIA05 and MIA20-24 (inpatient).
    moa, mia = r.where("MOA"), r.where("MIA")
    moa_claim, mia_claim = r.claim_at(moa), r.claim_at(mia)
    moa_ok = (moa_claim >= 0) & (r.line_at(moa, moa_claim) < 0)
    mia_ok = (mia_claim >= 0) & (r.line_at(mia, mia_claim) < 0)
    moa, moa_claim, mia, mia_claim = moa[moa_ok], moa_claim[moa_ok], mia[mia_ok], mia_claim[mia_ok]
    mel, iel = Elements.of(chunk, moa), Elements.of(chunk, mia)
    cols["claim_remark_codes"] = _joined(
        n_claims, [(moa_claim, mel[j]) for j in range(3, 8)]
        + [(mia_claim, iel[j]) for j in (5, 20, 21, 22, 23, 24)])
    g, first = first_per_group(mia_claim)
    cols["covered_days"] = fill(n_claims, g, iel[1].take(pa.array(first)))
    r.out["payments"] = cols


def _joined(n: int, parts: list[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """Per owner (0..n-1), the non-blank values of ``parts`` joined with ``;``, in order."""
    owners, values = [], []
    for owner, column in parts:
        owners.append(owner)
        values.extend(column.to_pylist())
    if not values:
        return empty_strings(n)
    owner = np.concatenate(owners)
    out = [""] * n
    for o, v in zip(owner.tolist(), values):
        v = v.strip()
        if v:
            out[o] = f"{out[o]};{v}" if out[o] else v
    return pa.array(out, pa.large_string())


def read_service_lines(r: ChunkReader) -> None:
    chunk, sep = r.chunk, r.chunk.separators
    svc = r.svc_all
    orphan = r.svc_line < 0
    r.flag_mask(svc, orphan, "", _NO_VALUE,
                "a CLP claim payment before SVC (a service line belongs to a claim; this "
                "one is ignored)", "warning")
    late = r.after_plb(svc) & ~orphan
    r.flag_mask(svc, late, "", _NO_VALUE,
                "PLB or SE after the PLB provider adjustments, not SVC (the line is read)",
                "warning")
    svc = svc[~orphan]
    el = Elements.of(chunk, svc)
    qualifier, code, modifiers = _procedure(r, svc, el[1])
    charge, _, bad_charge = r.amounts(svc, el[2], "SVC02", scope="warning", full=True)
    paid, _, bad_paid = r.amounts(svc, el[3], "SVC03", scope="warning", full=True)
    units, units_blank, units_bad = parse_quantities(el[5])
    r.flag_mask(svc, units_bad, "SVC05", el[5], QUANTITY_EXPECTED + " (the units are left "
                "blank)", "warning")
    no_code = np.asarray(pc.equal(code, ""))
    r.flag_mask(svc, no_code, "SVC01", el[1],
                f"a qualifier and a procedure code (e.g. HC{sep.component}99213)",
                "warning")
    r.flag_mask(svc, np.asarray(pc.equal(qualifier, "")) & ~no_code, "SVC01", el[1],
                f"a qualifier before the procedure code (e.g. HC{sep.component}99213: HC for a CPT or HCPCS "
                "code, NU for a revenue code; the code is read without one)", "warning")
    submitted_qualifier, submitted_code, submitted_mods = _submitted(r, svc, el[6])
    tx = r.txn_of(svc)
    claim_of = r.claim_at(svc, tx)
    rank = np.arange(len(svc)) - np.searchsorted(claim_of, claim_of, side="left")
    cols = {
        "_tx": tx, "_claim": claim_of, "line_seq": rank + 1,
        "procedure_qualifier": qualifier, "procedure_code": code, "modifiers": modifiers,
        "submitted_procedure_qualifier": submitted_qualifier,
        "submitted_procedure_code": submitted_code, "submitted_modifiers": submitted_mods,
        "revenue_code": el[4], "charge_cents": charge, "paid_cents": paid,
        "units": np.where(units_blank | units_bad, 1.0, units),
        "_money_bad": bad_charge | bad_paid,
        "segment": svc,
    }
    L = len(svc)
    dtm, qual, dtm_dates = r.dtm
    line_dtm = r.dtm_line >= 0
    for code, name in (("472", "service_date"), ("150", "service_start"),
                       ("151", "service_end")):
        mask = line_dtm & (qual == QUALIFIER[code])
        g, first = first_per_group(r.dtm_line[mask])
        cols[name] = fill(L, g, dtm_dates[mask][first], np.datetime64("NaT", "us"))
    start = cols.pop("service_start")
    cols["service_date"] = np.where(np.isnat(cols["service_date"]), start,
                                    cols["service_date"])
    cols["service_end_date"] = cols.pop("service_end")
    ref, rel, ref_line, ref_qual = r.ref
    mask = (ref_line >= 0) & (ref_qual == QUALIFIER["6R"])
    owner = ref_line[mask]
    g, first = first_per_group(owner)
    control = fill(L, g, r.ids(ref[mask][first], rel[2].filter(pa.array(mask)).take(pa.array(first)), "REF02",
                               "a line item control number (REF*6R)"))
    cols["line_control"] = control
    numeric = np.asarray(pc.and_(pc.utf8_is_digit(control), pc.less_equal(
        pc.binary_length(control), LINE_NUMBER_DIGITS)))
    cols["line_no"] = pc.cast(pc.if_else(pa.array(numeric), control, pa.scalar(
        "0", pa.large_string())), pa.int64()).to_numpy()
    cols["_line_no_present"] = numeric
    amt = r.where("AMT")
    amt_line = r.line_at(amt)
    amt, amt_line = amt[amt_line >= 0], amt_line[amt_line >= 0]
    ael = Elements.of(chunk, amt)
    mask = ael.code(1) == QUALIFIER["B6"]
    owner = amt_line[mask]
    g, first = first_per_group(owner)
    allowed_text = ael[2].filter(pa.array(mask)).take(pa.array(first))
    allowed, blank, invalid = parse_amounts(allowed_text)
    r.flag_mask(amt[mask][first], invalid, "AMT02", allowed_text,
                AMOUNT_EXPECTED + " (the allowed amount is left blank)", "warning")
    present = np.zeros(L, dtype=bool)
    present[g] = ~(blank | invalid)
    cols["allowed_cents"] = fill(L, g, allowed, 0)
    lq = r.where("LQ")
    lq_line = r.line_at(lq)
    lq, lq_line = lq[lq_line >= 0], lq_line[lq_line >= 0]
    lel = Elements.of(chunk, lq)
    rarc = np.asarray(pc.equal(lel[1], "HE"))
    cols["remark_codes"] = _joined(L, [(lq_line[rarc], lel[2].filter(pa.array(rarc)))])
    cols["_allowed_present"] = present
    r.out["service_lines"] = cols


#: Components X12 defines in the SVC01 and SVC06 procedure composite (C003).
_COMPOSITE_COMPONENTS = 8


def _procedure(r: ChunkReader, positions: np.ndarray, values: pa.Array,
               element: str = "SVC01") -> tuple[pa.Array, pa.Array, pa.Array]:
    """(qualifier, procedure code, modifiers joined with ``;``) of SVC01 or SVC06 composites, read
    alike: the composite mended as :func:`_composite` mends it, then split on ISA16 (the modifiers
    are components 3 to 6; the description and product/service id, 7 and 8, are not kept). Components
    after the eighth, which X12 does not define, are ignored with a warning."""
    separator = r.chunk.separators.component
    split = Splitter.of_array(_composite(r, positions, values, element), separator)
    if (split.count >= _COMPOSITE_COMPONENTS).any():
        beyond = pc.replace_substring(split.element(_COMPOSITE_COMPONENTS, rest=True), separator, "")
        r.flag_mask(positions, np.asarray(pc.not_equal(beyond, "")), element, values,
                    f"at most {_COMPOSITE_COMPONENTS} components in {element} (qualifier, procedure code, four "
                    "modifiers, description, product/service id: the components after them are ignored)", "warning")
    comp = [split.element(j) for j in range(6)]
    mods = comp[2]
    semicolon = pa.scalar(";", pa.large_string())
    for extra in comp[3:6]:
        more = pc.not_equal(extra, "")
        if pc.any(more).as_py():
            joined = pc.binary_join_element_wise(mods, extra, semicolon)
            mods = pc.if_else(more, pc.utf8_ltrim(joined, ";"), mods)
    return comp[0], comp[1], mods


def _submitted(r: ChunkReader, svc: np.ndarray,
               values: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """The qualifier, procedure code and modifiers as billed (SVC06), blank where the SVC has none.

    A payer that adjudicated another code than the one billed (a downcode, a
    bundled code) puts its own in SVC01 and the billed one in SVC06
    (005010X221A1): matching a payment to the claim line billed needs the
    billed one. An SVC06 without a code after its qualifier is read as none,
    with a warning; one with a qualifier X12 does not list for it is read as
    sent, with a warning. The qualifier is kept because it may differ from
    SVC01's (a revenue code, ``NU``, billed for a HCPCS code paid).
    """
    sep = r.chunk.separators
    sent = np.flatnonzero(np.asarray(pc.not_equal(values, "")))
    if not len(sent):   # most remittances: nothing more to read
        return empty_strings(len(svc)), empty_strings(len(svc)), empty_strings(len(svc))
    qualifier = np.full(len(svc), "", dtype=object)
    code = np.full(len(svc), "", dtype=object)
    mods = np.full(len(svc), "", dtype=object)
    at, text = svc[sent], values.take(pa.array(sent))
    billed_qualifier, billed_code, billed_mods = _procedure(r, at, text, "SVC06")
    no_code = np.asarray(pc.equal(billed_code, ""))
    r.flag_mask(at, no_code, "SVC06", text,
                f"a qualifier and the procedure code as billed, e.g. HC{sep.component}99215 (the "
                "submitted code is left blank)", "warning")
    odd = ~no_code & ~np.asarray(pc.is_in(billed_qualifier, pa.array(SUBMITTED_QUALIFIERS)))
    r.flag_mask(at, odd, "SVC06", text,
                f"a qualifier {', '.join(SUBMITTED_QUALIFIERS)} before the procedure code as billed "
                "(the billed code is read as sent)", "warning")
    for column, billed in ((qualifier, billed_qualifier), (code, billed_code), (mods, billed_mods)):
        column[sent] = np.where(no_code, "", np.asarray(billed.to_pylist(), dtype=object))
    return tuple(pa.array(v, pa.large_string()) for v in (qualifier, code, mods))


def _composite(r: ChunkReader, positions: np.ndarray, values: pa.Array,
               element: str | list[str] = "SVC01", components: int | None = None) -> pa.Array:
    """SVC01, SVC06 or PLB03/05/... text (``element``: their name, or each one's); a composite written with
    another separator than ISA16 is mended: all of them, or the first ``components`` - 1 (a PLB's reason and
    reference: ``WO:ICN:0001`` under ISA16 ``>`` is WO and ``ICN:0001``, as ``WO>ICN:0001`` is)."""
    sep = r.chunk.separators
    if len(values) == 0:
        return values
    has_comp = np.asarray(pc.match_substring(values, sep.component))
    if has_comp.all():
        return values
    odd = np.asarray(pc.match_substring_regex(values, r"^[A-Z0-9]{2}[^A-Za-z0-9 ]")) & ~has_comp
    if not odd.any():
        return values
    texts = values.to_pylist()
    seen = set()
    for i in np.flatnonzero(odd):
        ch = texts[i][2]
        if ch in sep.characters():
            continue
        texts[i] = texts[i].replace(ch, sep.component, -1 if components is None else components - 1)
        key = (int(r.chunk.files[positions[i]]), ch)
        if key not in seen:
            seen.add(key)
            r.flag(positions[i], element if isinstance(element, str) else element[i], values[int(i)].as_py(),
                   f"components separated by ISA16 {sep.component!r}; read with "
                   f"{ch!r}, which this file uses instead", "warning")
    return pa.array(texts, pa.large_string())


def read_adjustments(r: ChunkReader) -> None:
    chunk = r.chunk
    cas = r.where("CAS")
    tx = r.txn_of(cas)
    cas, tx = cas[tx >= 0], tx[tx >= 0]
    claim = r.claim_at(cas, tx)
    orphan = claim < 0
    r.flag_mask(cas, orphan, "", _NO_VALUE,
                "a CLP or SVC before CAS (an adjustment belongs to a claim or a line; this "
                "one is ignored)", "warning")
    late = r.after_plb(cas, tx) & ~orphan
    r.flag_mask(cas, late, "", _NO_VALUE,
                "PLB or SE after the PLB provider adjustments, not CAS (the adjustment is "
                "read)", "warning")
    cas, tx, claim = cas[~orphan], tx[~orphan], claim[~orphan]
    el = Elements.of(chunk, cas)
    group = el[1]
    r.flag_mask(cas, np.asarray(pc.equal(group, "")), "CAS01", group,
                "a group code (CO, PR, OA or PI)", "warning")
    known = np.asarray(pc.is_in(group, pa.array(list(GROUPS_5010) + ["CR"])))
    r.flag_mask(cas, ~known & ~np.asarray(pc.equal(group, "")), "CAS01", group,
                "a group code CO, PR, OA or PI", "warning")
    is_cr = np.asarray(pc.equal(group, "CR"))
    if is_cr.any():
        v5010 = np.array([str(v).startswith("005010") for v in r.txn_meta["version"]],
                         dtype=bool)
        r.flag_mask(cas, is_cr & v5010[tx], "CAS01", group,
                    "CO, PR, OA or PI: 5010 removed CR; a reversal repeats the original "
                    "group codes (kept as CR)", "warning")
    line = r.line_at(cas, claim)
    rows, _, (reason, _, quantity), cents, bad = _element_groups(r, cas, 2, 3, "CAS", "warning",
                                                              el)
    if len(rows) == len(cas) and (len(rows) == 0 or rows[-1] == len(rows) - 1):
        # One reason/amount group per CAS, in order (rows is 0, 1, 2...): nothing to repeat.
        group_code = group
    else:
        tx, claim, line, cas = tx[rows], claim[rows], line[rows], cas[rows]
        group_code = group.take(pa.array(rows))
    r.out["adjustments"] = {
        "_money_bad": bad,
        "_tx": tx,
        "_claim": claim,
        "_line": line,
        "group_code": group_code,
        "reason_code": reason,
        "amount_cents": cents,
        "quantity": quantity,
        "segment": cas,
    }


#: Reason/amount groups X12 allows in one CAS or PLB segment.
_GROUPS_ALLOWED = 6


def _element_groups(r: ChunkReader, positions: np.ndarray, first: int, width: int, label: str,
                    scope: str, elements: Elements | None = None):
    """Read repeated element groups: CAS reason/amount/quantity, PLB reason/amount.

    Group *k* (0, 1, ...) starts at element ``first + width * k``; its first
    element is the reason, its second the amount. Later groups are read only
    from segments long enough to hold them. X12 allows six groups in a
    segment; a writer that puts more in one still sends that money, so they
    are read too, with a warning on the seventh. Problems are flagged with
    ``scope`` (``transaction`` for PLB money, ``warning`` for CAS). ``elements``, the
    caller's :class:`Elements` of ``positions`` if it has them, serve the first group.

    Returns
    -------
    rows : numpy.ndarray
        Index into ``positions`` of each group found, in segment then group order.
    groups : numpy.ndarray
        Which group of its segment each is (0 for the first).
    values : list of pyarrow arrays
        The group's elements, one array each.
    cents : numpy.ndarray of int64
        The amounts.
    bad : numpy.ndarray of bool
        Amounts that could not be read (0 in ``cents``).
    """
    count = r.chunk.splitter.count[positions]
    found_rows, found_k, found_cents, found_bad = [], [], [], []
    found_values: list[list[pa.Array]] = [[] for _ in range(width)]
    for k in itertools.count():
        j = first + width * k
        rows = np.arange(len(positions)) if k == 0 else np.flatnonzero(count >= j)
        if k and not len(rows):
            break
        sub = elements if k == 0 and elements is not None else Elements.of(r.chunk,
                                                                            positions[rows])
        values = [sub[j + i] for i in range(width)]
        if k == _GROUPS_ALLOWED:
            r.flag_mask(positions[rows], np.ones(len(rows), dtype=bool), f"{label}{j:02d}",
                        values[0], f"at most six reason/amount groups in one {label} segment, "
                        "as X12 allows (the groups after the sixth are read too)", "warning")
        has_reason = ~np.asarray(pc.equal(values[0], ""))
        has_amount = ~np.asarray(pc.equal(values[1], ""))
        if k == 0:
            r.flag_mask(positions, ~has_reason, f"{label}{j:02d}", values[0],
                        "an adjustment reason code", scope)
            keep = np.ones(len(rows), dtype=bool)
        else:
            r.flag_mask(positions[rows], has_amount & ~has_reason, f"{label}{j:02d}",
                        values[1], "a reason code before the amount", scope)
            keep = has_reason | has_amount
        if not keep.all():
            rows = rows[keep]
            values = [v.filter(pa.array(keep)) for v in values]
        cents, _, bad = r.amounts(positions[rows], values[1], f"{label}{j + 1:02d}",
                                  scope=scope, full=True)
        found_rows.append(rows)
        found_k.append(np.full(len(rows), k))
        found_cents.append(cents)
        found_bad.append(bad)
        for i, v in enumerate(values):
            found_values[i].append(v)
    rows = np.concatenate(found_rows)
    if len(found_rows) == 1:   # one group per segment: already in order
        return rows, found_k[0], [v[0] for v in found_values], found_cents[0], found_bad[0]
    groups = np.concatenate(found_k)
    order = np.lexsort((groups, rows))
    take = pa.array(order)
    values = [pa.concat_arrays(v).take(take) for v in found_values]
    return (rows[order], groups[order], values, np.concatenate(found_cents)[order],
            np.concatenate(found_bad)[order])


def read_provider_adjustments(r: ChunkReader) -> None:
    comp = r.chunk.separators.component
    plb = r.plb_pos
    tx = r.txn_of(plb)
    el = Elements.of(r.chunk, plb)
    dates = r.dates(plb, el, 2, "PLB02")
    rows, groups, (composite, _), cents, _ = _element_groups(r, plb, 3, 2, "PLB", "transaction")
    element = [f"PLB{3 + 2 * k:02d}" for k in groups.tolist()]
    # WO:ICN in a file whose ISA16 is '>' is still a WO offset of that claim, not a code 'WO:ICN'.
    reason, reference = split_values(_composite(r, plb[rows], composite, element, components=2), comp, 2)
    reason = r.ids(plb[rows], reason, [f"{e}-1" for e in element], "an adjustment reason code")
    reference = r.ids(plb[rows], reference, [f"{e}-2" for e in element], "a reference identifier")
    r.out["provider_adjustments"] = {
        "_tx": tx[rows],
        "reason_code": reason,
        "reference": reference,
        "amount_cents": cents,
        "provider_id": r.ids(plb[rows], el[1].take(pa.array(rows)), "PLB01", "a provider identifier"),
        "fiscal_period_date": dates[rows],
        "segment": plb[rows],
    }


def add_totals(r: ChunkReader) -> None:
    T = r.T
    pay, lines = r.out["payments"], r.out["service_lines"]
    adj, plb = r.out["adjustments"], r.out["provider_adjustments"]
    n_claims, n_lines = len(pay["segment"]), len(lines["segment"])
    line_adj = np.zeros(n_lines, dtype=np.int64)
    at_line = adj["_line"] >= 0
    np.add.at(line_adj, adj["_line"][at_line], adj["amount_cents"][at_line])
    claim_adj = np.zeros(n_claims, dtype=np.int64)
    np.add.at(claim_adj, adj["_claim"][~at_line], adj["amount_cents"][~at_line])
    claim_line_adj = np.zeros(n_claims, dtype=np.int64)
    np.add.at(claim_line_adj, lines["_claim"], line_adj)
    line_count = np.bincount(lines["_claim"], minlength=n_claims)
    # An amount that could not be read (read as 0) keeps its line and claim from balancing.
    adj_bad = adj.pop("_money_bad")
    line_bad = lines.pop("_money_bad").copy()
    line_bad[adj["_line"][at_line & adj_bad]] = True
    claim_bad = pay.pop("_money_bad").copy()
    claim_bad[adj["_claim"][adj_bad]] = True
    line_ok = (lines["charge_cents"] - line_adj == lines["paid_cents"]) & ~line_bad
    bad_lines = np.bincount(lines["_claim"][~line_ok], minlength=n_claims)
    lines["adjustment_total_cents"] = line_adj
    lines["balanced"] = line_ok
    pay["claim_adjustment_total_cents"] = claim_adj
    pay["line_adjustment_total_cents"] = claim_line_adj
    pay["service_lines"] = line_count
    pay["balanced"] = ((pay["charge_cents"] - claim_adj - claim_line_adj == pay["paid_cents"])
                       & ~claim_bad)
    pay["unbalanced_lines"] = bad_lines
    tr = r.out["transactions"]
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
    for k, v in r.txn_meta.items():
        tr[k] = v
