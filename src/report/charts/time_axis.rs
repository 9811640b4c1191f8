//! The time axis of a [`DayChart`](super::DayChart): `HH:MM` and `day N` tick labels,
//! clock-aligned tick steps, and the axis every panel of the chart shares.

/// `HH:MM` of `minute` after midnight. A tick at the midnight ending the first day reads
/// `24:00` when it is the last tick.
pub(super) fn clock(minute: u32, last_tick: bool) -> String {
    let (d, m) = (minute / 1440, minute % 1440);
    if last_tick && d == 1 && m == 0 {
        return "24:00".into();
    }
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// A tick label on the time axis, `offset` minutes into a window opening `start` minutes
/// after midnight. On an axis longer than a day the ticks at whole days from the window's
/// start read `day N` (the days of `daily.csv`), the one at its end `end` (`at_end`: less
/// than an hour of axis, calls draining after the window, follows it), the others `HH:MM`;
/// on a shorter axis every tick is `HH:MM`.
pub(super) fn time_tick(
    start: u32,
    offset: u32,
    last_tick: bool,
    at_end: bool,
    long_axis: bool,
) -> String {
    if !long_axis {
        return clock(start + offset, last_tick);
    }
    if offset.is_multiple_of(1440) {
        if at_end && offset > 0 {
            "end".into()
        } else {
            format!("day {}", offset / 1440)
        }
    } else {
        clock((start + offset) % 1440, false)
    }
}

/// When `offset` minutes into the window falls, for captions: `at 07:30`, or on an axis
/// longer than a day `day 2, 07:30` (days from the window's start, as on the axis).
pub(super) fn time_at(start: u32, offset: u32, long_axis: bool) -> String {
    let t = clock((start + offset) % 1440, false);
    if long_axis {
        format!("day {}, {t}", offset / 1440)
    } else {
        format!("at {t}")
    }
}

/// Tick step in minutes for an axis `span` minutes long with room for `max_ticks` labels,
/// aligned to the clock.
pub(super) fn time_step(span: usize, max_ticks: usize) -> usize {
    const STEPS: [usize; 12] = [1, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720, 1440];
    for s in STEPS {
        if span / s <= max_ticks {
            return s;
        }
    }
    1440 * span.div_ceil(1440 * max_ticks).max(1)
}

/// The time axis every panel shares: where the window opens, its range, ticks and
/// description.
pub(super) struct TimeAxis {
    pub(super) start: u32,
    pub(super) minutes: usize,
    pub(super) long_axis: bool,
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) ticks: Vec<f64>,
    last_tick: f64,
    pub(super) desc: String,
}

impl TimeAxis {
    /// The axis over `minutes` minutes from `start` (minutes after midnight), with ticks
    /// spaced for a plot `plot_w` pixels wide.
    pub(super) fn new(start: u32, minutes: usize, plot_w: usize) -> Self {
        let long_axis = minutes > 1440;
        // Padded a little so a spike in the first minute stands clear of the frame.
        let pad = (minutes as f64 * 0.012).max(0.5);
        let step = time_step(minutes, (plot_w / 70).max(2));
        let ticks: Vec<f64> = (0..=minutes / step).map(|k| (k * step) as f64).collect();
        let last_tick = ticks.last().copied().unwrap_or(0.0);
        let desc = if long_axis && step.is_multiple_of(1440) {
            format!(
                "days from the window's start ({})",
                clock(start % 1440, false)
            )
        } else if long_axis {
            format!(
                "days from the window's start ({}), time of day",
                clock(start % 1440, false)
            )
        } else {
            "time of day (HH:MM)".to_string()
        };
        TimeAxis {
            start,
            minutes,
            long_axis,
            lo: -pad,
            hi: minutes as f64 + pad,
            ticks,
            last_tick,
            desc,
        }
    }

    /// The label of the tick at `v` minutes into the window.
    pub(super) fn label(&self, v: f64) -> String {
        let at_end = self.minutes.saturating_sub(v as usize) < 60;
        time_tick(
            self.start,
            v as u32,
            v == self.last_tick,
            at_end,
            self.long_axis,
        )
    }
}
