// A judge's habit over the sentence, in words, from the measures src/heads.rs computes. A
// head whose strongest measured habit stays under 40% (heads.rs PATTERN_SHARE) has no
// dominant habit: the label says so and names the strongest one that failed, since nothing
// measures what else it might do (the engine's label for it is `content`).
import { pct } from '../dom.js';

export const MEASURES = ['previous', 'next', 'itself', 'cls', 'sep', 'punctuation', 'sameWord'];

/** [measure, share] of the largest measured share. */
export function strongest(summary) {
  return MEASURES.map((k) => [k, summary.measures[k]]).reduce((a, b) => (b[1] > a[1] ? b : a));
}

/** The habit without its number (Model view's thumbnails and table). */
export function habitLabel(summary, t) {
  if (summary.label !== 'content') return t(`label.${summary.label}`);
  return t('label.none', { measure: t(`measure.${strongest(summary)[0]}`) });
}

/** The habit with its number: a share, never for a spread head (its measure is an entropy). */
export function habitText(summary, t) {
  if (summary.label === 'spreads') return t('label.spreads');
  if (summary.label === 'content') {
    const [k, share] = strongest(summary);
    return t('label.noneShare', { measure: t(`measure.${k}`), share: pct(share, 0) });
  }
  return `${t(`label.${summary.label}`)} (${pct(summary.strength, 0)})`;
}
