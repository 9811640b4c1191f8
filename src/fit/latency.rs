//! The service-time fit: maximum likelihood over interval-censored durations.
//!
//! Under polling a call's duration is known only to lie between the previous poll and the
//! one that saw it, `(a, b]`; with callbacks it is exact (`a == b`). The likelihood of a
//! lognormal with `(mu, sigma)` is `Π [Φ((ln b − mu)/σ) − Φ((ln a − mu)/σ)]` over intervals
//! and `Π φ(·)/(σ d)` over exact durations (Turnbull 1976; Lindsey 1998), maximised by
//! Nelder–Mead (argmin); the intervals of the median and p95 come from the observed
//! information (a numerical Hessian, delta method). An exponential is fitted the same way and
//! kept when its AIC is lower by [`AIC_CLEAR`] or more; a constant when every exact duration
//! is the same to 1 %.
//! Goodness of fit: Pearson's chi-square over the poll bins (exact data: 20 bins equally
//! likely under the fit, those a censored duration spans joined), bins merged until each
//! expects at least 5.
//!
//! When the polls are too coarse for the data to say much (most calls end before the first
//! poll), the information is nearly singular and the interval huge: the fit then reports the
//! latency as not identified and gives the bounds the censoring alone implies.

use argmin::core::{CostFunction, Executor};
use argmin::solver::neldermead::NelderMead;
use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::erf::erfc;
use std::collections::BTreeMap;

/// z of the 95th percentile, and of a two-sided 95 % interval.
pub const Z95: f64 = 1.644_853_626_951_472_2;
const Z975: f64 = 1.959_963_984_540_054;

/// Durations in `(a, b]` seconds (`a == b`: exact), `n` of them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Obs {
    pub a: f64,
    pub b: f64,
    pub n: f64,
}

/// Groups durations given in microseconds as `(a, b)` pairs into counted observations.
pub fn group(pairs: impl IntoIterator<Item = (i64, i64)>) -> Vec<Obs> {
    let mut m: BTreeMap<(i64, i64), u64> = BTreeMap::new();
    for p in pairs {
        *m.entry(p).or_default() += 1;
    }
    m.into_iter()
        .map(|((a, b), n)| Obs {
            a: a as f64 / 1e6,
            b: b as f64 / 1e6,
            n: n as f64,
        })
        .collect()
}

/// The chosen distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Family {
    LogNormal { mu: f64, sigma: f64 },
    Exponential { mean: f64 },
    Constant { value: f64 },
}

/// A point estimate and its 95 % interval, in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
}

/// What the latency fit found.
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyFit {
    pub n: f64,
    pub family: Family,
    /// The chosen family's median and p95, with their 95 % intervals: what the summary and
    /// the file show.
    pub median: Estimate,
    pub p95: Estimate,
    /// The lognormal's median and p95 (always fitted): the alternative, when another family
    /// is chosen.
    pub lognormal: (f64, f64),
    pub sigma: f64,
    /// Whether the logs pin the latency down, judged on the lognormal (its two parameters
    /// make it the one that notices when they do not; a one-parameter family would give a
    /// narrow interval from the family's shape alone). If not, `median`/`p95` carry the
    /// bounds that the censoring alone implies, around the chosen family's values.
    pub identified: bool,
    pub aic_lognormal: f64,
    pub aic_exponential: f64,
    /// The exponential's mean (always fitted): the alternative, where the lognormal is
    /// chosen with the exponential's AIC within [`AIC_CLEAR`].
    pub exponential_mean: f64,
    /// Pearson's chi-square, its degrees of freedom and p-value (`None`: no degrees left).
    pub gof: Option<(f64, usize, f64)>,
    /// Every duration exact (callbacks).
    pub exact: bool,
    /// Durations known only within bounds: all of them under polling; with callbacks, those
    /// learned within the callback delay.
    pub censored: f64,
}

fn phi_diff(za: f64, zb: f64) -> f64 {
    // Φ(zb) − Φ(za), from the tail nearer to the values (no cancellation in either tail).
    let cdf = |z: f64| 0.5 * erfc(-z / std::f64::consts::SQRT_2);
    let sf = |z: f64| 0.5 * erfc(z / std::f64::consts::SQRT_2);
    if za > 0.0 {
        sf(za) - sf(zb)
    } else {
        cdf(zb) - cdf(za)
    }
}

