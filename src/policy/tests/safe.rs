//! Where the work went, in plans: the schedule's `delete_merged_unsaved`, and "Delete
//! safe workspaces".

use super::*;

/// `delete_merged_unsaved`: the schedule (and the CLI's archive and sweep, which the
/// systemd service runs) lets a finished task's unpushed commits go when they are merged
/// or squash-merged into the base, and only then.
#[test]
fn the_schedule_deletes_unsaved_work_only_when_it_is_merged() -> Result<(), PlanError> {
    let cases = [
        ("squash", state(3, 0, Work::SquashMerged), true),
        ("merged", state(1, 0, Work::Merged), true),
        (
            "unpushed",
            state(2, 0, Work::Unpushed { commits: 2 }),
            false,
        ),
        ("dirty", state(0, 1, Work::Uncommitted { paths: 1 }), false),
    ];
    let mut world = World::new(
        cases
            .iter()
            .map(|(id, _, _)| task(id, "env-c", "done", Some(0)))
            .collect(),
    );
    for (id, git, _) in &cases {
        world.git.insert(ws_path("env-c", id), git.clone());
    }
    let scheduled = |merged_unsaved| Action::Scheduled {
        slim_failed: false,
        keep_on_error: true,
        allow_unsaved: false,
        clean_done: true,
        older_than_hours: 24.0,
        quotas: BTreeMap::new(),
        merged_unsaved,
    };
    let with = world.plan(&scheduled(true))?;
    let without = world.plan(&scheduled(false))?;
    for (id, _, goes) in &cases {
        let want = if *goes { "archive+ws" } else { "archive" };
        assert_eq!(describe(&with, id), want, "{id} with the setting");
        assert_eq!(describe(&without, id), "archive", "{id} without it");
    }
    assert!(
        with.warnings
            .iter()
            .any(|w| w.contains("squash") && w.contains("nothing is lost")),
        "{:?}",
        with.warnings
    );
    // The CLI's archive and sweep (what the systemd service runs) follow it too; the
    // window's own buttons pass it off.
    for merged_unsaved in [true, false] {
        let archive = world.plan(&Action::Archive {
            merged_unsaved,
            keep_on_error: true,
            allow_unsaved: false,
            clean_done: true,
        })?;
        let sweep = world.plan(&Action::Sweep {
            merged_unsaved,
            older_than_hours: 24.0,
            env_id: None,
            force: false,
            allow_unsaved: false,
        })?;
        let (archived, swept) = if merged_unsaved {
            ("archive+ws", "keep+ws")
        } else {
            ("archive", "skip")
        };
        assert_eq!(describe(&archive, "squash"), archived);
        assert_eq!(describe(&sweep, "squash"), swept);
        assert_eq!(describe(&sweep, "unpushed"), "skip");
    }
    Ok(())
}

/// "Delete safe workspaces": only finished tasks whose work is merged, squash-merged,
/// pushed and clean, or without commits; anything else is refused, a workspace git was
/// not asked about is planned so the executor asks.
#[test]
fn delete_safe_takes_only_provably_safe_workspaces() -> Result<(), PlanError> {
    let cases = [
        ("merged", "done", Some(state(0, 0, Work::Merged)), "keep+ws"),
        (
            "squash",
            "failed",
            Some(state(2, 0, Work::SquashMerged)),
            "keep+ws",
        ),
        ("pushed", "done", Some(state(0, 0, Work::Pushed)), "keep+ws"),
        (
            "fresh",
            "done",
            Some(state(0, 0, Work::NoCommits)),
            "keep+ws",
        ),
        (
            "ahead",
            "done",
            Some(state(1, 0, Work::Unpushed { commits: 1 })),
            "skip",
        ),
        (
            "dirty",
            "done",
            Some(state(0, 3, Work::Uncommitted { paths: 3 })),
            "skip",
        ),
        (
            "nogit",
            "done",
            Some(GitStatus::Unknown {
                reason: "not a git repository".into(),
            }),
            "skip",
        ),
        ("live", "running", Some(state(0, 0, Work::Merged)), "skip"),
        ("unasked", "done", None, "keep+ws"),
    ];
    let mut world = World::new(
        cases
            .iter()
            .map(|(id, status, _, _)| task(id, "env-c", status, Some(0)))
            .collect(),
    );
    for (id, _, git, _) in &cases {
        if let Some(git) = git {
            world.git.insert(ws_path("env-c", id), git.clone());
        }
    }
    let task_ids = cases.iter().map(|(id, ..)| id.to_string()).collect();
    let plan = world.plan(&Action::DeleteSafe { task_ids })?;
    for (id, _, _, want) in &cases {
        assert_eq!(describe(&plan, id), *want, "{id}");
    }
    for refused in ["ahead", "dirty", "nogit", "live"] {
        assert!(
            plan.skipped
                .iter()
                .any(|s| s.task_id == refused && s.refused),
            "{refused}: {:?}",
            plan.skipped
        );
    }
    assert!(
        plan.warnings.iter().any(|w| w.contains("squash-merged")),
        "{:?}",
        plan.warnings
    );
    assert_eq!(
        world.plan(&Action::DeleteSafe {
            task_ids: vec!["../x".into()]
        }),
        Err(PlanError::UnknownTask("../x".into()))
    );
    Ok(())
}
