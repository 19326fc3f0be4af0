# shellcheck shell=bash disable=SC2034  # sourced: the variables are used by the scripts
# Shared by every script here: paths, pinned tool versions, PATH, helpers.
# Sourced, never run. Anything already set in the caller's environment wins.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPTS="$ROOT/scripts"
LOCAL="$ROOT/.local"
VENV="$LOCAL/venv"
# The SAM CLI pins its own aws-sam-translator: a venv of its own keeps cfn-lint intact.
SAM_VENV="$LOCAL/sam-venv"
STAMPS="$LOCAL/stamps"
DDB_PREFIX="$LOCAL/ddb"
DDB_DATA="$LOCAL/ddb-data"
# The QR sign-in example's npm packages (scripts/install.sh web).
WEB_QR_PREFIX="$LOCAL/web-qr"
# The browser of the example's test: Debian's package (scripts/install.sh chromium).
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

# Pinned so that every machine and CI run gets the same tools.
CARGO_LAMBDA_VERSION=1.9.2
CFN_LINT_VERSION=1.58.0
DDB_LOCAL_NPM_VERSION=10.3.0
AWS_SAM_CLI_VERSION=1.170.0
SCHEMATHESIS_VERSION=4.32.5
# The independent token verifier and OAuth 2.0 client of scripts/oidc_clients.py.
PYJWT_VERSION=2.15.1
# A local Secrets Manager for the rotation function's test.
MOTO_VERSION=5.2.5
AUTHLIB_VERSION=1.9.10
# The local SES v2 (npm), with a web inbox; SNS is moto's server (MOTO_VERSION).
SES_LOCAL_VERSION=2.10.2
SES_PREFIX="$LOCAL/ses"
# The published v1 client (module ZSGF.Client) that scripts/v1_client.py drives.
ZSGF_CLIENT_VERSION=2.1.4

# Tools installed into the repo come first: `cargo lambda` is the venv's
# `cargo-lambda` executable, and it finds zig through the venv's python (the
# ziglang wheel).
export PATH="$VENV/bin:$PATH"

export DDB_PORT="${DDB_PORT:-8000}"
export WATCH_PORT="${WATCH_PORT:-9000}"
# The QR sign-in example page's own origin: http://127.0.0.1:$WEB_PORT.
export WEB_PORT="${WEB_PORT:-8080}"
# Instances per function under `cargo lambda watch`, as Lambda runs several
# at once: per-instance caches and races between instances show locally.
export WATCH_CONCURRENCY="${WATCH_CONCURRENCY:-4}"
# Where the email (SES v2) and SMS (SNS) emulators listen for the local stack.
export SES_PORT="${SES_PORT:-8005}"
export SNS_PORT="${SNS_PORT:-5005}"

