//! The demo's tables: its environments and tasks (every status of Agents-Runner's
//! vocabulary, every shape of workspace), the ids tests look for by name, and what each
//! task's record says (prompt, error, pull request, branch) and what the repositories
//! its checkouts come from hold.

use crate::status::StatusClass;
use std::path::{Path, PathBuf};

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
/// How many lines [`HUGE_LOG_TASK`]'s `logs` hold (the other tasks have 5 to 40).
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
/// The value of [`MARKER_KEY`].
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
    /// Its environment, one of [`ENVIRONMENTS`].
    pub env_id: &'static str,
    /// Its status word, as Agents-Runner writes it.
    pub status: &'static str,
    /// Its container's exit code, for the statuses that have one.
    pub exit_code: Option<i64>,
    /// Stored in `tasks/done/` rather than `tasks/`.
    pub archived: bool,
    /// `finalization_state = "done"` (otherwise `"pending"`).
    pub finalization_done: bool,
    /// What its workspace folder holds.
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
    /// Its id (`env_id`, or `id` when [`DemoEnvironment::legacy`]).
    pub id: &'static str,
    /// The name shown for it.
    pub name: &'static str,
    /// One of Agents-Runner's colours.
    pub color: &'static str,
    /// Normalized type: `cloned`, `mounted` or `none`.
    pub workspace_type: &'static str,
    /// Written the way older Agents-Runner files are (`id`, `"workspace_type": "github"`).
    pub legacy: bool,
    /// Name of the local bare remote (`DIR/remotes/<name>.git`) for cloned environments.
    pub remote: Option<&'static str>,
}

impl DemoEnvironment {
    /// The local bare repository its tasks clone from, for a cloned environment.
    pub fn remote_path(&self, data_dir: &Path) -> Option<PathBuf> {
        self.remote
            .map(|name| data_dir.join(REMOTES_DIR).join(format!("{name}.git")))
    }
}

/// Every demo environment: two cloned (one in the older file format), one mounted,
/// one without a workspace.
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

pub(super) fn branch_name(task_id: &str) -> String {
    format!("agents-runner/{task_id}")
}

pub(super) fn has_container(task: &DemoTask) -> bool {
    !task.is_finished()
        || matches!(
            task.status,
            "failed" | "error" | "dead" | "killed" | "exited"
        )
        || !task.finalization_done
}

pub(super) fn pr_url(task: &DemoTask) -> Option<String> {
    let repo = match task.id {
        "a13f5c7e01" => "webapp/pull/128",
        LEGACY_MODE_TASK => "billing-api/pull/42",
        _ => return None,
    };
    Some(format!("https://github.com/example-org/{repo}"))
}

pub(super) fn error_message(task: &DemoTask) -> Option<&'static str> {
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

pub(super) fn prompt(index: usize) -> &'static str {
    PROMPTS[index % PROMPTS.len()]
}

pub(super) fn prompt_title(task: &DemoTask) -> &'static str {
    let index = TASKS.iter().position(|t| t.id == task.id).unwrap_or(0);
    prompt(index).lines().next().unwrap_or("Agent changes")
}

pub(super) fn agent_change(task: &DemoTask, env: &DemoEnvironment) -> String {
    format!(
        "\n/// Added by the agent for task {} in {}.\npub fn task_{}_ready() -> bool {{\n    true\n}}\n",
        task.id, env.name, task.id
    )
}

type SeedFiles = Vec<(&'static str, Vec<u8>)>;

/// The commits each demo remote starts with: a small Rust project and a 200 KiB asset.
pub(super) fn seed_commits(name: &str) -> Vec<(&'static str, SeedFiles)> {
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
fn pseudo_random_bytes(seed: &str, len: usize) -> Vec<u8> {
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
