//! Nothing outside a managed task folder is ever lost: crafted data dirs with symlinks,
//! odd ids, foreign folders, read-only trees, crash leftovers and a held lock, each run
//! through the real binary while canary trees beside (and inside) the data dir are hashed
//! before and after.

use crate::common;

use agents_janitor::lock::LOCK_FILE;
use agents_janitor::store::demo::{ENV_NOTES, ENV_WEBAPP, NOTES_DIR, READ_ONLY_TASK, TASKS};
use agents_janitor::store::paths;
use agents_janitor::store::time::format_iso;
use common::mini::{Canaries, plant, set_read_only};
use common::{Fixture, docker_calls, run, tree_digest, write_private};
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

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

// ---------------------------------------------------------------------------------------
// 1. The workspace itself is a symlink
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_workspace_that_is_a_symlink_is_refused_and_its_target_kept() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let victim = fx.root.path().join("victim-workspace");
    plant(&victim, "symlinked workspace target")?;
    let id = "5e1f000001";
    CraftedTask::done(id, ENV_WEBAPP).write(&fx)?;
    let link = fx.workspace(ENV_WEBAPP, id);
    symlink(&victim, &link)?;
    let canaries = canaries(&fx, &[&victim]);
    let shown = paths::task_workspace_path(&data, ENV_WEBAPP, id);

    assert_every_command_refuses(&fx, id, &shown, "symlink", &canaries)?;
    assert_eq!(
        fs::read_link(&link)?,
        victim,
        "the symlink itself was changed"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 2. Symlinks and hard links inside a workspace
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
fn plant_escapes(workspace: &Path, victims: &Path) -> TestResult {
    symlink(&victims.join("dir"), &workspace.join("escape-dir"))?;
    symlink(&victims.join("file.txt"), &workspace.join("escape-file"))?;
    // Relative, deep enough to leave the data dir from the workspace and from staging.
    fs::create_dir_all(workspace.join("nested"))?;
    symlink(
        Path::new("../../../../../../outside"),
        &workspace.join("nested").join("escape-relative"),
    )?;
    fs::hard_link(victims.join("linked.txt"), workspace.join("hard-link.txt"))?;
    Ok(())
}

#[cfg(unix)]
#[test]
fn links_inside_a_workspace_are_removed_without_touching_their_targets() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let victims = fx.root.path().join("victims");
    plant(&victims.join("dir"), "linked folder")?;
    fs::write(victims.join("file.txt"), "linked file\n")?;
    fs::write(victims.join("linked.txt"), "hard-linked file\n")?;

    // Imported here because only this unix-only test sweeps the API env.
    use agents_janitor::store::demo::ENV_API;
    let discarded = demo_task_id("done", ENV_WEBAPP)?;
    let swept = demo_task_id("done", ENV_API)?;
    for (env, id) in [(ENV_WEBAPP, discarded), (ENV_API, swept)] {
        plant_escapes(&fx.workspace(env, id), &victims)?;
    }
    let canaries = canaries(&fx, &[&victims]);

    let discard = run(&fx, &["discard", discarded])?;
    assert_eq!(discard.code, Some(0), "{discard}");
    assert!(!exists(&fx.workspace(ENV_WEBAPP, discarded)), "{discard}");
    canaries.assert_intact("discard");

    let sweep = run(
        &fx,
        &["sweep", "--force", "--older-than", "0", "--env", ENV_API],
    )?;
    assert_eq!(sweep.code, Some(0), "{sweep}");
    assert!(!exists(&fx.workspace(ENV_API, swept)), "{sweep}");
    canaries.assert_intact("sweep --force");
    assert_eq!(staging_entries(&data), 0, "staging not emptied");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 3. A task id with `../`
// ---------------------------------------------------------------------------------------

#[test]
fn a_task_id_with_dot_dot_is_refused() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    // Joined naively onto `managed-repos/<env>/tasks/`, this id names the fixture's
    // `outside/`; through Agents-Runner's filter it names the folder `tasks/outside`.
    let id = "../../../../outside";
    CraftedTask::done(id, ENV_WEBAPP).write(&fx)?;
    let filtered = fx.workspace(ENV_WEBAPP, id);
    plant(&filtered, "another task's folder")?;
    let canaries = canaries(&fx, &[&filtered]);
    let shown = paths::task_workspace_path(&data, ENV_WEBAPP, id);

    // The record may be discarded; the folder must be left alone, saying where and why.
    assert_odd_ids_are_left_alone(&fx, id, &shown, &canaries)
}

