//! A small hand-made data dir (no git, no demo) for the adversarial, crash and concurrency
//! suites: one cloned environment, tasks written the way Agents-Runner writes them, and
//! canary trees outside the managed task folders whose hashes must never change.

use super::{tree_digest, write_private};
use agents_janitor::store::paths;
use agents_janitor::store::time::format_iso;
use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

pub type TestResult = Result<(), Box<dyn Error>>;

/// The cloned environment every [`Mini`] starts with.
pub const ENV: &str = "env-5afe0001";

pub struct Mini {
    pub root: tempfile::TempDir,
    /// `root/data`, canonical.
    pub data_dir: PathBuf,
    /// `root/outside`: canaries next to the data dir.
    pub outside: PathBuf,
    /// `data/canary`: canaries inside the data dir but outside `managed-repos`.
    pub inside: PathBuf,
}

impl Mini {
    pub fn new() -> Result<Self, Box<dyn Error>> {
        Self::in_dir(super::scratch::tempdir()?)
    }

    /// [`Mini::new`] in `root`, a temp dir with a special filesystem (see
    /// [`super::immutable::tempdir`]).
    pub fn in_dir(root: tempfile::TempDir) -> Result<Self, Box<dyn Error>> {
        let data_dir = root.path().join("data");
        fs::create_dir_all(paths::archived_tasks_dir(&data_dir))?;
        fs::create_dir_all(paths::managed_repos_dir(&data_dir).join(ENV).join("tasks"))?;
        let data_dir = fs::canonicalize(&data_dir)?;
        let outside = fs::canonicalize(root.path())?.join("outside");
        let inside = data_dir.join("canary");
        for dir in [&outside, &inside] {
            plant(dir, "canary")?;
        }
        let mini = Self {
            root,
            data_dir,
            outside,
            inside,
        };
        mini.write_environments(&[(ENV, "cloned")])?;
        Ok(mini)
    }

    /// Rewrites `environments.json` with these `(env_id, workspace_type)` items.
    pub fn write_environments(&self, envs: &[(&str, &str)]) -> TestResult {
        let items: Vec<serde_json::Value> = envs
            .iter()
            .map(|(id, kind)| {
                serde_json::json!({
                    "env_id": id,
                    "version": 1,
                    "name": format!("Env {id}"),
                    "color": "sky",
                    "workspace_type": kind,
                    "workspace_target": "https://example.invalid/repo.git",
                    "host_workdir": "",
                    "env_vars": {},
                })
            })
            .collect();
        let doc = serde_json::json!({ "environments": items });
        write_private(
            &paths::environments_file(&self.data_dir),
            serde_json::to_string_pretty(&doc)?.as_bytes(),
        )
    }

    /// Writes an active, finalized task record finished three days ago.
    pub fn add_task(&self, id: &str, env: &str, status: &str) -> Result<PathBuf, Box<dyn Error>> {
        let path = self.active_record(id);
        write_private(&path, task_toml(id, env, status)?.as_bytes())?;
        Ok(path)
    }

    pub fn active_record(&self, id: &str) -> PathBuf {
        paths::active_tasks_dir(&self.data_dir).join(format!("{}.toml", paths::safe_id(id)))
    }

    pub fn archived_record(&self, id: &str) -> PathBuf {
        paths::archived_tasks_dir(&self.data_dir).join(format!("{}.toml", paths::safe_id(id)))
    }

    pub fn workspace(&self, env: &str, id: &str) -> PathBuf {
        paths::task_workspace_path(&self.data_dir, env, id)
    }

    /// A workspace folder with `files` small files spread over sub-folders, three days old.
    pub fn add_workspace(
        &self,
        env: &str,
        id: &str,
        files: usize,
    ) -> Result<PathBuf, Box<dyn Error>> {
        let workspace = self.workspace(env, id);
        fill(&workspace, files)?;
        Ok(workspace)
    }

    /// The binary with `--data-dir`, a fake `docker` that logs to `root/docker.log`,
    /// and HOME in the temp dir.
    pub fn janitor(&self, args: &[&str]) -> Result<Command, Box<dyn Error>> {
        self.janitor_at(&self.data_dir, args)
    }

