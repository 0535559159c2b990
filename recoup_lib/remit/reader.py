"""Where :func:`read_835` and :class:`Remit` were defined; kept so that older imports keep working.

The reader now lives in private modules of one idea each: tokenising
(:mod:`recoup_lib.x12`, shared with the 837 reader), the envelope and the loops (``_chunk``, ``_envelope``,
``_levels``), the batch (``_batch``), recoupments (``_recoupments``) and the
result (``_result``). Import from :mod:`recoup_lib.remit`.
"""

from ._batch import read_835
from ._columns import COLUMNS
from ._problems import SegmentProblem
from ._recoupments import RECOUPMENT_REASONS
from ._result import Remit

__all__ = ["read_835", "Remit", "SegmentProblem", "RECOUPMENT_REASONS", "COLUMNS"]
