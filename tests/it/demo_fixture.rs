//! Checks that the demo data dir (and the fixture built on it) looks like what
//! Agents-Runner writes, so the other integration tests exercise real situations.

use crate::common;

use agents_janitor::store::demo::{
    self, CLASH_TASK, DemoError, DemoWorkspace, ENV_API, ENV_NOTES, ENV_SCRATCH, ENV_WEBAPP,
    ENVIRONMENTS, HUGE_LOG_LINES, HUGE_LOG_TASK, LEGACY_MODE_TASK, MARKER_KEY, MARKER_VALUE,
    NOTES_DIR, ORPHAN_FOLDER, READ_ONLY_SUBDIR, READ_ONLY_TASK, TASKS,
};
use agents_janitor::store::paths;
use agents_janitor::store::time::parse_iso;
use common::{
    CORRUPT_ACTIVE_TASK, Fixture, NON_UTF8_ARCHIVED_TASK, du_bytes, newest_mtime, tree_digest,
};
use std::collections::BTreeSet;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

type TestResult = Result<(), Box<dyn Error>>;

const VOCABULARY: &[&str] = &[
    "queued",
    "pulling",
    "cloning",
    "created",
    "starting",
    "running",
    "cleaning",
    "paused",
    "restarting",
    "removing",
    "done",
    "cancelled",
    "killed",
    "exited",
    "failed",
    "error",
    "dead",
    "discarded",
];

const DAY: Duration = Duration::from_secs(24 * 3600);

fn is_lower_hex(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// Every well-formed task file the demo wrote (active, archived, and the clash copy).
fn task_files(data_dir: &Path) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let broken = [
        Fixture::corrupt_task_path(data_dir),
        Fixture::non_utf8_task_path(data_dir),
    ];
    let mut files = Vec::new();
    for folder in [
        paths::active_tasks_dir(data_dir),
        paths::archived_tasks_dir(data_dir),
    ] {
        for entry in fs::read_dir(folder)? {
            let path = entry?.path();
            if path.extension().is_some_and(|ext| ext == "toml") && !broken.contains(&path) {
                files.push(path);
            }
        }
    }
    Ok(files)
}

fn read_toml(path: &Path) -> Result<toml::Table, Box<dyn Error>> {
    Ok(fs::read_to_string(path)?.parse::<toml::Table>()?)
}

fn task_file_path(data_dir: &Path, task: &demo::DemoTask) -> PathBuf {
    let folder = if task.archived {
        paths::archived_tasks_dir(data_dir)
    } else {
        paths::active_tasks_dir(data_dir)
    };
    folder.join(format!("{}.toml", task.id))
}

fn contains_datetime(value: &toml::Value) -> bool {
    match value {
        toml::Value::Datetime(_) => true,
        toml::Value::Array(items) => items.iter().any(contains_datetime),
        toml::Value::Table(table) => table.values().any(contains_datetime),
        _ => false,
    }
}

/// Runs git in `dir` and returns its trimmed stdout, failing on a non-zero exit.
fn git(dir: &Path, args: &[&str]) -> Result<String, Box<dyn Error>> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "git {args:?} in {}: {}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(String::from_utf8(output.stdout)?.trim_end().to_owned())
}

#[test]
fn every_status_of_the_vocabulary_is_in_a_cloned_env() -> TestResult {
    let fixture = Fixture::new()?;
    for status in VOCABULARY {
        let task = fixture.task(status)?;
        assert!(demo::CLONED_ENVS.contains(&task.env_id), "{status}");
    }
    for code in [Some(0), Some(1)] {
        let found = TASKS.iter().any(|task| {
            task.status == "exited" && task.exit_code == code && task.workspace_type() == "cloned"
        });
        assert!(found, "exited with {code:?}");
    }

    let mut written = BTreeSet::new();
    for path in task_files(&fixture.data_dir)? {
        let table = read_toml(&path)?;
        if let Some(status) = table.get("status").and_then(toml::Value::as_str) {
            written.insert(status.to_owned());
        }
    }
    for status in VOCABULARY {
        assert!(
            written.contains(*status),
            "no task file with status {status}"
        );
    }

    let mut ids = BTreeSet::new();
    for task in TASKS {
        assert!(task.id.len() == 10 && is_lower_hex(task.id), "{}", task.id);
        assert!(ids.insert(task.id), "duplicate id {}", task.id);
    }
    assert!(TASKS.len() >= 22);
    for env in ENVIRONMENTS {
        let hex = env.id.strip_prefix("env-").unwrap_or_default();
        assert!(hex.len() == 8 && is_lower_hex(hex), "{}", env.id);
    }
    Ok(())
}

