//! Whether Agents-Runner runs on the open data folder, asked every few seconds on a
//! one-off thread (reading the process table never holds up a frame, nor waits behind
//! the worker's deletes). While it runs, the window shows a bar and disables the
//! buttons that change task records; the worker asks again itself before each plan
//! and each change, so a stale answer here never lets a change through.

use super::app::JanitorApp;
use crate::agents_runner::{Probe, RunnerProcess};
use crate::executor::Level;
use crossbeam_channel::{Receiver, bounded};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How often the window asks whether Agents-Runner runs.
pub const AGENTS_RUNNER_RECHECK: Duration = Duration::from_secs(3);

/// The last answer, and the question in flight.
pub struct AgentsRunnerWatch {
    /// Also the worker's: plans and changes ask it again.
    pub(super) probe: Arc<dyn Probe>,
    /// The Agents-Runner running on the open folder, as last seen.
    pub running: Option<RunnerProcess>,
    /// The folder asked about and the answer, from a one-off thread.
    asking: Option<(PathBuf, Receiver<Option<RunnerProcess>>)>,
    next_check: Option<SystemTime>,
}

impl AgentsRunnerWatch {
    pub fn new(probe: Arc<dyn Probe>) -> Self {
        Self {
            probe,
            running: None,
            asking: None,
            next_check: None,
        }
    }

    /// Forgets what was seen (another folder opens, or none is shown).
    fn reset(&mut self) {
        self.running = None;
        self.asking = None;
        self.next_check = None;
    }
}

impl JanitorApp {
    /// The Agents-Runner running on the open data folder, as last seen.
    pub fn agents_runner(&self) -> Option<&RunnerProcess> {
        self.agents_runner_watch.running.as_ref()
    }

    /// Starts asking about a newly opened folder at once.
    pub(super) fn restart_agents_runner_watch(&mut self) {
        self.agents_runner_watch.reset();
    }

    /// Applies the answer of the last check, and starts the next one when it is due.
    pub(super) fn poll_agents_runner(&mut self) {
        if !self.has_data() {
            self.agents_runner_watch.reset();
            return;
        }
        let Some(dir) = self.data_dir().map(PathBuf::from) else {
            return;
        };
        let now = self.clock.now();
        let answered = self
            .agents_runner_watch
            .asking
            .as_ref()
            .and_then(|(asked, rx)| rx.try_recv().ok().map(|answer| (asked.clone(), answer)));
        if let Some((asked, answer)) = answered {
            self.agents_runner_watch.asking = None;
            self.agents_runner_watch.next_check = Some(now + AGENTS_RUNNER_RECHECK);
            // An answer about a folder that is no longer open is dropped.
            if asked == dir {
                self.agents_runner_seen(answer);
            }
        }
        if self.agents_runner_watch.asking.is_some() {
            return;
        }
        match self.agents_runner_watch.next_check {
            Some(due) if now < due => {
                if let Ok(wait) = due.duration_since(now) {
                    self.ctx.request_repaint_after(wait);
                }
            }
            _ => self.ask_agents_runner(dir),
        }
    }

    fn ask_agents_runner(&mut self, dir: PathBuf) {
        let probe = self.agents_runner_watch.probe.clone();
        let ctx = self.ctx.clone();
        let (tx, rx) = bounded(1);
        let asked = dir.clone();
        let spawned = std::thread::Builder::new()
            .name("agents-janitor-runner-check".into())
            .spawn(move || {
                let _ = tx.send(probe.check(&asked));
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => self.agents_runner_watch.asking = Some((dir, rx)),
            Err(err) => {
                self.agents_runner_watch.next_check =
                    Some(self.clock.now() + AGENTS_RUNNER_RECHECK);
                self.push_log(
                    Level::Warn,
                    format!("cannot start a thread to look for Agents-Runner: {err}"),
                );
            }
        }
    }

    /// Says in the log when Agents-Runner starts or stops (not at every check).
    fn agents_runner_seen(&mut self, answer: Option<RunnerProcess>) {
        if answer == self.agents_runner_watch.running {
            return;
        }
        match &answer {
            Some(runner) => self.push_log(
                Level::Warn,
                format!(
                    "Agents-Runner started on this data folder (pid {}): discard, archive and restore are off until it closes",
                    runner.pid
                ),
            ),
            None => self.push_log(
                Level::Info,
                "Agents-Runner is no longer running: task records can be changed again".into(),
            ),
        }
        self.agents_runner_watch.running = answer;
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

    /// The bar at the top of the window while Agents-Runner runs.
    pub(super) fn agents_runner_bar(&self, ui: &mut egui::Ui) {
        let Some(runner) = self.agents_runner() else {
            return;
        };
        ui.add_space(3.0);
        ui.horizontal_wrapped(|ui| {
            ui.label(
                egui::RichText::new(runner.notice())
                    .strong()
                    .color(ui.visuals().strong_text_color()),
            )
            .on_hover_text(
                "Agents-Runner keeps its active tasks in memory and rewrites their records on every save: a change the janitor made to one would be undone. Discard, archive and restore are off until it is closed; sweeping and deleting workspaces of finished tasks still work.",
            );
        });
        ui.add_space(3.0);
    }
}
