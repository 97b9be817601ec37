// The views, by their URL name (state.v). Each has render(root, state, data, ctx) and tableOf(state, data, ctx).
import * as orquestra from './orquestra.js';
import * as juri from './juri.js';
import * as matriz from './matriz.js';
import * as modelo from './modelo.js';

export const views = { orquestra, juri, matriz, modelo };
