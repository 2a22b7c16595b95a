//! Bad input never panics and is never rewritten: property tests over task files,
//! `environments.json` and ISO dates, plus the edge cases a property test rarely hits
//! (empty files, every field with every wrong type, a 100 MB `logs` array, a
//! `state.toml` of another version, which the janitor does not read at all).

use crate::common;

use agents_janitor::store::tasks::{self, TaskEdit};
use agents_janitor::store::time::{format_iso, from_unix_seconds, parse_iso};
use agents_janitor::store::{Snapshot, environments, paths};
use common::mini::{ENV, Mini, TestResult, task_toml};
use proptest::prelude::*;
use std::fs;
use std::path::Path;

fn discard_edit() -> TaskEdit {
    TaskEdit {
        status: Some("discarded".into()),
        finished_at_if_unset: Some("2026-11-25T10:41:43.617551+00:00".into()),
        append_logs: vec!["[cleanup/janitor][INFO] from the bad-input suite".into()],
    }
}

/// Writes `bytes` as a task file, reads it, and edits it. A file that does not read is
/// never edited or changed; a file that reads is edited into one that reads back.
fn read_and_edit(dir: &Path, bytes: &[u8]) -> Result<(), TestCaseError> {
    let path = dir.join("t1.toml");
    fs::write(&path, bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let read = tasks::read_record(&path, false);
    let task_id = read
        .as_ref()
        .map_or("t1", |r| r.task_id.as_str())
        .to_owned();
    let edited = tasks::edit_record(&path, &task_id, &discard_edit());
    let after = fs::read(&path).map_err(|e| TestCaseError::fail(e.to_string()))?;
    match (&read, &edited) {
        (Err(_), _) | (Ok(_), Err(_)) => {
            prop_assert!(read.is_ok() || edited.is_err(), "unreadable file edited");
            prop_assert_eq!(
                after.as_slice(),
                bytes,
                "a file was rewritten without an edit"
            );
        }
        (Ok(_), Ok(_)) => {
            let again = tasks::read_record(&path, false);
            prop_assert!(
                again
                    .as_ref()
                    .is_ok_and(|r| r.task_id == task_id && r.status == "discarded"),
                "the edited file does not read back: {:?}",
                again
            );
        }
    }
    Ok(())
}

/// Any TOML value, nested a little.
fn toml_value() -> impl Strategy<Value = toml::Value> {
    let leaf = prop_oneof![
        any::<String>().prop_map(toml::Value::String),
        any::<i64>().prop_map(toml::Value::Integer),
        any::<f64>().prop_map(toml::Value::Float),
        any::<bool>().prop_map(toml::Value::Boolean),
        Just(toml::Value::Datetime(toml::value::Datetime {
            date: Some(toml::value::Date {
                year: 2026,
                month: 11,
                day: 25
            }),
            time: None,
            offset: None,
        })),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(toml::Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|map| toml::Value::Table(map.into_iter().collect())),
        ]
    })
}

/// The keys the janitor reads, each of which may hold any type.
const TASK_KEYS: &[&str] = &[
    "task_id",
    "environment_id",
    "status",
    "exit_code",
    "error",
    "created_at_s",
    "started_at",
    "finished_at",
    "workspace_type",
    "gh_management_mode",
    "gh_repo_root",
    "gh_branch",
    "gh_base_branch",
    "gh_pr_url",
    "container_id",
    "prompt",
    "agent_cli",
    "finalization_state",
    "finalization_error",
    "logs",
];

