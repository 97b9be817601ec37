// A PNG as a data: URL from RGB pixels, with no canvas (exports are built in node too): stored
// (uncompressed) deflate blocks, so the code stays small; the export's SVG holds a few of these.

const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const u32 = (v) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];

function chunk(type, data) {
  const head = [...type].map((c) => c.charCodeAt(0));
  const body = new Uint8Array(head.length + data.length);
  body.set(head);
  body.set(data, head.length);
  return [...u32(data.length), ...body, ...u32(crc32(body))];
}

/** A zlib stream of `raw` in stored blocks (no compression). */
function zlibStored(raw) {
  const out = [0x78, 0x01];
  for (let i = 0; i < raw.length || i === 0; i += 65535) {
    const block = raw.subarray(i, i + 65535);
    const last = i + 65535 >= raw.length ? 1 : 0;
    out.push(last, block.length & 255, block.length >>> 8, ~block.length & 255, (~block.length >>> 8) & 255);
    for (const b of block) out.push(b);
  }
  let a = 1, b = 0;
  for (const v of raw) { a = (a + v) % 65521; b = (b + a) % 65521; }
  out.push(...u32(((b << 16) | a) >>> 0));
  return Uint8Array.from(out);
}

/** An indexed-colour PNG: `indices` holds width × height palette indices, row by row;
 *  `palette` up to 256 colours as r, g, b bytes. */
export function pngDataUrl(width, height, indices, palette) {
  const raw = new Uint8Array(height * (width + 1)); // each row: filter 0, then its pixels
  for (let y = 0; y < height; y++) raw.set(indices.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const ihdr = Uint8Array.from([...u32(width), ...u32(height), 8, 3, 0, 0, 0]);
  const bytes = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10, ...chunk('IHDR', ihdr), ...chunk('PLTE', palette),
    ...chunk('IDAT', zlibStored(raw)), ...chunk('IEND', new Uint8Array(0))]);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 8192) bin += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return `data:image/png;base64,${btoa(bin)}`;
}
