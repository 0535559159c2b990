"""CRC-32 checksums of the files the kit writes: of a whole file, and of two pieces joined.

:mod:`recoup_lib.outputs` records each written file's size and CRC-32 in its
folder's manifest, to tell later whether a file is still the one the kit
wrote. A generator writing a file in blocks from several processes knows
each block's CRC-32 and length; :func:`combine_crc32` gives the file's
without reading it again.
"""

from __future__ import annotations

import zlib
from pathlib import Path

__all__ = ["file_crc32", "combine_crc32"]


def file_crc32(path: Path) -> str:
    """The CRC-32 of a file's bytes, as eight lower-case hex digits (read a megabyte at a time)."""
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return f"{crc:08x}"


_CRC_POLY = 0xEDB88320


def _crc_times(a: int, b: int) -> int:
    """``a`` times ``b`` modulo the CRC-32 polynomial (bits reflected, as zlib's ``multmodp``)."""
    m, product = 1 << 31, 0
    while True:
        if a & m:
            product ^= b
            if not a & (m - 1):
                return product
        m >>= 1
        b = (b >> 1) ^ _CRC_POLY if b & 1 else b >> 1


def _crc_powers() -> list[int]:
    powers = [1 << 30]  # x**1; powers[k] is x**(2**k) modulo the polynomial
    for _ in range(31):
        powers.append(_crc_times(powers[-1], powers[-1]))
    return powers


_CRC_POWERS = _crc_powers()


def combine_crc32(first: int, second: int, second_length: int) -> int:
    """The CRC-32 of two byte strings one after the other, from each one's CRC-32 and the second's length.

    ``zlib.crc32(a + b) == combine_crc32(zlib.crc32(a), zlib.crc32(b), len(b))``: zlib's
    ``crc32_combine``, which Python's :mod:`zlib` does not offer. About 30 small steps a
    call, whatever the lengths.
    """
    shift, k, n = 1 << 31, 3, int(second_length)  # x**(8 n): the first is followed by 8 n zero bits
    while n:
        if n & 1:
            shift = _crc_times(_CRC_POWERS[k & 31], shift)
        n >>= 1
        k += 1
    return _crc_times(shift, first & 0xFFFFFFFF) ^ (second & 0xFFFFFFFF)
