//! Preparing a plan: the sizes, mount table and git states it needs, then the policy's
//! decision, asked again until every workspace it would delete has a known git state.

use crate::agents_runner::{LiveProbe, Probe, RunnerProcess};
use crate::git::{self, GitStatus};
use crate::mounts;
use crate::policy::{self, Action, DeleteMode, Plan, PlanError, PlanInput};
use crate::process;
use crate::scan::{Scanner, Usage};
use crate::store::Snapshot;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Sizes `paths` that are not in `usage` yet (a missing folder sizes to zero).
pub fn size_missing(
    paths: &[PathBuf],
    usage: &mut HashMap<PathBuf, Usage>,
    cancel: &Arc<AtomicBool>,
) {
    // Each tree once: a second pass over the same tree would find its hard links
    // already counted and report it smaller.
    let todo: Vec<PathBuf> = paths
        .iter()
        .filter(|p| !usage.contains_key(*p))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let found = Mutex::new(Vec::with_capacity(todo.len()));
    Scanner::new(cancel.clone()).scan_all(&todo, |index, result| {
        if let Ok(mut found) = found.lock() {
            found.push((index, result));
        }
    });
    for (index, result) in found.into_inner().unwrap_or_default() {
        if result.complete {
            usage.insert(todo[index].clone(), result);
        }
    }
}

/// Builds the plan for `action` (see [`prepare_with_runner`]), asking the live process
/// table whether Agents-Runner runs on the data directory.
pub fn prepare(
    action: &Action,
    snapshot: &Snapshot,
    usage: &mut HashMap<PathBuf, Usage>,
    cancel: &Arc<AtomicBool>,
    now: SystemTime,
    delete_mode: DeleteMode,
) -> Result<Plan, PlanError> {
    let runner = LiveProbe.check(&snapshot.data_dir);
    prepare_with_runner(
        action,
        snapshot,
        usage,
        cancel,
        now,
        delete_mode,
        runner.as_ref(),
    )
}

/// Builds the plan for `action`: sizes the workspaces it needs (all of them afresh for
/// a sweep, whose ages come from the scan; every one for quotas and orphans), reads the
/// mount table once (a workspace that is or holds a mount point is refused), asks git
/// about the ones it would delete, then decides. When unsaved work keeps a workspace
/// and the plan picks another instead (quotas), git is asked about that one too, so no
/// workspace is ever planned on an unknown git state. While `agents_runner` runs, no
/// change to an active record is planned. Workspaces go the way `delete_mode` says.
pub fn prepare_with_runner(
    action: &Action,
    snapshot: &Snapshot,
    usage: &mut HashMap<PathBuf, Usage>,
    cancel: &Arc<AtomicBool>,
    now: SystemTime,
    delete_mode: DeleteMode,
    agents_runner: Option<&RunnerProcess>,
) -> Result<Plan, PlanError> {
    let input = Inputs {
        snapshot,
        cancel,
        now,
        delete_mode,
        agents_runner,
    };
    plan_asking(action, &input, usage, true)
}

/// Like [`prepare_with_runner`], but for an action whose plan git cannot change
/// ([`Action::git_only_reports`]; anything else is prepared in full): the workspaces it
/// deletes are neither sized nor asked about, which is most of the time before the
/// first one moves. The plan's steps then carry no git state and no size, and a
/// warning says so (the report still counts what was freed). The CLI's
/// `discard --force` prepares this way; `--dry-run` prepares in full.
pub fn prepare_unasked(
    action: &Action,
    snapshot: &Snapshot,
    usage: &mut HashMap<PathBuf, Usage>,
    cancel: &Arc<AtomicBool>,
    now: SystemTime,
    delete_mode: DeleteMode,
    agents_runner: Option<&RunnerProcess>,
) -> Result<Plan, PlanError> {
    let input = Inputs {
        snapshot,
        cancel,
        now,
        delete_mode,
        agents_runner,
    };
    plan_asking(action, &input, usage, !action.git_only_reports())
}

/// What every plan is made from, besides the action and the sizes.
struct Inputs<'a> {
    snapshot: &'a Snapshot,
    cancel: &'a Arc<AtomicBool>,
    now: SystemTime,
    delete_mode: DeleteMode,
    agents_runner: Option<&'a RunnerProcess>,
}

/// The planning loop; `ask` false plans once, without sizing or asking git about the
/// workspaces to delete.
fn plan_asking(
    action: &Action,
    input: &Inputs,
    usage: &mut HashMap<PathBuf, Usage>,
    ask: bool,
) -> Result<Plan, PlanError> {
    let Inputs {
        snapshot,
        cancel,
        now,
        delete_mode,
        agents_runner,
    } = *input;
    let all: Vec<PathBuf> = snapshot
        .workspaces
        .iter()
        .filter(|w| w.is_dir)
        .map(|w| w.path.clone())
        .collect();
    match action {
        // Ages decide what a sweep deletes, so they are measured now, never taken from
        // an earlier scan.
        Action::Sweep { .. } | Action::Scheduled { .. } => {
            for path in &all {
                usage.remove(path);
            }
            size_missing(&all, usage, cancel);
        }
        Action::EnforceQuotas { .. } | Action::DeleteOrphans { .. } => {
            size_missing(&all, usage, cancel)
        }
        _ => {}
    }
    let listed = mounts::listed_under(&snapshot.data_dir);
    let mut git: HashMap<PathBuf, GitStatus> = HashMap::new();
    loop {
        let mut plan = policy::plan(
            action,
            &PlanInput {
                snapshot,
                usage,
                git: &git,
                mount_points: listed.as_ref().ok(),
                now,
                agents_runner,
                delete_mode,
            },
        )?;
        let unknown: Vec<PathBuf> = plan
            .workspace_paths()
            .into_iter()
            .filter(|path| !git.contains_key(path))
            .collect();
        if !ask && !plan.workspace_paths().is_empty() {
            plan.warnings.push(
                "git was not asked and the workspaces were not sized before deleting (a discard keeps no workspace for its unsaved work); `--dry-run` lists both".into(),
            );
        }
        if unknown.is_empty() || !ask {
            if let Err(err) = &listed
                && err.kind() != std::io::ErrorKind::Unsupported
            {
                plan.warnings.push(format!(
                    "cannot read the mount table ({err}): only the mount points the sizing found are refused here, and each workspace is checked again before it is removed"
                ));
            }
            return Ok(plan);
        }
        size_missing(&unknown, usage, cancel);
        // The work is compared with each task's own base branch, as the window shows it.
        let base_branches = snapshot.base_branches();
        git.extend(process::in_program_pool(|| {
            unknown
                .par_iter()
                .map(|path| {
                    let base = base_branches.get(path).map(String::as_str);
                    let found = git::inspect_workspace(path, base, git::DEFAULT_GIT_TIMEOUT);
                    (path.clone(), found.status)
                })
                .collect::<Vec<_>>()
        }));
    }
}
