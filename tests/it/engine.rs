//! The worker thread and the executor on a real fixture data dir.

use crate::common;

use agents_janitor::container::ContainerRuntime;
use agents_janitor::demo::{self, DemoWorkspace, MARKER_KEY, MARKER_VALUE};
use agents_janitor::executor::{self, EngineEvent, ExecuteError, Executor, Level};
use agents_janitor::lock::{DataDirLock, LockError};
use agents_janitor::policy::{Action, DeleteMode};
use agents_janitor::store::{Snapshot, paths};
use agents_janitor::worker::{Command, Event, Worker};
use common::Fixture;
use crossbeam_channel::RecvTimeoutError;
use std::collections::HashMap;
use std::error::Error;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

type TestResult = Result<(), Box<dyn Error>>;

/// Upper bound for waiting on the worker: a guard against hanging, not a timing check.
const PATIENCE: Duration = Duration::from_secs(120);

/// The fixture's fake `docker` (it records its arguments) as a container runtime.
fn fake_docker(fixture: &Fixture) -> Result<(ContainerRuntime, PathBuf), Box<dyn Error>> {
    let program = common::fake_docker(fixture)?.join("docker");
    let runtime = ContainerRuntime {
        program: program.into(),
        timeout: Duration::from_secs(30),
    };
    Ok((runtime, common::docker_log(fixture)))
}

