// A time budget on a noisy machine. Two shared cores: the same build opened the jury at CPU 4×
// in 81 to 206 ms within ten minutes, and a throttled first visit drew in 1384 to 2134 ms over
// nine clean runs. So a budget is measured once, and when that is over it, twice more; the
// median of what was measured must be within it. A page that is slow is slow every time and
// still fails; one unlucky measurement does not fail the suite.

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** { ok, median, times } of `measure()` (a number, ms) against `budget`. */
export async function medianWithin(budget, measure) {
  const times = [await measure()];
  if (times[0] > budget) times.push(await measure(), await measure());
  return { ok: median(times) <= budget, median: median(times), times };
}

/** "1741 ms", or "2134 → 1650, 1702 ms: median 1702 ms" when measured again. */
export const timesText = ({ times, median: m }) => (times.length === 1 ? `${times[0]} ms` : `${times[0]} → ${times.slice(1).join(', ')} ms: median ${m} ms`);

/** The same for several budgets measured together: `measure()` gives { name: ms }; when any is
 *  over, all are measured twice more, and each name's median must be within. { ok, medians, runs } */
export async function mediansWithin(budget, measure) {
  const runs = [await measure()];
  if (Object.values(runs[0]).some((ms) => ms > budget)) runs.push(await measure(), await measure());
  const medians = Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((r) => r[k]))]));
  return { ok: Object.values(medians).every((ms) => ms <= budget), medians, runs };
}

/** "open Júri 131 ms, …", each name with its measurements when measured again. */
export const mediansText = ({ medians, runs }) => Object.entries(medians)
  .map(([k, m]) => (runs.length === 1 ? `${k} ${m} ms` : `${k} ${runs.map((r) => r[k]).join(', ')} ms: median ${m} ms`)).join('; ');
