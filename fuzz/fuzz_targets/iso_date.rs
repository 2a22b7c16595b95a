//! Arbitrary text as an ISO 8601 date and arbitrary floats as Unix seconds: a moment or
//! `None`, never a panic; a parsed moment formats and parses back to itself.
#![no_main]

use agents_janitor::store::time::{format_iso, from_unix_seconds, parse_iso};
use chrono::Datelike;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    // Years outside 1970..=9999 have no four-digit ISO spelling to round-trip through.
    if let Some(moment) = parse_iso(&text).filter(|m| (1970..=9999).contains(&m.year())) {
        let shown = format_iso(moment.into());
        let micros = |m: chrono::DateTime<chrono::Utc>| m.timestamp_micros();
        assert_eq!(
            parse_iso(&shown).map(micros),
            Some(micros(moment)),
            "{shown}"
        );
    }
    if let Ok(eight) = <[u8; 8]>::try_from(bytes.get(..8).unwrap_or_default()) {
        let _ = from_unix_seconds(f64::from_le_bytes(eight));
    }
});
