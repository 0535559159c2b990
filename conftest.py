"""Test-session settings shared by every test.

- nbval runs a notebook's cells in one kernel, in order: keep each notebook
  (lessons and exercises) on one xdist worker. With ``pytest -n N`` xdist's
  default ``load`` mode spreads the cells of one notebook over several
  workers, each with its own kernel, so later cells miss the names earlier
  ones defined. ``loadfile`` sends every item of a file to the same worker.
- hypothesis without its per-example deadline: a test passes or fails on what
  the code returns, never on how busy the machine is (speed targets live in
  ``bench/``).
- The processes the tests start (notebook kernels, commands, servers) keep
  their temporary files in one folder of the run, removed when it ends. nbval
  kills each notebook's kernel, so a lesson's own ``TemporaryDirectory`` never
  gets to clean up; without this, every run left them in the system's
  temporary folder. The test processes themselves keep the system's folder
  (pytest's ``tmp_path`` folders stay there for a failed test's reader).
"""

import os
import shutil
import tempfile

from hypothesis import settings

settings.register_profile("recoupkit", deadline=None)
settings.load_profile("recoupkit")


_CHILD_TEMP = "RECOUPKIT_TEST_CHILD_TEMP"


def pytest_configure(config):
    if getattr(config.option, "dist", None) == "load":
        config.option.dist = "loadfile"
    if _CHILD_TEMP not in os.environ:  # the first process of the run (xdist's workers inherit it)
        tempfile.gettempdir()  # this process keeps the system's folder
        folder = tempfile.mkdtemp(prefix="recoupkit-test-children-")
        os.environ[_CHILD_TEMP] = os.environ["TMPDIR"] = folder
        config._recoupkit_child_temp = folder


def pytest_unconfigure(config):
    folder = getattr(config, "_recoupkit_child_temp", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
