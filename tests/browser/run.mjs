// Browser end-to-end tests in headless Chromium against the served repository and the
// real model. Screenshots of every view land in test-artifacts/.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { serve } from '../../scripts/serve.mjs';
import { launch } from './chromium.mjs';
import { medianWithin, timesText } from './budget.mjs';
import { readNpy, lastSlice } from './npy.mjs';
import { screenshots } from './screens.mjs';
import { fuzzHashes } from './hostile.mjs';

const BUNDLE = 'models/all-MiniLM-L6-v2.int8.safetensors';
const server = await serve('.', 0);
const base = `http://127.0.0.1:${server.address().port}/`;
// Service workers only in the offline test: elsewhere they would hide requests from page.route.
const ctx = await launch({ serviceWorkers: 'block' });
let failed = 0;

// ONLY=words runs just the tests whose name contains them.
async function test(name, fn) {
  if (process.env.ONLY && !name.includes(process.env.ONLY)) return;
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const started = performance.now();
  const took = () => `(${((performance.now() - started) / 1000).toFixed(1)} s)`; // where make test's time goes
  try {
    await fn(page);
    if (errors.length) throw new Error(`uncaught: ${errors.join('; ')}`);
    console.log(`ok   ${name} ${took()}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name} ${took()}\n     ${e.message.split('\n').slice(0, 6).join('\n     ')}`);
  } finally {
    await page.close();
  }
}
const assert = (ok, msg) => { if (!ok) throw new Error(msg); };
const ready = (page) => page.waitForSelector('#view > :not(.view-loading)', { timeout: 60_000 });
// The examples draw before the model arrives (presets.json): wait for the model itself, and for
// its run's drawing (the view's data-run, controller.markRun): a test that acts before it may
// click a list the live run then replaces.
const modelReady = async (page) => {
  await ready(page);
  await page.waitForSelector('#progress', { state: 'hidden', timeout: 60_000 });
  await page.waitForSelector('#view:is([data-run=live], [data-run=failed])', { state: 'attached', timeout: 60_000 });
};
const hashOf = (page) => page.evaluate(() => location.hash);
// On phones the table toggle sits behind "More options".
const showTable = async (page) => {
  if (await page.isVisible('#more-controls')) await page.click('#more-controls');
  await page.check('#show-table');
};
const cli = (text, out) => JSON.parse(execFileSync('target/release/orquestra', ['attention', '--model', BUNDLE, '--out', out, text]));

/** A teacher's site on its own origin (no policy of ours) holding one widget with `attrs`, and
 *  `files` ({ name: Buffer }) beside it, e.g. its own model. `summary()` reads the widget's line. */
async function hostWidget(page, attrs, files = {}) {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/orquestra-host-');
  const html = Object.entries(attrs).map(([k, v]) => `${k}="${v}"`).join(' ');
  writeFileSync(`${dir}/index.html`, `<!doctype html><meta charset="utf-8"><title>Curso</title>
    <script type="module" src="${base}www/widget.js"></script>
    <orquestra-attention id="w" ${html}></orquestra-attention>`);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(`${dir}/${name}`, bytes);
  const host = await serve(dir, 0, { csp: false });
  const url = `http://127.0.0.1:${host.address().port}/`;
  const summary = () => page.evaluate(() => document.getElementById('w').shadowRoot.querySelector('.summary').textContent);
  return { dir, url, host, summary, write: (name, bytes) => writeFileSync(`${dir}/${name}`, bytes) };
}

/** The committed tiny model (2 layers, 2 heads, 24 positions) as a bundle, made by the CLI. */
function tinyBundle() {
  const out = `/tmp/orquestra-tiny-${process.pid}.safetensors`;
  execFileSync('target/release/orquestra', ['convert', '--model', 'tests/fixtures/tiny', '--out', out, '--precision', 'f32'], { stdio: 'ignore' });
  return readFileSync(out);
}

await test('a share link restores sentence, view, layer, head, focused word, units and language', async (page) => {
  const s = "The animal didn't cross the street because it was too tired.";
  await page.goto(`${base}#s=${encodeURIComponent(s)}&v=juri&l=3&h=5&w=8&u=pecas&lang=en`);
  await ready(page);
  assert((await page.inputValue('#text')) === s, 'sentence');
  assert((await page.textContent('#views [aria-selected=true]')) === 'Jury', 'view');
  assert((await page.inputValue('#layer')) === '2' && (await page.inputValue('#head')) === '4', 'layer/head');
  assert(await page.isChecked('#units-pieces'), 'units');
  assert((await page.evaluate(() => document.documentElement.lang)) === 'en', 'language');
  const tokens = cli(s, '/tmp/orquestra-e2e-0.npy').tokens;
  const verdict = await page.textContent('.verdict');
  assert(verdict.includes(`focus on ${tokens[8]}:`), `focused word: ${verdict}`);
  assert((await page.$$('.judge')).length === 12, 'the jury shows 12 judges');
  assert((await hashOf(page)).includes('w=8&u=pecas&lang=en'), 'the hash keeps the state');
});

await test("the orchestra table's weights equal the CLI's (word mode) within 0.1 point", async (page) => {
  const s = 'A menina que adotou vários cachorros estava radiante.';
  const [l, h, w] = [2, 7, 2];
  await page.goto(`${base}#s=${encodeURIComponent(s)}&v=orquestra&l=${l + 1}&h=${h + 1}&w=${w}&u=palavras&lang=pt`);
  await ready(page);
  await showTable(page);
  const rows = await page.$$eval('#table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  const out = cli(s, '/tmp/orquestra-e2e-1.npy');
  const { shape, data } = readNpy('/tmp/orquestra-e2e-1.npy'); // (L, H, T, T)
  const T = shape[2];
  const pieces = out.wordOfToken.map((wd, i) => [wd, i]).filter(([wd]) => wd === w).map(([, i]) => i);
  assert(rows.length === out.words.length, `${rows.length} rows for ${out.words.length} words`);
  let worst = 0;
  out.words.forEach((word, j) => {
    let sum = 0;
    for (const i of pieces) for (let k = 0; k < T; k++) if (out.wordOfToken[k] === j) sum += data[((l * shape[1] + h) * T + i) * T + k];
    const want = (sum / pieces.length) * 100;
    const shown = Number(rows[j].at(-1).replace('%', '').replace(',', '.')); // pt writes 12,3%
    assert(rows[j][0] === word, `row ${j} is ${rows[j][0]}, CLI word ${word}`);
    worst = Math.max(worst, Math.abs(shown - want));
  });
  console.log(`     orchestra table vs CLI: max difference ${worst.toFixed(3)} percentage points`);
  assert(worst <= 0.1, `weights differ by ${worst}`);
});

await test('clicking a musician hands it the baton and changes the hash', async (page) => {
  await page.goto(`${base}#v=orquestra&w=1&lang=pt`);
  await ready(page);
  await page.locator('.musician').nth(4).locator('circle').click();
  await page.waitForFunction(() => location.hash.includes('w=4'), null, { timeout: 5000 });
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => location.hash.includes('w=5'), null, { timeout: 5000 });
});

await test('switching language changes every visible string', async (page) => {
  const pt = JSON.parse(execFileSync('cat', ['www/i18n/pt.json']));
  const en = JSON.parse(execFileSync('cat', ['www/i18n/en.json']));
  for (const v of ['orquestra', 'juri', 'matriz', 'modelo']) {
    await page.goto(`${base}#v=${v}&lang=pt`);
    await ready(page);
    await showTable(page);
    await page.selectOption('#lang', 'en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    const text = await page.evaluate(() => document.body.innerText);
    const left = Object.keys(pt).filter((k) => !k.startsWith('preset.') && pt[k] !== en[k])
      .map((k) => pt[k].split(/\{\w+\}/)[0].trim()).filter((p) => p.length > 3 && !Object.values(en).includes(p) && text.includes(p));
    assert(left.length === 0, `${v}: Portuguese left after switching: ${left.join(' | ')}`);
  }
});

await test('typing a 60-character sentence never blocks the main thread over 50 ms', async (page) => {
  await page.goto(`${base}#v=orquestra&lang=pt`);
  await ready(page);
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((l) => window.longTasks.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
  });
  await page.fill('#text', '');
  await page.type('#text', 'O professor explicou a lição e os alunos entenderam tudo bem', { delay: 60 });
  await page.waitForTimeout(1500);
  const long = await page.evaluate(() => window.longTasks);
  console.log(`     long tasks while typing: ${long.length ? long.map((d) => d.toFixed(0) + ' ms').join(', ') : 'none'}`);
  assert(long.length === 0, `long tasks: ${long}`);
});

await test('empty text gives a message and keeps what was typed', async (page) => {
  await page.goto(base);
  await ready(page);
  await page.fill('#text', '   ');
  await page.waitForFunction(() => document.querySelector('#error').textContent.length > 0, null, { timeout: 10_000 });
  assert((await page.inputValue('#text')) === '   ', 'the text box lost what was typed');
});

await test('a failed model download shows a message and a retry, keeping the text', async (page) => {
  let block = true;
  await page.route('**/*.int8.safetensors', (route) => (block ? route.fulfill({ status: 503, body: 'down' }) : route.continue()));
  await page.evaluate(() => caches.delete('orquestra-model-v1')).catch(() => {});
  await page.goto(`${base}#s=minha%20frase&lang=pt`);
  await page.evaluate(() => caches.delete('orquestra-model-v1'));
  await page.reload();
  await page.waitForSelector('#load-error:not([hidden])', { timeout: 20_000 });
  assert((await page.inputValue('#text')) === 'minha frase', 'text kept');
  block = false;
  await page.click('#retry');
  await ready(page);
});

await test('under the strict CSP: no violation, and no request leaves the origin', async (page) => {
  const origin = new URL(base).origin;
  const foreign = [];
  const watch = (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url()); };
  ctx.on('request', watch);
  await page.addInitScript(() => {
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  for (const v of ['orquestra', 'juri', 'matriz', 'modelo']) {
    await page.goto(`${base}#v=${v}&lang=en`);
    await ready(page);
    await showTable(page);
  }
  await page.goto(`${base}embed.html#v=juri`);
  await page.waitForSelector('orquestra-attention .judge', { timeout: 60_000 });
  await page.goto(`${base}aula.html#passo=2`);
  await page.waitForSelector('orquestra-attention .conductor', { timeout: 60_000 });
  ctx.off('request', watch);
  const violations = await page.evaluate(() => window.violations);
  assert(violations.length === 0, `CSP violations: ${violations.join(', ')}`);
  assert(foreign.length === 0, `requests off the origin: ${foreign.join(', ')}`);
});

await test('5,000 hostile hashes: no uncaught error, no dialog, no foreign element', async (page) => {
  const { count, problems, dialogs } = await fuzzHashes(page, base, 5000);
  console.log(`     ${count} hashes fed to the page`);
  assert(count >= 5000, 'too few hashes');
  assert(problems.length === 0, problems.join('; '));
  assert(dialogs.length === 0, `dialogs: ${dialogs}`);
  // The page still works afterwards.
  await page.goto(`${base}#s=ok&v=juri`);
  await ready(page);
  assert((await page.$$('.judge')).length === 12, 'the page no longer works');
});

await test('prototype keys in a link (__proto__, constructor, toString, hasOwnProperty), in every key: no error, the page draws', async (page) => {
  const { PARAMS } = await import('../../www/state.js');
  const errors = [];
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e}`));
  const open = async (url) => {
    await page.goto('about:blank'); // a new document each time: early.js runs on load only
    await page.goto(url);
    await page.waitForSelector('#view > :not(.view-loading), orquestra-attention', { timeout: 60_000 });
    await page.waitForTimeout(150);
  };
  for (const value of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    for (const key of Object.keys(PARAMS)) {
      await open(`${base}#${key}=${value}`);
      await ready(page);
    }
    await open(`${base}#m=${value}&s=x`);
    await ready(page);
    await open(`${base}embed.html#${Object.keys(PARAMS).map((k) => `${k}=${value}`).join('&')}`);
    await open(`${base}aula.html#passo=${value}&lang=${value}`);
  }
  assert(errors.length === 0, [...new Set(errors)].slice(0, 5).join('; '));
});

await test('axe-core finds no accessibility violation on any view in either language', async (page) => {
  const found = [];
  for (const lang of ['pt', 'en']) for (const v of ['orquestra', 'juri', 'matriz', 'modelo', 'fluxo']) {
    await page.goto(`${base}#v=${v}&lang=${lang}`);
    await ready(page);
    if (v === 'fluxo') await page.waitForSelector('.flow-row.musician', { timeout: 60_000 }); // its rows need the live model
    await showTable(page);
    await page.addScriptTag({ url: '/node_modules/axe-core/axe.min.js' }); // same origin: allowed by the CSP
    const violations = await page.evaluate(async () => (await window.axe.run(document)).violations.map((x) => `${x.id} × ${x.nodes.length}`));
    if (violations.length) found.push(`${lang}/${v}: ${violations.join(', ')}`);
  }
  assert(found.length === 0, found.join('; '));
});

