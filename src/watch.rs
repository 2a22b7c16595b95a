//! Live refresh: watches a data directory and reports, debounced, what changed.
//!
//! Only folders whose entries matter are watched, each one non-recursively: the data
//! folder (`environments.json`), `tasks/`, `tasks/done/`, `managed-repos/`, every
//! `managed-repos/<env>/` and every `managed-repos/<env>/tasks/`. A workspace is a git
//! checkout with thousands of folders; watching into it would exhaust the system's
//! watch limit and report every build. Watches follow the layout as folders appear
//! and vanish. The janitor's own noise (its lock file, its temp files, the staging
//! folder `managed-repos/.janitor-trash`) is not reported.
//!
//! ```no_run
//! use agents_janitor::watch::{self, WatchEvent};
//!
//! let watcher = watch::start(std::path::Path::new("/data"), |event| match event {
//!     WatchEvent::Changed(changes) => println!("rescan {:?}", changes.workspaces),
//!     WatchEvent::Failed(reason) => println!("refreshing periodically: {reason}"),
//! })?;
//! drop(watcher); // stops watching
//! # Ok::<(), agents_janitor::watch::WatchError>(())
//! ```

use crate::store;
use crate::store::paths::{ARCHIVE_DIR, ENVIRONMENTS_FILE, MANAGED_REPOS, STAGING, TASKS_DIR};
use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, DebouncedEvent, NoCache};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a burst of changes (a record rewritten several times, a `git clone`
/// filling a folder) may go on before it is reported as one change set.
pub const DEBOUNCE: Duration = Duration::from_millis(400);

/// What the watcher reports to its callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// Something in the data directory changed.
    Changed(ChangeSet),
    /// The watcher stopped for good (e.g. the system's watch limit was reached while
    /// following a new folder, or the data folder vanished); refresh periodically instead.
    Failed(String),
}

/// One debounced batch of changes. When events were lost (the kernel's queue
/// overflowed), every watch is renewed and everything is reported: `records` and
/// all workspaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// A task record (in `tasks/` or `tasks/done/`) or `environments.json` changed,
    /// appeared or vanished: reload the records.
    pub records: bool,
    /// `managed-repos/<env>/tasks/<task>` entries that appeared, vanished or were renamed,
    /// under the canonical data directory (as in [`crate::store::Snapshot::data_dir`]).
    pub workspaces: BTreeSet<PathBuf>,
}

impl ChangeSet {
    /// Nothing the window needs to reload or rescan.
    pub fn is_empty(&self) -> bool {
        !self.records && self.workspaces.is_empty()
    }
}

/// Why watching stopped (or never started); the window then refreshes periodically.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The system's limit on file watches is reached.
    #[error(
        "too many folders to watch: the system's limit on file watches is reached \
         (on Linux, raise fs.inotify.max_user_watches, e.g. \
         `sudo sysctl fs.inotify.max_user_watches=524288`)"
    )]
    TooManyWatches,
    /// The data folder itself vanished.
    #[error("the data folder {0} is gone")]
    Gone(PathBuf),
    /// A watched folder could not be listed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The folder.
        path: PathBuf,
        /// The OS's error.
        #[source]
        source: io::Error,
    },
    /// A folder could not be watched.
    #[error("cannot watch {path}: {source}")]
    Watch {
        /// The folder.
        path: PathBuf,
        /// The watcher's error.
        #[source]
        source: notify::Error,
    },
    /// The watcher itself could not be created.
    #[error("cannot start watching for changes: {0}")]
    Start(#[source] notify::Error),
}

/// Watches a data directory until dropped. Dropping it waits for a callback under
/// way to return (so do not drop it while holding something the callback waits
/// for); after that the callback is not called again.
#[derive(Debug)]
pub struct DataDirWatcher {
    stopping: Arc<AtomicBool>,
    messages: mpsc::Sender<Message>,
    worker: Option<JoinHandle<()>>,
}

impl Drop for DataDirWatcher {
    fn drop(&mut self) {
        // Batches still queued are skipped, not reported.
        self.stopping.store(true, Ordering::Release);
        // Fails only when the worker has already stopped (after a failure).
        let _ = self.messages.send(Message::Stop);
        if let Some(worker) = self.worker.take()
            // Dropped from inside the callback: the worker ends on its own after it returns.
            && worker.thread().id() != std::thread::current().id()
        {
            let _ = worker.join();
        }
    }
}

