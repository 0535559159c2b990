"""The test run's forked notebook kernels (``forked_kernels.py``) behave as kernels started afresh.

nbval runs every lesson and exercise in a kernel forked from a process that
has already imported the kernel's libraries. These tests start both kinds
through jupyter_client, as nbval does, and compare what a notebook can see;
then they check that interrupts, kills and a missing zygote are handled.
"""

import json
import os
import signal
import tempfile
import time

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

import forked_kernels

pytestmark = pytest.mark.skipif(not forked_kernels.available(), reason="forked kernels need Linux")

FACTS = """
import json, os, sys
import numpy, random
before = sorted(m for m in ("ipywidgets", "matplotlib.pyplot", "matplotlib_inline") if m in sys.modules)
preloaded = "matplotlib.figure" in sys.modules and "pandas" in sys.modules
import comm, ipywidgets, matplotlib
backend_setting = str(dict.__getitem__(matplotlib.rcParams, "backend"))
import matplotlib.pyplot as plt
from ipykernel.kernelapp import IPKernelApp
print(json.dumps({
    "pid": os.getpid(), "ppid": os.getppid(), "cwd": os.getcwd(), "argv": sys.argv[:-1], "path": sys.path,
    "variable": os.environ.get("RECOUPKIT_PROBE"), "zygote": os.environ.get("RECOUPKIT_KERNEL_ZYGOTE"),
    "backend": matplotlib.get_backend(), "mplbackend": os.environ.get("MPLBACKEND"),
    "backend_setting": backend_setting, "rc_file": matplotlib.matplotlib_fname(),
    "rc_differences": sorted(k for k, v in matplotlib.rcParams.items() if k != "backend"
                             and str(v) != str(matplotlib.rcParamsOrig[k])),
    "comm_targets": sorted(comm.get_comm_manager().targets), "kernel_bound_before": before,
    "parent_handle": IPKernelApp.instance().parent_handle, "main": sys.modules["__main__"].__name__,
    "numpy_draw": float(numpy.random.random()), "random_draw": random.random(), "preloaded": preloaded,
}))
"""


def _folder() -> str:
    """A short folder for a zygote's socket, inside the run's folder for its children (removed at its end)."""
    return tempfile.mkdtemp(prefix="zygote-", dir=os.environ.get("RECOUPKIT_TEST_CHILD_TEMP"))


@pytest.fixture(scope="module")
def live_zygote():
    """The module's zygote, started when first asked for and again after a test stopped it: each start
    spends seconds importing what the kernels preload."""
    started = []

    def live():
        if not started or started[-1][0].poll() is not None:
            folder = _folder()
            process = forked_kernels.start_zygote(folder)
            started.append((process, forked_kernels.kernelspec(folder, process.address)))
        return started[-1]

    yield live
    for process, _ in started:
        forked_kernels.stop_zygote(process)


@pytest.fixture
def zygote(live_zygote):
    """A running zygote and the folder of its kernelspec: (process, specs)."""
    return live_zygote()


def _start(name: str, specs: str, cwd: str, **env: str):
    manager = KernelManager(kernel_name=name,
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[os.path.join(specs, "kernels")]))
    manager.start_kernel(cwd=cwd, env={**os.environ, **env})
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=120)
    return manager, client


def _run(client, code: str, timeout: float = 120) -> tuple[str, dict]:
    printed = []
    reply = client.execute_interactive(code, timeout=timeout, output_hook=lambda message: printed.append(
        message["content"].get("text", "")) if message["header"]["msg_type"] == "stream" else None)
    return "".join(printed), reply["content"]


