#!/usr/bin/env bash
# The README's figures (its Measurements section says what each one means).
#   scripts/measure.sh [part...]     default: every part, in this order
#     argon2      argon2id cost in an optimised build
#     requests    DynamoDB requests per endpoint (SDK interceptor, DynamoDB Local)
#     cold-start  init, first and warm invocations of each function next to a
#                 hello world, against a Lambda Runtime API stand-in
#     overhead    warm handler time outside DynamoDB
#     size        stripped arm64 release binaries (cargo lambda build)
# Optimised builds use the `measure` profile (release without LTO), except
# `cold-start` and `size`, which measure what ships.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
use_local_stack
export TABLE_NAME="${TEST_TABLE_NAME:-oauthapp-test}"

PARTS=(argon2 requests cold-start overhead size)
(($# > 0)) || set -- "${PARTS[@]}"
needs_ddb=
for part in "$@"; do
  case "$part" in
    argon2 | size) ;;
    requests | cold-start | overhead) needs_ddb=1 ;;
    *) die "unknown part '$part' (expected ${PARTS[*]})" ;;
  esac
done

started_ddb=
stop_ddb() { if [[ -n "$started_ddb" ]]; then bash "$SCRIPTS/ddb-local.sh" stop; fi; }
trap stop_ddb EXIT
if [[ -n "$needs_ddb" ]]; then
  bash "$SCRIPTS/install.sh" ddb
  if ! bash "$SCRIPTS/ddb-local.sh" status; then
    started_ddb=1
    bash "$SCRIPTS/ddb-local.sh" start --in-memory
  fi
fi

cd "$ROOT"
function_packages() {
  local name
  for name in $(function_names); do printf -- '-p\n%s\n' "$name"; done
}

measure_argon2() {
  log "argon2id cost (profile measure: release optimisation without LTO)"
  cargo run -q --profile measure -p bench --bin argon2-cost
}

measure_requests() {
  log "DynamoDB requests per endpoint"
  local name
  for name in $(function_names); do
    cargo test -q -p "$name" --test request_counts -- --nocapture 2>/dev/null | grep "^|"
    echo
  done
}

measure_cold_start() {
  log "cold start next to a hello world (release: what ships, for this machine; minutes to build)"
  # One build of the functions and the bench together, so that cold-start
  # finds them all beside itself, built with the same features. Init reads
  # the binary, so this times the shipping profile, not `measure`.
  mapfile -t packages < <(function_packages)
  cargo build -q --release --bins "${packages[@]}" -p bench
  cargo run -q --release -p bench --bin cold-start
}

measure_overhead() {
  log "warm handler time outside DynamoDB (profile measure)"
  cargo run -q --profile measure -p bench --bin handler-overhead
}

measure_size() {
  log "arm64 release binaries (cargo lambda build --release --arm64; minutes on two cores)"
  bash "$SCRIPTS/build.sh"
  local target_dir name bytes
  target_dir="$(cargo metadata -q --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
  echo "| function | bootstrap bytes | MB |"
  echo "| --- | --- | --- |"
  for name in $(function_names); do
    bytes="$(stat -c %s "$target_dir/lambda/$name/bootstrap")"
    # MB of 10^6 bytes: the stricter reading of an 8 MB budget.
    printf '| %s | %s | %s |\n' "$name" "$bytes" "$(python3 -c "print(f'{$bytes / 1e6:.1f}')")"
  done
}

for part in "$@"; do
  "measure_${part//-/_}"
  echo
done
