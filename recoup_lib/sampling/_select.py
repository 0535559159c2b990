"""Seeded selection of a probability sample from a sample frame, with spares.

Simple random sampling without replacement, and stratified simple random
sampling (strata from a column, or from dollar bands of an amount column).
Every unit of a stratum has the same chance of selection, the chance is known
(n_h / N_h), and the whole selection is reproducible from the seed.

Generator (what a reviewer needs to reproduce a sample)
--------------------------------------------------------
* Unstratified: ``rng = numpy.random.default_rng(seed)``.
* Stratum ``label``: ``rng = numpy.random.default_rng(numpy.random.SeedSequence(
  seed, spawn_key=tuple(label.encode("utf-8"))))``, one independent stream per
  stratum keyed by its name, so adding or renaming one stratum never changes
  the units drawn in another.
* Within a stratum, the units' frame positions (ascending) are shuffled with
  ``rng.permutation(N_h)``; the first n_h are the sample in selection order,
  the next k the spares, to be used in that order.

``default_rng`` is PCG64. NumPy keeps the bit stream of a seeded generator
stable, but does not promise that every sampling method draws identically in
every future release, so the design file records the numpy version.
RAT-STATS uses its own generator: the same seed typed into RAT-STATS gives a
different sample, and a RAT-STATS sample cannot be reproduced here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, InvalidParameterError
from ..folder import to_text_frame, write_csv
from ..money import allocate, format_cents_scalar
from ..outputs import writes_folder
from ..results import StepResult
from ..schema import SAMPLE_SPEC, index_place
from ..wording import listed
from ._common import kit_version, match_strata, refuse_case_variants

__all__ = [
    "SampleSelection",
    "select_sample",
    "allocate_sample",
    "strata_from_bounds",
    "check_strata_bounds",
    "stratum_rng",
    "SAMPLE_COLUMNS",
    "GENERATOR",
    "RAT_STATS_NOTE",
]

#: Columns of the selection table, in order (frame columns follow them).
SAMPLE_COLUMNS = ("selection_order", "sample_id", "stratum", "is_spare", "frame_position",
                  "stratum_size", "frame_size", "seed", "method")


def _frame_column_names(names: list[str]) -> list[str]:
    """The frame's columns as named in ``sample.csv``: one named like a selection column or like a column
    ``recoup extrapolate`` reads (ignoring case, as its reader matches names) gets the prefix ``frame_``,
    repeated until the name is taken by no other column.

    ``Stratum`` beside the kit's ``stratum`` would make the sample unreadable (a column twice), and a
    frame's own ``overpayment`` would be read as the reviewed amount of units nobody has reviewed yet.
    """
    reserved = {name.lower() for name in (*SAMPLE_COLUMNS, *(c.name for c in SAMPLE_SPEC.columns))}
    taken = reserved | {name.lower() for name in names}
    renamed = []
    for name in names:
        if name.lower() in reserved:
            while name.lower() in taken:
                name = f"frame_{name}"
            taken.add(name.lower())
        renamed.append(name)
    return renamed


GENERATOR = "numpy.random.default_rng (PCG64); per stratum SeedSequence(seed, spawn_key=UTF-8 " \
            "bytes of the stratum name); rng.permutation of the stratum's frame positions"

RAT_STATS_NOTE = ("RAT-STATS uses its own random number generator: a seed is not "
                  "interchangeable between RAT-STATS and this kit.")

_UNSTRATIFIED = "all"


@dataclass(frozen=True)
class SampleSelection(StepResult):
    """A selected sample and the design that reproduces it: what :func:`select_sample` returns.

    Attributes
    ----------
    sample : pandas.DataFrame
        One row per selected unit (sample units and spares), ordered by
        stratum then selection order. Columns :data:`SAMPLE_COLUMNS`:
        ``selection_order`` (1, 2, ... within the stratum; spares continue the
        count), ``sample_id`` (the frame's id), ``stratum`` (``"all"`` when
        unstratified), ``is_spare``, ``frame_position`` (1 = first data row of
        the frame), ``stratum_size`` (N_h), ``frame_size`` (N), ``seed``,
        ``method``; then the frame's other columns (one named like these or
        like ``overpayment``, ignoring case, gets the prefix ``frame_``).
    design : dict
        Seed, generator, numpy and kit versions, frame size, method,
        allocation, and per stratum the universe size, sample size and spares
        (JSON-ready; :meth:`write` writes it as ``sample_design.json``).
    """

    written_by = "recoup sample"

    sample: pd.DataFrame = field(repr=False)
    design: dict

    @property
    def units(self) -> pd.DataFrame:
        """The sample proper (no spares)."""
        return self.sample.loc[~self.sample["is_spare"]]

    @property
    def spares(self) -> pd.DataFrame:
        """The spares, in the order they are to be used within each stratum."""
        return self.sample.loc[self.sample["is_spare"]]

    def strata_table(self) -> pd.DataFrame:
        """``stratum``, ``universe_size``: the ``--strata`` file of ``recoup extrapolate``."""
        rows = self.design["strata"]
        return pd.DataFrame({"stratum": [r["stratum"] for r in rows],
                             "universe_size": [r["universe_size"] for r in rows]})

    @writes_folder
    def write(self, out: str | Path, *, frame_file: str | None = None) -> list[Path]:
        """Write sample.csv, sample_design.json and strata.csv into the folder ``out``.

        Parameters
        ----------
        out : path-like
            Created if needed.
        frame_file : str, optional
            Name of the frame's file, recorded in the design as ``frame_file``.

        Returns
        -------
        list of pathlib.Path
            sample.csv (one row per unit and spare: :data:`SAMPLE_COLUMNS`,
            then the frame's columns as read), sample_design.json and
            strata.csv (the ``--strata`` file of ``recoup extrapolate``).
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        ours = list(SAMPLE_COLUMNS)
        text = pd.concat([to_text_frame(self.sample[ours]), self.sample.drop(columns=ours)], axis=1)
        paths = [write_csv(text, out / "sample.csv", text=True)]
        design = self.design if frame_file is None else dict(self.design, frame_file=frame_file)
        (out / "sample_design.json").write_text(json.dumps(design, indent=2) + "\n", encoding="utf-8")
        paths.append(out / "sample_design.json")
        paths.append(write_csv(self.strata_table(), out / "strata.csv"))
        return paths

    def summary(self) -> str:
        """How many units and spares were drawn from how many, with which seed; per stratum."""
        d = self.design
        out = [f"{d['sample_size']:,} unit(s) and {d['spares']:,} spare(s) drawn from {d['frame_size']:,} "
               f"with seed {d['seed']} ({d['method']}"
               + (f", {len(d['strata'])} strata" if d["stratified_by"] else "") + ")."]
        for row in d["strata"] if d["stratified_by"] else []:
            out.append(f"  {row['stratum']}: {row['sample_size']:,} of {row['universe_size']:,}"
                       f" + {row['spares']:,} spare(s)")
        short = [row for row in d["strata"] if row["spares"] < d["spares_requested"]]
        if short:
            where = (listed([f"{row['stratum']!r} ({row['spares']:,})" for row in short], 5)
                     if d["stratified_by"] else f"the frame ({short[0]['spares']:,})")
            out.append(f"Fewer spares than the {d['spares_requested']:,} asked for in {where}: the sample leaves "
                       "no more units to spare.")
        return "\n".join(out)


def stratum_rng(seed: int, stratum: str | None = None) -> np.random.Generator:
    """The random generator used for one stratum (or the whole frame).

    Parameters
    ----------
    seed : int
        The design's seed (a whole number >= 0).
    stratum : str, optional
        Stratum name; None for an unstratified sample.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> stratum_rng(7).permutation(5).tolist() == stratum_rng(7).permutation(5).tolist()
    True
    """
    if stratum is None:
        return np.random.default_rng(seed)
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=tuple(str(stratum).encode("utf-8"))))


