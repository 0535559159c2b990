"""Arrow text seen as numpy arrays, without copying: each chunk's value offsets and data bytes.

The kit's fast paths over text (the formula guard's first look, the contract
check's "nothing to trim" test) look at the bytes of a column rather than at
Python strings; they all read Arrow's buffers here, one way.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["array_parts", "string_parts"]


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
