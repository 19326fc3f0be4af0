#!/usr/bin/env bash
# The figures of docs/measurements.md, which says what each one means.
#   scripts/measure.sh [part...]     default: every part, in this order
#     argon2      argon2id cost in an optimised build
#     requests    DynamoDB requests per endpoint (SDK interceptor, DynamoDB Local)
#     cold-start  init, first and warm invocations of each function next to a
#                 hello world, against a Lambda Runtime API stand-in
#     overhead    warm handler time outside DynamoDB
#     sign-in     a password sign-in's time as a ratio to one argon2id
#                 verification timed in the same run (target <= 1.2)
#     size        stripped arm64 release binaries (cargo lambda build)
#     sam-size    what `make deploy` ships: `sam build` as scripts/deploy.sh
#                 runs it, then each .aws-sam/build/<Function>/bootstrap
#                 (bytes, ELF architecture, stripped or not). Not in the
#                 default run: it installs the SAM CLI (make deploy-tools)
#                 and builds each function once more.
# Optimised builds use the `measure` profile (release without LTO), except
# `cold-start`, `size` and `sam-size`, which measure what ships.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
use_local_stack
export TABLE_NAME="${TEST_TABLE_NAME:-oauthapp-test}"

PARTS=(argon2 requests cold-start overhead sign-in size)
(($# > 0)) || set -- "${PARTS[@]}"
needs_ddb=
for part in "$@"; do
  case "$part" in
    argon2 | size | sam-size) ;;
    requests | cold-start | overhead | sign-in) needs_ddb=1 ;;
    *) die "unknown part '$part' (expected ${PARTS[*]} sam-size)" ;;
  esac
done

if [[ -n "$needs_ddb" ]]; then
  bash "$SCRIPTS/install.sh" ddb
  ddb_up --in-memory
  # The functions sign with the local key set.
  admin keys ensure >/dev/null
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
    # The rotation function serves no request.
    [[ -f "functions/$name/tests/api/request_counts.rs" ]] || continue
    cargo test -q -p "$name" --test api request_counts -- --nocapture --test-threads=1 2>/dev/null | grep -o "|.*|$"
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

measure_sign_in() {
  log "password sign-in next to one argon2id verification (profile measure)"
  cargo run -q --profile measure -p bench --bin sign-in-cost
}

# size_row NAME BOOTSTRAP [COLUMN...]: one row of a size table.
size_row() {
  local name="$1" bytes
  bytes="$(stat -c %s "$2")"
  shift 2
  # MB of 10^6 bytes: the stricter reading of an 8 MB budget.
  printf '| %s ' "$name" "$bytes" "$(python3 -c "print(f'{$bytes / 1e6:.1f}')")" "$@"
  echo '|'
}

measure_size() {
  log "arm64 release binaries (cargo lambda build --release --arm64; minutes on two cores)"
  bash "$SCRIPTS/build.sh"
  local target_dir name
  target_dir="$(cargo metadata -q --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
  echo "| function | bootstrap bytes | MB |"
  echo "| --- | --- | --- |"
  for name in $(function_names); do
    size_row "$name" "$target_dir/lambda/$name/bootstrap"
  done
}

# The functions of template.yaml: "<Binary> <LogicalId>" a line.
template_functions() {
  "$VENV/bin/python" - "$ROOT/template.yaml" <<'PY'
import sys, yaml
resources = yaml.safe_load(open(sys.argv[1]))["Resources"]
for rid, r in sorted(resources.items()):
    if r.get("Type") == "AWS::Serverless::Function":
        print(r["Metadata"]["BuildProperties"]["Binary"], rid)
PY
}

# elf_kind FILE: "arm64, stripped" and the like, from the ELF headers (a
# binary with a .symtab is not stripped).
elf_kind() {
  python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
    sys.exit(f"{sys.argv[1]}: not a 64-bit little-endian ELF file")
machine = struct.unpack_from("<H", data, 18)[0]
shoff = struct.unpack_from("<Q", data, 0x28)[0]
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
section = lambda i: struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
strtab = section(shstrndx)[4]
names = {data[strtab + section(i)[0]:].split(b"\0", 1)[0] for i in range(shnum)}
arch = {0xB7: "arm64", 0x3E: "x86_64"}.get(machine, hex(machine))
print(arch + (", not stripped" if b".symtab" in names else ", stripped"))
PY
}

measure_sam_size() {
  log "what make deploy ships: sam build as scripts/deploy.sh runs it (minutes on two cores)"
  # In a subshell: the SAM CLI's PATH stays out of the other parts. Its
  # progress on stderr, like the other parts' builds: stdout has the table.
  (
    use_sam
    cd "$ROOT"
    sam build >&2
  )
  local name id bootstrap
  echo "| function | bootstrap bytes | MB | ELF |"
  echo "| --- | --- | --- | --- |"
  while read -r name id; do
    bootstrap="$ROOT/.aws-sam/build/$id/bootstrap"
    [[ -f "$bootstrap" ]] || die "sam build made no $bootstrap"
    size_row "$name" "$bootstrap" "$(elf_kind "$bootstrap")"
  done < <(template_functions)
}

for part in "$@"; do
  "measure_${part//-/_}"
  echo
done
