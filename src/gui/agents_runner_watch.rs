//! Whether Agents-Runner runs on the open data folder, asked every few seconds on a
//! one-off thread (reading the process table never holds up a frame, nor waits behind
//! the worker's deletes). While it runs, the window shows a bar and disables the
//! buttons that change task records; the worker asks again itself before each plan
//! and each change, so a stale answer here never lets a change through.

use crate::agents_runner::{Probe, RunnerProcess};
use crate::gui::one_off;
use crossbeam_channel::Receiver;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How often the window asks whether Agents-Runner runs.
pub const AGENTS_RUNNER_RECHECK: Duration = Duration::from_secs(3);

/// A change the window tells the user about (not every check).
#[derive(Debug, PartialEq)]
pub(crate) enum RunnerNews {
    /// Agents-Runner started on the open folder.
    Started(RunnerProcess),
    /// It is no longer running.
    Stopped,
    /// The check could not start (asked again later).
    CannotAsk(String),
}

/// The last answer, and the question in flight.
pub(crate) struct AgentsRunnerWatch {
    /// Also the worker's: plans and changes ask it again.
    probe: Arc<dyn Probe>,
    ctx: egui::Context,
    /// The Agents-Runner running on the open folder, as last seen.
    running: Option<RunnerProcess>,
    /// The folder asked about and the answer, from a one-off thread.
    asking: Option<(PathBuf, Receiver<Option<RunnerProcess>>)>,
    next_check: Option<SystemTime>,
}

impl AgentsRunnerWatch {
    /// Asks `probe`, waking `ctx` when an answer is in.
    pub(crate) fn new(probe: Arc<dyn Probe>, ctx: egui::Context) -> Self {
        Self {
            probe,
            ctx,
            running: None,
            asking: None,
            next_check: None,
        }
    }

    /// The Agents-Runner running on the open data folder, as last seen.
    pub(crate) fn running(&self) -> Option<&RunnerProcess> {
        self.running.as_ref()
    }

    /// Forgets what was seen (another folder opens, or none is shown); the next poll
    /// asks at once.
    pub(crate) fn reset(&mut self) {
        self.running = None;
        self.asking = None;
        self.next_check = None;
    }

    /// Takes the answer of the last check about `dir`, and starts the next one when
    /// it is due.
    pub(crate) fn poll(&mut self, dir: &Path, now: SystemTime) -> Option<RunnerNews> {
        let answered = self
            .asking
            .as_ref()
            .and_then(|(asked, rx)| rx.try_recv().ok().map(|answer| (asked.clone(), answer)));
        let mut news = None;
        if let Some((asked, answer)) = answered {
            self.asking = None;
            self.next_check = Some(now + AGENTS_RUNNER_RECHECK);
            // An answer about a folder that is no longer open is dropped.
            if asked == dir {
                news = self.seen(answer);
            }
        }
        if self.asking.is_some() {
            return news;
        }
        match self.next_check {
            Some(due) if now < due => {
                if let Ok(wait) = due.duration_since(now) {
                    self.ctx.request_repaint_after(wait);
                }
                news
            }
            _ => self.ask(dir.to_path_buf(), now).or(news),
        }
    }

    fn ask(&mut self, dir: PathBuf, now: SystemTime) -> Option<RunnerNews> {
        let probe = self.probe.clone();
        let asked = dir.clone();
        let spawned = one_off::spawn("agents-janitor-runner-check", &self.ctx, move || {
            probe.check(&asked)
        });
        match spawned {
            Ok(answer) => {
                self.asking = Some((dir, answer));
                None
            }
            Err(err) => {
                self.next_check = Some(now + AGENTS_RUNNER_RECHECK);
                Some(RunnerNews::CannotAsk(err.to_string()))
            }
        }
    }

    /// Keeps `answer`; news only when it differs from the last one.
    fn seen(&mut self, answer: Option<RunnerProcess>) -> Option<RunnerNews> {
        if answer == self.running {
            return None;
        }
        self.running = answer.clone();
        Some(match answer {
            Some(runner) => RunnerNews::Started(runner),
            None => RunnerNews::Stopped,
        })
    }
}
