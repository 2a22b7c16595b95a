//! When the window's unattended cleanup runs. Time comes from a [`Clock`] the caller
//! owns, so tests move it forward instead of sleeping.

use std::time::{Duration, SystemTime};

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// One interval after the last run, or after `started` when nothing ran yet: the
/// first cleanup never happens at launch.
pub fn next_run(
    started: SystemTime,
    last_run: Option<SystemTime>,
    interval: Duration,
) -> SystemTime {
    last_run.unwrap_or(started) + interval
}

/// Whether a cleanup is due at `now`. A machine that slept through several intervals
/// runs once, not once per interval missed (the caller records the run at `now`).
pub fn is_due(
    now: SystemTime,
    started: SystemTime,
    last_run: Option<SystemTime>,
    interval: Duration,
) -> bool {
    now >= next_run(started, last_run, interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn due_one_interval_after_start_or_last_run() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let hour = MINUTE * 60;
        // (minutes since start, minutes since start of the last run, due?)
        let table: [(u32, Option<u32>, bool); 8] = [
            (0, None, false),
            (59, None, false),
            (60, None, true),
            (61, None, true),
            (90, Some(60), false),
            (119, Some(60), false),
            (120, Some(60), true),
            // Slept for ten hours: due once; the run at 600 moves the next one to 660.
            (600, Some(60), true),
        ];
        for (now, last, due) in table {
            let at = |minutes: u32| start + MINUTE * minutes;
            assert_eq!(
                is_due(at(now), start, last.map(at), hour),
                due,
                "now +{now}m, last run {last:?}"
            );
        }
        assert_eq!(
            next_run(start, Some(start + MINUTE * 600), hour),
            start + MINUTE * 660
        );
    }

    #[test]
    fn a_clock_set_back_waits_for_the_full_interval() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let last = start + MINUTE * 120;
        assert!(!is_due(start + MINUTE * 30, start, Some(last), MINUTE * 60));
    }
}
