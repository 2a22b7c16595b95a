//! The path every cleaning subcommand shares: build the plan, print it, carry it out
//! unless `--dry-run`, print the report (or all of it as one JSON document).

use super::{RunFlags, bad_input, failure};
use crate::agents_runner::{LiveProbe, Probe};
use crate::container::ContainerRuntime;
use crate::executor::{self, EngineEvent, Executor, Report};
use crate::policy::{Action, DeleteMode, Plan, RecordChange};
use crate::store::Snapshot;
use crate::text;
use anyhow::Result;
use serde_json::json;
use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::SystemTime;

/// Prints the executor's `[cleanup]` lines on stderr as they happen.
pub(super) fn print_log(event: EngineEvent) {
    if let EngineEvent::Log(line) = event {
        eprintln!("{}", line.text);
    }
}

/// The executor of a cleaning command and its cancel flag; unless `dry_run`, what a
/// crash or a cancel left in staging is finished first, and when that changed records,
/// the data dir read again (plan on that one).
pub(super) fn executor_for(
    snapshot: &Snapshot,
    dry_run: bool,
) -> Result<(Executor, Arc<AtomicBool>, Option<Snapshot>)> {
    let cancel = Arc::new(AtomicBool::new(false));
    let executor = Executor::new(
        &snapshot.data_dir,
        cancel.clone(),
        ContainerRuntime::default(),
    );
    let mut reloaded = None;
    if !dry_run {
        let resumed = executor
            .finish_staged(&print_log)
            .map_err(|err| failure(err.to_string()))?;
        // The records an interrupted run changed just now: plan on them as they are.
        if resumed.records_finished > 0 {
            let cache = crate::store::RecordCache::for_user();
            reloaded = Some(
                Snapshot::load_with(&snapshot.data_dir, cache.as_ref())
                    .map_err(|err| bad_input(err.to_string()))?,
            );
        }
    }
    Ok((executor, cancel, reloaded))
}

