"""Labelled synthetic practices: claims, payments, coverage, notes, and the answer key.

``generate_practice(lines=20000, seed=11)`` simulates a practice described by
a profile (``synthetic/profiles/*.json``), injects the contract's ten error
types at a chosen overall rate, and returns it in memory as a
:class:`GeneratedPractice`; its ``write(out)`` writes the self-contained audit
folder that ``recoup generate`` produces, and ``summary()`` says what it holds.
The same seed always gives the same bytes.

The answer key (``labels.csv``) is, by construction, exactly the findings the
contract's rules produce for the folder: one row per (line, error type) with
the contract's at-risk amount. The test suite checks this against the audit
engine for many seeds and all profiles.

The payers' side (:mod:`._payer`) adds what happens after payment:
``notices.csv`` (overpayment notices, some of them wrong or late) and their
answer key ``recoupment_labels.csv``. ``payments.csv`` stays the snapshot of
what was paid at adjudication, so ``labels.csv`` does not change.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from dataclasses import fields
from pathlib import Path

import numpy as np

from .. import reference
from ..errors import InvalidParameterError
from ..outputs import output_folder, writes_folder
from ..results import StepResult
from ..wording import parse_size, size_text
from ._blocks import (
    Layout,
    combine,
    memory_needed,
    plan_layout,
    run_blocks,
    wait_for_workers,
    whole_block,
    workers_within,
)
from ._claims837 import CLAIMS837_FOLDER
from ._export import HEADER_STYLES, write_messy_export
from ._remits import plan_remits, remit_tables
from ._practice import Practice, References
from ._profile import Profile, load_profile, profile_names, profiles_dir
from ._write import (
    FOLDER_FILES,
    PAYER_FILES,
    RECOUPMENT_LABEL_COLUMNS,
    REMITS_FOLDER,
    WRITTEN_BY,
    describe,
    write_folder,
    write_in_blocks,
)

__all__ = ["generate_practice", "write_practice", "generate", "Practice", "GeneratedPractice", "load_profile",
           "profile_names", "profiles_dir", "default_references", "DEFAULT_ERROR_RATE",
           "FOLDER_FILES", "PAYER_FILES", "RECOUPMENT_LABEL_COLUMNS", "plan_remits", "remit_tables",
           "REMITS_FOLDER", "CLAIMS837_FOLDER", "describe", "write_messy_export", "HEADER_STYLES"]

DEFAULT_ERROR_RATE = 0.08

def default_references() -> References:
    """The shipped tables, typed."""
    return References(
        codes=reference.load("procedure_codes"),
        payers=reference.load("payers"),
        fee_schedule=reference.load_default("fee_schedule"),
        ncci_ptp=reference.load_default("ncci_ptp"),
        mue=reference.load_default("mue"),
        payer_policies=reference.load_default("payer_policies"),
    )


class GeneratedPractice(Practice, StepResult):
    """A simulated practice and its answer key: what :func:`generate_practice` returns.

    The attributes are those of :class:`Practice` (``lines``, ``payments``,
    ``documentation``, ``spans``, ``labels``, ``notices``, ...).
    :meth:`write` writes the audit folder ``recoup generate`` writes and
    :meth:`summary` says in plain words what the practice holds.
    """

    written_by = WRITTEN_BY

    @writes_folder
    def write(self, out: str | Path, *, payer: bool = True, remits: bool = True,
              claims837: bool | None = None) -> list[Path]:
        """Write the practice as a self-contained audit folder; return the files written.

        ``payer``, ``remits`` and ``claims837`` as in :func:`write_practice`.
        """
        return write_folder(self, out, payer=payer, remits=remits, claims837=claims837)

    def summary(self) -> str:
        """The profile, the size, the injected errors by type and the payers' notices."""
        labels = self.labels
        facts = {"profile_title": self.profile.title, "lines": len(self.lines), "seed": self.seed,
                 "lines_with_errors": labels[["claim", "line_no"]].drop_duplicates().shape[0],
                 "labels_by_error_type": labels["error_type"].value_counts().sort_index().to_dict()}
        notices = self.notices
        if notices is not None:
            facts["payer_review"] = {"notices": len(notices), "valid": int(notices["valid"].sum()),
                                     "false_accusations": int((notices["accusation"] == "false").sum()),
                                     "after_lookback": int((~notices["within_lookback"]).sum())}
        return describe(facts)


#: The most lines and the longest period (in days) a generated practice may have: more would run
#: for hours and fill the disk (a practice of a million lines takes a minute).
MAX_LINES = 10_000_000
MAX_PERIOD_DAYS = 3_660
_FIRST, _LAST = np.datetime64("1900-01-01"), np.datetime64("2100-12-31")


