//! Beside a running Agents-Runner, which rewrites every task record it holds from
//! memory: the janitor refuses every change to such a record (before anything changes,
//! and again right before its first write), still deletes workspaces, and keeps its
//! cleanup lines out of the records it would lose them in.
//!
//! The library cases use a fake probe; the end-to-end cases run the real binary beside
//! a real look-alike process (`common::agents_runner`: `python3 main.py` next
//! to an `agents_runner/` package, rewriting its records every 300 ms) and are skipped,
//! saying why, where there is no Python 3.11 (and fail under CI).

use crate::common;

use agents_janitor::agents_runner::{LiveProbe, Probe};
use agents_janitor::container::ContainerRuntime;
use agents_janitor::executor::{self, EngineEvent, ExecuteError, Executor, RestoreError};
use agents_janitor::policy::{Action, DeleteMode};
use agents_janitor::store::{Snapshot, paths};
use common::agents_runner::{FakeProbe, Simulator};
use common::mini::{ENV, Mini, make_old, records, status_and_logs, task_toml};
use common::write_private;
use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

type TestResult = Result<(), Box<dyn Error>>;

/// The words every refusal carries (after "Agents-Runner is running (pid N)").
const REFUSAL: &str =
    "rewrites task records from memory: close it first, or discard in Agents-Runner";

/// A record with this status and finalization state.
fn record(id: &str, status: &str, finalization: &str) -> Result<String, Box<dyn Error>> {
    let mut doc: toml_edit::DocumentMut = task_toml(id, ENV, status)?.parse()?;
    doc["finalization_state"] = toml_edit::value(finalization);
    Ok(doc.to_string())
}

fn add_active(mini: &Mini, id: &str, status: &str, finalization: &str) -> TestResult {
    write_private(
        &mini.active_record(id),
        record(id, status, finalization)?.as_bytes(),
    )?;
    make_old(&mini.add_workspace(ENV, id, 20)?, 3)
}

/// An archived record last written an hour ago (before any Agents-Runner here started).
fn add_archived(mini: &Mini, id: &str) -> TestResult {
    let path = mini.archived_record(id);
    write_private(&path, record(id, "done", "done")?.as_bytes())?;
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    filetime::set_file_mtime(&path, filetime::FileTime::from_system_time(hour_ago))?;
    make_old(&mini.add_workspace(ENV, id, 20)?, 3)
}

/// Every task record's bytes, by path (temp files of atomic writes left out).
fn record_bytes(data_dir: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>, Box<dyn Error>> {
    let mut found = BTreeMap::new();
    for folder in [
        paths::active_tasks_dir(data_dir),
        paths::archived_tasks_dir(data_dir),
    ] {
        for entry in std::fs::read_dir(folder)? {
            let path = entry?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if path.is_file() && !name.starts_with('.') && name.ends_with(".toml") {
                found.insert(path.clone(), std::fs::read(&path)?);
            }
        }
    }
    Ok(found)
}

/// Each task recorded exactly once, in `tasks/` or `tasks/done/`.
fn assert_recorded_once(data_dir: &Path, after: &str) -> TestResult {
    for (task_id, places) in records(data_dir)? {
        assert_eq!(
            places.len(),
            1,
            "{after}: task {task_id} is recorded at {places:?}"
        );
    }
    Ok(())
}

fn collect_logs() -> (Arc<Mutex<Vec<String>>>, impl Fn(EngineEvent) + Sync) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let emit = move |event| {
        if let EngineEvent::Log(line) = event
            && let Ok(mut lines) = sink.lock()
        {
            lines.push(line.text);
        }
    };
    (lines, emit)
}

fn logged(lines: &Arc<Mutex<Vec<String>>>) -> String {
    lines.lock().map(|l| l.join("\n")).unwrap_or_default()
}

fn no_cancel() -> Arc<AtomicBool> {
    Arc::new(AtomicBool::new(false))
}

fn executor(mini: &Mini, probe: &FakeProbe) -> Executor {
    Executor::new(&mini.data_dir, no_cancel(), ContainerRuntime::default())
        .with_agents_runner_probe(Arc::new(probe.clone()))
}

