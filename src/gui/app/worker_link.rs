//! The link to the core's worker thread for the open data folder, and what it is
//! doing: a change running with its progress, the scan's progress, the bytes freed.

use crate::agents_runner::Probe;
use crate::container::ContainerRuntime;
use crate::executor::Progress;
use crate::remove::Filesystem;
use crate::store::RecordCache;
use crate::worker::{Command, Event, Worker, WorkerSetup};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

/// Lines of a task's own log shown in the details pane.
const TASK_LOG_TAIL: usize = 40;

/// A change in progress.
pub struct Running {
    /// What it does ("discard", "sweep"), for the progress bar.
    pub verb: &'static str,
    /// How far it has got.
    pub progress: Progress,
    /// Bytes it frees in all (0: not known, or nothing is freed, as in trash mode).
    pub bytes_total: u64,
    /// Files and folders it deletes in all, as the scan counted them (0: not known).
    pub entries_total: u64,
    /// The tasks (or folders) of its plan, in order: what was not done is named when
    /// it is cancelled.
    pub steps: Vec<String>,
    /// When it started (the window's clock), for the time left.
    pub started: std::time::SystemTime,
}

impl Running {
    /// A change of `verb` with nothing known of its size.
    pub fn new(verb: &'static str, started: std::time::SystemTime) -> Self {
        Self {
            verb,
            progress: Progress::default(),
            bytes_total: 0,
            entries_total: 0,
            steps: Vec::new(),
            started,
        }
    }

    /// How much is done, 0..=1: by bytes when they are known, else by steps.
    pub fn fraction(&self) -> f32 {
        let progress = &self.progress;
        if self.bytes_total > 0 {
            (progress.bytes_freed as f64 / self.bytes_total as f64).min(1.0) as f32
        } else if progress.steps_total > 0 {
            progress.steps_done as f32 / progress.steps_total as f32
        } else {
            0.0
        }
    }

    /// The time left at the pace so far, once there is a pace to go by (a second in,
    /// some bytes freed).
    pub fn time_left(&self, now: std::time::SystemTime) -> Option<std::time::Duration> {
        let elapsed = now.duration_since(self.started).ok()?;
        let done = self.progress.bytes_freed;
        if self.bytes_total == 0 || done == 0 || elapsed.as_secs_f64() < 1.0 {
            return None;
        }
        let left = self.bytes_total.saturating_sub(done) as f64;
        Some(std::time::Duration::from_secs_f64(
            elapsed.as_secs_f64() * left / done as f64,
        ))
    }
}

/// The worker of the open folder (none while no folder is open), what every new
/// worker is given, and the progress of its work.
pub(crate) struct WorkerLink {
    worker: Option<Worker>,
    containers: ContainerRuntime,
    filesystem: Arc<dyn Filesystem>,
    record_cache: Option<RecordCache>,
    agents_runner: Arc<dyn Probe>,
    runner_home: Option<PathBuf>,
    gh: OsString,
    running: Option<Running>,
    /// Workspaces sized so far in the current scan, and how many it covers.
    scan_progress: Option<(usize, usize)>,
    /// Workspaces git has not answered for yet.
    git_pending: usize,
    bytes_freed: u64,
}

impl WorkerLink {
    pub(crate) fn new(
        containers: ContainerRuntime,
        filesystem: Arc<dyn Filesystem>,
        record_cache: Option<RecordCache>,
        agents_runner: Arc<dyn Probe>,
        runner_home: Option<PathBuf>,
    ) -> Self {
        Self {
            worker: None,
            containers,
            filesystem,
            record_cache,
            agents_runner,
            runner_home,
            gh: OsString::from("gh"),
            running: None,
            scan_progress: None,
            git_pending: 0,
            bytes_freed: 0,
        }
    }

    /// Asks `gh` about pull requests (the launch's GitHub CLI).
    pub(crate) fn with_gh(mut self, gh: OsString) -> Self {
        self.gh = gh;
        self
    }

