//! Symlinks and hard links: a workspace that is one, and links inside one to canaries.

use super::{
    CraftedTask, TestResult, assert_every_command_refuses, canaries, canonical_data, demo_task_id,
    exists, staging_entries, symlink,
};
use crate::common;
use agents_janitor::demo::ENV_WEBAPP;
use agents_janitor::store::paths;
use common::mini::plant;
use common::{Fixture, run};
use std::fs;
use std::path::Path;

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
    use agents_janitor::demo::ENV_API;
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
