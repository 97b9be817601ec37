// Minimal proof that the wasm engine runs in the browser: tokens and one head's matrix.
import { EngineClient } from './engine/client.js';

const $ = (id) => document.getElementById(id);
const engine = new EngineClient();
let info = null;

async function update() {
  try {
    const r = await engine.run($('text').value);
    const { seq: T, heads: H } = r.meta;
    const l = Number($('layer').value), h = Number($('head').value);
    $('tokens').replaceChildren(...r.meta.tokens.map((t) => Object.assign(document.createElement('span'), { textContent: t.text })));
    // attention (L, H, T, T): i = ((l*H + h)*T + q)*T + k
    const base = (l * H + h) * T * T;
    const rows = r.meta.tokens.map((tq, q) => {
      const tr = document.createElement('tr');
      tr.append(Object.assign(document.createElement('th'), { textContent: tq.text }));
      for (let k = 0; k < T; k++) {
        const a = r.attention[base + q * T + k];
        const td = document.createElement('td');
        td.textContent = (a * 100).toFixed(0);
        td.style.background = `rgba(40, 90, 200, ${a})`;
        tr.append(td);
      }
      return tr;
    });
    $('matrix').replaceChildren(...rows);
    $('status').textContent = `${T} peças; camada ${l + 1}, cabeça ${h + 1}`;
  } catch (e) {
    $('status').textContent = e.message;
  }
}

engine.load('models/all-MiniLM-L6-v2.int8.safetensors', (got, total) => {
  $('progress').value = total ? got / total : 0;
}).then((i) => {
  info = i;
  for (const [sel, n] of [[$('layer'), info.layers], [$('head'), info.heads]]) {
    sel.replaceChildren(...Array.from({ length: n }, (_, i) => new Option(String(i + 1), String(i))));
  }
  $('progress').hidden = true;
  for (const id of ['text', 'layer', 'head']) $(id).addEventListener('input', update);
  update();
}, (e) => { $('status').textContent = e.message; });