def _facts(name: str, specs: str, cwd: str, **env: str) -> dict:
    manager, client = _start(name, specs, cwd, RECOUPKIT_PROBE="probe", **env)
    try:
        printed, reply = _run(client, FACTS)
        assert reply["status"] == "ok", reply
        return json.loads(printed)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)  # a kernel ended but not reaped by its zygote is still there
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("backend", [None, "agg"], ids=["kernel's backend", "MPLBACKEND=agg"])
def test_a_forked_kernel_sees_what_a_fresh_kernel_sees(zygote, tmp_path, backend):
    process, specs = zygote
    env = {} if backend is None else {"MPLBACKEND": backend}
    fresh = _facts("python3", specs, str(tmp_path), **env)
    forked = [_facts(forked_kernels.KERNEL_NAME, specs, str(tmp_path), **env) for _ in range(2)]
    assert fresh["ppid"] == os.getpid()
    assert [f["ppid"] for f in forked] == [process.pid, process.pid]  # forked by the zygote, not started afresh
    assert [f["preloaded"] for f in (fresh, *forked)] == [False, True, True]
    mine = ("pid", "ppid", "numpy_draw", "random_draw", "preloaded")
    for facts in forked:
        assert {k: v for k, v in facts.items() if k not in mine} == {k: v for k, v in fresh.items() if k not in mine}
    assert fresh["cwd"] == str(tmp_path) and fresh["variable"] == "probe" and fresh["zygote"] is None
    assert fresh["kernel_bound_before"] == [] and "jupyter.widget" in fresh["comm_targets"]
    assert fresh["backend"] == fresh["backend_setting"] == (backend or forked_kernels.INLINE_BACKEND)
    # Each fork draws its own random numbers, as separate processes do.
    assert forked[0]["numpy_draw"] != forked[1]["numpy_draw"]
    assert forked[0]["random_draw"] != forked[1]["random_draw"]


def test_an_interrupt_reaches_the_forked_kernel(zygote, tmp_path):
    _, specs = zygote
    manager, client = _start(forked_kernels.KERNEL_NAME, specs, str(tmp_path))
    try:
        asked = client.execute("import time; time.sleep(60)")
        time.sleep(1)
        started = time.monotonic()
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != asked:  # a kernel slow to start (its zygote still
            reply = client.get_shell_msg(timeout=30)  # importing) first answers wait_for_ready's other asks
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        assert time.monotonic() - started < 30
        for _ in range(20):  # ipykernel aborts what was queued behind the interrupted cell for a moment
            printed, after = _run(client, "print(6 * 7)")
            if after["status"] != "aborted":
                break
            time.sleep(0.1)
        assert after["status"] == "ok" and printed.strip() == "42"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.parametrize("now", [False, True], ids=["shut down", "killed"])
def test_a_kernel_shut_down_or_killed_is_gone(zygote, tmp_path, now):
    _, specs = zygote
    manager, client = _start(forked_kernels.KERNEL_NAME, specs, str(tmp_path))
    printed, _ = _run(client, "import os; print(os.getpid())")
    kernel = int(printed)
    assert kernel != manager.provisioner.pid  # the launcher jupyter_client holds is not the kernel
    client.stop_channels()
    manager.shutdown_kernel(now=now)
    assert _gone(kernel)


def test_the_zygote_takes_its_kernels_with_it_when_stopped(zygote, tmp_path):
    process, specs = zygote  # the module's: it is started again for any test after this one that needs it
    manager, client = _start(forked_kernels.KERNEL_NAME, specs, str(tmp_path))
    try:
        printed, _ = _run(client, "import os; print(os.getpid())")
        forked_kernels.stop_zygote(process)
        assert _gone(int(printed))
        assert not os.path.exists(process.address.partition(":")[2])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.parametrize("reaped", [True, False], ids=["ended", "ended, not yet reaped"])
def test_without_a_live_zygote_the_kernel_starts_afresh_at_once(tmp_path, reaped):
    """A zygote that died (an import broke, say) is not waited for, even before its parent reaps it."""
    folder = _folder()
    dead = forked_kernels.start_zygote(folder)
    dead.send_signal(signal.SIGKILL)
    if reaped:
        dead.wait()
    else:
        while forked_kernels._alive(dead.pid):  # killed: a zombie until waited for
            time.sleep(0.01)
    specs = forked_kernels.kernelspec(folder, dead.address)
    started = time.monotonic()
    manager, client = _start(forked_kernels.KERNEL_NAME, specs, str(tmp_path))
    try:
        assert time.monotonic() - started < forked_kernels._CONNECT_SECONDS / 2
        printed, reply = _run(client, "import os; print(os.getppid())")
        assert reply["status"] == "ok"
        assert int(printed) == os.getpid()
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        dead.wait()


def test_a_folder_too_deep_for_a_unix_socket_starts_no_zygote(tmp_path):
    deep = tmp_path / ("d" * 120)
    deep.mkdir()
    assert forked_kernels.start_zygote(str(deep)) is None
