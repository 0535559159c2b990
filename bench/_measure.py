"""Run one benchmark step in a fresh process and report wall seconds and peak memory.

Each step runs in its own interpreter so its peak resident memory (ru_maxrss)
is its own, not the parent's, and imports are not counted as work.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run_step(module: str, function: str, *args) -> dict:
    """Call ``module.function(*args)`` in a child process; return its JSON report."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = (
        "import json, resource, sys, time\n"
        f"sys.path.insert(0, {here!r})\n"
        f"import {module} as m\n"
        "before = resource.getrusage(resource.RUSAGE_SELF)\n"
        "started = time.perf_counter()\n"
        f"extra = m.{function}(*{args!r}) or {{}}\n"
        "wall = time.perf_counter() - started\n"
        "after = resource.getrusage(resource.RUSAGE_SELF)\n"
        "cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime\n"
        "peak = after.ru_maxrss * 1024\n"
        "print(json.dumps({'seconds': wall, 'cpu_seconds': cpu, 'peak_bytes': peak, **extra}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"benchmark step {module}.{function}{args} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"
