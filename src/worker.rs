//! The thread that owns every change to disk. Commands go in, events come out over
//! crossbeam channels; after each event a wake-up callback runs (the GUI passes
//! `request_repaint`), so the UI never waits on disk, git or docker.

use crate::agents_runner::{LiveProbe, Probe};
use crate::container::ContainerRuntime;
use crate::executor::{self, EngineEvent, Executor, Level, LogLine};
use crate::git::{self, DEFAULT_GIT_TIMEOUT, GitStatus};
use crate::policy::DeleteMode;
use crate::policy::{Action, Plan};
use crate::process;
use crate::remove::{Filesystem, RealFilesystem};
use crate::scan::{Scanner, Usage};
use crate::store::{Problem, RecordCache, Snapshot, paths, tasks};
use crossbeam_channel::{Receiver, Sender, unbounded};
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::SystemTime;

mod messages;
mod reclaim;
mod staging;
mod work;

pub use messages::{Command, Event, Unattended};
pub use reclaim::{FootprintView, ReclaimFinished};

/// Called after every event, from the worker's threads (the GUI passes `request_repaint`).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// How a worker reaches the outside world.
pub struct WorkerSetup {
    /// The container runtime discards remove containers with.
    pub containers: ContainerRuntime,
    /// What deletes go through (tests pass one that fails or pauses on purpose).
    pub filesystem: Arc<dyn Filesystem>,
    /// Parsed task records kept between loads and runs (`None`: parse every file).
    pub record_cache: Option<RecordCache>,
    /// Whether Agents-Runner runs on the data directory, asked when planning and again
    /// before a change (tests pass a fake).
    pub agents_runner: Arc<dyn Probe>,
    /// Agents-Runner's home (`~/.midoriai/agents-runner`), where artifacts and crash
    /// reports are; `None`: only the data directory's share is measured.
    pub runner_home: Option<PathBuf>,
    /// The GitHub CLI "Check remotes" asks about pull requests (tests pass a fake).
    pub gh: OsString,
}

impl Default for WorkerSetup {
    fn default() -> Self {
        Self {
            containers: ContainerRuntime::default(),
            filesystem: Arc::new(RealFilesystem),
            record_cache: None,
            agents_runner: Arc::new(LiveProbe),
            runner_home: paths::runner_home_of_user(),
            gh: OsString::from("gh"),
        }
    }
}

/// The handle of the worker thread: send [`Command`]s, read [`Event`]s. Dropping it
/// cancels what runs and waits for the thread to end.
pub struct Worker {
    commands: Option<Sender<Command>>,
    events: Receiver<Event>,
    event_sender: Sender<Event>,
    wake: Wake,
    cancel: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts a worker on `data_dir` with the real filesystem and the live process table.
    pub fn spawn(data_dir: PathBuf, containers: ContainerRuntime, wake: Wake) -> Self {
        Self::spawn_with(
            data_dir,
            WorkerSetup {
                containers,
                ..WorkerSetup::default()
            },
            wake,
        )
    }

