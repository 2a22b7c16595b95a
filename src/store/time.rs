//! Dates as Agents-Runner writes and reads them: ISO 8601 strings, never native TOML datetimes.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use std::time::SystemTime;

/// Formats a moment the way Agents-Runner's Python writes `now`:
/// `2026-11-25T10:41:43.617551+00:00`.
pub fn format_iso(moment: SystemTime) -> String {
    let utc: DateTime<Utc> = moment.into();
    utc.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// The current moment, written by [`format_iso`].
pub fn now_iso() -> String {
    format_iso(SystemTime::now())
}

/// Parses an ISO 8601 string as Agents-Runner writes them (`Z`, an offset, or none,
/// which Python means as UTC). Returns `None` for anything else.
pub fn parse_iso(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(text) {
        return Some(with_offset.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// Converts Agents-Runner's `created_at_s` (float Unix seconds) into a moment.
pub fn from_unix_seconds(seconds: f64) -> Option<DateTime<Utc>> {
    if !seconds.is_finite() {
        return None;
    }
    let whole = seconds.floor();
    let nanos = ((seconds - whole) * 1e9).round().clamp(0.0, 999_999_999.0) as u32;
    DateTime::from_timestamp(whole as i64, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn formats_like_python_isoformat_with_utc() {
        let moment = UNIX_EPOCH + Duration::from_micros(1_795_826_503_617_551);
        assert_eq!(format_iso(moment), "2026-11-28T00:41:43.617551+00:00");
    }

    #[test]
    fn parses_every_spelling_agents_runner_writes() {
        let want = parse_iso("2026-11-25T10:41:43.617551+00:00");
        assert!(want.is_some());
        assert_eq!(parse_iso("2026-11-25T10:41:43.617551Z"), want);
        assert_eq!(parse_iso("2026-11-25T11:41:43.617551+01:00"), want);
        assert_eq!(parse_iso("2026-11-25T10:41:43.617551"), want);
        assert_eq!(parse_iso("not a date"), None);
        assert_eq!(parse_iso(""), None);
    }

    #[test]
    fn unix_seconds_keep_their_fraction_and_reject_nonsense() {
        let got = from_unix_seconds(1_700_000_000.5).map(|d| d.timestamp_millis());
        assert_eq!(got, Some(1_700_000_000_500));
        assert_eq!(from_unix_seconds(f64::NAN), None);
        assert_eq!(from_unix_seconds(f64::INFINITY), None);
    }
}
