//! How the window follows the worker: each [`Event`] updates the parts it concerns.

use super::dialog::{PlanShown, TaskLabel};
use super::{JanitorApp, TaskLog, Welcome};
use crate::executor::{Level, Report, UndoOutcome};
use crate::gui::automation::scheduled_summary;
use crate::gui::widgets::capitalized;
use crate::policy::Plan;
use crate::store::Snapshot;
use crate::text;
use crate::worker::{Command, Event, Unattended};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

impl JanitorApp {
    pub(super) fn apply(&mut self, event: Event) {
        if self.reclaim_event(&event) {
            return;
        }
        match event {
            Event::Log(line) => self.push_log(line.level, line.text),
            Event::Loaded(snapshot) => self.loaded(snapshot),
            Event::LoadFailed(message) => {
                self.push_log(
                    Level::Error,
                    format!("cannot open the data folder: {message}"),
                );
                let path = self.settings.data_dir.clone().unwrap_or_default();
                self.work.close();
                self.live.stop();
                self.data.unload();
                self.table.clear();
                self.dialogs.show_welcome(Welcome::Failed { path, message });
            }
            Event::Scanned { path, usage } => {
                self.work.scanned_one();
                self.data.add_problems(&usage.problems);
                if usage.complete {
                    self.table.set_usage(&path, Some(&usage));
                    self.data.set_usage(path, usage);
                    self.table.mark_dirty();
                }
            }
            Event::ScanFinished { cancelled } => {
                self.work.scan_finished();
                self.table.mark_dirty();
                if cancelled {
                    self.push_log(Level::Warn, "scan cancelled; some sizes are unknown".into());
                }
            }
            Event::GitInspected { path, status } => {
                self.work.git_answered();
                self.table.set_git(&path, &status);
                self.data.set_git(path, status);
                self.table.mark_dirty();
            }
            Event::Reclaimable { path, bytes } => {
                self.table.set_reclaimable(&path, Some(bytes));
                self.data.set_reclaimable(path, bytes);
                self.table.mark_dirty();
            }
            Event::LogTail { record, lines } => {
                self.selection.set_task_log(TaskLog { record, lines });
            }
            Event::PlanReady(plan) => {
                let table = &self.table;
                let labels = |plan: &Plan| -> HashMap<String, TaskLabel> {
                    plan.steps
                        .iter()
                        .map(|step| &step.task_id)
                        .chain(plan.skipped.iter().map(|skipped| &skipped.task_id))
                        .filter_map(|id| {
                            let row = table.row(id)?;
                            Some((
                                id.clone(),
                                TaskLabel {
                                    env_name: row.env_name.clone(),
                                    prompt: row.prompt_line.clone(),
                                    created: row.created,
                                },
                            ))
                        })
                        .collect()
                };
                if let PlanShown::NothingToDo(title) = self.dialogs.plan_ready(plan, labels) {
                    self.notice(Level::Info, format!("{title}: nothing to do"));
                }
            }
            Event::SlimPlanReady(plan) => self.dialogs.slim_plan_ready(plan),
            Event::PullRequests(states) => self.data.add_pull_requests(states),
            Event::RemotesChecked { fetched, total } => self.remotes_checked(fetched, total),
            Event::PlanFailed(message) => {
                self.push_log(Level::Error, format!("cannot plan: {message}"));
                self.dialogs.plan_failed(message);
            }
            Event::Progress(progress) => self.work.progress(progress),
            Event::Finished(report) => {
                self.finished(&report);
                self.slim_kept_failed_after(&report);
            }
            Event::Unattended(outcome) => self.unattended_finished(outcome),
            // The reload that follows shows the record where it is now.
            Event::Restored {
                task_id,
                result: Ok(_),
            } => self.notify(
                Level::Info,
                format!("Restored task {task_id} from the archive"),
            ),
            Event::Restored {
                task_id,
                result: Err(message),
            } => {
                self.dialogs
                    .error(format!("Task {task_id} was not restored"), message);
            }
            // Handled by `reclaim_event` above.
            Event::Footprint(_)
            | Event::ReclaimPlanReady(_)
            | Event::ReclaimFinished(_)
            | Event::ReclaimFailed(_) => {}
            Event::ExecuteFailed(message) => {
                self.work.stopped(0);
                self.push_log(Level::Error, format!("could not start: {message}"));
                self.dialogs.error("Nothing was changed".into(), message);
            }
            Event::StagingFinished { bytes_freed, ran } => {
                // A finish the window asked for ran as a change; one at load did not.
                if self
                    .work
                    .running()
                    .is_some_and(|r| r.verb == super::FINISH_DELETING)
                {
                    self.work.stopped(bytes_freed);
                } else {
                    self.work.count_freed(bytes_freed);
                }
                if ran && self.last_change.staged_bytes().is_some() {
                    self.push_log(
                        Level::Info,
                        format!(
                            "deletes left in staging finished: {} freed",
                            text::bytes(bytes_freed)
                        ),
                    );
                }
                self.last_change.staging_finished(ran);
            }
            Event::Undone(result) => self.undone(result),
            Event::InTrash(paths) => self.last_change.found_in_trash(paths),
        }
    }