    /// Starts a worker on `data_dir` with what `setup` says (tests pass fakes).
    pub fn spawn_with(data_dir: PathBuf, setup: WorkerSetup, wake: Wake) -> Self {
        let WorkerSetup {
            containers,
            filesystem,
            record_cache,
            agents_runner,
            runner_home,
            gh,
        } = setup;
        let (command_tx, command_rx) = unbounded();
        let (event_tx, event_rx) = unbounded();
        let cancel = Arc::new(AtomicBool::new(false));
        let state = State {
            data_dir,
            containers,
            filesystem,
            record_cache,
            agents_runner,
            runner_home,
            gh,
            cancel: cancel.clone(),
            snapshot: None,
            usage: HashMap::new(),
            logged_problems: HashSet::new(),
            events: event_tx.clone(),
            wake: wake.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("agents-janitor-worker".into())
            .spawn(move || state.run(command_rx))
            .ok();
        Self {
            commands: Some(command_tx),
            events: event_rx,
            event_sender: event_tx,
            wake,
            cancel,
            thread,
        }
    }

    /// Queues a command. Returns false if the worker thread is gone.
    pub fn send(&self, command: Command) -> bool {
        self.commands
            .as_ref()
            .is_some_and(|tx| tx.send(command).is_ok())
    }

    /// Asks the running command to stop at its next check.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// The events, to poll each frame (`try_iter`) or wait on.
    pub fn events(&self) -> &Receiver<Event> {
        &self.events
    }

    /// Reads the last `count` log lines of a task record on a short-lived thread of
    /// its own (a read must not wait behind a long delete), answering with
    /// [`Event::LogTail`].
    pub fn read_log_tail(&self, record: PathBuf, count: usize) {
        let events = self.event_sender.clone();
        let wake = self.wake.clone();
        let spawned = std::thread::Builder::new()
            .name("agents-janitor-log-tail".into())
            .spawn(move || {
                let lines = tasks::read_log_tail(&record, count);
                let _ = events.send(Event::LogTail { record, lines });
                wake();
            });
        if let Err(err) = spawned {
            let _ = self.event_sender.send(Event::Log(LogLine {
                level: Level::Error,
                text: format!("cannot start a thread to read task logs: {err}"),
            }));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.cancel();
        self.commands = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct State {
    data_dir: PathBuf,
    containers: ContainerRuntime,
    filesystem: Arc<dyn Filesystem>,
    record_cache: Option<RecordCache>,
    agents_runner: Arc<dyn Probe>,
    runner_home: Option<PathBuf>,
    gh: OsString,
    cancel: Arc<AtomicBool>,
    snapshot: Option<Arc<Snapshot>>,
    /// Sizes by workspace path, kept across reloads (a workspace is only rescanned when asked).
    usage: HashMap<PathBuf, Usage>,
    logged_problems: HashSet<Problem>,
    events: Sender<Event>,
    wake: Wake,
}

impl State {
    fn run(mut self, commands: Receiver<Command>) {
        for command in commands.iter() {
            self.cancel.store(false, Ordering::Relaxed);
            match command {
                Command::Load => self.load(true),
                Command::Scan => self.scan(false),
                Command::ScanNew => self.scan(true),
                Command::Reload => self.load(false),
                Command::ForgetSizes(paths) => {
                    for path in &paths {
                        self.usage.remove(path);
                    }
                }
                Command::InspectGit(paths) => self.inspect_git(&paths),
                Command::Plan(action, mode) => self.plan(&action, mode),
                Command::Execute(plan) => self.execute(&plan),
                Command::PlanSlim(selection) => self.plan_slim(&selection),
                Command::ExecuteSlim(plan) => self.execute_slim(&plan),
                Command::CheckRemotes(paths) => self.check_remotes(&paths),
                Command::RunUnattended(action, mode) => self.run_unattended(&action, mode),
                Command::Restore(task_id) => self.restore(task_id),
                Command::MeasureFootprint(settings) => self.measure_footprint(&settings),
                Command::PlanReclaim(request, settings) => self.plan_reclaim(&request, &settings),
                Command::ExecuteReclaim(plan, settings) => {
                    self.execute_reclaim(&plan, &settings, false)
                }
                Command::ReclaimScheduled(settings) => self.reclaim_scheduled(&settings),
                Command::FinishStaged => {
                    self.finish_staged();
                    self.load(false);
                }
                Command::Undo(items) => self.undo(&items),
                Command::LookInTrash(paths) => self.look_in_trash(paths),
            }
        }
    }

    fn emit(&self, event: Event) {
        // A closed channel means the UI is gone; there is no one left to tell.
        let _ = self.events.send(event);
        (self.wake)();
    }

    fn engine_emit(&self) -> impl Fn(EngineEvent) + Sync + '_ {
        let events = self.events.clone();
        let wake = self.wake.clone();
        move |event| {
            let event = match event {
                EngineEvent::Log(line) => Event::Log(line),
                EngineEvent::Progress(progress) => Event::Progress(progress),
            };
            let _ = events.send(event);
            wake();
        }
    }

    fn executor(&self) -> Executor {
        Executor::with_filesystem(
            &self.data_dir,
            self.cancel.clone(),
            self.containers.clone(),
            self.filesystem.clone(),
        )
        .with_agents_runner_probe(self.agents_runner.clone())
        .with_runner_home(self.runner_home.as_deref())
    }

    /// Reads the data directory and sends it. `opening` (the window's first load of a
    /// folder): the active records are sent first, before the archived ones are read,
    /// and what a crash left in staging is finished after.
    fn load(&mut self, opening: bool) {
        let loaded = if opening {
            // A window with nothing shown yet shows the active records while the rest is
            // read. That look is never kept here: plans are made from whole snapshots.
            Snapshot::load_active_first(&self.data_dir, self.record_cache.as_ref(), |first| {
                self.emit(Event::Loaded(Arc::new(first.clone())));
            })
        } else {
            Snapshot::load_with(&self.data_dir, self.record_cache.as_ref())
        };
        match loaded {
            Ok(snapshot) => {
                self.data_dir = snapshot.data_dir.clone();
                if opening {
                    // The records an interrupted run changed just now: shown as they are.
                    if self.finish_staged() > 0 {
                        return self.load(false);
                    }
                }
                // Each problem is logged once, not again at every reload.
                let new_problems: Vec<Problem> = snapshot
                    .problems
                    .iter()
                    .filter(|p| self.logged_problems.insert((*p).clone()))
                    .cloned()
                    .collect();
                for problem in &new_problems {
                    self.emit(Event::Log(LogLine {
                        level: Level::Warn,
                        text: format!("problem: {}: {}", problem.path.display(), problem.message),
                    }));
                }
                let snapshot = Arc::new(snapshot);
                self.snapshot = Some(snapshot.clone());
                self.emit(Event::Loaded(snapshot));
                if let Some(cache) = self.pr_cache() {
                    let states = cache.read();
                    if !states.is_empty() {
                        self.emit(Event::PullRequests(states));
                    }
                }
            }
            Err(err) => {
                self.snapshot = None;
                self.emit(Event::LoadFailed(err.to_string()));
            }
        }
    }

    fn scan(&mut self, only_new: bool) {
        let Some(snapshot) = self.snapshot.clone() else {
            self.emit(Event::ScanFinished { cancelled: false });
            return;
        };
        let roots: Vec<PathBuf> = snapshot
            .workspaces
            .iter()
            .filter(|w| !(only_new && self.usage.contains_key(&w.path)))
            .map(|w| w.path.clone())
            .collect();
        let scanner = Scanner::new(self.cancel.clone());
        let results = std::sync::Mutex::new(Vec::with_capacity(roots.len()));
        scanner.scan_all(&roots, |index, usage| {
            let _ = self.events.send(Event::Scanned {
                path: roots[index].clone(),
                usage: usage.clone(),
            });
            (self.wake)();
            if let Ok(mut results) = results.lock() {
                results.push((index, usage));
            }
        });
        for (index, usage) in results.into_inner().unwrap_or_default() {
            if usage.complete {
                self.usage.insert(roots[index].clone(), usage);
            }
        }
        self.scan_legacy(&snapshot, only_new);
        let cancelled = self.cancel.load(Ordering::Relaxed);
        self.emit(Event::ScanFinished { cancelled });
    }

    /// Sizes each legacy checkout as the sum of its entries (its `tasks/` is counted
    /// with the task workspaces).
    fn scan_legacy(&mut self, snapshot: &Snapshot, only_new: bool) {
        for checkout in &snapshot.legacy_checkouts {
            if only_new && self.usage.contains_key(&checkout.path) {
                continue;
            }
            let parts = std::sync::Mutex::new(Vec::new());
            Scanner::new(self.cancel.clone()).scan_all(&checkout.entries, |_, usage| {
                if let Ok(mut parts) = parts.lock() {
                    parts.push(usage);
                }
            });
            let usage = Usage::combined(parts.into_inner().unwrap_or_default());
            if usage.complete {
                self.usage.insert(checkout.path.clone(), usage.clone());
            }
            self.emit(Event::Scanned {
                path: checkout.path.clone(),
                usage,
            });
        }
    }

    fn inspect_git(&self, paths: &[PathBuf]) {
        use rayon::prelude::*;
        let base_branches = self
            .snapshot
            .as_ref()
            .map(|snapshot| snapshot.base_branches())
            .unwrap_or_default();
        // Every git state first (they fill the Git column as they come), then what
        // each workspace's ignored entries take on disk.
        let ignored: Vec<(PathBuf, Vec<PathBuf>)> = process::in_program_pool(|| {
            paths
                .par_iter()
                .filter_map(|path| {
                    if self.cancel.load(Ordering::Relaxed) {
                        return None;
                    }
                    let base = base_branches.get(path).map(String::as_str);
                    let inspection = git::inspect_workspace(path, base, DEFAULT_GIT_TIMEOUT);
                    let known = matches!(inspection.status, GitStatus::Known(_));
                    let _ = self.events.send(Event::GitInspected {
                        path: path.clone(),
                        status: inspection.status,
                    });
                    (self.wake)();
                    known.then(|| (path.clone(), inspection.ignored))
                })
                .collect()
        });
        ignored.par_iter().for_each(|(path, entries)| {
            let scanner = Scanner::new(self.cancel.clone());
            let bytes = entries
                .iter()
                .map(|entry| scanner.scan_tree(&path.join(entry)).disk_bytes)
                .sum();
            if self.cancel.load(Ordering::Relaxed) {
                return;
            }
            let _ = self.events.send(Event::Reclaimable {
                path: path.clone(),
                bytes,
            });
            (self.wake)();
        });
    }

    fn plan(&mut self, action: &Action, delete_mode: DeleteMode) {
        let Some(snapshot) = self.snapshot.clone() else {
            self.emit(Event::PlanFailed("no data directory is loaded".into()));
            return;
        };
        let runner = self.agents_runner.check(&snapshot.data_dir);
        match executor::prepare_with_runner(
            action,
            &snapshot,
            &mut self.usage,
            &self.cancel,
            SystemTime::now(),
            delete_mode,
            runner.as_ref(),
        ) {
            Ok(plan) => {
                for line in executor::mount_point_refusals(&plan) {
                    self.emit(Event::Log(line));
                }
                self.emit(Event::PlanReady(plan));
            }
            Err(err) => self.emit(Event::PlanFailed(err.to_string())),
        }
    }

    fn run_unattended(&mut self, action: &Action, delete_mode: DeleteMode) {
        let Some(snapshot) = self.snapshot.clone() else {
            self.emit(Event::Unattended(Unattended::Failed(
                "no data directory is loaded".into(),
            )));
            return;
        };
        let runner = self.agents_runner.check(&snapshot.data_dir);
        let plan = match executor::prepare_with_runner(
            action,
            &snapshot,
            &mut self.usage,
            &self.cancel,
            SystemTime::now(),
            delete_mode,
            runner.as_ref(),
        ) {
            Ok(plan) => plan,
            Err(err) => {
                self.emit(Event::Unattended(Unattended::Failed(err.to_string())));
                return;
            }
        };
        let verb = action.verb();
        for step in &plan.steps {
            self.emit(Event::Log(LogLine {
                level: Level::Info,
                text: format!("[cleanup] {verb} plan: {}: {}", step.task_id, step.reason),
            }));
        }
        for warning in &plan.warnings {
            self.emit(Event::Log(LogLine {
                level: Level::Warn,
                text: format!("[cleanup] {verb} plan: {warning}"),
            }));
        }
        let held = plan
            .skipped
            .iter()
            .filter(|skipped| skipped.held_by_agents_runner)
            .count();
        if let Some(runner) = runner.as_ref().filter(|_| held > 0) {
            self.emit(Event::Log(LogLine {
                level: Level::Info,
                text: format!(
                    "[cleanup] {verb} plan: {held} active task record(s) left alone: {}",
                    runner.refusal()
                ),
            }));
        }
        for line in executor::mount_point_refusals(&plan) {
            self.emit(Event::Log(line));
        }
        // A workspace kept by a mount point needs the user: the notice says so too.
        let mut warnings = plan.warnings.clone();
        warnings.extend(
            plan.skipped
                .iter()
                .filter(|skipped| skipped.mount_point.is_some())
                .map(|skipped| format!("task {} refused: {}", skipped.task_id, skipped.reason)),
        );
        let slim_failed = matches!(
            action,
            Action::Scheduled {
                slim_failed: true,
                ..
            }
        );
        if plan.is_empty() {
            self.emit(Event::Unattended(Unattended::NothingToDo { warnings }));
            if slim_failed {
                self.slim_kept_failed_unattended();
            }
            return;
        }
        let emit = self.engine_emit();
        let result = self.executor().execute(&plan, &emit);
        drop(emit);
        let outcome = match result {
            Ok(report) => {
                for path in plan.workspace_paths() {
                    self.usage.remove(&path);
                }
                Unattended::Done { report, warnings }
            }
            Err(err) => Unattended::Failed(err.to_string()),
        };
        self.emit(Event::Unattended(outcome));
        self.load(false);
        if slim_failed {
            self.slim_kept_failed_unattended();
        }
    }

    fn execute(&mut self, plan: &Plan) {
        let emit = self.engine_emit();
        let result = self.executor().execute(plan, &emit);
        drop(emit);
        match result {
            Ok(report) => {
                for path in plan.workspace_paths() {
                    self.usage.remove(&path);
                }
                self.emit(Event::Finished(report));
            }
            Err(err) => self.emit(Event::ExecuteFailed(err.to_string())),
        }
        self.load(false);
    }

    fn restore(&mut self, task_id: String) {
        let emit = self.engine_emit();
        let result =
            executor::restore(&self.data_dir, &task_id, self.agents_runner.as_ref(), &emit)
                .map_err(|err| err.to_string());
        drop(emit);
        self.emit(Event::Restored { task_id, result });
        self.load(false);
    }
}
