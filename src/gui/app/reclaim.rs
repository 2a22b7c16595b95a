//! The Reclaim view's state: the footprint the worker measured, the kinds the user
//! picked, the plan waiting for confirmation and the last result; and how the app
//! asks the worker for each (it never measures or deletes itself).

use super::{JanitorApp, Running, Tab};
use crate::config::parse_age_hours;
use crate::executor::Level;
use crate::policy::reclaim::{KindSetting, ReclaimPlan, ReclaimRequest};
use crate::store::footprint::FootprintKind;
use crate::text;
use crate::worker::{Command, Event, FootprintView, ReclaimFinished};
use std::collections::BTreeSet;

/// What the user asked of the Reclaim view (or of the footprint picture).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ReclaimIntent {
    /// Measure the footprint again.
    Measure,
    /// Tick or untick a kind.
    Pick(FootprintKind, bool),
    /// Show a kind's items in the Reclaim view (a click on the picture or a row).
    Focus(FootprintKind),
    /// The age field changed ("7d"; empty: any age).
    OlderThan(String),
    /// Plan the reclaim of the kinds ticked.
    Plan,
    /// Carry out the plan shown.
    Confirm,
    /// Drop the plan shown.
    Dismiss,
}

/// The Reclaim view's state.
#[derive(Debug, Default)]
pub(crate) struct Reclaim {
    footprint: Option<FootprintView>,
    measuring: bool,
    planning: bool,
    picked: BTreeSet<FootprintKind>,
    focused: Option<FootprintKind>,
    plan: Option<ReclaimPlan>,
    last: Option<ReclaimFinished>,
    older_than: String,
}

impl Reclaim {
    /// The footprint last measured.
    pub(crate) fn footprint(&self) -> Option<&FootprintView> {
        self.footprint.as_ref()
    }

    /// A measurement or a plan is on its way.
    pub(crate) fn busy(&self) -> bool {
        self.measuring || self.planning
    }

    pub(crate) fn picked(&self) -> &BTreeSet<FootprintKind> {
        &self.picked
    }

    pub(crate) fn focused(&self) -> Option<FootprintKind> {
        self.focused
    }

    /// The plan waiting for the user's confirmation.
    pub(crate) fn plan(&self) -> Option<&ReclaimPlan> {
        self.plan.as_ref()
    }

    /// The age field as typed.
    pub(crate) fn older_than(&self) -> &str {
        &self.older_than
    }

    /// Only what is older than the age typed (hours); `None` for any age, or why the
    /// text is not an age.
    pub(crate) fn older_than_hours(&self) -> Result<Option<f64>, String> {
        let typed = self.older_than.trim();
        if typed.is_empty() {
            return Ok(None);
        }
        parse_age_hours(typed).map(Some)
    }

    /// How the last run ended.
    pub(crate) fn last(&self) -> Option<&ReclaimFinished> {
        self.last.as_ref()
    }
}

/// The confirm button of a reclaim plan: `Reclaim 3 items (12 MB)`.
pub fn reclaim_button_label(plan: &ReclaimPlan) -> String {
    format!(
        "Reclaim {} ({})",
        text::count(plan.steps.len(), "item"),
        text::bytes(plan.bytes_to_free)
    )
}

impl JanitorApp {
    /// The Reclaim view's state.
    pub(crate) fn reclaim(&self) -> &Reclaim {
        &self.reclaim
    }

    /// The footprint last measured (rows per kind, every item's verdict).
    pub fn footprint(&self) -> Option<&FootprintView> {
        self.reclaim.footprint()
    }

    /// The reclaim plan waiting for confirmation.
    pub fn reclaim_plan(&self) -> Option<&ReclaimPlan> {
        self.reclaim.plan()
    }

    /// How the last reclaim ended.
    pub fn reclaim_finished(&self) -> Option<&ReclaimFinished> {
        self.reclaim.last()
    }

    /// The Usage and Reclaim tabs show the footprint: measured the first time one opens.
    pub(super) fn footprint_wanted(&mut self) {
        if matches!(self.tab, Tab::Usage | Tab::Reclaim)
            && self.reclaim.footprint.is_none()
            && !self.reclaim.measuring
        {
            self.measure_footprint();
        }
    }

    /// Queues `command`; false (and a line in the log) when the worker is gone.
    fn send_reclaim(&mut self, command: Command) -> bool {
        let sent = self.work.send(command);
        if !sent {
            self.push_log(
                Level::Error,
                "the worker thread has stopped; reopen the data folder".into(),
            );
        }
        sent
    }

