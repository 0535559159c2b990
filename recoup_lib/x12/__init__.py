"""Reading X12 files, as both X12 readers read them: ``recoup remit`` its 835s, ``recoup import`` its 837s.

What the two readers share, and only that, so that they read, skip and name
the same files in the same words and cut the same bytes into the same segments:

- which files to read (:func:`expand`: folders walked, hidden entries,
  documents, links to nothing and repeats skipped) and whether a file is X12
  (:func:`x12_bytes`, :func:`format_of`, :func:`looks_like_x12`,
  :func:`lower_case_x12`), with the words for why one is not
  (:data:`NOT_X12`, :data:`NOT_X12_BUT`, :data:`LOWER_CASE_X12`,
  :func:`link_to_nothing`);
- the tokenizer: a file cut into interchanges with the separators each ISA
  declares (:func:`split_interchanges`, :class:`Piece`), pieces joined into
  chunks (:func:`combine`, :class:`Chunk`), segment ids as small integers
  (:func:`segment_code`), elements gathered a column at a time
  (:class:`Elements`, :class:`Splitter`) and amounts read as integer cents
  (:func:`parse_amounts`);
- a few bytes at many positions read as one integer each (:func:`words_at`).

Nothing here knows an 835 from an 837: the readers built on it are
:mod:`recoup_lib.remit` and :mod:`recoup_lib.ingest`.
"""

from __future__ import annotations

from ._bytes import words_at
from ._files import (
    ARCHIVE_SUFFIXES,
    DOCUMENT_SUFFIXES,
    LOWER_CASE_X12,
    NOT_X12,
    NOT_X12_BUT,
    TRANSACTION_NAMES,
    FileList,
    expand,
    files_below,
    format_of,
    holds_a_file,
    link_to_nothing,
    looks_like_x12,
    lower_case_x12,
    walk,
    x12_bytes,
)
from ._interchanges import NO_X12_START, UTF16_NOTE, from_utf16
from ._segments import (
    AMOUNT_EXPECTED,
    DEFAULT_SEPARATORS,
    OUTSIDE_ANY_TRANSACTION,
    QUANTITY_EXPECTED,
    Chunk,
    Elements,
    Piece,
    RawProblem,
    Separators,
    Splitter,
    code_name,
    combine,
    empty_strings,
    parse_amounts,
    parse_quantities,
    segment_code,
    segment_codes,
    split_interchanges,
    split_values,
)

__all__ = [
    "FileList", "expand", "walk", "files_below", "holds_a_file", "x12_bytes", "format_of", "looks_like_x12",
    "lower_case_x12", "link_to_nothing", "NOT_X12", "NOT_X12_BUT", "LOWER_CASE_X12", "TRANSACTION_NAMES",
    "DOCUMENT_SUFFIXES", "ARCHIVE_SUFFIXES", "from_utf16", "UTF16_NOTE",
    "Separators", "DEFAULT_SEPARATORS", "Piece", "RawProblem", "split_interchanges", "NO_X12_START", "Chunk", "combine",
    "segment_code", "segment_codes", "code_name", "Elements", "Splitter", "split_values", "parse_amounts",
    "parse_quantities", "AMOUNT_EXPECTED", "QUANTITY_EXPECTED", "OUTSIDE_ANY_TRANSACTION",
    "words_at", "empty_strings",
]
