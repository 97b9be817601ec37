//! Reading models from files: an HF model directory (config.json, vocab.txt,
//! model.safetensors) or a single-file Orquestra bundle. The model itself knows no format.
pub mod accuracy;
pub mod bundle;
pub mod e5bin;
pub mod gguf;
pub mod gguf_write;
pub mod safetensors;
pub mod trim;

use crate::error::Result;
use crate::model::{Config, Model, Precision};
use crate::tokenizer::Tokenizer;
use safetensors::Weights;

pub use bundle::{convert, convert_e5, convert_e5_with, convert_with, Layout};

/// The encoder from the three files of an HF model directory (weights in F32, F16 or I8).
pub fn from_hf(config_json: &str, vocab_txt: &str, safetensors: &[u8]) -> Result<Model> {
    let config = Config::from_json(config_json)?;
    let tokenizer = Tokenizer::from_vocab_text(vocab_txt)?;
    let w = Weights::parse(safetensors, "model.safetensors")?;
    Model::new(config, tokenizer, Precision::F32, &w)
}

/// The encoder from a bundle written by `orquestra convert` (copied once: see `from_bundle_vec`).
pub fn from_bundle(bytes: &[u8]) -> Result<Model> {
    from_bundle_vec(bytes.to_vec())
}

/// The encoder from a bundle's bytes, which it keeps: its quantized weights are used where
/// they lie (a bundle of layout 2 loads with no other copy of them).
pub fn from_bundle_vec(bytes: Vec<u8>) -> Result<Model> {
    let buf = std::sync::Arc::new(bytes);
    let w = Weights::parse_shared(&buf, "the bundle")?;
    let header = bundle::Header::read(&w)?;
    let mut model = Model::new(header.config, header.tokenizer, header.precision, &w)?;
    model.accuracy = header.accuracy;
    model.integer_accuracy = header.integer_accuracy;
    let ok = model.integer_dot_ok();
    model.set_integer_dot(ok);
    Ok(model)
}

/// An HF model directory's three files, read once.
pub struct HfDir {
    pub config_json: String,
    pub vocab_txt: String,
    pub safetensors: Vec<u8>,
}

#[cfg(not(target_arch = "wasm32"))]
mod files {
    use std::path::Path;

    use super::{from_bundle_vec, from_hf, HfDir};
    use crate::error::{Error, Result};
    use crate::model::{Model, Precision};

    fn missing(path: &Path) -> Error {
        Error::Io(format!(
            "{} does not exist (run `make model` for the default model)",
            path.display()
        ))
    }

    impl HfDir {
        pub fn read(dir: &Path) -> Result<HfDir> {
            if !dir.exists() {
                return Err(missing(dir));
            }
            let text = |name: &str| {
                String::from_utf8(read(&dir.join(name))?)
                    .map_err(|_| Error::Model(format!("{name} is not UTF-8")))
            };
            Ok(HfDir {
                config_json: text("config.json")?,
                vocab_txt: text("vocab.txt")?,
                safetensors: read(&dir.join("model.safetensors"))?,
            })
        }

        pub fn model(&self) -> Result<Model> {
            from_hf(&self.config_json, &self.vocab_txt, &self.safetensors)
        }

        /// This model as a bundle's bytes.
        pub fn convert(&self, precision: Precision) -> Result<Vec<u8>> {
            super::convert(
                &self.config_json,
                &self.vocab_txt,
                &self.safetensors,
                precision,
            )
        }
    }

    /// A directory (HF layout) or a bundle file.
    pub fn path(path: &Path) -> Result<Model> {
        if !path.exists() {
            Err(missing(path))
        } else if path.is_dir() {
            HfDir::read(path)?.model()
        } else {
            from_bundle_vec(read(path)?)
        }
    }

    /// A file's bytes; a FIFO, a device or a socket is refused before it is opened (reading
    /// one would wait forever or never end).
    fn read(path: &Path) -> Result<Vec<u8>> {
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))?;
        if !meta.is_file() {
            return Err(Error::Io(format!(
                "{} is not a regular file",
                path.display()
            )));
        }
        std::fs::read(path).map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use files::path;
