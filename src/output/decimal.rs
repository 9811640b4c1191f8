//! A float's fixed-point text, the bytes `format!("{:.D}", x)` writes, at a fraction of
//! the cost.
//!
//! Std's `{:.D}` is exact (the binary value rounded half to even at `D` decimals) but
//! general: Grisu with a Dragon fallback behind the formatting machinery, about 1,800
//! instructions a float, which made it most of the cost of writing a run's files. The values
//! written are finite and small, and for those the same exact rounding is a few integer
//! operations: `x = m / 2^s` with `m < 2^53`, so `x·10^D = m·10^D / 2^s`, a division of a
//! `u128` by a power of two whose remainder says which way to round. Anything else (infinite,
//! NaN, `|x| ≥ 2^52`, a result over `u64`, more than 9 decimals) is left to std; a test
//! checks the bytes against std's.

/// Room for the longest text [`format`] writes: a sign, 20 digits and the point.
pub(crate) const LEN: usize = 24;

/// `x` with `D` decimals, written at the end of `buf`, exactly as `format!("{x:.D$}")`
/// writes it (`-0.000` for a small negative, like std); `None` where std must write it.
/// (`D` is a constant so that the powers of ten and the divisions by them are too.)
pub(crate) fn format<const D: usize>(x: f64, buf: &mut [u8; LEN]) -> Option<&str> {
    if D > 9 {
        return None;
    }
    let bits = x.to_bits();
    let frac = bits & ((1 << 52) - 1);
    // x = ±m / 2^s exactly. A biased exponent above 1074 is |x| ≥ 2^52, infinity or NaN.
    let (m, s) = match (bits >> 52) & 0x7ff {
        0 => (frac, 1074),
        e @ 1..=1074 => (frac | 1 << 52, 1075 - e as u32),
        _ => return None,
    };
    // m·10^D < 2^83: with s ≥ 128 the quotient is 0 and the remainder below one half.
    let scaled = u128::from(m) * 10u128.pow(D as u32);
    let q = if s >= 128 {
        0
    } else {
        let (q, r, half) = (scaled >> s, scaled & ((1 << s) - 1), 1u128 << (s - 1));
        // Round half to even, as std does.
        q + u128::from(r > half || (r == half && q & 1 == 1))
    };
    let q = u64::try_from(q).ok()?;
    // From the end: D decimals, the point, the integer part (at least one digit).
    let unit = 10u64.pow(D as u32);
    let (mut int, mut decimals, mut i) = (q / unit, q % unit, LEN);
    for _ in 0..D {
        i -= 1;
        buf[i] = b'0' + (decimals % 10) as u8;
        decimals /= 10;
    }
    if D > 0 {
        i -= 1;
        buf[i] = b'.';
    }
    loop {
        i -= 1;
        buf[i] = b'0' + (int % 10) as u8;
        int /= 10;
        if int == 0 {
            break;
        }
    }
    if bits >> 63 == 1 {
        i -= 1;
        buf[i] = b'-';
    }
    std::str::from_utf8(&buf[i..]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Format = fn(f64, &mut [u8; LEN]) -> Option<&str>;

    /// `format` writes std's bytes wherever it answers, and answers for every finite value
    /// below 10^9 at up to 9 decimals (the fast path is the one taken).
    fn check(x: f64) {
        let each_d: [Format; 11] = [
            format::<0>,
            format::<1>,
            format::<2>,
            format::<3>,
            format::<4>,
            format::<5>,
            format::<6>,
            format::<7>,
            format::<8>,
            format::<9>,
            format::<10>,
        ];
        for (d, format) in each_d.into_iter().enumerate() {
            let mut buf = [0; LEN];
            match format(x, &mut buf) {
                Some(text) => assert_eq!(text, format!("{x:.d$}"), "{x:e} at {d}"),
                None => assert!(d > 9 || !x.is_finite() || x.abs() >= 1e9, "{x:e} at {d}"),
            }
        }
    }

    /// SplitMix64: a reproducible stream of test values.
    fn stream(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let z = (state ^ (state >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
    }

    #[test]
    fn edges_agree_with_std() {
        let two52 = 2f64.powi(52);
        for x in [
            0.0,
            0.5,
            1.5,
            2.5,
            0.125,
            0.375,
            0.05,
            0.95,
            9.9999999995,
            999_999_999.5,
            1e9,
            1.8e10,
            two52 - 0.5,
            two52,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
        ] {
            check(x);
            check(-x);
        }
    }

    /// Exact ties (`n / 2^j`, decided by the half-to-even rule), values like the files'
    /// (counts over 3.6e9 and 60e6, shares) and arbitrary bit patterns.
    #[test]
    fn random_values_agree_with_std() {
        let mut next = stream(7);
        for _ in 0..20_000 {
            let n = next();
            check((n % 1_000_000) as f64 / f64::from(1 << (n >> 60)));
            check((n >> 20) as f64 / 3.6e9);
            check((n >> 30) as f64 / 60e6);
            check((n % 1000) as f64 / (n % 997 + 1) as f64);
            check(f64::from_bits(n));
            // Any mantissa, magnitudes from 2^-40 to 2^40.
            let e = (next() % 81) as i32 - 40;
            check(f64::from_bits(n >> 12 | 0x3ff << 52) * 2f64.powi(e));
        }
    }
}
