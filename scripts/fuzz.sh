#!/usr/bin/env bash
# `make fuzz` (and a step of `make test`): schemathesis sends generated
# requests to every operation of openapi.yaml on the local stack and fails
# on any 5xx or any response the spec does not describe.
#   DynamoDB Local (in memory, unless one answers already) -> table
#   -> an app with WeChat accounts -> `cargo lambda watch` on $WATCH_PORT
#   -> a signed-up user -> st run (settings in scripts/schemathesis.toml)
#   -> the lockout race of scripts/lockout_race.py on the same watcher
#   -> PyJWT and Authlib verify, refresh and revoke tokens across a key
#      rotation (scripts/oidc_clients.py)
#   -> the published v1 client, zsgf-client, drives the v1 API, without
#      WeChat and then with a fake WeChat (scripts/v1_client.py)
#   -> the QR sign-in page in headless Chromium (scripts/web_qr_browser.mjs),
#      served on 127.0.0.1:$WEB_PORT
#   scripts/fuzz.sh [st run options]   e.g. --max-examples 200 --seed 7
# Stops the watcher, and DynamoDB Local if this run started it, on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# A table of its own: fuzzing leaves many users behind.
export TABLE_NAME="${FUZZ_TABLE_NAME:-oauthapp-fuzz}"
# CI has no internet, and fuzzing must not call WeChat anyway: nothing
# listens on $WECHAT_PORT (checked below), so every WeChat call fails at once
# with the documented 502, until scripts/v1_client.py serves its fake WeChat
# there for its own checks.
WECHAT_PORT="${FUZZ_WECHAT_PORT:-$((WATCH_PORT + 1))}"
export WECHAT_API_BASE="http://127.0.0.1:$WECHAT_PORT"
export WECHAT_HTTP_LOOPBACK=true
# Two codes to one address in a minute: scripts/v1_client.py signs up and in
# with one address.
export VERIFICATION_CODES_PER_MINUTE=2
# Keys of its own, which scripts/oidc_clients.py rotates, read again by the
# functions every second so the rotation reaches them at once.
export SIGNING_KEYS_FILE="${FUZZ_SIGNING_KEYS_FILE:-$LOCAL/fuzz-signing-keys.json}"
export SIGNING_KEYS_RELOAD_SECONDS=1
use_local_stack

BASE="http://127.0.0.1:$WATCH_PORT"
WATCH_LOG="$LOCAL/fuzz-watch-$WATCH_PORT.log"

bash "$SCRIPTS/install.sh" venv ddb emulators web chromium

watch_pid=
stop_local_stack_on_exit

# http_code METHOD PATH [BODY]: the status of one request, 000 if none.
http_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 300 -X "$1" "$BASE$2" \
    -H 'Content-Type: application/json' ${3:+-d "$3"} || true
}

# field NAME < json: one top-level field of a JSON object, as text.
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

if [[ "$(http_code GET /)" != 000 ]]; then
  die "something answers on 127.0.0.1:$WATCH_PORT already; set WATCH_PORT to a free port"
fi
if (: </dev/tcp/127.0.0.1/"$WECHAT_PORT") 2>/dev/null; then
  die "something listens on 127.0.0.1:$WECHAT_PORT, WeChat's port; set FUZZ_WECHAT_PORT to a free port"
fi
ddb_up --in-memory
# Generated requests send codes: through emulators of fuzz's own ports.
SES_PORT="${FUZZ_SES_PORT:-$((WATCH_PORT + 2))}" SNS_PORT="${FUZZ_SNS_PORT:-$((WATCH_PORT + 3))}" emulators_up

# Every binary in one build, before the watcher: with the workspace's
# features, as `make test` and the watcher's own `cargo run --bin` resolve
# them, so nothing is compiled twice and the first request waits for no build.
log "building the functions and the admin CLI"
(cd "$ROOT" && cargo build -q --workspace --bins)

log "provisioning the fuzz app in table $TABLE_NAME"
admin table ensure >&2
# A fresh key set per run: its rotation test counts the published keys.
rm -f "$SIGNING_KEYS_FILE"
admin keys ensure >/dev/null
app="$(admin apps create --name "Fuzz app")"
FUZZ_APP_ID="$(field appId <<<"$app")"
FUZZ_APP_KEY="$(field appKey <<<"$app")"
FUZZ_APP_SECRET="$(field appSecret <<<"$app")"
# Union ids taken on the client's word, so generated sign-ups get past the
# proof into registration; WeChat accounts, so WeChat routes get as far as
# calling WeChat; no per-IP limit, or generated requests would soon all be
# 429s (the limits have their own tests). The accounts are stored unchecked,
# since nothing answers at WECHAT_API_BASE, and users may make the quota
# calls, often, so Bearer requests reach WeChat too.
admin apps set "$FUZZ_APP_ID" --union-id-proof none --rate-limit-per-ip 0 \
  --wechat-mini-appid wxfuzzmini --wechat-mini-secret fuzz-mini-secret \
  --wechat-oa-appid wxfuzzoa --wechat-oa-secret fuzz-oa-secret --js-api-list chooseImage \
  --no-wechat-check --wechat-callers users --wechat-user-calls-per-minute 1000 >/dev/null

# The browser test's app lists the page's origin, and only it.
web_app="$(admin apps create --name "Web QR app")"
WEB_APP_ID="$(field appId <<<"$web_app")"
WEB_APP_KEY="$(field appKey <<<"$web_app")"
admin apps set "$WEB_APP_ID" --web-origins "http://127.0.0.1:$WEB_PORT" >/dev/null

