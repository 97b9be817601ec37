// GFLOP/s of the SIMD128 matmul kernel alone, on the encoder's shapes (M×K·K×N).
import { loadWasm, bestBuild } from '../www/engine/wasm-engine.js';
const build = new URLSearchParams(location.search).get('build') ?? bestBuild();
const pkg = await loadWasm(build);
pkg.benchMatmul(64, 384, 384, 50); // let the engine tier up
const rows = [];
for (const [m, k, n] of [[32, 384, 1152], [32, 384, 1536], [32, 1536, 384], [512, 384, 1536]]) {
  const reps = Math.max(3, Math.round(4e9 / (2 * m * k * n)));
  const runs = Array.from({ length: 5 }, () => pkg.benchMatmul(m, k, n, reps)).sort((a, b) => a - b);
  rows.push({ shape: `${m}x${k}x${n}`, median: runs[2], max: runs[4] });
}
document.getElementById('out').textContent = JSON.stringify(rows, null, 1);
window.matmulResults = rows;