@contextlib.contextmanager
def _profile_problems(profile=None):
    """A profile, period or rate the generator cannot use is a bad argument (same message).

    A profile file of the user's whose values have the wrong shape (a number
    where a table is expected, a missing key) is one too: the message names it.
    """
    try:
        yield
    except InvalidParameterError:
        raise
    except ValueError as exc:
        raise InvalidParameterError(str(exc)) from exc
    except (KeyError, TypeError, AttributeError, IndexError, ZeroDivisionError) as exc:
        if profile is None:
            raise
        raise InvalidParameterError(f"profile {profile}: a value is not in the expected form "
                                    f"({type(exc).__name__}: {exc}); compare it with a shipped profile "
                                    "(synthetic/profiles/)") from None


def _profile_name(profile) -> str | None:
    """The profile as the user named it (None for a profile object built in Python)."""
    return None if isinstance(profile, Profile) else str(profile)


def generate_practice(lines: int = 20000, seed: int = 0, error_rate: float = DEFAULT_ERROR_RATE,
                      profile: str | Profile = "family_practice", start: str | None = None,
                      end: str | None = None, refs: References | None = None,
                      workers: int | None = None) -> GeneratedPractice:
    """Simulate a practice with exactly ``lines`` claim lines and its answer key: the generate step.

    Parameters
    ----------
    lines : int, default 20000
        Claim lines in the result, errors included.
    seed : int, default 0
        Same seed, same practice, byte for byte.
    error_rate : float, default 0.08
        Share of lines carrying at least one contract error (about 8%).
    profile : str or Profile, default "family_practice"
        A profile name (see :func:`profile_names`) or a loaded profile.
    start, end : str, optional
        First and last date of service (``YYYY-MM-DD``); default: the
        profile's period.
    refs : References, optional
        Reference tables to price and edit with (default: the shipped ones).
    workers : int, optional
        Processes building the blocks of a practice over 250,000 lines side
        by side (default: every core); the practice is the same whatever
        the number.

    Returns
    -------
    GeneratedPractice
        ``lines``, ``payments``, ``documentation``, ``spans`` (coverage),
        ``labels``, ``policies``, ``patients``, ``providers``, ``notices`` and
        more; ``write(out)`` and ``summary()``.

    Raises
    ------
    InvalidParameterError
        Fewer than 50 or more than :data:`MAX_LINES` lines, an error rate
        outside 0-0.5 or too high for so few lines, an unknown or malformed
        profile, a date that is not a date or lies outside 1900-2100, or a
        period that ends before it starts or is longer than ten years.

    Examples
    --------
    >>> practice = generate_practice(lines=2000, seed=3)
    >>> len(practice.lines)
    2000
    """
    layout = _layout(lines, seed, error_rate, profile, start, end, refs)
    practice = _whole(layout, _workers(workers), _profile_name(profile))
    return GeneratedPractice(**{f.name: getattr(practice, f.name) for f in fields(Practice)})


def _whole(layout: Layout, workers: int, named: str | None = None) -> Practice:
    with _profile_problems(named):
        return combine(list(run_blocks(layout, whole_block, keep=True, workers=workers)), layout)