await test('every view fits a 360×740 touch phone without horizontal page scroll; taps work', async () => {
  const phoneCtx = await launch({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2, serviceWorkers: 'block' });
  const phone = await phoneCtx.newPage();
  try {
    for (const v of ['orquestra', 'juri', 'matriz', 'modelo']) {
      await phone.goto(`${base}#v=${v}&lang=pt`);
      await ready(phone);
      await showTable(phone);
      const width = await phone.evaluate(() => document.scrollingElement.scrollWidth);
      assert(width <= 360, `${v}: the page scrolls sideways (${width}px)`);
      await phone.screenshot({ path: `test-artifacts/${v}-phone360-pt.png`, fullPage: true });
    }
    // On touch, one tap hands the baton over: the row under the finger becomes the conductor,
    // in place (it does not move off screen).
    await phone.goto(`${base}#v=orquestra&w=1&lang=pt`);
    await modelReady(phone);
    const seat = phone.locator('.musician').nth(3); // a row of the phone's list
    await seat.scrollIntoViewIfNeeded(); // (as the tap will: then its place is measured)
    const before = (await seat.boundingBox()).y;
    await seat.tap();
    await phone.waitForFunction(() => location.hash.includes('w=3'), null, { timeout: 5000 });
    const row = phone.locator('.orchestra-list .musician.self');
    assert((await row.getAttribute('data-focus')) === 'm3', 'the tapped row is the conductor');
    const after = (await row.boundingBox()).y;
    assert(Math.abs(after - before) < 2, `the conductor's row moved from ${before} to ${after} px`);
  } finally {
    await phoneCtx.close();
  }
});

await test('everything is reachable by keyboard: Tab to a musician, Enter hands it the baton, the focus stays', async (page) => {
  await page.goto(`${base}#v=orquestra&w=1&lang=en`);
  await ready(page); // the example draws before the model: its arrival re-renders while we Tab
  await page.focus('#show-table');
  const focused = () => page.evaluate(() => document.activeElement?.closest?.('.musician:not(.self)')?.dataset.focus ?? null);
  let reached = null;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await focused();
  }
  assert(reached, 'Tab never reached a musician');
  // A seat's ring, or a list row's outline.
  const outline = await page.evaluate(() => {
    const circle = document.activeElement.querySelector('circle');
    return circle ? getComputedStyle(circle).strokeWidth : getComputedStyle(document.activeElement).outlineWidth;
  });
  assert(parseFloat(outline) >= 3, `no visible focus (${outline})`);
  await modelReady(page); // the model's re-render must not take the focus away
  const kept = await page.evaluate(() => document.activeElement?.dataset?.focus ?? null);
  assert(kept === reached, `the focus moved from ${reached} to ${kept} when the model arrived`);
  await page.keyboard.press('Enter');
  const word = reached.slice(1);
  await page.waitForFunction((w) => new URLSearchParams(location.hash.slice(1)).get('w') === w, word, { timeout: 5000 });
  const after = await page.evaluate(() => document.activeElement?.dataset?.focus ?? null);
  assert(after === reached, `after Enter the focus is on ${after}, not on the new conductor ${reached}`);
});

await test('a truncated or corrupt model file gives a message and a retry; the page stays usable', async (page) => {
  const { readFileSync } = await import('node:fs');
  const good = readFileSync(BUNDLE);
  for (const bad of [good.subarray(0, good.length >> 1), Buffer.concat([Buffer.from('garbage!'), good.subarray(8, 4096)])]) {
    let serveBad = true;
    await page.route('**/*.int8.safetensors', (route) => (serveBad ? route.fulfill({ status: 200, body: bad }) : route.continue()));
    await page.goto(`${base}#s=${encodeURIComponent('texto do aluno')}&lang=en`);
    await page.evaluate(() => caches.delete('orquestra-model-v1'));
    await page.reload();
    await page.waitForSelector('#load-error:not([hidden])', { timeout: 30_000 });
    const message = await page.textContent('#load-error-text');
    assert(/model|bundle|safetensors/i.test(message), `unclear message: ${message}`);
    assert((await page.inputValue('#text')) === 'texto do aluno', 'the text was lost');
    await page.selectOption('#lang', 'pt'); // the rest of the page still answers
    serveBad = false;
    await page.click('#retry');
    await ready(page);
    await page.unroute('**/*.int8.safetensors');
  }
});

await test('5,000 hostile attribute sets on the custom element: no uncaught error, no foreign element', async (page) => {
  await page.goto(`${base}embed.html#v=juri`);
  await page.waitForSelector('orquestra-attention .judge', { timeout: 60_000 });
  const problems = await page.evaluate(async () => {
    const w = document.getElementById('widget');
    const values = ['<img src=x onerror=alert(1)>', '-1', '99999', 'NaN', '', 'juri', 'matriz', 'modelo', 'orquestra', 'pecas', 'palavras',
      'en', 'pt', 'xx', '\u202e', '%E0%A4%A', '\u0000', 'a'.repeat(5000), '3', '0', '1e9'];
    const attrs = ['sentence', 'view', 'layer', 'head', 'word', 'units', 'lang'];
    let x = 7;
    const rand = (k) => { x = (x * 1103515245 + 12345) % 2147483648; return x % k; };
    for (let i = 0; i < 5000; i++) {
      const a = attrs[rand(attrs.length)];
      if (rand(8) === 0) w.removeAttribute(a); else w.setAttribute(a, values[rand(values.length)]);
      if (i % 250 === 0) await new Promise((r) => setTimeout(r, 150));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const out = [];
    for (const e of w.shadowRoot.querySelectorAll('*')) {
      if (['script', 'img', 'iframe', 'object', 'embed'].includes(e.localName)) out.push(e.localName);
      for (const at of e.attributes) if (/^on/i.test(at.name)) out.push(at.name);
    }
    return out;
  });
  assert(problems.length === 0, problems.join(', '));
});

await test('a second visit takes the model from the Cache API, not the network', async (page) => {
  let fetched = 0;
  const count = (r) => { if (r.url().endsWith('.safetensors')) fetched++; };
  ctx.on('request', count);
  await page.goto(base);
  await page.evaluate(() => caches.delete('orquestra-model-v1'));
  await page.reload();
  await modelReady(page);
  const first = fetched;
  await page.reload();
  await modelReady(page);
  ctx.off('request', count);
  console.log(`     model requests: first visit ${first}, second visit ${fetched - first}`);
  assert(first >= 1 && fetched === first, `first visit ${first}, then ${fetched - first}`);
});

await test('widgets on a second origin: two states render, one model download, attributes re-render', async (page) => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/orquestra-host-');
  writeFileSync(`${dir}/index.html`, `<!doctype html><meta charset="utf-8"><title>Curso</title>
    <script type="module" src="${base}www/widget.js"></script>
    <h1>Aula</h1>
    <orquestra-attention id="a" sentence="The animal didn't cross the street because it was too tired." view="juri" layer="2" lang="en"></orquestra-attention>
    <div style="width:420px"><orquestra-attention id="b" sentence="A menina estava radiante." view="orquestra" word="2" lang="pt"></orquestra-attention></div>`);
  const host = await serve(dir, 0, { csp: false }); // a teacher's site, with no policy of ours
  let downloads = 0;
  const count = (r) => { if (r.url().endsWith('.int8.safetensors')) downloads++; };
  try {
    await page.goto(`http://127.0.0.1:${host.address().port}/`);
    await page.evaluate(() => caches.delete('orquestra-model-v1'));
    await page.goto('about:blank'); // ends this visit's download, if it started
    await page.waitForTimeout(300);
    ctx.on('request', count); // from a clean cache on
    await page.goto(`http://127.0.0.1:${host.address().port}/`);
    await page.waitForSelector('#a .judge', { timeout: 60_000 });
    await page.waitForSelector('#b .conductor', { timeout: 60_000 });
    assert((await page.locator('#a .judge').count()) === 12, 'widget a: 12 judges');
    assert((await page.locator('#b .conductor').textContent()) === 'menina', 'widget b: menina conducts');
    assert(downloads === 1, `${downloads} model downloads for two widgets`);
    // An attribute change re-renders.
    const rendered = page.evaluate(() => new Promise((ok) => document.getElementById('b').addEventListener('orquestra-render', (e) => ok(e.detail.hash), { once: true })));
    await page.evaluate(() => document.getElementById('b').setAttribute('word', '4'));
    assert((await rendered).includes('w=4'), 'attribute change did not re-render');
    assert((await page.locator('#b .conductor').textContent()) === 'radiante', 'widget b after the change');
    // A user change is announced.
    const changed = page.evaluate(() => new Promise((ok) => document.getElementById('a').addEventListener('orquestra-change', (e) => ok(e.detail.hash), { once: true })));
    await page.locator('#a [role=tab] >> nth=2').click();
    assert((await changed).includes('v=matriz'), 'no change event');
    assert((await page.evaluate(() => document.getElementById('a').getAttribute('view'))) === 'matriz', 'state not reflected');
  } finally {
    ctx.off('request', count);
    host.close();
  }
});

await test('the iframe embed restores a share link', async (page) => {
  await page.goto(`${base}embed.html#s=${encodeURIComponent('Olá, mundo bonito!')}&v=matriz&l=2&h=3&w=1&u=pecas&lang=en`);
  await page.waitForSelector('orquestra-attention canvas', { timeout: 60_000 });
  assert((await page.locator('orquestra-attention [role=tab][aria-selected=true]').textContent()) === 'Matrix', 'view');
  // (the layer and head first; the model and units behind "More options")
  assert((await page.locator('orquestra-attention select >> nth=0').inputValue()) === '1', 'layer');
  assert((await page.locator('orquestra-attention select >> nth=1').inputValue()) === '2', 'head');
  assert((await page.locator('orquestra-attention select >> nth=2').inputValue()) === 'minilm', 'model');
  assert((await page.locator('orquestra-attention select >> nth=3').inputValue()) === 'pecas', 'units');
  await page.locator('orquestra-attention [role=tab] >> nth=0').click();
  await page.waitForFunction(() => location.hash.includes('v=orquestra'));
});

await test('export: the SVG parses as XML with the words; the PNG is twice the view', async (page) => {
  // Markup and a control character (%01, which XML forbids even escaped) in the sentence.
  const s = 'A menina <b>estava</b> radi\u0001ante & feliz.';
  for (const v of ['orquestra', 'juri', 'matriz', 'modelo']) {
    await page.goto(`${base}#s=${encodeURIComponent(s)}&v=${v}&lang=pt`);
    await ready(page);
    const [svgFile] = await Promise.all([page.waitForEvent('download'), page.click('#export-svg')]);
    const svg = (await import('node:fs')).readFileSync(await svgFile.path(), 'utf8');
    const check = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return { error: doc.querySelector('parsererror')?.textContent ?? null, text: doc.documentElement.textContent, root: doc.documentElement.localName };
    }, svg);
    assert(!check.error && check.root === 'svg', `${v}: not XML: ${check.error}`);
    for (const word of ['menina', 'radiante', 'feliz']) assert(check.text.includes(word), `${v}: the SVG lacks ${word}`);
    assert(!svg.includes('<b>'), `${v}: markup from the sentence leaked`);
    const [pngFile] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
    const png = (await import('node:fs')).readFileSync(await pngFile.path());
    const viewWidth = await page.evaluate(() => Math.round(document.getElementById('view').clientWidth));
    assert(png.readUInt32BE(16) === 2 * viewWidth, `${v}: PNG is ${png.readUInt32BE(16)} px wide, view ${viewWidth} CSS px`);
  }
});

await test('make dist: the static site works under a sub-path', async (page) => {
  const { existsSync } = await import('node:fs');
  assert(existsSync('dist/index.html'), 'run make dist first (make test does)');
  await page.goto(`${base}dist/index.html#v=juri&lang=en`);
  await ready(page);
  assert((await page.$$('.judge')).length === 12, 'dist page');
  await page.goto(`${base}dist/embed.html#v=matriz`);
  await page.waitForSelector('orquestra-attention canvas', { timeout: 60_000 });
});

