//! The plan as one JSON object (`--json`); the schema is documented in docs/manual.md
//! ("Planning"). Figures are flat keys named by [`Figure::key`], each with `_ci95` (the 95 %
//! confidence half-width, null with one replication); a figure that is infinite (a data age
//! among connections never refreshed) or unmeasured is null.

use super::{short, Evaluation, Figure, Figures, Plan};
use crate::scenario::Scenario;
use crate::stats::Estimate;
use crate::strategy::{OnFailure, Order, Strategy};
use serde_json::{json, Map, Value};

impl Plan {
    /// The plan for scripts.
    /// The `--set` overrides that run the recommendation on `sc` (see [`set_args`]).
    pub fn run_overrides(&self, sc: &Scenario) -> Vec<String> {
        set_args(&self.recommendation, sc, self.users)
    }

    pub fn to_json(&self, sc: &Scenario) -> String {
        let r = &self.recommendation;
        let t = &self.targets;
        let mut top = Map::new();
        top.insert("scenario".into(), json!(self.scenario));
        top.insert("users".into(), json!(self.users));
        if let Some(g) = self.grown {
            top.insert("at_week".into(), json!(g.weeks));
            top.insert("users_at_start".into(), json!(g.from));
        }
        top.insert("replications".into(), json!(self.replications));
        top.insert("screening_replications".into(), json!(self.screening));
        top.insert("seed".into(), json!(self.seed));
        top.insert(
            "targets".into(),
            json!({
                "coverage": t.coverage,
                "max_failure_rate": t.max_failure_rate,
                "failure_scope": t.scope.name(),
                "staleness_p95_hours": t.staleness_p95_hours,
                "at_open_p95_hours": t.at_open_p95_hours,
                "max_api_calls_per_day": t.max_api_calls_per_day,
                "min_bank_coverage": t.min_bank_coverage,
                "max_bank_failure_rate": t.max_bank_failure_rate,
                "max_customer_failure_rate": t.max_customer_failure_rate,
                "max_customer_wait_seconds": t.max_customer_wait_seconds,
            }),
        );
        top.insert("strategy".into(), json!(r.strategy.name()));
        top.insert("parameters".into(), parameters(r, sc));
        top.insert("setting".into(), json!(r.label));
        top.insert("customers_lane".into(), customers_lane(r, sc));
        top.insert("timing".into(), json!(self.timing));
        // What `coverage` is of: each day, or each of a short period's periods.
        let counts = match self.short_period_hours() {
            Some(h) => format!("{} period", super::render::period(h)),
            None => "day".to_string(),
        };
        top.insert("coverage_counts".into(), json!(counts));
        top.insert("set".into(), json!(self.run_overrides(sc)));
        top.insert("targets_met".into(), json!(self.targets_met));
        top.insert("age_horizon_hours".into(), json!(self.age_horizon_hours));
        top.insert("met".into(), met(r));
        figures(&mut top, &r.figures.all);
        self.worst_bank(&mut top, r);
        top.insert("coverage_ceiling".into(), json!(self.coverage_ceiling));
        top.insert("coverage_bound".into(), json!(self.coverage_bound));
        top.insert("ceiling_hours".into(), json!(self.band));
        top.insert("limiting_banks".into(), self.limiting_json());
        top.insert("findings".into(), json!(self.findings));
        top.insert("current".into(), self.current_json(sc));
        top.insert("stalest_first".into(), self.stalest_json(sc));
        top.insert("banks".into(), self.banks_json(&r.figures));
        top.insert("candidates".into(), self.candidates_json(sc));
        serde_json::to_string_pretty(&Value::Object(top)).expect("plain data serializes") + "\n"
    }

