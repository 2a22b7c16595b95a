//! A realistic Agents-Runner data directory to try the janitor on safely.
//!
//! `agents-janitor demo DIR`, the GUI's "Create demo data" and the integration tests'
//! fixture all build on [`write_demo`]. Everything it writes stays inside `DIR`: the
//! environments, the task files, real git checkouts cloned from local bare "remotes",
//! and the mounted environment's folder (`DIR/my-notes/`).

use crate::status::StatusClass;
use crate::store::paths::{
    active_tasks_dir, archived_tasks_dir, environments_file, managed_repos_dir, safe_id,
    task_workspace_path,
};
use crate::store::time::format_iso;
use filetime::FileTime;
use rayon::prelude::*;
use serde_json::{Map, Value, json};
use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use toml_edit::{Array, DocumentMut, Item, Table, value};

/// Cloned environment, current spelling (`env_id`, `"workspace_type": "cloned"`).
pub const ENV_WEBAPP: &str = "env-3f9a1c7e";
/// Cloned environment in an older file: key `id` and `"workspace_type": "github"`.
pub const ENV_API: &str = "env-b42d7e10";
/// Mounted environment: the user's own folder `DIR/my-notes/`, never the janitor's to delete.
pub const ENV_NOTES: &str = "env-5c8e2a94";
/// Environment without a workspace.
pub const ENV_SCRATCH: &str = "env-d0e1f2a3";
/// The environments whose task workspaces belong to Agents-Runner.
pub const CLONED_ENVS: [&str; 2] = [ENV_WEBAPP, ENV_API];

/// The mounted environment's folder, relative to the demo dir.
pub const NOTES_DIR: &str = "my-notes";
/// Folder (relative to the demo dir) holding the local bare repositories the checkouts come from.
pub const REMOTES_DIR: &str = "remotes";
/// A workspace folder no record points at (a task whose record went away): an orphan.
pub const ORPHAN_FOLDER: &str = "0a1b2c3d4e";

/// A task recorded only in a legacy JSON record (`tasks/done/<id>.json`, from before
/// Agents-Runner moved to TOML), whose workspace in the web app is still on disk.
pub const JSON_RECORD_TASK: &str = "9e8d7c6b5a";
/// A folder Agents-Runner moved aside as `<task>.bak-<nanoseconds>` (it held another
/// repo) beside the web app's task workspaces.
pub const BACKUP_FOLDER: &str = "a13f5c7e01.bak-1763900000000000000";

/// Archived task whose file has an older clash copy `tasks/done/<id>.dup-<nanoseconds>.toml`.
pub const CLASH_TASK: &str = "e1a2b3c4d5";
/// Task whose `logs` hold [`HUGE_LOG_LINES`] lines.
pub const HUGE_LOG_TASK: &str = "c79d1b3467";
pub const HUGE_LOG_LINES: usize = 2_000;
/// Cloned task written with the legacy key `gh_management_mode = "github"` instead of `workspace_type`.
pub const LEGACY_MODE_TASK: &str = "d2c6081ac3";
/// Task whose workspace holds a read-only folder (mode 0555 on unix, read-only files elsewhere),
/// like a Go module cache, so deletion has to make it writable first.
pub const READ_ONLY_TASK: &str = "e3c4d5e6f7";
/// The read-only folder inside [`READ_ONLY_TASK`]'s workspace (ignored by git).
pub const READ_ONLY_SUBDIR: &str = ".cache/go-mod/github.com/pkg/errors@v0.9.1";
/// Unknown key written into every task file; a rewrite must keep it.
pub const MARKER_KEY: &str = "janitor_demo_marker";
pub const MARKER_VALUE: &str = "unknown keys must survive";

/// What a demo task's workspace looks like on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoWorkspace {
    /// No folder at all (never cloned, already deleted, or not a cloned environment).
    None,
    /// A checkout whose branch is pushed and whose tree is clean.
    Clean,
    /// A checkout with an edited tracked file and an untracked file.
    Uncommitted,
    /// A checkout with a local commit its remote does not have.
    Unpushed,
}

/// One task of the demo data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoTask {
    /// 10 lowercase hex characters, like Agents-Runner's ids.
    pub id: &'static str,
    pub env_id: &'static str,
    pub status: &'static str,
    pub exit_code: Option<i64>,
    /// Stored in `tasks/done/` rather than `tasks/`.
    pub archived: bool,
    /// `finalization_state = "done"` (otherwise `"pending"`).
    pub finalization_done: bool,
    pub workspace: DemoWorkspace,
}

impl DemoTask {
    /// Whether the task has stopped running (finished well or badly, or discarded).
    pub fn is_finished(&self) -> bool {
        StatusClass::of(self.status, self.exit_code).is_finished()
    }

    /// The normalized workspace type of the task's environment (`cloned`, `mounted`, `none`).
    pub fn workspace_type(&self) -> &'static str {
        ENVIRONMENTS
            .iter()
            .find(|env| env.id == self.env_id)
            .map_or("none", |env| env.workspace_type)
    }
}

