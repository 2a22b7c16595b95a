//! Another writer at work while the janitor runs, writing the way Agents-Runner does
//! (a temp file renamed over the record). At the moments that matter the janitor is
//! paused (the `checkpoint` seam) while the other writer changes a record, so each
//! interleaving is exact; a free-running writer thread then rewrites and adds tasks
//! throughout an archive and a discard. No update is lost on either side, a changed
//! task is re-read (and skipped with a reason when it runs again), and tasks that did
//! not exist when the plan was made are never touched.
#![cfg(unix)]

use crate::common;

use agents_janitor::checkpoint;
use agents_janitor::container::ContainerRuntime;
use agents_janitor::executor::{self, EngineEvent, Executor};
use agents_janitor::policy::{Action, DeleteMode};
use agents_janitor::store::Snapshot;
use common::mini::{
    Canaries, ENV, Mini, Paused, TestResult, fill, records, status_and_logs, task_toml,
};
use common::{tree_digest, write_private};
use std::collections::HashMap;
use std::error::Error;
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

/// Agents-Runner's way of changing a record: read it, change it, write a temp file and
/// rename it over the record.
fn runner_edit(path: &Path, change: impl FnOnce(&mut toml_edit::DocumentMut)) -> TestResult {
    let mut doc: toml_edit::DocumentMut = fs::read_to_string(path)?.parse()?;
    change(&mut doc);
    write_private(path, doc.to_string().as_bytes())
}

fn push_log(doc: &mut toml_edit::DocumentMut, line: &str) {
    if let Some(logs) = doc["logs"].as_array_mut() {
        logs.push(line);
    }
}

#[test]
fn records_changed_after_planning_are_re_read_and_their_changes_kept() -> TestResult {
    let mini = Mini::new()?;
    let (kept, restarted) = ("c0c0000001", "c0c0000002");
    mini.add_task(kept, ENV, "done")?;
    mini.add_task(restarted, ENV, "done")?;
    let kept_ws = mini.add_workspace(ENV, kept, 10)?;
    let restarted_ws = mini.add_workspace(ENV, restarted, 10)?;
    let paused = Paused::start(
        &mini,
        &["discard", kept, restarted],
        checkpoint::EXECUTE_START,
    )?;
    runner_edit(&mini.active_record(kept), |doc| {
        doc["runner_note"] = toml_edit::value("written while the janitor waited");
        push_log(doc, "[agent] a late line");
    })?;
    runner_edit(&mini.active_record(restarted), |doc| {
        doc["status"] = toml_edit::value("running");
    })?;
    let restarted_text = fs::read(mini.active_record(restarted))?;
    let canaries = Canaries::new(&mini, &[&restarted_ws, &mini.active_record(restarted)]);

    let run = paused.resume()?;
    assert_eq!(
        run.code,
        Some(1),
        "the restarted task fails its step: {run}"
    );
    assert!(
        run.stderr
            .contains(&format!("Skipped task {restarted}: it is running now")),
        "{run}"
    );
    assert_eq!(fs::read(mini.active_record(restarted))?, restarted_text);
    let archived = mini.archived_record(kept);
    let (status, logs) = status_and_logs(&archived)?;
    assert_eq!(status, "discarded");
    assert!(logs.iter().any(|l| l == "[agent] a late line"), "{logs:?}");
    assert!(
        logs.iter().any(|l| l.starts_with("[cleanup/janitor][")),
        "{logs:?}"
    );
    assert!(fs::read_to_string(&archived)?.contains("runner_note"));
    assert!(!kept_ws.exists());
    canaries.assert_intact("discard");
    Ok(())
}

#[test]
fn a_record_rewritten_between_our_write_and_the_archive_rename_keeps_both_changes() -> TestResult {
    let mini = Mini::new()?;
    let id = "c0c0000003";
    mini.add_task(id, ENV, "done")?;
    mini.add_workspace(ENV, id, 10)?;
    let paused = Paused::start(&mini, &["discard", id], checkpoint::RECORD_WRITTEN)?;
    let active = mini.active_record(id);
    assert_eq!(status_and_logs(&active)?.0, "discarded");
    runner_edit(&active, |doc| {
        doc["runner_note"] = toml_edit::value("between write and rename");
        push_log(doc, "[agent] saw the discard");
    })?;
    let run = paused.resume()?;
    assert_eq!(run.code, Some(0), "{run}");
    let archived = mini.archived_record(id);
    let (status, logs) = status_and_logs(&archived)?;
    assert_eq!(status, "discarded");
    assert!(
        logs.iter().any(|l| l == "[agent] saw the discard"),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.starts_with("[cleanup/janitor][INFO] Workspace cleaned up")),
        "{logs:?}"
    );
    assert!(fs::read_to_string(&archived)?.contains("between write and rename"));
    assert_eq!(records(&mini.data_dir)?.get(id).map(Vec::len), Some(1));
    Ok(())
}

