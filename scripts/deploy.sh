#!/usr/bin/env bash
# `make deploy`: sam build && sam deploy, with the real AWS credentials of the
# caller (none of the local stack's dummies). Extra arguments go to
# `sam deploy`: the first time, `make deploy ARGS=--guided` asks for
# TokenIssuer and the other parameters and saves them in samconfig.toml.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

use_sam
cd "$ROOT"
# sam build runs `cargo lambda build --release --arm64 --bin <Binary>` per
# function (BuildMethod rust-cargolambda) in its CodeUri, the function's
# package directory: cargo-lambda comes from .local/venv. What it makes,
# .aws-sam/build/<Function>/bootstrap, is what `scripts/measure.sh sam-size`
# measures.
sam build
sam deploy "$@"
