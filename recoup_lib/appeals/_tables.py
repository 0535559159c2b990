"""Loading the appeals package's other rule tables: audit programs, plan types, the 60-day rule.

Each table is a CSV in ``recoup_lib/appeals/data/`` whose rows carry their
``source``, the ``source_url`` that was read and a ``status`` (``confirmed``,
``secondary``, ``unconfirmed``; see that folder's README). As with the appeal
profiles, a file of the same name in a folder the caller names replaces the
shipped one, and a bad value stops the load with the file, row and column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..filekind import present
from ..schema import RULE_STATUSES, Column, FileSpec
from ._profiles import DATA_DIR, _no_checks, _read

__all__ = ["SOURCED_COLUMNS", "RULE_STATUSES", "text_column", "choice_column", "load_rule_table"]


def text_column(name: str, nullable: bool = False) -> Column:
    """A text column (blank allowed when ``nullable``)."""
    return Column(name, "text", nullable=nullable)


def choice_column(name: str, choices, nullable: bool = False) -> Column:
    """A column whose values come from ``choices`` (compared case-insensitively)."""
    return Column(name, "choice", nullable=nullable, choices=tuple(choices))


#: Where each row comes from: the source named, the page read, how sure we are.
SOURCED_COLUMNS = (text_column("source"), text_column("source_url"), choice_column("status", RULE_STATUSES),
                   Column("note", "text", nullable=True, required=False))


def load_rule_table(spec: FileSpec, override: str | Path | None = None, check=_no_checks,
                    data_dir: Path = DATA_DIR) -> tuple[pd.DataFrame, str]:
    """Read one rule table, from ``override`` when that folder has a file of the same name.

    Parameters
    ----------
    spec : FileSpec
        The table's columns (its ``name`` is the file name).
    override : path-like, optional
        A folder; its copy of the file, if any, replaces the shipped one.
    check : callable, optional
        ``check(data)`` yields ``(row, column, value, expected)`` for values the
        column types cannot catch.
    data_dir : path-like, default ``recoup_lib/appeals/data``
        Where the shipped file lives (the report's tables live in ``recoup_lib/report/data``).

    Returns
    -------
    table : pandas.DataFrame
        Typed; text columns blank (never missing) where empty.
    origin : str
        ``"shipped"`` or the path of the copy that was read.

    Raises
    ------
    InputError
        A column is missing or a value is of the wrong kind; the message names
        the file, the row and the column.
    """
    path, label, origin = Path(data_dir) / spec.name, f"shipped {spec.name}", "shipped"
    if override is not None and present(Path(override) / spec.name):
        path = Path(override) / spec.name
        label, origin = spec.name, str(path)
    return _read(path, label, check, spec), origin
