//! Where the work went, on real repositories: merged, squash-merged, rebased, pushed,
//! unpushed, uncommitted, no commits, the task's base branch, no remote.

use super::*;

#[test]
fn pushed_but_open_takes_two_git_processes() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    let inspection = fixture.inspect();
    let state = state(&inspection)?;
    assert_eq!(state.work, Work::Pushed);
    assert_eq!(state.base.as_deref(), Some("origin/main"));
    assert_eq!((state.uncommitted, state.unpushed), (0, 0));
    assert_eq!(inspection.git_runs, 2, "status and one rev-list");
    Ok(())
}

#[test]
fn merged_by_a_merge_commit() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    fixture.refresh_maintainer()?;
    fixture.maintainer(&[
        "merge",
        "--quiet",
        "--no-ff",
        "-m",
        "Merge feat",
        "origin/feat",
    ])?;
    fixture.maintainer(&["push", "--quiet", "origin", "main"])?;
    // Before "Check remotes" the clone cannot know.
    assert_eq!(state(&fixture.inspect())?.work, Work::Pushed);
    fixture.check_remotes()?;
    let inspection = fixture.inspect();
    assert_eq!(state(&inspection)?.work, Work::Merged);
    assert_eq!(inspection.git_runs, 2);
    Ok(())
}

#[test]
fn fast_forward_merge_is_merged_not_no_commits() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    fixture.refresh_maintainer()?;
    fixture.maintainer(&["merge", "--quiet", "--ff-only", "origin/feat"])?;
    fixture.maintainer(&["push", "--quiet", "origin", "main"])?;
    fixture.check_remotes()?;
    // The branch tip is now the base's tip, but the branch did get commits.
    let inspection = fixture.inspect();
    assert_eq!(state(&inspection)?.work, Work::Merged);
    assert!(inspection.git_runs <= 2, "{} git runs", inspection.git_runs);
    Ok(())
}

#[test]
fn squash_merged_and_remote_branch_deleted() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    fixture.refresh_maintainer()?;
    fixture.maintainer(&["merge", "--quiet", "--squash", "origin/feat"])?;
    fixture.maintainer(&["commit", "--quiet", "-m", "feat (#1)"])?;
    // More work lands on main after the squash.
    commit(&fixture.maintainer, "later.txt", "later\n")?;
    fixture.maintainer(&["push", "--quiet", "origin", "main", ":feat"])?;
    fixture.check_remotes()?;
    let inspection = fixture.inspect();
    let state = state(&inspection)?;
    assert_eq!(state.work, Work::SquashMerged);
    // Its two commits are on no remote any more: unsaved, but merged.
    assert_eq!(state.unpushed, 2);
    assert!(inspection.status.unsaved_work_is_merged());
    assert!(inspection.git_runs <= 3, "{} git runs", inspection.git_runs);
    Ok(())
}

#[test]
fn rebased_and_merged() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    fixture.refresh_maintainer()?;
    commit(&fixture.maintainer, "other.txt", "someone else\n")?;
    // New commits with the same patches, as "Rebase and merge" makes them.
    fixture.maintainer(&["cherry-pick", "origin/main..origin/feat"])?;
    fixture.maintainer(&["push", "--quiet", "origin", "main", ":feat"])?;
    fixture.check_remotes()?;
    let inspection = fixture.inspect();
    assert_eq!(state(&inspection)?.work, Work::SquashMerged);
    assert_eq!(inspection.git_runs, 2, "the cherry marks settle it");
    Ok(())
}

#[test]
fn remote_branch_deleted_without_a_merge_is_unpushed() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    fixture.maintainer(&["push", "--quiet", "origin", ":feat"])?;
    commit(&fixture.maintainer, "other.txt", "main moves on\n")?;
    fixture.maintainer(&["push", "--quiet", "origin", "HEAD:main"])?;
    fixture.check_remotes()?;
    let state = fixture.inspect().status;
    assert_eq!(state.work(), Work::Unpushed { commits: 2 });
    assert!(state.has_unsaved_work() && !state.is_safe_to_delete());
    Ok(())
}