/// Starts watching `data_dir`; `on_change` runs on the watcher's own thread.
pub fn start(
    data_dir: &Path,
    on_change: impl FnMut(WatchEvent) + Send + 'static,
) -> Result<DataDirWatcher, WatchError> {
    start_with_limit(data_dir, usize::MAX, on_change)
}

/// [`start`], failing with [`WatchError::TooManyWatches`] (at once, or later as
/// [`WatchEvent::Failed`]) when more than `max_watches` folders would be watched,
/// as the system's own limit would.
pub fn start_with_limit(
    data_dir: &Path,
    max_watches: usize,
    on_change: impl FnMut(WatchEvent) + Send + 'static,
) -> Result<DataDirWatcher, WatchError> {
    let root = std::fs::canonicalize(data_dir).map_err(|source| WatchError::Read {
        path: data_dir.into(),
        source,
    })?;
    let (messages, received) = mpsc::channel();
    let batches = messages.clone();
    let debouncer = notify_debouncer_full::new_debouncer_opt::<_, RecommendedWatcher, NoCache>(
        DEBOUNCE,
        None,
        move |result: DebounceEventResult| {
            // Fails only once the worker has stopped, when nobody wants the batch.
            let _ = batches.send(Message::Batch(result));
        },
        NoCache::new(),
        notify::Config::default(),
    )
    .map_err(WatchError::Start)?;
    let mut watching = Watching {
        debouncer,
        root,
        max_watches,
        watched: BTreeMap::new(),
        entries: BTreeMap::new(),
    };
    // What is there now the caller loads itself: nothing to report.
    watching.reconcile(&mut ChangeSet::default())?;
    let stopping = Arc::new(AtomicBool::new(false));
    let stop = Arc::clone(&stopping);
    let worker = std::thread::Builder::new()
        .name("data-dir-watcher".into())
        .spawn(move || watching.run(&received, &stop, on_change))
        .map_err(|err| WatchError::Start(notify::Error::io(err)))?;
    Ok(DataDirWatcher {
        stopping,
        messages,
        worker: Some(worker),
    })
}

enum Message {
    Batch(DebounceEventResult),
    Stop,
}

/// The kinds of folder that are watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    DataDir,
    Tasks,
    Archive,
    ManagedRepos,
    Env,
    EnvTasks,
}

/// What a path in the data directory means to the watcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hit {
    /// A task record or `environments.json`.
    Record,
    /// A folder whose appearing or vanishing changes what is watched.
    Layout,
    /// An entry of `managed-repos/<env>/tasks/`.
    Workspace,
}

/// Classifies a path relative to the data directory; `None` for everything not reported.
/// A name in `tasks/` or `tasks/done/` is a record by the store's own rule
/// ([`store::is_record_name`]): the janitor's temp files (`.agents-janitor-*.tmp`) are
/// not, and the rename that replaces a record is. The lock file `.agents-janitor.lock`
/// sits in the data folder, where only `environments.json` counts.
fn classify(relative: &Path) -> Option<Hit> {
    let parts: Vec<&OsStr> = relative.iter().collect();
    match parts.as_slice() {
        [] => Some(Hit::Layout),
        [name] if *name == ENVIRONMENTS_FILE => Some(Hit::Record),
        [name] if *name == TASKS_DIR || *name == MANAGED_REPOS => Some(Hit::Layout),
        [tasks, name] if *tasks == TASKS_DIR => {
            if *name == ARCHIVE_DIR {
                Some(Hit::Layout)
            } else {
                store::is_record_name(&name.to_string_lossy()).then_some(Hit::Record)
            }
        }
        [tasks, done, name] if *tasks == TASKS_DIR && *done == ARCHIVE_DIR => {
            store::is_record_name(&name.to_string_lossy()).then_some(Hit::Record)
        }
        [managed, env] if *managed == MANAGED_REPOS && is_env_name(env) => Some(Hit::Layout),
        [managed, env, tasks] if *managed == MANAGED_REPOS && is_env_name(env) => {
            (*tasks == TASKS_DIR).then_some(Hit::Layout)
        }
        [managed, env, tasks, _] if *managed == MANAGED_REPOS && is_env_name(env) => {
            (*tasks == TASKS_DIR).then_some(Hit::Workspace)
        }
        _ => None,
    }
}

fn is_env_name(name: &OsStr) -> bool {
    name != STAGING
}

/// True for events that can make an entry appear or vanish (not writes, metadata or reads).
fn reshapes(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(_) => false,
        EventKind::Modify(modify) => matches!(modify, ModifyKind::Name(_) | ModifyKind::Any),
        EventKind::Any | EventKind::Create(_) | EventKind::Remove(_) | EventKind::Other => true,
    }
}