await test('offline after one visit: with the server stopped, a reload runs a new sentence on both models', async () => {
  // Its own server, stopped after the first visit: nothing (page, service worker, engine worker)
  // can reach the network then, whatever target it runs in.
  const site = await serve('.', 0);
  const url = `http://127.0.0.1:${site.address().port}/`;
  const browser = await launch();
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const runs = [ // sentences no example holds: only the live engine can draw them
    ['minilm', 'all-MiniLM-L6-v2.int8', 'Offline the model still reads this new line.'],
    ['e5pt', 'e5-small-enpt.q4_0', 'Sem rede, o modelo ainda lê esta frase nova.'],
  ];
  const modelKeys = () => page.evaluate(async () => (await (await caches.open('orquestra-model-v1')).keys()).map((r) => r.url.split('/').pop()));
  try {
    // First visit: each model loads once (the engine's worker caches what it accepted).
    for (const [m] of runs) {
      await page.goto('about:blank');
      await page.goto(`${url}#m=${m}&v=orquestra&lang=en`);
      await modelReady(page);
    }
    for (const start = Date.now(); (await modelKeys()).length < 2;) {
      if (Date.now() - start > 20_000) throw new Error(`models cached: ${await modelKeys()}`);
      await page.waitForTimeout(200);
    }
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await page.reload(); // now controlled by the service worker
    await modelReady(page);
    assert(await page.evaluate(() => !!navigator.serviceWorker.controller), 'no service worker in control');
    const cached = await modelKeys();
    for (const [, file] of runs) assert(cached.some((k) => k.startsWith(file)), `${file} not cached: ${cached}`);

    // The network goes: the server stops and its open connections are cut.
    await new Promise((ok) => { site.close(ok); site.closeAllConnections(); });
    const probe = `${url}README.md?offline=${Date.now()}`; // a file no cache holds
    const reach = (u) => fetch(u).then((r) => `HTTP ${r.status}`, () => 'refused');
    const [sw] = browser.serviceWorkers();
    assert(sw, 'no service worker target');
    const where = { page: await page.evaluate(reach, probe), 'service worker': await sw.evaluate(reach, probe) };
    const engine = page.workers().find((w) => w.url().endsWith('/engine/worker.js'));
    assert(engine, `no engine worker among ${page.workers().map((w) => w.url())}`);
    where['engine worker'] = await engine.evaluate(reach, probe);
    assert(Object.values(where).every((r) => r === 'refused'), `the network is still there: ${JSON.stringify(where)}`);

    // A reload per model, each with a new sentence: the view draws the engine's live run.
    for (const [m, file, s] of runs) {
      const { tokens } = JSON.parse(execFileSync('target/release/orquestra', ['attention', '--model', `models/${file}.safetensors`, '--out', '/tmp/orquestra-e2e-offline.npy', s]));
      await page.goto('about:blank');
      const t0 = Date.now();
      await page.goto(`${url}#m=${m}&s=${encodeURIComponent(s)}&v=orquestra&lang=en`);
      // (a model that cannot load says so in #load-error: that ends the wait too)
      await page.waitForFunction((n) => document.getElementById('summary')?.textContent.startsWith(`${n} pieces`)
        || !document.getElementById('load-error')?.hidden, tokens.length, { timeout: 60_000 });
      assert(await page.isHidden('#load-error'), `${m}: ${await page.textContent('#load-error')}`);
      await page.waitForSelector('.strip', { timeout: 10_000 }); // the q, k and v values: a live run
      assert((await page.inputValue('#model')) === m, `${m}: the page shows ${await page.inputValue('#model')}`);
      const seen = await page.textContent('#view');
      assert(s.split(/[ ,.]+/).filter(Boolean).every((w) => seen.includes(w)), `${m}: the view lacks words of the sentence: ${seen.slice(0, 200)}`);
      console.log(`     offline, ${m}: ${tokens.length} pieces drawn in ${Date.now() - t0} ms`);
    }
    // Without the service worker the same reload has nothing to load from.
    await page.evaluate(async () => { for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister(); });
    await page.goto('about:blank');
    const failed = await page.goto(`${url}#m=minilm&lang=en`).then(() => null, (e) => e.message.split('\n')[0]);
    assert(failed, 'the page loaded with no service worker and no server: the test above proves nothing');
    assert(errors.length === 0, `uncaught: ${errors.join('; ')}`);
  } finally {
    await browser.close();
    site.close();
  }
});

