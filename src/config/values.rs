//! Reading and writing the values a setting takes: intervals, sizes, ages, flags.

use super::{MAX_INTERVAL, MIN_INTERVAL};
use std::time::Duration;

pub(super) const INTERVAL_EXPECTED: &str = "expected an interval such as 6h, 90m or 1d, or off";
pub(super) const SIZE_ZERO: &str = "a limit must be more than 0 bytes";

/// Parses a schedule interval such as `6h`, `90m`, `1d` or `1h 30m`; `off`, `never`
/// and the empty string mean no schedule. Refuses intervals under 1 minute or over 1 year.
pub fn parse_interval(text: &str) -> Result<Option<Duration>, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("off") || text.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let interval = humantime::parse_duration(text).map_err(|_| INTERVAL_EXPECTED.to_owned())?;
    check_interval(interval)?;
    Ok(Some(interval))
}

pub(super) fn check_interval(interval: Duration) -> Result<(), String> {
    if interval < MIN_INTERVAL {
        Err("the shortest interval is 1m".into())
    } else if interval > MAX_INTERVAL {
        Err("the longest interval is 1y".into())
    } else {
        Ok(())
    }
}

/// The text [`parse_interval`] reads back to the same value: `off`, `6h`, `1h 30m`.
pub fn format_interval(interval: Option<Duration>) -> String {
    match interval {
        None => "off".into(),
        Some(interval) => humantime::format_duration(interval).to_string(),
    }
}

/// Parses a size such as `20 GB`, `20GB`, `20 GiB`, `1.5 TB` or a number of bytes.
/// Refuses empty, negative, zero and sizes beyond 16 EiB.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("expected a size such as 20 GB, 20 GiB or a number of bytes".into());
    }
    if text.starts_with('-') {
        return Err("a size cannot be negative".into());
    }
    let size: bytesize::ByteSize = text
        .parse()
        .map_err(|_| "expected a size such as 20 GB, 20 GiB or a number of bytes".to_owned())?;
    match size.as_u64() {
        0 => Err(SIZE_ZERO.into()),
        // bytesize saturates instead of failing.
        u64::MAX => Err("too large".into()),
        bytes => Ok(bytes),
    }
}

/// The shortest text with a unit that [`parse_size`] reads back to exactly `bytes`:
/// `20 GB`, `20 GiB`, `1.5 TB`; `1234 B` when no unit fits with up to 2 decimals.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 10] = [
        ("PB", 1_000_000_000_000_000),
        ("PiB", 1 << 50),
        ("TB", 1_000_000_000_000),
        ("TiB", 1 << 40),
        ("GB", 1_000_000_000),
        ("GiB", 1 << 30),
        ("MB", 1_000_000),
        ("MiB", 1 << 20),
        ("KB", 1_000),
        ("KiB", 1 << 10),
    ];
    let mut best: Option<String> = None;
    for (unit, factor) in UNITS {
        if bytes < factor {
            continue;
        }
        for decimals in 0..=2 {
            let number = format!("{:.decimals$}", bytes as f64 / factor as f64);
            let candidate = format!("{number} {unit}");
            if parse_size(&candidate) == Ok(bytes) {
                if best.as_ref().is_none_or(|b| candidate.len() < b.len()) {
                    best = Some(candidate);
                }
                break;
            }
        }
    }
    best.unwrap_or_else(|| format!("{bytes} B"))
}

/// Parses an age such as `24h`, `90m`, `2d`, `1w`, `36` (hours) or `1.5h` into hours.
/// Zero is allowed (the CLI's `sweep --older-than 0` sweeps every finished workspace).
pub fn parse_age_hours(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| "expected an age like 24h, 90m, 2d or 1w".to_owned())?;
    let hours = match unit.trim() {
        "" | "h" | "hour" | "hours" => value,
        "m" | "min" | "minutes" => value / 60.0,
        "d" | "day" | "days" => value * 24.0,
        "w" | "week" | "weeks" => value * 24.0 * 7.0,
        other => return Err(format!("unknown unit {other:?}: use m, h, d or w")),
    };
    if hours.is_finite() {
        Ok(hours)
    } else {
        Err("too large".into())
    }
}

/// [`parse_age_hours`] for `sweep_age_hours`, which must be more than 0.
pub fn parse_sweep_age(text: &str) -> Result<f64, String> {
    let hours = parse_age_hours(text)?;
    check_sweep_hours(hours)?;
    Ok(hours)
}

