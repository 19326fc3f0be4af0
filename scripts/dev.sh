#!/usr/bin/env bash
# `make dev`: the whole stack on this machine, in the foreground.
#   DynamoDB Local (127.0.0.1:$DDB_PORT, data in .local/ddb-data)
#   -> table ensure -> demo app -> `cargo lambda watch` on 127.0.0.1:$WATCH_PORT,
#   $WATCH_CONCURRENCY instances per function (default 4), the email and SMS
#   emulators (SES v2 on 127.0.0.1:$SES_PORT with its inbox, SNS on
#   127.0.0.1:$SNS_PORT), and the QR sign-in
#   example page (examples/web-qr/) on its own origin, 127.0.0.1:$WEB_PORT
# Ctrl-C (or TERM) stops the watcher, and DynamoDB Local if this run started it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
use_local_stack

bash "$SCRIPTS/install.sh" venv ddb emulators web

watch_pid= page_pid=
stop_local_stack_on_exit
ddb_up
emulators_up

log "oauthapp-admin table ensure ($TABLE_NAME)"
admin table ensure >&2
log "oauthapp-admin keys ensure ($SIGNING_KEYS_FILE)"
admin keys ensure >/dev/null
bash "$SCRIPTS/demo-app.sh"

# Built before the watcher so compile errors show here, and so the first
# request does not wait for a build. One at a time, as the watcher's own
# `cargo run --bin NAME` resolves features, so it reuses these artifacts.
for name in $(function_names); do
  log "building function $name"
  (cd "$ROOT" && cargo build -q --bin "$name")
done

log "verification codes: email through SES v2 on 127.0.0.1:$SES_PORT, SMS through SNS (moto) on 127.0.0.1:$SNS_PORT"
log "the inbox of what was sent: http://127.0.0.1:$SES_PORT/ (SMS: http://127.0.0.1:$SNS_PORT/moto-api/data.json, under sns.SMS)"
node "$SCRIPTS/web_qr_serve.mjs" "$WEB_PORT" &
page_pid=$!
# Its URL, with the demo app's id, is in demo-app.sh's summary above.
log "cargo lambda watch on http://127.0.0.1:$WATCH_PORT (Ctrl-C stops everything)"
# The functions inherit this environment (TABLE_NAME, AWS_*, JWT_*, WECHAT_*).
# --disable-cors: the functions answer CORS from each app's web origins, as
# in AWS; the watcher's own layer would answer every origin.
# In the background so that a TERM to this script can reach it: bash runs
# traps only between commands, and `wait` is one it can interrupt.
(cd "$ROOT" && exec cargo lambda watch --disable-cors --concurrency "$WATCH_CONCURRENCY" --invoke-address 127.0.0.1 --invoke-port "$WATCH_PORT") &
watch_pid=$!
wait "$watch_pid"