    /// The scenario's own client.
    fn current_json(&self, sc: &Scenario) -> Value {
        let c = &self.current;
        let mut current = Map::new();
        current.insert("strategy".into(), json!(c.strategy.name()));
        current.insert("setting".into(), json!(c.label));
        current.insert("customers_lane".into(), customers_lane(c, sc));
        current.insert("meets_targets".into(), json!(c.met.all()));
        current.insert(
            "is_recommendation".into(),
            json!(self.current_apart().is_none()),
        );
        figures(&mut current, &c.figures.all);
        self.worst_bank(&mut current, c);
        Value::Object(current)
    }

    /// The recommendation taking the oldest data first, where the plan ran it (else null).
    fn stalest_json(&self, sc: &Scenario) -> Value {
        let stalest = self.stalest.as_ref().map(|s| {
            let mut m = Map::new();
            m.insert("setting".into(), json!(s.label));
            let mut p = parameters(s, sc);
            if let Value::Object(p) = &mut p {
                p.insert("order".into(), json!("stalest"));
            }
            m.insert("parameters".into(), p);
            m.insert("meets_targets".into(), json!(s.met.all()));
            figures(&mut m, &s.figures.all);
            self.worst_bank(&mut m, s);
            Value::Object(m)
        });
        json!(stalest)
    }

    /// Every setting searched, the chosen one marked.
    fn candidates_json(&self, sc: &Scenario) -> Value {
        let r = &self.recommendation;
        let candidates: Vec<Value> = self
            .candidates
            .iter()
            .map(|e| {
                let mut m = Map::new();
                m.insert("strategy".into(), json!(e.strategy.name()));
                m.insert("parameters".into(), parameters(e, sc));
                m.insert("setting".into(), json!(e.label));
                m.insert("customers_lane".into(), customers_lane(e, sc));
                m.insert("meets_targets".into(), json!(e.met.all()));
                m.insert(
                    "chosen".into(),
                    json!(e.strategy == r.strategy && e.conduct == r.conduct),
                );
                figures(&mut m, &e.figures.all);
                self.worst_bank(&mut m, e);
                Value::Object(m)
            })
            .collect();
        Value::Array(candidates)
    }

    /// The bank whose failures of the target's scope are highest (`worst_bank`, null where
    /// no bank failed any) and that rate (0 then) with its half-width: what
    /// `--max-bank-failure-rate` bounds.
    fn worst_bank(&self, m: &mut Map<String, Value>, e: &Evaluation) {
        let worst = self.targets.worst_bank(&e.figures);
        let name = worst.map(|(b, _)| &self.ceilings[b].name);
        m.insert("worst_bank".into(), json!(name));
        let rate = worst.map_or(0.0, |(_, f)| f.mean);
        m.insert("worst_bank_failure_rate".into(), json!(rate));
        let ci95 = worst.and_then(|(_, f)| f.ci95);
        m.insert("worst_bank_failure_rate_ci95".into(), json!(ci95));
    }

    fn limiting_json(&self) -> Value {
        let c = self.targets.coverage;
        Value::Array(
            self.limiting()
                .iter()
                .map(|b| {
                    json!({
                        "bank": b.name,
                        "binding_limit": b.binding(),
                        "ceiling_per_day": b.within_quota(b.per_day),
                        "coverage_ceiling": b.coverage(),
                        "short_per_day": short(b, c),
                    })
                })
                .collect(),
        )
    }

