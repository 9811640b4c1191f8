//! What `run` and `check` would say of a sweep's points, said once by `sweep`: a trial's
//! sweep over `strategy.order` ran stalest-first queues over several banks (55 % covered
//! against 86 % in turn) and random offsets that ignore the order, and printed their rows
//! without the notes `run` gives each.

use super::Point;
use crate::experiment::notes::{once_each, unread_elsewhere};
use crate::scenario::Scenario;

/// The most distinct notes told; past them, how many more and how to see them.
const MOST: usize = 8;

/// Each distinct note of the points' scenarios, once, in the order the points first give
/// them: as it stands where every point gives it, else with the first point that does and
/// how many others. A field the point's kind does not read is noted only where the grid
/// sets it (the file's `concurrency` for its queue is no news of a random offset point's).
pub fn point_notes(points: &[Point], scenarios: &[Scenario]) -> Vec<String> {
    let each = (points.iter().zip(scenarios))
        .map(|(p, sc)| {
            let mut notes = sc.notes();
            notes.retain(|n| !unread_elsewhere(n, &p.sets));
            notes
        })
        .collect();
    let seen = once_each(each);
    let n = scenarios.len();
    let more = seen.len().saturating_sub(MOST);
    let mut out: Vec<String> = (seen.into_iter().take(MOST))
        .map(|(note, at)| match at.len() == n {
            true => note,
            false => format!(
                "at {}{}: {note}",
                where_(&points[at[0]]),
                match at.len() - 1 {
                    0 => String::new(),
                    1 => " and one other point".into(),
                    k => format!(" and {k} other points"),
                }
            ),
        })
        .collect();
    if more > 0 {
        out.push(format!(
            "{more} more notes on the points (`refresh-sim check` with a point's --set values \
             gives its own)"
        ));
    }
    out
}

/// A point as its `--set` values.
fn where_(p: &Point) -> String {
    match p.sets.is_empty() {
        true => "the point".into(),
        false => p.sets.join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::sweep::Sweep;
    use crate::scenario::Source;

    /// A sweep over the order gives `run`'s note on stalest first over several banks at
    /// its stalest points, and on the order doing nothing for random offsets, each once.
    #[test]
    fn a_sweeps_notes_are_its_points_once() {
        let text = include_str!("../../../scenarios/uk-mix.toml");
        let source = Source {
            origin: "uk-mix.toml".into(),
            text: text.into(),
            default_name: "uk-mix".into(),
        };
        let sets = [
            "strategy.kind=queued,random_offset".to_string(),
            "strategy.order=fifo,stalest".to_string(),
        ];
        let sw = Sweep::prepare(&source, &sets, Some(1), None).unwrap();
        let notes = point_notes(&sw.points, &sw.scenarios);
        let stalest = (notes.iter())
            .filter(|n| n.starts_with("at strategy.kind=queued strategy.order=stalest:"))
            .count();
        assert_eq!(stalest, 1, "{notes:#?}");
        assert!(notes.len() <= MOST + 1, "{notes:#?}");
        let order = (notes.iter())
            .filter(|n| n.contains("strategy.order"))
            .count();
        assert!(order >= 2, "{notes:#?}");
    }
}
