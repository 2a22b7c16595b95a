//! Text for people, one of each: byte sizes, relative times, the first line of a text,
//! counts with their plural. The window, the CLI and the log all use these, so a size or
//! an age reads the same everywhere.

use std::time::SystemTime;

/// A byte count in decimal units with up to two decimals: `512 B`, `1.5 kB`, `25.17 MB`.
pub fn bytes(count: u64) -> String {
    let text = format!("{:.2}", bytesize::ByteSize(count).display().si());
    // "1.50 MB" → "1.5 MB", "2.00 GB" → "2 GB": only the digits before the unit.
    match text.split_once(' ') {
        Some((number, unit)) if number.contains('.') => {
            let number = number.trim_end_matches('0').trim_end_matches('.');
            format!("{number} {unit}")
        }
        _ => text,
    }
}

/// How long ago `moment` was: "just now", "5 min ago", "3 h ago", "2 d ago",
/// "3 months ago"; "in the future" for a clock that ran ahead.
pub fn relative_time(moment: SystemTime, now: SystemTime) -> String {
    let Ok(age) = now.duration_since(moment) else {
        return "in the future".to_owned();
    };
    let seconds = age.as_secs();
    match seconds {
        0..60 => "just now".to_owned(),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86_400 => format!("{} h ago", seconds / 3600),
        86_400..5_184_000 => format!("{} d ago", seconds / 86_400),
        _ => format!("{} months ago", seconds / 2_592_000),
    }
}

/// A duration to wait, rounded for people: "5 s", "3 min", "2 h 10 min".
pub fn duration(span: std::time::Duration) -> String {
    let seconds = span.as_secs();
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", (seconds + 30) / 60),
        _ => {
            let minutes = (seconds + 30) / 60;
            format!("{} h {} min", minutes / 60, minutes % 60)
        }
    }
}

/// The first line of `text` that is not blank, trimmed ("" when there is none): the
/// title of a prompt, the message of a tool's stderr.
pub fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default()
}

/// "1 task", "3 tasks", "0 tasks".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn sizes_use_decimal_units_and_drop_trailing_zeros() {
        let table = [
            (0, "0 B"),
            (999, "999 B"),
            (1000, "1 kB"),
            (1500, "1.5 kB"),
            (25_174_000, "25.17 MB"),
            (25_175_001, "25.18 MB"),
            (2_000_000_000, "2 GB"),
            (1_234_567_890_123, "1.23 TB"),
        ];
        for (count, want) in table {
            assert_eq!(bytes(count), want, "{count}");
        }
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = UNIX_EPOCH + Duration::from_secs(10_000_000);
        let cases = [
            (5, "just now"),
            (600, "10 min ago"),
            (7200, "2 h ago"),
            (3 * 86_400, "3 d ago"),
            (90 * 86_400, "3 months ago"),
        ];
        for (age, expected) in cases {
            assert_eq!(relative_time(now - Duration::from_secs(age), now), expected);
        }
        assert_eq!(
            relative_time(now + Duration::from_secs(5), now),
            "in the future"
        );
    }

    #[test]
    fn durations_round_to_what_a_person_waits_for() {
        for (seconds, want) in [
            (0, "0 s"),
            (59, "59 s"),
            (60, "1 min"),
            (89, "1 min"),
            (90, "2 min"),
            (3599, "60 min"),
            (3600, "1 h 0 min"),
            (7_800, "2 h 10 min"),
        ] {
            assert_eq!(duration(Duration::from_secs(seconds)), want, "{seconds} s");
        }
    }

    #[test]
    fn first_lines_skip_blank_lines_and_trim() {
        assert_eq!(first_line("\n  Fix it  \nmore"), "Fix it");
        assert_eq!(first_line(" \n\t\n"), "");
        assert_eq!(first_line(""), "");
    }

    #[test]
    fn counts_take_the_plural_except_for_one() {
        assert_eq!(count(0, "task"), "0 tasks");
        assert_eq!(count(1, "task"), "1 task");
        assert_eq!(count(3, "workspace"), "3 workspaces");
    }
}
