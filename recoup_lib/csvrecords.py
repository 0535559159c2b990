"""CSV records read exactly, line by line: values over several lines kept, quotes that run away cut.

Python's csv module, given a file's lines, reads a quote that is never
closed (or closed many lines later) as one value holding every line after
it: one stray quote would swallow the rest of a file without a word.
:func:`quoted_records` feeds it the lines one at a time and keeps a record
over several lines only where the caller allows a line break in that field
and the lines it took in do not look like rows (:func:`rows_taken_in`);
any other is cut after its first line (:func:`open_quote_field`), and the
lines after it are read again as what they are.
:func:`last_line_leaves_quote_open` is the one look at a file's end that
tells a fast reader (which closes such a quote at the end of the file
silently) to leave the file to this one.

The kit's readers of CSV text use it: contract CSVs (:mod:`recoup_lib.csvread`,
where only text columns may span lines), users' exports
(:mod:`recoup_lib.ingest`, any field, any delimiter) and CMS's rate notices
(:func:`recoup_lib.appeals.read_rate_notices`); each numbers its own rows
and says what a row whose quote runs away expected in the same words
(:data:`CLOSING_QUOTE`).
"""

from __future__ import annotations

import csv
import itertools
import sys

__all__ = ["END_OF_FILE", "CLOSING_QUOTE", "runaway_column", "open_quote_field", "rows_taken_in", "quoted_records",
           "last_line_leaves_quote_open"]

#: Python's csv module refuses fields over 131,072 characters by default; a long note beside a
#: malformed row must not stop the exact reader.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

#: Given to the csv module after a file's last line: it stands alone as a record when every quote is
#: closed, and ends up inside a value when one is still open at the end of the file.
END_OF_FILE = "\ufdd0"
_LINE_BREAKS = ("\n", "\r")

#: What a record whose quote runs away (see :func:`quoted_records`) expected, by whether its field's
#: values may hold a line break: the words of every reader's message.
CLOSING_QUOTE = {
    False: "a closing quote on the same row (a value of this column never holds a line break)",
    True: "a closing quote before the lines after it (this one is never closed, or takes in lines "
          "that look like rows)",
}


def runaway_column(header: list[str], at: int) -> str:
    """The column a message names for a quote that runs away in field ``at`` of a record (see
    :func:`quoted_records`): the header's name of it, or ``field 7`` past the header's last column.

    >>> runaway_column(["a", "b"], 1), runaway_column(["a", "b"], 6)
    ('b', 'field 7')
    """
    return header[at] if at < len(header) else f"field {at + 1}"


def open_quote_field(line: str, delimiter: str = ",") -> tuple[list[str], int | None]:
    """One line parsed alone: its fields, and the index of the field whose quote it leaves open.

    A line break ends a record only outside quotes, so the line break given to the parser after
    the line ends up inside the last field exactly when that field's quote is still open there.
    The index is None when every quote the line opens it also closes.

    Raises
    ------
    csv.Error
        A carriage return inside the line, outside quotes.
    """
    text = line if line.endswith(_LINE_BREAKS) else line + "\n"
    fields = next(csv.reader((text,), delimiter=delimiter), [])
    if fields and fields[-1].endswith(_LINE_BREAKS):
        fields[-1] = fields[-1].rstrip("\r\n")
        return fields, len(fields) - 1
    return fields, None


def rows_taken_in(lines: list[str], width: int, delimiter: str = ",") -> int:
    """How many of ``lines`` (those a quoted value took in after its first) look like rows of a file
    ``width`` columns wide: as many separators before any quote as a row holds. A note's line rarely
    holds 14 commas, and a row swallowed by a stray quote does; with fewer than four columns, prose
    and rows cannot be told apart, and none is counted."""
    if width < 4:
        return 0
    return sum(line.split('"', 1)[0].count(delimiter) >= width - 1 for line in lines)


def quoted_records(lines, width: int, may_span, delimiter: str = ","):
    """``(fields, line, taken, runaway)`` for each record of ``lines`` (text lines, line breaks kept),
    read by Python's csv module with quotes that run away found and cut.

    A record is one line, except where a quote opened in a field ``may_span(index)`` allows closes on
    a later line and the lines it takes in do not look like rows of a file ``width`` fields wide
    (:func:`rows_taken_in`). Any other record the csv module took from several lines runs away: it
    is cut after its first line (that line is the row with the stray quote; ``fields`` are its
    fields read alone, see :func:`open_quote_field`), and the lines after it are read again as what
    they are, so none is lost in one value.

    ``line`` is the record's first line and ``taken`` how many lines the csv module gave it (to the
    end of ``lines`` for a quote never closed): the next record starts ``taken`` lines further on,
    or on the next line after one that runs away. ``runaway`` is None, or ``(index, rows)``: the
    field whose quote runs away, and how many of the lines it took in look like rows (None when the
    quote is never closed; 0 when its field may not span lines).
    """
    taken: list[str] = []
    source = iter(lines)

    def feed(again):
        for text in itertools.chain(again, source):
            taken.append(text)
            yield text
        taken.append(END_OF_FILE)
        yield END_OF_FILE

    again: list[str] | None = []
    while again is not None:
        reader = csv.reader(feed(again), delimiter=delimiter)
        again = None
        taken.clear()
        for fields in reader:
            if len(taken) == 1 and taken[0] is END_OF_FILE:
                return
            closed = taken[-1] is not END_OF_FILE
            count = len(taken) - (not closed)
            cut, at = (None, None) if len(taken) == 1 else open_quote_field(taken[0], delimiter)
            spanning = at is not None and may_span(at)
            rows = (rows_taken_in(taken[1:], width, delimiter) if spanning else 0) if closed else None
            if at is None or (spanning and rows == 0):
                yield fields, taken[0], count, None
            else:
                yield cut, taken[0], count, (at, rows)
                again = [text for text in taken[1:] if text is not END_OF_FILE]
                break
            taken.clear()


def last_line_leaves_quote_open(data, delimiter: str = ",") -> bool:
    """Whether the last line of ``data`` (bytes or a mapped file; trailing line breaks aside) leaves
    a quote open (see :func:`open_quote_field`): one look at the end of the file, whatever its size."""
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    start = max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end)) + 1
    line = bytes(data[start:end]).decode("utf-8", errors="surrogateescape")
    try:
        return open_quote_field(line, delimiter)[1] is not None
    except csv.Error:
        return True