for (const [host, cacheOf] of [['max-age on everything', () => 'max-age=600'], ['max-age on .js only', (p) => (p.endsWith('.js') ? 'max-age=600' : 'no-cache')]]) {
  await test(`a new build reaches a returning visitor through the service worker (${host})`, async () => {
    const { mkdtempSync, cpSync, appendFileSync, readFileSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/orquestra-update-');
    cpSync('dist', dir, { recursive: true });
    const site = await serve(dir, 0, { cache: cacheOf });
    const url = `http://127.0.0.1:${site.address().port}/`;
    const browser = await launch();
    const page = await browser.newPage();
    try {
      await page.goto(`${url}#v=orquestra&lang=en`);
      await modelReady(page);
      await page.evaluate(async () => { await navigator.serviceWorker.ready; });
      await page.reload(); // the visitor returns, controlled by the first build's worker
      await modelReady(page);
      // A new build: the glue JS and the wasm change (a custom section keeps the wasm valid).
      appendFileSync(`${dir}/www/app.js`, '\n// build 2\n');
      for (const b of ['relaxed', 'simd', 'nosimd']) appendFileSync(`${dir}/www/pkg/${b}/orquestra_bg.wasm`, Buffer.from([0, 5, 4, 0x62, 0x32, 0x62, 0x32]));
      execFileSync('node', ['scripts/make_sw.mjs', dir], { stdio: 'ignore' });
      const version = /const VERSION = '([0-9a-f]+)'/.exec(readFileSync(`${dir}/sw.js`, 'utf8'))[1];
      await page.reload();
      // The new worker has installed and activated once the old build's cache is gone.
      const appCaches = () => page.evaluate(async () => (await caches.keys()).filter((n) => n.startsWith('orquestra-app-')).join());
      for (const start = Date.now(); (await appCaches()) !== `orquestra-app-${version}`;) {
        if (Date.now() - start > 30_000) throw new Error(`the new build never took over: ${await appCaches()}`);
        await page.waitForTimeout(200);
      }
      const cached = await page.evaluate(async (v) => {
        const c = await caches.open(`orquestra-app-${v}`);
        const app = await (await c.match('www/app.js', { ignoreSearch: true })).text();
        const wasm = await (await c.match('www/pkg/simd/orquestra_bg.wasm', { ignoreSearch: true })).arrayBuffer();
        return { build2: app.includes('// build 2'), wasmBytes: wasm.byteLength };
      }, version);
      const want = readFileSync(`${dir}/www/pkg/simd/orquestra_bg.wasm`).length;
      assert(cached.build2 && cached.wasmBytes === want, `the new cache holds old files: ${JSON.stringify(cached)}, wasm on disk ${want}`);
      await page.reload();
      await modelReady(page); // the new build runs
    } finally {
      await browser.close();
      site.close();
    }
  });
}

await test('the cached model follows the build: a new model at the same URL arrives, a planted file is refused', async () => {
  const { mkdtempSync, cpSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/orquestra-models-');
  cpSync('dist', dir, { recursive: true });
  const site = await serve(dir, 0);
  const url = `http://127.0.0.1:${site.address().port}/`;
  const browser = await launch({ serviceWorkers: 'block' });
  const page = await browser.newPage();
  const status = () => page.textContent('#status');
  try {
    await page.goto(`${url}#s=oi&lang=en&m=minilm`);
    await modelReady(page);
    assert((await status()).includes('int8'), await status());
    // Something on the origin files another bundle under the model's cache entry.
    await page.evaluate(async () => {
      const cache = await caches.open('orquestra-model-v1');
      const [key] = (await cache.keys()).filter((r) => r.url.includes('MiniLM'));
      const other = await (await fetch('models/e5-small-enpt.q4_0.safetensors')).arrayBuffer();
      await cache.put(key, new Response(other));
    });
    await page.reload();
    await modelReady(page);
    assert((await status()).includes('int8'), `a planted bundle was taken for the model: ${await status()}`);
    // Bytes no engine can read, planted the same way, are replaced too (not reported as a bad model).
    await page.evaluate(async () => {
      const cache = await caches.open('orquestra-model-v1');
      const [key] = (await cache.keys()).filter((r) => r.url.includes('MiniLM'));
      await cache.put(key, new Response(new Uint8Array(4096).fill(7)));
    });
    await page.reload();
    await modelReady(page);
    assert((await status()).includes('int8'), `planted garbage was not replaced: ${await status()}`);
    // A new build ships another MiniLM bundle (f16) at the same URL.
    execFileSync('target/release/orquestra', ['convert', '--model', 'models/all-MiniLM-L6-v2', '--precision', 'f16', '--out', `${dir}/models/all-MiniLM-L6-v2.int8.safetensors`], { stdio: 'ignore' });
    execFileSync('node', ['scripts/make_manifest.mjs', dir], { stdio: 'ignore' });
    await page.reload();
    await modelReady(page);
    assert((await status()).includes('f16'), `the returning visitor kept the old model: ${await status()}`);
    const keys = await page.evaluate(async () => (await (await caches.open('orquestra-model-v1')).keys()).length);
    assert(keys === 1, `${keys} cached copies (the old one stays)`);
  } finally {
    await browser.close();
    site.close();
  }
});

await test('the lesson: nine steps, each a real widget state with its own link', async (page) => {
  await page.goto(`${base}aula.html#passo=1&lang=pt`);
  await page.waitForSelector('orquestra-attention .conductor', { timeout: 60_000 });
  assert((await page.locator('orquestra-attention .conductor').textContent()) === 'radiante', 'step 1 focus');
  for (let n = 2; n <= 6; n++) {
    await page.click('#next');
    await page.waitForFunction((k) => location.hash.startsWith(`#passo=${k}`), n);
  }
  await page.waitForSelector('orquestra-attention .thumb', { timeout: 20_000 });
  assert(!(await page.isDisabled('#next')), 'step 6 leads on to the model that writes');
  await page.goto(`${base}aula.html#passo=9&lang=pt`);
  assert(await page.isDisabled('#next'), 'the last step has no next');
  assert((await page.textContent('#lesson-count')).includes('9'), await page.textContent('#lesson-count'));
  await page.goto(`${base}aula.html#passo=5&lang=en`);
  await page.waitForSelector('orquestra-attention .judge', { timeout: 60_000 });
  assert((await page.textContent('#lesson-step-title')) === 'A jury of heads', 'a step link opens its step');
  await page.screenshot({ path: 'test-artifacts/aula-5-en.png', fullPage: true });
});

await test('the lesson: steps 7-9 open the model that writes by link (causal orchestra, next word, Write) and show the measured numbers; axe clean', async (page) => {
  const attrs = () => page.$eval('orquestra-attention', (w) => `${w.getAttribute('model')} ${w.getAttribute('view')}`);
  const axe = async (where) => {
    await page.addScriptTag({ url: '/node_modules/axe-core/axe.min.js' });
    const violations = await page.evaluate(async () => (await window.axe.run(document)).violations.map((x) => `${x.id} × ${x.nodes.length}: ${x.nodes[0]?.target}`));
    assert(!violations.length, `${where}: ${violations.join(', ')}`);
  };
  // 7: the causal mask: "France" conducts, "is" is not yet written, "The" takes 47.5% (orquestra attention, layer 3 head 1)
  await page.goto(`${base}aula.html#passo=7&lang=en`);
  await page.waitForSelector('orquestra-attention .musician.future', { timeout: 120_000 });
  assert((await attrs()) === 'smollm orquestra', `step 7 opens ${await attrs()}`);
  assert((await page.locator('orquestra-attention .conductor').textContent()).trim() === 'France', 'step 7: France conducts');
  assert((await page.locator('orquestra-attention .musician.future').count()) === 1, 'step 7: one word not yet written');
  const seven = await page.$eval('orquestra-attention', (w) => w.shadowRoot.querySelector('.view').textContent);
  assert(seven.includes('47.5%'), `step 7 does not show 47.5%: ${seven.slice(0, 300)}`);
  assert(seven.includes('The word after it (grey, no number) was not yet written'), `step 7: the note for one word after: ${seven.slice(0, 300)}`);
  await page.screenshot({ path: 'test-artifacts/aula-7-en.png', fullPage: true });
  await axe('step 7 en');
  // 7 in Portuguese: Gemma 3 270M; "subiu" conducts, "no telhado porque" not yet written, "gato"
  // takes 53.1% and <bos> 24.1% (orquestra attention on the page's Gemma, layer 9 head 3, word mode)
  await page.goto(`${base}aula.html#passo=7&lang=pt`); // (a hash change: the widget of step 7 en is still there a moment)
  await page.waitForFunction(() => document.querySelector('orquestra-attention')?.shadowRoot.querySelector('.conductor')?.textContent.trim() === 'subiu', null, { timeout: 120_000 });
  assert((await attrs()) === 'gemma orquestra', `step 7 pt opens ${await attrs()}`);
  assert((await page.locator('orquestra-attention .conductor').textContent()).trim() === 'subiu', 'step 7 pt: subiu conducts');
  assert((await page.locator('orquestra-attention .musician.future').count()) === 3, 'step 7 pt: three words not yet written');
  const sevenPt = await page.$eval('orquestra-attention', (w) => w.shadowRoot.querySelector('.view').textContent);
  assert(sevenPt.includes('53,1%') && sevenPt.includes('24,1%'), `step 7 pt does not show 53,1% and 24,1%: ${sevenPt.slice(0, 300)}`);
  assert((await page.textContent('#lesson-text')).includes('53,1%'), 'the text of step 7 pt');
  assert(await page.$eval('orquestra-attention', (w) => Boolean(w.shadowRoot.querySelector('.model-about a'))), 'step 7 pt: no link to Gemma\'s terms');
  await page.screenshot({ path: 'test-artifacts/aula-7-pt.png', fullPage: true });
  await axe('step 7 pt');
  // 8: the next word: " Paris" 77.3% (SmolLM2, en); " o" 18.8% after "O gato subiu no telhado
  // porque" (Gemma, pt) (orquestra generate --top 5)
  for (const lang of ['en', 'pt']) {
    await page.goto(`${base}aula.html#passo=8&lang=${lang}`);
    await page.waitForFunction((text) => { const r = document.querySelector('orquestra-attention')?.shadowRoot; return r?.querySelectorAll('.next-bar').length === 10 && r.querySelector('.next-after q')?.textContent === text && !r.querySelector('.next-bars.stale'); }, lang === 'en' ? 'The capital of France is' : 'O gato subiu no telhado porque', { timeout: 120_000 });
    assert((await attrs()) === (lang === 'en' ? 'smollm proxima' : 'gemma proxima'), `step 8 opens ${await attrs()}`);
    const values = await page.$eval('orquestra-attention', (w) => [...w.shadowRoot.querySelectorAll('.next-bar .bar-value')].slice(0, 3).map((x) => x.textContent).join(' '));
    assert(lang === 'en' ? values.startsWith('77.3%') : values === '18,8% 15,3% 8,8%', `step 8 (${lang}): the first guesses show ${values}`);
    await page.screenshot({ path: `test-artifacts/aula-8-${lang}.png`, fullPage: true });
    await axe(`step 8 ${lang}`);
  }
  // 9: Write: ten greedy tokens after "Once upon a time" (orquestra generate --tokens 10)
  await page.goto(`${base}aula.html#passo=9&lang=en`);
  await page.waitForFunction(() => document.querySelector('orquestra-attention')?.shadowRoot.querySelector('.write-button:not(.stop)') && document.querySelector('orquestra-attention').shadowRoot.querySelectorAll('.next-bar').length === 10, null, { timeout: 120_000 });
  assert((await page.$eval('orquestra-attention', (w) => w.getAttribute('write'))) === '10', 'step 9 writes ten tokens');
  await page.locator('orquestra-attention .write-button').click();
  await page.waitForFunction(() => { const r = document.querySelector('orquestra-attention').shadowRoot; return !r.querySelector('.write-button.stop') && r.querySelector('.written-status'); }, null, { timeout: 60_000 });
  const written = await page.$eval('orquestra-attention', (w) => [...w.shadowRoot.querySelectorAll('.written-tok')].map((x) => x.textContent).join(''));
  assert(written === ', the city of Nova Haven was a thriving metropolis', `step 9 wrote ${JSON.stringify(written)}`);
  await page.waitForFunction(() => { const r = document.querySelector('orquestra-attention').shadowRoot; return r.querySelector('.next-bars') && !r.querySelector('.next-bars.stale'); }, null, { timeout: 30_000 }); // the guesses after the writing
  await page.screenshot({ path: 'test-artifacts/aula-9-en.png', fullPage: true });
  await axe('step 9 en');
  // 9 in Portuguese: ten greedy tokens after "Era uma vez" (orquestra generate on the page's Gemma)
  await page.goto(`${base}aula.html#passo=9&lang=pt`);
  await page.waitForFunction(() => { const r = document.querySelector('orquestra-attention')?.shadowRoot; return r?.querySelector('.write-button:not(.stop)') && r.querySelectorAll('.next-bar').length === 10 && r.querySelector('.next-after q')?.textContent === 'Era uma vez' && !r.querySelector('.next-bars.stale'); }, null, { timeout: 120_000 });
  assert((await attrs()) === 'gemma proxima', `step 9 pt opens ${await attrs()}`);
  await page.locator('orquestra-attention .write-button').click();
  await page.waitForFunction(() => { const r = document.querySelector('orquestra-attention').shadowRoot; return !r.querySelector('.write-button.stop') && r.querySelector('.written-status'); }, null, { timeout: 60_000 });
  const escrito = await page.$eval('orquestra-attention', (w) => [...w.shadowRoot.querySelectorAll('.written-tok')].map((x) => x.textContent).join(''));
  assert(escrito === ', quando o tempo estava mais frio, o vento', `step 9 pt wrote ${JSON.stringify(escrito)}`);
  assert((await page.textContent('#lesson-text')).includes(escrito), 'the text of step 9 pt does not say what is written');
  await page.waitForFunction(() => { const r = document.querySelector('orquestra-attention').shadowRoot; return r.querySelector('.next-bars') && !r.querySelector('.next-bars.stale'); }, null, { timeout: 30_000 }); // the guesses after the writing
  await page.screenshot({ path: 'test-artifacts/aula-9-pt.png', fullPage: true });
  await page.goto(`${base}aula.html#passo=6&lang=en`); // back to the encoders: the writing attributes are gone
  await page.waitForSelector('orquestra-attention .thumb', { timeout: 60_000 });
  assert(!(await page.$eval('orquestra-attention', (w) => w.hasAttribute('write'))), 'step 6 kept step 9\'s write');
});

await test('instant first view: an example is interactive before the model arrives', async (page) => {
  let release;
  const held = new Promise((ok) => { release = ok; });
  await page.route('**/*.safetensors', async (route) => { await held; await route.continue(); });
  await page.goto(base);
  await page.evaluate(() => caches.delete('orquestra-model-v1'));
  await page.reload();
  await page.waitForSelector('.conductor', { timeout: 20_000 }); // drawn from presets.json
  assert(!(await page.isHidden('#progress')), 'the model had already arrived');
  assert((await page.$$('.strip')).length === 0, 'a melody before the values arrived');
  await page.locator('.musician').nth(5).locator('circle').click(); // interactive
  await page.waitForFunction(() => location.hash.includes('w=5'));
  await page.click('#views button >> nth=1');
  await page.waitForSelector('.judge');
  release();
  await page.click('#views button >> nth=0');
  await page.waitForSelector('.strip', { timeout: 60_000 }); // the live model took over
  await page.unroute('**/*.safetensors');
});

const ARTICLE = 'A menina que, depois de uma longa caminhada pelo parque, adotou vários cachorros de rua, estava radiante.';

await test('a fresh visit opens the multilingual model; switching models keeps the sentence, view and focused word', async (page) => {
  await page.goto(base);
  await modelReady(page);
  assert((await hashOf(page)).includes('m=e5pt'), `a fresh visit: ${await hashOf(page)}`);
  assert(await page.isHidden('#english-note'), 'the English-model note shows on the multilingual model');
  await page.goto(`${base}#s=${encodeURIComponent(ARTICLE)}&v=juri&l=12&h=1&w=20&m=e5pt&lang=en`);
  await page.waitForFunction(() => document.getElementById('summary').textContent.startsWith('29 pieces'), null, { timeout: 60_000 });
  assert((await page.textContent('.verdict')).includes('focus on radiante'), 'radiante in focus');
  assert((await page.textContent('.judge .label')).length > 0 && !(await page.textContent('#view')).includes('[CLS]'), 'the jury names [CLS] on e5');
  await page.selectOption('#model', 'minilm');
  await page.waitForFunction(() => document.getElementById('summary').textContent.startsWith('42 pieces'), null, { timeout: 60_000 });
  const hash = await hashOf(page);
  assert(hash.includes('m=minilm') && hash.includes('v=juri') && hash.includes('w=20') && hash.includes('l=6'), `after the switch: ${hash}`);
  assert((await page.inputValue('#text')) === ARTICLE, 'the sentence');
  assert((await page.textContent('.verdict')).includes('focus on radiante'), 'the focused word');
  assert(!(await page.isHidden('#english-note')), 'the English-model note on MiniLM');
  assert((await page.locator('#layer option').count()) === 6, 'MiniLM has 6 layers');
  await page.selectOption('#model', 'e5pt');
  await page.waitForFunction(() => document.getElementById('summary').textContent.startsWith('29 pieces'), null, { timeout: 60_000 });
  assert((await page.locator('#layer option').count()) === 12, 'e5 has 12 layers');
  assert((await hashOf(page)).includes('w=20'), 'the focus survives the way back');
  // In pieces the two models number differently: the focus follows the text, not the number.
  await page.goto(`${base}#s=${encodeURIComponent(ARTICLE)}&v=juri&l=12&h=1&w=22&u=pecas&m=e5pt&lang=en`);
  await page.waitForFunction(() => document.getElementById('summary').textContent.startsWith('29 pieces'), null, { timeout: 60_000 });
  const piece = (await page.textContent('.verdict')).match(/focus on (\S+)/)?.[1];
  await page.selectOption('#model', 'minilm');
  await page.waitForFunction(() => document.getElementById('summary').textContent.startsWith('42 pieces'), null, { timeout: 60_000 });
  const after = (await page.textContent('.verdict')).match(/focus on (\S+)/)?.[1];
  assert(piece && after && after.replace(/^#+/, '').length && piece.replace(/^▁/, '').toLowerCase().startsWith(after.replace(/^#+/, '').toLowerCase().slice(0, 2)), `the focused piece ${piece} became ${after}`);
});

await test('510 items: no main-thread task over 200 ms opening any view, none over 100 ms for a focus, layer or head change', async () => {
  const long = `${base}#s=${encodeURIComponent('a.'.repeat(600))}&m=e5pt&lang=en`;
  const report = [];
  for (const v of ['orquestra', 'juri', 'matriz', 'modelo']) {
    const page = await ctx.newPage();
    try {
      await page.addInitScript(() => {
        window.longTasks = [];
        new PerformanceObserver((l) => { for (const e of l.getEntries()) window.longTasks.push(Math.round(e.duration)); }).observe({ type: 'longtask', buffered: true });
      });
      await page.goto(`${long}&v=${v}`);
      await modelReady(page);
      await page.waitForFunction(() => document.getElementById('summary').textContent.startsWith('512 pieces'), null, { timeout: 60_000 });
      await page.waitForTimeout(1000);
      const taken = () => page.evaluate(() => { const l = window.longTasks; window.longTasks = []; return Math.max(0, ...l); });
      const open = await taken();
      const changes = [];
      for (const act of [() => page.keyboard.press('ArrowRight'), () => page.selectOption('#layer', '2'), () => page.selectOption('#head', '5')]) {
        await act();
        await page.waitForTimeout(800);
        changes.push(await taken());
      }
      report.push(`${v} open ${open} ms, focus/layer/head ${changes.join('/')} ms`);
      assert(open <= 200 && Math.max(...changes) <= 100, report.at(-1));
    } finally {
      await page.close();
    }
  }
  console.log(`     longest tasks at 510 items: ${report.join('; ')}`);
});

await test('exports at 510 items: every view writes an SVG of a few MB and a PNG', async (page) => {
  const { readFileSync } = await import('node:fs');
  const sizes = [];
  for (const v of ['orquestra', 'juri', 'matriz', 'modelo']) {
    await page.goto(`${base}#s=${encodeURIComponent('a.'.repeat(600))}&m=e5pt&v=${v}&lang=en`);
    await modelReady(page);
    await page.waitForFunction(() => document.getElementById('summary').textContent.startsWith('512 pieces'), null, { timeout: 60_000 });
    const [svgFile] = await Promise.all([page.waitForEvent('download'), page.click('#export-svg')]);
    const bytes = readFileSync(await svgFile.path()).length;
    sizes.push(`${v} ${(bytes / 1e6).toFixed(2)} MB`);
    assert(bytes < 5e6, `${v}: the SVG is ${bytes} bytes`);
    const [pngFile] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
    assert(readFileSync(await pngFile.path()).readUInt32BE(0) === 0x89504e47, `${v}: not a PNG`);
  }
  console.log(`     SVG exports at 510 items: ${sizes.join(', ')}`);
});

await test('a 2 MB paste: the box keeps it, the link carries 2,000 characters with a notice, and the latest text wins', async (page) => {
  await page.goto(`${base}#s=oi&lang=en&m=e5pt`);
  await modelReady(page);
  const type = (text) => page.evaluate((s) => {
    const box = document.getElementById('text');
    box.value = s;
    box.dispatchEvent(new Event('input'));
  }, text);
  const big = 'A menina que adotou vários cachorros estava radiante. '.repeat(40_000);
  const start = Date.now();
  await type(big);
  await page.waitForFunction(() => document.getElementById('summary').textContent.startsWith('512 pieces'), null, { timeout: 30_000 });
  const first = Date.now() - start;
  assert((await page.evaluate(() => document.getElementById('text').value.length)) === big.length, 'the box lost text');
  assert((await hashOf(page)).length < 20_000, `the link carries ${(await hashOf(page)).length} characters`);
  assert(/first 2000 characters/.test(await page.textContent('#notice')), 'no notice that the link was cut');
  // Ten edits 300 ms apart, then a short sentence: it shows without waiting for the ten.
  for (let i = 0; i < 10; i++) { await type(`${i} ${big}`); await page.waitForTimeout(300); }
  const t0 = Date.now();
  await type('O gato dorme.');
  await page.waitForFunction(() => document.getElementById('summary').textContent.startsWith('7 pieces'), null, { timeout: 30_000 });
  const last = Date.now() - t0;
  console.log(`     2 MB text: first view after ${first} ms; the last of ten quick edits after ${last} ms`);
  assert(last < 5000, `the last sentence waited ${last} ms`);
});

await test('a 3e7-character word in the text box: kept in the box, the engine reads a prefix with a notice, words shown cut, no task over 200 ms', async (page) => {
  await page.goto(`${base}#m=minilm&s=hello&lang=en`);
  await modelReady(page);
  await showTable(page);
  // The paste itself: the browser lays out 3e7 characters in the box once (seconds, its own
  // work); what the page then does is measured: its tasks, and the gaps in a 20 ms heartbeat.
  await page.evaluate(() => { document.getElementById('text').value = 'a'.repeat(3e7); });
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(ok)))));
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((l) => window.longTasks.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
    window.gaps = [];
    let last = performance.now();
    window.beat = setInterval(() => { const now = performance.now(); window.gaps.push(now - last); last = now; }, 20);
  });
  const start = Date.now();
  await page.evaluate(() => document.getElementById('text').dispatchEvent(new Event('input')));
  await page.waitForFunction(() => /first 131,072 characters/.test(document.getElementById('summary').textContent), null, { timeout: 30_000 });
  const ms = Date.now() - start;
  await page.waitForTimeout(500);
  const long = await page.evaluate(() => window.longTasks);
  const gap = await page.evaluate(() => { clearInterval(window.beat); return Math.max(...window.gaps); });
  const shown = await page.evaluate(() => ({
    box: document.getElementById('text').value.length,
    longestText: Math.max(...[...document.querySelectorAll('#view *, #table *')].map((e) => [...e.childNodes].filter((n) => n.nodeType === 3).reduce((m, n) => Math.max(m, n.length), 0))),
    table: document.getElementById('table').textContent,
  }));
  console.log(`     3e7 characters: the view after ${ms} ms; long tasks ${long.map((d) => d.toFixed(0)).join(', ') || 'none'}; longest heartbeat gap ${gap.toFixed(0)} ms; longest text node ${shown.longestText}`);
  assert(shown.box === 3e7, `the box holds ${shown.box} characters`);
  assert(shown.longestText <= 200, `a text node of ${shown.longestText} characters`);
  assert(/131,072 characters/.test(shown.table), 'the table does not give the word\'s length');
  assert(long.every((d) => d <= 200), `long tasks: ${long.map((d) => d.toFixed(0)).join(', ')} ms`);
  assert(gap <= 220, `the main thread was held ${gap.toFixed(0)} ms`);
  // The link carries its first 2,000 characters, as before.
  assert((await hashOf(page)).length < 10_000, 'the link carries the whole text');
});

