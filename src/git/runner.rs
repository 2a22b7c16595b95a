//! How git is run on a workspace: pointed at it explicitly, with the repository's
//! dangerous settings overridden from the command-line scope, within one deadline.

use super::REPOSITORY_OVERRIDES;
use crate::process::{CommandOutput, RunError, run_with_timeout};
use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// Git run on one workspace, every call within one deadline.
pub(super) struct Git<'a> {
    program: &'a OsStr,
    workspace: PathBuf,
    git_dir: PathBuf,
    started: Instant,
    timeout: Duration,
    /// Passed as GIT_CONFIG_KEY_n/VALUE_n: command-line scope, which beats the repo's
    /// config, and needs no quoting of keys that contain `=`.
    config: Vec<(String, String)>,
    /// More variables for this kind of run (fetch sets its own).
    env: Vec<(&'static str, OsString)>,
    runs: Cell<u32>,
    /// A run did not end by itself: it timed out, could not start or be read, or was
    /// killed by a signal.
    interrupted: Cell<bool>,
}

impl<'a> Git<'a> {
    /// Git on the work tree `workspace` (canonical) with its `.git` at `git_dir`.
    pub(super) fn new(
        program: &'a OsStr,
        workspace: PathBuf,
        git_dir: PathBuf,
        timeout: Duration,
    ) -> Self {
        Self {
            program,
            workspace,
            git_dir,
            started: Instant::now(),
            timeout,
            config: vec![
                ("safe.directory".into(), "*".into()),
                ("core.fsmonitor".into(), "false".into()),
            ],
            env: Vec::new(),
            runs: Cell::new(0),
            interrupted: Cell::new(false),
        }
    }

    /// Whether every run so far ended by itself, with an exit code: its answer then
    /// depends on the repository and the configs only, not on the moment.
    pub(super) fn every_run_ended(&self) -> bool {
        !self.interrupted.get()
    }

    /// What is left of the deadline.
    pub(super) fn remaining(&self) -> Duration {
        self.timeout.saturating_sub(self.started.elapsed())
    }

    /// How many times git ran.
    pub(super) fn runs(&self) -> u32 {
        self.runs.get()
    }

    /// Sets `key` to `value` in the command-line scope.
    pub(super) fn set_config(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.config.push((key.into(), value.into()));
    }

    /// Sets an environment variable for every run.
    pub(super) fn set_env(&mut self, name: &'static str, value: impl Into<OsString>) {
        self.env.push((name, value.into()));
    }

