//! The worker's reclaim commands: measuring the rest of Agents-Runner's footprint,
//! planning a reclaim and carrying it out (for the user, or the schedule's kinds).

use super::{Event, State};
use crate::executor::{self, Level, LogLine, MeasureInput, Measured, ReclaimReport};
use crate::policy::reclaim::{Candidate, KindRow, ReclaimPlan, ReclaimRequest, ReclaimSettings};
use std::time::SystemTime;

/// The footprint as the window shows it: a row per kind and the verdict on each item.
#[derive(Debug, Clone, PartialEq)]
pub struct FootprintView {
    /// One per kind, in [`crate::store::footprint::FootprintKind::ALL`] order.
    pub rows: Vec<KindRow>,
    /// Every item, with whether it may go and why not.
    pub candidates: Vec<Candidate>,
    /// What could not be measured.
    pub warnings: Vec<String>,
}

/// How a reclaim run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ReclaimFinished {
    /// What it did.
    pub report: ReclaimReport,
    /// The schedule ran it, nobody confirmed.
    pub scheduled: bool,
}

impl State {
    fn measured(&mut self, settings: &ReclaimSettings) -> Result<Measured, String> {
        let snapshot = self.snapshot.clone().ok_or("no data directory is loaded")?;
        let input = MeasureInput {
            snapshot: &snapshot,
            runner_home: self.runner_home.as_deref(),
            docker: self.containers.runner_objects(),
            settings,
            now: SystemTime::now(),
            agents_runner: self.agents_runner.check(&snapshot.data_dir),
        };
        Ok(executor::measure(input, &mut self.usage, &self.cancel))
    }

    /// [`super::Command::MeasureFootprint`].
    pub(super) fn measure_footprint(&mut self, settings: &ReclaimSettings) {
        let Some(snapshot) = self.snapshot.clone() else {
            return;
        };
        match self.measured(settings) {
            Ok(measured) => {
                let (candidates, rows) =
                    measured.assess(&snapshot, settings, SystemTime::now(), None);
                self.emit(Event::Footprint(Box::new(FootprintView {
                    rows,
                    candidates,
                    warnings: measured.warnings,
                })));
            }
            Err(message) => self.emit(Event::ReclaimFailed(message)),
        }
    }

    fn reclaim_plan(
        &mut self,
        request: &ReclaimRequest,
        settings: &ReclaimSettings,
    ) -> Result<ReclaimPlan, String> {
        let snapshot = self.snapshot.clone().ok_or("no data directory is loaded")?;
        self.measured(settings)?
            .plan(request, &snapshot, settings, SystemTime::now())
            .map_err(|err| err.to_string())
    }

    /// [`super::Command::PlanReclaim`].
    pub(super) fn plan_reclaim(&mut self, request: &ReclaimRequest, settings: &ReclaimSettings) {
        let event = match self.reclaim_plan(request, settings) {
            Ok(plan) => Event::ReclaimPlanReady(Box::new(plan)),
            Err(message) => Event::ReclaimFailed(message),
        };
        self.emit(event);
    }

    /// [`super::Command::ExecuteReclaim`] and the schedule's run: the plan, then a
    /// reload and a fresh measurement.
    pub(super) fn execute_reclaim(
        &mut self,
        plan: &ReclaimPlan,
        settings: &ReclaimSettings,
        scheduled: bool,
    ) {
        let emit = self.engine_emit();
        let result = self.executor().reclaim(plan, &self.containers, &emit);
        drop(emit);
        match result {
            Ok(report) => self.emit(Event::ReclaimFinished(Box::new(ReclaimFinished {
                report,
                scheduled,
            }))),
            Err(err) => self.emit(Event::ReclaimFailed(err.to_string())),
        }
        self.load(false);
        self.measure_footprint(settings);
    }

    /// [`super::Command::ReclaimScheduled`]: the kinds set to "schedule", older than
    /// the schedule's age, with nobody to confirm; the plan goes to the log.
    pub(super) fn reclaim_scheduled(&mut self, settings: &ReclaimSettings) {
        let request = ReclaimRequest {
            kinds: settings.scheduled_kinds(),
            older_than_hours: Some(settings.schedule_age_hours),
        };
        let plan = match self.reclaim_plan(&request, settings) {
            Ok(plan) => plan,
            Err(message) => {
                self.emit(Event::ReclaimFailed(message));
                return;
            }
        };
        for step in &plan.steps {
            self.emit(Event::Log(LogLine {
                level: Level::Info,
                text: format!("[cleanup] reclaim plan: {}: {}", step.path, step.reason),
            }));
        }
        self.execute_reclaim(&plan, settings, true);
    }
}