/// Builds the plan, prints it, and unless `--dry-run` carries it out.
pub(super) fn execute(
    snapshot: &Snapshot,
    action: Action,
    flags: &RunFlags,
    delete_mode: DeleteMode,
) -> Result<u8> {
    let (executor, cancel, reloaded) = executor_for(snapshot, flags.dry_run)?;
    let snapshot = reloaded.as_ref().unwrap_or(snapshot);
    let mut usage = HashMap::new();
    let runner = LiveProbe.check(&snapshot.data_dir);
    // `discard --force` deletes at once: git's answers and the sizes would only be
    // printed, and asking for them is most of the time before the first workspace moves.
    let forced_discard = matches!(action, Action::Discard { force: true, .. });
    let prepare = if forced_discard && !flags.dry_run {
        executor::prepare_unasked
    } else {
        executor::prepare_with_runner
    };
    let plan = prepare(
        &action,
        snapshot,
        &mut usage,
        &cancel,
        SystemTime::now(),
        delete_mode,
        runner.as_ref(),
    )
    .map_err(|err| bad_input(err.to_string()))?;
    if !flags.json {
        print_plan(&plan, snapshot)?;
    }
    for line in executor::mount_point_refusals(&plan) {
        print_log(EngineEvent::Log(line));
    }
    let report = if flags.dry_run || plan.is_empty() {
        None
    } else {
        Some(
            executor
                .execute(&plan, &print_log)
                .map_err(|err| failure(err.to_string()))?,
        )
    };
    // A task the user named but that was refused makes the command fail; skips by a
    // sweep or an archive over everything are the policy at work, except a workspace
    // kept by a mount point: the user has to unmount it, whoever asked. A record change
    // Agents-Runner would undo fails the command whatever the action.
    let refused = (matches!(action, Action::Discard { .. } | Action::Complete { .. })
        && plan.skipped.iter().any(|s| s.refused))
        || plan
            .skipped
            .iter()
            .any(|s| s.held_by_agents_runner || s.mount_point.is_some());
    let mut out = std::io::stdout().lock();
    if flags.json {
        let doc = json!({
            "dry_run": flags.dry_run,
            "workspace_action": workspace_verb(plan.delete_mode),
            "plan": plan,
            "result": report,
            "bytes_freed": report.as_ref().map_or(0, |r| r.bytes_freed),
            "bytes_trashed": report.as_ref().map_or(0, |r| r.bytes_trashed),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else if flags.dry_run {
        writeln!(out, "Dry run: nothing was changed.")?;
    } else if let Some(report) = &report {
        print_report(&mut out, report)?;
    }
    let failed = report.as_ref().is_some_and(|r| !r.all_ok());
    Ok(if failed || refused { 1 } else { 0 })
}

/// The plan as a table: its totals, then one line per step, the skipped tasks and the
/// warnings.
fn print_plan(plan: &Plan, snapshot: &Snapshot) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let workspaces = plan.steps.iter().filter(|s| s.workspace.is_some()).count();
    let verb = workspace_verb(plan.delete_mode);
    let when = match plan.delete_mode {
        DeleteMode::Delete => "",
        DeleteMode::Trash => " when the trash is emptied",
    };
    writeln!(
        out,
        "Plan ({}): {} step(s), {} workspace(s) to {verb}, {} to free{when}",
        plan.action.verb(),
        plan.steps.len(),
        workspaces,
        text::bytes(plan.bytes_to_free)
    )?;
    for step in &plan.steps {
        let record = match step.record_change {
            RecordChange::Keep => "",
            RecordChange::Archive => "archive record",
            RecordChange::Discard { archive: true } => "mark discarded + archive",
            RecordChange::Discard { archive: false } => "mark discarded",
        };
        let mut parts: Vec<String> = Vec::new();
        if !record.is_empty() {
            parts.push(record.into());
        }
        if let Some(container) = &step.container_id {
            parts.push(format!("remove container {container}"));
        }
        if let Some(ws) = &step.workspace {
            let shown = ws.path.strip_prefix(&snapshot.data_dir).unwrap_or(&ws.path);
            parts.push(format!(
                "{verb} {} ({})",
                shown.display(),
                text::bytes(step.bytes)
            ));
        }
        let git = step
            .git
            .as_ref()
            .map(|g| format!("  [git: {}]", g.describe()))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<12} {}: {}{git}",
            step.task_id,
            step.reason,
            parts.join(", ")
        )?;
    }
    if !plan.skipped.is_empty() {
        writeln!(out, "Skipped:")?;
        for skipped in &plan.skipped {
            let hint = if skipped.force_includes {
                " (--force takes it)"
            } else {
                ""
            };
            writeln!(out, "  {:<12} {}{hint}", skipped.task_id, skipped.reason)?;
        }
    }
    for warning in &plan.warnings {
        writeln!(out, "Warning: {warning}")?;
    }
    Ok(())
}

/// What was done: the totals, then a line per step that failed.
fn print_report(out: &mut impl Write, report: &Report) -> Result<()> {
    writeln!(
        out,
        "{}: {} step(s) done, {} failed, {} workspace(s) removed, {} freed{}{}",
        report.action,
        report.steps_ok,
        report.steps_failed,
        report.workspaces_removed,
        text::bytes(report.bytes_freed),
        if report.workspaces_trashed > 0 {
            format!(
                ", {} moved to the trash ({}; freed when the trash is emptied)",
                report.workspaces_trashed,
                text::bytes(report.bytes_trashed)
            )
        } else {
            String::new()
        },
        if report.cancelled { " (cancelled)" } else { "" }
    )?;
    for outcome in report.outcomes.iter().filter(|o| !o.ok) {
        writeln!(
            out,
            "  failed: {}: {}",
            outcome.task_id,
            outcome.messages.last().map_or("", String::as_str)
        )?;
    }
    Ok(())
}

/// What a plan does with its workspaces, in the plan's words.
pub(super) fn workspace_verb(mode: DeleteMode) -> &'static str {
    match mode {
        DeleteMode::Delete => "delete",
        DeleteMode::Trash => "move to trash",
    }
}