pub(super) fn check_sweep_hours(hours: f64) -> Result<(), &'static str> {
    if hours.is_finite() && hours > 0.0 {
        Ok(())
    } else {
        Err("expected an age of more than 0 hours, such as 24, 36h or 2d")
    }
}

pub(super) fn check_percent(percent: i64) -> Result<u8, &'static str> {
    u8::try_from(percent)
        .ok()
        .filter(|p| (1..=100).contains(p))
        .ok_or("expected a percentage from 1 to 100")
}

pub(super) fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

/// The words that remove a quota when given as its limit.
pub(super) fn is_off(text: &str) -> bool {
    let text = text.trim();
    text.eq_ignore_ascii_case("off") || text.eq_ignore_ascii_case("none")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn intervals_parse_off_and_refuse_the_too_short_and_the_unreadable() {
        let good = [
            ("6h", Some(6 * HOUR)),
            ("90m", Some(90 * MIN_INTERVAL)),
            ("1d", Some(24 * HOUR)),
            ("1h 30m", Some(90 * MIN_INTERVAL)),
            (" 2h ", Some(2 * HOUR)),
            ("1m", Some(MIN_INTERVAL)),
            ("1y", Some(MAX_INTERVAL)),
            ("1.5h", Some(90 * MIN_INTERVAL)),
            ("off", None),
            ("OFF", None),
            ("never", None),
            ("", None),
        ];
        for (text, want) in good {
            assert_eq!(parse_interval(text), Ok(want), "{text:?}");
        }
        for bad in ["0", "0s", "30s", "59s", "abc", "-1h", "6", "2y"] {
            assert!(parse_interval(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn formatted_intervals_read_back_exactly() {
        let table = [
            (None, "off"),
            (Some(6 * HOUR), "6h"),
            (Some(90 * MIN_INTERVAL), "1h 30m"),
            (Some(24 * HOUR), "1day"),
        ];
        for (interval, want) in table {
            let text = format_interval(interval);
            assert_eq!(text, want);
            assert_eq!(parse_interval(&text), Ok(interval), "{text}");
        }
    }

    #[test]
    fn sizes_parse_in_si_and_iec_units_and_plain_bytes() {
        let good = [
            ("20 GB", 20_000_000_000),
            ("20GB", 20_000_000_000),
            ("20 gb", 20_000_000_000),
            ("20 GiB", 20 << 30),
            ("1.5 TB", 1_500_000_000_000),
            ("1234", 1234),
            (" 5 KiB ", 5 << 10),
            ("1 B", 1),
        ];
        for (text, want) in good {
            assert_eq!(parse_size(text), Ok(want), "{text:?}");
        }
        for bad in [
            "",
            " ",
            "-5 GB",
            "-1",
            "0",
            "0 GB",
            "0.1 B",
            "abc",
            "20 XB",
            "99999999 EB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn sizes_format_short_and_read_back_exactly() {
        let table = [
            (20_000_000_000, "20 GB"),
            (20 << 30, "20 GiB"),
            (1_500_000_000_000, "1.5 TB"),
            (1536, "1.5 KiB"),
            (1234, "1234 B"),
            (1, "1 B"),
            (u64::MAX - 1, "18446744073709551614 B"),
        ];
        for (bytes, want) in table {
            assert_eq!(format_size(bytes), want);
            assert_eq!(parse_size(want), Ok(bytes), "{want}");
        }
    }

    #[test]
    fn ages_parse_in_every_unit() {
        let table = [
            ("24h", 24.0),
            ("36", 36.0),
            ("90m", 1.5),
            ("2d", 48.0),
            ("1w", 168.0),
            ("1.5h", 1.5),
            (" 0 ", 0.0),
        ];
        for (text, want) in table {
            assert_eq!(parse_age_hours(text), Ok(want), "{text}");
        }
        for bad in ["", "h", "-3h", "3y", "1e400"] {
            assert!(parse_age_hours(bad).is_err(), "{bad} should be refused");
        }
        // The setting must be more than 0.
        assert_eq!(parse_sweep_age("2d"), Ok(48.0));
        for bad in ["0", "0h", "-1", "abc"] {
            assert!(parse_sweep_age(bad).is_err(), "{bad} should be refused");
        }
    }

    proptest::proptest! {
        #[test]
        fn every_size_formats_to_text_that_reads_back(bytes in 1..u64::MAX) {
            proptest::prop_assert_eq!(parse_size(&format_size(bytes)), Ok(bytes));
        }
    }
}
