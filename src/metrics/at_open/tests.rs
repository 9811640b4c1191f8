use super::*;
use rand::{RngExt, SeedableRng};

const MIN: u64 = 60_000_000;

/// Against brute force: random segments, each recorded from a last success at every
/// minute of its hour (the uniform minute the weights assume), some never refreshed,
/// some taken back; the weighted time at each hour of age found by walking every minute
/// of every segment with the weight of its hour of day.
#[test]
fn the_ramps_weigh_each_age_by_the_hour_it_was_seen() {
    let mut profile = [0.0; 24];
    for (h, w) in profile.iter_mut().enumerate() {
        *w = 0.2 + (h as f64 - 19.0).abs().recip().min(3.0);
    }
    let window = (SimTime(0), SimTime(200 * HOUR_US));
    let mut a = AtOpen::new(1, &profile, SimDuration::from_hours(72), window, SimTime(0))
        .fresh_within(SimDuration::from_hours(12));
    let weight = profile.map(|w| w * 24.0 / profile.iter().sum::<f64>());
    let (mut brute, mut brute_never, mut days) = (vec![0.0; 72 * 60 + 1], 0.0, [[0.0; 3]; 9]);
    // The same, for the opens from 06:00 to 12:00 alone.
    let (mut morning, mut morning_never) = (vec![0.0; 72 * 60 + 1], 0.0);
    let mut rng = rand_xoshiro::SplitMix64::seed_from_u64(3);
    let at = |m: u64| SimTime(m * MIN);
    for _ in 0..60 {
        let hour = rng.random_range(0..96u64) * 60;
        let (ahead, len) = (rng.random_range(0..600u64), rng.random_range(1..2880u64));
        let never = rng.random::<f64>() < 0.1;
        // A gap taken back from the middle third (a lapsed consent), one time in three.
        let gap = rng.random::<f64>() < 0.3;
        for u in 0..60 {
            let last = hour + u;
            let (t0, t1) = (last + ahead, last + ahead + len);
            let last_t = if never { SimTime::NEVER } else { at(last) };
            a.record(0, last_t, at(t0), at(t1));
            let (g0, g1) = (t0 + len / 3, t0 + 2 * len / 3);
            if gap {
                a.unrecord(0, last_t, at(g0), at(g1));
            }
            for m in (t0..t1).filter(|m| !gap || !(g0..g1).contains(m)) {
                let w = weight[(m / 60 % 24) as usize] * MIN as f64;
                let age = ((m - last) as usize).min(72 * 60);
                let day = &mut days[(m / (24 * 60)) as usize];
                let past = |limit: usize| w * (never || age >= limit) as u8 as f64;
                (day[0], day[1], day[2]) = (day[0] + w, day[1] + past(1440), day[2] + past(720));
                match never {
                    true => brute_never += w,
                    false => brute[age] += w,
                }
                if (6..12).contains(&(m / 60 % 24)) {
                    match never {
                        true => morning_never += w,
                        false => morning[age] += w,
                    }
                }
            }
        }
    }
    let (h, never) = a.histogram(None);
    assert!((never - brute_never).abs() < 1e-6 * brute_never.max(1.0));
    days_match(&a, &days);
    // Hour by hour of age within 3 % (the weights split an hour's boundary half and
    // half, where whole-minute successes put 45 % past it; the profile's hours differ
    // by up to 16 times).
    for k in 0..72 {
        let got: f64 = h[k * 6..(k + 1) * 6].iter().sum();
        let want: f64 = brute[k * 60..(k + 1) * 60].iter().sum();
        assert!(
            (got - want).abs() <= 0.03 * want.abs() + 1.0,
            "hour {k} of age: {got} vs {want}"
        );
    }
    // What the files say: percentiles within a bucket and the share within half a point.
    for q in [0.5, 0.8, 0.95] {
        let (got, day) = (a.quantile_hours(&h, never, q), DAY);
        near_brute(
            got,
            share_older_than(&h, never, day),
            (&brute, brute_never),
            q,
        );
    }
    // The morning's opens alone, as brute force has them; the whole day's, the summary's.
    let m = a.between(None, 6..12);
    let (p50, stale) = (m.p50_hours, m.stale_24h_share);
    near_brute(p50, stale, (&morning, morning_never), 0.5);
    the_days_are_the_summarys(&a);
}

