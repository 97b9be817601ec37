// Issue 24, the model that writes (SmolLM2-135M-Instruct, m=smollm) on the page: the model
// picker, the next-word view (v=proxima) against the CLI's numbers, seeded writing equal to
// `orquestra generate`, latest wins, a bad file, axe and the phone. The model is loaded once:
// the tests share one page and move by changing its hash (the engine's worker stays).
// Called by run.mjs with its harness: { test, assert, ctx, base }.
import { execFileSync } from 'node:child_process';

const GGUF = 'models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';
const PROMPT = 'The capital of France is';
const generate = (text, ...args) => JSON.parse(execFileSync('target/release/orquestra', ['generate', '--model', GGUF, text, '--json', ...args], { stdio: ['ignore', 'pipe', 'ignore'] }));

export async function run({ test, assert, ctx, base }) {
  let page = null; // shared by the tests below: one model load
  const errors = [];
  const go = async (hash) => {
    await page.bringToFront(); // the harness opens a page for each test: a tab behind gets no animation frames
    await page.evaluate((h) => { location.hash = h; }, hash);
    await page.waitForFunction((h) => decodeURIComponent(location.hash).includes(h), decodeURIComponent(hash).split('&')[0], { timeout: 10_000 });
  };
  /** The bars of the text `text` (their ids and exact probabilities), once drawn and fresh. */
  const bars = async (text) => {
    await page.waitForFunction((s) => {
      const q = document.querySelector('.next-after q');
      return q && !document.querySelector('.next-bars.stale') && document.querySelectorAll('.next-bar').length === 10 && s.endsWith(q.textContent.replace(/^…/, ''));
    }, text, { timeout: 60_000 });
    return page.$$eval('.next-bar', (bs) => bs.map((b) => ({ id: Number(b.dataset.id), p: Number(b.dataset.p) })));
  };
  /** Clicks Write and waits for the end; returns the text box and how many drawings showed a
   *  partial writing on the way. */
  const write = async () => {
    await page.evaluate(() => {
      window.partials = new Set();
      window.observer?.disconnect();
      window.observer = new MutationObserver(() => {
        if (document.querySelector('.write-button.stop')) window.partials.add(document.querySelectorAll('.written-tok').length);
      });
      window.observer.observe(document.getElementById('view'), { childList: true, subtree: true });
    });
    await page.click('.write-button:not(.stop)');
    await page.waitForSelector('.write-button.stop', { timeout: 10_000 }).catch(() => {}); // (may already be done)
    await page.waitForFunction(() => !document.querySelector('.write-button.stop') && document.querySelector('.written-status'), null, { timeout: 60_000 });
    return { text: await page.inputValue('#text'), partials: await page.evaluate(() => window.partials.size) };
  };

  await test('writer: the model picker offers SmolLM2 (English, writes text, its size); it downloads only when picked, with progress', async () => {
    page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    let asked = 0;
    page.on('request', (r) => { if (r.url().endsWith('.gguf')) asked++; });
    await page.goto(`${base}#s=${encodeURIComponent(PROMPT)}&v=orquestra&m=e5pt&lang=en`);
    await page.waitForSelector('#progress', { state: 'hidden', timeout: 60_000 });
    const option = await page.$eval('#model option[value=smollm]', (o) => o.textContent);
    assert(/SmolLM2-135M · English · writes text · 98\.4 MB/.test(option), option);
    assert(asked === 0, 'the GGUF was asked for before it was picked');
    const progress = [];
    page.on('console', () => {});
    const watch = setInterval(() => page.textContent('#status').then((s) => progress.push(s), () => {}), 50);
    await page.selectOption('#model', 'smollm');
    await page.waitForFunction(() => location.hash.includes('m=smollm'), null, { timeout: 5000 });
    await page.waitForFunction(() => /q4_1/.test(document.getElementById('status').textContent), null, { timeout: 120_000 });
    clearInterval(watch);
    assert(asked === 1, `the GGUF was asked for ${asked} times`);
    assert(progress.some((s) => /SmolLM2-135M: [\d.]+ of 98\.4 MB/.test(s)), `no progress: ${[...new Set(progress)].slice(0, 4).join(' | ')}`);
    // The model's own views: orchestra, next word, matrix, model; the text and focus kept.
    assert((await page.inputValue('#text')) === PROMPT, 'the text changed');
    const tabs = await page.$$eval('#views button', (bs) => bs.map((b) => b.textContent));
    assert(tabs.join(',') === 'Orchestra,Next word,Lens,Matrix,Model', tabs.join(','));
  });

  await test('writer: v=proxima by link: the 10 next tokens and their probabilities equal orquestra generate --top 10 within 1e-4', async () => {
    for (const text of [PROMPT, 'A menina estava radiante porque', 'She opened the door and']) {
      await go(`#s=${encodeURIComponent(text)}&v=proxima&m=smollm&lang=pt`);
      const shown = await bars(text);
      const want = generate(text, '--tokens', '1', '--top', '10').top;
      let worst = 0;
      shown.forEach((b, i) => {
        assert(b.id === want[i].id, `${text}: rank ${i + 1} is id ${b.id}, CLI ${want[i].id}`);
        worst = Math.max(worst, Math.abs(b.p - want[i].prob));
      });
      // the table's numbers too (percent with two decimals: within 5e-5)
      await page.check('#show-table', { force: true });
      const cells = await page.$$eval('#table tbody tr', (trs) => trs.map((tr) => Number(tr.lastElementChild.textContent.replace('%', '').replace(',', '.')) / 100));
      await page.uncheck('#show-table', { force: true });
      cells.forEach((p, i) => { worst = Math.max(worst, Math.abs(p - want[i].prob)); });
      console.log(`     "${text}": ${want[0].piece} ${want[0].prob.toFixed(4)}; page vs CLI max diff ${worst.toExponential(1)}`);
      assert(worst <= 1e-4, `${text}: probabilities differ by ${worst}`);
    }
    assert((await page.textContent('#views [aria-selected=true]')) === 'Próxima palavra', 'the tab');
    // a leading space is shown as ␣; a click appends the token to the text and reads again
    const first = await page.$eval('.next-bar .tok', (b) => [...b.children].filter((c) => c.getAttribute('aria-hidden')).map((c) => c.textContent).join(''));
    assert(/^␣\S/.test(first), `the first guess after "and" reads ${first}`);
    await page.click('.next-bar');
    await page.waitForFunction(() => !/and$/.test(document.getElementById('text').value), null, { timeout: 5000 });
    assert(/^She opened the door and \S+$/.test(await page.inputValue('#text')), await page.inputValue('#text'));
  });

  await test('writer: Write with temperature and seed writes what orquestra generate writes; greedy at temperature 0; the link reproduces it', async () => {
    for (const [temp, seed, n] of [[0.8, 7, 12], [0, 1, 8]]) {
      const link = `#s=${encodeURIComponent(PROMPT)}&v=proxima&m=smollm&lang=en${temp ? `&temp=${temp}&seed=${seed}` : ''}&n=${n}`;
      for (const round of [1, 2]) { // the same link twice: the same text
        await go(link);
        await bars(PROMPT);
        const { text, partials } = await write();
        const want = generate(PROMPT, '--tokens', String(n), ...(temp ? ['--temperature', String(temp), '--seed', String(seed)] : []));
        assert(text === PROMPT + want.text, `temp ${temp} seed ${seed} round ${round}: page ${JSON.stringify(text)}, CLI ${JSON.stringify(PROMPT + want.text)}`);
        assert(partials >= 2, `the tokens were not drawn as they came (${partials} partial drawings)`);
        if (round === 1) console.log(`     temp ${temp}: ${JSON.stringify(want.text)} (${n} tokens, ${partials} drawings on the way)`);
        assert((await page.evaluate(() => location.hash)).includes(encodeURIComponent(want.text.slice(0, 5)).slice(0, 5)), 'the link does not hold the written text');
      }
    }
  });

  await test('writer: latest wins: a new text or Stop mid-writing; nothing typed is lost', async () => {
    await go(`#s=${encodeURIComponent(PROMPT)}&v=proxima&m=smollm&lang=en&n=100`);
    await bars(PROMPT);
    await page.click('.write-button:not(.stop)');
    await page.waitForFunction(() => document.querySelectorAll('.written-tok').length >= 2, null, { timeout: 10_000 });
    await page.fill('#text', 'Once upon a time');
    await bars('Once upon a time');
    await page.waitForTimeout(500);
    assert((await page.inputValue('#text')) === 'Once upon a time', `the writing changed the typed text: ${await page.inputValue('#text')}`);
    assert(!(await page.$('.written')), 'the old writing is still shown');
    const want = generate('Once upon a time', '--tokens', '1', '--top', '10').top;
    assert((await bars('Once upon a time'))[0].id === want[0].id, 'the guesses are not the new text\'s');
    // Stop keeps what was written so far
    await page.click('.write-button:not(.stop)');
    await page.waitForFunction(() => document.querySelectorAll('.written-tok').length >= 2, null, { timeout: 10_000 });
    await page.click('.write-button.stop');
    await page.waitForFunction(() => !document.querySelector('.write-button.stop'), null, { timeout: 10_000 });
    const kept = await page.inputValue('#text');
    assert(kept.startsWith('Once upon a time') && kept.length > 'Once upon a time'.length, `Stop lost the writing: ${kept}`);
    const written = generate('Once upon a time', '--tokens', '100').text;
    assert(written.startsWith(kept.slice('Once upon a time'.length)), 'what Stop kept is not the greedy writing');
  });

  await test('writer: axe finds nothing on the next-word view in pt and en; a 360 px phone has no sideways scroll and 44 px targets', async () => {
    const found = [];
    for (const lang of ['pt', 'en']) {
      await go(`#s=${encodeURIComponent(PROMPT)}&v=proxima&m=smollm&lang=${lang}&temp=0.7&seed=3&n=3`);
      await bars(PROMPT);
      await write();
      await bars((await page.inputValue('#text')));
      await page.check('#show-table', { force: true });
      await page.addScriptTag({ url: '/node_modules/axe-core/axe.min.js' });
      const violations = await page.evaluate(async () => (await window.axe.run(document)).violations.map((x) => `${x.id} × ${x.nodes.length}: ${x.nodes[0]?.target}`));
      if (violations.length) found.push(`${lang}: ${violations.join(', ')}`);
      await page.uncheck('#show-table', { force: true });
    }
    assert(!found.length, found.join('; '));
    await page.setViewportSize({ width: 360, height: 740 });
    await page.waitForTimeout(300);
    const r = await page.evaluate(() => ({
      wide: document.documentElement.scrollWidth - innerWidth,
      small: [...document.querySelectorAll('#view button, #view input')].map((b) => b.getBoundingClientRect())
        .filter((b) => b.width && (b.height < 44 || b.width < 44)).length,
    }));
    assert(r.wide <= 0, `the page scrolls ${r.wide} px sideways`);
    assert(r.small === 0, `${r.small} targets under 44 px`);
    await page.setViewportSize({ width: 1280, height: 720 });
    assert(!errors.length, errors.join('; '));
    await page.close();
  });

  await test('writer: a missing or damaged GGUF says so and keeps the typed text; encoder links keep their model', async (own) => {
    for (const body of [null, Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(4096, 7)])]) {
      await own.route('**/*.gguf', (route) => (body ? route.fulfill({ status: 200, body }) : route.fulfill({ status: 404, body: 'gone' })));
      await own.goto(`${base}#s=${encodeURIComponent('meu texto')}&v=proxima&m=smollm&lang=pt`);
      await own.evaluate(() => caches.delete('orquestra-model-v1'));
      await own.reload();
      await own.waitForSelector('#load-error:not([hidden])', { timeout: 30_000 });
      const message = await own.textContent('#load-error-text');
      assert(/SmolLM2-135M/.test(message) && (body ? /gguf|model|modelo/i.test(message) : /404|baix|download/i.test(message)), `unclear: ${message}`);
      assert((await own.inputValue('#text')) === 'meu texto', 'the text was lost');
      await own.unroute('**/*.gguf');
    }
    await own.goto(`${base}#s=x&v=orquestra`); // no m: MiniLM, as before
    await own.waitForSelector('#view > :not(.view-loading)', { timeout: 60_000 });
    assert((await own.inputValue('#model')) === 'minilm', 'a link without m= is not MiniLM');
  });
}