/// One environment of the demo data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoEnvironment {
    pub id: &'static str,
    pub name: &'static str,
    pub color: &'static str,
    /// Normalized type: `cloned`, `mounted` or `none`.
    pub workspace_type: &'static str,
    /// Written the way older Agents-Runner files are (`id`, `"workspace_type": "github"`).
    pub legacy: bool,
    /// Name of the local bare remote (`DIR/remotes/<name>.git`) for cloned environments.
    pub remote: Option<&'static str>,
}

impl DemoEnvironment {
    pub fn remote_path(&self, data_dir: &Path) -> Option<PathBuf> {
        self.remote
            .map(|name| data_dir.join(REMOTES_DIR).join(format!("{name}.git")))
    }
}

pub const ENVIRONMENTS: &[DemoEnvironment] = &[
    DemoEnvironment {
        id: ENV_WEBAPP,
        name: "Web app",
        color: "emerald",
        workspace_type: "cloned",
        legacy: false,
        remote: Some("webapp"),
    },
    DemoEnvironment {
        id: ENV_API,
        name: "Billing API",
        color: "cyan",
        workspace_type: "cloned",
        legacy: true,
        remote: Some("billing-api"),
    },
    DemoEnvironment {
        id: ENV_NOTES,
        name: "My notes",
        color: "rose",
        workspace_type: "mounted",
        legacy: false,
        remote: None,
    },
    DemoEnvironment {
        id: ENV_SCRATCH,
        name: "Scratchpad",
        color: "orange",
        workspace_type: "none",
        legacy: false,
        remote: None,
    },
];

const fn task(
    id: &'static str,
    env_id: &'static str,
    status: &'static str,
    exit_code: Option<i64>,
    archived: bool,
    finalization_done: bool,
    workspace: DemoWorkspace,
) -> DemoTask {
    DemoTask {
        id,
        env_id,
        status,
        exit_code,
        archived,
        finalization_done,
        workspace,
    }
}

use DemoWorkspace::{Clean, None as NoFolder, Uncommitted, Unpushed};

/// Every demo task. Every status of Agents-Runner's vocabulary appears in a cloned environment.
#[rustfmt::skip]
pub const TASKS: &[DemoTask] = &[
    //   id               env          status        exit_code  archived finalized workspace
    // Web app: one active task per active status, each with a fresh clean checkout.
    task("4f1c2a9e0b",    ENV_WEBAPP,  "queued",     None,      false,   false,    Clean),
    task("7b3d9e0f12",    ENV_WEBAPP,  "pulling",    None,      false,   false,    Clean),
    task("9c0a4b8e23",    ENV_WEBAPP,  "cloning",    None,      false,   false,    Clean),
    task("1d2e3f4a56",    ENV_WEBAPP,  "created",    None,      false,   false,    Clean),
    task("2e7f8a9b67",    ENV_WEBAPP,  "starting",   None,      false,   false,    Clean),
    task("3fa0b1c278",    ENV_WEBAPP,  "running",    None,      false,   false,    Clean),
    task("5a6b7c8d89",    ENV_WEBAPP,  "cleaning",   None,      false,   false,    Clean),
    task("6b1c2d3e9a",    ENV_WEBAPP,  "paused",     None,      false,   false,    Clean),
    task("8c9dae0fab",    ENV_WEBAPP,  "restarting", None,      false,   false,    Clean),
    task("0d4e5f6abc",    ENV_WEBAPP,  "removing",   None,      false,   false,    Clean),
    // Web app: finished tasks, 2 to 5 days old.
    task("a13f5c7e01",    ENV_WEBAPP,  "done",       Some(0),   false,   true,     Clean),
    task("a24e6d8f12",    ENV_WEBAPP,  "done",       Some(0),   false,   true,     Uncommitted),
    task("a35f7e9023",    ENV_WEBAPP,  "done",       Some(0),   false,   true,     Unpushed),
    task("b46a8f0134",    ENV_WEBAPP,  "done",       Some(0),   false,   false,    Clean),
    task("b57b901245",    ENV_WEBAPP,  "cancelled",  None,      false,   false,    Clean),
    task("b68c0a2356",    ENV_WEBAPP,  "killed",     Some(137), false,   false,    Clean),
    task(HUGE_LOG_TASK,   ENV_WEBAPP,  "exited",     Some(0),   false,   false,    Clean),
    task("c80e2c4578",    ENV_WEBAPP,  "exited",     Some(1),   false,   false,    Uncommitted),
    task("c91f3d5689",    ENV_WEBAPP,  "failed",     Some(1),   false,   false,    Uncommitted),
    // Billing API (legacy environment file).
    task("d0a4e6f8a1",    ENV_API,     "error",      None,      false,   false,    Clean),
    task("d1b5f709b2",    ENV_API,     "dead",       None,      false,   false,    Clean),
    task(LEGACY_MODE_TASK, ENV_API,    "done",       Some(0),   false,   true,     Clean),
    task("d3d7192bd4",    ENV_API,     "done",       Some(0),   false,   true,     Uncommitted),
    task("d4e82a3ce5",    ENV_API,     "done",       Some(0),   false,   true,     Unpushed),
    task("d5f93b4df6",    ENV_API,     "running",    None,      false,   false,    Clean),
    // Archived: a done task whose workspace is already gone, a failed one kept for
    // debugging, and a discarded one whose background delete failed on a read-only folder.
    task(CLASH_TASK,      ENV_WEBAPP,  "done",       Some(0),   true,    true,     NoFolder),
    task("e2b3c4d5e6",    ENV_API,     "failed",     Some(1),   true,    true,     Uncommitted),
    task(READ_ONLY_TASK,  ENV_WEBAPP,  "discarded",  None,      true,    false,    Clean),
    // Mounted and workspace-less environments: no managed workspace at all.
    task("f1a0c3e5b7",    ENV_NOTES,   "done",       Some(0),   false,   true,     NoFolder),
    task("f2b1d4f6c8",    ENV_NOTES,   "failed",     Some(2),   false,   false,    NoFolder),
    task("f3c2e507d9",    ENV_NOTES,   "running",    None,      false,   false,    NoFolder),
    task("f4d3f618ea",    ENV_SCRATCH, "done",       Some(0),   false,   true,     NoFolder),
];