    /// [`Mini::janitor`] with another `--data-dir` (a symlink to this one, say).
    pub fn janitor_at(&self, data_dir: &Path, args: &[&str]) -> Result<Command, Box<dyn Error>> {
        let bin = self.root.path().join("bin");
        fs::create_dir_all(&bin)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let script = bin.join("docker");
            if !script.exists() {
                let log = self.root.path().join("docker.log");
                fs::write(
                    &script,
                    format!("#!/bin/sh\necho \"$@\" >> '{}'\nexit 0\n", log.display()),
                )?;
                fs::set_permissions(&script, fs::Permissions::from_mode(0o755))?;
            }
        }
        let inherited = std::env::var_os("PATH").unwrap_or_default();
        let search =
            std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&inherited)))?;
        let mut command = Command::new(env!("CARGO_BIN_EXE_agents-janitor"));
        command
            .env("PATH", search)
            .env("HOME", self.root.path())
            .env("XDG_DATA_HOME", self.root.path().join("xdg-data"))
            .env("XDG_CONFIG_HOME", self.root.path().join("xdg-config"))
            .env_remove(paths::STATE_PATH_VAR)
            .env_remove(agents_janitor::checkpoint::PAUSE_VAR)
            .arg("--data-dir")
            .arg(data_dir)
            .args(args);
        Ok(command)
    }

    /// Runs the binary to the end.
    pub fn run(&self, args: &[&str]) -> Result<super::Run, Box<dyn Error>> {
        let output = self.janitor(args)?.output()?;
        Ok(super::Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }

    /// Entries left in the staging folder.
    pub fn staged(&self) -> Vec<PathBuf> {
        fs::read_dir(paths::staging_dir(&self.data_dir))
            .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    }
}

impl Drop for Mini {
    /// Takes down any mount a test left under the temp dir, wherever the janitor moved
    /// it, before the temp dir is deleted: deleting it can never walk into a bind mount.
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        super::mounts::release(&mut self.root);
    }
}

/// The text of a finalized task record the way Agents-Runner writes it.
pub fn task_toml(id: &str, env: &str, status: &str) -> Result<String, Box<dyn Error>> {
    let finished = SystemTime::now() - Duration::from_secs(3 * 24 * 3600);
    let created = finished - Duration::from_secs(600);
    let mut doc = toml_edit::DocumentMut::new();
    doc["task_id"] = toml_edit::value(id);
    doc["environment_id"] = toml_edit::value(env);
    doc["status"] = toml_edit::value(status);
    doc["exit_code"] = toml_edit::value(0_i64);
    doc["created_at_s"] = toml_edit::value(
        created
            .duration_since(SystemTime::UNIX_EPOCH)?
            .as_secs_f64(),
    );
    doc["started_at"] = toml_edit::value(format_iso(created));
    doc["finished_at"] = toml_edit::value(format_iso(finished));
    doc["container_id"] = toml_edit::value(format!("ar-{}", paths::safe_id(id)));
    doc["prompt"] = toml_edit::value("Made by the safety suite");
    doc["finalization_state"] = toml_edit::value("done");
    let mut logs = toml_edit::Array::new();
    logs.push("[agent] started");
    logs.push("[agent] finished");
    doc["logs"] = toml_edit::value(logs);
    Ok(doc.to_string())
}

/// `files` small files under `dir`, 100 to a folder, with mtimes three days back.
pub fn fill(dir: &Path, files: usize) -> TestResult {
    let old = filetime::FileTime::from_system_time(
        SystemTime::now() - Duration::from_secs(3 * 24 * 3600),
    );
    fs::create_dir_all(dir)?;
    for index in 0..files {
        let folder = dir.join(format!("d{:03}", index / 100));
        if index % 100 == 0 {
            fs::create_dir_all(&folder)?;
        }
        let file = folder.join(format!("f{index:05}.txt"));
        fs::write(&file, format!("file {index}\n"))?;
        filetime::set_file_mtime(&file, old)?;
    }
    fs::write(dir.join("README.md"), "a task workspace\n")?;
    filetime::set_file_mtime(dir.join("README.md"), old)?;
    Ok(())
}

/// Sets the modification time of `path` and everything under it (folders too, which
/// the scan counts) to `days` ago, without following symlinks.
pub fn make_old(path: &Path, days: u64) -> TestResult {
    let old = filetime::FileTime::from_system_time(
        SystemTime::now() - Duration::from_secs(days * 24 * 3600),
    );
    if fs::symlink_metadata(path)?.is_dir() {
        for entry in fs::read_dir(path)? {
            make_old(&entry?.path(), days)?;
        }
    }
    filetime::set_symlink_file_times(path, old, old)?;
    Ok(())
}

/// Fills `dir` with files worth keeping: nested folders, binary data, a read-only folder.
pub fn plant(dir: &Path, label: &str) -> TestResult {
    fs::create_dir_all(dir.join("nested").join("deeper"))?;
    fs::write(dir.join("canary.txt"), format!("{label}: must survive\n"))?;
    fs::write(dir.join("nested").join("notes.md"), format!("# {label}\n"))?;
    fs::write(
        dir.join("nested").join("deeper").join("data.bin"),
        [0_u8, 7, 42, 255],
    )?;
    let locked = dir.join("read-only");
    fs::create_dir_all(&locked)?;
    fs::write(locked.join("kept.txt"), "read-only and kept\n")?;
    set_read_only(&locked.join("kept.txt"), false)?;
    set_read_only(&locked, true)
}

/// Takes write access away: mode 555 for a folder, 444 for a file (elsewhere than unix,
/// the read-only flag of a file).
#[cfg(unix)]
pub fn set_read_only(path: &Path, is_dir: bool) -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let mode = if is_dir { 0o555 } else { 0o444 };
    fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    Ok(())
}

