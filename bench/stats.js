// Shared by the bench pages.

/** FLOP of one forward pass: projections 2·T·(4D² + 2DI) with I = 4D, plus attention 4·T²·D, times L. */
export const flops = (t, { layers, hidden }) => layers * (2 * t * (4 * hidden * hidden + 2 * hidden * 4 * hidden) + 4 * t * t * hidden);

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
