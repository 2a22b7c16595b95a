//! Agents-Runner's status vocabulary, reduced to the classes cleanup decisions need.

use serde::{Deserialize, Serialize};

/// What a task's status means for cleanup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusClass {
    /// Queued, running or otherwise still in the runner's hands: never touched unless forced.
    Active,
    /// Finished well (`done`, `cancelled`, `killed`, `exited` with code 0).
    Succeeded,
    /// Finished badly (`failed`, `error`, `dead`, `exited` with a non-zero code).
    Failed,
    /// Thrown away by the user.
    Discarded,
    /// A status this tool does not know; treated as "not finished" by every policy.
    Unknown,
}

impl StatusClass {
    /// Classifies a status string the way Agents-Runner does (case-insensitive,
    /// surrounding blanks ignored). `retrying (attempt N)` is a task between two
    /// attempts: active. `exited` needs the exit code: without one it is neither a
    /// success nor a failure, so it is unknown (as is the `unknown` Agents-Runner writes
    /// for a task it could not sync on restart).
    pub fn of(status: &str, exit_code: Option<i64>) -> Self {
        let status = status.trim().to_ascii_lowercase();
        match status.as_str() {
            "queued" | "pulling" | "cloning" | "created" | "starting" | "running" | "cleaning"
            | "paused" | "restarting" | "removing" => Self::Active,
            "done" | "cancelled" | "killed" => Self::Succeeded,
            "failed" | "error" | "dead" => Self::Failed,
            "exited" => match exit_code {
                Some(0) => Self::Succeeded,
                Some(_) => Self::Failed,
                None => Self::Unknown,
            },
            "discarded" => Self::Discarded,
            "unknown" => Self::Unknown,
            // `retrying (attempt 2)`; any spelling of a retry is treated as running.
            retry if retry.starts_with("retrying") => Self::Active,
            _ => Self::Unknown,
        }
    }

    /// Whether the task has stopped running (so its workspace is no longer in use).
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Discarded)
    }

    /// Every class, in the order the window's filter lists them.
    pub const ALL: [Self; 5] = [
        Self::Active,
        Self::Succeeded,
        Self::Failed,
        Self::Discarded,
        Self::Unknown,
    ];

    /// The class as the window and the CLI's JSON name it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Discarded => "discarded",
            Self::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StatusClass::{self, *};

    #[test]
    fn every_status_of_the_vocabulary_has_its_class() {
        let table: &[(&str, Option<i64>, StatusClass)] = &[
            ("queued", None, Active),
            ("pulling", None, Active),
            ("cloning", None, Active),
            ("created", None, Active),
            ("starting", None, Active),
            ("running", None, Active),
            ("cleaning", None, Active),
            ("paused", None, Active),
            ("restarting", None, Active),
            ("removing", None, Active),
            ("done", None, Succeeded),
            ("cancelled", None, Succeeded),
            ("killed", Some(137), Succeeded),
            ("exited", Some(0), Succeeded),
            ("exited", Some(1), Failed),
            ("exited", None, Unknown),
            ("retrying (attempt 2)", None, Active),
            ("Retrying (attempt 11)", Some(1), Active),
            ("retrying", None, Active),
            ("unknown", None, Unknown),
            ("UNKNOWN", Some(0), Unknown),
            ("failed", Some(2), Failed),
            ("error", None, Failed),
            ("dead", None, Failed),
            ("discarded", None, Discarded),
            ("DONE", None, Succeeded),
            (" Running ", None, Active),
            ("", None, Unknown),
            ("exploded", None, Unknown),
        ];
        for (status, code, want) in table {
            assert_eq!(
                StatusClass::of(status, *code),
                *want,
                "status {status:?} code {code:?}"
            );
        }
    }

    #[test]
    fn only_stopped_classes_count_as_finished() {
        assert!(Succeeded.is_finished());
        assert!(Failed.is_finished());
        assert!(Discarded.is_finished());
        assert!(!Active.is_finished());
        assert!(!Unknown.is_finished());
    }
}
