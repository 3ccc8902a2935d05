#!/usr/bin/env bash
# Installs the Debian packages the portal needs, only those that are missing.
#   runtime: Pango (and HarfBuzz's subsetter) for WeasyPrint's Persian shaping, gettext to compile
#            messages, the PostgreSQL client for `manage.py backup` / `restore`
#   --test:  Chromium for the browser journeys, poppler-utils to read PDFs back in tests, npm
#            (when there is none) for axe-core, the browser tests' accessibility checker, and nginx
#            for the two-node test's TLS proxy (scripts/two_nodes.sh runs its own, never the service)
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext fonts-dejavu-core)
if [[ "${1:-}" == "--test" ]]; then
    # openssl and curl: the production smoke test serves HTTPS with a throwaway certificate.
    packages+=(chromium poppler-utils openssl curl nginx)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Any Node.js that brings npm will do (NodeSource's nodejs does; Debian splits them).
if [[ "${1:-}" == "--test" ]] && ! command -v npm >/dev/null; then
    missing+=(nodejs npm)
fi
# Any installed major version of the PostgreSQL client will do (it must not be older than the server).
command -v pg_dump >/dev/null || missing+=(postgresql-client)
[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null; then
    echo "Missing system packages: ${missing[*]} (install them with your package manager)" >&2
    exit 1
fi
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
