//! The names of the settings, as the file and `config set` spell them.

use super::ConfigError;
use super::reclaim::ReclaimField;
use std::fmt;
use std::str::FromStr;

pub(super) const KEEP_ON_ERROR: &str = "keep_on_error";
pub(super) const ARCHIVE_CLEANS_DONE: &str = "archive_cleans_done";
pub(super) const SWEEP_AGE_HOURS: &str = "sweep_age_hours";
pub(super) const ALLOW_UNSAVED_DELETE: &str = "allow_unsaved_delete";
pub(super) const DELETE_MERGED_UNSAVED: &str = "delete_merged_unsaved";
pub(super) const ARCHIVE_SLIMS_FAILED: &str = "archive_slims_failed";
pub(super) const DELETE_MODE: &str = "delete_mode";
pub(super) const SCHEDULE: &str = "schedule";
pub(super) const QUOTAS: &str = "quotas";
pub(super) const LIMIT: &str = "limit";
pub(super) const WARN_PERCENT: &str = "warn_percent";
pub(super) const AUTO_CLEAN: &str = "auto_clean";

pub(super) const KEY_LIST: &str = "keep_on_error, archive_cleans_done, sweep_age_hours, \
    allow_unsaved_delete, delete_merged_unsaved, archive_slims_failed, delete_mode, schedule, quotas.<env>.limit, \
    quotas.<env>.warn_percent, quotas.<env>.auto_clean, reclaim.<kind> (never, ask or \
    schedule), reclaim.schedule_age, reclaim.trim_logs_after, reclaim.trim_logs_keep";

/// A setting [`set_value`](super::set_value) can change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// `keep_on_error`
    KeepOnError,
    /// `archive_cleans_done`
    ArchiveCleansDone,
    /// `sweep_age_hours`
    SweepAgeHours,
    /// `allow_unsaved_delete`
    AllowUnsavedDelete,
    /// `delete_merged_unsaved`
    DeleteMergedUnsaved,
    /// `archive_slims_failed`
    ArchiveSlimsFailed,
    /// `delete_mode`
    DeleteMode,
    /// `schedule`
    Schedule,
    /// `reclaim.<field>`: a kind's setting, the schedule's age, the log trim.
    Reclaim(ReclaimField),
    /// `quotas.<env>.<field>`
    Quota {
        /// The environment id (it may contain dots).
        env: String,
        /// Which of the quota's values.
        field: QuotaField,
    },
}

/// A field of one environment's quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaField {
    /// `limit`: the size the environment's workspaces may take.
    Limit,
    /// `warn_percent`: the share of the limit that starts the warning.
    WarnPercent,
    /// `auto_clean`: the schedule may delete workspaces to get under the limit.
    AutoClean,
}

impl QuotaField {
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Limit => LIMIT,
            Self::WarnPercent => WARN_PERCENT,
            Self::AutoClean => AUTO_CLEAN,
        }
    }
}

impl FromStr for Key {
    type Err = ConfigError;

    /// `quotas.<env>.<field>` splits on the last dot, so env ids may contain dots.
    fn from_str(text: &str) -> Result<Self, ConfigError> {
        let key = match text {
            KEEP_ON_ERROR => Self::KeepOnError,
            ARCHIVE_CLEANS_DONE => Self::ArchiveCleansDone,
            SWEEP_AGE_HOURS => Self::SweepAgeHours,
            ALLOW_UNSAVED_DELETE => Self::AllowUnsavedDelete,
            DELETE_MERGED_UNSAVED => Self::DeleteMergedUnsaved,
            ARCHIVE_SLIMS_FAILED => Self::ArchiveSlimsFailed,
            DELETE_MODE => Self::DeleteMode,
            SCHEDULE => Self::Schedule,
            _ if text.starts_with("reclaim.") => {
                return text
                    .strip_prefix("reclaim.")
                    .and_then(ReclaimField::parse)
                    .map(Self::Reclaim)
                    .ok_or_else(|| ConfigError::UnknownKey {
                        key: text.to_owned(),
                    });
            }
            _ => {
                let field = text
                    .strip_prefix("quotas.")
                    .and_then(|rest| rest.rsplit_once('.'))
                    .filter(|(env, _)| !env.is_empty())
                    .and_then(|(env, field)| {
                        let field = match field {
                            LIMIT => QuotaField::Limit,
                            WARN_PERCENT => QuotaField::WarnPercent,
                            AUTO_CLEAN => QuotaField::AutoClean,
                            _ => return None,
                        };
                        Some(Self::Quota {
                            env: env.to_owned(),
                            field,
                        })
                    });
                return field.ok_or_else(|| ConfigError::UnknownKey {
                    key: text.to_owned(),
                });
            }
        };
        Ok(key)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::KeepOnError => KEEP_ON_ERROR,
            Self::ArchiveCleansDone => ARCHIVE_CLEANS_DONE,
            Self::SweepAgeHours => SWEEP_AGE_HOURS,
            Self::AllowUnsavedDelete => ALLOW_UNSAVED_DELETE,
            Self::DeleteMergedUnsaved => DELETE_MERGED_UNSAVED,
            Self::ArchiveSlimsFailed => ARCHIVE_SLIMS_FAILED,
            Self::DeleteMode => DELETE_MODE,
            Self::Schedule => SCHEDULE,
            Self::Reclaim(field) => return write!(f, "reclaim.{}", field.name()),
            Self::Quota { env, field } => {
                return write!(f, "quotas.{env}.{}", field.name());
            }
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn keys_split_the_environment_on_the_last_dot() -> TestResult {
        let table = [
            ("schedule", Key::Schedule),
            ("keep_on_error", Key::KeepOnError),
            (
                "quotas.my.env.limit",
                Key::Quota {
                    env: "my.env".into(),
                    field: QuotaField::Limit,
                },
            ),
            (
                "quotas.env-1.auto_clean",
                Key::Quota {
                    env: "env-1".into(),
                    field: QuotaField::AutoClean,
                },
            ),
        ];
        for (text, want) in table {
            let key: Key = text.parse()?;
            assert_eq!(key, want);
            assert_eq!(key.to_string(), text);
        }
        for bad in [
            "",
            "Schedule",
            "quotas",
            "quotas.limit",
            "quotas..limit",
            "quotas.env.size",
            "nope",
        ] {
            let err = bad.parse::<Key>().err().ok_or("accepted")?;
            assert!(err.is_bad_input() && err.to_string().contains("unknown setting"));
        }
        Ok(())
    }
}
