"""Modifiers as sets: the canonical ``;``-list of a line's modifiers, and whether it holds some of them.

A line's modifiers are written in any order, sometimes twice (``59;25;25``).
Rules compare them as sets, so they are made canonical (sorted, distinct) once
per distinct value of the column, not once per line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ..schema import TEXT_DTYPE
from ._vocabulary import BYPASS_MODIFIERS, REPEAT_MODIFIERS

__all__ = ["modifier_key", "has_any_modifier"]


def _canonical(value: str) -> str:
    return ";".join(sorted({m for m in value.split(";") if m}))


def modifier_key(modifiers: pd.Series) -> pd.Series:
    """Canonical set of modifiers: ``"59;25;25"`` -> ``"25;59"``; blank stays blank."""
    codes, uniques = pd.factorize(modifiers.fillna("").astype("str"))
    canonical = np.array([_canonical(str(u)) for u in uniques], dtype=object)
    return pd.Series(canonical[codes] if len(codes) else [], index=modifiers.index, dtype="str")


def has_any_modifier(modifiers: pd.Series, wanted: frozenset[str]) -> pd.Series:
    """True where the ``;``-list of modifiers contains any of ``wanted``."""
    codes, uniques = pd.factorize(modifiers.fillna("").astype("str"))
    hit = np.array([bool(set(str(u).split(";")) & wanted) for u in uniques], dtype=bool)
    return pd.Series(hit[codes] if len(codes) else np.zeros(0, dtype=bool), index=modifiers.index)


def _modifier_columns(modifiers: pd.Series) -> dict[str, np.ndarray | pd.Series]:
    """modifier_key, _mods, has_repeat_modifier and has_bypass_modifier (see the module docstring)."""
    n = len(modifiers)
    # A missing value is its own first-seen entry, read as "" (no copy of the column filled in first);
    # a column holding both gives "" twice, which the canonical factorize below makes one.
    mod_codes, mod_uniques = pd.factorize(modifiers, use_na_sentinel=False)
    distinct = ["" if pd.isna(u) else str(u) for u in mod_uniques]
    canonical = np.array([_canonical(u) for u in distinct], dtype=object)
    if n and modifiers.dtype == TEXT_DTYPE and not pd.isna(mod_uniques).any() and canonical.tolist() == distinct:
        # Every value is written as its set already (an export's usual case): the key is the column.
        key = modifiers.array
    else:
        # Each line's text taken by Arrow from the few distinct ones, not a million Python strings converted.
        key = pd.array(pa.array(canonical, type=pa.large_string()).take(pa.array(mod_codes)) if n else [], dtype="str")
    out = {"modifier_key": pd.Series(key, index=modifiers.index),
           "_mods": pd.factorize(canonical)[0].astype(np.int64)[mod_codes] if n else np.zeros(0, dtype=np.int64)}
    for column, wanted in (("has_repeat_modifier", REPEAT_MODIFIERS), ("has_bypass_modifier", BYPASS_MODIFIERS)):
        hit = np.array([bool(set(u.split(";")) & wanted) for u in distinct], dtype=bool)
        out[column] = hit[mod_codes] if n else np.zeros(0, dtype=bool)
    return out
