//! Nothing outside a managed task folder is ever lost: crafted data dirs with symlinks,
//! odd ids, foreign folders, read-only trees, crash leftovers and a held lock, each run
//! through the real binary while canary trees beside (and inside) the data dir are hashed
//! before and after.

use crate::common;

use agents_janitor::demo::{ENV_WEBAPP, TASKS};
use agents_janitor::store::paths;
use agents_janitor::store::time::format_iso;
use common::mini::Canaries;
use common::{Fixture, run, write_private};
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

mod environments;
mod ids;
mod links;
mod lock;
mod staging;
mod symlinked_folders;
mod workspaces;

type TestResult = Result<(), Box<dyn Error>>;

/// `discard` may mark the record but leaves the folder of a task with ids the folder
/// filter would change, and `complete --force` refuses it; both say where and why.
fn assert_odd_ids_are_left_alone(
    fx: &Fixture,
    id: &str,
    shown: &Path,
    canaries: &Canaries,
) -> TestResult {
    let discard = run(fx, &["discard", id])?;
    canaries.assert_intact("discard");
    assert_eq!(discard.code, Some(0), "{discard}");
    discard.assert_left_alone(shown, "plain folder name");
    let complete = run(fx, &["complete", id, "--force", "--delete-failed"])?;
    canaries.assert_intact("complete --force");
    assert_eq!(complete.code, Some(1), "{complete}");
    complete.assert_left_alone(shown, "plain folder name");
    Ok(())
}

/// `discard` and `complete --force` refuse the workspace of `id` at `shown` for `reason`,
/// and `sweep --force` skips it as not a folder; the canaries stay intact throughout.
fn assert_every_command_refuses(
    fx: &Fixture,
    id: &str,
    shown: &Path,
    reason: &str,
    canaries: &Canaries,
) -> TestResult {
    for args in [vec!["discard", id], vec!["complete", id, "--force"]] {
        let result = run(fx, &args)?;
        assert_eq!(result.code, Some(1), "{args:?}: {result}");
        result.assert_refused(shown, reason);
        canaries.assert_intact(&args.join(" "));
    }
    let sweep = run(
        fx,
        &["sweep", "--force", "--older-than", "0", "--env", ENV_WEBAPP],
    )?;
    let skipped = format!("{} is not a folder", shown.display());
    assert!(sweep.stdout.contains(&skipped), "{sweep}");
    canaries.assert_intact("sweep --force");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Canaries
// ---------------------------------------------------------------------------------------

/// The fixture's `outside/` plus `extra`, hashed now.
fn canaries(fx: &Fixture, extra: &[&Path]) -> Canaries {
    Canaries::of(std::iter::once(fx.outside.as_path()).chain(extra.iter().copied()))
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

fn canonical_data(fx: &Fixture) -> Result<PathBuf, Box<dyn Error>> {
    Ok(fs::canonicalize(&fx.data_dir)?)
}

// ---------------------------------------------------------------------------------------
// Crafting data the way Agents-Runner writes it
// ---------------------------------------------------------------------------------------

/// A task record to write into `tasks/`.
struct CraftedTask<'a> {
    id: &'a str,
    env_id: &'a str,
    status: &'a str,
    /// `workspace_type` in the task file itself, if any.
    workspace_type: Option<&'a str>,
}

impl<'a> CraftedTask<'a> {
    fn done(id: &'a str, env_id: &'a str) -> Self {
        Self {
            id,
            env_id,
            status: "done",
            workspace_type: None,
        }
    }

    /// Writes `tasks/<safe id>.toml`, finalized, with a container and two log lines.
    fn write(&self, fx: &Fixture) -> Result<PathBuf, Box<dyn Error>> {
        let now = SystemTime::now();
        let finished = now - Duration::from_secs(3 * 24 * 3600);
        let created = finished - Duration::from_secs(600);
        let created_s = created
            .duration_since(SystemTime::UNIX_EPOCH)?
            .as_secs_f64();
        let mut doc = toml_edit::DocumentMut::new();
        doc["task_id"] = toml_edit::value(self.id);
        doc["environment_id"] = toml_edit::value(self.env_id);
        doc["status"] = toml_edit::value(self.status);
        if self.status == "done" {
            doc["exit_code"] = toml_edit::value(0_i64);
            doc["finished_at"] = toml_edit::value(format_iso(finished));
        }
        doc["created_at_s"] = toml_edit::value(created_s);
        doc["started_at"] = toml_edit::value(format_iso(created));
        if let Some(kind) = self.workspace_type {
            doc["workspace_type"] = toml_edit::value(kind);
        }
        doc["container_id"] = toml_edit::value(format!("ar-crafted-{}", paths::safe_id(self.id)));
        doc["prompt"] = toml_edit::value("Crafted by the safety tests");
        doc["finalization_state"] = toml_edit::value("done");
        let mut logs = toml_edit::Array::new();
        logs.push("[agent] started");
        logs.push("[agent] finished");
        doc["logs"] = toml_edit::value(logs);
        let path =
            paths::active_tasks_dir(&fx.data_dir).join(format!("{}.toml", paths::safe_id(self.id)));
        write_private(&path, doc.to_string().as_bytes())?;
        Ok(path)
    }
}

/// Adds an environment to `environments.json` (indent 2, sorted keys, like Agents-Runner).
fn add_environment(fx: &Fixture, env_id: &str, workspace_type: &str, target: &str) -> TestResult {
    let path = paths::environments_file(&fx.data_dir);
    let mut doc: serde_json::Value = serde_json::from_slice(&fs::read(&path)?)?;
    let items = doc["environments"]
        .as_array_mut()
        .ok_or("environments.json has no environments list")?;
    items.push(serde_json::json!({
        "env_id": env_id,
        "version": 1,
        "name": format!("Crafted {env_id}"),
        "color": "orange",
        "workspace_type": workspace_type,
        "workspace_target": target,
        "host_workdir": if workspace_type == "mounted" { target } else { "" },
        "env_vars": {},
        "extra_mounts": [],
        "prompts": [],
        "ports": [],
        "agent_selection": null,
    }));
    write_private(&path, serde_json::to_string_pretty(&doc)?.as_bytes())
}

fn demo_task_id(status: &str, env_id: &str) -> Result<&'static str, Box<dyn Error>> {
    TASKS
        .iter()
        .find(|t| t.status == status && t.env_id == env_id && !t.archived && t.finalization_done)
        .map(|t| t.id)
        .ok_or_else(|| format!("no finalized {status} demo task in {env_id}").into())
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> TestResult {
    std::os::unix::fs::symlink(target, link)?;
    Ok(())
}

fn staging_entries(data: &Path) -> usize {
    fs::read_dir(paths::staging_dir(data))
        .map(|dir| dir.count())
        .unwrap_or(0)
}
