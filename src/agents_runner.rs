//! Knowing when Agents-Runner runs on a data directory.
//!
//! Agents-Runner keeps every task it loaded at start (the active records) and every
//! task it created since in memory, and rewrites all of them on each save, archived ones
//! included; so while it runs, a change the janitor makes to one of those records
//! (status, archiving, restoring, log lines) is undone at its next save. It has no lock file;
//! the only sign of it is its process: a Python interpreter whose script is `main.py`
//! in a folder that holds the `agents_runner/` package (`uv run main.py` from a
//! checkout), of the same user, whose `AGENTS_RUNNER_STATE_PATH` (or, unset, its
//! default `~/.midoriai/agents-runner`) is our data directory.
//!
//! [`find`] is the matcher: pure over a recorded [`ProcessTable`], asking the disk only
//! through [`Disk`]. [`LiveProbe`] reads the live table with `sysinfo` (the command
//! line of every process; the user, executable, working folder and environment only of
//! those that run a `main.py`). Where a fact cannot be read (another
//! process's environment or working folder), the answer is "possibly ours", with the
//! reason: refusing a record change wrongly costs a retry, allowing one wrongly loses it.
//! On a platform `sysinfo` does not support, nothing is ever found.

use crate::store::paths;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// One process as the table shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessInfo {
    /// Its process id.
    pub pid: u32,
    /// The real user id; `None` when unknown (or on a platform without numeric ids).
    pub uid: Option<u32>,
    /// The executable, links resolved (`/usr/bin/python3.12` for a venv's `python3`).
    pub exe: Option<PathBuf>,
    /// The command line, `argv[0]` first.
    pub cmd: Vec<OsString>,
    /// `None` when it could not be read.
    pub cwd: Option<PathBuf>,
    /// `KEY=value` entries; `None` when they could not be read.
    pub environ: Option<Vec<OsString>>,
    /// When it started; `None` when unknown.
    pub started: Option<SystemTime>,
}

/// A snapshot of the processes, and who is asking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessTable {
    /// The janitor's own user id.
    pub our_uid: Option<u32>,
    /// The janitor's home folder: Agents-Runner's default data dir is under its own
    /// `HOME`, and this stands in when that cannot be read.
    pub our_home: Option<PathBuf>,
    /// Every process the table shows.
    pub processes: Vec<ProcessInfo>,
}

/// A running Agents-Runner that may rewrite the task records of our data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerProcess {
    /// Its process id, which every message names.
    pub pid: u32,
    /// Why it is only *possibly* on our data directory (a fact about it could not be
    /// read); `None` when it certainly is.
    pub unsure: Option<String>,
    /// When it started; `None` when unknown.
    pub started: Option<SystemTime>,
}

impl RunnerProcess {
    /// Whether it may hold the task record at `record` (last modified at `modified`) in
    /// memory, and so rewrite it at its next save. It holds every active record
    /// (`tasks/`); of the archived ones (`tasks/done/`), only those it archived itself
    /// while running, and it rewrites those at every save: an archived record not
    /// changed since it started is not in its memory. The janitor's own writes since
    /// then count too, which errs on the safe side.
    pub fn may_hold(&self, record: &Path, modified: Option<SystemTime>) -> bool {
        if !paths::is_archived_record(record) {
            return true;
        }
        match (self.started, modified) {
            (Some(started), Some(modified)) => modified >= started,
            _ => true,
        }
    }

    /// Why a change to an active record is refused, for the log, the CLI and the window.
    pub fn refusal(&self) -> String {
        match &self.unsure {
            None => format!(
                "Agents-Runner is running (pid {}) and rewrites task records from memory: close it first, or discard in Agents-Runner",
                self.pid
            ),
            Some(why) => format!(
                "Agents-Runner is running (pid {}; it may use this data folder: {why}) and rewrites task records from memory: close it first, or discard in Agents-Runner",
                self.pid
            ),
        }
    }

    /// The one-line notice the window's bar and `list`/`usage` show.
    pub fn notice(&self) -> String {
        let unsure = self
            .unsure
            .as_ref()
            .map(|why| format!("; it may use this data folder: {why}"))
            .unwrap_or_default();
        format!(
            "Agents-Runner is running (pid {}{unsure}): task records are its to change; deleting workspaces still works",
            self.pid
        )
    }
}

/// What the matcher asks of the disk (table tests pass a fake).
pub trait Disk {
    /// Whether `path` is a folder (links followed).
    fn is_dir(&self, path: &Path) -> bool;
    /// The path with every link resolved; `None` when it does not exist.
    fn canonical(&self, path: &Path) -> Option<PathBuf>;
}

/// The real filesystem.
pub struct RealDisk;

