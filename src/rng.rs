//! Keyed random streams: common random numbers across strategies.
//!
//! Every random draw in a run comes from a stream addressed by `(seed, purpose, entity,
//! attempt)`, never from a shared sequential generator. Connection 17's third attempt draws
//! the same service time and the same error coin whether the strategy is bulk, queued or
//! random offset, and whatever happened to other connections before it: comparing
//! strategies on one seed compares them on the same luck, and the draws cannot depend on
//! event order or thread timing.
//!
//! The generator is ChaCha8 with a 64-bit block counter and a 64-bit stream id, exactly as
//! rand_chacha's `ChaCha8Rng` (value-stable across versions and platforms) lays it out. The
//! 256-bit key comes from the seed; the purpose selects the ChaCha stream (nonce);
//! `(entity, attempt)` selects a 4-block (256-byte) window of the block counter, which is far
//! more than any draw set here consumes.
//!
//! [`KeyedRng`] computes that keystream itself, one 16-word block at a time, rather than
//! seeking a `ChaCha8Rng`: a draw set uses two to six words, and `ChaCha8Rng` always computes
//! four blocks after a seek. Same words in the same order (a test checks it against
//! `ChaCha8Rng`), a third of the cost: key setup and connection draws were half of a
//! million-connection run (BENCHMARKS.md). Entities asked for in order (the setup loops over
//! connections) get their first blocks eight at a time, vectorised with AVX2 where the CPU
//! has it; the words are the same on every path, which the tests check.

use rand::{Rng, TryRng};
use std::convert::Infallible;

/// What a stream is used for. Each purpose is an independent ChaCha stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// A connection's fixed attributes: its bank, whether and when its consent expires.
    Connection = 1,
    /// The client's scheduling draws for a connection (its random offset).
    Schedule = 2,
    /// A bank call's draws: service time, then the 5xx coin.
    Call = 3,
    /// The client's backoff jitter before a retry.
    Backoff = 4,
}

/// ChaCha8 blocks reserved for each `(entity, attempt)` draw set.
const BLOCKS_PER_KEY: u128 = 4;
const WORDS_PER_BLOCK: u128 = 16;
/// Attempts per entity that get distinct windows (2^20 ≈ one million).
const ATTEMPT_BITS: u32 = 20;

/// A source of keyed streams for one run (one base seed).
#[derive(Clone, Debug)]
pub struct Streams {
    rng: KeyedRng,
    /// First blocks of consecutive entities, computed together (see [`Streams::at`]).
    batch: Batch,
    /// The last `(stream, attempt, entity)` asked for: entities drawn in order start a batch.
    last: (u64, u32, u32),
    /// Whether batches are worth computing here (x86-64 with AVX2).
    simd: bool,
}

impl Streams {
    pub fn new(seed: u64) -> Self {
        Streams {
            rng: KeyedRng::new(expand_seed(seed)),
            batch: Batch::EMPTY,
            last: (u64::MAX, 0, 0),
            simd: simd_available(),
        }
    }

    /// Positions the generator at the stream for `(purpose, entity, attempt)` and lends it.
    /// The same arguments always yield the same values.
    ///
    /// When entities are asked for in order (the setup loops over connections do), the
    /// first blocks of the next [`LANES`] entities are computed at once, eight lanes wide,
    /// which is twice as fast per block with AVX2; later calls for those entities take their
    /// block from the batch. The values are the same either way.
    #[inline]
    pub fn at(&mut self, purpose: Purpose, entity: u32, attempt: u32) -> &mut KeyedRng {
        let attempt = attempt & ((1 << ATTEMPT_BITS) - 1);
        let stream = purpose as u64;
        let block = first_block(entity, attempt);
        let lane = entity.wrapping_sub(self.batch.first) as usize;
        let b = &self.batch;
        if b.full && b.stream == stream && b.attempt == attempt && lane < LANES {
            self.rng.load(stream, block, b.column(lane));
        } else if self.simd
            && self.last == (stream, attempt, entity.wrapping_sub(1))
            && entity <= u32::MAX - (LANES as u32 - 1)
        {
            self.batch.fill(&self.rng.key, stream, attempt, entity);
            self.rng.load(stream, block, self.batch.column(0));
        } else {
            self.rng.seek(stream, block);
        }
        self.last = (stream, attempt, entity);
        &mut self.rng
    }
}

