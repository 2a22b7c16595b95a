//! Staging: a validated workspace is renamed into the staging folder, then purged from
//! there; leftovers of a crash are finished at the next start.

use super::walk;
use super::{
    ProgressFn, PurgeReport, RemoveError, RemoveFailure, Remover, StagedWorkspace, Staging,
    WorkspaceTarget, io_error,
};
use crate::store::paths;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

impl Remover {
    /// The staging folder, checked like a workspace path (`managed-repos` and the
    /// staging folder itself real folders in the data dir's mount). `None` when it
    /// does not exist and `create` is false.
    pub(super) fn checked_staging(&self, create: bool) -> Result<Option<PathBuf>, RemoveError> {
        let data_device = self.data_device()?;
        let managed = paths::managed_repos_dir(&self.data_dir);
        let staging = self.staging_dir();
        if !self.real_folder(&managed, data_device, &staging)? {
            return Ok(None);
        }
        if self.real_folder(&staging, data_device, &staging)? {
            return Ok(Some(staging));
        }
        if !create {
            return Ok(None);
        }
        self.fs
            .create_dir_all(&staging)
            .map_err(|err| io_error(&staging, &err))?;
        Ok(Some(staging))
    }

    /// Validates `target` and renames it into staging. After this the workspace is
    /// gone from its real path; [`Remover::purge`] frees the space.
    pub fn stage(&self, target: &WorkspaceTarget) -> Result<Staging, RemoveError> {
        let Some(original) = self.validate(target)? else {
            return Ok(Staging::Missing(self.target_path(target)));
        };
        // No `managed-repos` any more means the workspace went with it.
        let Some(staging) = self.checked_staging(true)? else {
            return Ok(Staging::Missing(original));
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let staged = staging.join(staged_name(&target.env_id, &target.task_id, nanos));
        match self.fs.rename(&original, &staged) {
            Ok(()) => Ok(Staging::Staged(StagedWorkspace { original, staged })),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Staging::Missing(original)),
            Err(err) => Err(io_error(&original, &err)),
        }
    }

    /// Deletes a staged tree: never follows symlinks (a link is removed, not its target),
    /// never enters another mount, makes read-only folders writable and retries, and
    /// carries on past entries that still fail, reporting each.
    pub fn purge(&self, staged: &Path, progress: ProgressFn) -> PurgeReport {
        let refused = |path: &Path, message: String| PurgeReport {
            failures: vec![RemoveFailure {
                path: path.to_path_buf(),
                message,
            }],
            ..PurgeReport::default()
        };
        let staging = match self.checked_staging(false) {
            Ok(Some(staging)) => staging,
            Ok(None) => {
                return refused(staged, "the staging folder does not exist; refused".into());
            }
            Err(err) => return refused(staged, err.to_string()),
        };
        if staged.parent() != Some(staging.as_path()) {
            return refused(staged, "not inside the staging folder; refused".into());
        }
        let walk = walk::Walk {
            fs: self.fs.as_ref(),
            cancel: &self.cancel,
            progress,
        };
        let mut report = walk.purge(staged);
        report.complete = report.failures.is_empty() && !self.cancelled();
        report
    }

    /// Finishes deletes that a crash or a cancel left in staging. Returns each
    /// leftover with its report; refuses a staging folder that is not a real one.
    pub fn finish_staged(
        &self,
        progress: ProgressFn,
    ) -> Result<Vec<(PathBuf, PurgeReport)>, RemoveError> {
        let Some(staging) = self.checked_staging(false)? else {
            return Ok(Vec::new());
        };
        let leftovers = self
            .fs
            .list(&staging)
            .map_err(|err| io_error(&staging, &err))?;
        Ok(leftovers
            .into_iter()
            .map(|path| {
                let report = self.purge(&path, progress);
                (path, report)
            })
            .collect())
    }
}

/// The longest file name common filesystems take, in bytes.
pub(super) const NAME_MAX: usize = 255;

/// `<env>--<task>--<nanos>`, with the ids cut short where the whole would be longer than
/// a file name may be (a task id of 250 characters is a valid folder name on its own).
/// The nanoseconds keep it unique; ids are plain ASCII, so any cut is on a character.
fn staged_name(env_id: &str, task_id: &str, nanos: u128) -> String {
    let suffix = format!("--{nanos}");
    let mut name = format!("{env_id}--{task_id}");
    name.truncate(NAME_MAX.saturating_sub(suffix.len()));
    name + &suffix
}
