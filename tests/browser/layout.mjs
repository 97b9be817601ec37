// Issue 28, the picture first: at 360×740 (touch, CPU 4×, a throttled server) and 1280×800,
// the drawing on the first screen, one tap conducts, tap targets and text sizes, no freezes.
// Called by run.mjs with its harness: { test, assert, ready, modelReady, hashOf, showTable, cli,
// ctx, base, launch, serve }.
export async function run({ test, assert }) {
}
