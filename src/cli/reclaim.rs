//! `reclaim`: the rest of Agents-Runner's footprint (artifacts, context files, crash
//! leftovers, records' logs, docker images and containers...), planned by kind and taken
//! back through the executor; and the `"other"` rows `usage` shows for it.

use super::run_plan::print_log;
use super::{bad_input, failure};
use crate::agents_runner::{LiveProbe, Probe, RunnerProcess};
use crate::config::{Config, format_age};
use crate::container::{ContainerRuntime, DockerListing};
use crate::executor::{self, Executor, MeasureInput, Measured, ReclaimReport};
use crate::policy::reclaim::{KindRow, ReclaimPlan, ReclaimRequest, ReclaimSettings};
use crate::scan::Usage;
use crate::store::footprint::FootprintKind;
use crate::store::{Snapshot, paths};
use crate::text;
use anyhow::Result;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::SystemTime;

/// What the user asked `reclaim` for, as parsed.
pub(super) struct ReclaimArgs {
    /// The kinds named; none: every kind not set to never (or, `scheduled`, every kind
    /// set to schedule).
    pub(super) kinds: Vec<FootprintKind>,
    /// `--older-than`, in hours.
    pub(super) older_than: Option<f64>,
    /// `--scheduled`: what the schedule takes by itself.
    pub(super) scheduled: bool,
    pub(super) dry_run: bool,
    pub(super) json: bool,
}

/// Measures the footprint of `snapshot` and of this user's Agents-Runner home, with the
/// workspace sizes already taken.
fn measure(
    snapshot: &Snapshot,
    settings: &Config,
    workspace_sizes: &mut HashMap<PathBuf, Usage>,
    docker: Result<DockerListing, String>,
    agents_runner: Option<RunnerProcess>,
) -> Measured {
    let runner_home = paths::runner_home_of_user();
    executor::measure(
        MeasureInput {
            snapshot,
            runner_home: runner_home.as_deref(),
            docker,
            settings: &settings.reclaim,
            now: SystemTime::now(),
            agents_runner,
        },
        workspace_sizes,
        &Arc::new(AtomicBool::new(false)),
    )
}

/// The `[reclaim]` settings in force as `config show` prints them: every kind that
/// may be reclaimed with its setting, then the schedule's age and the log trim.
pub(super) fn reclaim_settings_shown(settings: &ReclaimSettings) -> Vec<(String, String)> {
    let mut shown: Vec<(String, String)> = FootprintKind::ALL
        .into_iter()
        .filter(|kind| kind.is_reclaimable())
        .map(|kind| {
            (
                kind.name().to_owned(),
                settings.setting(kind).as_str().to_owned(),
            )
        })
        .collect();
    shown.push((
        "schedule_age".into(),
        format_age(settings.schedule_age_hours),
    ));
    shown.push((
        "trim_logs_after".into(),
        settings
            .trim_logs_after_hours
            .map_or_else(|| "off".to_owned(), format_age),
    ));
    shown.push(("trim_logs_keep".into(), settings.trim_logs_keep.to_string()));
    shown
}

/// One row of `usage`'s `"other"` array.
#[derive(Debug, Serialize)]
pub(super) struct OtherRow {
    kind: FootprintKind,
    label: &'static str,
    path: String,
    bytes: u64,
    count: usize,
    reclaimable_bytes: u64,
    reclaimable_count: usize,
    setting: &'static str,
    note: Option<String>,
}

/// The rows of every kind of the footprint besides workspaces (`workspace_sizes`: the
/// sizes `usage` took; `docker`: what docker listed, see [`MeasureInput::docker`];
/// `agents_runner`: the Agents-Runner found running on the data dir).
pub(super) fn other_rows(
    snapshot: &Snapshot,
    settings: &Config,
    workspace_sizes: &mut HashMap<PathBuf, Usage>,
    docker: Result<DockerListing, String>,
    agents_runner: Option<RunnerProcess>,
) -> (Vec<OtherRow>, Vec<String>) {
    let measured = measure(snapshot, settings, workspace_sizes, docker, agents_runner);
    let (_, rows) = measured.assess(snapshot, &settings.reclaim, SystemTime::now(), None);
    (rows.into_iter().map(row).collect(), measured.warnings)
}

fn row(row: KindRow) -> OtherRow {
    OtherRow {
        kind: row.kind,
        label: row.kind.label(),
        path: row.path,
        bytes: row.bytes,
        count: row.count,
        reclaimable_bytes: row.reclaimable_bytes,
        reclaimable_count: row.reclaimable_count,
        setting: row.setting.as_str(),
        note: row.note,
    }
}

/// Prints the `"other"` rows as a table under `usage`'s environments.
pub(super) fn print_other(out: &mut impl Write, rows: &[OtherRow]) -> Result<()> {
    writeln!(out, "\nEverything else Agents-Runner leaves:")?;
    writeln!(
        out,
        "{:<32} {:>7} {:>11} {:>13} {:<9} WHERE",
        "KIND", "COUNT", "SIZE", "RECLAIMABLE", "SETTING"
    )?;
    for row in rows {
        let place = match &row.note {
            Some(note) => format!("{} ({note})", row.path),
            None => row.path.clone(),
        };
        writeln!(
            out,
            "{:<32} {:>7} {:>11} {:>13} {:<9} {place}",
            row.label,
            row.count,
            text::bytes(row.bytes),
            text::bytes(row.reclaimable_bytes),
            row.setting
        )?;
    }
    let total: u64 = rows.iter().map(|row| row.reclaimable_bytes).sum();
    writeln!(
        out,
        "Reclaimable now: {} (agents-janitor reclaim --dry-run shows the plan)",
        text::bytes(total)
    )?;
    Ok(())
}

