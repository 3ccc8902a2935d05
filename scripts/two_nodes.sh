#!/usr/bin/env bash
# The two-node deployment test (.ci/run calls it after the PostgreSQL + Redis suite): two web nodes
# behind nginx that share nothing but PostgreSQL, Redis and an S3 bucket, as a deployment on more
# than one host runs them.
#
#   1. moto's S3 server on 127.0.0.1 with a new bucket; a fresh PostgreSQL database with the demo
#      (`seed_demo --allow-production`); Redis db 13, flushed, as cache and broker;
#   2. nodes A and B: gunicorn with DEBUG=0 and one SECRET_KEY, each started from an empty working
#      directory with a private media folder of its own, plain HTTP on 127.0.0.1. nginx ends TLS with
#      a throwaway certificate on three listeners (round-robin over both nodes, node A only, node B
#      only), appends the client's address to X-Forwarded-For (the nodes trust one hop) and names
#      the node that answered in X-Upstream;
#   3. one Celery worker and two Celery beats (one per node), each from an empty working directory;
#   4. scripts/two_nodes_check.py through the listeners: a session, a scan, a citizen's tracking
#      check, a rate limit and a report written or counted on one node are read on the other;
#   5. afterwards: the media folders and working directories hold no file, the bucket holds the scan
#      and the report, nothing under the project folder was added or changed, exactly one beat
#      schedules.
# Fails on any failed check, printing the tails of the logs. Needs PostgreSQL and Redis on 127.0.0.1
# (as .ci/run starts them), openssl, curl and nginx (scripts/install-system-deps.sh --test).
#
#   PYTHON              the interpreter (default .venv/bin/python)
#   TWO_NODES_PORT      the first of six ports (default 8601): round-robin, A, B over HTTPS, then
#                       node A, node B and the S3 server over HTTP
#   TWO_NODES_KEEP=1    keep the work folder with its logs
#   TWO_NODES_B_DISK=1  node B keeps files on its own disk instead of the bucket: the check must fail
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT=$(pwd)
started=$SECONDS

