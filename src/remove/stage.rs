//! Staging: a validated workspace is renamed into the staging folder, then purged from
//! there; leftovers of a crash are finished at the next start.

use super::staged_name::{StagedIntent, StagedName, fallback_name};
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
        self.real_or_created(staging, data_device, create)
    }

    /// `staging` when it is a real folder on `device`; else created when `create` (its
    /// parent already checked), or `None`.
    pub(super) fn real_or_created(
        &self,
        staging: PathBuf,
        device: u64,
        create: bool,
    ) -> Result<Option<PathBuf>, RemoveError> {
        if self.real_folder(&staging, device, &staging)? {
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

    /// Validates `target` and renames it into staging, meaning nothing for its record
    /// ([`StagedIntent::Remove`]). After this the workspace is gone from its real path;
    /// [`Remover::purge`] frees the space.
    pub fn stage(&self, target: &WorkspaceTarget) -> Result<Staging, RemoveError> {
        self.stage_with_intent(target, StagedIntent::Remove)
    }

    /// Like [`Remover::stage`], under a name that carries `intent` ([`StagedName`]; see
    /// [`Remover::carries_intent`]).
    pub fn stage_with_intent(
        &self,
        target: &WorkspaceTarget,
        intent: StagedIntent,
    ) -> Result<Staging, RemoveError> {
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
        let name = StagedName {
            env_id: target.env_id.clone(),
            folder: target.task_id.clone(),
            intent,
            nanos,
        };
        let name = name
            .format()
            .unwrap_or_else(|| fallback_name(&target.env_id, &target.task_id, nanos));
        let staged = staging.join(name);
        match self.fs.rename(&original, &staged) {
            Ok(()) => Ok(Staging::Staged(StagedWorkspace { original, staged })),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Staging::Missing(original)),
            Err(err) => Err(io_error(&original, &err)),
        }
    }

    /// Whether a workspace staged for `target` gets a name that carries `intent` (its
    /// ids are short enough): only then may the caller stage it before the record
    /// change, since only then can the next start finish that change after a crash.
    pub fn carries_intent(target: &WorkspaceTarget, intent: StagedIntent) -> bool {
        StagedName {
            env_id: target.env_id.clone(),
            folder: target.task_id.clone(),
            intent,
            nanos: u128::MAX,
        }
        .format()
        .is_some()
    }

    /// Puts a workspace staged by this run back at its real path (the record change
    /// that was to follow failed). The way back is checked as on the way out: every
    /// folder above the workspace a real folder in the data dir's mount. Where a folder
    /// has appeared at the real path since (a task started again), it goes beside it as
    /// `<task>.bak-<nanos>`, Agents-Runner's own name for a folder moved aside (listed
    /// as a backup, deleted only when the user names it). Returns where it went.
    pub fn unstage(&self, staged: &StagedWorkspace) -> Result<PathBuf, RemoveError> {
        let data_device = self.data_device()?;
        let mut folder = staged.original.clone();
        let mut above = Vec::new();
        while folder.pop() && folder.starts_with(&self.data_dir) && folder != self.data_dir {
            above.push(folder.clone());
        }
        for folder in above.iter().rev() {
            if !self.real_folder(folder, data_device, &staged.original)? {
                return Err(RemoveError::Refused {
                    path: staged.original.clone(),
                    reason: format!("{} is gone; left in staging", folder.display()),
                });
            }
        }
        let taken = |err: &io::Error| {
            matches!(
                err.kind(),
                io::ErrorKind::AlreadyExists
                    | io::ErrorKind::DirectoryNotEmpty
                    | io::ErrorKind::NotADirectory
            )
        };
        match self.fs.rename(&staged.staged, &staged.original) {
            Ok(()) => Ok(staged.original.clone()),
            Err(err) if taken(&err) => {
                let nanos = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0);
                let mut aside = staged.original.clone().into_os_string();
                aside.push(format!("{}{nanos}", paths::BACKUP_MARK));
                let aside = PathBuf::from(aside);
                self.fs
                    .rename(&staged.staged, &aside)
                    .map(|()| aside)
                    .map_err(|err| io_error(&staged.original, &err))
            }
            Err(err) => Err(io_error(&staged.original, &err)),
        }
    }

    /// Deletes a staged tree: never follows symlinks (a link is removed, not its target),
    /// never enters another mount, makes read-only folders writable and retries, and
    /// carries on past entries that still fail, reporting each.
    pub fn purge(&self, staged: &Path, progress: ProgressFn) -> PurgeReport {
        self.purge_in(staged, self.checked_staging(false), progress)
    }

    /// Deletes `staged`, which must sit directly in `staging` (as the caller checked
    /// it: a real folder, or `None` when there is none), walking as [`Remover::purge`]
    /// says; anything else is refused and reported as the one failure.
    pub(super) fn purge_in(
        &self,
        staged: &Path,
        staging: Result<Option<PathBuf>, RemoveError>,
        progress: ProgressFn,
    ) -> PurgeReport {
        let refused = |message: String| PurgeReport {
            failures: vec![RemoveFailure {
                path: staged.to_path_buf(),
                message,
            }],
            ..PurgeReport::default()
        };
        let staging = match staging {
            Ok(Some(staging)) => staging,
            Ok(None) => return refused("the staging folder does not exist; refused".into()),
            Err(err) => return refused(err.to_string()),
        };
        if staged.parent() != Some(staging.as_path()) {
            return refused("not inside the staging folder; refused".into());
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
        self.finish_staged_with(progress, &mut |_| {})
    }

    /// Like [`Remover::finish_staged`], calling `before_purge` with each leftover first
    /// (the executor finishes its record step there).
    pub fn finish_staged_with(
        &self,
        progress: ProgressFn,
        before_purge: &mut dyn FnMut(&Path),
    ) -> Result<Vec<(PathBuf, PurgeReport)>, RemoveError> {
        let Some(staging) = self.checked_staging(false)? else {
            return Ok(Vec::new());
        };
        self.purge_each_in(&staging, |path| {
            before_purge(path);
            self.purge(path, progress)
        })
    }

    /// Purges every entry of the staging folder `staging` with `purge`, in listing
    /// order: what each freed, by entry.
    pub(super) fn purge_each_in(
        &self,
        staging: &Path,
        mut purge: impl FnMut(&Path) -> PurgeReport,
    ) -> Result<Vec<(PathBuf, PurgeReport)>, RemoveError> {
        let entries = self
            .fs
            .list(staging)
            .map_err(|err| io_error(staging, &err))?;
        Ok(entries
            .into_iter()
            .map(|path| {
                let report = purge(&path);
                (path, report)
            })
            .collect())
    }
}
