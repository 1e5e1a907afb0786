# Set-up and everyday commands. `make demo` and `make test` install what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
QGIS_VENV := .venv-qgis
BIN := $(VENV)/bin
APT_PACKAGES := redis-server python3-qgis qgis xvfb python3-venv
TORCH := torch==2.14.1 torchvision==0.29.1

.PHONY: setup system-packages venv qgis-venv test test-core test-qgis demo demo-models bench plugin-zip clean

setup: system-packages venv qgis-venv

# Debian packages: installed with apt when root, otherwise the exact command is printed.
system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Missing Debian packages. Run: sudo apt-get install -y$$missing"; exit 1; fi; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/python -c "import torch, torchvision" 2>/dev/null || $(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e '.[models,worker,dev]'
	touch $@

venv: $(VENV)/.installed

# QGIS's Python is Debian's /usr/bin/python3; the plugin tests run there, with pytest beside it.
$(QGIS_VENV)/.installed:
	test -x $(QGIS_VENV)/bin/python || /usr/bin/python3 -m venv --system-site-packages $(QGIS_VENV)
	$(QGIS_VENV)/bin/pip install -q pytest pytest-timeout
	touch $@

qgis-venv: $(QGIS_VENV)/.installed

test: setup
	$(BIN)/pytest -q tests --ignore=tests/qgis
	QT_QPA_PLATFORM=offscreen $(QGIS_VENV)/bin/pytest -q -p no:cacheprovider tests/qgis

test-core: venv
	$(BIN)/pytest -q tests --ignore=tests/qgis

test-qgis: setup
	QT_QPA_PLATFORM=offscreen $(QGIS_VENV)/bin/pytest -q -p no:cacheprovider tests/qgis

# The README's main command: held-out synthetic scenes through the whole product, offline
# (training/demo.py). The demo models are trained first when they are missing.
DEMO_PROFILE := georeasoner/data/demo

demo: venv
	@test -f $(DEMO_PROFILE)/profile.json || $(MAKE) demo-models
	$(BIN)/python -m training.demo --out demo_out --profile $(DEMO_PROFILE)

# Trains the demo profile from synthetic scenes (training/demo_models.py); figures in its demo_report.json.
demo-models: venv
	$(BIN)/python -m training.demo_models --out $(DEMO_PROFILE) --work .cache/demo-work

# Every benchmark of bench/ (CPU, 5 to 30 minutes on 2 cores), then one table of figures,
# ratios and targets from bench/results.json. GPU runs: see the commands in bench/*.py.
bench: venv
	$(BIN)/python bench/run_all.py

# The QGIS plugin as a ZIP for "Install from ZIP": folder georeasoner_qgis/ (not the library's name).
plugin-zip:
	rm -rf build/plugin georeasoner_qgis.zip && mkdir -p build/plugin/georeasoner_qgis
	cp -r qgis_plugin/. build/plugin/georeasoner_qgis/
	cp metadata.txt build/plugin/georeasoner_qgis/
	find build/plugin -name __pycache__ -prune -exec rm -rf {} +
	cd build/plugin && $(PYTHON) -m zipfile -c ../../georeasoner_qgis.zip georeasoner_qgis

clean:
	rm -rf $(VENV) $(QGIS_VENV) build dist *.egg-info demo_out georeasoner_qgis.zip
