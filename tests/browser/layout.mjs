// Issue 28, the picture first: at 360×740 (touch, CPU 4×, a throttled server) and 1280×800,
// the drawing on the first screen, one tap conducts, tap targets and text sizes, no freezes.
// Called by run.mjs with its harness: { test, assert, ready, modelReady, hashOf, showTable, cli,
// ctx, base, launch, serve }.

import { medianWithin, mediansWithin, timesText, mediansText } from './budget.mjs';

const ARTICLE = 'A menina que, depois de uma longa caminhada pelo parque, adotou vários cachorros de rua, estava radiante.';
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const LAPTOP = { viewport: { width: 1280, height: 800 } };
/** The phone's link: 8 Mbit/s and 165 ms, at the server (Chromium's emulation does not reach
 *  the worker that downloads the model). */
const SLOW_LINK = { bytesPerSecond: 1e6, latency: 165 };

/** What each view draws (its picture), and whether an example's build-time run draws it before
 *  the model arrives (the flow needs the rollout and the comparison a second run: both come
 *  with the live model). */
const VIEWS = [
  ['orquestra', '.orq-main', true], ['juri', '.jury', true], ['matriz', '#view canvas', true],
  ['modelo', '.model-grid', true], ['fluxo', '.flow-list', false], ['comparar', '.compare-sides', false],
];
const WIDGET_PICTURE = '.orq-main, .guess-list, .jury, .model-grid';

/** Px of `selector`'s box on the first screen (above `until`'s top, when given), in the page or
 *  in the lesson's widget. */
function onFirstScreen(page, selector, until = null) {
  return page.evaluate(([sel, stop]) => {
    const widget = document.querySelector('orquestra-attention')?.shadowRoot;
    const e = (widget ?? document).querySelector(sel);
    if (!e) return -1;
    const b = e.getBoundingClientRect();
    const bottom = stop ? document.querySelector(stop).getBoundingClientRect().top : innerHeight;
    return Math.round(Math.max(0, Math.min(bottom, b.bottom) - Math.max(0, b.top)));
  }, [selector, until]);
}

/** Interactive elements under 44 × 44 px and text under 12 px on the page (and in a widget). */
function smallThings(page) {
  return page.evaluate(() => {
    const out = [];
    const roots = [document, ...[...document.querySelectorAll('orquestra-attention')].map((w) => w.shadowRoot)];
    for (const root of roots) {
      for (const e of root.querySelectorAll('button, select, a[href], input, textarea, [role=button], [tabindex="0"]')) {
        const b = e.getBoundingClientRect();
        if (!b.width || !b.height || getComputedStyle(e).visibility === 'hidden') continue;
        if (e.tagName === 'A' && e.closest('p')) continue; // a link in running text
        if (e.tagName === 'CANVAS') continue; // a heatmap's cells: the readout answers a tap anywhere
        if (b.height < 44 || b.width < 44) out.push(`${e.tagName.toLowerCase()} "${(e.textContent || e.getAttribute('aria-label') || '').trim().slice(0, 24)}" ${Math.round(b.width)}×${Math.round(b.height)}`);
      }
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      const seen = new Set();
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const e = n.parentElement;
        if (!n.textContent.trim() || !e || seen.has(e) || !e.getClientRects().length) continue;
        seen.add(e);
        let size = parseFloat(getComputedStyle(e).fontSize);
        const svg = e.closest('svg'); // SVG text is drawn at the SVG's scale
        if (svg?.viewBox.baseVal?.width) size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        if (size < 11.95) out.push(`text "${n.textContent.trim().slice(0, 16)}" ${size.toFixed(1)} px`);
      }
    }
    return [...new Set(out)];
  });
}

