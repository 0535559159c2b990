"""Reference tables shipped with the kit, and loaders for the real ones.

Every table lives in ``recoup_lib/reference/data/`` as a CSV, described in
that folder's ``README.md``: what it is, which parts are illustrative, and
where the authoritative version comes from. The four contract reference files
(``fee_schedule.csv``, ``ncci_ptp.csv``, ``mue.csv``, ``payer_policies.csv``)
are the defaults an audit uses when a folder has none of its own.

The NCCI and MUE rows shipped here are a **teaching subset with illustrative
values**. To audit real claims, download CMS's quarterly files and convert
them with :mod:`recoup_lib.reference.cms`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..schema import SPECS, ParsedTable, parse_table

__all__ = ["DATA_DIR", "path", "has_default", "load_default", "load_default_parsed", "load",
           "available"]

DATA_DIR = Path(__file__).parent / "data"


def path(name: str) -> Path:
    """Path of a shipped table (``"carc"`` or ``"carc.csv"``)."""
    return DATA_DIR / (name if name.endswith(".csv") else f"{name}.csv")


def available() -> list[str]:
    """Names of every shipped table."""
    return sorted(p.name for p in DATA_DIR.glob("*.csv"))


def has_default(name: str) -> bool:
    """Whether a shipped default exists for a contract file name."""
    return path(name).is_file()


def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(path(name), dtype="str", keep_default_na=False)


@lru_cache(maxsize=None)
def _parsed(name: str) -> ParsedTable:
    spec = SPECS[name if name.endswith(".csv") else f"{name}.csv"]
    parsed = parse_table(_raw(name), spec, label=f"shipped {spec.name}")
    if parsed.problems:  # pragma: no cover - guarded by tests/test_reference.py
        raise ValueError("; ".join(p.message for p in parsed.problems[:5]))
    return parsed


def load_default_parsed(name: str) -> ParsedTable:
    """A shipped contract table, parsed with its contract (a fresh copy)."""
    parsed = _parsed(name if name.endswith(".csv") else f"{name}.csv")
    return ParsedTable(data=parsed.data.copy(), problems=[], rejected=parsed.rejected.copy(),
                       rows_read=parsed.rows_read)


def load_default(name: str) -> pd.DataFrame:
    """A shipped contract table as typed data (``fee_schedule``, ``mue``, ...)."""
    return load_default_parsed(name).data.drop(columns=["_row"])


def load(name: str) -> pd.DataFrame:
    """Any shipped table. Contract tables come typed; the others as text."""
    file = name if name.endswith(".csv") else f"{name}.csv"
    if file in SPECS:
        return load_default(file)
    return _raw(file)
