//! Disk quotas per environment: how full each one is, and which workspaces go first
//! when one is over.

use super::builder::{Builder, hours_between};
use super::{Quota, RecordChange, Step, WorkspaceDeletion};
use crate::scan::Usage;
use crate::status::StatusClass;
use crate::store::paths::safe_id;
use crate::store::{FolderKind, Snapshot, TaskRecord, WorkspaceDir, WorkspaceType};
use crate::text;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::SystemTime;

/// How full an environment is against its quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaLevel {
    /// Below the warning threshold.
    Ok,
    /// At or above the warning threshold, not over the limit.
    Warning,
    /// Above the limit.
    Over,
}

impl QuotaLevel {
    /// The level in words, for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warning => "warning",
            Self::Over => "over quota",
        }
    }
}

/// The level of `used_bytes` against `quota`: over above the limit, a warning from
/// `warn_percent` of it up (exact integer arithmetic, no rounding at the threshold).
pub fn quota_level(used_bytes: u64, quota: &Quota) -> QuotaLevel {
    if used_bytes > quota.limit_bytes {
        QuotaLevel::Over
    } else if u128::from(used_bytes) * 100
        >= u128::from(quota.limit_bytes) * u128::from(quota.warn_percent)
    {
        QuotaLevel::Warning
    } else {
        QuotaLevel::Ok
    }
}

/// What the task workspaces of one environment folder take.
#[derive(Debug, Clone, Copy, Default)]
struct EnvUsage {
    /// On-disk bytes of every folder under `managed-repos/<env>/tasks/`, orphans included.
    bytes: u64,
    /// Folders not sized yet (their bytes are missing from `bytes`).
    not_sized: usize,
}

/// Usage by environment folder name.
fn env_usage(snapshot: &Snapshot, usage: &HashMap<PathBuf, Usage>) -> BTreeMap<String, EnvUsage> {
    let mut by_env: BTreeMap<String, EnvUsage> = BTreeMap::new();
    for dir in &snapshot.workspaces {
        let entry = by_env.entry(dir.env_folder.clone()).or_default();
        match usage.get(&dir.path) {
            Some(found) => entry.bytes += found.disk_bytes,
            None => entry.not_sized += 1,
        }
    }
    by_env
}

/// One environment's usage against its quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaState {
    /// The environment, as the quota names it.
    pub env_id: String,
    /// On-disk bytes of its workspace folders (those sized so far).
    pub used_bytes: u64,
    /// The quota's limit.
    pub limit_bytes: u64,
    /// The quota's warning threshold, in percent of the limit.
    pub warn_percent: u8,
    /// Whether the scheduled cleanup enforces this quota.
    pub auto_clean: bool,
    /// How full it is.
    pub level: QuotaLevel,
    /// Workspaces not sized yet: the usage may be higher.
    pub not_sized: usize,
}

impl QuotaState {
    /// Usage in percent of the limit (may be above 100).
    pub fn percent(&self) -> f64 {
        if self.limit_bytes == 0 {
            return 100.0;
        }
        self.used_bytes as f64 * 100.0 / self.limit_bytes as f64
    }
}

/// The state of every quota, in environment id order.
pub fn quota_states(
    snapshot: &Snapshot,
    usage: &HashMap<PathBuf, Usage>,
    quotas: &BTreeMap<String, Quota>,
) -> Vec<QuotaState> {
    let by_env = env_usage(snapshot, usage);
    quotas
        .iter()
        .map(|(env_id, quota)| {
            let used = by_env.get(&safe_id(env_id)).copied().unwrap_or_default();
            QuotaState {
                env_id: env_id.clone(),
                used_bytes: used.bytes,
                limit_bytes: quota.limit_bytes,
                warn_percent: quota.warn_percent,
                auto_clean: quota.auto_clean,
                level: quota_level(used.bytes, quota),
                not_sized: used.not_sized,
            }
        })
        .collect()
}

/// Why workspaces of an over-quota environment could not be deleted, in bytes.
#[derive(Default)]
struct Held {
    active: u64,
    kept_for_debugging: u64,
    finalizing: u64,
    unsaved: u64,
    orphans: u64,
    not_sized: usize,
    not_ours: u64,
    mount_points: u64,
}

