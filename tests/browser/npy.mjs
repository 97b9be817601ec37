// Reads a little-endian float32 .npy file (the CLI's output) into { shape, data }.
import { readFileSync } from 'node:fs';

export function readNpy(path) {
  const buf = readFileSync(path);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headerLen).toString('latin1');
  if (!header.includes("'<f4'")) throw new Error(`${path}: not float32 (${header})`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const start = 10 + headerLen;
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  return { shape, data };
}

/** The last slice of an (N, …) array: the last layer's output of the CLI's --hidden (L+1, T, D). */
export const lastSlice = ({ shape, data }) => {
  const size = shape.slice(1).reduce((a, b) => a * b, 1);
  return { shape: shape.slice(1), data: data.subarray((shape[0] - 1) * size) };
};
