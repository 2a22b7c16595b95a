//! Cells of the text tables the listings print: a column cut to its width, an age, a
//! moment as Unix seconds (the JSON rows), the note under a table about a mount point.

use crate::store;
use crate::text;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// `text` cut to `width` characters, its last one an ellipsis when it was longer.
pub(super) fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let kept: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// How long ago Agents-Runner's `created_at_s` (Unix seconds) was; `None` when it is
/// not a moment.
pub(super) fn age_text(unix_seconds: f64, now: SystemTime) -> Option<String> {
    let moment: SystemTime = store::time::from_unix_seconds(unix_seconds)?.into();
    Some(text::relative_time(moment, now))
}

/// `time` as the JSON rows give it; `None` before 1970.
pub(super) fn unix_seconds(time: SystemTime) -> Option<f64> {
    time.duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs_f64())
}

/// What a mount point in a workspace means, for the listings.
pub(super) fn mount_point_note(mount_point: &Path) -> String {
    format!(
        "{} is a mount point: not counted in the workspace's size, and the workspace is not deleted until it is unmounted",
        mount_point.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_cuts_with_an_ellipsis() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
