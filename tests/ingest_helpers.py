"""What the import tests share: writing an export's lines to a file, and ``import_files`` as exports need it.

The test files import it by name (pytest puts ``tests/`` on ``sys.path``), as they do
``browser_helpers``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from recoup_lib.ingest import import_files as _import_files

#: Most exports lack line numbers or a billed date: the import reads them with --infer-missing.
import_files = functools.partial(_import_files, infer_missing=True)


def write_lines(path: Path, rows: list[str], encoding: str = "utf-8", line_end: str = "\n") -> Path:
    """Write ``rows`` to ``path``, each ended by ``line_end``, in ``encoding`` (the bytes exactly, on any platform)."""
    path.write_bytes((line_end.join(rows) + line_end).encode(encoding))
    return path
