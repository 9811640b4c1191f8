//! The `[population]` table: the connections at the start, their consents, the customers
//! who reconnect and the new connections that join, accounts per customer.

use super::file;
use super::{err, probability, FieldError, DEFAULT_RECONNECT_MEAN_DAYS};
use crate::consent::Reconnect;

/// `[population]`, validated.
pub(super) struct Population {
    pub connections: u32,
    pub consent_expiry_share: f64,
    pub reconnect: Option<Reconnect>,
    pub join_share: f64,
    pub growth_per_week: f64,
    pub connections_per_customer: u32,
}

/// `[population]`: connections, the daily consent-expiry hazard, reconnections, joins,
/// accounts per customer.
pub(super) fn population(p: &file::PopulationFile) -> Result<Population, FieldError> {
    let n = p.connections;
    if n <= 0 {
        return err(
            "population.connections",
            format!("must be at least 1, got {n}"),
        );
    }
    if n >= u32::MAX as i64 {
        return err(
            "population.connections",
            format!("{n} is more than the {} supported", u32::MAX - 1),
        );
    }
    let consent_expiry_share = p.consent_expiry_share.unwrap_or(0.0);
    probability("population.consent_expiry_share", consent_expiry_share)?;
    let join_share = p.join_share.unwrap_or(0.0);
    probability("population.join_share", join_share)?;
    let growth_per_week = p.growth_per_week.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&growth_per_week) {
        return err(
            "population.growth_per_week",
            format!("must be a share from 0 to 1 (0.04: 4 % a week), got {growth_per_week}"),
        );
    }
    if growth_per_week > 0.0 && join_share > 0.0 {
        return err(
            "population.growth_per_week",
            "give the joins as a constant share a day (join_share) or as the book's growth a \
             week, compounding (growth_per_week), not both",
        );
    }
    let connections_per_customer = match p.connections_per_customer {
        None => 1,
        Some(k) if (1..=1000).contains(&k) => k as u32,
        Some(k) => {
            return err(
                "population.connections_per_customer",
                format!("must be between 1 and 1000, got {k}"),
            )
        }
    };
    Ok(Population {
        connections: n as u32,
        consent_expiry_share,
        reconnect: reconnect(p)?,
        join_share,
        growth_per_week,
        connections_per_customer,
    })
}

/// `population.reconnect_share` and `reconnect_mean_days`: `None` when nobody reconnects.
fn reconnect(p: &file::PopulationFile) -> Result<Option<Reconnect>, FieldError> {
    let share = p.reconnect_share.unwrap_or(0.0);
    probability("population.reconnect_share", share)?;
    let mean_days = p.reconnect_mean_days.unwrap_or(DEFAULT_RECONNECT_MEAN_DAYS);
    if !(mean_days > 0.0 && mean_days <= 3650.0) {
        return err(
            "population.reconnect_mean_days",
            format!("must be more than 0 and at most 3650 days, got {mean_days}"),
        );
    }
    if p.reconnect_mean_days.is_some() && p.reconnect_share.is_none() {
        return err(
            "population.reconnect_mean_days",
            "set population.reconnect_share too (the share of customers who ever reconnect)",
        );
    }
    Ok((share > 0.0).then_some(Reconnect { share, mean_days }))
}
