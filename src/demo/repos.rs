//! The git repositories of the demo: a local bare "remote" per cloned environment,
//! written by one `git fast-import`, and each task's checkout cloned from it.

use super::files::{append, io_error};
use super::tables::{
    DemoEnvironment, DemoTask, DemoWorkspace, TASKS, agent_change, branch_name, prompt_title,
    seed_commits,
};
use super::workspaces::write_uncommitted_changes;
use super::{Demo, DemoError, unix_seconds};
use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::SystemTime;

impl Demo {
    /// Creates a local bare repository holding a few commits of realistic files and every
    /// task branch of the environment. A finished clean task's branch carries its pushed
    /// commit; the other branches start at `main`. One `git fast-import` writes it all,
    /// which keeps the demo quick.
    pub(super) fn write_remote(&self, env: &DemoEnvironment) -> Result<(), DemoError> {
        let (Some(name), Some(remote)) = (env.remote, env.remote_path(&self.data_dir)) else {
            return Ok(());
        };
        if !self.git {
            return Ok(());
        }
        fs::create_dir_all(&remote).map_err(io_error(&remote))?;
        let first_commit = self.ago(10 * 24 * 3600);
        run_git(&remote, &["init", "-q", "--bare"], first_commit)?;
        run_git(
            &remote,
            &["symbolic-ref", "HEAD", "refs/heads/main"],
            first_commit,
        )?;

        let mut stream = FastImport::default();
        let mut lib_rs = Vec::new();
        let mut main_tip = None;
        for (day, (message, files)) in seed_commits(name).into_iter().enumerate() {
            let when = self.ago((10 - day as u64) * 24 * 3600);
            if let Some((_, contents)) = files.iter().find(|(path, _)| *path == "src/lib.rs") {
                lib_rs.clone_from(contents);
            }
            main_tip = Some(stream.commit("refs/heads/main", main_tip, when, message, &files));
        }
        let Some(main_tip) = main_tip else {
            return Ok(());
        };
        for (index, task) in TASKS.iter().enumerate() {
            if task.env_id != env.id || task.workspace == DemoWorkspace::None {
                continue;
            }
            let branch = format!("refs/heads/{}", branch_name(task.id));
            if task.workspace == DemoWorkspace::Clean && task.is_finished() {
                let mut changed = lib_rs.clone();
                changed.extend_from_slice(agent_change(task, env).as_bytes());
                let message = format!("{}\n\nTask {}", prompt_title(task), task.id);
                let when = self.timeline(index, task).last_touched();
                stream.commit(
                    &branch,
                    Some(main_tip),
                    when,
                    &message,
                    &[("src/lib.rs", changed)],
                );
            } else {
                stream.reset(&branch, main_tip);
            }
        }
        run_git_with_input(
            &remote,
            &["fast-import", "--quiet"],
            first_commit,
            Some(&stream.bytes),
        )
    }

    /// Clones the task's branch (so it tracks its pushed twin), then leaves the
    /// uncommitted or unpushed work its table row asks for.
    pub(super) fn write_checkout(
        &self,
        task: &DemoTask,
        env: &DemoEnvironment,
        remote: &Path,
        workspace: &Path,
        when: SystemTime,
    ) -> Result<(), DemoError> {
        let parent = workspace.parent().unwrap_or(&self.data_dir);
        fs::create_dir_all(parent).map_err(io_error(parent))?;
        let branch = branch_name(task.id);
        run_git(
            parent,
            &[
                OsStr::new("clone"),
                OsStr::new("-q"),
                OsStr::new("--no-hardlinks"),
                OsStr::new("--branch"),
                OsStr::new(&branch),
                OsStr::new("--config"),
                OsStr::new(USER_NAME_CONFIG),
                OsStr::new("--config"),
                OsStr::new(USER_EMAIL_CONFIG),
                remote.as_os_str(),
                workspace.as_os_str(),
            ],
            when,
        )?;
        match task.workspace {
            DemoWorkspace::Uncommitted => write_uncommitted_changes(task, workspace),
            DemoWorkspace::Unpushed => {
                append(
                    &workspace.join("src").join("lib.rs"),
                    &agent_change(task, env),
                )?;
                let message = format!("WIP: {}", prompt_title(task));
                run_git(
                    workspace,
                    &["commit", "-q", "--no-verify", "-am", &message],
                    when,
                )
            }
            DemoWorkspace::Clean | DemoWorkspace::None => Ok(()),
        }
    }
}