/// What [`write_demo`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// The demo dir, made absolute.
    pub data_dir: PathBuf,
    pub environments: usize,
    pub tasks: usize,
    pub workspaces: usize,
    /// False when `git` could not be run, so workspaces are plain folders.
    pub git_checkouts: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0} exists and is not empty; the demo only writes into a new or empty folder")]
    NotEmpty(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("`{command}` in {dir} failed: {stderr}")]
    Git {
        command: String,
        dir: PathBuf,
        stderr: String,
    },
    #[error("{path}: the demo wrote a file that does not parse back: {message}")]
    Format { path: PathBuf, message: String },
}

pub(super) fn io_error(path: &Path) -> impl FnOnce(io::Error) -> DemoError + '_ {
    move |source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes the demo data dir into `dir`, which must be missing or empty.
pub fn write_demo(dir: &Path) -> Result<DemoSummary, DemoError> {
    let data_dir = std::path::absolute(dir).map_err(io_error(dir))?;
    prepare_empty_dir(&data_dir)?;
    let demo = Demo {
        data_dir: data_dir.clone(),
        now: SystemTime::now(),
        git: git_available(),
    };
    demo.write_notes()?;
    for env in ENVIRONMENTS {
        demo.write_remote(env)?;
    }
    // Workspaces are independent of each other; building them in parallel halves the
    // time spent waiting on `git clone`.
    let made: Vec<bool> = TASKS
        .par_iter()
        .enumerate()
        .map(|(index, task)| demo.write_workspace(index, task))
        .collect::<Result<_, _>>()?;
    let workspaces = made.iter().filter(|made| **made).count();
    fs::create_dir_all(archived_tasks_dir(&data_dir))
        .map_err(io_error(&archived_tasks_dir(&data_dir)))?;
    for (index, task) in TASKS.iter().enumerate() {
        demo.write_task_file(index, task)?;
    }
    demo.write_clash_copy()?;
    demo.write_leftovers()?;
    demo.write_upgrade_leftovers()?;
    demo.write_environments()?;
    demo.write_state()?;
    Ok(DemoSummary {
        data_dir,
        environments: ENVIRONMENTS.len(),
        tasks: TASKS.len(),
        workspaces,
        git_checkouts: demo.git,
    })
}

/// Creates `dir`, or accepts it when it is an empty folder: the demo never overwrites data.
fn prepare_empty_dir(dir: &Path) -> Result<(), DemoError> {
    match fs::read_dir(dir) {
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(DemoError::NotEmpty(dir.to_path_buf())),
        },
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(io_error(dir))
        }
        Err(err) => Err(io_error(dir)(err)),
    }
}

struct Demo {
    data_dir: PathBuf,
    now: SystemTime,
    git: bool,
}

/// When a task was created, started and finished, relative to the demo's `now`.
struct Timeline {
    created: SystemTime,
    started: Option<SystemTime>,
    finished: Option<SystemTime>,
}

impl Timeline {
    /// The time its workspace was last touched.
    fn last_touched(&self) -> SystemTime {
        self.finished.or(self.started).unwrap_or(self.created)
    }
}

/// Statuses that come after the container started, so `started_at` is set.
const STARTED_STATUSES: &[&str] = &[
    "starting",
    "running",
    "cleaning",
    "paused",
    "restarting",
    "removing",
];

impl Demo {
    fn ago(&self, seconds: u64) -> SystemTime {
        self.now
            .checked_sub(Duration::from_secs(seconds))
            .unwrap_or(UNIX_EPOCH)
    }

    /// Finished tasks ended 2 to 5 days ago; active ones were created under an hour ago.
    fn timeline(&self, index: usize, task: &DemoTask) -> Timeline {
        let index = index as u64;
        if task.is_finished() {
            let finished_ago = 48 * 3600 + (index * 37 % 70) * 3600 + (index % 4) * 900;
            let run_seconds = (4 + index * 11 % 35) * 60;
            let started_ago = finished_ago + run_seconds;
            Timeline {
                created: self.ago(started_ago + 20 + index),
                started: Some(self.ago(started_ago)),
                finished: Some(self.ago(finished_ago)),
            }
        } else {
            let created_ago = (4 + index * 7 % 50) * 60;
            let started = STARTED_STATUSES
                .contains(&task.status)
                .then(|| self.ago(created_ago - 15));
            Timeline {
                created: self.ago(created_ago),
                started,
                finished: None,
            }
        }
    }

