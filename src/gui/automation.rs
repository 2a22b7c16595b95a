//! What the window does by itself: the scheduled cleanup, quota warnings, and telling
//! the user about both (log line, toast, desktop notification).

use super::app::{JanitorApp, Running};
use crate::executor::{Level, Progress};
use crate::policy::schedule;
use crate::policy::{Action, QuotaLevel, quota_states};
use crate::text;
use crate::worker::{Command, Unattended};
use std::time::Duration;

impl JanitorApp {
    /// Logs `text`, shows it as a toast, and (when a session bus is there) as a desktop
    /// notification.
    pub fn notify(&mut self, level: Level, text: String) {
        self.push_log(level, text.clone());
        let now = self.clock.now();
        self.toasts.push(level, text.clone(), now);
        if self.desktop_notifications {
            let summary = match level {
                Level::Error => "agents-janitor: failed",
                Level::Warn => "agents-janitor: warning",
                Level::Info => "agents-janitor",
            };
            super::desktop_notification::notify(summary, &text);
        }
    }

    /// Starts the scheduled cleanup when it is due. Waits while the user has a dialog
    /// open or a change runs, and never runs at launch.
    pub(super) fn run_schedule(&mut self) {
        let Some(interval) = self.config.schedule else {
            return;
        };
        let now = self.clock.now();
        if !schedule::is_due(
            now,
            self.schedule_started,
            self.last_scheduled_run,
            interval,
        ) {
            let next = schedule::next_run(self.schedule_started, self.last_scheduled_run, interval);
            let wait = next.duration_since(now).unwrap_or(Duration::ZERO);
            self.ctx.request_repaint_after(wait);
            return;
        }
        if !self.has_data() || self.running.is_some() || self.dialog.is_some() {
            return;
        }
        self.last_scheduled_run = Some(now);
        let action = Action::Scheduled {
            keep_on_error: self.config.keep_on_error,
            allow_unsaved: self.config.allow_unsaved_delete,
            clean_done: self.config.archive_cleans_done,
            older_than_hours: self.config.sweep_age_hours,
            quotas: self.config.quotas.clone(),
        };
        self.push_log(Level::Info, "[cleanup] scheduled cleanup started".into());
        self.running = Some(Running {
            verb: action.verb(),
            progress: Progress::default(),
        });
        self.send(Command::RunUnattended(action, self.config.delete_mode));
    }

    /// The schedule counts from now (when it is switched on or changed, or a folder opens).
    pub(super) fn restart_schedule(&mut self) {
        self.schedule_started = self.clock.now();
        self.last_scheduled_run = None;
    }

    pub(super) fn unattended_finished(&mut self, outcome: Unattended) {
        self.running = None;
        match outcome {
            Unattended::Done { report, warnings } => {
                self.bytes_freed_session += report.bytes_freed;
                let level = if report.all_ok() {
                    Level::Info
                } else {
                    Level::Error
                };
                let mut text = format!(
                    "Scheduled cleanup: {} workspace(s) removed, {} freed",
                    report.workspaces_removed,
                    text::bytes(report.bytes_freed)
                );
                if report.workspaces_trashed > 0 {
                    text.push_str(&format!(
                        " ({} in the trash until it is emptied)",
                        text::bytes(report.bytes_trashed)
                    ));
                }
                if report.steps_failed > 0 {
                    text.push_str(&format!(
                        ", {} step(s) failed (see the log)",
                        report.steps_failed
                    ));
                }
                self.notify(level, text);
                for warning in warnings {
                    self.notify(Level::Warn, warning);
                }
            }
            Unattended::NothingToDo { warnings } => {
                self.push_log(
                    Level::Info,
                    "[cleanup] scheduled cleanup: nothing to do".into(),
                );
                for warning in warnings {
                    self.notify(Level::Warn, warning);
                }
            }
            Unattended::Failed(message) => {
                self.notify(Level::Error, format!("Scheduled cleanup failed: {message}"));
            }
        }
    }

    /// Recomputes each quota's state and warns once each time one gets worse.
    pub(super) fn check_quotas(&mut self) {
        let Some(snapshot) = self.snapshot.clone() else {
            self.quotas.clear();
            return;
        };
        self.quotas = quota_states(&snapshot, &self.usage, &self.config.quotas);
        // Only once sizes are in: a half-sized environment is not yet over.
        if self.scan_progress.is_some() {
            return;
        }
        let mut warnings = Vec::new();
        let name = |env_id: &str| {
            snapshot
                .environment(env_id)
                .map(|env| env.name.trim())
                .filter(|name| !name.is_empty())
                .map_or_else(|| env_id.to_owned(), |name| format!("{name} ({env_id})"))
        };
        for state in &self.quotas {
            let before = self
                .quota_warned
                .insert(state.env_id.clone(), state.level)
                .unwrap_or(QuotaLevel::Ok);
            let worse = matches!(
                (before, state.level),
                (QuotaLevel::Ok, QuotaLevel::Warning | QuotaLevel::Over)
                    | (QuotaLevel::Warning, QuotaLevel::Over)
            );
            if worse {
                let what = match state.level {
                    QuotaLevel::Over => "is over its quota",
                    _ => "is near its quota",
                };
                warnings.push(format!(
                    "{} {what}: {} of {} ({:.0}%)",
                    name(&state.env_id),
                    text::bytes(state.used_bytes),
                    text::bytes(state.limit_bytes),
                    state.percent()
                ));
            }
        }
        for warning in warnings {
            self.notify(Level::Warn, warning);
        }
    }
}
