// The views, by their URL name (state.v). Each draws itself three ways:
//   render(root, state, data, ctx)  the live view (DOM)
//   tableOf(state, data, ctx)       its numbers as a table (DOM)
//   toSvg(state, data, ctx)         { body, height }: SVG text ctx.width wide, for export
// ctx: { t, ui, width, narrow } and, live, set(patch) and rerender().
import * as orquestra from './orquestra.js';
import * as juri from './juri.js';
import * as matriz from './matriz.js';
import * as modelo from './modelo.js';
import * as fluxo from './fluxo.js';
import * as comparar from './comparar.js';

export const views = { orquestra, juri, matriz, modelo, fluxo, comparar };

/** Runs `draw`, which replaces what is in `root`; a keyboard user keeps their place: the element
 *  that had the focus (named by its data-focus) gets it back in the new drawing. */
export function keepingFocus(root, draw) {
  const active = root.getRootNode().activeElement; // document or the widget's shadow root
  const kept = active && root.contains(active) ? active.closest('[data-focus]')?.dataset.focus : undefined;
  draw();
  if (kept) root.querySelector(`[data-focus="${CSS.escape(kept)}"]`)?.focus({ preventScroll: true });
}