export async function run({ test, assert, launch, serve, base }) {
  await test('the picture first: every view and lesson step shows 200 px of its drawing on the first screen of a 360×740 phone (touch, CPU 4×, 8 Mbit/s) and a 1280×800 laptop, before and after the live model; no page wider than the screen', async () => {
    const slow = await serve('.', 0, { throttle: SLOW_LINK });
    const slowBase = `http://127.0.0.1:${slow.address().port}/`;
    try {
      for (const [name, options, at] of [['phone', PHONE, slowBase], ['laptop', LAPTOP, base]]) {
        const browser = await launch({ ...options, serviceWorkers: 'block' });
        const page = await browser.newPage();
        if (name === 'phone') await (await browser.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: 4 });
        const seen = [];
        try {
          for (const [v, picture, early] of VIEWS) {
            const s2 = v === 'comparar' ? `&s2=${encodeURIComponent('Fui ao banco sacar dinheiro.')}` : '';
            await page.goto('about:blank'); // each view opened as a link is: a new page, at its top
            await page.goto(`${at}#s=${encodeURIComponent(ARTICLE)}&m=e5pt&v=${v}&lang=pt${s2}`);
            if (early) {
              await page.waitForSelector(picture, { timeout: 30_000 });
              await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)))); // as painted
              const before = await onFirstScreen(page, picture);
              assert(before >= 200, `${name}, ${v}, before the model: ${before} px of the drawing on the first screen`);
              seen.push(`${v} ${before}`);
            }
            await page.waitForSelector('#progress', { state: 'hidden', timeout: 120_000 }); // the live model
            await page.waitForSelector(picture, { timeout: 30_000 });
            await page.waitForTimeout(300);
            await page.screenshot({ path: `test-artifacts/first-screen-${v}-${name}.png` });
            const after = await onFirstScreen(page, picture);
            assert(after >= 200, `${name}, ${v}, with the live model: ${after} px of the drawing on the first screen`);
            seen.push(`${v}${early ? '→' : ' '}${after}`);
            const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
            assert(width <= options.viewport.width, `${name}, ${v}: the page is ${width} px wide`);
            // The open view's tab is on screen (the phone's tabs scroll sideways).
            const tab = await page.evaluate(() => { const b = document.querySelector('#views .on').getBoundingClientRect(); return [b.left, b.right]; });
            assert(tab[0] >= 0 && tab[1] <= options.viewport.width, `${name}, ${v}: its tab is at ${tab.map(Math.round)} px`);
          }
          for (let n = 1; n <= 6; n++) {
            await page.goto(`${at}aula.html#passo=${n}&lang=pt`);
            await page.waitForFunction((sel) => document.querySelector('orquestra-attention')?.shadowRoot?.querySelector(sel), WIDGET_PICTURE, { timeout: 60_000 });
            await page.waitForTimeout(300);
            await page.screenshot({ path: `test-artifacts/first-screen-lesson${n}-${name}.png` });
            const shown = await onFirstScreen(page, WIDGET_PICTURE, '.lesson-nav');
            assert(shown >= 200, `${name}, lesson step ${n}: ${shown} px of the widget's drawing above Anterior/Próximo`);
            seen.push(`lesson ${n} ${shown}`);
          }
        } finally {
          await browser.close();
        }
        console.log(`     ${name}: px of the drawing on the first screen (example → live): ${seen.join(', ')}`);
      }
    } finally {
      slow.close();
    }
  });

  await test('phone: a share link to an example draws within 2 s (the median, budget.mjs) through a throttled server (8 Mbit/s, 165 ms, CPU 4×), and nothing moves when the text fills in', async () => {
    const slow = await serve('.', 0, { throttle: SLOW_LINK });
    let browser = null, page = null; // the last visit's: followed until the model is in
    /** One first visit (a fresh browser: nothing cached): when the example was drawn, by the page's clock. */
    const visit = async () => {
      await browser?.close();
      browser = await launch({ ...PHONE, serviceWorkers: 'block' });
      page = await browser.newPage();
      await (await browser.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: 4 });
      // By the page's clock: the frame after the first musician is added; and where the
      // tabs are then and later (a jump would move them).
      await page.addInitScript(() => {
        new MutationObserver((_, observer) => {
          if (!document.querySelector('#view .musician')) return;
          observer.disconnect();
          requestAnimationFrame(() => setTimeout(() => {
            window.shownAt = performance.now();
            window.tabsAt = document.getElementById('views').getBoundingClientRect().top;
          }));
        }).observe(document, { subtree: true, childList: true });
      });
      await page.goto(`http://127.0.0.1:${slow.address().port}/#s=${encodeURIComponent(ARTICLE)}&v=orquestra&m=e5pt&lang=pt`, { waitUntil: 'commit' });
      await page.waitForFunction(() => window.shownAt, null, { timeout: 30_000 });
      return Math.round(await page.evaluate(() => window.shownAt));
    };
    try {
      const shown = await medianWithin(2000, visit);
      console.log(`     phone, throttled server: the example drawn ${timesText(shown)} after navigation began`);
      assert(shown.ok, `the first drawing took ${timesText(shown)}`);
      await page.waitForSelector('#progress', { state: 'hidden', timeout: 120_000 });
      const [was, now] = await page.evaluate(() => [window.tabsAt, document.getElementById('views').getBoundingClientRect().top]);
      assert(Math.abs(was - now) < 1, `the tabs moved from ${was} to ${now} px when the model arrived`);
    } finally {
      await browser?.close();
      slow.close();
    }
  });

  await test('phone at CPU 4×: no main-thread task over 200 ms (the median, budget.mjs) opening Júri, enlarging a map, dismissing a judge, or going to lesson step 5', async () => {
    /** The longest task of each act, in a fresh browser. { act: ms } */
    const measure = async () => {
      const browser = await launch({ ...PHONE, serviceWorkers: 'block' });
      try {
        const page = await browser.newPage();
        await page.addInitScript(() => {
          window.tasks = [];
          new PerformanceObserver((l) => { for (const e of l.getEntries()) window.tasks.push(Math.round(e.duration)); }).observe({ type: 'longtask', buffered: true });
        });
        await page.goto(`${base}#s=${encodeURIComponent(ARTICLE)}&m=e5pt&lang=pt&v=orquestra`);
        await page.waitForSelector('#progress', { state: 'hidden', timeout: 60_000 });
        await (await browser.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: 4 });
        await page.waitForTimeout(500);
        const longest = async (act, settled) => {
          await page.evaluate(() => { window.tasks = []; });
          await act();
          await settled();
          await page.waitForTimeout(1000); // what the tap set off (a dismissal's run comes back)
          return Math.max(0, ...(await page.evaluate(() => window.tasks)));
        };
        const times = {
          'open Júri': await longest(() => page.locator('#views button', { hasText: 'Júri' }).tap(), () => page.waitForSelector('.jury')),
          'enlarge a map': await longest(() => page.locator('.judge canvas').nth(1).tap(), () => page.waitForSelector('.judge.large')),
          'dismiss a judge': await longest(() => page.locator('.judge .dismiss').nth(2).tap(), () => page.waitForFunction(() => location.hash.includes('x='))),
        };
        await page.goto(`${base}aula.html#passo=4&lang=pt`);
        await page.waitForFunction(() => document.querySelector('orquestra-attention')?.shadowRoot?.querySelector('.orq-main'), null, { timeout: 60_000 });
        await page.waitForTimeout(1000);
        times['lesson step 5'] = await longest(() => page.locator('#next').tap(),
          () => page.waitForFunction(() => document.querySelector('orquestra-attention').shadowRoot.querySelector('.jury'), null, { timeout: 30_000 }));
        return times;
      } finally {
        await browser.close();
      }
    };
    const tasks = await mediansWithin(200, measure);
    console.log(`     longest task at CPU 4×: ${mediansText(tasks)}`);
    assert(tasks.ok, `tasks over 200 ms: ${mediansText(tasks)}`);
  });

  await test('phone: 44 px tap targets and 12 px text in every view and lesson step, pt and en', async () => {
    const browser = await launch({ ...PHONE, serviceWorkers: 'block' });
    try {
      const page = await browser.newPage();
      const bad = [];
      for (const lang of ['pt', 'en']) {
        for (const [v, picture] of VIEWS) {
          const s2 = v === 'comparar' ? `&s2=${encodeURIComponent('Fui ao banco sacar dinheiro.')}` : '';
          await page.goto(`${base}#s=${encodeURIComponent(ARTICLE)}&m=e5pt&v=${v}&lang=${lang}${s2}`);
          await page.waitForSelector('#progress', { state: 'hidden', timeout: 60_000 });
          await page.waitForSelector(picture, { timeout: 30_000 });
          bad.push(...(await smallThings(page)).map((x) => `${v} ${lang}: ${x}`));
        }
        for (let n = 1; n <= 9; n++) { // 7-9: the model that writes (its own picture, not step 6's grid still shown)
          await page.goto(`${base}aula.html#passo=${n}&lang=${lang}`);
          await page.waitForFunction((sel) => document.querySelector('orquestra-attention')?.shadowRoot?.querySelector(sel), [WIDGET_PICTURE, WIDGET_PICTURE, WIDGET_PICTURE, WIDGET_PICTURE, WIDGET_PICTURE, '.model-grid', '.musician.future', '.next-bar', '.next-bar'][n - 1], { timeout: 120_000 });
          bad.push(...(await smallThings(page)).map((x) => `lesson ${n} ${lang}: ${x}`));
        }
      }
      assert(!bad.length, `${bad.length} too small:\n${bad.slice(0, 12).join('\n')}`);
    } finally {
      await browser.close();
    }
  });
}
