//! The findings about the customers' own requests: a volume that stays put when the plan
//! changes the users, and what they spend of the banks' limits.

use super::super::{FailureScope, Figure, Plan};
use crate::fit::bank_file::sig;
use crate::output::text::{pct, thousands};
use crate::scenario::Scenario;

/// Customers' requests given as an absolute `per_day` stay that volume at `--users`, so a
/// plan for another size changes each customer's rate silently (a trial's 60,000 requests a
/// day were a fifth of its users at 300,000 and three fifths at 100,000).
pub fn fixed_demand_finding(base: &Scenario, sc: &Scenario) -> Option<String> {
    let d = base.on_demand.as_ref()?;
    if d.per_connection.is_some() || d.per_day <= 0.0 || base.connections == sc.connections {
        return None;
    }
    let per = |n: u32| d.per_day / n.max(1) as f64;
    Some(format!(
        "customers' requests are the scenario's {} a day (on_demand.per_day, a volume) at {} \
         users as at its {}: {} a user a day here against {} there; with on_demand.per_connection \
         = {} instead, they scale with the users",
        thousands(d.per_day),
        thousands(sc.connections as f64),
        thousands(base.connections as f64),
        sig(per(sc.connections), 3),
        sig(per(base.connections), 3),
        sig(per(base.connections), 3),
    ))
}

/// The default bound counts the customers' calls with the background's: rarely refused, they
/// can bring a background that fails more than the bound under it (a trial's background
/// failed 1.22 % under a 1 % bound its client kept at 0.87 %). Said, with the flag that
/// bounds the background alone.
pub(super) fn diluted_finding(p: &Plan) -> Option<String> {
    let r = &p.recommendation;
    let t = &p.targets;
    let (own, background) = (
        r.figures.mean(Figure::ClientFailureRate),
        r.figures.mean(Figure::BackgroundFailureRate),
    );
    let kept = t.scope == FailureScope::Client && own <= t.max_failure_rate;
    (kept && background > t.max_failure_rate).then(|| {
        format!(
            "the client's own 429s, {}, keep the {} bound with its customers' calls counted in: \
             its background refreshes alone fail {} of their attempts (--failure-scope \
             background bounds them alone)",
            pct(own),
            pct(t.max_failure_rate),
            pct(background)
        )
    })
}

/// Customers' requests spend the same limits as the background (unless those count only
/// unattended calls): at a bank where they would take a tenth or more of what it serves in a
/// day, say how much, and what serving them in full leaves. Requests fall uniformly on the
/// connections whose customers ask (`demand.rs`), so a bank's share of them is its share of
/// the connections, and `c` requests over `n` connections fetch about `a n (1 − e^{−c/(a n)})`
/// distinct ones for an active share `a`: repeats spend calls that cover nothing new. Not a
/// ceiling: a rejected call spends no token, so a client that crowds its customers out (its
/// 429s falling on them) covers more, at their expense. (A trial's customers would have
/// sent a bank 108,000 calls a day against its bucket's 128,832, and the plan did not say.)
pub(super) fn customers_share_finding(p: &Plan, sc: &Scenario) -> Option<String> {
    let d = sc.on_demand.as_ref()?.for_connections(sc.connections);
    let per_day = d.per_day;
    // A nightly client's ceilings are the band's: the customers' calls in it spend them.
    let band = sc.schedule.band_micros().zip(p.band.as_ref());
    let in_band = band.map_or(per_day, |(b, _)| {
        d.rate_within(b) * (b.1 - b.0) as f64 / 1e6
    });
    let parts: Vec<String> = p
        .ceilings
        .iter()
        .zip(&sc.banks)
        // Not where the limits count unattended calls only (the CDR's thresholds).
        .filter(|(_, bank)| bank.customers_spend_limits())
        .map(|(b, _)| b)
        .filter(|b| b.per_day.is_finite() && b.per_day > 0.0 && b.connections > 0.0)
        .filter_map(|b| {
            let (calls, spent) = (b.share * per_day, b.share * in_band);
            let taken = spent / b.per_day;
            if taken < 0.1 {
                return None;
            }
            let fetched = d.fetched(calls, b.connections);
            let within = band.map_or(String::new(), |(_, label)| {
                format!(", {} of them within {label}", thousands(spent))
            });
            let head = format!(
                "at {}, about {} calls a day{within}, {} of the {} it serves{}, fetching about {} \
                 distinct connections",
                b.name,
                thousands(calls),
                pct(taken),
                thousands(b.per_day),
                if band.is_some() { " there" } else { "" },
                thousands(fetched)
            );
            Some(match taken >= 1.0 {
                true => format!("{head}: served in full they would leave the background nothing"),
                false => {
                    let left = b.per_day - spent;
                    let with = ((left + fetched) / b.needed_per_day()).min(1.0);
                    format!(
                        "{head}: served in full they leave the background about {} a day{}",
                        thousands(left),
                        match b.cover_days <= 1.0 {
                            true => format!(" and the bank's coverage near {}", pct(with)),
                            false => String::new(),
                        }
                    )
                }
            })
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "customers' requests spend the banks' limits too: {}; a client that takes more \
             leaves its customers the 429s",
            parts.join("; ")
        )
    })
}

