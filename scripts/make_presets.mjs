// Writes www/presets/: the CLI's runs of the example sentences with every model (never written
// by hand), so the page and the widget show them before the model has arrived. One file per
// model and example, and index.json mapping each model's texts to their files, so a first
// visit fetches only the run it shows.
//   node scripts/make_presets.mjs CLI OUT_DIR key=BUNDLE [key=BUNDLE ...]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { PRESET_KEYS } from '../www/config.js';

const [cli, outDir, ...models] = process.argv.slice(2);
const texts = [...new Set(['pt', 'en'].flatMap((lang) => {
  const m = JSON.parse(readFileSync(`www/i18n/${lang}.json`, 'utf8'));
  return PRESET_KEYS.map((k) => m[k]);
}))];
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
  index[key] = presets.map((run, i) => {
    const file = `${key}-${i}.json`;
    const json = JSON.stringify(run);
    writeFileSync(`${outDir}/${file}`, json);
    bytes += json.length;
    return { text: run.text, file };
  });
}
writeFileSync(`${outDir}/index.json`, JSON.stringify(index));
console.log(`${outDir}: ${(bytes / 1e6).toFixed(2)} MB for ${texts.length} examples × ${models.length} models`);