/// The block where the draw set `(entity, attempt)` of a stream starts: its word position
/// `key · BLOCKS_PER_KEY · WORDS_PER_BLOCK` (block-aligned) in blocks, `key < 2^52`.
#[inline]
fn first_block(entity: u32, attempt: u32) -> u64 {
    let key = ((entity as u128) << ATTEMPT_BITS) | attempt as u128;
    (key * BLOCKS_PER_KEY * WORDS_PER_BLOCK / WORDS_PER_BLOCK) as u64
}

/// Entities per batch.
const LANES: usize = 8;

/// The first blocks of `LANES` consecutive entities of one stream and attempt.
#[derive(Clone, Debug)]
struct Batch {
    full: bool,
    stream: u64,
    attempt: u32,
    /// The entity of lane 0.
    first: u32,
    /// `words[w][lane]`: word `w` of the block of entity `first + lane`.
    words: [[u32; LANES]; 16],
}

impl Batch {
    const EMPTY: Batch = Batch { full: false, stream: 0, attempt: 0, first: 0, words: [[0; LANES]; 16] };

    fn fill(&mut self, key: &[u32; 8], stream: u64, attempt: u32, first: u32) {
        let blocks: [u64; LANES] = std::array::from_fn(|l| first_block(first + l as u32, attempt));
        chacha8_lanes_fast(key, stream, &blocks, &mut self.words);
        self.full = true;
        self.stream = stream;
        self.attempt = attempt;
        self.first = first;
    }

    #[inline]
    fn column(&self, lane: usize) -> [u32; 16] {
        std::array::from_fn(|w| self.words[w][lane])
    }
}

