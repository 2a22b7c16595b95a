//! Tests of loading a data directory: records, workspaces, problems and orphans.

use super::*;
use std::fs;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn task_file(dir: &Path, name: &str, id: &str, env: &str) -> std::io::Result<()> {
    fs::write(
        dir.join(name),
        format!("task_id = \"{id}\"\nenvironment_id = \"{env}\"\nstatus = \"done\"\n"),
    )
}

/// `env-1` (cloned) with an active record `t1` and an archived one `t2`; returns
/// the active and archived task folders.
fn cloned_env_with_two_records(
    data: &Path,
) -> Result<(PathBuf, PathBuf), Box<dyn std::error::Error>> {
    fs::write(
        data.join(paths::ENVIRONMENTS_FILE),
        r#"{"environments": [{"env_id": "env-1", "workspace_type": "cloned"}]}"#,
    )?;
    let active = paths::active_tasks_dir(data);
    let archived = paths::archived_tasks_dir(data);
    fs::create_dir_all(&archived)?;
    task_file(&active, "t1.toml", "t1", "env-1")?;
    task_file(&archived, "t2.toml", "t2", "env-1")?;
    Ok((active, archived))
}

#[test]
fn loads_records_workspaces_and_problems() -> TestResult {
    let root = tempfile::tempdir()?;
    let data = root.path();
    let (active, archived) = cloned_env_with_two_records(data)?;
    task_file(&archived, "t2.dup-123.toml", "t2", "env-1")?;
    fs::write(active.join(".agents-janitor-x.tmp"), "half written")?;
    fs::write(active.join("broken.toml"), "task_id = [")?;
    fs::write(active.join("notes.txt"), "not a task")?;
    fs::create_dir_all(paths::task_workspace_path(data, "env-1", "t1"))?;
    fs::create_dir_all(paths::staging_dir(data).join("leftover"))?;
    fs::write(
        paths::managed_repos_dir(data).join("env-1/tasks/stray-file"),
        "x",
    )?;

    let snapshot = Snapshot::load(data)?;
    assert_eq!(snapshot.tasks.len(), 3);
    assert_eq!(snapshot.find_task("t2").map(|t| t.duplicate), Some(false));
    assert_eq!(snapshot.tasks.iter().filter(|t| t.duplicate).count(), 1);
    assert_eq!(snapshot.problems.len(), 1, "{:?}", snapshot.problems);
    assert!(snapshot.problems[0].path.ends_with("broken.toml"));
    let folders: Vec<(&str, bool)> = snapshot
        .workspaces
        .iter()
        .map(|w| (w.task_folder.as_str(), w.is_dir))
        .collect();
    assert_eq!(
        folders,
        vec![("stray-file", false), ("t1", true)],
        "staging is not a workspace"
    );
    let by_folder = snapshot.records_by_folder();
    assert_eq!(
        by_folder.get(&("env-1".into(), "t2".into())).map(Vec::len),
        Some(2)
    );
    Ok(())
}

#[cfg(unix)]
#[test]
fn symlinks_are_reported_and_not_followed() -> TestResult {
    let root = tempfile::tempdir()?;
    let data = root.path().join("data");
    let elsewhere = root.path().join("elsewhere");
    fs::create_dir_all(elsewhere.join("env-1/tasks/t9"))?;
    task_file(&elsewhere, "t9.toml", "t9", "env-1")?;
    let active = paths::active_tasks_dir(&data);
    fs::create_dir_all(&active)?;
    std::os::unix::fs::symlink(elsewhere.join("t9.toml"), active.join("t9.toml"))?;
    std::os::unix::fs::symlink(&elsewhere, paths::managed_repos_dir(&data))?;

    let snapshot = Snapshot::load(&data)?;
    assert!(snapshot.tasks.is_empty());
    assert!(snapshot.workspaces.is_empty());
    let messages: Vec<String> = snapshot
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.path.display(), p.message))
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages.iter().all(|m| m.contains("is a symlink")),
        "{messages:?}"
    );
    Ok(())
}

