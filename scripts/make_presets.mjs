// Writes www/presets.json: the CLI's runs of the example sentences (never written by hand),
// so the page and the widget show them before the model has arrived.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PRESET_KEYS } from '../www/config.js';

const [cli, bundle, out] = process.argv.slice(2);
const pt = JSON.parse(readFileSync('www/i18n/pt.json', 'utf8'));
const texts = PRESET_KEYS.map((k) => pt[k]);
execFileSync(cli, ['presets', '--model', bundle, '--out', out, ...texts], { stdio: 'inherit' });
console.log(`${out}: ${(readFileSync(out).length / 1e6).toFixed(2)} MB for ${texts.length} examples`);
