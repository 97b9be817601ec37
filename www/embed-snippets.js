// The two ways to put the current state in course material: an iframe of embed.html and the
// <orquestra-attention> element. `base` is where Orquestra is hosted (ends with /).
import { serialize, attributesOf } from './state.js';

const escapeAttr = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function snippets(state, base) {
  const iframe = `<iframe src="${escapeAttr(`${base}embed.html${serialize(state)}`)}" width="100%" height="640" style="border:0" loading="lazy" title="Orquestra"></iframe>`;
  const attrs = attributesOf(state).map(([k, v]) => `${k}="${escapeAttr(v)}"`).join(' ');
  const element = `<script type="module" src="${escapeAttr(`${base}www/widget.js`)}"></script>\n<orquestra-attention ${attrs}></orquestra-attention>`;
  return { iframe, element };
}