#[test]
fn a_missing_or_odd_data_dir_is_an_error() -> TestResult {
    let root = tempfile::tempdir()?;
    assert!(matches!(
        Snapshot::load(&root.path().join("nope")),
        Err(OpenError::Missing(_))
    ));
    let file = root.path().join("file");
    fs::write(&file, "x")?;
    assert!(matches!(
        Snapshot::load(&file),
        Err(OpenError::NotADirectory(_))
    ));
    // A folder the user names is checked to be Agents-Runner's before it is opened.
    for wrong in [root.path().join("nope"), file] {
        assert!(crate::store::check_data_dir(&wrong).is_err());
    }
    let empty = root.path().join("empty");
    fs::create_dir(&empty)?;
    assert!(matches!(
        crate::store::check_data_dir(&empty),
        Err(OpenError::NotAgentsRunner(_))
    ));
    fs::create_dir(empty.join("tasks"))?;
    assert_eq!(crate::store::check_data_dir(&empty)?, empty.canonicalize()?);
    Ok(())
}

#[test]
fn orphans_and_legacy_checkouts_are_told_apart() -> TestResult {
    let root = tempfile::tempdir()?;
    let data = root.path();
    cloned_env_with_two_records(data)?;
    for task in ["t1", "t2", "lost"] {
        fs::create_dir_all(paths::task_workspace_path(data, "env-1", task))?;
    }
    let env_dir = paths::managed_repos_dir(data).join("env-1");
    fs::create_dir_all(env_dir.join(".git"))?;
    fs::write(env_dir.join("README.md"), "old checkout")?;
    let snapshot = Snapshot::load(data)?;
    let orphans: Vec<&str> = snapshot
        .orphans()
        .iter()
        .map(|orphan| orphan.dir.task_folder.as_str())
        .collect();
    assert_eq!(orphans, ["lost"], "archived records count as records");
    let [checkout] = snapshot.legacy_checkouts.as_slice() else {
        return Err(format!("{:?}", snapshot.legacy_checkouts).into());
    };
    assert_eq!(checkout.env_folder, "env-1");
    let mut entries: Vec<_> = checkout
        .entries
        .iter()
        .filter_map(|p| p.file_name())
        .collect();
    entries.sort();
    assert_eq!(entries, [".git", "README.md"], "tasks/ is not part of it");
    Ok(())
}

#[test]
fn the_first_look_has_the_active_records_and_calls_no_folder_an_orphan() -> TestResult {
    let root = tempfile::tempdir()?;
    let data = root.path();
    let (_, archived) = cloned_env_with_two_records(data)?;
    fs::write(archived.join("broken.toml"), "task_id = [")?;
    for task in ["t1", "t2", "lost"] {
        fs::create_dir_all(paths::task_workspace_path(data, "env-1", task))?;
    }
    let mut looks = Vec::new();
    let whole = Snapshot::load_active_first(data, None, |first| looks.push(first.clone()))?;
    let [first] = looks.as_slice() else {
        return Err(format!("{} first looks", looks.len()).into());
    };
    let ids = |snapshot: &Snapshot| -> Vec<String> {
        snapshot.tasks.iter().map(|t| t.task_id.clone()).collect()
    };
    assert!(first.archived_records_pending);
    assert_eq!(ids(first), ["t1"]);
    assert_eq!(first.workspaces.len(), 3, "every folder is listed already");
    assert!(
        first.orphans().is_empty(),
        "t2's folder has a record not read yet"
    );
    assert!(
        first.problems.is_empty(),
        "the archived folder is not read yet"
    );

    assert!(!whole.archived_records_pending);
    assert_eq!(ids(&whole), ["t1", "t2"]);
    let orphans: Vec<&str> = whole
        .orphans()
        .iter()
        .map(|orphan| orphan.dir.task_folder.as_str())
        .collect();
    assert_eq!(orphans, ["lost"]);
    assert_eq!(whole.problems.len(), 1, "{:?}", whole.problems);
    let at_once = Snapshot::load(data)?;
    assert_eq!(whole.tasks, at_once.tasks);
    assert_eq!(whole.workspaces, at_once.workspaces);
    Ok(())
}