PY=${PYTHON:-.venv/bin/python}
if [[ $PY != */* ]]; then PY=$(command -v "$PY"); elif [[ $PY != /* ]]; then PY="$PROJECT/$PY"; fi
BIN=$(dirname "$PY")
NAME=service_desk_two_nodes
PG=${TWO_NODES_PG:-postgres://postgres@127.0.0.1:5432}
REDIS_DB=13
PORT=${TWO_NODES_PORT:-8601}
PORT_RR=$PORT PORT_A=$((PORT + 1)) PORT_B=$((PORT + 2))
NODE_A=127.0.0.1:$((PORT + 3)) NODE_B=127.0.0.1:$((PORT + 4)) S3_PORT=$((PORT + 5))
WORK=$(mktemp -d "/tmp/${NAME}.XXXXXX")
LOGS=$WORK/logs
# Empty working directories and private media folders, checked empty at the end.
RUN_DIRS=(node-a node-b worker beat-a beat-b)
MEDIA_DIRS=(node-a node-b worker)
mkdir -p "$LOGS" "$WORK/state" "$WORK/tls" "$WORK/nginx"
for d in "${RUN_DIRS[@]}"; do mkdir -p "$WORK/run/$d"; done
for d in "${MEDIA_DIRS[@]}" setup; do mkdir -p "$WORK/media/$d"; done
pids=()
status=0

ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; status=1; }
psql_admin() { psql "$PG/postgres" -v ON_ERROR_STOP=1 -q -c "$1"; }

logs_tail() {
    for log in "$LOGS"/*.log; do
        echo "--- $(basename "$log") (last lines)"
        tail -n 25 "$log"
    done
}

cleanup() {
    local code=$?
    [[ $status -ne 0 || $code -ne 0 ]] && logs_tail
    for pid in "${pids[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    psql_admin "DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)" 2>/dev/null || true
    redis-cli -n "$REDIS_DB" flushdb >/dev/null 2>&1 || true
    if [[ -n "${TWO_NODES_KEEP:-}" ]]; then echo "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# One command per process, from its own empty working directory (`start NAME DIR MEDIA CMD…`).
start() {
    local name=$1 dir=$2 media=$3
    shift 3
    (cd "$WORK/run/$dir" && PRIVATE_MEDIA_ROOT="$WORK/media/$media" exec "$@") >"$LOGS/$name.log" 2>&1 &
    pids+=($!)
}

# --- Environment: what every process of the deployment reads --------------------------------------
export DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=$PROJECT
export DEBUG=0 ALLOWED_HOSTS=127.0.0.1,localhost LOG_LEVEL=WARNING
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
export DATABASE_URL="$PG/$NAME" REDIS_URL="redis://127.0.0.1:6379/$REDIS_DB" CACHE_KEY_PREFIX=$NAME
export SITE_URL="https://127.0.0.1:$PORT_RR" WEB_CONCURRENCY=2
# nginx appends the client's address to X-Forwarded-For: the one hop the nodes trust.
export TRUSTED_PROXY_HOPS=1
# Small enough to reach in a few requests, long enough that its window does not end mid-test.
export LOGIN_RATE=5/h
# A report someone asks for goes to the worker or nowhere: never compiled in a web node's thread.
export JOBS_BACKGROUND_THREADS=0
export S3_BUCKET=service-desk-two-nodes S3_ENDPOINT_URL="http://127.0.0.1:$S3_PORT" S3_REGION=us-east-1
export S3_ACCESS_KEY_ID=two-nodes S3_SECRET_ACCESS_KEY=two-nodes-secret S3_PREFIX=portal

# --- 1. S3, database, Redis; the static files as the production build makes them ------------------
echo "--- two nodes: S3 server, database with the demo, static files"
"$BIN/moto_server" -H 127.0.0.1 -p "$S3_PORT" >"$LOGS/s3.log" 2>&1 &
pids+=($!)
# The build runs beside the database setup (two cores); it is skipped when the manifest is newer than
# every static source (smoke.sh built it already).
build_pid=""
manifest=staticfiles/staticfiles.json
if [[ ! -s $manifest || -n $(find static apps/*/static locale .venv/.installed -newer "$manifest" -type f \
        -print -quit 2>/dev/null) ]]; then
    PYTHON=$PY scripts/build.sh assets >"$LOGS/build.log" 2>&1 &
    build_pid=$!
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>/dev/null
redis-cli -n "$REDIS_DB" flushdb >/dev/null
psql_admin "DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)" 2>/dev/null
psql_admin "CREATE DATABASE ${NAME}"
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" && break; sleep 0.2; done
"$PY" -c 'import django; django.setup(); from tests.files import s3_bucket_ensure; s3_bucket_ensure()'
(
    export PRIVATE_MEDIA_ROOT=$WORK/media/setup
    "$PY" manage.py migrate --noinput -v 0
    # The demo's own notifications are sent as it loads (console backend), not left to the worker.
    CELERY_TASK_ALWAYS_EAGER=1 "$PY" manage.py seed_demo --allow-production >"$LOGS/seed.log" 2>&1
) || { fail "database setup (migrate, seed_demo)"; tail -n 20 "$LOGS/seed.log"; exit 1; }
if [[ -n $build_pid ]]; then
    wait "$build_pid" || { fail "scripts/build.sh assets"; exit 1; }
fi
echo "    database, demo and static files ready after $((SECONDS - started)) s$( [[ -n $build_pid ]] && echo ", $(tail -n 1 "$LOGS/build.log")")"
# From here on nothing under the project folder may be added or changed.
"$PY" scripts/two_nodes_check.py snapshot --out "$WORK/state/project-files.json"

# --- 2. Two nodes behind nginx --------------------------------------------------------------------
echo "--- two nodes: gunicorn A ($NODE_A) and B ($NODE_B), nginx on :$PORT_RR (both) :$PORT_A (A) :$PORT_B (B)"
start node-a node-a node-a "$BIN/gunicorn" config.wsgi:application -c "$PROJECT/config/gunicorn.py" --bind "$NODE_A"
if [[ -n "${TWO_NODES_B_DISK:-}" ]]; then
    echo "    node B without S3: its files on its own disk (this run must fail)"
    start node-b node-b node-b env -u S3_BUCKET "$BIN/gunicorn" config.wsgi:application \
        -c "$PROJECT/config/gunicorn.py" --bind "$NODE_B"
else
    start node-b node-b node-b "$BIN/gunicorn" config.wsgi:application -c "$PROJECT/config/gunicorn.py" --bind "$NODE_B"
fi

