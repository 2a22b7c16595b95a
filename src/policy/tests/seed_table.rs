//! What each action does to each status: the seed table, archive, discard, completion.

use super::*;
use crate::status::StatusClass;

#[test]
fn the_seed_table_for_every_status_and_action() -> Result<(), PlanError> {
    // status, exit code, archive, discard, sweep, completion (keep_on_error, not forced)
    type Row = (
        &'static str,
        Option<i64>,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    );
    let table: &[Row] = &[
        ("queued", None, "skip", "skip", "skip", "skip"),
        ("pulling", None, "skip", "skip", "skip", "skip"),
        ("cloning", None, "skip", "skip", "skip", "skip"),
        ("created", None, "skip", "skip", "skip", "skip"),
        ("starting", None, "skip", "skip", "skip", "skip"),
        ("running", None, "skip", "skip", "skip", "skip"),
        ("cleaning", None, "skip", "skip", "skip", "skip"),
        ("paused", None, "skip", "skip", "skip", "skip"),
        ("restarting", None, "skip", "skip", "skip", "skip"),
        ("removing", None, "skip", "skip", "skip", "skip"),
        (
            "done",
            Some(0),
            "archive+ws",
            "discard+ws",
            "keep+ws",
            "keep+ws",
        ),
        (
            "cancelled",
            None,
            "archive+ws",
            "discard+ws",
            "keep+ws",
            "keep+ws",
        ),
        (
            "killed",
            None,
            "archive+ws",
            "discard+ws",
            "keep+ws",
            "keep+ws",
        ),
        (
            "exited",
            Some(0),
            "archive+ws",
            "discard+ws",
            "keep+ws",
            "keep+ws",
        ),
        (
            "exited",
            Some(3),
            "archive",
            "discard+ws",
            "keep+ws",
            "skip",
        ),
        (
            "failed",
            Some(1),
            "archive",
            "discard+ws",
            "keep+ws",
            "skip",
        ),
        ("error", None, "archive", "discard+ws", "keep+ws", "skip"),
        ("dead", None, "archive", "discard+ws", "keep+ws", "skip"),
        (
            "discarded",
            None,
            "archive+ws",
            "archive+ws",
            "keep+ws",
            "keep+ws",
        ),
        ("mystery", None, "skip", "skip", "skip", "skip"),
    ];
    for (row, (status, code, archive, discard, sweep, complete)) in table.iter().enumerate() {
        let id = format!("t{row:02}");
        let world = World::new(vec![task(&id, "env-c", status, *code)]);
        let ids = vec![id.clone()];
        let actions = [
            (
                Action::Archive {
                    merged_unsaved: false,
                    keep_on_error: true,
                    allow_unsaved: false,
                    clean_done: true,
                },
                archive,
            ),
            (
                Action::Discard {
                    task_ids: ids.clone(),
                    force: false,
                },
                discard,
            ),
            (
                Action::Sweep {
                    merged_unsaved: false,
                    older_than_hours: 24.0,
                    env_id: None,
                    force: false,
                    allow_unsaved: false,
                },
                sweep,
            ),
            (
                Action::Complete {
                    task_ids: ids,
                    keep_on_error: true,
                    force: false,
                },
                complete,
            ),
        ];
        for (action, want) in actions {
            let got = describe(&world.plan(&action)?, &id);
            assert_eq!(&got, want, "{status} {code:?} under {}", action.verb());
        }
    }
    Ok(())
}

#[test]
fn without_keep_on_error_failed_workspaces_go_too() -> Result<(), PlanError> {
    let world = World::new(vec![task("f1", "env-c", "failed", Some(1))]);
    let kept = world.plan(&Action::Complete {
        task_ids: vec!["f1".into()],
        keep_on_error: true,
        force: false,
    })?;
    assert!(
        kept.skipped.iter().all(|s| !s.refused),
        "a policy choice, not a refusal"
    );
    let archive = world.plan(&Action::Archive {
        merged_unsaved: false,
        keep_on_error: false,
        allow_unsaved: false,
        clean_done: true,
    })?;
    assert_eq!(describe(&archive, "f1"), "archive+ws");
    let complete = world.plan(&Action::Complete {
        task_ids: vec!["f1".into()],
        keep_on_error: false,
        force: false,
    })?;
    assert_eq!(describe(&complete, "f1"), "keep+ws");
    Ok(())
}