/// The whole day's opens, by the hours of the clock, are the summary's.
fn the_days_are_the_summarys(a: &AtOpen) {
    let mut s = summary();
    a.summarise(None, &mut s);
    let day = a.between(None, 0..24);
    assert_eq!(day.p50_hours, s.at_open_p50_hours);
    let close = |x: Option<f64>, y: Option<f64>| (x.unwrap() - y.unwrap()).abs() < 1e-12;
    assert!(close(day.stale_24h_share, s.stale_24h_at_open_share));
    assert!(close(day.not_fresh_share, s.not_fresh_at_open_share));
}

/// Each day's shares of opens finding data a day old and past `fresh_within` (12 h) are the
/// brute force's exactly: `days` holds each day's weighted time, and its time a day old and
/// 12 h old, or with no data (whole minutes, each weighed by its hour).
fn days_match(a: &AtOpen, days: &[[f64; 3]]) {
    for (d, &[all, old, stale]) in days.iter().enumerate() {
        let got = a.day_shares(d, None);
        match all > 0.0 {
            true => {
                let s = got.unwrap();
                assert!((s.stale_24h - old / all).abs() < 1e-9, "day {d}: {got:?}");
                assert!((s.not_fresh - stale / all).abs() < 1e-9, "day {d}: {got:?}");
                assert!(s.not_fresh > s.stale_24h || old == all, "day {d}: {got:?}");
            }
            false => assert_eq!(got, None, "day {d}"),
        }
    }
}

/// A `q`-quantile (hours) within two minutes of the brute force's `(ages, never)` by
/// the minute (interpolated within its minute), and a share 24 h old or older within
/// half a point of theirs.
fn near_brute(got: Option<f64>, stale: Option<f64>, (ages, never): (&[f64], f64), q: f64) {
    let total = ages.iter().sum::<f64>() + never;
    let mut acc = 0.0;
    let m = ages.iter().position(|x| {
        acc += x;
        acc >= q * total
    });
    let want = m.map_or(f64::INFINITY, |m| {
        (m as f64 + 1.0 - (acc - q * total) / ages[m]) / 60.0
    });
    let got = got.unwrap();
    assert!(
        got == want || (got - want).abs() <= 2.0 / 60.0,
        "p{q}: {got} vs {want}"
    );
    let old = (ages[24 * 60..].iter().sum::<f64>() + never) / total;
    assert!((stale.unwrap() - old).abs() < 0.005, "{stale:?} vs {old}");
}

/// A connection refreshed once and looked at evenly over the next `T` hours sees every
/// age in `[0, T)` alike: its median is `T / 2` to the second, off the ten-minute grid
/// (where a paired difference of two strategies would otherwise read "± 0.00").
#[test]
fn a_percentile_is_interpolated_within_its_ten_minutes() {
    for minutes in [1440, 1434, 1001] {
        let end = SimTime(minutes * MIN);
        let mut a = AtOpen::new(
            1,
            &[1.0; 24],
            SimDuration::from_hours(48),
            (SimTime(0), end),
            SimTime(0),
        );
        a.record(0, SimTime(0), SimTime(0), end);
        let mut s = summary();
        a.summarise(None, &mut s);
        let want = minutes as f64 / 60.0;
        let (p50, p95) = (s.at_open_p50_hours.unwrap(), s.at_open_p95_hours.unwrap());
        assert!((p50 - want / 2.0).abs() < 1e-9, "{p50} vs {}", want / 2.0);
        assert!((p95 - want * 0.95).abs() < 1e-9, "{p95} vs {}", want * 0.95);
    }
}

fn summary() -> Summary {
    let day = SimDuration::from_hours(24);
    Summary::new(Default::default(), day, SimDuration::ZERO, 1.0)
}

