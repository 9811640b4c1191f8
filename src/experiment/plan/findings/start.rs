//! The window's start in a plan's figures: a simulation starts with no data behind any
//! connection, which no running client has, so where the recommendation's pass does not come
//! round within the warm-up its data ages count the start's empty connections (a trial's plan
//! at 600,000 gave 46.5 h at app open and ages that "never" arrive, with nothing said of the
//! warm-up, where `run` said a warm-up of 3 days leaves none). `run`'s note says which it is.

use super::super::{Figure, Plan};
use crate::metrics::cover_days;
use crate::output::never::{never_refreshed_phrase, NeverPart, NeverRun, NEVER_NOTED};
use crate::scenario::Scenario;
use crate::stats::Estimate;
use crate::strategy::{Order, Strategy};

/// What the window's start does to the recommendation's ages: `run`'s note where there is
/// time with no data to note, else a caveat on a window with no warm-up.
pub(super) fn start_finding(p: &Plan, sc: &Scenario) -> Option<String> {
    never_finding(p, sc).or_else(|| {
        sc.warmup.is_zero().then(|| {
            "the scenario's window starts empty, with no warm-up: its data ages count \
             connections not yet refreshed since the start (window.warmup = \"1d\" on a longer \
             window measures a steady state)"
                .to_string()
        })
    })
}

/// `run`'s note on the connection-time with no data, of the recommendation's figures (its
/// means over the replications), where there is enough of it to note.
fn never_finding(p: &Plan, sc: &Scenario) -> Option<String> {
    let r = &p.recommendation;
    let never = r.figures.mean(Figure::NeverShare);
    // (NaN, nothing measured, says nothing.) With a period shorter than a day the plan's
    // coverage is each period's, where the note's pass is counted in days by a day's (a
    // review: a 12-hour queue at half of each period read a pass of 2 days, not 1): unsaid.
    if never.is_nan() || never <= NEVER_NOTED || sc.schedule.is_short() {
        return None;
    }
    let parts: Vec<NeverPart> = (sc.banks.iter().zip(&r.figures.banks))
        .map(|(b, f)| part(&b.name, f64::from(p.users) * b.share, f, sc))
        .collect();
    // Every client but bulk and random offsets keeps its due connections in a queue.
    let queue = !matches!(r.strategy, Strategy::Bulk | Strategy::RandomOffset);
    let days = [Figure::NeverShareFirstDay, Figure::NeverShareLastDay]
        .map(|f| r.figures.mean(f))
        .into_iter()
        .filter(|x| x.is_finite())
        .collect();
    let run = NeverRun {
        window_days: sc.window.as_secs_f64() / 86_400.0,
        warmup_days: sc.warmup.as_secs_f64() / 86_400.0,
        in_turn: queue && sc.schedule.order == Order::Fifo,
        queue,
        days,
    };
    let whole = part("all", 0.0, &r.figures.all, sc);
    let phrase = never_refreshed_phrase(never, &whole, &parts, &run);
    Some(format!("the recommendation's data ages: {phrase}"))
}

/// A bank's part (or the whole's, `all`) from its figures' means.
fn part<'a>(bank: &'a str, connections: f64, f: &[Estimate], sc: &Scenario) -> NeverPart<'a> {
    let mean = |x: Figure| f[x as usize].mean;
    NeverPart {
        bank,
        connections,
        never: mean(Figure::NeverShare).max(0.0),
        coverage: mean(Figure::Coverage),
        background: Some(mean(Figure::BackgroundCoverage)).filter(|b| b.is_finite()),
        cover_days: cover_days(sc.schedule.period) as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{all_met, made_up_plan, setting, targets};
    use super::*;

    /// A queue over two banks, `a` covered 90 % a day and `b` 30 %, whose time with no data
    /// is `days`' on the first and last measured days.
    fn plan(never: f64, days: [f64; 2]) -> Plan {
        let mut e = setting("queue", 20.0, 1_000.0, all_met());
        let set = |f: &mut [Estimate; super::super::super::figures::N], x: Figure, v: f64| {
            f[x as usize] = Estimate::of(&[v, v]).unwrap();
        };
        let mut banks = [e.figures.all; 2];
        for (b, (cov, nev)) in banks
            .iter_mut()
            .zip([(0.9, never / 4.0), (0.3, never * 1.75)])
        {
            set(b, Figure::Coverage, cov);
            set(b, Figure::BackgroundCoverage, cov);
            set(b, Figure::NeverShare, nev);
        }
        e.figures.banks = banks.to_vec();
        let all = &mut e.figures.all;
        set(all, Figure::Coverage, 0.6);
        set(all, Figure::BackgroundCoverage, 0.6);
        set(all, Figure::NeverShare, never);
        set(all, Figure::NeverShareFirstDay, days[0]);
        set(all, Figure::NeverShareLastDay, days[1]);
        made_up_plan(targets(), e.clone(), vec![e])
    }

    fn scenario() -> Scenario {
        let text = "[window]\nlength = \"4d\"\nwarmup = \"1d\"\n[population]\nconnections = 1000\n\
                    [strategy]\nkind = \"queued\"\nconcurrency = 2\n\
                    [[banks]]\nname = \"a\"\nshare = 0.5\npreset = \"fixed-window\"\n\
                    [[banks]]\nname = \"b\"\nshare = 0.5\npreset = \"fixed-window\"\n";
        crate::scenario::parse(text, "inline", "t", &[]).unwrap()
    }

    /// Time with no data that shrinks day by day, where the slowest bank's pass outlasts the
    /// warm-up, is the start's: the warm-up that leaves none is named, from that bank's pass.
    #[test]
    fn a_pass_longer_than_the_warm_up_is_the_starts() {
        let f = never_finding(&plan(0.2, [0.3, 0.1]), &scenario()).unwrap();
        assert!(
            f.starts_with("the recommendation's data ages: 20.00 % of the connection-time"),
            "{f}"
        );
        assert!(
            f.contains("about 2 days over the whole book and about 3 days at b"),
            "{f}"
        );
        assert!(f.contains("mostly the start's artefact"), "{f}");
        assert!(
            f.contains("a window.warmup of 4 days or more (and a window.length of 5 days"),
            "{f}"
        );
    }

    /// Time with no data that does not shrink is the client's own, whatever the pass; none
    /// to speak of, nothing said.
    #[test]
    fn time_without_data_that_persists_is_the_clients() {
        let f = never_finding(&plan(0.2, [0.2, 0.19]), &scenario()).unwrap();
        assert!(
            f.contains("so it is the client's own, not the start's"),
            "{f}"
        );
        assert!(
            f.contains("do not come round to every connection in a pass"),
            "{f}"
        );
        assert_eq!(
            never_finding(&plan(0.0005, [0.001, 0.0]), &scenario()),
            None
        );
    }
}