/// Log-likelihood of a lognormal `(mu, sigma)`.
fn ll_lognormal(obs: &[Obs], mu: f64, sigma: f64) -> f64 {
    if !(sigma > 1e-9 && sigma.is_finite() && mu.is_finite()) {
        return f64::NEG_INFINITY;
    }
    let mut ll = 0.0;
    for o in obs {
        let term = if o.a == o.b {
            let d = o.a.max(1e-6);
            let z = (d.ln() - mu) / sigma;
            -0.5 * z * z - sigma.ln() - d.ln() - 0.918_938_533_204_672_8
        } else {
            let za = if o.a <= 0.0 {
                f64::NEG_INFINITY
            } else {
                (o.a.ln() - mu) / sigma
            };
            let zb = (o.b.ln() - mu) / sigma;
            phi_diff(za, zb).max(1e-300).ln()
        };
        ll += o.n * term;
    }
    ll
}

/// Log-likelihood of an exponential with rate `lambda`.
fn ll_exponential(obs: &[Obs], lambda: f64) -> f64 {
    if !(lambda > 0.0 && lambda.is_finite()) {
        return f64::NEG_INFINITY;
    }
    obs.iter()
        .map(|o| {
            let t = if o.a == o.b {
                lambda.ln() - lambda * o.a
            } else {
                -lambda * o.a + (-(-lambda * (o.b - o.a)).exp()).ln_1p().max(-690.0)
            };
            o.n * t
        })
        .sum()
}

struct Neg<F: Fn(&[f64]) -> f64>(F);

impl<F: Fn(&[f64]) -> f64> CostFunction for Neg<F> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let v = -(self.0)(p);
        Ok(if v.is_finite() { v } else { 1e300 })
    }
}

/// Maximises `f` from the simplex `start` (Nelder–Mead, argmin).
fn maximise(f: impl Fn(&[f64]) -> f64, start: Vec<Vec<f64>>) -> Vec<f64> {
    let first = start[0].clone();
    let Ok(solver) = NelderMead::new(start).with_sd_tolerance(1e-12) else {
        return first;
    };
    match Executor::new(Neg(f), solver)
        .configure(|s| s.max_iters(3000))
        .run()
    {
        Ok(r) => r.state.best_param.unwrap_or(first),
        Err(_) => first,
    }
}

/// A representative duration of an observation (for starting values and bounds).
fn mid(o: &Obs) -> f64 {
    if o.a == o.b {
        o.a.max(1e-6)
    } else if o.a <= 0.0 {
        o.b / 2.0
    } else {
        (o.a * o.b).sqrt()
    }
}

/// The `q` quantile of the observations' ends (`pick` chooses `a` or `b`).
fn quantile(obs: &[Obs], q: f64, pick: impl Fn(&Obs) -> f64) -> f64 {
    let mut v: Vec<(f64, f64)> = obs.iter().map(|o| (pick(o), o.n)).collect();
    v.sort_by(|x, y| x.0.total_cmp(&y.0));
    let total: f64 = v.iter().map(|x| x.1).sum();
    let mut acc = 0.0;
    for (x, n) in &v {
        acc += n;
        if acc >= q * total {
            return *x;
        }
    }
    v.last().map_or(0.0, |x| x.0)
}

/// How much lower the exponential's AIC must be for it to be chosen: within 2, both models
/// have substantial support (Burnham & Anderson 2002, §2.6), and the lognormal, whose two
/// parameters carry the shape's uncertainty into its interval, is kept. A trial's bank of
/// lognormal latency (median 2 s) under 10 s polling fitted an exponential on an AIC lower by
/// 1.0, "median 1.13 s [1.1–1.16 s]", its interval narrow by its shape alone; the lognormal
/// it set aside read 2.22 s.
pub const AIC_CLEAR: f64 = 2.0;