#[test]
fn an_archived_record_rewritten_before_the_log_lines_keeps_both() -> TestResult {
    let mini = Mini::new()?;
    let id = "c0c0000004";
    mini.add_task(id, ENV, "done")?;
    mini.add_workspace(ENV, id, 10)?;
    let paused = Paused::start(&mini, &["discard", id], checkpoint::PURGED)?;
    let archived = mini.archived_record(id);
    runner_edit(&archived, |doc| {
        doc["runner_note"] = toml_edit::value("after the delete");
        push_log(doc, "[agent] after the delete");
    })?;
    let run = paused.resume()?;
    assert_eq!(run.code, Some(0), "{run}");
    let (status, logs) = status_and_logs(&archived)?;
    assert_eq!(status, "discarded");
    assert!(
        logs.iter().any(|l| l == "[agent] after the delete"),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.starts_with("[cleanup/janitor][INFO] Workspace cleaned up")),
        "{logs:?}"
    );
    assert!(fs::read_to_string(&archived)?.contains("runner_note"));
    Ok(())
}

#[test]
fn tasks_and_folders_added_after_planning_are_never_swept() -> TestResult {
    let mini = Mini::new()?;
    let old = "c0c0000005";
    mini.add_task(old, ENV, "done")?;
    let old_ws = mini.add_workspace(ENV, old, 10)?;
    let paused = Paused::start(
        &mini,
        &["sweep", "--force", "--older-than", "0"],
        checkpoint::EXECUTE_START,
    )?;
    let fresh = "c0c0000006";
    mini.add_task(fresh, ENV, "done")?;
    let fresh_ws = mini.add_workspace(ENV, fresh, 10)?;
    let orphan = mini.add_workspace(ENV, "c0c0000007", 10)?;
    let canaries = Canaries::new(&mini, &[&fresh_ws, &orphan, &mini.active_record(fresh)]);
    let run = paused.resume()?;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!old_ws.exists(), "{run}");
    canaries.assert_intact("a sweep planned before they existed");
    Ok(())
}

/// What the free-running writer did.
#[derive(Default)]
struct Written {
    /// Each rewritten record with the last counter written to it.
    counters: HashMap<String, i64>,
    /// Tasks it added, each with a digest of its workspace.
    added: Vec<(String, std::collections::BTreeMap<String, String>)>,
}

