"""The shape every pipeline step's result shares.

Each step has one public call (``generate_practice``, ``audit_folder``,
``select_sample`` / ``appraise_variable``, ``read_835``, ``reconcile``,
``appeal_folder``, ``build_report``) returning a :class:`StepResult`: the
tables in memory, :meth:`StepResult.write` to put them in a folder, and
:meth:`StepResult.summary` to say in plain words what was found. The command
line, the widgets, the report and the lessons call only these.
"""

from __future__ import annotations

import abc
from pathlib import Path
from typing import ClassVar

__all__ = ["StepResult"]


class StepResult(abc.ABC):
    """A pipeline step's result: tables in memory, written on request.

    Attributes
    ----------
    written_by : str
        The step's name (``"recoup audit"``), recorded in the manifest of the
        folder :meth:`write` writes: the command line writes the same step's
        results under the same name, and a step replaces only the files it
        wrote itself (:mod:`recoup_lib.outputs`). Required: every step sets
        it as a class attribute (a step writing under another name would find
        its own folders refused).
    """

    written_by: ClassVar[str]

    @abc.abstractmethod
    def write(self, out: str | Path) -> list[Path]:
        """Write the result's files into the folder ``out``; return the paths written."""

    @abc.abstractmethod
    def summary(self) -> str:
        """A few plain-language lines: what was read, what was found, in dollars."""