#[test]
fn archive_cleans_done_false_keeps_only_the_workspaces_of_tasks_that_ended_well()
-> Result<(), PlanError> {
    // status, exit code, archive with clean_done = false (keep_on_error = false)
    let table = [
        ("done", Some(0), "archive"),
        ("exited", Some(0), "archive"),
        ("failed", Some(1), "archive+ws"),
        ("discarded", None, "archive+ws"),
    ];
    for (row, (status, code, want)) in table.into_iter().enumerate() {
        let id = format!("t{row}");
        let world = World::new(vec![task(&id, "env-c", status, code)]);
        let plan = world.plan(&Action::Archive {
            merged_unsaved: false,
            keep_on_error: false,
            allow_unsaved: false,
            clean_done: false,
        })?;
        assert_eq!(describe(&plan, &id), want, "{status} {code:?}");
        if want == "archive" {
            let reason = &plan.steps[0].reason;
            assert!(
                reason.ends_with("workspace kept (archive_cleans_done = false)"),
                "{reason}"
            );
        }
    }
    Ok(())
}

#[test]
fn archive_waits_for_finalization_and_ignores_archived_records() -> Result<(), PlanError> {
    let mut pending = task("p1", "env-c", "done", Some(0));
    pending.finalization_state = Some("pending".into());
    let mut archived = task("a1", "env-c", "done", Some(0));
    archived.archived = true;
    let world = World::new(vec![pending, archived]);
    let plan = world.plan(&Action::Archive {
        merged_unsaved: false,
        keep_on_error: true,
        allow_unsaved: false,
        clean_done: true,
    })?;
    assert_eq!(describe(&plan, "p1"), "skip");
    assert_eq!(describe(&plan, "a1"), "none");
    Ok(())
}

#[test]
fn force_lets_active_tasks_through_with_a_warning() -> Result<(), PlanError> {
    let world = World::new(vec![task("r1", "env-c", "running", None)]);
    let refused = world.plan(&Action::Discard {
        task_ids: vec!["r1".into()],
        force: false,
    })?;
    assert!(
        refused.skipped.iter().all(|s| s.refused),
        "{:?}",
        refused.skipped
    );
    let plan = world.plan(&Action::Discard {
        task_ids: vec!["r1".into()],
        force: true,
    })?;
    assert_eq!(describe(&plan, "r1"), "discard+ws");
    assert!(
        plan.warnings.iter().any(|w| w.contains("forced")),
        "{:?}",
        plan.warnings
    );
    let sweep = world.plan(&Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 24.0,
        env_id: None,
        force: true,
        allow_unsaved: false,
    })?;
    assert_eq!(describe(&sweep, "r1"), "keep+ws");
    Ok(())
}

#[test]
fn a_task_named_twice_is_planned_once() -> Result<(), PlanError> {
    let world = World::new(vec![task("t1", "env-c", "done", Some(0))]);
    let ids = vec!["t1".to_owned(), "t1".to_owned()];
    let discard = world.plan(&Action::Discard {
        task_ids: ids.clone(),
        force: false,
    })?;
    assert_eq!((discard.steps.len(), discard.bytes_to_free), (1, 1000));
    let complete = world.plan(&Action::Complete {
        task_ids: ids,
        keep_on_error: true,
        force: false,
    })?;
    assert_eq!((complete.steps.len(), complete.bytes_to_free), (1, 1000));
    Ok(())
}

#[test]
fn bad_requests_are_errors() {
    let world = World::new(vec![task("t1", "env-c", "done", Some(0))]);
    assert_eq!(
        world.plan(&Action::Discard {
            task_ids: vec!["nope".into()],
            force: false
        }),
        Err(PlanError::UnknownTask("nope".into()))
    );
    assert!(matches!(
        world.plan(&Action::Sweep {
            merged_unsaved: false,
            older_than_hours: -1.0,
            env_id: None,
            force: false,
            allow_unsaved: false
        }),
        Err(PlanError::InvalidAge(_))
    ));
    assert!(matches!(
        world.plan(&Action::Sweep {
            merged_unsaved: false,
            older_than_hours: f64::NAN,
            env_id: None,
            force: false,
            allow_unsaved: false
        }),
        Err(PlanError::InvalidAge(_))
    ));
}