fn simd_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// [`chacha8_lanes`] compiled for AVX2 when the CPU has it (batches are only made then).
fn chacha8_lanes_fast(key: &[u32; 8], stream: u64, blocks: &[u64; LANES], out: &mut [[u32; LANES]; 16]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { chacha8_lanes_avx2(key, stream, blocks, out) };
        return;
    }
    chacha8_lanes(key, stream, blocks, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn chacha8_lanes_avx2(key: &[u32; 8], stream: u64, blocks: &[u64; LANES], out: &mut [[u32; LANES]; 16]) {
    chacha8_lanes(key, stream, blocks, out)
}

/// ChaCha8 blocks `blocks[l]` of `stream`, one per lane, computed side by side: the same
/// arithmetic as [`KeyedRng::refill`], written lane-wise so the compiler vectorises it.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // indexing by lane is what vectorises
fn chacha8_lanes(key: &[u32; 8], stream: u64, blocks: &[u64; LANES], out: &mut [[u32; LANES]; 16]) {
    let mut input = [[0u32; LANES]; 16];
    for (i, &c) in SIGMA.iter().enumerate() {
        input[i] = [c; LANES];
    }
    for (i, &k) in key.iter().enumerate() {
        input[4 + i] = [k; LANES];
    }
    for (l, &b) in blocks.iter().enumerate() {
        input[12][l] = b as u32;
        input[13][l] = (b >> 32) as u32;
    }
    input[14] = [stream as u32; LANES];
    input[15] = [(stream >> 32) as u32; LANES];
    let mut x = input;
    #[inline(always)]
    fn qr(x: &mut [[u32; LANES]; 16], a: usize, b: usize, c: usize, d: usize) {
        for l in 0..LANES {
            x[a][l] = x[a][l].wrapping_add(x[b][l]);
            x[d][l] = (x[d][l] ^ x[a][l]).rotate_left(16);
        }
        for l in 0..LANES {
            x[c][l] = x[c][l].wrapping_add(x[d][l]);
            x[b][l] = (x[b][l] ^ x[c][l]).rotate_left(12);
        }
        for l in 0..LANES {
            x[a][l] = x[a][l].wrapping_add(x[b][l]);
            x[d][l] = (x[d][l] ^ x[a][l]).rotate_left(8);
        }
        for l in 0..LANES {
            x[c][l] = x[c][l].wrapping_add(x[d][l]);
            x[b][l] = (x[b][l] ^ x[c][l]).rotate_left(7);
        }
    }
    for _ in 0..4 {
        qr(&mut x, 0, 4, 8, 12);
        qr(&mut x, 1, 5, 9, 13);
        qr(&mut x, 2, 6, 10, 14);
        qr(&mut x, 3, 7, 11, 15);
        qr(&mut x, 0, 5, 10, 15);
        qr(&mut x, 1, 6, 11, 12);
        qr(&mut x, 2, 7, 8, 13);
        qr(&mut x, 3, 4, 9, 14);
    }
    for w in 0..16 {
        for l in 0..LANES {
            out[w][l] = x[w][l].wrapping_add(input[w][l]);
        }
    }
}

/// ChaCha's constant row, "expand 32-byte k".
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// ChaCha8 keystream words from a block position of a stream, computed one block at a time:
/// the same words, in the same order, as rand_chacha's `ChaCha8Rng` after `set_stream` and a
/// block-aligned `set_word_pos`. `next_u64` joins two consecutive words, low word first, and
/// `fill_bytes` copies whole words little-endian (a partial last word is used up), as
/// `ChaCha8Rng` does.
#[derive(Clone)]
pub struct KeyedRng {
    key: [u32; 8],
    stream: u64,
    /// The block the next refill computes.
    block: u64,
    buf: [u32; 16],
    /// Next unread word of `buf`; 16 when it is used up.
    index: usize,
}

impl std::fmt::Debug for KeyedRng {
    /// Shows the position, not the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyedRng")
            .field("stream", &self.stream)
            .field("block", &self.block)
            .field("index", &self.index)
            .finish()
    }
}

impl KeyedRng {
    fn new(seed: [u8; 32]) -> Self {
        let mut key = [0u32; 8];
        for (k, b) in key.iter_mut().zip(seed.chunks_exact(4)) {
            *k = u32::from_le_bytes(b.try_into().expect("4 bytes"));
        }
        KeyedRng { key, stream: 0, block: 0, buf: [0; 16], index: 16 }
    }

    /// Moves to the start of block `block` of stream `stream`, whose words are `words`
    /// (computed elsewhere).
    #[inline]
    fn load(&mut self, stream: u64, block: u64, words: [u32; 16]) {
        self.stream = stream;
        self.buf = words;
        self.block = block.wrapping_add(1);
        self.index = 0;
    }

    /// Moves to the start of block `block` of stream `stream`. Computes nothing until a word
    /// is read.
    #[inline]
    fn seek(&mut self, stream: u64, block: u64) {
        self.stream = stream;
        self.block = block;
        self.index = 16;
    }

