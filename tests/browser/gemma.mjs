// Issue 25 §5, the model that writes for a Portuguese visitor: Gemma 3 270M (m=gemma), its
// vocabulary-trimmed GGUF, on the page. The picker (size, languages, downloaded only when picked,
// checked and cached by its sha256, its terms linked and shipped), the link rule (a pt link to a
// writing view without m= opens it), and every writing view against the CLI on the same file:
// the next-word bars (within 1e-4 of `orquestra generate --top 10`), seeded and greedy Write
// (equal to `orquestra generate`), each written piece's live row, the lens (19 rows, equal to
// `orquestra attention --lens`), the causal orchestra, the jury (4 judges on 1 note sheet, parking
// on the start token <bos>), flow and compare; axe in pt and en, a 360 px phone, and the
// screenshots of issue 25 (test-artifacts/issue25/, looked at by hand). The model is loaded once in
// the harness's context (its Cache API keeps it for the other tests), once more for the phone's
// screenshots. Called by run.mjs with its harness: { test, assert, ctx, base, launch }.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readNpy } from './npy.mjs';
import { cliHabit } from './writer.mjs';

export const GGUF = 'models/gemma3-270m/gemma-3-270m-pt-en.q4_k_m.gguf';
const orquestra = (args) => JSON.parse(execFileSync('target/release/orquestra', args, { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }));
const generate = (text, ...args) => orquestra(['generate', '--model', GGUF, text, '--json', ...args]);
const attention = (text, out, ...args) => orquestra(['attention', '--model', GGUF, '--out', out, ...args, text]);
const enc = encodeURIComponent;
const GATO = 'O gato subiu no telhado porque';
const LONG = 'A menina que adotou vários cachorros de rua estava radiante porque';
const READY = /q4_k_m/;

