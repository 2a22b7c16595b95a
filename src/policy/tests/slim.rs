//! Slim plans: which tasks, which entries, and the refusals.

use super::*;
use crate::policy::{SlimInput, SlimSelection, slim_plan};

type TestResult = Result<(), PlanError>;

fn slim(
    world: &World,
    selection: SlimSelection,
    ignored: &HashMap<PathBuf, Result<Vec<PathBuf>, String>>,
) -> Result<crate::policy::SlimPlan, PlanError> {
    slim_with(world, selection, ignored, &HashMap::new())
}

fn slim_with(
    world: &World,
    selection: SlimSelection,
    ignored: &HashMap<PathBuf, Result<Vec<PathBuf>, String>>,
    repositories: &HashMap<PathBuf, PathBuf>,
) -> Result<crate::policy::SlimPlan, PlanError> {
    let sizes: HashMap<PathBuf, u64> = ignored
        .iter()
        .filter_map(|(ws, found)| Some((ws, found.as_ref().ok()?)))
        .flat_map(|(ws, found)| found.iter().map(move |entry| (ws.join(entry), 100)))
        .chain([(ws_path("env-c", "done1").join("target"), 5000)])
        .collect();
    slim_plan(
        &selection,
        &SlimInput {
            snapshot: &world.snapshot,
            ignored,
            sizes: &sizes,
            repositories,
        },
    )
}

#[test]
fn slim_plans_finished_tasks_ignored_entries_largest_first() -> TestResult {
    let archived = |mut task: TaskRecord| {
        task.archived = true;
        task
    };
    let world = World::new(vec![
        task("done1", "env-c", "done", Some(0)),
        archived(task("fail1", "env-c", "failed", Some(1))),
        task("fail2", "env-c", "failed", Some(1)),
        task("run1", "env-c", "running", None),
        task("mnt1", "env-m", "done", Some(0)),
        task("nogit", "env-c", "done", Some(0)),
        task("empty", "env-c", "done", Some(0)),
    ]);
    let entries = |names: &[&str]| Ok(names.iter().map(PathBuf::from).collect::<Vec<_>>());
    let ignored = HashMap::from([
        (
            ws_path("env-c", "done1"),
            entries(&["app.log", "target", ".git/x", "a/.git"]),
        ),
        (ws_path("env-c", "fail1"), entries(&["node_modules"])),
        (ws_path("env-c", "fail2"), entries(&["target"])),
        (ws_path("env-c", "run1"), entries(&["target"])),
        (
            ws_path("env-c", "nogit"),
            Err("not a git repository".to_owned()),
        ),
        (ws_path("env-c", "empty"), entries(&[])),
    ]);
    let all = slim(&world, SlimSelection::AllFinished, &ignored)?;
    let slimmed: Vec<(&str, Vec<&Path>, u64)> = all
        .workspaces
        .iter()
        .map(|ws| {
            let entries = ws.entries.iter().map(|e| e.path.as_path()).collect();
            (ws.task_id.as_str(), entries, ws.bytes)
        })
        .collect();
    assert_eq!(
        slimmed,
        [
            (
                "done1",
                vec![Path::new("target"), Path::new("app.log")],
                5100
            ),
            ("fail1", vec![Path::new("node_modules")], 100),
            ("fail2", vec![Path::new("target")], 100),
        ]
    );
    assert_eq!(all.bytes_to_free, 5300);
    // Over everything, only git's failure is worth a word (and a refusal).
    let skipped: Vec<(&str, bool)> = all
        .skipped
        .iter()
        .map(|s| (s.task_id.as_str(), s.refused))
        .collect();
    assert_eq!(skipped, [("nogit", true)]);

    let named = slim(
        &world,
        SlimSelection::Tasks(vec!["run1".into(), "mnt1".into(), "empty".into()]),
        &ignored,
    )?;
    assert!(named.is_empty());
    let reasons: Vec<(&str, bool)> = named
        .skipped
        .iter()
        .map(|s| (s.task_id.as_str(), s.refused))
        .collect();
    assert_eq!(reasons, [("run1", true), ("mnt1", false), ("empty", false)]);
    // Archive's `archive_slims_failed`: only the archived failed tasks' kept workspaces
    // (fail2, not archived yet, may still be finalizing).
    let failed = slim(&world, SlimSelection::KeptFailed, &ignored)?;
    let ids: Vec<&str> = failed
        .workspaces
        .iter()
        .map(|w| w.task_id.as_str())
        .collect();
    assert_eq!(ids, ["fail1"]);
    assert_eq!(
        slim(&world, SlimSelection::Tasks(vec!["../x".into()]), &ignored),
        Err(PlanError::UnknownTask("../x".into()))
    );
    Ok(())
}

/// An entry holding a repository of its own stays, named with why; the rest of its
/// workspace is slimmed, and a workspace left with nothing else is not.
#[test]
fn entries_holding_a_repository_are_left_alone() -> TestResult {
    let world = World::new(vec![
        task("done1", "env-c", "done", Some(0)),
        task("done2", "env-c", "done", Some(0)),
    ]);
    let entries = |names: &[&str]| Ok(names.iter().map(PathBuf::from).collect::<Vec<_>>());
    let ignored = HashMap::from([
        (ws_path("env-c", "done1"), entries(&["target", "vendor"])),
        (ws_path("env-c", "done2"), entries(&["deps"])),
    ]);
    let repositories = HashMap::from([
        (
            ws_path("env-c", "done1").join("vendor"),
            ws_path("env-c", "done1").join("vendor/lib/.git"),
        ),
        (
            ws_path("env-c", "done2").join("deps"),
            ws_path("env-c", "done2").join("deps/.git"),
        ),
    ]);
    let plan = slim_with(&world, SlimSelection::AllFinished, &ignored, &repositories)?;
    let slimmed: Vec<(&str, Vec<&Path>)> = plan
        .workspaces
        .iter()
        .map(|ws| {
            let entries = ws.entries.iter().map(|e| e.path.as_path()).collect();
            (ws.task_id.as_str(), entries)
        })
        .collect();
    assert_eq!(slimmed, [("done1", vec![Path::new("target")])]);
    let kept: Vec<(&str, &Path)> = plan
        .left_alone
        .iter()
        .map(|entry| (entry.task_id.as_str(), entry.path.as_path()))
        .collect();
    let (vendor, deps) = (
        ws_path("env-c", "done1").join("vendor"),
        ws_path("env-c", "done2").join("deps"),
    );
    assert_eq!(
        kept,
        [("done1", vendor.as_path()), ("done2", deps.as_path())]
    );
    assert!(
        plan.left_alone
            .iter()
            .all(|entry| entry.reason.contains("holds a git repository"))
    );
    Ok(())
}
