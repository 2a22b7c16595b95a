//! The Orphans tab.

use super::*;

#[test]
fn the_orphans_tab_lists_orphans_and_legacy_checkouts_and_deletes_after_confirming() -> TestResult {
    let fx = Fixture::without_git()?;
    // The demo has one orphan (five days old), a backup Agents-Runner moved aside (six
    // days old) and a legacy checkout.
    let orphan = fx.workspace(demo::ENV_WEBAPP, demo::ORPHAN_FOLDER);
    let backup = orphan.with_file_name(demo::BACKUP_FOLDER);
    let backup_before = tree_digest(&backup);
    let legacy = paths::managed_repos_dir(&fx.data_dir).join(demo::ENV_API);
    let legacy_before = tree_digest(&legacy.join(".git"));
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;

    click(&mut harness, "Orphans (2)")?;
    assert!(harness.query_by_label(demo::ORPHAN_FOLDER).is_some());
    assert!(harness.query_by_label(demo::BACKUP_FOLDER).is_some());
    assert!(
        harness.query_by_label("orphan").is_some(),
        "the Kind column"
    );
    assert!(
        harness.query_by_label("backup of a13f5c7e01").is_some(),
        "a backup names its task"
    );
    assert!(
        harness
            .query_by_label(&format!("managed-repos/{}", demo::ENV_API))
            .is_some(),
        "the legacy checkout is listed"
    );
    // "All orphans" never takes the backup: it goes only when ticked.
    click(&mut harness, "Delete all orphans…")?;
    let label = wait_for_plan(&mut harness)?;
    assert_eq!(label, "Delete 1 folder");
    click(&mut harness, &label)?;
    step_until(&mut harness, "the orphan to go", |app| {
        app.running().is_none()
            && app
                .orphans()
                .iter()
                .all(|o| o.kind != OrphanRowKind::Orphan)
    })?;
    assert!(!orphan.exists());
    assert_eq!(tree_digest(&backup), backup_before);
    assert!(legacy.join("README.md").exists());
    assert_eq!(legacy_before, tree_digest(&legacy.join(".git")));
    assert!(harness.query_by_label("Orphans (1)").is_some());
    // The legacy checkout keeps its size across the reload that followed.
    let checkout = app(&harness)?
        .orphans()
        .iter()
        .find(|o| o.kind == OrphanRowKind::LegacyCheckout)
        .ok_or("legacy row")?;
    assert!(checkout.size.is_some_and(|bytes| bytes > 0));

    // Ticked, the backup goes through the same plan and confirmation.
    let boxes: Vec<_> = harness.query_all_by_role(Role::CheckBox).collect();
    let [tick] = boxes.as_slice() else {
        return Err(format!("{} checkboxes, want the backup's only", boxes.len()).into());
    };
    tick.click();
    harness.step();
    harness.step();
    click(&mut harness, "Delete 1 selected folder…")?;
    let label = wait_for_plan(&mut harness)?;
    assert_eq!(label, "Delete 1 folder");
    let Some(Dialog::Confirm { plan, .. }) = app(&harness)?.dialog() else {
        return Err("no confirm dialog".into());
    };
    assert!(
        plan.steps[0]
            .reason
            .starts_with("backup of task a13f5c7e01 moved aside by Agents-Runner"),
        "the plan says what the folder is: {plan:?}"
    );
    click(&mut harness, &label)?;
    step_until(&mut harness, "the backup to go", |app| {
        app.running().is_none()
            && app
                .orphans()
                .iter()
                .all(|o| o.kind == OrphanRowKind::LegacyCheckout)
    })?;
    assert!(!backup.exists());
    assert!(harness.query_by_label("Orphans (0)").is_some());
    assert!(legacy.join("README.md").exists());
    Ok(())
}