    fn banks_json(&self, f: &Figures) -> Value {
        Value::Array(
            self.ceilings
                .iter()
                .zip(&f.banks)
                .map(|(c, fig)| {
                    let mut m = Map::new();
                    m.insert("name".into(), json!(c.name));
                    m.insert("share".into(), json!(c.share));
                    m.insert("connections".into(), json!(c.connections));
                    m.insert("ceiling_per_day".into(), json!(c.within_quota(c.per_day)));
                    m.insert("ceiling_method".into(), json!(c.method.name()));
                    let bound = c.within_quota(c.capacity.refreshes);
                    m.insert("bound_per_day".into(), json!(bound));
                    m.insert("coverage_ceiling".into(), json!(c.coverage()));
                    m.insert("customers_fetched_per_day".into(), json!(c.fetched));
                    m.insert(
                        "within_cap_per_day".into(),
                        json!(c.within_cap_coverage().and(c.within_cap).map(|w| w.per_day)),
                    );
                    m.insert("within_cap_coverage".into(), json!(c.within_cap_coverage()));
                    m.insert("binding_limit".into(), json!(c.binding()));
                    m.insert("calls_per_refresh".into(), json!(c.calls_per_refresh));
                    let policies: Vec<Value> = c
                        .capacity
                        .bounds
                        .iter()
                        .map(|b| {
                            // A quota binds per connection, where the plan's ceiling says.
                            let binds = b.binds || c.binding() == Some(b.policy.as_str());
                            json!({"policy": b.policy, "calls_per_day": b.calls, "binds": binds})
                        })
                        .collect();
                    m.insert("policies".into(), Value::Array(policies));
                    figures(&mut m, fig);
                    Value::Object(m)
                })
                .collect(),
        )
    }
}

fn met(r: &Evaluation) -> Value {
    json!({
        "coverage": r.met.coverage,
        "bank_coverage": r.met.bank_coverage,
        "failure_rate": r.met.failure_rate,
        "bank_failure_rate": r.met.bank_failure_rate,
        "staleness": r.met.staleness,
        "at_open": r.met.at_open,
        "api_calls": r.met.api_calls,
        "customer_failure_rate": r.met.customer_failure_rate,
        "customer_wait": r.met.customer_wait,
    })
}

/// Each figure's mean and half-width as flat keys.
fn figures(m: &mut Map<String, Value>, f: &[Estimate; super::figures::N]) {
    for (fig, e) in Figure::ALL.iter().zip(f) {
        m.insert(fig.key().into(), json!(e.mean));
        m.insert(format!("{}_ci95", fig.key()), json!(e.ci95));
    }
}

/// The `--set` overrides (`path=value`) that make a `run` of the scenario the planner's run
/// of `e`: its population, a daily client (the planner's even on a looping scenario), the
/// strategy and its parameters, values in TOML. What the memo's "To run it" line and the
/// JSON's `set` give, so that a planner need not rebuild a setting by hand. A pace's maps
/// the recommendation leaves empty are set empty (the file's own would stay in force), and
/// a client without a queue does not pause, nor one with slots jitter. The scenario's own
/// `--set`s come before them.
fn set_args(e: &Evaluation, sc: &Scenario, users: u32) -> Vec<String> {
    let mut set = vec![format!("population.connections={users}")];
    if sc.schedule.looping {
        set.push("strategy.loop=false".into());
    }
    set.push(format!("strategy.kind={}", e.strategy.name()));
    let Value::Object(mut m) = parameters(e, sc) else {
        unreachable!("a strategy's parameters are an object")
    };
    if matches!(e.strategy, Strategy::Paced { .. }) {
        for map in ["rates", "outstanding", "pace_profiles"] {
            m.entry(map).or_insert_with(|| json!({}));
        }
    }
    let pooled = !matches!(e.strategy, Strategy::Bulk | Strategy::RandomOffset);
    if !pooled && sc.schedule.pause_on_retry_after {
        m.insert("pause_on_retry_after".into(), json!(false));
    }
    if pooled && !sc.schedule.jitter.is_zero() {
        // Which only bulk and random offsets read: the command would be told it does nothing.
        m.insert("jitter".into(), json!("0s"));
    }
    set.extend(
        m.iter()
            .map(|(k, v)| format!("strategy.{k}={}", toml_value(v))),
    );
    // The plan's trial of the priority lane ([`super::search::Search::lanes`]).
    let direct = sc.customers_lane() == Some(crate::demand::Lane::Direct);
    if e.conduct.lane && direct {
        set.push("on_demand.lane=\"priority\"".into());
    }
    set
}

