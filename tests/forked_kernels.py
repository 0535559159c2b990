"""Notebook kernels for the test run, forked from a process that has already imported their libraries.

Every lesson and exercise runs under nbval in a kernel of its own, and a new
kernel spends about a second of CPU importing IPython's kernel, pandas,
pyarrow, matplotlib and the kit before and while it runs its cells. Here one
*zygote* process per test process imports them once; each kernel is then a
fork of it, started from the kernel's own command line, so nbval and
jupyter_client manage it as any other kernel. Measured alternately with and
without forking on the project's 2-core machine, ``make test`` used about
45 s less CPU and took 24-34 s less (notebooks/, exercises/ and apps/ alone:
116-122 s of user CPU afresh, 74-86 s forked).

Two roles, one file (stdlib only on the launching side):

``python forked_kernels.py serve SOCKET``
    The zygote. Imports the libraries below, listens on the Unix socket
    SOCKET and forks a kernel for each request. It reports each kernel's
    end to the process that asked for it, kills a kernel whose asker has
    gone (jupyter_client killed it), and ends, killing its kernels, when
    told to (SIGTERM) or when its parent ends.

``python -S forked_kernels.py launch -f CONNECTION_FILE``
    The kernel's command line (the kernelspec's ``argv``). Hands its
    standard streams, environment and working folder to the zygote named in
    ``RECOUPKIT_KERNEL_ZYGOTE`` (``pid:socket``), forwards the signals it
    receives (interrupts) to the forked kernel, and exits with the kernel's
    exit status. Without a live zygote it becomes an ordinary kernel
    (``python -m ipykernel_launcher``). The kernelspec (:func:`kernelspec`)
    sets that variable for the kernel alone.

A forked kernel is an ordinary kernel that starts with some modules already
in ``sys.modules``: its working folder, environment, ``sys.argv`` and
``sys.path`` are those of a kernel started afresh, NumPy's global random
state is reseeded, and modules whose import depends on the running kernel
are left out of the zygote: ``ipywidgets`` registers its comm target when
imported inside a kernel, ``matplotlib.pyplot`` looks at the running event
loop, and ``matplotlib_inline`` hooks into the shell. ``matplotlib`` itself
reads its backend from the environment when imported; a forked kernel
reads it again from its own (the kernel's inline backend).
``tests/test_forked_kernels.py`` compares a forked kernel with a fresh one.
Linux only (fork after these imports is what Linux's ``multiprocessing``
does every day); set ``RECOUPKIT_FORKED_KERNELS=0`` for fresh kernels.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time

ZYGOTE_VARIABLE = "RECOUPKIT_KERNEL_ZYGOTE"
KERNEL_NAME = "recoupkit-forked"

#: What every kernel of the test run imports (see the module's doc for what is left out).
PRELOAD = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "IPython.display",
    "numpy", "pandas", "pyarrow", "pyarrow.csv", "pyarrow.compute", "scipy.stats", "openpyxl",
    "recoup_lib.folder", "recoup_lib.money", "recoup_lib.exercises", "recoup_lib.rules", "recoup_lib.report",
    "recoup_lib.synthetic", "recoup_lib.synthetic.demo", "recoup_lib.appeals", "recoup_lib.remit",
    "recoup_lib.remit.reconcile", "recoup_lib.sampling", "recoup_lib.ingest", "recoup_lib.reference.codes",
    "matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg",
)
#: Imported in a kernel, these act on the kernel itself: never imported by the zygote.
KERNEL_BOUND = ("ipywidgets", "matplotlib.pyplot", "matplotlib_inline")
#: The backend ipykernel puts in ``MPLBACKEND`` for the kernel's shell when none is set.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

_CONNECT_SECONDS = 120.0


# --- the kernel's command line -------------------------------------------------------------------

def launch(kernel_args: list[str]) -> None:
    """Run one kernel (``kernel_args``: ipykernel's arguments) as a fork of the zygote, or afresh."""
    asked = _ask_zygote(kernel_args)
    if asked is None:
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *kernel_args])
    connection, kernel_pid = asked

    def forward(signum, _frame):
        try:
            os.kill(kernel_pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, forward)
    reply = _read_line(connection)
    os._exit(int(reply.split()[1]) if reply.startswith("exit ") else 1)


