//! Shared fixture for the integration tests: a demo Agents-Runner data dir with a few
//! broken files, next to canary files that no command may touch.

pub mod agents_runner;
pub mod immutable;
pub mod mini;
#[cfg(target_os = "linux")]
pub mod mounts;
pub mod scratch;
pub mod template;

use agents_janitor::demo::{self, DemoSummary, DemoTask};
use agents_janitor::store::paths;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Active task file that is not valid TOML.
pub const CORRUPT_ACTIVE_TASK: &str = "c0ffee0bad";
/// Archived task file that is not valid UTF-8.
pub const NON_UTF8_ARCHIVED_TASK: &str = "badbadbad0";

pub struct Fixture {
    pub root: tempfile::TempDir,
    /// `root/data`: the demo data dir.
    pub data_dir: PathBuf,
    /// `root/outside`: canary files that are not under `data_dir`.
    pub outside: PathBuf,
    pub summary: DemoSummary,
}

impl Fixture {
    /// A copy of this test binary's demo template (see [`template`]) in a new temp dir,
    /// plus the broken files and canaries.
    pub fn new() -> Result<Self, Box<dyn Error>> {
        Self::in_dir(scratch::tempdir()?)
    }

    /// [`Fixture::new`] with the task workspaces as plain folders (no `.git`): for tests
    /// that never look at git state, so that nothing waits for git on every workspace.
    pub fn without_git() -> Result<Self, Box<dyn Error>> {
        Self::make(scratch::tempdir()?, template::Git::PlainFolders)
    }

    /// [`Fixture::new`] in `root`, a temp dir with a special filesystem (see
    /// [`immutable::tempdir`]).
    pub fn in_dir(root: tempfile::TempDir) -> Result<Self, Box<dyn Error>> {
        Self::make(root, template::Git::Checkouts)
    }

    fn make(root: tempfile::TempDir, git: template::Git) -> Result<Self, Box<dyn Error>> {
        let data_dir = root.path().join("data");
        let summary = if template::is_plain(root.path()) {
            template::template()?.copy_into(root.path(), git)?
        } else {
            demo::write_demo(&data_dir)?
        };

        fs::write(
            Self::corrupt_task_path(&data_dir),
            "task_id = \"c0ffee0bad\"\nstatus = \"running\n[git\n",
        )?;
        fs::write(
            Self::non_utf8_task_path(&data_dir),
            b"task_id = \"badbadbad0\"\nprompt = \"caf\xe9 \xff\xfe\"\n",
        )?;

        let outside = root.path().join("outside");
        fs::create_dir_all(outside.join("nested").join("deeper"))?;
        fs::write(outside.join("canary.txt"), "must survive every command\n")?;
        fs::write(outside.join("tasks.toml"), "task_id = \"not-a-task\"\n")?;
        fs::write(outside.join("nested").join("notes.md"), "# keep me\n")?;
        fs::write(
            outside.join("nested").join("deeper").join("data.bin"),
            [0_u8, 1, 2, 3, 255],
        )?;

        Ok(Self {
            root,
            data_dir,
            outside,
            summary,
        })
    }

    pub fn corrupt_task_path(data_dir: &Path) -> PathBuf {
        paths::active_tasks_dir(data_dir).join(format!("{CORRUPT_ACTIVE_TASK}.toml"))
    }

    pub fn non_utf8_task_path(data_dir: &Path) -> PathBuf {
        paths::archived_tasks_dir(data_dir).join(format!("{NON_UTF8_ARCHIVED_TASK}.toml"))
    }

    pub fn workspace(&self, env_id: &str, task_id: &str) -> PathBuf {
        paths::task_workspace_path(&self.data_dir, env_id, task_id)
    }

    /// Whether the demo's workspaces are git checkouts. Where git does not run they are
    /// plain folders, and [`cannot_run`] says the git checks cannot run.
    pub fn has_git_checkouts(&self) -> Result<bool, Box<dyn Error>> {
        if !self.summary.git_checkouts {
            cannot_run("git does not run here, so the demo's workspaces are plain folders")?;
        }
        Ok(self.summary.git_checkouts)
    }

