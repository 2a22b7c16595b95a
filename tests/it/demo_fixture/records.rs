//! The records, environments and state the demo writes are typed and laid out like
//! Agents-Runner's.

use super::{
    DAY, TestResult, VOCABULARY, contains_datetime, is_lower_hex, read_toml, task_file_path,
    task_files,
};
use crate::common;
use agents_janitor::demo::{
    self, CLASH_TASK, ENV_API, ENV_NOTES, ENV_SCRATCH, ENV_WEBAPP, ENVIRONMENTS, HUGE_LOG_LINES,
    HUGE_LOG_TASK, LEGACY_MODE_TASK, MARKER_KEY, MARKER_VALUE, NOTES_DIR, TASKS,
};
use agents_janitor::store::paths;
use agents_janitor::store::time::parse_iso;
use common::Fixture;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

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