def check_strata_bounds(bounds_cents: Sequence[int]) -> list[int]:
    """The edges of dollar bands as whole cents, checked before any frame is read.

    Raises
    ------
    InvalidParameterError
        No edge, or edges not strictly increasing.
    """
    bounds = [int(b) for b in bounds_cents]
    if not bounds or any(b >= c for b, c in zip(bounds, bounds[1:])):
        raise InvalidParameterError("strata bounds must be one or more strictly increasing amounts "
                         f"(e.g. 0,100,500); got {[format_cents_scalar(b) for b in bounds]}")
    return bounds


def strata_from_bounds(amounts_cents, bounds_cents: Sequence[int]) -> pd.Series:
    """Label each amount with its dollar band.

    Parameters
    ----------
    amounts_cents : sequence of int
        One amount per frame unit (e.g. paid), in cents.
    bounds_cents : sequence of int
        Strictly increasing band edges b0 < b1 < ... < bk, in cents. Bands are
        [b0, b1), [b1, b2), ..., [bk, infinity); an amount below b0 is an error.

    Returns
    -------
    pandas.Series (categorical)
        Labels such as ``"0.00-99.99"``, ``"100.00-499.99"``, ``"500.00+"``;
        the categories keep the bands in dollar order, so strata are listed
        low to high rather than alphabetically.

    Raises
    ------
    InvalidParameterError
        Bounds not strictly increasing, or fewer than one.
    InputError
        An amount is missing or below the lowest bound.

    Examples
    --------
    >>> strata_from_bounds([0, 9999, 10000, 75000], [0, 10000, 50000]).tolist()
    ['0.00-99.99', '0.00-99.99', '100.00-499.99', '500.00+']
    """
    bounds = check_strata_bounds(bounds_cents)
    index = amounts_cents.index if isinstance(amounts_cents, pd.Series) else None
    amounts = pd.Series(amounts_cents, index=index, copy=False)
    if amounts.isna().any():
        raise InputError(f"{int(amounts.isna().sum())} frame unit(s) have no amount to place "
                         "in a dollar band")
    values = amounts.to_numpy(dtype=np.int64)
    below = values < bounds[0]
    if below.any():
        raise InputError(f"{int(below.sum())} frame unit(s) are below the lowest strata bound "
                         f"{format_cents_scalar(bounds[0])} (first at "
                         f"{index_place(amounts.index, int(np.flatnonzero(below)[0]))})")
    labels = [f"{format_cents_scalar(lo)}-{format_cents_scalar(hi - 1)}"
              for lo, hi in zip(bounds, bounds[1:])] + [f"{format_cents_scalar(bounds[-1])}+"]
    band = np.searchsorted(np.asarray(bounds, dtype=np.int64), values, side="right") - 1
    return pd.Series(pd.Categorical.from_codes(band, categories=labels), index=index)


