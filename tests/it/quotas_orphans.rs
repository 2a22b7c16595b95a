//! `usage` quota states, `enforce-quotas` and `orphans` from the command line, with the
//! settings file (`--config`) deciding the quotas and the delete mode.

use crate::common;

use common::mini::{Canaries, ENV, Mini, TestResult, fill, make_old};
use common::{Run, tree_digest};
use serde_json::Value;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// A workspace of `files` small files for task `id`, last changed `days` ago.
fn workspace(mini: &Mini, env: &str, id: &str, files: usize, days: u64) -> TestResult {
    let path = mini.workspace(env, id);
    fill(&path, files)?;
    make_old(&path, days)
}

/// Writes the settings file the runs get with `--config`.
fn write_config(mini: &Mini, text: &str) -> Result<PathBuf, Box<dyn Error>> {
    let path = mini.root.path().join("janitor.toml");
    fs::write(&path, text)?;
    Ok(path)
}

/// Runs the janitor with `--config CONFIG` before `args`.
fn run(mini: &Mini, config: &Path, args: &[&str]) -> Result<Run, Box<dyn Error>> {
    let config = config.to_str().ok_or("config path is not UTF-8")?;
    let mut all = vec!["--config", config];
    all.extend_from_slice(args);
    mini.run(&all)
}

/// On-disk bytes of each workspace, by task folder, as `usage --json` measures them.
fn workspace_sizes(
    mini: &Mini,
    config: &Path,
) -> Result<std::collections::BTreeMap<String, u64>, Box<dyn Error>> {
    let usage = run(mini, config, &["usage", "--json"])?;
    assert_eq!(usage.code, Some(0), "{usage}");
    let doc = usage.json()?;
    let rows = doc["workspaces"].as_array().ok_or("no workspaces array")?;
    rows.iter()
        .map(|row| {
            let folder = row["task_folder"].as_str().ok_or("no task_folder")?;
            let bytes = row["disk_bytes"].as_u64().ok_or("no disk_bytes")?;
            Ok((folder.to_owned(), bytes))
        })
        .collect()
}