// ---------------------------------------------------------------------------------------
// 4. An environment id `..`
// ---------------------------------------------------------------------------------------

#[test]
fn an_environment_id_dot_dot_is_refused() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let target = fx.root.path().join("dotdot-repo");
    add_environment(&fx, "..", "cloned", &target.display().to_string())?;
    let id = "d07d07d001";
    CraftedTask::done(id, "..").write(&fx)?;
    // Where the filter puts it (`managed-repos/default/...`) and where a naive join
    // would land (`managed-repos/../tasks/<id>` = `<data>/tasks/<id>`).
    let filtered = fx.workspace("..", id);
    plant(&filtered, "folder of the env the filter maps to")?;
    let naive = paths::active_tasks_dir(&fx.data_dir).join(id);
    plant(&naive, "naive join target")?;
    let canaries = canaries(&fx, &[&filtered, &naive]);
    let shown = paths::task_workspace_path(&data, "..", id);

    assert_odd_ids_are_left_alone(&fx, id, &shown, &canaries)
}

// ---------------------------------------------------------------------------------------
// 5. A mounted environment's folder
// ---------------------------------------------------------------------------------------

#[test]
fn a_mounted_environment_folder_is_never_touched() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let env = "env-0a0a0a0a";
    let id = "0a0a0a0a01";
    let project = fx.root.path().join("user-project");
    plant(&project, "the user's own project")?;
    // Bait for a substring check on "/tasks/".
    plant(&project.join("tasks").join(id), "looks like a task folder")?;
    add_environment(&fx, env, "mounted", &project.display().to_string())?;
    CraftedTask {
        workspace_type: Some("mounted"),
        ..CraftedTask::done(id, env)
    }
    .write(&fx)?;
    // A folder at the managed path of a mounted environment is not ours either.
    let managed = fx.workspace(env, id);
    plant(&managed, "managed path of a mounted env")?;
    let notes = fx.data_dir.join(NOTES_DIR);
    let notes_task = TASKS
        .iter()
        .find(|t| t.env_id == ENV_NOTES && t.status == "done")
        .ok_or("no done task in the mounted demo env")?;
    let canaries = canaries(&fx, &[&project, &managed, &notes]);

    let discard = run(&fx, &["discard", id, notes_task.id])?;
    assert_eq!(discard.code, Some(0), "{discard}");
    assert!(discard.stdout.contains("mounted"), "{discard}");
    for task in [id, notes_task.id] {
        let record = paths::archived_tasks_dir(&data).join(format!("{task}.toml"));
        let table: toml::Table = fs::read_to_string(&record)?.parse()?;
        assert_eq!(
            table.get("status").and_then(toml::Value::as_str),
            Some("discarded"),
            "{task}"
        );
    }
    canaries.assert_intact("discard");

    for (args, code) in [
        (
            vec!["sweep", "--force", "--older-than", "0", "--env", env],
            0,
        ),
        (
            vec!["sweep", "--force", "--older-than", "0", "--env", ENV_NOTES],
            0,
        ),
        // The task it names is skipped (its folder is the user's): a failed run.
        (vec!["complete", id, "--force", "--delete-failed"], 1),
        (vec!["archive", "--force", "--delete-failed"], 0),
    ] {
        let result = run(&fx, &args)?;
        assert_eq!(result.code, Some(code), "{args:?}: {result}");
        canaries.assert_intact(&args.join(" "));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 6. An environment that is not in environments.json
// ---------------------------------------------------------------------------------------

#[test]
fn a_folder_of_an_unknown_environment_is_left_alone() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let env = "env-0b0b0b0b";
    let id = "0b0b0b0b01";
    // The task says "cloned" itself; only its environment is unknown.
    CraftedTask {
        workspace_type: Some("cloned"),
        ..CraftedTask::done(id, env)
    }
    .write(&fx)?;
    let orphan_env = paths::managed_repos_dir(&fx.data_dir).join(env);
    plant(&fx.workspace(env, id), "workspace of an unknown env")?;
    plant(&fx.workspace(env, "0b0b0b0b02"), "no record at all")?;
    let canaries = canaries(&fx, &[&orphan_env]);

    let discard = run(&fx, &["discard", id])?;
    assert_eq!(discard.code, Some(0), "{discard}");
    let record = paths::archived_tasks_dir(&data).join(format!("{id}.toml"));
    let table: toml::Table = fs::read_to_string(&record)?.parse()?;
    assert_eq!(
        table.get("status").and_then(toml::Value::as_str),
        Some("discarded")
    );
    canaries.assert_intact("discard");

    let sweep = run(
        &fx,
        &["sweep", "--force", "--older-than", "0", "--env", env],
    )?;
    // environments.json reads whole and names no such environment: its folders are a
    // deleted environment's, which nothing but a deletion by name takes.
    assert!(
        sweep
            .stdout
            .contains(&format!("folder of deleted environment {env}")),
        "{sweep}"
    );
    canaries.assert_intact("sweep --force");
    let all_orphans = run(&fx, &["orphans", "--delete", "--force"])?;
    assert_eq!(all_orphans.code, Some(0), "{all_orphans}");
    canaries.assert_intact("orphans --delete --force");

    let complete = run(&fx, &["complete", id, "--force", "--delete-failed"])?;
    assert!(
        complete.stdout.contains("not in environments.json"),
        "{complete}"
    );
    canaries.assert_intact("complete --force");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 7. Symlinked environment folder, symlinked managed-repos
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_symlinked_environment_folder_is_not_followed() -> TestResult {
    let fx = Fixture::new()?;
    let env = "env-0c0c0c0c";
    let id = "0c0c0c0c01";
    add_environment(&fx, env, "cloned", "https://example.invalid/repo.git")?;
    CraftedTask::done(id, env).write(&fx)?;
    let victim = fx.root.path().join("victim-env");
    plant(
        &victim.join(paths::TASKS_DIR).join(id),
        "behind an env symlink",
    )?;
    let link = paths::managed_repos_dir(&fx.data_dir).join(env);
    symlink(&victim, &link)?;
    let canaries = canaries(&fx, &[&victim]);

    for args in [
        vec!["discard", id, "--force"],
        vec!["complete", id, "--force", "--delete-failed"],
        vec!["sweep", "--force", "--older-than", "0", "--env", env],
        vec!["archive", "--force", "--delete-failed"],
    ] {
        let result = run(&fx, &args)?;
        assert_eq!(result.code, Some(0), "{args:?}: {result}");
        canaries.assert_intact(&args.join(" "));
    }
    assert_eq!(fs::read_link(&link)?, victim);
    Ok(())
}

/// Moves `<data>/managed-repos` outside the data dir and leaves a symlink in its place.
#[cfg(unix)]
fn symlink_managed_repos(fx: &Fixture) -> Result<PathBuf, Box<dyn Error>> {
    let real = fx.root.path().join("real-managed-repos");
    let managed = paths::managed_repos_dir(&fx.data_dir);
    fs::rename(&managed, &real)?;
    symlink(&real, &managed)?;
    Ok(real)
}

#[cfg(unix)]
#[test]
fn a_symlinked_managed_repos_is_reported_and_never_followed() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let real = symlink_managed_repos(&fx)?;
    let canaries = canaries(&fx, &[&real]);
    let id = demo_task_id("done", ENV_WEBAPP)?;
    let shown = paths::managed_repos_dir(&data);

    // The store lists nothing behind the symlink and says so; the discard itself goes on.
    let discard = run(&fx, &["discard", id])?;
    assert_eq!(discard.code, Some(0), "{discard}");
    discard.assert_left_alone(&shown, "is a symlink: not followed");
    canaries.assert_intact("discard");

    let sweep = run(&fx, &["sweep", "--force", "--older-than", "0"])?;
    assert_eq!(sweep.code, Some(0), "{sweep}");
    sweep.assert_left_alone(&shown, "is a symlink: not followed");
    canaries.assert_intact("sweep --force");
    Ok(())
}