log() { printf '==> %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# A random key kept in .local/<name>, made on first use.
local_key() {
  if [[ ! -s "$LOCAL/$1" ]]; then
    mkdir -p "$LOCAL"
    (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(36))' >"$LOCAL/$1")
  fi
  cat "$LOCAL/$1"
}

# The environment of the local stack: DynamoDB Local, the functions under
# `cargo lambda watch`, the admin CLI and the tests. Not for `make deploy`,
# where the dummy credentials and the local endpoint would be wrong.
use_local_stack() {
  export TABLE_NAME="${TABLE_NAME:-oauthapp}"
  export AWS_ENDPOINT_URL_DYNAMODB="${AWS_ENDPOINT_URL_DYNAMODB:-http://127.0.0.1:$DDB_PORT}"
  export WECHAT_API_BASE="${WECHAT_API_BASE:-https://api.weixin.qq.com}"
  export JWT_ISSUER="${JWT_ISSUER:-http://127.0.0.1:$WATCH_PORT/}"
  # DynamoDB Local accepts any credentials; the SDK only needs some to sign.
  export AWS_REGION="${AWS_REGION:-us-east-1}"
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
  export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
  # JWT_SECRET, APP_SECRETS_KEY and TWO_FACTOR_KEY from the environment,
  # else each generated once per checkout and kept in .local/ (git-ignored),
  # so tokens, sealed app secrets and enrolled authenticators survive a
  # restart of `make dev`.
  JWT_SECRET="${JWT_SECRET:-$(local_key jwt-secret)}"
  APP_SECRETS_KEY="${APP_SECRETS_KEY:-$(local_key app-secrets-key)}"
  TWO_FACTOR_KEY="${TWO_FACTOR_KEY:-$(local_key two-factor-key)}"
  export JWT_SECRET APP_SECRETS_KEY TWO_FACTOR_KEY
  # The ES256 keys that sign tokens: a file `oauthapp-admin keys ensure`
  # creates and `keys rotate` rotates, which the functions read again every
  # SIGNING_KEYS_RELOAD_SECONDS.
  export SIGNING_KEYS_FILE="${SIGNING_KEYS_FILE:-$LOCAL/signing-keys.json}"
}

# emulators_up: the SES v2 and SNS emulators on $SES_PORT and $SNS_PORT for
# this script (ones that answer already are used as they are), and the
# SDK's endpoints pointed at them, so the functions send through them as
# they would through AWS. They stop with the script (stop_local_stack).
emulator_pids=()
emulators_up() {
  export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$SES_PORT"
  export AWS_ENDPOINT_URL_SNS="http://127.0.0.1:$SNS_PORT"
  # Apps naming no sender of their own send from this address locally.
  export EMAIL_SENDER="${EMAIL_SENDER:-no-reply@oauthapp.local}"
  stop_local_stack_on_exit
  if ! (: </dev/tcp/127.0.0.1/"$SES_PORT") 2>/dev/null; then
    "$SES_PREFIX/node_modules/.bin/aws-ses-v2-local" --host 127.0.0.1 --port "$SES_PORT" >"$LOCAL/ses-$SES_PORT.log" 2>&1 &
    emulator_pids+=($!)
  fi
  if ! (: </dev/tcp/127.0.0.1/"$SNS_PORT") 2>/dev/null; then
    "$VENV/bin/moto_server" -H 127.0.0.1 -p "$SNS_PORT" >"$LOCAL/sns-$SNS_PORT.log" 2>&1 &
    emulator_pids+=($!)
  fi
  local port
  for port in "$SES_PORT" "$SNS_PORT"; do
    for ((i = 0; ; i++)); do
      (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
      ((i < 120)) || die "no emulator answers on 127.0.0.1:$port (logs: $LOCAL/ses-$SES_PORT.log, $LOCAL/sns-$SNS_PORT.log)"
      sleep 0.25
    done
  done
}

# The package names of the Lambda functions: one package per functions/*/.
function_names() {
  local manifest
  for manifest in "$ROOT"/functions/*/Cargo.toml; do
    python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["package"]["name"])' "$manifest"
  done
}

# The SAM CLI of .local/sam-venv, as `make deploy` runs it (installed
# first: slow the first time). sam after .local/venv: cargo-lambda finds zig
# through the first `python3` on PATH, and only .local/venv's has the
# ziglang wheel.
use_sam() {
  bash "$SCRIPTS/install.sh" venv arm64 sam
  export PATH="$VENV/bin:$SAM_VENV/bin:$PATH"
  export SAM_CLI_TELEMETRY=0
}

# The operator CLI. -q and build output on stderr: only the CLI's own output
# reaches stdout, so it can be piped or captured. --bin, not -p: features
# then resolve as for the whole workspace, so the CLI reuses the
# dependencies the tests and the functions built instead of building the
# AWS SDK again.
admin() {
  (cd "$ROOT" && cargo run -q --bin oauthapp-admin -- "$@")
}

# For scripts that start `cargo lambda watch` in the background (its pid in
# $watch_pid), perhaps the example page's server ($page_pid) and DynamoDB
# Local (ddb_up): on exit, Ctrl-C or TERM, stop them, DynamoDB Local only if
# the script started it.
stop_local_stack_on_exit() {
  trap stop_local_stack EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP
}
stop_local_stack() {
  trap - EXIT INT TERM HUP
  stop_pid "${watch_pid:-}"
  stop_pid "${page_pid:-}"
  local pid
  for pid in "${emulator_pids[@]}"; do stop_pid "$pid"; done
  ddb_down
}
# stop_pid PID: TERM a background job of this script, if it still runs.
stop_pid() {
  if [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}

# ddb_up [--in-memory]: DynamoDB Local on 127.0.0.1:$DDB_PORT for this script.
# One that answers already is used as it is and left running. Otherwise one
# is started (data in .local/ddb-data, or in memory with --in-memory),
# $started_ddb is set and stop_local_stack_on_exit arranges that it stops
# when the script ends. Call it in the script's shell, not in a subshell.
started_ddb=
ddb_up() {
  bash "$SCRIPTS/ddb-local.sh" status && return
  started_ddb=1
  stop_local_stack_on_exit
  bash "$SCRIPTS/ddb-local.sh" start "$@"
}
# ddb_down: stop the DynamoDB Local that ddb_up started, now; a no-op if it
# started none.
ddb_down() {
  if [[ -n "${started_ddb:-}" ]]; then
    started_ddb=
    bash "$SCRIPTS/ddb-local.sh" stop
  fi
}