/// Each bank's figures are its own, and all banks' are those of one bank holding every
/// bank's time (to the bit: the banks' integers are summed before they are weighed).
#[test]
fn each_bank_sees_its_own_ages_and_all_banks_their_sum() {
    let mut profile = [0.0; 24];
    profile[19..22].fill(1.0);
    let window = (SimTime(HOUR_US), SimTime(150 * HOUR_US));
    let horizon = SimDuration::from_hours(48);
    let (mut two, mut one) = (
        AtOpen::new(2, &profile, horizon, window, SimTime(0)),
        AtOpen::new(1, &profile, horizon, window, SimTime(0)),
    );
    // Bank 0 refreshed at 02:00, bank 1 at 18:00, each from its first success on; bank
    // 1 has a connection never refreshed from 01:00 to 30:00, and a lapse taken back.
    let mut both = |b: usize, last: SimTime, t0: u64, t1: u64| {
        two.record(b, last, SimTime(t0 * HOUR_US), SimTime(t1 * HOUR_US));
        one.record(0, last, SimTime(t0 * HOUR_US), SimTime(t1 * HOUR_US));
    };
    both(1, SimTime::NEVER, 1, 30);
    for d in 0..6u64 {
        for (b, at) in [(0, 2), (1, 18)] {
            let t = d * 24 + at;
            both(b, SimTime(t * HOUR_US), t, t + 24);
        }
    }
    two.unrecord(
        1,
        SimTime(18 * HOUR_US),
        SimTime(20 * HOUR_US),
        SimTime(22 * HOUR_US),
    );
    one.unrecord(
        0,
        SimTime(18 * HOUR_US),
        SimTime(20 * HOUR_US),
        SimTime(22 * HOUR_US),
    );
    assert_eq!(two.histogram(None), one.histogram(None));
    assert_eq!(two.hours(None), one.hours(None));
    let (mut s2, mut s1) = (summary(), summary());
    two.summarise(None, &mut s2);
    one.summarise(None, &mut s1);
    assert_eq!(s2, s1);
    // Opened only 19:00–22:00: bank 0's data is 17–20 h old then, bank 1's 1–4 h.
    let (mut a, mut b) = (summary(), summary());
    two.summarise(Some(0), &mut a);
    two.summarise(Some(1), &mut b);
    let (a50, b50) = (a.at_open_p50_hours.unwrap(), b.at_open_p50_hours.unwrap());
    assert!(
        (17.0..=20.0).contains(&a50) && (1.0..=4.0).contains(&b50),
        "{a50} vs {b50}"
    );
    // Bank 1's never-refreshed hours are its own.
    let never = |b: Option<usize>| two.hours(b)[5].never_share.unwrap();
    assert_eq!(never(Some(0)), 0.0);
    assert!(never(Some(1)) > 0.0 && never(None) < never(Some(1)));
    let (h0, n0) = two.histogram(Some(0));
    let (h1, n1) = two.histogram(Some(1));
    let (h, n) = two.histogram(None);
    assert_eq!(n0, 0.0);
    assert!((n1 - n).abs() <= 1e-9 * n);
    for i in 0..h.len() {
        assert!(
            (h0[i] + h1[i] - h[i]).abs() <= 1e-9 * h[i].max(1.0),
            "bucket {i}"
        );
    }
}

/// Refreshed at 02:00 each night and looked at only from 19:00 to 22:00: the data seen
/// is 17–20 h old, though 12 h old on average over the clock.
#[test]
fn a_nightly_refresh_is_seen_in_the_evening() {
    let mut profile = [0.0; 24];
    profile[19..22].fill(1.0);
    let window = (SimTime(0), SimTime(150 * HOUR_US));
    let mut a = AtOpen::new(1, &profile, SimDuration::from_hours(48), window, SimTime(0));
    for d in 0..5u64 {
        let last = SimTime((d * 24 + 2) * HOUR_US);
        a.record(0, last, last, SimTime(((d + 1) * 24 + 2) * HOUR_US));
    }
    // Within ten minutes of the truth: the refresh at 02:00 sharp is read as spread over
    // its ten minutes.
    let (h, never) = a.histogram(None);
    let p50 = a.quantile_hours(&h, never, 0.5).unwrap();
    assert!((18.3..=18.7).contains(&p50), "{p50}");
    let hours = SimDuration::from_hours;
    assert!(share_older_than(&h, never, hours(20)).unwrap() < 0.03);
    assert!(share_older_than(&h, never, hours(17)).unwrap() > 0.97);
}