await test('widget resources: engines no widget uses stop, a bad model-src is said, a blank one is ignored, the cache stays bounded', async (page) => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/orquestra-host-');
  writeFileSync(`${dir}/index.html`, `<!doctype html><meta charset="utf-8"><title>Curso</title>
    <script type="module" src="${base}www/widget.js"></script>
    <orquestra-attention id="w" sentence="A menina estava radiante." lang="en"></orquestra-attention>`);
  const host = await serve(dir, 0, { csp: false });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(`http://127.0.0.1:${host.address().port}/`);
    const summary = () => page.evaluate(() => document.getElementById('w').shadowRoot.querySelector('.summary').textContent);
    await page.waitForFunction(() => document.getElementById('w').shadowRoot.querySelector('.conductor'), null, { timeout: 60_000 });
    for (let v = 1; v <= 8; v++) { // eight distinct URLs of the same bundle
      await page.evaluate((src) => document.getElementById('w').setAttribute('model-src', src), `${base}models/all-MiniLM-L6-v2.int8.safetensors?v=${v}`);
      await page.waitForFunction(() => !/Downloading/.test(document.getElementById('w').shadowRoot.querySelector('.summary').textContent), null, { timeout: 60_000 });
      await page.waitForTimeout(300);
    }
    await page.waitForTimeout(500);
    assert(page.workers().length <= 2, `${page.workers().length} engine workers for one widget`);
    const cached = await page.evaluate(async () => (await (await caches.open('orquestra-model-v1')).keys()).length);
    assert(cached <= 3, `${cached} models in the cache`);
    await page.evaluate(() => document.getElementById('w').setAttribute('model-src', 'http://[::1'));
    await page.waitForFunction(() => /not a valid address/.test(document.getElementById('w').shadowRoot.querySelector('.summary').textContent));
    await page.evaluate(() => document.getElementById('w').setAttribute('model-src', '   '));
    await page.waitForFunction(() => /^10 pieces/.test(document.getElementById('w').shadowRoot.querySelector('.summary').textContent), null, { timeout: 60_000 });
    assert(!errors.length, errors.join('; '));
    console.log(`     after 8 model-src values: ${page.workers().length} worker(s), ${cached} cached model(s); ${await summary()}`);
  } finally {
    host.close();
  }
});

await test("the truncation notice names the model's own limit: a model-src of 24 positions says 24, in both languages", async (page) => {
  const words = Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ');
  const site = await hostWidget(page, { sentence: words, lang: 'en', 'model-src': 'tiny.safetensors' }, { 'tiny.safetensors': tinyBundle() });
  try {
    await page.goto(site.url);
    await page.waitForFunction(() => /^24 pieces/.test(document.getElementById('w').shadowRoot.querySelector('.summary').textContent), null, { timeout: 60_000 });
    const en = await site.summary();
    assert(/over 24 pieces/.test(en) && !/512/.test(en), `the notice: ${en}`);
    await page.evaluate(() => document.getElementById('w').setAttribute('lang', 'pt'));
    await page.waitForFunction(() => /passou de 24 peças/.test(document.getElementById('w').shadowRoot.querySelector('.summary').textContent), null, { timeout: 20_000 });
  } finally {
    site.host.close();
  }
});

await test('model-src: 400 MB that is no bundle stops at its header, in the reader\'s language, and nothing is cached; a file swapped on the host arrives on reload', async (page) => {
  const { truncateSync, copyFileSync } = await import('node:fs');
  const site = await hostWidget(page, { sentence: 'a menina', lang: 'pt', 'model-src': 'big.bin' });
  site.write('big.bin', Buffer.alloc(0));
  truncateSync(`${site.dir}/big.bin`, 400e6); // 400 MB of zeros (a sparse file)
  try {
    await page.goto(site.url);
    await page.evaluate(() => caches.delete('orquestra-model-v1'));
    const start = Date.now();
    await page.reload();
    await page.waitForFunction(() => /não é um modelo do Orquestra/.test(document.getElementById('w').shadowRoot.querySelector('.summary').textContent), null, { timeout: 30_000 });
    const ms = Date.now() - start;
    const cached = await page.evaluate(async () => (await (await caches.open('orquestra-model-v1')).keys()).map((r) => r.url));
    console.log(`     400 MB of zeros refused after ${ms} ms: ${await site.summary()}`);
    assert(ms < 1500, `the refusal took ${ms} ms`);
    assert(!cached.some((u) => u.includes('big.bin')), `cached: ${cached}`);
    // Swapped on the host: the tiny model (2 layers), then MiniLM (6) at the same URL.
    site.write('swap.safetensors', tinyBundle());
    const layers = () => page.evaluate(() => document.getElementById('w').shadowRoot.querySelectorAll('select')[0].options.length);
    await page.evaluate(() => document.getElementById('w').setAttribute('model-src', 'swap.safetensors'));
    await page.waitForFunction(() => /^\d+ peças/.test(document.getElementById('w').shadowRoot.querySelector('.summary').textContent), null, { timeout: 30_000 });
    assert((await layers()) === 2, `before the swap: ${await layers()} layers`);
    copyFileSync(BUNDLE, `${site.dir}/swap.safetensors`);
    for (let visit = 0; visit < 2; visit++) {
      await page.reload();
      await page.evaluate(() => document.getElementById('w').setAttribute('model-src', 'swap.safetensors'));
      await page.waitForFunction(() => /^\d+ peças/.test(document.getElementById('w').shadowRoot.querySelector('.summary').textContent), null, { timeout: 60_000 });
    }
    assert((await layers()) === 6, `after the swap and two reloads: ${await layers()} layers (the old model)`);
  } finally {
    site.host.close();
  }
});

await test('every line of the orchestra composes from its own numbers, in pieces and in words', async (page) => {
  const labels = () => page.$$eval('#view .musician', (gs) => gs.map((g) => g.getAttribute('aria-label').split(' — ')[1]));
  const rows = () => page.$$eval('#table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  // Pieces: q·k ÷ √32 is the scaled score, and softmax of the scaled column is the weight.
  await page.goto(`${base}#s=${encodeURIComponent(ARTICLE)}&v=orquestra&l=12&h=1&w=25&u=pecas&m=e5pt&lang=en`);
  await modelReady(page);
  await showTable(page);
  for (const line of await labels()) {
    const [, qk, d, scaled] = line.match(/q·k = (-?[\d.]+); ÷ √(\d+) = (-?[\d.]+); softmax → ([\d.]+)%/) ?? [];
    assert(qk !== undefined && Math.abs(qk / Math.sqrt(d) - scaled) < 0.006, `does not compose: ${line}`);
  }
  const table = await rows();
  // q·k is the engine's raw score (a live run derives it from its q and k: units.js scoreRow):
  // the CLI's scores tensor, row "radiante" (piece 25) of layer 12, head 1.
  const tmp = '/tmp/orquestra-e2e-scores.json';
  execFileSync('target/release/orquestra', ['presets', '--model', 'models/e5-small-enpt.q4_0.safetensors', '--out', tmp, ARTICLE]);
  const [preset] = JSON.parse(readFileSync(tmp, 'utf8')).presets;
  const raw = Buffer.from(preset.scores, 'base64');
  const cliScores = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  const { heads: H, seq: T } = preset.meta;
  const worstQk = Math.max(...table.map((r, j) => Math.abs(Number(r[1]) - cliScores[((11 * H + 0) * T + 25) * T + j])));
  console.log(`     q·k shown vs the CLI's scores: max difference ${worstQk.toFixed(4)} (shown to 3 decimals)`);
  assert(table.length === T && worstQk <= 0.0006, `q·k differs from the CLI's scores by ${worstQk}`);
  const z = table.map((r) => Number(r[2]));
  const e = z.map((v) => Math.exp(v - Math.max(...z)));
  const sum = e.reduce((a, b) => a + b, 0);
  table.forEach((r, j) => assert(Math.abs((100 * e[j]) / sum - Number(r[3].replace('%', ''))) < 0.15, `softmax of the table's scores is not its weight: ${r}`));
  // Words of several pieces: each line's pieces add up to the word's weight, and q·k is not shown.
  await page.goto(`${base}#s=${encodeURIComponent(ARTICLE)}&v=orquestra&l=12&h=1&w=20&u=palavras&m=e5pt&lang=en`);
  await page.waitForFunction(() => /^29 pieces/.test(document.getElementById('summary').textContent));
  for (const line of await labels()) {
    const total = Number(line.match(/= ([\d.]+)%$/)?.[1]);
    const parts = [...line.replace(/= [\d.]+%$/, '').matchAll(/ ([\d.]+)%/g)].map((m) => Number(m[1]));
    assert(parts.length && Math.abs(parts.reduce((a, b) => a + b, 0) - total) <= 0.05 * (parts.length + 1) + 1e-9, `the pieces do not add up: ${line}`);
    assert(!line.includes('q·k'), `a mean q·k in word mode: ${line}`);
  }
  assert((await page.textContent('#table thead')).includes('pieces'), 'the word table lists the pieces');
  // The step q·k in word mode opens pieces mode.
  await page.click('#view .steps button >> nth=0');
  await page.waitForFunction(() => location.hash.includes('u=pecas'));
});

await test('state follows the link: a units-only change rebuilds the items; the clamping notice goes with the next change', async (page) => {
  await page.goto(`${base}#s=${encodeURIComponent('A menina estava radiante.')}&v=orquestra&w=99&lang=en`);
  await modelReady(page);
  assert(/adjusted/.test(await page.textContent('#notice')), 'no notice for w=99');
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() => document.getElementById('notice').textContent === '');
  const seats = () => page.locator('#view .musician').count();
  assert((await seats()) === 7, `${await seats()} seats in word mode`);
  await page.evaluate(() => { location.hash = location.hash.replace('u=palavras', 'u=pecas'); });
  await page.waitForFunction(() => document.querySelectorAll('#view .musician').length === 10);
  assert(/\(with \[CLS\]\/\[SEP\]\)/.test(await page.textContent('#summary')), 'the summary says the pieces include [CLS]/[SEP]');
});

