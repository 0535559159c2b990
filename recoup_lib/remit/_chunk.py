"""One chunk of segments, located: which transaction, claim and line each segment belongs to.

:class:`ChunkReader` holds a :class:`~recoup_lib.x12.Chunk` (the segments of any
number of files that share separators) and answers, vectorised, where a
segment sits: its transaction (ST...SE span), its claim (the last CLP before
it) and its service line (the last SVC). It also collects the problems met,
each with the scope it sets aside (``file``, ``transaction``) or ``warning``.
The envelope walk (:mod:`._envelope`) and the loop readers (:mod:`._levels`)
fill it in; :func:`._levels.read_chunk` runs them in order.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import CONTROL_CHARACTERS, DATE_RANGE, FIRST_DATE, LAST_DATE
from ..x12 import AMOUNT_EXPECTED, OUTSIDE_ANY_TRANSACTION, Chunk, Elements, code_name, parse_amounts, segment_code

__all__ = ["ChunkReader", "C", "QUALIFIER", "GROUPS_5010", "first_per_group", "fill"]

_IDS = ("ISA GS ST BPR TRN DTM N1 CLP CAS NM1 SVC REF AMT PLB SE GE IEA LX MOA MIA LQ").split()
#: Packed codes of the segment ids the reader looks for.
C = {name: segment_code(name) for name in _IDS}
_KNOWN = frozenset(segment_code(s) for s in (
    "ISA GS ST BPR NTE TRN CUR REF DTM N1 N2 N3 N4 PER RDM LX TS3 TS2 CLP CAS NM1 MIA MOA "
    "AMT QTY SVC LQ PLB SE GE IEA TA1").split())
#: Segments that may lie outside any transaction without being set aside: the envelope's, and an SE
#: that closes no transaction (the envelope walk warns that it is ignored; it holds no data to set aside).
_ENVELOPE = np.array([C["ISA"], C["GS"], C["GE"], C["IEA"], C["SE"]], dtype=np.uint32)
#: The known segment ids, sorted: a segment's kind is its index here (len() when unknown).
_SORTED = np.array(sorted(_KNOWN), dtype=np.uint32)
#: Packed codes of the qualifiers compared without building strings.
QUALIFIER = {q: segment_code(q) for q in ("D", "405", "PR", "PE", "QC", "232", "233", "F8",
                                          "472", "150", "151", "6R", "B6")}
#: Group codes the 5010 CAS accepts; CR is read from 4010 files (docs/sources.md §6.1).
GROUPS_5010 = ("CO", "PR", "OA", "PI")


def first_per_group(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted positions grouped by ``groups``: (group ids present, index of their first row)."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    step = groups[1:] != groups[:-1]
    if (groups[1:] >= groups[:-1]).all():
        # Owners of positions in order are in order: each group starts where the id changes.
        first = np.flatnonzero(np.concatenate([[True], step]))
        return groups[first], first
    ids, first = np.unique(groups, return_index=True)
    return ids, first


def fill(n: int, ids: np.ndarray, values, default=""):
    """An array of length ``n`` holding ``values`` at ``ids`` and ``default`` elsewhere."""
    if isinstance(values, pa.Array) and len(ids) == n and (np.diff(ids) > 0).all():
        return values  # every row has its value, in order
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


class ChunkReader:
    """Parse one chunk of segments into per-level columns (local indices).

    Attributes set by the envelope walk: ``txn_start``, ``txn_end`` (segment
    index of each ST and SE), ``txn_ok``, ``txn_cut`` (the file ends in it),
    ``txn_meta`` and ``T`` (count).
    The loop readers put their columns in ``out[table]``.
    """

    def __init__(self, chunk: Chunk):
        self.chunk = chunk
        self.codes = chunk.codes
        self.n = len(chunk)
        self.problems: list[tuple] = []  # (pos, element, value, expected, scope)
        self.out: dict[str, dict] = {}
        # Positions grouped by segment kind, found with one stable (radix) sort: where() is a slice.
        kind = np.searchsorted(_SORTED, self.codes).astype(np.uint8)
        known = _SORTED[np.minimum(kind, len(_SORTED) - 1)] == self.codes
        kind[~known] = len(_SORTED)
        self.kind = kind
        self._order = np.argsort(kind, kind="stable")
        self._bounds = np.concatenate([[0], np.cumsum(np.bincount(kind, minlength=len(_SORTED) + 1))])

    # -- problems ------------------------------------------------------------
    def flag(self, pos: int, element: str, value: str, expected: str, scope: str) -> None:
        self.problems.append((int(pos), element, str(value), expected, scope))

    def flag_mask(self, positions: np.ndarray, mask: np.ndarray, element, values,
                  expected: str, scope: str) -> None:
        """Flag the ``positions`` where ``mask`` is true; ``element`` is one name, or one per position."""
        if not mask.any():
            return
        hits = np.flatnonzero(mask)
        if isinstance(values, str):
            values = [values] * len(mask)
        elif callable(values):
            values = values()
        got = values.take(pa.array(hits)).to_pylist() if isinstance(values, pa.Array) else [
            values[i] for i in hits]
        for i, v in zip(hits, got):
            name = element if isinstance(element, str) else str(element[i])
            self.problems.append((int(positions[i]), name, str(v), expected, scope))

    def ids(self, positions: np.ndarray, values: pa.Array, element, what: str) -> pa.Array:
        """``values``, identifiers of the segments at ``positions``, as X12 means them: spaces around
        one are not part of it, and a control character inside one is warned of.

        A payer system that pads its fields writes ``CLP*PCN-A   *...`` or
        ``TRN*1*EFT123  *``; kept as sent, such a claim would match neither its
        original payment nor its notice, and the same trace number would not be
        known as one remittance sent twice. A control character (a NUL byte: a
        damaged file) is kept, as every other byte of the id, with a warning
        naming ``element`` (one name, or one per value) and ``what`` the id is:
        the id matches none written without it, and ``recoup import`` sets a
        claim with one aside.
        """
        trimmed = pc.utf8_trim(values, " ")
        damaged = np.asarray(pc.match_substring_regex(trimmed, CONTROL_CHARACTERS))
        self.flag_mask(positions, damaged, element, trimmed,
                       f"{what} without control characters (a NUL byte or line break inside it: the file is "
                       "damaged; it is kept as sent, so it matches no id written without it)", "warning")
        return trimmed

    def amounts(self, positions, values, element, required=True, scope="transaction",
                full=False):
        """Amounts of ``values`` in cents; bad ones are flagged.

        Text that is not an amount in the transaction's own money (BPR, CLP,
        PLB: ``scope`` ``transaction``) sets the transaction aside: its money
        cannot be read. Line and adjustment amounts (``scope`` ``warning``),
        and a required amount left blank anywhere but BPR02, are warnings:
        read as 0, so the line, claim or transaction they belong to cannot
        balance unless the amount really was nothing.
        Returns (cents, blank), or (cents, blank, unusable) with ``full``.
        """
        cents, blank, invalid = parse_amounts(values)
        kept = " (read as 0.00, so its line or claim cannot balance)"
        self.flag_mask(positions, invalid, element, values,
                       AMOUNT_EXPECTED + (kept if scope == "warning" else ""), scope)
        missing = blank & required
        if required:
            blank_scope = "transaction" if element == "BPR02" else "warning"
            self.flag_mask(positions, blank, element, values,
                           f"an amount in {element} (it may not be blank)"
                           + (kept if blank_scope == "warning" else ""), blank_scope)
        if full:
            return cents, blank, invalid | missing
        return cents, blank

    def dates(self, positions, elements: Elements, j: int, element: str) -> np.ndarray:
        """Element ``j`` of ``elements`` as dates; invalid ones, and real dates outside the kit's range
        (``99991231``: every CSV reader refuses them, :data:`recoup_lib.schema.FIRST_DATE` to
        :data:`~recoup_lib.schema.LAST_DATE`), are warned about and left NaT."""
        dates, _, invalid = elements.date(j)
        self.flag_mask(positions, invalid, element, lambda: elements[j],
                       "a date written CCYYMMDD (the date is left blank)", "warning")
        outside = (dates < FIRST_DATE) | (dates > LAST_DATE)
        if outside.any():
            dates[outside] = np.datetime64("NaT", "us")
            self.flag_mask(positions, outside, element, lambda: elements[j],
                           f"{DATE_RANGE} (the date is left blank)", "warning")
        return dates

    def where(self, name: str) -> np.ndarray:
        """Positions of the segments with id ``name``, in order."""
        k = int(np.searchsorted(_SORTED, C[name]))
        return self._order[self._bounds[k]: self._bounds[k + 1]].astype(np.int64)

    def unknown(self) -> np.ndarray:
        """Positions of the segments whose id is not one of the 835's, in order."""
        return self._order[self._bounds[len(_SORTED)]:].astype(np.int64)

    # -- structure -----------------------------------------------------------
    def locate(self) -> None:
        """After the envelope walk: flag stray segments and bad ids, find the loops."""
        codes, n = self.codes, self.n
        self.T = len(self.txn_start)
        # Mark the segments inside a transaction span (spans never overlap).
        edges = np.zeros(n + 1, dtype=np.int32)
        np.add.at(edges, self.txn_start, 1)
        np.add.at(edges, self.txn_end + 1, -1)
        inside = np.cumsum(edges[:-1], dtype=np.int32) > 0
        stray = ~inside & ~np.isin(codes, _ENVELOPE) if (~inside).any() else ~inside
        if stray.any():
            where = np.flatnonzero(stray)
            for p in where[:5]:
                self.flag(p, "", "", f"ST before {code_name(int(codes[p])) or 'this segment'} "
                          f"(the segment is {OUTSIDE_ANY_TRANSACTION})", "segment")
            if len(where) > 5:
                self.flag(where[5], "", "", f"ST before each segment: {len(where) - 5} more "
                          "segments lie outside any transaction", "segment")
        self._ids(inside)
        del inside, stray, edges
        self._context()

    # -- where a segment belongs ---------------------------------------------
    def _running(self, name: str) -> np.ndarray:
        """For every segment, the index into ``self.<name>`` (sorted positions) of the last one
        at or before it, -1 before the first: one pass, then each lookup is a gather."""
        cache = self.__dict__.setdefault("_running_cache", {})
        if name not in cache:
            marks = getattr(self, name)
            last = np.full(self.n, -1, dtype=np.int32)
            last[marks] = np.arange(len(marks), dtype=np.int32)
            cache[name] = np.maximum.accumulate(last)
        return cache[name]

    def _owners(self, name: str) -> np.ndarray:
        """For every segment of the chunk: its transaction (``tx``), claim (``claim``), service
        line (``line``) or whether a PLB of its transaction comes before it (``plb``).

        Worked out once for all segments, when first asked (the loops must be found first:
        ``claim`` needs the CLPs, ``line`` the SVCs); a question about some segments is then
        one gather, however many readers ask it.
        """
        cache = self.__dict__.setdefault("_owner_cache", {})
        if name not in cache:
            if name == "tx":
                cache[name] = self._txn_of()
            elif name == "floor":
                cache[name] = self._floor(self._owners("tx"))
            elif name == "claim":
                cache[name] = self._last("clp_pos", self._owners("floor"))
            elif name == "line":
                cache[name] = self._line_at(self._owners("claim"))
            else:
                cache[name] = self._last("plb_pos", self._owners("floor")) >= 0
        return cache[name]

    def txn_of(self, pos: np.ndarray) -> np.ndarray:
        """Index of the transaction holding each position, -1 outside any."""
        return self._owners("tx")[np.asarray(pos, dtype=np.int64)]

    def _txn_of(self) -> np.ndarray:
        """:meth:`txn_of` of every segment."""
        if not self.T:
            return np.full(self.n, -1, dtype=np.int64)
        t = self._running("txn_start").astype(np.int64)
        ok = (t >= 0) & (np.arange(self.n) <= self.txn_end[np.maximum(t, 0)])
        return np.where(ok, t, -1)

    def _last(self, name: str, floor: np.ndarray) -> np.ndarray:
        """For every segment, the index of the last ``self.<name>`` mark at or before it, not
        before ``floor`` (-1 when there is none)."""
        marks = getattr(self, name)
        if not len(marks):
            return np.full(self.n, -1, dtype=np.int64)
        i = self._running(name).astype(np.int64)
        ok = (i >= 0) & (marks[np.maximum(i, 0)] >= floor)
        return np.where(ok, i, -1)

    def _floor(self, tx: np.ndarray) -> np.ndarray:
        if not self.T:
            return np.full(len(tx), np.iinfo(np.int64).max)
        return np.where(tx >= 0, self.txn_start[np.maximum(tx, 0)], np.iinfo(np.int64).max)

    def claim_at(self, pos: np.ndarray, tx: np.ndarray | None = None) -> np.ndarray:
        """Index (into the claims) of the CLP whose loop holds each position, or -1.

        ``tx`` (the positions' :meth:`txn_of`, when the caller has it) is not needed.
        """
        return self._owners("claim")[np.asarray(pos, dtype=np.int64)]

    def line_at(self, pos: np.ndarray, claim: np.ndarray | None = None) -> np.ndarray:
        """Index (into the service lines) of the SVC whose loop holds each position, or -1.

        ``claim`` (the positions' :meth:`claim_at`, when the caller has it) is not needed.
        """
        return self._owners("line")[np.asarray(pos, dtype=np.int64)]

    def _line_at(self, claim: np.ndarray) -> np.ndarray:
        floor = np.where(claim >= 0, self.clp_pos[np.maximum(claim, 0)] + 1 if len(
            self.clp_pos) else 0, np.iinfo(np.int64).max)
        j = self._last("svc_all", floor)
        return np.where(j >= 0, self.svc_line[np.maximum(j, 0)] if len(self.svc_line) else -1,
                        -1)

    def after_plb(self, pos: np.ndarray, tx: np.ndarray | None = None) -> np.ndarray:
        """True for positions after a PLB of their transaction (``tx`` is not needed)."""
        return self._owners("plb")[np.asarray(pos, dtype=np.int64)]

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

    def _ids(self, inside: np.ndarray) -> None:
        """Warn about segments inside a transaction whose id is malformed or not the 835's."""
        codes = self.codes
        others = self.unknown()
        others = others[inside[others]]
        if not len(others):
            return
        c = codes[others]
        bytes3 = np.stack([(c >> 16) & 255, (c >> 8) & 255, c & 255], axis=1)
        alnum = ((bytes3 >= 48) & (bytes3 <= 57)) | ((bytes3 >= 65) & (bytes3 <= 90))
        well_formed = alnum[:, 0] & alnum[:, 1] & (alnum[:, 2] | (bytes3[:, 2] == 0))
        well_formed &= c != 0xFFFFFF
        for p in others[~well_formed]:
            text = self.chunk.text(int(p))[:20]
            self.flag(p, "", text, "a segment id of two or three capital letters or digits "
                      "(the segment is ignored)", "warning")
        where = others[well_formed]
        if len(where):
            key = self.chunk.files[where] * 2**24 + codes[where]
            kinds, first, counts = np.unique(key, return_index=True, return_counts=True)
            for i, count in zip(first, counts):
                name = code_name(int(codes[where[i]]))
                self.flag(where[i], "", name, f"a segment of the 835 guide ({count} segment(s) "
                          f"'{name}' in this file ignored)", "warning")