/// Receives events until `done` accepts one; returns everything seen.
fn events_until(
    worker: &Worker,
    done: impl Fn(&Event) -> bool,
) -> Result<Vec<Event>, Box<dyn Error>> {
    let mut seen = Vec::new();
    loop {
        match worker.events().recv_timeout(PATIENCE) {
            Ok(event) => {
                let finished = done(&event);
                seen.push(event);
                if finished {
                    return Ok(seen);
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                return Err(format!("worker went quiet; saw {seen:?}").into());
            }
            Err(RecvTimeoutError::Disconnected) => return Err("worker thread ended".into()),
        }
    }
}

fn log_texts(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Log(line) => Some(line.text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_worker_loads_scans_plans_and_discards_while_waking_the_ui() -> TestResult {
    let fixture = Fixture::new()?;
    let (docker, docker_log) = fake_docker(&fixture)?;
    let wakes = Arc::new(AtomicUsize::new(0));
    let counter = wakes.clone();
    let worker = Worker::spawn(
        fixture.data_dir.clone(),
        docker,
        Arc::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
        }),
    );

    assert!(worker.send(Command::Load));
    let loaded = events_until(&worker, |e| match e {
        Event::Loaded(snapshot) => !snapshot.archived_records_pending,
        _ => matches!(e, Event::LoadFailed(_)),
    })?;
    let Some(Event::Loaded(snapshot)) = loaded.last() else {
        return Err(format!("load failed: {loaded:?}").into());
    };
    // The first look, sent before the archived records are read: the active ones only,
    // and no folder called an orphan yet.
    let looks: Vec<&Snapshot> = loaded
        .iter()
        .filter_map(|e| match e {
            Event::Loaded(snapshot) => Some(snapshot.as_ref()),
            _ => None,
        })
        .collect();
    let [first, whole] = looks.as_slice() else {
        return Err(format!("{} Loaded events, not 2", looks.len()).into());
    };
    assert!(first.archived_records_pending);
    assert!(!first.tasks.is_empty() && first.tasks.iter().all(|t| !t.archived));
    assert!(first.orphans().is_empty());
    assert!(!whole.orphans().is_empty(), "the demo has orphan folders");
    assert_eq!(
        first.tasks.len(),
        whole.tasks.iter().filter(|t| !t.archived).count()
    );
    assert_eq!(
        snapshot
            .tasks
            .iter()
            .filter(|t| !t.duplicate && !t.legacy)
            .count(),
        demo::TASKS.len()
    );
    assert_eq!(
        snapshot
            .tasks
            .iter()
            .filter(|t| t.legacy)
            .map(|t| t.task_id.as_str())
            .collect::<Vec<_>>(),
        [demo::JSON_RECORD_TASK],
        "the demo's legacy JSON record is read"
    );
    let corrupt = Fixture::corrupt_task_path(&fixture.data_dir);
    assert!(
        snapshot
            .problems
            .iter()
            .any(|p| p.path.ends_with(corrupt.file_name().unwrap_or_default()))
    );
    assert!(
        log_texts(&loaded)
            .iter()
            .any(|t| t.starts_with("problem:") && t.contains("c0ffee0bad"))
    );

    assert!(worker.send(Command::Scan));
    let scanned = events_until(&worker, |e| matches!(e, Event::ScanFinished { .. }))?;
    let sized: Vec<&PathBuf> = scanned
        .iter()
        .filter_map(|e| match e {
            Event::Scanned { path, usage } if usage.exists && usage.apparent_bytes > 0 => {
                Some(path)
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        sized.len(),
        snapshot.workspaces.len() + snapshot.legacy_checkouts.len(),
        "every workspace and legacy checkout reports its size"
    );

    let task = common::clean_done_task()?;
    assert!(worker.send(Command::Plan(
        Action::Discard {
            task_ids: vec![task.id.into()],
            force: false
        },
        DeleteMode::Delete
    )));
    let planned = events_until(&worker, |e| {
        matches!(e, Event::PlanReady(_) | Event::PlanFailed(_))
    })?;
    let Some(Event::PlanReady(plan)) = planned.last() else {
        return Err(format!("no plan: {planned:?}").into());
    };
    assert_eq!(plan.steps.len(), 1);
    assert!(plan.bytes_to_free > 0);

    assert!(worker.send(Command::Execute(plan.clone())));
    let executed = events_until(&worker, |e| matches!(e, Event::Loaded(_)))?;
    let Some(report) = executed.iter().find_map(|e| match e {
        Event::Finished(report) => Some(report),
        _ => None,
    }) else {
        return Err(format!("no report: {executed:?}").into());
    };
    assert!(report.all_ok(), "{report:?}");
    assert!(report.bytes_freed > 0);
    let logs = log_texts(&executed);
    assert!(
        logs.iter()
            .any(|l| l.starts_with("[cleanup] Removing task workspace:")),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.starts_with("[cleanup] Workspace cleaned up")),
        "{logs:?}"
    );
    assert!(executed.iter().any(|e| matches!(e, Event::Progress(_))));
    assert!(
        !logs.iter().any(|l| l.starts_with("problem:")),
        "problems are logged once, not at every reload"
    );
    assert!(!fixture.workspace(task.env_id, task.id).exists());
    let archived = paths::archived_tasks_dir(&fixture.data_dir).join(format!("{}.toml", task.id));
    let record: toml::Table = std::fs::read_to_string(&archived)?.parse()?;
    assert_eq!(
        record.get("status").and_then(|v| v.as_str()),
        Some("discarded")
    );
    assert_eq!(
        record.get(MARKER_KEY).and_then(|v| v.as_str()),
        Some(MARKER_VALUE)
    );
    assert!(wakes.load(Ordering::Relaxed) >= executed.len());
    // The record's container (if any) was removed through the runtime.
    let Some(Event::Loaded(after)) = executed.last() else {
        return Err("no reload".into());
    };
    if let Some(container) = after
        .find_task(task.id)
        .and_then(|t| t.container_id.clone())
    {
        assert!(std::fs::read_to_string(&docker_log)?.contains(&format!("rm -f {container}")));
    }
    Ok(())
}

#[test]
fn a_missing_data_dir_is_reported_not_fatal() -> TestResult {
    let dir = tempfile::tempdir()?;
    let worker = Worker::spawn(
        dir.path().join("nothing-here"),
        ContainerRuntime::default(),
        Arc::new(|| {}),
    );
    worker.send(Command::Load);
    let events = events_until(&worker, |e| {
        matches!(e, Event::Loaded(_) | Event::LoadFailed(_))
    })?;
    match events.last() {
        Some(Event::LoadFailed(message)) => {
            assert!(message.contains("does not exist"), "{message}")
        }
        other => return Err(format!("expected LoadFailed, got {other:?}").into()),
    }
    worker.send(Command::Plan(
        Action::Archive {
            merged_unsaved: false,
            keep_on_error: true,
            allow_unsaved: false,
            clean_done: true,
        },
        DeleteMode::Delete,
    ));
    let events = events_until(&worker, |e| {
        matches!(e, Event::PlanFailed(_) | Event::PlanReady(_))
    })?;
    assert!(matches!(events.last(), Some(Event::PlanFailed(_))));
    Ok(())
}

type Lines = Arc<Mutex<Vec<(Level, String)>>>;

fn collect_logs() -> (Lines, impl Fn(EngineEvent) + Sync) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    (lines, move |event| {
        if let (EngineEvent::Log(line), Ok(mut lines)) = (event, sink.lock()) {
            lines.push((line.level, line.text));
        }
    })
}

#[test]
fn archive_follows_the_seed_table_on_real_files() -> TestResult {
    let fixture = Fixture::new()?;
    let snapshot = Snapshot::load(&fixture.data_dir)?;
    let cancel = Arc::new(AtomicBool::new(false));
    let action = Action::Archive {
        merged_unsaved: false,
        keep_on_error: true,
        allow_unsaved: false,
        clean_done: true,
    };
    let mut usage = HashMap::new();
    let plan = executor::prepare(
        &action,
        &snapshot,
        &mut usage,
        &cancel,
        SystemTime::now(),
        DeleteMode::Delete,
    )?;
    let (docker, _) = fake_docker(&fixture)?;
    let (_, emit) = collect_logs();
    let report = Executor::new(&snapshot.data_dir, cancel, docker).execute(&plan, &emit)?;
    assert!(report.all_ok(), "{report:?}");
    for task in demo::TASKS
        .iter()
        .filter(|t| !t.archived && t.finalization_done && t.is_finished())
    {
        let archived =
            paths::archived_tasks_dir(&fixture.data_dir).join(format!("{}.toml", task.id));
        assert!(archived.exists(), "{} ({}) archived", task.id, task.status);
        assert!(
            !paths::active_tasks_dir(&fixture.data_dir)
                .join(format!("{}.toml", task.id))
                .exists()
        );
        if task.workspace_type() != "cloned" || task.workspace == DemoWorkspace::None {
            continue;
        }
        let workspace_left = fixture.workspace(task.env_id, task.id).exists();
        let class = agents_janitor::status::StatusClass::of(task.status, task.exit_code);
        let should_stay = class == agents_janitor::status::StatusClass::Failed
            || task.workspace != DemoWorkspace::Clean;
        assert_eq!(
            workspace_left, should_stay,
            "{} ({}, {:?})",
            task.id, task.status, task.workspace
        );
    }
    for task in demo::TASKS
        .iter()
        .filter(|t| !t.archived && !t.is_finished())
    {
        assert!(
            paths::active_tasks_dir(&fixture.data_dir)
                .join(format!("{}.toml", task.id))
                .exists()
        );
    }
    Ok(())
}

#[test]
fn a_cancelled_run_changes_nothing_and_says_so() -> TestResult {
    let fixture = Fixture::new()?;
    let snapshot = Snapshot::load(&fixture.data_dir)?;
    let before = common::tree_digest(&fixture.data_dir);
    let cancel = Arc::new(AtomicBool::new(false));
    let mut usage = HashMap::new();
    let action = Action::Sweep {
        merged_unsaved: false,
        older_than_hours: 24.0,
        env_id: None,
        force: false,
        allow_unsaved: false,
    };
    let plan = executor::prepare(
        &action,
        &snapshot,
        &mut usage,
        &cancel,
        SystemTime::now(),
        DeleteMode::Delete,
    )?;
    assert!(!plan.steps.is_empty());
    cancel.store(true, Ordering::Relaxed);
    let (lines, emit) = collect_logs();
    let report = Executor::new(&snapshot.data_dir, cancel, ContainerRuntime::default())
        .execute(&plan, &emit)?;
    assert!(report.cancelled && report.outcomes.is_empty(), "{report:?}");
    let lines = lines.lock().map(|l| l.clone()).unwrap_or_default();
    assert!(
        lines
            .iter()
            .any(|(level, text)| *level == Level::Warn && text.contains("Cancelled")),
        "{lines:?}"
    );
    let mut after = common::tree_digest(&fixture.data_dir);
    after.retain(|path, _| !path.contains(".agents-janitor.lock"));
    assert_eq!(before, after);
    Ok(())
}

#[test]
fn a_second_janitor_is_told_who_holds_the_lock() -> TestResult {
    let fixture = Fixture::new()?;
    let snapshot = Snapshot::load(&fixture.data_dir)?;
    let _held = DataDirLock::acquire(&snapshot.data_dir, "sweep")?;
    let cancel = Arc::new(AtomicBool::new(false));
    let plan = executor::prepare(
        &Action::Sweep {
            merged_unsaved: false,
            older_than_hours: 24.0,
            env_id: None,
            force: false,
            allow_unsaved: false,
        },
        &snapshot,
        &mut HashMap::new(),
        &cancel,
        SystemTime::now(),
        DeleteMode::Delete,
    )?;
    let (_, emit) = collect_logs();
    match Executor::new(&snapshot.data_dir, cancel, ContainerRuntime::default())
        .execute(&plan, &emit)
    {
        Err(ExecuteError::Locked(LockError::Held { holder, .. })) => assert!(
            holder.contains("sweep") && holder.contains("pid"),
            "{holder}"
        ),
        other => return Err(format!("expected the lock to be held, got {other:?}").into()),
    }
    for step in &plan.steps {
        if let Some(ws) = &step.workspace {
            assert!(ws.path.exists(), "{} untouched", ws.path.display());
        }
    }
    Ok(())
}

#[test]
fn a_record_rewritten_by_agents_runner_meanwhile_is_not_overwritten() -> TestResult {
    let fixture = Fixture::new()?;
    let snapshot = Snapshot::load(&fixture.data_dir)?;
    let task = common::clean_done_task()?;
    let cancel = Arc::new(AtomicBool::new(false));
    let action = Action::Discard {
        task_ids: vec![task.id.into()],
        force: false,
    };
    let plan = executor::prepare(
        &action,
        &snapshot,
        &mut HashMap::new(),
        &cancel,
        SystemTime::now(),
        DeleteMode::Delete,
    )?;
    // After the plan, Agents-Runner restarts the task: the executor must notice.
    let file = paths::active_tasks_dir(&fixture.data_dir).join(format!("{}.toml", task.id));
    let text = std::fs::read_to_string(&file)?.replace("status = \"done\"", "status = \"running\"");
    std::fs::write(&file, &text)?;
    let (_, emit) = collect_logs();
    let report = Executor::new(&snapshot.data_dir, cancel, ContainerRuntime::default())
        .execute(&plan, &emit)?;
    assert_eq!(report.steps_failed, 1);
    assert!(
        report.outcomes[0]
            .messages
            .iter()
            .any(|m| m.contains("running now")),
        "{report:?}"
    );
    assert_eq!(std::fs::read_to_string(&file)?, text);
    assert!(fixture.workspace(task.env_id, task.id).exists());
    Ok(())
}

#[test]
fn a_tree_named_twice_is_sized_once_and_fully() -> TestResult {
    // Hard links are counted once per scan, so a second pass over the same tree would
    // find them counted already and report the tree smaller.
    let root = tempfile::tempdir()?;
    let path = root.path().join("workspace");
    std::fs::create_dir_all(&path)?;
    std::fs::write(path.join("object"), vec![7_u8; 50_000])?;
    std::fs::hard_link(path.join("object"), path.join("same-object"))?;
    let cancel = Arc::new(AtomicBool::new(false));
    let mut once = HashMap::new();
    executor::size_missing(std::slice::from_ref(&path), &mut once, &cancel);
    let mut twice = HashMap::new();
    executor::size_missing(
        &[path.clone(), path.clone(), path.clone()],
        &mut twice,
        &cancel,
    );
    assert_eq!(twice.get(&path), once.get(&path));
    assert!(once.get(&path).is_some_and(|u| u.apparent_bytes >= 50_000));
    Ok(())
}