    fn environment(&self, env_id: &str) -> Option<&'static DemoEnvironment> {
        ENVIRONMENTS.iter().find(|env| env.id == env_id)
    }

    fn notes_dir(&self) -> PathBuf {
        self.data_dir.join(NOTES_DIR)
    }

    fn write_notes(&self) -> Result<(), DemoError> {
        let notes = self.notes_dir();
        write_plain(
            &notes.join("todo.md"),
            b"# To do\n\n- [ ] Renew the TLS certificate before Friday\n- [x] Send the invoice to ACME\n- [ ] Try agents-janitor on the demo data\n",
        )?;
        write_plain(
            &notes.join("ideas").join("roadmap.md"),
            b"# Roadmap ideas\n\n1. Dark mode for the dashboard\n2. CSV export of invoices\n3. Faster login (see the flaky test)\n",
        )?;
        write_plain(
            &notes.join("meeting-notes.txt"),
            b"Monday stand-up\n- billing API: pagination ships this week\n- web app: login test still flaky\n",
        )
    }

    /// Creates a local bare repository holding a few commits of realistic files and every
    /// task branch of the environment. A finished clean task's branch carries its pushed
    /// commit; the other branches start at `main`. One `git fast-import` writes it all,
    /// which keeps the demo quick.
    fn write_remote(&self, env: &DemoEnvironment) -> Result<(), DemoError> {
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

    /// Builds the task's workspace, if it has one. Returns whether a folder was made.
    fn write_workspace(&self, index: usize, task: &DemoTask) -> Result<bool, DemoError> {
        let Some(env) = self.environment(task.env_id) else {
            return Ok(false);
        };
        let remote = env.remote_path(&self.data_dir);
        if task.workspace == DemoWorkspace::None || remote.is_none() {
            return Ok(false);
        }
        let workspace = task_workspace_path(&self.data_dir, task.env_id, task.id);
        let timeline = self.timeline(index, task);
        let when = timeline.last_touched();
        match (remote, self.git) {
            (Some(remote), true) => self.write_checkout(task, env, &remote, &workspace, when)?,
            _ => write_plain_workspace(task, env, &workspace)?,
        }
        if task.id == READ_ONLY_TASK {
            write_module_cache(&workspace.join(READ_ONLY_SUBDIR))?;
        }
        age_tree(&workspace, when)?;
        if task.id == READ_ONLY_TASK {
            make_read_only(&workspace.join(READ_ONLY_SUBDIR))?;
        }
        Ok(true)
    }

    /// Clones the task's branch (so it tracks its pushed twin), then leaves the
    /// uncommitted or unpushed work its table row asks for.
    fn write_checkout(
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

    fn write_task_file(&self, index: usize, task: &DemoTask) -> Result<(), DemoError> {
        let folder = if task.archived {
            archived_tasks_dir(&self.data_dir)
        } else {
            active_tasks_dir(&self.data_dir)
        };
        let path = folder.join(format!("{}.toml", safe_id(task.id)));
        let log_lines = if task.id == HUGE_LOG_TASK {
            HUGE_LOG_LINES
        } else {
            5 + index * 7 % 36
        };
        let document = self.task_document(index, task, task.finalization_done, log_lines);
        write_toml(&path, &document)
    }

    /// What older or interrupted Agents-Runner runs leave behind: an orphan workspace
    /// ([`ORPHAN_FOLDER`], five days old) in the web app's tasks, and a legacy checkout
    /// directly in the billing API's folder (from before per-task workspaces).
    fn write_leftovers(&self) -> Result<(), DemoError> {
        let orphan = task_workspace_path(&self.data_dir, ENV_WEBAPP, ORPHAN_FOLDER);
        write_plain(
            &orphan.join("README.md"),
            b"# web app\n\nA checkout whose task record is gone.\n",
        )?;
        write_plain(
            &orphan.join("src/main.rs"),
            b"fn main() {\n    println!(\"hello\");\n}\n",
        )?;
        age_tree(&orphan, self.now - Duration::from_secs(5 * 24 * 3600))?;
        let legacy = managed_repos_dir(&self.data_dir).join(ENV_API);
        write_plain(&legacy.join(".git/HEAD"), b"ref: refs/heads/main\n")?;
        write_plain(
            &legacy.join("README.md"),
            b"# billing API (checkout from an older Agents-Runner)\n",
        )?;
        age_tree(
            &legacy.join(".git"),
            self.now - Duration::from_secs(90 * 24 * 3600),
        )?;
        Ok(())
    }

    /// What a data dir upgraded from an older Agents-Runner holds: a legacy JSON record
    /// ([`JSON_RECORD_TASK`], 40 days old, written like its `json.dump`: indent 2,
    /// sorted keys, `null`s kept) with its workspace, and a backup folder
    /// ([`BACKUP_FOLDER`], six days old).
    fn write_upgrade_leftovers(&self) -> Result<(), DemoError> {
        let finished = self.ago(40 * 24 * 3600);
        let record = json!({
            "task_id": JSON_RECORD_TASK,
            "environment_id": ENV_WEBAPP,
            "status": "done",
            "exit_code": 0,
            "error": null,
            "created_at_s": unix_seconds(finished - Duration::from_secs(25 * 60)),
            "started_at": format_iso(finished - Duration::from_secs(24 * 60)),
            "finished_at": format_iso(finished),
            "gh_management_mode": "github",
            "gh_repo_root": task_workspace_path(&self.data_dir, ENV_WEBAPP, JSON_RECORD_TASK)
                .display()
                .to_string(),
            "gh_branch": branch_name(JSON_RECORD_TASK),
            "gh_base_branch": "main",
            "gh_pr_url": "",
            "container_id": null,
            "prompt": "Add a dark mode toggle to the settings page",
            "agent_cli": "codex",
            "artifacts": [],
            "runner_config": null,
            "logs": [
                "[10:02:11] cloning into the task workspace",
                "[10:02:40] agent started",
                "[10:26:03] agent exited with code 0",
            ],
        });
        let path = archived_tasks_dir(&self.data_dir).join(format!("{JSON_RECORD_TASK}.json"));
        let text =
            serde_json::to_string_pretty(&sort_keys(record)).map_err(|err| DemoError::Format {
                path: path.clone(),
                message: err.to_string(),
            })?;
        write_private(&path, text.as_bytes())?;
        let workspace = task_workspace_path(&self.data_dir, ENV_WEBAPP, JSON_RECORD_TASK);
        write_plain(
            &workspace.join("README.md"),
            b"# web app\n\nThe workspace of a task recorded in JSON by an older Agents-Runner.\n",
        )?;
        write_plain(
            &workspace.join("src/settings.tsx"),
            b"export const darkMode = true;\n",
        )?;
        age_tree(&workspace, finished)?;
        let backup = managed_repos_dir(&self.data_dir)
            .join(ENV_WEBAPP)
            .join("tasks")
            .join(BACKUP_FOLDER);
        write_plain(
            &backup.join("README.md"),
            b"# billing API\n\nA checkout of another repository, moved aside by Agents-Runner.\n",
        )?;
        age_tree(&backup, self.now - Duration::from_secs(6 * 24 * 3600))?;
        Ok(())
    }

    /// An older copy of [`CLASH_TASK`], stored beside it the way Agents-Runner stores a clash.
    fn write_clash_copy(&self) -> Result<(), DemoError> {
        let Some((index, task)) = TASKS.iter().enumerate().find(|(_, t)| t.id == CLASH_TASK) else {
            return Ok(());
        };
        let stored_at = self.timeline(index, task).last_touched() + Duration::from_secs(90);
        let nanos = stored_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        let path = archived_tasks_dir(&self.data_dir)
            .join(format!("{}.dup-{nanos}.toml", safe_id(task.id)));
        // Written before finalization finished, with a shorter log.
        let document = self.task_document(index, task, false, 6);
        write_toml(&path, &document)
    }

    fn task_document(
        &self,
        index: usize,
        task: &DemoTask,
        finalization_done: bool,
        log_lines: usize,
    ) -> DocumentMut {
        let timeline = self.timeline(index, task);
        let env = self.environment(task.env_id);
        let workspace_type = task.workspace_type();
        let cloned = workspace_type == "cloned";
        let branch = branch_name(task.id);
        let remote = env
            .and_then(|env| env.remote_path(&self.data_dir))
            .map(|path| path.display().to_string());
        let pr_url = pr_url(task);
        let agent_cli = ["codex", "claude", "copilot"][index % 3];

        let mut doc = DocumentMut::new();
        doc["task_id"] = value(task.id);
        doc["environment_id"] = value(task.env_id);
        doc["status"] = value(task.status);
        if let Some(code) = task.exit_code {
            doc["exit_code"] = value(code);
        }
        if let Some(error) = error_message(task) {
            doc["error"] = value(error);
        }
        doc["created_at_s"] = value(unix_seconds(timeline.created));
        if let Some(started) = timeline.started {
            doc["started_at"] = value(format_iso(started));
        }
        if let Some(finished) = timeline.finished {
            doc["finished_at"] = value(format_iso(finished));
        }
        if task.id == LEGACY_MODE_TASK {
            doc["gh_management_mode"] = value("github");
        } else {
            doc["workspace_type"] = value(workspace_type);
        }
        if cloned {
            let root = task_workspace_path(&self.data_dir, task.env_id, task.id);
            doc["gh_repo_root"] = value(root.display().to_string());
            doc["gh_branch"] = value(branch.as_str());
            doc["gh_base_branch"] = value("main");
        }
        if let Some(url) = &pr_url {
            doc["gh_pr_url"] = value(url.as_str());
        }
        if has_container(task) {
            doc["container_id"] = value(format!("ar-{}", task.id));
        }
        doc["prompt"] = value(prompt(index));
        doc["agent_cli"] = value(agent_cli);
        doc["finalization_state"] = value(if finalization_done { "done" } else { "pending" });
        doc["logs"] = Item::Value(
            multiline_array(log_lines_for(task, &timeline, agent_cli, log_lines)).into(),
        );
        doc["artifacts"] = Item::Value(Array::new().into());
        doc["attempt_history"] = Item::Value(Array::new().into());
        doc[MARKER_KEY] = value(MARKER_VALUE);

        let mut git = Table::new();
        if cloned {
            if let Some(remote) = remote {
                git["repo_url"] = value(remote);
            }
            git["branch"] = value(branch.as_str());
            git["base_branch"] = value("main");
            if let Some(url) = &pr_url {
                git["pull_request_url"] = value(url.as_str());
            }
        }
        doc["git"] = Item::Table(git);

        let mut runner = Table::new();
        runner["image"] = value("lunamidori5/pixelarch:emerald");
        runner["agent_cli"] = value(agent_cli);
        runner["agent_cli_args"] = value("");
        runner["timeout_s"] = value(3600_i64);
        runner["headless"] = value(true);
        if workspace_type == "mounted" {
            runner["host_workdir"] = value(self.notes_dir().display().to_string());
        }
        doc["runner_config"] = Item::Table(runner);
        doc
    }

    fn write_environments(&self) -> Result<(), DemoError> {
        let items: Vec<Value> = ENVIRONMENTS
            .iter()
            .map(|env| self.environment_json(env))
            .collect();
        let document = sort_keys(json!({ "environments": items }));
        let path = environments_file(&self.data_dir);
        let text = serde_json::to_string_pretty(&document).map_err(|err| DemoError::Format {
            path: path.clone(),
            message: err.to_string(),
        })?;
        write_private(&path, text.as_bytes())
    }

    fn environment_json(&self, env: &DemoEnvironment) -> Value {
        let target = match (env.workspace_type, env.remote_path(&self.data_dir)) {
            ("cloned", Some(remote)) => remote.display().to_string(),
            ("mounted", _) => self.notes_dir().display().to_string(),
            _ => String::new(),
        };
        let host_workdir = if env.workspace_type == "mounted" {
            target.clone()
        } else {
            String::new()
        };
        let mut item = json!({
            "name": env.name,
            "color": env.color,
            "workspace_type": if env.legacy { "github" } else { env.workspace_type },
            "workspace_target": target,
            "host_workdir": host_workdir,
            "host_codex_dir": "~/.codex",
            "agent_cli_args": "",
            "max_agents_running": -1,
            "env_vars": {},
            "extra_mounts": [],
            "prompts": [],
            "ports": [],
            "agent_selection": null,
        });
        if let Value::Object(fields) = &mut item {
            if env.legacy {
                fields.insert("id".to_owned(), json!(env.id));
            } else {
                fields.insert("env_id".to_owned(), json!(env.id));
                fields.insert("version".to_owned(), json!(1));
            }
            if env.id == ENV_WEBAPP {
                fields.insert("env_vars".to_owned(), json!({ "NODE_ENV": "test" }));
                fields.insert("ports".to_owned(), json!(["5173:5173"]));
            }
        }
        item
    }

    fn write_state(&self) -> Result<(), DemoError> {
        let mut doc = DocumentMut::new();
        doc["version"] = value(4_i64);
        let mut settings = Table::new();
        settings["use"] = value("codex");
        settings["shell"] = value("bash");
        settings["active_environment_id"] = value(ENV_WEBAPP);
        settings["max_agents_running"] = value(2_i64);
        settings["host_codex_dir"] = value("~/.codex");
        settings["interactive_terminal_id"] = value("konsole");
        settings["preflight_enabled"] = value(false);
        doc["settings"] = Item::Table(settings);
        let mut watch = Table::new();
        watch["enabled"] = value(true);
        watch["poll_interval_s"] = value(30_i64);
        doc["agent_watch"] = Item::Table(watch);
        write_toml(&self.data_dir.join("state.toml"), &doc)
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

fn git_available() -> bool {
    git_command()
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

fn branch_name(task_id: &str) -> String {
    format!("agents-runner/{task_id}")
}

fn unix_seconds(moment: SystemTime) -> f64 {
    moment
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}

fn has_container(task: &DemoTask) -> bool {
    !task.is_finished()
        || matches!(
            task.status,
            "failed" | "error" | "dead" | "killed" | "exited"
        )
        || !task.finalization_done
}

fn pr_url(task: &DemoTask) -> Option<String> {
    let repo = match task.id {
        "a13f5c7e01" => "webapp/pull/128",
        LEGACY_MODE_TASK => "billing-api/pull/42",
        _ => return None,
    };
    Some(format!("https://github.com/example-org/{repo}"))
}

fn error_message(task: &DemoTask) -> Option<&'static str> {
    match task.status {
        "failed" => Some("Agent exited with code 1: 3 tests still failing after the last attempt"),
        "error" => Some(
            "docker: Error response from daemon: failed to create task for container: OCI runtime create failed",
        ),
        _ => None,
    }
}

const PROMPTS: &[&str] = &[
    "Fix the flaky login test\n\nThe test in tests/login.rs fails about one run in five on CI.\nFind the race and fix it without adding sleeps.",
    "Add pagination to the invoices endpoint\n\nGET /invoices returns every row. Add `page` and `per_page`\nquery parameters (default 50, max 200) and document them in README.md.",
    "Upgrade the date handling to chrono 0.4\n\nReplace the hand-written date parsing in src/dates.rs.\nKeep the public API unchanged and add tests for leap years.",
    "Write a Local setup section in the README\n\nNew contributors ask how to run the app locally.\nList the prerequisites, the commands, and the common errors.",
    "Split the settings page into smaller components\n\nsrc/settings.rs is 900 lines long. Split it by tab\n(profile, billing, notifications) without changing behaviour.",
    "Investigate the memory growth in the websocket handler\n\nMemory grows by ~50 MB per hour under load.\nFind what keeps connections alive after they close and fix it.",
    "Translate the error messages to French\n\nAll user-facing errors live in src/errors.rs.\nAdd a fr locale and keep English the default.",
    "Remove feature flags that shipped\n\nThe flags new_checkout and dark_mode are on for everyone\nsince March. Delete them and the dead code paths.",
];

fn prompt(index: usize) -> &'static str {
    PROMPTS[index % PROMPTS.len()]
}

fn prompt_title(task: &DemoTask) -> &'static str {
    let index = TASKS.iter().position(|t| t.id == task.id).unwrap_or(0);
    prompt(index).lines().next().unwrap_or("Agent changes")
}

fn log_lines_for(
    task: &DemoTask,
    timeline: &Timeline,
    agent_cli: &str,
    count: usize,
) -> Vec<String> {
    const STEPS: &[&str] = &[
        "[git] Cloning repository into the task workspace",
        "[git] Checked out branch {branch}",
        "[docker] Pulling image lunamidori5/pixelarch:emerald",
        "[docker] Starting container ar-{id}",
        "[agent] {cli} started",
        "[agent] Reading the repository layout",
        "[agent] Running cargo test",
        "[agent] test result: ok. 42 passed; 0 failed",
        "[agent] Editing src/lib.rs",
        "[agent] Thinking about the failing assertion",
    ];
    let start = timeline.started.unwrap_or(timeline.created);
    let branch = branch_name(task.id);
    (0..count)
        .map(|line| {
            let step = STEPS[line % STEPS.len()]
                .replace("{branch}", &branch)
                .replace("{id}", task.id)
                .replace("{cli}", agent_cli);
            let at: chrono::DateTime<chrono::Utc> =
                (start + Duration::from_secs(line as u64 * 2)).into();
            format!("[{}] {step}", at.format("%H:%M:%S"))
        })
        .collect()
}

/// An array written one item per line, as Agents-Runner's TOML writer does.
pub(super) fn multiline_array(items: Vec<String>) -> Array {
    let mut array = Array::new();
    for item in items {
        array.push(item);
    }
    for item in array.iter_mut() {
        item.decor_mut().set_prefix("\n    ");
    }
    array.set_trailing_comma(true);
    array.set_trailing("\n");
    array
}

/// Rebuilds every object with its keys in order, whatever map type serde_json was built with.
pub(super) fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(fields) => {
            let mut entries: Vec<(String, Value)> = fields.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, item)| (key, sort_keys(item)))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// Writes a TOML document after checking it parses back.