#[test]
fn a_plan_made_before_agents_runner_started_is_refused_whole_before_anything_changes() -> TestResult
{
    let mini = Mini::new()?;
    add_active(&mini, "d1", "done", "done")?;
    add_archived(&mini, "d2")?;
    let snapshot = Snapshot::load(&mini.data_dir)?;
    let action = Action::Discard {
        task_ids: vec!["d2".into(), "d1".into()],
        force: false,
    };
    let plan = executor::prepare_with_runner(
        &action,
        &snapshot,
        &mut HashMap::new(),
        &no_cancel(),
        SystemTime::now(),
        DeleteMode::Delete,
        None,
    )?;
    assert_eq!(plan.steps.len(), 2, "{plan:?}");
    let before = common::tree_digest(&mini.data_dir);
    // Agents-Runner starts while the user reads the plan.
    let probe = FakeProbe::running(4242);
    let (_, emit) = collect_logs();
    let result = executor(&mini, &probe).execute(&plan, &emit);
    let Err(refused @ ExecuteError::AgentsRunnerRunning { .. }) = result else {
        return Err(format!("expected a refusal, got {result:?}").into());
    };
    let message = refused.to_string();
    assert!(
        message.contains("Agents-Runner is running (pid 4242)"),
        "{message}"
    );
    assert!(message.contains(REFUSAL), "{message}");
    assert!(
        message.contains(&mini.active_record("d1").display().to_string()),
        "{message}"
    );
    let mut after = common::tree_digest(&mini.data_dir);
    after.retain(|path, _| !path.contains(".agents-janitor.lock"));
    assert_eq!(before, after, "nothing may change");
    assert!(!mini.root.path().join("docker.log").exists());
    Ok(())
}

#[test]
fn while_agents_runner_runs_a_sweep_frees_space_but_writes_no_record_it_holds() -> TestResult {
    let mini = Mini::new()?;
    // Active (it holds it), archived before it started (not held), archived by it.
    add_active(&mini, "s1", "done", "pending")?;
    add_archived(&mini, "s2")?;
    add_archived(&mini, "s3")?;
    let probe = FakeProbe::running(77);
    // It archived s3 itself, so it holds s3 and rewrites it at every save.
    std::thread::sleep(Duration::from_millis(20));
    filetime::set_file_mtime(
        mini.archived_record("s3"),
        filetime::FileTime::from_system_time(SystemTime::now()),
    )?;
    let held_before = [mini.active_record("s1"), mini.archived_record("s3")]
        .map(|path| std::fs::read(path).unwrap_or_default());
    let snapshot = Snapshot::load(&mini.data_dir)?;
    let runner = probe.check(&mini.data_dir);
    let action = Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 24.0,
        env_id: None,
        force: false,
        allow_unsaved: false,
    };
    let plan = executor::prepare_with_runner(
        &action,
        &snapshot,
        &mut HashMap::new(),
        &no_cancel(),
        SystemTime::now(),
        DeleteMode::Delete,
        runner.as_ref(),
    )?;
    assert_eq!(plan.steps.len(), 3, "{plan:?}");
    assert!(plan.skipped.iter().all(|s| !s.held_by_agents_runner));
    let (lines, emit) = collect_logs();
    let report = executor(&mini, &probe).execute(&plan, &emit)?;
    assert!(report.all_ok(), "{report:?}");
    for id in ["s1", "s2", "s3"] {
        assert!(
            !mini.workspace(ENV, id).exists(),
            "{id}'s workspace is gone"
        );
    }
    let held_after = [mini.active_record("s1"), mini.archived_record("s3")]
        .map(|path| std::fs::read(path).unwrap_or_default());
    assert_eq!(held_before, held_after, "records it holds are not written");
    let (_, logs) = status_and_logs(&mini.archived_record("s2"))?;
    assert!(
        logs.iter()
            .any(|line| line.contains("Removing task workspace")),
        "{logs:?}"
    );
    let written: Vec<&str> = report
        .outcomes
        .iter()
        .filter(|o| o.record.is_some())
        .map(|o| o.task_id.as_str())
        .collect();
    assert_eq!(written, ["s2"]);
    let log = logged(&lines);
    assert!(
        log.contains("Agents-Runner is running (pid 77): the cleanup lines of 2 task(s) whose records it holds are in this log only"),
        "{log}"
    );
    Ok(())
}

