// Browser end-to-end tests in headless Chromium against the served repository.
import { serve } from '../../scripts/serve.mjs';
import { launch } from './chromium.mjs';
import { execFileSync } from 'node:child_process';

const server = await serve('.', 0);
const base = `http://127.0.0.1:${server.address().port}/`;
const ctx = await launch();
let failed = 0;

async function test(name, fn) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await fn(page);
    if (errors.length) throw new Error(`uncaught: ${errors.join('; ')}`);
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${e.message}`);
  } finally {
    await page.close();
  }
}

await test('the page loads the real model in a worker and shows the CLI\'s tokens and attention', async (page) => {
  const text = 'A menina estava radiante.';
  const cli = JSON.parse(execFileSync('target/release/orquestra', ['attention', '--model', 'models/all-MiniLM-L6-v2.int8.safetensors', '--out', '/tmp/orquestra-e2e.npy', text]));
  await page.goto(base);
  await page.waitForFunction(() => document.querySelector('#status').textContent.includes('camada'), null, { timeout: 60_000 });
  await page.fill('#text', text);
  await page.waitForFunction((n) => document.querySelectorAll('#tokens span').length === n, cli.tokens.length, { timeout: 10_000 });
  const tokens = await page.$$eval('#tokens span', (s) => s.map((x) => x.textContent));
  if (JSON.stringify(tokens) !== JSON.stringify(cli.tokens)) throw new Error(`tokens ${tokens} vs CLI ${cli.tokens}`);
  // Row sums of the shown matrix are 100% up to rounding of each cell.
  const sums = await page.$$eval('#matrix tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].reduce((s, td) => s + Number(td.textContent), 0)));
  if (sums.some((s) => Math.abs(s - 100) > tokens.length)) throw new Error(`row sums ${sums}`);
});

await test('empty text gives a message, not a crash', async (page) => {
  await page.goto(base);
  await page.waitForFunction(() => document.querySelector('#status').textContent.includes('camada'), null, { timeout: 60_000 });
  await page.fill('#text', '   ');
  await page.waitForFunction(() => document.querySelector('#status').textContent.includes('empty'), null, { timeout: 10_000 });
  if ((await page.inputValue('#text')) !== '   ') throw new Error('the text box lost what was typed');
});

await ctx.close();
server.close();
if (failed) { console.log(`${failed} browser test(s) failed`); process.exit(1); }
