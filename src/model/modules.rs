//! The encoder's modules, named as in HF `modeling_bert.py`; each loads its own tensors.
use super::{Config, RowTable, TensorSource};
use crate::error::{Error, Result};

/// A tensor's values, refused when one is NaN or infinite: such a model would show "NaN%".
fn finite(src: &dyn TensorSource, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
    let v = src.f32(name, shape)?;
    match v.iter().position(|x| !x.is_finite()) {
        None => Ok(v),
        Some(i) => Err(Error::Model(format!(
            "tensor {name} holds {} at index {i}: every weight must be a finite number",
            v[i]
        ))),
    }
}
use crate::kernels::{add_layer_norm, keep_quantized, matmul, Activation, Packed};

/// `nn.Linear`: y = x·Wᵀ + b, W packed once for the matmul kernel.
pub struct Linear {
    /// Wᵀ: K inputs × N outputs.
    pub w: Packed,
    /// (N)
    pub b: Vec<f32>,
}

impl Linear {
    /// Several linears with the same input, side by side in one: outputs
    /// [first (0..N) | second (N..2N) | …], read with one pass over x.
    pub fn load_stacked(
        src: &dyn TensorSource,
        prefixes: &[&str],
        n: usize,
        k: usize,
    ) -> Result<Linear> {
        let w = Linear::load_weights(src, prefixes, n, k)?;
        let mut b = Vec::with_capacity(prefixes.len() * n);
        for p in prefixes {
            b.extend(finite(src, &format!("{p}.bias"), &[n])?);
        }
        Ok(Linear { w, b })
    }

    /// The stacked weights, packed: in place from a bundle of layout 2, else row by row.
    fn load_weights(
        src: &dyn TensorSource,
        prefixes: &[&str],
        n: usize,
        k: usize,
    ) -> Result<Packed> {
        let name = panels_name(prefixes);
        if let Some(w) = src.panels(&name, prefixes.len() * n, k)? {
            let scales = &w.quantized.as_ref().expect("panels are quantized").scale;
            if !scales.iter().all(|s| s.is_finite()) {
                return Err(Error::Model(format!(
                    "tensor {name} holds a value that is not a finite number"
                )));
            }
            return Ok(if keep_quantized() { w } else { w.widened() });
        }
        let tables = prefixes
            .iter()
            .map(|p| src.table(&format!("{p}.weight"), &[n, k]))
            .collect::<Result<Vec<_>>>()?;
        if let Some(bad) = tables.iter().zip(prefixes).find(|(t, _)| !t.is_finite()) {
            return Err(Error::Model(format!(
                "tensor {}.weight holds a value that is not a finite number",
                bad.1
            )));
        }
        // Quantized weights stay quantized (the kernel widens them chunk by chunk).
        if let Some(w) = pack_quantized(&tables, n, k).filter(|_| keep_quantized()) {
            return Ok(w);
        }
        let w: Vec<f32> = tables.into_iter().flat_map(|t| t.into_f32()).collect(); // (parts·N, K)
        Ok(Packed::from_weight(&w, prefixes.len() * n, k))
    }

    /// x (T, K) → y (T, N).
    pub fn forward(&self, x: &[f32], t: usize, act: Activation, y: &mut [f32]) {
        matmul(x, t, &self.w, &self.b, act, y);
    }
}

/// Quantized tables (each N×K, one group size) as int8 panels side by side; None if one
/// is not quantized.
pub fn pack_quantized(tables: &[RowTable], n: usize, k: usize) -> Option<Packed> {
    let group = tables.first()?.quantized()?;
    if !tables.iter().all(|t| t.quantized() == Some(group)) {
        return None;
    }
    Some(Packed::from_quantized(
        tables.len() * n,
        k,
        group,
        |col, q, s| tables[col / n].quantized_row(col % n, q, s),
    ))
}

/// Where a bundle of layout 2 keeps a linear's weights in panel layout (stacked parts in
/// one tensor): `{prefix}.weight.panels`, or for stacked parts `{common}.{a+b+c}.weight.panels`.
pub fn panels_name(prefixes: &[&str]) -> String {
    let common = prefixes[0].rsplit_once('.').map_or("", |(c, _)| c);
    let lasts: Vec<&str> = prefixes
        .iter()
        .map(|p| p.rsplit_once('.').map_or(*p, |(_, l)| l))
        .collect();
    match (prefixes.len(), common) {
        (1, _) => format!("{}.weight.panels", prefixes[0]),
        (_, "") => format!("{}.weight.panels", lasts.join("+")),
        _ => format!("{common}.{}.weight.panels", lasts.join("+")),
    }
}

/// `nn.LayerNorm` over the hidden size, applied after a residual add (BERT's post-norm).
pub struct LayerNorm {
    pub gamma: Vec<f32>, // (D)
    pub beta: Vec<f32>,  // (D)
    pub eps: f32,
}

