"""One problem met while reading an 835, located by file, segment and element."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SegmentProblem", "ACTION"]

#: What happened to the data, by the scope of the problem.
ACTION = {"file": "file set aside", "transaction": "transaction set aside", "warning": "kept",
          "segment": "segment set aside", "rest": "rest of the file set aside",
          "repeat": "counted once"}


@dataclass(frozen=True)
class SegmentProblem:
    """One problem in an 835 file, located by segment.

    Attributes
    ----------
    file : str
    segment : int
        1-based position of the segment in the file (ISA = 1); 0 for the
        file itself (not found, empty).
    segment_id : str
    element : str
        ``CLP04``-style element name, or ``""``.
    value : str
        What was found.
    expected : str
        What was expected, in plain words.
    severity : str
        ``error`` (something was set aside) or ``warning`` (kept).
    action : str
        ``file set aside``, ``transaction set aside`` or ``kept``.
    trace_number : str
        The transaction's TRN02 where known.
    """

    file: str
    segment: int
    segment_id: str
    element: str
    value: str
    expected: str
    severity: str
    action: str
    trace_number: str = ""

    @property
    def message(self) -> str:
        """``a.835, segment 12 (CLP), element CLP04: expected ...; got 'abc' (transaction set aside).``"""
        where = f"{self.file}"
        if self.segment:
            where += f", segment {self.segment}"
            if self.segment_id:
                where += f" ({self.segment_id})"
        if self.element:
            where += f", element {self.element}"
        got = f"; got {self.value!r}" if self.value else ""
        return f"{where}: expected {self.expected}{got} ({self.action})."

    def __str__(self) -> str:
        return self.message