/// Fits the durations `obs` (at least one).
pub fn fit(obs: &[Obs]) -> LatencyFit {
    let n: f64 = obs.iter().map(|o| o.n).sum();
    let exact = obs.iter().all(|o| o.a == o.b);
    let logs: Vec<(f64, f64)> = obs.iter().map(|o| (mid(o).ln(), o.n)).collect();
    let m0 = logs.iter().map(|(x, w)| x * w).sum::<f64>() / n;
    let s0 = (logs.iter().map(|(x, w)| w * (x - m0).powi(2)).sum::<f64>() / n)
        .sqrt()
        .clamp(0.05, 3.0);
    let p = maximise(
        |p| ll_lognormal(obs, p[0], p[1].exp()),
        vec![
            vec![m0, s0.ln()],
            vec![m0 + 0.3, s0.ln()],
            vec![m0, s0.ln() + 0.3],
        ],
    );
    let (mu, sigma) = (p[0], p[1].exp());
    let ll_ln = ll_lognormal(obs, mu, sigma);
    let mean0 = logs.iter().map(|(x, w)| x.exp() * w).sum::<f64>() / n;
    let q = maximise(
        |p| ll_exponential(obs, (-p[0]).exp()),
        vec![vec![mean0.ln()], vec![mean0.ln() + 0.2]],
    );
    let mean = q[0].exp();
    let ll_exp = ll_exponential(obs, 1.0 / mean);
    let (aic_ln, aic_exp) = (4.0 - 2.0 * ll_ln, 2.0 - 2.0 * ll_exp);
    let cov = covariance(|m, s| ll_lognormal(obs, m, s), mu, sigma);
    let (ln_median, ln_p95, identified) = intervals(obs, mu, sigma, cov);
    let spread = quantile(obs, 1.0, |o| o.b) / quantile(obs, 0.0, |o| o.a).max(1e-9);
    let family = if exact && spread < 1.01 {
        Family::Constant {
            value: quantile(obs, 0.5, |o| o.a),
        }
    } else if aic_exp + AIC_CLEAR <= aic_ln {
        Family::Exponential { mean }
    } else {
        Family::LogNormal { mu, sigma }
    };
    let (median, p95) = match family {
        Family::LogNormal { .. } => (ln_median, ln_p95),
        _ if !identified => (
            bounds(obs, 0.5, quantile_of(family, 0.5)),
            bounds(obs, 0.95, quantile_of(family, 0.95)),
        ),
        Family::Exponential { mean } => exponential_intervals(obs, mean),
        Family::Constant { value } => {
            let e = bounds(obs, 0.5, value);
            (e, e)
        }
    };
    LatencyFit {
        n,
        family,
        median,
        p95,
        lognormal: (ln_median.value, ln_p95.value),
        sigma,
        identified,
        aic_lognormal: aic_ln,
        aic_exponential: aic_exp,
        exponential_mean: mean,
        gof: gof(obs, family, n),
        exact,
        censored: obs.iter().filter(|o| o.a != o.b).map(|o| o.n).sum(),
    }
}

/// The inverse of the observed information at `(mu, sigma)` (numerical Hessian), if it is
/// positive definite.
fn covariance(ll: impl Fn(f64, f64) -> f64, mu: f64, sigma: f64) -> Option<[f64; 3]> {
    let (hm, hs) = (1e-4 * mu.abs().max(1.0), 1e-4 * sigma.max(1e-3));
    let f = |dm: f64, ds: f64| ll(mu + dm, sigma + ds);
    let f0 = f(0.0, 0.0);
    let hmm = (f(hm, 0.0) - 2.0 * f0 + f(-hm, 0.0)) / (hm * hm);
    let hss = (f(0.0, hs) - 2.0 * f0 + f(0.0, -hs)) / (hs * hs);
    let hms = (f(hm, hs) - f(hm, -hs) - f(-hm, hs) + f(-hm, -hs)) / (4.0 * hm * hs);
    // Information = −Hessian; invert the 2×2.
    let (a, b, c) = (-hmm, -hms, -hss);
    let det = a * c - b * b;
    if !(a > 0.0 && det > 0.0 && det.is_finite()) {
        return None;
    }
    Some([c / det, -b / det, a / det])
}

/// The median's and p95's intervals; unidentified (and the censoring's own bounds) when the
/// information is singular or the p95's interval spans more than a factor of 3.
fn intervals(
    obs: &[Obs],
    mu: f64,
    sigma: f64,
    cov: Option<[f64; 3]>,
) -> (Estimate, Estimate, bool) {
    let median = mu.exp();
    let p95 = (mu + Z95 * sigma).exp();
    if let Some([vm, vms, vs]) = cov {
        let se_m = vm.sqrt();
        let se_p = (vm + Z95 * Z95 * vs + 2.0 * Z95 * vms).max(0.0).sqrt();
        let med = Estimate {
            value: median,
            lo: (mu - Z975 * se_m).exp(),
            hi: (mu + Z975 * se_m).exp(),
        };
        let p = Estimate {
            value: p95,
            lo: (mu + Z95 * sigma - Z975 * se_p).exp(),
            hi: (mu + Z95 * sigma + Z975 * se_p).exp(),
        };
        if p.hi / p.lo < 3.0 && med.hi / med.lo < 3.0 {
            return (med, p, true);
        }
    }
    (bounds(obs, 0.5, median), bounds(obs, 0.95, p95), false)
}

