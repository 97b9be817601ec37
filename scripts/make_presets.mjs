// Writes www/presets/: the CLI's runs of the example sentences with every model (never written
// by hand), so the page and the widget show them before the model has arrived. Per model and
// example: <key>-<i>.json (meta and heads), <key>-<i>.attention.u24.bin and <key>-<i>.scores.bin;
// index.json maps each model's texts to their files, so a first visit fetches only the run it
// shows. The scores (read only by steps 1-2, fetched second) are f32 little-endian. The
// attention, what a first drawing waits for on a slow link, is each weight in 0..1 as a 24-bit
// fixed-point number (round(w × (2^24 − 1)), within 3e-8 of the f32: the CLI's and the wasm
// engine's own runs differ by up to 5e-6), its low, middle and high bytes as three planes,
// gzipped (the page inflates it with DecompressionStream): 484 KB of f32 are 298 KB.
//   node scripts/make_presets.mjs CLI OUT_DIR key=BUNDLE [key=BUNDLE ...]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { PRESET_KEYS, FRESH_MODEL, LINK_MODEL } from '../www/config.js';

/** f32 weights in 0..1 (little-endian bytes) as 24-bit fixed point in three byte planes,
 *  gzipped (presets.js reads it back). */
function packAttention(f32) {
  const w = new Float32Array(f32.buffer, f32.byteOffset, f32.length / 4), n = w.length;
  const planes = Buffer.alloc(3 * n);
  for (let i = 0; i < n; i++) {
    const q = Math.round(Math.min(Math.max(w[i], 0), 1) * 0xffffff);
    planes[i] = q & 0xff;
    planes[n + i] = (q >> 8) & 0xff;
    planes[2 * n + i] = q >> 16;
  }
  return gzipSync(planes, { level: 9 });
}

const [cli, outDir, ...models] = process.argv.slice(2);
const messages = Object.fromEntries(['pt', 'en'].map((lang) => [lang, JSON.parse(readFileSync(`www/i18n/${lang}.json`, 'utf8'))]));
const texts = [...new Set(Object.values(messages).flatMap((m) => PRESET_KEYS.map((k) => m[k])))];
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const index = {};
let bytes = 0;
for (const arg of models) {
  const [key, bundle] = arg.split('=');
  const tmp = `${outDir}/.${key}.json`;
  execFileSync(cli, ['presets', '--model', bundle, '--out', tmp, ...texts], { stdio: 'inherit' });
  const { presets } = JSON.parse(readFileSync(tmp, 'utf8'));
  rmSync(tmp);
  index[key] = presets.map(({ attention, scores, ...run }, i) => {
    const files = { file: `${key}-${i}.json`, attention: `${key}-${i}.attention.u24.bin`, scores: `${key}-${i}.scores.bin` };
    const json = JSON.stringify(run);
    writeFileSync(`${outDir}/${files.file}`, json);
    const packed = packAttention(Buffer.from(attention, 'base64'));
    writeFileSync(`${outDir}/${files.attention}`, packed);
    writeFileSync(`${outDir}/${files.scores}`, Buffer.from(scores, 'base64'));
    bytes += json.length + packed.length + Buffer.from(scores, 'base64').length;
    return { text: run.text, ...files };
  });
}
// What early.js needs to name the run a link shows before any module has loaded: the runs, the
// sentence of a link without one (by language) and the model of a visit without a link, or of
// a link that names none.
const first = Object.fromEntries(Object.entries(messages).map(([lang, m]) => [lang, m[PRESET_KEYS[0]]]));
const all = JSON.stringify({ runs: index, first, fresh: FRESH_MODEL, link: LINK_MODEL });
writeFileSync(`${outDir}/index.json`, all);
// The pages' first script, with the index inlined (no round trip before the run's request).
const template = readFileSync(new URL('./early-template.js', import.meta.url), 'utf8');
if (!template.includes('/* INDEX */ null')) throw new Error('early-template.js lost its INDEX placeholder');
writeFileSync(`${outDir}/early.js`, template.replace('/* INDEX */ null', all));
console.log(`${outDir}: ${(bytes / 1e6).toFixed(2)} MB for ${texts.length} examples × ${models.length} models`);
