//! The data age customers see when they open the app, in a sentence: the time-weighted age
//! weighs 04:00 like 20:00, when far more customers look.

use crate::report::dataset::SummaryRow;
use crate::report::figures::staleness::share;
use crate::report::findings::age;

/// ` When customers open the app (by the app-open profile), the median age they see is
/// 18.2 h and the 95th percentile 23.9 h; 4.10 % of opens find data older than 24 h.`, or
/// nothing for a file without the columns.
pub(crate) fn at_open_phrase(t: &SummaryRow) -> String {
    let (Some(p50), Some(p95), Some(old)) = (
        t.at_open_p50_hours,
        t.at_open_p95_hours,
        t.stale_24h_at_open_share,
    ) else {
        return String::new();
    };
    format!(
        " When customers open the app (weighted by the app-open profile), the median age \
         they see is {} and the 95th percentile {}; {} of opens find data 24 h old or older.",
        age(p50),
        age(p95),
        share(old)
    )
}
