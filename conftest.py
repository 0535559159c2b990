"""Test-session settings shared by every test.

- nbval runs a notebook's cells in one kernel, in order: keep each notebook
  (lessons and exercises) on one xdist worker. With ``pytest -n N`` xdist's
  default ``load`` mode spreads the cells of one notebook over several
  workers, each with its own kernel, so later cells miss the names earlier
  ones defined. ``loadfile`` sends every item of a file to the same worker.
- hypothesis without its per-example deadline: a test passes or fails on what
  the code returns, never on how busy the machine is (speed targets live in
  ``bench/``).
"""

from hypothesis import settings

settings.register_profile("recoupkit", deadline=None)
settings.load_profile("recoupkit")


def pytest_configure(config):
    if getattr(config.option, "dist", None) == "load":
        config.option.dist = "loadfile"
