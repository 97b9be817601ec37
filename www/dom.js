// Tiny DOM helpers. Text always goes in as textContent: no element is ever built from input.
const SVG = 'http://www.w3.org/2000/svg';

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  return fill(e, attrs, children);
}
export function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG, tag), attrs, children);
}
function fill(e, attrs, children) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'style' && typeof v === 'object') Object.assign(e.style, v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** Makes `nodes` the children of `parent`, in order. A node already there stays attached (it is
 *  not removed and put back): the browser keeps its style and layout, which for a list of 500
 *  rows is most of a redraw's cost. */
export function replaceKeeping(parent, children) {
  const nodes = children.filter((n) => n !== '' && n != null).map((n) => (typeof n === 'string' ? document.createTextNode(n) : n));
  const keep = new Set(nodes);
  for (const c of [...parent.childNodes]) if (!keep.has(c)) c.remove();
  let at = parent.firstChild;
  for (const n of nodes) {
    if (n === at) at = at.nextSibling;
    else parent.insertBefore(n, at);
  }
}

// Numbers in the reader's language: pt-BR writes a decimal comma (40,3%), English a point.
// One setting for the drawing being made: the component sets it from its language before it
// draws and before its views' handlers run (controller.js), the export before it exports.
// (A string replace, not Intl: 512 rows a drawing, and no thousands separator in a share.)
let decimal = '.';
/** The decimal mark of `locale` ('pt-BR' → ',', anything else '.'). */
export function setNumberLocale(locale) {
  decimal = /^pt\b/i.test(String(locale ?? '')) ? ',' : '.';
}
const mark = (s) => (decimal === '.' ? s : s.replace('.', decimal));
export const pct = (w, digits = 1) => `${mark((w * 100).toFixed(digits))}%`;
export const num = (x, digits = 2) => (Number.isFinite(x) ? mark(x.toFixed(digits)) : '–');
/** A count with its thousands grouped as `locale` writes them (131,072; pt-BR 131.072), without
 *  Intl: a page's first toLocaleString loads the locale's data (20-30 ms in one task). */
export const grouped = (n, locale) => String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, /^pt\b/i.test(String(locale ?? '')) ? '.' : ',');

/** A table from headers and rows of cell strings. */
export function table(caption, headers, rows) {
  return el('table', { class: 'data' },
    el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) => (i === 0 ? el('th', { scope: 'row', text: c }) : el('td', { text: c })))))));
}
