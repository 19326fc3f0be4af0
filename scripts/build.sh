#!/usr/bin/env bash
# `make build`: release binaries for Lambda on Graviton (arm64), cross-built by
# cargo-lambda with zig, into target/lambda/<function>/bootstrap.
#   scripts/build.sh            the functions (functions/*), not the CLI or benches
#   scripts/build.sh ARGS...    cargo lambda build --release --arm64 ARGS...
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

bash "$SCRIPTS/install.sh" venv arm64
cd "$ROOT"
if (($# == 0)); then
  for name in $(function_names); do set -- "$@" --package "$name"; done
fi
cargo lambda build --release --arm64 "$@"
