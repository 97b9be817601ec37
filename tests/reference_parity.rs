//! The f32 engine against the independent numpy reference (scripts/reference.py), and the
//! invariants every trace must hold.
mod common;

use common::max_abs_diff;
use ndarray::{s, Array2, Array4};
use ndarray_npy::read_npy;
use orquestra::load;

#[test]
fn attention_matches_numpy_reference_within_1e_4() {
    let model = load::path(&common::model_dir()).unwrap();
    let dir = common::fixtures().join("reference");
    let manifest = common::json(dir.join("manifest.json"));
    let cases = manifest.as_array().unwrap();
    assert!(cases.len() >= 10);
    let mut worst = 0.0f32;
    for (i, case) in cases.iter().enumerate() {
        let text = case["text"].as_str().unwrap();
        let trace = model.run(text).unwrap();
        let tokens = common::token_texts(&trace.encoding);
        let want_tokens = common::strings(&case["tokens"]);
        assert_eq!(tokens, want_tokens, "case {i}");
        let rows: Vec<usize> = case["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_u64().unwrap() as usize)
            .collect();
        let want: Array4<f32> = read_npy(dir.join(format!("{i:02}_attention.npy"))).unwrap(); // (L, H, R, T)
        let want_hidden: Array2<f32> = read_npy(dir.join(format!("{i:02}_hidden.npy"))).unwrap(); // (R, D)
        let mut diff = 0.0f32;
        let mut hidden_diff = 0.0f32;
        for (r, &row) in rows.iter().enumerate() {
            diff = diff.max(max_abs_diff(
                trace.attention.slice(s![.., .., row, ..]),
                want.slice(s![.., .., r, ..]),
            ));
            hidden_diff = hidden_diff.max(max_abs_diff(trace.hidden.row(row), want_hidden.row(r)));
        }
        println!("reference case {i:2} (T={:3}): attention maxdiff {diff:.2e}, hidden maxdiff {hidden_diff:.2e}", tokens.len());
        assert!(diff <= 1e-4, "case {i}: attention maxdiff {diff}");
        assert!(
            hidden_diff <= 1e-3,
            "case {i}: hidden maxdiff {hidden_diff}"
        );
        worst = worst.max(diff);
    }
    println!("attention maxdiff over all cases: {worst:.2e}");
}

#[test]
fn trace_invariants_hold() {
    let model = load::path(&common::model_dir()).unwrap();
    for text in ["A menina estava radiante.", "x", &"palavra ".repeat(600)] {
        let trace = model.run(text).unwrap();
        let t = trace.encoding.tokens.len();
        let (l, h, dh) = (6, 12, 32);
        assert_eq!(trace.attention.dim(), (l, h, t, t));
        assert_eq!(trace.scores.dim(), (l, h, t, t));
        for a in [&trace.q, &trace.k, &trace.v, &trace.context] {
            assert_eq!(a.dim(), (l, h, t, dh));
        }
        assert_eq!(trace.hidden.dim(), (t, 384));
        assert!(t <= 512);
        assert_eq!(trace.encoding.truncated, t == 512);
        for row in trace.attention.rows() {
            let sum: f32 = row.sum();
            assert!((sum - 1.0).abs() < 1e-5, "row sums to {sum}");
            assert!(row.iter().all(|&a| (0.0..=1.0).contains(&a)));
        }
        // context = attention · v, per head, checked in f64
        for (li, hi, qi) in [(0, 0, 0), (5, 11, t - 1), (2, 7, t / 2)] {
            for dd in 0..dh {
                let want: f64 = (0..t)
                    .map(|j| {
                        trace.attention[[li, hi, qi, j]] as f64 * trace.v[[li, hi, j, dd]] as f64
                    })
                    .sum();
                assert!((trace.context[[li, hi, qi, dd]] as f64 - want).abs() < 1e-5);
            }
            // scores are raw q·k
            let j = t - 1;
            let want: f64 = (0..dh)
                .map(|dd| trace.q[[li, hi, qi, dd]] as f64 * trace.k[[li, hi, j, dd]] as f64)
                .sum();
            assert!((trace.scores[[li, hi, qi, j]] as f64 - want).abs() < 1e-4);
        }
    }
}
