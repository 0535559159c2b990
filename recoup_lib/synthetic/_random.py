"""Named random streams: one per component, stable when components are added.

``stream(seed, "payments")`` always gives the same generator for the same
seed and name, whatever other streams exist, so adding an injector or a new
table never changes the claims the others produce (STYLE.md 3).
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["stream", "block_seed"]


def stream(seed: int, name: str) -> np.random.Generator:
    """A ``numpy.random.Generator`` for one named component of one seed."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(entropy=int(seed), spawn_key=(key,)))


def block_seed(seed: int, block: int) -> int:
    """The seed of block ``block`` of a practice simulated in blocks (:mod:`._blocks`).

    Block 0 is the practice's own seed, so a practice of one block is what
    the generator made before blocks existed; every other block gets a
    64-bit seed derived from the practice's seed and the block number.
    """
    if block == 0:
        return int(seed)
    state = np.random.SeedSequence(entropy=int(seed), spawn_key=(zlib.crc32(b"block"), int(block))).generate_state(2)
    return int(state[0]) << 32 | int(state[1])
