"""Arrow text seen as numpy arrays, without copying: each chunk's value offsets and data bytes.

The kit's fast paths over text (the formula guard's first look, the contract
check's "nothing to trim" test) look at the bytes of a column rather than at
Python strings; they all read Arrow's buffers here, one way.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["array_parts", "string_parts", "offsets_from_zero", "one_array", "byte_range", "visible_ascii",
           "may_start_with", "equal_lowered"]


def string_parts(values):
    """Each non-empty chunk of Arrow text as ``(offsets, data)``, without copying.

    Parameters
    ----------
    values : pyarrow.Array or pyarrow.ChunkedArray of string or large_string

    Yields
    ------
    offsets : numpy.ndarray of int32 or int64
        The chunk's ``len + 1`` value offsets: value ``i`` is
        ``data[offsets[i]:offsets[i + 1]]`` (a slice of an array keeps its
        parent's data, so the first offset need not be 0).
    data : numpy.ndarray of uint8
        The chunk's data bytes.
    """
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    for chunk in chunks:
        if not len(chunk) or chunk.buffers()[2] is None:
            continue
        yield array_parts(chunk)


def one_array(values) -> pa.Array:
    """A column as one Arrow array: a chunked column's chunks joined, or its one chunk as it is (joining
    one chunk copies it).

    Arrow reads a file over a megabyte in several blocks, and its columns come in as many chunks; the
    byte readers here and the rows taken from a column want one array.

    Parameters
    ----------
    values : pyarrow.Array, pyarrow.ChunkedArray or pandas.Series
        A Series (or other values that are not Arrow's) is read as Arrow ``string`` first, its missing
        values null.

    Returns
    -------
    pyarrow.Array
        ``values`` itself when it is one array already.
    """
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = pa.array(values, from_pandas=True, type=pa.string())
    if not isinstance(values, pa.ChunkedArray):
        return values
    return values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()


def array_parts(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """One text (or binary) array's ``(offsets, data)``, as :func:`string_parts` gives each chunk.

    An array with no data buffer (every value empty or null) has no bytes: ``data`` is then an
    empty array. The offsets are read-only views of Arrow's buffer.
    """
    wide = pa.types.is_large_string(values.type) or pa.types.is_large_binary(values.type)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int64 if wide else np.int32)[
        values.offset:values.offset + len(values) + 1]
    data = values.buffers()[2]
    return offsets, (np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8))


def byte_range(values) -> tuple[int, int]:
    """The smallest and the largest byte of the text's values: two reductions of each chunk's bytes,
    no new array. Text with no bytes gives ``(0xFF, 0)``, so that it is within any range asked of it."""
    lo, hi = 0xFF, 0
    for offsets, data in string_parts(values):
        used = data[offsets[0]:offsets[-1]]
        if len(used):
            lo, hi = min(lo, int(used.min())), max(hi, int(used.max()))
    return lo, hi


def visible_ascii(values) -> bool:
    """Whether every byte of the text is printable ASCII other than a space (``!`` to ``~``; see
    :func:`byte_range`).

    Such text has no whitespace to trim, nothing beyond ASCII to lower-case, no control character.
    """
    lo, hi = byte_range(values)
    return lo >= 0x21 and hi <= 0x7E


def may_start_with(values, starts: tuple[str, ...]) -> bool:
    """Whether any value may start with one of ``starts`` (one-byte ASCII characters).

    Text columns are read from Arrow's buffers (:func:`string_parts`): one byte per value, no new
    strings. ``True`` may be a false alarm (an empty value's slot shows the next value's first byte),
    never a miss.
    """
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        first = pc.utf8_slice_codeunits(values, 0, 1)
        return pc.any(pc.fill_null(pc.is_in(first, value_set=pa.array(starts)), False)).as_py()
    wanted = np.zeros(256, dtype=bool)
    wanted[list("".join(starts).encode("ascii"))] = True
    return any(len(data) and wanted.take(data.take(offsets[:-1], mode="clip")).any()
               for offsets, data in string_parts(values))


def offsets_from_zero(values):
    """The text with each chunk's value offsets starting at 0, its bytes not copied.

    A slice of text cast to another string type (``large_string``) keeps its parent's bytes, so its
    first value starts past 0. pyarrow's ASCII case kernels (``ascii_lower``, ``ascii_upper``; pyarrow
    26) misread such a chunk: every value after the first is shifted, the result invalid (``true``
    lowered is no longer ``true``). Only such chunks are rebuilt, their offsets shifted down.

    Parameters
    ----------
    values : pyarrow.Array or pyarrow.ChunkedArray of string or large_string

    Returns
    -------
    pyarrow.Array or pyarrow.ChunkedArray
        ``values`` itself when every chunk's offsets start at 0.
    """
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    rebased = [_rebased(chunk) for chunk in chunks]
    if all(new is old for new, old in zip(rebased, chunks)):
        return values
    return pa.chunked_array(rebased, values.type) if isinstance(values, pa.ChunkedArray) else rebased[0]


def _rebased(chunk: pa.Array) -> pa.Array:
    """One chunk as :func:`offsets_from_zero` gives it."""
    if not len(chunk) or chunk.buffers()[2] is None:
        return chunk
    offsets, _ = array_parts(chunk)
    start = int(offsets[0])
    if not start:
        return chunk
    valid = pc.is_valid(chunk).buffers()[1] if chunk.null_count else None
    data = chunk.buffers()[2].slice(start, int(offsets[-1]) - start)
    return pa.Array.from_buffers(chunk.type, len(chunk), [valid, pa.py_buffer(offsets - start), data],
                                 chunk.null_count)


def equal_lowered(values: pa.Array, target: str) -> np.ndarray:
    """Which values, lowered (Arrow's ``utf8_lower``), are ``target``.

    In an ASCII column lowering keeps each value's length, so an ASCII target is compared only
    with the values of its length (none, in a column of claim numbers under a longer header), byte
    by byte in place, the rows left shrinking with each byte: a column of ``C0000001`` under
    ``claim_id`` (every value of its length) is passed over at its second byte, no value lowered.
    """
    if not target.isascii() or byte_range(values)[1] >= 0x80:
        return np.asarray(pc.equal(pc.utf8_lower(values), target))
    offsets, data = array_parts(values)
    rows = np.flatnonzero(np.diff(offsets) == len(target))
    for at, byte in enumerate(target.encode("ascii")):
        if not len(rows):
            break
        found = data[offsets[rows] + at]
        if 0x61 <= byte <= 0x7A:                          # a-z: the value's letter in either case
            rows = rows[(found | 0x20) == byte]
        else:                                             # no value lowers to A-Z; others as they are
            rows = rows[found == byte] if not 0x41 <= byte <= 0x5A else rows[:0]
    same = np.zeros(len(values), dtype=bool)
    same[rows] = True
    return same
