#!/usr/bin/env bash
# The production smoke test (.ci/run calls it after the suites): the portal as a deployment runs it.
#
#   1. the production build (scripts/build.sh: messages, manifest collectstatic, check --deploy);
#   2. the stack of scripts/stack.sh: DEBUG=0, a fresh PostgreSQL database with the demo
#      (`seed_demo --allow-production`), Redis as cache and broker, gunicorn over HTTPS, a real
#      Celery worker and beat;
#   3. scripts/smoke_crawl.py: every demo role logs in and follows every link it is shown, citizens'
#      pages without a login, static files and compression checked, an intake whose SMS the worker
#      must send; PostgreSQL restarted half-way when SMOKE_DB_RESTART names the command;
#   4. a backup of that portal restored into a new database, checked against its manifest.
# Fails on any 5xx. Needs PostgreSQL and Redis on 127.0.0.1 (as .ci/run starts them) and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."

STACK_NAME=service_desk_smoke STACK_PORT=${SMOKE_PORT:-8443} STACK_REDIS=redis://127.0.0.1:6379/14
# shellcheck source=scripts/stack.sh
source scripts/stack.sh

echo "--- smoke: production build (assets again in stack_up)"
PYTHON=$PY scripts/build.sh check

redis-cli -n 14 flushdb >/dev/null
stack_up

echo "--- smoke: crawl every role"
status=0
"$PY" scripts/smoke_crawl.py --base "$STACK_URL" --restart-db "${SMOKE_DB_RESTART:-}" || status=$?
stack_check || status=1
if [[ $status -ne 0 ]]; then
    stack_logs
    exit $status
fi

echo "--- smoke: backup and restore into a new database"
"$PY" manage.py backup --output "$STACK_WORK/backup"
STACK_DATABASES+=("${STACK_NAME}_restore")
psql_admin "CREATE DATABASE ${STACK_NAME}_restore"
DATABASE_URL="$STACK_PG/${STACK_NAME}_restore" PRIVATE_MEDIA_ROOT="$STACK_WORK/restored-media" \
    "$PY" manage.py restore --input "$STACK_WORK/backup"
echo "--- smoke: passed"
