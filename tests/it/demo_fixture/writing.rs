//! Writing the demo and the fixture: only into an empty folder, with broken files and
//! canaries beside it.

use super::TestResult;
use crate::common;
use agents_janitor::demo::{
    self, DemoError, DemoWorkspace, ENV_API, ENV_WEBAPP, READ_ONLY_SUBDIR, READ_ONLY_TASK, TASKS,
};
use agents_janitor::store::paths;
use common::{CORRUPT_ACTIVE_TASK, Fixture, NON_UTF8_ARCHIVED_TASK, tree_digest};
use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::path::Path;
use std::time::SystemTime;

#[test]
fn refuses_a_non_empty_dir_and_changes_nothing() -> TestResult {
    let fixture = Fixture::new()?;
    let before = tree_digest(&fixture.data_dir);
    let result = demo::write_demo(&fixture.data_dir);
    assert!(
        matches!(&result, Err(DemoError::NotEmpty(dir)) if *dir == fixture.data_dir),
        "{result:?}"
    );
    assert_eq!(tree_digest(&fixture.data_dir), before);

    let other = tempfile::tempdir()?;
    fs::write(other.path().join("precious.txt"), "mine")?;
    let before = tree_digest(other.path());
    assert!(matches!(
        demo::write_demo(other.path()),
        Err(DemoError::NotEmpty(_))
    ));
    assert_eq!(tree_digest(other.path()), before);
    Ok(())
}

#[test]
fn writes_into_an_existing_empty_dir() -> TestResult {
    let empty = common::scratch::tempdir()?;
    let summary = demo::write_demo(empty.path())?;
    assert_eq!(summary.data_dir, empty.path());
    assert_eq!(summary.tasks, TASKS.len());
    assert!(paths::environments_file(empty.path()).is_file());
    assert!(paths::archived_tasks_dir(empty.path()).is_dir());
    let folder = paths::task_workspace_path(empty.path(), ENV_WEBAPP, READ_ONLY_TASK);
    assert!(folder.join(READ_ONLY_SUBDIR).is_dir());
    // Lift the read-only folder's protection so the temp dir can be removed.
    common::make_writable(empty.path());
    Ok(())
}

#[test]
fn fixture_has_broken_files_and_canaries_outside_the_data_dir() -> TestResult {
    let fixture = Fixture::new()?;
    let corrupt = Fixture::corrupt_task_path(&fixture.data_dir);
    assert!(corrupt.ends_with(format!("tasks/{CORRUPT_ACTIVE_TASK}.toml")));
    assert!(
        fs::read_to_string(&corrupt)?
            .parse::<toml::Table>()
            .is_err()
    );
    let non_utf8 = Fixture::non_utf8_task_path(&fixture.data_dir);
    assert!(non_utf8.ends_with(format!("tasks/done/{NON_UTF8_ARCHIVED_TASK}.toml")));
    assert!(String::from_utf8(fs::read(&non_utf8)?).is_err());

    assert!(!fixture.outside.starts_with(&fixture.data_dir));
    assert!(!fixture.data_dir.starts_with(&fixture.outside));
    let canaries = tree_digest(&fixture.outside);
    for name in ["canary.txt", "nested/notes.md", "nested/deeper/data.bin"] {
        let entry = canaries.get(name).ok_or(format!("no canary {name}"))?;
        assert!(entry.starts_with("file "), "{name}: {entry}");
    }
    assert!(
        canaries
            .get("nested")
            .is_some_and(|e| e.starts_with("dir "))
    );
    Ok(())
}

/// An entry's kind and mode, modification time, and contents (a link's target).
#[cfg(unix)]
type Entry = (String, SystemTime, Vec<u8>);