def _ask_zygote(kernel_args: list[str]):
    """The open connection and the kernel's pid, or None when no zygote answers."""
    pid_text, _, path = os.environ.get(ZYGOTE_VARIABLE, "").partition(":")
    if not pid_text.isdigit() or not path:
        return None
    deadline = time.monotonic() + _CONNECT_SECONDS
    while True:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(path)
            break
        except OSError:
            connection.close()
            if not _alive(int(pid_text)) or time.monotonic() > deadline:
                return None
            time.sleep(0.02)
    request = {"args": kernel_args, "env": dict(os.environ), "cwd": os.getcwd()}
    try:
        socket.send_fds(connection, [b"R"], [0, 1, 2])
        connection.sendall(json.dumps(request).encode() + b"\n")
        reply = _read_line(connection)
    except OSError:
        return None
    if not reply.startswith("pid "):
        return None
    return connection, int(reply.split()[1])


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs: a zygote that failed (an import broke) and awaits its reaping is not."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rpartition(b")")[2].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return False


def _read_line(connection: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace").strip()


# --- the zygote ----------------------------------------------------------------------------------

def serve(path: str) -> None:
    """Import :data:`PRELOAD`, then fork a kernel for each request on the Unix socket ``path``."""
    import importlib
    import select

    parent = os.getppid()
    # debugpy (ipykernel's debugger) warns at import that Python's frozen modules may hide breakpoints;
    # the forked kernels never debug.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for name in PRELOAD:
        importlib.import_module(name)
    bound = [name for name in KERNEL_BOUND if name in sys.modules]
    if bound:
        raise SystemExit(f"the zygote imported {', '.join(bound)}, which must be imported in the kernel")
    import gc

    gc.freeze()  # what the imports made stays out of the kernels' collections, and their pages shared

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    kernels: dict[int, socket.socket] = {}
    while not stopping and os.getppid() == parent:
        ready, _, _ = select.select([listener, wake_read, *kernels.values()], [], [], 1.0)
        if wake_read in ready:
            _drain(wake_read)
        _report_ended(kernels)
        for pid in [p for p, c in kernels.items() if c in ready and not _still_there(c)]:
            _kill(pid)  # the asker has gone (jupyter_client killed it): so goes its kernel
            kernels.pop(pid).close()
        if listener in ready:
            connection, _ = listener.accept()
            child = _fork_kernel(connection, (listener, wake_read, wake_write, *kernels.values()))
            if child is None:
                connection.close()
            else:
                kernels[child] = connection
    for pid in kernels:
        _kill(pid)
    listener.close()
    try:
        os.unlink(path)
    except OSError:
        pass


def _fork_kernel(connection: socket.socket, inherited: tuple) -> int | None:
    """Read one request, fork; in the child become the kernel (never returns there)."""
    try:
        _, fds, _, _ = socket.recv_fds(connection, 1, 3)
        request = json.loads(_read_line(connection))
    except (OSError, ValueError):
        return None
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        return None
    pid = os.fork()
    if pid == 0:
        _exit_as_python_does(_become_kernel, request, fds, connection, inherited)
    for fd in fds:
        os.close(fd)
    try:
        connection.sendall(f"pid {pid}\n".encode())
    except OSError:
        _kill(pid)
    return pid


def _exit_as_python_does(run, *args) -> None:
    """Run ``run(*args)`` in a forked child, then end the child as an interpreter ends (exit functions
    run, streams flushed), whatever happens: it must never return to the zygote's loop."""
    import atexit
    import traceback

    try:
        run(*args)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    finally:
        os._exit(code)


def _become_kernel(request: dict, fds: list[int], connection: socket.socket, inherited: tuple) -> None:
    """In the forked child: take the asker's streams, folder, environment and arguments, run ipykernel."""
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGTERM, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for item in (connection, *inherited):
        item.close() if isinstance(item, socket.socket) else os.close(item)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update({k: v for k, v in request["env"].items() if k != ZYGOTE_VARIABLE})
    time.tzset()
    import importlib.util
    import tempfile

    import numpy

    tempfile.tempdir = None  # found again from this environment when first needed
    numpy.random.seed()
    _backend_as_the_kernel_would_read_it()
    # As ``python -m ipykernel_launcher`` leaves them: the launcher's path first in argv, and the
    # script's folder (here this file's, there the working folder) taken off sys.path.
    sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin, *request["args"]]
    del sys.path[0]
    from ipykernel import kernelapp

    # ipykernel reads its parent's pid from the environment when it is imported (here, in the zygote).
    kernelapp.IPKernelApp.launch_instance(parent_handle=int(os.environ.get("JPY_PARENT_PID") or 0))