def allocate_sample(universe_sizes: Mapping[str, int], total: int,
                    allocation: str = "proportional", minimum: int = 2) -> dict[str, int]:
    """Split a total sample size among strata.

    Parameters
    ----------
    universe_sizes : mapping of str to int
        N_h of each stratum.
    total : int
        Total sample size n (at most the sum of N_h).
    allocation : {"proportional", "equal"}, default "proportional"
        After the floor below, the rest is split in proportion to N_h
        (largest remainder, :func:`recoup_lib.money.allocate`) or equally.
    minimum : int, default 2
        Each stratum first gets min(minimum, N_h) units, so that its sampling
        error can be estimated (a variable appraisal needs two per stratum
        unless the stratum is reviewed in full).

    Returns
    -------
    dict of str to int
        n_h per stratum, never above N_h, summing to ``total``.

    Raises
    ------
    InvalidParameterError
        Unknown allocation; total below the floors or above the frame.

    Examples
    --------
    >>> allocate_sample({"A": 100, "B": 300}, 40)
    {'A': 11, 'B': 29}
    """
    if allocation not in ("proportional", "equal"):
        raise InvalidParameterError(f"allocation must be 'proportional' or 'equal'; got {allocation!r}")
    names = list(universe_sizes)
    caps = np.array([int(universe_sizes[k]) for k in names], dtype=np.int64)
    floors = np.minimum(caps, minimum)
    if total > caps.sum():
        raise InvalidParameterError(f"sample size {total:,} is larger than the frame ({int(caps.sum()):,} "
                         "units)")
    if total < floors.sum():
        raise InvalidParameterError(f"sample size {total:,} is too small for {len(names)} strata: each "
                         f"stratum needs at least {minimum} units (at least "
                         f"{int(floors.sum()):,} in all); give a larger --size or per-stratum "
                         "sizes")
    sizes = floors.copy()
    left = int(total - sizes.sum())
    while left > 0:
        room = caps - sizes
        weights = np.where(room > 0, caps if allocation == "proportional" else 1, 0)
        share = np.minimum(allocate(left, weights), room)
        sizes += share
        left = int(total - sizes.sum())
    return {k: int(v) for k, v in zip(names, sizes)}