/// A folder that is really there: not a symlink, which is never watched through.
fn is_real_dir(path: &Path) -> bool {
    path.symlink_metadata().is_ok_and(|meta| meta.is_dir())
}

fn list_names(dir: &Path) -> Result<BTreeSet<OsString>, WatchError> {
    let read_error = |source| WatchError::Read {
        path: dir.into(),
        source,
    };
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|entry| entry.map(|e| e.file_name()).map_err(read_error))
            .collect(),
        // Vanished meanwhile: the event for that comes next.
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(err) => Err(read_error(err)),
    }
}

fn watch_error(path: &Path, err: notify::Error) -> WatchError {
    let limit_reached = match &err.kind {
        notify::ErrorKind::MaxFilesWatch => true,
        notify::ErrorKind::Io(io) => is_watch_limit(io),
        _ => false,
    };
    if limit_reached {
        WatchError::TooManyWatches
    } else {
        WatchError::Watch {
            path: path.into(),
            source: err,
        }
    }
}

/// inotify reports its watch limit as "no space left on device" (ENOSPC).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn is_watch_limit(err: &io::Error) -> bool {
    const ENOSPC: i32 = 28;
    err.raw_os_error() == Some(ENOSPC)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn is_watch_limit(_err: &io::Error) -> bool {
    false
}

fn is_not_found(err: &notify::Error) -> bool {
    match &err.kind {
        notify::ErrorKind::PathNotFound => true,
        notify::ErrorKind::Io(io) => io.kind() == io::ErrorKind::NotFound,
        _ => false,
    }
}

type Debouncer = notify_debouncer_full::Debouncer<RecommendedWatcher, NoCache>;

/// The watcher's state, owned by its thread.
struct Watching {
    debouncer: Debouncer,
    /// Canonical data directory.
    root: PathBuf,
    max_watches: usize,
    watched: BTreeMap<PathBuf, Place>,
    /// Entries last seen in each watched `<env>/tasks/`, to report them when the
    /// folder vanishes as a whole (renamed away, no event for each entry).
    entries: BTreeMap<PathBuf, BTreeSet<OsString>>,
}

impl Watching {
    fn run(
        mut self,
        received: &mpsc::Receiver<Message>,
        stopping: &AtomicBool,
        mut on_change: impl FnMut(WatchEvent),
    ) {
        while let Ok(Message::Batch(result)) = received.recv() {
            if stopping.load(Ordering::Acquire) {
                return;
            }
            let outcome = match result {
                Ok(events) => self.apply(&events),
                Err(errors) => match errors.into_iter().next() {
                    Some(err) => Err(watch_error(&self.root, err)),
                    None => continue,
                },
            };
            match outcome {
                Ok(changes) if changes.is_empty() => {}
                Ok(changes) => on_change(WatchEvent::Changed(changes)),
                Err(err) => {
                    on_change(WatchEvent::Failed(err.to_string()));
                    // Dropping `self` releases every watch.
                    return;
                }
            }
        }
    }

    /// Turns one debounced batch into a change set, following the layout.
    fn apply(&mut self, events: &[DebouncedEvent]) -> Result<ChangeSet, WatchError> {
        let mut changes = ChangeSet::default();
        let mut layout_changed = false;
        let mut relist = BTreeSet::new();
        for event in events {
            if event.need_rescan() {
                // Events were lost (queue overflow): watch everything afresh and report it all.
                let root = self.root.clone();
                self.forget(&root, &mut changes);
                layout_changed = true;
                continue;
            }
            if matches!(event.kind, EventKind::Access(_)) {
                continue;
            }
            for path in &event.paths {
                let Ok(relative) = path.strip_prefix(&self.root) else {
                    continue;
                };
                match classify(relative) {
                    Some(Hit::Record) => changes.records = true,
                    Some(Hit::Layout) if reshapes(&event.kind) => {
                        layout_changed = true;
                        // Removed, or removed and made again: its old watch is dead.
                        if self.watched.contains_key(path) {
                            self.forget(path, &mut changes);
                        }
                    }
                    Some(Hit::Workspace) if reshapes(&event.kind) => {
                        changes.workspaces.insert(path.clone());
                        if let Some(parent) = path.parent() {
                            relist.insert(parent.to_path_buf());
                        }
                    }
                    _ => {}
                }
            }
        }
        if layout_changed {
            self.reconcile(&mut changes)?;
        }
        for dir in relist {
            self.relist(&dir, &mut changes)?;
        }
        Ok(changes)
    }

