"""How well a row's cells read as the header of an export of one kind: the score the readers find
an export's header with (:func:`._header_rows.find_header`), given the names ``--map`` and ``--column``
settle (:func:`header_score`).
"""

from __future__ import annotations

from ._build import required_fields
from ._fields import headers_of, normalise_header, recognised_fields
from ._unnumbered import spec_for

__all__ = ["HeaderScore", "header_score"]


class HeaderScore:
    """A row's cells read as a header of a ``kind`` export.

    ``score(cells)``: how many fields they name (the early row naming the most is the header,
    :func:`._header_rows.find_header`); the names ``--map`` and ``--column`` give count as one each.
    ``score.complete(cells)``: whether they name every required field of ``kind`` the user did not
    leave out, a claims export's line number and submitted date included (two rows of a split
    header are read as one when only the two together do: a row naming all but the billed date
    may hold a weaker name, ``Date``, for the service date the two rows name better).
    ``score.usable(cells)``: whether they name every field the import needs (a sheet past a cover
    page holding them is a table of this kind).

    Parameters
    ----------
    kind : str
    fixed : dict
        Normalised header -> the field ``--map`` or ``--column`` names it for (any kind's).
    left_out : set of str
        Fields ``--column FIELD=`` leaves out.
    """

    def __init__(self, kind: str, fixed: dict[str, str], left_out: set[str]):
        self.kind = kind
        self.fixed = fixed
        # A payment report or a documentation export may find its lines by CPT code instead of line
        # numbers (._line_match).
        spec = spec_for(kind, {})
        self.required = set(required_fields(spec)) - left_out
        self.needed = set(required_fields(spec, kind)) - left_out

    def _named(self, cells) -> tuple[set, set]:
        """(what the cells name, as counted; the fields they name)."""
        names, fields = set(), set()
        for cell in cells:
            text = str(cell).strip()
            if not text:
                continue
            norm = normalise_header(text)
            if norm in self.fixed:
                names.add(("fixed", norm))
                fields.add(self.fixed[norm])
            recognised = recognised_fields(self.kind, text)
            names |= recognised
            fields |= recognised
        return names, fields

    def __call__(self, cells) -> int:
        return len(self._named(cells)[0])

    def complete(self, cells) -> bool:
        return self.required <= self._named(cells)[1]

    def usable(self, cells) -> bool:
        return self.needed <= self._named(cells)[1]


def header_score(kind: str, mapping: dict, columns: dict) -> HeaderScore:
    """The score a ``kind`` export's header is found with: the headers ``mapping`` (``--map``) and ``columns``
    (``--column``) settle for a field count as naming it, and a field they leave out is not required."""
    settled = list(mapping.get("columns", {}).get(kind, {}).items()) + list(columns.items())
    fixed = {normalise_header(h): name for name, v in settled for h in headers_of(v)}
    return HeaderScore(kind, fixed, {name for name, v in settled if v in (None, "", [])})