/// A JSON value as TOML writes it inline: `{a = 1, "b c" = [1, 2]}`.
fn toml_value(v: &Value) -> String {
    match v {
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(toml_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => {
            let bare = |k: &str| {
                !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
            };
            let each: Vec<String> = m
                .iter()
                .map(|(k, v)| match bare(k) {
                    true => format!("{k} = {}", toml_value(v)),
                    false => format!("{} = {}", Value::from(k.as_str()), toml_value(v)),
                })
                .collect();
            format!("{{{}}}", each.join(", "))
        }
        // Numbers, booleans and strings read alike in JSON and TOML (a JSON string's escapes
        // are a TOML basic string's).
        other => other.to_string(),
    }
}

/// How a setting's customers call: `direct`, or `priority` through the client's slots (the
/// scenario's lane or the plan's trial of it); null without customers.
fn customers_lane(e: &Evaluation, sc: &Scenario) -> Value {
    let lane = if e.conduct.lane { "priority" } else { "direct" };
    json!(sc.on_demand.as_ref().map(|_| lane))
}

/// A strategy's parameters as `--set strategy.*` would give them.
pub fn parameters(e: &Evaluation, sc: &Scenario) -> Value {
    let mut p = strategy_parameters(&e.strategy, sc);
    let pooled = !matches!(e.strategy, Strategy::Bulk | Strategy::RandomOffset);
    if let (true, Value::Object(m)) = (e.conduct.pause && pooled, &mut p) {
        m.insert("pause_on_retry_after".into(), json!(true));
    }
    if let (true, Value::Object(m)) = (sc.schedule.order == Order::Stalest && pooled, &mut p) {
        m.insert("order".into(), json!("stalest"));
    }
    // The plan's settings do not loop (`set_args`), so a looping scenario's setting acts.
    let leaves = sc.schedule.on_failure == OnFailure::NextPeriod;
    if let (true, Value::Object(m)) = (leaves && pooled, &mut p) {
        m.insert("on_failure".into(), json!("next_period"));
    }
    p
}

/// A strategy's own parameters as `strategy.*` fields.
fn strategy_parameters(s: &Strategy, sc: &Scenario) -> Value {
    match s {
        Strategy::Queued { concurrency } => json!({ "concurrency": concurrency }),
        Strategy::PerBank { pools } => {
            let m: Map<String, Value> = sc
                .banks
                .iter()
                .zip(pools)
                .map(|(b, n)| (b.name.clone(), json!(n)))
                .collect();
            json!({ "pools": m })
        }
        // As the scenario file takes them: the initial slots are `concurrency`.
        Strategy::Aimd(r) => json!({
            "concurrency": r.initial,
            "aimd": {
                "min": r.min,
                "max": r.max,
                "decrease": r.decrease,
                "on_error": r.on_error,
            }
        }),
        Strategy::Paced {
            rate,
            per_bank,
            rates,
            outstanding,
            profiles,
        } => {
            let mut p = json!({ "per_bank": per_bank });
            if let Some(r) = rate {
                p["rate"] = json!(r);
            }
            let named = |v: Vec<Option<Value>>| -> Map<String, Value> {
                sc.banks
                    .iter()
                    .zip(v)
                    .filter_map(|(b, v)| Some((b.name.clone(), v?)))
                    .collect()
            };
            let rates = named(rates.iter().map(|r| r.map(|r| json!(r))).collect());
            let most = named(outstanding.iter().map(|k| k.map(|k| json!(k))).collect());
            if !rates.is_empty() {
                p["rates"] = Value::Object(rates);
            }
            if !most.is_empty() {
                p["outstanding"] = Value::Object(most);
            }
            if let Some(all) = &profiles.all {
                p["pace_profile"] = json!(all.weights());
            }
            let own = named(
                profiles
                    .banks
                    .iter()
                    .map(|w| w.map(|w| json!(w.weights())))
                    .collect(),
            );
            if !own.is_empty() {
                p["pace_profiles"] = Value::Object(own);
            }
            p
        }
        Strategy::RandomOffset | Strategy::Bulk => json!({}),
    }
}
