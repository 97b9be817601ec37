// Writes sw.js (the offline service worker) with the list of files to keep and a version that
// changes whenever any of them changes, so a new build replaces the old cache. The examples'
// build-time runs (www/presets/) are left out, megabytes a visitor may never need offline, but
// for early.js, the pages' first script.
// Usage: node scripts/make_sw.mjs [root]   (writes ROOT/sw.js)
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = process.argv[2] ?? '.';
const walk = (dir) => readdirSync(join(root, dir)).flatMap((f) => {
  const p = join(dir, f);
  return statSync(join(root, p)).isDirectory() ? walk(p) : [p];
});
const files = ['index.html', 'embed.html', 'aula.html', ...walk('www').filter((f) => /\.(js|css|json|wasm)$/.test(f) && (!f.startsWith('www/presets/') || f === 'www/presets/early.js'))].map((f) => relative('.', f));
const hash = createHash('sha256');
for (const f of files) hash.update(f).update(readFileSync(join(root, f)));
const version = hash.digest('hex').slice(0, 16);
const template = readFileSync(new URL('./sw-template.js', import.meta.url), 'utf8');
writeFileSync(join(root, 'sw.js'), template.replace('__VERSION__', version).replace('__FILES__', JSON.stringify(['./', ...files], null, 1)));
console.log(`sw.js: ${files.length} files, version ${version}`);
