# GeoRedis: every command works on a fresh Debian 12 machine (run as root or with sudo).
SHELL := /bin/bash
# Inside a test-matrix chroot (scripts/matrix.py) the chroot's own venv is used, ready-made.
MATRIX_PLATFORM := $(shell cat /etc/georedis-matrix 2>/dev/null | head -n1)
VENV := $(if $(MATRIX_PLATFORM),/opt/georedis-venv,.venv)
PY := $(VENV)/bin/python
APT_PACKAGES := python3-qgis qgis qgis-providers redis-server redis-tools xvfb xauth \
	imagemagick qttools5-dev-tools python3-venv python3-pip
# Where Debian's shapely is shapely 2 (Debian 13 and newer, Ubuntu 24.04 and newer), it is the
# venv's too: built against the GEOS Debian's QGIS links (requirements.txt pins a wheel only for
# Debian 12's Python, whose python3-shapely is 1.8).
DEBIAN_SHAPELY_MAJOR := $(shell LC_ALL=C apt-cache policy python3-shapely 2>/dev/null | \
	sed -n 's/^ *Candidate: \([0-9]*:\)\{0,1\}\([0-9][0-9]*\)\..*/\2/p')
APT_PACKAGES += $(if $(filter-out 0 1,$(DEBIAN_SHAPELY_MAJOR)),python3-shapely)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
QGIS_PROFILE_DIR ?= $(if $(QGIS_CUSTOM_CONFIG_PATH),$(QGIS_CUSTOM_CONFIG_PATH)/profiles/default,$(HOME)/.local/share/QGIS/QGIS3/profiles/default)
export QT_QPA_PLATFORM ?= offscreen

# A simulated fleet writing to the live stream 'fleet' (scripts/fleet.py), for the Live panel.
LIVE_DEMO_ARGS ?= --vehicles 500 --rate 1
.PHONY: live-demo
live-demo: setup
	$(PY) -m scripts.fleet $(LIVE_DEMO_ARGS)

.PHONY: setup translations translations-update screenshots test test-redis-py test-matrix demo run deploy package bench lint format clean

# The venv, and the wheels `make package` vendors kept in build/wheels (so that building the zip
# and tests/test_package.py need no network afterwards, in the test matrix's chroots too, which
# see this folder at /repo and bring their own venv).
ifeq ($(MATRIX_PLATFORM),)
setup: $(VENV)/.installed
	$(PY) -m scripts.package --fetch-wheels >/dev/null
else
setup:
	@echo "test-matrix chroot $(MATRIX_PLATFORM): using $(VENV)"
endif

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y \
			--no-install-recommends $$missing; \
	fi
	[ -x $(PY) ] || /usr/bin/python3 -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(PY) -c "import sys; from georedis_plugin.dependencies import missing_dependencies as m; \
		sys.exit('; '.join(m()) or None)"
	touch $@

# French (and any other) translations: .ts sources in git, .qm compiled by Qt's lrelease.
translations: setup
	lrelease -silent georedis_plugin/resources/i18n/*.ts

# After changing user-visible strings: add them to the .ts files, then translate them there.
translations-update: setup
	$(PY) -m scripts.i18n

test: setup translations
	$(PY) -m pytest $(PYTEST_ARGS)

# The Redis-facing tests under the oldest and the newest redis-py GeoRedis supports, each put in
# front of the venv's own through PYTHONPATH (pip --target, kept in build/redis-py/), with every
# DeprecationWarning an error.
REDIS_PY_VERSIONS ?= 4.5.5 8.1.0
REDIS_PY_TESTS := tests/test_connection.py tests/test_credentials.py tests/test_wkb_cache.py \
	tests/test_geoset_core.py tests/test_cluster.py tests/test_sentinel.py tests/test_faults.py \
	tests/test_acl_tls.py
test-redis-py: setup translations
	@for version in $(REDIS_PY_VERSIONS); do \
		[ -f build/redis-py/$$version/redis/__init__.py ] || $(PY) -m pip install -q \
			--disable-pip-version-check --no-deps --target build/redis-py/$$version redis==$$version \
			|| exit 1; \
		echo "== redis-py $$version"; \
		PYTHONPATH=build/redis-py/$$version $(PY) -m pytest -q -p no:cacheprovider \
			-W error::DeprecationWarning $(REDIS_PY_TESTS) $(PYTEST_ARGS) || exit 1; \
	done

# The suite in Debian trixie and sid chroots (debootstrap, root), against redis-server and
# valkey-server; chroots in $$GEOREDIS_MATRIX_DIR or .matrix/, built on first use.
test-matrix:
	/usr/bin/python3 -m scripts.matrix test $(MATRIX_ARGS)

# The README's screenshots, from a real QGIS desktop under Xvfb (tests/test_desktop_end_to_end.py and
# tests/test_desktop_live.py)
screenshots: setup translations
	GEOREDIS_SCREENSHOTS=georedis_plugin/resources/screenshots $(PY) -m pytest -q -p no:cacheprovider tests/test_desktop_end_to_end.py tests/test_desktop_live.py

demo: setup translations
	$(PY) -m scripts.demo

run: setup translations
	$(PY) -m scripts.run_desktop

deploy: setup translations
	$(PY) -m scripts.deploy --profile-dir "$(QGIS_PROFILE_DIR)"

package: setup translations
	$(PY) -m scripts.package

# `make bench` runs the default benchmarks, `make bench NAME...` only those (names of
# scripts/bench.py; `scale`, 10 million points, and `clip` or `difference` alone run only when named).
BENCH_NAMES := $(if $(filter bench,$(MAKECMDGOALS)),$(filter-out bench,$(MAKECMDGOALS)))
bench: setup
	$(PY) -m scripts.bench $(BENCH_NAMES)
ifneq ($(BENCH_NAMES),)
$(BENCH_NAMES):
	@:
endif

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/flake8 .
	$(VENV)/bin/python -m scripts.scoped_enums

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .qgis-settings artifacts dist build demo-output
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