    /// Starts a worker on `dir`; it wakes the window with `ctx` when it has news.
    /// Dropping the old worker stops and joins it (callers make sure it is idle).
    pub(crate) fn open(&mut self, dir: PathBuf, ctx: &egui::Context) {
        let ctx = ctx.clone();
        self.worker = Some(Worker::spawn_with(
            dir,
            WorkerSetup {
                containers: self.containers.clone(),
                filesystem: self.filesystem.clone(),
                record_cache: self.record_cache.clone(),
                agents_runner: self.agents_runner.clone(),
                runner_home: self.runner_home.clone(),
                gh: self.gh.clone(),
            },
            Arc::new(move || ctx.request_repaint()),
        ));
    }

    /// The folder could not be loaded: its worker goes.
    pub(crate) fn close(&mut self) {
        self.worker = None;
    }

    pub(crate) fn is_open(&self) -> bool {
        self.worker.is_some()
    }

    /// Queues `command`; false when there is no worker or its thread has stopped.
    pub(crate) fn send(&self, command: Command) -> bool {
        self.worker.as_ref().is_some_and(|w| w.send(command))
    }

    /// Asks the running change or scan to stop at its next check; false without a worker.
    pub(crate) fn cancel(&self) -> bool {
        match &self.worker {
            Some(worker) => {
                worker.cancel();
                true
            }
            None => false,
        }
    }

    /// Everything the worker said since the last frame.
    pub(crate) fn events(&self) -> Vec<Event> {
        self.worker
            .as_ref()
            .map(|w| w.events().try_iter().collect())
            .unwrap_or_default()
    }

    /// Asks for the last lines of a task's log (answered with [`Event::LogTail`]).
    pub(crate) fn read_log_tail(&self, record: PathBuf) {
        if let Some(worker) = &self.worker {
            worker.read_log_tail(record, TASK_LOG_TAIL);
        }
    }

    pub(crate) fn running(&self) -> Option<&Running> {
        self.running.as_ref()
    }

    pub(crate) fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// A change (or the scheduled cleanup) starts.
    pub(crate) fn start(&mut self, running: Running) {
        self.running = Some(running);
    }

    pub(crate) fn progress(&mut self, progress: Progress) {
        if let Some(running) = &mut self.running {
            running.progress = progress;
        }
    }

    /// The change ended (or never started), having freed `bytes_freed`.
    pub(crate) fn stopped(&mut self, bytes_freed: u64) {
        self.running = None;
        self.bytes_freed += bytes_freed;
    }

    /// Bytes freed outside a change (deletes left in staging, finished at a load).
    pub(crate) fn count_freed(&mut self, bytes_freed: u64) {
        self.bytes_freed += bytes_freed;
    }

    pub(crate) fn bytes_freed(&self) -> u64 {
        self.bytes_freed
    }

    pub(crate) fn scan_progress(&self) -> Option<(usize, usize)> {
        self.scan_progress
    }

    pub(crate) fn scan_started(&mut self, workspaces: usize) {
        self.scan_progress = Some((0, workspaces));
    }

    pub(crate) fn scanned_one(&mut self) {
        if let Some((done, _)) = &mut self.scan_progress {
            *done += 1;
        }
    }

    pub(crate) fn scan_finished(&mut self) {
        self.scan_progress = None;
    }

    /// Git was asked about `count` workspaces (a fresh snapshot's unknowns: earlier
    /// answers still on their way only count down).
    pub(crate) fn git_asked(&mut self, count: usize) {
        self.git_pending = count;
    }

    pub(crate) fn git_answered(&mut self) {
        self.git_pending = self.git_pending.saturating_sub(1);
    }

    /// Sizes or git states are still coming in.
    pub(crate) fn values_arriving(&self) -> bool {
        self.scan_progress.is_some() || self.git_pending > 0
    }

    /// Another folder opens: nothing of the old one is awaited.
    pub(crate) fn forget_pending(&mut self) {
        self.scan_progress = None;
        self.git_pending = 0;
    }
}
