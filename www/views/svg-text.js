// SVG as text, for exports and snapshot tests: no DOM, so it runs in node too. Every string
// from the sentence goes through esc(); presentation is inline (an export stands alone).

/** Escapes text for XML, dropping what XML 1.0 forbids even escaped (most control
 *  characters, lone surrogates). */
export const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
  .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '');

const fmt = (v) => (typeof v === 'number' ? String(Math.round(v * 100) / 100) : esc(v));

/** <name a="…" …>body</name>; attributes that are undefined, null or false are left out. */
export function tag(name, attrs = {}, body = null) {
  const a = Object.entries(attrs).filter(([, v]) => v !== undefined && v !== null && v !== false).map(([k, v]) => ` ${k}="${fmt(v)}"`).join('');
  return body === null ? `<${name}${a}/>` : `<${name}${a}>${body}</${name}>`;
}

export const FONT = 'system-ui, sans-serif';

export function text(x, y, s, { size = 12, anchor = 'start', weight = 'normal', fill = '#1d2330', rotate = 0, baseline } = {}) {
  return tag('text', {
    x, y, 'font-family': FONT, 'font-size': size, 'font-weight': weight, 'text-anchor': anchor, 'dominant-baseline': baseline, fill,
    transform: rotate ? `rotate(${rotate} ${fmt(x)} ${fmt(y)})` : undefined,
  }, esc(s));
}
