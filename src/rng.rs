//! Keyed random streams: common random numbers across strategies.
//!
//! Every random draw in a run comes from a stream addressed by `(seed, purpose, entity,
//! attempt)`, never from a shared sequential generator. Connection 17's third attempt draws
//! the same service time and the same error coin whether the strategy is bulk, queued or
//! random offset, and whatever happened to other connections before it: comparing
//! strategies on one seed compares them on the same luck, and the draws cannot depend on
//! event order or thread timing.
//!
//! The generator is SplitMix64 (`rand_xoshiro::SplitMix64`, value-stable and
//! reference-tested in that crate; the generator behind Java's `SplittableRandom`, and the
//! seeder of the xoshiro family). Its state is a counter advanced by a fixed odd constant and
//! its output a strong 64-bit mix of the counter, so a stream can start anywhere at no cost:
//! opening a keyed stream is one mix (of the key, into the starting state), where a ChaCha8
//! seek computed four 64-byte blocks for the two to six words a draw set uses (BENCHMARKS.md).
//!
//! Layout: the 64-bit key `purpose | entity | attempt` (3 + 32 + 29 bits) is combined with the
//! run's base (from the seed) and mixed by SplitMix64 itself into the stream's starting
//! state. The purpose's two low bits are the key's top two and its third bit sits just
//! below the entity (see [`Streams::at`]), so that the first four purposes keep the keys
//! they had when the key held only two bits of purpose. The mix is a bijection, so distinct keys start at distinct points of the one
//! 2^64-word cycle, and it avalanches, so keys that differ in one bit (neighbouring entities,
//! consecutive attempts, another purpose) start at unrelated points rather than on a lattice.
//! Two streams could share words only if their starts fell within a few words of each other
//! on the cycle: for a run with ten million keys reading a few words each, a chance below
//! 10^-4 that any one word is shared anywhere, and no systematic relation within a run.
//!
//! Across seeds, the combination is an XOR: seed `s'` reads for key `k ^ (b ^ b')` the
//! stream seed `s` reads for key `k` (`b`, `b'` their bases, themselves mixes of the seeds).
//! Two replications would share luck only if that XOR mapped the keys one run uses onto
//! those the other uses, a chance of about 2^-30 per pair of seeds for random bases; mixing
//! the key before combining would rule it out at the cost of a second mix per stream.

use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::SplitMix64;

/// What a stream is used for. Each purpose has its own keys (3 bits of the key: at most
/// eight purposes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// A connection's fixed attributes: its bank, whether and when its consent expires.
    Connection = 0,
    /// The client's scheduling draws for a connection: its random offset (attempt 0) and,
    /// under `strategy.jitter`, how late period `p` sends it (attempt `1 + p`); a queued
    /// worker's overhead for its attempt `a` (attempt `1 + a`), a kind that has neither.
    Schedule = 1,
    /// A bank call's draws: service time, then the 5xx coin.
    Call = 2,
    /// The client's backoff jitter before a retry.
    Backoff = 3,
    /// The jitter a client adds to a Retry-After before its bank's pool resumes.
    Pause = 4,
    /// Customer-initiated requests: candidate instant `k`'s draws.
    Demand = 5,
    /// Whether and when a customer reconnects after their consent expired (the `k`-th
    /// expiry of a connection's consent).
    Reconnect = 6,
    /// A customer's own draws (keyed by the customer): when one who joins during the window
    /// links their accounts (attempt 0), whether they open the app at all (attempt 1,
    /// `on_demand.active_share`).
    ///
    /// Eight purposes fill the key's three bits of purpose: a ninth would share another's
    /// keys (an `Active = 8` did: customer `c`'s draw was connection `c + 1`'s, so whether a
    /// customer asked followed the next connection's bank). A new kind of draw takes an
    /// attempt of the purpose it belongs to.
    Customer = 7,
}

/// The generator a keyed stream lends: cheap to create, eight bytes, owned by the caller.
pub type StreamRng = SplitMix64;

/// Attempts per entity that get distinct keys (2^29, about half a billion). Beyond that,
/// attempt numbers wrap and reuse earlier draws (a repeat of luck, never an error).
const ATTEMPT_BITS: u32 = 29;

/// A source of keyed streams for one run (one base seed).
#[derive(Clone, Copy, Debug)]
pub struct Streams {
    base: u64,
}

impl Streams {
    pub fn new(seed: u64) -> Self {
        Streams {
            base: expand_seed(seed),
        }
    }

