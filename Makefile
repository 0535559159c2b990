# Two commands do all set-up on a fresh machine:
#   make lab    JupyterLab on the lessons (http://127.0.0.1:8888)
#   make test   every test: pytest over tests/, nbval over notebooks/ and exercises/ (PYTEST_ARGS="-n 0" runs them in one process)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.recoupkit-installed
PORT   ?= 8888
PYTEST_ARGS ?= -n auto

.PHONY: lab test install kernel bench lock exercises clean demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# uv installs the same pinned set in seconds; plain pip is the fallback.
$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	@if $(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9" >/dev/null 2>&1; then \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock && \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e . ; \
	else \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock && \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e . ; \
	fi
	@touch $(STAMP)

install: $(STAMP)

kernel: $(STAMP)
	@$(BIN)/python -m ipykernel install --sys-prefix --name recoupkit --display-name "RecoupKit (.venv)" >/dev/null
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@printf '%s\n' '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' \
	  > $(VENV)/share/jupyter/lab/settings/overrides.json

lab: kernel
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) --no-browser \
	  --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/notebooks

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

exercises: $(STAMP)
	$(BIN)/recoup exercises build

bench: $(STAMP)
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

demo: $(STAMP)
	$(BIN)/python -m recoup_lib.synthetic.demo

lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv==0.13.9"
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -q --no-header -o requirements.lock
	@sed -i '1i # Exact versions installed by `make`. Regenerate with `make lock` after changing pyproject.toml.' requirements.lock

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
