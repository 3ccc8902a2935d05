#!/usr/bin/env bash
# Installs the test-only npm packages pinned in package-lock.json into node_modules/ (axe-core, which
# the browser tests inject into the public pages to check their accessibility). Skips the install
# when node_modules already matches the lock file. Needs npm: `scripts/install-system-deps.sh --test`
# installs Debian's when there is none.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null; then
    echo "npm is missing: run scripts/install-system-deps.sh --test (Debian's nodejs and npm)" >&2
    exit 1
fi
# npm ci writes node_modules/.package-lock.json; it is newer than the lock file once installed from it.
installed=node_modules/.package-lock.json
if [[ -f node_modules/axe-core/axe.min.js && -f $installed && $installed -nt package-lock.json ]]; then
    exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