#[test]
fn legacy_records_backups_and_deleted_environments_are_told_apart() -> TestResult {
    let root = tempfile::tempdir()?;
    let data = root.path();
    fs::write(
        data.join(paths::ENVIRONMENTS_FILE),
        r#"{"environments": [{"env_id": "env-1", "workspace_type": "cloned"},
                                 {"env_id": "env-2", "version": 2, "workspace_type": "cloned"}]}"#,
    )?;
    let active = paths::active_tasks_dir(data);
    let done = paths::archived_tasks_dir(data);
    fs::create_dir_all(&done)?;
    fs::write(
        active.join("j1.json"),
        r#"{"task_id": "j1", "environment_id": "env-1", "status": "running"}"#,
    )?;
    fs::write(
        done.join("j2.json"),
        r#"{"task_id": "j2", "environment_id": "env-1", "status": "done", "logs": ["a"]}"#,
    )?;
    fs::write(
        done.join("j2.dup-5.json"),
        r#"{"task_id": "j2", "environment_id": "env-1", "status": "failed"}"#,
    )?;
    fs::write(active.join(".j3.json"), "{}")?;
    fs::write(done.join("broken.json"), "{\"task_id\": ")?;
    for (env, folder) in [
        ("env-1", "j1"),
        ("env-1", "j2"),
        ("env-1", "t1.bak-1764000000000000000"),
        ("env-1", "lost"),
        ("env-2", "kept"),
        ("env-gone", "t7"),
        ("env-gone", "t7.bak-9"),
    ] {
        fs::create_dir_all(
            paths::managed_repos_dir(data)
                .join(env)
                .join("tasks")
                .join(folder),
        )?;
    }

    let snapshot = Snapshot::load(data)?;
    let legacy: Vec<(&str, bool, bool)> = snapshot
        .tasks
        .iter()
        .filter(|t| t.legacy)
        .map(|t| (t.task_id.as_str(), t.archived, t.duplicate))
        .collect();
    assert_eq!(
        legacy,
        [
            ("j1", false, false),
            ("j2", true, true),
            ("j2", true, false)
        ]
    );
    assert_eq!(snapshot.find_task("j2").map(|t| t.duplicate), Some(false));
    let problems: Vec<String> = snapshot
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.path.display(), p.message))
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("broken.json: not valid JSON"))
    );
    assert!(problems.iter().any(|p| p.contains("version 2 is not 1")));

    let orphans: Vec<(&str, &str, OrphanKind, Option<&str>)> = snapshot
        .orphans()
        .iter()
        .map(|o| {
            (
                o.dir.env_folder.as_str(),
                o.dir.task_folder.as_str(),
                o.kind,
                o.backup_of,
            )
        })
        .collect();
    assert_eq!(
        orphans,
        [
            ("env-1", "lost", OrphanKind::Orphan, None),
            (
                "env-1",
                "t1.bak-1764000000000000000",
                OrphanKind::Backup,
                Some("t1")
            ),
            // env-2 is ignored by Agents-Runner but still named: its folder is an
            // orphan of an environment that exists in the file, not a deleted one.
            ("env-2", "kept", OrphanKind::Orphan, None),
            ("env-gone", "t7", OrphanKind::DeletedEnvironment, None),
            (
                "env-gone",
                "t7.bak-9",
                OrphanKind::DeletedEnvironment,
                Some("t7")
            ),
        ],
        "legacy records own their workspaces"
    );
    Ok(())
}
