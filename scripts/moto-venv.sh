#!/usr/bin/env bash
# Installs moto server into the project-local venv `.venv/` (git-ignored). Idempotent.
# The pinned version is what the emulator notes in ../shared/reference/aws-emulator.md describe.
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_VERSION="${WARDEN_MOTO_VERSION:-5.2.5}"
# The SARIF tests validate against the official schema with python jsonschema.
JSONSCHEMA_VERSION="4.26.0"
if [ -x .venv/bin/moto_server ] && .venv/bin/python -c "import jsonschema, moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  exit 0
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" "jsonschema==$JSONSCHEMA_VERSION"
