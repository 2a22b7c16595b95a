//! Crash leftovers in staging: finished by the next real run, never through a symlink.

use super::{TestResult, canaries, canonical_data, demo_task_id, exists, symlink};
use crate::common;
use agents_janitor::demo::ENV_WEBAPP;
use agents_janitor::store::paths;
use common::mini::plant;
use common::{Fixture, run, tree_digest};

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