#[cfg(not(unix))]
pub fn set_read_only(path: &Path, is_dir: bool) -> TestResult {
    if !is_dir {
        let mut permissions = fs::metadata(path)?.permissions();
        permissions.set_readonly(true);
        fs::set_permissions(path, permissions)?;
    }
    Ok(())
}

/// Trees that no command may change, hashed when made.
pub struct Canaries {
    trees: Vec<(PathBuf, BTreeMap<String, String>)>,
}

impl Canaries {
    /// The mini data dir's `outside/` and `data/canary/`, plus `extra`.
    pub fn new(mini: &Mini, extra: &[&Path]) -> Self {
        Self::of(
            [mini.outside.as_path(), mini.inside.as_path()]
                .into_iter()
                .chain(extra.iter().copied()),
        )
    }

    /// Exactly these trees.
    pub fn of<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Self {
        let trees = paths
            .into_iter()
            .map(|path| (path.to_path_buf(), tree_digest(path)))
            .collect();
        Self { trees }
    }

    /// Asserts every tree is byte-for-byte, mode-for-mode as it was.
    pub fn assert_intact(&self, after: &str) {
        for (path, before) in &self.trees {
            let now = tree_digest(path);
            let changed: Vec<&String> = before
                .iter()
                .filter(|(key, value)| now.get(*key) != Some(*value))
                .map(|(key, _)| key)
                .chain(now.keys().filter(|key| !before.contains_key(*key)))
                .collect();
            assert!(
                changed.is_empty(),
                "{after} changed {}: {changed:?}",
                path.display()
            );
        }
    }
}

/// Every task file in `tasks/` and `tasks/done/` (names not starting with `.`), parsed:
/// `task_id` → the places it is recorded. Fails on any file that does not parse.
pub fn records(data_dir: &Path) -> Result<BTreeMap<String, Vec<PathBuf>>, Box<dyn Error>> {
    let mut found: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for folder in [
        paths::active_tasks_dir(data_dir),
        paths::archived_tasks_dir(data_dir),
    ] {
        for entry in fs::read_dir(&folder)? {
            let path = entry?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') || !name.ends_with(".toml") {
                continue;
            }
            let table: toml::Table = fs::read_to_string(&path)
                .map_err(|err| format!("{}: {err}", path.display()))?
                .parse()
                .map_err(|err| format!("{} does not parse: {err}", path.display()))?;
            let id = table
                .get("task_id")
                .and_then(toml::Value::as_str)
                .ok_or_else(|| format!("{} has no task_id", path.display()))?;
            found.entry(id.to_owned()).or_default().push(path);
        }
    }
    Ok(found)
}

/// The `status` and `logs` of the record at `path`.
pub fn status_and_logs(path: &Path) -> Result<(String, Vec<String>), Box<dyn Error>> {
    let table: toml::Table = fs::read_to_string(path)?.parse()?;
    let status = table
        .get("status")
        .and_then(toml::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let logs = table
        .get("logs")
        .and_then(toml::Value::as_array)
        .map(|lines| {
            lines
                .iter()
                .filter_map(|l| l.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok((status, logs))
}

/// A janitor paused at a checkpoint (see `agents_janitor::checkpoint`) until
/// [`Paused::resume`].
pub struct Paused {
    /// `None` once resumed; a pause never resumed (a failing test) is killed on drop.
    child: Option<std::process::Child>,
    resume_file: PathBuf,
    /// stderr up to the pause.
    pub before: String,
    rest: Option<std::thread::JoinHandle<String>>,
}

impl Paused {
    pub fn start(mini: &Mini, args: &[&str], point: &str) -> Result<Self, Box<dyn Error>> {
        use agents_janitor::checkpoint::{MARKER, PAUSE_VAR, RESUME_VAR};
        use std::io::{BufRead, Read};
        let resume_file = mini
            .root
            .path()
            .join(format!("resume-{}", point.replace('=', "-")));
        let _ = fs::remove_file(&resume_file);
        let mut child = mini
            .janitor(args)?
            .env(PAUSE_VAR, point)
            .env(RESUME_VAR, &resume_file)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        let pipe = child.stderr.take().ok_or("no stderr pipe")?;
        let mut reader = std::io::BufReader::new(pipe);
        let mut before = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{args:?} never reached {point}:\n{before}").into());
            }
            before.push_str(&line);
            if line.starts_with(MARKER) {
                break;
            }
        }
        let rest = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
            rest
        });
        Ok(Self {
            child: Some(child),
            resume_file,
            before,
            rest: Some(rest),
        })
    }

    /// Lets the janitor go on and waits for it to end.
    pub fn resume(mut self) -> Result<super::Run, Box<dyn Error>> {
        fs::write(&self.resume_file, "go")?;
        let child = self.child.take().ok_or("already resumed")?;
        let output = child.wait_with_output()?;
        let rest = self.rest.take().ok_or("already resumed")?;
        let rest = rest.join().map_err(|_| "stderr reader failed")?;
        Ok(super::Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: std::mem::take(&mut self.before) + &rest,
        })
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
