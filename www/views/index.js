// The views, by their URL name (state.v). Each has render(root, state, data, ctx) and tableOf(state, data, ctx).
import * as orquestra from './orquestra.js';
import * as juri from './juri.js';
import * as matriz from './matriz.js';
import * as modelo from './modelo.js';

export const views = { orquestra, juri, matriz, modelo };

/** Runs `draw`, which replaces what is in `root`; a keyboard user keeps their place: the element
 *  that had the focus (named by its data-focus) gets it back in the new drawing. */
export function keepingFocus(root, draw) {
  const active = root.getRootNode().activeElement; // document or the widget's shadow root
  const kept = active && root.contains(active) ? active.closest('[data-focus]')?.dataset.focus : undefined;
  draw();
  if (kept) root.querySelector(`[data-focus="${CSS.escape(kept)}"]`)?.focus({ preventScroll: true });
}