    /// The first demo task with `status` in a cloned environment.
    pub fn task(&self, status: &str) -> Result<&'static DemoTask, Box<dyn Error>> {
        demo::TASKS
            .iter()
            .find(|task| task.status == status && task.workspace_type() == "cloned")
            .ok_or_else(|| format!("no demo task with status {status:?} in a cloned env").into())
    }
}

impl Drop for Fixture {
    /// Takes down any mount a test left under the temp dir (so removing it can never
    /// delete through one), and makes the demo's read-only folder writable again so the
    /// temp dir can be removed when the tests do not run as root.
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        mounts::release(&mut self.root);
        make_writable(self.root.path());
    }
}

/// Gives the owner write access again under `path` (best effort), so temp dirs holding
/// the demo's read-only folder can be removed by a non-root user.
pub fn make_writable(path: &Path) {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return;
    };
    if meta.file_type().is_symlink() {
        return;
    }
    let mut permissions = meta.permissions();
    if permissions.readonly() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            permissions.set_mode(permissions.mode() | 0o700);
        }
        #[cfg(not(unix))]
        permissions.set_readonly(false);
        // Best effort: a failure only leaves a temp folder behind.
        let _ = fs::set_permissions(path, permissions);
    }
    if meta.is_dir()
        && let Ok(entries) = fs::read_dir(path)
    {
        for entry in entries.flatten() {
            make_writable(&entry.path());
        }
    }
}

/// Every entry under `path` (and `path` itself, as `.`), relative path (with `/`) →
/// `dir MODE`, `file MODE SHA256` or `link TARGET`. Symlinks are never followed.
/// Compare two digests to prove nothing changed.
pub fn tree_digest(path: &Path) -> BTreeMap<String, String> {
    let mut digest = BTreeMap::new();
    digest_entry(path, ".".to_owned(), &mut digest);
    digest
}

fn digest_entry(path: &Path, name: String, digest: &mut BTreeMap<String, String>) {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) => {
            digest.insert(name, format!("error {:?}", err.kind()));
            return;
        }
    };
    let mode = mode_text(&meta);
    let kind = meta.file_type();
    if kind.is_symlink() {
        let target = fs::read_link(path).map_or_else(
            |err| format!("error {:?}", err.kind()),
            |target| target.display().to_string(),
        );
        digest.insert(name, format!("link {target}"));
    } else if kind.is_dir() {
        digest.insert(name.clone(), format!("dir {mode}"));
        let entries = match fs::read_dir(path) {
            Ok(entries) => entries,
            Err(err) => {
                digest.insert(format!("{name}/"), format!("error {:?}", err.kind()));
                return;
            }
        };
        for entry in entries.flatten() {
            let child = entry.file_name().to_string_lossy().into_owned();
            let child_name = if name == "." {
                child
            } else {
                format!("{name}/{child}")
            };
            digest_entry(&entry.path(), child_name, digest);
        }
    } else {
        let hash = fs::read(path).map_or_else(
            |err| format!("error {:?}", err.kind()),
            |bytes| {
                Sha256::digest(&bytes)
                    .iter()
                    .map(|byte| format!("{byte:02x}"))
                    .collect()
            },
        );
        digest.insert(name, format!("file {mode} {hash}"));
    }
}