mkdir -p "$WORK/nginx/temp"
user=""
# Run as root, nginx's workers would otherwise be `nobody`, who cannot enter the work folder.
[[ $(id -u) -eq 0 ]] && user="user root root;"
listener() {  # port upstream
    cat <<EOF
    server {
        listen 127.0.0.1:$1 ssl;
        location / { proxy_pass http://$2; }
    }
EOF
}
cat >"$WORK/nginx/nginx.conf" <<EOF
$user
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $LOGS/nginx-error.log warn;
events { worker_connections 256; }
http {
    access_log $LOGS/nginx-access.log;
    client_body_temp_path $WORK/nginx/temp/body;
    proxy_temp_path $WORK/nginx/temp/proxy;
    fastcgi_temp_path $WORK/nginx/temp/fastcgi;
    uwsgi_temp_path $WORK/nginx/temp/uwsgi;
    scgi_temp_path $WORK/nginx/temp/scgi;
    client_max_body_size 40m;
    ssl_certificate $WORK/tls/cert.pem;
    ssl_certificate_key $WORK/tls/key.pem;
    # The client's Host with its port: Django's CSRF check compares the Referer with it.
    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-Proto https;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_read_timeout 65s;
    add_header X-Upstream \$upstream_addr always;
    upstream both { server $NODE_A; server $NODE_B; }
    upstream node_a { server $NODE_A; }
    upstream node_b { server $NODE_B; }
$(listener "$PORT_RR" both)
$(listener "$PORT_A" node_a)
$(listener "$PORT_B" node_b)
}
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$LOGS/nginx-error.log" >"$LOGS/nginx.log" 2>&1 &
pids+=($!)

# --- 3. One worker, two beats ---------------------------------------------------------------------
echo "--- two nodes: Celery worker, a beat per node"
start worker worker worker "$BIN/celery" -A config worker --concurrency 1 --without-gossip --without-mingle -l INFO
beats_started=$SECONDS
start beat-a beat-a node-a "$BIN/celery" -A config beat -s "$WORK/state/beat-a-schedule" -l INFO
start beat-b beat-b node-b "$BIN/celery" -A config beat -s "$WORK/state/beat-b-schedule" -l INFO

for port in "$PORT_A" "$PORT_B"; do
    for _ in $(seq 1 60); do
        curl -ksf "https://127.0.0.1:$port/healthz" >/dev/null && break
        sleep 1
    done
done
for _ in $(seq 1 60); do grep -q " ready\." "$LOGS/worker.log" && break; sleep 1; done
echo "    up after $((SECONDS - started)) s: $(curl -ks "https://127.0.0.1:$PORT_RR/healthz")"

# --- 4. The checks through the listeners ----------------------------------------------------------
echo "--- two nodes: checks through nginx"
"$PY" scripts/two_nodes_check.py journey \
    --round-robin "https://127.0.0.1:$PORT_RR" --node-a "https://127.0.0.1:$PORT_A" \
    --node-b "https://127.0.0.1:$PORT_B" --upstreams "$NODE_A" "$NODE_B" \
    --worker-log "$LOGS/worker.log" --out "$WORK/state/journey.json" || status=1

# --- 5. Nothing left on a local disk; one beat schedules --------------------------------------------
echo "--- two nodes: local folders, bucket, project folder, beats"
for d in "${MEDIA_DIRS[@]}"; do
    found=$(find "$WORK/media/$d" -mindepth 1 | head -n 5)
    if [[ -z $found ]]; then ok "media folder of $d is empty"; else fail "media folder of $d holds: $found"; fi
done
for d in "${RUN_DIRS[@]}"; do
    found=$(find "$WORK/run/$d" -mindepth 1 | head -n 5)
    if [[ -z $found ]]; then ok "working directory of $d is empty"; else fail "working directory of $d holds: $found"; fi
done
if [[ -s "$WORK/state/journey.json" ]]; then
    "$PY" scripts/two_nodes_check.py final --state "$WORK/state/journey.json" \
        --snapshot "$WORK/state/project-files.json" || status=1
else
    fail "the journey left no state to check the bucket with"
fi
# The beats have had ten seconds to settle who schedules.
sleep $((beats_started + 10 > SECONDS ? beats_started + 10 - SECONDS : 0))
schedules=$(grep -l "beat lock: this beat schedules" "$LOGS"/beat-*.log | wc -l || true)
waits=$(grep -l "beat lock: another beat schedules; this one waits" "$LOGS"/beat-*.log | wc -l || true)
if [[ $schedules -eq 1 && $waits -eq 1 ]]; then
    ok "one beat schedules ($(basename "$(grep -l 'this beat schedules' "$LOGS"/beat-*.log)" .log)), the other waits"
else
    fail "beat lock: $schedules beat log(s) say this beat schedules, $waits say another schedules (want 1 and 1)"
fi
for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || fail "a process of the deployment died (pid $pid)"
done

echo "--- two nodes: $([[ $status -eq 0 ]] && echo passed || echo FAILED) in $((SECONDS - started)) s"
exit $status
