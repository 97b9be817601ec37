//! SmolLM2-135M-Instruct and Gemma 3 270M (their GGUFs, `make model`) against the float64
//! numpy forward passes of scripts/make_smollm_fixtures.py and make_gemma_fixtures.py
//! (tests/fixtures/{smollm,gemma}/forward/): the prompts' token ids equal, every layer's and
//! head's attention within 1e-4, the next-token logits within 1e-3 and the same top 5; and
//! the invariants: rows sum to 1, zero above the diagonal (and, in Gemma's sliding layers,
//! before the window). The same checks run on both models: one engine, two configs.
use std::path::PathBuf;

use ndarray::{Array1, Array3, Array4};
use ndarray_npy::read_npy;

use super::{LlamaForCausalLM, Sampling};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(file: &str) -> LlamaForCausalLM {
    let path = root().join("models").join(file);
    assert!(
        path.exists(),
        "{} is missing: run `make model`",
        path.display()
    );
    LlamaForCausalLM::from_gguf(std::fs::read(path).unwrap()).unwrap()
}

fn model() -> LlamaForCausalLM {
    load("smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf")
}

fn gemma() -> LlamaForCausalLM {
    load("gemma3-270m/gemma-3-270m-q4_k_m.gguf")
}

fn fixtures(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name).join("forward")
}

fn json(path: PathBuf) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ids_of(v: &serde_json::Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
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
    matches_the_numpy_reference(&m, "smollm");
}

#[test]
fn gemma3_matches_the_numpy_reference() {
    let m = gemma();
    let c = &m.config;
    assert_eq!(
        (
            c.num_hidden_layers,
            c.hidden_size,
            c.num_attention_heads,
            c.num_key_value_heads
        ),
        (18, 640, 4, 1)
    );
    assert_eq!(
        (c.head_dim, c.intermediate_size, c.vocab_size),
        (256, 2048, 262_144)
    );
    let sliding: Vec<bool> = c.layer_window.iter().map(Option::is_some).collect();
    assert_eq!(sliding.iter().filter(|&&s| !s).count(), 3, "{sliding:?}");
    assert!(!sliding[5] && !sliding[11] && !sliding[17] && sliding[0]);
    matches_the_numpy_reference(&m, "gemma");
}