#[test]
fn restore_is_refused_while_agents_runner_runs() -> TestResult {
    let mini = Mini::new()?;
    add_archived(&mini, "r1")?;
    let before = record_bytes(&mini.data_dir)?;
    let (lines, emit) = collect_logs();
    let result = executor::restore(&mini.data_dir, "r1", &FakeProbe::running(9), &emit);
    let Err(RestoreError::AgentsRunnerRunning(message)) = result else {
        return Err(format!("expected a refusal, got {result:?}").into());
    };
    assert!(
        message.contains("Agents-Runner is running (pid 9)"),
        "{message}"
    );
    assert!(logged(&lines).contains(REFUSAL));
    assert_eq!(before, record_bytes(&mini.data_dir)?);
    // Once it is gone, the same restore works.
    executor::restore(&mini.data_dir, "r1", &FakeProbe::not_running(), &emit)?;
    assert!(mini.active_record("r1").exists());
    Ok(())
}

#[test]
fn the_look_alike_is_found_in_the_live_process_table_for_its_data_dir_only() -> TestResult {
    let mini = Mini::new()?;
    let Some(simulator) = Simulator::start(mini.root.path(), &mini.data_dir)? else {
        return Ok(());
    };
    let found = LiveProbe.check(&mini.data_dir).ok_or("not found")?;
    assert_eq!(found.pid, simulator.pid());
    assert_eq!(found.unsure, None);
    let elsewhere = tempfile::tempdir()?;
    assert_eq!(LiveProbe.check(elsewhere.path()), None);
    // Its desktop viewer helper (`python -m agents_runner.ui.desktop_viewer`) writes no
    // records and is not Agents-Runner.
    let checkout = mini.root.path().join("agents-runner-checkout");
    let viewer = checkout.join("agents_runner/ui/desktop_viewer");
    std::fs::create_dir_all(&viewer)?;
    std::fs::write(checkout.join("agents_runner/ui/__init__.py"), "")?;
    std::fs::write(viewer.join("__init__.py"), "")?;
    std::fs::write(viewer.join("__main__.py"), "import time\ntime.sleep(120)\n")?;
    let python = common::agents_runner::python3().ok_or("python3 went away")?;
    // Spawned straight from the interpreter's binary: once `spawn` returns, the process
    // table shows it as Python with its `-m` arguments.
    let mut helper = Command::new(python)
        .args(["-m", "agents_runner.ui.desktop_viewer"])
        .current_dir(&checkout)
        .env(paths::STATE_PATH_VAR, elsewhere.path())
        .stdin(Stdio::null())
        .spawn()?;
    let seen = LiveProbe.check(elsewhere.path());
    let _ = helper.kill();
    let _ = helper.wait();
    assert_eq!(seen, None);
    simulator.stop()
}

/// The data dir of the end-to-end case, and what the look-alike makes of it.
fn beside_world() -> Result<Mini, Box<dyn Error>> {
    let mini = Mini::new()?;
    add_active(&mini, "a1run", "running", "pending")?;
    // Finished, finalization pending: it keeps it active.
    add_active(&mini, "a2fin", "done", "pending")?;
    // Cancelled and finalized: the janitor archives such a task, Agents-Runner does not.
    add_active(&mini, "a3can", "cancelled", "done")?;
    add_archived(&mini, "a4arc")?;
    // Ends while it runs: it archives it itself and keeps rewriting it.
    add_active(&mini, "a5late", "running", "pending")?;
    // Done at its start: it archives it at once and does not keep it.
    add_active(&mini, "a6done", "done", "done")?;
    let orphan = mini.workspace(ENV, "b0orphan");
    common::mini::fill(&orphan, 5)?;
    make_old(&orphan, 3)?;
    Ok(mini)
}

fn assert_refused(run: &common::Run, pid: u32, what: &str) {
    let said = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, Some(1), "{what}: {run}");
    assert!(
        said.contains(&format!("Agents-Runner is running (pid {pid})")) && said.contains(REFUSAL),
        "{what}: {run}"
    );
}

