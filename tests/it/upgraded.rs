//! A data dir upgraded from older Agents-Runner versions, as a real user has one: legacy
//! JSON records (active, archived, a `.dup-` copy), a `<task>.bak-<ns>` folder Agents-Runner
//! moved aside, the folders of a deleted environment, an environment item of version 2,
//! and the statuses and spellings of today's Agents-Runner (`retrying (attempt 2)`,
//! `exited` without a code, `finalization_state = "DONE"`). Plus the golden test: every
//! line the janitor adds to a record it discarded is one Agents-Runner's log view reads
//! as canonical.

use crate::common;

use common::mini::{Canaries, ENV, Mini, TestResult, fill, records, status_and_logs};
use common::{tree_digest, write_private};
use regex_automata::meta::Regex;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Legacy JSON, archived, finished well; its workspace is on disk.
const JSON_DONE: &str = "0a0a0a0a01";
/// Legacy JSON, active, still "running" (stale: Agents-Runner no longer reads it).
const JSON_RUNNING: &str = "0a0a0a0a02";
/// Legacy JSON, active, `exited` without an exit code.
const JSON_EXITED: &str = "0a0a0a0a03";
/// TOML, `retrying (attempt 2)`.
const RETRYING: &str = "0b0b0b0b01";
/// TOML, done and finalized, with a `finished_at` of its own: the one discarded.
const DONE: &str = "0b0b0b0b02";
/// TOML, `Done` with `finalization_state = "DONE"`: archived like `done`/`done`.
const SHOUTED: &str = "0b0b0b0b03";
/// The folder Agents-Runner moved aside from [`DONE`]'s workspace.
const BACKUP: &str = "0b0b0b0b02.bak-1764000000123456789";
/// An environment gone from environments.json, and one of version 2 (ignored by
/// Agents-Runner, so not a cloned environment of ours, but not deleted either).
const ENV_GONE: &str = "env-0dead0001";
const ENV_V2: &str = "env-0f0f0002";
const GONE_TASK: &str = "0c0c0c0c01";
const V2_TASK: &str = "0d0d0d0d01";
/// Agents-Runner's `finished_at` for [`DONE`], which a discard must keep.
const DONE_FINISHED_AT: &str = "2026-01-20T09:15:00.123456+00:00";

/// The canonical header `log_format.py` matches (`_CANONICAL_LOG_RE`).
const CANONICAL: &str = r"^\[[^/\]]+/[^\]]+\]\[[A-Z]+\]\s";

struct Upgraded {
    mini: Mini,
}

impl Upgraded {
    fn new() -> Result<Self, Box<dyn std::error::Error>> {
        let mini = Mini::new()?;
        let envs = json!({"environments": [
            {"env_id": ENV, "version": 1, "name": "Web", "color": "emerald",
             "workspace_type": "cloned", "workspace_target": "https://example.invalid/web.git"},
            {"env_id": ENV_V2, "version": 2, "name": "From the future",
             "workspace_type": "cloned", "workspace_target": "https://example.invalid/v2.git"},
        ]});
        write_private(
            &mini.data_dir.join("environments.json"),
            serde_json::to_string_pretty(&envs)?.as_bytes(),
        )?;
        let fx = Self { mini };
        fx.json_record(
            true,
            &format!("{JSON_DONE}.json"),
            json_task(JSON_DONE, "done", Some(0)),
        )?;
        fx.json_record(
            true,
            &format!("{JSON_DONE}.dup-1767000000000000000.json"),
            json_task(JSON_DONE, "running", None),
        )?;
        fx.json_record(
            false,
            &format!("{JSON_RUNNING}.json"),
            json_task(JSON_RUNNING, "running", None),
        )?;
        fx.json_record(
            false,
            &format!("{JSON_EXITED}.json"),
            json_task(JSON_EXITED, "exited", None),
        )?;
        let mini = &fx.mini;
        mini.add_task(RETRYING, ENV, "retrying (attempt 2)")?;
        let done = mini.add_task(DONE, ENV, "done")?;
        edit(&done, |doc| {
            doc["finished_at"] = toml_edit::value(DONE_FINISHED_AT);
        })?;
        let shouted = mini.add_task(SHOUTED, ENV, "Done")?;
        edit(&shouted, |doc| {
            doc["finalization_state"] = toml_edit::value("DONE");
        })?;
        for id in [
            JSON_DONE,
            JSON_RUNNING,
            JSON_EXITED,
            RETRYING,
            DONE,
            SHOUTED,
        ] {
            mini.add_workspace(ENV, id, 20)?;
        }
        fill(&fx.tasks_folder(ENV).join(BACKUP), 5)?;
        fill(&fx.tasks_folder(ENV_GONE).join(GONE_TASK), 5)?;
        fill(&fx.tasks_folder(ENV_V2).join(V2_TASK), 5)?;
        // Every folder three days old, so age rules (orphans wait an hour) do not decide.
        for env in [ENV, ENV_GONE, ENV_V2] {
            age(&fx.tasks_folder(env))?;
        }
        Ok(fx)
    }

