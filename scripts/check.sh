#!/usr/bin/env bash
# `make lint` and `make test` (what CI runs).
#   scripts/check.sh lint   rustfmt + clippy, warnings are errors
#   scripts/check.sh test   lint, then every test of the workspace against
#                           DynamoDB Local, then each function's IAM policy
#                           against what they made it do, then schemathesis against the
#                           functions (scripts/fuzz.sh, with the lockout
#                           race and the QR page in headless Chromium), then
#                           cfn-lint on template.yaml
# Every step runs even when an earlier one failed, so one CI log shows all
# the problems; the exit status is non-zero if any step failed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

failed=()
# CI must build exactly what Cargo.lock says; locally cargo may update it.
locked=()
if [[ -n "${CI:-}" ]]; then locked=(--locked); fi
# step NAME CMD...: run CMD, record NAME if it fails.
step() {
  local name="$1" t0=$SECONDS
  shift
  log "$name"
  if "$@"; then
    log "$name: ok ($((SECONDS - t0))s)"
  else
    log "$name: FAILED ($((SECONDS - t0))s)"
    failed+=("$name")
  fi
}

lint() {
  cd "$ROOT"
  step "cargo fmt --check" cargo fmt --all -- --check
  step "cargo clippy" cargo clippy --workspace --all-targets "${locked[@]}" -- -D warnings
}

cfn_lint() {
  if [[ ! -f "$ROOT/template.yaml" ]]; then
    echo "template.yaml is missing" >&2
    return 1
  fi
  cfn-lint "$ROOT/template.yaml"
}

# Where the functions' tests record the DynamoDB requests each function
# makes (testkit/src/dynamodb_usage.rs), for the least-privilege check.
export DYNAMODB_USAGE_DIR="$LOCAL/dynamodb-usage"

workspace_tests() {
  # Compiled before DynamoDB Local starts: the JVM need not idle through the build.
  cargo test --workspace "${locked[@]}" --no-run || return 1
  ddb_up --in-memory || return 1
  rm -rf "$DYNAMODB_USAGE_DIR"
  cargo test --workspace "${locked[@]}"
}

# Each function's IAM policy against what the whole suite recorded it doing.
# With --workspace, as the suite was built: `-p contract` alone would resolve
# other features and compile everything again.
least_privilege() {
  cargo test --workspace "${locked[@]}" --test least_privilege -- --ignored
}

test_all() {
  use_local_stack
  # A table of its own, so tests never touch the `make dev` data.
  export TABLE_NAME="${TEST_TABLE_NAME:-oauthapp-test}"
  bash "$SCRIPTS/install.sh" venv ddb emulators web chromium
  stop_local_stack_on_exit
  lint
  step "cargo test --workspace" workspace_tests
  step "least privilege (contract/tests/least_privilege.rs)" least_privilege
  # Reuses the DynamoDB Local of the tests, and their build.
  step "schemathesis, lockout race, PyJWT and Authlib across a key rotation, QR page in Chromium (scripts/fuzz.sh)" bash "$SCRIPTS/fuzz.sh"
  ddb_down
  step "cfn-lint template.yaml" cfn_lint
}

case "${1:-}" in
  lint) lint ;;
  test) test_all ;;
  *) die "usage: $0 lint | test" ;;
esac

if ((${#failed[@]})); then
  log "failed: ${failed[*]}"
  exit 1
fi
log "all checks passed"
