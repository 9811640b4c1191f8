//! The bound at each bank (`--max-bank-failure-rate`): where the recommendation passes it,
//! at which banks, and whether any searched setting keeps every bank within it.

use super::super::{Evaluation, Plan};
use crate::output::text::pct;

/// The recommendation's failures pass the bound at some bank: which banks, by how much, and
/// where no setting searched keeps every bank within it, the fewest any had at its worst
/// bank (the setting that does and covers most is among the alternatives).
pub fn bank_failure_finding(p: &Plan) -> Option<String> {
    let t = &p.targets;
    let r = &p.recommendation;
    let bound = t.max_bank_failure_rate?;
    if r.met.bank_failure_rate {
        return None;
    }
    let failing = t.scope.figure() as usize;
    let past: Vec<String> = (p.ceilings.iter().zip(&r.figures.banks))
        .filter(|(_, b)| b[failing].mean > bound)
        .map(|(c, b)| format!("{} ({})", c.name, pct(b[failing].mean)))
        .collect();
    let worst = |e: &&Evaluation| t.worst_bank_rate(&e.figures);
    let least = (p.candidates.iter()).min_by(|a, b| worst(a).total_cmp(&worst(b)));
    let rest = match least {
        Some(least) if !least.met.bank_failure_rate => format!(
            "; no searched setting keeps every bank within it: the least any had at its worst \
             bank is {} ({})",
            pct(worst(&least)),
            least.label
        ),
        _ => String::new(),
    };
    Some(format!(
        "the choice's {} at {} pass the {} bound at each bank{rest}",
        t.scope.column(),
        past.join(", "),
        pct(bound)
    ))
}

#[cfg(test)]
mod tests {
    use super::super::banks::tests::ceiling;
    use super::super::tests::{all_met, made_up_plan, setting, targets};
    use super::super::{alternatives::alternatives, borderline};
    use super::*;
    use crate::experiment::plan::{Figure, Met};
    use crate::stats::Estimate;

    /// A setting covering `coverage` whose own 429s are `banks`' at each of two banks (the
    /// whole's their mean), judged against a bound of 2 % at each bank.
    fn at_banks(label: &str, coverage: f64, banks: [f64; 2]) -> Evaluation {
        let mut t = targets();
        t.max_failure_rate = 0.05;
        t.max_bank_failure_rate = Some(0.02);
        let mut e = setting(label, 20.0, 1_000.0, all_met());
        let est = |x: f64| Estimate::of(&[x, x]).unwrap();
        e.figures.all[Figure::Coverage as usize] = est(coverage);
        e.figures.all[Figure::ClientFailureRate as usize] = est((banks[0] + banks[1]) / 2.0);
        e.figures.banks = (banks.iter())
            .map(|&x| {
                let mut b = e.figures.all;
                b[Figure::ClientFailureRate as usize] = est(x);
                b
            })
            .collect();
        e.met = Met {
            coverage: coverage >= t.coverage,
            ..t.met(&e.figures)
        };
        e
    }

    /// The choice past the bound at one bank is told with that bank alone; the setting
    /// within both bounds is the alternative named; with none within, the least any had at
    /// its worst bank.
    #[test]
    fn a_bank_past_its_bound_is_named() {
        let chosen = at_banks("pools", 0.99, [0.0, 0.0339]);
        let mut within = at_banks("pace", 0.95, [0.0, 0.01]);
        within.strategy = crate::strategy::Strategy::RandomOffset;
        let mut t = targets();
        (t.max_failure_rate, t.max_bank_failure_rate) = (0.05, Some(0.02));
        let mut p = made_up_plan(t, chosen.clone(), vec![chosen.clone(), within]);
        p.ceilings = vec![ceiling("big", 1e5), ceiling("building-soc", 1e3)];
        let f = bank_failure_finding(&p).unwrap();
        assert_eq!(
            f,
            "the choice's own 429s at building-soc (3.39 %) pass the 2.00 % bound at each bank"
        );
        let alt = alternatives(&p);
        assert!(
            alt.iter().any(|a| a
                == "within the failure bounds (in all and at each bank), \
                the most coverage is 95.00 % (pace)"),
            "{alt:?}"
        );
        p.candidates = vec![chosen.clone(), at_banks("queue", 0.5, [0.025, 0.0])];
        let f = bank_failure_finding(&p).unwrap();
        assert!(
            f.ends_with(
                "no searched setting keeps every bank within it: the least any had \
                at its worst bank is 2.50 % (queue)"
            ),
            "{f}"
        );
        // Met, nothing said; a bank near it on one run's interval is borderline.
        p.recommendation = within_of(&p, [0.0, 0.019]);
        p.targets_met = true;
        assert_eq!(bank_failure_finding(&p), None);
        let b = borderline(&p).unwrap();
        assert!(
            b.contains("failures at building-soc 1.90 % ± ") && !b.contains("big"),
            "{b}"
        );
    }

    /// A setting within both bounds with these banks' 429s, its interval wide enough for one
    /// run to pass 2 %.
    fn within_of(p: &Plan, banks: [f64; 2]) -> Evaluation {
        let mut e = at_banks("pace", 0.995, banks);
        e.figures.banks[1][Figure::ClientFailureRate as usize] =
            Estimate::of(&[banks[1] - 0.002, banks[1] + 0.002]).unwrap();
        e.met = p.targets.met(&e.figures);
        e.met.coverage = true;
        e
    }
}
