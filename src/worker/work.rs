//! The worker's commands about where the work went: Slim (plan and run, and the
//! schedule's slim of kept failed workspaces) and Check remotes (fetch, then the pull
//! requests' states and git again).

use super::{Event, State};
use crate::executor::{self, EngineEvent, Level, LogLine, Progress};
use crate::git;
use crate::git::pull_request::{self, PrCache};
use crate::policy::{SlimPlan, SlimSelection};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

impl State {
    /// `archive_slims_failed` in the scheduled cleanup: the failed tasks' kept
    /// workspaces are slimmed (on the snapshot the archive left), the plan logged first.
    pub(super) fn slim_kept_failed_unattended(&mut self) {
        let Some(snapshot) = self.snapshot.clone() else {
            return;
        };
        let plan = match executor::prepare_slim(&SlimSelection::KeptFailed, &snapshot, &self.cancel)
        {
            Ok(plan) => plan,
            Err(err) => {
                self.emit(Event::Log(LogLine {
                    level: Level::Error,
                    text: format!("[cleanup] slim plan: {err}"),
                }));
                return;
            }
        };
        for workspace in &plan.workspaces {
            self.emit(Event::Log(LogLine {
                level: Level::Info,
                text: format!(
                    "[cleanup] slim plan: {}: {} of build output git ignores",
                    workspace.task_id,
                    crate::text::bytes(workspace.bytes)
                ),
            }));
        }
        if plan.is_empty() {
            return;
        }
        let emit = self.engine_emit();
        let result = self.executor().slim(&plan, &emit);
        drop(emit);
        if let Err(err) = result {
            self.emit(Event::Log(LogLine {
                level: Level::Error,
                text: format!("[cleanup] slim: {err}"),
            }));
        }
        for workspace in &plan.workspaces {
            self.usage.remove(&workspace.path);
        }
        self.load(false);
    }

    pub(super) fn plan_slim(&mut self, selection: &SlimSelection) {
        let Some(snapshot) = self.snapshot.clone() else {
            self.emit(Event::PlanFailed("no data directory is loaded".into()));
            return;
        };
        match executor::prepare_slim(selection, &snapshot, &self.cancel) {
            Ok(plan) => self.emit(Event::SlimPlanReady(plan)),
            Err(err) => self.emit(Event::PlanFailed(err.to_string())),
        }
    }

    pub(super) fn execute_slim(&mut self, plan: &SlimPlan) {
        let emit = self.engine_emit();
        let result = self.executor().slim(plan, &emit);
        drop(emit);
        match result {
            Ok(report) => {
                for workspace in &plan.workspaces {
                    self.usage.remove(&workspace.path);
                }
                self.emit(Event::Finished(report));
            }
            Err(err) => self.emit(Event::ExecuteFailed(err.to_string())),
        }
        self.load(false);
    }

    /// Fetches each workspace's remote (a few at a time), reporting progress, then asks
    /// git again about those that were fetched.
    pub(super) fn check_remotes(&mut self, paths: &[PathBuf]) {
        use rayon::prelude::*;
        let total = paths.len();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let emit = self.engine_emit();
        let fetched: Vec<PathBuf> = paths
            .par_iter()
            .filter_map(|path| {
                if self.cancel.load(Ordering::Relaxed) {
                    return None;
                }
                let result = git::fetch(path, git::FETCH_TIMEOUT);
                let steps_done = done.fetch_add(1, Ordering::Relaxed) + 1;
                if let Err(reason) = &result {
                    emit(EngineEvent::Log(LogLine {
                        level: Level::Warn,
                        text: format!("[fetch] {}: could not fetch: {reason}", path.display()),
                    }));
                }
                emit(EngineEvent::Progress(Progress {
                    steps_done,
                    steps_total: total,
                    ..Progress::default()
                }));
                result.ok().map(|()| path.clone())
            })
            .collect();
        drop(emit);
        self.check_pull_requests(paths);
        let cancelled = self.cancel.load(Ordering::Relaxed);
        self.emit(Event::Log(LogLine {
            level: Level::Info,
            text: format!(
                "[fetch] checked the remotes of {} of {total} workspace(s){}",
                fetched.len(),
                if cancelled { " (cancelled)" } else { "" }
            ),
        }));
        self.emit(Event::RemotesChecked {
            fetched: fetched.len(),
            total,
        });
        self.cancel.store(false, Ordering::Relaxed);
        self.inspect_git(&fetched);
    }

    /// The pull request state cache of this data dir, beside the record cache.
    pub(super) fn pr_cache(&self) -> Option<PrCache> {
        let cache = self.record_cache.as_ref()?;
        Some(PrCache::beside(&cache.file_for(&self.data_dir)))
    }

    /// Asks `gh` (when logged in) about the pull requests of the tasks whose workspaces
    /// are `paths`, keeps the answers and reports them.
    pub(super) fn check_pull_requests(&self, paths: &[PathBuf]) {
        let Some(snapshot) = self.snapshot.as_ref() else {
            return;
        };
        let wanted: HashSet<&PathBuf> = paths.iter().collect();
        let asked: Vec<(String, String)> = snapshot
            .tasks
            .iter()
            .filter(|task| match snapshot.workspace_location(task) {
                crate::store::WorkspaceLocation::Managed(path) => wanted.contains(&path),
                _ => false,
            })
            .filter_map(|task| {
                let url = task.gh_pr_url.as_deref()?.trim();
                (!url.is_empty()).then(|| (task.task_id.clone(), url.to_owned()))
            })
            .collect();
        let (states, failures) = pull_request::pr_states(&self.gh, &asked);
        for failure in failures {
            self.emit(Event::Log(LogLine {
                level: Level::Warn,
                text: format!("[fetch] {failure}"),
            }));
        }
        if states.is_empty() {
            return;
        }
        if let Some(Err(err)) = self.pr_cache().map(|cache| cache.update(&states)) {
            self.emit(Event::Log(LogLine {
                level: Level::Warn,
                text: format!("cannot keep the pull request states: {err}"),
            }));
        }
        self.emit(Event::PullRequests(states));
    }
}
