//! Pure cleanup decisions: a snapshot, sizes and git states in, a [`Plan`] out.
//!
//! Nothing here touches the disk or the clock; the caller passes `now`. The CLI's
//! `--dry-run` and the GUI's confirm dialog show the same plan the executor runs, and the
//! executor's re-checks right before it acts (`activity`, [`changed_record`]) are the
//! rules the plan was made with.
//!
//! - `plan`: the types ([`Action`] in, [`Plan`] of [`Step`]s and [`Skipped`] tasks out);
//! - `builder`: the checks every action shares, and how steps fold into one plan;
//! - `archive`, `named_tasks` (discard, completion), `sweep`, `orphans`, `quota`: one
//!   file per group of decisions;
//! - `slim`: which workspaces "Slim" makes smaller, and what of each;
//! - `safe`: deleting the workspaces whose work git shows is elsewhere;
//! - `activity`: "may this task still be running?", for the builder and the executor;
//! - `settings`: the inputs the settings file stores ([`DeleteMode`], [`Quota`]);
//!   [`schedule`]: when the unattended cleanup runs;
//! - [`reclaim`]: what of the rest of Agents-Runner's footprint (artifacts, context
//!   files, crash leftovers, logs, docker images...) may go, and its plan.

mod activity;
mod archive;
mod builder;
mod named_tasks;
mod orphans;
mod plan;
mod quota;
pub mod reclaim;
mod safe;
pub mod schedule;
mod settings;
mod slim;
mod sweep;

pub(crate) use activity::{Activity, activity};
pub use orphans::ORPHAN_MIN_AGE_HOURS;
pub use plan::{
    Action, Plan, PlanError, PlanInput, RecordChange, Skipped, Step, WorkspaceDeletion,
    changed_record,
};
pub use quota::{QuotaLevel, QuotaState, quota_level, quota_states};
pub use settings::{DEFAULT_SWEEP_HOURS, DEFAULT_WARN_PERCENT, DeleteMode, Quota};
pub use slim::{
    SlimEntry, SlimInput, SlimLeftAlone, SlimPlan, SlimSelection, SlimWorkspace, is_slimmable,
    slim_candidates, slim_plan,
};

use builder::Builder;
use std::collections::BTreeMap;

/// Builds the plan for `action`. Active tasks are never in it unless forced;
/// mounted and none workspaces never are.
pub fn plan(action: &Action, input: &PlanInput) -> Result<Plan, PlanError> {
    let mut builder = Builder::new(action, input);
    let check_age = |hours: &f64| {
        if hours.is_finite() && *hours >= 0.0 {
            Ok(())
        } else {
            Err(PlanError::InvalidAge(hours.to_string()))
        }
    };
    match action {
        Action::Archive {
            keep_on_error,
            allow_unsaved,
            clean_done,
            merged_unsaved: _,
        } => builder.archive(*keep_on_error, *allow_unsaved, *clean_done),
        Action::Discard { task_ids, force } => builder.discard(task_ids, *force)?,
        Action::Sweep {
            older_than_hours,
            env_id,
            force,
            allow_unsaved,
            merged_unsaved: _,
        } => {
            check_age(older_than_hours)?;
            builder.sweep(
                *older_than_hours,
                env_id.as_deref(),
                *force,
                *force || *allow_unsaved,
            );
        }
        Action::Complete {
            task_ids,
            keep_on_error,
            force,
        } => builder.complete(task_ids, *keep_on_error, *force)?,
        Action::EnforceQuotas {
            quotas,
            keep_on_error,
            allow_unsaved,
        } => builder.enforce_quotas(quotas, *keep_on_error, *allow_unsaved),
        Action::DeleteOrphans {
            paths,
            allow_unsaved,
        } => builder.delete_orphans(paths, *allow_unsaved)?,
        Action::DeleteSafe { task_ids } => builder.delete_safe(task_ids)?,
        Action::Scheduled {
            keep_on_error,
            allow_unsaved,
            clean_done,
            older_than_hours,
            quotas,
            merged_unsaved: _,
            slim_failed: _,
        } => {
            check_age(older_than_hours)?;
            builder.archive(*keep_on_error, *allow_unsaved, *clean_done);
            builder.sweep(*older_than_hours, None, false, *allow_unsaved);
            let auto: BTreeMap<String, Quota> = quotas
                .iter()
                .filter(|(_, quota)| quota.auto_clean)
                .map(|(env, quota)| (env.clone(), *quota))
                .collect();
            builder.enforce_quotas(&auto, *keep_on_error, *allow_unsaved);
        }
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests;