    /// Another folder, or a reload the user asked for: the footprint is measured again
    /// (now if its tab is shown, else when it is opened); a plan waiting goes.
    pub(super) fn footprint_stale(&mut self) {
        self.reclaim.footprint = None;
        self.reclaim.plan = None;
        self.reclaim.measuring = false;
        self.footprint_wanted();
    }

    fn measure_footprint(&mut self) {
        let settings = self.config().reclaim.clone();
        self.reclaim.measuring = self.send_reclaim(Command::MeasureFootprint(settings));
    }

    pub(super) fn apply_reclaim(&mut self, intent: ReclaimIntent) {
        match intent {
            ReclaimIntent::Measure => self.measure_footprint(),
            ReclaimIntent::Pick(kind, picked) => {
                if picked {
                    self.reclaim.picked.insert(kind);
                } else {
                    self.reclaim.picked.remove(&kind);
                }
            }
            ReclaimIntent::Focus(kind) => {
                self.reclaim.focused = Some(kind);
                self.tab = Tab::Reclaim;
            }
            ReclaimIntent::OlderThan(typed) => self.reclaim.older_than = typed,
            ReclaimIntent::Plan => {
                let older_than_hours = match self.reclaim.older_than_hours() {
                    Ok(hours) => hours,
                    Err(reason) => {
                        self.notice(Level::Warn, format!("Not an age: {reason}"));
                        return;
                    }
                };
                let request = ReclaimRequest {
                    kinds: self.reclaim.picked.iter().copied().collect(),
                    older_than_hours,
                };
                let settings = self.config().reclaim.clone();
                self.reclaim.plan = None;
                self.reclaim.planning = self.send_reclaim(Command::PlanReclaim(request, settings));
            }
            ReclaimIntent::Confirm => {
                let Some(plan) = self.reclaim.plan.take() else {
                    return;
                };
                if self.work.is_running() {
                    self.reclaim.plan = Some(plan);
                    return;
                }
                self.work.start(Running::new("reclaim", self.now()));
                let settings = self.config().reclaim.clone();
                if !self.send_reclaim(Command::ExecuteReclaim(Box::new(plan), settings)) {
                    self.work.stopped(0);
                }
            }
            ReclaimIntent::Dismiss => self.reclaim.plan = None,
        }
    }

    /// The schedule's share: the kinds set to "schedule", when any is.
    pub(super) fn reclaim_on_schedule(&mut self) {
        let settings = self.config().reclaim.clone();
        if settings.scheduled_kinds().is_empty() {
            return;
        }
        self.send_reclaim(Command::ReclaimScheduled(settings));
    }

    /// Follows the worker's reclaim events; false for any other event.
    pub(super) fn reclaim_event(&mut self, event: &Event) -> bool {
        match event {
            Event::Footprint(view) => {
                self.reclaim.measuring = false;
                for warning in &view.warnings {
                    self.push_log(Level::Warn, format!("footprint: {warning}"));
                }
                // A kind set to never cannot stay ticked.
                self.reclaim.picked.retain(|kind| {
                    view.rows
                        .iter()
                        .any(|row| row.kind == *kind && row.setting != KindSetting::Never)
                });
                self.reclaim.footprint = Some(view.as_ref().clone());
            }
            Event::ReclaimPlanReady(plan) => {
                self.reclaim.planning = false;
                self.reclaim.plan = Some(plan.as_ref().clone());
            }
            Event::ReclaimFinished(finished) => {
                let report = &finished.report;
                if !finished.scheduled {
                    self.work.stopped(report.freed_bytes);
                }
                let failed = report.steps.iter().filter(|step| !step.done).count();
                let who = if finished.scheduled {
                    "Scheduled reclaim"
                } else {
                    "Reclaim"
                };
                let summary = format!(
                    "{who}: {} done, {failed} failed, {} freed{}",
                    report.steps.len() - failed,
                    text::bytes(report.freed_bytes),
                    if report.cancelled { " (cancelled)" } else { "" }
                );
                let level = if failed > 0 {
                    Level::Error
                } else {
                    Level::Info
                };
                if failed > 0 || finished.scheduled {
                    self.notify(level, summary);
                } else {
                    self.push_log(level, summary);
                }
                self.reclaim.last = Some(finished.as_ref().clone());
                self.reclaim.measuring = true;
            }
            Event::ReclaimFailed(message) => {
                self.reclaim.measuring = false;
                self.reclaim.planning = false;
                self.work.stopped(0);
                self.notify(Level::Error, format!("Reclaim: {message}"));
            }
            _ => return false,
        }
        true
    }
}
