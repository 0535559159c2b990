"""835 segments as text pieces with sort keys: joined in key order, they make the files.

Each ``*_pieces`` function adds the segments of one kind (header, claims,
service lines, CAS, PLB, trailer, envelope) for every transaction at once;
:class:`Pieces` sorts them by file, transaction, section, claim, line and
kind, and :func:`split_files` cuts the joined text into files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..x12 import Separators
from ._write_input import RemitWriteError, Tables
from ._x12text import LS, amount_text, as_text, date_text, join_text, segment_text, units_text

__all__ = ["WriteOptions", "Pieces", "header_pieces", "claim_pieces", "line_pieces",
           "cas_pieces", "plb_pieces", "trailer_pieces", "envelope_pieces", "split_files"]

_VERSION = "005010X221A1"
_BIG = np.int64(2**62)


@dataclass(frozen=True)
class WriteOptions:
    """Layout of the written file.

    Parameters
    ----------
    separators : Separators, default ``*``, ``:``, ``~`` and ``^``
        Element, component, segment terminator and repetition separator
        (ISA11); four different characters.
    newline : bool, default True
        Put a line break after each segment terminator (ignored when the
        terminator is itself a line break).
    """

    separators: Separators = Separators("*", ":", "~", "^")
    newline: bool = True

    def __post_init__(self) -> None:
        s = self.separators
        chars = [s.element, s.component, s.segment, s.repetition or ""]
        if any(len(c) != 1 for c in chars) or len(set(chars)) != 4:
            raise RemitWriteError(
                f"separators must be four different single characters; got element "
                f"{s.element!r}, component {s.component!r}, segment {s.segment!r}, "
                f"repetition {s.repetition!r}")
        if any(c.isalnum() or c == " " for c in chars):
            raise RemitWriteError("separators may not be letters, digits or spaces")

    @property
    def end(self) -> str:
        term = self.separators.segment
        return term + ("\n" if self.newline and term not in "\r\n" else "")


class Pieces:
    """Text pieces with sort keys; joined in key order they make the files."""

    def __init__(self):
        self.keys: list[list[np.ndarray]] = []
        self.texts: list[pa.Array] = []
        self.ends: list[np.ndarray] = []

    def add(self, text: pa.Array, file, tx, sec, c, l, kind, sub=0, ends=True) -> None:
        n = len(text)
        if n == 0:
            return

        def full(v):
            return np.broadcast_to(np.asarray(v, dtype=np.int64), (n,))

        self.keys.append([full(file), full(tx), full(sec), full(c), full(l), full(kind),
                          full(sub)])
        self.texts.append(text)
        self.ends.append(np.broadcast_to(np.asarray(ends, dtype=bool), (n,)))

    def assemble(self) -> tuple[pa.Array, np.ndarray]:
        keys = [np.concatenate([k[i] for k in self.keys]) for i in range(7)]
        order = np.lexsort(tuple(reversed(keys)))
        text = pa.concat_arrays([t.cast(LS) for t in self.texts]).take(pa.array(order))
        return text, keys[0][order]


def header_pieces(pieces: Pieces, t: Tables, options: WriteOptions) -> None:
    """ST, BPR (amount computed), TRN, DTM*405, payer and payee loops, LX."""
    E, end = options.separators.element, options.end
    tr, f_tx = t.tr, t.f_tx
    T = len(tr)
    paid_per_tx = np.zeros(T, np.int64)
    np.add.at(paid_per_tx, t.pay_tx, t.pay["paid_cents"].to_numpy(dtype=np.int64))
    plb_per_tx = np.zeros(T, np.int64)
    np.add.at(plb_per_tx, t.plb_tx, t.plb["amount_cents"].to_numpy(dtype=np.int64))
    bpr_amount = paid_per_tx - plb_per_tx
    controls = tr["transaction_control"].astype("str").to_numpy(dtype=object)
    rank_in_file = pd.Series(f_tx).groupby(f_tx).cumcount().to_numpy() + 1
    controls = np.where(controls == "", np.char.zfill(rank_in_file.astype(str), 4), controls)
    t.controls = as_text(controls)
    pay_date = date_text(pd.to_datetime(tr["payment_date"]).to_numpy())
    tx_ids = np.arange(T)
    pieces.add(join_text("ST", E, "835", E, t.controls, end), f_tx, tx_ids, 0, 0, 0, 0)
    method = as_text(tr["payment_method"].str.upper())
    zero = pa.array(bpr_amount == 0)
    method = pc.if_else(zero, pa.scalar("NON", LS), method)
    handling = pc.if_else(zero, pa.scalar("H", LS), pc.if_else(
        pc.equal(method, "ACH"), pa.scalar("C", LS), pa.scalar("I", LS)))
    payer_id = as_text(tr["payer_id"])
    bank = pc.if_else(pc.equal(method, "ACH"), join_text(
        "CCP", E, "01", E, "999999992", E, "DA", E, "123456", E, payer_id, E, E, "01", E,
        "999988880", E, "DA", E, "98765"), pa.scalar(E * 10, LS))
    pieces.add(join_text("BPR", E, handling, E, amount_text(bpr_amount), E, "C", E, method, E, bank,
                         E, pay_date, end), f_tx, tx_ids, 0, 0, 0, 1)
    pieces.add(join_text("TRN", E, "1", E, as_text(tr["trace_number"]), E, payer_id, end),
               f_tx, tx_ids, 0, 0, 0, 2)
    pieces.add(join_text("DTM", E, "405", E, pay_date, end), f_tx, tx_ids, 0, 0, 0, 3)
    pieces.add(join_text("N1", E, "PR", E, as_text(tr["payer"]), end), f_tx, tx_ids, 0, 0, 0, 4)
    pieces.add(join_text("N3", E, as_text(tr["payer_address"]), end), f_tx, tx_ids, 0, 0, 0, 5)
    pieces.add(join_text("N4", E, as_text(tr["payer_city"]), E, as_text(tr["payer_state"]), E,
                         as_text(tr["payer_zip"]), end), f_tx, tx_ids, 0, 0, 0, 6)
    pieces.add(join_text("PER", E, "BL", E, as_text(tr["payer_contact"]), E, "TE", E,
                         as_text(tr["payer_phone"]), end), f_tx, tx_ids, 0, 0, 0, 7)
    pieces.add(join_text("N1", E, "PE", E, as_text(tr["payee_name"]), E, "XX", E,
                         as_text(tr["payee_id"]), end), f_tx, tx_ids, 0, 0, 0, 8)
    lx = np.flatnonzero(np.bincount(t.pay_tx, minlength=T) > 0)
    pieces.add(pa.array([f"LX{E}1{end}"] * len(lx), LS), f_tx[lx], lx, 0, 0, 0, 9)


def claim_pieces(pieces: Pieces, t: Tables, options: WriteOptions) -> None:
    """CLP and NM1*QC of each claim payment (claim-level CAS come from _cas_pieces)."""
    E, end = options.separators.element, options.end
    pay = t.pay
    pf = t.f_tx[t.pay_tx]
    resp = pay["patient_responsibility_cents"].to_numpy(dtype=np.int64)
    resp_text = pc.if_else(pa.array(resp == 0), pa.scalar("", LS), amount_text(resp))
    clp = segment_text(E, "CLP", as_text(pay["claim_id"]), as_text(pay["status_code"]),
                       amount_text(pay["charge_cents"]), amount_text(pay["paid_cents"]), resp_text,
                       as_text(pay["filing_indicator"]), as_text(pay["payer_claim_control"]),
                       as_text(pay["facility_code"]), as_text(pay["frequency_code"]))
    pieces.add(join_text(clp, end), pf, t.pay_tx, 1, t.c_seq, 0, 0)
    member = as_text(pay["member_id"])
    nm1 = segment_text(E, "NM1", "QC", "1", as_text(pay["patient_last_name"]),
                       as_text(pay["patient_first_name"]), "", "", "",
                       pc.if_else(pc.equal(member, ""), pa.scalar("", LS), pa.scalar("MI", LS)),
                       member)
    pieces.add(join_text(nm1, end), pf, t.pay_tx, 1, t.c_seq, 0, 2)
    _claim_remarks(pieces, t, E, end, pf)


def _claim_remarks(pieces: Pieces, t: Tables, E: str, end: str, pf: np.ndarray) -> None:
    """MIA (inpatient: covered days given) or MOA (outpatient) with the claim's remark codes."""
    pay = t.pay
    days = pay["covered_days"].astype("str").str.strip().to_numpy(dtype=object)
    remarks = pay["claim_remark_codes"].astype("str").to_numpy(dtype=object)
    # Each distinct (covered days, remark codes) pair is written once (a million claims hold a few).
    which, pairs = pd.factorize(pd.MultiIndex.from_arrays([days, remarks]))
    texts = np.full(len(pairs), None, dtype=object)
    is_mia = np.zeros(len(pairs), dtype=bool)
    for j, (d, v) in enumerate(pairs):
        cs = [c.strip() for c in str(v).split(";") if c.strip()]
        if d:
            fields = ["MIA", d, "", "", "", cs[0] if cs else ""] + [""] * 14 + cs[1:6]
            texts[j], is_mia[j] = E.join(fields).rstrip(E) + end, True
        elif cs:
            texts[j] = E.join(["MOA", "", ""] + cs[:5]) + end
    written = np.array([x is not None for x in texts], dtype=bool)
    for kind in (True, False):
        idx = np.flatnonzero((written & (is_mia == kind))[which]) if len(which) else np.zeros(0, np.int64)
        if len(idx):
            pieces.add(pa.array(texts[which[idx]], LS), pf[idx], t.pay_tx[idx], 1, t.c_seq[idx], 0, 3)