/// Any JSON value, nested a little.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<String>().prop_map(serde_json::Value::String),
        prop_oneof![
            Just("cloned"),
            Just("mounted"),
            Just("none"),
            Just("github"),
            Just("")
        ]
        .prop_map(|s| serde_json::json!(s)),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("env_id".to_owned()),
                    Just("id".to_owned()),
                    Just("workspace_type".to_owned()),
                    Just("environments".to_owned()),
                    Just("name".to_owned()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..5
            )
            .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_bytes_as_a_task_file(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        read_and_edit(dir.path(), &bytes)?;
    }

    #[test]
    fn a_valid_task_file_with_one_byte_changed(index in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut bytes = task_toml("t1", ENV, "done")
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .into_bytes();
        let at = index.index(bytes.len());
        bytes[at] = byte;
        read_and_edit(dir.path(), &bytes)?;
    }

    #[test]
    fn every_field_with_any_type(values in prop::collection::vec(toml_value(), TASK_KEYS.len())) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut table = toml::Table::new();
        for (key, value) in TASK_KEYS.iter().zip(values) {
            table.insert((*key).to_owned(), value);
        }
        let text = toml::to_string(&table).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.path().join("t1.toml");
        fs::write(&path, &text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let read = tasks::read_record(&path, false);
        let id_is_text = table
            .get("task_id")
            .and_then(toml::Value::as_str)
            .is_some_and(|id| !id.trim().is_empty());
        prop_assert_eq!(read.is_ok(), id_is_text, "{:?}", read);
        read_and_edit(dir.path(), text.as_bytes())?;
        // Unknown keys survive the edit.
        if id_is_text {
            let table_after: toml::Table = fs::read_to_string(&path)
                .map_err(|e| TestCaseError::fail(e.to_string()))?
                .parse()
                .map_err(|e: toml::de::Error| TestCaseError::fail(e.to_string()))?;
            for key in TASK_KEYS.iter().filter(|k| !["status", "finished_at", "logs"].contains(k)) {
                // Compared as text: NaN is not equal to itself.
                let shown = |t: &toml::Table| t.get(*key).map(ToString::to_string);
                prop_assert_eq!(shown(&table_after), shown(&table), "{}", key);
            }
        }
    }

    #[test]
    fn arbitrary_environments_json(value in json_value(), raw in prop::collection::vec(any::<u8>(), 0..256)) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.path().join("environments.json");
        for bytes in [serde_json::to_vec(&value).unwrap_or_default(), raw] {
            fs::write(&path, &bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut problems = Vec::new();
            let found = environments::load(&path, &mut problems);
            prop_assert!(found.iter().all(|env| !env.env_id.is_empty()));
            for problem in &problems {
                prop_assert_eq!(&problem.path, &path);
                prop_assert!(!problem.message.is_empty());
            }
            prop_assert_eq!(fs::read(&path).map_err(|e| TestCaseError::fail(e.to_string()))?, bytes);
        }
    }

    #[test]
    fn arbitrary_text_as_a_date(text in any::<String>(), seconds in any::<f64>()) {
        let _ = parse_iso(&text);
        let _ = from_unix_seconds(seconds);
    }

    #[test]
    fn every_spelling_of_a_valid_date_parses_to_it(
        year in 1970_i32..=9999,
        month in 1_u32..=12,
        day in 1_u32..=28,
        hour in 0_u32..24,
        minute in 0_u32..60,
        second in 0_u32..60,
        micros in 0_u32..1_000_000,
        offset_minutes in -14 * 60_i32..=14 * 60,
    ) {
        use chrono::{FixedOffset, TimeZone, Utc};
        let utc = Utc
            .with_ymd_and_hms(year, month, day, hour, minute, second)
            .single()
            .ok_or_else(|| TestCaseError::reject("no such moment"))?
            + chrono::Duration::microseconds(i64::from(micros));
        let offset = FixedOffset::east_opt(offset_minutes * 60)
            .ok_or_else(|| TestCaseError::reject("no such offset"))?;
        let local = utc.with_timezone(&offset);
        let spellings = [
            format_iso(utc.into()),
            utc.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            local.format("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string(),
            utc.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
            utc.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
        ];
        for spelling in spellings {
            prop_assert_eq!(parse_iso(&spelling), Some(utc), "{}", spelling);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Edge cases
// ---------------------------------------------------------------------------------------

#[test]
fn empty_and_blank_files_are_problems_not_panics() -> TestResult {
    let mini = Mini::new()?;
    for (name, bytes) in [
        ("empty.toml", &b""[..]),
        ("blank.toml", b"  \n\t\n"),
        ("bom.toml", b"\xef\xbb\xbf"),
        ("nul.toml", b"\0\0\0"),
    ] {
        fs::write(paths::active_tasks_dir(&mini.data_dir).join(name), bytes)?;
    }
    let environments = paths::environments_file(&mini.data_dir);
    fs::write(&environments, b"")?;
    let snapshot = Snapshot::load(&mini.data_dir)?;
    assert!(snapshot.tasks.is_empty(), "{:?}", snapshot.tasks);
    assert!(snapshot.environments.is_empty());
    for name in ["empty.toml", "blank.toml", "bom.toml", "nul.toml"] {
        assert!(
            snapshot
                .problems
                .iter()
                .any(|p| p.path.ends_with(name) && !p.message.is_empty()),
            "{name}: {:?}",
            snapshot.problems
        );
    }
    assert!(
        snapshot
            .problems
            .iter()
            .any(|p| p.path == environments && p.message.contains("not valid JSON")),
        "{:?}",
        snapshot.problems
    );
    let run = mini.run(&["archive", "--force", "--delete-failed"])?;
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(fs::read(&environments)?, b"");
    Ok(())
}

#[test]
fn every_field_with_every_wrong_type_reads_as_absent() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wrong: [(&str, &str); 6] = [
        ("string", "\"text\""),
        ("integer", "7"),
        ("float", "1.5"),
        ("bool", "true"),
        ("array", "[1, \"two\"]"),
        ("table", "{ a = 1 }"),
    ];
    for key in TASK_KEYS.iter().filter(|k| **k != "task_id") {
        for (kind, value) in wrong {
            let path = dir.path().join("t1.toml");
            let text = format!("task_id = \"t1\"\n{key} = {value}\n");
            fs::write(&path, &text)?;
            let record = tasks::read_record(&path, false)
                .map_err(|reason| format!("{key} as {kind}: {reason}"))?;
            assert_eq!(record.task_id, "t1");
            tasks::edit_record(&path, "t1", &discard_edit())
                .map_err(|err| format!("{key} as {kind}: {err}"))?;
            let edited = ["status", "finished_at", "logs"].contains(key);
            assert!(
                edited || fs::read_to_string(&path)?.contains(&format!("{key} = {value}")),
                "{key} as {kind} did not survive the edit"
            );
        }
    }
    for (kind, value) in wrong.iter().filter(|(kind, _)| *kind != "string") {
        let path = dir.path().join("t2.toml");
        fs::write(&path, format!("task_id = {value}\nstatus = \"done\"\n"))?;
        let reason = tasks::read_record(&path, false)
            .err()
            .ok_or(format!("task_id as {kind} was accepted"))?;
        assert!(reason.contains("task_id"), "{reason}");
    }
    Ok(())
}

/// A record whose `logs` array holds `megabytes` MB: it is read (lines counted, not
/// kept) and discarded with the cleanup lines appended.
fn huge_log_array(megabytes: usize) -> TestResult {
    let mini = Mini::new()?;
    let id = "b16b16b001";
    let mut text = task_toml(id, ENV, "done")?.replace("logs = [", "old_logs = [");
    let line = format!("\"{}\",\n", "x".repeat(998));
    let count = megabytes * 1024 * 1024 / line.len();
    text.reserve(line.len() * count + 16);
    text.push_str("logs = [\n");
    for _ in 0..count {
        text.push_str(&line);
    }
    text.push_str("]\n");
    let record = mini.active_record(id);
    fs::write(&record, &text)?;
    drop(text);
    let read = tasks::read_record(&record, false)?;
    assert_eq!(read.log_count, count);
    let run = mini.run(&["discard", id])?;
    assert_eq!(run.code, Some(0), "{run}");
    let archived = mini.archived_record(id);
    let read = tasks::read_record(&archived, true)?;
    assert_eq!(read.status, "discarded");
    assert!(read.log_count > count, "the cleanup line was appended");
    Ok(())
}

/// 10 MB: the debug build parses TOML at a few MB/s, so the 100 MB case below took
/// about 40 s in `cargo test` on a 2-core machine.
#[test]
fn a_task_with_a_10_mb_log_array_is_read_and_edited() -> TestResult {
    huge_log_array(10)
}

/// The full 100 MB case; run it with `cargo test --release --test bad_input -- --ignored`.
#[test]
#[ignore = "slow in debug builds (about 40 s); run with --release -- --ignored"]
fn a_task_with_a_100_mb_log_array_is_read_and_edited() -> TestResult {
    huge_log_array(100)
}

/// Agents-Runner's `state.toml` is not read by the janitor: one of another version, or
/// one that is not TOML at all, changes nothing and is never rewritten.
#[test]
fn a_state_toml_of_another_version_is_ignored_and_untouched() -> TestResult {
    let mini = Mini::new()?;
    let id = "57a7e00001";
    mini.add_task(id, ENV, "done")?;
    mini.add_workspace(ENV, id, 5)?;
    let state = mini.data_dir.join("state.toml");
    for content in [
        &b"version = 99\n[settings]\nmax_age_hours = \"never\"\n"[..],
        b"\xff\xfe not toml",
    ] {
        fs::write(&state, content)?;
        let list = mini.run(&["list", "--json"])?;
        assert_eq!(list.code, Some(0), "{list}");
        assert!(!list.stderr.contains("state.toml"), "{list}");
        assert_eq!(fs::read(&state)?, content);
    }
    let run = mini.run(&["discard", id])?;
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(fs::read(&state)?, b"\xff\xfe not toml");
    Ok(())
}
