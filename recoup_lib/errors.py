"""Exception types and the shape of an input problem.

The command line turns every :class:`RecoupError` into a one-line message and
an exit status (contract, "Errors": 0 ok, 1 findings could not be produced,
2 usage error); a Python traceback is never the answer to bad input.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "RecoupError",
    "InputError",
    "NothingUsableError",
    "UsageError",
    "InvalidParameterError",
    "Problem",
    "WHOLE_ROW",
    "WHOLE_LINE",
    "WHOLE_PAYMENT",
]


class RecoupError(Exception):
    """Base class: something the user can fix, with a message saying what."""

    exit_status = 1


class InputError(RecoupError):
    """Input that makes the whole run impossible: a required file or column is missing.

    Exit status 1 ("findings could not be produced").
    """

    exit_status = 1


class NothingUsableError(InputError):
    """Every row of a required file was set aside, so no result can be produced. Exit status 1.

    ``set_aside`` holds what was read (the rows set aside and their reasons, in
    the form of the step that raised it), so a command can still write those
    rows out before it exits: nothing the user gave is lost, and no result
    file that looks complete is written.
    """

    exit_status = 1

    def __init__(self, message: str, set_aside=None):
        super().__init__(message)
        self.set_aside = set_aside


class UsageError(RecoupError):
    """The command was called wrongly (unknown option, bad value). Exit status 2."""

    exit_status = 2


class InvalidParameterError(ValueError):
    """A library function was given an argument it cannot use.

    Raised by every subpackage for a bad argument (an unknown profile, a
    negative sample size, a date that is not a date), as scikit-learn's
    ``InvalidParameterError`` is. It is a :class:`ValueError`, so callers that
    catch ``ValueError`` keep working; the command line reports it as a usage
    error (exit status 2) where the value came from an option.
    """


#: ``Problem.column`` of a row of a CSV file (or of an export) that is wrong as a whole: its count of
#: fields, its bytes, a quote that runs away, the same key as an earlier row.
WHOLE_ROW = "(whole row)"
#: ``Problem.column`` of a line of an X12 file set aside as a whole (a service line without its claim).
WHOLE_LINE = "(whole line)"
#: ``Problem.column`` of an 835 claim payment set aside as a whole by ``recoup import``.
WHOLE_PAYMENT = "(claim payment)"


@dataclass(frozen=True)
class Problem:
    """One bad value in one cell of an input file.

    ``row`` follows spreadsheet numbering: the header is row 1, so the first
    data row is row 2 -- the number a person sees when opening the CSV in a
    spreadsheet. ``row`` is 0 for problems of the file itself (a missing
    column), where ``column`` names what is missing.
    """

    file: str
    row: int
    column: str
    value: str
    expected: str

    @property
    def message(self) -> str:
        """``claim_lines.csv, row 3, column 'units': expected a whole number >= 1; got 'two'.``"""
        if self.row == 0:
            return f"{self.file}, column '{self.column}': {self.expected}."
        return (
            f"{self.file}, row {self.row}, column '{self.column}': "
            f"expected {self.expected}; got {self.shown_value}."
        )

    @property
    def shown_value(self) -> str:
        """The value as a message quotes it; ``blank`` for an empty cell, which ``''`` hides in punctuation."""
        return repr(self.value) if str(self.value).strip() else "blank"

    def __str__(self) -> str:
        return self.message