def _procedure(qualifier: pa.Array, code, modifiers, comp: str) -> pa.Array:
    """An SVC01 or SVC06 composite: qualifier, code and the ``;``-separated modifiers as components."""
    mods = pc.utf8_trim(pc.replace_substring_regex(as_text(modifiers), r"\s+", ""), ";")
    mods = pc.replace_substring(mods, ";", comp)
    return join_text(qualifier, comp, as_text(code),
                     pc.if_else(pc.equal(mods, ""), pa.scalar("", LS), join_text(comp, mods)))


def line_pieces(pieces: Pieces, t: Tables, options: WriteOptions) -> None:
    """SVC, DTM*472, REF*6R, AMT*B6 and LQ*HE of each service line (line CAS from cas_pieces)."""
    E, comp, end = options.separators.element, options.separators.component, options.end
    lines, l_seq = t.lines, t.l_seq
    lt = t.pay_tx[t.line_claim]
    lf, lc = t.f_tx[lt], t.c_seq[t.line_claim]
    qualifier = as_text(lines["procedure_qualifier"])
    composite = _procedure(qualifier, lines["procedure_code"], lines["modifiers"], comp)
    units = lines["units"].astype("float64").fillna(1.0).to_numpy()
    shown_units = pc.if_else(pa.array(units == 1.0), pa.scalar("", LS), units_text(units))
    elements = [composite, amount_text(lines["charge_cents"]), amount_text(lines["paid_cents"]),
                as_text(lines["revenue_code"]), shown_units]
    if "submitted_procedure_code" in lines.columns:
        code = as_text(lines["submitted_procedure_code"])
        billed = pc.not_equal(code, "")
        if pc.any(billed).as_py():
            mods = lines.get("submitted_modifiers", pd.Series("", index=lines.index))
            billed_qualifier = qualifier
            if "submitted_procedure_qualifier" in lines.columns:
                own = as_text(lines["submitted_procedure_qualifier"])
                billed_qualifier = pc.if_else(pc.equal(own, ""), qualifier, own)
            elements.append(pc.if_else(billed, _procedure(billed_qualifier, code, mods, comp),
                                       pa.scalar("", LS)))
    svc = segment_text(E, "SVC", *elements)
    pieces.add(join_text(svc, end), lf, lt, 1, lc, l_seq, 0)
    if "service_date" in lines.columns:
        dates = pd.to_datetime(lines["service_date"]).to_numpy(dtype="datetime64[us]")
        has = ~np.isnat(dates)
        pieces.add(join_text("DTM", E, "472", E, date_text(dates[has]), end), lf[has], lt[has],
                   1, lc[has], l_seq[has], 1)
    ctl_text = lines["line_control"].astype("str").fillna("").to_numpy(dtype=object)
    has = ctl_text != ""
    pieces.add(join_text("REF", E, "6R", E, as_text(ctl_text[has]), end), lf[has], lt[has], 1,
               lc[has], l_seq[has], 3)
    if "allowed_cents" in lines.columns:
        allowed = pd.array(lines["allowed_cents"], dtype="Int64")
        has = ~np.asarray(allowed.isna())
        pieces.add(join_text("AMT", E, "B6", E, amount_text(allowed[has].to_numpy(np.int64)), end),
                   lf[has], lt[has], 1, lc[has], l_seq[has], 4)
    # Each distinct remark_codes text is split once (a million lines hold a handful of them).
    which, texts = pd.factorize(np.asarray(lines["remark_codes"].to_numpy(dtype=object)).astype(np.str_))
    split = [[c.strip() for c in v.split(";") if c.strip()] for v in texts]
    count = np.array([len(cs) for cs in split], dtype=np.int64)
    rows = np.repeat(np.arange(len(which)), count[which]) if len(which) else np.zeros(0, np.int64)
    if len(rows):
        rank = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left")
        flat = np.array([c for cs in split for c in cs], dtype=object)
        codes = pa.array(flat[(np.cumsum(count) - count)[which[rows]] + rank], LS)
        pieces.add(join_text("LQ", E, "HE", E, codes, end), lf[rows], lt[rows], 1, lc[rows],
                   l_seq[rows], 5, rank)


