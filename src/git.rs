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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GitState {
    /// Checked-out branch; `None` when HEAD is detached.
    pub branch: Option<String>,
    /// Changed, staged, deleted and untracked (not ignored) paths.
    pub uncommitted: u32,
    /// Commits on HEAD or any local branch that no remote-tracking branch contains.
    pub unpushed: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum GitStatus {
    Known(GitState),
    Unknown { reason: String },
}

impl GitStatus {
    /// Whether deleting the workspace would lose work that exists nowhere else.
    /// An unknown state says nothing either way, so it is `false`; callers decide how
    /// cautious to be about `Unknown`.
    pub fn has_unsaved_work(&self) -> bool {
        matches!(self, Self::Known(state) if state.uncommitted > 0 || state.unpushed > 0)
    }

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
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn git_available() -> bool {
        let available = Command::new("git")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
        if !available {
            eprintln!("skipping: `git --version` failed, so git is not usable here");
        }
        available
    }

    /// Runs git for test setup, isolated from the machine's system and global config.
    fn git(dir: &Path, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
        let null_config = if cfg!(windows) { "NUL" } else { "/dev/null" };
        let output = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args([
                "-c",
                "init.defaultBranch=main",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", null_config)
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()?;
        if !output.status.success() {
            return Err(format!(
                "git {args:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// A bare "remote" and a clone of it with one pushed commit: `(tempdir, workspace)`.
    fn pushed_clone() -> Result<(tempfile::TempDir, PathBuf), Box<dyn std::error::Error>> {
        let root = tempfile::tempdir()?;
        git(root.path(), &["init", "--quiet", "--bare", "remote.git"])?;
        git(
            root.path(),
            &["clone", "--quiet", "remote.git", "workspace"],
        )?;
        let workspace = root.path().join("workspace");
        std::fs::write(workspace.join("README.md"), "hello\n")?;
        git(&workspace, &["add", "README.md"])?;
        git(&workspace, &["commit", "--quiet", "-m", "first"])?;
        git(&workspace, &["push", "--quiet", "origin", "main"])?;
        Ok((root, workspace))
    }

    fn known(branch: Option<&str>, uncommitted: u32, unpushed: u32) -> GitStatus {
        GitStatus::Known(GitState {
            branch: branch.map(str::to_owned),
            uncommitted,
            unpushed,
        })
    }

    fn unknown(reason: &str) -> GitStatus {
        GitStatus::Unknown {
            reason: reason.to_owned(),
        }
    }

    #[test]
    fn describe_and_unsaved_work() {
        let cases = [
            (known(Some("main"), 0, 0), "clean", false),
            (known(Some("main"), 3, 0), "3 uncommitted", true),
            (known(None, 0, 1), "1 unpushed", true),
            (known(Some("main"), 3, 1), "3 uncommitted, 1 unpushed", true),
            (
                unknown(NOT_A_REPOSITORY),
                "unknown (not a git repository)",
                false,
            ),
        ];
        for (status, description, unsaved) in cases {
            assert_eq!(status.describe(), description);
            assert_eq!(status.has_unsaved_work(), unsaved, "{description}");
        }
    }

    #[test]
    fn serializes_with_a_state_tag_and_flat_fields() -> TestResult {
        assert_eq!(
            serde_json::to_value(known(Some("main"), 2, 1))?,
            serde_json::json!({"state": "known", "branch": "main", "uncommitted": 2, "unpushed": 1})
        );
        assert_eq!(
            serde_json::to_value(known(None, 0, 0))?,
            serde_json::json!({"state": "known", "branch": null, "uncommitted": 0, "unpushed": 0})
        );
        assert_eq!(
            serde_json::to_value(unknown("git not found"))?,
            serde_json::json!({"state": "unknown", "reason": "git not found"})
        );
        Ok(())
    }

    #[test]
    fn status_entries_count_renames_once() {
        assert_eq!(count_status_entries(b""), 0);
        assert_eq!(
            count_status_entries(b"R  new name\0old name\0 M a.txt\0?? b c\0"),
            3
        );
        assert_eq!(count_status_entries(b"C  copy\0orig\0D  gone\0"), 2);
    }

    #[test]
    fn clean_pushed_clone_is_clean() -> TestResult {
        if !git_available() {
            return Ok(());
        }
        let (_root, workspace) = pushed_clone()?;
        let status = inspect(&workspace, DEFAULT_GIT_TIMEOUT);
        assert_eq!(status, known(Some("main"), 0, 0));
        assert_eq!(status.describe(), "clean");
        assert!(!status.has_unsaved_work());
        Ok(())
    }

    #[test]
    fn modified_and_untracked_files_are_uncommitted() -> TestResult {
        if !git_available() {
            return Ok(());
        }
        let (_root, workspace) = pushed_clone()?;
        std::fs::write(workspace.join("README.md"), "changed\n")?;
        std::fs::write(workspace.join("new file.txt"), "new\n")?;
        let status = inspect(&workspace, DEFAULT_GIT_TIMEOUT);
        assert_eq!(status, known(Some("main"), 2, 0));
        assert_eq!(status.describe(), "2 uncommitted");
        assert!(status.has_unsaved_work());
        Ok(())
    }

    #[test]
    fn ignored_files_are_not_uncommitted() -> TestResult {
        if !git_available() {
            return Ok(());
        }
        let (_root, workspace) = pushed_clone()?;
        std::fs::write(workspace.join(".gitignore"), "target/\n")?;
        git(&workspace, &["add", ".gitignore"])?;
        git(&workspace, &["commit", "--quiet", "-m", "ignore"])?;
        git(&workspace, &["push", "--quiet", "origin", "main"])?;
        std::fs::create_dir(workspace.join("target"))?;
        std::fs::write(workspace.join("target").join("build.o"), "x")?;
        assert_eq!(
            inspect(&workspace, DEFAULT_GIT_TIMEOUT),
            known(Some("main"), 0, 0)
        );
        Ok(())
    }

    #[test]
    fn rename_counts_as_one_uncommitted_entry() -> TestResult {
        if !git_available() {
            return Ok(());
        }
        let (_root, workspace) = pushed_clone()?;
        git(&workspace, &["mv", "README.md", "READ ME.md"])?;
        assert_eq!(
            inspect(&workspace, DEFAULT_GIT_TIMEOUT),
            known(Some("main"), 1, 0)
        );
        Ok(())
    }

    #[test]
    fn local_commit_is_unpushed() -> TestResult {
        if !git_available() {
            return Ok(());
        }
        let (_root, workspace) = pushed_clone()?;
        std::fs::write(workspace.join("README.md"), "second\n")?;
        git(&workspace, &["commit", "--quiet", "-am", "second"])?;
        let status = inspect(&workspace, DEFAULT_GIT_TIMEOUT);
        assert_eq!(status, known(Some("main"), 0, 1));
        assert_eq!(status.describe(), "1 unpushed");
        assert!(status.has_unsaved_work());

        std::fs::write(workspace.join("README.md"), "third\n")?;
        assert_eq!(
            inspect(&workspace, DEFAULT_GIT_TIMEOUT).describe(),
            "1 uncommitted, 1 unpushed"
        );
        Ok(())
    }

    #[test]
    fn unpushed_commit_on_another_local_branch_counts() -> TestResult {
        if !git_available() {
            return Ok(());
        }
        let (_root, workspace) = pushed_clone()?;
        git(&workspace, &["checkout", "--quiet", "-b", "feature"])?;
        std::fs::write(workspace.join("README.md"), "feature\n")?;
        git(&workspace, &["commit", "--quiet", "-am", "feature work"])?;
        git(&workspace, &["checkout", "--quiet", "main"])?;
        assert_eq!(
            inspect(&workspace, DEFAULT_GIT_TIMEOUT),
            known(Some("main"), 0, 1)
        );
        Ok(())
    }

    #[test]
    fn detached_head_has_no_branch_and_counts_its_commits() -> TestResult {
        if !git_available() {
            return Ok(());
        }
        let (_root, workspace) = pushed_clone()?;
        git(&workspace, &["checkout", "--quiet", "--detach"])?;
        assert_eq!(inspect(&workspace, DEFAULT_GIT_TIMEOUT), known(None, 0, 0));
        std::fs::write(workspace.join("README.md"), "detached\n")?;
        git(&workspace, &["commit", "--quiet", "-am", "detached work"])?;
        assert_eq!(inspect(&workspace, DEFAULT_GIT_TIMEOUT), known(None, 0, 1));
        Ok(())
    }

    #[test]
    fn repository_without_commits_has_nothing_unpushed() -> TestResult {
        if !git_available() {
            return Ok(());
        }
        let root = tempfile::tempdir()?;
        git(root.path(), &["init", "--quiet"])?;
        std::fs::write(root.path().join("draft.txt"), "draft\n")?;
        assert_eq!(
            inspect(root.path(), DEFAULT_GIT_TIMEOUT),
            known(Some("main"), 1, 0)
        );
        Ok(())
    }

    #[test]
    fn plain_folder_is_not_a_repository() -> TestResult {
        if !git_available() {
            return Ok(());
        }
        let root = tempfile::tempdir()?;
        let folder = root.path().join("plain");
        std::fs::create_dir(&folder)?;
        assert_eq!(
            inspect(&folder, DEFAULT_GIT_TIMEOUT),
            unknown(NOT_A_REPOSITORY)
        );
        Ok(())
    }

    #[test]
    fn folder_inside_a_parent_repository_is_not_a_repository() -> TestResult {
        if !git_available() {
            return Ok(());
        }
        let (_root, workspace) = pushed_clone()?;
        // Untracked and tracked subfolders of the parent repo alike.
        let untracked = workspace.join("data").join("task");
        std::fs::create_dir_all(&untracked)?;
        std::fs::write(untracked.join("file.txt"), "x")?;
        let tracked = workspace.join("src");
        std::fs::create_dir(&tracked)?;
        std::fs::write(tracked.join("lib.rs"), "")?;
        git(&workspace, &["add", "src"])?;
        git(&workspace, &["commit", "--quiet", "-m", "src"])?;
        for folder in [&untracked, &tracked] {
            assert_eq!(
                inspect(folder, DEFAULT_GIT_TIMEOUT),
                unknown(NOT_A_REPOSITORY),
                "{}",
                folder.display()
            );
        }
        Ok(())
    }

    #[test]
    fn missing_folder_and_file_are_unknown() -> TestResult {
        let root = tempfile::tempdir()?;
        assert_eq!(
            inspect(&root.path().join("gone"), DEFAULT_GIT_TIMEOUT),
            unknown("folder is missing")
        );
        let file = root.path().join("file.txt");
        std::fs::write(&file, "x")?;
        assert_eq!(inspect(&file, DEFAULT_GIT_TIMEOUT), unknown("not a folder"));
        Ok(())
    }

    #[test]
    fn missing_git_program_is_unknown() -> TestResult {
        let root = tempfile::tempdir()?;
        let program = root.path().join("no-such-git");
        assert_eq!(
            inspect_with(program.as_os_str(), root.path(), DEFAULT_GIT_TIMEOUT),
            unknown("git not found")
        );
        Ok(())
    }

    #[test]
    fn failing_git_is_unknown_with_its_message() -> TestResult {
        if !git_available() {
            return Ok(());
        }
        let root = tempfile::tempdir()?;
        git(root.path(), &["init", "--quiet", "--bare", "bare.git"])?;
        let status = inspect(&root.path().join("bare.git"), DEFAULT_GIT_TIMEOUT);
        let GitStatus::Unknown { reason } = &status else {
            return Err(format!("expected Unknown, got {status:?}").into());
        };
        assert!(reason.starts_with("git rev-parse failed: "), "{reason}");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn hung_git_is_unknown_after_the_timeout() -> TestResult {
        let root = tempfile::tempdir()?;
        let program = root.path().join("slow-git");
        crate::process::write_script(&program, "exec sleep 30")?;
        assert_eq!(
            inspect_with(program.as_os_str(), root.path(), Duration::from_millis(200)),
            unknown("git timed out after 200ms")
        );
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn repository_filter_drivers_and_fsmonitor_are_not_run() -> TestResult {
        if !git_available() {
            return Ok(());
        }
        let (root, workspace) = pushed_clone()?;
        std::fs::write(workspace.join(".gitattributes"), "* filter=evil\n")?;
        git(&workspace, &["add", ".gitattributes"])?;
        git(&workspace, &["commit", "--quiet", "-m", "attributes"])?;
        git(&workspace, &["push", "--quiet", "origin", "main"])?;
        let marker = root.path().join("ran");
        let command = format!("touch '{}'; cat", marker.display());
        git(&workspace, &["config", "filter.evil.clean", &command])?;
        git(&workspace, &["config", "filter.evil.process", &command])?;
        git(&workspace, &["config", "filter.evil.required", "true"])?;
        git(&workspace, &["config", "core.fsmonitor", &command])?;
        // Same size, new content: status has to read (and so filter) the file.
        std::fs::write(workspace.join("README.md"), "HELLO\n")?;
        let status = inspect(&workspace, DEFAULT_GIT_TIMEOUT);
        assert_eq!(status, known(Some("main"), 1, 0));
        assert!(!marker.exists(), "a repository-configured command ran");
        Ok(())
    }
}