#[cfg(unix)]
fn mode_text(meta: &fs::Metadata) -> String {
    use std::os::unix::fs::PermissionsExt;
    format!("{:o}", meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_text(meta: &fs::Metadata) -> String {
    if meta.permissions().readonly() {
        "ro".to_owned()
    } else {
        "rw".to_owned()
    }
}

/// Whether this run must not skip anything: CI sets `CI` (`.ci/run` sets `CI=1`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !matches!(value.trim(), "" | "0" | "false"))
}

/// Says why a test (or a part of it) cannot run here; under CI that is a failure,
/// elsewhere the test goes on after saying so.
pub fn cannot_run(why: &str) -> Result<(), Box<dyn Error>> {
    eprintln!("skipped: {why}");
    if in_ci() {
        return Err(format!("CI is set and this test cannot run: {why}").into());
    }
    Ok(())
}

/// Whether `git` runs here (checked once). Without it the demo's workspaces are plain
/// folders.
pub fn git_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        Command::new("git")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success())
    })
}

/// Whether `du` is GNU du, the only one with `-b` and `-B1` (checked once).
fn gnu_du() -> bool {
    static GNU: OnceLock<bool> = OnceLock::new();
    *GNU.get_or_init(|| {
        Command::new("du")
            .arg("--version")
            .output()
            .is_ok_and(|output| {
                output.status.success() && String::from_utf8_lossy(&output.stdout).contains("GNU")
            })
    })
}

/// Says (through [`cannot_run`]) that sizes cannot be compared with GNU du here, when
/// that is so. Returns whether they can.
pub fn can_compare_with_du() -> Result<bool, Box<dyn Error>> {
    if gnu_du() {
        return Ok(true);
    }
    cannot_run("there is no GNU du to compare sizes with (coreutils)")?;
    Ok(false)
}

/// Runs GNU `du <args> <path>` and parses the first number it prints; `Ok(None)`
/// (after [`can_compare_with_du`] said why) where there is no GNU du.
pub fn du_bytes(args: &[&str], path: &Path) -> Result<Option<u64>, Box<dyn Error>> {
    if !can_compare_with_du()? {
        return Ok(None);
    }
    let output = Command::new("du").args(args).arg(path).output()?;
    if !output.status.success() {
        return Err(format!(
            "du {args:?} {} failed: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )
        .into());
    }
    let first = String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .parse()?;
    Ok(Some(first))
}

// ---------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------

/// What one run of the binary printed and returned.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Run {
    pub fn json(&self) -> Result<serde_json::Value, Box<dyn Error>> {
        serde_json::from_str(&self.stdout)
            .map_err(|err| format!("stdout is not JSON ({err}):\n{self}").into())
    }

    /// stderr without the `problem:` lines the fixture's broken task files cause.
    pub fn errors(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|line| !line.starts_with("problem: ") && !line.trim().is_empty())
            .collect()
    }

    /// Asserts the janitor refused to delete `path`, saying why.
    pub fn assert_refused(&self, path: &Path, reason: &str) {
        let wanted = format!("Refusing to remove non-task directory: {}", path.display());
        let said = self
            .stderr
            .lines()
            .any(|line| line.contains(&wanted) && line.contains(reason));
        assert!(said, "no refusal of {} ({reason}):\n{self}", path.display());
    }

    /// Asserts some line of the output says `path` is left alone and why.
    pub fn assert_left_alone(&self, path: &Path, reason: &str) {
        let shown = path.display().to_string();
        let said = self
            .stdout
            .lines()
            .chain(self.stderr.lines())
            .any(|line| line.contains(&shown) && line.contains(reason));
        assert!(
            said,
            "nothing says {shown} is left alone ({reason}):\n{self}"
        );
    }
}

/// Where the fake `docker` writes its arguments, one call a line.
pub fn docker_log(fx: &Fixture) -> PathBuf {
    fx.root.path().join("docker.log")
}

/// Writes a fake `docker` that appends its arguments to [`docker_log`], and returns
/// the folder it is in.
pub fn fake_docker(fx: &Fixture) -> Result<PathBuf, Box<dyn Error>> {
    let bin = fx.root.path().join("bin");
    fs::create_dir_all(&bin)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let script = bin.join("docker");
        if !script.exists() {
            let text = format!(
                "#!/bin/sh\necho \"$@\" >> '{}'\nexit 0\n",
                docker_log(fx).display()
            );
            fs::write(&script, text)?;
            fs::set_permissions(&script, fs::Permissions::from_mode(0o755))?;
        }
    }
    Ok(bin)
}