#[test]
fn beside_a_running_agents_runner_records_stay_its_own_and_workspaces_still_go() -> TestResult {
    let mini = beside_world()?;
    let Some(simulator) = Simulator::start(mini.root.path(), &mini.data_dir)? else {
        return Ok(());
    };
    let pid = simulator.pid();
    simulator.finish("a5late")?;
    assert!(mini.archived_record("a5late").exists() && !mini.active_record("a5late").exists());
    assert!(mini.archived_record("a6done").exists());
    let before = record_bytes(&mini.data_dir)?;

    // Every change to a record it holds is refused, and nothing changes.
    let refused = [
        (vec!["discard", "a2fin"], "discard of an active task"),
        (
            vec!["discard", "a5late"],
            "discard of a task it archived itself",
        ),
        (vec!["archive"], "archive"),
        (vec!["complete", "a2fin"], "complete"),
        (vec!["restore", "a4arc"], "restore"),
    ];
    for (args, what) in &refused {
        let run = mini.run(args)?;
        assert_refused(&run, pid, what);
        assert_eq!(
            before,
            record_bytes(&mini.data_dir)?,
            "{what} changed a record"
        );
    }
    for id in ["a1run", "a2fin", "a3can", "a4arc", "a5late", "a6done"] {
        assert!(mini.workspace(ENV, id).exists(), "{id}'s workspace is kept");
    }
    assert!(
        !mini.root.path().join("docker.log").exists(),
        "no container removed"
    );
    // Reading works, and says why changes would not.
    for args in [&["list", "--all"][..], &["usage"][..]] {
        let read = mini.run(args)?;
        assert_eq!(read.code, Some(0), "{read}");
        assert!(
            read.stderr
                .contains(&format!("note: Agents-Runner is running (pid {pid})")),
            "{args:?}: {read}"
        );
    }

    // Deleting workspaces still works; their lines go only where it does not write.
    let orphans = mini.run(&["orphans", "--delete", "--json"])?;
    assert_eq!(orphans.code, Some(0), "{orphans}");
    let sweep = mini.run(&["sweep", "--older-than", "24h", "--json"])?;
    assert_eq!(sweep.code, Some(0), "{sweep}");
    let mut reported = Vec::new();
    for run in [&orphans, &sweep] {
        let doc = run.json()?;
        let outcomes = doc["result"]["outcomes"]
            .as_array()
            .ok_or_else(|| format!("no outcomes: {run}"))?;
        reported.extend(outcomes.iter().cloned());
    }
    let removed: Vec<&str> = reported
        .iter()
        .filter(|o| o["workspace_removed"] == true)
        .filter_map(|o| o["task_id"].as_str())
        .collect();
    for id in ["a2fin", "a3can", "a4arc", "a5late", "a6done", "b0orphan"] {
        assert!(removed.contains(&id), "{id} not removed: {removed:?}");
    }

    // It saves a few more times: everything the janitor reported is still true.
    simulator.wait_for_saves(3)?;
    let check = |after: &str| -> TestResult {
        assert_recorded_once(&mini.data_dir, after)?;
        assert!(
            mini.workspace(ENV, "a1run").exists(),
            "{after}: the running task's workspace"
        );
        for outcome in &reported {
            let id = outcome["task_id"].as_str().unwrap_or_default();
            if outcome["workspace_removed"] == true {
                assert!(!mini.workspace(ENV, id).exists(), "{after}: {id} came back");
            }
            let Some(path) = outcome["record"].as_str() else {
                continue;
            };
            let (_, logs) = status_and_logs(Path::new(path))?;
            for message in outcome["messages"].as_array().into_iter().flatten() {
                let message = message.as_str().unwrap_or_default();
                assert!(
                    logs.iter().any(|line| line.contains(message)),
                    "{after}: {path} lost {message:?}: {logs:?}"
                );
            }
        }
        // The janitor wrote to the one record it does not hold, and to no other.
        let written: Vec<&str> = reported
            .iter()
            .filter(|o| o["record"].is_string())
            .filter_map(|o| o["task_id"].as_str())
            .collect();
        assert_eq!(written, ["a4arc"], "{after}");
        for (id, status) in [
            ("a1run", "running"),
            ("a2fin", "done"),
            ("a3can", "cancelled"),
        ] {
            assert_eq!(
                status_and_logs(&mini.active_record(id))?.0,
                status,
                "{after}: {id}"
            );
        }
        Ok(())
    };
    check("while it runs")?;
    simulator.stop()?;
    check("after it closed")
}

#[test]
fn agents_runner_starting_between_the_plan_and_the_first_write_stops_the_discard() -> TestResult {
    let mini = Mini::new()?;
    add_active(&mini, "c1", "done", "pending")?;
    let paused = common::mini::Paused::start(
        &mini,
        &["discard", "c1"],
        agents_janitor::checkpoint::EXECUTE_START,
    )?;
    let before = record_bytes(&mini.data_dir)?;
    let Some(simulator) = Simulator::start(mini.root.path(), &mini.data_dir)? else {
        return Ok(());
    };
    let run = paused.resume()?;
    assert_refused(&run, simulator.pid(), "a discard planned before it started");
    assert!(run.stderr.contains("nothing was changed"), "{run}");
    assert!(mini.workspace(ENV, "c1").exists());
    assert!(!mini.root.path().join("docker.log").exists());
    simulator.wait_for_saves(2)?;
    assert_eq!(before, record_bytes(&mini.data_dir)?);
    assert_recorded_once(&mini.data_dir, "after the refused discard")?;
    simulator.stop()
}

