// The two ways to put the current state in course material: an iframe of embed.html and the
// <orquestra-attention> element. `base` is where Orquestra is hosted (ends with /).
import { serialize, attributesOf } from './state.js';

const escapeAttr = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The iframe's height before (or without) the embed's word: enough for the orchestra. */
export const IFRAME_HEIGHT = 720;
/** The message embed.html posts to its parent whenever its height changes (README "Embed"). */
export const HEIGHT_MESSAGE = 'orquestra-height';

export function snippets(state, base) {
  const origin = new URL(base).origin;
  // The listener resizes the iframe that sent the message, if it comes from Orquestra's origin;
  // where a course platform strips scripts, the fixed height stays.
  const listener = `<script>addEventListener('message',function(e){var d=e.data;if(e.origin!==${JSON.stringify(origin)}||!d||d.type!=='${HEIGHT_MESSAGE}'||!(d.height>0))return;`
    + `document.querySelectorAll('iframe').forEach(function(f){if(f.contentWindow===e.source)f.style.height=Math.min(d.height,6000)+'px';});});</script>`;
  const iframe = `<iframe src="${escapeAttr(`${base}embed.html${serialize(state)}`)}" width="100%" height="${IFRAME_HEIGHT}" style="border:0" loading="lazy" title="Orquestra"></iframe>\n${listener}`;
  const attrs = attributesOf(state).map(([k, v]) => `${k}="${escapeAttr(v)}"`).join(' ');
  const element = `<script type="module" src="${escapeAttr(`${base}www/widget.js`)}"></script>\n<orquestra-attention ${attrs}></orquestra-attention>`;
  return { iframe, element };
}
