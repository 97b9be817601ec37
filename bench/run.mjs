// `make bench`: runs bench/index.html in headless Chromium and prints the table.
import { writeFileSync, mkdirSync } from 'node:fs';
import { serve } from '../scripts/serve.mjs';
import { launch } from '../tests/browser/chromium.mjs';

const server = await serve('.', 0);
const ctx = await launch();
const page = await ctx.newPage();
page.on('console', (m) => m.type() === 'error' && console.error(m.text()));
const query = process.argv[2] ?? '';
await page.goto(`http://127.0.0.1:${server.address().port}/bench/index.html${query}`);
await page.waitForFunction(() => window.benchResults, null, { timeout: 20 * 60_000, polling: 500 });
const results = await page.evaluate(() => window.benchResults);
// The matmul kernel alone, on the encoder's shapes.
await page.goto(`http://127.0.0.1:${server.address().port}/bench/matmul.html`);
await page.waitForFunction(() => window.matmulResults, null, { timeout: 10 * 60_000, polling: 500 });
results.matmul = await page.evaluate(() => window.matmulResults);
await ctx.close();
server.close();
if (results.error) { console.error(results.error); process.exit(1); }
console.log(`\nheadless Chromium, one thread, int8 bundle (weights decoded to f32 at load), median of runs`);
console.log('    T  relaxed ms  GFLOP/s   simd ms  GFLOP/s  no-simd ms  GFLOP/s  simd/no-simd  relaxed/simd');
for (const r of results.rows) {
  console.log(`${String(r.t).padStart(5)} ${r.relaxedMs.toFixed(2).padStart(11)} ${r.relaxedGflops.toFixed(1).padStart(8)} ${r.simdMs.toFixed(2).padStart(9)} ${r.simdGflops.toFixed(1).padStart(8)} ${r.nosimdMs.toFixed(2).padStart(11)} ${r.nosimdGflops.toFixed(1).padStart(8)} ${r.speedup.toFixed(2).padStart(12)}x ${(r.simdMs / r.relaxedMs).toFixed(2).padStart(12)}x`);
}
console.log('\nSIMD128 matmul kernel alone (M×K·K×N), GFLOP/s over 5 timings');
for (const m of results.matmul) console.log(`${m.shape.padStart(14)}  median ${m.median.toFixed(1).padStart(5)}  best ${m.max.toFixed(1).padStart(5)}`);
mkdirSync('bench/out', { recursive: true });
writeFileSync('bench/out/wasm.json', JSON.stringify(results, null, 1));