/// Task ids of a plan's steps, in plan order.
fn planned(doc: &Value) -> Vec<String> {
    doc["plan"]["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .filter_map(|step| step["task_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Makes `path` a git checkout with an uncommitted file: unsaved work.
fn make_unsaved(path: &Path) -> TestResult {
    let status = Command::new("git")
        .args(["init", "-q"])
        .current_dir(path)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()?;
    assert!(status.success(), "git init failed in {}", path.display());
    Ok(())
}

#[test]
fn usage_shows_each_quota_state_from_the_same_sizes() -> TestResult {
    let mini = Mini::new()?;
    let envs = ["env-a0000001", "env-a0000002", "env-a0000003"];
    mini.write_environments(&envs.map(|env| (env, "cloned")))?;
    for (index, env) in envs.iter().enumerate() {
        let id = format!("b000000{index}");
        mini.add_task(&id, env, "done")?;
        workspace(&mini, env, &id, 6, 3)?;
    }
    let config = write_config(&mini, "")?;
    let sizes = workspace_sizes(&mini, &config)?;
    let used = |index: usize| sizes.get(&format!("b000000{index}")).copied().unwrap_or(0);
    assert!(
        (0..3).all(|i| used(i) > 0),
        "every workspace is sized: {sizes:?}"
    );
    // ok: 10% of the limit; warning: 90% with a warning at 80%; over: twice the limit.
    let config = write_config(
        &mini,
        &format!(
            "[quotas.{}]\nlimit = {}\n\n[quotas.{}]\nlimit = {}\nwarn_percent = 80\nauto_clean = true\n\n[quotas.{}]\nlimit = {}\n",
            envs[0],
            used(0) * 10,
            envs[1],
            used(1) * 10 / 9,
            envs[2],
            used(2) / 2,
        ),
    )?;

    let text = run(&mini, &config, &["usage"])?;
    assert_eq!(text.code, Some(0), "{text}");
    let quota_line = |env: &str| {
        text.stdout
            .lines()
            .skip_while(|line| !line.starts_with("Quotas"))
            .find(|line| line.trim_start().starts_with(env))
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let ok = quota_line(envs[0]);
    assert!(
        ok.contains(" ok ") && ok.contains("10%") && ok.ends_with("off"),
        "{text}"
    );
    let warning = quota_line(envs[1]);
    assert!(
        warning.contains("warning") && warning.ends_with("on"),
        "{text}"
    );
    assert!(quota_line(envs[2]).contains("over quota"), "{text}");

    let json = run(&mini, &config, &["usage", "--json"])?;
    assert_eq!(json.code, Some(0), "{json}");
    let doc = json.json()?;
    let quotas = doc["quotas"].as_array().ok_or("no quotas array")?;
    let levels: Vec<&str> = quotas.iter().filter_map(|q| q["level"].as_str()).collect();
    assert_eq!(levels, ["ok", "warning", "over"], "{json}");
    for (index, quota) in quotas.iter().enumerate() {
        assert_eq!(quota["env_id"], envs[index]);
        assert_eq!(
            quota["used_bytes"].as_u64(),
            Some(used(index)),
            "the quota counts the sizes the table shows: {json}"
        );
        assert_eq!(quota["not_sized"], 0);
    }
    assert_eq!(quotas[1]["auto_clean"], true);
    assert_eq!(quotas[2]["limit_bytes"].as_u64(), Some(used(2) / 2));
    Ok(())
}

#[test]
fn enforce_quotas_deletes_the_oldest_finished_until_under_and_says_why_it_cannot() -> TestResult {
    let mini = Mini::new()?;
    // Finished and finalized, oldest first: these may go.
    for (id, days) in [("c0000001", 9), ("c0000002", 7), ("c0000003", 5)] {
        mini.add_task(id, ENV, "done")?;
        workspace(&mini, ENV, id, 4, days)?;
    }
    // Older still, but never deleted for a quota.
    mini.add_task("c0000004", ENV, "running")?;
    workspace(&mini, ENV, "c0000004", 4, 20)?;
    mini.add_task("c0000005", ENV, "failed")?;
    workspace(&mini, ENV, "c0000005", 4, 20)?;
    let unsaved = common::git_available();
    if !unsaved {
        common::cannot_run("no git: the workspace with unsaved work is left out")?;
    }
    if unsaved {
        mini.add_task("c0000006", ENV, "done")?;
        let path = mini.workspace(ENV, "c0000006");
        fill(&path, 4)?;
        make_unsaved(&path)?;
        make_old(&path, 20)?;
    }
    let canaries = Canaries::new(&mini, &[]);

    let none = run(&mini, &write_config(&mini, "")?, &["enforce-quotas"])?;
    assert_eq!(none.code, Some(0), "{none}");
    assert!(
        none.stdout.contains("No quotas are configured")
            && none.stdout.contains("config set quotas.<env>.limit"),
        "{none}"
    );

    let sizes = workspace_sizes(&mini, &write_config(&mini, "")?)?;
    let size = |id: &str| sizes.get(id).copied().unwrap_or(0);
    let used: u64 = sizes.values().sum();
    // Under only once the two oldest finished workspaces are gone.
    let limit = used - size("c0000001") - size("c0000002");
    let config = write_config(
        &mini,
        &format!("keep_on_error = true\n[quotas.{ENV}]\nlimit = {limit}\n"),
    )?;

    let unknown = run(&mini, &config, &["enforce-quotas", "--env", "env-nope"])?;
    assert_eq!(unknown.code, Some(2), "{unknown}");
    assert!(
        unknown.stderr.contains("no quota for environment"),
        "{unknown}"
    );

    let before = tree_digest(&mini.data_dir);
    let dry = run(&mini, &config, &["enforce-quotas", "--dry-run", "--json"])?;
    assert_eq!(dry.code, Some(0), "{dry}");
    assert_eq!(planned(&dry.json()?), ["c0000001", "c0000002"], "{dry}");
    let dry_text = run(&mini, &config, &["enforce-quotas", "--dry-run"])?;
    assert!(
        dry_text.stdout.contains("Dry run: nothing was changed.")
            && dry_text.stdout.contains("over its quota"),
        "{dry_text}"
    );
    assert_eq!(
        tree_digest(&mini.data_dir),
        before,
        "a dry run changes nothing"
    );

    let enforced = run(&mini, &config, &["enforce-quotas"])?;
    assert_eq!(enforced.code, Some(0), "{enforced}");
    assert!(!mini.workspace(ENV, "c0000001").exists(), "{enforced}");
    assert!(!mini.workspace(ENV, "c0000002").exists(), "{enforced}");
    assert!(
        mini.workspace(ENV, "c0000003").exists(),
        "under after two: {enforced}"
    );
    assert!(!enforced.stdout.contains("stays over"), "{enforced}");

    // A limit nothing can reach: the last finished one goes, the rest stays, and why.
    let config = write_config(
        &mini,
        &format!("keep_on_error = true\n[quotas.{ENV}]\nlimit = 1\n"),
    )?;
    let over = run(&mini, &config, &["enforce-quotas"])?;
    assert_eq!(
        over.code,
        Some(0),
        "staying over is the policy at work: {over}"
    );
    assert!(!mini.workspace(ENV, "c0000003").exists(), "{over}");
    for id in ["c0000004", "c0000005"] {
        assert!(mini.workspace(ENV, id).exists(), "{id} must stay: {over}");
    }
    let warning = over
        .stdout
        .lines()
        .find(|line| line.contains("stays over its quota"))
        .ok_or_else(|| format!("no stays-over warning:\n{over}"))?;
    assert!(warning.contains(ENV), "{warning}");
    assert!(warning.contains("active"), "{warning}");
    assert!(
        warning.contains("kept for debugging (keep_on_error)"),
        "{warning}"
    );
    if unsaved {
        assert!(mini.workspace(ENV, "c0000006").exists(), "{over}");
        assert!(warning.contains("unsaved git work"), "{warning}");
    }
    canaries.assert_intact("enforce-quotas");
    Ok(())
}

/// The mini data dir with a recorded workspace, an old and a young orphan, and a legacy
/// checkout in the environment's folder itself.
struct OrphanWorld {
    mini: Mini,
    recorded: PathBuf,
    old_orphan: PathBuf,
    young_orphan: PathBuf,
    legacy: PathBuf,
}

impl OrphanWorld {
    fn new() -> Result<Self, Box<dyn Error>> {
        let mini = Mini::new()?;
        mini.add_task("d0000001", ENV, "running")?;
        workspace(&mini, ENV, "d0000001", 3, 3)?;
        workspace(&mini, ENV, "e0000001", 3, 3)?;
        let young_orphan = mini.workspace(ENV, "e0000002");
        fill(&young_orphan, 3)?;
        let legacy = mini.data_dir.join("managed-repos").join(ENV);
        fs::create_dir_all(legacy.join(".git"))?;
        fs::write(legacy.join(".git").join("HEAD"), "ref: refs/heads/main\n")?;
        fs::write(legacy.join("README.md"), "an old checkout\n")?;
        Ok(Self {
            recorded: mini.workspace(ENV, "d0000001"),
            old_orphan: mini.workspace(ENV, "e0000001"),
            young_orphan,
            legacy,
            mini,
        })
    }

    /// Everything but the orphans: none of it may change.
    fn canaries(&self) -> Canaries {
        Canaries::new(
            &self.mini,
            &[
                &self.recorded,
                &self.legacy.join(".git"),
                &self.legacy.join("README.md"),
                &self.mini.data_dir.join("tasks"),
            ],
        )
    }
}

#[test]
fn orphans_lists_orphan_folders_and_legacy_checkouts() -> TestResult {
    let world = OrphanWorld::new()?;
    let config = write_config(&world.mini, "")?;

    let text = run(&world.mini, &config, &["orphans"])?;
    assert_eq!(text.code, Some(0), "{text}");
    for orphan in [&world.old_orphan, &world.young_orphan] {
        assert!(
            text.stdout.contains(&orphan.display().to_string()),
            "{text}"
        );
    }
    assert!(
        !text.stdout.contains(&world.recorded.display().to_string()),
        "a recorded workspace is no orphan: {text}"
    );
    let legacy_line = text
        .stdout
        .lines()
        .find(|line| line.ends_with("(legacy checkout: never deleted automatically)"))
        .ok_or_else(|| format!("no legacy checkout line:\n{text}"))?;
    assert!(
        legacy_line.contains(&world.legacy.display().to_string()),
        "{text}"
    );

    let json = run(&world.mini, &config, &["orphans", "--json"])?;
    assert_eq!(json.code, Some(0), "{json}");
    let doc = json.json()?;
    let orphans = doc["orphans"].as_array().ok_or("no orphans array")?;
    let folders: Vec<&str> = orphans
        .iter()
        .filter_map(|o| o["folder"].as_str())
        .collect();
    assert_eq!(folders, ["e0000001", "e0000002"], "{json}");
    let old = &orphans[0];
    assert_eq!(old["env_folder"], ENV);
    assert!(old["disk_bytes"].as_u64().is_some_and(|b| b > 0), "{json}");
    assert!(
        old["age_hours"].as_f64().is_some_and(|h| h > 70.0),
        "{json}"
    );
    assert!(
        orphans[1]["age_hours"].as_f64().is_some_and(|h| h < 1.0),
        "{json}"
    );
    let legacy = doc["legacy_checkouts"]
        .as_array()
        .ok_or("no legacy array")?;
    assert_eq!(legacy.len(), 1, "{json}");
    assert_eq!(legacy[0]["path"], world.legacy.display().to_string());
    assert_eq!(
        legacy[0]["note"],
        "legacy checkout: never deleted automatically"
    );
    Ok(())
}

#[test]
fn orphans_delete_takes_only_old_orphans() -> TestResult {
    let world = OrphanWorld::new()?;
    let config = write_config(&world.mini, "")?;
    let canaries = world.canaries();

    let before = tree_digest(&world.mini.data_dir);
    let dry = run(&world.mini, &config, &["orphans", "--delete", "--dry-run"])?;
    assert_eq!(dry.code, Some(0), "{dry}");
    assert_eq!(tree_digest(&world.mini.data_dir), before, "{dry}");

    let deleted = run(&world.mini, &config, &["orphans", "--delete"])?;
    assert_eq!(deleted.code, Some(0), "{deleted}");
    assert!(!world.old_orphan.exists(), "{deleted}");
    assert!(world.young_orphan.exists(), "{deleted}");
    // The young one is shown as skipped, and why.
    let skipped = deleted
        .stdout
        .lines()
        .skip_while(|line| *line != "Skipped:")
        .any(|line| line.contains("e0000002") && line.contains("still creating"));
    assert!(skipped, "{deleted}");
    assert!(
        deleted.stdout.contains("legacy checkout(s) left alone"),
        "{deleted}"
    );
    canaries.assert_intact("orphans --delete");
    Ok(())
}

// The home trash layout is that of freedesktop systems.
#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn delete_mode_trash_sends_orphans_to_the_trash_unless_no_trash() -> TestResult {
    let world = OrphanWorld::new()?;
    let second = world.mini.workspace(ENV, "e0000003");
    workspace(&world.mini, ENV, "e0000003", 2, 3)?;
    let config = write_config(&world.mini, "delete_mode = \"trash\"\n")?;
    let trash_files = world.mini.root.path().join("xdg-data/Trash/files");

    let both = run(
        &world.mini,
        &config,
        &["orphans", "--delete", "--trash", "--no-trash"],
    )?;
    assert_eq!(
        both.code,
        Some(2),
        "--trash and --no-trash conflict: {both}"
    );

    // Only the old orphan: the second one is made young for this run.
    make_old(&second, 0)?;
    let old_digest = tree_digest(&world.old_orphan);
    let trashed = run(&world.mini, &config, &["orphans", "--delete"])?;
    assert_eq!(trashed.code, Some(0), "{trashed}");
    assert!(trashed.stdout.contains("to move to trash"), "{trashed}");
    assert!(!world.old_orphan.exists(), "{trashed}");
    assert_eq!(
        tree_digest(&trash_files.join("e0000001")),
        old_digest,
        "whole in the trash: {trashed}"
    );

    make_old(&second, 3)?;
    let deleted = run(&world.mini, &config, &["orphans", "--delete", "--no-trash"])?;
    assert_eq!(deleted.code, Some(0), "{deleted}");
    assert!(!second.exists(), "{deleted}");
    assert!(
        !trash_files.join("e0000003").exists(),
        "--no-trash deletes: {deleted}"
    );
    assert!(world.young_orphan.exists(), "{deleted}");
    Ok(())
}

#[test]
fn an_orphan_that_gains_a_record_after_the_plan_is_not_deleted() -> TestResult {
    use agents_janitor::container::ContainerRuntime;
    use agents_janitor::executor::{self, Executor};
    use agents_janitor::policy::{Action, DeleteMode};
    use agents_janitor::store::Snapshot;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    let mini = Mini::new()?;
    let id = "0ab1e00001";
    workspace(&mini, ENV, id, 3, 3)?;
    let snapshot = Snapshot::load(&mini.data_dir)?;
    let cancel = Arc::new(AtomicBool::new(false));
    let action = Action::DeleteOrphans {
        paths: Vec::new(),
        allow_unsaved: false,
    };
    let plan = executor::prepare(
        &action,
        &snapshot,
        &mut Default::default(),
        &cancel,
        SystemTime::now(),
        DeleteMode::Delete,
    )?;
    assert_eq!(plan.workspace_paths(), [mini.workspace(ENV, id)]);
    // Agents-Runner writes the task's record between the plan and the delete.
    fs::write(
        mini.data_dir.join("tasks").join(format!("{id}.toml")),
        format!("task_id = \"{id}\"\nenvironment_id = \"{ENV}\"\nstatus = \"running\"\n"),
    )?;
    let before = tree_digest(&mini.workspace(ENV, id));
    let executor = Executor::new(&mini.data_dir, cancel, ContainerRuntime::default());
    let report = executor.execute(&plan, &|_| {})?;
    assert_eq!((report.steps_ok, report.steps_failed), (0, 1));
    assert!(
        report.outcomes[0].messages[0].contains("a task record for it appeared"),
        "{:?}",
        report.outcomes[0].messages
    );
    assert_eq!(before, tree_digest(&mini.workspace(ENV, id)));
    Ok(())
}
