//! The findings' sentences on made-up plans and scenarios.
use super::*;
use super::{fitted::fitted_finding, floor::floor_finding};
use crate::experiment::plan::{Figures, Met, Targets};
use crate::stats::Estimate;
use crate::strategy::Strategy;

/// A setting with this data age and these API calls, meeting the targets `met` says.
pub(super) fn setting(label: &str, age: f64, calls: f64, met: Met) -> Evaluation {
    let value = |f: Figure| match f {
        Figure::StalenessP95Hours => age,
        Figure::ApiCallsPerDay => calls,
        Figure::NeverShare | Figure::NeverShareFirstDay | Figure::NeverShareLastDay => 0.0,
        _ => 0.5,
    };
    Evaluation {
        strategy: Strategy::Queued { concurrency: 8 },
        conduct: Default::default(),
        label: label.into(),
        replications: 2,
        figures: Figures {
            all: Figure::ALL.map(|f| Estimate::of(&[value(f), value(f)]).unwrap()),
            banks: Vec::new(),
        },
        met,
    }
}

/// Every target met.
pub(super) fn all_met() -> Met {
    Met {
        coverage: true,
        bank_coverage: true,
        failure_rate: true,
        bank_failure_rate: true,
        staleness: true,
        at_open: true,
        api_calls: true,
        customer_failure_rate: true,
        customer_wait: true,
    }
}

/// The targets of the made-up plans: 99 % coverage, the client's 429s within 1 %.
pub(super) fn targets() -> Targets {
    Targets::only(0.99, 0.01)
}

/// A plan of 1,000 users with these targets, choice and settings searched, its banks unbounded.
pub(super) fn made_up_plan(
    targets: Targets,
    chosen: Evaluation,
    candidates: Vec<Evaluation>,
) -> Plan {
    Plan {
        scenario: "s".into(),
        users: 1000,
        grown: None,
        targets,
        replications: 2,
        screening: 2,
        seed: 1,
        ceilings: Vec::new(),
        band: None,
        timing: String::new(),
        coverage_ceiling: 1.0,
        coverage_bound: 1.0,
        age_horizon_hours: 192.0,
        customer_calls: "customers' calls",
        targets_met: chosen.met.all(),
        current: chosen.clone(),
        stalest: None,
        recommendation: chosen,
        candidates,
        findings: Vec::new(),
    }
}

