"""Test-session settings shared by every test.

- nbval runs a notebook's cells in one kernel, in order: keep each notebook
  (lessons and exercises) on one xdist worker. With ``pytest -n N`` xdist's
  default ``load`` mode spreads the cells of one notebook over several
  workers, each with its own kernel, so later cells miss the names earlier
  ones defined. ``loadfile`` sends every item of a file to the same worker.
- Files are handed to the workers longest first: those driving a browser,
  then those marked ``slow``, then the rest by their number of tests (what
  xdist does by itself). xdist's own order, by number of tests alone, gave
  the few long tests of a browser or Spark file to a worker in the last
  minute, while the other workers had nothing left to do.
- hypothesis without its per-example deadline: a test passes or fails on what
  the code returns, never on how busy the machine is (speed targets live in
  ``bench/``).
- The processes the tests start (notebook kernels, commands, servers) keep
  their temporary files in one folder of the run, removed when it ends. nbval
  kills each notebook's kernel, so a lesson's own ``TemporaryDirectory`` never
  gets to clean up; without this, every run left them in the system's
  temporary folder. The test processes themselves keep the system's folder
  (pytest's ``tmp_path`` folders stay there for a failed test's reader).
- Notebook kernels are forked from one process per test process that has
  already imported IPython's kernel, pandas, pyarrow and the kit
  (``tests/forked_kernels.py``): each new kernel otherwise spends about a
  second importing them. It starts with the first notebook a test process
  runs. ``RECOUPKIT_FORKED_KERNELS=0`` gives every notebook a fresh kernel.
"""

import os
import shutil
import sys
import tempfile
from collections import Counter

import pytest
from hypothesis import settings

_TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)  # as pytest does for the test files, which import its helpers so too
import forked_kernels  # noqa: E402

settings.register_profile("recoupkit", deadline=None)
settings.load_profile("recoupkit")


_CHILD_TEMP = "RECOUPKIT_TEST_CHILD_TEMP"


def pytest_configure(config):
    if getattr(config.option, "dist", None) == "load":
        config.option.dist = "loadfile"
    if getattr(config.option, "dist", None) == "loadfile":
        config.option.loadscopereorder = False  # the order of pytest_collection_modifyitems below
    if _CHILD_TEMP not in os.environ:  # the first process of the run (xdist's workers inherit it)
        tempfile.gettempdir()  # this process keeps the system's folder
        folder = tempfile.mkdtemp(prefix="recoupkit-test-children-")
        os.environ[_CHILD_TEMP] = os.environ["TMPDIR"] = folder
        config._recoupkit_child_temp = folder


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Files with browser tests first, then files with a ``slow`` test, then by number of tests;
    the items of one file keep their order (a notebook's cells run in order)."""
    def file_of(item):
        return item.nodeid.split("::")[0]

    count = Counter(file_of(item) for item in items)
    rank: dict[str, int] = {}
    for item in items:
        weight = 0 if item.get_closest_marker("browser") else 1 if item.get_closest_marker("slow") else 2
        rank[file_of(item)] = min(weight, rank.get(file_of(item), 2))
    position = {name: i for i, name in enumerate(dict.fromkeys(file_of(item) for item in items))}
    items.sort(key=lambda item: (rank[file_of(item)], -count[file_of(item)], position[file_of(item)]))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """A notebook's kernel starts (in the setup of its first cell) as a fork of this process's zygote.

    The kernelspec is found through ``JUPYTER_PATH`` during that setup only, so the processes the
    tests start (JupyterLab, Voila) never see it.
    """
    folder = _forked_kernel_specs(item)
    if folder is None:
        yield
        return
    before = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([folder, *filter(None, [before])])
    try:
        yield
    finally:
        if before is None:
            del os.environ["JUPYTER_PATH"]
        else:
            os.environ["JUPYTER_PATH"] = before


def _forked_kernel_specs(item):
    """The folder of the forked kernel's kernelspec for a notebook's cell, the zygote started with
    this process's first notebook; None where kernels start afresh."""
    config = item.config
    if item.path.suffix != ".ipynb" or not forked_kernels.available():
        return None
    if not hasattr(config, "_recoupkit_zygote"):
        config._recoupkit_zygote = config._recoupkit_kernelspecs = None
        if not getattr(config.option, "nbval_current_env", False) or getattr(config.option, "nbval_kernel_name", None):
            return None  # a kernel chosen on the command line is used as chosen
        folder = tempfile.mkdtemp(prefix="kernels-", dir=os.environ[_CHILD_TEMP])
        config._recoupkit_zygote = zygote = forked_kernels.start_zygote(folder)
        if zygote is None:
            return None
        config._recoupkit_kernelspecs = forked_kernels.kernelspec(folder, zygote.address)
        config.option.nbval_current_env = False
        config.option.nbval_kernel_name = forked_kernels.KERNEL_NAME
    elif config._recoupkit_zygote is not None and config._recoupkit_zygote.poll() is not None:
        config.option.nbval_current_env, config.option.nbval_kernel_name = True, None  # it failed: fresh kernels
        config._recoupkit_zygote = config._recoupkit_kernelspecs = None
    return config._recoupkit_kernelspecs


def pytest_unconfigure(config):
    zygote = getattr(config, "_recoupkit_zygote", None)
    if zygote is not None:
        forked_kernels.stop_zygote(zygote)
    folder = getattr(config, "_recoupkit_child_temp", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
