#!/usr/bin/env bash
# The production smoke test (.ci/run calls it after the suites): the portal as a deployment runs it.
#
#   1. the production build (scripts/build.sh: messages, manifest collectstatic, check --deploy);
#   2. DEBUG=0 with a random SECRET_KEY, a fresh PostgreSQL database, Redis as cache and broker,
#      the demo loaded with `seed_demo --allow-production`;
#   3. gunicorn over HTTPS (a throwaway self-signed certificate: secure cookies, HSTS and the SSL
#      redirect stay on as in production), a real Celery worker and Celery beat;
#   4. scripts/smoke_crawl.py: every demo role logs in and follows every link it is shown, citizens'
#      pages without a login, static files and compression checked, an intake whose SMS the worker
#      must send; PostgreSQL restarted half-way when SMOKE_DB_RESTART names the command;
#   5. a backup of that portal restored into a new database, checked against its manifest.
# Fails on any 5xx. Needs PostgreSQL and Redis on 127.0.0.1 (as .ci/run starts them) and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
BIN=$(dirname "$PY")
PG=${SMOKE_PG:-postgres://postgres@127.0.0.1:5432}
DB=service_desk_smoke
PORT=${SMOKE_PORT:-8443}
WORK=$(mktemp -d /tmp/portal-smoke.XXXXXX)
pids=()

psql_admin() { psql "$PG/postgres" -v ON_ERROR_STOP=1 -q -c "$1"; }

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    psql_admin "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" 2>/dev/null || true
    psql_admin "DROP DATABASE IF EXISTS ${DB}_restore WITH (FORCE)" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "--- smoke: production build"
PYTHON=$PY scripts/build.sh assets
PYTHON=$PY scripts/build.sh check

export DEBUG=0 ALLOWED_HOSTS=127.0.0.1,localhost LOG_LEVEL=WARNING
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
export DATABASE_URL="$PG/$DB" REDIS_URL=redis://127.0.0.1:6379/14 CACHE_KEY_PREFIX=smoke
export PRIVATE_MEDIA_ROOT="$WORK/media" SITE_URL="https://127.0.0.1:$PORT"
export WEB_CONCURRENCY=2 PORT

echo "--- smoke: database and demo (DEBUG=0)"
psql_admin "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)"
psql_admin "CREATE DATABASE ${DB}"
redis-cli -n 14 flushdb >/dev/null
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py seed_demo --allow-production | tail -n 3

echo "--- smoke: gunicorn (HTTPS), Celery worker and beat"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
"$BIN/gunicorn" config.wsgi:application -c config/gunicorn.py --bind "127.0.0.1:$PORT" \
    --certfile "$WORK/cert.pem" --keyfile "$WORK/key.pem" --access-logfile /dev/null \
    >"$WORK/gunicorn.log" 2>&1 &
pids+=($!)
"$BIN/celery" -A config worker --concurrency 1 --without-gossip --without-mingle -l WARNING \
    >"$WORK/worker.log" 2>&1 &
pids+=($!)
"$BIN/celery" -A config beat -s "$WORK/beat-schedule" -l INFO >"$WORK/beat.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
    curl -ksf "https://127.0.0.1:$PORT/healthz" >/dev/null && break
    sleep 1
done
curl -ks "https://127.0.0.1:$PORT/healthz"; echo

echo "--- smoke: crawl every role"
status=0
"$PY" scripts/smoke_crawl.py --base "https://127.0.0.1:$PORT" --restart-db "${SMOKE_DB_RESTART:-}" || status=$?
if ! grep -q "beat: Starting" "$WORK/beat.log"; then
    echo "FAIL beat did not start:"; tail -n 20 "$WORK/beat.log"; status=1
fi
for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "FAIL a process of the stack died (pid $pid)"; status=1; }
done
if [[ $status -ne 0 ]]; then
    echo "--- gunicorn log"; tail -n 60 "$WORK/gunicorn.log"
    echo "--- worker log"; tail -n 30 "$WORK/worker.log"
    exit $status
fi

echo "--- smoke: backup and restore into a new database"
"$PY" manage.py backup --output "$WORK/backup"
psql_admin "CREATE DATABASE ${DB}_restore"
DATABASE_URL="$PG/${DB}_restore" PRIVATE_MEDIA_ROOT="$WORK/restored-media" \
    "$PY" manage.py restore --input "$WORK/backup"
echo "--- smoke: passed"
