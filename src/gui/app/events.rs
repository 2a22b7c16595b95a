//! How the window follows the worker: each [`Event`] updates the parts it concerns.

use super::{JanitorApp, TaskLog, Welcome};
use crate::executor::{Level, Report};
use crate::gui::automation::scheduled_summary;
use crate::store::Snapshot;
use crate::text;
use crate::worker::{Command, Event, Unattended};
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
            Event::PlanReady(plan) => self.dialogs.plan_ready(plan),
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
        }
    }

    /// A fresh snapshot: rows again, then the worker sizes what is not sized and asks
    /// git about what it has not seen.
    fn loaded(&mut self, snapshot: Arc<Snapshot>) {
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
        if !unknowns.git_paths.is_empty() {
            self.send(Command::InspectGit(unknowns.git_paths));
        }
        self.request_task_log();
    }

    fn finished(&mut self, report: &Report) {
        self.work.stopped(report.bytes_freed);
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
