"""What the import tests share: writing an export's lines to a file, ``import_files`` as exports need it, and
running a read that could hang in a child process.

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


def in_forked_child(function, *args, timeout: float = 120):
    """``function(*args)`` run in a child forked from this process, so that a read that hangs (a named pipe
    opened for ever) fails the test instead of stopping the run; returns what it returned.

    A fork starts with the kit already imported: a new interpreter would spend a second and a half
    importing it first.
    """
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as pool:
        return pool.apply_async(function, args).get(timeout)
