"""The small demo practices committed under ``synthetic/demo/`` (one per profile).

Lessons and exercises load these folders so they start instantly and show the
same claims to every trainee. ``python -m recoup_lib.synthetic.demo`` (or
``make demo``) regenerates them; ``tests/test_synthetic.py`` regenerates them
in a temporary folder and fails if a single byte differs, so a change to the
generator is never silently out of step with the lessons.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import generate_practice, profile_names, profiles_dir, write_practice
from ._profile import unknown_profile

__all__ = ["DEMO_LINES", "DEMO_SEED", "DEMO_PAYER_FILES", "demo_dir", "demo_path", "build_demos"]

DEMO_LINES = 3000
DEMO_SEED = 2025
#: The demos are plain audit folders: lessons and the dashboard tests read them as
#: "a folder without notices or remittances". ``recoup generate`` writes those files.
DEMO_PAYER_FILES = False


def demo_dir() -> Path:
    """``synthetic/demo`` in the repository."""
    return profiles_dir().parent / "demo"


def demo_path(profile: str = "family_practice") -> Path:
    """The committed demo folder of a profile.

    Raises
    ------
    InvalidParameterError
        ``profile`` is not the name of a profile (a typo, a path): the
        message lists the profiles there are, as ``recoup generate
        --profile`` says it.
    FileNotFoundError
        A profile whose demo practice is missing (``make demo`` makes it).
    """
    if profile not in profile_names():
        raise unknown_profile(profile)
    path = demo_dir() / profile
    if not (path / "claim_lines.csv").is_file():
        raise FileNotFoundError(f"no demo practice for {profile!r} in {demo_dir()}; run `make demo`")
    return path


def build_demos(out: Path | None = None, profiles=None) -> list[Path]:
    """Generate every profile's demo practice into ``out`` (default: :func:`demo_dir`)."""
    out = Path(out) if out is not None else demo_dir()
    written = []
    for name in profiles or profile_names():
        practice = generate_practice(lines=DEMO_LINES, seed=DEMO_SEED, profile=name)
        written.append(write_practice(practice, out / name, payer=DEMO_PAYER_FILES, force=True))
    return written


if __name__ == "__main__":  # pragma: no cover
    for path in build_demos(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
        print(f"wrote {path}")