#[cfg(unix)]
#[test]
fn staging_behind_a_symlinked_managed_repos_is_not_purged() -> TestResult {
    let fx = Fixture::new()?;
    let real = symlink_managed_repos(&fx)?;
    // Looks like crash leftovers, but through the symlink it is outside the data dir.
    plant(
        &real
            .join(paths::STAGING)
            .join("env-3f9a1c7e--a13f5c7e01--1"),
        "not our staging",
    )?;
    let canaries = canaries(&fx, &[&real]);

    let sweep = run(&fx, &["sweep", "--older-than", "1000w"])?;
    assert_eq!(sweep.code, Some(0), "{sweep}");
    canaries.assert_intact("sweep");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 8. Read-only folders inside a workspace
// ---------------------------------------------------------------------------------------

#[test]
fn read_only_folders_in_a_workspace_are_deleted_completely() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let task = TASKS
        .iter()
        .find(|t| t.id == READ_ONLY_TASK)
        .ok_or("no read-only demo task")?;
    let workspace = fx.workspace(task.env_id, task.id);
    // More of the same: a read-only chain three folders deep.
    let deep = workspace.join("ro-a").join("ro-b").join("ro-c");
    fs::create_dir_all(&deep)?;
    fs::write(deep.join("leaf.txt"), "leaf\n")?;
    set_read_only(&deep.join("leaf.txt"), false)?;
    for dir in [
        deep.clone(),
        workspace.join("ro-a").join("ro-b"),
        workspace.join("ro-a"),
    ] {
        set_read_only(&dir, true)?;
    }
    let canaries = canaries(&fx, &[]);

    let discard = run(&fx, &["discard", task.id])?;
    assert_eq!(discard.code, Some(0), "{discard}");
    assert!(!exists(&workspace), "{discard}");
    assert_eq!(
        staging_entries(&data),
        0,
        "leftovers in staging:\n{discard}"
    );
    assert!(
        discard.stderr.contains("[cleanup] Workspace cleaned up"),
        "{discard}"
    );
    #[cfg(unix)]
    assert!(
        docker_calls(&fx)?.contains(&format!("rm -f ar-{}", task.id)),
        "{discard}"
    );
    canaries.assert_intact("discard");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 9. A file where the workspace folder should be
// ---------------------------------------------------------------------------------------

#[test]
fn a_file_in_place_of_a_workspace_is_refused() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let id = "0d0d0d0d01";
    CraftedTask::done(id, ENV_WEBAPP).write(&fx)?;
    let file = fx.workspace(ENV_WEBAPP, id);
    fs::write(&file, "a file, not a workspace folder\n")?;
    let canaries = canaries(&fx, &[&file]);
    let shown = paths::task_workspace_path(&data, ENV_WEBAPP, id);

    assert_every_command_refuses(&fx, id, &shown, "it is not a folder", &canaries)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 10. Active tasks
// ---------------------------------------------------------------------------------------

#[test]
fn active_tasks_are_refused_without_force() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let active: Vec<_> = TASKS
        .iter()
        .filter(|t| !t.is_finished() && t.workspace_type() == "cloned")
        .collect();
    let running = active
        .iter()
        .find(|t| t.status == "running")
        .ok_or("no running demo task")?;
    let mut protected: Vec<PathBuf> = active
        .iter()
        .map(|t| fx.workspace(t.env_id, t.id))
        .collect();
    protected.extend(
        active
            .iter()
            .map(|t| paths::active_tasks_dir(&fx.data_dir).join(format!("{}.toml", t.id))),
    );
    let protected_refs: Vec<&Path> = protected.iter().map(PathBuf::as_path).collect();
    let canaries = canaries(&fx, &protected_refs);

    for args in [vec!["discard", running.id], vec!["complete", running.id]] {
        let mut before = tree_digest(&data);
        before.remove(LOCK_FILE);
        let refused = run(&fx, &args)?;
        assert_eq!(refused.code, Some(1), "{args:?}: {refused}");
        let said = refused
            .stdout
            .lines()
            .any(|line| line.contains(running.id) && line.contains("still running"));
        assert!(said, "{args:?}: {refused}");
        let mut after = tree_digest(&data);
        after.remove(LOCK_FILE);
        assert!(before == after, "{args:?} changed the data dir");
        canaries.assert_intact(&args.join(" "));
    }
    for args in [
        vec!["sweep", "--older-than", "0"],
        vec!["archive", "--delete-failed"],
    ] {
        let result = run(&fx, &args)?;
        assert_eq!(result.code, Some(0), "{args:?}: {result}");
        canaries.assert_intact(&args.join(" "));
    }
    let calls = docker_calls(&fx)?;
    for task in &active {
        assert!(
            !calls.iter().any(|call| call.contains(task.id)),
            "docker ran for active {}",
            task.id
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 11. Crash leftovers in staging
// ---------------------------------------------------------------------------------------

#[test]
fn interrupted_deletes_are_finished_but_not_by_dry_runs() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let leftover = paths::staging_dir(&data).join(format!("{ENV_WEBAPP}--0e0e0e0e01--1"));
    plant(&leftover, "half-deleted workspace")?;
    let canaries = canaries(&fx, &[]);
    let id = demo_task_id("done", ENV_WEBAPP)?;

    for args in [
        vec!["sweep", "--older-than", "1000w", "--dry-run"],
        vec!["discard", id, "--dry-run"],
        vec!["archive", "--dry-run", "--json"],
    ] {
        let before = tree_digest(&fx.data_dir);
        let dry = run(&fx, &args)?;
        assert_eq!(dry.code, Some(0), "{args:?}: {dry}");
        assert!(
            before == tree_digest(&fx.data_dir),
            "{args:?} changed files"
        );
        assert!(exists(&leftover), "{args:?} removed the leftover");
    }

    let sweep = run(&fx, &["sweep", "--older-than", "1000w"])?;
    assert_eq!(sweep.code, Some(0), "{sweep}");
    let said = format!(
        "[cleanup] Finishing interrupted delete: {}",
        leftover.display()
    );
    assert!(sweep.stderr.contains(&said), "{said:?} missing:\n{sweep}");
    assert!(!exists(&leftover), "{sweep}");
    canaries.assert_intact("sweep");
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_symlinked_staging_folder_is_neither_followed_nor_used() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let victim = fx.root.path().join("victim-trash");
    plant(
        &victim.join(format!("{ENV_WEBAPP}--0e0e0e0e01--1")),
        "not staging",
    )?;
    symlink(&victim, &paths::staging_dir(&fx.data_dir))?;
    let id = demo_task_id("done", ENV_WEBAPP)?;
    let workspace = fx.workspace(ENV_WEBAPP, id);
    let canaries = canaries(&fx, &[&victim, &workspace]);

    let sweep = run(&fx, &["sweep", "--older-than", "1000w"])?;
    assert_eq!(sweep.code, Some(0), "{sweep}");
    canaries.assert_intact("sweep");

    let discard = run(&fx, &["discard", id])?;
    assert_eq!(discard.code, Some(1), "{discard}");
    discard.assert_refused(&paths::staging_dir(&data), "it is a symlink");
    canaries.assert_intact("discard");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 12. The lock
// ---------------------------------------------------------------------------------------

#[test]
fn a_held_lock_stops_a_second_janitor() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let lock_path = fx.data_dir.join(LOCK_FILE);
    fs::write(&lock_path, "pid 4242, safety-test holder, since now")?;
    let lock = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&lock_path)?;
    lock.try_lock()?;
    let canaries = canaries(&fx, &[&fx.data_dir]);
    let id = demo_task_id("done", ENV_WEBAPP)?;

    for args in [
        vec!["discard", id],
        vec!["sweep", "--older-than", "0", "--force"],
    ] {
        let blocked = run(&fx, &args)?;
        assert_eq!(blocked.code, Some(1), "{args:?}: {blocked}");
        let said = blocked.stderr.lines().any(|line| {
            line.contains("another agents-janitor")
                && line.contains(&*data.to_string_lossy())
                && line.contains("safety-test holder")
        });
        assert!(said, "{args:?}: {blocked}");
        canaries.assert_intact(&args.join(" "));
    }
    assert!(
        docker_calls(&fx)?.is_empty(),
        "docker ran under a held lock"
    );

    // Dry runs need no lock.
    let dry = run(&fx, &["discard", id, "--dry-run"])?;
    assert_eq!(dry.code, Some(0), "{dry}");
    canaries.assert_intact("discard --dry-run");
    drop(lock);
    Ok(())
}