impl LayerNorm {
    pub fn load(src: &dyn TensorSource, prefix: &str, c: &Config) -> Result<LayerNorm> {
        let d = c.hidden_size;
        Ok(LayerNorm {
            gamma: finite(src, &format!("{prefix}.weight"), &[d])?,
            beta: finite(src, &format!("{prefix}.bias"), &[d])?,
            eps: c.layer_norm_eps as f32,
        })
    }

    /// In place: x (T, D) ← LayerNorm(x + residual); `residual` (T, D) may be empty.
    pub fn forward(&self, x: &mut [f32], residual: &[f32]) {
        add_layer_norm(x, residual, &self.gamma, &self.beta, self.eps);
    }
}

/// `BertEmbeddings`: word + position + token type 0 (every token is in segment A), then LayerNorm.
pub struct Embeddings {
    /// (V, D), kept in its stored precision.
    pub word: RowTable,
    /// (P, D)
    pub position: Vec<f32>,
    /// Row 0 of the token-type table. (D)
    pub token_type: Vec<f32>,
    pub norm: LayerNorm,
}

impl Embeddings {
    pub fn load(src: &dyn TensorSource, prefix: &str, c: &Config) -> Result<Embeddings> {
        let d = c.hidden_size;
        let token_types = finite(
            src,
            &format!("{prefix}.token_type_embeddings.weight"),
            &[c.type_vocab_size, d],
        )?;
        let name = format!("{prefix}.word_embeddings.weight");
        let word = src.table(&name, &[c.vocab_size, d])?;
        if !word.is_finite() {
            return Err(Error::Model(format!(
                "tensor {name} holds a value that is not a finite number"
            )));
        }
        Ok(Embeddings {
            word,
            position: finite(
                src,
                &format!("{prefix}.position_embeddings.weight"),
                &[c.max_position_embeddings, d],
            )?,
            token_type: token_types[..d].to_vec(),
            norm: LayerNorm::load(src, &format!("{prefix}.LayerNorm"), c)?,
        })
    }

    /// Token ids (T) at positions 0..T → x (T, D).
    pub fn forward(&self, ids: impl Iterator<Item = u32>, x: &mut [f32]) {
        let d = self.token_type.len();
        for ((pos, id), row) in ids.enumerate().zip(x.chunks_exact_mut(d)) {
            self.word.row(id as usize, row);
            for ((v, p), ty) in row
                .iter_mut()
                .zip(&self.position[pos * d..(pos + 1) * d])
                .zip(&self.token_type)
            {
                *v += p + ty;
            }
        }
        self.norm.forward(x, &[]);
    }
}

/// `BertLayer`: self-attention, its output projection and norm, then the feed-forward.
pub struct Layer {
    /// `attention.self.{query,key,value}` side by side: x (T, D) → [q | k | v] (T, 3D).
    pub qkv: Linear,
    /// `attention.output.dense`: the heads' contexts merged (T, D) → (T, D).
    pub attention_output: Linear,
    /// `attention.output.LayerNorm`
    pub attention_norm: LayerNorm,
    /// `intermediate.dense` (with GELU): (T, D) → (T, I).
    pub intermediate: Linear,
    /// `output.dense`: (T, I) → (T, D).
    pub output: Linear,
    /// `output.LayerNorm`
    pub output_norm: LayerNorm,
}

impl Layer {
    /// The layer's linears as the model holds them, in field order (qkv, attention_output,
    /// intermediate, output): the HF prefixes stacked side by side, N per part, and K.
    pub fn linears(prefix: &str, c: &Config) -> Vec<(Vec<String>, usize, usize)> {
        let (d, i) = (c.hidden_size, c.intermediate_size);
        let part = |name: &str| format!("{prefix}.{name}");
        vec![
            (
                ["query", "key", "value"]
                    .map(|m| part(&format!("attention.self.{m}")))
                    .to_vec(),
                d,
                d,
            ),
            (vec![part("attention.output.dense")], d, d),
            (vec![part("intermediate.dense")], i, d),
            (vec![part("output.dense")], d, i),
        ]
    }

    pub fn load(src: &dyn TensorSource, prefix: &str, c: &Config) -> Result<Layer> {
        let part = |name: &str| format!("{prefix}.{name}");
        let mut linears = Layer::linears(prefix, c).into_iter().map(|(parts, n, k)| {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            Linear::load_stacked(src, &parts, n, k)
        });
        let mut next = || linears.next().expect("four linears");
        Ok(Layer {
            qkv: next()?,
            attention_output: next()?,
            attention_norm: LayerNorm::load(src, &part("attention.output.LayerNorm"), c)?,
            intermediate: next()?,
            output: next()?,
            output_norm: LayerNorm::load(src, &part("output.LayerNorm"), c)?,
        })
    }
}
