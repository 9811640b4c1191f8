//! The queue's orders: in turn (FIFO) and stalest first.

use super::*;

/// Takes every connection the pool gives now, releasing each slot, skipping `held`.
fn drain(q: &mut Queue, held: &[u32]) -> Vec<u32> {
    let mut out = Vec::new();
    while let Some((c, _)) = q.next_submission(|c| held.contains(&c), |_| 0) {
        q.release();
        out.push(c);
    }
    out
}

/// Stalest first: the never refreshed first, then by the age of their data (ties by
/// connection); a pass skips what the client holds, but a connection set back in the
/// queue (held) is taken in its place by age, ahead of younger data, at once.
#[test]
fn a_stalest_first_pool_takes_the_oldest_data_first() {
    // Keys: a last success plus one, 0 for never refreshed (smaller is older).
    let keys = [50, 0, 10, 0, 30];
    let mut q = Queue::new(1, false, Members::All(5));
    q.stalest_first();
    q.period_start(true, |c| keys[c as usize]);
    assert_eq!(drain(&mut q, &[]), vec![1, 3, 2, 4, 0]);
    // Connection 2 is held (in a slot): the pass skips it. 0 is set back (failed, held)
    // with its key 20: ahead of 4's 30, taken though held, its pass entry skipped.
    q.period_start(false, |c| keys[c as usize]);
    let (first, _) = q.next_submission(|c| c == 2, |_| 0).unwrap();
    assert_eq!(first, 1);
    q.release();
    q.requeue(0, 20);
    assert_eq!(drain(&mut q, &[2, 0]), vec![3, 0, 4]);
}

/// In turn (FIFO): the pass in connection order, a failure at the back; at the next
/// period the failures left over go first.
#[test]
fn a_fifo_pool_takes_connections_in_turn() {
    let mut q = Queue::new(1, false, Members::All(4));
    q.period_start(true, |_| 0);
    let (first, _) = q.next_submission(|_| false, |_| 0).unwrap();
    q.release();
    q.requeue(first, 0);
    assert_eq!(drain(&mut q, &[]), vec![1, 2, 3, 0]);
    q.requeue(2, 0);
    q.period_start(false, |_| 0);
    assert_eq!(drain(&mut q, &[]), vec![2, 0, 1, 2, 3]);
}

/// At a period start, connections set back keep their places by their data's age then,
/// not by when they failed.
#[test]
fn failures_set_back_take_their_places_by_age_at_the_next_period() {
    let mut q = Queue::new(1, false, Members::Listed(vec![7, 8]));
    q.stalest_first();
    q.period_start(true, |_| 5);
    assert_eq!(drain(&mut q, &[]), vec![7, 8]);
    q.requeue(9, 100);
    q.requeue(6, 200);
    // Next period: 6's data is older than 9's now (a customer refreshed 9).
    let age = |c: u32| match c {
        6 => 1,
        9 => 300,
        _ => 50,
    };
    q.period_start(false, age);
    assert_eq!(drain(&mut q, &[]), vec![6, 7, 8, 9]);
}

/// The band holds the background alone: a customer in the priority lane takes a free slot
/// while it is shut, none while the pool is full or a Retry-After pause holds it (until the
/// pause's end, which `customers_held` gives); the pool is held until the later of both.
#[test]
fn the_band_holds_the_background_not_the_priority_lane() {
    let t = |s: u64| SimTime::ZERO + SimDuration::from_secs(s);
    let mut q = Queue::new(1, false, Members::All(4));
    q.period_start(true, |_| 0);
    q.hold_band(t(100));
    assert_eq!(q.not_before(t(10)), Some(t(100)));
    assert_eq!(q.next_customer(t(10)), None, "no customer waiting");
    q.request(3);
    q.pause_until(t(50));
    assert_eq!(q.customers_held(t(10)), Some(t(50)));
    assert_eq!(q.next_customer(t(10)), None, "held by the pause");
    assert_eq!(q.not_before(t(10)), Some(t(100)));
    assert_eq!(q.customers_held(t(50)), None);
    q.request(2);
    assert_eq!(q.next_customer(t(50)), Some(3));
    assert_eq!(q.next_customer(t(50)), None, "the one slot is taken");
    q.release_urgent();
    assert_eq!(q.next_customer(t(60)), Some(2));
    q.release_urgent();
    assert_eq!(q.not_before(t(100)), None);
    assert_eq!(drain(&mut q, &[]), vec![0, 1, 2, 3]);
}
