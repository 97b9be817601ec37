// The views, by their URL name (state.v). Each draws itself three ways:
//   render(root, state, data, ctx)  the live view (DOM)
//   tableOf(state, data, ctx)       its numbers as a table (DOM)
//   toSvg(state, data, ctx)         { body, height }: SVG text ctx.width wide, for export
// ctx: { t, ui, width, narrow } and, live, set(patch) and rerender().
import * as orquestra from './orquestra.js';

// The other views load the first time they are shown: a first visit (on a slow link, six
// connections and 165 ms a round trip) waits for the orchestra's modules only.
const LATER = {
  juri: () => import('./juri.js'),
  matriz: () => import('./matriz.js'),
  modelo: () => import('./modelo.js'),
  fluxo: () => import('./fluxo.js'),
  comparar: () => import('./comparar.js'),
  proxima: () => import('./proxima.js'),
  lente: () => import('./lente.js'),
};

/** The views loaded so far, by name. */
export const views = { orquestra };

/** The view `name`, loading it if it has not been yet. */
export function loadView(name) {
  if (views[name]) return Promise.resolve(views[name]);
  if (!LATER[name]) return Promise.reject(new Error(`no view named ${JSON.stringify(name)}`));
  return LATER[name]().then((m) => (views[name] = m));
}

/** Every view (the tests draw them all). */
export const loadAllViews = () => Promise.all(Object.keys(LATER).map(loadView));

/** Runs `draw`, which replaces what is in `root`; a keyboard user keeps their place: the element
 *  that had the focus (named by its data-focus) gets it back in the new drawing. */
export function keepingFocus(root, draw) {
  const active = root.getRootNode().activeElement; // document or the widget's shadow root
  const kept = active && root.contains(active) ? active.closest('[data-focus]')?.dataset.focus : undefined;
  draw();
  if (kept) root.querySelector(`[data-focus="${CSS.escape(kept)}"]`)?.focus({ preventScroll: true });
}
