// A static file server for the repository (page, wasm, model bundle) with the right MIME
// types (.wasm as application/wasm). Usage: node scripts/serve.mjs [port] [root]
import { createServer } from 'node:http';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.safetensors': 'application/octet-stream', '.gguf': 'application/octet-stream', '.onnx': 'application/octet-stream',
  '.webmanifest': 'application/manifest+json', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
};

// Text is sent gzipped when the browser asks, as any static host does (the page's scripts
// shrink fourfold: on a slow link that is what a first visit waits for).
const COMPRESSED = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt']);
const gzipped = new Map(); // file -> { mtime, body }
function gzipOf(file, stat) {
  const kept = gzipped.get(file);
  if (kept?.mtime === stat.mtimeMs) return kept.body;
  const body = gzipSync(readFileSync(file));
  gzipped.set(file, { mtime: stat.mtimeMs, body });
  return body;
}

// The strict policy the page, the embed and the widget work under (README "Security").
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'";

/** `cache(path)` gives each response's Cache-Control (tests play hosts with ordinary caching). */
/** A slow link for tests, shared by every response of the server as a real link is:
 *  `{ bytesPerSecond, latency }` (ms before each response's first byte). Writes `body` (a
 *  Buffer or a readable stream) to `res` at that rate. */
function throttled({ bytesPerSecond, latency }) {
  let free = 0; // when the link has sent what was queued before (ms, performance.now())
  const wait = (ms) => new Promise((ok) => setTimeout(ok, ms));
  const take = (bytes) => {
    const start = Math.max(performance.now(), free);
    free = start + (1000 * bytes) / bytesPerSecond;
    return wait(free - performance.now());
  };
  return async (res, head, body) => {
    await wait(latency);
    res.writeHead(...head);
    const chunks = Buffer.isBuffer(body) ? [body] : body;
    for await (const chunk of chunks) {
      for (let i = 0; i < chunk.length; i += 16384) {
        const part = chunk.subarray(i, i + 16384);
        await take(part.length);
        if (res.destroyed) return;
        res.write(part);
      }
    }
    res.end();
  };
}

export function serve(root, port = 0, { csp = true, cache = () => 'no-cache', throttle = null } = {}) {
  root = resolve(root);
  const slow = throttle && throttled(throttle);
  const server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    let stat;
    try { stat = statSync(file); } catch { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); return; }
    if (stat.isDirectory()) { res.writeHead(302, { location: path + '/' }).end(); return; }
    const gzip = COMPRESSED.has(extname(file)) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
    const body = gzip ? gzipOf(file, stat) : null;
    const head = [200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body ? body.length : stat.size,
      ...(body ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}),
      'cache-control': cache(path),
      ...(csp ? { 'content-security-policy': CSP } : {}),
      'x-content-type-options': 'nosniff',
      // Teachers load the widget and the model from here into their own pages.
      'access-control-allow-origin': '*',
    }];
    if (slow) { slow(res, head, req.method === 'HEAD' ? Buffer.alloc(0) : (body ?? createReadStream(file))); return; }
    res.writeHead(...head);
    if (body) res.end(req.method === 'HEAD' ? undefined : body);
    else createReadStream(file).pipe(res);
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
  const root = process.argv[3] ?? '.';
  const server = await serve(root, port).catch(() => serve(root, 0));
  console.log(`Orquestra is served at http://127.0.0.1:${server.address().port}/  (Ctrl+C to stop)`);
}