/// A growing population is named, with how far its last day is above the average; a
/// shrinking or steady one is not.
#[test]
fn growth_is_named() {
    let text = |joins: f64| {
        format!(
            "[window]\nlength = \"14d\"\nwarmup = \"1d\"\n[population]\nconnections = 1000\n\
             join_share = {joins}\nconsent_expiry_share = 0.011\n[strategy]\nkind = \"bulk\"\n\
             [[banks]]\nname = \"b\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        )
    };
    let parse = |j| crate::scenario::parse(&text(j), "inline", "t", &[]).unwrap();
    let met = all_met();
    let queued = made_up_plan(targets(), setting("q", 1.0, 1.0, met), Vec::new());
    let g = growth_finding(&queued, &parse(0.03)).unwrap();
    assert!(
        g.contains("grows") && g.contains("more connections due") && !g.contains("scale"),
        "{g}"
    );
    assert_eq!(growth_finding(&queued, &parse(0.0)), None);
    assert_eq!(
        growth_finding(&queued, &parse(0.011)),
        None,
        "about steady over 14 days"
    );
    // A pace in refreshes a second does not grow with the book: said.
    let mut paced = queued.clone();
    paced.recommendation.strategy = Strategy::Paced {
        rate: Some(2.0),
        per_bank: false,
        rates: Vec::new(),
        outstanding: Vec::new(),
        profiles: Default::default(),
    };
    let g = growth_finding(&paced, &parse(0.03)).unwrap();
    assert!(g.contains("not a share of the book: scale them"), "{g}");
    // Growth a short window hides (2 % a week over four days) is named for fixed paces
    // alone; a book growing under 1 % a week is not.
    let slow = crate::scenario::parse(
        "[window]\nlength = \"4d\"\nwarmup = \"1d\"\n[population]\nconnections = 1000\n\
         growth_per_week = 0.02\n[strategy]\nkind = \"bulk\"\n\
         [[banks]]\nname = \"b\"\nshare = 1.0\n\
         service_time = { dist = \"constant\", value = \"1s\" }\n",
        "inline",
        "t",
        &[],
    )
    .unwrap();
    assert_eq!(growth_finding(&queued, &slow), None);
    let g = growth_finding(&paced, &slow).unwrap();
    assert!(
        g.contains("they cover less as it grows") && g.contains("--at-week"),
        "{g}"
    );
    assert_eq!(growth_finding(&paced, &parse(0.011)), None, "0.6 % a week");
}

/// A fitted scenario is named, with what it leaves out and its banks without a limit.
#[test]
fn a_fitted_scenario_says_what_it_leaves_out() {
    let text = |description: &str| {
        format!(
            "description = \"{description}\"\n[window]\nlength = \"1d\"\n\
             [population]\nconnections = 10\n[strategy]\nkind = \"bulk\"\n\
             [[banks]]\nname = \"albion\"\nshare = 0.5\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
             [[banks]]\nname = \"thames\"\nshare = 0.5\n\
             limits = [{{ kind = \"concurrency\", max_in_flight = 3 }}]\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        )
    };
    let parse = |d: &str| crate::scenario::parse(&text(d), "inline", "t", &[]).unwrap();
    let fitted = parse("Banks fitted from prod.csv. not fitted, left at defaults: on-demand (12)");
    let f = fitted_finding(&fitted).unwrap();
    assert!(
        f.contains("prod.csv") && f.contains("on-demand (12)"),
        "{f}"
    );
    assert!(
        f.contains("albion has no limit") && !f.contains("thames"),
        "{f}"
    );
    assert_eq!(fitted_finding(&parse("UK-like banks")), None);
}

/// "No searched setting" is said only when none does; otherwise the finding names the
/// setting that meets the target and says it misses another (a user found the memo
/// contradicting its own table).
#[test]
fn a_finding_says_no_setting_only_when_none_does() {
    let missed = Met {
        staleness: false,
        api_calls: false,
        ..all_met()
    };
    let aged = Met {
        coverage: false,
        ..all_met()
    };
    let chosen = setting("queued, concurrency 8", 25.1, 1_200_000.0, missed);
    let others = [
        chosen.clone(),
        setting("paced, 4.6/s", 23.9, 950_000.0, aged),
        setting("paced, 5.0/s", 23.5, 880_000.0, aged),
    ];
    let s = staleness_finding(&chosen, &others, 24.0, (false, 24.0), 192.0);
    assert!(!s.starts_with("no searched setting"), "{s}");
    assert!(s.contains("23.5") && s.contains("paced, 5.0/s"), "{s}");
    let a = api_calls_finding(&chosen, &others, 1_000_000.0);
    assert!(!a.starts_with("no searched setting"), "{a}");
    assert!(a.contains("880,000") && a.contains("paced, 5.0/s"), "{a}");
    // None meets them: the old sentences, with the least seen.
    let alone = [
        chosen.clone(),
        setting("paced, 4.6/s", 24.5, 1_100_000.0, missed),
    ];
    let s = staleness_finding(&chosen, &alone, 24.0, (false, 24.0), 192.0);
    assert!(
        s.starts_with("no searched setting") && s.contains("24.5"),
        "{s}"
    );
    // Under 20 h the period is the lever; in a band (a daily period), a looping queue.
    let s = staleness_finding(&chosen, &alone, 20.0, (false, 24.0), 192.0);
    assert!(s.contains("a shorter strategy.period is the lever"), "{s}");
    let s = staleness_finding(&chosen, &alone, 20.0, (true, 24.0), 192.0);
    assert!(
        s.contains("a wider band, a looping queue within it (a queued kind with strategy.loop"),
        "{s}"
    );
    let a = api_calls_finding(&chosen, &alone, 1_000_000.0);
    assert!(a.starts_with("no searched setting"), "{a}");
}

/// A failure bound the choice misses while another setting keeps it at as much
/// coverage is said as such, in the scope's words; "no searched setting" only when none
/// does (a trial's memo said both, under --failure-scope background).
#[test]
fn a_failure_finding_names_the_setting_within_the_bound() {
    let met = |failure_rate: bool, staleness: bool| Met {
        coverage: false,
        failure_rate,
        staleness,
        ..all_met()
    };
    let chosen = setting("per-bank pools", 20.0, 1.0, met(false, true));
    let targets = Targets {
        max_failure_rate: 0.05,
        scope: FailureScope::Background,
        staleness_p95_hours: Some(24.0),
        ..targets()
    };
    let plan = |candidates| made_up_plan(targets.clone(), chosen.clone(), candidates);
    let within = setting("paced, 3.5/s", 30.0, 1.0, met(true, false));
    let f = failure_finding(&plan(vec![chosen.clone(), within]));
    assert!(
        f.starts_with("the choice fails 50.00 % of attempts by its background refreshes' 429s")
            && f.contains("paced, 3.5/s stays within it"),
        "{f}"
    );
    let f = failure_finding(&plan(vec![chosen.clone()]));
    assert!(
        f.starts_with(
            "no searched setting keeps its background refreshes' 429s within 5.00 % at any \
             coverage (the fewest, 50.00 %): the choice fails 50.00 %"
        ),
        "{f}"
    );
    // One within the bound at less coverage: the bound is out of reach at the choice's only.
    let mut low = setting("queued, 1", 30.0, 1.0, met(true, false));
    low.figures.all[Figure::BackgroundFailureRate as usize] = Estimate::of(&[0.01, 0.01]).unwrap();
    low.figures.all[Figure::Coverage as usize] = Estimate::of(&[0.3, 0.3]).unwrap();
    let f = failure_finding(&plan(vec![chosen.clone(), low]));
    assert!(
        f.starts_with(
            "no searched setting keeps its background refreshes' 429s within 5.00 % covering \
             as much as the choice's 50.00 %"
        ),
        "{f}"
    );
}

/// A setting meeting every target that covers markedly more (half a point) for at most 2 %
/// more API calls is named beside the cheapest choice; the most coverage among them, not
/// one past the cost margin nor one that misses a target.
#[test]
fn a_margin_for_a_few_more_calls_is_named() {
    let met = |all: bool| Met {
        coverage: all,
        ..all_met()
    };
    let at = |label: &str, coverage: f64, calls: f64, all: bool| {
        let mut e = setting(label, 20.0, calls, met(all));
        e.figures.all[Figure::Coverage as usize] = Estimate::of(&[coverage, coverage]).unwrap();
        // Told apart by their settings (the calls stand for the slots here).
        e.strategy = Strategy::Queued {
            concurrency: calls as u32,
        };
        e
    };
    let chosen = at("queued, concurrency 139", 0.9924, 1_000.0, true);
    let plan = |candidates| made_up_plan(targets(), chosen.clone(), candidates);
    let others = vec![
        chosen.clone(),
        at("queued, concurrency 138", 0.9897, 995.0, false),
        at("queued, concurrency 256", 0.9986, 1_014.0, true),
        at("queued, concurrency 144", 0.9992, 1_009.4, true),
        at("random_offset", 0.9999, 1_030.0, true),
        at("aimd, 1–256", 0.9998, 1_010.0, false),
    ];
    let f = headroom_finding(&plan(others)).unwrap();
    assert!(
        f.starts_with(
            "a margin for a few more calls: queued, concurrency 144 covers 99.92 % (the choice \
             99.24 %) for 0.94 % more API calls a day"
        ),
        "{f}"
    );
    let near = vec![
        chosen.clone(),
        at("queued, concurrency 140", 0.9948, 1_003.0, true),
    ];
    assert_eq!(headroom_finding(&plan(near)), None);
    // Of those near the most coverage, the cheapest.
    let cheaper = vec![
        at("queued, concurrency 144", 0.9992, 1_009.4, true),
        at("paced, 3/s", 0.9990, 1_005.0, true),
    ];
    let f = headroom_finding(&plan(cheaper)).unwrap();
    assert!(
        f.starts_with("a margin for a few more calls: paced, 3/s covers 99.90 %"),
        "{f}"
    );
    // Not the choice's own screening run, however it screened.
    let mut screened = chosen.clone();
    screened.figures.all[Figure::Coverage as usize] = Estimate::of(&[0.998, 0.998]).unwrap();
    assert_eq!(headroom_finding(&plan(vec![screened])), None);
}

/// A choice that leans on the customers' fetches, with everyone taken to open the app, says
/// how much; not when the scenario says how many open it, nor when the background covers
/// nearly all itself.
#[test]
fn a_choice_leaning_on_customers_fetches_says_so() {
    let text = |active: &str| {
        format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n\
             [on_demand]\nper_connection = 1.5\n{active}\n[strategy]\nkind = \"bulk\"\n\
             [[banks]]\nname = \"b\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        )
    };
    let parse = |a: &str| crate::scenario::parse(&text(a), "inline", "t", &[]).unwrap();
    let met = all_met();
    let plan = |own: f64| {
        let mut r = setting("paced", 20.0, 1_000.0, met);
        r.figures.all[Figure::Coverage as usize] = Estimate::of(&[0.9933, 0.9933]).unwrap();
        r.figures.all[Figure::BackgroundCoverage as usize] = Estimate::of(&[own, own]).unwrap();
        made_up_plan(targets(), r.clone(), vec![r])
    };
    let f = reliance_finding(&plan(0.4978), &parse("")).unwrap();
    assert!(
        f.starts_with("the customers' own fetches give 49.55 points of the choice's coverage (its background alone covers 49.78 %)"),
        "{f}"
    );
    assert_eq!(
        reliance_finding(&plan(0.4978), &parse("active_share = 0.4")),
        None
    );
    assert_eq!(reliance_finding(&plan(0.95), &parse("")), None);
}

/// A background failing past the bound under the customers' calls' 429s is named, with the
/// flag that bounds it alone; not where the bound is the background's already, nor where
/// it fails within it.
#[test]
fn a_background_past_the_bound_under_the_customers_calls_is_named() {
    let plan = |background: f64, scope: FailureScope| {
        let mut r = setting("paced", 20.0, 1_000.0, all_met());
        let mut set =
            |f: Figure, x: f64| r.figures.all[f as usize] = Estimate::of(&[x, x]).unwrap();
        set(Figure::ClientFailureRate, 0.0087);
        set(Figure::BackgroundFailureRate, background);
        made_up_plan(Targets { scope, ..targets() }, r.clone(), vec![r])
    };
    let f = super::customers::diluted_finding(&plan(0.0122, FailureScope::Client)).unwrap();
    assert!(
        f.starts_with("the client's own 429s, 0.87 %, keep the 1.00 % bound with its customers' calls counted in: its background refreshes alone fail 1.22 %"),
        "{f}"
    );
    assert_eq!(
        super::customers::diluted_finding(&plan(0.0095, FailureScope::Client)),
        None
    );
    assert_eq!(
        super::customers::diluted_finding(&plan(0.0122, FailureScope::Background)),
        None
    );
}

/// Maintenance rejections are the client's pace's to lower only by the hour: the floor's
/// finding says a paced client stopping in the windows' hours meets few (and that such were
/// searched, when they were), unless the choice meets few of them.
#[test]
fn the_floor_names_a_pace_that_stops_in_maintenance() {
    let text = "[window]\nlength = \"1d\"\n[population]\nconnections = 10\n\
                [strategy]\nkind = \"bulk\"\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
                service_time = { dist = \"constant\", value = \"1s\" }\n";
    let sc = crate::scenario::parse(text, "inline", "t", &[]).unwrap();
    let met = all_met();
    // Every figure at 0.5: half the attempts refused by maintenance.
    let mut p = made_up_plan(targets(), setting("q", 1.0, 1.0, met), Vec::new());
    let stops = "(strategy.pace_profiles, the windowed bank's) stops in the windows' hours meets \
                 few of them";
    let f = floor_finding(&p, &sc);
    assert!(f.contains(stops) && !f.contains("were searched"), "{f}");
    let mut hourly = p.recommendation.clone();
    hourly.strategy = Strategy::Paced {
        rate: Some(1.0),
        per_bank: false,
        rates: Vec::new(),
        outstanding: Vec::new(),
        profiles: crate::strategy::PaceProfiles::every_bank(crate::strategy::PaceProfile::new(
            [1.0; 24],
        )),
    };
    p.candidates.push(hourly);
    let f = floor_finding(&p, &sc);
    assert!(f.contains(stops) && f.contains("were searched"), "{f}");
    // A choice that meets few of them is not told.
    p.recommendation.figures.all[Figure::OutageRate as usize] = Estimate::of(&[0.0, 0.0]).unwrap();
    assert!(!floor_finding(&p, &sc).contains(stops));
}

/// A setting at `busiest` calls in its busiest hour and `in_flight` at once at the one bank.
fn at_bank(label: &str, coverage: f64, busiest: f64, in_flight: f64) -> Evaluation {
    let mut e = setting(label, 1.0, 1.0, all_met());
    let est = |x: f64| Estimate::of(&[x, x]).unwrap();
    let mut bank = e.figures.all;
    bank[Figure::BusiestHourAdmissions as usize] = est(busiest);
    bank[Figure::PeakInFlight as usize] = est(in_flight);
    e.figures.all[Figure::Coverage as usize] = est(coverage);
    e.figures.banks = vec![bank];
    e
}

/// A recommendation past a fitted bank's tested traffic (by more than a tenth, or more
/// than a call in flight) is told, with the most coverage within it; one within it, or at
/// a bank not fitted, is not.
#[test]
fn beyond_the_logs_traffic_is_told_with_the_best_within_it() {
    let sc = |tested: &str| {
        let text = format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 1000\n[strategy]\nkind = \"bulk\"\n\
             [[banks]]\nname = \"neo\"\nshare = 1.0\n{tested}\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        );
        crate::scenario::parse(&text, "inline", "t", &[]).unwrap()
    };
    let fitted = sc("tested = { per_hour = 1000, in_flight = 9 }");
    let within = at_bank("small", 0.6, 1090.0, 10.0);
    let over = at_bank("big", 0.95, 1600.0, 12.0);
    let plan = made_up_plan(targets(), over.clone(), vec![within.clone(), over.clone()]);
    let f = fitted::tested_finding(&plan, &fitted).unwrap();
    for want in [
        "neo: 1,600 calls in its busiest hour (1.6 times the log's 1,000)",
        "12 calls in flight at once (the log's about 9)",
        "and the failure bound, the most coverage a searched setting reached is 60.00 %: small",
    ] {
        assert!(f.contains(want), "{want}: {f}");
    }
    let plan = made_up_plan(targets(), within.clone(), vec![within, over.clone()]);
    assert_eq!(fitted::tested_finding(&plan, &fitted), None);
    let plan = made_up_plan(targets(), over.clone(), vec![over]);
    assert_eq!(fitted::tested_finding(&plan, &sc("")), None);
    let f = fitted::tested_finding(&plan, &sc("tested = { in_flight = 9 }")).unwrap();
    assert!(
        !f.contains("busiest hour")
            && f.contains("no searched setting stays within it and the failure bound"),
        "{f}"
    );
}

/// A queue of `c` slots covering `coverage`, within the failure bound or not.
fn queue(c: u32, coverage: f64, within: bool) -> Evaluation {
    let mut e = setting(&format!("queued, concurrency {c}"), 1.0, 1.0, all_met());
    e.strategy = Strategy::Queued { concurrency: c };
    e.figures.all[Figure::Coverage as usize] = Estimate::of(&[coverage, coverage]).unwrap();
    e.met.coverage = false;
    e.met.failure_rate = within;
    e
}

/// The queue's search stopping at the failure bound while its coverage still grew is told;
/// one within the bound, one whose coverage stopped growing, or the choice itself is not.
#[test]
fn a_queue_stopped_by_its_429s_is_told() {
    let choice = setting("paced", 1.0, 1.0, all_met());
    let plan = |qs: Vec<Evaluation>| {
        let mut p = made_up_plan(targets(), choice.clone(), qs);
        p.targets_met = false;
        p
    };
    let f = current::queue_stop_finding(&plan(vec![queue(1, 0.3, true), queue(2, 0.5, false)]));
    let f = f.unwrap();
    assert!(
        f.contains("stopped at concurrency 2, covering 50.00 %") && f.contains("past the 1.00 %"),
        "{f}"
    );
    let single = plan(vec![queue(4, 0.5, false)]);
    assert!(current::queue_stop_finding(&single).is_some());
    // The search's pausing copy of the last queue (same slots, fewer 429s) is not a step.
    let mut paused = queue(2, 0.55, true);
    paused.conduct.pause = true;
    let with_paused = plan(vec![queue(1, 0.3, true), queue(2, 0.5, false), paused]);
    assert!(current::queue_stop_finding(&with_paused).is_some());
    for qs in [
        vec![queue(1, 0.3, true), queue(2, 0.5, true)],
        vec![queue(1, 0.5, true), queue(2, 0.501, false)],
        vec![],
    ] {
        assert_eq!(current::queue_stop_finding(&plan(qs)), None);
    }
    let mut own = plan(vec![queue(2, 0.5, false)]);
    own.recommendation = queue(2, 0.5, false);
    assert_eq!(current::queue_stop_finding(&own), None);
}

/// A bound on the age at app open that no searched setting meets names the lever the plan
/// does not search (when the refreshes run, and how often); one a setting meets but
/// the choice does not names that setting.
#[test]
fn an_at_open_bound_out_of_reach_names_the_band() {
    let aged = |label: &str, p95: f64, at_open: bool| {
        let mut e = setting(label, 30.0, 1.0, all_met());
        e.figures.all[Figure::AtOpenP95Hours as usize] = Estimate::of(&[p95, p95]).unwrap();
        e.met.at_open = at_open;
        e
    };
    let choice = aged("paced", 27.5, false);
    let none = at_open_finding(
        &choice,
        &[choice.clone(), aged("queued", 25.0, false)],
        20.0,
        (None, 24.0),
        192.0,
    );
    assert!(
        none.contains("within 20 h; the least seen is 25.0 h")
            && none.contains("ending before their busiest hours")
            && none.contains("strategy.period"),
        "{none}"
    );
    let band = at_open_finding(
        &choice,
        std::slice::from_ref(&choice),
        20.0,
        (Some("00:00–06:00".into()), 24.0),
        192.0,
    );
    assert!(
        band.contains("the client's band (00:00–06:00, strategy.hours)")
            && band.contains("a looping queue within the band (a queued kind with strategy.loop")
            && !band.contains("(a shorter strategy.period, within"),
        "{band}"
    );
    let some = at_open_finding(
        &choice,
        &[choice.clone(), aged("queued", 18.0, true)],
        20.0,
        (None, 24.0),
        192.0,
    );
    assert!(
        some.contains("at 27.5 h, past 20 h") && some.contains("(the least: 18.0 h, queued)"),
        "{some}"
    );
    // Every 8 hours, a bound of 6: no band (it needs a daily period), data up to a period old.
    let (only, band) = (vec![choice.clone()], "needs a daily period, not 8 h");
    let short = at_open_finding(&choice, &only, 6.0, (None, 8.0), 192.0);
    let want = [
        band,
        "so a 95th percentile under 6 h needs a shorter period",
    ];
    assert!(want.iter().all(|w| short.contains(w)), "{short}");
}

/// Stalest first is named where it shortens the data's 95th-percentile age by an hour or
/// more, with the coverage and failures beside the choice's; where it would miss a target
/// the choice meets, the sentence says so; an hour's gain or less is not named.
#[test]
fn stalest_first_is_named_where_it_shortens_the_tail() {
    let chosen = setting("per_bank", 44.9, 1000.0, all_met());
    let mut p = made_up_plan(targets(), chosen, Vec::new());
    p.stalest = Some(setting("per_bank, stalest first", 30.4, 1000.0, all_met()));
    let s = super::order::stalest_finding(&p).expect("a shorter tail");
    assert!(
        s.contains("from 44.9 h to 30.4 h") && !s.contains("misses"),
        "{s}"
    );
    let mut missing = all_met();
    missing.failure_rate = false;
    p.stalest = Some(setting("per_bank, stalest first", 30.4, 1000.0, missing));
    let s = super::order::stalest_finding(&p).unwrap();
    assert!(
        s.contains("but it misses a target the recommendation meets"),
        "{s}"
    );
    p.stalest = Some(setting("per_bank, stalest first", 44.2, 1000.0, all_met()));
    assert_eq!(super::order::stalest_finding(&p), None);
}