/// Every prompt of `name`'s fixtures: ids, attention, logits and top 5 against the reference.
fn matches_the_numpy_reference(m: &LlamaForCausalLM, name: &str) {
    let c = &m.config;
    let dir = fixtures(name);
    let prompts = json(dir.join("prompts.json"));
    for (i, p) in prompts.as_array().unwrap().iter().enumerate() {
        let text = p["text"].as_str().unwrap();
        let e = m.tokenizer.encode_max(text, 10_000).unwrap();
        let ids: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
        let want_ids = ids_of(&p["ids"]);
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
            "{name} reference: {text:?} ({t} tokens): attention maxdiff {attn_diff:e}, logits maxdiff {logit_diff:e}, top 5 {:?}",
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
    greedy_matches(&model(), "smollm");
}

#[test]
fn gemma3_greedy_continuations_match_the_reference() {
    greedy_matches(&gemma(), "gemma");
}

fn greedy_matches(m: &LlamaForCausalLM, name: &str) {
    let (l, h) = (m.config.num_hidden_layers, m.config.num_attention_heads);
    let greedy = json(fixtures(name).join("greedy.json"));
    let mut compared = 0;
    for g in greedy.as_array().unwrap() {
        let prompt = ids_of(&g["ids"]);
        let want = ids_of(&g["continuation"]);
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
            "{name} greedy: {:?} -> {:?} ({n} of {} tokens compared)",
            g["text"].as_str().unwrap(),
            m.tokenizer.decode(&got),
            want.len()
        );
        assert_eq!(got[..n], want[..n], "{}", g["text"]);
        compared += n;
        for (i, w) in out.tokens.iter().enumerate() {
            let p = prompt.len() + i + 1; // positions the new token reads, itself included
            assert_eq!(w.attention.len(), l * h * p);
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
    kv_cache_gives_the_whole_pass(&model(), "smollm");
}

#[test]
fn gemma3_kv_cache_gives_the_whole_pass() {
    kv_cache_gives_the_whole_pass(&gemma(), "gemma");
}

fn kv_cache_gives_the_whole_pass(m: &LlamaForCausalLM, name: &str) {
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
    println!("{name} kv cache: attention maxdiff {diff:e}, logits maxdiff {logit_diff:e}");
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
    assert_eq!(
        m.forward(&[1, 2]).unwrap().kv_head,
        [0, 0, 0, 1, 1, 1, 2, 2, 2]
    );
    trace_and_lens_match(&m, "smollm");
}

#[test]
fn gemma3_trace_vectors_and_logit_lens_match_the_reference() {
    let m = gemma();
    assert_eq!(m.forward(&[2, 818]).unwrap().kv_head, [0, 0, 0, 0]);
    trace_and_lens_match(&m, "gemma");
}

fn trace_and_lens_match(m: &LlamaForCausalLM, model: &str) {
    let c = &m.config;
    let (l, h, hkv, dh) = (
        c.num_hidden_layers,
        c.num_attention_heads,
        c.num_key_value_heads,
        c.head_dim,
    );
    let dir = fixtures(model);
    let prompts = json(dir.join("prompts.json"));
    let trace = m.forward(&ids_of(&prompts[1]["ids"])).unwrap();
    let t = trace.ids.len();
    for (name, got, shape) in [
        ("q", &trace.q, [l, h, t, dh]),
        ("k", &trace.k, [l, hkv, t, dh]),
        ("v", &trace.v, [l, hkv, t, dh]),
    ] {
        let want: Array4<f32> = read_npy(dir.join(format!("{name}_1.npy"))).unwrap();
        assert_eq!(want.shape(), shape);
        let d = maxdiff(got, want.as_slice().unwrap());
        // Relative to the largest value: the residual stream grows to hundreds.
        let scale = want.iter().fold(0.0f32, |a, b| a.max(b.abs()));
        println!("{model} trace: {name} maxdiff {d:e} (largest |value| {scale})");
        assert!(d < 1e-4 * scale.max(1.0), "{name}: {d}");
    }
    let want: ndarray::Array3<f32> = read_npy(dir.join("hidden_1.npy")).unwrap();
    assert_eq!(want.shape(), [l + 1, t, c.hidden_size]);
    let d = maxdiff(&trace.hidden, want.as_slice().unwrap());
    let scale = want.iter().fold(0.0f32, |a, b| a.max(b.abs()));
    println!("{model} trace: hidden maxdiff {d:e} (largest |value| {scale})");
    assert!(d < 1e-4 * scale.max(1.0), "hidden: {d}");

    let trace = m.forward(&ids_of(&prompts[0]["ids"])).unwrap();
    let lens = m.logit_lens(&trace, trace.ids.len() - 1, 5).unwrap();
    let want = json(dir.join("lens_0.json"));
    let want = want.as_array().unwrap();
    assert_eq!(lens.len(), l + 1);
    let (mut ranks, mut pdiff) = (0, 0.0f32);
    for (got, want) in lens.iter().zip(want) {
        let wp: Vec<f32> = want["probs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        let wi = ids_of(&want["ids"]);
        // Ranks up to the first near-tie in the reference (probabilities within 1e-4).
        let clear = (1..5).find(|&r| wp[r - 1] - wp[r] < 1e-4).unwrap_or(5);
        for r in 0..clear {
            assert_eq!(got[r].0, wi[r], "rank {r}");
            pdiff = pdiff.max((got[r].1 - wp[r]).abs());
        }
        ranks += clear;
    }
    let last: Vec<&str> = lens[l]
        .iter()
        .map(|&(id, _)| m.tokenizer.token(id).unwrap())
        .collect();
    println!(
        "{model} logit lens: {ranks} ranks over {} layers equal, probability maxdiff {pdiff:e}; last layer {last:?}",
        l + 1
    );
    assert!(pdiff < 1e-4, "{pdiff}");
    assert!(ranks > l, "{ranks}");
}

/// A 574-token prompt, past Gemma's 512-token window: the last query's attention in every
/// layer against the reference's; on the sliding layers exactly zero on the keys 512 or
/// more positions back, on the global ones some weight there (the first token, which the
/// heads park on, is among them); the logits within 1e-3.
#[test]
fn gemma3_sliding_window_matches_the_reference_past_512_tokens() {
    let m = gemma();
    let dir = fixtures("gemma");
    let w = json(dir.join("window.json"));
    let ids = ids_of(&w["ids"]);
    let t = ids.len();
    assert!(t > 512, "{t} tokens");
    let text = w["text"].as_str().unwrap();
    let encoded: Vec<u32> = m
        .tokenizer
        .encode_max(text, 100_000)
        .unwrap()
        .tokens
        .iter()
        .map(|t| t.id)
        .collect();
    let trace = m.forward(&ids).unwrap();
    let (l, h) = (m.config.num_hidden_layers, m.config.num_attention_heads);
    let want: Array3<f32> = read_npy(dir.join("window_last_row_attention.npy")).unwrap();
    assert_eq!(want.shape(), [l, h, t]);
    let mut diff = 0.0f32;
    let beyond = t - 512; // keys 0..beyond are 512 or more positions before the last
    for layer in 0..l {
        for head in 0..h {
            let i = ((layer * h + head) * t + t - 1) * t;
            let row = &trace.attention[i..i + t];
            diff = diff.max(maxdiff(
                row,
                want.slice(ndarray::s![layer, head, ..]).as_slice().unwrap(),
            ));
            let far: f32 = row[..beyond].iter().sum();
            if m.config.layer_window[layer].is_some() {
                assert!(
                    row[..beyond].iter().all(|&v| v == 0.0),
                    "layer {layer} reads past its window"
                );
            } else {
                assert!(
                    far > 1e-3,
                    "global layer {layer} head {head}: {far} past the window"
                );
            }
        }
    }
    let logits: Array1<f32> = read_npy(dir.join("window_logits.npy")).unwrap();
    let logit_diff = maxdiff(&trace.logits, logits.as_slice().unwrap());
    println!("gemma window ({t} tokens): last row's attention maxdiff {diff:e}, logits maxdiff {logit_diff:e}");
    assert!(diff < 1e-4 && logit_diff < 1e-3, "{diff} {logit_diff}");
    let first = encoded.iter().zip(&ids).position(|(a, b)| a != b);
    assert!(
        encoded.len() == t && first.is_none(),
        "the window prompt tokenizes to {} tokens, the reference's {t}; first difference at {first:?}",
        encoded.len()
    );
}

/// Dismissed judges (HF head_mask) against the reference run with the same heads dismissed
/// (scripts/make_mask_fixtures.py): the attention within 1e-4 (a dismissed head's exactly 0),
/// the logits of the reference's top 10 within 1e-3 and the same top 5. Then the KV cache:
/// prefill and steps with the mask give the full masked pass's last row and logits.
#[test]
fn dismissed_judges_match_the_reference() {
    for (m, name) in [(model(), "smollm"), (gemma(), "gemma")] {
        dismissed_judges_match(&m, name);
    }
}

fn dismissed_judges_match(m: &LlamaForCausalLM, name: &str) {
    use crate::model::HeadMask;
    let c = &m.config;
    let (l, h) = (c.num_hidden_layers, c.num_attention_heads);
    let f = json(fixtures(name).join("masked.json"));
    let ids = ids_of(&f["ids"]);
    let t = ids.len();
    let (mask, dropped) = HeadMask::parse(f["ablate"].as_str().unwrap(), l, h);
    assert!(dropped.is_empty() && !mask.is_empty());
    let trace = m
        .forward_masked(&ids, &mut m.new_cache(), Some(&mask))
        .unwrap();
    let want: Array4<f32> = read_npy(fixtures(name).join("masked_attention.npy")).unwrap();
    assert_eq!(want.shape(), [l, h, t, t]);
    let attn_diff = maxdiff(&trace.attention, want.as_slice().unwrap());
    for (k, head) in trace.attention.chunks_exact(t * t).enumerate() {
        let off = mask.is_off(k / h, k % h);
        let sum: f32 = head.iter().sum();
        assert!(
            if off {
                sum == 0.0
            } else {
                (sum - t as f32).abs() < 1e-4
            },
            "{name} head {k}: off {off}, attention sums to {sum}"
        );
    }
    let logit_diff = |logits: &[f32], want: &serde_json::Value| {
        ids_of(&want["ids"])
            .iter()
            .zip(want["logits"].as_array().unwrap())
            .map(|(&id, w)| (logits[id as usize] as f64 - w.as_f64().unwrap()).abs())
            .fold(0.0f64, f64::max)
    };
    let top5 = |logits: &[f32]| -> Vec<u32> {
        super::top_k(logits, 5)
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    };
    let masked_diff = logit_diff(&trace.logits, &f["masked"]);
    let plain = m.forward(&ids).unwrap();
    let plain_diff = logit_diff(&plain.logits, &f["plain"]);
    println!(
        "{name} dismissed {}: attention maxdiff {attn_diff:e}, logits maxdiff {masked_diff:e} (plain {plain_diff:e}); top 5 {:?} -> {:?}",
        mask.spec(),
        m.tokenizer.decode(&top5(&plain.logits)),
        m.tokenizer.decode(&top5(&trace.logits))
    );
    assert!(attn_diff < 1e-4, "attention maxdiff {attn_diff}");
    assert!(masked_diff < 1e-3 && plain_diff < 1e-3);
    assert_eq!(top5(&trace.logits), ids_of(&f["masked"]["ids"])[..5]);
    assert_eq!(top5(&plain.logits), ids_of(&f["plain"]["ids"])[..5]);
    assert_ne!(
        top5(&trace.logits),
        top5(&plain.logits),
        "the dismissal changed nothing"
    );

    // Through the cache: the prompt less its last token, then that token as a step.
    let mut cache = m.new_cache();
    m.step_masked(&ids[..t - 1], &mut cache, Some(&mask))
        .unwrap();
    let s = m
        .step_masked(&ids[t - 1..], &mut cache, Some(&mask))
        .unwrap();
    let mut diff = 0.0f32;
    for k in 0..l * h {
        let full = &trace.attention[(k * t + t - 1) * t..(k * t + t) * t]; // row T−1
        diff = diff.max(maxdiff(&s.attention[k * t..(k + 1) * t], full));
    }
    let logits = maxdiff(&s.logits, &trace.logits);
    println!("{name} dismissed, through the cache: attention maxdiff {diff:e}, logits {logits:e}");
    // The step's one token takes 16-bit activations, as in kv_cache_gives_the_whole_pass.
    assert!(diff < 2e-3 && logits < 2e-2, "{diff} {logits}");
}