fn write_toml(path: &Path, document: &DocumentMut) -> Result<(), DemoError> {
    let text = document.to_string();
    if let Err(err) = text.parse::<toml::Table>() {
        return Err(DemoError::Format {
            path: path.to_path_buf(),
            message: err.to_string(),
        });
    }
    write_private(path, text.as_bytes())
}

/// Writes like Agents-Runner: a temp file in the same folder (mode 0600) renamed over the target.
pub(super) fn write_private(path: &Path, contents: &[u8]) -> Result<(), DemoError> {
    let folder = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(folder).map_err(io_error(folder))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(folder)
        .map_err(io_error(folder))?;
    temp.write_all(contents).map_err(io_error(temp.path()))?;
    temp.persist(path)
        .map_err(|err| io_error(path)(err.error))?;
    Ok(())
}

pub(super) fn write_plain(path: &Path, contents: &[u8]) -> Result<(), DemoError> {
    if let Some(folder) = path.parent() {
        fs::create_dir_all(folder).map_err(io_error(folder))?;
    }
    fs::write(path, contents).map_err(io_error(path))
}

fn append(path: &Path, text: &str) -> Result<(), DemoError> {
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(io_error(path))?;
    file.write_all(text.as_bytes()).map_err(io_error(path))
}

fn agent_change(task: &DemoTask, env: &DemoEnvironment) -> String {
    format!(
        "\n/// Added by the agent for task {} in {}.\npub fn task_{}_ready() -> bool {{\n    true\n}}\n",
        task.id, env.name, task.id
    )
}

