# Two commands do all set-up on a fresh machine:
#   make lab    JupyterLab on the lessons; prints the address to open, with its access token
#   make test   every test: pytest over tests/, the docstring examples of recoup_lib/, nbval over notebooks/, exercises/ and apps/ (PYTEST_ARGS="-n 0" runs them in one process)
# For trainers:
#   make desk       the practice desk (claim reviewer, appeal desk, remittance explainer) as a no-code web app
#   make handouts   every lesson as a printable HTML page without code, in handouts/
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.recoupkit-installed
HOST   ?= 127.0.0.1
PORT   ?= 8888
DESK_PORT ?= 8866
# Empty: a new random token each start. Set it (make lab TOKEN=...) to keep one address for a whole course.
TOKEN  ?=
# The desk's practice: empty uses the app's own defaults (family_practice, seed 2025).
SEED   ?=
PROFILE ?=
# An office's own folder for the desk (the one `recoup import` wrote), instead of a generated practice.
FOLDER ?=
PYTEST_ARGS ?= -n auto
LESSONS  := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
HANDOUTS_DIR ?= handouts
HANDOUTS := $(patsubst notebooks/%.ipynb,$(HANDOUTS_DIR)/%.html,$(LESSONS))
# The address to open is printed first, with its token (JupyterLab's own log follows).
NEW_TOKEN = token="$(TOKEN)"; [ -n "$$token" ] || token=$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(24))')

.PHONY: lab desk handouts test install kernel bench lock exercises clean demo

# The venv starts without pip: ensurepip would spend about 5 s installing and compiling pip and
# setuptools, only for pip to install uv. uv comes from the host's pip (pip 22.3 or later installs
# into another environment with --python), else from the venv's own pip (ensurepip then); pip itself
# is installed afterwards by uv (%pip in a lesson uses it).
$(BIN)/python:
	$(PYTHON) -m venv --without-pip $(VENV)

UV_VERSION  := 0.13.9
PIP_VERSION := 25.3
QUIET_PIP   := --quiet --disable-pip-version-check
VENV_PIP = { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null 2>&1 ; }
GET_UV = { $(BIN)/uv --version 2>/dev/null | grep -qx "uv $(UV_VERSION)" || \
  $(PYTHON) -m pip --python $(BIN)/python install $(QUIET_PIP) "uv==$(UV_VERSION)" >/dev/null 2>&1 || \
  { $(VENV_PIP) && $(BIN)/python -m pip install $(QUIET_PIP) "uv==$(UV_VERSION)" >/dev/null 2>&1 ; } ; }

# uv installs the same pinned set in seconds; plain pip is the fallback. The pinned set is first
# installed from uv's cache alone (--offline: it succeeds only when every pinned version is there).
# Online, uv revalidates pyspark's source (published only as source) and rebuilds it, ~1 GB and half
# a minute, at every fresh install; `uv cache prune` then drops the builds no install refers to (a
# machine that ran many fresh installs filled its disk).
UV_SYNC = $(BIN)/uv pip install --quiet --python $(BIN)/python
# The lock is the whole environment, installed as it is (--no-deps), less LEFT_OUT: rfc3987-syntax
# (with lark, its only user) is an optional format checker of jsonschema, pulled in by jupyter-events.
# It compiles three grammars whenever jsonschema is imported: 1.3 s of CPU in every process that
# reads a notebook (JupyterLab, Voila, nbconvert, each test process). Without it jsonschema leaves
# the "iri" string format unchecked; no schema of Jupyter's or ours uses that format.
LEFT_OUT := rfc3987-syntax lark
$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	@if $(GET_UV); then \
	  { $(UV_SYNC) --offline --no-deps -r requirements.lock >/dev/null 2>&1 || \
	    { $(UV_SYNC) --no-deps -r requirements.lock && { $(BIN)/uv cache prune --quiet >/dev/null 2>&1 || true; } ; } ; } && \
	  { $(UV_SYNC) --offline --no-deps -e . >/dev/null 2>&1 || $(UV_SYNC) --no-deps -e . ; } && \
	  { $(UV_SYNC) --offline "pip==$(PIP_VERSION)" >/dev/null 2>&1 || $(UV_SYNC) "pip==$(PIP_VERSION)" || $(VENV_PIP) ; } ; \
	else \
	  $(VENV_PIP) && \
	  $(BIN)/python -m pip install $(QUIET_PIP) --no-deps -r requirements.lock && \
	  $(BIN)/python -m pip install $(QUIET_PIP) --no-deps -e . ; \
	fi
	@touch $(STAMP)

