"""What a National Provider Identifier looks like: ten digits, the last a Luhn check digit.

CMS's NPI standard (45 CFR 162.406) makes the tenth digit a Luhn check digit
computed over the card issuer prefix 80840 followed by the first nine digits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["npi_check_digit", "npi_shapes"]


def npi_check_digit(base9: str) -> str:
    """Luhn check digit of an NPI, computed over the prefix 80840 plus the first nine digits.

    >>> npi_check_digit("123456789")
    '3'
    """
    digits = [int(d) for d in "80840" + base9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def npi_shapes(values) -> tuple[np.ndarray, np.ndarray]:
    """(which values are not ten digits, which are ten digits with a wrong check digit); blanks are neither.

    Each distinct value is checked once: a million claim lines name a few hundred providers.

    >>> not_ten, bad_check = npi_shapes(["1234567893", "1234567890", "WELBY, MARCUS", ""])
    >>> not_ten.tolist(), bad_check.tolist()
    ([False, False, True, False], [False, True, False, False])
    """
    codes, distinct = pd.factorize(pd.Series(values, dtype="str").fillna("").str.strip())
    text = pd.Series(distinct, dtype="str")
    ten = text.str.fullmatch(r"\d{10}").to_numpy(dtype=bool)
    not_ten = ~ten & (text != "").to_numpy(dtype=bool)
    bad_check = np.zeros(len(text), dtype=bool)
    for i in np.flatnonzero(ten):
        value = text.iat[i]
        bad_check[i] = npi_check_digit(value[:9]) != value[9]
    return not_ten[codes], bad_check[codes]
