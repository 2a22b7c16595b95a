//! Read-only git state of a task workspace, through the `git` CLI.
//!
//! Workspaces are written by agents, so their repository config is not trusted: git is run
//! with `core.fsmonitor` off and every filter driver the repo configures blanked, because
//! `git status` would otherwise run those commands (and `safe.directory=*` switches off the
//! ownership check that normally guards against that).

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::process::{CommandOutput, RunError, run_with_timeout};

/// How long the inspection of one workspace may take (every git call of it together).
pub const DEFAULT_GIT_TIMEOUT: Duration = Duration::from_secs(5);

/// Inherited variables (e.g. when run from a git hook) that would point git at
/// another repository than the one in the working directory.
pub const REPOSITORY_OVERRIDES: [&str; 7] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
];

/// What git says of a workspace: its branch, and the work that exists nowhere else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GitState {
    /// Checked-out branch; `None` when HEAD is detached.
    pub branch: Option<String>,
    /// Changed, staged, deleted and untracked (not ignored) paths.
    pub uncommitted: u32,
    /// Commits on HEAD or any local branch that no remote-tracking branch contains.
    pub unpushed: u32,
}

/// A workspace's git state as far as it could be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum GitStatus {
    /// Git answered.
    Known(GitState),
    /// Git could not answer (no git, not a repository, a timeout, an error).
    Unknown {
        /// Why, for people.
        reason: String,
    },
}

impl GitStatus {
    /// Whether deleting the workspace would lose work that exists nowhere else.
    /// An unknown state says nothing either way, so it is `false`; callers decide how
    /// cautious to be about `Unknown`.
    pub fn has_unsaved_work(&self) -> bool {
        matches!(self, Self::Known(state) if state.uncommitted > 0 || state.unpushed > 0)
    }

    /// The state in words: "clean", "2 uncommitted, 1 unpushed", "unknown (why)".
    pub fn describe(&self) -> String {
        match self {
            Self::Known(state) => {
                let mut parts = Vec::new();
                if state.uncommitted > 0 {
                    parts.push(format!("{} uncommitted", state.uncommitted));
                }
                if state.unpushed > 0 {
                    parts.push(format!("{} unpushed", state.unpushed));
                }
                if parts.is_empty() {
                    "clean".to_owned()
                } else {
                    parts.join(", ")
                }
            }
            Self::Unknown { reason } => format!("unknown ({reason})"),
        }
    }
}

/// Reads the git state of `workspace`, which must itself be the top level of a work tree
/// (a folder merely inside some other repository is "not a git repository").
///
/// `timeout` bounds the whole inspection: each git call gets what is left of it. Never
/// panics; every failure (no git, timeout, missing folder, git error) becomes `Unknown`.
pub fn inspect(workspace: &Path, timeout: Duration) -> GitStatus {
    inspect_with(OsStr::new("git"), workspace, timeout)
}

fn inspect_with(program: &OsStr, workspace: &Path, timeout: Duration) -> GitStatus {
    match read_state(program, workspace, timeout) {
        Ok(state) => GitStatus::Known(state),
        Err(reason) => GitStatus::Unknown { reason },
    }
}

const NOT_A_REPOSITORY: &str = "not a git repository";

fn read_state(program: &OsStr, workspace: &Path, timeout: Duration) -> Result<GitState, String> {
    let workspace = workspace
        .canonicalize()
        .map_err(|error| match error.kind() {
            io::ErrorKind::NotFound => "folder is missing".to_owned(),
            _ => format!("cannot open folder: {error}"),
        })?;
    if !workspace.is_dir() {
        return Err("not a folder".to_owned());
    }
    let mut git = Git {
        program,
        ceiling: workspace
            .parent()
            .and_then(|parent| std::env::join_paths([parent]).ok()),
        workspace,
        started: Instant::now(),
        timeout,
        config: vec![
            ("safe.directory".into(), "*".into()),
            ("core.fsmonitor".into(), "false".into()),
        ],
    };

    let toplevel = git.run(&["rev-parse", "--show-toplevel"])?;
    if !toplevel.status.success() {
        let message = toplevel.stderr_first_line().unwrap_or_default();
        return Err(if message.contains(NOT_A_REPOSITORY) {
            NOT_A_REPOSITORY.to_owned()
        } else {
            failure("rev-parse", &toplevel)
        });
    }
    // Belt and braces with GIT_CEILING_DIRECTORIES, which cannot be set for a parent whose
    // path contains the list separator.
    let toplevel = path_from_output(&toplevel.stdout).canonicalize().ok();
    if toplevel.as_deref() != Some(git.workspace.as_path()) {
        return Err(NOT_A_REPOSITORY.to_owned());
    }

    git.blank_filter_drivers()?;

    let head = git.run(&["symbolic-ref", "--quiet", "--short", "HEAD"])?;
    // symbolic-ref works on a branch with no commits yet, unlike `rev-parse --abbrev-ref`;
    // exit code 1 means HEAD is detached.
    let branch = match head.status.code() {
        Some(0) => Some(text_from_output(&head.stdout)),
        Some(1) => None,
        _ => return Err(failure("symbolic-ref", &head)),
    };

    let status = git.run(&["status", "--porcelain=v1", "-z", "--untracked-files=normal"])?;
    if !status.status.success() {
        return Err(failure("status", &status));
    }
    let uncommitted = count_status_entries(&status.stdout);

    // Local branches cover HEAD when it is on a branch (even an unborn one, which makes the
    // count 0); a detached HEAD is named explicitly.
    let mut rev_list = vec!["rev-list", "--count", "--branches"];
    if branch.is_none() {
        rev_list.push("HEAD");
    }
    rev_list.extend(["--not", "--remotes"]);
    let unpushed = git.run(&rev_list)?;
    if !unpushed.status.success() {
        return Err(failure("rev-list", &unpushed));
    }
    let unpushed = text_from_output(&unpushed.stdout)
        .parse()
        .map_err(|_| "unexpected output from git rev-list".to_owned())?;

    Ok(GitState {
        branch,
        uncommitted,
        unpushed,
    })
}