/// Every entry under `root` by relative path. Symlinks are not followed.
#[cfg(unix)]
fn listing(root: &Path) -> Result<BTreeMap<String, Entry>, Box<dyn Error>> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    let mut found = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(path) = pending.pop() {
        let meta = fs::symlink_metadata(&path)?;
        let mode = meta.permissions().mode();
        let (kind, contents) = if meta.is_symlink() {
            (
                "link",
                fs::read_link(&path)?.as_os_str().as_bytes().to_vec(),
            )
        } else if meta.is_dir() {
            for entry in fs::read_dir(&path)? {
                pending.push(entry?.path());
            }
            ("dir", Vec::new())
        } else {
            ("file", fs::read(&path)?)
        };
        let relative = path.strip_prefix(root)?.to_string_lossy().into_owned();
        found.insert(
            relative,
            (format!("{kind} {mode:o}"), meta.modified()?, contents),
        );
    }
    Ok(found)
}

/// A fixture is the demo template copied: every entry with its mode, time and contents,
/// the template's folder named as the fixture's wherever the demo wrote its path, and
/// nothing left that leads back to the template.
#[cfg(unix)]
#[test]
fn a_fixture_is_the_demo_template_copied_into_its_own_folder() -> TestResult {
    let fixture = Fixture::new()?;
    let template = common::template::template()?;
    let theirs = template.root().to_string_lossy().into_owned();
    let ours = fixture.root.path().to_string_lossy().into_owned();
    let mut expected = listing(&template.root().join("data"))?;
    for (_, _, contents) in expected.values_mut() {
        if let Ok(text) = std::str::from_utf8(contents) {
            *contents = text.replace(&theirs, &ours).into_bytes();
        }
    }
    let mut copied = listing(&fixture.data_dir)?;
    for broken in [
        Fixture::corrupt_task_path(&fixture.data_dir),
        Fixture::non_utf8_task_path(&fixture.data_dir),
    ] {
        let relative = broken.strip_prefix(&fixture.data_dir)?.to_string_lossy();
        assert!(copied.remove(relative.as_ref()).is_some(), "{relative}");
    }
    // The parents of the broken files changed when the fixture wrote them.
    for parent in ["tasks", "tasks/done"] {
        copied.remove(parent);
        expected.remove(parent);
    }
    assert_eq!(
        copied.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (path, entry) in &expected {
        assert!(copied.get(path) == Some(entry), "{path} differs");
    }
    let named_template = copied
        .iter()
        .filter(|(_, (_, _, contents))| String::from_utf8_lossy(contents).contains(&theirs))
        .map(|(path, _)| path)
        .collect::<Vec<_>>();
    assert!(named_template.is_empty(), "{named_template:?}");
    assert_eq!(fixture.summary.data_dir, fixture.data_dir);
    Ok(())
}

/// Without git, the task workspaces are there with their files but no `.git`, like the
/// demo where git does not run; everything else (a legacy checkout's `.git` too) stays.
#[test]
fn a_fixture_without_git_has_plain_task_workspaces() -> TestResult {
    let plain = Fixture::without_git()?;
    assert!(!plain.summary.git_checkouts);
    for task in TASKS.iter().filter(|t| t.workspace != DemoWorkspace::None) {
        let workspace = plain.workspace(task.env_id, task.id);
        assert!(workspace.join("README.md").is_file(), "{}", task.id);
        assert!(!workspace.join(".git").exists(), "{}", task.id);
    }
    let legacy = paths::managed_repos_dir(&plain.data_dir).join(ENV_API);
    assert!(legacy.join(".git").is_dir());
    Ok(())
}

#[cfg(unix)]
#[test]
fn tree_digest_sees_links_modes_and_contents() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir()?;
    fs::write(dir.path().join("a.txt"), "one")?;
    std::os::unix::fs::symlink("/etc", dir.path().join("link"))?;
    let before = tree_digest(dir.path());
    assert_eq!(before.get("link").map(String::as_str), Some("link /etc"));
    assert_eq!(
        before.len(),
        3,
        "root, file, link; the link is not followed: {before:?}"
    );

    fs::write(dir.path().join("a.txt"), "two")?;
    let edited = tree_digest(dir.path());
    assert_ne!(edited, before);
    fs::set_permissions(dir.path().join("a.txt"), fs::Permissions::from_mode(0o600))?;
    assert_ne!(tree_digest(dir.path()), edited);
    Ok(())
}
