"""Arrow text seen as numpy arrays, without copying: each chunk's value offsets and data bytes.

The kit's fast paths over text (the formula guard's first look, the contract
check's "nothing to trim" test) look at the bytes of a column rather than at
Python strings; they all read Arrow's buffers here, one way.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["string_parts"]


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
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(chunk.buffers()[1], dtype=width)[chunk.offset:chunk.offset + len(chunk) + 1]
        yield offsets, np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