struct Git<'a> {
    program: &'a OsStr,
    workspace: PathBuf,
    /// Parent of the workspace, so git never looks for a repository above it.
    ceiling: Option<OsString>,
    started: Instant,
    timeout: Duration,
    /// Passed as GIT_CONFIG_KEY_n/VALUE_n: command-line scope, which beats the repo's
    /// config, and needs no quoting of keys that contain `=`.
    config: Vec<(String, String)>,
}

impl Git<'_> {
    fn run(&self, args: &[&str]) -> Result<CommandOutput, String> {
        let timed_out = || format!("git timed out after {:?}", self.timeout);
        let remaining = self.timeout.saturating_sub(self.started.elapsed());
        if remaining.is_zero() {
            return Err(timed_out());
        }
        let mut command = Command::new(self.program);
        command.arg("-C").arg(&self.workspace).args(args);
        for variable in REPOSITORY_OVERRIDES {
            command.env_remove(variable);
        }
        command
            // `status` must not refresh (write) the index of a workspace we only read.
            .env("GIT_OPTIONAL_LOCKS", "0")
            .env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_COUNT", self.config.len().to_string());
        for (index, (key, value)) in self.config.iter().enumerate() {
            command
                .env(format!("GIT_CONFIG_KEY_{index}"), key)
                .env(format!("GIT_CONFIG_VALUE_{index}"), value);
        }
        match &self.ceiling {
            Some(ceiling) => command.env("GIT_CEILING_DIRECTORIES", ceiling),
            None => command.env_remove("GIT_CEILING_DIRECTORIES"),
        };
        run_with_timeout(command, remaining).map_err(|error| match error {
            RunError::NotFound { .. } => "git not found".to_owned(),
            RunError::TimedOut { .. } => timed_out(),
            other => other.to_string(),
        })
    }

    /// Overrides every `filter.<driver>.clean`/`.process` the repository configures with an
    /// empty command (which git treats as "no filter"), and makes them not required.
    fn blank_filter_drivers(&mut self) -> Result<(), String> {
        let listed = self.run(&[
            "config",
            "-z",
            "--get-regexp",
            r"^filter\..*\.(clean|process)$",
        ])?;
        // Exit code 1 means no such key.
        match listed.status.code() {
            Some(0) => {}
            Some(1) => return Ok(()),
            _ => return Err(failure("config", &listed)),
        }
        // With -z each entry is "key\nvalue\0".
        let drivers = listed.stdout.split(|byte| *byte == 0).filter_map(|entry| {
            let key = entry.split(|byte| *byte == b'\n').next()?;
            let key = String::from_utf8_lossy(key);
            let driver = key.strip_prefix("filter.")?;
            let driver = driver
                .strip_suffix(".clean")
                .or_else(|| driver.strip_suffix(".process"))?;
            Some(driver.to_owned())
        });
        let mut blanked: Vec<String> = Vec::new();
        for driver in drivers {
            if blanked.contains(&driver) {
                continue;
            }
            for (setting, value) in [("clean", ""), ("process", ""), ("required", "false")] {
                self.config
                    .push((format!("filter.{driver}.{setting}"), value.to_owned()));
            }
            blanked.push(driver);
        }
        Ok(())
    }
}

fn failure(subcommand: &str, output: &CommandOutput) -> String {
    match output.stderr_first_line() {
        Some(message) => format!("git {subcommand} failed: {message}"),
        None => format!("git {subcommand} failed ({})", output.status),
    }
}

/// Counts the entries of `git status --porcelain=v1 -z`. A rename or copy entry is followed
/// by an extra field holding the original path, which is not an entry of its own.
fn count_status_entries(porcelain: &[u8]) -> u32 {
    let mut fields = porcelain
        .split(|byte| *byte == 0)
        .filter(|field| !field.is_empty());
    let mut count = 0_u32;
    while let Some(entry) = fields.next() {
        count = count.saturating_add(1);
        let status_code = entry.get(..2).unwrap_or_default();
        if status_code.iter().any(|code| matches!(code, b'R' | b'C')) {
            fields.next();
        }
    }
    count
}

fn trim_line_end(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

fn text_from_output(bytes: &[u8]) -> String {
    String::from_utf8_lossy(trim_line_end(bytes)).into_owned()
}

#[cfg(unix)]
fn path_from_output(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(OsStr::from_bytes(trim_line_end(bytes)))
}

#[cfg(not(unix))]
fn path_from_output(bytes: &[u8]) -> PathBuf {
    PathBuf::from(text_from_output(bytes))
}

#[cfg(test)]
mod tests;
