#!/usr/bin/env bash
# Run BHARATPOL in production on one host: migrate, then gunicorn with N web workers (deploy/gunicorn.conf.py)
# and M `bharatpol worker` timer processes. SIGTERM/SIGINT stop everything; if one process dies, the rest
# are stopped too and the script exits non-zero (let systemd or the container runtime restart it).
#
#   BHARATPOL_DATABASE_URL   required (PostgreSQL)          BHARATPOL_SECRET_KEY     required
#   BHARATPOL_WEB_WORKERS    default 2 x cores              BHARATPOL_TIMER_WORKERS  default 2
#   BHARATPOL_BIND           default 127.0.0.1:8000         BHARATPOL_BIN            default <repo>/.venv/bin
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
bin="${BHARATPOL_BIN:-$root/.venv/bin}"

for name in BHARATPOL_DATABASE_URL BHARATPOL_SECRET_KEY; do
    if [ -z "${!name:-}" ]; then
        echo "run-production.sh: $name must be set" >&2
        exit 2
    fi
done
export BHARATPOL_ENV=production
export BHARATPOL_WEB_WORKERS="${BHARATPOL_WEB_WORKERS:-$((2 * $(nproc)))}"
timer_workers="${BHARATPOL_TIMER_WORKERS:-2}"
cd "$root"

"$bin/bharatpol" init-db || { echo "run-production.sh: migrations failed" >&2; exit 1; }

pids=()
stop() {
    trap - TERM INT EXIT
    kill -TERM "${pids[@]}" 2>/dev/null
    wait "${pids[@]}" 2>/dev/null
}
trap 'stop; exit 0' TERM INT
trap stop EXIT

"$bin/gunicorn" --config "$here/gunicorn.conf.py" &
pids+=("$!")
for _ in $(seq 1 "$timer_workers"); do
    "$bin/bharatpol" worker &
    pids+=("$!")
done
echo "run-production.sh: gunicorn (${BHARATPOL_WEB_WORKERS} workers) and ${timer_workers} timer workers started"

wait -n "${pids[@]}"
status=$?
echo "run-production.sh: a process exited (status $status); stopping the others" >&2
stop
exit $(( status == 0 ? 1 : status ))