#[test]
fn legacy_records_are_never_changed_but_their_workspaces_follow_the_same_rules()
-> Result<(), PlanError> {
    let mut world = World::new(vec![
        legacy(task("old", "env-c", "done", Some(0))),
        legacy(task("busy", "env-c", "running", None)),
    ]);
    world.snapshot.tasks[0].finalization_state = Some("done".into());
    let archive = world.plan(&Action::Archive {
        merged_unsaved: false,
        keep_on_error: true,
        allow_unsaved: false,
        clean_done: true,
    })?;
    assert!(archive.steps.is_empty(), "{archive:?}");
    assert!(
        archive
            .skipped
            .iter()
            .any(|s| s.task_id == "old" && s.reason.contains("legacy JSON record")),
        "{archive:?}"
    );
    let named = |ids: &[&str], force: bool| Action::Discard {
        task_ids: ids.iter().map(|id| (*id).to_owned()).collect(),
        force,
    };
    let discard = world.plan(&named(&["old"], false))?;
    assert_eq!(
        describe(&discard, "old"),
        "keep+ws",
        "status left, workspace goes"
    );
    assert!(discard.warnings.iter().any(|w| w.contains("read-only")));
    // An active-looking legacy status is active, stale or not: only force takes it.
    assert_eq!(
        describe(&world.plan(&named(&["busy"], false))?, "busy"),
        "skip"
    );
    assert_eq!(
        describe(&world.plan(&named(&["busy"], true))?, "busy"),
        "keep+ws"
    );
    let sweep = |force| Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 24.0,
        env_id: None,
        force,
        allow_unsaved: false,
    };
    let swept = world.plan(&sweep(false))?;
    assert_eq!(describe(&swept, "old"), "keep+ws");
    assert_eq!(describe(&swept, "busy"), "skip");
    assert_eq!(describe(&world.plan(&sweep(true))?, "busy"), "keep+ws");
    let complete = world.plan(&Action::Complete {
        task_ids: vec!["old".into()],
        keep_on_error: true,
        force: false,
    })?;
    assert_eq!(describe(&complete, "old"), "keep+ws");
    // Their workspaces are theirs: never orphans.
    let orphans = world.plan(&Action::DeleteOrphans {
        paths: Vec::new(),
        allow_unsaved: false,
    })?;
    assert!(orphans.steps.is_empty() && orphans.skipped.is_empty());
    Ok(())
}

#[test]
fn only_a_final_status_or_force_lets_a_task_be_cleaned() {
    let mut task = task("t1", "env-c", "", None);
    // (status, its class, not forced, forced)
    let table = [
        (
            "running",
            StatusClass::Active,
            Activity::MayBeRunning,
            Activity::Forced,
        ),
        (
            "queued",
            StatusClass::Active,
            Activity::MayBeRunning,
            Activity::Forced,
        ),
        (
            "bogus",
            StatusClass::Unknown,
            Activity::MayBeRunning,
            Activity::Forced,
        ),
        (
            "done",
            StatusClass::Succeeded,
            Activity::Finished,
            Activity::Finished,
        ),
        (
            "failed",
            StatusClass::Failed,
            Activity::Finished,
            Activity::Finished,
        ),
        (
            "discarded",
            StatusClass::Discarded,
            Activity::Finished,
            Activity::Finished,
        ),
    ];
    for (status, class, plain, forced) in table {
        task.status = status.into();
        assert_eq!(task.status_class(), class, "{status}");
        assert_eq!(activity(&task, false), plain, "{status}");
        assert_eq!(activity(&task, true), forced, "{status}");
    }
}

#[test]
fn the_actions_that_force_active_tasks() {
    let ids = || vec!["t1".to_owned()];
    let forced = [
        Action::Discard {
            task_ids: ids(),
            force: true,
        },
        Action::Sweep {
            merged_unsaved: false,
            older_than_hours: 1.0,
            env_id: None,
            force: true,
            allow_unsaved: false,
        },
        Action::Complete {
            task_ids: ids(),
            keep_on_error: true,
            force: true,
        },
    ];
    let not_forced = [
        Action::Discard {
            task_ids: ids(),
            force: false,
        },
        Action::Sweep {
            merged_unsaved: false,
            older_than_hours: 1.0,
            env_id: None,
            force: false,
            allow_unsaved: true,
        },
        Action::Complete {
            task_ids: ids(),
            keep_on_error: true,
            force: false,
        },
        Action::Archive {
            merged_unsaved: false,
            keep_on_error: true,
            allow_unsaved: true,
            clean_done: true,
        },
        Action::EnforceQuotas {
            quotas: Default::default(),
            keep_on_error: false,
            allow_unsaved: true,
        },
        Action::DeleteOrphans {
            paths: Vec::new(),
            allow_unsaved: true,
        },
        Action::Scheduled {
            slim_failed: false,
            merged_unsaved: false,
            keep_on_error: false,
            allow_unsaved: true,
            clean_done: true,
            older_than_hours: 1.0,
            quotas: Default::default(),
        },
    ];
    for action in &forced {
        assert!(action.forces_active(), "{action:?}");
    }
    for action in &not_forced {
        assert!(!action.forces_active(), "{action:?}");
    }
}
