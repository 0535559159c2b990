"""The process-wide settings ``import recoup_lib`` makes (docs/scale.md), and that a user's own win.

Each case runs in a fresh interpreter: the settings are read when NumPy and
pyarrow load, so the test process (which imported them long ago) cannot show
them.
"""

import os
import subprocess
import sys

import pytest

PROBE = """
import {first}
import recoup_lib, numpy, pyarrow, os
from numpy._core.multiarray import _get_madvise_hugepage
print(_get_madvise_hugepage(), pyarrow.default_memory_pool().backend_name,
      os.environ["NUMPY_MADVISE_HUGEPAGE"])
"""


def _probe(first: str, **env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("NUMPY_MADVISE_HUGEPAGE", "ARROW_DEFAULT_MEMORY_POOL")}
    out = subprocess.run([sys.executable, "-c", PROBE.format(first=first)], env={**clean, **env},
                         capture_output=True, text=True, check=True)
    return out.stdout.split()


@pytest.mark.parametrize("first", ["recoup_lib", "numpy", "pandas"])
def test_small_pages_and_jemalloc_whatever_was_imported_first(first):
    hugepage, pool, env = _probe(first)
    assert hugepage == "False"
    assert env == "0"
    if first == "recoup_lib":
        assert pool == "jemalloc"


def test_a_users_own_settings_win():
    hugepage, pool, env = _probe("recoup_lib", NUMPY_MADVISE_HUGEPAGE="1",
                                 ARROW_DEFAULT_MEMORY_POOL="system")
    assert (hugepage, pool, env) == ("True", "system", "1")
