//! Statistics over replications: the mean, standard deviation and Student-t confidence
//! interval that sweeps, the planner, the validation checks and the report all use.
//!
//! Vocabulary: it imports nothing from the crate, so every layer may use it.

use statrs::distribution::{ContinuousCDF, DiscreteCDF, Poisson, StudentsT};

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

/// The share of a Poisson stream of calls that a token bucket refuses, `load` calls arriving
/// per emission interval (their rate over the bucket's) at a bucket `depth` admissions deep.
///
/// The bucket is an M/D/1/K queue with K = `depth`: each admission adds one interval of
/// work, drained at one an interval, and a call finds the bucket empty exactly when K are in
/// that queue (its work past K − 1 intervals). The loss of an M/G/1/K queue is
/// 1 − 1/(π₀ + ρ), π₀ the share of departures leaving it empty (Gross & Harris,
/// *Fundamentals of Queueing Theory*, M/G/1/K), and π comes from the embedded chain's cut
/// equations, whose terms are all positive (the textbook recursion subtracts, and loses its
/// digits in a deep bucket).
pub fn token_bucket_loss(load: f64, depth: u32) -> f64 {
    if load <= 0.0 || load.is_nan() {
        return 0.0;
    }
    if load > 200.0 {
        // A departure leaves the queue empty with a chance under e^−200: none.
        return 1.0 - 1.0 / load;
    }
    let k = depth.max(1) as usize;
    let arrivals = Poisson::new(load).expect("a positive load");
    // tails[m]: the chance that m or more calls arrive during one interval, while it is not
    // nil (a few dozen past the load), so that a deep bucket costs its depth, not its square.
    let mut tails = vec![1.0];
    while tails.len() <= k {
        let t = arrivals.sf(tails.len() as u64 - 1);
        if t <= 0.0 {
            break;
        }
        tails.push(t);
    }
    let tail = |m: usize| tails.get(m).copied().unwrap_or(0.0);
    let none = (-load).exp();
    // Unnormalised; crossing the cut between j and j + 1 upwards equals crossing it down.
    let mut p = vec![1.0];
    for j in 0..k - 1 {
        // Terms whose tail is nil left out: i + tails.len() > j + 2.
        let from = (j + 2).saturating_sub(tails.len() - 1).max(1);
        let up = p[0] * tail(j + 1) + (from..=j).map(|i| p[i] * tail(j - i + 2)).sum::<f64>();
        p.push(up / none);
        if p[j + 1] > 1e100 {
            p.iter_mut().for_each(|x| *x *= 1e-100);
        }
    }
    let empty = p[0] / p.iter().sum::<f64>();
    1.0 - 1.0 / (empty + load)
}

/// The share of a Poisson stream of calls that a fixed window refuses, `mean` calls arriving
/// in a window that admits `limit`: the calls past the limit, E[(N − limit)⁺] = mean −
/// Σ_{k<limit} P(N > k), over the mean.
pub fn fixed_window_loss(mean: f64, limit: u32) -> f64 {
    if mean <= 0.0 || mean.is_nan() {
        return 0.0;
    }
    let arrivals = Poisson::new(mean).expect("a positive mean");
    let admitted: f64 = (0..limit as u64).map(|k| arrivals.sf(k)).sum();
    ((mean - admitted) / mean).max(0.0)
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

    /// Erlang C against closed forms: M/M/1 waits with probability ρ; two servers offered one
    /// Erlang, (a²/2 · 2/(2 − a)) / (1 + a + a²/2 · 2/(2 − a)) = 1/3.
    #[test]
    fn erlang_c_matches_closed_forms() {
        for rho in [0.05, 0.5, 0.9] {
            assert!((erlang_c(1, rho) - rho).abs() < 1e-12, "{rho}");
        }
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    }

    /// The bucket's loss against closed forms: one admission deep, a loss system of one server
    /// (ρ/(1 + ρ), Erlang B); two deep, π₀ = e^−ρ; deep and overloaded, 1 − 1/ρ; deep and
    /// underloaded, none. A fixed window of one call against E[(N − 1)⁺] = m − 1 + e^−m.
    #[test]
    fn token_bucket_and_fixed_window_losses_match_closed_forms() {
        for rho in [0.05, 0.5, 1.0, 3.0] {
            let one = token_bucket_loss(rho, 1);
            assert!((one - rho / (1.0 + rho)).abs() < 1e-12, "{rho}: {one}");
            assert!((one - erlang_b(1, rho)).abs() < 1e-12);
            let two = token_bucket_loss(rho, 2);
            let want = 1.0 - 1.0 / ((-rho).exp() + rho);
            assert!((two - want).abs() < 1e-12, "{rho}: {two} against {want}");
            let window = fixed_window_loss(rho, 1);
            let want = (rho - 1.0 + (-rho).exp()) / rho;
            assert!(
                (window - want).abs() < 1e-9,
                "{rho}: {window} against {want}"
            );
        }
        let deep = token_bucket_loss(2.0, 5_000);
        assert!((deep - 0.5).abs() < 1e-9, "{deep}");
        assert!(token_bucket_loss(0.5, 200) < 1e-30);
        assert!((token_bucket_loss(1_000.0, 3) - 0.999).abs() < 1e-12);
        assert_eq!(
            (token_bucket_loss(0.0, 5), fixed_window_loss(0.0, 5)),
            (0.0, 0.0)
        );
        // Deeper buckets and wider windows refuse less.
        assert!(token_bucket_loss(0.75, 5) < token_bucket_loss(0.75, 4));
        assert!(fixed_window_loss(10.0, 15) < fixed_window_loss(10.0, 12));
    }

    /// An infinite value (a staleness percentile among connections never refreshed) makes
    /// the mean infinite and the spread unknown, never NaN.
    #[test]
    fn an_infinite_value_has_no_spread() {
        let e = Estimate::of(&[1.0, f64::INFINITY]).unwrap();
        assert_eq!((e.mean, e.sd, e.ci95), (f64::INFINITY, None, None));
    }
}
