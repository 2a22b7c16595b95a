//! The library path: measure, plan, then run with a probe and a cancel flag of the
//! test's own.

use super::*;
use crate::common::agents_runner::FakeProbe;
use agents_janitor::container::ContainerRuntime;
use agents_janitor::executor::{self, EngineEvent, Executor, MeasureInput};
use agents_janitor::policy::reclaim::{ReclaimPlan, ReclaimRequest, ReclaimSettings};
use agents_janitor::store::Snapshot;
use agents_janitor::store::footprint::FootprintKind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

fn no_docker(home: &Home) -> ContainerRuntime {
    ContainerRuntime {
        program: home
            .mini
            .root
            .path()
            .join("no-docker-here")
            .into_os_string(),
        timeout: Duration::from_secs(5),
    }
}

/// Measures the home (no docker, no Agents-Runner) and plans `kinds`.
fn plan_for(
    home: &Home,
    settings: &ReclaimSettings,
    kinds: &[FootprintKind],
) -> Result<ReclaimPlan, Box<dyn Error>> {
    let snapshot = Snapshot::load(&home.dir)?;
    let now = SystemTime::now();
    let cancel = Arc::new(AtomicBool::new(false));
    let measured = executor::measure(
        MeasureInput {
            snapshot: &snapshot,
            runner_home: Some(&home.dir),
            docker: no_docker(home).runner_objects(),
            settings,
            now,
            agents_runner: None,
        },
        &mut Default::default(),
        &cancel,
    );
    let request = ReclaimRequest {
        kinds: kinds.to_vec(),
        older_than_hours: None,
    };
    Ok(measured.plan(&request, &snapshot, settings, now)?)
}

fn long_logs(home: &Home, id: &str) -> TestResult {
    let record = home.path(&format!("tasks/done/{id}.toml"));
    let mut doc: toml_edit::DocumentMut = fs::read_to_string(&record)?.parse()?;
    let mut logs = toml_edit::Array::new();
    for line in 0..40 {
        logs.push(format!("[agent] line {line}"));
    }
    doc["logs"] = toml_edit::value(logs);
    write_private(&record, doc.to_string().as_bytes())?;
    make_old(&record, OLD_DAYS)
}

#[test]
fn a_trim_planned_before_agents_runner_rewrote_the_record_is_refused_at_the_last_check()
-> TestResult {
    let home = Home::new()?;
    long_logs(&home, "done1")?;
    let settings = ReclaimSettings {
        trim_logs_after_hours: Some(24.0),
        trim_logs_keep: 5,
        ..ReclaimSettings::default()
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let runtime = no_docker(&home);
    let plan = plan_for(
        &home,
        &settings,
        &[FootprintKind::ArchivedRecords, FootprintKind::CrashReports],
    )?;
    assert_eq!(plan.steps.len(), 2, "{plan:?}");
    // Agents-Runner starts, then archives the task again itself: it holds the record.
    let probe = FakeProbe::running(4242);
    let record = home.path("tasks/done/done1.toml");
    std::thread::sleep(Duration::from_millis(20));
    let text = fs::read(&record)?;
    write_private(&record, &text)?;
    let events = Mutex::new(Vec::new());
    let emit = |event: EngineEvent| {
        if let Ok(mut events) = events.lock() {
            events.push(event);
        }
    };
    let report = Executor::new(&home.dir, cancel, runtime.clone())
        .with_runner_home(Some(&home.dir))
        .with_agents_runner_probe(Arc::new(probe))
        .reclaim(&plan, &runtime, &emit)?;
    assert_eq!(fs::read(&record)?, text, "a held record was trimmed");
    let trimmed = report
        .steps
        .iter()
        .find(|step| step.kind == FootprintKind::ArchivedRecords)
        .ok_or("no trim outcome")?;
    assert!(!trimmed.done && trimmed.message.contains("Agents-Runner is running"));
    // The other step still ran.
    assert!(!home.path("crash-reports/crash-1.json").exists());
    let events = events.lock().map_err(|_| "poisoned")?;
    assert!(events.iter().any(|event| matches!(
        event,
        EngineEvent::Progress(progress) if progress.steps_total == 2 && progress.steps_done == 2
    )));
    Ok(())
}

#[test]
fn a_cancelled_reclaim_stops_before_the_next_item() -> TestResult {
    let home = Home::new()?;
    let cancel = Arc::new(AtomicBool::new(false));
    let runtime = no_docker(&home);
    let plan = plan_for(
        &home,
        &ReclaimSettings::default(),
        &[FootprintKind::CrashLeftovers, FootprintKind::CrashReports],
    )?;
    assert!(plan.steps.len() >= 2, "{plan:?}");
    let before = crate::common::tree_digest(&home.dir);
    cancel.store(true, Ordering::Relaxed);
    let report = Executor::new(&home.dir, cancel, runtime.clone())
        .with_runner_home(Some(&home.dir))
        .with_agents_runner_probe(Arc::new(FakeProbe::not_running()))
        .reclaim(&plan, &runtime, &|_| {})?;
    assert!(report.cancelled && report.steps.is_empty(), "{report:?}");
    let mut after = crate::common::tree_digest(&home.dir);
    after.remove(agents_janitor::lock::LOCK_FILE);
    let mut before = before;
    before.remove(agents_janitor::lock::LOCK_FILE);
    assert_eq!(after, before, "a cancelled reclaim changed the home");
    Ok(())
}
