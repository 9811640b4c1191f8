//! A recommended pace at (or above) what a bank's limits admit steadily: the model's bank
//! meters calls exactly as its policy says, a real one may not. `check` says it of a
//! scenario's pace; a trial's plan at 600,000 users recommended a CDR holder's pace at
//! 49.5 calls a second against its 50 with nothing said, where `check` of the plan's own
//! command warned. The same of the recommendation's period against the banks'
//! per-connection quotas (a trial's plan recommended random offsets every 6 h under four
//! a rolling day, at 0 % own 429s only because the model keeps their times exactly).

use super::super::Plan;
use crate::scenario::Scenario;
use crate::strategy::Strategy;

/// `check`'s notes on the recommendation's paces against the banks' steady allowances, on
/// its period against their per-connection quotas, on its calls past a cap or a rate with a
/// penalty box behind it (a trial's memo said nothing of a box its run command's `check`
/// warned of), and on its customers' priority lane against its slots.
pub(super) fn at_limit_finding(p: &Plan, sc: &Scenario) -> Option<String> {
    let r = &p.recommendation;
    let mut run = sc.clone();
    run.strategy = r.strategy.clone();
    r.conduct.apply(&mut run);
    let paces: Vec<String> = match r.strategy {
        Strategy::Paced { .. } => (run.paces_over_limits().iter())
            .map(|n| n.trim_start_matches("strategy: ").to_string())
            .collect(),
        _ => Vec::new(),
    };
    let quotas = run.period_past_quotas();
    let mut boxes = run.past_boxed_caps();
    boxes.extend(run.past_boxed_rates());
    let lane = run.lane_past_slots();
    let said = [
        (!paces.is_empty()).then(|| format!("the recommendation's paces: {}", paces.join("; "))),
        (!quotas.is_empty()).then(|| format!("the recommendation's period: {}", quotas.join("; "))),
        (!boxes.is_empty()).then(|| format!("the recommendation's calls: {}", boxes.join("; "))),
        lane.map(|l| format!("the recommendation's customers: {l}")),
    ];
    let said: Vec<String> = said.into_iter().flatten().collect();
    (!said.is_empty()).then(|| said.join(". "))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{all_met, made_up_plan, setting, targets};
    use super::*;

    /// A pace per bank at 98 % of a bucket's 5 a second is told; at 80 %, or a queue,
    /// nothing is.
    #[test]
    fn a_pace_at_a_banks_allowance_is_told() {
        let text = "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n\
                    [strategy]\nkind = \"queued\"\n\
                    concurrency = 2\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
                    service_time = { dist = \"constant\", value = \"1s\" }\n\
                    limits = [{ kind = \"token_bucket\", rate = 5.0, burst = 10 }]\n";
        let sc = crate::scenario::parse(text, "inline", "t", &[]).unwrap();
        let paced = |rate: f64| {
            let mut e = setting("pace", 20.0, 1_000.0, all_met());
            e.strategy = Strategy::Paced {
                rate: None,
                per_bank: true,
                rates: vec![Some(rate)],
                outstanding: vec![None],
                profiles: Default::default(),
            };
            made_up_plan(targets(), e.clone(), vec![e])
        };
        let f = at_limit_finding(&paced(4.9), &sc).unwrap();
        assert!(
            f.starts_with(
                "the recommendation's paces: bank `b` is paced at what its limits admit \
                 steadily in 00:00–24:00 (within 5 %)"
            ),
            "{f}"
        );
        assert_eq!(at_limit_finding(&paced(4.0), &sc), None);
        let queue = made_up_plan(targets(), setting("q", 1.0, 1.0, all_met()), Vec::new());
        assert_eq!(at_limit_finding(&queue, &sc), None);
    }

    /// Random offsets every 6 h at a bank with four accesses a rolling day: the
    /// recommendation's period is told, a best case; every 8 h it is not.
    #[test]
    fn a_period_at_a_quota_is_told() {
        let sc = |period: &str| {
            let text = format!(
                "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n\
                 [strategy]\nkind = \"queued\"\nconcurrency = 2\nperiod = \"{period}\"\n\
                 [[banks]]\nname = \"b\"\nshare = 1.0\n\
                 service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
                 limits = [{{ kind = \"quota\", k = 4 }}]\n"
            );
            crate::scenario::parse(&text, "inline", "t", &[]).unwrap()
        };
        let mut e = setting("random offset", 20.0, 1_000.0, all_met());
        e.strategy = Strategy::RandomOffset;
        let plan = made_up_plan(targets(), e.clone(), vec![e]);
        let f = at_limit_finding(&plan, &sc("6h")).unwrap();
        assert!(
            f.starts_with("the recommendation's period: bank `b`: a strategy.period of 6h")
                && f.contains("as a best case"),
            "{f}"
        );
        assert_eq!(at_limit_finding(&plan, &sc("8h")), None);
    }

    /// Per-bank pools past a cap with a penalty box behind it are told as `check` tells
    /// them; pools within it are not.
    #[test]
    fn pools_past_a_boxed_cap_are_told() {
        let text = "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n\
                    [strategy]\nkind = \"queued\"\nconcurrency = 2\n[[banks]]\nname = \"b\"\n\
                    share = 1.0\nservice_time = { dist = \"constant\", value = \"1s\" }\n\
                    limits = [{ kind = \"concurrency\", max_in_flight = 2 },\n\
                    { kind = \"penalty_box\", duration = \"60s\" }]\n";
        let sc = crate::scenario::parse(text, "inline", "t", &[]).unwrap();
        let pools = |n: u32| {
            let mut e = setting("pools", 20.0, 1_000.0, all_met());
            e.strategy = Strategy::PerBank { pools: vec![n] };
            made_up_plan(targets(), e.clone(), vec![e])
        };
        let f = at_limit_finding(&pools(8), &sc).unwrap();
        assert!(
            f.starts_with("the recommendation's calls: b: ")
                && f.contains("past its concurrency cap of 2, behind a penalty box"),
            "{f}"
        );
        assert_eq!(at_limit_finding(&pools(2), &sc), None);
    }

    /// A recommendation through the priority lane (the plan's trial, the scenario's
    /// customers calling directly) whose customers fill its slots is told as `check` would
    /// tell its run command; the same setting calling directly is not.
    #[test]
    fn a_recommended_lane_its_customers_fill_is_told() {
        let text = format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n[strategy]\n\
             kind = \"queued\"\nconcurrency = 2\n[on_demand]\nper_day = 86400\n\
             profile = [{}]\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n",
            ["1"; 24].join(", ")
        );
        let sc = crate::scenario::parse(&text, "inline", "t", &[]).unwrap();
        let mut e = setting("q", 20.0, 1_000.0, all_met());
        e.conduct.lane = true;
        let f = at_limit_finding(&made_up_plan(targets(), e.clone(), vec![e.clone()]), &sc);
        assert!(
            f.as_deref()
                .is_some_and(|f| f.starts_with("the recommendation's customers: on_demand.lane: ")),
            "{f:?}"
        );
        e.conduct.lane = false;
        assert_eq!(
            at_limit_finding(&made_up_plan(targets(), e.clone(), vec![e]), &sc),
            None
        );
    }
}
