//! A task's pull request state from the GitHub CLI (`gh pr view <url> --json
//! state,mergedAt`), asked only on "Check remotes" and only where `gh` is installed and
//! logged in; the answers are cached per task in the janitor's own cache folder, so
//! the window and `list` show the last one without the network.

use crate::process::{self, RunError};
use crate::store::atomic::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// How long one `gh` call may take.
pub const GH_TIMEOUT: Duration = Duration::from_secs(20);

/// A pull request's state, as GitHub reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrStatus {
    /// Still open.
    Open,
    /// Merged into its base.
    Merged,
    /// Closed without a merge.
    Closed,
}

impl PrStatus {
    /// In a word.
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Merged => "merged",
            Self::Closed => "closed",
        }
    }
}

/// What `gh` said of one task's pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrState {
    /// The pull request asked about (the task's `gh_pr_url`).
    pub url: String,
    /// Its state.
    pub status: PrStatus,
    /// When it was merged (GitHub's timestamp), if it was.
    pub merged_at: Option<String>,
}

/// `gh` as the janitor runs it: never prompting, never updating itself.
fn gh(program: &OsStr, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .env("GH_PROMPT_DISABLED", "1")
        .env("GH_NO_UPDATE_NOTIFIER", "1")
        .env("NO_COLOR", "1");
    command
}

/// Whether `gh` is installed and logged in (`gh auth status` succeeds).
pub fn gh_ready(program: &OsStr) -> bool {
    process::run_with_timeout(gh(program, &["auth", "status"]), GH_TIMEOUT)
        .is_ok_and(|output| output.status.success())
}

/// The state of the pull request at `url`, or why it could not be read.
pub fn pr_state(program: &OsStr, url: &str) -> Result<PrState, String> {
    let url = url.trim();
    // A value that looks like an option must never reach gh's command line.
    if url.starts_with('-') || url.chars().any(char::is_whitespace) || url.is_empty() {
        return Err(format!("{url:?} is not a pull request URL"));
    }
    let output = process::run_with_timeout(
        gh(
            program,
            &["pr", "view", "--json", "state,mergedAt", "--", url],
        ),
        GH_TIMEOUT,
    )
    .map_err(|err| match err {
        RunError::NotFound { .. } => "gh is not installed".to_owned(),
        other => other.to_string(),
    })?;
    if !output.status.success() {
        return Err(output
            .stderr_first_line()
            .unwrap_or_else(|| format!("gh exited with {}", output.status)));
    }
    parse_pr_view(url, &output.stdout)
}

/// Reads `{"state": "MERGED", "mergedAt": "..."}`.
fn parse_pr_view(url: &str, stdout: &[u8]) -> Result<PrState, String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct View {
        state: String,
        merged_at: Option<String>,
    }
    let view: View = serde_json::from_slice(stdout)
        .map_err(|err| format!("unexpected output from gh pr view: {err}"))?;
    let status = match view.state.to_ascii_uppercase().as_str() {
        "OPEN" => PrStatus::Open,
        "MERGED" => PrStatus::Merged,
        "CLOSED" => PrStatus::Closed,
        other => return Err(format!("unknown pull request state {other:?}")),
    };
    Ok(PrState {
        url: url.to_owned(),
        status,
        merged_at: view.merged_at.filter(|at| !at.is_empty()),
    })
}

/// The last pull request states of one data dir's tasks, in the janitor's cache folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrCache {
    file: PathBuf,
}

impl PrCache {
    /// The cache of `data_dir`'s states kept beside the record cache file `records_file`
    /// (same folder, same data-dir hash).
    pub fn beside(records_file: &Path) -> Self {
        Self {
            file: super::cache_file_beside(records_file, "pull-requests"),
        }
    }

    /// The states by task id; empty when there is no usable cache.
    pub fn read(&self) -> HashMap<String, PrState> {
        std::fs::read(&self.file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Adds `states` to the cache (a task's new state replaces its old one).
    pub fn update(&self, states: &HashMap<String, PrState>) -> io::Result<()> {
        if states.is_empty() {
            return Ok(());
        }
        let mut all = self.read();
        all.extend(states.iter().map(|(id, state)| (id.clone(), state.clone())));
        if let Some(folder) = self.file.parent() {
            std::fs::create_dir_all(folder)?;
        }
        let bytes = serde_json::to_vec(&all).map_err(io::Error::other)?;
        write_atomic(&self.file, &bytes, Some(0o600))
    }
}

/// Asks `gh` (`program`) about each `(task id, url)` when it is logged in: the states
/// it gave, and the failures with their reasons. Nothing is asked when it is not.
pub fn pr_states(
    program: &OsStr,
    pull_requests: &[(String, String)],
) -> (HashMap<String, PrState>, Vec<String>) {
    use rayon::prelude::*;
    if pull_requests.is_empty() || !gh_ready(program) {
        return (HashMap::new(), Vec::new());
    }
    let answers: Vec<(String, Result<PrState, String>)> = pull_requests
        .par_iter()
        .map(|(task_id, url)| (task_id.clone(), pr_state(program, url)))
        .collect();
    let mut states = HashMap::new();
    let mut failures = Vec::new();
    for (task_id, answer) in answers {
        match answer {
            Ok(state) => {
                states.insert(task_id, state);
            }
            Err(reason) => failures.push(format!("task {task_id}: pull request: {reason}")),
        }
    }
    (states, failures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gh_answers_are_read_and_bad_ones_refused() {
        let merged = parse_pr_view(
            "https://github.com/o/r/pull/1",
            br#"{"state":"MERGED","mergedAt":"2026-01-02T03:04:05Z"}"#,
        );
        assert_eq!(
            merged,
            Ok(PrState {
                url: "https://github.com/o/r/pull/1".into(),
                status: PrStatus::Merged,
                merged_at: Some("2026-01-02T03:04:05Z".into()),
            })
        );
        let open = parse_pr_view("u", br#"{"state":"OPEN","mergedAt":""}"#);
        assert_eq!(
            open.map(|s| (s.status, s.merged_at)),
            Ok((PrStatus::Open, None))
        );
        assert!(parse_pr_view("u", br#"{"state":"DRAFTY"}"#).is_err());
        assert!(parse_pr_view("u", b"not json").is_err());
        for bad in ["--repo=x", "a b", ""] {
            assert!(pr_state(OsStr::new("gh"), bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_cache_keeps_the_last_state_of_each_task() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let cache = PrCache::beside(&dir.path().join("cache/records-00ff.json"));
        assert!(cache.read().is_empty());
        let state = |status| PrState {
            url: "https://github.com/o/r/pull/2".into(),
            status,
            merged_at: None,
        };
        cache.update(&HashMap::from([("t1".to_owned(), state(PrStatus::Open))]))?;
        cache.update(&HashMap::from([("t2".to_owned(), state(PrStatus::Closed))]))?;
        cache.update(&HashMap::from([("t1".to_owned(), state(PrStatus::Merged))]))?;
        let read = cache.read();
        assert_eq!(read.get("t1").map(|s| s.status), Some(PrStatus::Merged));
        assert_eq!(read.get("t2").map(|s| s.status), Some(PrStatus::Closed));
        assert!(dir.path().join("cache/pull-requests-00ff.json").is_file());
        Ok(())
    }
}