def trailer_pieces(pieces: Pieces, t: Tables, options: WriteOptions) -> None:
    """SE with the number of segments from ST to SE."""
    E, end = options.separators.element, options.end
    T = len(t.tr)
    seg_count = np.zeros(T, dtype=np.int64)
    for keys, ends in zip(pieces.keys, pieces.ends):
        np.add.at(seg_count, keys[1][ends], 1)
    pieces.add(join_text("SE", E, pc.cast(pa.array(seg_count + 1), LS), E, t.controls, end),
               t.f_tx, np.arange(T), 3, 0, 0, 0)



def cas_pieces(pieces, adj, adj_claim, adj_l, pay_tx, f_tx, c_seq, E, end) -> None:
    """CAS segments: one per (claim or line, group), at most six reasons each."""
    order = np.lexsort((np.arange(len(adj)), adj_l, adj_claim))
    a = adj.iloc[order].reset_index(drop=True)
    claim, line = adj_claim[order], adj_l[order]
    group = a["group_code"].astype("str").to_numpy(dtype=object)
    owner = pd.DataFrame({"c": claim, "l": line, "g": group})
    block = owner.groupby(["c", "l", "g"], sort=False).ngroup().to_numpy()
    rank = owner.groupby(block, sort=False).cumcount().to_numpy()
    size = np.bincount(block)[block]
    seg = rank // 6
    order2 = np.lexsort((rank, seg, block))
    a, claim, line, block, rank, size, seg, group = (
        a.iloc[order2].reset_index(drop=True), claim[order2], line[order2], block[order2],
        rank[order2], size[order2], seg[order2], group[order2])
    first = rank % 6 == 0
    last = (rank % 6 == 5) | (rank == size - 1)
    qty = as_text(a["quantity"])
    triple = join_text(as_text(a["reason_code"]), E, amount_text(a["amount_cents"]))
    with_qty = join_text(triple, E, qty)
    body = pc.if_else(pa.array(last), pc.if_else(pc.equal(qty, ""), triple, with_qty), with_qty)
    head = pc.if_else(pa.array(first), join_text("CAS", E, as_text(group), E), pa.scalar(E, LS))
    text = join_text(head, body, pc.if_else(pa.array(last), pa.scalar(end, LS),
                                        pa.scalar("", LS)))
    tx = pay_tx[claim]
    pieces.add(text, f_tx[tx], tx, 1, c_seq[claim], line, np.where(line > 0, 2, 1),
               np.arange(len(a)), last)


