// 5,000 generated hostile hashes fed to the live page (state parsing and every view's
// rendering): no uncaught error, no dialog, no element outside the page's own set.
const HOSTILE_SENTENCES = [
  '<img src=x onerror=alert(1)>', '<script>alert(1)</script>', '"><svg onload=alert(1)>', 'javascript:alert(1)',
  'a'.repeat(100_000), '%E0%A4%A', '%', '%%%', '%ED%A0%80 lone surrogate', '\u0000NUL\u0001\u0002\u001f', '\u202eRTL override\u202c',
  '\u200f\u202bmixed\u202c', '😀'.repeat(300), 'A menina estava radiante.', '', '   ', '&amp;&lt;', '#s=nested&v=juri',
];
const VALUES = {
  v: ['orquestra', 'juri', 'matriz', 'modelo', 'x', '', '<b>', 'ORQUESTRA', 'constructor'],
  l: ['1', '6', '0', '-1', '7', '99999999999', 'NaN', '1e3', '', 'abc', '3.5', '+2'],
  h: ['1', '12', '13', '0', '-5', 'Infinity', '', '0x10', ' 4'],
  w: ['0', '1', '5', '600', '-1', '1e9', '', 'x', '2'],
  u: ['palavras', 'pecas', 'words', '', '%00'],
  lang: ['pt', 'en', 'fr', '', 'PT', '__proto__'],
  m: ['__proto__', 'constructor', 'toString', 'hasOwnProperty'],
};

export async function fuzzHashes(page, base, n = 5000, seed = 12345) {
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.goto(base);
  await page.waitForSelector('#view > :not(.view-loading)', { timeout: 60_000 });
  const allowed = new Set(await page.evaluate(() => [...document.querySelectorAll('*')].map((e) => e.localName)));
  for (const t of ['svg', 'g', 'line', 'circle', 'text', 'rect', 'title', 'canvas', 'table', 'caption', 'thead', 'tbody', 'tr', 'th', 'td', 'article', 'h3', 'strong', 'div', 'span', 'button', 'p', 'section', 'option']) allowed.add(t);
  const perSentence = Math.ceil(n / HOSTILE_SENTENCES.length);
  const scripts = await page.evaluate(() => document.querySelectorAll('script').length); // the page's own
  const result = await page.evaluate(async ({ sentences, values, perSentence, seed, allowed, scripts }) => {
    let x = seed;
    const rand = (k) => { x = (x * 1103515245 + 12345) % 2147483648; return x % k; };
    const pick = (a) => a[rand(a.length)];
    const enc = (s) => { try { return encodeURIComponent(s); } catch { return s; } };
    const problems = [];
    let count = 0;
    const check = () => {
      for (const e of document.querySelectorAll('*')) {
        if (!allowed.includes(e.localName)) problems.push(`element <${e.localName}>`);
        for (const a of e.attributes) if (/^on/i.test(a.name)) problems.push(`attribute ${a.name} on <${e.localName}>`);
      }
      if (document.querySelectorAll('script').length !== scripts) problems.push('a script element appeared');
    };
    for (const s of sentences) {
      for (let i = 0; i < perSentence; i++) {
        const parts = [`s=${rand(4) === 0 ? s : enc(s)}`];
        for (const [k, vs] of Object.entries(values)) if (rand(3) !== 0) parts.push(`${k}=${pick(vs)}`);
        if (rand(5) === 0) parts.push(`${pick(Object.keys(values))}=${pick(values.l)}`); // duplicate key
        if (rand(5) === 0) parts.push('zz=1&=&&x');
        location.hash = parts.sort(() => rand(3) - 1).join('&');
        count++;
        await new Promise((r) => setTimeout(r, 0));
        if (i % 50 === 0) check();
      }
      await new Promise((r) => setTimeout(r, 300)); // let the engine answer for this sentence
      check();
    }
    return { count, problems: [...new Set(problems)].slice(0, 10) };
  }, { sentences: HOSTILE_SENTENCES, values: VALUES, perSentence, seed, allowed: [...allowed], scripts });
  return { ...result, dialogs };
}