/// Rewrites the running tasks' records over and over and adds finished tasks with
/// workspaces, until `stop`.
fn agents_runner(mini: &Mini, running: &[String], stop: &AtomicBool) -> Result<Written, String> {
    let mut written = Written::default();
    let mut round: i64 = 0;
    let fail = |err: Box<dyn Error>| err.to_string();
    while !stop.load(Ordering::Relaxed) || round < 5 {
        round += 1;
        for id in running {
            let path = mini.active_record(id);
            // A lost update shows as a counter that is not the one written last.
            let mut doc: toml_edit::DocumentMut = fs::read_to_string(&path)
                .map_err(|e| e.to_string())?
                .parse()
                .map_err(|e: toml_edit::TomlError| e.to_string())?;
            let seen = doc
                .get("runner_counter")
                .and_then(toml_edit::Item::as_integer)
                .unwrap_or(0);
            let expected = written.counters.get(id).copied().unwrap_or(0);
            if seen != expected {
                return Err(format!("{id}: counter {seen}, last written {expected}"));
            }
            doc["runner_counter"] = toml_edit::value(round);
            push_log(&mut doc, &format!("[agent] round {round}"));
            write_private(&path, doc.to_string().as_bytes()).map_err(fail)?;
            written.counters.insert(id.clone(), round);
        }
        if round % 3 == 0 {
            let id = format!("ad{round:08}");
            write_private(
                &mini.active_record(&id),
                task_toml(&id, ENV, "done").map_err(fail)?.as_bytes(),
            )
            .map_err(fail)?;
            let workspace = mini.workspace(ENV, &id);
            fill(&workspace, 5).map_err(fail)?;
            written.added.push((id, tree_digest(&workspace)));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(written)
}

#[test]
fn a_free_running_writer_loses_nothing_during_archive_and_discard() -> TestResult {
    let mini = Mini::new()?;
    let running: Vec<String> = (1..=4).map(|i| format!("d0d00000{i:02}")).collect();
    for id in &running {
        mini.add_task(id, ENV, "running")?;
        mini.add_workspace(ENV, id, 10)?;
    }
    let archived: Vec<String> = (1..=6).map(|i| format!("a0a00000{i:02}")).collect();
    let discarded: Vec<String> = (1..=6).map(|i| format!("b0b00000{i:02}")).collect();
    for id in archived.iter().chain(&discarded) {
        let record = mini.add_task(id, ENV, "done")?;
        mini.add_workspace(ENV, id, 200)?;
        if discarded.contains(id) {
            // Not finalized: the archive plan leaves these to the discard.
            runner_edit(&record, |doc| {
                doc["finalization_state"] = toml_edit::value("pending");
            })?;
        }
    }
    let canaries = Canaries::new(&mini, &[]);
    let cancel = Arc::new(AtomicBool::new(false));
    let docker = ContainerRuntime {
        program: "true".into(),
        timeout: Duration::from_secs(30),
    };
    let executor = Executor::new(&mini.data_dir, cancel.clone(), docker);
    let discard = Action::Discard {
        task_ids: discarded.clone(),
        force: false,
    };
    let archive = Action::Archive {
        merged_unsaved: false,
        keep_on_error: true,
        allow_unsaved: true,
        clean_done: true,
    };
    // Both plans are made before the writer adds anything.
    let snapshot = Snapshot::load(&mini.data_dir)?;
    let mut usage = HashMap::new();
    let discard_plan = executor::prepare(
        &discard,
        &snapshot,
        &mut usage,
        &cancel,
        SystemTime::now(),
        DeleteMode::Delete,
    )?;
    let archive_plan = executor::prepare(
        &archive,
        &snapshot,
        &mut usage,
        &cancel,
        SystemTime::now(),
        DeleteMode::Delete,
    )?;
    let stop = AtomicBool::new(false);
    let (written, reports) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| agents_runner(&mini, &running, &stop));
        let emit = |_: EngineEvent| {};
        let reports = [&discard_plan, &archive_plan].map(|plan| executor.execute(plan, &emit));
        stop.store(true, Ordering::Relaxed);
        (writer.join(), reports)
    });
    let written = written.map_err(|_| "the writer thread panicked")??;
    for report in reports {
        let report = report?;
        assert!(report.all_ok(), "{report:?}");
    }

    let found = records(&mini.data_dir)?;
    for (id, places) in &found {
        assert_eq!(places.len(), 1, "{id} recorded at {places:?}");
    }
    for id in &running {
        let text = fs::read_to_string(mini.active_record(id))?;
        let table: toml::Table = text.parse()?;
        assert_eq!(
            table
                .get("runner_counter")
                .and_then(toml::Value::as_integer),
            written.counters.get(id).copied(),
            "{id}: the writer's last update is lost"
        );
        assert!(mini.workspace(ENV, id).exists());
    }
    for id in archived.iter().chain(&discarded) {
        let (status, logs) = status_and_logs(&mini.archived_record(id))?;
        let want = if discarded.contains(id) {
            "discarded"
        } else {
            "done"
        };
        assert_eq!(status, want, "{id}");
        assert!(
            logs.iter().any(|l| l.starts_with("[cleanup/janitor][")),
            "{id}: {logs:?}"
        );
        assert!(!mini.workspace(ENV, id).exists(), "{id}");
    }
    assert!(!written.added.is_empty());
    for (id, digest) in &written.added {
        assert!(
            mini.active_record(id).exists(),
            "{id} was added after the plans and must stay active"
        );
        assert!(
            tree_digest(&mini.workspace(ENV, id)) == *digest,
            "{id}'s workspace changed"
        );
    }
    canaries.assert_intact("archive and discard beside a writer");
    Ok(())
}
