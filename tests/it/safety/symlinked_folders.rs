//! Symlinks above the workspaces: an environment folder, `managed-repos`, staging behind
//! it.

use super::{
    CraftedTask, TestResult, add_environment, canaries, canonical_data, demo_task_id, symlink,
};
use crate::common;
use agents_janitor::demo::ENV_WEBAPP;
use agents_janitor::store::paths;
use common::mini::plant;
use common::{Fixture, run};
use std::error::Error;
use std::fs;
use std::path::PathBuf;

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