/// Every `docker` invocation so far, one line each.
pub fn docker_calls(fx: &Fixture) -> Result<Vec<String>, Box<dyn Error>> {
    match fs::read_to_string(docker_log(fx)) {
        Ok(text) => Ok(text.lines().map(str::to_owned).collect()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(err.into()),
    }
}

/// The binary with an environment that cannot reach the developer's real data:
/// HOME in the temp dir, no `AGENTS_RUNNER_STATE_PATH`, the fake docker first on PATH.
pub fn janitor(fx: &Fixture) -> Result<assert_cmd::Command, Box<dyn Error>> {
    let bin = fake_docker(fx)?;
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let search =
        std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&inherited)))?;
    let mut command = assert_cmd::Command::cargo_bin("agents-janitor")?;
    command
        .env("PATH", search)
        .env("HOME", fx.root.path())
        .env("XDG_DATA_HOME", fx.root.path().join("xdg-data"))
        .env("XDG_CONFIG_HOME", fx.root.path().join("xdg-config"))
        .env(
            agents_janitor::store::record_cache::CACHE_DIR_VAR,
            fx.root.path().join("cache"),
        )
        .env_remove(paths::STATE_PATH_VAR)
        // No display: with no subcommand the binary prints its text overview, never a window.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    Ok(command)
}

pub fn output_of(mut command: assert_cmd::Command) -> Result<Run, Box<dyn Error>> {
    let output = command.output()?;
    Ok(Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Runs `agents-janitor --data-dir <fixture data> ARGS`.
pub fn run(fx: &Fixture, args: &[&str]) -> Result<Run, Box<dyn Error>> {
    let mut command = janitor(fx)?;
    command.arg("--data-dir").arg(&fx.data_dir).args(args);
    output_of(command)
}

/// The newest modification time of `path` and everything under it, without following symlinks.
pub fn newest_mtime(path: &Path) -> Result<std::time::SystemTime, Box<dyn Error>> {
    let meta = fs::symlink_metadata(path)?;
    let mut newest = meta.modified()?;
    if meta.is_dir() {
        for entry in fs::read_dir(path)? {
            newest = newest.max(newest_mtime(&entry?.path())?);
        }
    }
    Ok(newest)
}

/// Writes `bytes` like Agents-Runner: a temp file (mode 0600) renamed over the target.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Box<dyn Error>> {
    use std::io::Write;
    let folder = path.parent().ok_or("no parent folder")?;
    fs::create_dir_all(folder)?;
    let mut temp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(folder)?;
    temp.write_all(bytes)?;
    temp.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// Marks a task's finalization as done, as Agents-Runner does once its PR step finished.
pub fn finalize(record: &Path) -> Result<(), Box<dyn Error>> {
    let mut document: toml_edit::DocumentMut = fs::read_to_string(record)?.parse()?;
    document["finalization_state"] = toml_edit::value("done");
    write_private(record, document.to_string().as_bytes())
}

/// An active `done` task of a cloned environment whose checkout is clean and pushed:
/// every command may delete its workspace.
pub fn clean_done_task() -> Result<&'static DemoTask, Box<dyn Error>> {
    demo::TASKS
        .iter()
        .find(|t| {
            t.status == "done"
                && !t.archived
                && t.workspace == demo::DemoWorkspace::Clean
                && t.workspace_type() == "cloned"
        })
        .ok_or_else(|| "the demo has no clean done task".into())
}

/// Runs git in `dir` to set a test up: isolated from the machine's system and global
/// config, a fixed author, `main` as the first branch; fails on a non-zero exit.
pub fn git_setup(dir: &Path, args: &[&str]) -> Result<(), Box<dyn Error>> {
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
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()?;
    if !output.status.success() {
        return Err(format!("git {args:?}: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    Ok(())
}