/// `reclaim`: plans the kinds asked for, prints the plan, and unless `--dry-run` takes
/// them back.
pub(super) fn reclaim(snapshot: &Snapshot, settings: &Config, args: &ReclaimArgs) -> Result<u8> {
    let reclaim_settings = &settings.reclaim;
    let (kinds, older_than) = if args.scheduled {
        if !args.kinds.is_empty() {
            return Err(bad_input(
                "--scheduled takes the kinds set to schedule; name none",
            ));
        }
        let age = reclaim_settings
            .schedule_age_hours
            .max(args.older_than.unwrap_or(0.0));
        (reclaim_settings.scheduled_kinds(), Some(age))
    } else if args.kinds.is_empty() {
        (reclaim_settings.asked_kinds(), args.older_than)
    } else {
        (args.kinds.clone(), args.older_than)
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let runner_home = paths::runner_home_of_user();
    let containers = ContainerRuntime::default();
    let executor = Executor::new(&snapshot.data_dir, cancel.clone(), containers.clone())
        .with_runner_home(runner_home.as_deref());
    if !args.dry_run {
        executor
            .finish_staged(&print_log)
            .map_err(|err| failure(err.to_string()))?;
    }
    let now = SystemTime::now();
    let measured = executor::measure(
        MeasureInput {
            snapshot,
            runner_home: runner_home.as_deref(),
            docker: containers.runner_objects(),
            settings: reclaim_settings,
            now,
            agents_runner: LiveProbe.check(&snapshot.data_dir),
        },
        &mut HashMap::new(),
        &cancel,
    );
    let request = ReclaimRequest {
        kinds,
        older_than_hours: older_than,
    };
    let plan = measured
        .plan(&request, snapshot, reclaim_settings, now)
        .map_err(|err| bad_input(err.to_string()))?;
    if !args.json {
        print_plan(&mut std::io::stdout().lock(), &plan)?;
    }
    let report = if args.dry_run || plan.is_empty() {
        None
    } else {
        Some(
            executor
                .reclaim(&plan, &containers, &print_log)
                .map_err(|err| failure(err.to_string()))?,
        )
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&document(&plan, report.as_ref(), args.dry_run))?
        )?;
    } else if args.dry_run {
        writeln!(out, "Dry run: nothing was changed.")?;
    } else if let Some(report) = &report {
        print_report(&mut out, report)?;
    }
    Ok(u8::from(report.as_ref().is_some_and(|r| !r.all_ok())))
}

/// `{"steps": [{"kind", "path", "bytes", "done"}], "freed_bytes"}`, with the skipped
/// items and warnings beside them.
fn document(
    plan: &ReclaimPlan,
    report: Option<&ReclaimReport>,
    dry_run: bool,
) -> serde_json::Value {
    let step = |kind: FootprintKind, path: &str, bytes: u64, done: bool, message: &str| json!({"kind": kind, "path": path, "bytes": bytes, "done": done, "message": message});
    let steps: Vec<serde_json::Value> = match report {
        Some(report) => report
            .steps
            .iter()
            .map(|s| step(s.kind, &s.path, s.bytes, s.done, &s.message))
            .collect(),
        None => plan
            .steps
            .iter()
            .map(|s| step(s.kind, &s.path, s.bytes, false, &s.reason))
            .collect(),
    };
    json!({
        "dry_run": dry_run,
        "kinds": plan.request.kinds,
        "older_than_hours": plan.request.older_than_hours,
        "steps": steps,
        "bytes_to_free": plan.bytes_to_free,
        "freed_bytes": report.map_or(0, |r| r.freed_bytes),
        "cancelled": report.is_some_and(|r| r.cancelled),
        "skipped": plan.skipped,
        "warnings": plan.warnings,
    })
}

fn print_plan(out: &mut impl Write, plan: &ReclaimPlan) -> Result<()> {
    writeln!(
        out,
        "Plan (reclaim): {} step(s), {} to free",
        plan.steps.len(),
        text::bytes(plan.bytes_to_free)
    )?;
    for step in &plan.steps {
        writeln!(
            out,
            "  {:<20} {:>11}  {}: {}",
            step.kind.name(),
            text::bytes(step.bytes),
            step.path,
            step.reason
        )?;
    }
    let refused: Vec<_> = plan.skipped.iter().filter(|s| s.refused).collect();
    let kept = plan.skipped.len() - refused.len();
    if !refused.is_empty() {
        writeln!(out, "Refused:")?;
        for skipped in refused {
            writeln!(
                out,
                "  {:<20} {}: {}",
                skipped.kind.name(),
                skipped.path,
                skipped.reason
            )?;
        }
    }
    if kept > 0 {
        writeln!(
            out,
            "{kept} item(s) kept (too young, still needed, or their setting; --json lists them)"
        )?;
    }
    for warning in &plan.warnings {
        writeln!(out, "Warning: {warning}")?;
    }
    Ok(())
}

fn print_report(out: &mut impl Write, report: &ReclaimReport) -> Result<()> {
    let failed = report.steps.iter().filter(|s| !s.done).count();
    writeln!(
        out,
        "reclaim: {} step(s) done, {failed} failed, {} freed{}",
        report.steps.len() - failed,
        text::bytes(report.freed_bytes),
        if report.cancelled { " (cancelled)" } else { "" }
    )?;
    for step in report.steps.iter().filter(|s| !s.done) {
        writeln!(out, "  failed: {}: {}", step.path, step.message)?;
    }
    Ok(())
}