/// `value` with the bounds of the `q` quantile that the censoring alone implies: between
/// that of the intervals' lower ends and that of their upper ends (for exact durations, the
/// quantile itself; for a constant, `q = 0.5`, the durations' median).
fn bounds(obs: &[Obs], q: f64, value: f64) -> Estimate {
    Estimate {
        value,
        lo: quantile(obs, q, |o| o.a),
        hi: quantile(obs, q, |o| o.b),
    }
}

/// The `q` quantile of the family.
fn quantile_of(f: Family, q: f64) -> f64 {
    match f {
        Family::LogNormal { mu, sigma } => {
            (mu + sigma * statrs::distribution::Normal::standard().inverse_cdf(q)).exp()
        }
        Family::Exponential { mean } => -mean * (1.0 - q).ln(),
        Family::Constant { value } => value,
    }
}

/// The exponential's median (`mean·ln 2`) and p95 (`mean·ln 20`), each with the 95 %
/// interval of the mean scaled alike (both are proportional to it), from the observed
/// information of `ln mean` (a numerical second derivative), by the delta method.
fn exponential_intervals(obs: &[Obs], mean: f64) -> (Estimate, Estimate) {
    let t = mean.ln();
    let ll = |t: f64| ll_exponential(obs, (-t).exp());
    let h = 1e-4 * t.abs().max(1.0);
    let info = -(ll(t + h) - 2.0 * ll(t) + ll(t - h)) / (h * h);
    let se = if info > 0.0 && info.is_finite() {
        1.0 / info.sqrt()
    } else {
        f64::INFINITY
    };
    let at = |k: f64| Estimate {
        value: k * mean,
        lo: k * (t - Z975 * se).exp(),
        hi: k * (t + Z975 * se).exp(),
    };
    (at(std::f64::consts::LN_2), at(20f64.ln()))
}

pub fn cdf(f: Family, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    match f {
        Family::LogNormal { mu, sigma } => {
            0.5 * erfc(-((x.ln() - mu) / sigma) / std::f64::consts::SQRT_2)
        }
        Family::Exponential { mean } => 1.0 - (-x / mean).exp(),
        Family::Constant { value } => (x >= value) as u8 as f64,
    }
}

/// Pearson's chi-square of the fit, bins merged until each expects ≥ 5.
fn gof(obs: &[Obs], f: Family, n: f64) -> Option<(f64, usize, f64)> {
    let params = match f {
        Family::LogNormal { .. } => 2,
        Family::Exponential { .. } | Family::Constant { .. } => 1,
    };
    let bins = if obs.iter().any(|o| o.a == o.b) {
        quantile_bins(obs, f, n)
    } else {
        interval_bins(obs, f, n)
    };
    let mut merged: Vec<(f64, f64)> = Vec::new();
    let mut acc = (0.0, 0.0);
    for (o, e) in bins {
        acc = (acc.0 + o, acc.1 + e);
        if acc.1 >= 5.0 {
            merged.push(acc);
            acc = (0.0, 0.0);
        }
    }
    if let Some(last) = merged.last_mut() {
        last.0 += acc.0;
        last.1 += acc.1;
    }
    let df = merged.len().checked_sub(1 + params).filter(|&d| d > 0)?;
    let x2: f64 = merged
        .iter()
        .map(|(o, e)| (o - e).powi(2) / e.max(1e-9))
        .sum();
    let p = ChiSquared::new(df as f64)
        .map(|c| c.sf(x2))
        .unwrap_or(f64::NAN);
    Some((x2, df, p))
}

