//! `slim`: delete only the build output of kept workspaces (what git ignores), after
//! showing each folder with its size.

use super::run_plan::{executor_for, print_log};
use super::{bad_input, failure};
use crate::executor;
use crate::policy::{SlimPlan, SlimSelection};
use crate::store::Snapshot;
use crate::text;
use anyhow::Result;
use serde_json::json;
use std::io::Write;

/// Slims the named tasks' workspaces, or every finished task's with `all_finished`.
pub(super) fn slim(
    snapshot: &Snapshot,
    task_ids: Vec<String>,
    all_finished: bool,
    dry_run: bool,
    json: bool,
) -> Result<u8> {
    let selection = match (all_finished, task_ids.is_empty()) {
        (true, true) => SlimSelection::AllFinished,
        (false, false) => SlimSelection::Tasks(task_ids),
        (true, false) => return Err(bad_input("give task ids or --all-finished, not both")),
        (false, true) => return Err(bad_input("give task ids, or --all-finished")),
    };
    let output = if json { Output::Json } else { Output::Text };
    slim_selection(snapshot, selection, dry_run, output)
}

/// Where a slim's plan and result go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Output {
    /// A table on stdout.
    Text,
    /// One JSON document on stdout.
    Json,
    /// Only the `[cleanup]` lines on stderr (after another command's JSON document).
    LogOnly,
}

/// Slims what `selection` names: the plan on stdout (as `output` says), then unless
/// `dry_run` the slim itself, its `[cleanup]` lines on stderr.
pub(super) fn slim_selection(
    snapshot: &Snapshot,
    selection: SlimSelection,
    dry_run: bool,
    output: Output,
) -> Result<u8> {
    let (executor, cancel, reloaded) = executor_for(snapshot, dry_run)?;
    let snapshot = reloaded.as_ref().unwrap_or(snapshot);
    let plan = executor::prepare_slim(&selection, snapshot, &cancel)
        .map_err(|err| bad_input(err.to_string()))?;
    if output == Output::Text {
        print_plan(&plan, snapshot)?;
    }
    let report = if dry_run || plan.is_empty() {
        None
    } else {
        Some(
            executor
                .slim(&plan, &print_log)
                .map_err(|err| failure(err.to_string()))?,
        )
    };
    let refused = matches!(selection, SlimSelection::Tasks(_))
        && plan.skipped.iter().any(|skipped| skipped.refused);
    let mut out = std::io::stdout().lock();
    match (output, &report) {
        (Output::LogOnly, _) => {}
        (Output::Json, _) => {
            let doc = json!({
                "dry_run": dry_run,
                "plan": plan,
                "result": report,
                "bytes_freed": report.as_ref().map_or(0, |r| r.bytes_freed),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        (Output::Text, _) if dry_run => writeln!(out, "Dry run: nothing was changed.")?,
        (Output::Text, Some(report)) => writeln!(
            out,
            "slim: {} workspace(s) slimmed, {} failed, {} freed{}",
            report.steps_ok,
            report.steps_failed,
            text::bytes(report.bytes_freed),
            if report.cancelled { " (cancelled)" } else { "" }
        )?,
        (Output::Text, None) => {}
    }
    let failed = report.as_ref().is_some_and(|r| !r.all_ok());
    Ok(if failed || refused { 1 } else { 0 })
}

/// The plan: its total, each workspace with each folder and its size, the skipped tasks.
fn print_plan(plan: &SlimPlan, snapshot: &Snapshot) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Plan (slim): {} workspace(s), {} to free (only what git ignores)",
        plan.workspaces.len(),
        text::bytes(plan.bytes_to_free)
    )?;
    for workspace in &plan.workspaces {
        let shown = workspace
            .path
            .strip_prefix(&snapshot.data_dir)
            .unwrap_or(&workspace.path);
        writeln!(
            out,
            "  {:<12} {} ({})",
            workspace.task_id,
            shown.display(),
            text::bytes(workspace.bytes)
        )?;
        for entry in &workspace.entries {
            writeln!(
                out,
                "    {:>10}  {}",
                text::bytes(entry.bytes),
                entry.path.display()
            )?;
        }
    }
    if !plan.left_alone.is_empty() {
        writeln!(out, "Left where they are:")?;
        for entry in &plan.left_alone {
            writeln!(
                out,
                "  {:<12} {}: {}",
                entry.task_id,
                entry.path.display(),
                entry.reason
            )?;
        }
    }
    if !plan.skipped.is_empty() {
        writeln!(out, "Skipped:")?;
        for skipped in &plan.skipped {
            writeln!(out, "  {:<12} {}", skipped.task_id, skipped.reason)?;
        }
    }
    Ok(())
}
