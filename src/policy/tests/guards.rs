//! What keeps a workspace whatever the action: unsaved work, mounted or unknown environments, mount points.

use super::*;

#[test]
fn unsaved_work_is_kept_unless_allowed_and_always_warned() -> Result<(), PlanError> {
    let mut world = World::new(vec![task("u1", "env-c", "done", Some(0))]);
    let dirty = GitStatus::Known(GitState {
        branch: Some("b".into()),
        uncommitted: 2,
        unpushed: 1,
        work: Work::Uncommitted { paths: 2 },
        base: None,
    });
    world.git.insert(ws_path("env-c", "u1"), dirty);
    let keep = world.plan(&Action::Archive {
        merged_unsaved: false,
        keep_on_error: true,
        allow_unsaved: false,
        clean_done: true,
    })?;
    assert_eq!(describe(&keep, "u1"), "archive");
    assert!(
        keep.skipped
            .iter()
            .any(|s| s.reason.contains("2 uncommitted")),
        "{:?}",
        keep.skipped
    );
    assert_eq!(keep.bytes_to_free, 0);
    let allow = world.plan(&Action::Archive {
        merged_unsaved: false,
        keep_on_error: true,
        allow_unsaved: true,
        clean_done: true,
    })?;
    assert_eq!(describe(&allow, "u1"), "archive+ws");
    assert!(allow.warnings.iter().any(|w| w.contains("will be lost")));
    let sweep = world.plan(&Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 24.0,
        env_id: None,
        force: false,
        allow_unsaved: false,
    })?;
    assert_eq!(describe(&sweep, "u1"), "skip");
    // allow_unsaved (the settings file's allow_unsaved_delete) lets unsaved work go
    // with a warning, but never a running task's workspace: that takes force.
    world
        .snapshot
        .tasks
        .push(task("r1", "env-c", "running", None));
    world.add_workspace("env-c", "r1", 48);
    world.git.insert(
        ws_path("env-c", "r1"),
        GitStatus::Known(GitState {
            branch: None,
            uncommitted: 0,
            unpushed: 0,
            work: Work::Pushed,
            base: None,
        }),
    );
    let sweep = world.plan(&Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 24.0,
        env_id: None,
        force: false,
        allow_unsaved: true,
    })?;
    assert_eq!(describe(&sweep, "u1"), "keep+ws");
    assert!(sweep.warnings.iter().any(|w| w.contains("will be lost")));
    assert_eq!(describe(&sweep, "r1"), "skip");
    let complete = world.plan(&Action::Complete {
        task_ids: vec!["u1".into()],
        keep_on_error: true,
        force: false,
    })?;
    assert_eq!(describe(&complete, "u1"), "skip");
    let discard = world.plan(&Action::Discard {
        task_ids: vec!["u1".into()],
        force: false,
    })?;
    assert_eq!(describe(&discard, "u1"), "discard+ws");
    assert!(
        discard
            .warnings
            .iter()
            .any(|w| w.contains("u1") && w.contains("1 unpushed")),
        "{:?}",
        discard.warnings
    );
    Ok(())
}

#[test]
fn mounted_and_none_workspaces_are_never_deleted() -> Result<(), PlanError> {
    let mut world = World::new(vec![
        task("m1", "env-m", "done", Some(0)),
        task("n1", "env-n", "done", Some(0)),
    ]);
    // Even a folder under managed-repos for those environments is left alone.
    world.add_workspace("env-m", "m1", 100);
    world.add_workspace("env-n", "n1", 100);
    for action in [
        Action::Archive {
            merged_unsaved: false,
            keep_on_error: false,
            allow_unsaved: true,
            clean_done: true,
        },
        Action::Discard {
            task_ids: vec!["m1".into(), "n1".into()],
            force: true,
        },
        Action::Sweep {
            merged_unsaved: false,
            older_than_hours: 0.0,
            env_id: None,
            force: true,
            allow_unsaved: false,
        },
        Action::Complete {
            task_ids: vec!["m1".into(), "n1".into()],
            keep_on_error: false,
            force: true,
        },
    ] {
        let plan = world.plan(&action)?;
        assert!(
            plan.workspace_paths().is_empty(),
            "{} planned {:?}",
            action.verb(),
            plan.workspace_paths()
        );
    }
    let discard = world.plan(&Action::Discard {
        task_ids: vec!["m1".into()],
        force: false,
    })?;
    assert_eq!(describe(&discard, "m1"), "discard");
    assert!(discard.warnings.iter().any(|w| w.contains("mounted")));
    Ok(())
}

#[test]
fn unknown_environments_and_unsafe_ids_keep_their_folders() -> Result<(), PlanError> {
    let mut world = World::new(vec![task("t1", "env-x", "done", Some(0))]);
    world.add_workspace("env-x", "t1", 48);
    let plan = world.plan(&Action::Discard {
        task_ids: vec!["t1".into()],
        force: false,
    })?;
    assert_eq!(describe(&plan, "t1"), "discard");
    Ok(())
}

