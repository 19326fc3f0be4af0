#!/usr/bin/env bash
# `make admin ARGS="..."`: the operator CLI against the local stack, with the
# same environment as `make dev`. stdout is the CLI's alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
use_local_stack

# A hint rather than a start: the caller may be pointing at another endpoint.
if [[ "$AWS_ENDPOINT_URL_DYNAMODB" == "http://127.0.0.1:$DDB_PORT" ]] && ! bash "$SCRIPTS/ddb-local.sh" status; then
  log "DynamoDB Local does not answer on 127.0.0.1:$DDB_PORT: start it with 'make dev' or 'make ddb-start'"
fi
admin "$@"