/** Issue 24 §3, causal attention in the encoders' views: run by run.mjs after the tests above. */
export async function runCausal({ test, assert, base, ready }) {
  const S = 'The girl who adopted several stray dogs was radiant because';
  await test('writer: causal orchestra and matrix: only the words up to the conductor play, the rest are not yet written; weights equal orquestra attention on the GGUF; the matrix greys the upper triangle and says why', async (page) => {
    const [l, h, w] = [3, 1, 4];
    const out = JSON.parse(execFileSync('target/release/orquestra', ['attention', '--model', GGUF, '--out', '/tmp/orquestra-e2e-smollm.npy', S]));
    const { readNpy } = await import('./npy.mjs');
    const { shape, data } = readNpy('/tmp/orquestra-e2e-smollm.npy'); // (L, H, T, T)
    const T = shape[2];
    await page.goto(`${base}#s=${encodeURIComponent(S)}&v=orquestra&m=smollm&l=${l + 1}&h=${h + 1}&w=${w}&u=pecas&lang=en`);
    await page.waitForSelector('#progress', { state: 'hidden', timeout: 120_000 });
    await page.waitForFunction(() => /q4_1/.test(document.getElementById('status').textContent), null, { timeout: 120_000 });
    await ready(page);
    assert((await page.$$('svg.orchestra .musician')).length === T, 'a seat per piece');
    const future = await page.$$eval('svg.orchestra .musician.future', (gs) => gs.map((g) => [g.querySelector('.name').textContent, g.querySelectorAll('line').length, g.querySelector('circle').getAttribute('fill')]));
    assert(future.length === T - w - 1, `${future.length} seats not yet written, want ${T - w - 1}`);
    assert(future.every(([, lines, fill]) => lines === 0 && fill === 'none'), 'a seat not yet written has a baton or a colour');
    assert(/hears only the words before it/.test(await page.textContent('.causal-note')), 'no causal note');
    const label = await page.getAttribute('svg.orchestra .musician.future', 'aria-label');
    assert(/stray: not yet written when several is read/.test(label), `the seat does not say it is not yet written: ${label}`);
    await page.check('#show-table', { force: true });
    const rows = await page.$$eval('#table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert(rows.length === T, `${rows.length} rows for ${T} pieces`);
    let worst = 0;
    rows.forEach((row, k) => {
      const want = data[((l * shape[1] + h) * T + w) * T + k];
      if (k > w) { assert(row.at(-1) === 'not yet written' && want === 0, `row ${k}: ${row.at(-1)}, CLI ${want}`); return; }
      worst = Math.max(worst, Math.abs(Number(row.at(-1).replace('%', '')) - 100 * want));
    });
    console.log(`     causal orchestra table vs orquestra attention: max difference ${worst.toFixed(3)} percentage points`);
    assert(worst <= 0.1, `weights differ by ${worst}`);
    // word mode: the page's words are the CLI's
    await page.evaluate(() => { location.hash = location.hash.replace('u=pecas', 'u=palavras'); });
    await page.waitForFunction((n) => document.querySelectorAll('#table tbody tr').length === n, out.words.length, { timeout: 10_000 });
    const words = await page.$$eval('#table tbody tr th', (ths) => ths.map((x) => x.textContent));
    assert(words.join('|') === out.words.join('|'), `words ${words.join('|')} vs CLI ${out.words.join('|')}`);
    // the matrix: the cells above the diagonal are grey, with a line that says why
    await page.evaluate(() => { location.hash = location.hash.replace('v=orquestra', 'v=matriz'); });
    await page.waitForSelector('#view canvas', { timeout: 10_000 });
    const px = await page.evaluate(() => {
      const c = document.querySelector('#view canvas'), g = c.getContext('2d'), n = document.querySelectorAll('#table tbody tr').length;
      const dpr = c.width / parseFloat(c.style.width), pad = 110, cell = (parseFloat(c.style.width) - pad) / n;
      const at = (r, k) => [...g.getImageData(Math.round((pad + (k + 0.5) * cell) * dpr), Math.round((pad + (r + 0.5) * cell) * dpr), 1, 1).data].slice(0, 3).join(',');
      return { upper: at(0, n - 1), lower: at(n - 1, 0), diag: at(2, 2) };
    });
    assert(px.upper === '201,201,201' && px.lower !== px.upper && px.diag !== px.upper, JSON.stringify(px));
    assert(/does not see the future/.test(await page.textContent('#view')), 'the matrix does not say why');
    const cells = await page.$$eval('#table tbody tr:first-child td', (tds) => tds.map((x) => x.textContent));
    assert(cells.slice(1).every((c) => c === '–'), `the first row's later cells: ${cells.join(' ')}`);
  });
}

/** A text past the page's 256 tokens: read up to its limit with a notice; writing waits. */
export async function runLong({ test, assert, base }) {
  await test('writer: a text over 256 tokens is cut with a notice: the guesses follow what was read, Write waits for a shorter text, nothing typed is lost', async (page) => {
    const long = 'the cat sat. '.repeat(100);
    await page.goto(`${base}#s=${encodeURIComponent(long)}&v=proxima&m=smollm&lang=en`);
    await page.waitForFunction(() => /256 pieces/.test(document.getElementById('summary').textContent) && document.querySelector('.next-bar'), null, { timeout: 120_000 });
    assert(/only its beginning was read/.test(await page.textContent('#summary')), await page.textContent('#summary'));
    assert(/over 256 pieces/.test(await page.textContent('.next-cut')), 'no notice in the view');
    assert(await page.isDisabled('.write-button'), 'Write is offered on a cut text');
    assert((await page.inputValue('#text')) === long, 'the text box lost the text');
  });
}

/** Issue 24 §4, the logit lens: the page's table against the CLI's --lens. */
export async function runLens({ test, assert, base }) {
  await test('writer: v=lente by link: the guess after each layer (top 5 of the input and 30 layers) equals orquestra attention --lens within 1e-4; axe clean in pt and en', async (page) => {
    const S = 'The capital of France is';
    for (const [w, pos] of [[4, 4], [2, 2]]) {
      const out = JSON.parse(execFileSync('target/release/orquestra', ['attention', '--model', GGUF, '--out', '/tmp/orquestra-e2e-lens.npy', '--lens', String(pos), S]));
      await page.goto(`${base}#s=${encodeURIComponent(S)}&v=lente&m=smollm&w=${w}&u=pecas&lang=en`);
      await page.waitForSelector('.lens-row', { timeout: 120_000 });
      await page.check('#show-table', { force: true });
      const rows = await page.$$eval('#table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((c) => c.textContent)));
      assert(rows.length === out.lens.layers.length && rows.length === 31, `${rows.length} rows, CLI ${out.lens.layers.length}`);
      let worst = 0;
      rows.forEach((cells, l) => cells.forEach((cell, k) => {
        const want = out.lens.layers[l][k];
        const m = /^(".*") ([\d.]+)%$/.exec(cell);
        assert(m && JSON.parse(m[1]) === want.piece, `layer ${l} rank ${k + 1}: ${cell}, CLI ${JSON.stringify(want.piece)}`);
        worst = Math.max(worst, Math.abs(Number(m[2]) / 100 - want.prob));
      }));
      console.log(`     lens at position ${pos}: final guess ${JSON.stringify(out.lens.layers[30][0].piece)}; page vs CLI max diff ${worst.toExponential(1)}`);
      assert(worst <= 1e-4, `lens probabilities differ by ${worst}`);
    }
    for (const lang of ['pt', 'en']) {
      await page.goto(`${base}#s=${encodeURIComponent(S)}&v=lente&m=smollm&w=4&lang=${lang}`);
      await page.waitForSelector('.lens-row', { timeout: 120_000 });
      await page.addScriptTag({ url: '/node_modules/axe-core/axe.min.js' });
      const violations = await page.evaluate(async () => (await window.axe.run(document)).violations.map((x) => `${x.id} × ${x.nodes.length}: ${x.nodes[0]?.target}`));
      assert(!violations.length, `${lang}: ${violations.join(', ')}`);
    }
  });
}

/** Issue 24 §5, guess before reveal for the next word (p=1). */
export async function runGuess({ test, assert, base }) {
  await test('writer: p=1 on the next word: ten candidates and no number until a pick, then the bars and the pick\'s rank as orquestra generate --top 10 ranks it', async (page) => {
    const S = 'The capital of France is';
    const want = generate(S, '--tokens', '1', '--top', '10').top;
    await page.goto(`${base}#s=${encodeURIComponent(S)}&v=proxima&m=smollm&p=1&lang=en`);
    await page.waitForSelector('.next-quiz', { timeout: 120_000 });
    const view = await page.textContent('#view');
    assert(!/\d%/.test(view), `a number shows before the pick: ${view.slice(0, 200)}`);
    const ids = await page.$$eval('.next-quiz button', (bs) => bs.map((b) => Number(b.dataset.id)));
    assert(ids.length === 10 && [...ids].sort((a, b) => a - b).join() === want.map((g) => g.id).sort((a, b) => a - b).join(), 'the candidates are not the top 10');
    const rank = want.findIndex((g) => g.id === ids[1]) + 1;
    await page.locator('.next-quiz button').nth(1).click();
    await page.waitForSelector('.next-bars', { timeout: 5000 });
    const verdict = await page.textContent('.guess-result');
    assert(rank === 1 ? /^Right/.test(verdict) : new RegExp(`number ${rank} `).test(verdict), `${verdict} (CLI rank ${rank})`);
    assert((await page.$$('.next-bars li.guessed')).length === 1, 'the pick is not marked');
    await page.addScriptTag({ url: '/node_modules/axe-core/axe.min.js' });
    const violations = await page.evaluate(async () => (await window.axe.run(document)).violations.map((x) => `${x.id} × ${x.nodes.length}`));
    assert(!violations.length, violations.join(', '));
  });
}

/** Issue 24 §7, the widget and the embed: model="smollm" view="proxima" through PARAMS. */
export async function runWidget({ test, assert, base }) {
  await test('writer: widget model="smollm" view="proxima" (and embed.html m=smollm&v=proxima): the ten next-word bars equal orquestra generate --top 10 within 1e-4; the element\'s Write with temperature, seed and write equals orquestra generate', async (page) => {
    const S = 'She opened the door and';
    const want = generate(S, '--tokens', '1', '--top', '10').top;
    const check = async (where) => {
      await page.waitForFunction(() => document.querySelector('orquestra-attention')?.shadowRoot.querySelectorAll('.next-bar').length === 10
        && !document.querySelector('orquestra-attention').shadowRoot.querySelector('.next-bars.stale'), null, { timeout: 120_000 });
      const shown = await page.$$eval('orquestra-attention', (ws) => [...ws[0].shadowRoot.querySelectorAll('.next-bar')].map((b) => ({ id: Number(b.dataset.id), p: Number(b.dataset.p) })));
      let worst = 0;
      shown.forEach((b, i) => {
        assert(b.id === want[i].id, `${where}: rank ${i + 1} is id ${b.id}, CLI ${want[i].id}`);
        worst = Math.max(worst, Math.abs(b.p - want[i].prob));
      });
      console.log(`     ${where}: ${JSON.stringify(want[0].piece)} ${want[0].prob.toFixed(4)}; widget vs CLI max diff ${worst.toExponential(1)}`);
      assert(worst <= 1e-4, `${where}: probabilities differ by ${worst}`);
      assert(await page.$eval('orquestra-attention', (w) => Boolean(w.shadowRoot.querySelector('.write-button'))), `${where}: no Write button`);
    };
    await page.goto(`${base}embed.html#s=${encodeURIComponent(S)}&v=proxima&m=smollm&lang=pt`);
    await check('embed.html');
    // the element on a course page: its attributes are the share-link keys spelled out
    await page.goto(`${base}tests/browser/blank.html`);
    await page.evaluate(async ([src, s]) => {
      await import(src);
      const w = document.createElement('orquestra-attention');
      for (const [k, v] of Object.entries({ sentence: s, model: 'smollm', view: 'proxima', temperature: '0.8', seed: '7', write: '5', lang: 'en' })) w.setAttribute(k, v);
      document.body.append(w);
    }, [`${base}www/widget.js`, S]);
    await check('element');
    const attrs = await page.$eval('orquestra-attention', (w) => ['temperature', 'seed', 'write'].map((a) => w.getAttribute(a)).join(','));
    assert(attrs === '0.8,7,5', `the writing attributes changed: ${attrs}`);
    // its Write writes what orquestra generate writes with the same temperature, seed and count
    await page.locator('orquestra-attention .write-button').click();
    await page.waitForFunction(() => { const r = document.querySelector('orquestra-attention').shadowRoot; return !r.querySelector('.write-button.stop') && r.querySelector('.written-status'); }, null, { timeout: 60_000 });
    const written = await page.$eval('orquestra-attention', (w) => [...w.shadowRoot.querySelectorAll('.written-tok')].map((x) => x.textContent).join(''));
    const wantText = generate(S, '--tokens', '5', '--temperature', '0.8', '--seed', '7').text;
    console.log(`     element Write (temperature 0.8, seed 7, 5 tokens): ${JSON.stringify(written)}`);
    assert(written === wantText, `the element wrote ${JSON.stringify(written)}, CLI ${JSON.stringify(wantText)}`);
  });
}