    fn tasks_folder(&self, env: &str) -> PathBuf {
        self.mini
            .data_dir
            .join("managed-repos")
            .join(env)
            .join("tasks")
    }

    fn json_record(&self, archived: bool, name: &str, record: Value) -> TestResult {
        let folder = if archived {
            self.mini.data_dir.join("tasks").join("done")
        } else {
            self.mini.data_dir.join("tasks")
        };
        // As Agents-Runner's `json.dump(..., indent=2, sort_keys=True)` wrote them.
        write_private(
            &folder.join(name),
            serde_json::to_string_pretty(&record)?.as_bytes(),
        )
    }

    /// Every legacy JSON record, byte for byte.
    fn json_records(&self) -> Result<BTreeMap<PathBuf, Vec<u8>>, Box<dyn std::error::Error>> {
        let mut found = BTreeMap::new();
        for folder in [
            self.mini.data_dir.join("tasks"),
            self.mini.data_dir.join("tasks").join("done"),
        ] {
            for entry in fs::read_dir(folder)? {
                let path = entry?.path();
                if path.extension().is_some_and(|ext| ext == "json") {
                    found.insert(path.clone(), fs::read(&path)?);
                }
            }
        }
        Ok(found)
    }
}

/// An old JSON record: today's keys, `gh_management_mode` for the workspace type,
/// `null`s where Python had `None`.
fn json_task(id: &str, status: &str, exit_code: Option<i64>) -> Value {
    json!({
        "task_id": id,
        "environment_id": ENV,
        "status": status,
        "exit_code": exit_code,
        "error": null,
        "created_at_s": 1767225600.5,
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": if status == "running" { Value::Null } else { json!("2026-01-01T00:20:00+00:00") },
        "gh_management_mode": "github",
        "container_id": null,
        "prompt": "An old task",
        "logs": ["[00:00:01] cloning", "[00:19:59] done"],
        "runner_config": null,
    })
}

/// Sets every entry under `root` (folders too) three days back.
fn age(root: &Path) -> TestResult {
    let old = filetime::FileTime::from_system_time(
        std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 24 * 3600),
    );
    for entry in fs::read_dir(root)? {
        let path = entry?.path();
        if fs::symlink_metadata(&path)?.is_dir() {
            age(&path)?;
        } else {
            filetime::set_file_mtime(&path, old)?;
        }
    }
    filetime::set_file_mtime(root, old)?;
    Ok(())
}

fn edit(path: &Path, change: impl FnOnce(&mut toml_edit::DocumentMut)) -> TestResult {
    let mut doc: toml_edit::DocumentMut = fs::read_to_string(path)?.parse()?;
    change(&mut doc);
    write_private(path, doc.to_string().as_bytes())
}

fn rows_by_id(doc: &Value) -> BTreeMap<String, Vec<&Value>> {
    let mut rows: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for row in doc.as_array().into_iter().flatten() {
        let id = row["task_id"].as_str().unwrap_or_default().to_owned();
        rows.entry(id).or_default().push(row);
    }
    rows
}

