//! Statistics over replications: the mean, standard deviation and Student-t confidence
//! interval that sweeps, the planner, the validation checks and the report all use.
//!
//! Vocabulary: it imports nothing from the crate, so every layer may use it.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean, sample standard deviation and 95 % confidence half-width of `n` replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub n: usize,
    pub mean: f64,
    /// `None` with fewer than two values.
    pub sd: Option<f64>,
    /// Student's t quantile (0.975, n − 1) × sd / √n; `None` with fewer than two values.
    pub ci95: Option<f64>,
}

impl Estimate {
    /// The estimate of `xs` (summed in order, so equal inputs give equal bits); `None` if empty.
    pub fn of(xs: &[f64]) -> Option<Estimate> {
        let n = xs.len();
        if n == 0 {
            return None;
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        // A staleness percentile is infinite in a run where it falls among connections never
        // refreshed: the mean is then infinite too, and the spread unknown.
        if n < 2 || mean.is_infinite() {
            return Some(Estimate {
                n,
                mean,
                sd: None,
                ci95: None,
            });
        }
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        Some(Estimate {
            n,
            mean,
            sd: Some(sd),
            ci95: Some(t_975(n - 1) * sd / (n as f64).sqrt()),
        })
    }

    /// The half-width, 0 when it is unknown (one replication).
    pub fn half_width(&self) -> f64 {
        self.ci95.unwrap_or(0.0)
    }

    /// The half-width relative to the mean (how precise the estimate is); `None` when the
    /// mean is 0 or the half-width unknown.
    pub fn relative_half_width(&self) -> Option<f64> {
        match self.ci95 {
            Some(h) if self.mean != 0.0 => Some(h / self.mean.abs()),
            _ => None,
        }
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t_975(df: usize) -> f64 {
    t_quantile(0.975, df)
}

/// Student's t quantile `p` with `df` (≥ 1) degrees of freedom.
pub fn t_quantile(p: f64, df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .expect("degrees of freedom >= 1")
        .inverse_cdf(p)
}

/// Erlang B blocking probability for `c` servers and offered load `a` (stable recursion):
/// the share of Poisson arrivals a loss system of `c` servers turns away, whatever the
/// service times' distribution.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// Erlang C probability of waiting for `k` servers and offered load `a < k`.
pub fn erlang_c(k: u32, a: f64) -> f64 {
    let b = erlang_b(k, a);
    k as f64 * b / (k as f64 - a * (1.0 - b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_half_width() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(e.mean, 3.0);
        assert!((e.sd.unwrap() - 2.5f64.sqrt()).abs() < 1e-12);
        // t(0.975, 4) = 2.776445105...
        assert!((t_975(4) - 2.776_445_105).abs() < 1e-6, "{}", t_975(4));
        assert!((e.ci95.unwrap() - 2.776_445_105 * 2.5f64.sqrt() / 5f64.sqrt()).abs() < 1e-6);
        let one = Estimate::of(&[7.0]).unwrap();
        assert_eq!((one.mean, one.sd, one.ci95), (7.0, None, None));
        assert!(Estimate::of(&[]).is_none());
    }

    /// An infinite value (a staleness percentile among connections never refreshed) makes
    /// the mean infinite and the spread unknown, never NaN.
    #[test]
    fn an_infinite_value_has_no_spread() {
        let e = Estimate::of(&[1.0, f64::INFINITY]).unwrap();
        assert_eq!((e.mean, e.sd, e.ci95), (f64::INFINITY, None, None));
    }
}