/// The choice leans on the customers' own fetches: where they give a tenth or more of its
/// coverage and every customer is taken to open the app (`on_demand.active_share` = 1, the
/// default), say how much, for a population whose dormant customers' connections rely on
/// the background alone (a CDR trial's background covered 49.78 % of a 99.33 % plan).
pub(super) fn reliance_finding(p: &Plan, sc: &Scenario) -> Option<String> {
    let d = sc.on_demand.as_ref()?;
    let f = &p.recommendation.figures;
    let (all, own) = (f.mean(Figure::Coverage), f.mean(Figure::BackgroundCoverage));
    (d.active_share >= 1.0 && own.is_finite() && all - own >= 0.10).then(|| {
        format!(
            "the customers' own fetches give {:.2} points of the choice's coverage (its background alone \
             covers {}), with every customer taken to open the app: where many never do, \
             their connections rely on the background; say how many do \
             (on_demand.active_share), or size the background alone with \
             --set on_demand.per_connection=0",
            100.0 * (all - own),
            pct(own)
        )
    })
}

/// Customers' calls at one bank failing far more than the whole says: the bank where they
/// fail most, where a tenth or more do (a trial's memo gave its customers' 7.14 % in all,
/// where 43 % failed at the bank whose cap the background filled). Where they call
/// directly, the priority lane is named too ([`lane_lever`]):
/// a lender's trial kept its customers' calls at the 5xx floor with it, at more coverage
/// than the memo's smaller pools would leave.
pub(super) fn worst_customers_finding(p: &Plan, sc: &Scenario) -> Option<String> {
    let r = &p.recommendation;
    let (b, worst) = r
        .figures
        .banks
        .iter()
        .map(|f| f[Figure::CustomerFailureRate as usize].mean)
        .enumerate()
        .filter(|(b, x)| x.is_finite() && *b < p.ceilings.len())
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let whole = r.figures.mean(Figure::CustomerFailureRate);
    let lane = super::lane::lane_lever(p, sc);
    (worst >= 0.10 && worst > 1.5 * whole).then(|| {
        format!(
            "at {}, {} of the {} are refused (429s; {} over every bank): they share its \
             limits with the background, and a smaller pool or pace at that bank (per_bank, \
             paced) leaves them more room, for less coverage{lane}",
            p.ceilings[b].name,
            pct(worst),
            p.customer_calls,
            pct(whole),
        )
    })
}

/// A choice covering a bank past its ceiling, where the customers' own fetches count: the
/// ceiling takes them as falling on connections independently of the background's, where a
/// client whose pass skips the connections refreshed since its period began (a queue, a
/// pace) leaves those to the customers and covers more, up to the policies' bound (a trial's
/// plan covered a CDR bank 99.57 % against a ceiling of 93.65 %, unsaid). Said at the bank
/// past its ceiling by the most, half a point or more.
pub(super) fn past_ceiling_finding(p: &Plan) -> Option<String> {
    let r = &p.recommendation;
    let bank = |b: usize, f: Figure| r.figures.banks.get(b).map(|x| x[f as usize].mean);
    let (b, over) = (past_ceiling(p).into_iter()).max_by(|a, b| a.1.total_cmp(&b.1))?;
    let c = &p.ceilings[b];
    let own = bank(b, Figure::BackgroundCoverage)
        .filter(|x| x.is_finite())
        .map_or(String::new(), |x| {
            format!("; its background refreshes alone cover {} there", pct(x))
        });
    Some(format!(
        "the choice covers {} {}, past its ceiling of {} (what each bank can serve): the ceiling takes \
         the customers' own fetches as falling on connections independently of the background, \
         where a pass that skips the connections refreshed since its period began leaves those \
         to the customers and covers more, up to {} by the policies' arithmetic with the \
         fetches added whole{own}",
        c.name,
        pct(c.coverage() + over),
        pct(c.coverage()),
        pct(c.bound_coverage()),
    ))
}

