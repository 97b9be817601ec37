//! How a model's matrices are stored: the bundle's `orquestra.precision`.
use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    F32,
    F16,
    /// Symmetric int8 with one F16 scale per group of consecutive inputs.
    Int8,
    /// 4-bit blocks of 32 inputs sharing an f16 scale (GGML's Q4_0), kept as the source has them.
    Q4_0,
}

impl Precision {
    pub const ALL: [Precision; 4] = [
        Precision::F32,
        Precision::F16,
        Precision::Int8,
        Precision::Q4_0,
    ];

    pub fn parse(s: &str) -> Result<Precision> {
        Precision::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                Error::Model(format!(
                    "precision {s:?} is not one of f32, f16, int8, q4_0"
                ))
            })
    }

    /// The name in bundles, on the command line and on the page.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
            Precision::Int8 => "int8",
            Precision::Q4_0 => "q4_0",
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Precision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}
