//! What the window does by itself as time passes: the scheduled cleanup's timing, and
//! the quota states with a warning each time one gets worse. The window reacts (runs
//! the cleanup, tells the user); this part only keeps time and state.

use crate::config::Config;
use crate::executor::Report;
use crate::policy::schedule::{self, Clock};
use crate::policy::{Action, Quota, QuotaLevel, QuotaState, quota_states};
use crate::scan::Usage;
use crate::store::Snapshot;
use crate::text;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The clock, the schedule's timing and the quotas' states.
pub(crate) struct Automation {
    clock: Arc<dyn Clock>,
    /// The schedule counts from here until the first scheduled run.
    schedule_started: SystemTime,
    last_scheduled_run: Option<SystemTime>,
    /// Each quota's state, computed again with the sizes.
    quotas: Vec<QuotaState>,
    /// The level each environment was last warned at.
    quota_warned: HashMap<String, QuotaLevel>,
}

impl Automation {
    /// Starts counting the schedule from now.
    pub(crate) fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            schedule_started: clock.now(),
            clock,
            last_scheduled_run: None,
            quotas: Vec::new(),
            quota_warned: HashMap::new(),
        }
    }

    /// Where "now" comes from (tests move it by hand).
    pub(crate) fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// The schedule counts from now (when it is switched on or changed, or a folder opens).
    pub(crate) fn restart_schedule(&mut self) {
        self.schedule_started = self.clock.now();
        self.last_scheduled_run = None;
    }

    /// How long until a cleanup every `interval` is due at `now`; `None` when it is due.
    /// It is never due at launch: the first run is one interval after.
    pub(crate) fn schedule_wait(&self, now: SystemTime, interval: Duration) -> Option<Duration> {
        if schedule::is_due(
            now,
            self.schedule_started,
            self.last_scheduled_run,
            interval,
        ) {
            return None;
        }
        let next = schedule::next_run(self.schedule_started, self.last_scheduled_run, interval);
        Some(next.duration_since(now).unwrap_or(Duration::ZERO))
    }

    /// The scheduled cleanup started at `now`: the next one is an interval later.
    pub(crate) fn scheduled_run_started(&mut self, now: SystemTime) {
        self.last_scheduled_run = Some(now);
    }

    pub(crate) fn quotas(&self) -> &[QuotaState] {
        &self.quotas
    }

    /// New quotas were saved: each is warned about again from scratch.
    pub(crate) fn forget_quota_warnings(&mut self) {
        self.quota_warned.clear();
    }

    /// Computes each quota's state again; returns a warning for each one that got
    /// worse. Nothing is warned while workspaces are still being sized (`sizing`): a
    /// half-sized environment is not yet over.
    pub(crate) fn update_quotas(
        &mut self,
        snapshot: Option<&Snapshot>,
        usage: &HashMap<PathBuf, Usage>,
        quotas: &BTreeMap<String, Quota>,
        sizing: bool,
    ) -> Vec<String> {
        let Some(snapshot) = snapshot else {
            self.quotas.clear();
            return Vec::new();
        };
        self.quotas = quota_states(snapshot, usage, quotas);
        if sizing {
            return Vec::new();
        }
        let name = |env_id: &str| {
            snapshot
                .environment(env_id)
                .map(|env| env.name.trim())
                .filter(|name| !name.is_empty())
                .map_or_else(|| env_id.to_owned(), |name| format!("{name} ({env_id})"))
        };
        let mut warnings = Vec::new();
        for state in &self.quotas {
            let before = self
                .quota_warned
                .insert(state.env_id.clone(), state.level)
                .unwrap_or(QuotaLevel::Ok);
            let worse = matches!(
                (before, state.level),
                (QuotaLevel::Ok, QuotaLevel::Warning | QuotaLevel::Over)
                    | (QuotaLevel::Warning, QuotaLevel::Over)
            );
            if worse {
                let what = match state.level {
                    QuotaLevel::Over => "is over its quota",
                    _ => "is near its quota",
                };
                warnings.push(format!(
                    "{} {what}: {} of {} ({:.0}%)",
                    name(&state.env_id),
                    text::bytes(state.used_bytes),
                    text::bytes(state.limit_bytes),
                    state.percent()
                ));
            }
        }
        warnings
    }
}

/// The scheduled cleanup as `config` describes it.
pub(crate) fn scheduled_action(config: &Config) -> Action {
    Action::Scheduled {
        keep_on_error: config.keep_on_error,
        allow_unsaved: config.allow_unsaved_delete,
        clean_done: config.archive_cleans_done,
        older_than_hours: config.sweep_age_hours,
        quotas: config.quotas.clone(),
        merged_unsaved: config.delete_merged_unsaved,
        slim_failed: config.archive_slims_failed && config.keep_on_error,
    }
}

/// What the notice says once the scheduled cleanup has run.
pub(crate) fn scheduled_summary(report: &Report) -> String {
    let mut summary = format!(
        "Scheduled cleanup: {} workspace(s) removed, {} freed",
        report.workspaces_removed,
        text::bytes(report.bytes_freed)
    );
    if report.workspaces_trashed > 0 {
        summary.push_str(&format!(
            " ({} in the trash until it is emptied)",
            text::bytes(report.bytes_trashed)
        ));
    }
    if report.steps_failed > 0 {
        summary.push_str(&format!(
            ", {} step(s) failed (see the log)",
            report.steps_failed
        ));
    }
    summary
}