log "cargo lambda watch on $BASE, $WATCH_CONCURRENCY instances per function (log: $WATCH_LOG)"
# --ignore-changes: a file written meanwhile must not restart the functions
# under a request. --disable-cors: the functions answer CORS themselves, per
# app, as in AWS.
(cd "$ROOT" && exec cargo lambda watch --ignore-changes --disable-cors --concurrency "$WATCH_CONCURRENCY" --invoke-address 127.0.0.1 --invoke-port "$WATCH_PORT") \
  >"$WATCH_LOG" 2>&1 &
watch_pid=$!
for ((i = 0; ; i++)); do
  [[ "$(http_code GET /)" != 000 ]] && break
  kill -0 "$watch_pid" 2>/dev/null || die "cargo lambda watch exited (log: $WATCH_LOG)"
  ((i < 240)) || die "cargo lambda watch did not answer within 60s (log: $WATCH_LOG)"
  sleep 0.25
done

# Each function starts on its first request: one request each before the
# clock of schemathesis' request timeout runs.
http_code POST "/Wechat/$FUZZ_APP_KEY/QR-Auth/Scan" '{}' >/dev/null
http_code GET "/ExternalAccount/$FUZZ_APP_KEY" >/dev/null
http_code GET "/Wechat/$FUZZ_APP_KEY/Decrypt" >/dev/null
http_code POST "/User/$FUZZ_APP_KEY/SendEmailCode" '{}' >/dev/null
http_code GET "/App/$FUZZ_APP_KEY/Info" >/dev/null
http_code GET "/UserCurrency/$FUZZ_APP_KEY/CurrencyTransactions" >/dev/null
signed_up="$(curl -s --max-time 300 -X POST "$BASE/api/AppUsers/$FUZZ_APP_ID/SignUp" \
  -H 'Content-Type: application/json' \
  -d '{"userName":"fuzzer","pwd":"fuzz-password","nickName":"Fuzzer","platform":"web"}')"
FUZZ_TOKEN="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["access_token"])' <<<"$signed_up")" ||
  die "signing up the fuzz user failed: $signed_up (log: $WATCH_LOG)"
# The catch-all route: paths no function serves get a 404 in the envelope
# of their generation, which clients can parse, not the watcher's own body.
for probe in "/User/$FUZZ_APP_KEY/NoSuchOperation error" "/api/AppUsers/$FUZZ_APP_ID/NoSuchOperation err" "/no/such/path error"; do
  read -r path error_field <<<"$probe"
  answer="$(curl -s --max-time 300 -X POST "$BASE$path" -H 'Content-Type: application/json' -d '{}')"
  python3 -c 'import json, sys; a = json.loads(sys.argv[1]); assert a["code"] == 404 and a["data"] is None and a[sys.argv[2]], a' \
    "$answer" "$error_field" || die "POST $path did not answer a 404 envelope: $answer (log: $WATCH_LOG)"
done
# Read by scripts/schemathesis.toml and scripts/schemathesis_hooks.py.
export FUZZ_APP_ID FUZZ_APP_KEY FUZZ_APP_SECRET FUZZ_TOKEN
# Hypothesis keeps its files in .local/, not in the repository root.
export HYPOTHESIS_STORAGE_DIRECTORY="$LOCAL/hypothesis"

log "schemathesis $SCHEMATHESIS_VERSION against $BASE (app $FUZZ_APP_ID, key $FUZZ_APP_KEY)"
if ! (cd "$ROOT" && st --config-file scripts/schemathesis.toml run openapi.yaml --url "$BASE" "$@"); then
  # The causes of 500s: the functions log them, the client never sees them.
  log "schemathesis found failures; the functions' last errors ($WATCH_LOG):"
  grep -E ' ERROR |panicked' "$WATCH_LOG" | grep -v 'default function route' | tail -n 20 >&2 || true
  exit 1
fi

# The lockout under the load it was found under: one burst of sign-ins on
# one account, spread over the watcher's instances of the account function.
log "lockout race through $WATCH_CONCURRENCY instances (scripts/lockout_race.py)"
python3 "$SCRIPTS/lockout_race.py" "$BASE" "$FUZZ_APP_ID" "${LOCKOUT_THRESHOLD:-5}" ||
  die "the lockout race failed (log: $WATCH_LOG)"

log "tokens verified and refreshed by PyJWT and Authlib, across a key rotation (scripts/oidc_clients.py)"
python3 "$SCRIPTS/oidc_clients.py" "$BASE" "$FUZZ_APP_ID" "$FUZZ_APP_KEY" 3 -- \
  cargo run -q --manifest-path "$ROOT/Cargo.toml" --bin oauthapp-admin -- keys rotate --publish-ahead 3 ||
  die "the independent clients' check failed (log: $WATCH_LOG)"

log "the v1 API through its published client, zsgf-client $ZSGF_CLIENT_VERSION, WeChat on 127.0.0.1:$WECHAT_PORT (scripts/v1_client.py)"
python3 "$SCRIPTS/v1_client.py" "$BASE" "$FUZZ_APP_KEY" "$FUZZ_APP_SECRET" "$WECHAT_PORT" -- \
  cargo run -q --manifest-path "$ROOT/Cargo.toml" --bin oauthapp-admin -- ||
  die "the v1 client's check failed (log: $WATCH_LOG)"

log "the QR sign-in page in headless Chromium on http://127.0.0.1:$WEB_PORT (scripts/web_qr_browser.mjs)"
node "$SCRIPTS/web_qr_browser.mjs" "$BASE" "$WEB_APP_ID" "$WEB_APP_KEY" "$WEB_PORT" ||
  die "the browser test of the QR sign-in page failed (log: $WATCH_LOG)"