export async function run({ test, assert, ctx, base, launch }) {
  let page = null; // shared by the tests below: one model load
  const errors = [];
  const go = async (hash) => {
    if (!page) { // (a test run alone: ONLY=...)
      page = await ctx.newPage();
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${base}#${hash}`);
      await ready();
    }
    await page.bringToFront(); // (a tab behind gets no animation frames)
    await page.evaluate((h) => { location.hash = h; }, hash);
    await page.waitForFunction((h) => decodeURIComponent(location.hash).includes(h), decodeURIComponent(hash).split('&')[0], { timeout: 10_000 });
  };
  const ready = () => page.waitForFunction((r) => new RegExp(r).test(document.getElementById('status').textContent), READY.source, { timeout: 120_000 });
  /** The bars of `text` once drawn and fresh: their ids and exact probabilities. */
  const bars = async (text) => {
    await page.waitForFunction((s) => {
      const q = document.querySelector('.next-after q');
      return q && !document.querySelector('.next-bars.stale') && document.querySelectorAll('.next-bar').length === 10 && s.endsWith(q.textContent.replace(/^…/, ''));
    }, text, { timeout: 60_000 });
    return page.$$eval('.next-bar', (bs) => bs.map((b) => ({ id: Number(b.dataset.id), p: Number(b.dataset.p) })));
  };
  /** Write, to its end: the text box after it and the drawings that showed a partial writing. */
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
    await page.waitForFunction(() => !document.querySelector('.write-button.stop') && document.querySelector('.written-status'), null, { timeout: 60_000 });
    return { text: await page.inputValue('#text'), partials: await page.evaluate(() => window.partials.size) };
  };
  const table = async () => {
    await page.check('#show-table', { force: true });
    const rows = await page.$$eval('#table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((x) => x.textContent)));
    await page.uncheck('#show-table', { force: true });
    return rows;
  };
  const axe = async () => {
    await page.addScriptTag({ url: '/node_modules/axe-core/axe.min.js' });
    return page.evaluate(async () => (await window.axe.run(document)).violations.map((x) => `${x.id} × ${x.nodes.length}: ${x.nodes[0]?.target}`));
  };

  await test('gemma: the picker offers Gemma 3 270M (português e inglês, escreve texto, 104,8 MB); downloaded only when picked, with progress; checked and cached by its sha256; its terms of use linked and shipped; a pt link to v=proxima without m= opens it', async () => {
    page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    let asked = 0;
    page.on('request', (r) => { if (r.url().endsWith('.q4_k_m.gguf')) asked++; });
    await page.goto(`${base}#s=${enc(GATO)}&v=orquestra&m=e5pt&lang=pt`);
    await page.waitForSelector('#progress', { state: 'hidden', timeout: 60_000 });
    const option = await page.$eval('#model option[value=gemma]', (o) => o.textContent);
    assert(option === 'Gemma 3 270M · português e inglês · escreve texto · 104,8 MB', option);
    assert(asked === 0, 'the GGUF was asked for before it was picked');
    const progress = [];
    const watch = setInterval(() => page.textContent('#status').then((s) => progress.push(s), () => {}), 50);
    await page.evaluate(() => caches.delete('orquestra-model-v1')); // a first visit for this model
    await page.selectOption('#model', 'gemma');
    await page.waitForFunction(() => location.hash.includes('m=gemma'), null, { timeout: 5000 });
    await ready();
    clearInterval(watch);
    assert(asked === 1, `the GGUF was asked for ${asked} times`);
    assert(progress.some((s) => /Gemma 3 270M: [\d,]+ de 104,8 MB/.test(s)), `no progress: ${[...new Set(progress)].slice(0, 4).join(' | ')}`);
    assert((await page.inputValue('#text')) === GATO, 'the text changed');
    const tabs = await page.$$eval('#views button', (bs) => bs.map((b) => b.textContent));
    assert(tabs.join(',') === 'Orquestra,Próxima palavra,Lente,Júri,Matriz,Modelo,Fluxo,Comparar', tabs.join(','));
    // cached under its sha256 (www/models.json, which make_manifest writes from the file)
    const sha = createHash('sha256').update(readFileSync(GGUF)).digest('hex');
    const manifest = JSON.parse(readFileSync('www/models.json', 'utf8'));
    assert(manifest[`../${GGUF}`] === sha, `www/models.json names ${manifest[`../${GGUF}`]}, the file is ${sha}`);
    const keys = await page.evaluate(async () => (await (await caches.open('orquestra-model-v1')).keys()).map((r) => r.url));
    assert(keys.some((k) => k.includes('gemma-3-270m-pt-en') && k.endsWith(`orquestra-sha256=${sha}`)), keys.join(' '));
    // the model's note: the sliding window, the trimmed vocabulary, and its terms and notice, served
    await page.waitForFunction(() => /256/.test(document.querySelector('.model-about')?.textContent ?? ''), null, { timeout: 60_000 });
    const about = await page.textContent('.model-about');
    assert(/15 das suas 18 camadas só veem as últimas 512 peças/.test(about) && /no máximo 256 peças/.test(about), about);
    assert(/reduzido às 51\.574 peças \(de 262\.144\)/.test(about), about);
    const links = await page.$$eval('.model-about a', (as) => as.map((a) => [a.textContent, a.href]));
    assert(links.length === 2 && links[0][0] === 'Termos de Uso do Gemma', JSON.stringify(links));
    for (const [, href] of links) {
      const r = await page.evaluate(async (u) => { const x = await fetch(u); return [x.status, (await x.text()).slice(0, 20000)]; }, href);
      assert(r[0] === 200 && /gemma/i.test(r[1]), `${href}: ${r[0]}`);
    }
    for (const f of ['gemma-3-270m-pt-en.q4_k_m.gguf', 'NOTICE.txt', 'GEMMA_TERMS.html']) {
      if (existsSync('dist')) assert(existsSync(`dist/models/gemma3-270m/${f}`), `dist/ lacks models/gemma3-270m/${f}`);
    }
    // a Portuguese link to the next word that names no model opens Gemma (m= written into it)
    await go(`#s=${enc(GATO)}&v=proxima&lang=pt`);
    await page.waitForFunction(() => location.hash.includes('m=gemma'), null, { timeout: 5000 });
    await bars(GATO);
    // in English the picker says so in English
    await go(`#s=${enc(GATO)}&v=proxima&m=gemma&lang=en`);
    const en = await page.$eval('#model option[value=gemma]', (o) => o.textContent);
    assert(en === 'Gemma 3 270M · Portuguese and English · writes text · 104.8 MB', en);
  });

  await test('gemma: v=proxima: the 10 next tokens and their probabilities equal orquestra generate --top 10 within 1e-4 (pt and en texts); the start token is no guess', async () => {
    for (const text of [GATO, LONG, 'The capital of France is']) {
      await go(`#s=${enc(text)}&v=proxima&m=gemma&lang=pt`);
      const shown = await bars(text);
      const want = generate(text, '--tokens', '1', '--top', '10').top;
      let worst = 0;
      shown.forEach((b, i) => {
        assert(b.id === want[i].id, `${text}: rank ${i + 1} is id ${b.id}, CLI ${want[i].id} ${JSON.stringify(want[i].piece)}`);
        worst = Math.max(worst, Math.abs(b.p - want[i].prob));
      });
      const cells = (await table()).map((r) => Number(r.at(-1).replace('%', '').replace(',', '.')) / 100);
      cells.forEach((p, i) => { worst = Math.max(worst, Math.abs(p - want[i].prob)); });
      console.log(`     "${text}": ${want.slice(0, 3).map((g) => `${JSON.stringify(g.piece)} ${(100 * g.prob).toFixed(2)}%`).join(', ')}; page vs CLI max diff ${worst.toExponential(1)}`);
      assert(worst <= 1e-4, `${text}: probabilities differ by ${worst}`);
    }
    const explain = await page.textContent('#view');
    assert(/cada uma das 51\.574 peças do seu vocabulário/.test(explain), 'the vocabulary size is not the bundle\'s');
  });

  await test('gemma: Write with temperature and seed, and greedy, writes what orquestra generate writes; each new piece\'s attention is drawn as it arrives, the last one\'s row equal to orquestra attention on the written text', async () => {
    for (const [temp, seed, n] of [[0.8, 7, 12], [0, 1, 10]]) {
      const [l, h] = [8, 2];
      await go(`#s=${enc(GATO)}&v=proxima&m=gemma&lang=pt&l=${l + 1}&h=${h + 1}${temp ? `&temp=${temp}&seed=${seed}` : ''}&n=${n}`);
      await bars(GATO);
      await page.evaluate(() => {
        window.conductors = [];
        window.liveObserver?.disconnect();
        window.liveObserver = new MutationObserver(() => {
          const live = document.querySelector('.live');
          if (live && document.querySelector('.write-button.stop')) window.conductors.push(Number(live.dataset.conductor));
        });
        window.liveObserver.observe(document.getElementById('view'), { childList: true, subtree: true });
      });
      const { text, partials } = await write();
      const want = generate(GATO, '--tokens', String(n), ...(temp ? ['--temperature', String(temp), '--seed', String(seed)] : []));
      console.log(`     temp ${temp}${temp ? ` seed ${seed}` : ''}: ${JSON.stringify(want.text)} (${n} tokens, ${partials} drawings on the way)`);
      assert(text === GATO + want.text, `temp ${temp}: page ${JSON.stringify(text)}, CLI ${JSON.stringify(GATO + want.text)}`);
      assert(partials >= 2, `the tokens were not drawn as they came (${partials} partial drawings)`);
      if (temp) continue;
      const conductors = [...new Set(await page.evaluate(() => window.conductors))];
      assert(conductors.length >= 3 && conductors.every((c, i) => !i || c > conductors[i - 1]), `live attention drawn for ${conductors.join(',')}`);
      const out = attention(text, '/tmp/orquestra-e2e-gemma-live.npy');
      const { shape, data } = readNpy('/tmp/orquestra-e2e-gemma-live.npy'); // (L, H, T, T)
      const T = shape[2];
      const live = await page.$eval('.live', (x) => ({ conductor: Number(x.dataset.conductor), chips: [...x.querySelectorAll('.live-tok')].map((c) => ({ pos: Number(c.dataset.pos), p: Number(c.dataset.p), text: c.textContent })) }));
      assert(live.conductor === T - 1 && live.chips.length === T, `the last piece conducts at ${live.conductor} over ${live.chips.length} pieces; the CLI reads ${T}`);
      assert(live.chips[0].text === '<bos>', `the first piece is ${live.chips[0].text}`);
      let worst = 0;
      live.chips.forEach((c) => {
        const piece = out.pieces[c.pos], body = piece.replace(/^\s+/u, '');
        assert(c.text === (body ? body.replace(/\n/g, '↵') : piece.includes('\n') ? '↵' : '␣'), `piece ${c.pos}: ${c.text}, CLI ${JSON.stringify(piece)}`);
        worst = Math.max(worst, Math.abs(c.p - data[((l * shape[1] + h) * T + T - 1) * T + c.pos]));
      });
      console.log(`     live row of "${live.chips.at(-1).text}" (layer ${l + 1}, head ${h + 1}; <bos> ${(100 * live.chips[0].p).toFixed(1)}%) vs orquestra attention: max diff ${worst.toExponential(1)}`);
      assert(worst <= 5e-4, `the live row differs by ${worst}`);
    }
  });

  await test('gemma: v=lente: 19 rows (the embeddings and 18 layers), each layer\'s top 5 equal to orquestra attention --lens within 1e-4', async () => {
    for (const [w, pos] of [[8, 8], [2, 2]]) {
      const out = attention(GATO, '/tmp/orquestra-e2e-gemma-lens.npy', '--lens', String(pos));
      await go(`#s=${enc(GATO)}&v=lente&m=gemma&w=${w}&u=pecas&lang=pt`);
      await page.waitForFunction((sel) => document.querySelectorAll('.lens-row').length === 19 && document.querySelector('[data-focus=lens-word]')?.value === sel, String(w), { timeout: 60_000 });
      const rows = (await table()).map((cells) => cells.slice(1));
      assert(rows.length === 19 && out.lens.layers.length === 19, `${rows.length} rows, CLI ${out.lens.layers.length}`);
      let worst = 0;
      rows.forEach((cells, l) => cells.forEach((cell, k) => {
        const want = out.lens.layers[l][k];
        const m = /^(".*") ([\d.,]+)%$/.exec(cell);
        assert(m && JSON.parse(m[1]) === want.piece, `layer ${l} rank ${k + 1}: ${cell}, CLI ${JSON.stringify(want.piece)}`);
        worst = Math.max(worst, Math.abs(Number(m[2].replace(',', '.')) / 100 - want.prob));
      }));
      console.log(`     lens after "${out.pieces[pos]}": layer 9 ${JSON.stringify(out.lens.layers[9][0].piece)}, final ${JSON.stringify(out.lens.layers[18][0].piece)} ${(100 * out.lens.layers[18][0].prob).toFixed(1)}%; page vs CLI max diff ${worst.toExponential(1)}`);
      assert(worst <= 1e-4 + 5e-5, `lens probabilities differ by ${worst}`); // (the table shows two decimals of a percent)
    }
  });

  await test('gemma: the causal orchestra reads <bos> and the words as orquestra attention does; later words not yet written; weights equal the CLI\'s', async () => {
    const [l, h, w] = [8, 2, 3]; // layer 9, head 3: "subiu" hears "gato" (the lesson's step 7)
    const out = attention(GATO, '/tmp/orquestra-e2e-gemma.npy');
    const { shape, data } = readNpy('/tmp/orquestra-e2e-gemma.npy'); // (L, H, T, T)
    assert(shape.join() === `18,4,${out.pieces.length},${out.pieces.length}` && out.kvHeads === 1, `shape ${shape}, ${out.kvHeads} key/value heads`);
    await go(`#s=${enc(GATO)}&v=orquestra&m=gemma&l=${l + 1}&h=${h + 1}&w=${w}&u=palavras&lang=en`);
    await page.waitForFunction((n) => document.querySelectorAll('svg.orchestra .musician').length === n, out.words.length, { timeout: 60_000 });
    const rows = await table();
    assert(rows.map((r) => r[0]).join('|') === out.words.join('|'), `words ${rows.map((r) => r[0]).join('|')} vs CLI ${out.words.join('|')}`);
    // the word's row: the mean of its pieces' rows, each column summed over a word's pieces
    const pieces = (k) => out.wordOfToken.flatMap((x, i) => (x === k ? [i] : []));
    let worst = 0;
    rows.forEach((row, k) => {
      if (k > w) { assert(row.at(-1) === 'not yet written', `word ${k}: ${row.at(-1)}`); return; }
      let want = 0;
      for (const q of pieces(w)) for (const c of pieces(k)) want += data[((l * shape[1] + h) * shape[2] + q) * shape[2] + c] / pieces(w).length;
      worst = Math.max(worst, Math.abs(Number(row.at(-1).replace('%', '')) - 100 * want));
    });
    console.log(`     "${out.words[w]}" at layer ${l + 1}, head ${h + 1}: ${rows.slice(0, w + 1).map((r) => `${r[0]} ${r.at(-1)}`).join(', ')}; vs CLI max diff ${worst.toFixed(3)} points`);
    assert(worst <= 0.1, `weights differ by ${worst} points`);
    assert(/hears only the words before it/.test(await page.textContent('.causal-note')), 'no causal note');
  });

  await test('gemma: the jury: 4 judges on one note sheet ("all read the same notes"); each judge\'s habit, vote and parking on the start token <bos> equal what orquestra attention\'s numbers give; axe clean in pt and en; a 360 px phone', async () => {
    const S = 'A menina, que adotou vários cachorros de rua, estava radiante porque';
    const out = attention(S, '/tmp/orquestra-e2e-gemma-jury.npy', '--v', '/tmp/orquestra-e2e-gemma-jury-v.npy');
    const { shape, data } = readNpy('/tmp/orquestra-e2e-gemma-jury.npy'); // (L, H, T, T)
    const V = readNpy('/tmp/orquestra-e2e-gemma-jury-v.npy'); // (L, Hkv, T, Dh)
    const [, H, T] = shape;
    assert(H === 4 && out.kvHeads === 1 && out.kvHead.join() === '0,0,0,0' && out.pieces[0] === '<bos>', `heads ${H}, sheets ${out.kvHead}, first ${out.pieces[0]}`);
    const w = out.pieces.findIndex((p) => p === ' cach');
    const at = w > 0 ? w : 8;
    let worstHabit = 0, worstVote = 0, worstSheet = 0, checked = 0, parks = 0;
    for (const l of [2, 5, 11]) { // a sliding-window layer and the first two global ones (6, 12)
      await go(`#s=${enc(S)}&v=juri&m=gemma&l=${l + 1}&h=1&w=${at}&u=pecas&lang=en`);
      await page.waitForFunction((layer) => document.querySelectorAll('.sheet .judge').length === 4 && document.getElementById('layer').value === String(layer), l, { timeout: 60_000 });
      const sheets = await page.$$eval('.sheet', (ss) => ss.map((s) => ({ title: s.querySelector('.sheet-title').textContent, judges: [...s.querySelectorAll('.judge')].map((j) => Number(j.dataset.head)), value: Number(s.dataset.value) })));
      assert(sheets.length === 1 && sheets[0].judges.join() === '0,1,2,3' && sheets[0].title.startsWith('One note sheet for all (the same keys and values): judges 1, 2, 3, 4'), JSON.stringify(sheets));
      const [, , , D] = V.shape;
      const norm = (t) => Math.hypot(...V.data.subarray((l * T + t) * D, (l * T + t + 1) * D));
      let rest = 0;
      for (let t = 1; t < T; t++) rest += norm(t);
      worstSheet = Math.max(worstSheet, Math.abs(sheets[0].value - norm(0) / (rest / (T - 1))));
      const cards = await page.$$eval('.judge', (js) => js.map((j) => ({ head: Number(j.dataset.head), label: j.querySelector('.label').dataset.label, strength: Number(j.querySelector('.label').dataset.strength), text: j.querySelector('.label').textContent })));
      for (const c of cards) {
        const want = cliHabit(data, shape, l, c.head, out.pieces, out.wordOfToken);
        assert(c.label === want.label, `layer ${l + 1} judge ${c.head + 1}: ${c.label}, CLI ${want.label} (${want.strength})`);
        worstHabit = Math.max(worstHabit, Math.abs(c.strength - want.strength));
        if (c.label === 'cls') { parks++; assert(/parks on the start token, <bos> \(the attention sink\) \(\d+%\)/.test(c.text), c.text); }
        checked++;
      }
      const a = (h, k) => data[((l * H + h) * T + at) * T + k];
      (await table()).forEach((cells, h) => {
        assert(cells[1] === '1', `judge ${h + 1}'s sheet: ${cells[1]}`);
        let vote = -1;
        for (let k = 1; k < at; k++) if (out.wordOfToken[k] !== out.wordOfToken[at] && (vote < 0 || a(h, k) > a(h, vote))) vote = k;
        const parked = a(h, 0); // <bos>
        worstVote = Math.max(worstVote, Math.abs(Number(cells[4].replace('%', '')) / 100 - parked));
        if (vote < 0 || parked >= 0.5) assert(cells[2] === 'Abstains', `layer ${l + 1} judge ${h + 1}: ${cells[2]}, CLI parks ${parked.toFixed(3)}`);
        else {
          const m = /^(.+) \((\d+)%\)$/.exec(cells[2]);
          assert(m && m[1] === out.pieces[vote].trim(), `layer ${l + 1} judge ${h + 1} votes ${cells[2]}, CLI ${out.pieces[vote]} ${a(h, vote).toFixed(3)}`);
          worstVote = Math.max(worstVote, Math.abs(Number(m[2]) / 100 - a(h, vote)));
        }
      });
      const g = await page.$eval('.gqa-measured', (p) => ({ same: Number(p.dataset.same), text: p.textContent }));
      let sum = 0, pairs = 0;
      for (let i = 0; i < H; i++) for (let j = i + 1; j < H; j++) {
        let tv = 0;
        for (let k = 0; k <= at; k++) tv += Math.abs(a(i, k) - a(j, k));
        sum += tv / 2; pairs++;
      }
      worstSheet = Math.max(worstSheet, Math.abs(g.same - sum / pairs));
      if (l === 5) console.log(`     layer 6 (global), "${out.pieces[at].trim()}": the four judges on one sheet differ by ${(100 * g.same).toFixed(0)}% pair by pair; <bos>'s value ${(100 * sheets[0].value).toFixed(0)}% of the others' mean length`);
    }
    console.log(`     ${checked} judges (${parks} park on <bos>): habit share vs CLI max diff ${worstHabit.toExponential(1)}; votes and parking within ${worstVote.toFixed(4)} (whole percents); sheet ${worstSheet.toExponential(1)}`);
    assert(worstHabit <= 1e-4 && worstSheet <= 1e-3 && worstVote <= 0.0051, `habit ${worstHabit}, votes ${worstVote}, sheets ${worstSheet}`);
    const text = await page.textContent('#view');
    assert(/4 judges, one note sheet/.test(text) && /all 4 judges of a layer read the same notes/.test(text), 'the one-sheet sentence is missing');
    assert(/Why park on <bos>\? This model puts a start token, <bos>, before every text/.test(text), 'the sink is not named as the start token');
    assert(!/first word/.test(text), `the jury still says "first word": ${text.match(/.{60}first word.{40}/)?.[0]}`);
    // <bos> in focus: it hears only itself
    await go(`#s=${enc(S)}&v=juri&m=gemma&l=3&h=1&w=0&u=pecas&lang=pt`);
    await page.waitForFunction(() => /token de início vem antes do texto/.test(document.querySelector('.verdict')?.textContent ?? ''), null, { timeout: 30_000 });
    const found = [];
    for (const lang of ['pt', 'en']) {
      await go(`#s=${enc(S)}&v=juri&m=gemma&l=6&h=1&w=${at}&lang=${lang}`);
      await page.waitForFunction((l) => document.querySelectorAll('.sheet .judge').length === 4 && document.documentElement.lang.startsWith(l), lang, { timeout: 30_000 });
      await page.check('#show-table', { force: true });
      found.push(...(await axe()).map((x) => `${lang}: ${x}`));
      await page.uncheck('#show-table', { force: true });
    }
    assert(!found.length, found.join('; '));
  });

  await test('gemma: flow and compare on Gemma: the rollout equals orquestra attention --rollout, piling up on <bos> (said as the start token); the word\'s vectors\' cosines equal --hidden\'s', async () => {
    const S = 'A menina, que adotou vários cachorros de rua, estava radiante porque';
    const [l, w] = [5, 6];
    const out = attention(S, '/tmp/orquestra-e2e-gemma-f.npy', '--rollout', '/tmp/orquestra-e2e-gemma-r.npy');
    const R = readNpy('/tmp/orquestra-e2e-gemma-r.npy'); // (L, T, T)
    const T = R.shape[1];
    await go(`#s=${enc(S)}&v=fluxo&m=gemma&l=${l + 1}&h=1&w=${w}&u=pecas&lang=en`);
    await page.waitForFunction((n) => document.querySelectorAll('.flow-row.musician').length === n && document.querySelector('.flow-sink'), T, { timeout: 60_000 });
    const rows = await table();
    let worst = 0;
    rows.forEach((cells, k) => {
      const want = R.data[(l * T + w) * T + k];
      if (k > w) { assert(cells[1] === 'not yet written' && want === 0, `row ${k}: ${cells[1]}`); return; }
      worst = Math.max(worst, Math.abs(Number(cells[1].replace('%', '')) - 100 * want));
    });
    const sink = await page.textContent('.flow-sink');
    console.log(`     flow: rollout of "${out.pieces[w].trim()}" after layer ${l + 1} vs orquestra --rollout: max diff ${worst.toFixed(3)} points; <bos> ${(100 * R.data[(l * T + w) * T]).toFixed(1)}%`);
    assert(worst <= 0.1, `rollout differs by ${worst} points`);
    assert(/piles up where the heads park, here on the start token/.test(sink) && sink.includes(`back to <bos>`), sink);
    const [A, B] = ['Depois de pescar no rio, sentamos no banco.', 'Eu precisava de dinheiro, então fui ao banco.'];
    const a = attention(A, '/tmp/orquestra-e2e-gemma-a.npy', '--hidden', '/tmp/orquestra-e2e-gemma-ha.npy');
    const b = attention(B, '/tmp/orquestra-e2e-gemma-b.npy', '--hidden', '/tmp/orquestra-e2e-gemma-hb.npy');
    const [ha, hb] = ['/tmp/orquestra-e2e-gemma-ha.npy', '/tmp/orquestra-e2e-gemma-hb.npy'].map(readNpy); // (L+1, T, D)
    const ia = a.words.indexOf('banco'), ib = b.words.indexOf('banco');
    const pieceOf = (x, i) => x.wordOfToken.indexOf(i); // "banco" is one piece in both
    await go(`#s=${enc(A)}&s2=${enc(B)}&v=comparar&m=gemma&l=9&h=1&w=${ia}&lang=pt`);
    await page.waitForSelector('svg.similarity', { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('.compare-row').length > 0, null, { timeout: 30_000 });
    const sims = (await table()).map((r) => Number(r.at(-1).replace(',', '.')));
    assert(sims.length === 19, `${sims.length} layers of cosines`);
    const vec = ({ shape, data }, t, m) => data.subarray((m * shape[1] + t) * shape[2], (m * shape[1] + t + 1) * shape[2]);
    let worstCos = 0;
    sims.forEach((s, m) => {
      const [x, y] = [vec(ha, pieceOf(a, ia), m), vec(hb, pieceOf(b, ib), m)];
      let xy = 0, xx = 0, yy = 0;
      for (let d = 0; d < x.length; d++) { xy += x[d] * y[d]; xx += x[d] * x[d]; yy += y[d] * y[d]; }
      worstCos = Math.max(worstCos, Math.abs(s - xy / Math.sqrt(xx * yy)));
    });
    console.log(`     compare "banco": cosine after layer 18 ${sims[18]}; page vs orquestra --hidden max diff ${worstCos.toExponential(1)}`);
    assert(worstCos <= 2e-4, `cosines differ by ${worstCos}`);
  });

  await test('gemma: axe finds nothing on the next word (after Write) and the lens in pt and en; a 360 px phone has no sideways scroll and 44 px targets (next word, lens, jury)', async () => {
    const found = [];
    for (const lang of ['pt', 'en']) {
      await go(`#s=${enc(GATO)}&v=proxima&m=gemma&lang=${lang}&temp=0.7&seed=3&n=3`);
      await bars(GATO);
      await write();
      await bars(await page.inputValue('#text'));
      await page.check('#show-table', { force: true });
      found.push(...(await axe()).map((x) => `proxima ${lang}: ${x}`));
      await page.uncheck('#show-table', { force: true });
      await go(`#s=${enc(GATO)}&v=lente&m=gemma&lang=${lang}&w=6`);
      await page.waitForFunction(() => document.querySelectorAll('.lens-row').length === 19, null, { timeout: 60_000 });
      found.push(...(await axe()).map((x) => `lente ${lang}: ${x}`));
    }
    assert(!found.length, found.join('; '));
    await page.setViewportSize({ width: 360, height: 740 });
    const bad = [];
    for (const [v, sel] of [['proxima', '.next-bar'], ['lente', '.lens-row'], ['juri', '.sheet .judge']]) {
      await go(`#s=${enc(GATO)}&v=${v}&m=gemma&lang=pt&l=9&h=3&w=3`);
      await page.waitForSelector(sel, { timeout: 60_000 });
      await page.waitForTimeout(300);
      const r = await page.evaluate(() => ({
        wide: document.documentElement.scrollWidth - innerWidth,
        small: [...document.querySelectorAll('#view button, #view input, #view select, #view a, #view [tabindex]')].map((b) => b.getBoundingClientRect()).filter((b) => b.width && (b.height < 44 || b.width < 44)).length,
      }));
      if (r.wide > 0 || r.small) bad.push(`${v}: ${r.wide} px sideways, ${r.small} targets under 44 px`);
    }
    await page.setViewportSize({ width: 1280, height: 720 });
    assert(!bad.length, bad.join('; '));
    assert(!errors.length, errors.join('; '));
  });

  await test('gemma: screenshots of Gemma\'s writing views (next word with Write, lens, causal orchestra, jury), laptop 1280×800 and phone 360×740, pt and en, in test-artifacts/issue25/', async () => {
    const dir = 'test-artifacts/issue25';
    mkdirSync(dir, { recursive: true });
    const S = 'A menina que adotou vários cachorros de rua estava radiante porque';
    const SEN = 'The girl who adopted several stray dogs was radiant because';
    const VIEWS = {
      proxima: (lang) => ({ hash: `s=${enc(lang === 'pt' ? 'Era uma vez' : 'Once upon a time')}&v=proxima&l=9&h=3&n=12`, wait: '.next-bar', write: true }),
      lente: (lang) => ({ hash: `s=${enc(lang === 'pt' ? GATO : 'The capital of France is')}&v=lente&w=${lang === 'pt' ? 6 : 5}`, wait: '.lens-row' }),
      orquestra: (lang) => ({ hash: `s=${enc(lang === 'pt' ? S : SEN)}&v=orquestra&l=9&h=3&w=${lang === 'pt' ? 4 : 5}`, wait: '#view .musician' }),
      // (layer 5: all four judges vote, for different words: "radiante" → que, estava, estava, cachorros)
      juri: (lang) => ({ hash: `s=${enc(lang === 'pt' ? S : SEN)}&v=juri&l=5&h=1&w=10`, wait: '.sheet .judge' }),
    };
    const problems = [];
    const shoot = async (p, size) => {
      for (const lang of ['pt', 'en']) for (const [v, spec] of Object.entries(VIEWS).map(([k, f]) => [k, f(lang)])) {
        await p.evaluate((h) => { location.hash = h; }, `#${spec.hash}&m=gemma&lang=${lang}`);
        await p.waitForSelector(spec.wait, { timeout: 60_000 });
        const fresh = () => p.waitForFunction(() => document.querySelectorAll('.next-bar').length === 10 && !document.querySelector('.next-bars.stale'), null, { timeout: 60_000 });
        if (spec.write) {
          await fresh();
          await p.click('.write-button:not(.stop)');
          await p.waitForFunction(() => !document.querySelector('.write-button.stop') && document.querySelector('.live'), null, { timeout: 60_000 });
          await fresh();
        }
        await p.waitForTimeout(400);
        const f = await p.evaluate(() => ({
          wide: document.documentElement.scrollWidth - innerWidth,
          small: [...document.querySelectorAll('#view button, #view input, #view select, #view a, #view [tabindex]')].filter((b) => { const r = b.getBoundingClientRect(); return r.width && (r.height < 44 || r.width < 44); }).map((b) => b.className || b.tagName),
          tiny: [...document.querySelectorAll('#view *:not(svg *)')].filter((e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()) && e.getClientRects().length && parseFloat(getComputedStyle(e).fontSize) < 12).map((e) => e.className || e.tagName),
        }));
        const file = `${dir}/${v}-${size}-${lang}.png`;
        await p.screenshot({ path: file, fullPage: true });
        if (f.wide > 0) problems.push(`${file}: ${f.wide} px sideways`);
        if (size === 'phone' && f.small.length) problems.push(`${file}: targets under 44 px: ${f.small.slice(0, 4).join(', ')}`);
        if (size === 'phone' && f.tiny.length) problems.push(`${file}: text under 12 px: ${f.tiny.slice(0, 4).join(', ')}`);
      }
    };
    // the laptop in the page already holding the model; the phone in a context of its own (touch)
    await go(`#s=${enc(GATO)}&v=orquestra&m=gemma&lang=pt`);
    await page.setViewportSize({ width: 1280, height: 800 });
    await shoot(page, 'laptop');
    await page.close();
    const phone = await launch({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, serviceWorkers: 'block' });
    try {
      const p = await phone.newPage();
      p.on('pageerror', (e) => problems.push(`phone: ${e}`));
      await p.goto(`${base}#s=${enc(GATO)}&m=gemma&v=orquestra&lang=pt`);
      await p.waitForFunction((r) => new RegExp(r).test(document.getElementById('status').textContent), READY.source, { timeout: 120_000 });
      await shoot(p, 'phone');
    } finally {
      await phone.close();
    }
    assert(!problems.length, problems.join('\n'));
  });
}