def plb_pieces(pieces, plb, plb_tx, fp, f_tx, E, comp, end) -> None:
    """PLB segments: one per (provider, fiscal date), at most six pairs each."""
    provider = plb["provider_id"].astype("str").to_numpy(dtype=object)
    fiscal = date_text(fp)
    frame = pd.DataFrame({"t": plb_tx, "p": provider, "d": fiscal.to_pylist()})
    block = frame.groupby(["t", "p", "d"], sort=False).ngroup().to_numpy()
    rank = frame.groupby(block, sort=False).cumcount().to_numpy()
    size = np.bincount(block)[block]
    order = np.lexsort((rank, rank // 6, block))
    p = plb.iloc[order].reset_index(drop=True)
    block, rank, size, tx = block[order], rank[order], size[order], plb_tx[order]
    first = rank % 6 == 0
    last = (rank % 6 == 5) | (rank == size - 1)
    ref = as_text(p["reference"])
    reason = pc.if_else(pc.equal(ref, ""), as_text(p["reason_code"]),
                        join_text(as_text(p["reason_code"]), comp, ref))
    pair = join_text(reason, E, amount_text(p["amount_cents"]))
    head = pc.if_else(pa.array(first), join_text("PLB", E, as_text(provider[order]), E,
                                                 fiscal.take(pa.array(order)), E),
                      pa.scalar(E, LS))
    text = join_text(head, pair, pc.if_else(pa.array(last), pa.scalar(end, LS), pa.scalar("", LS)))
    pieces.add(text, f_tx[tx], tx, 2, 0, 0, 0, np.arange(len(p)), last)


def envelope_pieces(pieces, tr, file_names, f_tx, options: WriteOptions) -> None:
    """ISA, GS before each file's transactions; GE, IEA after (one interchange per file)."""
    seps, end, E = options.separators, options.end, options.separators.element
    _, first = np.unique(f_tx, return_index=True)
    counts = np.bincount(f_tx, minlength=len(file_names))
    head = tr.iloc[first]

    def column(name, default):
        if name not in head.columns:
            return [default] * len(head)
        return [default if v is None or pd.isna(v) or str(v).strip() == "" else v
                for v in head[name].tolist()]

    senders = [str(s or p) for s, p in zip(column("sender_id", ""), head["payer_id"].tolist())]
    receivers = [str(r or p) for r, p in zip(column("receiver_id", ""),
                                             head["payee_id"].tolist())]
    controls = [int(c) if c != "" else f + 1
                for f, c in enumerate(column("interchange_control", ""))]
    dates = [pd.Timestamp(d if d != "" else p) for d, p in
             zip(column("interchange_date", ""), head["payment_date"].tolist())]
    times = [str(t) for t in column("interchange_time", "1200")]
    usages = [str(u) for u in column("usage", "P")]
    isa, gs, ge, iea = [], [], [], []
    for f in range(len(file_names)):
        sender, receiver, control = senders[f], receivers[f], controls[f]
        date, time = dates[f], times[f]
        isa.append(E.join([
            "ISA", "00", " " * 10, "00", " " * 10, "ZZ", f"{sender[:15]:<15}", "ZZ",
            f"{receiver[:15]:<15}", date.strftime("%y%m%d"), time, seps.repetition, "00501",
            f"{control:09d}", "0", usages[f], seps.component]) + end)
        gs.append(E.join(["GS", "HP", sender, receiver, date.strftime("%Y%m%d"), time,
                          str(control), "X", _VERSION]) + end)
        ge.append(E.join(["GE", str(int(counts[f])), str(control)]) + end)
        iea.append(E.join(["IEA", "1", f"{control:09d}"]) + end)
    files = np.arange(len(file_names))
    for kind, texts, tx in ((0, isa, -1), (1, gs, -1), (0, ge, _BIG), (1, iea, _BIG)):
        pieces.add(pa.array(texts, LS), files, tx, 0, 0, 0, kind)


def split_files(text: pa.Array, files_sorted: np.ndarray, file_names: list[str],
                 out_dir) -> dict[str, bytes]:
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset: text.offset
                                                                 + len(text) + 1]
    data = text.buffers()[2]
    bounds = np.searchsorted(files_sorted, np.arange(len(file_names) + 1), side="left")
    out: dict[str, bytes] = {}
    for f, name in enumerate(file_names):
        a, b = offsets[bounds[f]], offsets[bounds[f + 1]]
        out[name] = data[a:b].to_pybytes()
    if out_dir is not None:
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in out.items():
            (folder / name).write_bytes(content)
    return out