fn write_uncommitted_changes(task: &DemoTask, workspace: &Path) -> Result<(), DemoError> {
    append(
        &workspace.join("README.md"),
        &format!(
            "\n## Notes from task {}\n\nHalf-written section the agent never committed.\n",
            task.id
        ),
    )?;
    write_plain(
        &workspace.join("agent-scratch.md"),
        format!(
            "Scratch notes of task {}: try the retry with a fake clock.\n",
            task.id
        )
        .as_bytes(),
    )
}

/// Stand-in workspace when `git` is not available: the same files, no history.
fn write_plain_workspace(
    task: &DemoTask,
    env: &DemoEnvironment,
    workspace: &Path,
) -> Result<(), DemoError> {
    for (_, files) in seed_commits(env.remote.unwrap_or("demo")) {
        for (path, contents) in files {
            write_plain(&workspace.join(path), &contents)?;
        }
    }
    match task.workspace {
        DemoWorkspace::Uncommitted => write_uncommitted_changes(task, workspace),
        DemoWorkspace::Unpushed => append(
            &workspace.join("src").join("lib.rs"),
            &agent_change(task, env),
        ),
        DemoWorkspace::Clean | DemoWorkspace::None => Ok(()),
    }
}

/// A read-only module cache, like Go's `pkg/mod`, whose files ignore a plain delete.
fn write_module_cache(folder: &Path) -> Result<(), DemoError> {
    write_plain(
        &folder.join("errors.go"),
        b"// Package errors provides simple error handling primitives.\npackage errors\n",
    )?;
    write_plain(&folder.join("go.mod"), b"module github.com/pkg/errors\n")?;
    write_plain(
        &folder.join("LICENSE"),
        b"Copyright (c) 2015, Dave Cheney\n",
    )
}

