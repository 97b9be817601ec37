//! SmolLM2-135M-Instruct (its GGUF, `make model`) against the float64 numpy forward pass of
//! scripts/make_smollm_fixtures.py (tests/fixtures/smollm/forward/): the prompts' token ids
//! equal, every layer's and head's attention within 1e-4, the next-token logits within 1e-3
//! and the same top 5; and the invariants: rows sum to 1, zero above the diagonal.
use std::path::PathBuf;

use ndarray::{Array1, Array4};
use ndarray_npy::read_npy;

use super::LlamaForCausalLM;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn model() -> LlamaForCausalLM {
    let path = root().join("models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        path.exists(),
        "{} is missing: run `make model`",
        path.display()
    );
    LlamaForCausalLM::from_gguf(std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn smollm2_matches_the_numpy_reference() {
    let m = model();
    let c = &m.config;
    assert_eq!(
        (
            c.num_hidden_layers,
            c.hidden_size,
            c.num_attention_heads,
            c.num_key_value_heads
        ),
        (30, 576, 9, 3)
    );
    assert_eq!(
        (c.head_dim, c.intermediate_size, c.vocab_size),
        (64, 1536, 49152)
    );
    assert!(m.lm_head.is_none(), "tied embeddings");
    let dir = root().join("tests/fixtures/smollm/forward");
    let prompts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("prompts.json")).unwrap()).unwrap();
    for (i, p) in prompts.as_array().unwrap().iter().enumerate() {
        let text = p["text"].as_str().unwrap();
        let e = m.tokenizer.encode_max(text, 10_000).unwrap();
        let ids: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
        let want_ids: Vec<u32> = p["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(ids, want_ids, "{text:?}");
        let trace = m.forward(&ids).unwrap();
        let t = ids.len();
        let (l, h) = (c.num_hidden_layers, c.num_attention_heads);
        let want_attn: Array4<f32> = read_npy(dir.join(format!("attention_{i}.npy"))).unwrap();
        assert_eq!(want_attn.shape(), [l, h, t, t]);
        let want_logits: Array1<f32> = read_npy(dir.join(format!("logits_{i}.npy"))).unwrap();
        let attn_diff = trace
            .attention
            .iter()
            .zip(want_attn.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        let logit_diff = trace
            .logits
            .iter()
            .zip(want_logits.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        // (L, H, T, T): each row sums to 1 over k ≤ q, and is zero past q.
        for (r, row) in trace.attention.chunks_exact(t).enumerate() {
            let q = r % t;
            let sum: f32 = row[..=q].iter().sum();
            assert!((sum - 1.0).abs() < 1e-5, "row {r} sums to {sum}");
            assert!(
                row[q + 1..].iter().all(|&v| v == 0.0),
                "row {r} sees the future"
            );
        }
        let mut top: Vec<usize> = (0..trace.logits.len()).collect();
        top.sort_by(|&a, &b| trace.logits[b].total_cmp(&trace.logits[a]));
        let want_top: Vec<usize> = p["top5"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        println!(
            "llama reference: {text:?} ({t} tokens): attention maxdiff {attn_diff:e}, logits maxdiff {logit_diff:e}, top 5 {:?}",
            top[..5].iter().map(|&i| m.tokenizer.token(i as u32).unwrap()).collect::<Vec<_>>()
        );
        assert!(attn_diff < 1e-4, "attention maxdiff {attn_diff}");
        assert!(logit_diff < 1e-3, "logits maxdiff {logit_diff}");
        assert_eq!(top[..5], want_top[..]);
    }
}