#[test]
fn list_reads_legacy_records_and_todays_statuses_and_reports_the_version_2_item() -> TestResult {
    let fx = Upgraded::new()?;
    let listed = fx.mini.run(&["list", "--all", "--json"])?;
    assert_eq!(listed.code, Some(0), "{listed}");
    assert!(
        listed
            .stderr
            .contains(&format!("environment #1 ({ENV_V2}): version 2 is not 1")),
        "{listed}"
    );
    let doc = listed.json()?;
    let rows = rows_by_id(&doc);
    let one = |id: &str| -> Result<&Value, String> {
        match rows.get(id).map(Vec::as_slice) {
            Some([row]) => Ok(*row),
            other => Err(format!("{id}: {other:?}")),
        }
    };
    // The archived legacy record and its older copy.
    let json_done = rows.get(JSON_DONE).ok_or("no JSON_DONE rows")?;
    assert_eq!(json_done.len(), 2);
    for row in json_done {
        assert_eq!(row["legacy"], true, "{row}");
        assert_eq!(row["archived"], true, "{row}");
        assert_eq!(row["workspace_type"], "cloned", "gh_management_mode github");
    }
    assert!(json_done.iter().any(|row| row["duplicate"] == true));
    assert!(
        json_done
            .iter()
            .any(|row| row["duplicate"] == false && row["status_class"] == "succeeded")
    );
    let json_running = one(JSON_RUNNING)?;
    assert_eq!(json_running["legacy"], true);
    assert_eq!(json_running["status_class"], "active");
    assert!(
        json_running["workspace_bytes"].as_u64() > Some(0),
        "its workspace is its own"
    );
    assert_eq!(
        one(JSON_EXITED)?["status_class"],
        "unknown",
        "exited without a code"
    );
    assert_eq!(one(RETRYING)?["status_class"], "active");
    assert_eq!(one(RETRYING)?["legacy"], false);
    assert_eq!(one(SHOUTED)?["status_class"], "succeeded");

    let table = fx.mini.run(&["list", "--all"])?;
    let marked = table
        .stdout
        .lines()
        .find(|line| line.starts_with(JSON_RUNNING))
        .ok_or_else(|| format!("no row for {JSON_RUNNING}:\n{table}"))?;
    assert!(marked.contains(" json "), "the table marks it: {marked}");
    Ok(())
}

#[test]
fn orphans_names_backups_and_deleted_environments_and_legacy_workspaces_are_not_orphans()
-> TestResult {
    let fx = Upgraded::new()?;
    let listed = fx.mini.run(&["orphans", "--json"])?;
    assert_eq!(listed.code, Some(0), "{listed}");
    let doc = listed.json()?;
    let mut kinds: Vec<(String, String, String, Value)> = doc["orphans"]
        .as_array()
        .ok_or("no orphans list")?
        .iter()
        .map(|row| {
            (
                row["env_folder"].as_str().unwrap_or_default().to_owned(),
                row["folder"].as_str().unwrap_or_default().to_owned(),
                row["kind"].as_str().unwrap_or_default().to_owned(),
                row["backup_of"].clone(),
            )
        })
        .collect();
    kinds.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    assert_eq!(
        kinds,
        [
            (
                ENV_GONE.into(),
                GONE_TASK.into(),
                "deleted_environment".into(),
                Value::Null
            ),
            // Agents-Runner ignores a version-2 item, but it names the folder: not deleted.
            (ENV_V2.into(), V2_TASK.into(), "orphan".into(), Value::Null),
            (ENV.into(), BACKUP.into(), "backup".into(), json!(DONE)),
        ],
        "{doc}"
    );
    for row in doc["orphans"].as_array().into_iter().flatten() {
        assert!(row["disk_bytes"].as_u64() > Some(0), "sized: {row}");
    }
    let text = fx.mini.run(&["orphans"])?;
    assert!(text.stdout.contains(&format!("backup of {DONE}")), "{text}");
    assert!(text.stdout.contains("deleted environment"), "{text}");
    Ok(())
}

