//! The same word in two sentences: the cosine similarity of its hidden vectors after the
//! embeddings and after each layer, against the independent numpy reference
//! (scripts/make_compare_fixtures.py), for the comparison examples with both models.
mod common;

use orquestra::{load, Model, Trace};

/// The mean over the word's pieces (those overlapping its characters) of each layer's state.
fn vectors(trace: &Trace, text: &str, word: &str) -> (Vec<Vec<f64>>, Vec<usize>) {
    let start = text[..text.find(word).unwrap()].chars().count();
    let end = start + word.chars().count();
    let pieces: Vec<usize> = (0..trace.encoding.tokens.len())
        .filter(|&i| {
            let s = &trace.encoding.tokens[i].span;
            s.char_end > s.char_start && s.char_start < end && s.char_end > start
        })
        .collect();
    let (layers, _, d) = trace.states.dim();
    let v = (0..layers)
        .map(|l| {
            (0..d)
                .map(|k| {
                    pieces
                        .iter()
                        .map(|&t| trace.states[[l, t, k]] as f64)
                        .sum::<f64>()
                        / pieces.len() as f64
                })
                .collect()
        })
        .collect();
    (v, pieces)
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    dot / (a.iter().map(|x| x * x).sum::<f64>().sqrt()
        * b.iter().map(|x| x * x).sum::<f64>().sqrt())
}

fn check(model: &Model, name: &str) {
    let fixture = common::json(common::fixtures().join("compare.json"));
    for case in fixture[name].as_array().unwrap() {
        let (a, b, word) = (
            case["a"].as_str().unwrap(),
            case["b"].as_str().unwrap(),
            case["word"].as_str().unwrap(),
        );
        let (va, pa) = vectors(&model.run(a).unwrap(), a, word);
        let (vb, pb) = vectors(&model.run(b).unwrap(), b, word);
        let want: Vec<f64> = case["cosines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let got: Vec<f64> = va.iter().zip(&vb).map(|(x, y)| cosine(x, y)).collect();
        let worst = got
            .iter()
            .zip(&want)
            .map(|(g, w)| (g - w).abs())
            .fold(0.0, f64::max);
        println!(
            "{name} {word}: {} (maxdiff {worst:.1e})",
            got.iter()
                .map(|v| format!("{v:.4}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert_eq!(
            pa.len(),
            case["piecesA"].as_array().unwrap().len(),
            "{word}: pieces in the first sentence"
        );
        assert_eq!(
            pb.len(),
            case["piecesB"].as_array().unwrap().len(),
            "{word}: pieces in the second sentence"
        );
        assert!(
            got.len() == want.len() && worst < 1e-4,
            "{name} {word}: {got:?} vs {want:?}"
        );
    }
}

#[test]
fn minilm_similarity_over_layers_matches_numpy() {
    check(&load::path(&common::model_dir()).unwrap(), "minilm"); // the f32 weights
}

#[test]
fn e5_similarity_over_layers_matches_numpy() {
    check(&load::path(&common::e5_bundle()).unwrap(), "e5"); // numpy dequantizes the same blocks
}