impl Disk for RealDisk {
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path).ok()
    }
}

/// The package folder beside Agents-Runner's `main.py`.
const PACKAGE_DIR: &str = "agents_runner";
const SCRIPT: &str = "main.py";

/// The Agents-Runner process of `table` that may rewrite records in `data_dir`: one
/// certainly on it first, else one possibly on it; the lowest pid of either kind.
pub fn find(table: &ProcessTable, data_dir: &Path, disk: &dyn Disk) -> Option<RunnerProcess> {
    let ours = disk.canonical(data_dir);
    let mut found: Vec<RunnerProcess> = table
        .processes
        .iter()
        .filter_map(|process| match_process(table, process, data_dir, ours.as_deref(), disk))
        .collect();
    found.sort_by_key(|runner| (runner.unsure.is_some(), runner.pid));
    found.into_iter().next()
}

fn match_process(
    table: &ProcessTable,
    process: &ProcessInfo,
    data_dir: &Path,
    ours: Option<&Path>,
    disk: &dyn Disk,
) -> Option<RunnerProcess> {
    // Another user's Agents-Runner has its own data dir; an unknown user may be us.
    if let (Some(uid), Some(our_uid)) = (process.uid, table.our_uid)
        && uid != our_uid
    {
        return None;
    }
    let script = Path::new(main_script(&process.cmd, process.exe.as_deref())?);
    const NO_CWD: &str = "its working folder could not be read";
    let mut doubts = Vec::new();
    let script = if script.is_absolute() {
        script.to_path_buf()
    } else if let Some(cwd) = &process.cwd {
        cwd.join(script)
    } else {
        doubts.push(NO_CWD);
        PathBuf::new()
    };
    if doubts.is_empty()
        && !script
            .parent()
            .is_some_and(|dir| disk.is_dir(&dir.join(PACKAGE_DIR)))
    {
        return None;
    }
    match &process.environ {
        Some(environ) if !environ.is_empty() => {
            let state_path = env_value(environ, paths::STATE_PATH_VAR);
            let home = env_value(environ, "HOME")
                .map(PathBuf::from)
                .or_else(|| table.our_home.clone());
            let Some(home) = home else {
                doubts.push("no home folder is known for it");
                return Some(unsure(process, &doubts));
            };
            let theirs = paths::data_dir_of_process(state_path.as_deref(), &home);
            let theirs = if theirs.is_relative() {
                match &process.cwd {
                    Some(cwd) => cwd.join(theirs),
                    None => {
                        if !doubts.contains(&NO_CWD) {
                            doubts.push(NO_CWD);
                        }
                        return Some(unsure(process, &doubts));
                    }
                }
            } else {
                theirs
            };
            if !same_folder(&theirs, data_dir, ours, disk) {
                return None;
            }
        }
        // An empty environment is what an unreadable one looks like: no real
        // Agents-Runner starts without PATH or HOME.
        _ => doubts.push("its environment could not be read"),
    }
    Some(if doubts.is_empty() {
        RunnerProcess {
            pid: process.pid,
            unsure: None,
            started: process.started,
        }
    } else {
        unsure(process, &doubts)
    })
}

fn unsure(process: &ProcessInfo, doubts: &[&str]) -> RunnerProcess {
    RunnerProcess {
        pid: process.pid,
        unsure: Some(doubts.join(", ")),
        started: process.started,
    }
}

fn same_folder(theirs: &Path, data_dir: &Path, ours: Option<&Path>, disk: &dyn Disk) -> bool {
    match (disk.canonical(theirs), ours) {
        (Some(theirs), Some(ours)) => theirs == ours,
        // One of them does not exist (or cannot be resolved): only the same spelling is
        // the same folder.
        _ => theirs == data_dir,
    }
}

fn env_value(environ: &[OsString], key: &str) -> Option<String> {
    environ.iter().find_map(|entry| {
        let entry = entry.to_string_lossy();
        let (name, value) = entry.split_once('=')?;
        (name == key).then(|| value.to_owned())
    })
}

/// The script a Python command line runs, when the interpreter is Python and the
/// script is named `main.py`. `python -m MODULE` (Agents-Runner's desktop viewer
/// helper) and `python -c CODE` run no script.
pub fn main_script<'a>(cmd: &'a [OsString], exe: Option<&Path>) -> Option<&'a OsStr> {
    let argv0 = cmd.first()?;
    let python = is_python(Path::new(argv0)) || exe.is_some_and(is_python);
    python.then(|| main_script_argument(cmd)).flatten()
}

