// Colour scales: a sequential light-to-dark scale for weights (0..1), a blue–white–red
// diverging scale for signed vectors. Colour never carries a value alone: numbers are shown too.
// seaborn's "mako", light to dark, without its near-black end: perceptually uniform in
// lightness, so equal steps of attention look like equal steps of colour.
const SEQUENTIAL = ['#def5e5', '#a0dfb9', '#54c9ad', '#38aaac', '#348aa6', '#366a9f', '#40498e', '#382a54'];
const DIVERGING = ['#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b'];

function hex(c) { return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)); }
// The stops as numbers, read once (a long text colours 510 rows a drawing).
const SEQUENTIAL_RGB = SEQUENTIAL.map(hex), DIVERGING_RGB = DIVERGING.map(hex);
/** [r, g, b] at t in 0..1 along `stops` ([r, g, b] each). */
function mix(stops, t) {
  t = Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(t), stops.length - 2), f = t - i;
  const a = stops[i], b = stops[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}
const lerp = (stops, t) => `rgb(${mix(stops, t).join(',')})`;

/** Weight in 0..1, light to dark. */
export const weightColor = (w) => lerp(SEQUENTIAL_RGB, w);
/** Signed value scaled by `max` to the diverging scale. */
export const signedColor = (x, max) => lerp(DIVERGING_RGB, 0.5 + x / (2 * (max || 1)));
/** WCAG's relative luminance of [r, g, b]. */
const luminance = (rgb) => {
  const [r, g, b] = rgb.map((c) => { const x = c / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const DARK_INK = '#1d2330', DARK_L = luminance(hex(DARK_INK));
/** Text colour that stays readable over weightColor(w), at 4.5:1 or more: the page's dark ink
 *  where it reaches that, else white; in the scale's middle (about 0.55 to 0.62), where neither
 *  does (4.0 at best), black. */
export const inkOn = (w) => {
  const L = luminance(mix(SEQUENTIAL_RGB, w));
  if ((L + 0.05) / (DARK_L + 0.05) >= 4.5) return DARK_INK;
  return 1.05 / (L + 0.05) >= 4.5 ? '#ffffff' : '#000000';
};

/** weightColor at 256 steps as packed RGBA (little-endian: 0xAABBGGRR), for pixel buffers. */
export const WEIGHT_RGBA = (() => {
  const out = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = mix(SEQUENTIAL_RGB, i / 255);
    out[i] = (255 << 24 | b << 16 | g << 8 | r) >>> 0;
  }
  return out;
})();
