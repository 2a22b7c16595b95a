//! Environments whose folders are not ours: a mounted one, one missing from
//! `environments.json`.

use super::{CraftedTask, TestResult, add_environment, canaries, canonical_data};
use crate::common;
use agents_janitor::demo::{ENV_NOTES, NOTES_DIR, TASKS};
use agents_janitor::store::paths;
use common::mini::plant;
use common::{Fixture, run};
use std::fs;

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
