//! The age sweep, orphan folders, backups and deleted environments' folders.

use super::*;

#[test]
fn sweep_respects_age_env_filter_and_odd_folders() -> Result<(), PlanError> {
    let mut world = World::new(vec![task("old", "env-c", "done", Some(0))]);
    world.add_workspace("env-c", "young", 2);
    world.add_workspace("env-c", "orphan", 30);
    world.snapshot.workspaces.push(WorkspaceDir {
        env_folder: "env-c".into(),
        task_folder: "link".into(),
        path: ws_path("env-c", "link"),
        is_dir: false,
    });
    world.snapshot.workspaces.push(WorkspaceDir {
        env_folder: "env-gone".into(),
        task_folder: "x1".into(),
        path: ws_path("env-gone", "x1"),
        is_dir: true,
    });
    let plan = world.plan(&Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 24.0,
        env_id: None,
        force: false,
        allow_unsaved: false,
    })?;
    assert_eq!(describe(&plan, "old"), "keep+ws");
    assert_eq!(describe(&plan, "young"), "none");
    assert_eq!(describe(&plan, "orphan"), "keep+ws");
    assert!(
        plan.steps
            .iter()
            .any(|s| s.task_id == "orphan" && s.record.is_none() && s.workspace.is_some())
    );
    assert!(plan.warnings.iter().any(|w| w.contains("no task record")));
    assert_eq!(describe(&plan, "link"), "skip");
    assert_eq!(describe(&plan, "x1"), "skip");
    assert_eq!(plan.bytes_to_free, 2000);
    assert!(plan.steps.iter().any(|s| s.reason == "age: 48.0h"));
    let other_env = world.plan(&Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 24.0,
        env_id: Some("env-m".into()),
        force: false,
        allow_unsaved: false,
    })?;
    assert!(other_env.steps.is_empty());
    let not_sized = World {
        usage: HashMap::new(),
        ..world
    };
    let plan = not_sized.plan(&Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 24.0,
        env_id: None,
        force: false,
        allow_unsaved: false,
    })?;
    assert!(plan.steps.is_empty());
    assert!(plan.skipped.iter().any(|s| s.reason.contains("not sized")));
    Ok(())
}

#[test]
fn orphans_old_enough_and_saved_are_deleted() -> Result<(), PlanError> {
    let mut world = World::new(vec![task("t1", "env-c", "done", Some(0))]);
    world.add_workspace("env-c", "old", 30);
    world.add_workspace("env-c", "new", 0);
    world.add_workspace("env-c", "dirty", 30);
    unsaved(&mut world, "dirty");
    world.add_workspace("env-m", "mounted", 30);
    let all = |allow_unsaved| Action::DeleteOrphans {
        paths: Vec::new(),
        allow_unsaved,
    };
    let plan = world.plan(&all(false))?;
    assert_eq!(deleted(&plan), ["old"]);
    assert_eq!(
        describe(&plan, "t1"),
        "none",
        "a task's workspace is no orphan"
    );
    assert!(
        plan.skipped
            .iter()
            .any(|s| s.task_id == "new" && !s.refused)
    );
    assert!(
        plan.skipped
            .iter()
            .any(|s| s.task_id == "dirty" && s.refused)
    );
    assert!(
        plan.skipped
            .iter()
            .any(|s| s.task_id == "mounted" && s.refused)
    );
    assert!(plan.steps.iter().all(|s| s.record.is_none()));
    assert_eq!(deleted(&world.plan(&all(true))?), ["old", "dirty"]);
    let named = world.plan(&Action::DeleteOrphans {
        paths: vec![ws_path("env-c", "dirty")],
        allow_unsaved: true,
    })?;
    assert_eq!(deleted(&named), ["dirty"]);
    let not_orphan = ws_path("env-c", "t1");
    assert_eq!(
        world.plan(&Action::DeleteOrphans {
            paths: vec![not_orphan.clone()],
            allow_unsaved: false,
        }),
        Err(PlanError::NotAnOrphan(not_orphan))
    );
    Ok(())
}