    /// Computes the current block into `buf` and advances the block counter.
    #[inline]
    fn refill(&mut self) {
        let k = &self.key;
        let input: [u32; 16] = [
            SIGMA[0], SIGMA[1], SIGMA[2], SIGMA[3],
            k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7],
            self.block as u32, (self.block >> 32) as u32,
            self.stream as u32, (self.stream >> 32) as u32,
        ];
        let mut x = input;
        #[inline(always)]
        fn qr(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
            x[a] = x[a].wrapping_add(x[b]);
            x[d] = (x[d] ^ x[a]).rotate_left(16);
            x[c] = x[c].wrapping_add(x[d]);
            x[b] = (x[b] ^ x[c]).rotate_left(12);
            x[a] = x[a].wrapping_add(x[b]);
            x[d] = (x[d] ^ x[a]).rotate_left(8);
            x[c] = x[c].wrapping_add(x[d]);
            x[b] = (x[b] ^ x[c]).rotate_left(7);
        }
        // ChaCha8: four double rounds (a column round, then a diagonal round).
        for _ in 0..4 {
            qr(&mut x, 0, 4, 8, 12);
            qr(&mut x, 1, 5, 9, 13);
            qr(&mut x, 2, 6, 10, 14);
            qr(&mut x, 3, 7, 11, 15);
            qr(&mut x, 0, 5, 10, 15);
            qr(&mut x, 1, 6, 11, 12);
            qr(&mut x, 2, 7, 8, 13);
            qr(&mut x, 3, 4, 9, 14);
        }
        for (o, (w, i)) in self.buf.iter_mut().zip(x.iter().zip(&input)) {
            *o = w.wrapping_add(*i);
        }
        self.block = self.block.wrapping_add(1);
        self.index = 0;
    }

    #[inline]
    fn word(&mut self) -> u32 {
        if self.index >= 16 {
            self.refill();
        }
        let w = self.buf[self.index];
        self.index += 1;
        w
    }
}

impl TryRng for KeyedRng {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.word())
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let lo = self.word() as u64;
        let hi = self.word() as u64;
        Ok((hi << 32) | lo)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let w = self.word().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}