#[test]
fn undo_is_refused_whole_while_agents_runner_runs_and_a_record_would_be_restored() -> TestResult {
    use agents_janitor::executor::{PutBack, PutBackFrom, UndoItem};
    use agents_janitor::remove::WorkspaceTarget;
    use agents_janitor::store::{FolderKind, WorkspaceType};
    let mini = Mini::new()?;
    add_archived(&mini, "d2")?;
    // What a cancelled discard leaves: the record marked discarded and archived, the
    // workspace in staging.
    write_private(
        &mini.archived_record("d2"),
        record("d2", "discarded", "done")?.as_bytes(),
    )?;
    let staging = paths::staging_dir(&mini.data_dir);
    std::fs::create_dir_all(&staging)?;
    let staged = staging.join(format!("{ENV}--d2--1"));
    std::fs::rename(mini.workspace(ENV, "d2"), &staged)?;
    let item = UndoItem {
        task_id: "d2".into(),
        workspace: Some(PutBack {
            target: WorkspaceTarget {
                env_id: ENV.into(),
                task_id: "d2".into(),
                workspace_type: WorkspaceType::Cloned,
                kind: FolderKind::TaskWorkspace,
            },
            from: PutBackFrom::Staging(staged.clone()),
        }),
        restore_record: true,
        status_before: Some("done".into()),
    };
    let before = common::tree_digest(&mini.data_dir);
    let (_, emit) = collect_logs();
    let result =
        executor(&mini, &FakeProbe::running(4242)).undo(std::slice::from_ref(&item), &emit);
    let Err(refused @ ExecuteError::AgentsRunnerRunning { .. }) = result else {
        return Err(format!("expected a refusal, got {result:?}").into());
    };
    assert!(refused.to_string().contains(REFUSAL), "{refused}");
    let mut after = common::tree_digest(&mini.data_dir);
    after.retain(|path, _| !path.contains(".agents-janitor.lock"));
    assert_eq!(before, after, "nothing may change");

    // Agents-Runner closed: both come back, the workspace first, and the status.
    let outcomes = executor(&mini, &FakeProbe::not_running()).undo(&[item], &emit)?;
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].error, None);
    assert!(mini.workspace(ENV, "d2").is_dir());
    assert!(!staged.exists());
    assert!(!mini.archived_record("d2").exists());
    let restored = agents_janitor::store::tasks::read_record(&mini.active_record("d2"), false)?;
    assert_eq!(restored.status, "done");
    Ok(())
}

/// The next start after a crash finishes the record change a staged workspace's name
/// carries, but never on a record a running Agents-Runner holds: that record stays as
/// it was, byte for byte, the log says why, and the staged copy is still deleted.
#[test]
fn the_resume_after_a_crash_never_writes_a_record_agents_runner_holds() -> TestResult {
    use agents_janitor::remove::{StagedIntent, StagedName};
    let mini = Mini::new()?;
    add_active(&mini, "h1", "done", "pending")?;
    let staging = paths::staging_dir(&mini.data_dir);
    std::fs::create_dir_all(&staging)?;
    let name = StagedName {
        env_id: ENV.to_owned(),
        folder: "h1".to_owned(),
        intent: StagedIntent::Discard,
        nanos: 1,
    }
    .format()
    .ok_or("the staged name is too long")?;
    std::fs::rename(mini.workspace(ENV, "h1"), staging.join(&name))?;
    let record = mini.active_record("h1");
    let before = std::fs::read(&record)?;

    let (lines, emit) = collect_logs();
    let resumed = executor(&mini, &FakeProbe::running(88)).finish_staged(&emit)?;
    assert_eq!(resumed.records_finished, 0);
    assert_eq!(std::fs::read(&record)?, before, "a held record was written");
    assert!(!mini.archived_record("h1").exists());
    assert!(mini.staged().is_empty(), "{:?}", mini.staged());
    let log = lines.lock().map(|l| l.join("\n")).unwrap_or_default();
    assert!(
        log.contains("Interrupted cleanup of task h1 not finished") && log.contains(REFUSAL),
        "{log}"
    );
    Ok(())
}
