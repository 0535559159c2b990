"""The parts of a file's contract: a :class:`Column` (name, kind, required, blank allowed) and a
:class:`FileSpec` (a file's columns and key).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["BOOL_TRUE", "BOOL_FALSE", "Column", "FileSpec", "money_column"]

#: Spellings of true and false the contract accepts in a boolean column (any case).
BOOL_TRUE = frozenset({"true", "yes", "y", "1", "t"})
BOOL_FALSE = frozenset({"false", "no", "n", "0", "f"})

_KINDS = {"id", "code", "codes", "text", "int", "money", "date", "bool", "choice"}


@dataclass(frozen=True)
class Column:
    """One column of a contract file.

    Parameters
    ----------
    name : str
        Header name as written in the CSV.
    kind : str
        ``id`` (non-blank identifier), ``code``, ``codes`` (``;``-separated
        list), ``text``, ``int``, ``money``, ``date``, ``bool`` or ``choice``.
    required : bool, default True
        The column must be present in the header.
    nullable : bool, default False
        A blank value is allowed (and means "none", "open-ended" or "same as
        billed", as the contract says for that column).
    minimum : int, optional
        Smallest allowed whole number (``int`` columns).
    choices : tuple of str, optional
        Allowed values (``choice`` columns), compared case-insensitively.
    fill_missing : bool, default True
        When an optional column is absent, add it as blanks (contract
        columns); ``False`` for the kit's own extras, typed only when present.
    spellings : tuple of str, optional
        The vocabulary of a ``code`` column (the error types): a value that
        is one of them in other case, or with spaces or hyphens for its
        underscores (``UNITS_OVER_MUE``, ``Units over MUE``), is read as it;
        any other value is kept as written.
    written : str, default ``"YYYY-MM-DD"``
        How a ``date`` column's dates are written where they come from, said
        in the messages about them (an 837's are ``CCYYMMDD``); the check is the same.
    """

    name: str
    kind: str
    required: bool = True
    nullable: bool = False
    minimum: int | None = None
    choices: tuple[str, ...] = ()
    fill_missing: bool = True
    spellings: tuple[str, ...] = ()
    written: str = "YYYY-MM-DD"

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown column kind {self.kind!r} for {self.name!r}")

    @property
    def memory_name(self) -> str:
        """Name in memory: money columns gain ``_cents``."""
        return money_column(self.name) if self.kind == "money" else self.name

    @property
    def expected(self) -> str:
        """Plain-English description used in problem messages."""
        if self.kind == "money":
            return "an amount in dollars with at most two decimals (e.g. 125.00)"
        if self.kind == "date":
            return f"a real date written {self.written}"
        if self.kind == "int":
            low = self.minimum if self.minimum is not None else 0
            return f"a whole number >= {low}"
        if self.kind == "bool":
            return "true/false, yes/no, y/n or 1/0"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        return "a value"


def money_column(name: str) -> str:
    """``"paid"`` -> ``"paid_cents"``."""
    return name if name.endswith("_cents") else f"{name}_cents"


@dataclass(frozen=True)
class FileSpec:
    """The contract of one CSV file."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = False
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def needing(self, names) -> "FileSpec":
        """This contract as a step that reads only ``names`` (in-memory names) takes a table handed over:
        those columns must be present, the others are typed when given (never added)."""
        return replace(self, columns=tuple(col if col.memory_name in names
                                           else replace(col, required=False, fill_missing=False)
                                           for col in self.columns))

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)