// `Rng` (next_u32, next_u64, fill_bytes) comes from rand_core's blanket impl over `TryRng`
// with `Error = Infallible`; this checks that it applies.
const _: fn(&mut KeyedRng) -> u64 = <KeyedRng as Rng>::next_u64;

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
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// The reference: `ChaCha8Rng` positioned the way `Streams::at` did before `KeyedRng`.
    fn reference(seed: u64, p: Purpose, entity: u32, attempt: u32) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::from_seed(expand_seed(seed));
        let key = ((entity as u128) << ATTEMPT_BITS) | (attempt & ((1 << ATTEMPT_BITS) - 1)) as u128;
        rng.set_stream(p as u64);
        rng.set_word_pos(key * BLOCKS_PER_KEY * WORDS_PER_BLOCK);
        rng
    }

    #[test]
    fn keyed_rng_matches_chacha8rng_word_for_word() {
        let mut s = Streams::new(42);
        let purposes = [Purpose::Connection, Purpose::Schedule, Purpose::Call, Purpose::Backoff];
        let entities = [0, 1, 2, 17, 65_535, 999_999, u32::MAX];
        let attempts = [0, 1, 3, (1 << ATTEMPT_BITS) - 1, 1 << ATTEMPT_BITS, u32::MAX];
        for (i, &p) in purposes.iter().enumerate() {
            for &e in &entities {
                for &a in &attempts {
                    let mut want = reference(42, p, e, a);
                    let got = s.at(p, e, a);
                    // Mixed widths, across block and key-window boundaries (70 words > 4 blocks).
                    for j in 0..40 {
                        if (j + i) % 3 == 0 {
                            assert_eq!(got.next_u32(), want.next_u32(), "{p:?} {e} {a} draw {j}");
                        } else {
                            assert_eq!(got.next_u64(), want.next_u64(), "{p:?} {e} {a} draw {j}");
                        }
                    }
                    let (mut x, mut y) = ([0u8; 23], [0u8; 23]);
                    got.fill_bytes(&mut x);
                    want.fill_bytes(&mut y);
                    assert_eq!(x, y);
                    assert_eq!(got.next_u64(), want.next_u64(), "after fill_bytes");
                }
            }
        }
    }

    #[test]
    fn lanes_compute_the_same_blocks_as_one_at_a_time() {
        let mut one = Streams::new(9).rng;
        let key = one.key;
        for (i, stream) in [0u64, 3, u64::MAX].into_iter().enumerate() {
            let blocks: [u64; LANES] =
                std::array::from_fn(|l| (l as u64 * 0x9E37_79B9 + i as u64) << (7 * l));
            let (mut a, mut b) = ([[0; LANES]; 16], [[0; LANES]; 16]);
            chacha8_lanes(&key, stream, &blocks, &mut a);
            chacha8_lanes_fast(&key, stream, &blocks, &mut b);
            assert_eq!(a, b);
            for (l, &blk) in blocks.iter().enumerate() {
                one.seek(stream, blk);
                one.refill();
                let col: [u32; 16] = std::array::from_fn(|w| a[w][l]);
                assert_eq!(one.buf, col, "stream {stream} lane {l}");
            }
        }
    }

    #[test]
    fn batched_draws_in_entity_order_match_chacha8rng() {
        // In order (batches), with gaps and revisits (served from a batch or not), across
        // purposes and attempts, and at the top of the entity range (no batch).
        let mut order: Vec<(Purpose, u32, u32)> = (0..100).map(|c| (Purpose::Connection, c, 0)).collect();
        order.extend((0..100).map(|c| (Purpose::Call, 3 * c / 2, 0)));
        order.extend([(Purpose::Call, 10, 1), (Purpose::Call, 11, 1), (Purpose::Call, 13, 1), (Purpose::Call, 12, 1)]);
        order.extend([(Purpose::Schedule, 5, 0), (Purpose::Schedule, 6, 0), (Purpose::Backoff, 7, 2), (Purpose::Schedule, 7, 0)]);
        order.extend((0..20).map(|i| (Purpose::Schedule, u32::MAX - 19 + i, 0)));
        order.extend((0..20).map(|i| (Purpose::Call, 500 + i, (1 << ATTEMPT_BITS) + 2)));
        for seed in [1, 42] {
            let mut s = Streams::new(seed);
            for &(p, e, a) in &order {
                let mut want = reference(seed, p, e, a);
                let got = s.at(p, e, a);
                for j in 0..20 {
                    assert_eq!(got.next_u64(), want.next_u64(), "{p:?} {e} {a} draw {j}");
                }
            }
        }
    }

    #[test]
    fn keyed_rng_matches_chacha8rng_for_typical_draws() {
        use rand::RngExt;
        for seed in [0, 1, 7, u64::MAX] {
            let mut s = Streams::new(seed);
            for c in (0..5_000u32).step_by(7) {
                let mut want = reference(seed, Purpose::Connection, c, 0);
                let got = s.at(Purpose::Connection, c, 0);
                assert_eq!(got.random::<f64>(), want.random::<f64>());
                assert_eq!(got.random::<f64>(), want.random::<f64>());
                assert_eq!(got.random_range(0..86_400_000_000u64), want.random_range(0..86_400_000_000u64));
                let mut want = reference(seed, Purpose::Call, c, c % 5);
                let got = s.at(Purpose::Call, c, c % 5);
                assert_eq!(got.random_range(0..1000u32), want.random_range(0..1000u32));
                assert_eq!(got.random::<f64>(), want.random::<f64>());
            }
        }
    }

    fn first(s: &mut Streams, p: Purpose, e: u32, a: u32) -> [u64; 3] {
        let r = s.at(p, e, a);
        [r.next_u64(), r.next_u64(), r.next_u64()]
    }

    #[test]
    fn same_key_same_values_regardless_of_history() {
        let mut a = Streams::new(7);
        let mut b = Streams::new(7);
        let x = first(&mut a, Purpose::Call, 5, 2);
        // Disturb b with other draws first.
        for e in 0..100 {
            first(&mut b, Purpose::Schedule, e, 0);
        }
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
    fn replication_seeds_are_distinct() {
        let seeds: std::collections::BTreeSet<u64> =
            (0..1000).map(|r| replication_seed(42, r)).collect();
        assert_eq!(seeds.len(), 1000);
        assert_eq!(replication_seed(42, 0), 42);
    }
}
