// Writes www/presets/: the CLI's runs of the example sentences with every model (never written
// by hand), so the page and the widget show them before the model has arrived. Per model and
// example: <key>-<i>.json (meta and heads), <key>-<i>.attention.bin and <key>-<i>.scores.bin
// (f32 little-endian: a third smaller than base64; the scores come second, only steps 1-2 read
// them); index.json maps each model's texts to their files, so a first visit fetches only the
// run it shows.
//   node scripts/make_presets.mjs CLI OUT_DIR key=BUNDLE [key=BUNDLE ...]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { PRESET_KEYS, FRESH_MODEL, LINK_MODEL } from '../www/config.js';

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
    const files = { file: `${key}-${i}.json`, attention: `${key}-${i}.attention.bin`, scores: `${key}-${i}.scores.bin` };
    const json = JSON.stringify(run);
    writeFileSync(`${outDir}/${files.file}`, json);
    for (const [name, b64] of [['attention', attention], ['scores', scores]]) writeFileSync(`${outDir}/${files[name]}`, Buffer.from(b64, 'base64'));
    bytes += json.length + 2 * Buffer.from(attention, 'base64').length;
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
