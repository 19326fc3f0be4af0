#!/usr/bin/env bash
# Provisions the demo app once and prints how to call it.
# Its creation output (it holds the app secret) is kept in
# .local/demo-app.json; later runs reuse it while `apps show` still knows it,
# e.g. after a restart with the same .local/ddb-data. Expects DynamoDB Local
# to answer and the table to exist (scripts/dev.sh does both).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
use_local_stack

FILE="$LOCAL/demo-app.json"

# field NAME < json: one top-level field of the CLI's JSON, as text.
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

valid() { field appId <<<"$1" >/dev/null 2>&1 && field appKey <<<"$1" >/dev/null 2>&1 && field appSecret <<<"$1" >/dev/null 2>&1; }

reuse() {
  [[ -s "$FILE" ]] || return 1
  local id
  id="$(field appId <"$FILE" 2>/dev/null)" || return 1
  if admin apps show "$id" >/dev/null 2>&1; then
    log "demo app $id: reusing .local/demo-app.json"
    return 0
  fi
  log "demo app $id from .local/demo-app.json is unknown to the table: creating a new one"
  return 1
}

create() {
  local out first_err
  first_err="$(mktemp)"
  trap 'rm -f "$first_err"' RETURN
  # The key `demo` is taken when the table outlived .local/demo-app.json:
  # then the app gets a generated key.
  if ! out="$(admin apps create --name "Demo app" --key demo 2>"$first_err")"; then
    log "creating the demo app with key 'demo' failed ($(tail -n 1 "$first_err")); trying a generated key"
    out="$(admin apps create --name "Demo app")" || {
      cat "$first_err" >&2
      die "could not create the demo app"
    }
  fi
  valid "$out" || die "apps create printed no {appId, appKey, appSecret} JSON: $out"
  (umask 077 && printf '%s\n' "$out" >"$FILE")
  log "demo app $(field appId <<<"$out") created and kept in .local/demo-app.json"
}

reuse || create

# The QR sign-in example page of `make dev` is on its own origin: the demo app
# lists it, whatever port this run uses.
admin apps set "$(field appId <"$FILE")" --web-origins "http://127.0.0.1:$WEB_PORT" >/dev/null

id="$(field appId <"$FILE")"
key="$(field appKey <"$FILE")"
secret="$(field appSecret <"$FILE")"
base="http://127.0.0.1:$WATCH_PORT"
cat <<EOF

  Demo app   (.local/demo-app.json)
    appId      $id
    appKey     $key
    appSecret  $secret
  Base URL     $base
  QR page      http://127.0.0.1:$WEB_PORT/?api=$base&app=$id
  Table        $TABLE_NAME at $AWS_ENDPOINT_URL_DYNAMODB

  Try:
    curl -s -X POST $base/api/AppUsers/$id/SignUp -H 'Content-Type: application/json' \\
         -d '{"userName":"alice","pwd":"secret123","nickName":"Alice","platform":"web"}'
    curl -s -X POST $base/api/AppUsers/$id/SignIn -H 'Content-Type: application/json' \\
         -d '{"userName":"alice","pwd":"secret123"}'

EOF
