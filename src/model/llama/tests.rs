//! SmolLM2-135M-Instruct (its GGUF, `make model`) against the float64 numpy forward pass of
//! scripts/make_smollm_fixtures.py (tests/fixtures/smollm/forward/): the prompts' token ids
//! equal, every layer's and head's attention within 1e-4, the next-token logits within 1e-3
//! and the same top 5; and the invariants: rows sum to 1, zero above the diagonal.
use std::path::PathBuf;

use ndarray::{Array1, Array4};
use ndarray_npy::read_npy;

use super::{LlamaForCausalLM, Sampling};

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

/// The five prompts' greedy continuations (KV cache, one token at a time) equal the
/// reference's (a full forward pass per step, no cache) up to the first step whose margin,
/// top-1 minus top-2 logit, is under 1e-3: a near-tie either side may break honestly. The
/// smallest margin there is 0.055, thousands of times the logits' maxdiff.
#[test]
fn greedy_continuations_match_the_reference() {
    let m = model();
    let dir = root().join("tests/fixtures/smollm/forward");
    let greedy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("greedy.json")).unwrap()).unwrap();
    let ids = |v: &serde_json::Value| -> Vec<u32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect()
    };
    let mut compared = 0;
    for g in greedy.as_array().unwrap() {
        let prompt = ids(&g["ids"]);
        let want = ids(&g["continuation"]);
        let margins: Vec<f64> = g["margins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let n = margins.iter().position(|&m| m < 1e-3).unwrap_or(want.len());
        let out = m.generate(&prompt, want.len(), Sampling::Greedy).unwrap();
        let got: Vec<u32> = out.tokens.iter().map(|w| w.id).collect();
        println!(
            "llama greedy: {:?} -> {:?} ({n} of {} tokens compared)",
            g["text"].as_str().unwrap(),
            m.tokenizer.decode(&got),
            want.len()
        );
        assert_eq!(got[..n], want[..n], "{}", g["text"]);
        compared += n;
        for (i, w) in out.tokens.iter().enumerate() {
            let p = prompt.len() + i + 1; // positions the new token reads, itself included
            assert_eq!(w.attention.len(), 30 * 9 * p);
            for row in w.attention.chunks_exact(p) {
                assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            }
        }
    }
    assert!(compared >= 5 * 20, "only {compared} tokens compared");
}

/// Reading a prompt in pieces through the KV cache gives the whole pass's attention rows
/// and logits.
#[test]
fn the_kv_cache_gives_the_whole_pass() {
    let m = model();
    let ids = m
        .tokenizer
        .encode_max("A menina estava radiante porque ganhou 3 cachorros.", 100)
        .unwrap()
        .tokens
        .iter()
        .map(|t| t.id)
        .collect::<Vec<_>>();
    let t = ids.len();
    let whole = m.forward(&ids).unwrap(); // attention (L, H, T, T)
    let mut cache = m.new_cache();
    let split = t / 2;
    let first = m.step(&ids[..split], &mut cache).unwrap(); // (L, H, split, split)
    let mut diff = 0.0f32;
    for (lh, rows) in first.attention.chunks_exact(split * split).enumerate() {
        for (q, row) in rows.chunks_exact(split).enumerate() {
            let want = &whole.attention[(lh * t + q) * t..(lh * t + q) * t + split];
            diff = diff.max(maxdiff(row, want));
        }
    }
    let mut last = None;
    for (i, &id) in ids[split..].iter().enumerate() {
        let s = m.step(&[id], &mut cache).unwrap(); // (L, H, 1, P)
        let q = split + i;
        assert_eq!(s.positions, q + 1);
        for (lh, row) in s.attention.chunks_exact(q + 1).enumerate() {
            let want = &whole.attention[(lh * t + q) * t..(lh * t + q) * t + q + 1];
            diff = diff.max(maxdiff(row, want));
        }
        last = Some(s.logits);
    }
    let logit_diff = maxdiff(&last.unwrap(), &whole.logits);
    println!("llama kv cache: attention maxdiff {diff:e}, logits maxdiff {logit_diff:e}");
    // A prompt takes the f32 panels; one token at a time multiplies 16-bit activations
    // (kernels/quant/dot.rs): measured 6.5e-4 in attention and 4e-3 in logits here.
    assert!(diff < 2e-3 && logit_diff < 2e-2, "{diff} {logit_diff}");
    assert!(
        m.generate(&[], 3, Sampling::Greedy).is_err(),
        "an empty prompt"
    );
    let g = m.generate(&ids, 0, Sampling::Greedy).unwrap();
    assert!(g.tokens.is_empty(), "never past the limit");
    let s = Sampling::Sample {
        temperature: 0.8,
        top_p: 0.95,
        seed: 42,
    };
    let a: Vec<u32> = m
        .generate(&ids, 4, s)
        .unwrap()
        .tokens
        .iter()
        .map(|w| w.id)
        .collect();
    let b: Vec<u32> = m
        .generate(&ids, 4, s)
        .unwrap()
        .tokens
        .iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(a, b, "the same seed writes the same tokens");
}

