#!/usr/bin/env bash
# Install amplify with its test extras into .venv and run the linter and the test suite.
# This is the README's test command; .ci/run calls it after starting PostgreSQL and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
