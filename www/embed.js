// embed.html: the widget alone, driven by the same hash as the page (for an <iframe>).
import './widget.js';
import { parse, serialize, ATTRIBUTES } from './state.js';
import { HEIGHT_MESSAGE } from './embed-snippets.js';

const widget = document.getElementById('widget');

function fromHash() {
  const hash = location.hash;
  const { state } = parse(hash);
  const given = new URLSearchParams(hash.slice(1));
  const values = new URLSearchParams(serialize(state).slice(1));
  for (const [k, a] of Object.entries(ATTRIBUTES)) {
    if (given.has(k) && values.has(k)) widget.setAttribute(a, values.get(k));
    else widget.removeAttribute(a); // absent, or an optional key with nothing in it (x=)
  }
  document.getElementById('open').href = `index.html${hash}`;
}

widget.addEventListener('orquestra-change', (e) => {
  history.replaceState(null, '', e.detail.hash);
  document.getElementById('open').href = `index.html${e.detail.hash}`;
});
window.addEventListener('hashchange', fromHash);
fromHash();

// The height protocol: the parent page hears this document's height whenever it changes, so
// the snippet's listener can fit the iframe to it (no inner scroll bar in a course column).
if (window.parent !== window) {
  let sent = 0;
  new ResizeObserver(() => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== sent) { sent = height; window.parent.postMessage({ type: HEIGHT_MESSAGE, height }, '*'); }
  }).observe(document.documentElement);
}

// Offline use: the service worker next to index.html keeps the app (see scripts/sw-template.js).
navigator.serviceWorker?.register(new URL('../sw.js', import.meta.url)).catch(() => { /* e.g. file:// or a private mode */ });