def _workers(workers: int | None) -> int:
    """Worker processes for the blocks of a large practice: every core unless told (``None`` or 0, as
    the audit's ``--workers`` reads them)."""
    if isinstance(workers, bool) or (workers is not None and not isinstance(workers, (int, np.integer))) \
            or (workers is not None and workers < 0):
        raise InvalidParameterError(f"workers must be a whole number of 0 or more (0: every core); got {workers!r}")
    return int(workers) if workers else (os.cpu_count() or 1)


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _period_day(value, name: str) -> np.datetime64 | None:
    """A ``start`` or ``end`` given by the user as a day (None: the profile's), or a message naming it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, str) and not _ISO_DAY.fullmatch(value.strip()):
            raise ValueError(value)  # numpy reads "today", "now" (the wall clock) and "20250601" (a year)
        return np.datetime64(value.strip() if isinstance(value, str) else value, "D")
    except (ValueError, TypeError):
        raise InvalidParameterError(f"{name} must be a real date written YYYY-MM-DD; got {value!r}") from None


def _layout(lines: int, seed: int, error_rate: float, profile: str | Profile, start: str | None,
            end: str | None, refs: References | None) -> Layout:
    """The practice's blocks (see :mod:`._blocks`), its arguments checked."""
    if lines < 50:
        raise InvalidParameterError(f"a practice needs at least 50 lines; got {lines}")
    if lines > MAX_LINES:
        raise InvalidParameterError(f"a practice has at most {MAX_LINES:,} lines; got {lines:,}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidParameterError(f"seed must be a whole number of 0 or more; got {seed!r}")
    start, end = _period_day(start, "start"), _period_day(end, "end")
    named = _profile_name(profile)
    with _profile_problems(named):
        prof = profile if isinstance(profile, Profile) else load_profile(profile)
    refs = refs or default_references()
    with _profile_problems(named):
        period = prof["period"]
        start = np.datetime64(period["start"], "D") if start is None else start
        end = np.datetime64(period["end"], "D") if end is None else end
    if np.isnat(start) or np.isnat(end) or start < _FIRST or end > _LAST:
        raise InvalidParameterError(f"the period ({start} to {end}) must lie between {_FIRST} and {_LAST}")
    if end < start:
        raise InvalidParameterError(f"the period ends ({end}) before it starts ({start})")
    if (end - start).astype(int) > MAX_PERIOD_DAYS:
        raise InvalidParameterError(f"the period ({start} to {end}) is longer than {MAX_PERIOD_DAYS:,} days "
                                    "(about ten years)")
    with _profile_problems(named):
        return plan_layout(lines, seed, error_rate, prof, start, end, refs)


def write_practice(practice: Practice, out: str | Path, payer: bool = True, remits: bool = True,
                   claims837: bool | None = None, force: bool = False) -> Path:
    """Write the practice as a self-contained audit folder (see :data:`FOLDER_FILES`).

    Parameters
    ----------
    practice : Practice
    out : path-like
        The folder to write (created if needed).
    payer : bool, default True
        Also write the payers' files (:data:`PAYER_FILES`) when the practice
        has notices; False writes a plain audit folder.
    remits : bool, default True
        Also simulate the take-backs and write the payers' 835 remittances
        under ``remits/`` (and the take-back columns of
        recoupment_labels.csv). False keeps the notices and skips the
        remittances (``recoup generate --no-remits``).
    claims837 : bool, optional
        Also write the claims as the clearinghouse sent them, X12 837P files
        under ``claims837/`` (:mod:`._claims837`). Default: with the 835s.
    force : bool, default False
        Replace a folder holding files the kit did not write, or edited
        since (they are kept); see :func:`recoup_lib.outputs.output_folder`.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    with output_folder(out, force=force, written_by=GeneratedPractice.written_by) as folder:
        write_folder(practice, folder, payer=payer, remits=remits, claims837=claims837)
    return Path(out)


def generate(out: str | Path, lines: int = 20000, seed: int = 0, error_rate: float = DEFAULT_ERROR_RATE,
             profile: str = "family_practice", start: str | None = None, end: str | None = None, *,
             remits: bool = True, max_memory: int | str | None = None, workers: int | None = None,
             force: bool = False, inputs=()) -> Path:
    """Generate a practice and write its folder (what ``recoup generate`` does); returns ``out``.

    Parameters
    ----------
    out : path-like
    lines, seed, error_rate, profile, start, end, workers
        As in :func:`generate_practice`.
    remits : bool, default True
        Also write the payers' 835 remittances (see :func:`write_practice`).
        Without them, the folder is written block by block as its blocks are
        finished (the same bytes).
    max_memory : int or str, optional
        A memory budget such as ``"1GB"``. A practice that would not fit is
        generated and written one block at a time, never held whole: the same
        bytes, in more time; fewer workers are used if that is what fits. The
        835s need the practice held whole, so they are refused in that case
        (``remits=False`` to go on).
    force : bool, default False
        Replace a folder holding files the kit did not write, or edited
        since (they are kept); see :func:`recoup_lib.outputs.output_folder`.
    inputs : iterable of path-like
        Files the run reads (a profile file): ``out`` may not be, hold or lie in one.

    Raises
    ------
    InvalidParameterError
        A bad argument, or a budget too small even for one block.
    UsageError
        ``out`` holds files the kit did not write (and ``force`` is not set),
        or cannot be written.
    """
    named = _profile_name(profile)
    layout = _layout(lines, seed, error_rate, profile, start, end, None)
    budget = None if max_memory is None else parse_size(max_memory)
    workers = _workers(workers)
    whole_fits = budget is None or memory_needed(layout.lines, whole=True, remits=remits) <= budget
    if remits and whole_fits:
        workers = workers_within(layout.lines, True, True, workers, budget)
        practice = _whole(layout, workers, named)
        with output_folder(out, force=force, inputs=inputs, written_by=GeneratedPractice.written_by) as folder:
            write_folder(practice, folder, payer=True, remits=True)
        return Path(out)
    need = memory_needed(layout.lines, whole=False)
    if not whole_fits and need > budget:
        raise InvalidParameterError(
            f"max_memory {size_text(budget)} is too small to generate {layout.lines:,} lines; "
            f"block by block it takes about {math.ceil(need / 10**6):,} MB")
    if remits:
        raise InvalidParameterError(
            f"{layout.lines:,} lines do not fit in {budget / 10**6:,.0f} MB held whole (about "
            f"{math.ceil(memory_needed(layout.lines, whole=True, remits=True) / 10**6):,} MB with the 835s), and "
            "the 835 remittances need the whole practice at once: leave them out (--no-remits, remits=False) "
            "to write the rest block by block")
    workers = workers_within(layout.lines, whole_fits, False, workers, budget)
    try:
        with _profile_problems(named), output_folder(out, force=force, inputs=inputs,
                                                     written_by=GeneratedPractice.written_by) as folder:
            # The workers end while the folder's checksums are made.
            write_in_blocks(layout, folder, keep=whole_fits, workers=workers, close_later=True)
    finally:
        wait_for_workers()
    return Path(out)