fn make_read_only(folder: &Path) -> Result<(), DemoError> {
    let entries = fs::read_dir(folder).map_err(io_error(folder))?;
    for entry in entries {
        let path = entry.map_err(io_error(folder))?.path();
        set_read_only(&path, false)?;
    }
    set_read_only(folder, true)
}

#[cfg(unix)]
pub(super) fn set_read_only(path: &Path, is_dir: bool) -> Result<(), DemoError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if is_dir { 0o555 } else { 0o444 };
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_error(path))
}

/// Windows folders have no usable read-only bit: read-only files are what make deletes fail.
#[cfg(not(unix))]
pub(super) fn set_read_only(path: &Path, is_dir: bool) -> Result<(), DemoError> {
    if is_dir {
        return Ok(());
    }
    let mut permissions = fs::metadata(path).map_err(io_error(path))?.permissions();
    permissions.set_readonly(true);
    fs::set_permissions(path, permissions).map_err(io_error(path))
}

/// Sets the access and modification times of `root` and everything under it,
/// children first, never following symlinks.
fn age_tree(root: &Path, when: SystemTime) -> Result<(), DemoError> {
    let time = FileTime::from_system_time(when);
    let entries = fs::read_dir(root).map_err(io_error(root))?;
    for entry in entries {
        let entry = entry.map_err(io_error(root))?;
        let path = entry.path();
        if entry.file_type().map_err(io_error(&path))?.is_dir() {
            age_tree(&path, when)?;
        } else {
            filetime::set_symlink_file_times(&path, time, time).map_err(io_error(&path))?;
        }
    }
    filetime::set_symlink_file_times(root, time, time).map_err(io_error(root))
}

