//! The age targets against the runs' age horizon.
use super::*;

/// Over 30 days resolving eight, older ages are counted together: a target at 200 h is
/// refused, one at 100 h taken; resolving the window (the default), 200 h is taken; over
/// 90 days, the default 60 do not take 1,500 h. Over four days every age is resolved.
#[test]
fn an_age_target_past_the_horizon_is_refused_where_older_ages_exist() {
    let sc = |length: &str| {
        // `30d/8d`: 30 days resolving 8; `30d`: the default horizon.
        let (length, horizon) = match length.split_once('/') {
            Some((length, h)) => (length, format!("age_horizon = \"{h}\"\n")),
            None => (length, String::new()),
        };
        let text = format!(
            "[window]\nlength = \"{length}\"\n{horizon}\
             [population]\nconnections = 10\n\
             [strategy]\nkind = \"queued\"\nconcurrency = 1\n[[banks]]\nname = \"b\"\n\
             share = 1.0\nservice_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        );
        crate::scenario::parse(&text, "inline", "t", &[]).unwrap()
    };
    let at = |h: f64| Targets {
        at_open_p95_hours: Some(h),
        ..Targets::only(0.99, 0.01)
    };
    let err = check_ages(&sc("30d/8d"), &at(200.0))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--at-open-p95 200: at or past the 192 h"),
        "{err}"
    );
    assert!(check_ages(&sc("30d/8d"), &at(100.0)).is_ok());
    assert!(check_ages(&sc("30d"), &at(200.0)).is_ok());
    let default = crate::scenario::parse(
        "[window]\nlength = \"90d\"\n[population]\nconnections = 10\n[strategy]\n\
         kind = \"bulk\"\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
         service_time = { dist = \"constant\", value = \"1s\" }\n",
        "inline",
        "t",
        &[],
    )
    .unwrap();
    assert_eq!(default.age_horizon().as_hours_f64(), 1440.0);
    assert!(check_ages(&default, &at(1500.0)).is_err());
    assert!(check_ages(&sc("4d"), &at(200.0)).is_ok());
}
