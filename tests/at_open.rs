//! Data age when customers open the app, on whole runs: with customers who look at every
//! hour alike it is the time-weighted data age; with customers who look only in the evening,
//! after a nightly refresh, it is the evening's age, not the clock's average.

use refresh_sim::scenario;
use refresh_sim::sim;

fn run(profile: &str, strategy: &str) -> refresh_sim::metrics::Summary {
    let text = format!(
        "name = \"open\"\nseed = 4\n[window]\nstart = \"02:00\"\nlength = \"3d\"\nwarmup = \"1d\"\n\
         [population]\nconnections = 20000\nconsent_expiry_share = 0.02\n\
         [on_demand]\nper_day = 0\nprofile = [{profile}]\n\
         [strategy]\n{strategy}\n\
         [[banks]]\nname = \"a\"\nshare = 1.0\n\
         service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }}\n"
    );
    let sc = scenario::parse(&text, "open", "t", &[]).unwrap();
    sim::run(&sc, sc.seed).summary(None)
}

#[test]
fn customers_who_look_at_every_hour_see_the_time_weighted_age() {
    let s = run(&["1"; 24].join(", "), "kind = \"random_offset\"");
    let (p50, p95) = (
        s.staleness_p50_hours.unwrap(),
        s.staleness_p95_hours.unwrap(),
    );
    let (o50, o95) = (s.at_open_p50_hours.unwrap(), s.at_open_p95_hours.unwrap());
    // The same within the app-open figures' ten minutes.
    assert!(
        (o50 - p50).abs() <= 1.0 / 6.0 && (o95 - p95).abs() <= 1.0 / 6.0,
        "{s:?}"
    );
    let (a, b) = (
        s.stale_24h_share.unwrap(),
        s.stale_24h_at_open_share.unwrap(),
    );
    assert!((a - b).abs() < 0.002, "{a} vs {b}");
}

#[test]
fn evening_customers_see_a_nightly_refresh_eighteen_hours_old() {
    let mut evening = ["0"; 24];
    evening[19..22].fill("1");
    let s = run(&evening.join(", "), "kind = \"bulk\"");
    let (p50, o50) = (s.staleness_p50_hours.unwrap(), s.at_open_p50_hours.unwrap());
    // Refreshed at 02:00 (within seconds): 12 h old over the clock, 17–20 h when they look.
    assert!((11.5..=12.5).contains(&p50), "{p50}");
    assert!((18.3..=18.7).contains(&o50), "{o50}");
    assert!(s.at_open_p95_hours.unwrap() < 21.0, "{s:?}");
}
