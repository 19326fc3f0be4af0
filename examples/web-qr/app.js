// QR sign-in as a web page does it in strict mode: a PKCE code verifier
// kept here, its S256 challenge sent with the new key, the key shown as a QR
// code, and polls with the verifier until the mini-program has confirmed.
// Which API and app: ?api=http://127.0.0.1:9000&app=<appId> (make dev prints
// the URL). The page's origin must be among the app's web origins
// (oauthapp-admin apps set <appId> --web-origins ...), or the browser lets
// it read no answer.
"use strict";

const params = new URLSearchParams(location.search);
const api = (params.get("api") || "http://127.0.0.1:9000").replace(/\/$/, "");
const users = `${api}/api/AppUsers/${encodeURIComponent(params.get("app") || "")}`;
const POLL_MS = 1500;

const $ = (id) => document.getElementById(id);

function show(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// WebCrypto exists only in a secure context: https, or http on 127.0.0.1/localhost.
async function pkce() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
}

// One call of the legacy API: its envelope, with the HTTP status in `code`.
async function call(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${users}/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function signIn() {
  const { verifier, challenge } = await pkce();
  const created = await call("POST", "QRCodePreSignIn", {
    scopes: "profile",
    remark: "Sign in to the web example",
    scheme: "web",
    codeChallenge: challenge,
    codeChallengeMethod: "S256",
  });
  if (created.code !== 200) throw new Error(created.err);
  const key = created.data;
  const qr = qrcode(0, "M");
  qr.addData(String(key));
  qr.make();
  $("qr").innerHTML = qr.createImgTag(4, 16, "QR code of the sign-in key");
  $("key").textContent = String(key);
  $("key-line").classList.remove("hidden");
  show("waiting", "Waiting for the mini-program to scan the code…");

  for (;;) {
    await sleep(POLL_MS);
    const polled = await call("POST", "QRCodeSignIn", { signInKey: key, codeVerifier: verifier });
    if (polled.code === 200) return polled.data.access_token;
    // 409 until confirmed: before the scan, then while the phone asks its user.
    if (polled.code !== 409) throw new Error(polled.err);
    show(polled.err.includes("登陆中") ? "scanned" : "waiting", polled.err);
  }
}

async function main() {
  try {
    const token = await signIn();
    const profile = await call("GET", "Profile", undefined, token);
    if (profile.code !== 200) throw new Error(profile.err);
    $("user").textContent = profile.data.nickName;
    $("user-line").classList.remove("hidden");
    $("qr").replaceChildren();
    show("signed-in", "Signed in.");
  } catch (err) {
    // A fetch the browser blocked (an origin the app does not list) is a TypeError.
    const text = err instanceof TypeError
      ? `The API did not answer this page (is ${location.origin} among the app's web origins?)`
      : err.message;
    show("failed", text);
  }
}

main();
