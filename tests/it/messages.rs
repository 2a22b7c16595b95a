//! Errors people can act on: each failure met while carrying out a plan (a workspace
//! swapped for a symlink or a file, a task running again, a file that cannot be
//! deleted) ends in a line naming the path and the reason, both on the CLI's stderr
//! (with exit code 1) and in the GUI's log (the worker's `Log` events).
#![cfg(unix)]

use crate::common;

use agents_janitor::checkpoint;
use agents_janitor::container::ContainerRuntime;
use agents_janitor::policy::{Action, DeleteMode};
use agents_janitor::worker::{Command, Event, Worker};
use common::immutable::{self, Immutable};
use common::mini::{ENV, Mini, Paused, TestResult};
use crossbeam_channel::RecvTimeoutError;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A guard against hanging, not a timing check.
const PATIENCE: Duration = Duration::from_secs(120);

const SYMLINKED: &str = "3e55000001";
const FILE: &str = "3e55000002";
const RESTARTED: &str = "3e55000003";
const STUBBORN: &str = "3e55000004";

/// Four finished tasks, each with a workspace.
fn setup() -> Result<Mini, Box<dyn Error>> {
    let mini = Mini::in_dir(immutable::tempdir()?)?;
    for id in [SYMLINKED, FILE, RESTARTED, STUBBORN] {
        mini.add_task(id, ENV, "done")?;
        mini.add_workspace(ENV, id, 5)?;
    }
    Ok(mini)
}

/// A path (or the end of one) and the reason a line must give for it.
type Expected = (PathBuf, String);

/// What goes wrong after the plan was made. Returns the expected `(path, reason)` lines
/// and the guard of the immutable file, if any.
fn break_things(mini: &Mini) -> Result<(Vec<Expected>, Option<Immutable>), Box<dyn Error>> {
    let mut expected = Vec::new();
    let symlinked = mini.workspace(ENV, SYMLINKED);
    fs::remove_dir_all(&symlinked)?;
    std::os::unix::fs::symlink(&mini.outside, &symlinked)?;
    expected.push((symlinked, "it is a symlink".to_owned()));
    let file = mini.workspace(ENV, FILE);
    fs::remove_dir_all(&file)?;
    fs::write(&file, "a file now")?;
    expected.push((file, "it is not a folder".to_owned()));
    let record = mini.active_record(RESTARTED);
    let text = fs::read_to_string(&record)?.replace("status = \"done\"", "status = \"running\"");
    common::write_private(&record, text.as_bytes())?;
    expected.push((
        record,
        format!("Skipped task {RESTARTED}: it is running now"),
    ));
    let stubborn = mini.workspace(ENV, STUBBORN).join("README.md");
    let guard = Immutable::set(&[&stubborn], &mini.data_dir)?;
    if guard.is_some() {
        // The workspace is renamed into staging before the file is met there.
        expected.push((
            PathBuf::from("README.md"),
            "Failed to remove task workspace".to_owned(),
        ));
        expected.push((
            PathBuf::from("README.md"),
            "Operation not permitted".to_owned(),
        ));
    }
    Ok((expected, guard))
}

fn discard_all() -> Action {
    Action::Discard {
        task_ids: [SYMLINKED, FILE, RESTARTED, STUBBORN]
            .map(str::to_owned)
            .to_vec(),
        force: false,
    }
}

/// Whether some line names the path (or a path ending in it, for staged files) and the reason.
fn named(lines: &[String], path: &Path, reason: &str) -> bool {
    let shown = path.display().to_string();
    lines
        .iter()
        .any(|line| line.contains(&shown) && line.contains(reason))
}

#[test]
fn the_cli_names_each_path_and_reason_and_exits_1() -> TestResult {
    let mini = setup()?;
    let ids = [SYMLINKED, FILE, RESTARTED, STUBBORN];
    let args: Vec<&str> = std::iter::once("discard").chain(ids).collect();
    let paused = Paused::start(&mini, &args, checkpoint::EXECUTE_START)?;
    let (expected, guard) = break_things(&mini)?;
    let run = paused.resume()?;
    drop(guard);
    assert_eq!(run.code, Some(1), "{run}");
    let lines: Vec<String> = run.stderr.lines().map(str::to_owned).collect();
    for (path, reason) in &expected {
        assert!(
            named(&lines, path, reason),
            "{} / {reason}:\n{run}",
            path.display()
        );
    }
    Ok(())
}