def _backend_as_the_kernel_would_read_it() -> None:
    """matplotlib, imported in the zygote, takes its backend from ``MPLBACKEND`` as it would have
    on being imported in the kernel: ipykernel sets that variable (to its inline backend, unless
    set) before any cell runs, and importing matplotlib reads it."""
    import matplotlib

    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = INLINE_BACKEND
    matplotlib.rcParams["backend"] = os.environ["MPLBACKEND"]


def _report_ended(kernels: dict) -> None:
    """Reap every ended kernel; tell its asker, if still listening, how it ended."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = kernels.pop(pid, None)
        if connection is not None:
            try:
                connection.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
            except OSError:
                pass
            connection.close()


def _still_there(connection: socket.socket) -> bool:
    """Whether the asker at the other end of a readable connection is still there (it sends nothing)."""
    try:
        return bool(connection.recv(1))
    except OSError:
        return False


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


# --- the test run's side -------------------------------------------------------------------------

def available() -> bool:
    """Whether this platform and the environment allow forked kernels."""
    return (sys.platform.startswith("linux") and hasattr(socket, "send_fds")
            and os.environ.get("RECOUPKIT_FORKED_KERNELS", "1") != "0")


def kernelspec(folder: str, address: str) -> str:
    """Write, under ``folder``, the kernelspec of kernels forked by the zygote at ``address``.

    Returns the folder to put on ``JUPYTER_PATH`` while a kernel starts.
    """
    spec_dir = os.path.join(folder, "kernels", KERNEL_NAME)
    os.makedirs(spec_dir, exist_ok=True)
    spec = {"argv": [sys.executable, "-S", os.path.abspath(__file__), "launch", "-f", "{connection_file}"],
            "env": {ZYGOTE_VARIABLE: address},
            "display_name": "Python 3 (forked for the test run)", "language": "python",
            "metadata": {"debugger": True}}
    with open(os.path.join(spec_dir, "kernel.json"), "w", encoding="utf-8") as handle:
        json.dump(spec, handle)
    return folder


#: The longest path a Unix socket can have on Linux (``sun_path``, 108 bytes with its final NUL).
_SOCKET_PATH_BYTES = 107


def start_zygote(folder: str):
    """Start a zygote listening under ``folder`` (its imports go on in the background).

    Returns its process, whose ``address`` is the value of :data:`ZYGOTE_VARIABLE` that sends a
    kernel's launch to it; None where ``folder`` is too deep for a Unix socket's path.
    """
    import subprocess

    path = os.path.join(folder, f"zygote-{os.getpid()}.sock")
    if len(os.fsencode(path)) > _SOCKET_PATH_BYTES:
        return None
    process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "serve", path], stdin=subprocess.DEVNULL)
    process.address = f"{process.pid}:{path}"
    return process


def stop_zygote(process) -> None:
    """End the zygote and the kernels it forked."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except Exception:
        process.kill()
        process.wait()


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2])
    elif sys.argv[1:2] == ["launch"]:
        launch(sys.argv[2:])
    else:
        raise SystemExit("usage: forked_kernels.py serve SOCKET | launch -f CONNECTION_FILE")