#[test]
fn unpushed_and_uncommitted_work() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    commit(&fixture.workspace, "c.txt", "c\n")?;
    let inspection = fixture.inspect();
    assert_eq!(state(&inspection)?.work, Work::Unpushed { commits: 1 });
    assert_eq!(inspection.git_runs, 2);
    std::fs::write(fixture.workspace.join("a.txt"), "changed\n")?;
    std::fs::write(fixture.workspace.join("new file.txt"), "new\n")?;
    let status = fixture.inspect().status;
    assert_eq!(status.work(), Work::Uncommitted { paths: 2 });
    assert_eq!(status.describe(), "2 uncommitted, 1 unpushed");
    Ok(())
}

#[test]
fn a_branch_that_never_got_a_commit() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::new()?;
    git(
        &fixture.workspace,
        &["checkout", "--quiet", "-b", "agents-runner/t1"],
    )?;
    let inspection = fixture.inspect();
    assert_eq!(state(&inspection)?.work, Work::NoCommits);
    assert_eq!(
        inspection.git_runs, 1,
        "the tip is the base: no rev-list needed"
    );
    // The clone's own branch, never moved since the clone, too.
    git(&fixture.workspace, &["checkout", "--quiet", "main"])?;
    assert_eq!(state(&fixture.inspect())?.work, Work::NoCommits);
    // An untracked file is work nonetheless.
    std::fs::write(fixture.workspace.join("notes.txt"), "notes\n")?;
    assert_eq!(
        fixture.inspect().status.work(),
        Work::Uncommitted { paths: 1 }
    );
    Ok(())
}

#[test]
fn merged_but_another_branch_holds_unpushed_work() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::new()?;
    let ws = &fixture.workspace;
    git(ws, &["checkout", "--quiet", "-b", "side"])?;
    commit(ws, "side.txt", "side\n")?;
    git(ws, &["checkout", "--quiet", "-b", "task", "main"])?;
    let inspection = fixture.inspect();
    assert_eq!(state(&inspection)?.work, Work::Unpushed { commits: 1 });
    assert_eq!(inspection.git_runs, 2, "one count of the other branch");
    Ok(())
}

#[test]
fn the_task_base_branch_is_compared_with() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let fixture = Fixture::with_pushed_branch()?;
    fixture.refresh_maintainer()?;
    fixture.maintainer(&["checkout", "--quiet", "-b", "develop", "origin/feat"])?;
    fixture.maintainer(&["push", "--quiet", "origin", "develop"])?;
    fixture.check_remotes()?;
    let on_develop = inspect_workspace(&fixture.workspace, Some("develop"), DEFAULT_GIT_TIMEOUT);
    let state = state(&on_develop)?;
    assert_eq!(
        (state.work.clone(), state.base.as_deref()),
        (Work::Merged, Some("origin/develop"))
    );
    assert_eq!(state_of(&fixture, None)?, Work::Pushed);
    Ok(())
}

fn state_of(fixture: &Fixture, base: Option<&str>) -> Result<Work, Box<dyn std::error::Error>> {
    Ok(
        inspect_workspace(&fixture.workspace, base, DEFAULT_GIT_TIMEOUT)
            .status
            .work(),
    )
}

#[test]
fn no_remote_detached_and_unborn() -> TestResult {
    if !need_git()? {
        return Ok(());
    }
    let root = tempfile::tempdir()?;
    git(root.path(), &["init", "--quiet"])?;
    std::fs::write(root.path().join("draft.txt"), "draft\n")?;
    let unborn = inspect(root.path(), DEFAULT_GIT_TIMEOUT);
    assert_eq!(counts(&unborn), Some((Some("main"), 1, 0)));
    assert_eq!(unborn.work(), Work::Uncommitted { paths: 1 });
    commit(root.path(), "draft.txt", "draft\n")?;
    let no_remote = inspect(root.path(), DEFAULT_GIT_TIMEOUT);
    assert_eq!(no_remote.work().label(), "unknown (no remote)");
    assert!(no_remote.has_unsaved_work(), "every commit is unpushed");
    let fixture = Fixture::new()?;
    git(&fixture.workspace, &["checkout", "--quiet", "--detach"])?;
    let detached = fixture.inspect().status;
    assert_eq!(counts(&detached), Some((None, 0, 0)));
    assert_eq!(detached.work().label(), "unknown (detached HEAD)");
    commit(&fixture.workspace, "x.txt", "x\n")?;
    assert_eq!(
        fixture.inspect().status.work(),
        Work::Unpushed { commits: 1 }
    );
    Ok(())
}
