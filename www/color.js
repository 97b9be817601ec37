// Colour scales: a sequential light-to-dark scale for weights (0..1), a blue–white–red
// diverging scale for signed vectors. Colour never carries a value alone: numbers are shown too.
// seaborn's "mako", light to dark, without its near-black end: perceptually uniform in
// lightness, so equal steps of attention look like equal steps of colour.
const SEQUENTIAL = ['#def5e5', '#a0dfb9', '#54c9ad', '#38aaac', '#348aa6', '#366a9f', '#40498e', '#382a54'];
const DIVERGING = ['#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b'];

function hex(c) { return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)); }
function lerp(stops, t) {
  t = Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(t), stops.length - 2), f = t - i;
  const [a, b] = [hex(stops[i]), hex(stops[i + 1])];
  return `rgb(${a.map((x, k) => Math.round(x + (b[k] - x) * f)).join(',')})`;
}

/** Weight in 0..1, light to dark. */
export const weightColor = (w) => lerp(SEQUENTIAL, w);
/** Signed value scaled by `max` to the diverging scale. */
export const signedColor = (x, max) => lerp(DIVERGING, 0.5 + x / (2 * (max || 1)));
/** Text colour that stays readable over weightColor(w). */
export const inkOn = (w) => (w > 0.5 ? "#ffffff" : "#1d2330");

/** weightColor at 256 steps as packed RGBA (little-endian: 0xAABBGGRR), for pixel buffers. */
export const WEIGHT_RGBA = (() => {
  const out = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = weightColor(i / 255).match(/\d+/g).map(Number);
    out[i] = (255 << 24 | b << 16 | g << 8 | r) >>> 0;
  }
  return out;
})();
