// Serves the QR sign-in example (examples/web-qr/) on its own origin, with
// the QR generator npm installed into .local/web-qr (scripts/install.sh web)
// as vendor/qrcode.js. Used by `make dev` and by the browser test.
//   node scripts/web_qr_serve.mjs PORT
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FILES = {
  "/": ["examples/web-qr/index.html", "text/html; charset=utf-8"],
  "/app.js": ["examples/web-qr/app.js", "text/javascript; charset=utf-8"],
  "/vendor/qrcode.js": [".local/web-qr/node_modules/qrcode-generator/dist/qrcode.js", "text/javascript; charset=utf-8"],
};

// Resolves with the listening server on 127.0.0.1:port.
export function serve(port) {
  const server = createServer(async (request, response) => {
    const file = FILES[new URL(request.url, "http://page").pathname];
    if (request.method !== "GET" || !file) {
      response.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
      return;
    }
    try {
      const body = await readFile(path.join(root, file[0]));
      response.writeHead(200, { "Content-Type": file[1], "Cache-Control": "no-store" }).end(body);
    } catch (err) {
      response.writeHead(500, { "Content-Type": "text/plain" }).end(`${file[0]}: ${err.message}\n`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error("usage: node scripts/web_qr_serve.mjs PORT");
    process.exit(2);
  }
  await serve(port);
}