install: $(STAMP)

kernel: $(STAMP)
	@$(BIN)/python -m ipykernel install --sys-prefix --name recoupkit --display-name "RecoupKit (.venv)" >/dev/null
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@printf '%s\n' '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' \
	  > $(VENV)/share/jupyter/lab/settings/overrides.json

# --allow-root: training VMs, containers and CI run as root; the server still listens on $(HOST) only.
lab: kernel
	@$(NEW_TOKEN); \
	printf '\n  RecoupKit lessons in JupyterLab. Open this address in your browser:\n\n      %s\n\n  %s\n\n' \
	  "http://$(HOST):$(PORT)/lab?token=$$token" \
	  "(the token in it is the password; Ctrl-C twice stops JupyterLab; another port: make lab PORT=8890)"; \
	exec $(BIN)/jupyter lab --ip=$(HOST) --port=$(PORT) --ServerApp.port_retries=0 --no-browser --allow-root \
	  --IdentityProvider.token="$$token" --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/notebooks

# Voila runs apps/practice_desk.ipynb and shows only its text and widgets: no code cell, no traceback.
desk: $(STAMP)
	@$(NEW_TOKEN); folder="$(FOLDER)"; \
	if [ -n "$$folder" ]; then folder=$$(cd -- "$$folder" 2>/dev/null && pwd) || \
	  { what='no such folder'; [ -e "$(FOLDER)" ] && what='a file, not a folder'; \
	    printf 'make desk: FOLDER=%s: %s (give the folder recoup import wrote)\n' "$(FOLDER)" "$$what" >&2; exit 2; }; fi; \
	printf '\n  RecoupKit practice desk (no code). Open this address in your browser:\n\n      %s\n\n  %s\n\n' \
	  "http://$(HOST):$(DESK_PORT)/?token=$$token" \
	  "(each page load makes a fresh desk in about 10 seconds; Ctrl-C stops it; another port: make desk DESK_PORT=8867)"; \
	RECOUP_DESK_SEED="$(SEED)" RECOUP_DESK_PROFILE="$(PROFILE)" RECOUP_DESK_FOLDER="$$folder" \
	exec $(BIN)/voila apps/practice_desk.ipynb --no-browser --Voila.ip=$(HOST) --port=$(DESK_PORT) \
	  --Voila.port_retries=0 --token="$$token" --strip_sources=True --show_tracebacks=False

# One printable page per lesson: executed (plots included), code cells and prompts left out.
handouts: $(HANDOUTS)

$(HANDOUTS_DIR)/%.html: notebooks/%.ipynb $(STAMP)
	@mkdir -p $(HANDOUTS_DIR)
	$(BIN)/jupyter nbconvert --to html --execute --no-input --ExecutePreprocessor.timeout=900 \
	  --log-level=WARN --output-dir $(HANDOUTS_DIR) $<

# Every process of the run (xdist workers, notebook kernels, the commands the tests start) reads
# the bytecode the first one compiled, kept under $(VENV)/pycache (never beside the sources), even
# where PYTHONDONTWRITEBYTECODE is set: compiling pandas, matplotlib and Jupyter's modules again in
# each of ~100 processes cost as much CPU as many of the tests themselves.
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(abspath $(VENV))/pycache $(BIN)/python -m pytest $(PYTEST_ARGS)

exercises: $(STAMP)
	$(BIN)/recoup exercises build

bench: $(STAMP)
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

demo: $(STAMP)
	$(BIN)/python -m recoup_lib.synthetic.demo

lock: $(BIN)/python
	@$(GET_UV) || { echo "make lock: could not install uv $(UV_VERSION)"; exit 1; }
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -q --no-header \
	  $(foreach p,$(LEFT_OUT),--no-emit-package $(p)) -o requirements.lock
	@sed -i '1i # Exact versions installed by `make`. Regenerate with `make lock` after changing pyproject.toml.' requirements.lock

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