#[test]
fn a_workspace_that_is_or_holds_a_mount_point_is_refused_by_every_action() -> Result<(), PlanError>
{
    let mut world = World::new(vec![task("t1", "env-c", "done", Some(0))]);
    world.add_workspace("env-c", "orphan", 30);
    let t1 = ws_path("env-c", "t1");
    let orphan = ws_path("env-c", "orphan");
    let ids = vec!["t1".to_owned()];
    let quotas = BTreeMap::from([("env-c".to_owned(), quota(1, true))]);
    // (action, the task or folder refused, its workspace)
    let actions = [
        (
            Action::Archive {
                merged_unsaved: false,
                keep_on_error: true,
                allow_unsaved: false,
                clean_done: true,
            },
            "t1",
            &t1,
        ),
        (
            Action::Discard {
                task_ids: ids.clone(),
                force: true,
            },
            "t1",
            &t1,
        ),
        (
            Action::Sweep {
                merged_unsaved: false,
                older_than_hours: 1.0,
                env_id: None,
                force: true,
                allow_unsaved: true,
            },
            "t1",
            &t1,
        ),
        (
            Action::Complete {
                task_ids: ids,
                keep_on_error: false,
                force: true,
            },
            "t1",
            &t1,
        ),
        (
            Action::EnforceQuotas {
                quotas: quotas.clone(),
                keep_on_error: false,
                allow_unsaved: true,
            },
            "t1",
            &t1,
        ),
        (
            Action::DeleteOrphans {
                paths: Vec::new(),
                allow_unsaved: true,
            },
            "orphan",
            &orphan,
        ),
        (
            Action::Scheduled {
                slim_failed: false,
                merged_unsaved: false,
                keep_on_error: false,
                allow_unsaved: true,
                clean_done: true,
                older_than_hours: 1.0,
                quotas,
            },
            "t1",
            &t1,
        ),
    ];
    for (action, refused, workspace) in &actions {
        // The workspace itself, a mount two levels down; from the mount table, and
        // from the sizing where there is no table.
        for mount_point in [workspace.to_path_buf(), workspace.join("a/mnt")] {
            for from_table in [true, false] {
                let mut world = World {
                    snapshot: world.snapshot.clone(),
                    usage: world.usage.clone(),
                    git: world.git.clone(),
                    mount_points: None,
                    now: world.now,
                };
                if from_table {
                    world.mount_points = Some(BTreeSet::from([
                        mount_point.clone(),
                        PathBuf::from("/elsewhere"),
                    ]));
                } else if let Some(usage) = world.usage.get_mut(*workspace) {
                    usage.mount_points.push(mount_point.clone());
                }
                let plan = world.plan(action)?;
                let case = format!(
                    "{} with {mount_point:?} (table {from_table})",
                    action.verb()
                );
                assert!(
                    plan.steps.iter().all(|s| s.task_id != *refused),
                    "{case}: no step for it at all, its record included: {:?}",
                    plan.steps
                );
                let skipped = mount_refusal(&plan, refused)
                    .ok_or_else(|| PlanError::UnknownTask(case.clone()))?;
                assert_eq!(skipped.mount_point.as_ref(), Some(&mount_point), "{case}");
                assert_eq!(
                    skipped.reason,
                    format!(
                        "{} is a mount point: unmount it first (workspace {} left alone)",
                        mount_point.display(),
                        workspace.display()
                    ),
                    "{case}"
                );
            }
        }
    }
    // A mount point elsewhere, or beside the workspace with a name it starts with,
    // keeps nothing.
    world.mount_points = Some(BTreeSet::from([
        PathBuf::from(format!("{}0", t1.display())),
        ws_path("env-c", "other"),
    ]));
    let plan = world.plan(&Action::Discard {
        task_ids: vec!["t1".into()],
        force: false,
    })?;
    assert_eq!(describe(&plan, "t1"), "discard+ws");
    assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
    Ok(())
}

#[test]
fn quotas_pass_over_a_workspace_holding_a_mount_and_say_why() -> Result<(), PlanError> {
    let mut world = quota_world();
    world.mount_points = Some(BTreeSet::from([ws_path("env-c", "a").join("mnt")]));
    let plan = world.plan(&Action::EnforceQuotas {
        quotas: BTreeMap::from([("env-c".to_owned(), quota(6500, false))]),
        keep_on_error: true,
        allow_unsaved: false,
    })?;
    assert_eq!(deleted(&plan), ["b"], "the next oldest instead of a");
    assert!(mount_refusal(&plan, "a").is_some(), "{:?}", plan.skipped);
    let plan = world.plan(&Action::EnforceQuotas {
        quotas: BTreeMap::from([("env-c".to_owned(), quota(3500, false))]),
        keep_on_error: true,
        allow_unsaved: false,
    })?;
    let over = plan
        .warnings
        .iter()
        .find(|w| w.contains("stays over"))
        .ok_or(PlanError::InvalidAge("no warning".into()))?;
    assert!(
        over.contains("1 kB in workspaces that are or hold a mount point"),
        "{over}"
    );
    Ok(())
}

