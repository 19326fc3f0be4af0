#!/usr/bin/env bash
# The README's figures: argon2id cost in an optimised build, and DynamoDB
# requests per endpoint (counted by an SDK interceptor against DynamoDB Local).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
use_local_stack
export TABLE_NAME="${TEST_TABLE_NAME:-oauthapp-test}"
bash "$SCRIPTS/install.sh" ddb

started_ddb=
stop_ddb() { if [[ -n "$started_ddb" ]]; then bash "$SCRIPTS/ddb-local.sh" stop; fi; }
trap stop_ddb EXIT
if ! bash "$SCRIPTS/ddb-local.sh" status; then
  started_ddb=1
  bash "$SCRIPTS/ddb-local.sh" start --in-memory
fi

cd "$ROOT"
log "argon2id cost (profile measure: release optimisation without LTO)"
cargo run -q --profile measure -p bench --bin argon2-cost
echo
log "DynamoDB requests per endpoint"
for package in account external-account wechat; do
  cargo test -q -p "$package" --test request_counts -- --nocapture 2>/dev/null | grep "^|"
  echo
done
