"""The X12 envelope of a chunk: where each ST...SE transaction starts and ends, and its counts.

:func:`walk_envelope` visits ISA, GS, ST, SE, GE and IEA in order, per file,
and records each transaction's span with the envelope it sits in (sender,
receiver, control numbers, version). Counts and control numbers are checked:
SE01 and SE02 against the transaction; GE01/GE02 and IEA01/IEA02 against
their group and interchange.
"""

from __future__ import annotations

import numpy as np

from ..x12 import Elements, code_name
from ._chunk import C, ChunkReader

__all__ = ["walk_envelope"]

#: The envelope's identifiers the remittance tables hold (transactions.csv), by segment and element.
_IDS = {("ISA", 6): "an interchange sender id", ("ISA", 8): "an interchange receiver id",
        ("ISA", 13): "an interchange control number",
        ("GS", 2): "an application sender code", ("GS", 3): "an application receiver code",
        ("GS", 6): "a group control number", ("ST", 2): "a transaction set control number"}


def walk_envelope(r: ChunkReader) -> None:
    """Walk ST/SE and the envelope; find each transaction's span and check counts.

    Transactions never cross a file boundary or an ISA. Envelope defects are
    warnings and the transaction is kept (docs/contract.md, "Remittances"):
    a wrong SE01 count or SE02 control number, GE/IEA counts and control
    numbers, an SE missing before the next ST, GS, GE, ISA or IEA (the
    transaction ends there), or before the end of the file (cut short
    between two segments: the claims read are kept, and the warning says
    those after them would be missing; balancing tells whether its money adds
    up). Only a transaction the file ends inside a segment of (its last
    values may be cut, so its money cannot be read) or one that is not an 835
    (ST01) is set aside. ``r.txn_cut`` tells the transactions a file ends in.
    """
    chunk, codes = r.chunk, r.codes
    numbers, files = chunk.numbers, chunk.files
    marks = np.sort(np.concatenate([r.where(k) for k in ("ISA", "GS", "ST", "SE", "GE", "IEA")]))
    info = {}
    for name, cols in (("ISA", (6, 8, 12, 13)), ("GS", (2, 3, 6, 8)), ("ST", (1, 2, 3)),
                       ("SE", (1, 2)), ("GE", (1, 2)), ("IEA", (1, 2))):
        idx = r.where(name)
        el = Elements.of(chunk, idx)
        values = [(r.ids(idx, el[j], f"{name}{j:02d}", _IDS[name, j]) if (name, j) in _IDS else el[j]).to_pylist()
                  for j in cols]
        info.update({int(p): tuple(v[i].strip() for v in values) for i, p in enumerate(idx)})
    starts_of_files = set((np.flatnonzero(np.diff(files)) + 1).tolist()) | {0}
    events = sorted(set(marks.tolist()) | starts_of_files)
    spans: list[tuple] = []
    cut_inside = set(chunk.unterminated.tolist())
    state = {"st": None, "gs": None, "isa": None, "groups": 0, "iea": True}

    def close_open(end: int, expected: str, scope: str, cut: bool = False) -> None:
        st = state["st"]
        ident = info[st][0]
        r.flag(st, "SE01", "", expected, scope)
        if ident != "835":
            r.flag(st, "ST01", ident, "ST01 = 835 (a health care claim payment)", "transaction")
        spans.append((st, end, state["isa"], state["gs"], scope == "warning" and ident == "835", cut))
        state["st"] = None

    def end_of_file(p: int) -> None:
        last = p - 1
        if state["st"] is not None:
            control = info[state["st"]][1]
            if last in cut_inside:
                close_open(last, f"SE closing transaction {control!r}; the file ends inside segment "
                           f"{numbers[last]} (no terminator after it: cut short), so its last values may "
                           "be cut", "transaction", cut=True)
            else:
                close_open(last, f"SE closing transaction {control!r}; the file ends at segment "
                           f"{numbers[last]} without it: cut short? Claims after the last one read would "
                           "be missing (the transaction is read up to there)", "warning", cut=True)
        if not state["iea"]:
            r.flag(last, "", "", "IEA closing the interchange (is the file truncated?)",
                   "warning")
        state.update(st=None, gs=None, isa=None, groups=0, iea=True)

    for p in events:
        if p in starts_of_files and p > 0:
            end_of_file(p)
        code = int(codes[p])
        if code == C["ST"]:
            if state["st"] is not None:
                close_open(p - 1, f"SE closing transaction {info[state['st']][1]!r} before "
                           f"the next ST at segment {numbers[p]} (the transaction is read up "
                           "to there)", "warning")
            state["st"] = p
            if state["gs"] is not None:
                state["gs"][4] += 1
            elif state["isa"] is not None:
                r.flag(p, "", "", "a GS functional group header before ST", "warning")
        elif code == C["SE"]:
            st = state["st"]
            if st is None:
                r.flag(p, "", "", "ST before SE (SE closes no open transaction; it is "
                       "ignored)", "warning")
                continue
            ident, control, _ = info[st]
            count, se_control = info[p]
            ok = True
            if ident != "835":
                r.flag(st, "ST01", ident, "ST01 = 835 (a health care claim payment)",
                       "transaction")
                ok = False
            # "05" counts five, as the 837 reader reads it (^[0-9]{1,9}$); "1²" is digits to isdigit, not to int.
            if not (count.isascii() and count.isdigit() and len(count) <= 9 and int(count) == p - st + 1):
                r.flag(p, "SE01", count, "the number of segments from ST to SE, "
                       f"{p - st + 1} (the transaction is kept)", "warning")
            if se_control != control:
                r.flag(p, "SE02", se_control, f"the ST02 control number {control!r} "
                       "(the transaction is kept)", "warning")
            spans.append((st, p, state["isa"], state["gs"], ok, False))
            state["st"] = None
        elif code in (C["ISA"], C["GS"], C["GE"], C["IEA"]):
            if state["st"] is not None:
                close_open(p - 1, f"SE closing transaction {info[state['st']][1]!r} before "
                           f"{code_name(code)} at segment {numbers[p]} (the transaction is "
                           "read up to there)", "warning")
            if code == C["ISA"]:
                if not state["iea"]:
                    r.flag(p - 1, "", "", "IEA closing the interchange before the next "
                           "ISA", "warning")
                state.update(isa=info[p], gs=None, groups=0, iea=False)
            elif code == C["GS"]:
                if state["gs"] is not None:
                    r.flag(p, "", "", "GE closing the previous functional group",
                           "warning")
                state["gs"] = list(info[p]) + [0]
                state["groups"] += 1
            elif code == C["GE"]:
                count, control = info[p]
                gs = state["gs"]
                if gs is None:
                    r.flag(p, "", "", "GS before GE", "warning")
                else:
                    if count != str(gs[4]):
                        r.flag(p, "GE01", count, "the number of transactions in the "
                               f"group, {gs[4]}", "warning")
                    if control != gs[2]:
                        r.flag(p, "GE02", control, f"the GS06 control number {gs[2]!r}",
                               "warning")
                state["gs"] = None
            else:
                count, control = info[p]
                isa = state["isa"]
                if count != str(state["groups"]):
                    r.flag(p, "IEA01", count, "the number of functional groups, "
                           f"{state['groups']}", "warning")
                if isa is not None and control != isa[3]:
                    r.flag(p, "IEA02", control, f"the ISA13 control number {isa[3]!r}",
                           "warning")
                state["iea"] = True
    if r.n:
        end_of_file(r.n)
    r.txn_start = np.array([s[0] for s in spans], dtype=np.int64)
    r.txn_end = np.array([s[1] for s in spans], dtype=np.int64)
    r.txn_ok = np.array([s[4] for s in spans], dtype=bool)
    r.txn_cut = np.array([s[5] for s in spans], dtype=bool)
    isa_version = {"00501": "005010", "00401": "004010"}
    meta = {k: [] for k in ("transaction_control", "version", "group_control", "sender_id",
                            "receiver_id", "interchange_control", "interchange_sender")}
    for st, _, isa, gs, _, _ in spans:
        _, control, st03 = info[st]
        meta["transaction_control"].append(control)
        version = st03 or (gs[3] if gs else "") or (
            isa_version.get(isa[2], isa[2]) if isa else "")
        meta["version"].append(version)
        meta["group_control"].append(gs[2] if gs else "")
        meta["sender_id"].append((gs[0] if gs else "") or (isa[0] if isa else ""))
        meta["receiver_id"].append((gs[1] if gs else "") or (isa[1] if isa else ""))
        meta["interchange_control"].append(isa[3] if isa else "")
        meta["interchange_sender"].append(isa[0] if isa else "")
    r.txn_meta = meta
