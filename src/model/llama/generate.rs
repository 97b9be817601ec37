//! Writing: guess, pick, append, attend again. The prompt is read once (prefill); each new
//! token then runs alone against the KV cache, and its attention row over every earlier
//! token is kept. Greedy, or temperature and top-p with a seed (the same seed writes the
//! same text on every machine: the generator is SplitMix64, the draw is f64).
use crate::error::{Error, Result};

use super::{KvCache, LlamaForCausalLM};

/// How the next token is picked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sampling {
    /// The most likely token (the lowest id on an exact tie).
    Greedy,
    /// Softmax(logits / temperature) restricted to the smallest set of most likely tokens
    /// whose probabilities reach `top_p`, drawn with a generator seeded by `seed`.
    Sample {
        temperature: f32,
        top_p: f32,
        seed: u64,
    },
}

/// One written token.
#[derive(Clone, Debug)]
pub struct Written {
    pub id: u32,
    /// Its probability under softmax(logits) (temperature 1), when it was picked.
    pub prob: f32,
    /// Its logit minus the next best one, when it was picked (how close the choice was).
    pub margin: f32,
    /// Its attention over every token before it and itself: (L, H, P) with P its position + 1.
    pub attention: Vec<f32>,
}

/// What generation gives: the new tokens, and why it stopped.
#[derive(Clone, Debug)]
pub struct Generation {
    pub prompt: Vec<u32>,
    pub tokens: Vec<Written>,
    /// True when it stopped on the end-of-text token (which is not in `tokens`).
    pub ended: bool,
}

/// SplitMix64 (Steele, Lea, Flood 2014): small, seedable, the same everywhere.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Softmax of `logits / temperature` in f64: (V,).
pub fn probabilities(logits: &[f32], temperature: f64) -> Vec<f64> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let mut p: Vec<f64> = logits
        .iter()
        .map(|&l| ((l as f64 - max) / temperature).exp())
        .collect();
    let sum: f64 = p.iter().sum();
    p.iter_mut().for_each(|v| *v /= sum);
    p
}

/// The most likely ids, best first (ties: lower id first): (id, logit).
pub fn top_k(logits: &[f32], k: usize) -> Vec<(u32, f32)> {
    let mut ids: Vec<u32> = (0..logits.len() as u32).collect();
    let k = k.min(ids.len());
    let cmp = |a: &u32, b: &u32| {
        logits[*b as usize]
            .total_cmp(&logits[*a as usize])
            .then(a.cmp(b))
    };
    if k < ids.len() {
        ids.select_nth_unstable_by(k, cmp);
        ids.truncate(k);
    }
    ids.sort_by(cmp);
    ids.into_iter().map(|i| (i, logits[i as usize])).collect()
}

fn pick(logits: &[f32], sampling: Sampling, rng: &mut SplitMix64) -> u32 {
    match sampling {
        Sampling::Greedy => top_k(logits, 1)[0].0,
        Sampling::Sample {
            temperature, top_p, ..
        } => {
            let p = probabilities(logits, temperature as f64);
            let mut order: Vec<u32> = (0..p.len() as u32).collect();
            order.sort_by(|a, b| p[*b as usize].total_cmp(&p[*a as usize]).then(a.cmp(b)));
            let mut kept = 0;
            let mut mass = 0.0;
            for &id in &order {
                kept += 1;
                mass += p[id as usize];
                if mass >= top_p as f64 {
                    break;
                }
            }
            let mut u = rng.next_f64() * mass;
            for &id in &order[..kept] {
                u -= p[id as usize];
                if u < 0.0 {
                    return id;
                }
            }
            order[kept - 1]
        }
    }
}

/// A sampling rule with its generator: picks one token after another (the page writes a
/// token per call, so the state lives between calls).
pub struct Sampler {
    sampling: Sampling,
    rng: SplitMix64,
}

impl Sampler {
    /// Err when the temperature or top-p is out of range.
    pub fn new(sampling: Sampling) -> Result<Sampler> {
        let seed = match sampling {
            Sampling::Sample {
                temperature,
                top_p,
                seed,
            } => {
                if !(temperature.is_finite() && temperature > 0.0 && top_p > 0.0 && top_p <= 1.0) {
                    return Err(Error::Model(format!(
                        "sampling needs a temperature above 0 and top-p in (0, 1], not {temperature} and {top_p}"
                    )));
                }
                seed
            }
            Sampling::Greedy => 0,
        };
        Ok(Sampler {
            sampling,
            rng: SplitMix64(seed),
        })
    }

    /// The next token after `logits` (V,).
    pub fn pick(&mut self, logits: &[f32]) -> u32 {
        pick(logits, self.sampling, &mut self.rng)
    }
}

impl LlamaForCausalLM {
    /// Up to `max_new` tokens after `prompt`, stopping early on the end-of-text token.
    pub fn generate(
        &self,
        prompt: &[u32],
        max_new: usize,
        sampling: Sampling,
    ) -> Result<Generation> {
        if prompt.is_empty() {
            return Err(Error::EmptyText);
        }
        let mut sampler = Sampler::new(sampling)?;
        let mut cache: KvCache = self.new_cache();
        let mut step = self.step(prompt, &mut cache)?;
        let mut out = Generation {
            prompt: prompt.to_vec(),
            tokens: Vec::new(),
            ended: false,
        };
        while out.tokens.len() < max_new && cache.len < self.config.max_position_embeddings {
            let id = sampler.pick(&step.logits);
            let best = top_k(&step.logits, 2);
            let margin = if best[0].0 == id && best.len() > 1 {
                best[0].1 - best[1].1
            } else {
                step.logits[id as usize] - best[0].1
            };
            let prob = probabilities(&step.logits, 1.0)[id as usize] as f32;
            if Some(id) == self.tokenizer.eos() {
                out.ended = true;
                break;
            }
            out.tokens.push(Written {
                id,
                prob,
                margin,
                attention: Vec::new(),
            });
            step = self.step(&[id], &mut cache)?;
            // A one-token step's (L, H, 1, P) is the new token's row, (L, H, P).
            out.tokens.last_mut().expect("pushed").attention = std::mem::take(&mut step.attention);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_orders_by_logit_then_id() {
        let logits = [1.0, 3.0, 3.0, -1.0, 2.0];
        assert_eq!(top_k(&logits, 3), [(1, 3.0), (2, 3.0), (4, 2.0)]);
        assert_eq!(top_k(&logits, 9).len(), 5);
    }

    #[test]
    fn sampling_is_reproducible_and_top_p_keeps_the_head() {
        let logits = [5.0, 4.0, 0.0, -3.0];
        let s = |seed| Sampling::Sample {
            temperature: 1.0,
            top_p: 0.9,
            seed,
        };
        let draw = |seed| {
            let mut rng = SplitMix64(seed);
            (0..200)
                .map(|_| pick(&logits, s(seed), &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        // p = 0.72, 0.27, 0.005, …: top-p 0.9 keeps ids 0 and 1 only, both drawn.
        let d = draw(7);
        assert!(d.iter().all(|&i| i < 2) && d.contains(&0) && d.contains(&1));
        assert_eq!(pick(&logits, Sampling::Greedy, &mut SplitMix64(0)), 0);
    }
}
