//! Scalar exp and erf with the same polynomials as the SIMD128 versions, so every build
//! (portable, SIMD128, relaxed SIMD) computes the same function. Accurate to a few ulp of f32 (tested against libm).
//!
//! The constants are written as their sources print them (Cephes, Eigen), with more digits
//! than an f32 holds: clippy's `excessive_precision` is allowed for these alone.

#[allow(clippy::excessive_precision)]
pub(crate) const EXP_HI: f32 = 88.3762626647949;
#[allow(clippy::excessive_precision)]
pub(crate) const EXP_LO: f32 = -87.3365447505531;
pub(crate) const LOG2E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split in two so n·ln2 is subtracted without rounding error (Cephes expf).
#[allow(clippy::excessive_precision)]
pub(crate) const LN2_HI: f32 = 0.693359375;
#[allow(clippy::excessive_precision)]
pub(crate) const LN2_LO: f32 = -2.12194440e-4;
#[allow(clippy::excessive_precision)]
pub(crate) const EXP_POLY: [f32; 6] = [
    1.9875691500e-4,
    1.3981999507e-3,
    8.3334519073e-3,
    4.1665795894e-2,
    1.6666665459e-1,
    5.0000001201e-1,
];

/// ln x for x > 0 (0 gives ln of the smallest normal, about −87.3): x = m·2^e with m in
/// [√½, √2), ln m = 2·atanh(s) with s = (m − 1)/(m + 1), |s| ≤ 0.172, by its series to s⁷
/// (error under 1e-7). Branch-free, so a loop of it vectorizes (the heads' entropies take
/// one per attention value: 19 million at 512 tokens).
#[inline]
pub fn ln(x: f32) -> f32 {
    let bits = x.max(f32::MIN_POSITIVE).to_bits();
    // Mantissa scaled into [√½, √2): from [1, 2), halved when above √2 (exponent + 1).
    let high = (bits & 0x007f_ffff) > 0x0035_04f3; // mantissa of √2
    let m = f32::from_bits((bits & 0x007f_ffff) | if high { 0x3f00_0000 } else { 0x3f80_0000 });
    let e = ((bits >> 23) as i32 - 127 + high as i32) as f32;
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let series = 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (0.2 + s2 * (1.0 / 7.0))));
    e * std::f32::consts::LN_2 + series
}

/// e^x: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-7 polynomial, 2^n through the exponent bits.
#[inline]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(EXP_LO, EXP_HI);
    let n = (x * LOG2E + 0.5).floor();
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut y = EXP_POLY[0];
    for &c in &EXP_POLY[1..] {
        y = y * r + c;
    }
    let y = y * r * r + r + 1.0;
    y * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

/// Odd numerator / even denominator of erf on [-4, 4] (Eigen's `generic_fast_erf_float`).
#[allow(clippy::excessive_precision)]
pub(crate) const ERF_ALPHA: [f32; 7] = [
    -2.72614225801306e-10,
    2.77068142495902e-08,
    -2.10102402082508e-06,
    -5.69250639462346e-05,
    -7.34990630326855e-04,
    -2.95459980854025e-03,
    -1.60960333262415e-02,
];
#[allow(clippy::excessive_precision)]
pub(crate) const ERF_BETA: [f32; 5] = [
    -1.45660718464996e-05,
    -2.13374055278905e-04,
    -1.68282697438203e-03,
    -7.37332916720468e-03,
    -1.42647390514189e-02,
];

#[inline]
pub fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = ERF_ALPHA[0];
    for &c in &ERF_ALPHA[1..] {
        p = p * x2 + c;
    }
    let mut q = ERF_BETA[0];
    for &c in &ERF_BETA[1..] {
        q = q * x2 + c;
    }
    x * p / q
}

/// The exact (erf) GELU of BERT: x·½(1 + erf(x/√2)).
#[inline]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// GELU's tanh approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (PyTorch's
/// `gelu(approximate="tanh")`, Gemma's activation), with 0.5·(1 + tanh(u)) = 1 / (1 + e^(−2u)).
pub fn gelu_tanh(x: f32) -> f32 {
    const SQRT_2_OVER_PI: f32 = 0.797_884_6;
    let u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
    x / (1.0 + exp(-2.0 * u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_is_within_2e_7_of_libm_and_x_ln_x_is_0_at_0() {
        let mut worst = 0.0f64;
        for i in 0..200_000 {
            // from 1e-30 to 1e4, and every value in (0, 1] an attention can hold
            let x = 10f64.powf(-30.0 + i as f64 * 34.0 / 200_000.0) as f32;
            worst =
                worst.max((ln(x) as f64 - (x as f64).ln()).abs() / (x as f64).ln().abs().max(1.0));
        }
        assert!(worst < 2e-7, "worst error {worst}");
        assert_eq!(0.0 * ln(0.0), 0.0);
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn exp_is_within_3e_7_relative_of_libm() {
        let mut worst = 0.0f64;
        for i in -87_000..88_000 {
            let x = i as f32 * 1e-3;
            let want = (x as f64).exp();
            worst = worst.max(((exp(x) as f64) - want).abs() / want);
        }
        assert!(worst < 3e-7, "worst relative error {worst}");
    }

    #[test]
    fn gelu_tanh_is_within_1e_6_of_the_tanh_formula() {
        let mut worst = 0.0f64;
        for i in -20_000..20_000 {
            let x = i as f32 * 1e-3;
            let xd = x as f64;
            let want = 0.5
                * xd
                * (1.0
                    + ((2.0 / std::f64::consts::PI).sqrt() * (xd + 0.044715 * xd.powi(3))).tanh());
            worst = worst.max((gelu_tanh(x) as f64 - want).abs() / (1.0 + xd.abs()));
        }
        assert!(worst < 1e-6, "worst error {worst}");
    }

    #[test]
    fn erf_and_gelu_are_within_1e_6_of_libm() {
        let mut worst = 0.0f64;
        for i in -6000..6000 {
            let x = i as f32 * 1e-3;
            worst = worst.max((erf(x) as f64 - libm::erf(x as f64)).abs());
            let g = 0.5 * x as f64 * (1.0 + libm::erf(x as f64 / 2f64.sqrt()));
            worst = worst.max((gelu(x) as f64 - g).abs() / (1.0 + x.abs() as f64));
        }
        assert!(worst < 1e-6, "worst error {worst}");
    }
}