impl Held {
    fn describe(&self) -> String {
        let mut parts: Vec<String> = [
            (self.active, "active or of unknown status"),
            (
                self.kept_for_debugging,
                "failed and kept for debugging (keep_on_error)",
            ),
            (self.finalizing, "waiting for finalization"),
            (self.unsaved, "with unsaved git work"),
            (self.orphans, "in orphan folders (see Orphans)"),
            (self.not_ours, "in folders that are not ours to delete"),
            (
                self.mount_points,
                "in workspaces that are or hold a mount point",
            ),
        ]
        .into_iter()
        .filter(|(bytes, _)| *bytes > 0)
        .map(|(bytes, why)| format!("{} {why}", text::bytes(bytes)))
        .collect();
        if self.not_sized > 0 {
            parts.push(format!("{} workspace(s) not sized yet", self.not_sized));
        }
        if parts.is_empty() {
            "nothing else may be deleted".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

impl Builder<'_> {
    /// For each environment over its quota, deletes the workspaces of finished tasks,
    /// least recently changed first, until it is under; says why when it cannot get there.
    pub(super) fn enforce_quotas(
        &mut self,
        quotas: &BTreeMap<String, Quota>,
        keep_on_error: bool,
        allow_unsaved: bool,
    ) {
        let snapshot = self.input.snapshot;
        let by_env = env_usage(snapshot, self.input.usage);
        for (env_id, quota) in quotas {
            let folder = safe_id(env_id);
            let used = by_env.get(&folder).map_or(0, |u| u.bytes);
            // What earlier parts of this plan free already counts.
            let freed: u64 = self
                .plan
                .steps
                .iter()
                .filter(|s| s.workspace.as_ref().is_some_and(|w| w.env_id == folder))
                .map(|s| s.bytes)
                .sum();
            let mut remaining = used.saturating_sub(freed);
            if remaining <= quota.limit_bytes {
                continue;
            }
            let mut held = Held::default();
            let mut candidates: Vec<(SystemTime, &WorkspaceDir, &TaskRecord)> = Vec::new();
            for dir in snapshot
                .workspaces
                .iter()
                .filter(|d| d.env_folder == folder)
            {
                if self.planned(&dir.path) {
                    continue;
                }
                let Some(found) = self.input.usage.get(&dir.path) else {
                    held.not_sized += 1;
                    continue;
                };
                let bytes = found.disk_bytes;
                let ours = dir.is_dir
                    && snapshot
                        .environment_of_folder(&dir.env_folder)
                        .is_some_and(|env| env.workspace_type == WorkspaceType::Cloned);
                let record = self.record_of_folder(dir);
                let Some(task) = record else {
                    held.orphans += bytes;
                    continue;
                };
                let class = task.status_class();
                let unsaved = self.git(&dir.path).is_some_and(|g| g.has_unsaved_work());
                let counter = if !ours {
                    Some(&mut held.not_ours)
                } else if !class.is_finished() {
                    Some(&mut held.active)
                } else if class == StatusClass::Failed && keep_on_error {
                    Some(&mut held.kept_for_debugging)
                } else if !task.is_finalized() && class != StatusClass::Discarded {
                    Some(&mut held.finalizing)
                } else if unsaved && !allow_unsaved {
                    Some(&mut held.unsaved)
                } else {
                    None
                };
                if let Some(counter) = counter {
                    *counter += bytes;
                    continue;
                }
                let newest = found.newest_mtime.unwrap_or(SystemTime::UNIX_EPOCH);
                candidates.push((newest, dir, task));
            }
            candidates.sort_by_key(|(newest, dir, _)| (*newest, dir.path.clone()));
            for (newest, dir, task) in candidates {
                if remaining <= quota.limit_bytes {
                    break;
                }
                let bytes = self.bytes(&dir.path);
                if !self.mounts_allow(&task.task_id, &dir.path) {
                    held.mount_points += bytes;
                    continue;
                }
                self.unsaved_allows(&task.task_id, &dir.path, allow_unsaved);
                self.push(Step {
                    task_id: task.task_id.clone(),
                    env_id: task.environment_id.clone(),
                    record: Some(task.file.clone()),
                    record_change: RecordChange::Keep,
                    workspace: Some(WorkspaceDeletion {
                        path: dir.path.clone(),
                        env_id: dir.env_folder.clone(),
                        task_id: dir.task_folder.clone(),
                        workspace_type: WorkspaceType::Cloned,
                        kind: FolderKind::TaskWorkspace,
                    }),
                    container_id: None,
                    bytes,
                    reason: format!(
                        "{env_id} is over its quota of {} ({} used): oldest first, last changed {:.1}h ago",
                        text::bytes(quota.limit_bytes),
                        text::bytes(used),
                        hours_between(newest, self.input.now)
                    ),
                    git: self.git(&dir.path),
                });
                remaining = remaining.saturating_sub(bytes);
            }
            if remaining > quota.limit_bytes {
                self.plan.warnings.push(format!(
                    "environment {env_id} stays over its quota of {} by {}: {}",
                    text::bytes(quota.limit_bytes),
                    text::bytes(remaining - quota.limit_bytes),
                    held.describe()
                ));
            }
        }
    }
}
