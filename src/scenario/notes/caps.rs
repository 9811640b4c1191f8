//! A client whose calls can pass a bank's concurrency cap where a penalty box stands behind
//! it: a call past the cap shuts the bank to every call, its customers' too, for the box's
//! length. Over a cap alone a client may gain (its slots are held past the call while it
//! polls), so only boxed caps are said.

use super::super::Scenario;
use crate::bank::{Bank, Limit};
use crate::strategy::Strategy;

impl Scenario {
    /// Per-bank pools, AIMD's slots or a pace's refreshes outstanding that may pass a boxed
    /// cap, with the setting that keeps within it (a trial's pools of 8 at a building
    /// society capped at 2 behind a 60 s box cost it 3.7 points of coverage against pools of
    /// 2; AIMD and an unbounded pace there, about 8).
    pub fn past_boxed_caps(&self) -> Vec<String> {
        (self.banks.iter().enumerate())
            .filter_map(|(b, bank)| {
                let (cap, wait) = (bank.concurrency_cap()?, penalty(bank)?);
                let (what, fix) = self.past_cap(b, &bank.name, cap)?;
                Some(format!(
                    "{}: {what}, past its concurrency cap of {cap}, behind a penalty box of \
                     {wait}: a call past the cap shuts the bank to every call, its customers' \
                     too, for that long ({fix} keeps within it)",
                    bank.name
                ))
            })
            .collect()
    }

    /// What of the client may pass bank `b`'s cap, and what keeps it within (`None` where
    /// nothing does).
    fn past_cap(&self, b: usize, name: &str, cap: u32) -> Option<(String, String)> {
        let pools = format!("strategy.pools = {{ {name} = {cap} }}");
        match &self.strategy {
            Strategy::PerBank { pools: p } => {
                (p[b] > cap).then(|| (format!("a pool of {} slots", p[b]), pools))
            }
            Strategy::Aimd(rule) => (rule.max > cap).then(|| {
                let what = format!("aimd's slots, which grow to {}", rule.max);
                (what, format!("per_bank with {pools}"))
            }),
            Strategy::Paced {
                per_bank: true,
                outstanding,
                ..
            } => match outstanding.get(b).copied().flatten() {
                Some(o) if o <= cap => None,
                o => Some((
                    o.map_or(
                        "a pace with no bound on its refreshes outstanding".into(),
                        |o| format!("a pace with up to {o} refreshes outstanding"),
                    ),
                    format!("strategy.outstanding = {{ {name} = {cap} }}"),
                )),
            },
            _ => None,
        }
    }
}

/// The bank's penalty box's length, if it has one.
fn penalty(bank: &Bank) -> Option<crate::time::SimDuration> {
    bank.limits.iter().find_map(|l| match l.unscoped() {
        Limit::PenaltyBox(p) => Some(p.longest_wait()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use crate::scenario;

    fn noted(strategy: &str, limits: &str) -> Vec<String> {
        let text = format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 10\n[strategy]\n\
             {strategy}\n[[banks]]\nname = \"bs\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\nlimits = [{limits}]\n"
        );
        scenario::parse(&text, "inline", "t", &[])
            .unwrap()
            .past_boxed_caps()
    }

    /// Pools, AIMD's slots and paces past a cap are said where a penalty box stands behind
    /// it, not where the client keeps within the cap or no box does.
    #[test]
    fn clients_past_a_boxed_cap_are_noted() {
        let cap = r#"{ kind = "concurrency", max_in_flight = 2 }"#;
        let boxed = format!(r#"{cap}, {{ kind = "penalty_box", duration = "60s" }}"#);
        let pools = |n: u32| format!("kind = \"per_bank\"\nconcurrency = {n}");
        let n = noted(&pools(8), &boxed);
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(
            n[0].starts_with(
                "bs: a pool of 8 slots, past its concurrency cap of 2, behind a penalty box of 1m"
            ) && n[0].ends_with("(strategy.pools = { bs = 2 } keeps within it)"),
            "{n:?}"
        );
        assert!(noted(&pools(2), &boxed).is_empty());
        assert!(noted(&pools(8), cap).is_empty());
        let aimd = noted("kind = \"aimd\"", &boxed);
        assert!(
            aimd[0].starts_with("bs: aimd's slots, which grow to"),
            "{aimd:?}"
        );
        let paced = noted("kind = \"paced\"", &boxed);
        assert!(paced[0].contains("a pace with no bound"), "{paced:?}");
        let within = "kind = \"paced\"\noutstanding = { bs = 2 }";
        assert!(noted(within, &boxed).is_empty());
    }
}
