// GFLOP/s of the SIMD128 matmul kernel alone, on the encoder's shapes (M×K·K×N), with the
// weights as f32 panels, int8 panels and 4-bit panels.
import { loadWasm, bestBuild } from '../www/engine/wasm-engine.js';
const build = new URLSearchParams(location.search).get('build') ?? bestBuild();
const pkg = await loadWasm(build);
const kinds = ['f32', 'int8', '4bit'];
for (const w of kinds) pkg.benchMatmul(64, 384, 384, 50, w); // let the engine tier up
const rows = [];
for (const [m, k, n] of [[32, 384, 1152], [32, 384, 1536], [32, 1536, 384], [512, 384, 1536]]) {
  const reps = Math.max(3, Math.round(4e9 / (2 * m * k * n)));
  const row = { shape: `${m}x${k}x${n}` };
  for (const w of kinds) {
    const runs = Array.from({ length: 5 }, () => pkg.benchMatmul(m, k, n, reps, w)).sort((a, b) => a - b);
    row[w] = { median: runs[2], max: runs[4] };
  }
  rows.push(row);
}
document.getElementById('out').textContent = JSON.stringify(rows, null, 1);
window.matmulResults = rows;