    /// Says how an Undo went.
    fn undone(&mut self, result: Result<Vec<UndoOutcome>, String>) {
        self.work.stopped(0);
        let outcomes = match result {
            Ok(outcomes) => outcomes,
            Err(message) => {
                self.dialogs.error("Nothing was put back".into(), message);
                return;
            }
        };
        let back: HashSet<PathBuf> = outcomes
            .iter()
            .filter_map(|outcome| outcome.workspace.clone())
            .collect();
        self.last_change.put_back(&back);
        let failed: Vec<String> = outcomes
            .iter()
            .filter_map(|outcome| {
                let error = outcome.error.as_ref()?;
                Some(format!("{}: {error}", outcome.task_id))
            })
            .collect();
        let restored = outcomes.iter().filter(|o| o.error.is_none()).count();
        if failed.is_empty() {
            self.notice(
                Level::Info,
                format!("Undone: {} put back", text::count(restored, "task")),
            );
        } else {
            self.notify(
                Level::Error,
                format!(
                    "Undo put back {}; not {}",
                    text::count(restored, "task"),
                    failed.join("; ")
                ),
            );
        }
    }

    /// A fresh snapshot: rows again, then the worker sizes what is not sized and asks
    /// git about what it has not seen.
    ///
    /// A first look with only the active records shows rows early on a folder just
    /// opened; sizing and git wait for the whole snapshot that follows it. On a refresh
    /// the rows shown (and their selection) stay until the whole one comes.
    fn loaded(&mut self, snapshot: Arc<Snapshot>) {
        if snapshot.archived_records_pending {
            if self.data.snapshot().is_none() {
                self.settings.data_dir = Some(snapshot.data_dir.clone());
                self.data.first_look(snapshot);
                self.table.rebuild(&self.data);
            }
            return;
        }
        self.settings.data_dir = Some(snapshot.data_dir.clone());
        let unknowns = self.data.loaded(snapshot);
        self.table.rebuild(&self.data);
        self.selection.keep_known(&self.table.task_ids());
        if unknowns.to_size > 0 {
            self.work.scan_started(unknowns.to_size);
            let command = if unknowns.rescan {
                Command::Scan
            } else {
                Command::ScanNew
            };
            self.send(command);
        }
        self.work.git_asked(unknowns.git_paths.len());
        if !unknowns.git_paths.is_empty() {
            self.send(Command::InspectGit(unknowns.git_paths));
        }
        self.request_task_log();
    }

    fn finished(&mut self, report: &Report) {
        let planned = self
            .work
            .running()
            .map(|running| running.steps.clone())
            .unwrap_or_default();
        self.work.stopped(report.bytes_freed);
        self.last_change.finished(report);
        if report.cancelled {
            let said = cancelled_summary(report, &planned);
            self.notify(Level::Warn, said);
        }
        let level = if report.all_ok() {
            Level::Info
        } else {
            Level::Warn
        };
        let mut summary = format!(
            "{}: {} done, {} failed, {} workspaces removed, {} freed",
            report.action,
            report.steps_ok,
            report.steps_failed,
            report.workspaces_removed,
            text::bytes(report.bytes_freed)
        );
        if report.workspaces_trashed > 0 {
            summary.push_str(&format!(
                ", {} moved to the trash ({}; freed when the trash is emptied)",
                text::count(report.workspaces_trashed, "workspace"),
                text::bytes(report.bytes_trashed)
            ));
        }
        if report.cancelled {
            summary.push_str(" (cancelled)");
        }
        if report.steps_failed > 0 {
            // A failure is worth more than a log line: a toast and a desktop notice.
            self.notify(Level::Error, summary);
        } else {
            self.push_log(level, summary);
        }
    }

    fn unattended_finished(&mut self, outcome: Unattended) {
        match outcome {
            Unattended::Done { report, warnings } => {
                self.work.stopped(report.bytes_freed);
                let level = if report.all_ok() {
                    Level::Info
                } else {
                    Level::Error
                };
                self.notify(level, scheduled_summary(&report));
                for warning in warnings {
                    self.notify(Level::Warn, warning);
                }
            }
            Unattended::NothingToDo { warnings } => {
                self.work.stopped(0);
                self.push_log(
                    Level::Info,
                    "[cleanup] scheduled cleanup: nothing to do".into(),
                );
                for warning in warnings {
                    self.notify(Level::Warn, warning);
                }
            }
            Unattended::Failed(message) => {
                self.work.stopped(0);
                self.notify(Level::Error, format!("Scheduled cleanup failed: {message}"));
            }
        }
    }
}

/// What a cancelled change did and did not do, naming the tasks: the steps done (and
/// where their workspaces wait), and the ones never started (unchanged).
fn cancelled_summary(report: &Report, planned: &[String]) -> String {
    let done: Vec<String> = report
        .outcomes
        .iter()
        .map(|outcome| {
            match report
                .left_in_staging
                .iter()
                .find(|left| left.task_id == outcome.task_id)
            {
                Some(left) => format!(
                    "{} (its workspace waits in staging: {} to free)",
                    outcome.task_id,
                    text::bytes(left.bytes)
                ),
                None if outcome.ok => outcome.task_id.clone(),
                None => format!("{} (failed)", outcome.task_id),
            }
        })
        .collect();
    let not_started: Vec<&str> = planned
        .iter()
        .skip(report.outcomes.len())
        .map(String::as_str)
        .collect();
    let mut said = format!(
        "{} cancelled: {} of {} done",
        capitalized(report.action),
        report.outcomes.len(),
        planned.len().max(report.outcomes.len())
    );
    if !done.is_empty() {
        said.push_str(&format!(" ({})", done.join(", ")));
    }
    if !not_started.is_empty() {
        said.push_str(&format!(
            "; not started, unchanged: {}",
            not_started.join(", ")
        ));
    }
    if !report.left_in_staging.is_empty() {
        said.push_str(". Refresh (F5) finishes the delete; Undo puts the workspaces back");
    }
    said
}