    /// Runs git with `args`, in what is left of the deadline.
    pub(super) fn run(&self, args: &[&OsStr]) -> Result<CommandOutput, String> {
        let timed_out = || format!("git timed out after {:?}", self.timeout);
        let remaining = self.remaining();
        if remaining.is_zero() {
            return Err(timed_out());
        }
        let mut command = Command::new(self.program);
        command.current_dir(&self.workspace).args(args);
        clear_repository_variables(&mut command);
        command
            // Explicit, so no `core.worktree`/`core.bare` of the repository, no parent
            // repository and no ceiling is ever consulted.
            .env("GIT_DIR", &self.git_dir)
            .env("GIT_WORK_TREE", &self.workspace)
            // `status` must not refresh (write) the index of a workspace we only read.
            .env("GIT_OPTIONAL_LOCKS", "0")
            .env("GIT_NO_REPLACE_OBJECTS", "1")
            .env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_COUNT", self.config.len().to_string());
        for (index, (key, value)) in self.config.iter().enumerate() {
            command
                .env(format!("GIT_CONFIG_KEY_{index}"), key)
                .env(format!("GIT_CONFIG_VALUE_{index}"), value);
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        self.runs.set(self.runs.get() + 1);
        let output = run_with_timeout(command, remaining).map_err(|error| {
            self.interrupted.set(true);
            match error {
                RunError::NotFound { .. } => "git not found".to_owned(),
                RunError::TimedOut { .. } => timed_out(),
                other => other.to_string(),
            }
        })?;
        if output.status.code().is_none() {
            self.interrupted.set(true);
        }
        Ok(output)
    }

    /// Runs git with string arguments.
    pub(super) fn run_str(&self, args: &[&str]) -> Result<CommandOutput, String> {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        self.run(&args)
    }

    /// Overrides every filter driver named in `drivers` with an empty command (which git
    /// treats as "no filter"), and makes it not required.
    pub(super) fn blank_filter_drivers(&mut self, drivers: &[String]) {
        for driver in drivers {
            for (setting, value) in [("clean", ""), ("process", ""), ("required", "false")] {
                self.set_config(format!("filter.{driver}.{setting}"), value);
            }
        }
    }

    /// The filter drivers every config of the repository defines (`git config
    /// --get-regexp`, one process).
    pub(super) fn list_filter_drivers(&self) -> Result<Vec<String>, String> {
        let listed = self.run_str(&["config", "-z", "--get-regexp", FILTER_KEYS])?;
        Ok(filter_driver_names(&config_entries(&listed)?))
    }
}

/// The keys whose commands `git status` may run.
pub(super) const FILTER_KEYS: &str = r"^filter\..*\.(clean|process)$";

/// Removes the inherited variables that would point git at another repository or add
/// config of their own.
pub(super) fn clear_repository_variables(command: &mut Command) {
    for variable in REPOSITORY_OVERRIDES {
        command.env_remove(variable);
    }
    command.env_remove("GIT_CONFIG_PARAMETERS");
}

/// The (key, value) entries of `git config -z --get-regexp` output ("key\nvalue\0");
/// exit code 1 means none.
fn config_entries(listed: &CommandOutput) -> Result<Vec<(String, String)>, String> {
    match listed.status.code() {
        Some(0) => {}
        Some(1) => return Ok(Vec::new()),
        _ => return Err(failure("config", listed)),
    }
    Ok(listed
        .stdout
        .split(|byte| *byte == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let text = String::from_utf8_lossy(entry);
            let (key, value) = text.split_once('\n').unwrap_or((&text, ""));
            (key.to_owned(), value.to_owned())
        })
        .collect())
}

/// The driver names of `filter.<driver>.clean` and `.process` keys, each once.
pub(super) fn filter_driver_names(entries: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (key, _) in entries {
        let Some(driver) = key.strip_prefix("filter.").and_then(|driver| {
            driver
                .strip_suffix(".clean")
                .or_else(|| driver.strip_suffix(".process"))
        }) else {
            continue;
        };
        if !names.iter().any(|name| name == driver) {
            names.push(driver.to_owned());
        }
    }
    names
}

/// The entries of the system and global configs whose keys match `pattern` (the same
/// for every workspace), system first, read once per git program and pattern; `None`
/// when they could not be read (callers then fall back to something stricter).
pub(super) fn user_config(
    program: &OsStr,
    pattern: &'static str,
    timeout: Duration,
) -> Option<Vec<(String, String)>> {
    type Known = HashMap<(OsString, &'static str), Option<Vec<(String, String)>>>;
    static KNOWN: OnceLock<Mutex<Known>> = OnceLock::new();
    let known = KNOWN.get_or_init(Default::default);
    let key = (program.to_owned(), pattern);
    if let Some(found) = known
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return found.clone();
    }
    let read = |scope: &str| -> Option<Vec<(String, String)>> {
        let mut command = Command::new(program);
        command.args(["config", scope, "--includes", "-z", "--get-regexp", pattern]);
        clear_repository_variables(&mut command);
        command.env("LC_ALL", "C");
        // Outside any repository, so nothing but the user's own configs is read.
        command.current_dir(std::env::temp_dir());
        let output = run_with_timeout(command, timeout).ok()?;
        config_entries(&output).ok()
    };
    let found = match (read("--system"), read("--global")) {
        (Some(mut system), Some(global)) => {
            system.extend(global);
            Some(system)
        }
        _ => None,
    };
    known
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, found.clone());
    found
}

/// "git status failed: message", or the exit status when git said nothing.
pub(super) fn failure(subcommand: &str, output: &CommandOutput) -> String {
    match output.stderr_first_line() {
        Some(message) => format!("git {subcommand} failed: {message}"),
        None => format!("git {subcommand} failed ({})", output.status),
    }
}
