# The portal as a deployment runs it, on this machine, for scripts/smoke.sh and bench/soak.sh
# (sourced, not run): DEBUG=0 with a random key, a fresh PostgreSQL database with the demo loaded,
# gunicorn over HTTPS with a throwaway self-signed certificate (secure cookies, HSTS and the SSL
# redirect stay on), a Celery worker and Celery beat.
#
#   STACK_NAME   database name and work folder prefix          STACK_PORT    gunicorn's port
#   STACK_REDIS  Redis URL for cache and broker                STACK_PG      PostgreSQL server URL
#   PYTHON       the interpreter (default .venv/bin/python)    WEB_CONCURRENCY, WORKER_CONCURRENCY
# Then: stack_up; …; stack_down (stack_up registers stack_down on EXIT).

PY=${PYTHON:-.venv/bin/python}
BIN=$(dirname "$PY")
STACK_PG=${STACK_PG:-postgres://postgres@127.0.0.1:5432}
STACK_PORT=${STACK_PORT:-8443}
STACK_WORK=$(mktemp -d "/tmp/${STACK_NAME}.XXXXXX")
STACK_URL="https://127.0.0.1:${STACK_PORT}"
STACK_DATABASES=("${STACK_NAME}")
stack_pids=()

psql_admin() { psql "$STACK_PG/postgres" -v ON_ERROR_STOP=1 -q -c "$1"; }

stack_down() {
    for pid in "${stack_pids[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for db in "${STACK_DATABASES[@]}"; do psql_admin "DROP DATABASE IF EXISTS ${db} WITH (FORCE)" 2>/dev/null || true; done
    if [[ -n "${STACK_KEEP:-}" ]]; then echo "logs kept in $STACK_WORK"; else rm -rf "$STACK_WORK"; fi
}

stack_env() {
    export DEBUG=0 ALLOWED_HOSTS=127.0.0.1,localhost LOG_LEVEL=${LOG_LEVEL:-WARNING}
    SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
    export SECRET_KEY
    export DATABASE_URL="$STACK_PG/$STACK_NAME" REDIS_URL="$STACK_REDIS" CACHE_KEY_PREFIX="$STACK_NAME"
    export PRIVATE_MEDIA_ROOT="$STACK_WORK/media" SITE_URL="$STACK_URL"
    export WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
}

stack_up() {
    trap stack_down EXIT
    # The static files as the production build makes them (a stale staticfiles/ would answer 500).
    PYTHON=$PY scripts/build.sh assets
    stack_env
    echo "--- ${STACK_NAME}: database and demo (DEBUG=0)"
    psql_admin "DROP DATABASE IF EXISTS ${STACK_NAME} WITH (FORCE)" 2>/dev/null
    psql_admin "CREATE DATABASE ${STACK_NAME}"
    "$PY" manage.py migrate --noinput -v 0
    "$PY" manage.py seed_demo --allow-production | tail -n 2

    echo "--- ${STACK_NAME}: gunicorn (HTTPS) on :${STACK_PORT}, Celery worker and beat"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
        -keyout "$STACK_WORK/key.pem" -out "$STACK_WORK/cert.pem" 2>/dev/null
    "$BIN/gunicorn" config.wsgi:application -c config/gunicorn.py --bind "127.0.0.1:$STACK_PORT" \
        --certfile "$STACK_WORK/cert.pem" --keyfile "$STACK_WORK/key.pem" --access-logfile /dev/null \
        >"$STACK_WORK/gunicorn.log" 2>&1 &
    stack_pids+=($!)
    # Restarted whenever it exits, as the deployment's restart policy does (docker-compose.yml:
    # `restart: unless-stopped`): kombu's Redis transport can end the worker when Redis goes away
    # while a task is being acknowledged. stack_check counts the restarts.
    (
        while true; do
            "$BIN/celery" -A config worker --concurrency "${WORKER_CONCURRENCY:-1}" --without-gossip \
                --without-mingle -l WARNING >>"$STACK_WORK/worker.log" 2>&1 || true
            echo "[stack] worker exited; restarting" >>"$STACK_WORK/worker.log"
            sleep 1
        done
    ) &
    stack_pids+=($!)
    "$BIN/celery" -A config beat -s "$STACK_WORK/beat-schedule" -l INFO >"$STACK_WORK/beat.log" 2>&1 &
    stack_pids+=($!)
    for _ in $(seq 1 60); do
        curl -ksf "$STACK_URL/healthz" >/dev/null && break
        sleep 1
    done
    curl -ks "$STACK_URL/healthz"; echo
}

# Non-zero if a process of the stack died or beat never started; says how often the worker restarted.
stack_check() {
    local status=0
    echo "worker restarts: $(grep -c '^\[stack\] worker exited' "$STACK_WORK/worker.log" || true)"
    grep -q "beat: Starting" "$STACK_WORK/beat.log" || { echo "FAIL beat did not start"; status=1; }
    for pid in "${stack_pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || { echo "FAIL a process of the stack died (pid $pid)"; status=1; }
    done
    return $status
}

stack_logs() {
    echo "--- gunicorn log"; tail -n 60 "$STACK_WORK/gunicorn.log"
    echo "--- worker log"; tail -n 30 "$STACK_WORK/worker.log"
    echo "--- beat log"; tail -n 10 "$STACK_WORK/beat.log"
}
