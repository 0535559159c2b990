"""Seeded identities: provider NPIs and names, patient names, member ids.

Faker builds small pools of names once; numpy picks from them for every row,
which is fifty to a hundred times faster than calling Faker per row
(research/toolchain.md 3) and just as reproducible.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from faker import Faker

__all__ = ["name_pools", "npi_numbers", "npi_check_digit", "member_ids"]


@functools.lru_cache(maxsize=4)
def name_pools(seed: int, size: int = 400) -> dict[str, np.ndarray]:
    """First names (female, male) and last names drawn by a seeded Faker (kept for the practice's blocks)."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    return {
        "female": np.array(sorted({fake.first_name_female() for _ in range(size)})),
        "male": np.array(sorted({fake.first_name_male() for _ in range(size)})),
        "last": np.array(sorted({fake.last_name() for _ in range(size * 2)})),
    }


def npi_check_digit(base9: str) -> str:
    """Luhn check digit of an NPI, computed over the prefix 80840 plus the first nine digits."""
    digits = [int(d) for d in "80840" + base9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


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
    prefix = payer_ids.astype("str").str.replace("-", "", regex=False).str.slice(0, 3).to_numpy(dtype=object)
    commercial = prefix + "9" + _strings(digits[:, :8])
    kind = payer_types.to_numpy(dtype=object)
    out = np.where(kind == "medicare", _strings(mbi), np.where(kind == "medicaid", _strings(medicaid), commercial))
    return pd.Series(out, index=payer_types.index, dtype=object)