#[test]
fn backups_and_deleted_environments_folders_go_only_when_named() -> Result<(), PlanError> {
    let mut gone_done = task("t8", "env-gone", "done", Some(0));
    gone_done.archived = true;
    let mut world = World::new(vec![
        task("t1", "env-c", "done", Some(0)),
        gone_done,
        task("t9", "env-gone", "running", None),
    ]);
    world.add_workspace("env-c", "t1.bak-123", 30);
    world.add_workspace("env-c", "t1.bak-new", 30);
    world.add_workspace("env-m", "t2.bak-5", 30);
    for folder in ["x1", "t8", "t9", "y2.bak-7"] {
        world.add_workspace("env-gone", folder, 30);
    }
    let by_name_only = ["t1.bak-123", "x1", "t8", "t9", "y2.bak-7"];
    let scheduled = world.plan(&Action::Scheduled {
        slim_failed: false,
        merged_unsaved: false,
        keep_on_error: true,
        allow_unsaved: true,
        clean_done: true,
        older_than_hours: 1.0,
        quotas: BTreeMap::new(),
    })?;
    let sweep = world.plan(&Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 1.0,
        env_id: None,
        force: true,
        allow_unsaved: true,
    })?;
    let all = world.plan(&Action::DeleteOrphans {
        paths: Vec::new(),
        allow_unsaved: true,
    })?;
    for plan in [&scheduled, &sweep, &all] {
        for folder in by_name_only {
            assert_eq!(describe(plan, folder), "skip", "{folder}: {plan:?}");
        }
    }
    assert!(sweep.skipped.iter().any(|s| s.task_id == "t1.bak-123"
        && s.reason.contains("backup of task t1")
        && s.reason.contains("never swept")));
    assert!(
        sweep
            .skipped
            .iter()
            .any(|s| s.task_id == "x1"
                && s.reason.contains("folder of deleted environment env-gone"))
    );
    // A name that only looks like a backup is a plain orphan.
    assert_eq!(deleted(&all), ["t1.bak-new"]);

    let named = |folders: &[(&str, &str)]| Action::DeleteOrphans {
        paths: folders.iter().map(|(env, f)| ws_path(env, f)).collect(),
        allow_unsaved: false,
    };
    let plan = world.plan(&named(&[
        ("env-c", "t1.bak-123"),
        ("env-gone", "x1"),
        ("env-gone", "t8"),
        ("env-gone", "y2.bak-7"),
    ]))?;
    assert_eq!(deleted(&plan), ["t1.bak-123", "x1", "t8", "y2.bak-7"]);
    let kinds: Vec<(FolderKind, WorkspaceType)> = plan
        .steps
        .iter()
        .filter_map(|s| s.workspace.as_ref().map(|w| (w.kind, w.workspace_type)))
        .collect();
    assert_eq!(
        kinds,
        [
            (FolderKind::Backup, WorkspaceType::Cloned),
            (FolderKind::DeletedEnvironment, WorkspaceType::None),
            (FolderKind::DeletedEnvironment, WorkspaceType::None),
            (FolderKind::DeletedEnvironment, WorkspaceType::None),
        ]
    );
    let with_record = plan
        .steps
        .iter()
        .find(|s| s.workspace.as_ref().is_some_and(|w| w.task_id == "t8"))
        .ok_or("t8 planned")
        .map_err(|_| PlanError::UnknownTask("t8".into()))?;
    assert_eq!(
        with_record.record.as_deref(),
        Some(Path::new("/data/tasks/t8.toml")),
        "its record is re-read before the delete"
    );
    assert!(plan.steps[0].reason.starts_with("backup of task t1"));
    // A running task's folder stays even in a deleted environment; a backup of a
    // mounted environment is the user's.
    let refused = world.plan(&named(&[("env-gone", "t9"), ("env-m", "t2.bak-5")]))?;
    assert!(refused.steps.is_empty(), "{refused:?}");
    assert!(refused.skipped.iter().all(|s| s.refused), "{refused:?}");

    // Git guards apply: unsaved work keeps a named folder unless allowed.
    world.git.insert(
        ws_path("env-gone", "x1"),
        GitStatus::Known(GitState {
            branch: Some("agent/x1".into()),
            uncommitted: 0,
            unpushed: 3,
            work: Work::Unpushed { commits: 3 },
            base: None,
        }),
    );
    let guarded = world.plan(&named(&[("env-gone", "x1")]))?;
    assert!(guarded.steps.is_empty(), "{guarded:?}");
    assert!(
        guarded
            .skipped
            .iter()
            .any(|s| s.refused && s.force_includes && s.reason.contains("unpushed"))
    );
    let allowed = world.plan(&Action::DeleteOrphans {
        paths: vec![ws_path("env-gone", "x1")],
        allow_unsaved: true,
    })?;
    assert_eq!(deleted(&allowed), ["x1"]);
    assert!(!allowed.warnings.is_empty());

    // When environments.json could not be read whole, no environment is taken for
    // deleted: its folders stay unknown, and unknown folders are left alone.
    world.snapshot.environment_ids = None;
    let unsure = world.plan(&named(&[("env-gone", "x1")]))?;
    assert!(unsure.steps.is_empty());
    assert!(
        unsure
            .skipped
            .iter()
            .any(|s| s.refused && s.reason.contains("matches no environment")),
        "{unsure:?}"
    );
    Ok(())
}