#[test]
fn refusals_say_whether_force_takes_them_and_trash_mode_does_not_call_work_lost()
-> Result<(), PlanError> {
    let mut world = World::new(vec![
        task("r1", "env-c", "running", None),
        task("u1", "env-c", "done", Some(0)),
    ]);
    unsaved(&mut world, "u1");
    let sweep = world.plan(&Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 24.0,
        env_id: None,
        force: false,
        allow_unsaved: false,
    })?;
    for id in ["r1", "u1"] {
        assert!(
            sweep.skipped.iter().any(|s| s.task_id == id
                && s.refused
                && s.force_includes
                && !s.reason.contains("force")),
            "{:?}",
            sweep.skipped
        );
    }
    let forced = world.plan(&Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 24.0,
        env_id: None,
        force: true,
        allow_unsaved: false,
    })?;
    assert_eq!(deleted(&forced), ["r1", "u1"]);
    // The unattended cleanup has no force: nothing it leaves alone says otherwise.
    let scheduled = world.plan(&Action::Scheduled {
        merged_unsaved: false,
        slim_failed: false,
        keep_on_error: true,
        allow_unsaved: false,
        clean_done: true,
        older_than_hours: 24.0,
        quotas: Default::default(),
    })?;
    assert!(scheduled.skipped.iter().all(|s| !s.force_includes));
    let discard = Action::Discard {
        task_ids: vec!["u1".into()],
        force: false,
    };
    assert!(
        world
            .plan(&discard)?
            .warnings
            .iter()
            .any(|w| w.ends_with("will be lost"))
    );
    let trashed = world.plan_with(&discard, None, DeleteMode::Trash)?;
    assert_eq!(
        trashed.warnings,
        [
            "task u1: 2 uncommitted goes to the trash with the workspace (lost once the trash is emptied)"
        ]
    );
    Ok(())
}

#[test]
fn a_plan_narrowed_to_some_tasks_keeps_only_their_steps_skips_and_warnings() -> Result<(), PlanError>
{
    let mut world = World::new(vec![
        task("a", "env-c", "done", Some(0)),
        task("b", "env-c", "done", Some(0)),
        task("r", "env-c", "running", None),
    ]);
    for id in ["a", "b"] {
        unsaved(&mut world, id);
        if let Some(task) = world.snapshot.tasks.iter_mut().find(|t| t.task_id == id) {
            task.finalization_state = Some("done".into());
        }
    }
    let all = world.plan(&Action::Archive {
        merged_unsaved: false,
        keep_on_error: true,
        allow_unsaved: true,
        clean_done: true,
    })?;
    assert_eq!(all.steps.len(), 2);
    assert_eq!(all.warnings.len(), 2);
    let only: BTreeSet<String> = ["b".to_owned(), "r".to_owned()].into();
    let narrowed = all.narrowed_to(&only);
    assert_eq!(deleted(&narrowed), ["b"]);
    assert_eq!(narrowed.bytes_to_free, 1000);
    assert_eq!(narrowed.warnings, ["task b: 2 uncommitted will be lost"]);
    assert_eq!(
        narrowed
            .skipped
            .iter()
            .map(|s| s.task_id.as_str())
            .collect::<Vec<_>>(),
        ["r"]
    );
    Ok(())
}

/// Git's answers only report for a discard (the CLI's `discard --force` does not ask):
/// the same steps with a workspace known dirty, known clean or not asked about; every
/// other action that deletes may keep a workspace for its unsaved work.
#[test]
fn git_only_reports_for_a_discard() -> Result<(), PlanError> {
    let dirty = state(1, 3, Work::Uncommitted { paths: 3 });
    let clean = state(0, 0, Work::Pushed);
    for force in [false, true] {
        let action = Action::Discard {
            task_ids: vec!["d1".into()],
            force,
        };
        assert!(action.git_only_reports());
        let mut steps = Vec::new();
        for git in [None, Some(clean.clone()), Some(dirty.clone())] {
            let mut world = World::new(vec![task("d1", "env-c", "done", Some(0))]);
            if let Some(git) = git {
                world.git.insert(ws_path("env-c", "d1"), git);
            }
            steps.push(describe(&world.plan(&action)?, "d1"));
        }
        assert_eq!(steps, ["discard+ws"; 3], "force {force}");
    }
    for (action, reports_only) in [
        (
            Action::Archive {
                merged_unsaved: false,
                keep_on_error: true,
                allow_unsaved: false,
                clean_done: true,
            },
            false,
        ),
        (
            Action::Sweep {
                merged_unsaved: false,
                older_than_hours: 1.0,
                env_id: None,
                force: false,
                allow_unsaved: false,
            },
            false,
        ),
        (
            Action::Complete {
                task_ids: vec!["d1".into()],
                keep_on_error: false,
                force: false,
            },
            false,
        ),
        (
            Action::DeleteOrphans {
                paths: Vec::new(),
                allow_unsaved: false,
            },
            false,
        ),
    ] {
        assert_eq!(action.git_only_reports(), reports_only, "{action:?}");
    }
    Ok(())
}
