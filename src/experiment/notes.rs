//! What `run` would note of several scenarios (a comparison's items, a sweep's points),
//! each note said once, with which of them give it.

/// Each distinct note of `each` (every item's notes, in item order), once, in the order the
/// items first give them, with the indices of the items that do.
pub fn once_each(each: Vec<Vec<String>>) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, notes) in each.into_iter().enumerate() {
        for n in notes {
            match out.iter_mut().find(|(m, _)| *m == n) {
                Some((_, at)) => at.push(i),
                None => out.push((n, vec![i])),
            }
        }
    }
    out
}

/// The notes `run` and `check` give of `sc`, less those on a strategy field the file sets
/// for its own kind where `sets` change the kind (`--set strategy.kind=paced` on uk-mix's
/// queue: its concurrency is no news, and a plan's printed command drew the note).
pub fn of_run(sc: &crate::scenario::Scenario, sets: &[String]) -> Vec<String> {
    use crate::scenario::set_targets;
    let kind_set = sets.iter().any(|s| set_targets(s, "strategy.kind"));
    // The field a note on an unread strategy field names, where no `--set` gives it (its
    // path parsed: `strategy.concurrency = 8` gives it as `strategy.concurrency=8` does).
    let elsewhere = |n: &String| {
        let field = n
            .split_once(": only ")
            .filter(|(f, rest)| f.starts_with("strategy.") && rest.contains("reads it, not kind"));
        field.is_some_and(|(f, _)| !sets.iter().any(|s| set_targets(s, f)))
    };
    (sc.notes().into_iter())
        .filter(|n| !(kind_set && elsewhere(n)))
        .collect()
}

/// A note that a strategy field the item's kind does not read was set by the file or a
/// `--set`, not by the item (`own`, its overrides): the items vary the kind over a file
/// written for one (`concurrency` under uk-mix's queue is no news of a random offset's).
pub fn unread_elsewhere(note: &str, own: &[String]) -> bool {
    let Some((field, rest)) = note.split_once(": only ") else {
        return false;
    };
    rest.contains("reads it, not kind")
        && field.starts_with("strategy.")
        && !(own.iter()).any(|s| {
            [".", "[", "="]
                .iter()
                .any(|c| s.starts_with(&format!("{field}{c}")))
        })
}
