//! Git states kept between listings (`state_cache`): used while the workspace's tree is
//! unchanged, never for a repository that reads files outside it.

use super::*;
use crate::git::state_cache::{GitSetup, StateCache};
use crate::scan::{Scanner, TreeStamp};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::SystemTime;

fn stamp(workspace: &Path) -> Result<TreeStamp, Box<dyn std::error::Error>> {
    Scanner::new(Arc::new(AtomicBool::new(false)))
        .scan_tree(workspace)
        .tree_stamp
        .ok_or_else(|| "a whole tree has a stamp".into())
}

/// A walk as long after the tree's last change as the settle rule asks: the test does
/// not wait for it.
fn settled_walk() -> SystemTime {
    SystemTime::now() + crate::scan::SETTLE_TIME * 2
}

#[test]
fn a_kept_state_is_used_while_the_tree_is_unchanged_and_dropped_when_it_changes() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    let ws = &fixture.workspace;
    let cache_dir = tempfile::tempdir()?;
    let records_file = cache_dir.path().join("records-00ff.json");
    let setup = GitSetup::current(OsStr::new("git")).ok_or("the git setup can be told")?;

    let inspection = fixture.inspect();
    assert!(inspection.repeatable);
    let tree = stamp(ws)?;
    let mut cache = StateCache::beside(&records_file, setup);
    assert!(cache.get(ws, &tree, None).is_none(), "nothing kept yet");
    cache.keep(ws, Some(&tree), settled_walk(), None, &inspection);
    cache.save()?;
    assert!(cache_dir.path().join("git-states-00ff.json").is_file());

    let cache = StateCache::beside(&records_file, setup);
    let kept = cache.get(ws, &tree, None).ok_or("kept for the same tree")?;
    assert_eq!(
        (&kept.status, &kept.ignored),
        (&inspection.status, &inspection.ignored)
    );
    assert_eq!(kept.git_runs, 0);
    assert!(
        cache.get(ws, &tree, Some("main")).is_none(),
        "another base branch"
    );

    // Work the agent did after the state was kept: the tree's stamp moves, the kept
    // state is not used, and git finds the new file.
    std::thread::sleep(std::time::Duration::from_millis(30));
    std::fs::write(ws.join("new.txt"), "not committed\n")?;
    let changed = stamp(ws)?;
    assert_ne!(changed, tree);
    assert!(cache.get(ws, &changed, None).is_none());
    assert_eq!(state(&fixture.inspect())?.uncommitted, 1);
    Ok(())
}

#[test]
fn a_repository_that_reads_outside_the_workspace_is_not_repeatable() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    let ws = &fixture.workspace;
    let git_dir = ws.join(".git");
    // Objects borrowed from another repository, which may lose them.
    let alternates = git_dir.join("objects/info/alternates");
    std::fs::write(
        &alternates,
        format!("{}\n", fixture.maintainer.join(".git/objects").display()),
    )?;
    assert!(!fixture.inspect().repeatable, "alternates");
    std::fs::remove_file(&alternates)?;
    // A config that includes another file.
    let config = git_dir.join("config");
    let original = std::fs::read_to_string(&config)?;
    std::fs::write(
        &config,
        format!("{original}[include]\n\tpath = /elsewhere/config\n"),
    )?;
    assert!(!fixture.inspect().repeatable, "include");
    std::fs::write(&config, original)?;
    assert!(fixture.inspect().repeatable);
    Ok(())
}
