#!/usr/bin/env bash
# The soak test: bench/soak.py's 50 clients for SOAK_SECONDS (300) against the stack of
# scripts/stack.sh — gunicorn (4 workers, HTTPS), PostgreSQL, a Redis of its own (cache and broker,
# stopped and started empty half-way), a Celery worker (2 processes) and beat. Its figures are in
# the README; .ci/run runs it after the smoke test.
#
# Settings for the soak only: one trusted proxy hop (each client sends its own X-Forwarded-For, as
# nginx would for 50 people), a login limit that lets 20 staff sessions of the same demo users in,
# SMS written to a file (counted afterwards), beat's resend sweep every minute for messages older
# than one minute (in production: every 10 minutes, older than 5).
set -euo pipefail
cd "$(dirname "$0")/.."

SOAK_SECONDS=${SOAK_SECONDS:-300}
SOAK_REDIS_PORT=${SOAK_REDIS_PORT:-6391}
STACK_NAME=service_desk_soak STACK_PORT=${SOAK_PORT:-8444} STACK_REDIS="redis://127.0.0.1:${SOAK_REDIS_PORT}/0"
# shellcheck source=scripts/stack.sh
source scripts/stack.sh

redis-server --port "$SOAK_REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no >/dev/null
export TRUSTED_PROXY_HOPS=1 LOGIN_RATE=200/5m
export SMS_BACKEND=apps.core.messaging.FileSMSBackend SMS_FILE="$STACK_WORK/sms.jsonl"
export CRON_NOTIFICATIONS_RESEND='*' NOTIFICATIONS_RESEND_AFTER_MINUTES=1
export WEB_CONCURRENCY=${WEB_CONCURRENCY:-4} WORKER_CONCURRENCY=${WORKER_CONCURRENCY:-2}
stack_up
trap 'stack_down; redis-cli -p "$SOAK_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true' EXIT

echo "--- soak: ${SOAK_SECONDS} s, 50 clients, Redis restarted half-way"
status=0
"$PY" bench/soak.py --base "$STACK_URL" --seconds "$SOAK_SECONDS" --redis-port "$SOAK_REDIS_PORT" || status=$?
stack_check || status=1
[[ $status -eq 0 ]] || stack_logs
exit $status
