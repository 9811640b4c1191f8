//! The penalty-box candidate (see `limits.rs`). After another policy's breach the bank
//! refuses every call for a set time, and each refusal's Retry-After counts down to the
//! box's end, rounded up to whole seconds (the model's rule, `bank/penalty_box.rs`). So a
//! box shows as runs of 429s whose `t + Retry-After` agree within a second, each run opened
//! by a 429 that says the whole duration, with no admission inside. A window or a quota
//! also points its 429s at one instant (the window's end, midnight), but its first 429 says
//! however long is left, not one duration run after run, and a quota admits other
//! connections meanwhile. Without Retry-After a box cannot be told from a rate limit's
//! 429s, and is not fitted.

use super::{Call, Candidate, Policy, SEC};

/// A run of 429s pointing at one instant: the box closed by a breach.
struct Closure {
    start: i64,
    /// When the first 429 said the box opens.
    opens: i64,
    /// The first 429's Retry-After, whole seconds.
    said: i64,
    /// The rejections (indexes) after the first that point at the same instant.
    members: Vec<usize>,
}

/// The share of closures whose first 429 must say the same duration.
const AGREE: f64 = 0.8;

pub(super) fn penalty_box(calls: &[Call], rejected: &[usize]) -> Candidate {
    let closures = closures(calls, rejected);
    let none = || Candidate {
        policy: Policy::PenaltyBox { duration_s: 0 },
        explains: vec![false; rejected.len()],
        likely: None,
        evidence: String::new(),
    };
    let Some(d) = duration(&closures) else {
        return none();
    };
    let boxes: Vec<&Closure> = closures
        .iter()
        .filter(|c| (c.said - d).abs() <= 1)
        .collect();
    // No call is admitted while a box is certainly closed (its end is within the second
    // before the instant its 429s point at).
    let mut admitted = calls.iter().filter(|c| c.admitted).map(|c| c.t).peekable();
    let mut contradicted = 0;
    for b in &boxes {
        while admitted.next_if(|&t| t <= b.start).is_some() {}
        while admitted.next_if(|&t| t <= b.opens - SEC).is_some() {
            contradicted += 1;
        }
    }
    let members: usize = boxes.iter().map(|b| b.members.len()).sum();
    if boxes.len() < 3 || members < 3 || contradicted * 100 > boxes.len() {
        return none();
    }
    let mut explains = vec![false; rejected.len()];
    for &r in boxes.iter().flat_map(|b| &b.members) {
        explains[r] = true;
    }
    Candidate {
        policy: Policy::PenaltyBox { duration_s: d },
        explains,
        likely: None,
        evidence: format!(
            "{} closures whose first 429 said Retry-After {d} s and whose later 429s counted down to the same instant, no call admitted inside",
            boxes.len()
        ),
    }
}

/// The runs of 429s (with a Retry-After) pointing at one instant, in time order.
fn closures(calls: &[Call], rejected: &[usize]) -> Vec<Closure> {
    let mut out: Vec<Closure> = Vec::new();
    for (r, &i) in rejected.iter().enumerate() {
        let c = &calls[i];
        let Some(ra) = c.retry_after else {
            continue;
        };
        let opens = c.t + (ra * SEC as f64).round() as i64;
        match out.last_mut() {
            Some(b) if c.t < b.opens && (opens - b.opens).abs() <= SEC => b.members.push(r),
            _ => out.push(Closure {
                start: c.t,
                opens,
                said: ra.round() as i64,
                members: Vec::new(),
            }),
        }
    }
    out
}

/// The duration most closures with later 429s open with, if at least [`AGREE`] of them
/// do (within a second: Retry-After is rounded up).
fn duration(closures: &[Closure]) -> Option<i64> {
    let said: Vec<i64> = closures
        .iter()
        .filter(|c| !c.members.is_empty() && c.said > 0)
        .map(|c| c.said)
        .collect();
    let agreeing = |d: i64| said.iter().filter(|&&s| (s - d).abs() <= 1).count();
    let d = said.iter().copied().max_by_key(|&d| (agreeing(d), d))?;
    (agreeing(d) as f64 >= AGREE * said.len() as f64).then_some(d)
}
