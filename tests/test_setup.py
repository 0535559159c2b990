"""The two-command set-up stays true: pinned versions agree, CI runs the README's command."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lock() -> dict:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def test_readme_quick_start_shows_the_two_commands_first():
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1]
    commands = [line.split("#")[0].strip() for line in quick.splitlines() if line.startswith("make ")]
    assert commands[:2] == ["make lab", "make test"]


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_environment_yml_pins_the_locked_versions():
    pins = _lock()
    env = (ROOT / "environment.yml").read_text()
    conda = dict(re.findall(r"^\s+- ([a-z0-9_-]+)=([0-9][^\s=]*)\s*$", env, flags=re.M))
    pip = dict(re.findall(r"^\s+- ([a-z0-9_-]+)==([0-9][^\s]*)\s*$", env, flags=re.M))
    assert conda and pip
    for name, version in {**conda, **pip}.items():
        if name == "python":
            continue
        assert pins.get(name) == version, f"environment.yml pins {name}={version}, lock has {pins.get(name)}"
    assert "- -e ." in env


def test_every_direct_dependency_is_locked():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + project["optional-dependencies"]["dev"]
    pins = _lock()
    for spec in names:
        name = re.split(r"[<>=!~ ;\[]", spec, maxsplit=1)[0].lower().replace("_", "-")
        assert name in pins, f"{name} is not in requirements.lock; run `make lock`"
    assert project["scripts"]["recoup"] == "recoup_lib.cli:main"


def test_the_lock_is_installed_whole_and_leaves_out_the_slow_format_checker():
    """make installs the lock without resolving it again (--no-deps), so what it leaves out stays out."""
    pins = _lock()
    assert "rfc3987-syntax" not in pins and "lark" not in pins
    assert {"jsonschema", "jupyter-events", "nbformat"} <= set(pins)
    makefile = (ROOT / "Makefile").read_text()
    installs = [line for line in makefile.splitlines() if "-r requirements.lock" in line]
    assert installs and all("--no-deps" in line for line in installs), installs