#[test]
fn sweep_archive_and_the_quotas_never_take_backups_deleted_environments_or_legacy_records()
-> TestResult {
    let fx = Upgraded::new()?;
    let mini = &fx.mini;
    let json_before = fx.json_records()?;
    let kept_trees = [
        mini.workspace(ENV, JSON_RUNNING),
        mini.workspace(ENV, JSON_EXITED),
        mini.workspace(ENV, RETRYING),
        fx.tasks_folder(ENV).join(BACKUP),
        fx.tasks_folder(ENV_GONE).join(GONE_TASK),
        fx.tasks_folder(ENV_V2).join(V2_TASK),
    ];
    let kept: Vec<&Path> = kept_trees.iter().map(PathBuf::as_path).collect();
    let canaries = Canaries::new(mini, &kept);

    let swept = mini.run(&["sweep", "--older-than", "1h", "--json"])?;
    assert_eq!(swept.code, Some(0), "{swept}");
    let doc = swept.json()?;
    let skipped: Vec<String> = doc["plan"]["skipped"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| format!("{}: {}", s["task_id"], s["reason"]))
        .collect();
    for wanted in [BACKUP, GONE_TASK, JSON_RUNNING, JSON_EXITED, RETRYING] {
        assert!(
            skipped.iter().any(|s| s.contains(wanted)),
            "{wanted} not skipped: {skipped:#?}"
        );
    }
    // Finished tasks' workspaces go under the same rules, the legacy one's too.
    for id in [JSON_DONE, DONE, SHOUTED] {
        assert!(!mini.workspace(ENV, id).exists(), "{id}");
    }
    canaries.assert_intact("sweep");

    let archived = mini.run(&["archive", "--json"])?;
    assert_eq!(archived.code, Some(0), "{archived}");
    let doc = archived.json()?;
    let steps: Vec<&str> = doc["plan"]["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["task_id"].as_str())
        .collect();
    assert_eq!(
        steps,
        [DONE, SHOUTED],
        "finalization_state DONE is done; legacy records are never archived: {doc}"
    );
    assert!(mini.archived_record(SHOUTED).is_file());
    canaries.assert_intact("archive");

    // A quota far below what is left: nothing left is the quota's to take.
    let config = mini.root.path().join("config.toml");
    fs::write(
        &config,
        format!("[quotas.{ENV}]\nlimit = \"1 B\"\nauto_clean = true\n"),
    )?;
    let config_arg = config.display().to_string();
    let quotas = mini.run(&[
        "--config",
        &config_arg,
        "enforce-quotas",
        "--force",
        "--json",
    ])?;
    assert_eq!(quotas.code, Some(0), "{quotas}");
    let doc = quotas.json()?;
    assert_eq!(
        doc["plan"]["steps"].as_array().map(Vec::len),
        Some(0),
        "{doc}"
    );
    assert!(
        doc["plan"]["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("stays over its quota")),
        "{doc}"
    );
    canaries.assert_intact("enforce-quotas");
    assert_eq!(fx.json_records()?, json_before, "no JSON record changed");
    Ok(())
}

#[test]
fn a_legacy_task_is_discarded_only_in_its_workspace_and_never_restored() -> TestResult {
    let fx = Upgraded::new()?;
    let mini = &fx.mini;
    let json_before = fx.json_records()?;

    let refused = mini.run(&["discard", JSON_RUNNING])?;
    assert_eq!(refused.code, Some(1), "active-looking is active: {refused}");
    assert!(mini.workspace(ENV, JSON_RUNNING).exists());

    let discarded = mini.run(&["discard", JSON_RUNNING, "--force"])?;
    assert_eq!(discarded.code, Some(0), "{discarded}");
    assert!(discarded.stdout.contains("is read-only"), "{discarded}");
    assert!(
        discarded.stderr.contains("a legacy JSON record, read-only"),
        "{discarded}"
    );
    assert!(!mini.workspace(ENV, JSON_RUNNING).exists());

    let restored = mini.run(&["restore", JSON_DONE])?;
    assert_eq!(restored.code, Some(1), "{restored}");
    assert!(
        restored.stderr.contains("a legacy JSON record"),
        "{restored}"
    );
    assert_eq!(fx.json_records()?, json_before, "no JSON record changed");
    assert!(!mini.active_record(JSON_DONE).exists());
    Ok(())
}

#[test]
fn backups_and_a_deleted_environments_folders_go_only_when_named() -> TestResult {
    let fx = Upgraded::new()?;
    let mini = &fx.mini;
    let backup = fx.tasks_folder(ENV).join(BACKUP);
    let gone = fx.tasks_folder(ENV_GONE).join(GONE_TASK);
    let v2 = fx.tasks_folder(ENV_V2).join(V2_TASK);
    let canaries = Canaries::new(mini, &[&backup, &gone, &v2]);

    let all = mini.run(&["orphans", "--delete", "--force"])?;
    assert_eq!(all.code, Some(0), "{all}");
    for said in [
        format!("folder {ENV_V2} matches no environment"),
        format!("folder of deleted environment {ENV_GONE}: only deleted when named"),
        format!("backup of task {DONE} that Agents-Runner moved aside: only deleted when named"),
    ] {
        assert!(all.stdout.contains(&said), "{said:?} missing: {all}");
    }
    canaries.assert_intact("orphans --delete");

    let backup_arg = backup.display().to_string();
    let gone_arg = gone.display().to_string();
    let named = mini.run(&["orphans", "--delete", &backup_arg, &gone_arg])?;
    assert_eq!(named.code, Some(0), "{named}");
    assert!(!backup.exists() && !gone.exists(), "{named}");
    assert!(v2.exists() && mini.workspace(ENV, DONE).exists());
    assert!(mini.staged().is_empty());

    // A folder named by a relative path is found as well; an unknown one is an error.
    let not_an_orphan = mini.workspace(ENV, DONE).display().to_string();
    let wrong = mini.run(&["orphans", "--delete", &not_an_orphan])?;
    assert_eq!(wrong.code, Some(2), "{wrong}");
    assert!(wrong.stderr.contains("is not an orphan"), "{wrong}");
    Ok(())
}

#[test]
fn an_archive_clash_leaves_the_newest_copy_under_the_task_id() -> TestResult {
    let fx = Upgraded::new()?;
    let mini = &fx.mini;
    // An older archived copy of SHOUTED, as a save of Agents-Runner could leave one.
    let older = mini.archived_record(SHOUTED);
    let older_text = common::mini::task_toml(SHOUTED, common::mini::ENV, "failed")?;
    write_private(&older, older_text.as_bytes())?;
    let newer_text = fs::read_to_string(mini.active_record(SHOUTED))?;

    let archived = mini.run(&["archive"])?;
    assert_eq!(archived.code, Some(0), "{archived}");
    let taken = fs::read_to_string(&older)?;
    // The record archived took the name (with the janitor's lines after its own).
    let newer_logs_end = newer_text.rfind("\"]").ok_or("no logs in the record")?;
    assert!(
        taken.starts_with(&newer_text[..newer_logs_end]),
        "the record archived took the name:\n{taken}"
    );
    let found = records(&mini.data_dir)?;
    let places = found.get(SHOUTED).ok_or("no record")?;
    assert_eq!(places.len(), 2, "{places:?}");
    let dup = places
        .iter()
        .find(|p| p.to_string_lossy().contains(".dup-"))
        .ok_or("no .dup- copy")?;
    assert_eq!(fs::read_to_string(dup)?, older_text);

    let listed = mini.run(&["list", "--archived", "--json"])?.json()?;
    let rows = rows_by_id(&listed);
    let original = rows
        .get(SHOUTED)
        .into_iter()
        .flatten()
        .find(|row| row["duplicate"] == false)
        .ok_or("no original row")?;
    assert_eq!(original["status"], "Done", "list sees the newest copy");

    let restored = mini.run(&["restore", SHOUTED])?;
    assert_eq!(restored.code, Some(0), "{restored}");
    assert_eq!(fs::read_to_string(mini.active_record(SHOUTED))?, taken);
    assert_eq!(fs::read_to_string(dup)?, older_text);
    Ok(())
}

/// Golden test: a record the janitor discarded parses with Agents-Runner's canonical
/// log pattern on every line the janitor added, and keeps its own `finished_at`.
#[test]
fn every_line_the_janitor_adds_to_a_record_matches_agents_runners_canonical_pattern() -> TestResult
{
    let fx = Upgraded::new()?;
    let mini = &fx.mini;
    let canonical = Regex::new(CANONICAL)?;
    let record = mini.active_record(DONE);
    let (_, before) = status_and_logs(&record)?;
    let workspace = tree_digest(&mini.workspace(ENV, DONE));
    assert!(!workspace.is_empty());

    let discarded = mini.run(&["discard", DONE])?;
    assert_eq!(discarded.code, Some(0), "{discarded}");
    let archived = mini.archived_record(DONE);
    let (status, after) = status_and_logs(&archived)?;
    assert_eq!(status, "discarded");
    assert!(after.starts_with(&before), "the old lines stay in front");
    let added = &after[before.len()..];
    assert!(added.len() >= 4, "{added:#?}");
    for line in added {
        assert!(canonical.is_match(line), "not canonical: {line:?}");
        assert!(line.starts_with("[cleanup/janitor]["), "{line:?}");
    }
    for wanted in [
        "[cleanup/janitor][INFO] Task discarded by agents-janitor",
        "[cleanup/janitor][INFO] Removing task workspace: ",
        "[cleanup/janitor][INFO] Workspace cleaned up",
    ] {
        assert!(
            added.iter().any(|line| line.starts_with(wanted)),
            "{wanted:?} not in {added:#?}"
        );
    }
    let table: toml::Table = fs::read_to_string(&archived)?.parse()?;
    assert_eq!(
        table.get("finished_at").and_then(toml::Value::as_str),
        Some(DONE_FINISHED_AT),
        "discard keeps an existing finished_at"
    );
    // The janitor's own log keeps its style.
    assert!(
        discarded.stderr.contains("[cleanup] Workspace cleaned up"),
        "{discarded}"
    );
    Ok(())
}
