//! Attention rollout and dismissed heads (head ablation) against the independent numpy
//! reference (scripts/make_rollout_fixtures.py: float64, HF head_mask semantics), for both
//! models on five sentences each, with heads dismissed in several layers.
mod common;

use ndarray::{Array2, Array3, Array4};
use ndarray_npy::read_npy;
use orquestra::model::HeadMask;
use orquestra::rollout::rollout;
use orquestra::{load, Model};

fn max_diff<'a>(a: impl IntoIterator<Item = &'a f32>, b: impl IntoIterator<Item = &'a f32>) -> f32 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Compares every case of one model's fixtures; returns the worst differences
/// (rollout, ablated attention, ablated rollout, ablated hidden state).
fn check(model: &Model, name: &str) -> [f32; 4] {
    let dir = common::fixtures().join("rollout").join(name);
    let manifest = common::json(dir.join("manifest.json"));
    let mut worst = [0.0f32; 4];
    for (i, case) in manifest.as_array().unwrap().iter().enumerate() {
        let text = case["text"].as_str().unwrap();
        let c = &model.config;
        let (mask, dropped) = HeadMask::parse(
            case["ablate"].as_str().unwrap(),
            c.num_hidden_layers,
            c.num_attention_heads,
        );
        assert!(dropped.is_empty() && !mask.is_empty());
        let plain = model.run(text).unwrap();
        assert_eq!(
            common::strings(&case["tokens"]),
            plain
                .encoding
                .tokens
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
        );
        let ablated = model.run_masked(text, &mask).unwrap();
        let load3 =
            |f: &str| -> Array3<f32> { read_npy(dir.join(format!("{i:02}_{f}.npy"))).unwrap() };
        let want_att: Array4<f32> =
            read_npy(dir.join(format!("{i:02}_ablated_attention.npy"))).unwrap();
        let want_hidden: Array2<f32> =
            read_npy(dir.join(format!("{i:02}_ablated_hidden.npy"))).unwrap();
        let r = rollout(&plain.attention);
        let ra = rollout(&ablated.attention);
        for (w, d) in worst.iter_mut().zip([
            max_diff(&r, &load3("rollout")),
            max_diff(&ablated.attention, &want_att),
            max_diff(&ra, &load3("ablated_rollout")),
            max_diff(&ablated.hidden, &want_hidden),
        ]) {
            *w = w.max(d);
        }
        // Rows of R sum to 1; a dismissed head's attention is all zeros, the others' rows sum to 1.
        for row in r.rows().into_iter().chain(ra.rows()) {
            assert!(
                (row.sum() - 1.0).abs() < 1e-5,
                "a rollout row sums to {}",
                row.sum()
            );
        }
        for l in 0..c.num_hidden_layers {
            for h in 0..c.num_attention_heads {
                let sum = ablated.attention.slice(ndarray::s![l, h, .., ..]).sum();
                let want = if mask.is_off(l, h) {
                    0.0
                } else {
                    plain.encoding.tokens.len() as f32
                };
                assert!(
                    (sum - want).abs() < 1e-3,
                    "head {}.{}: attention sums to {sum}",
                    l + 1,
                    h + 1
                );
            }
        }
    }
    println!(
        "{name} vs numpy: rollout maxdiff {:.2e}, ablated attention {:.2e}, ablated rollout {:.2e}, ablated hidden {:.2e}",
        worst[0], worst[1], worst[2], worst[3]
    );
    worst
}

#[test]
fn minilm_rollout_and_ablation_match_numpy() {
    let model = load::path(&common::model_dir()).unwrap(); // the f32 weights
    let [r, a, ra, _] = check(&model, "minilm");
    assert!(r < 1e-4 && a < 1e-4 && ra < 1e-4, "{r} {a} {ra}");
}

#[test]
fn e5_rollout_and_ablation_match_numpy() {
    // numpy dequantizes the same 4-bit blocks: the weights are equal, the arithmetic is not.
    let model = load::path(&common::e5_bundle()).unwrap();
    let [r, a, ra, _] = check(&model, "e5");
    assert!(r < 1e-4 && a < 1e-4 && ra < 1e-4, "{r} {a} {ra}");
}

#[test]
fn dismissing_nobody_is_the_plain_run_bit_for_bit() {
    let model = load::path(&common::e5_bundle()).unwrap();
    let text = "A menina que adotou vários cachorros estava radiante.";
    let (plain, masked) = (
        model.run(text).unwrap(),
        model.run_masked(text, &model.no_mask()).unwrap(),
    );
    assert_eq!(plain.attention, masked.attention);
    assert_eq!(plain.hidden, masked.hidden);
    // The states after every layer end with the last layer's output.
    let l = model.config.num_hidden_layers;
    assert_eq!(plain.states.dim().0, l + 1);
    assert_eq!(plain.states.slice(ndarray::s![l, .., ..]), plain.hidden);
    // A mask for another shape is refused, not applied.
    assert!(model.run_masked(text, &HeadMask::none(6, 12)).is_err());
}