await test('a link without m keeps MiniLM; the snippets the page makes carry the model', async (page) => {
  await page.goto(`${base}#s=${encodeURIComponent('A menina estava radiante.')}&v=orquestra&w=2&lang=pt`);
  await modelReady(page);
  assert((await page.inputValue('#model')) === 'minilm', 'a link without m');
  await page.selectOption('#model', 'e5pt');
  await page.click('#embed');
  await page.waitForFunction(() => document.getElementById('snippet-element').value, null, { timeout: 5000 }); // its module loads on the first click
  assert((await page.inputValue('#snippet-element')).includes('model="e5pt"'), 'the element snippet names the model');
  assert((await page.inputValue('#snippet-iframe')).includes('m=e5pt'), 'the iframe snippet names the model');
});

await test('widgets: no model attribute keeps MiniLM, model="e5pt" reads Portuguese', async (page) => {
  await page.goto(`${base}embed.html#s=${encodeURIComponent(ARTICLE)}&v=orquestra&w=20&lang=pt`);
  await page.waitForFunction(() => document.querySelector('orquestra-attention')?.shadowRoot.querySelector('.summary')?.textContent.startsWith('42 peças'), null, { timeout: 60_000 });
  await page.goto(`${base}embed.html#s=${encodeURIComponent(ARTICLE)}&v=orquestra&w=20&lang=pt&m=e5pt`);
  await page.waitForFunction(() => document.querySelector('orquestra-attention')?.shadowRoot.querySelector('.summary')?.textContent.startsWith('29 peças'), null, { timeout: 60_000 });
  assert((await page.locator('orquestra-attention .conductor').textContent()) === 'radiante', 'radiante conducts');
});

await test('an engine that cannot load says so, and keeps the good cached model', async (page) => {
  await page.goto(`${base}#s=${encodeURIComponent('texto do aluno')}&lang=en`);
  await modelReady(page); // the model is in the cache now
  await page.route('**/orquestra_bg.wasm', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.reload();
  await page.waitForSelector('#load-error', { state: 'visible', timeout: 60_000 });
  const message = await page.textContent('#load-error-text');
  assert(/engine/i.test(message) && !/cached copy removed/.test(message), `blamed on the model: ${message}`);
  const kept = await page.evaluate(async () => (await (await caches.open('orquestra-model-v1')).keys()).length);
  assert(kept >= 1, 'the good cached model was deleted');
  assert((await page.inputValue('#text')) === 'texto do aluno', 'the text was lost');
  await page.unroute('**/orquestra_bg.wasm');
});

await test('a model that cannot load offers the other one and keeps the text', async (page) => {
  await page.route('**/*.q4_0.safetensors', (route) => route.fulfill({ status: 503, body: 'down' }));
  await page.goto(`${base}#s=${encodeURIComponent('texto do aluno')}&m=e5pt&lang=pt`);
  await page.evaluate(() => caches.delete('orquestra-model-v1'));
  await page.reload();
  await page.waitForSelector('#load-error', { state: 'visible', timeout: 60_000 });
  assert((await page.textContent('#load-error-text')).includes('multilingual-e5-small'), 'the message names the model');
  await page.click('#other-model');
  await page.waitForFunction(() => document.getElementById('summary').textContent.includes('palavras'), null, { timeout: 60_000 });
  assert((await page.inputValue('#text')) === 'texto do aluno', 'the text was lost');
  assert((await hashOf(page)).includes('m=minilm'), 'switched to MiniLM');
  await page.unroute('**/*.q4_0.safetensors');
});

await test('a first visit transfers at most 1.5 MB compressed, models excluded', async (page) => {
  const { gzipSync } = await import('node:zlib');
  const sizes = [];
  page.on('response', async (r) => {
    if (r.url().endsWith('.safetensors') || r.status() !== 200) return;
    try { sizes.push([r.url(), gzipSync(await r.body()).length]); } catch { /* a redirect or an aborted body */ }
  });
  await page.goto(base);
  await modelReady(page);
  await page.waitForTimeout(500);
  const total = sizes.reduce((a, [, n]) => a + n, 0);
  console.log(`     first visit: ${sizes.length} files, ${(total / 1e6).toFixed(2)} MB gzipped (models excluded)`);
  assert(total <= 1.5e6, sizes.map(([u, n]) => `${u.replace(base, '')} ${n}`).join(', '));
});

await test('wasm memory after 1000 runs of varying lengths is within 10% of after the first 10', async (page) => {
  await page.goto(`${base}tests/browser/blank.html`);
  const r = await page.evaluate(async (bundleUrl) => {
    const { createEngine } = await import('/www/engine/wasm-engine.js');
    const engine = await createEngine(new Uint8Array(await (await fetch(bundleUrl)).arrayBuffer()));
    const words = 'a menina que depois de uma longa caminhada pelo parque adotou vários cachorros de rua estava radiante'.split(' ');
    let seed = 5;
    const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    // The first ten runs span 1 to 64 words; then 990 lengths at random in that range.
    const first = [64, 1, 40, 7, 20, 50, 3, 30, 10, 60];
    let after10 = 0;
    for (let i = 0; i < 1000; i++) {
      const n = i < 10 ? first[i] : 1 + rand(64);
      const text = Array.from({ length: n }, (_, j) => words[(j + i) % words.length]).join(' ');
      const out = engine.run(text); // every tensor copied out, the run freed: what the page does
      if (out.attention.length !== out.meta.layers * out.meta.heads * out.meta.seq ** 2) throw new Error('bad run');
      if (i === 9) after10 = engine.memoryBytes();
    }
    return { after10, after1000: engine.memoryBytes() };
  }, `/${BUNDLE}`);
  console.log(`     wasm memory: ${(r.after10 / 2 ** 20).toFixed(1)} MiB after 10 runs, ${(r.after1000 / 2 ** 20).toFixed(1)} MiB after 1000`);
  assert(r.after1000 <= r.after10 * 1.1, `memory grew from ${r.after10} to ${r.after1000} bytes`);
});

await test("the melody adds up: the hovered musician's q×k sums to its q·k, and the parts (others included) sum to the melody", async (page) => {
  const s = "The animal didn't cross the street because it was too tired.";
  await page.goto(`${base}#s=${encodeURIComponent(s)}&v=orquestra&l=4&h=3&w=8&u=pecas&lang=en&m=minilm`);
  await modelReady(page);
  await showTable(page);
  const qk = await page.$$eval('#table tbody tr', (trs) => trs.map((tr) => Number(tr.children[1].textContent)));
  const values = (label) => page.$$eval(`.strip[aria-label="${label}"] span`, (ss) => ss.map((x) => Number(x.title.split(' = ').at(-1))));
  for (const j of [0, 2, 5, 9]) {
    await page.hover(`[data-focus="m${j}"] circle`);
    const sum = Number((await page.textContent('.key-rows .strip-after')).match(/Σ = (-?[\d.]+)/)[1]);
    const cells = (await page.$$eval('.key-rows .strip', (ss) => ss.at(-1).querySelectorAll('span').length));
    assert(cells === 32, `q×k has ${cells} numbers`);
    assert(Math.abs(sum - qk[j]) <= 0.011, `musician ${j}: Σ q×k = ${sum}, table q·k = ${qk[j]}`);
  }
  const labels = await page.$$eval('.melody .strip', (ss) => ss.map((x) => x.getAttribute('aria-label')));
  const parts = labels.filter((l) => / × v/.test(l));
  assert(parts.length === 4 && parts.at(-1).startsWith('other'), `parts: ${parts}`);
  const mix = await values(labels.find((l) => l.startsWith('melody')));
  const rows = await Promise.all(parts.map(values));
  const worst = Math.max(...mix.map((m, d) => Math.abs(rows.reduce((a, r) => a + r[d], 0) - m)));
  assert(worst <= 0.003, `the parts miss the melody by ${worst}`);
});

// 86 words of Portuguese prose: a long paragraph a teacher might paste.
const PARAGRAPH = 'Quando a professora chegou à escola naquela manhã fria de junho, encontrou os alunos reunidos no pátio, '
  + 'discutindo animadamente sobre o eclipse que aconteceria à tarde. Alguns diziam que o céu ficaria totalmente escuro, '
  + 'outros juravam que os pássaros parariam de cantar, e um menino pequeno, de óculos redondos, explicava com paciência '
  + 'que a Lua passaria exatamente entre a Terra e o Sol. A professora sorriu, abriu a mochila, tirou um pedaço de papelão '
  + 'furado e prometeu que todos veriam a sombra redonda avançando na quadra.';

/** Every pair of the orchestra's names, values and seats that overlap on the page. */
const overlapsOnPage = (page) => page.evaluate(() => {
  const boxes = [];
  for (const m of document.querySelectorAll('#view .musician')) {
    for (const e of m.querySelectorAll('.name, .value, circle')) {
      const r = e.getBoundingClientRect();
      if (r.width && r.height) boxes.push({ m, what: `${m.dataset.focus} ${e.getAttribute('class') ?? 'seat'} "${e.textContent}"`, r });
    }
  }
  const bad = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, b] = [boxes[i], boxes[j]];
    if (a.m === b.m) continue; // a seat's own value sits inside it
    const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
    const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
    if (x > 1 && y > 1) bad.push(`${a.what} × ${b.what}`);
  }
  return { bad, musicians: document.querySelectorAll('#view .musician').length, list: Boolean(document.querySelector('.orchestra-list')) };
});

await test('the orchestra: no name, value or seat overlaps another, laptop and 360×740 phone, the article and an 86-word paragraph; 44 px targets in the list', async (page) => {
  assert(PARAGRAPH.split(/\s+/).length === 86, 'the paragraph has 86 words');
  for (const [w, h] of [[1280, 900], [360, 740]]) {
    await page.setViewportSize({ width: w, height: h });
    for (const [s, m] of [[ARTICLE, 'e5pt'], [ARTICLE, 'minilm'], [PARAGRAPH, 'e5pt']]) for (const u of ['palavras', 'pecas']) {
      await page.goto(`${base}blank.html`);
      await page.goto(`${base}#s=${encodeURIComponent(s)}&v=orquestra&l=12&h=1&w=5&u=${u}&m=${m}&lang=pt`);
      await modelReady(page);
      const { bad, musicians, list } = await overlapsOnPage(page);
      assert(musicians > 20, `${musicians} musicians`);
      assert(!bad.length, `${w}px, ${m}, ${u}, ${s.slice(0, 20)}: ${bad.length} overlaps, e.g. ${bad.slice(0, 3).join('; ')}`);
      assert(list === (w < 600 || musicians > 30), `${w}px, ${musicians} items: list ${list}`);
      if (list) {
        // (the stylesheet's rules, not a layout caught before they apply)
        await page.waitForFunction(() => [...document.querySelectorAll('#view .musician')].every((x) => getComputedStyle(x).minHeight === '44px'), null, { timeout: 5000 })
          .catch(() => {});
        const measure = (p) => p.$$eval('#view .musician', (ms) => ms.filter((x) => x.getBoundingClientRect().height < 44).map((x) => `${x.textContent.slice(0, 12)} ${x.getBoundingClientRect().height}px ${getComputedStyle(x).minHeight}`));
        /** What the document was doing when rows measured 0 px with no computed style. */
        const state = (p) => p.evaluate(() => {
          const x = document.querySelector('#view .musician');
          return `visibility ${document.visibilityState}, ready ${document.readyState}, connected ${x?.isConnected}, sheets ${document.styleSheets.length}, body ${getComputedStyle(document.body).display || '(none)'}`;
        });
        let small = await measure(page);
        if (small.length) {
          // Seen in two full runs (once after a reload too): every row 0 px with no computed
          // style, a document not styled at that moment, which no user sees. Measured again in
          // a page of its own; a real shortfall stays.
          console.log(`     (${w}px, ${m}, ${u}: ${small.length} rows measured under 44 px, e.g. ${small[0]}; ${await state(page)}; measuring again in a new page)`);
          const again = await ctx.newPage();
          try {
            await again.setViewportSize({ width: w, height: h });
            await again.goto(page.url());
            await modelReady(again);
            await again.waitForFunction(() => [...document.querySelectorAll('#view .musician')].every((x) => getComputedStyle(x).minHeight === '44px'), null, { timeout: 5000 })
              .catch(() => {});
            small = await measure(again);
          } finally {
            await again.close();
          }
        }
        assert(!small.length, `${w}px, ${m}, ${u}: ${small.length} rows are under 44 px tall, e.g. ${small.slice(0, 3).join('; ')}`);
      }
    }
  }
});