#[test]
fn state_and_environments_are_written_like_agents_runner() -> TestResult {
    let fixture = Fixture::new()?;
    let state = read_toml(&fixture.data_dir.join("state.toml"))?;
    assert_eq!(
        state.get("version").and_then(toml::Value::as_integer),
        Some(4)
    );
    assert!(state.get("settings").is_some_and(toml::Value::is_table));
    assert!(state.get("agent_watch").is_some_and(toml::Value::is_table));

    let text = fs::read_to_string(paths::environments_file(&fixture.data_dir))?;
    assert!(
        text.starts_with("{\n  \"environments\": [\n    {\n"),
        "indent 2"
    );
    // Keys of each environment (indent 6) are sorted, as json.dumps(sort_keys=True) writes them.
    let mut keys: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.starts_with("    {") {
            keys.clear();
        } else if let Some(rest) = line.strip_prefix("      \"") {
            let key = rest.split('"').next().unwrap_or_default();
            assert!(
                keys.last().is_none_or(|last| *last < key),
                "{key} after {keys:?}"
            );
            keys.push(key);
        }
    }

    let json: serde_json::Value = serde_json::from_str(&text)?;
    let items = json["environments"]
        .as_array()
        .ok_or("no environments list")?;
    assert_eq!(items.len(), 4);
    let find = |id: &str| {
        items
            .iter()
            .find(|item| item["env_id"] == id || item["id"] == id)
            .ok_or(format!("no environment {id}"))
    };
    for item in items {
        assert!(item["agent_selection"].is_null() && item.get("agent_selection").is_some());
        assert!(item["env_vars"].is_object() && item["prompts"].is_array());
        assert!(item["ports"].is_array());
    }

    let webapp = find(ENV_WEBAPP)?;
    assert_eq!(webapp["workspace_type"], "cloned");
    assert_eq!(webapp["color"], "emerald");
    let api = find(ENV_API)?;
    assert!(api.get("env_id").is_none() && api["id"] == ENV_API);
    assert_eq!(api["workspace_type"], "github");
    assert_eq!(api["color"], "cyan");
    let bare_repos = fixture.has_git_checkouts()?;
    for cloned in [webapp, api] {
        let target = cloned["workspace_target"].as_str().ok_or("no target")?;
        assert!(Path::new(target).starts_with(&fixture.data_dir), "{target}");
        if bare_repos {
            assert!(
                Path::new(target).join("HEAD").is_file(),
                "{target} is a bare repo"
            );
        }
    }

    let notes = find(ENV_NOTES)?;
    assert_eq!(notes["workspace_type"], "mounted");
    assert_eq!(notes["color"], "rose");
    let notes_dir = fixture.data_dir.join(NOTES_DIR);
    assert_eq!(notes["workspace_target"], notes_dir.display().to_string());
    assert!(fs::read_dir(&notes_dir)?.count() >= 2);
    let scratch = find(ENV_SCRATCH)?;
    assert_eq!(scratch["workspace_type"], "none");
    assert_eq!(scratch["color"], "orange");
    Ok(())
}

