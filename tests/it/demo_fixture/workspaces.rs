//! The demo's workspaces: one for each task that has one, with the git state, age and
//! modes its table says.

use super::{DAY, TestResult, git};
use crate::common;
use agents_janitor::demo::{
    self, DemoWorkspace, ENV_API, ENV_WEBAPP, ENVIRONMENTS, ORPHAN_FOLDER, READ_ONLY_SUBDIR,
    READ_ONLY_TASK, TASKS,
};
use agents_janitor::store::paths;
use common::{Fixture, du_bytes, newest_mtime};
use std::collections::BTreeSet;
use std::fs;
use std::time::{Duration, SystemTime};

#[test]
fn workspaces_exist_exactly_for_tasks_that_have_one() -> TestResult {
    let fixture = Fixture::new()?;
    let mut expected = BTreeSet::new();
    for task in TASKS {
        let workspace = fixture.workspace(task.env_id, task.id);
        let wanted = task.workspace != DemoWorkspace::None;
        assert!(!wanted || task.workspace_type() == "cloned", "{}", task.id);
        assert_eq!(workspace.is_dir(), wanted, "{}", task.id);
        if wanted {
            expected.insert(workspace);
        }
    }
    let mut found = BTreeSet::new();
    for env in fs::read_dir(paths::managed_repos_dir(&fixture.data_dir))? {
        for task in fs::read_dir(env?.path().join("tasks"))? {
            found.insert(task?.path());
        }
    }
    assert_eq!(fixture.summary.workspaces, expected.len());
    // Besides the tasks' workspaces: one orphan, five days old; the workspace of the task
    // recorded in legacy JSON, 40 days old; a backup Agents-Runner moved aside, six days.
    let orphan = fixture.workspace(ENV_WEBAPP, ORPHAN_FOLDER);
    let four_days = Duration::from_secs(4 * 24 * 3600);
    assert!(newest_mtime(&orphan)? + four_days < SystemTime::now());
    expected.insert(orphan);
    let json_workspace = fixture.workspace(ENV_WEBAPP, demo::JSON_RECORD_TASK);
    assert!(newest_mtime(&json_workspace)? + 10 * four_days < SystemTime::now());
    expected.insert(json_workspace);
    let backup = paths::managed_repos_dir(&fixture.data_dir)
        .join(ENV_WEBAPP)
        .join(paths::TASKS_DIR)
        .join(demo::BACKUP_FOLDER);
    assert_eq!(
        paths::backup_task_folder(demo::BACKUP_FOLDER),
        Some("a13f5c7e01")
    );
    assert!(newest_mtime(&backup)? + four_days < SystemTime::now());
    expected.insert(backup);
    assert_eq!(found, expected);
    let record = paths::archived_tasks_dir(&fixture.data_dir)
        .join(format!("{}.json", demo::JSON_RECORD_TASK));
    let json: serde_json::Value = serde_json::from_slice(&fs::read(&record)?)?;
    assert_eq!(json["gh_management_mode"], "github");
    assert!(
        json["error"].is_null(),
        "nulls kept, as json.dump writes them"
    );
    // And a legacy checkout directly in the billing API's folder.
    let legacy = paths::managed_repos_dir(&fixture.data_dir).join(ENV_API);
    assert!(legacy.join(".git").is_dir() && legacy.join("README.md").is_file());
    assert_eq!(fixture.summary.tasks, TASKS.len());
    assert_eq!(fixture.summary.environments, ENVIRONMENTS.len());

    let some_workspace = fixture.workspace(ENV_WEBAPP, fixture.task("done")?.id);
    assert!(fs::metadata(some_workspace.join("assets").join("logo.bin"))?.len() >= 200 * 1024);
    if let Some(kib) = du_bytes(&["-sk"], &some_workspace)? {
        assert!(kib >= 200, "{kib} KiB");
    }
    Ok(())
}

#[test]
fn git_states_match_the_table() -> TestResult {
    let fixture = Fixture::new()?;
    let checkouts = fixture.has_git_checkouts()?;
    for task in TASKS.iter().filter(|t| t.workspace != DemoWorkspace::None) {
        let workspace = fixture.workspace(task.env_id, task.id);
        if !checkouts {
            assert!(!workspace.join(".git").exists(), "{}", task.id);
            continue;
        }
        let branch = git(&workspace, &["rev-parse", "--abbrev-ref", "HEAD"])?;
        assert_eq!(branch, format!("agents-runner/{}", task.id));
        let status = git(&workspace, &["status", "--porcelain"])?;
        let ahead: u32 = git(&workspace, &["rev-list", "--count", "@{u}..HEAD"])?.parse()?;
        let not_on_remote = git(
            &workspace,
            &["log", "--oneline", "--branches", "--not", "--remotes"],
        )?;
        match task.workspace {
            DemoWorkspace::Clean => {
                assert!(status.is_empty(), "{}: {status}", task.id);
                assert_eq!(ahead, 0, "{}", task.id);
                assert!(not_on_remote.is_empty(), "{}", task.id);
            }
            DemoWorkspace::Uncommitted => {
                assert!(status.contains(" M README.md"), "{}: {status}", task.id);
                assert!(status.contains("?? "), "{}: {status}", task.id);
                assert_eq!(ahead, 0, "{}", task.id);
            }
            DemoWorkspace::Unpushed => {
                assert!(status.is_empty(), "{}: {status}", task.id);
                assert!(ahead > 0, "{}", task.id);
                assert!(!not_on_remote.is_empty(), "{}", task.id);
            }
            DemoWorkspace::None => {}
        }
        let name = git(&workspace, &["config", "--local", "user.name"])?;
        assert!(!name.is_empty());
    }
    Ok(())
}

#[test]
fn finished_workspaces_look_old_and_active_ones_fresh() -> TestResult {
    let fixture = Fixture::new()?;
    let now = SystemTime::now();
    for task in TASKS.iter().filter(|t| t.workspace != DemoWorkspace::None) {
        let workspace = fixture.workspace(task.env_id, task.id);
        let age = now
            .duration_since(newest_mtime(&workspace)?)
            .unwrap_or_default();
        if task.is_finished() {
            assert!(age > DAY, "{}: newest entry is {age:?} old", task.id);
        } else {
            assert!(age < DAY, "{}: newest entry is {age:?} old", task.id);
        }
    }
    Ok(())
}

#[test]
fn the_read_only_folder_is_read_only() -> TestResult {
    let fixture = Fixture::new()?;
    let task = TASKS
        .iter()
        .find(|t| t.id == READ_ONLY_TASK)
        .ok_or("no read-only task")?;
    let folder = fixture
        .workspace(task.env_id, task.id)
        .join(READ_ONLY_SUBDIR);
    let files: Vec<_> = fs::read_dir(&folder)?.collect::<Result<_, _>>()?;
    assert!(!files.is_empty());
    for file in files {
        assert!(fs::metadata(file.path())?.permissions().readonly());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&folder)?.permissions().mode() & 0o777, 0o555);
    }
    Ok(())
}