    /// The folders that should be watched now.
    fn wanted(&self) -> Result<BTreeMap<PathBuf, Place>, WatchError> {
        if !is_real_dir(&self.root) {
            return Err(WatchError::Gone(self.root.clone()));
        }
        let mut wanted = BTreeMap::from([(self.root.clone(), Place::DataDir)]);
        let tasks = self.root.join(TASKS_DIR);
        if is_real_dir(&tasks) {
            let archive = tasks.join(ARCHIVE_DIR);
            if is_real_dir(&archive) {
                wanted.insert(archive, Place::Archive);
            }
            wanted.insert(tasks, Place::Tasks);
        }
        let managed = self.root.join(MANAGED_REPOS);
        if !is_real_dir(&managed) {
            return Ok(wanted);
        }
        for name in list_names(&managed)? {
            let env = managed.join(&name);
            // Symlinked env (or tasks) folders are not followed: the store reports them
            // and never touches the workspaces behind them, and a watch through a link
            // would follow it anywhere, even back into this tree.
            if !is_env_name(&name) || !is_real_dir(&env) {
                continue;
            }
            let env_tasks = env.join(TASKS_DIR);
            if is_real_dir(&env_tasks) {
                wanted.insert(env_tasks, Place::EnvTasks);
            }
            wanted.insert(env, Place::Env);
        }
        wanted.insert(managed, Place::ManagedRepos);
        Ok(wanted)
    }

    /// Watches what should be watched and drops the rest, reporting what that reveals.
    fn reconcile(&mut self, changes: &mut ChangeSet) -> Result<(), WatchError> {
        let wanted = self.wanted()?;
        // Drops first: a folder renamed within the tree keeps its watch, which notify
        // would hand to the new path too; dropping the old path later would end both.
        let unwanted: Vec<PathBuf> = self
            .watched
            .keys()
            .filter(|path| !wanted.contains_key(*path))
            .cloned()
            .collect();
        for path in unwanted {
            self.unwatch(&path, changes);
        }
        for (path, place) in wanted {
            if self.watched.contains_key(&path) {
                continue;
            }
            if self.watched.len() >= self.max_watches {
                return Err(WatchError::TooManyWatches);
            }
            match self.debouncer.watch(&path, RecursiveMode::NonRecursive) {
                Ok(()) => {}
                // Vanished since it was listed; its parent's event brings us back.
                Err(err) if is_not_found(&err) => continue,
                Err(err) => return Err(watch_error(&path, err)),
            }
            self.watched.insert(path.clone(), place);
            match place {
                Place::Tasks | Place::Archive => changes.records = true,
                Place::EnvTasks => {
                    // Listed after the watch is set, so nothing slips between the two.
                    let names = list_names(&path)?;
                    changes
                        .workspaces
                        .extend(names.iter().map(|name| path.join(name)));
                    self.entries.insert(path, names);
                }
                Place::DataDir | Place::ManagedRepos | Place::Env => {}
            }
        }
        Ok(())
    }

    /// Drops the watch on `dir` and every watched folder below it.
    fn forget(&mut self, dir: &Path, changes: &mut ChangeSet) {
        let below: Vec<PathBuf> = self
            .watched
            .keys()
            .filter(|path| path.starts_with(dir))
            .cloned()
            .collect();
        for path in below {
            self.unwatch(&path, changes);
        }
    }

    fn unwatch(&mut self, path: &Path, changes: &mut ChangeSet) {
        // Usually already gone with its folder.
        let _ = self.debouncer.unwatch(path);
        match self.watched.remove(path) {
            Some(Place::Tasks | Place::Archive) => changes.records = true,
            Some(Place::EnvTasks) => {
                let names = self.entries.remove(path).unwrap_or_default();
                changes
                    .workspaces
                    .extend(names.iter().map(|name| path.join(name)));
            }
            _ => {}
        }
    }

    /// Re-reads a watched `<env>/tasks/` and reports entries that came or went.
    fn relist(&mut self, dir: &Path, changes: &mut ChangeSet) -> Result<(), WatchError> {
        let Some(known) = self.entries.get_mut(dir) else {
            return Ok(());
        };
        let now = list_names(dir)?;
        changes
            .workspaces
            .extend(known.symmetric_difference(&now).map(|name| dir.join(name)));
        *known = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
