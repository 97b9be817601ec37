//! Attention rollout (Abnar & Zuidema 2020): how much of each piece's representation after
//! layer l traces back to each input piece. With the residual connection counted as half:
//! Â_l = ½·(mean over heads of A_l) + ½·I, each row renormalised to sum to 1;
//! R_1 = Â_1 and R_l = Â_l · R_(l−1).
use ndarray::{Array3, Array4};

use crate::kernels::{matmul, Activation, Packed};
use crate::trace::head;

/// R (L, T, T) from the attention (L, H, T, T). Row i of R_l sums to 1.
pub fn rollout(attention: &Array4<f32>) -> Array3<f32> {
    let (nl, nh, t, _) = attention.dim();
    let mut out = Array3::<f32>::zeros((nl, t, t));
    let all = out.as_slice_mut().expect("contiguous (L, T, T)");
    let mut a_hat = vec![0.0f32; t * t]; // Â_l (T, T)
    let mut previous = Packed::default(); // R_(l−1) as the right operand (T, T)
    for l in 0..nl {
        a_hat.fill(0.0);
        for h in 0..nh {
            for (dst, src) in a_hat.iter_mut().zip(head(attention, l, h)) {
                *dst += src;
            }
        }
        for (i, row) in a_hat.chunks_exact_mut(t).enumerate() {
            for v in row.iter_mut() {
                *v *= 0.5 / nh as f32;
            }
            row[i] += 0.5;
            // (a dismissed head's zeros leave the row short of 1: renormalised here)
            let sum: f32 = row.iter().sum();
            row.iter_mut().for_each(|v| *v /= sum);
        }
        let (done, rest) = all.split_at_mut(l * t * t);
        let r = &mut rest[..t * t];
        if l == 0 {
            r.copy_from_slice(&a_hat);
        } else {
            previous.reset(t, t);
            previous.fill_from_rows(&done[(l - 1) * t * t..]);
            matmul(&a_hat, t, &previous, &[], Activation::None, r);
        }
    }
    out
}
