// Writes each page's preload block: every module its entry script imports (statically, at
// any depth) and the JSON it fetches first, so a first visit asks for them all at once
// instead of one import level per round trip (six levels × 165 ms on a slow link).
//   node scripts/preload.mjs [--check]   (--check: exit 1 if a page's block is out of date)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const PAGES = { 'index.html': 'www/app.js', 'embed.html': 'www/embed.js', 'aula.html': 'www/lesson.js' };
// Fetched by every page before it draws: the strings (the examples' index comes inlined in
// early.js).
const FETCHED = ['www/i18n/pt.json', 'www/i18n/en.json'];
const BEGIN = '<!-- preload: written by scripts/preload.mjs -->', END = '<!-- /preload -->';

/** The entry and every module it imports statically, in discovery order. */
export function importGraph(entry, root = '.') {
  const seen = [];
  const visit = (file) => {
    if (seen.includes(file)) return;
    seen.push(file);
    const src = readFileSync(join(root, file), 'utf8');
    for (const m of src.matchAll(/^\s*(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"](\.[^'"]+)['"]/gm)) {
      visit(normalize(join(dirname(file), m[1])));
    }
  };
  visit(entry);
  return seen;
}

// The modules are asked for at low priority: when early.js (deferred, so it does not hold the
// parser) asks for the example's run, that request is the next to leave on the six connections,
// not the last behind twenty modules (on a slow link the run is the longest download).
export function block(entry, root = '.') {
  const lines = [
    ...importGraph(entry, root).map((f) => `<link rel="modulepreload" fetchpriority="low" href="${f}">`),
    ...FETCHED.map((f) => `<link rel="preload" as="fetch" crossorigin href="${f}">`),
  ];
  return `${BEGIN}\n${lines.join('\n')}\n${END}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [page, entry] of Object.entries(PAGES)) {
    const html = readFileSync(page, 'utf8');
    const want = block(entry);
    const at = html.indexOf(BEGIN), end = html.indexOf(END);
    const next = at < 0 ? html.replace('</head>', `${want}\n</head>`) : html.slice(0, at) + want + html.slice(end + END.length);
    if (next === html) continue;
    stale++;
    if (!check) writeFileSync(page, next);
    console.log(`${page}: preload block ${check ? 'out of date' : 'written'}`);
  }
  if (check && stale) process.exit(1);
}
