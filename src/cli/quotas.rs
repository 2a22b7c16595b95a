//! The quotas: their table in `usage`, and `enforce-quotas`.

use super::run_plan::{execute, workspace_verb};
use super::table::truncate;
use super::{RunFlags, bad_input, open};
use crate::config::Config;
use crate::policy::{Action, Quota, QuotaState};
use crate::text;
use anyhow::Result;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The quota table `usage` shows after the environments (nothing without quotas).
pub(super) fn print_quotas(out: &mut impl Write, states: &[QuotaState]) -> Result<()> {
    if states.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nQuotas (on-disk size of the task workspaces):")?;
    writeln!(
        out,
        "  {:<34} {:>11} {:>11} {:>6}  {:<10} AUTO-CLEAN",
        "ENVIRONMENT", "USED", "LIMIT", "USE", "STATE"
    )?;
    for state in states {
        let not_sized = if state.not_sized > 0 {
            format!("  ({} not sized)", state.not_sized)
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {:<34} {:>11} {:>11} {:>5.0}%  {:<10} {}{not_sized}",
            truncate(&state.env_id, 34),
            text::bytes(state.used_bytes),
            text::bytes(state.limit_bytes),
            state.percent(),
            state.level.label(),
            if state.auto_clean { "on" } else { "off" },
        )?;
    }
    Ok(())
}

/// `enforce-quotas`: the settings file's quotas (or `--env`'s, or the auto-clean ones)
/// through [`execute`].
pub(super) fn enforce_quotas(
    data_dir: Option<&Path>,
    settings: &Config,
    env: Option<&str>,
    auto_only: bool,
    run: &RunFlags,
    force: bool,
) -> Result<u8> {
    let quotas: BTreeMap<String, Quota> = match env {
        Some(env) => {
            let quota = settings.quotas.get(env).ok_or_else(|| {
                bad_input(format!(
                    "no quota for environment {env:?} in the settings file (set one with: agents-janitor config set quotas.{env}.limit \"20 GB\")"
                ))
            })?;
            BTreeMap::from([(env.to_owned(), *quota)])
        }
        None => settings
            .quotas
            .iter()
            .filter(|(_, quota)| !auto_only || quota.auto_clean)
            .map(|(env, quota)| (env.clone(), *quota))
            .collect(),
    };
    if quotas.is_empty() {
        let message = if settings.quotas.is_empty() {
            "No quotas are configured: nothing to enforce. Set one with: agents-janitor config set quotas.<env>.limit \"20 GB\""
        } else {
            "No quota has auto_clean = true: nothing to enforce."
        };
        if run.json {
            let doc = json!({
                "dry_run": run.dry_run,
                "workspace_action": workspace_verb(run.delete_mode(settings)),
                "plan": null,
                "result": null,
                "bytes_freed": 0,
                "bytes_trashed": 0,
                "message": message,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        } else {
            println!("{message}");
        }
        return Ok(0);
    }
    let action = Action::EnforceQuotas {
        quotas,
        keep_on_error: settings.keep_on_error,
        allow_unsaved: settings.allow_unsaved_delete || force,
    };
    execute(&open(data_dir)?, action, run, run.delete_mode(settings))
}