#[test]
fn task_files_keep_the_types_agents_runner_demands() -> TestResult {
    let fixture = Fixture::new()?;
    let files = task_files(&fixture.data_dir)?;
    assert_eq!(
        files.len(),
        TASKS.len() + 1,
        "every task plus one clash copy"
    );
    let now = SystemTime::now();
    for path in &files {
        let table = read_toml(path)?;
        let name = path.display();
        let id = table
            .get("task_id")
            .and_then(toml::Value::as_str)
            .unwrap_or_default();
        assert!(!id.is_empty(), "{name}: task_id");
        let stem = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert!(
            stem.starts_with(&format!("{id}.")),
            "{name}: file named after {id}"
        );
        assert!(
            !table.values().any(contains_datetime),
            "{name}: native TOML datetime"
        );
        assert!(
            table.get("created_at_s").is_some_and(toml::Value::is_float),
            "{name}: created_at_s"
        );
        for key in ["started_at", "finished_at"] {
            if let Some(field) = table.get(key) {
                let text = field
                    .as_str()
                    .ok_or(format!("{name}: {key} not a string"))?;
                assert!(parse_iso(text).is_some(), "{name}: {key} = {text}");
            }
        }
        assert_eq!(
            table.get(MARKER_KEY).and_then(toml::Value::as_str),
            Some(MARKER_VALUE),
            "{name}"
        );
        assert!(
            table.get("git").is_some_and(toml::Value::is_table),
            "{name}"
        );
        assert!(
            table
                .get("runner_config")
                .is_some_and(toml::Value::is_table),
            "{name}"
        );
        let logs = table
            .get("logs")
            .and_then(toml::Value::as_array)
            .ok_or("logs")?;
        assert!(logs.iter().all(toml::Value::is_str), "{name}: logs");
        let prompt = table
            .get("prompt")
            .and_then(toml::Value::as_str)
            .unwrap_or_default();
        assert!(prompt.contains("\n\n"), "{name}: multi-line prompt");
        let finalization = table
            .get("finalization_state")
            .and_then(toml::Value::as_str);
        assert!(matches!(finalization, Some("done" | "pending")), "{name}");
    }

    for task in TASKS {
        let table = read_toml(&task_file_path(&fixture.data_dir, task))?;
        let logs = table
            .get("logs")
            .and_then(toml::Value::as_array)
            .map_or(0, Vec::len);
        if task.id == HUGE_LOG_TASK {
            assert_eq!(logs, HUGE_LOG_LINES);
        } else {
            assert!((5..=40).contains(&logs), "{}: {logs} log lines", task.id);
        }
        assert_eq!(
            table.get("status").and_then(toml::Value::as_str),
            Some(task.status)
        );
        assert_eq!(
            table.get("exit_code").and_then(toml::Value::as_integer),
            task.exit_code
        );
        let finished_at = table.get("finished_at").and_then(toml::Value::as_str);
        assert_eq!(finished_at.is_some(), task.is_finished(), "{}", task.id);
        let created = table
            .get("created_at_s")
            .and_then(toml::Value::as_float)
            .unwrap_or_default();
        let created_age = now.duration_since(SystemTime::UNIX_EPOCH)?.as_secs_f64() - created;
        if task.is_finished() {
            let finished = finished_at.and_then(parse_iso).ok_or("finished_at")?;
            let age = chrono::Utc::now() - finished;
            assert!(
                age.num_hours() >= 24 && age.num_hours() < 6 * 24,
                "{}",
                task.id
            );
        } else {
            assert!(
                created_age > 0.0 && created_age < DAY.as_secs_f64(),
                "{}",
                task.id
            );
        }
        if matches!(task.status, "failed" | "error") {
            assert!(
                table.get("error").is_some_and(toml::Value::is_str),
                "{}",
                task.id
            );
        }
        if task.workspace_type() == "cloned" {
            let branch = table.get("gh_branch").and_then(toml::Value::as_str);
            assert_eq!(branch, Some(format!("agents-runner/{}", task.id).as_str()));
            let root = table.get("gh_repo_root").and_then(toml::Value::as_str);
            let want = fixture.workspace(task.env_id, task.id);
            assert_eq!(root.map(PathBuf::from), Some(want));
        }
        let mode = table.get("workspace_type").and_then(toml::Value::as_str);
        if task.id == LEGACY_MODE_TASK {
            assert_eq!(mode, None);
            let legacy = table
                .get("gh_management_mode")
                .and_then(toml::Value::as_str);
            assert_eq!(legacy, Some("github"));
        } else {
            assert_eq!(mode, Some(task.workspace_type()), "{}", task.id);
        }
    }

    let clashes: Vec<_> = files
        .iter()
        .filter_map(|path| path.file_name()?.to_str())
        .filter(|name| name.contains(".dup-"))
        .collect();
    assert_eq!(clashes.len(), 1, "{clashes:?}");
    assert!(
        clashes
            .iter()
            .all(|name| name.starts_with(&format!("{CLASH_TASK}.dup-")))
    );
    Ok(())
}

#[cfg(unix)]
#[test]
fn agents_runner_files_are_private() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let fixture = Fixture::new()?;
    let mut files = task_files(&fixture.data_dir)?;
    files.push(fixture.data_dir.join("state.toml"));
    files.push(paths::environments_file(&fixture.data_dir));
    for path in files {
        let mode = fs::metadata(&path)?.permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
    Ok(())
}

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
    let empty = tempfile::tempdir()?;
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