fn maxdiff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// q, k, v (after RoPE, the GGUF's order within a head) and the residual stream against the
/// reference's, and the logit lens of the article's sentence's last token.
#[test]
fn trace_vectors_and_logit_lens_match_the_reference() {
    let m = model();
    let dir = root().join("tests/fixtures/smollm/forward");
    let prompts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("prompts.json")).unwrap()).unwrap();
    let ids = |p: &serde_json::Value| -> Vec<u32> {
        p["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect()
    };
    let trace = m.forward(&ids(&prompts[1])).unwrap();
    let t = trace.ids.len();
    assert_eq!(trace.kv_head, [0, 0, 0, 1, 1, 1, 2, 2, 2]);
    for (name, got, shape) in [
        ("q", &trace.q, [30, 9, t, 64]),
        ("k", &trace.k, [30, 3, t, 64]),
        ("v", &trace.v, [30, 3, t, 64]),
    ] {
        let want: Array4<f32> = read_npy(dir.join(format!("{name}_1.npy"))).unwrap();
        assert_eq!(want.shape(), shape);
        let d = maxdiff(got, want.as_slice().unwrap());
        // Relative to the largest value: the residual stream grows to hundreds.
        let scale = want.iter().fold(0.0f32, |a, b| a.max(b.abs()));
        println!("llama trace: {name} maxdiff {d:e} (largest |value| {scale})");
        assert!(d < 1e-4 * scale.max(1.0), "{name}: {d}");
    }
    let want: ndarray::Array3<f32> = read_npy(dir.join("hidden_1.npy")).unwrap();
    assert_eq!(want.shape(), [31, t, 576]);
    let d = maxdiff(&trace.hidden, want.as_slice().unwrap());
    let scale = want.iter().fold(0.0f32, |a, b| a.max(b.abs()));
    println!("llama trace: hidden maxdiff {d:e} (largest |value| {scale})");
    assert!(d < 1e-4 * scale.max(1.0), "hidden: {d}");

    let trace = m.forward(&ids(&prompts[0])).unwrap();
    let lens = m.logit_lens(&trace, trace.ids.len() - 1, 5).unwrap();
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("lens_0.json")).unwrap()).unwrap();
    let want = want.as_array().unwrap();
    assert_eq!(lens.len(), 31);
    let (mut ranks, mut pdiff) = (0, 0.0f32);
    for (got, want) in lens.iter().zip(want) {
        let wp: Vec<f32> = want["probs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        let wi = ids(&serde_json::json!({"ids": want["ids"]}));
        // Ranks up to the first near-tie in the reference (probabilities within 1e-4).
        let clear = (1..5).find(|&r| wp[r - 1] - wp[r] < 1e-4).unwrap_or(5);
        for r in 0..clear {
            assert_eq!(got[r].0, wi[r], "rank {r}");
            pdiff = pdiff.max((got[r].1 - wp[r]).abs());
        }
        ranks += clear;
    }
    let last: Vec<&str> = lens[30]
        .iter()
        .map(|&(id, _)| m.tokenizer.token(id).unwrap())
        .collect();
    println!("llama logit lens: {ranks} ranks over 31 layers equal, probability maxdiff {pdiff:e}; last layer {last:?}");
    assert!(pdiff < 1e-4, "{pdiff}");
    assert!(ranks >= 31, "{ranks}");
}
