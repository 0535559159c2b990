"""Payer rule profiles: the appeal rules as data, loaded and checked.

Every number the appeal decisions rely on -- filing windows, the Section 935
stay, the offset day, interest rates, amounts in controversy, state look-back
limits and their starting points, notice and offset conditions, overturn
rates, the cost of an appeal -- lives in a CSV file in
``recoup_lib/appeals/data/`` (described in that folder's ``README.md``), with
the public source it came from, the address of its primary text (``source_url``)
and a ``status``:

- ``confirmed``: seen in the cited source (docs/sources.md's meaning);
- ``secondary``: seen only in a trade, law-firm or vendor summary;
- ``unconfirmed``: recalled, partly seen, an estimate, a placeholder or a
  RecoupKit assumption. The decisions name every unconfirmed rule they used.

A folder holding a file of the same name replaces the shipped one (the
contract's rule for reference files), so a user edits a copy, never the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, InvalidParameterError, Problem
from ..csvread import broken_problems
from ..filekind import present
from ..folder import read_csv_text
from ..money import parse_cents_scalar
from ..schema import APPEAL_RULE_SPECS, PAYER_TYPES, PERIOD_UNITS, FileSpec, parse_table

__all__ = [
    "DATA_DIR",
    "PROFILE_FILES",
    "Profiles",
    "PayerProfile",
    "Rule",
    "load_profiles",
    "profile_for",
    "rule_keys",
]

DATA_DIR = Path(__file__).parent / "data"
#: The rule tables, in loading order (their specs: :data:`recoup_lib.schema.APPEAL_RULE_SPECS`).
PROFILE_FILES = (
    "appeal_levels.csv",
    "payer_rules.csv",
    "medicare_aic.csv",
    "medicare_interest_rates.csv",
    "medicare_ers.csv",
    "overturn_rates.csv",
    "evidence_checklist.csv",
)


@lru_cache(maxsize=256)
def _cents(text: str) -> int:
    return parse_cents_scalar(text)


@dataclass(frozen=True)
class Rule:
    """One parameter of a payer profile (a row of ``payer_rules.csv``)."""

    parameter: str
    value: str
    unit: str
    counted_from: str
    source: str
    status: str
    note: str = ""
    state: str = ""

    @property
    def number(self) -> int:
        """The value as a whole number (days, months, day number)."""
        return int(self.value)

    @property
    def cents(self) -> int:
        """The value as money (``unit`` = ``dollars``)."""
        return _cents(self.value)

    def describe(self) -> str:
        """``"18 months from the payment date"``, ``"day 41"``, ``"30 business days"``, ``"no limit"``."""
        if self.unit == "none":
            return "no limit"
        if self.unit == "day_number":
            return f"day {self.value}"
        unit = self.unit.replace("_", " ")
        if self.value == "1":
            unit = unit.rstrip("s")
        origin = {"payment_date": " from the payment date", "service_date": " from the date of service",
                  "notice": " after the notice date"}.get(self.counted_from, "")
        return f"{self.value} {unit}{origin}"


@dataclass(frozen=True)
class Profiles:
    """All profile tables, typed.

    Attributes
    ----------
    levels : pandas.DataFrame
        ``appeal_levels.csv``: payer_type, state, level (int), name, decided_by,
        filing_window (Int64), filing_unit, filing_from (``notice`` or
        ``receipt``), decision_days (Int64), aic, stay_window (Int64),
        stay_unit, source, status, note.
    rules : pandas.DataFrame
        ``payer_rules.csv`` (long form: one parameter a row).
    aic : pandas.DataFrame
        ``medicare_aic.csv``: year (int), alj_hearing_cents,
        judicial_review_cents, source, status.
    interest_rates : pandas.DataFrame
        ``medicare_interest_rates.csv``: effective_date, end_date
        (datetime64), rate_percent (text, exact decimal), source, status, note.
    ers, overturn, evidence : pandas.DataFrame
        Extended repayment options; overturn rates (p_win as exact decimal
        text, use as bool); evidence checklist items.
    sources : dict
        For each file, where it was read from.
    """

    levels: pd.DataFrame
    rules: pd.DataFrame
    aic: pd.DataFrame
    interest_rates: pd.DataFrame
    ers: pd.DataFrame
    overturn: pd.DataFrame
    evidence: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def memo(self, key, compute):
        """Compute a derived value once per Profiles (the tables are never modified)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


def _decimal_between(value: str, low: int, high: int) -> bool:
    try:
        d = Decimal(value)
    except InvalidOperation:
        return False
    return d.is_finite() and low <= d <= high


