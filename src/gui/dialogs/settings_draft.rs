//! The Settings dialog's fields as typed, checked with the same parsers the settings
//! file is read with: nothing is saved while any field is invalid, and each error is
//! shown next to its field.

use super::settings_reclaim::ReclaimDraft;
use crate::config::{self, Config, format_interval, format_size};
use crate::policy::{DeleteMode, Quota};
use std::collections::BTreeMap;

/// One quota row as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaDraft {
    /// The environment it limits.
    pub env_id: String,
    /// The limit as typed ("20 GB").
    pub limit: String,
    /// The warning threshold in percent, as typed.
    pub warn_percent: String,
    /// Over quota, the scheduled cleanup deletes the oldest finished workspaces.
    pub auto_clean: bool,
}

/// The dialog's fields, as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsDraft {
    /// Keep the workspaces of failed tasks.
    pub keep_on_error: bool,
    /// Archiving deletes the workspaces of tasks that ended well.
    pub archive_cleans_done: bool,
    /// Delete workspaces with unsaved work without asking.
    pub allow_unsaved_delete: bool,
    /// The schedule deletes unsaved work that is merged.
    pub delete_merged_unsaved: bool,
    /// Archiving slims the failed tasks' workspaces it keeps.
    pub archive_slims_failed: bool,
    /// Delete at once, or move to the trash.
    pub delete_mode: DeleteMode,
    /// The sweep age as typed ("24h", "2d").
    pub sweep_age: String,
    /// The scheduled cleanup's interval as typed ("6h", "off").
    pub schedule: String,
    /// One per quota row.
    pub quotas: Vec<QuotaDraft>,
    /// The environment the "Add quota" button adds.
    pub new_quota_env: String,
    /// The reclaim settings as typed.
    pub reclaim: ReclaimDraft,
}

/// The fields that are invalid, each with its reason.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DraftErrors {
    /// Why the sweep age is wrong.
    pub sweep_age: Option<String>,
    /// Why the interval is wrong.
    pub schedule: Option<String>,
    /// By quota row: each field's error, so it shows under that field.
    pub quotas: BTreeMap<usize, QuotaErrors>,
    /// The first bad reclaim field.
    pub reclaim: Option<String>,
}

/// What is wrong in one quota row, field by field.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct QuotaErrors {
    /// Why the environment cannot take this quota.
    pub env: Option<String>,
    /// Why the limit is not a size.
    pub limit: Option<String>,
    /// Why the warning level is not a percentage.
    pub warn: Option<String>,
}

impl SettingsDraft {
    /// The fields showing `config`.
    pub fn from_config(config: &Config) -> Self {
        Self {
            keep_on_error: config.keep_on_error,
            archive_cleans_done: config.archive_cleans_done,
            allow_unsaved_delete: config.allow_unsaved_delete,
            delete_merged_unsaved: config.delete_merged_unsaved,
            archive_slims_failed: config.archive_slims_failed,
            delete_mode: config.delete_mode,
            sweep_age: format!("{}h", config.sweep_age_hours),
            schedule: format_interval(config.schedule),
            quotas: config
                .quotas
                .iter()
                .map(|(env_id, quota)| QuotaDraft {
                    env_id: env_id.clone(),
                    limit: format_size(quota.limit_bytes),
                    warn_percent: quota.warn_percent.to_string(),
                    auto_clean: quota.auto_clean,
                })
                .collect(),
            new_quota_env: String::new(),
            reclaim: ReclaimDraft::from_settings(&config.reclaim),
        }
    }

    /// The settings the fields describe, or every field that is wrong.
    pub fn to_config(&self) -> Result<Config, DraftErrors> {
        let mut errors = DraftErrors::default();
        let sweep_age_hours = config::parse_sweep_age(&self.sweep_age)
            .map_err(|reason| errors.sweep_age = Some(reason))
            .unwrap_or_default();
        let schedule = config::parse_interval(&self.schedule)
            .map_err(|reason| errors.schedule = Some(reason))
            .unwrap_or_default();
        let mut quotas = BTreeMap::new();
        for (row, draft) in self.quotas.iter().enumerate() {
            let env_id = draft.env_id.trim();
            if quotas.contains_key(env_id) {
                errors.quotas.insert(
                    row,
                    QuotaErrors {
                        env: Some("already has a quota above".into()),
                        ..QuotaErrors::default()
                    },
                );
                continue;
            }
            match quota_from_draft(draft) {
                Ok(quota) => {
                    quotas.insert(env_id.to_owned(), quota);
                }
                Err(reason) => {
                    errors.quotas.insert(row, reason);
                }
            }
        }
        let reclaim = self
            .reclaim
            .to_settings()
            .map_err(|reason| errors.reclaim = Some(reason))
            .unwrap_or_default();
        if errors != DraftErrors::default() {
            return Err(errors);
        }
        Ok(Config {
            keep_on_error: self.keep_on_error,
            archive_cleans_done: self.archive_cleans_done,
            sweep_age_hours,
            allow_unsaved_delete: self.allow_unsaved_delete,
            delete_merged_unsaved: self.delete_merged_unsaved,
            archive_slims_failed: self.archive_slims_failed,
            delete_mode: self.delete_mode,
            schedule,
            quotas,
            reclaim,
        })
    }
}

/// The quota a row describes, or every field of it that is wrong.
fn quota_from_draft(draft: &QuotaDraft) -> Result<Quota, QuotaErrors> {
    let env = draft
        .env_id
        .trim()
        .is_empty()
        .then(|| "choose an environment".to_owned());
    let limit = config::parse_size(&draft.limit);
    let warn = match draft.warn_percent.trim().parse::<u8>() {
        Ok(percent) if (1..=100).contains(&percent) => Ok(percent),
        _ => Err("a whole percentage from 1 to 100".to_owned()),
    };
    match (env, limit, warn) {
        (None, Ok(limit_bytes), Ok(warn_percent)) => Ok(Quota {
            limit_bytes,
            warn_percent,
            auto_clean: draft.auto_clean,
        }),
        (env, limit, warn) => Err(QuotaErrors {
            env,
            limit: limit.err(),
            warn: warn.err(),
        }),
    }
}

#[cfg(test)]
mod tests;
