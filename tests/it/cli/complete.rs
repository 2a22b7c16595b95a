//! `complete`: done workspaces go, failed ones stay.

use super::{
    BrokenFiles, TestResult, active_record, canonical_data, class, demo_task, exists,
    is_cloned_with_folder, logs_of, read_toml,
};
use crate::common;
use agents_janitor::demo::DemoWorkspace;
use agents_janitor::status::StatusClass;
use common::{Fixture, run, tree_digest};

#[test]
fn complete_deletes_done_workspaces_and_keeps_failed_ones() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let data = canonical_data(&fx)?;
    let done = demo_task("done with a clean checkout", |t| {
        !t.archived
            && t.status == "done"
            && is_cloned_with_folder(t)
            && t.workspace == DemoWorkspace::Clean
    })?;
    let failed = demo_task("failed with a clean checkout", |t| {
        !t.archived && class(t) == StatusClass::Failed && t.workspace == DemoWorkspace::Clean
    })?;

    let completed = run(&fx, &["complete", done.id])?;
    assert_eq!(completed.code, Some(0), "{completed}");
    broken.assert_reported(&completed);
    assert!(!exists(&fx.workspace(done.env_id, done.id)));
    // Completion cleans the workspace but leaves the record where it is, with the log.
    let record = read_toml(&active_record(&data, done.id))?;
    assert_eq!(
        record.get("status").and_then(toml::Value::as_str),
        Some("done")
    );
    assert!(
        logs_of(&record)
            .iter()
            .any(|line| line.starts_with("[cleanup/janitor][INFO] Removing task workspace:")),
        "cleanup not logged in the record"
    );

    let failed_workspace = fx.workspace(failed.env_id, failed.id);
    let failed_before = tree_digest(&failed_workspace);
    let kept = run(&fx, &["complete", failed.id])?;
    assert_eq!(kept.code, Some(0), "{kept}");
    assert!(kept.stdout.contains("kept for debugging"), "{kept}");
    assert!(failed_before == tree_digest(&failed_workspace));

    let deleted = run(&fx, &["complete", failed.id, "--delete-failed"])?;
    assert_eq!(deleted.code, Some(0), "{deleted}");
    assert!(!exists(&failed_workspace));
    broken.assert_intact()
}
