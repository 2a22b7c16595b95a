//! Plans made while Agents-Runner runs on the data directory.

use super::*;

#[test]
fn while_agents_runner_runs_no_active_record_is_changed_and_workspaces_still_go()
-> Result<(), PlanError> {
    let archived = |id: &str| {
        let mut record = task(id, "env-c", "done", Some(0));
        record.archived = true;
        record.file = PathBuf::from(format!("{DATA}/tasks/done/{id}.toml"));
        record
    };
    let mut cancelled = task("can", "env-c", "cancelled", None);
    cancelled.finalization_state = Some("done".into());
    let mut world = World::new(vec![
        task("done", "env-c", "done", Some(0)),
        task("fail", "env-c", "failed", Some(1)),
        task("run", "env-c", "running", None),
        cancelled,
        archived("old"),
    ]);
    world.add_workspace("env-c", "orphan", 300);
    let runner = RunnerProcess {
        pid: 4242,
        unsure: None,
        started: None,
    };
    let ids = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>();
    let archive = Action::Archive {
        merged_unsaved: false,
        keep_on_error: false,
        allow_unsaved: false,
        clean_done: true,
    };
    let sweep = Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 24.0,
        env_id: None,
        force: false,
        allow_unsaved: false,
    };
    let scheduled = Action::Scheduled {
        slim_failed: false,
        merged_unsaved: false,
        keep_on_error: false,
        allow_unsaved: false,
        clean_done: true,
        older_than_hours: 24.0,
        quotas: BTreeMap::new(),
    };
    // (action, task, without Agents-Runner, beside it); "held" is a refusal that
    // names it, followed by what is still planned for the task.
    let table: Vec<(Action, &str, &str, &str)> = vec![
        (archive.clone(), "done", "archive+ws", "held"),
        (archive.clone(), "fail", "archive+ws", "held"),
        (archive.clone(), "can", "archive+ws", "held"),
        (archive.clone(), "run", "skip", "skip"),
        (archive.clone(), "old", "none", "none"),
        (
            Action::Discard {
                task_ids: ids(&["done"]),
                force: false,
            },
            "done",
            "discard+ws",
            "held",
        ),
        (
            Action::Discard {
                task_ids: ids(&["run"]),
                force: true,
            },
            "run",
            "discard+ws",
            "held",
        ),
        // Archived records are not in its memory (unless it archived them itself,
        // which the executor checks on the disk).
        (
            Action::Discard {
                task_ids: ids(&["old"]),
                force: false,
            },
            "old",
            "discard-in-place+ws",
            "discard-in-place+ws",
        ),
        (
            Action::Complete {
                task_ids: ids(&["done"]),
                keep_on_error: true,
                force: false,
            },
            "done",
            "keep+ws",
            "held",
        ),
        (
            Action::Complete {
                task_ids: ids(&["old"]),
                keep_on_error: true,
                force: false,
            },
            "old",
            "keep+ws",
            "keep+ws",
        ),
        // Deleting workspaces needs no record change: as before.
        (sweep.clone(), "done", "keep+ws", "keep+ws"),
        (sweep.clone(), "can", "keep+ws", "keep+ws"),
        (sweep.clone(), "old", "keep+ws", "keep+ws"),
        (sweep.clone(), "orphan", "keep+ws", "keep+ws"),
        (sweep.clone(), "run", "skip", "skip"),
        (
            Action::DeleteOrphans {
                paths: Vec::new(),
                allow_unsaved: false,
            },
            "orphan",
            "keep+ws",
            "keep+ws",
        ),
        // The schedule's archive step is refused; its sweep still frees the space.
        (scheduled.clone(), "done", "archive+ws", "held, keep+ws"),
        (scheduled.clone(), "can", "archive+ws", "held, keep+ws"),
        (scheduled.clone(), "run", "skip", "skip"),
    ];
    for (action, task_id, alone, beside) in table {
        let without = world.plan(&action)?;
        assert_eq!(describe(&without, task_id), alone, "{action:?} {task_id}");
        assert!(without.skipped.iter().all(|s| !s.held_by_agents_runner));
        let with = world.plan_beside(&action, Some(&runner))?;
        let held: Vec<&Skipped> = with
            .skipped
            .iter()
            .filter(|s| s.task_id == task_id && s.held_by_agents_runner)
            .collect();
        let planned = with.steps.iter().any(|s| s.task_id == task_id);
        let shown = match (held.is_empty(), planned) {
            (true, _) => describe(&with, task_id),
            (false, false) => "held".into(),
            (false, true) => format!("held, {}", describe(&with, task_id)),
        };
        assert_eq!(shown, beside, "{action:?} {task_id} beside Agents-Runner");
        for skipped in held {
            assert!(skipped.refused);
            assert!(
                skipped
                    .reason
                    .starts_with(&format!("{DATA}/tasks/{task_id}.toml: ")),
                "{}",
                skipped.reason
            );
            assert!(
                skipped.reason.ends_with(&runner.refusal()),
                "{}",
                skipped.reason
            );
        }
        for step in &with.steps {
            let changed = changed_record(&action, step);
            assert!(
                changed.is_none_or(paths::is_archived_record),
                "{action:?}: {step:?} changes an active record"
            );
        }
    }
    Ok(())
}

#[test]
fn which_steps_change_their_record() {
    let step = |record: Option<&str>, change: RecordChange| Step {
        task_id: "t".into(),
        env_id: "env-c".into(),
        record: record.map(PathBuf::from),
        record_change: change,
        workspace: None,
        container_id: None,
        bytes: 0,
        reason: String::new(),
        git: None,
    };
    let active = Some("/data/tasks/t.toml");
    let sweep = Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 1.0,
        env_id: None,
        force: false,
        allow_unsaved: false,
    };
    let complete = Action::Complete {
        task_ids: Vec::new(),
        keep_on_error: true,
        force: false,
    };
    let discard = Action::Discard {
        task_ids: Vec::new(),
        force: false,
    };
    let table = [
        (&sweep, step(active, RecordChange::Keep), false),
        (&sweep, step(None, RecordChange::Keep), false),
        (&complete, step(active, RecordChange::Keep), true),
        (&discard, step(active, RecordChange::Keep), true),
        (&sweep, step(active, RecordChange::Archive), true),
        (
            &discard,
            step(active, RecordChange::Discard { archive: true }),
            true,
        ),
    ];
    for (action, step, changes) in table {
        assert_eq!(
            changed_record(action, &step).is_some(),
            changes,
            "{action:?} {step:?}"
        );
    }
}
