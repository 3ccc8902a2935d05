#!/usr/bin/env bash
# The production build, exactly as the image runs it (Dockerfile) and as CI checks it (.ci/run):
#
#   scripts/build.sh install   the runtime Python packages pinned in pyproject.toml
#   scripts/build.sh assets    compilemessages, then collectstatic with the manifest storage (DEBUG=0)
#   scripts/build.sh check     manage.py check --deploy with production settings, warnings are errors
#   scripts/build.sh           all three
#
# PYTHON names the interpreter (default: python3). The build needs no database, cache or broker:
# it runs with throwaway values for the settings that DEBUG=0 requires.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# Only for the build steps: a real deployment sets its own key and hosts at run time.
build_env=(DEBUG=0 SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=build.invalid
           DATABASE_URL="sqlite:////tmp/portal-build.sqlite3")

install() {
    "$PYTHON" - <<'EOF' > /tmp/portal-requirements.txt
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))
EOF
    "$PYTHON" -m pip install --no-cache-dir -q -r /tmp/portal-requirements.txt
}

assets() {
    env "${build_env[@]}" "$PYTHON" manage.py compilemessages --ignore=.venv -v 0
    # The manifest storage resolves every url() of every stylesheet: a missing file fails here, not
    # as a 500 on every page of a running portal.
    env "${build_env[@]}" "$PYTHON" manage.py collectstatic --noinput --clear -v 0
    test -s staticfiles/staticfiles.json || { echo "build: no static manifest written" >&2; exit 1; }
    echo "build: $(find staticfiles -type f | wc -l) static files, manifest $(wc -c < staticfiles/staticfiles.json) bytes"
}

check() {
    env "${build_env[@]}" SECRET_KEY="$("$PYTHON" -c 'import secrets;print(secrets.token_urlsafe(50))')" \
        "$PYTHON" manage.py check --deploy --fail-level WARNING
}

case "${1:-all}" in
    install) install ;;
    assets) assets ;;
    check) check ;;
    all) install; assets; check ;;
    *) echo "usage: $0 [install|assets|check]" >&2; exit 2 ;;
esac