/// The script argument of a command line when it is named `main.py`, whatever the
/// program (the first, cheap pass over every process).
fn main_script_argument(cmd: &[OsString]) -> Option<&OsStr> {
    let script = script_argument(cmd.get(1..)?)?;
    (Path::new(script).file_name() == Some(OsStr::new(SCRIPT))).then_some(script)
}

/// `python`, `python3`, `python3.12`, `python3.12.exe`, by file name.
fn is_python(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(OsStr::to_str) else {
        return false;
    };
    let name = name.strip_suffix(".exe").unwrap_or(name);
    name.strip_prefix("python")
        .is_some_and(|version| version.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The first argument Python takes as its script, skipping its options.
fn script_argument(args: &[OsString]) -> Option<&OsStr> {
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let Some(text) = arg.to_str() else {
            return Some(arg.as_os_str());
        };
        if text == "-" {
            // The script comes from standard input.
            return None;
        }
        if text == "--" {
            return rest.next().map(OsString::as_os_str);
        }
        if let Some(long) = text.strip_prefix("--") {
            match long {
                "check-hash-based-pycs" => {
                    rest.next();
                }
                // Only these long options exist besides --help and --version, which run nothing.
                _ if long.starts_with("check-hash-based-pycs=") => {}
                _ => return None,
            }
            continue;
        }
        let Some(flags) = text.strip_prefix('-') else {
            return Some(arg.as_os_str());
        };
        for (at, flag) in flags.char_indices() {
            match flag {
                // Code or a module instead of a script.
                'c' | 'm' => return None,
                // The option's value is the rest of this argument, or the next one.
                'W' | 'X' => {
                    if at + 1 == flags.len() {
                        rest.next();
                    }
                    break;
                }
                _ => {}
            }
        }
    }
    None
}

/// Where the answer about a running Agents-Runner comes from: the live process table,
/// or, in tests, a fake that says what they need.
pub trait Probe: Send + Sync {
    /// The Agents-Runner that may rewrite task records in `data_dir`, if one runs.
    fn check(&self, data_dir: &Path) -> Option<RunnerProcess>;
}

/// Reads the live process table.
#[derive(Debug, Clone, Copy, Default)]
pub struct LiveProbe;

impl Probe for LiveProbe {
    fn check(&self, data_dir: &Path) -> Option<RunnerProcess> {
        find(&live_table(), data_dir, &RealDisk)
    }
}

/// The live process table: the command line of every process, then the user,
/// executable, working folder and environment only of those that run a `main.py` (and
/// our own user); reading them for every process would cost several times more.
pub fn live_table() -> ProcessTable {
    use std::time::Duration;
    use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

    let mut table = ProcessTable {
        our_uid: None,
        our_home: paths::home_dir(),
        processes: Vec::new(),
    };
    let Ok(mut system) = System::new() else {
        return table;
    };
    let listing = ProcessRefreshKind::nothing()
        .without_tasks()
        .with_cmd(UpdateKind::Always);
    system.refresh_processes_specifics(ProcessesToUpdate::All, true, listing);
    let candidates: Vec<sysinfo::Pid> = system
        .processes()
        .iter()
        .filter(|(_, process)| main_script_argument(process.cmd()).is_some())
        .map(|(pid, _)| *pid)
        .collect();
    let ours = sysinfo::get_current_pid().ok();
    let details = ProcessRefreshKind::nothing()
        .without_tasks()
        .with_user(UpdateKind::Always)
        .with_exe(UpdateKind::Always)
        .with_cwd(UpdateKind::Always)
        .with_environ(UpdateKind::Always);
    let asked: Vec<sysinfo::Pid> = candidates.iter().copied().chain(ours).collect();
    system.refresh_processes_specifics(ProcessesToUpdate::Some(&asked), true, details);
    table.our_uid = ours
        .and_then(|pid| system.process(pid))
        .and_then(numeric_uid);
    table.processes = candidates
        .iter()
        .filter_map(|pid| system.process(*pid))
        .map(|process| ProcessInfo {
            pid: process.pid().as_u32(),
            uid: numeric_uid(process),
            exe: process.exe().map(Path::to_path_buf),
            cmd: process.cmd().to_vec(),
            cwd: process.cwd().map(Path::to_path_buf),
            environ: Some(process.environ().to_vec()),
            // Whole seconds: a record written in its first second counts as held.
            started: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(process.start_time())),
        })
        .collect();
    table
}

#[cfg(unix)]
fn numeric_uid(process: &sysinfo::Process) -> Option<u32> {
    process.user_id().map(|uid| **uid)
}

/// Users are not numbers here: every process counts as the same user.
#[cfg(not(unix))]
fn numeric_uid(_process: &sysinfo::Process) -> Option<u32> {
    None
}

#[cfg(test)]
mod tests;