#: Shipped rule tables already read, by file, label, spec and check, with the file's state (inode,
#: size, modification time) when read: a decision loads the same few shipped files again and again.
#: One entry per file, replaced when the file changes; only tables read without a problem are kept.
#: A user's own files are never kept: an edit that keeps the size within one clock tick of the last
#: would leave that state as it was.
_SHIPPED_READ: dict[tuple, tuple[tuple, pd.DataFrame]] = {}


def _read(path: Path, label: str, check, spec: FileSpec | None = None) -> pd.DataFrame:
    """Read and type one rule file with the house parser, then its own checks; raise on any problem.

    ``spec`` defaults to the profile file's own (by file name); the other rule
    tables of this package (audit programs, plan types, the 60-day rule) pass theirs.
    A shipped file read before and not changed since is not parsed again: the
    caller gets a copy of the table read then, which is what reading it again
    gives. A user's file is parsed on every call.
    """
    spec = spec or APPEAL_RULE_SPECS[path.name]
    resolved = Path(path).resolve()
    if resolved.parent != Path(DATA_DIR).resolve() or not resolved.is_file():
        return _read_file(path, label, check, spec)
    st = resolved.stat()
    state = (st.st_ino, st.st_size, st.st_mtime_ns)
    key = (str(resolved), label, spec, check)
    kept = _SHIPPED_READ.get(key)
    if kept is None or kept[0] != state:
        kept = _SHIPPED_READ[key] = (state, _read_file(path, label, check, spec))
    return kept[1].copy()


def _read_file(path: Path, label: str, check, spec: FileSpec) -> pd.DataFrame:
    """:func:`_read` without the cache: parse the file and check it."""
    raw, rows, broken = read_csv_text(path, spec, label)
    parsed = parse_table(raw, spec, label=label, row_numbers=rows)
    problems = broken_problems(broken, label, value="_text") + parsed.problems
    data = parsed.data
    if not problems:
        problems += [Problem(label, int(row), column, str(value), expected)
                     for row, column, value, expected in (*_check_urls(data), *check(data))]
    if problems:
        problems.sort(key=lambda p: p.row)
        more = len(problems) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''} in this file)" if more else ""
        raise InputError(problems[0].message + tail)
    data = data.drop(columns=["_row"])
    for col in data.columns:
        if pd.api.types.is_string_dtype(data[col].dtype):
            data[col] = data[col].fillna("").astype("str")
    if "state" in data.columns:
        data["state"] = data["state"].str.upper()
    return data


def _check_urls(data: pd.DataFrame):
    if "source_url" not in data.columns:
        return
    for row, url in zip(data["_row"], data["source_url"]):
        if isinstance(url, str) and url and not url.startswith(("https://", "http://")):
            yield row, "source_url", url, "the address of the primary source, starting https:// or http://"


def _check_levels(data: pd.DataFrame):
    for pair in (("filing_window", "filing_unit"), ("stay_window", "stay_unit")):
        for row, window, unit in zip(data["_row"], data[pair[0]], data[pair[1]]):
            if pd.isna(window) != (unit == ""):
                yield row, pair[1], unit, f"a unit exactly when {pair[0]} is given"


def _check_rules(data: pd.DataFrame):
    for row, value, unit in zip(data["_row"], data["value"], data["unit"]):
        if unit in PERIOD_UNITS and not value.isdigit():
            yield row, "value", value, f"a whole number of {unit.replace('_', ' ')}"
        elif unit == "dollars":
            try:
                _cents(value)
            except ValueError:
                yield row, "value", value, "an amount in dollars with at most two decimals"


def _filled_end_dates(data: pd.DataFrame) -> pd.Series:
    """end_date, a blank one read as the day before the next row starts (the last row: open-ended)."""
    ordered = data.sort_values("effective_date", kind="stable")
    following = ordered["effective_date"].shift(-1) - pd.Timedelta(days=1)
    return ordered["end_date"].fillna(following).reindex(data.index)


def _check_rates(data: pd.DataFrame):
    ends = _filled_end_dates(data)
    for row, rate, start, end in zip(data["_row"], data["rate_percent"], data["effective_date"], ends):
        if not _decimal_between(rate, 0, 100):
            yield row, "rate_percent", rate, "a percentage between 0 and 100, e.g. 10.375"
        if not pd.isna(end) and end < start:
            yield row, "end_date", f"{end:%Y-%m-%d}", "a date on or after effective_date"
    ordered = data.assign(_end=ends).sort_values("effective_date", kind="stable")
    for (_, before), (_, after) in zip(ordered.iloc[:-1].iterrows(), ordered.iloc[1:].iterrows()):
        if pd.isna(before["_end"]) or after["effective_date"] <= before["_end"]:
            yield (after["_row"], "effective_date", f"{after['effective_date']:%Y-%m-%d}",
                   f"a date after {before['_end']:%Y-%m-%d}, where the rate of row {before['_row']} ends "
                   "(date ranges may not overlap)")