/// (observed, expected) over 20 ranges equally likely under the fit, for data with exact
/// durations. A censored duration among them (a callback learned within the callback delay,
/// `(0, b]`) could lie in any range it spans, so those ranges are joined into one bin: the
/// count stays a count of what the data say.
fn quantile_bins(obs: &[Obs], f: Family, n: f64) -> Vec<(f64, f64)> {
    const K: usize = 20;
    let bin = |x: f64| (cdf(f, x).clamp(0.0, 1.0 - 1e-12) * K as f64) as usize;
    // joined[i]: range i is one bin with range i + 1.
    let mut joined = [false; K];
    let mut counts = [0.0f64; K];
    for o in obs {
        joined[bin(o.a)..bin(o.b)].fill(true);
        counts[bin(o.b)] += o.n;
    }
    let mut bins = Vec::new();
    let mut acc = (0.0, 0.0);
    for (c, j) in counts.iter().zip(joined) {
        acc = (acc.0 + c, acc.1 + n / K as f64);
        if !j {
            bins.push(acc);
            acc = (0.0, 0.0);
        }
    }
    bins
}

/// (observed, expected) over the distinct censoring intervals (the poll bins), and the tail
/// beyond the last.
fn interval_bins(obs: &[Obs], f: Family, n: f64) -> Vec<(f64, f64)> {
    let mut edges: BTreeMap<(i64, i64), f64> = BTreeMap::new();
    for o in obs {
        let key = ((o.a * 1e6) as i64, (o.b * 1e6) as i64);
        *edges.entry(key).or_default() += o.n;
    }
    let mut bins: Vec<(f64, f64)> = edges
        .into_iter()
        .map(|((a, b), c)| (c, n * (cdf(f, b as f64 / 1e6) - cdf(f, a as f64 / 1e6))))
        .collect();
    let covered: f64 = bins.iter().map(|x| x.1).sum();
    if !bins.is_empty() && n - covered > 0.0 {
        bins.push((0.0, n - covered));
    }
    bins
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact lognormal durations (quantiles of the distribution, so no sampling noise): the
    /// fit recovers median and p95.
    #[test]
    fn exact_lognormal_quantiles_are_recovered() {
        let (median, sigma) = (5.0f64, 0.7);
        let obs: Vec<Obs> = (1..2000)
            .map(|i| {
                let u = i as f64 / 2000.0;
                let z = statrs::distribution::Normal::standard().inverse_cdf(u);
                let d = median * (sigma * z).exp();
                Obs { a: d, b: d, n: 1.0 }
            })
            .collect();
        let f = fit(&obs);
        assert!(f.identified);
        assert!((f.median.value / median - 1.0).abs() < 0.01, "{f:?}");
        assert!(matches!(f.family, Family::LogNormal { .. }));
        assert!(f.median.lo < median && median < f.median.hi);
    }

    /// Exact exponential durations: the exponential is chosen, and the median and p95 shown
    /// are its own (`mean·ln 2`, `mean·ln 20`), not the lognormal's (whose median of such
    /// data is `mean·e^−γ`, 19 % lower, and p95 half as high again).
    #[test]
    fn the_chosen_family_gives_the_figures() {
        let mean = 25.0;
        let obs: Vec<Obs> = (1..4000)
            .map(|i| {
                let d = -mean * (1.0 - i as f64 / 4000.0).ln();
                Obs { a: d, b: d, n: 1.0 }
            })
            .collect();
        let f = fit(&obs);
        assert!(matches!(f.family, Family::Exponential { .. }), "{f:?}");
        let (median, p95) = (mean * std::f64::consts::LN_2, mean * 20f64.ln());
        assert!((f.median.value / median - 1.0).abs() < 0.02, "{f:?}");
        assert!((f.p95.value / p95 - 1.0).abs() < 0.02, "{f:?}");
        assert!(
            f.median.lo < median && median < f.median.hi,
            "{:?}",
            f.median
        );
        assert!(f.p95.lo < p95 && p95 < f.p95.hi, "{:?}", f.p95);
        assert!(
            f.lognormal.1 > 1.3 * p95,
            "the alternative is kept: {:?}",
            f.lognormal
        );
    }

    /// Everything ends before the first poll: not identified, bounds (0, 10].
    #[test]
    fn coarse_polls_leave_the_latency_unidentified() {
        let obs = vec![Obs {
            a: 0.0,
            b: 10.0,
            n: 5000.0,
        }];
        let f = fit(&obs);
        assert!(!f.identified, "{f:?}");
        assert_eq!((f.median.lo, f.median.hi), (0.0, 10.0));
    }
}
