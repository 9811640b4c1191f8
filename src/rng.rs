//! Keyed random streams: common random numbers across strategies.
//!
//! Every random draw in a run comes from a stream addressed by `(seed, purpose, entity,
//! attempt)`, never from a shared sequential generator. Connection 17's third attempt draws
//! the same service time and the same error coin whether the strategy is bulk, queued or
//! random offset, and whatever happened to other connections before it: comparing
//! strategies on one seed compares them on the same luck, and the draws cannot depend on
//! event order or thread timing.
//!
//! The generator is ChaCha8 (`rand::rngs::ChaCha8Rng`, the RustCrypto `chacha20` crate, with
//! its runtime-detected SIMD backends): a 64-bit block counter and a 64-bit stream id, the
//! layout of rand_chacha, whose keystream it reproduces word for word. The 256-bit key comes
//! from the seed; the purpose selects the stream; `(entity, attempt)` selects a 4-block
//! (256-byte) window of the block counter, far more than any draw set here consumes. A seek
//! costs one 4-block computation, done 4 blocks wide by the SIMD backend.

use rand::rngs::ChaCha8Rng;
use rand::SeedableRng;

/// What a stream is used for. Each purpose is an independent ChaCha stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// A connection's fixed attributes: its bank, whether and when its consent expires
    /// (read [`Streams::sequential`]ly: three words per connection, in connection order).
    Connection = 1,
    /// The client's scheduling draws for a connection: its random offset (read
    /// sequentially: one word per connection, in connection order).
    Schedule = 2,
    /// A bank call's draws: service time, then the 5xx coin.
    Call = 3,
    /// The client's backoff jitter before a retry.
    Backoff = 4,
}

/// ChaCha8 words reserved for each `(entity, attempt)` draw set: 4 blocks of 16.
const WORDS_PER_KEY: u128 = 64;
/// Attempts per entity that get distinct windows (2^30, about a billion). With 32 bits of
/// entity the key has 62 bits, and its word position the 68 bits ChaCha8Rng addresses.
const ATTEMPT_BITS: u32 = 30;

/// A source of keyed streams for one run (one base seed).
#[derive(Debug)]
pub struct Streams {
    rng: ChaCha8Rng,
}

impl Streams {
    pub fn new(seed: u64) -> Self {
        Streams {
            rng: ChaCha8Rng::from_seed(expand_seed(seed)),
        }
    }

    /// Positions the generator at the stream for `(purpose, entity, attempt)` and lends it.
    /// The same arguments always yield the same values.
    #[inline]
    pub fn at(&mut self, purpose: Purpose, entity: u32, attempt: u32) -> &mut ChaCha8Rng {
        let attempt = attempt & ((1 << ATTEMPT_BITS) - 1);
        let key = ((entity as u128) << ATTEMPT_BITS) | attempt as u128;
        self.rng.set_stream(purpose as u64);
        self.rng.set_word_pos(key * WORDS_PER_KEY);
        &mut self.rng
    }
}

impl Streams {
    /// The stream of `purpose` from its start, for set-up loops that visit every entity once
    /// and in order, reading a fixed number of words each: entity `i`'s words are then the
    /// `i`-th group, whatever else the run does, so the draws stay keyed by entity without a
    /// seek per entity (a seek computes four blocks; in order, every word is used).
    pub fn sequential(&mut self, purpose: Purpose) -> &mut ChaCha8Rng {
        self.rng.set_stream(purpose as u64);
        self.rng.set_word_pos(0);
        &mut self.rng
    }
}