def _check_overturn(data: pd.DataFrame):
    for row, p in zip(data["_row"], data["p_win"]):
        if not _decimal_between(p, 0, 1):
            yield row, "p_win", p, "a probability between 0 and 1, e.g. 0.25"
    used = data.loc[data["use"].fillna(False).astype(bool)]
    for row in used.loc[used.duplicated(["payer_type", "level", "basis"]), "_row"]:
        yield row, "use", "true", "one row with use=true per payer_type, level and basis"


def _no_checks(data: pd.DataFrame):
    return iter(())


_PARSERS = {
    "appeal_levels.csv": ("levels", _check_levels),
    "payer_rules.csv": ("rules", _check_rules),
    "medicare_aic.csv": ("aic", _no_checks),
    "medicare_interest_rates.csv": ("interest_rates", _check_rates),
    "medicare_ers.csv": ("ers", _no_checks),
    "overturn_rates.csv": ("overturn", _check_overturn),
    "evidence_checklist.csv": ("evidence", _no_checks),
}


def _finish(name: str, data: pd.DataFrame) -> pd.DataFrame:
    """Shapes the code relies on: sorted levels, int64 numbers and cents, boolean ``use``."""
    if name == "appeal_levels.csv":
        data["level"] = data["level"].astype("int64")
        return data.sort_values(["payer_type", "state", "level"], kind="stable").reset_index(drop=True)
    if name == "medicare_aic.csv":
        for col in ("year", "alj_hearing_cents", "judicial_review_cents"):
            data[col] = data[col].astype("int64")
        return data.sort_values("year").reset_index(drop=True)
    if name == "medicare_interest_rates.csv":
        data["end_date"] = _filled_end_dates(data)
        return data.sort_values("effective_date", kind="stable").reset_index(drop=True)
    if name == "overturn_rates.csv":
        data["level"] = data["level"].astype("int64")
        data["use"] = data["use"].astype(bool)
    if name == "medicare_ers.csv":
        for col in ("months_min", "months_max"):
            data[col] = data[col].astype("int64")
    return data


def load_profiles(override: str | Path | None = None) -> Profiles:
    """Load the appeal rule profiles, each from ``override`` if it has the file.

    Parameters
    ----------
    override : path-like, optional
        A folder (an appeal folder, or one given with ``--profiles``). Each
        profile file present there replaces the shipped file of the same name.

    Returns
    -------
    Profiles

    Raises
    ------
    InputError
        A profile file lacks a column or holds a value of the wrong kind; the
        message names the file, the row and the column.

    Examples
    --------
    >>> p = load_profiles()
    >>> int(p.levels.loc[p.levels["payer_type"].eq("medicare"), "level"].max())
    5
    """
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    folder = Path(override) if override is not None else None
    for name in PROFILE_FILES:
        path = DATA_DIR / name
        label = f"shipped {name}"
        if folder is not None and present(folder / name):
            path = folder / name
            label = name
        attr, check = _PARSERS[name]
        tables[attr] = _finish(name, _read(path, label, check))
        sources[name] = str(path) if label == name else "shipped"
    return Profiles(sources=sources, **tables)


@dataclass(frozen=True)
class PayerProfile:
    """The rules that apply to one (payer_type, state) pair.

    Attributes
    ----------
    payer_type, state : str
        As asked for (state upper-case, ``""`` when none).
    has_state_rows : bool
        The state has rows of its own for this payer type.
    rules : dict of str to Rule
        Every parameter that applies: the state's own, else the default's.
    fallbacks : tuple of str
        Parameters of a listed state that came from the default profile.
    levels : pandas.DataFrame
        The appeal levels (the state's own if it has any, else the default's).
    levels_from_default : bool
        The levels are the default profile's although the state has rows.
    """

    payer_type: str
    state: str
    has_state_rows: bool
    rules: dict[str, Rule]
    fallbacks: tuple[str, ...]
    levels: pd.DataFrame
    levels_from_default: bool

    @property
    def key(self) -> str:
        """``medicare``, ``commercial:TX``, ``commercial:default``."""
        if self.payer_type == "medicare":
            return "medicare"
        return f"{self.payer_type}:{self.state if self.has_state_rows else 'default'}"

    def rule(self, name: str) -> Rule | None:
        return self.rules.get(name)

    def text(self, name: str, default: str = "") -> str:
        r = self.rules.get(name)
        return r.value if r is not None else default

    @cached_property
    def first_level(self) -> pd.Series:
        return self.levels.iloc[0]

    def unconfirmed(self, parameters=("lookback", "offset_starts"), levels=(1,)) -> list[str]:
        """Which of these rules and appeal levels are not ``confirmed``, with their status.

        >>> profile_for(load_profiles(), "commercial", "TX").unconfirmed()
        ['offset_starts (secondary)']
        """
        names = [f"{p} ({self.rules[p].status})" for p in parameters
                 if p in self.rules and self.rules[p].status != "confirmed"]
        names += [f"appeal level {lv} ({st})" for lv, st in self._level_status
                  if lv in levels and st != "confirmed"]
        return names

    @cached_property
    def _level_status(self) -> tuple[tuple[int, str], ...]:
        return tuple(zip(self.levels["level"].tolist(), self.levels["status"].tolist()))


