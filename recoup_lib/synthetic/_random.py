"""Named random streams: one per component, stable when components are added.

``stream(seed, "payments")`` always gives the same generator for the same
seed and name, whatever other streams exist, so adding an injector or a new
table never changes the claims the others produce (STYLE.md 3).
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["stream"]


def stream(seed: int, name: str) -> np.random.Generator:
    """A ``numpy.random.Generator`` for one named component of one seed."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(entropy=int(seed), spawn_key=(key,)))
