// Writes www/models.json: the sha256 of each model bundle the build names (www/config.js),
// keyed by its URL relative to www/. The engine's worker checks a download against it and
// keys its cache by it, so a new model under the same URL reaches returning visitors and a
// planted file is never taken for the model.
//   node scripts/make_manifest.mjs [root]   (reads ROOT/models/, writes ROOT/www/models.json)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODELS } from '../www/config.js';

const root = process.argv[2] ?? '.';
const manifest = {};
for (const { url } of Object.values(MODELS)) {
  const path = `../models/${url.split('/models/').pop()}`; // relative to www/
  manifest[path] = createHash('sha256').update(readFileSync(join(root, 'www', path))).digest('hex');
}
writeFileSync(join(root, 'www', 'models.json'), `${JSON.stringify(manifest, null, 1)}\n`);
console.log(`www/models.json: ${Object.keys(manifest).length} models`);