def profile_for(profiles: Profiles, payer_type: str, state: str | None = None) -> PayerProfile:
    """Resolve the rules of one payer type and state.

    A listed state's own rows win; every parameter or level it lacks comes
    from the payer type's default rows (state blank), and ``fallbacks`` says
    which. Medicare ignores the state.

    Parameters
    ----------
    profiles : Profiles
    payer_type : str
        ``medicare``, ``medicaid`` or ``commercial``.
    state : str, optional
        Two-letter state code.

    Returns
    -------
    PayerProfile

    Raises
    ------
    InvalidParameterError
        The payer type is unknown, or its default profile has no appeal level.

    Examples
    --------
    >>> tx = profile_for(load_profiles(), "commercial", "tx")
    >>> tx.key, tx.rule("lookback").describe()
    ('commercial:TX', '180 days from the payment date')
    """
    payer_type = str(payer_type).strip().lower()
    if payer_type not in PAYER_TYPES:
        raise InvalidParameterError(f"unknown payer_type {payer_type!r}; expected one of {', '.join(PAYER_TYPES)}")
    state = "" if payer_type == "medicare" or state is None or pd.isna(state) else str(state).strip().upper()
    return profiles.memo(("profile", payer_type, state), lambda: _resolve(profiles, payer_type, state))


def _rows_by_key(profiles: Profiles) -> tuple[dict, dict]:
    """The rule tables grouped once by (payer_type, state): each pair's rules, and its levels' row positions.

    Resolving a profile then takes one row selection of the levels instead
    of a boolean mask over each table per question (the generator resolves
    every payer of a practice while its worker processes start).
    """
    def group():
        rules: dict[tuple, dict[str, Rule]] = {}
        for r in profiles.rules.itertuples(index=False):
            rules.setdefault((r.payer_type, r.state), {})[r.parameter] = Rule(
                r.parameter, r.value, r.unit, r.counted_from, r.source, r.status, r.note, r.state)
        levels: dict[tuple, list[int]] = {}
        for position, key in enumerate(zip(profiles.levels["payer_type"], profiles.levels["state"])):
            levels.setdefault(key, []).append(position)
        return rules, levels

    return profiles.memo(("rows by payer_type and state",), group)


def _resolve(profiles: Profiles, payer_type: str, state: str) -> PayerProfile:
    rules, levels = _rows_by_key(profiles)
    default = rules.get((payer_type, ""), {})
    own = rules.get((payer_type, state), {}) if state else {}
    default_levels = levels.get((payer_type, ""), [])
    own_levels = levels.get((payer_type, state), []) if state else []
    has_state_rows = bool(own or own_levels)
    fallbacks = tuple(sorted(k for k in default if k not in own)) if has_state_rows else ()
    if not own_levels and not default_levels:
        raise InvalidParameterError(f"appeal_levels.csv has no level for {payer_type} (default profile)")
    # A state may list only its first level; later levels come from the default.
    later = []
    if own_levels:
        numbers = profiles.levels["level"].to_numpy()
        later = [at for at in default_levels if numbers[at] > numbers[own_levels].max()]
    return PayerProfile(
        payer_type=payer_type,
        state=state,
        has_state_rows=has_state_rows,
        rules={**default, **own},
        fallbacks=fallbacks,
        levels=profiles.levels.iloc[own_levels + later if own_levels else default_levels].reset_index(drop=True),
        levels_from_default=has_state_rows and not own_levels,
    )


def rule_keys(decisions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per decision, the payer type and state whose rules apply.

    :func:`recoup_lib.appeals.decide` writes them as ``rules_payer_type`` and
    ``rules_state``; they differ from the payer's own ``payer_type`` and
    ``state`` for a Medicare Advantage or Medicaid managed-care plan, whose
    recoupments follow the provider contract (the commercial default
    profile), not Section 935. Frames without them use the payer's own.
    """
    types = decisions["rules_payer_type"] if "rules_payer_type" in decisions.columns else decisions["payer_type"]
    states = next((decisions[c] for c in ("rules_state", "state") if c in decisions.columns),
                  pd.Series("", index=decisions.index))
    return (types.astype("str").str.lower().to_numpy(dtype=object),
            states.fillna("").astype("str").str.strip().str.upper().to_numpy(dtype=object))