type SeedFiles = Vec<(&'static str, Vec<u8>)>;

/// The commits each demo remote starts with: a small Rust project and a 200 KiB asset.
fn seed_commits(name: &str) -> Vec<(&'static str, SeedFiles)> {
    let readme = format!(
        "# {name}\n\nPart of the example-org platform.\n\n## Build\n\n    cargo build\n    cargo test\n"
    );
    let main_rs = format!(
        "fn main() {{\n    println!(\"{name} v{{}}\", env!(\"CARGO_PKG_VERSION\"));\n    {}::serve();\n}}\n",
        name.replace('-', "_")
    );
    let cargo_toml = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.3.1\"\nedition = \"2021\"\n\n[dependencies]\n"
    );
    vec![
        (
            "Initial commit",
            vec![
                ("README.md", readme.into_bytes()),
                (".gitignore", b"/target/\n/.cache/\n".to_vec()),
                ("Cargo.toml", cargo_toml.into_bytes()),
                ("src/main.rs", main_rs.into_bytes()),
            ],
        ),
        (
            "Add login and session handling",
            vec![
                (
                    "src/lib.rs",
                    b"pub mod login;\n\n/// Starts the HTTP server.\npub fn serve() {\n    login::warm_up();\n}\n".to_vec(),
                ),
                (
                    "src/login.rs",
                    b"use std::time::Duration;\n\n/// How long a session stays valid.\npub const SESSION_TTL: Duration = Duration::from_secs(30 * 60);\n\npub fn warm_up() {}\n\npub fn check_password(stored_hash: &str, attempt: &str) -> bool {\n    !attempt.is_empty() && stored_hash.len() == 64\n}\n".to_vec(),
                ),
            ],
        ),
        (
            "Add the logo",
            vec![("assets/logo.bin", pseudo_random_bytes(name, 200 * 1024))],
        ),
    ]
}

/// Deterministic bytes that do not compress, so sizes on disk are visible.
pub(super) fn pseudo_random_bytes(seed: &str, len: usize) -> Vec<u8> {
    let mut state = seed.bytes().fold(0x9e37_79b9_7f4a_7c15_u64, |acc, byte| {
        (acc ^ u64::from(byte)).wrapping_mul(0x1000_0000_01b3)
    }) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}