await test('a fresh visit opens on "radiante" at the head that gives "menina" the most (from the CLI\'s numbers); the path list ranks every head', async (page) => {
  await page.goto(base);
  await modelReady(page);
  const out = JSON.parse(execFileSync('target/release/orquestra', ['attention', '--model', 'models/e5-small-enpt.q4_0.safetensors', '--out', '/tmp/orquestra-e2e-path.npy', ARTICLE]));
  const { shape, data } = readNpy('/tmp/orquestra-e2e-path.npy'); // (L, H, T, T)
  const [L, H, T] = shape;
  const word = (w) => out.words.indexOf(w);
  const from = out.wordOfToken.flatMap((wd, i) => (wd === word('radiante') ? [i] : []));
  const ranked = [];
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) {
    let sum = 0;
    for (const i of from) for (let k = 0; k < T; k++) if (out.wordOfToken[k] === word('menina')) sum += data[((l * H + h) * T + i) * T + k];
    ranked.push({ l, h, weight: sum / from.length });
  }
  ranked.sort((a, b) => b.weight - a.weight);
  const p = new URLSearchParams((await hashOf(page)).slice(1));
  assert(p.get('w') === String(word('radiante')) && p.get('m') === 'e5pt', `focus ${p.get('w')} on ${p.get('m')}`);
  assert(p.get('l') === String(ranked[0].l + 1) && p.get('h') === String(ranked[0].h + 1), `opens on L${p.get('l')} H${p.get('h')}, best is L${ranked[0].l + 1} H${ranked[0].h + 1}`);
  const shown = await page.$$eval('.path-list button', (bs) => bs.map((b) => b.textContent));
  ranked.slice(0, shown.length).forEach((r, k) => {
    const [, l, h, w] = shown[k].match(/(\d+)\D+(\d+): ([\d.]+)%/).map(Number);
    assert(l === r.l + 1 && h === r.h + 1 && Math.abs(w - r.weight * 100) <= 0.06, `rank ${k + 1}: shown ${shown[k]}, CLI L${r.l + 1} H${r.h + 1} ${(r.weight * 100).toFixed(2)}%`);
  });
  await page.locator('.path-list button').nth(2).click(); // a link to the third head
  await page.waitForFunction(([l, h]) => location.hash.includes(`l=${l}&h=${h}`), [ranked[2].l + 1, ranked[2].h + 1], { timeout: 5000 });
  assert(await page.isVisible('a#lesson-link[href^="aula.html"]'), 'the header links to the lesson');
});

await test('first visit on a slow link (8 Mbit/s, 165 ms, CPU 4x slower): an example\'s link shows its view within 2 s (the median, budget.mjs), before the model download starts; any other sentence shows progress in the view', async () => {
  /** One first visit (a fresh browser: nothing cached): when the view's `selector` was on screen, by the page's clock. */
  const visit = async (s, selector) => {
    const slow = await launch({ serviceWorkers: 'block' });
    try {
      const page = await slow.newPage();
      const cdp = await slow.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 165, downloadThroughput: 1e6, uploadThroughput: 1e6 });
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      // When it is on screen, by the page's clock (ms since the navigation began, as browsers
      // time a first paint): the frame after the element is added. Playwright's polling, slowed
      // by the throttled CPU, notices it 100-400 ms later, which is the harness, not the page.
      await page.addInitScript((sel) => {
        new MutationObserver((_, observer) => {
          if (!document.querySelector(sel)) return;
          observer.disconnect();
          requestAnimationFrame(() => setTimeout(() => { window.shownAt = performance.now(); }));
        }).observe(document, { subtree: true, childList: true });
      }, selector);
      const t0 = Date.now();
      const seen = [];
      page.on('request', (r) => seen.push({ url: r.url(), at: Date.now() - t0 }));
      page.on('requestfinished', (r) => { const x = seen.find((q) => q.url === r.url()); if (x) x.done = Date.now() - t0; });
      await page.goto(`${base}#s=${encodeURIComponent(s)}&v=orquestra&m=e5pt&w=20&l=12&h=1&lang=pt`, { waitUntil: 'commit' });
      await page.waitForFunction(() => window.shownAt, null, { timeout: 20_000 });
      const shown = Math.round(await page.evaluate(() => window.shownAt));
      await page.waitForTimeout(300); // (the requests that follow the drawing)
      if (process.env.DEBUG_SLOW) console.log(seen.map((q) => `${q.at}-${q.done} ${q.url.replace(base, '')}`).join('\n'));
      return { shown, seen: [...seen] };
    } finally {
      await slow.close();
    }
  };
  let last = null;
  const example = await medianWithin(2000, async () => (last = await visit(ARTICLE, '#view .musician')).shown);
  assert(example.ok, `example: the view took ${timesText(example)}`);
  const preset = last.seen.find((q) => q.url.endsWith('.bin')), model = last.seen.find((q) => q.url.includes('.safetensors'));
  assert(preset?.done, 'the example\'s run was fetched');
  assert(!model || model.at >= preset.done, `the model download started at ${model?.at} ms, before the example's run was in (${preset.done} ms)`);
  const other = await medianWithin(2000, async () => (await visit('Uma frase que não é exemplo.', '#view .view-loading progress')).shown);
  assert(other.ok, `other sentence: the progress took ${timesText(other)}`);
  console.log(`     throttled first visit: example: ${timesText(example)}, other sentence: ${timesText(other)}`);
});

await test('embeds in a 736 px course column: the iframe fits its content (height protocol); the element picks its layout from its own width', async (page) => {
  const { snippets } = await import('../../www/embed-snippets.js');
  const { parse } = await import('../../www/state.js');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/orquestra-course-');
  const { state } = parse(`#s=${encodeURIComponent(ARTICLE)}&v=orquestra&l=12&h=1&w=20&m=e5pt&lang=pt`);
  const { iframe } = snippets(state, base);
  writeFileSync(`${dir}/index.html`, `<!doctype html><meta charset="utf-8"><title>Curso</title>
    <script type="module" src="${base}www/widget.js"></script>
    <main style="width:736px;margin:auto"><h1>Aula 3</h1>${iframe}
    <orquestra-attention id="wide" sentence="${ARTICLE}" model="e5pt" word="20" layer="12" lang="pt"></orquestra-attention></main>
    <div style="width:400px"><orquestra-attention id="narrow" sentence="${ARTICLE}" model="e5pt" word="20" layer="12" lang="pt"></orquestra-attention></div>`);
  const host = await serve(dir, 0, { csp: false }); // another origin: a teacher's site
  try {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`http://127.0.0.1:${host.address().port}/`);
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    await frame.waitForSelector('.conductor', { timeout: 60_000 });
    await frame.waitForSelector('#progress', { state: 'detached', timeout: 1000 }).catch(() => {});
    await page.waitForTimeout(500);
    const inner = await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    const outer = await page.evaluate(() => document.querySelector('iframe').getBoundingClientRect().height);
    assert(inner > 720 && Math.abs(inner - outer) <= 2, `the iframe is ${outer} px for ${inner} px of content`);
    assert(await frame.evaluate(() => Boolean(document.getElementById('widget').shadowRoot.querySelector('svg.orchestra'))), 'the 736 px iframe draws the arcs');
    await page.waitForSelector('#wide .conductor', { timeout: 60_000 });
    assert(await page.evaluate(() => Boolean(document.getElementById('wide').shadowRoot.querySelector('svg.orchestra'))), 'the element in the column draws arcs');
    await page.waitForSelector('#narrow .conductor', { timeout: 60_000 });
    assert(await page.evaluate(() => Boolean(document.getElementById('narrow').shadowRoot.querySelector('.orchestra-list'))), 'the element in 400 px is a list on a 1280 px window');
    await page.screenshot({ path: 'test-artifacts/embed-course-column.png', fullPage: true });
  } finally {
    host.close();
  }
});

await test('v=fluxo: the rollout column is the CLI\'s --rollout row; x= dismisses judges: the link is cleaned, the metrics and the "without" column match the CLI\'s --ablate', async (page) => {
  const s = "The animal didn't cross the street because it was too tired.";
  const npy = (f) => readNpy(f);
  const out = JSON.parse(execFileSync('target/release/orquestra', ['attention', '--model', BUNDLE, '--rollout', '/tmp/orquestra-e2e-r.npy', '--hidden', '/tmp/orquestra-e2e-h0.npy', s]));
  execFileSync('target/release/orquestra', ['attention', '--model', BUNDLE, '--ablate', '3.7,6.9', '--out', '/tmp/orquestra-e2e-xa.npy', '--hidden', '/tmp/orquestra-e2e-h1.npy', s]);
  const T = out.tokens.length, w = 8; // "it" in pieces
  // Flow: pieces mode, layer 4, focus on "it".
  await page.goto(`${base}#s=${encodeURIComponent(s)}&v=fluxo&l=4&h=2&w=${w}&u=pecas&m=minilm&lang=en`);
  await modelReady(page);
  await page.waitForSelector('.flow-row.musician');
  await showTable(page);
  const rows = await page.$$eval('#table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  const r = npy('/tmp/orquestra-e2e-r.npy'); // (L, T, T)
  let worst = 0, sum = 0;
  rows.forEach((row, k) => { const v = Number(row[1].replace('%', '')); sum += v; worst = Math.max(worst, Math.abs(v - 100 * r.data[(3 * T + w) * T + k])); });
  assert(rows.length === T && worst <= 0.06, `rollout column vs CLI: ${worst} points over ${rows.length} rows`);
  assert(Math.abs(sum - 100) <= 0.05 * T, `the rollout row sums to ${sum}%`);
  // Dismissed judges from a link: 9.9 names no head of MiniLM and is dropped with a notice.
  await page.goto(`${base}#s=${encodeURIComponent(s)}&v=juri&l=6&h=1&w=${w}&u=pecas&m=minilm&lang=en&x=6.9,3.7,9.9`);
  await page.waitForFunction(() => /cosine 0\.\d+/.test(document.querySelector('.dismissed-box')?.textContent ?? ''), null, { timeout: 60_000 });
  assert((await hashOf(page)).includes('x=3.7%2C6.9'), `the link keeps the heads, sorted: ${await hashOf(page)}`);
  assert((await page.textContent('#notice')).includes('x'), 'a notice names x');
  const [sentence, word] = (await page.textContent('.dismissed-box')).match(/0\.\d{4}/g).map(Number);
  // --hidden is (L+1, T, D): the last layer's output is the last slice
  const [h0, h1] = [lastSlice(npy('/tmp/orquestra-e2e-h0.npy')), lastSlice(npy('/tmp/orquestra-e2e-h1.npy'))];
  const D = h0.shape[1];
  const pool = (h, rows) => Array.from({ length: D }, (_, d) => rows.reduce((a, t) => a + h.data[t * D + d], 0) / rows.length);
  const cos = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0) / Math.hypot(...a) / Math.hypot(...b);
  const all = Array.from({ length: T }, (_, t) => t);
  assert(Math.abs(sentence - cos(pool(h0, all), pool(h1, all))) < 2e-4, `sentence cosine ${sentence} vs CLI ${cos(pool(h0, all), pool(h1, all))}`);
  assert(Math.abs(word - cos(pool(h0, [w]), pool(h1, [w]))) < 2e-4, `word cosine ${word}`);
  assert((await page.locator('.judge.dismissed').count()) === 1, 'judge 9 of layer 6 is shown dismissed');
  // The orchestra's table gains the column "without", equal to the CLI's ablated attention.
  await page.click('#views [role=tab] >> nth=0');
  await showTable(page);
  await page.waitForFunction(() => document.querySelector('#table thead')?.textContent.includes('without'));
  const xa = npy('/tmp/orquestra-e2e-xa.npy'); // (L, H, T, T)
  const without = await page.$$eval('#table tbody tr', (trs) => trs.map((tr) => Number(tr.lastElementChild.textContent.replace('%', ''))));
  const H = xa.shape[1];
  const gap = Math.max(...without.map((v, k) => Math.abs(v - 100 * xa.data[((5 * H + 0) * T + w) * T + k])));
  assert(gap <= 0.06, `"without" column vs CLI --ablate: ${gap} points`);
  // Recall everyone: x= leaves the link.
  await page.click('#views [role=tab] >> nth=1');
  await page.click('.dismissed-box button');
  await page.waitForFunction(() => !location.hash.includes('x='));
});

