//! Lines for a task record's `logs`, in the form Agents-Runner's
//! `log_format.format_log` builds them: `[scope/subscope][LEVEL] message`. Its log view
//! shows any other line as `[legacy/unknown][INFO] ...`, so the janitor's lines go in as
//! `[cleanup/janitor][INFO|WARN|ERROR] message`.

use serde::Serialize;

/// The scope and subscope of every line the janitor adds to a record.
pub const JANITOR_SCOPE: &str = "cleanup/janitor";

/// How serious a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// What the janitor did.
    Info,
    /// Something it skipped or could only partly do.
    Warn,
    /// Something that failed.
    Error,
}

impl Level {
    /// The level as Agents-Runner spells it in a log line.
    pub fn label(self) -> &'static str {
        match self {
            Self::Info => "INFO",
            Self::Warn => "WARN",
            Self::Error => "ERROR",
        }
    }
}

/// `[cleanup/janitor][LEVEL] message`. As `format_log` does, a header the message
/// already starts with (`[x/y][INFO] `) is dropped, so a line has one header; line
/// breaks become spaces, so one entry stays one line in its log view.
pub fn janitor_line(level: Level, message: &str) -> String {
    let message: String = strip_header(message)
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    format!("[{JANITOR_SCOPE}][{}] {message}", level.label())
}

/// `message` without a leading `[anything][UPPER]` header and the blanks after it
/// (Agents-Runner's `^\[[^\]]+\]\[[A-Z]+\]\s*`).
fn strip_header(message: &str) -> &str {
    let header_end = || -> Option<usize> {
        let rest = message.strip_prefix('[')?;
        let scope_len = rest.find(']')?;
        if scope_len == 0 {
            return None;
        }
        let rest = rest[scope_len + 1..].strip_prefix('[')?;
        let level_len = rest.find(|c: char| !c.is_ascii_uppercase())?;
        if level_len == 0 || !rest[level_len..].starts_with(']') {
            return None;
        }
        Some(1 + scope_len + 1 + 1 + level_len + 1)
    };
    match header_end() {
        Some(end) => message[end..].trim_start(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_agents_runners_canonical_header() {
        let table = [
            (
                Level::Info,
                "Workspace cleaned up",
                "[cleanup/janitor][INFO] Workspace cleaned up",
            ),
            (
                Level::Warn,
                "two\nlines",
                "[cleanup/janitor][WARN] two lines",
            ),
            (
                Level::Error,
                "[cleanup/task][ERROR]   Failed",
                "[cleanup/janitor][ERROR] Failed",
            ),
            (
                Level::Info,
                "[cleanup] old style stays text",
                "[cleanup/janitor][INFO] [cleanup] old style stays text",
            ),
            (
                Level::Info,
                "[][INFO] x",
                "[cleanup/janitor][INFO] [][INFO] x",
            ),
            (
                Level::Info,
                "[a][info] x",
                "[cleanup/janitor][INFO] [a][info] x",
            ),
            (Level::Info, "", "[cleanup/janitor][INFO] "),
        ];
        for (level, message, want) in table {
            assert_eq!(janitor_line(level, message), want, "{message:?}");
        }
    }
}