/// A uniform number in `[0, 1)` from one word (the top 53 bits, as `rand` makes an `f64`).
#[inline]
pub fn unit(word: u64) -> f64 {
    (word >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A number in `[0, n)` from one word, by multiply-and-shift: always exactly one word (so
/// fixed-size draw groups stay aligned), with a bias below `n / 2^64`.
#[inline]
pub fn below(word: u64, n: u64) -> u64 {
    ((word as u128 * n as u128) >> 64) as u64
}

/// Expands a 64-bit seed to a 256-bit key with SplitMix64 (fixed here, so seeds never change
/// meaning with a dependency upgrade).
fn expand_seed(seed: u64) -> [u8; 32] {
    let mut state = seed;
    let mut key = [0u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    key
}

/// Derives the seed of replication `r` from a base seed: independent of thread and grid point.
pub fn replication_seed(base: u64, replication: u32) -> u64 {
    if replication == 0 {
        return base;
    }
    let key = expand_seed(base ^ (replication as u64).rotate_left(32));
    u64::from_le_bytes(key[..8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn first(s: &mut Streams, p: Purpose, e: u32, a: u32) -> [u64; 3] {
        let r = s.at(p, e, a);
        [r.next_u64(), r.next_u64(), r.next_u64()]
    }

    #[test]
    fn same_key_same_values_regardless_of_history() {
        let mut a = Streams::new(7);
        let mut b = Streams::new(7);
        let x = first(&mut a, Purpose::Call, 5, 2);
        // Disturb b with other draws first, including a partly read window.
        for e in 0..100 {
            first(&mut b, Purpose::Schedule, e, 0);
        }
        b.at(Purpose::Call, 5, 2).next_u32();
        assert_eq!(x, first(&mut b, Purpose::Call, 5, 2));
        assert_eq!(x, first(&mut a, Purpose::Call, 5, 2));
    }

    #[test]
    fn keys_differ() {
        let mut s = Streams::new(7);
        let base = first(&mut s, Purpose::Call, 5, 2);
        assert_ne!(base, first(&mut s, Purpose::Call, 5, 3));
        assert_ne!(base, first(&mut s, Purpose::Call, 6, 2));
        assert_ne!(base, first(&mut s, Purpose::Schedule, 5, 2));
        assert_ne!(base, first(&mut Streams::new(8), Purpose::Call, 5, 2));
        // Far attempts and the last entity get their own windows too.
        assert_ne!(base, first(&mut s, Purpose::Call, 5, 2 + (1 << 20)));
        assert_ne!(
            first(&mut s, Purpose::Call, u32::MAX, 0),
            first(&mut s, Purpose::Call, u32::MAX - 1, 0)
        );
    }

    #[test]
    fn windows_do_not_overlap() {
        // Reading a whole 64-word window of one key never reaches the next key's first words.
        let mut s = Streams::new(3);
        let next = first(&mut s, Purpose::Call, 9, 1);
        let r = s.at(Purpose::Call, 9, 0);
        let window: Vec<u64> = (0..32).map(|_| r.next_u64()).collect();
        assert_eq!(
            &[r.next_u64(), r.next_u64(), r.next_u64()],
            &next,
            "window + 1 = next key"
        );
        assert!(!window.contains(&next[0]));
    }

    #[test]
    fn stream_is_value_stable() {
        // Pinned output: if this changes, every published result changes with it.
        let mut s = Streams::new(1);
        let v = first(&mut s, Purpose::Connection, 0, 0);
        assert_eq!(v, PINNED, "ChaCha8 stream changed: {v:?}");
    }
    const PINNED: [u64; 3] = [1600774549838764492, 1693707604040713437, 308303965981451136];

    #[test]
    fn sequential_groups_are_fixed_per_entity() {
        let mut s = Streams::new(5);
        let r = s.sequential(Purpose::Schedule);
        let all: Vec<u64> = (0..300).map(|_| r.next_u64()).collect();
        // Whatever happens in between, a fresh sequential read gives the same words.
        s.at(Purpose::Call, 3, 1).next_u64();
        let r = s.sequential(Purpose::Schedule);
        let again: Vec<u64> = (0..300).map(|_| r.next_u64()).collect();
        assert_eq!(all, again);
        assert_ne!(all[..3], first(&mut s, Purpose::Connection, 0, 0));
    }

    #[test]
    fn word_conversions_span_their_ranges() {
        assert_eq!(unit(0), 0.0);
        assert!(unit(u64::MAX) < 1.0 && unit(u64::MAX) > 0.999_999_999);
        assert_eq!(below(0, 10), 0);
        assert_eq!(below(u64::MAX, 10), 9);
        assert_eq!(below(u64::MAX / 2, 1_000), 499);
    }

    #[test]
    fn replication_seeds_are_distinct() {
        let seeds: std::collections::BTreeSet<u64> =
            (0..1000).map(|r| replication_seed(42, r)).collect();
        assert_eq!(seeds.len(), 1000);
        assert_eq!(replication_seed(42, 0), 42);
    }
}
