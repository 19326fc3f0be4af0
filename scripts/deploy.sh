#!/usr/bin/env bash
# `make deploy`: sam build && sam deploy, with the real AWS credentials of the
# caller (none of the local stack's dummies). Extra arguments go to
# `sam deploy`: the first time, `make deploy ARGS=--guided` asks for
# TokenIssuer and the other parameters and saves them in samconfig.toml.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

bash "$SCRIPTS/install.sh" venv arm64 sam
# sam after .local/venv: cargo-lambda finds zig through the first `python3`
# on PATH, and only .local/venv's has the ziglang wheel.
export PATH="$VENV/bin:$SAM_VENV/bin:$PATH"
export SAM_CLI_TELEMETRY=0
cd "$ROOT"
# sam build runs `cargo lambda build --release --arm64 --bin <Binary>` per
# function (BuildMethod rust-cargolambda): cargo-lambda comes from .local/venv.
sam build
sam deploy "$@"