#[test]
fn the_gui_log_names_each_path_and_reason() -> TestResult {
    let mini = setup()?;
    let worker = Worker::spawn(
        mini.data_dir.clone(),
        ContainerRuntime {
            program: "true".into(),
            timeout: Duration::from_secs(30),
        },
        Arc::new(|| {}),
    );
    let mut lines = Vec::new();
    let mut wait_for = |done: &dyn Fn(&Event) -> bool| -> Result<Option<Event>, Box<dyn Error>> {
        loop {
            match worker.events().recv_timeout(PATIENCE) {
                Ok(Event::Log(line)) => lines.push(line.text),
                Ok(event) if done(&event) => return Ok(Some(event)),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => return Err("the worker went quiet".into()),
                Err(RecvTimeoutError::Disconnected) => return Ok(None),
            }
        }
    };
    assert!(worker.send(Command::Load));
    wait_for(&|e| matches!(e, Event::Loaded(_) | Event::LoadFailed(_)))?;
    assert!(worker.send(Command::Plan(discard_all(), DeleteMode::Delete)));
    let Some(Event::PlanReady(plan)) =
        wait_for(&|e| matches!(e, Event::PlanReady(_) | Event::PlanFailed(_)))?
    else {
        return Err("no plan".into());
    };
    assert_eq!(plan.steps.len(), 4, "{plan:?}");
    let (expected, guard) = break_things(&mini)?;
    assert!(worker.send(Command::Execute(plan)));
    let finished = wait_for(&|e| matches!(e, Event::Finished(_) | Event::ExecuteFailed(_)))?;
    drop(guard);
    let Some(Event::Finished(report)) = finished else {
        return Err(format!("not finished: {finished:?}").into());
    };
    assert!(report.steps_failed >= 3, "{report:?}");
    drop(worker);
    for (path, reason) in &expected {
        assert!(
            named(&lines, path, reason),
            "{} / {reason}:\n{lines:#?}",
            path.display()
        );
    }
    Ok(())
}

const RUNNING: &str = "3e55000005";
const MOUNTED: &str = "3e55000006";
const UNKNOWN_ENV: &str = "3e55000007";
const MOUNTED_ENV: &str = "env-5afe0006";

/// A task id with the path and the reason its refusal must name.
type Refusal = (&'static str, PathBuf, String);

/// Tasks refused while planning: one still running, one in a mounted environment, one
/// whose environment is not in `environments.json`. Returns each with the path and
/// reason its refusal must name.
fn refused_at_planning(mini: &Mini) -> Result<Vec<Refusal>, Box<dyn Error>> {
    mini.write_environments(&[(ENV, "cloned"), (MOUNTED_ENV, "mounted")])?;
    let running = mini.add_task(RUNNING, ENV, "running")?;
    mini.add_workspace(ENV, RUNNING, 5)?;
    mini.add_task(MOUNTED, MOUNTED_ENV, "done")?;
    mini.add_task(UNKNOWN_ENV, "env-5afe0007", "done")?;
    Ok(vec![
        (RUNNING, running, "still running".to_owned()),
        (
            MOUNTED,
            PathBuf::from("https://example.invalid/repo.git"),
            "mounted workspace".to_owned(),
        ),
        (
            UNKNOWN_ENV,
            mini.workspace("env-5afe0007", UNKNOWN_ENV),
            "not in environments.json".to_owned(),
        ),
    ])
}

#[test]
fn refusals_at_planning_name_the_path_on_the_cli_and_exit_1() -> TestResult {
    let mini = Mini::new()?;
    for (id, path, reason) in refused_at_planning(&mini)? {
        let run = mini.run(&["complete", id])?;
        assert_eq!(run.code, Some(1), "{id}: {run}");
        let lines: Vec<String> = run
            .stdout
            .lines()
            .chain(run.stderr.lines())
            .map(str::to_owned)
            .collect();
        assert!(
            named(&lines, &path, &reason),
            "{id}: {} / {reason}:\n{run}",
            path.display()
        );
    }
    Ok(())
}

#[test]
fn refusals_at_planning_name_the_path_in_the_gui_plan() -> TestResult {
    let mini = Mini::new()?;
    let expected = refused_at_planning(&mini)?;
    let worker = Worker::spawn(
        mini.data_dir.clone(),
        ContainerRuntime::default(),
        Arc::new(|| {}),
    );
    assert!(worker.send(Command::Load));
    assert!(worker.send(Command::Plan(
        Action::Complete {
            task_ids: expected.iter().map(|(id, _, _)| (*id).to_owned()).collect(),
            keep_on_error: false,
            force: false,
        },
        DeleteMode::Delete
    )));
    let plan = loop {
        match worker.events().recv_timeout(PATIENCE) {
            Ok(Event::PlanReady(plan)) => break plan,
            Ok(Event::PlanFailed(reason)) => return Err(reason.into()),
            Ok(_) => {}
            Err(err) => return Err(format!("no plan: {err}").into()),
        }
    };
    for (id, path, reason) in &expected {
        let said = plan.skipped.iter().any(|s| {
            s.task_id == *id
                && s.refused
                && s.reason.contains(&path.display().to_string())
                && s.reason.contains(reason.as_str())
        });
        assert!(
            said,
            "{id}: {} / {reason}: {:?}",
            path.display(),
            plan.skipped
        );
    }
    Ok(())
}