def _check_frame(frame: pd.DataFrame, id_column: str) -> pd.Series:
    if id_column not in frame.columns:
        raise InputError(f"the frame has no id column '{id_column}' (columns: "
                         f"{', '.join(map(str, frame.columns))})")
    ids = frame[id_column].astype("str").str.strip()
    problems = []
    blank = np.flatnonzero((ids == "").to_numpy() | frame[id_column].isna().to_numpy())
    if len(blank):
        problems.append(f"{len(blank)} unit(s) have a blank '{id_column}' (first at "
                        f"{index_place(frame.index, blank[0])})")
    dup = np.flatnonzero(ids.duplicated(keep="first").to_numpy())
    if len(dup):
        problems.append(f"{len(dup)} unit(s) repeat an earlier '{id_column}' (first: "
                        f"{ids.iloc[dup[0]]!r} at {index_place(frame.index, dup[0])})")
    if problems:
        raise InputError("the sample frame is not a valid universe: " + "; ".join(problems))
    return ids


def _check_whole(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidParameterError(f"{name} must be a whole number >= {minimum}; got {value!r}")
    return int(value)


def select_sample(frame: pd.DataFrame, id_column: str, size: int | Mapping[str, int],
                  seed: int, *, spares: int = 0, strata: str | pd.Series | None = None,
                  allocation: str = "proportional",
                  stratified_by: str | None = None) -> SampleSelection:
    """Select a seeded simple random or stratified sample, with spares.

    Parameters
    ----------
    frame : pandas.DataFrame
        The sample frame: one row per sampling unit of the universe, in a
        fixed order (the frame position is the row number, 1-based).
    id_column : str
        Column identifying each unit (non-blank, unique).
    size : int or mapping of str to int
        Total sample size; for a stratified sample either a total (split by
        :func:`allocate_sample`) or the size of every stratum (a stratum
        named ignoring case and surrounding spaces: ``high`` for ``High``).
    seed : int
        Whole number >= 0. Keep it with the audit file: it reproduces the
        sample exactly (see the module notes for the generator).
    spares : int, default 0
        Spares per stratum, drawn after the sample from the same shuffle; a
        stratum with fewer units left gets only those (the design records
        how many).
    strata : str or pandas.Series, optional
        Stratify by this column of ``frame``, or by these labels (one per
        frame row, e.g. from :func:`strata_from_bounds`).
    allocation : {"proportional", "equal"}, default "proportional"
        How a total ``size`` is split among strata.
    stratified_by : str, optional
        Description of the strata recorded in the design (defaults to the
        column name).

    Returns
    -------
    SampleSelection
        ``.sample`` (columns :data:`SAMPLE_COLUMNS` then the frame's),
        ``.design``, ``write(out)`` and ``summary()``.

    Raises
    ------
    InvalidParameterError
        Size, seed or spares not whole numbers; size larger than the frame or
        a stratum; per-stratum sizes not matching the strata.
    InputError
        Blank or repeated ids; blank stratum labels; a stratum spelled two
        ways (``High``, ``high``).

    Notes
    -----
    CMS requires a probability sample whose random numbers can be
    reproduced, so the seed and the generator are part of the audit record
    (PIM ch. 8 section 8.4; docs/sources.md §4.1). RAT-STATS draws the same kind of
    sample (single-stage random numbers with spares) but with its own
    generator, so seeds are not interchangeable (docs/sources.md §4.3). The OIG
    notes that spares are seldom needed: a unit whose records cannot be
    produced is usually counted as an overpayment (docs/sources.md §4.2).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"claim_id": [f"C{i}" for i in range(1, 101)]})
    >>> sel = select_sample(frame, "claim_id", size=5, seed=2024, spares=2)
    >>> len(sel.units), len(sel.spares), sel.design["frame_size"]
    (5, 2, 100)
    """
    seed = _check_whole(seed, "seed", 0)
    spares = _check_whole(spares, "spares", 0)
    ids = _check_frame(frame, id_column)
    frame_size = len(frame)
    if strata is None:
        if isinstance(size, Mapping):
            raise InvalidParameterError("per-stratum sizes need strata")
        labels = None
        sizes = {_UNSTRATIFIED: _check_whole(size, "sample size", 1)}
        universe = {_UNSTRATIFIED: frame_size}
        if sizes[_UNSTRATIFIED] > frame_size:
            raise InvalidParameterError(f"sample size {sizes[_UNSTRATIFIED]:,} is larger than the frame "
                             f"({frame_size:,} units)")
        method = "simple random sampling without replacement"
    else:
        if isinstance(strata, str):
            if strata not in frame.columns:
                raise InputError(f"the frame has no column '{strata}' to stratify by")
            stratified_by = stratified_by or strata
            strata = frame[strata]
        given = pd.Series(strata, copy=False)
        if len(given) != frame_size:
            raise InvalidParameterError("strata labels must have one value per frame row")
        labels = given.astype("str").str.strip()
        blank = np.flatnonzero((labels == "").to_numpy() | given.isna().to_numpy())
        if len(blank):
            raise InputError(f"{len(blank)} frame unit(s) have no stratum (first at "
                             f"{index_place(frame.index, blank[0])})")
        refuse_case_variants(labels)
        codes, names = pd.factorize(labels)
        counts = np.bincount(codes, minlength=len(names))
        if isinstance(given.dtype, pd.CategoricalDtype):
            ranked = {str(c): i for i, c in enumerate(given.cat.categories)}
            order = sorted(range(len(names)), key=lambda i: ranked.get(str(names[i]), len(ranked)))
        else:
            order = sorted(range(len(names)), key=lambda i: str(names[i]))
        universe = {str(names[i]): int(counts[i]) for i in order}
        code_of = {str(names[i]): i for i in order}
        if isinstance(size, Mapping):
            named = match_strata([str(k) for k in size], universe)
            twice = [k for k in named if list(named.values()).count(named[k]) > 1]
            if twice:
                raise InvalidParameterError("per-stratum sizes name a stratum more than once (as "
                                            + ", ".join(repr(k) for k in twice) + ")")
            sizes = {named[str(k)]: _check_whole(v, f"sample size of stratum '{k}'", 1)
                     for k, v in size.items()}
            unknown = sorted(set(sizes) - set(universe))
            missing = sorted(set(universe) - set(sizes))
            if unknown or missing:
                raise InvalidParameterError(
                    "per-stratum sizes must name every stratum of the frame exactly"
                    + (f"; not in the frame: {', '.join(unknown)}" if unknown else "")
                    + (f"; no size given for: {', '.join(missing)}" if missing else ""))
            over = [f"{k} ({sizes[k]:,} > {universe[k]:,})" for k in universe
                    if sizes[k] > universe[k]]
            if over:
                raise InvalidParameterError("sample size larger than the stratum: " + ", ".join(over))
            sizes = {k: sizes[k] for k in universe}
        else:
            sizes = allocate_sample(universe, _check_whole(size, "sample size", 1), allocation)
        method = "stratified simple random sampling without replacement"

    positions = np.arange(frame_size, dtype=np.int64)
    parts, strata_design = [], []
    for name in universe:
        members = positions if labels is None else positions[codes == code_of[name]]
        rng = stratum_rng(seed, None if labels is None else name)
        n = sizes[name]
        k = min(spares, len(members) - n)
        order = members[rng.permutation(len(members))[: n + k]]
        parts.append(pd.DataFrame({
            "selection_order": np.arange(1, n + k + 1, dtype=np.int64),
            "sample_id": ids.to_numpy()[order],
            "stratum": name,
            "is_spare": np.arange(n + k) >= n,
            "frame_position": order + 1,
            "stratum_size": len(members),
        }))
        strata_design.append({"stratum": name, "universe_size": int(len(members)),
                              "sample_size": int(n), "spares": int(k)})
    sample = pd.concat(parts, ignore_index=True)
    sample["frame_size"] = frame_size
    sample["seed"] = seed
    sample["method"] = method
    sample = sample.astype({"sample_id": "str", "stratum": "str", "method": "str",
                            "is_spare": "bool"})
    others = [c for c in frame.columns if c != id_column]
    extra = frame.iloc[sample["frame_position"].to_numpy() - 1][others].reset_index(drop=True)
    extra.columns = _frame_column_names(others)
    sample = pd.concat([sample, extra], axis=1)

    design = {
        "method": method,
        "generator": GENERATOR,
        "numpy_version": np.__version__,
        "kit_version": kit_version(),
        "seed": seed,
        "id_column": id_column,
        "frame_size": frame_size,
        "stratified_by": stratified_by if labels is not None else None,
        "allocation": (None if labels is None else
                       "per-stratum sizes given" if isinstance(size, Mapping) else allocation),
        "sample_size": int(sum(sizes.values())),
        "spares_requested": spares,
        "spares": int(sum(r["spares"] for r in strata_design)),
        "sample_sizes": {r["stratum"]: r["sample_size"] for r in strata_design},
        "universe_sizes": {r["stratum"]: r["universe_size"] for r in strata_design},
        "strata": strata_design,
        "note": RAT_STATS_NOTE,
    }
    return SampleSelection(sample=sample, design=design)
