"""Seeded identities: provider NPIs and names, patient names, member ids.

Small pools of names are drawn once, as a seeded Faker draws them, from
Faker's own en_US name tables; numpy picks from them for every row, which is
fifty to a hundred times faster than calling Faker per row
(research/toolchain.md 3) and just as reproducible.
"""

from __future__ import annotations

import functools
import itertools
import random

import numpy as np
import pandas as pd
from faker.providers.person.en_US import Provider as _Names

from ..schema import npi_check_digit

__all__ = ["name_pools", "npi_numbers", "npi_check_digit", "member_ids"]


@functools.lru_cache(maxsize=4)
def name_pools(seed: int, size: int = 400) -> dict[str, np.ndarray]:
    """First names (female, male) and last names drawn by a seeded Faker (kept for the practice's blocks).

    The names ``Faker("en_US")`` seeded with ``seed`` gives for ``size``
    calls of ``first_name_female``, as many of ``first_name_male`` and twice
    as many of ``last_name``, in that order, without building a Faker (a
    tenth of a second in every process making a block): each call is one
    ``random()`` of the seeded :class:`random.Random` picked through the
    table's cumulative weights, as :meth:`random.Random.choices` picks
    (``tests/test_synthetic_identities.py`` compares it with Faker itself).
    """
    rng = random.Random(seed)
    return {"female": _weighted_draws(rng, _Names.first_names_female, size),
            "male": _weighted_draws(rng, _Names.first_names_male, size),
            "last": _weighted_draws(rng, _Names.last_names, size * 2)}


def _weighted_draws(rng: random.Random, table, count: int) -> np.ndarray:
    """The distinct names of ``count`` weighted draws from a Faker name table, sorted."""
    names = np.array(list(table), dtype=object)
    cumulative = np.array(list(itertools.accumulate(table.values())), dtype=float)
    total = float(cumulative[-1]) + 0.0
    points = np.array([rng.random() for _ in range(count)]) * total
    picked = np.minimum(np.searchsorted(cumulative, points, side="right"), len(names) - 1)
    return np.array(sorted(set(names[picked])))


def npi_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct, valid-looking 10-digit NPIs (first digit 1, valid check digit)."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        base = "1" + "".join(str(d) for d in rng.integers(0, 10, 8))
        if base in seen:
            continue
        seen.add(base)
        out.append(base + npi_check_digit(base))
    return out


_MBI_LETTERS = np.frombuffer(b"ACDEFGHJKMNPQRTUVWXY", dtype=np.uint8)
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)


def _strings(codes: np.ndarray) -> np.ndarray:
    """Rows of ASCII codes (uint8, shape n x width) as an array of Python strings."""
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    return codes.view(f"S{codes.shape[1]}").ravel().astype(str).astype(object)


def member_ids(rng: np.random.Generator, payer_types: pd.Series, payer_ids: pd.Series) -> pd.Series:
    """Member ids shaped by payer type (fictional; never real identifiers).

    Medicare: an MBI-like 11 characters (digits and letters avoiding S, L, O,
    I, B, Z, as the MBI format does); Medicaid: 8 digits and a letter;
    commercial: the payer's prefix and 9 digits.
    """
    n = len(payer_types)
    letters = _MBI_LETTERS[rng.integers(0, len(_MBI_LETTERS), (n, 11))]
    digits = _DIGITS[rng.integers(0, 10, (n, 11))]
    mixed = np.where(rng.random((n, 11)) < 0.5, letters, digits)
    # MBI positions: digit 1-9, letter, letter/digit, digit, letter, letter/digit, digit, letter, letter, digit, digit.
    mbi = np.stack([_DIGITS[rng.integers(1, 10, n)], letters[:, 1], mixed[:, 2], digits[:, 3], letters[:, 4],
                    mixed[:, 5], digits[:, 6], letters[:, 7], letters[:, 8], digits[:, 9], digits[:, 10]], axis=1)
    medicaid = np.concatenate([digits[:, :8], letters[:, :1]], axis=1)
    kind = payer_types.to_numpy(dtype=object)
    is_medicare = kind == "medicare"
    is_medicaid = ~is_medicare & (kind == "medicaid")
    commercial = ~(is_medicare | is_medicaid)
    # Every row's digits are drawn as above; only the rows of each kind are made text.
    out = np.empty(n, dtype=object)
    out[is_medicare] = _strings(mbi[is_medicare])
    out[is_medicaid] = _strings(medicaid[is_medicaid])
    out[commercial] = _prefixes(payer_ids.to_numpy(dtype=object)[commercial]) + "9" + _strings(digits[commercial, :8])
    return pd.Series(out, index=payer_types.index, dtype=object)


def _prefixes(payer_ids: np.ndarray) -> np.ndarray:
    """A commercial member id's prefix: the first three characters of its payer id without hyphens
    (made once per payer)."""
    numbers, payers = pd.factorize(payer_ids)
    if (numbers < 0).any():
        return pd.Series(payer_ids, dtype=object).astype("str").str.replace("-", "", regex=False).str.slice(
            0, 3).to_numpy(dtype=object)
    return np.array([str(p).replace("-", "")[:3] for p in payers] + [""], dtype=object)[numbers]
