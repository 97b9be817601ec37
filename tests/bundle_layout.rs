//! Layout 2 bundles (quantized weights stored in the matmul's panel layout and used in
//! place) against layout 1 (row by row, packed at load): the same numbers, bit for bit, for
//! the tiny models and both real ones on the committed sentences; and what each file holds.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use orquestra::load::{self, e5bin, safetensors::Weights, HfDir, Layout};
use orquestra::model::{Model, Precision};

const QKV0: &str = "encoder.layer.0.attention.self.query+key+value.weight.panels";

/// The tensor names and the format of a bundle.
fn contents(bytes: &[u8]) -> (Vec<String>, String) {
    let w = Weights::parse(bytes, "bundle").unwrap();
    (w.names(), w.metadata["orquestra.format"].clone())
}

/// Both layouts hold what they say and give the same attention and hidden states.
fn same_numbers(rows: &[u8], panels: &[u8], sentences: &[&str]) {
    let (names, format) = contents(panels);
    assert_eq!(format, "orquestra-bundle-2");
    assert!(names.iter().any(|n| n == QKV0), "{names:?}");
    assert!(!names
        .iter()
        .any(|n| n == "encoder.layer.0.attention.self.query.weight"));
    assert!(!names
        .iter()
        .any(|n| n == "encoder.layer.0.output.dense.weight"));
    let (names, format) = contents(rows);
    assert_eq!(format, "orquestra-bundle-1");
    assert!(names
        .iter()
        .any(|n| n == "encoder.layer.0.attention.self.query.weight"));
    let (a, b): (Model, Model) = (
        load::from_bundle(rows).unwrap(),
        load::from_bundle(panels).unwrap(),
    );
    for s in sentences {
        let (x, y) = (a.run(s).unwrap(), b.run(s).unwrap());
        assert_eq!(x.attention, y.attention, "{s}");
        assert_eq!(x.hidden, y.hidden, "{s}");
    }
}

#[test]
fn tiny_int8_and_4bit_bundles_give_the_same_numbers_in_both_layouts() {
    let (c, v, w) = common::tiny_parts();
    let conv = |layout| load::convert_with(&c, &v, &w, Precision::Int8, layout).unwrap();
    same_numbers(
        &conv(Layout::Rows),
        &conv(Layout::Panels),
        &["a menina estava radiante", "o gato"],
    );
    let bin = std::fs::read(common::fixtures().join("e5/tiny/model.bin")).unwrap();
    let map = std::fs::read(common::fixtures().join("e5/tiny/charsmap.bin")).unwrap();
    let conv = |layout| load::convert_e5_with(&bin, &map, layout).unwrap();
    same_numbers(
        &conv(Layout::Rows),
        &conv(Layout::Panels),
        &["a menina, estava radiante.", "o gato"],
    );
}

#[test]
fn both_real_models_give_the_same_numbers_in_both_layouts() {
    let sentences = common::json(common::fixtures().join("sentences.json"));
    let sentences = common::strings(&sentences);
    let hf = HfDir::read(&common::model_dir()).unwrap();
    let conv = |layout| {
        load::convert_with(
            &hf.config_json,
            &hf.vocab_txt,
            &hf.safetensors,
            Precision::Int8,
            layout,
        )
        .unwrap()
    };
    same_numbers(&conv(Layout::Rows), &conv(Layout::Panels), &sentences);
    let dir = common::e5_bundle().with_extension("").with_extension(""); // models/e5-small-enpt
    let bin = std::fs::read(dir.join("e5-small-enpt-q4.bin")).unwrap();
    let map =
        e5bin::charsmap_of(&std::fs::read_to_string(dir.join("tokenizer.json")).unwrap()).unwrap();
    let conv = |layout| load::convert_e5_with(&bin, &map, layout).unwrap();
    same_numbers(&conv(Layout::Rows), &conv(Layout::Panels), &sentences);
}

#[test]
fn a_newer_layout_or_a_damaged_panel_is_a_clear_error() {
    let (c, v, w) = common::tiny_parts();
    let good = load::convert(&c, &v, &w, Precision::Int8).unwrap();
    let newer = replace(&good, "orquestra-bundle-2", "orquestra-bundle-9");
    let msg = load::from_bundle(&newer).err().unwrap().to_string();
    assert!(
        msg.contains("orquestra-bundle-9") && msg.contains("newer"),
        "{msg}"
    );
    // A panel tensor whose shape no longer fits its bytes.
    let (names, _) = contents(&good);
    assert!(names.iter().any(|n| n == QKV0));
    let header = String::from_utf8_lossy(&good[8..8 + header_len(&good)]).to_string();
    let at = header.find(QKV0).unwrap();
    let shape = header[at..].find("\"shape\":[").unwrap() + at + "\"shape\":[".len();
    let mut bad = good.clone();
    let digit = 8 + shape;
    bad[digit] = if bad[digit] == b'1' { b'2' } else { b'1' };
    let msg = load::from_bundle(&bad).err().unwrap().to_string();
    assert!(msg.contains("truncated or corrupt"), "{msg}");
}

fn header_len(b: &[u8]) -> usize {
    u64::from_le_bytes(b[..8].try_into().unwrap()) as usize
}

/// The same bytes with one string of equal length replaced in the header.
fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let n = 8 + header_len(bytes);
    let header = String::from_utf8(bytes[8..n].to_vec()).unwrap();
    assert!(header.contains(from));
    let mut out = bytes[..8].to_vec();
    out.extend(header.replace(from, to).into_bytes());
    out.extend(&bytes[n..]);
    out
}
