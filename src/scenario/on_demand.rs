//! The `[on_demand]` section validated: the customers' requests (a volume a day, an hourly
//! profile, a lane) and the share of connections whose customers open the app at all.

use super::{err, file, FieldError};
use crate::demand::{Lane, OnDemand, DEFAULT_PROFILE};

/// The customers' requests a day: `per_day`, or `per_connection` times the connections
/// (one of the two, and at most 1e9 a day).
fn volume(d: &file::OnDemandFile, connections: u32) -> Result<f64, FieldError> {
    Ok(match (d.per_day, d.per_connection) {
        (Some(v), None) if (0.0..=1e9).contains(&v) => v,
        (Some(v), None) => {
            return err(
                "on_demand.per_day",
                format!("must be between 0 and 1e9 requests a day, got {v}"),
            )
        }
        (None, Some(v)) if (0.0..=1e4).contains(&v) && v * connections as f64 <= 1e9 => {
            v * connections as f64
        }
        (None, Some(v)) if (0.0..=1e4).contains(&v) => {
            return err(
                "on_demand.per_connection",
                format!(
                    "{v} a connection a day over {connections} connections is {:.3e} requests a \
                     day, above the 1e9 the model takes",
                    v * connections as f64
                ),
            )
        }
        (None, Some(v)) => {
            return err(
                "on_demand.per_connection",
                format!("must be between 0 and 10,000 requests a connection a day, got {v}"),
            )
        }
        (Some(_), Some(_)) => {
            return err(
                "on_demand.per_connection",
                "give per_day (requests a day over every connection) or per_connection \
                 (requests a connection a day), not both",
            )
        }
        (None, None) => {
            return err(
                "on_demand.per_day",
                "missing: give per_day (requests a day over every connection) or \
                 per_connection (requests a connection a day, scaling with the connections)",
            )
        }
    })
}

/// The `[on_demand]` section: a volume a day, an hourly profile, a lane.
pub(super) fn on_demand(d: &file::OnDemandFile, connections: u32) -> Result<OnDemand, FieldError> {
    let per_day = volume(d, connections)?;
    let profile = match &d.profile {
        None => DEFAULT_PROFILE,
        Some(w) => {
            let Ok(p) = <[f64; 24]>::try_from(w.as_slice()) else {
                return err(
                    "on_demand.profile",
                    format!("needs 24 weights, one per hour, got {}", w.len()),
                );
            };
            if p.iter().any(|x| !(*x >= 0.0 && x.is_finite())) || p.iter().sum::<f64>() <= 0.0 {
                return err(
                    "on_demand.profile",
                    "weights must be non-negative numbers, not all zero",
                );
            }
            p
        }
    };
    let lane = match d.lane {
        None | Some(file::LaneKind::Direct) => Lane::Direct,
        Some(file::LaneKind::Priority) => Lane::Priority,
    };
    let reserved = d.reserved.unwrap_or(0.0);
    if !(0.0..1.0).contains(&reserved) {
        return err(
            "on_demand.reserved",
            format!("must be a share in [0, 1), got {reserved}"),
        );
    }
    if reserved > 0.0 && lane != Lane::Priority {
        return err(
            "on_demand.reserved",
            "keeps slots for the priority lane: set lane = \"priority\"",
        );
    }
    let active_share = d.active_share.unwrap_or(1.0);
    if !(active_share > 0.0 && active_share <= 1.0) {
        return err(
            "on_demand.active_share",
            format!("must be a share in (0, 1] of the connections, got {active_share}"),
        );
    }
    Ok(OnDemand {
        per_day,
        per_connection: d.per_connection,
        profile,
        lane,
        reserved,
        active_share,
    })
}