await test('the most influential judges: one dismissal per head in the worker, cancellable, ranked as the CLI measures them', async (page) => {
  const s = 'The girl who adopted several stray dogs after a long walk was radiant.';
  await page.goto(`${base}#s=${encodeURIComponent(s)}&v=juri&l=6&h=1&w=12&m=minilm&lang=en`);
  await modelReady(page);
  // Cancel: the count stops where it was.
  await page.click('.rank-start');
  await page.click('.rank-cancel');
  await page.waitForFunction(() => /Cancelled after \d+ of 72/.test(document.querySelector('.ranking')?.textContent ?? ''));
  const stopped = Number((await page.textContent('.ranking')).match(/after (\d+)/)[1]);
  await page.waitForTimeout(500);
  assert(Number((await page.textContent('.ranking')).match(/after (\d+)/)[1]) === stopped && stopped < 72, 'the ranking went on after Cancel');
  // The whole ranking.
  await page.click('.rank-start');
  await page.waitForFunction(() => /72 measured in [\d.]+ s/.test(document.querySelector('.ranking')?.textContent ?? ''), null, { timeout: 60_000 });
  const secs = Number((await page.textContent('.ranking')).match(/in ([\d.]+) s/)[1]);
  const ranked = await page.$$eval('.ranking li button', (bs) => bs.map((b) => b.textContent.match(/layer (\d+), judge (\d+): cosine ([\d.]+)/).slice(1).map(Number)));
  console.log(`     ranking 72 MiniLM heads (${(await page.textContent('#summary')).match(/^\d+/)[0]} pieces): ${secs} s; top ${ranked.slice(0, 3).map(([l, h, c]) => `${l}.${h} (${c})`).join(', ')}`);
  const out = JSON.parse(execFileSync('target/release/orquestra', ['attention', '--model', BUNDLE, '--hidden', '/tmp/orquestra-e2e-rk0.npy', s]));
  const wordRows = out.wordOfToken.flatMap((wd, t) => (wd === 12 ? [t] : [])); // the focused word's pieces
  const cliCos = (spec) => {
    execFileSync('target/release/orquestra', ['attention', '--model', BUNDLE, '--ablate', spec, '--hidden', '/tmp/orquestra-e2e-rk1.npy', s]);
    const [a, b] = [lastSlice(readNpy('/tmp/orquestra-e2e-rk0.npy')), lastSlice(readNpy('/tmp/orquestra-e2e-rk1.npy'))];
    const D = a.shape[1];
    const pool = (h) => Array.from({ length: D }, (_, d) => wordRows.reduce((x, t) => x + h.data[t * D + d], 0) / wordRows.length);
    const [p, q] = [pool(a), pool(b)];
    return p.reduce((x, v, i) => x + v * q[i], 0) / Math.hypot(...p) / Math.hypot(...q);
  };
  for (const [l, h, c] of [ranked[0], ranked[7]]) {
    const want = cliCos(`${l}.${h}`);
    assert(Math.abs(c - want) < 2e-4, `head ${l}.${h}: the page says cosine ${c}, the CLI ${want}`);
  }
  assert(cliCos('1.1') >= ranked[7][2] - 2e-4 || ranked.some(([l, h]) => l === 1 && h === 1), 'a head outside the top 8 moves the word more than the 8th');
  assert(ranked.length === 8 && ranked.every((r, k) => k === 0 || r[2] >= ranked[k - 1][2]), `not ranked: ${JSON.stringify(ranked)}`);
  const pieces = await page.evaluate(() => document.querySelector('.verdict').textContent);
  // The ranking has its own link (k=1): opened fresh, it ranks again by itself.
  const link = await hashOf(page);
  assert(link.includes('k=1'), `the link does not carry the ranking: ${link}`);
  await page.goto(`${base}blank.html`);
  await page.goto(`${base}${link}`);
  await page.waitForFunction(() => /72 measured in/.test(document.querySelector('.ranking')?.textContent ?? ''), null, { timeout: 60_000 });
  assert(pieces.includes('radiant'), 'the jury is focused on radiant');
});

await test('comparar: an s2 link restores both sentences and the pair; the similarity table equals the CLI\'s hidden states; axe-clean in both languages and on a phone', async (page) => {
  const [a, b] = ['Sentei no banco da praça.', 'Fui ao banco sacar dinheiro.'];
  const link = `#s=${encodeURIComponent(a)}&v=comparar&l=12&h=1&w=3&u=palavras&lang=pt&m=e5pt&st=3&s2=${encodeURIComponent(b)}`;
  await page.goto(`${base}${link}`);
  await modelReady(page);
  await page.waitForSelector('svg.similarity', { timeout: 60_000 });
  assert((await hashOf(page)) === link, `the link changed: ${await hashOf(page)}`);
  assert((await page.inputValue('input.sentence2')) === b, 'the second sentence');
  await showTable(page);
  const shown = await page.$$eval('#table tbody tr', (trs) => trs.map((tr) => Number(tr.lastElementChild.textContent.replace(',', '.')))); // pt: a decimal comma
  // The CLI's states of the same bundle: the word's pieces are those of "banco" (word 3 of each).
  const cos = [];
  const states = [a, b].map((text, k) => {
    const out = JSON.parse(execFileSync('target/release/orquestra', ['attention', '--model', 'models/e5-small-enpt.q4_0.safetensors', '--hidden', `/tmp/orquestra-e2e-s${k}.npy`, text]));
    const h = readNpy(`/tmp/orquestra-e2e-s${k}.npy`); // (L+1, T, D)
    return { h, rows: out.wordOfToken.flatMap((wd, t) => (wd === 3 ? [t] : [])), words: out.words };
  });
  assert(states[0].words[3] === 'banco' && states[1].words[3] === 'banco', 'banco is word 3 in both');
  const [L1, T0, D] = states[0].h.shape, T1 = states[1].h.shape[1];
  const vec = ({ h, rows }, l, T) => Array.from({ length: D }, (_, d) => rows.reduce((x, t) => x + h.data[(l * T + t) * D + d], 0) / rows.length);
  for (let l = 0; l < L1; l++) {
    const [x, y] = [vec(states[0], l, T0), vec(states[1], l, T1)];
    cos.push(x.reduce((s, v, i) => s + v * y[i], 0) / Math.hypot(...x) / Math.hypot(...y));
  }
  assert(shown.length === L1, `${shown.length} rows for ${L1} states`);
  const worst = Math.max(...shown.map((v, l) => Math.abs(v - cos[l])));
  assert(worst < 1e-4, `similarity vs CLI: ${worst}`);
  console.log(`     banco (e5, page): ${shown.map((v) => v.toFixed(3)).join(' ')}`);
  for (const lang of ['pt', 'en']) {
    await page.goto(`${base}${link.replace('lang=pt', `lang=${lang}`)}`);
    await page.waitForSelector('svg.similarity', { timeout: 60_000 });
    await page.addScriptTag({ url: '/node_modules/axe-core/axe.min.js' });
    const violations = await page.evaluate(async () => (await window.axe.run(document)).violations.map((x) => `${x.id} × ${x.nodes.length}`));
    assert(!violations.length, `${lang}: ${violations.join(', ')}`);
  }
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`${base}blank.html`);
  await page.goto(`${base}${link}`);
  await page.waitForSelector('svg.similarity', { timeout: 60_000 });
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert(width <= 360, `the comparison scrolls sideways on a phone (${width}px)`);
  await page.screenshot({ path: 'test-artifacts/comparar-phone-pt.png', fullPage: true });
});

await test('guess before reveal (p=1): no weight, size or number anywhere until the pick; then the pick\'s rank; the lesson counts', async (page) => {
  const link = `#s=${encodeURIComponent(ARTICLE)}&v=orquestra&l=12&h=1&w=20&u=palavras&lang=en&m=e5pt&st=3&p=1`;
  await page.goto(`${base}${link}`);
  await modelReady(page);
  await showTable(page);
  const hidden = await page.evaluate(() => {
    const view = document.getElementById('view'), table = document.getElementById('table');
    const texts = [view.textContent, table.textContent, ...[...view.querySelectorAll('[aria-label]')].map((e) => e.getAttribute('aria-label'))].join(' ');
    const styles = new Set([...view.querySelectorAll('.musician')].map((e) => `${e.getAttribute('style')}|${e.getBoundingClientRect().height}`));
    return { percent: /\d%|\d\.\d/.test(texts), svg: view.querySelectorAll('svg, canvas, .bar').length, styles: styles.size, buttons: view.querySelectorAll('.musician').length };
  });
  assert(!hidden.percent && !hidden.svg && hidden.styles === 1 && hidden.buttons > 10, `something shows before the guess: ${JSON.stringify(hidden)}`);
  assert((await hashOf(page)) === link, `the quiz link changed: ${await hashOf(page)}`);
  // axe in both languages, and on a phone nothing scrolls sideways.
  for (const lang of ['en', 'pt']) {
    await page.goto(`${base}${link.replace('lang=en', `lang=${lang}`)}`);
    await page.waitForSelector('.guess-list .musician');
    await page.addScriptTag({ url: '/node_modules/axe-core/axe.min.js' });
    const violations = await page.evaluate(async () => (await window.axe.run(document)).violations.map((x) => `${x.id} × ${x.nodes.length}`));
    assert(!violations.length, `${lang}: ${violations.join(', ')}`);
  }
  await page.setViewportSize({ width: 360, height: 740 });
  const wide = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert(wide <= 360, `guess mode scrolls sideways on a phone (${wide}px)`);
  await page.screenshot({ path: 'test-artifacts/guess-phone-pt.png', fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${base}${link}`);
  await page.waitForSelector('.guess-list .musician');
  await page.locator('.guess-list .musician', { hasText: /^adotou$/ }).click();
  const result = await page.textContent('.guess-result');
  assert(/Your pick, adotou, was #2 of 20: 11\.3%/.test(result), result);
  assert(await page.isVisible('.musician.guessed'), 'the pick is marked');
  // The lesson: step 1 asks for a guess; step 6 counts it.
  await page.goto(`${base}aula.html#passo=1&lang=en`);
  await page.waitForSelector('orquestra-attention .guess-list .musician', { timeout: 60_000 });
  await page.locator('orquestra-attention .guess-list .musician', { hasText: /^menina$/ }).click();
  await page.waitForSelector('orquestra-attention .guess-result.right');
  await page.goto(`${base}aula.html#passo=6&lang=en`);
  await page.waitForFunction(() => /You guessed 1 of 1 right/.test(document.getElementById('lesson-score').textContent));
});

await test('weights kept quantized give the attention of the weights widened to f32 (both models, the best wasm build)', async (page) => {
  await page.goto(`${base}tests/browser/blank.html`);
  const r = await page.evaluate(async () => {
    const { createEngine, loadWasm, bestBuild } = await import('/www/engine/wasm-engine.js');
    const pkg = await loadWasm(bestBuild());
    const out = {};
    for (const [key, url] of [['minilm', '/models/all-MiniLM-L6-v2.int8.safetensors'], ['e5pt', '/models/e5-small-enpt.q4_0.safetensors']]) {
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      pkg.setKeepQuantized(false);
      const wide = await createEngine(bytes);
      pkg.setKeepQuantized(true);
      const kept = await createEngine(bytes);
      let worst = 0;
      for (const s of ['A menina que adotou vários cachorros estava radiante.', "The animal didn't cross the street because it was too tired.", 'word '.repeat(200)]) {
        const [a, b] = [wide.run(s), kept.run(s)];
        for (let i = 0; i < a.attention.length; i++) worst = Math.max(worst, Math.abs(a.attention[i] - b.attention[i]));
      }
      out[key] = worst;
      wide.free();
      kept.free();
    }
    return out;
  });
  console.log(`     quantized vs f32 panels, attention max diff: MiniLM ${r.minilm}, e5 ${r.e5pt}`);
  assert(r.minilm <= 1e-5 && r.e5pt <= 1e-5, JSON.stringify(r));
});

await test('screenshots of every view, laptop and phone, both languages: each shows its drawing', async () => {
  const shots = await screenshots(ctx, base);
  assert(shots.length === 16, `${shots.length} screenshots`);
  const bad = shots.filter((s) => s.problems.length).map((s) => `${s.file}: ${s.problems.join('; ')}`);
  assert(!bad.length, bad.join('\n'));
});

// Issue 28's tests, in files of their own: the picture first (layout.mjs), labels that tell
// the truth (labels.mjs). Each gets this file's harness.
const harness = { test, assert, ready, modelReady, hashOf, showTable, cli, ctx, base, launch, serve };
await (await import('./layout.mjs')).run(harness);
await (await import('./labels.mjs')).run(harness);
// Issue 24, the model that writes (writer.mjs): one model load for the file.
await (await import('./writer.mjs')).run(harness);
await (await import('./writer.mjs')).runCausal(harness);
await (await import('./writer.mjs')).runJury(harness);
await (await import('./writer.mjs')).runLong(harness);
await (await import('./writer.mjs')).runLens(harness);
await (await import('./writer.mjs')).runGuess(harness);
await (await import('./writer.mjs')).runWidget(harness);
await (await import('./writer.mjs')).runShots(harness);
// Issue 25, Gemma 3 270M on the page (gemma.mjs): one model load in the harness's context.
await (await import('./gemma.mjs')).run(harness);

await ctx.close();
server.close();
if (failed) { console.log(`${failed} browser test(s) failed`); process.exit(1); }