/// The banks the recommendation covers past their ceiling by half a point or more, for their
/// customers' own fetches (see [`past_ceiling_finding`]), and by how much; in the scenario's
/// order. The memo's table of ceilings points to the finding from them.
pub fn past_ceiling(p: &Plan) -> Vec<(usize, f64)> {
    let r = &p.recommendation;
    let covered = |b: usize| (r.figures.banks.get(b)).map(|x| x[Figure::Coverage as usize].mean);
    // Fetches worth a hundredth of the bank's connections, and a coverage the bound with
    // them holds (past it, or without them, the fetches explain nothing: a review).
    (p.ceilings.iter().enumerate())
        .filter(|(_, c)| c.fetched >= 0.01 * c.connections)
        .filter_map(|(b, c)| Some((b, c, covered(b)?)))
        .filter(|(_, c, x)| *x <= c.bound_coverage() + 0.005)
        .map(|(b, c, x)| (b, x - c.coverage()))
        .filter(|(_, over)| *over >= 0.005)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{all_met, made_up_plan, setting, targets};
    use super::*;
    use crate::bank::Capacity;
    use crate::experiment::plan::ceiling::{BankCeiling, Method};
    use crate::stats::Estimate;

    /// A bank covered past its ceiling, with the customers' fetches counted, is named with
    /// the bound and its background's own; not within half a point of it, nor where the
    /// customers' fetches add nothing to the ceiling.
    #[test]
    fn a_bank_covered_past_its_ceiling_is_explained() {
        let plan = |coverage: f64, fetched: f64| {
            let mut r = setting("paced", 20.0, 1_000.0, all_met());
            let est = |x: f64| Estimate::of(&[x, x]).unwrap();
            let mut bank = r.figures.all;
            bank[Figure::Coverage as usize] = est(coverage);
            bank[Figure::BackgroundCoverage as usize] = est(0.9004);
            r.figures.banks = vec![bank];
            let mut p = made_up_plan(targets(), r.clone(), vec![r]);
            p.ceilings = vec![BankCeiling {
                name: "cba".into(),
                share: 1.0,
                connections: 192_000.0,
                capacity: Capacity {
                    bounds: Vec::new(),
                    calls: 174_629.0,
                    refreshes: 174_629.0,
                    binding: None,
                    exact: false,
                },
                per_day: 172_723.0,
                method: Method::Simulation,
                cover_days: 1.0,
                fetched,
                calls_per_refresh: 8,
                within_cap: None,
                quota: None,
            }];
            p
        };
        let p = plan(0.9957, 70_000.0);
        let ceiling = pct(p.ceilings[0].coverage());
        let f = past_ceiling_finding(&p).unwrap();
        assert!(
            f.starts_with(&format!(
                "the choice covers cba 99.57 %, past its ceiling of {ceiling}"
            )) && f.contains("up to 100.00 % by the policies' arithmetic")
                && f.contains("(what each bank can serve)")
                && f.ends_with("its background refreshes alone cover 90.04 % there"),
            "{f}"
        );
        // The memo's table of ceilings points to it (a trial read the ceiling there and the
        // reason in one finding further up).
        let memo = p.human();
        assert!(
            memo.contains(&format!(
                "  cba: the recommendation covers 99.57 %, past this ceiling of {ceiling}: the \
                 ceiling takes its customers' own fetches as falling independently"
            )),
            "{memo}"
        );
        let within = p.ceilings[0].coverage() + 0.004;
        assert_eq!(past_ceiling(&plan(within, 70_000.0)), Vec::new());
        assert_eq!(past_ceiling_finding(&plan(within, 70_000.0)), None);
        assert_eq!(past_ceiling_finding(&plan(0.9957, 0.0)), None);
    }

    /// A plan whose customers' calls are refused 5 % in all, 1 % at bank a and `at_b` at b.
    fn refused_at_b(at_b: f64) -> Plan {
        let mut r = setting("q", 20.0, 1_000.0, all_met());
        let est = |x: f64| Estimate::of(&[x, x]).unwrap();
        r.figures.all[Figure::CustomerFailureRate as usize] = est(0.05);
        let mut a = r.figures.all;
        a[Figure::CustomerFailureRate as usize] = est(0.01);
        let mut b = a;
        b[Figure::CustomerFailureRate as usize] = est(at_b);
        r.figures.banks = vec![a, b];
        let mut p = made_up_plan(targets(), r.clone(), vec![r]);
        let ceiling = super::super::banks::tests::ceiling;
        p.ceilings = vec![ceiling("a", 1_000.0), ceiling("b", 1_000.0)];
        p
    }

    /// Two banks whose customers call as `lane` says; a queue with `hours` (random offsets
    /// for `random`).
    fn two_banks(lane: &str, hours: &str) -> Scenario {
        let kind = match hours {
            "random" => "random_offset\"\n",
            _ => "queued\"\nconcurrency = 4\n",
        };
        let hours = hours.trim_start_matches("random");
        let text = format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n[strategy]\nkind = \"{kind}\
             {hours}[on_demand]\nper_connection = 0.1\nlane = \"{lane}\"\n\
             [[banks]]\nname = \"a\"\nshare = 0.5\nservice_time = {time}\n\
             [[banks]]\nname = \"b\"\nshare = 0.5\nservice_time = {time}\n",
            time = "{ dist = \"constant\", value = \"1s\" }"
        );
        crate::scenario::parse(&text, "inline", "t", &[]).unwrap()
    }

    /// Customers refused at one bank far more than in all are named with the bank's levers,
    /// the priority lane where they call directly: the bound
    /// that has the plan try it, the same setting with it where the plan tried it, or how to
    /// weigh it where the bound was kept over every bank; not where fewer than a tenth are
    /// refused there.
    #[test]
    fn customers_refused_at_one_bank_are_told_the_lane() {
        let (plan, scenario) = (refused_at_b, two_banks);
        let f = worst_customers_finding(&plan(0.40), &scenario("direct", "")).unwrap();
        assert!(
            f.starts_with("at b, 40.00 % of the customers' calls are refused (429s; 5.00 % over")
                && f.contains("; or bound their 429s (--max-customer-failure-rate), with which")
                && f.contains("or plan again with --set on_demand.lane=priority"),
            "{f}"
        );
        // A client without slots: the scenario's edit, the --set being refused for it.
        let f = worst_customers_finding(&plan(0.40), &scenario("direct", "random")).unwrap();
        assert!(
            f.contains("or give the scenario a client with slots")
                && !f.contains("--set on_demand.lane"),
            "{f}"
        );
        // A nightly client's slots serve the lane all day: the lane is named there too.
        let banded = scenario("direct", "hours = [\"00:00\", \"06:00\"]\n");
        let f = worst_customers_finding(&plan(0.40), &banded).unwrap();
        assert!(
            f.contains("plan again with --set on_demand.lane=priority"),
            "{f}"
        );
        assert_eq!(
            worst_customers_finding(&plan(0.09), &scenario("direct", "")),
            None
        );
    }

    /// Bounded, the lane is told as the plan weighed it: the recommendation's own setting
    /// with it where tried, how to weigh it where the bound was kept over every bank, and
    /// nothing of it where the recommendation takes it.
    #[test]
    fn a_bounded_plan_tells_the_lane_it_tried() {
        let scenario = two_banks;
        let mut bounded = refused_at_b(0.40);
        bounded.targets.max_customer_failure_rate = Some(0.06);
        let f = worst_customers_finding(&bounded, &scenario("direct", "")).unwrap();
        assert!(
            f.contains("only where it passes the customers' bound over every bank (6.00 %)")
                && f.contains("to weigh it here, plan again with --set on_demand.lane=priority"),
            "{f}"
        );
        let mut laned = bounded.recommendation.clone();
        laned.conduct.lane = true;
        laned.figures.all[Figure::CustomerFailureRate as usize] =
            Estimate::of(&[0.002; 2]).unwrap();
        bounded.candidates.push(laned.clone());
        let f = worst_customers_finding(&bounded, &scenario("direct", "")).unwrap();
        assert!(
            f.ends_with(
                "; the same setting with the priority lane (their calls through the client's \
                 slots ahead of the background) is among the settings searched, their 429s \
                 0.20 % over every bank there"
            ),
            "{f}"
        );
        // Past the bound without slots: the lane's best trial on the kinds with them.
        let mut paced = bounded.clone();
        paced.recommendation.strategy = crate::strategy::Strategy::RandomOffset;
        paced.recommendation.met.customer_failure_rate = false;
        let f = worst_customers_finding(&paced, &scenario("direct", "")).unwrap();
        assert!(
            f.ends_with("needs slots, which this setting has not: tried on the kinds with slots, the fewest refused with it over every bank was 0.20 % (q)"),
            "{f}"
        );
        // Past the bound with slots, the lane not tried on it: how to weigh it.
        paced.candidates.pop();
        paced.recommendation.strategy = crate::strategy::Strategy::Queued { concurrency: 3 };
        let f = worst_customers_finding(&paced, &scenario("direct", "")).unwrap();
        assert!(f.contains("; to weigh the priority lane (their calls through the client's slots ahead of the background) for this setting, plan again"), "{f}");
        // Chosen with the lane: nothing more to say of it.
        bounded.recommendation = laned;
        let f = worst_customers_finding(&bounded, &scenario("direct", "")).unwrap();
        assert!(!f.contains("lane"), "{f}");
        let f = worst_customers_finding(&refused_at_b(0.40), &scenario("priority", "")).unwrap();
        assert!(!f.contains("plan again"), "{f}");
    }
}
