//! `list`: a row per task, the documented JSON fields, sizes equal to du, filters.

use super::{
    BrokenFiles, TestResult, canonical_data, demo_task, dry_run, ids, strings, world_digest,
};
use crate::common;
use agents_janitor::demo::{DemoTask, DemoWorkspace, ENV_API, JSON_RECORD_TASK, TASKS};
use agents_janitor::store::paths;
use common::{Fixture, du_bytes, run};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn list_shows_a_header_and_a_row_per_active_task() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let before = world_digest(&fx);
    let listed = run(&fx, &["list"])?;
    assert_eq!(listed.code, Some(0), "{listed}");
    broken.assert_reported(&listed);
    let mut lines = listed.stdout.lines();
    let header = lines.next().unwrap_or_default();
    for column in ["TASK", "ENVIRONMENT", "STATUS", "SIZE"] {
        assert!(header.contains(column), "header {header:?}");
    }
    let rows: Vec<&str> = listed
        .stdout
        .lines()
        .skip(1)
        .filter(|line| !line.ends_with("task(s)"))
        .collect();
    let active: Vec<&DemoTask> = TASKS.iter().filter(|t| !t.archived).collect();
    assert_eq!(rows.len(), active.len(), "{listed}");
    for task in &active {
        assert!(
            rows.iter().any(|row| row.starts_with(task.id)),
            "no row for {}:\n{listed}",
            task.id
        );
    }
    for task in TASKS.iter().filter(|t| t.archived) {
        assert!(
            !listed.stdout.contains(task.id),
            "archived {} listed",
            task.id
        );
    }
    assert!(
        listed.stdout.contains(&format!("{} task(s)", active.len())),
        "{listed}"
    );
    assert!(before == world_digest(&fx), "list changed files");
    broken.assert_intact()
}

#[test]
fn list_json_has_the_documented_fields_and_du_sizes() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let data = canonical_data(&fx)?;
    let listed = dry_run(&fx, &["list", "--json"])?;
    broken.assert_reported(&listed);
    let doc = listed.json()?;
    let rows = doc.as_array().ok_or("list --json is not an array")?;
    let compare_du = common::can_compare_with_du()?;
    for row in rows {
        let object = row.as_object().ok_or("a row is not an object")?;
        for key in [
            "task_id",
            "environment_id",
            "status",
            "archived",
            "workspace_type",
            "workspace_path",
            "workspace_bytes",
        ] {
            assert!(object.contains_key(key), "{key} missing in {row}");
        }
        let id = row["task_id"].as_str().ok_or("task_id is not a string")?;
        let env = row["environment_id"]
            .as_str()
            .ok_or("environment_id is not a string")?;
        assert!(row["status"].is_string(), "{row}");
        assert_eq!(row["archived"], Value::Bool(false), "{row}");
        let task = demo_task(id, |t| t.id == id)?;
        assert_eq!(env, task.env_id);
        assert_eq!(row["status"].as_str(), Some(task.status));
        assert_eq!(row["workspace_type"].as_str(), Some(task.workspace_type()));
        match task.workspace_type() {
            "cloned" => {
                let path = row["workspace_path"]
                    .as_str()
                    .ok_or_else(|| format!("cloned {id} without a path: {row}"))?;
                let expected = paths::task_workspace_path(&data, env, id);
                assert_eq!(Path::new(path), expected, "{row}");
                let bytes = row["workspace_bytes"]
                    .as_u64()
                    .ok_or_else(|| format!("cloned {id} without bytes: {row}"))?;
                if task.workspace == DemoWorkspace::None {
                    assert_eq!(bytes, 0, "{row}");
                } else if compare_du {
                    assert_eq!(Some(bytes), du_bytes(&["-sb"], &expected)?, "{id}");
                }
                // Where the work went, by the demo checkout's shape.
                let class = row["work"]["class"].as_str();
                let want: &[&str] = match task.workspace {
                    DemoWorkspace::None => &[],
                    DemoWorkspace::Clean => &["pushed", "merged", "no_commits"],
                    DemoWorkspace::Uncommitted => &["uncommitted"],
                    DemoWorkspace::Unpushed => &["unpushed"],
                };
                match class {
                    Some(class) => assert!(want.contains(&class), "{id}: {row}"),
                    None => assert!(want.is_empty(), "{id} has no work: {row}"),
                }
                assert!(
                    row["reclaimable_bytes"].is_u64() || want.is_empty(),
                    "{row}"
                );
            }
            "mounted" => {
                assert!(row["workspace_path"].is_string(), "{row}");
                assert!(row["workspace_bytes"].is_null(), "{row}");
            }
            _ => {
                assert!(row["workspace_path"].is_null(), "{row}");
                assert!(row["workspace_bytes"].is_null(), "{row}");
            }
        }
    }
    let listed_ids: BTreeSet<String> = strings(&doc);
    assert_eq!(listed_ids, ids(TASKS.iter().filter(|t| !t.archived)));
    broken.assert_intact()
}

#[test]
fn list_filters_by_archive_state_and_environment() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;

    let archived = dry_run(&fx, &["list", "--json", "--archived"])?.json()?;
    let rows = archived.as_array().ok_or("not an array")?;
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|row| row["archived"] == Value::Bool(true)));
    // The demo's legacy JSON record is archived too, and marked.
    let mut want = ids(TASKS.iter().filter(|t| t.archived));
    want.insert(JSON_RECORD_TASK.to_owned());
    assert_eq!(strings(&archived), want);
    for row in rows {
        let legacy = row["task_id"] == JSON_RECORD_TASK;
        assert_eq!(row["legacy"], Value::Bool(legacy), "{row}");
    }

    let all = dry_run(&fx, &["list", "--json", "--all"])?.json()?;
    let mut want = ids(TASKS.iter());
    want.insert(JSON_RECORD_TASK.to_owned());
    assert_eq!(strings(&all), want);
    let all_rows = all.as_array().ok_or("not an array")?;
    assert!(
        all_rows
            .iter()
            .any(|row| row["archived"] == Value::Bool(true))
    );
    assert!(
        all_rows
            .iter()
            .any(|row| row["archived"] == Value::Bool(false))
    );

    let api = dry_run(&fx, &["list", "--json", "--env", ENV_API])?.json()?;
    let api_rows = api.as_array().ok_or("not an array")?;
    assert!(
        api_rows
            .iter()
            .all(|row| row["environment_id"].as_str() == Some(ENV_API))
    );
    assert_eq!(
        strings(&api),
        ids(TASKS.iter().filter(|t| t.env_id == ENV_API && !t.archived))
    );

    let before = world_digest(&fx);
    let unknown = run(&fx, &["list", "--env", "env-00000000"])?;
    assert_eq!(unknown.code, Some(2), "{unknown}");
    assert!(unknown.stderr.contains("env-00000000"), "{unknown}");
    assert!(before == world_digest(&fx));
    broken.assert_intact()
}