    /// The stream for `(purpose, entity, attempt)`. The same arguments always yield the same
    /// values, whatever was drawn before.
    #[inline]
    pub fn at(&self, purpose: Purpose, entity: u32, attempt: u32) -> StreamRng {
        let attempt = attempt as u64 & ((1 << ATTEMPT_BITS) - 1);
        // Purpose bits 0-1 at the top (bits 62-63), bit 2 below the entity (bit 29): the
        // key of purposes 0-3 is the one they had with two bits of purpose (and 30 of
        // attempt), so their streams, and every run's figures, did not change when purposes
        // 4-7 got keys of their own (before, purpose 4 shifted out to 0 and 5 to 1).
        let p = purpose as u64;
        let key = (p & 3) << 62
            | (entity as u64) << (ATTEMPT_BITS + 1)
            | (p >> 2) << ATTEMPT_BITS
            | attempt;
        SplitMix64::seed_from_u64(start(self.base ^ key))
    }
}

/// The starting state for a combined key: SplitMix64's first output for it (a bijection).
#[inline]
fn start(key: u64) -> u64 {
    use rand_xoshiro::rand_core::Rng as _;
    SplitMix64::seed_from_u64(key).next_u64()
}

/// A uniform number in `[0, 1)` from one word (the top 53 bits, as `rand` makes an `f64`):
/// the reference [`Chance`] is tested against.
#[cfg(test)]
fn unit(word: u64) -> f64 {
    (word >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A probability as a cut on a word: `Chance::new(p).hit(word)` is exactly `u < p` for the
/// uniform `f64` `u` that `rand` makes from the word (its top 53 bits), with one integer
/// comparison (for loops over millions of connections).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chance(u64);

impl Chance {
    pub fn new(p: f64) -> Self {
        // unit(w) < p  <=>  (w >> 11) < p·2^53 (exact: a power-of-two scaling)  <=>  (w >> 11)
        // < ceil(p·2^53). Saturates for p outside [0, 1].
        Chance((p * (1u64 << 53) as f64).ceil() as u64)
    }
    #[inline]
    pub fn hit(self, word: u64) -> bool {
        (word >> 11) < self.0
    }
}

/// A number in `[0, n)` from one word, by multiply-and-shift: always exactly one word (so
/// fixed-size draw groups stay aligned), with a bias below `n / 2^64`.
#[inline]
pub fn below(word: u64, n: u64) -> u64 {
    ((word as u128 * n as u128) >> 64) as u64
}

/// Expands a 64-bit seed to a well-mixed base key.
fn expand_seed(seed: u64) -> u64 {
    start(seed)
}

/// Derives the seed of replication `r` from a base seed: independent of thread and grid point.
pub fn replication_seed(base: u64, replication: u32) -> u64 {
    if replication == 0 {
        return base;
    }
    start(base ^ (replication as u64).rotate_left(32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_xoshiro::rand_core::Rng as _;

    fn first(s: &Streams, p: Purpose, e: u32, a: u32) -> [u64; 3] {
        let mut r = s.at(p, e, a);
        [r.next_u64(), r.next_u64(), r.next_u64()]
    }

    #[test]
    fn same_key_same_values_regardless_of_history() {
        let a = Streams::new(7);
        let b = Streams::new(7);
        let x = first(&a, Purpose::Call, 5, 2);
        for e in 0..100 {
            first(&b, Purpose::Schedule, e, 0);
        }
        assert_eq!(x, first(&b, Purpose::Call, 5, 2));
        assert_eq!(x, first(&a, Purpose::Call, 5, 2));
    }

    #[test]
    fn keys_differ() {
        let s = Streams::new(7);
        let base = first(&s, Purpose::Call, 5, 2);
        assert_ne!(base, first(&s, Purpose::Call, 5, 3));
        assert_ne!(base, first(&s, Purpose::Call, 6, 2));
        assert_ne!(base, first(&s, Purpose::Schedule, 5, 2));
        assert_ne!(base, first(&Streams::new(8), Purpose::Call, 5, 2));
        // Far attempts and the last entity get their own windows too.
        assert_ne!(base, first(&s, Purpose::Call, 5, 2 + (1 << 20)));
        assert_ne!(
            first(&s, Purpose::Call, u32::MAX, 0),
            first(&s, Purpose::Call, u32::MAX - 1, 0)
        );
        // Attempts wrap after 2^ATTEMPT_BITS (documented).
        assert_eq!(base, first(&s, Purpose::Call, 5, 2 + (1 << ATTEMPT_BITS)));
        assert_ne!(
            base,
            first(&s, Purpose::Call, 5, 2 + (1 << (ATTEMPT_BITS - 1)))
        );
    }

    const PURPOSES: [Purpose; 8] = [
        Purpose::Connection,
        Purpose::Schedule,
        Purpose::Call,
        Purpose::Backoff,
        Purpose::Pause,
        Purpose::Demand,
        Purpose::Reconnect,
        Purpose::Customer,
    ];

    /// No two keys share a stream, across purposes, entities and attempts alike (a ninth
    /// purpose once read the next entity's `Connection` stream).
    #[test]
    fn no_two_keys_share_a_stream() {
        let s = Streams::new(7);
        let mut seen = std::collections::BTreeMap::new();
        for &p in &PURPOSES {
            for e in [0, 1, 2, 3, 1_000, u32::MAX - 1, u32::MAX] {
                for a in 0..4 {
                    let words = first(&s, p, e, a);
                    if let Some(other) = seen.insert(words, (p, e, a)) {
                        panic!("{:?} shares {other:?}'s stream", (p, e, a));
                    }
                }
            }
        }
    }

    /// Every purpose has streams of its own: before the key held a third bit of purpose,
    /// `Demand` (5) read `Schedule`'s (1) streams, so a customer's request `k` drew the same
    /// words as connection `k`'s random offset.
    #[test]
    fn every_purpose_has_its_own_streams() {
        let s = Streams::new(7);
        for (i, &p) in PURPOSES.iter().enumerate() {
            for &q in &PURPOSES[i + 1..] {
                for (e, a) in [(0, 0), (5, 0), (5, 1), (u32::MAX, 3)] {
                    assert_ne!(first(&s, p, e, a), first(&s, q, e, a), "{p:?} vs {q:?}");
                }
            }
        }
    }

    /// The first four purposes keep the keys of the two-bit layout (`purpose << 62 | entity
    /// << 30 | attempt`), so that the purposes added after them changed no run's draws.
    #[test]
    fn the_first_four_purposes_keep_their_keys() {
        let s = Streams::new(11);
        for &p in &PURPOSES[..4] {
            for (e, a) in [(0u32, 0u32), (9, 4), (u32::MAX, (1 << ATTEMPT_BITS) - 1)] {
                let key = (p as u64) << 62 | (e as u64) << 30 | a as u64;
                let old = SplitMix64::seed_from_u64(start(s.base ^ key));
                assert_eq!(s.at(p, e, a).state(), old.state(), "{p:?}");
            }
        }
    }

    #[test]
    fn neighbouring_keys_start_far_apart() {
        // Neighbouring entities, attempts and purposes must not start close to one another on
        // the cycle (they would share words): as positions (state · GAMMA⁻¹), the closest two
        // starts of this sample must be no closer than random starts would plausibly be. For
        // n uniform starts the smallest gap is about exponential with mean 2^64 / n²; below a
        // thousandth of that has probability 0.001.
        let s = Streams::new(3);
        let mut positions = Vec::new();
        for p in PURPOSES {
            for e in (0..500u32).chain([u32::MAX - 1, u32::MAX]) {
                for a in [0, 1, 2, (1 << ATTEMPT_BITS) - 1] {
                    let state = u64::from_le_bytes(s.at(p, e, a).state());
                    positions.push(state.wrapping_mul(inverse(GAMMA)));
                }
            }
        }
        positions.sort_unstable();
        let closest = positions.windows(2).map(|w| w[1] - w[0]).min().unwrap();
        let n = positions.len() as f64;
        let bound = 2f64.powi(64) / (n * n) / 1000.0;
        assert!(
            closest as f64 > bound,
            "two starts {closest} words apart (bound {bound})"
        );
    }

    /// Neighbouring keys must start at unrelated points of the cycle, not at a fixed or
    /// structured distance (a lattice, or starts that differ only where the keys do): the
    /// cycle distance from key to next key, over consecutive entities and over consecutive
    /// attempts, must fill 64 bins of its top bits within the 99.9 % chi-square bound. (Both
    /// layouts considered and rejected, `key · odd mod 2^58` and an unmixed `base ^ key`,
    /// score in the millions here.)
    #[test]
    fn distances_between_neighbouring_starts_are_uniform() {
        let s = Streams::new(5);
        let position = |r: StreamRng| u64::from_le_bytes(r.state()).wrapping_mul(inverse(GAMMA));
        let n = 100_000u32;
        let neighbours: [&dyn Fn(u32) -> (StreamRng, StreamRng); 2] = [
            &|i| {
                (
                    s.at(Purpose::Schedule, i, 0),
                    s.at(Purpose::Schedule, i + 1, 0),
                )
            },
            &|i| (s.at(Purpose::Call, 77, i), s.at(Purpose::Call, 77, i + 1)),
        ];
        for pair in neighbours {
            let mut bins = [0u64; 64];
            for i in 0..n {
                let (a, b) = pair(i);
                bins[(position(b).wrapping_sub(position(a)) >> 58) as usize] += 1;
            }
            assert_uniform_64(&bins);
        }
    }

    /// Asserts that 64 bins of counts are uniform within the 99.9 % chi-square bound.
    fn assert_uniform_64(bins: &[u64; 64]) {
        use statrs::distribution::{ChiSquared, ContinuousCDF};
        let bound = ChiSquared::new(63.0).unwrap().inverse_cdf(0.999);
        let expected = bins.iter().sum::<u64>() as f64 / 64.0;
        let chi2: f64 = bins
            .iter()
            .map(|&o| (o as f64 - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < bound, "chi-square {chi2} >= {bound}");
    }

    /// SplitMix64's increment (the golden ratio in 64 bits).
    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

    /// The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration).
    fn inverse(a: u64) -> u64 {
        let mut x = a;
        for _ in 0..6 {
            x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
        }
        assert_eq!(a.wrapping_mul(x), 1);
        x
    }

    #[test]
    fn stream_is_value_stable() {
        // Pinned output: if this changes, every published result changes with it.
        let v = first(&Streams::new(1), Purpose::Connection, 0, 0);
        assert_eq!(v, PINNED, "keyed stream changed: {v:?}");
        // Key 0 of seed 1: SplitMix64 started at the mix of the mix of 1.
        let start = SplitMix64::seed_from_u64(SplitMix64::seed_from_u64(1).next_u64()).next_u64();
        let mut plain = SplitMix64::seed_from_u64(start);
        assert_eq!(v, [plain.next_u64(), plain.next_u64(), plain.next_u64()]);
    }
    const PINNED: [u64; 3] = [
        12793040940332582595,
        17925934194126948328,
        7868805697131187933,
    ];

    #[test]
    fn word_conversions_span_their_ranges() {
        assert_eq!(unit(0), 0.0);
        assert!(unit(u64::MAX) < 1.0 && unit(u64::MAX) > 0.999_999_999);
        assert_eq!(below(0, 10), 0);
        assert_eq!(below(u64::MAX, 10), 9);
        assert_eq!(below(u64::MAX / 2, 1_000), 499);
    }

    #[test]
    fn words_of_consecutive_keys_are_uniform_and_uncorrelated() {
        // The patterns the model reads: the first word of consecutive entities (set-up draws)
        // and of consecutive attempts of one entity (bank calls). Each must fill 64 equal bins
        // within the 99.9 % chi-square bound, and neighbours must not correlate (Pearson r
        // within 4 standard errors of 0).
        let s = Streams::new(11);
        let n = 200_000u32;
        let patterns: [&dyn Fn(u32) -> StreamRng; 2] =
            [&|i| s.at(Purpose::Connection, i, 0), &|i| {
                s.at(Purpose::Call, 12_345, i)
            }];
        for draw in patterns {
            let u: Vec<f64> = (0..n).map(|i| unit(draw(i).next_u64())).collect();
            let mut bins = [0u64; 64];
            for &x in &u {
                bins[(x * 64.0) as usize] += 1;
            }
            assert_uniform_64(&bins);
            let r = pearson(&u[..u.len() - 1], &u[1..]);
            assert!(r.abs() < 4.0 / (n as f64).sqrt(), "lag-1 correlation {r}");
        }
    }

    fn pearson(x: &[f64], y: &[f64]) -> f64 {
        let n = x.len() as f64;
        let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for (a, b) in x.iter().zip(y) {
            sxy += (a - mx) * (b - my);
            sxx += (a - mx) * (a - mx);
            syy += (b - my) * (b - my);
        }
        sxy / (sxx * syy).sqrt()
    }

    #[test]
    fn chance_is_unit_below() {
        let ps: [f64; 10] = [
            0.0,
            1e-300,
            0.011,
            0.25,
            1.0 / 3.0,
            0.5,
            0.999_999,
            1.0,
            1.5,
            -0.1,
        ];
        let mut words: Vec<u64> = vec![0, 1, 2047, 2048, u64::MAX, u64::MAX - 2047, 1 << 63];
        for p in ps {
            // The words on either side of each cut.
            let cut = (p.clamp(0.0, 1.0) * (1u64 << 53) as f64) as u64;
            for w in [cut.saturating_sub(1), cut, cut + 1] {
                words.push(w.min(u64::MAX >> 11) << 11);
                words.push((w.min(u64::MAX >> 11) << 11) | 2047);
            }
        }
        let mut g = SplitMix64::seed_from_u64(4);
        words.extend((0..10_000).map(|_| g.next_u64()));
        for p in ps {
            let c = Chance::new(p);
            for &w in &words {
                assert_eq!(c.hit(w), unit(w) < p, "p = {p}, word = {w}");
            }
        }
    }

    #[test]
    fn replication_seeds_are_distinct() {
        let seeds: std::collections::BTreeSet<u64> =
            (0..1000).map(|r| replication_seed(42, r)).collect();
        assert_eq!(seeds.len(), 1000);
        assert_eq!(replication_seed(42, 0), 42);
    }
}