const USER_NAME_CONFIG: &str = "user.name=Agents Runner";
const USER_EMAIL_CONFIG: &str = "user.email=agents-runner@example.invalid";

/// Runs git without system config, prompts or commit signing, with the author and
/// committer dates set to `when` so the history matches the task's age.
fn run_git<S: AsRef<OsStr>>(dir: &Path, args: &[S], when: SystemTime) -> Result<(), DemoError> {
    run_git_with_input(dir, args, when, None)
}

fn run_git_with_input<S: AsRef<OsStr>>(
    dir: &Path,
    args: &[S],
    when: SystemTime,
    input: Option<&[u8]>,
) -> Result<(), DemoError> {
    let command = || {
        let words: Vec<String> = args
            .iter()
            .map(|arg| arg.as_ref().to_string_lossy().into_owned())
            .collect();
        format!("git {}", words.join(" "))
    };
    let failed = |stderr: String| DemoError::Git {
        command: command(),
        dir: dir.to_path_buf(),
        stderr,
    };
    let date = format!("@{} +0000", unix_seconds(when) as i64);
    let mut child = git_command()
        .args([
            "-c",
            USER_NAME_CONFIG,
            "-c",
            USER_EMAIL_CONFIG,
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.autocrlf=false",
            "-c",
            "advice.detachedHead=false",
            // No background `git maintenance`/`gc` processes: they slow the demo down and
            // could still be writing when a test reads the checkout.
            "-c",
            "gc.auto=0",
            "-c",
            "maintenance.auto=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| failed(err.to_string()))?;
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        // git reads all of its input before it writes anything worth reading, and stdin is
        // closed when `stdin` drops here, so this cannot deadlock.
        stdin
            .write_all(input)
            .map_err(|err| failed(err.to_string()))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|err| failed(err.to_string()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(failed(format!(
            "{} ({})",
            String::from_utf8_lossy(&output.stderr).trim(),
            output.status
        )))
    }
}

/// A `git fast-import` stream: commits and branch resets written straight into a repository.
#[derive(Default)]
struct FastImport {
    bytes: Vec<u8>,
    marks: usize,
}

impl FastImport {
    /// Appends a commit of `files` on top of `parent` and returns its mark.
    fn commit(
        &mut self,
        branch: &str,
        parent: Option<usize>,
        when: SystemTime,
        message: &str,
        files: &[(&str, Vec<u8>)],
    ) -> usize {
        self.marks += 1;
        let mark = self.marks;
        let seconds = unix_seconds(when) as i64;
        let person = format!("Agents Runner <agents-runner@example.invalid> {seconds} +0000");
        let header =
            format!("commit {branch}\nmark :{mark}\nauthor {person}\ncommitter {person}\n");
        self.bytes.extend_from_slice(header.as_bytes());
        self.data(message.as_bytes());
        if let Some(parent) = parent {
            self.bytes
                .extend_from_slice(format!("from :{parent}\n").as_bytes());
        }
        for (path, contents) in files {
            self.bytes
                .extend_from_slice(format!("M 100644 inline {path}\n").as_bytes());
            self.data(contents);
        }
        self.bytes.push(b'\n');
        mark
    }

    /// Points `branch` at an existing commit.
    fn reset(&mut self, branch: &str, commit: usize) {
        self.bytes
            .extend_from_slice(format!("reset {branch}\nfrom :{commit}\n\n").as_bytes());
    }

    fn data(&mut self, contents: &[u8]) {
        self.bytes
            .extend_from_slice(format!("data {}\n", contents.len()).as_bytes());
        self.bytes.extend_from_slice(contents);
        self.bytes.push(b'\n');
    }
}

/// `git` isolated from the caller's repository variables and the system config.
fn git_command() -> Command {
    let mut command = Command::new("git");
    command
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0");
    for var in crate::git::REPOSITORY_OVERRIDES {
        command.env_remove(var);
    }
    command
}

pub(super) fn git_available() -> bool {
    git_command()
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}