/// Hour by hour, weighted by the profile, the ages are the app-open histogram; and a
/// nightly refresh at 02:00 is 1–2 h old from 03:00 to 04:00 and 17–18 h old from 19:00.
#[test]
fn each_hour_of_the_day_sees_its_own_ages() {
    let mut profile = [1.0; 24];
    profile[19..22].fill(4.0);
    let window = (SimTime(0), SimTime(150 * HOUR_US));
    let mut a = AtOpen::new(1, &profile, SimDuration::from_hours(48), window, SimTime(0));
    a.record(0, SimTime::NEVER, SimTime(0), SimTime(2 * HOUR_US));
    for d in 0..5u64 {
        let last = SimTime((d * 24 + 2) * HOUR_US);
        a.record(0, last, last, SimTime(((d + 1) * 24 + 2) * HOUR_US));
    }
    let (h, never) = a.histogram(None);
    let by_hour = a.by_hour(None);
    for (i, want) in h.iter().enumerate() {
        let got: f64 = (0..24).map(|k| a.weight[k] * by_hour[k].0[i]).sum();
        assert!(
            (got - want).abs() <= 1e-9 * want.max(1.0),
            "bucket {i}: {got} vs {want}"
        );
    }
    let got_never: f64 = (0..24).map(|k| a.weight[k] * by_hour[k].1).sum();
    assert!(
        (got_never - never).abs() <= 1e-9 * never,
        "{got_never} vs {never}"
    );
    let hours = a.hours(None);
    let p50 = |k: usize| hours[k].p50_hours.unwrap();
    assert!((1.3..=1.8).contains(&p50(3)), "{}", p50(3));
    assert!((17.3..=17.8).contains(&p50(19)), "{}", p50(19));
    // The first night's two hours with no data, one of six nights at 00:00 and 01:00.
    assert_eq!(hours[0].never_share, Some(1.0 / 6.0));
    assert_eq!(hours[5].never_share, Some(0.0));
    let opens: f64 = hours.iter().map(|h| h.app_open_share).sum();
    assert!((opens - 1.0).abs() < 1e-12 && (hours[20].app_open_share - 4.0 / 33.0).abs() < 1e-12);
}

/// Days starting off the hour (the window from 05:17): each day's share of opens a day old
/// and 12 h old against brute force by the minute, segments crossing the boundary minute inside its hour
/// and spanning days, some never refreshed, some with a gap taken back (a review found the
/// part of an hour before the boundary minute untested).
#[test]
fn days_off_the_hour_match_brute_force() {
    let start = 5 * 60 + 17;
    let end = start + 4 * 1440;
    let mut profile = [0.0; 24];
    for (h, w) in profile.iter_mut().enumerate() {
        *w = 1.0 + (h % 5) as f64;
    }
    let weight = profile.map(|w| w * 24.0 / profile.iter().sum::<f64>());
    let at = |m: u64| SimTime(m * MIN);
    let mut a = AtOpen::new(
        1,
        &profile,
        SimDuration::from_hours(72),
        (at(start), at(end)),
        at(start),
    )
    .fresh_within(SimDuration::from_hours(12));
    let mut days = [[0.0; 3]; 4];
    let mut rng = rand_xoshiro::SplitMix64::seed_from_u64(5);
    for _ in 0..400 {
        let t0 = rng.random_range(start..end - 1);
        let t1 = rng.random_range(t0 + 1..=end.min(t0 + 3000));
        let last = t0.saturating_sub(rng.random_range(0..2000u64));
        let never = rng.random::<f64>() < 0.15;
        let last_t = if never { SimTime::NEVER } else { at(last) };
        a.record(0, last_t, at(t0), at(t1));
        let gap = rng.random::<f64>() < 0.3;
        let (g0, g1) = (t0 + (t1 - t0) / 3, t0 + 2 * (t1 - t0) / 3);
        if gap {
            a.unrecord(0, last_t, at(g0), at(g1));
        }
        for m in (t0..t1).filter(|m| !gap || !(g0..g1).contains(m)) {
            let w = weight[(m / 60 % 24) as usize] * MIN as f64;
            let past = |limit: u64| w * (never || m - last >= limit) as u8 as f64;
            let day = &mut days[((m - start) / 1440) as usize];
            (day[0], day[1], day[2]) = (day[0] + w, day[1] + past(1440), day[2] + past(720));
        }
    }
    days_match(&a, &days);
}
