//! What the window does by itself each frame: the scheduled cleanup when it is due,
//! quota warnings, live refresh and the Agents-Runner check; the parts keep the time
//! and state, this decides what the window does about them.

use super::{JanitorApp, Running};
use crate::agents_runner::RunnerProcess;
use crate::executor::Level;
use crate::gui::agents_runner_watch::RunnerNews;
use crate::gui::automation::scheduled_action;
use crate::worker::Command;
use std::path::PathBuf;

impl JanitorApp {
    /// Starts the scheduled cleanup when it is due. It waits while the user has a
    /// dialog open or a change runs, and never runs at launch.
    pub(super) fn run_schedule(&mut self) {
        let Some(interval) = self.config().schedule else {
            return;
        };
        let now = self.now();
        if let Some(wait) = self.automation.schedule_wait(now, interval) {
            self.ctx.request_repaint_after(wait);
            return;
        }
        if !self.has_data() || self.work.is_running() || self.dialogs.is_open() {
            return;
        }
        self.automation.scheduled_run_started(now);
        let action = scheduled_action(self.config());
        self.push_log(Level::Info, "[cleanup] scheduled cleanup started".into());
        self.work.start(Running::new(action.verb(), now));
        self.send(Command::RunUnattended(action, self.config().delete_mode));
        self.reclaim_on_schedule();
    }

    /// Computes each quota's state again and warns once each time one gets worse.
    pub(super) fn check_quotas(&mut self) {
        let warnings = self.automation.update_quotas(
            self.data.snapshot().map(|s| s.as_ref()),
            self.data.usage(),
            &self.settings_file.config().quotas,
            self.work.scan_progress().is_some() || self.data.archived_records_pending(),
        );
        for warning in warnings {
            self.notify(Level::Warn, warning);
        }
    }

    /// Follows what the watcher saw: sizes of changed workspaces are forgotten and the
    /// folder is reloaded (not while a change runs: it would show half-done work, and
    /// the change reloads when it ends anyway).
    pub(super) fn poll_live_refresh(&mut self) {
        let news = self.live.poll(self.now());
        for failure in news.failures {
            self.notify(Level::Warn, failure);
        }
        for changed in news.changed {
            self.forget_sizes(&changed);
            self.send(Command::ForgetSizes(changed));
        }
        if news.reload && self.has_data() && !self.work.is_running() {
            self.send(Command::Reload);
        }
    }

    /// Starts watching `dir` for changes, or says why the window reloads it
    /// periodically instead.
    pub(super) fn start_watching(&mut self, dir: PathBuf) {
        if let Some(failure) = self.live.start(dir, self.now()) {
            self.notify(Level::Warn, failure);
        }
    }

    /// Takes the Agents-Runner check's answer; says in the log when it starts or stops.
    pub(super) fn poll_agents_runner(&mut self) {
        if !self.has_data() {
            self.agents_runner.reset();
            return;
        }
        let Some(dir) = self.data_dir().map(PathBuf::from) else {
            return;
        };
        match self.agents_runner.poll(&dir, self.now()) {
            Some(RunnerNews::Started(runner)) => self.push_log(
                Level::Warn,
                format!(
                    "Agents-Runner started on this data folder (pid {}): discard, archive and restore are off until it closes",
                    runner.pid
                ),
            ),
            Some(RunnerNews::Stopped) => self.push_log(
                Level::Info,
                "Agents-Runner is no longer running: task records can be changed again".into(),
            ),
            Some(RunnerNews::CannotAsk(err)) => self.push_log(
                Level::Warn,
                format!("cannot start a thread to look for Agents-Runner: {err}"),
            ),
            None => {}
        }
    }

    /// Refuses a record change the user asked for while Agents-Runner runs (the
    /// buttons are disabled; the keyboard shortcut gets here). True when refused.
    pub(super) fn refused_for_agents_runner(&mut self) -> bool {
        let Some(refusal) = self.agents_runner().map(RunnerProcess::refusal) else {
            return false;
        };
        self.notify(Level::Warn, refusal);
        true
    }
}
