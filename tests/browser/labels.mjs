// Issue 28, labels that tell the truth: each label fix with a test that fails without it.
// Called by run.mjs with its harness: { test, assert, ready, modelReady, hashOf, showTable, cli,
// ctx, base, launch, serve }.
export async function run({ test, assert }) {
}
