//! The next start after a crash or a cancel: every workspace left in staging is
//! deleted, and first, when its staging name says the run meant to change the task's
//! record ([`StagedName`]), that record change is finished, so a run killed between
//! the staging rename and the record change still ends with the record it promised.

use super::execute::{holds, report_progress};
use super::report::log;
use super::step::discard_edit;
use super::{Emit, Executor, Level};
use crate::agents_runner::RunnerProcess;
use crate::checkpoint;
use crate::lock::{DataDirLock, LockError};
use crate::policy::{self, Activity};
use crate::remove::{StagedIntent, StagedName};
use crate::store::legacy;
use crate::store::paths;
use crate::store::tasks;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// What [`Executor::finish_staged`] finished.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resumed {
    /// Bytes the leftover deletes freed.
    pub bytes_freed: u64,
    /// Task records whose interrupted change was finished (a snapshot loaded before is
    /// out of date when this is not zero).
    pub records_finished: usize,
}

impl Executor {
    /// Finishes what a crash or a cancel left in staging: the record change each
    /// leftover's name carries, then its delete. Needs the lock; a staging folder that
    /// cannot be trusted is logged and left alone. While Agents-Runner runs, a record
    /// it may hold is not changed (the leftover is still deleted, as before the record
    /// step existed: the record then stays as it was, whole).
    pub fn finish_staged(&self, emit: Emit) -> Result<Resumed, LockError> {
        let _lock = DataDirLock::acquire(&self.data_dir, "finishing interrupted deletes")?;
        let resumed = AtomicU64::new(0);
        let bytes = AtomicU64::new(0);
        let last_report = Mutex::new(Instant::now());
        let on_progress = |removed: u64, freed: u64| {
            let entries_removed = resumed.fetch_add(removed, Ordering::Relaxed) + removed;
            checkpoint::counted(checkpoint::RESUME_ENTRY, entries_removed);
            let bytes_freed = bytes.fetch_add(freed, Ordering::Relaxed) + freed;
            report_progress(&last_report, emit, entries_removed, bytes_freed);
        };
        let runner: OnceLock<Option<RunnerProcess>> = OnceLock::new();
        let mut records_finished = 0;
        let mut finish_record = |staged: &Path| {
            let Some(name) = staged
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(StagedName::parse)
            else {
                return;
            };
            if name.intent == StagedIntent::Remove {
                return;
            }
            let runner = runner.get_or_init(|| self.agents_runner.check(&self.data_dir));
            if self.finish_record_step(&name, runner.as_ref(), emit) {
                records_finished += 1;
            }
        };
        let leftovers = match self
            .remover
            .finish_staged_with(&on_progress, &mut finish_record)
        {
            Ok(leftovers) => leftovers,
            Err(err) => {
                log(emit, Level::Error, format!("[cleanup] {err}"));
                return Ok(Resumed::default());
            }
        };
        let mut bytes_freed = 0;
        for (path, report) in leftovers {
            log(
                emit,
                Level::Info,
                format!("[cleanup] Finishing interrupted delete: {}", path.display()),
            );
            bytes_freed += report.bytes_freed;
            self.log_purge(&path, &report, emit);
        }
        bytes_freed += self.finish_staged_leftovers(emit);
        Ok(Resumed {
            bytes_freed,
            records_finished,
        })
    }

    /// Applies the record change `name` carries, if it is still to be done and allowed;
    /// says why not otherwise. True when the record changed.
    fn finish_record_step(
        &self,
        name: &StagedName,
        runner: Option<&RunnerProcess>,
        emit: Emit,
    ) -> bool {
        let task = &name.folder;
        let say = |level: Level, text: String| log(emit, level, format!("[cleanup] {text}"));
        let Some(record) = self.record_of(task) else {
            return false;
        };
        if legacy::is_legacy_record(&record) {
            return false;
        }
        let archived = paths::is_archived_record(&record);
        let fresh = match tasks::read_record(&record, archived) {
            Ok(fresh) => fresh,
            Err(reason) => {
                say(
                    Level::Warn,
                    format!(
                        "Interrupted cleanup of task {task} not finished: {}: {reason}",
                        record.display()
                    ),
                );
                return false;
            }
        };
        if paths::safe_id(&fresh.environment_id) != name.env_id {
            return false;
        }
        let discard = matches!(
            name.intent,
            StagedIntent::Discard | StagedIntent::ForceDiscard
        );
        let needs_status = discard && fresh.status != "discarded";
        if !needs_status && archived {
            return false;
        }
        let forced = name.intent == StagedIntent::ForceDiscard;
        if policy::activity(&fresh, forced) == Activity::MayBeRunning {
            say(
                Level::Warn,
                format!(
                    "Interrupted cleanup of task {task} not finished: it is {} now: {}",
                    fresh.status,
                    record.display()
                ),
            );
            return false;
        }
        if let Some(runner) = runner.filter(|runner| holds(runner, &record)) {
            say(
                Level::Warn,
                format!(
                    "Interrupted cleanup of task {task} not finished: {}",
                    runner.refusal()
                ),
            );
            return false;
        }
        let result = (|| {
            if needs_status {
                tasks::edit_record(&record, task, &discard_edit())?;
            }
            if archived {
                Ok(record.clone())
            } else {
                tasks::archive_record(&record)
            }
        })();
        match result {
            Ok(now) => {
                let verb = if discard { "Discarded" } else { "Archived" };
                say(
                    Level::Info,
                    format!(
                        "Finishing interrupted cleanup: {verb} task {task} ({})",
                        now.display()
                    ),
                );
                true
            }
            Err(err) => {
                say(
                    Level::Warn,
                    format!("Interrupted cleanup of task {task} not finished: {err}"),
                );
                false
            }
        }
    }

    /// The record of `task_id` as Agents-Runner names it, active first, then archived.
    fn record_of(&self, task_id: &str) -> Option<PathBuf> {
        [
            paths::active_tasks_dir(&self.data_dir),
            paths::archived_tasks_dir(&self.data_dir),
        ]
        .iter()
        .flat_map(|dir| {
            [
                dir.join(format!("{task_id}.toml")),
                dir.join(format!("{task_id}.json")),
            ]
        })
        .find(|path| path.symlink_metadata().is_ok_and(|meta| meta.is_file()))
    }
}
