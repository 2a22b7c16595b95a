//! The modal dialog on screen (at most one) and the welcome screen's reason, with the
//! moves between them: a plan asked for, ready, failed; an error; the folder and
//! settings dialogs.

use crate::gui::dialogs::SettingsDraft;
use crate::policy::{Plan, SlimPlan};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::SystemTime;

/// A task of a plan as the user knows it, beside its id in the dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskLabel {
    /// Its environment's name.
    pub env_name: String,
    /// The first line of its prompt.
    pub prompt: String,
    /// When it was created, if the record says.
    pub created: Option<SystemTime>,
}

/// A modal dialog.
pub enum Dialog {
    /// Waiting for the worker's plan.
    Planning {
        /// What was asked for ("Discard 2 tasks").
        title: String,
    },
    /// The plan, waiting for the user's yes or no.
    Confirm {
        /// What would change.
        plan: Plan,
        /// Each task of the plan by id, as the table knows it.
        labels: HashMap<String, TaskLabel>,
        /// The second question is on screen: include the tasks the plan left alone
        /// that force would take (running ones, unsaved work)?
        asking_to_include: bool,
    },
    /// The slim plan, waiting for the user's yes or no.
    ConfirmSlim {
        /// What would be deleted.
        plan: SlimPlan,
    },
    /// A typed path (the folder picker may be unavailable).
    OpenFolder {
        /// The path as typed so far.
        typed: String,
        /// What is wrong with the path last tried, or why the picker did not help.
        problem: Option<String>,
        /// What the dialog waits for ("Checking the folder…"), if anything.
        waiting: Option<String>,
    },
    /// Something failed; nothing was changed by it.
    Error {
        /// What failed, as the dialog's heading.
        title: String,
        /// Why.
        message: String,
    },
    /// The janitor's settings being edited.
    Settings {
        /// The fields as typed.
        draft: Box<SettingsDraft>,
    },
}

/// Why no data directory is shown.
pub enum Welcome {
    /// First run: nothing at the default location.
    NoData {
        /// Where a data folder was looked for, if anywhere.
        looked_at: Option<PathBuf>,
    },
    /// The chosen folder could not be opened.
    Failed {
        /// The folder.
        path: PathBuf,
        /// Why it could not be opened.
        message: String,
    },
}

/// The dialog on screen and the welcome screen's reason.
#[derive(Default)]
pub(crate) struct Dialogs {
    dialog: Option<Dialog>,
    welcome: Option<Welcome>,
    /// The plan asked for is narrowed to these tasks (an action over everything
    /// applied to the tasks picked in the table).
    narrowing: Option<BTreeSet<String>>,
}

/// What became of a plan that arrived.
#[derive(Debug, PartialEq)]
pub(crate) enum PlanShown {
    /// On screen for confirmation (or to show what was left alone and why).
    Shown,
    /// It has no step and leaves nothing alone: nothing to ask about. The title
    /// of what was asked for.
    NothingToDo(String),
    /// Nobody waits for it any more.
    Dropped,
}

impl Dialogs {
    pub(crate) fn current(&self) -> Option<&Dialog> {
        self.dialog.as_ref()
    }

    /// The open dialog, for its fields to be edited as the user types.
    pub(crate) fn current_mut(&mut self) -> Option<&mut Dialog> {
        self.dialog.as_mut()
    }

    pub(crate) fn is_open(&self) -> bool {
        self.dialog.is_some()
    }

    /// Shows `dialog` in place of any other.
    pub(crate) fn open(&mut self, dialog: Dialog) {
        self.dialog = Some(dialog);
    }

    /// Opens `dialog` unless one is already open.
    pub(crate) fn open_if_none(&mut self, dialog: impl FnOnce() -> Dialog) {
        if self.dialog.is_none() {
            self.dialog = Some(dialog());
        }
    }

    /// Closes the dialog on screen, returning it.
    pub(crate) fn close(&mut self) -> Option<Dialog> {
        self.dialog.take()
    }

    /// Waits for the worker's plan under `title`, to be narrowed to `only` when given.
    pub(crate) fn planning(&mut self, title: String, only: Option<BTreeSet<String>>) {
        self.dialog = Some(Dialog::Planning { title });
        self.narrowing = only;
    }

    /// The tasks the plan waited for is narrowed to.
    pub(crate) fn narrowing(&self) -> Option<&BTreeSet<String>> {
        self.narrowing.as_ref()
    }

    /// The plan arrived: shown for confirmation (narrowed as asked, its tasks named
    /// by `labels`), unless the user stopped waiting or there is nothing to ask.
    pub(crate) fn plan_ready(
        &mut self,
        plan: Plan,
        labels: impl FnOnce(&Plan) -> HashMap<String, TaskLabel>,
    ) -> PlanShown {
        let Some(Dialog::Planning { title }) = &self.dialog else {
            return PlanShown::Dropped;
        };
        let plan = match &self.narrowing {
            Some(only) => plan.narrowed_to(only),
            None => plan,
        };
        if plan.steps.is_empty() && plan.skipped.is_empty() {
            let title = title.clone();
            self.dialog = None;
            return PlanShown::NothingToDo(title);
        }
        let labels = labels(&plan);
        self.dialog = Some(Dialog::Confirm {
            plan,
            labels,
            asking_to_include: false,
        });
        PlanShown::Shown
    }

    /// The slim plan arrived: shown for confirmation, unless the user stopped waiting.
    pub(crate) fn slim_plan_ready(&mut self, plan: SlimPlan) {
        if self.is_planning() {
            self.dialog = Some(Dialog::ConfirmSlim { plan });
        }
    }

    /// Closes the dialog; the slim plan in it when it was a slim confirmation.
    pub(crate) fn take_slim_plan(&mut self) -> Option<SlimPlan> {
        match self.dialog.take() {
            Some(Dialog::ConfirmSlim { plan }) => Some(plan),
            _ => None,
        }
    }

    /// Planning failed: said in an error dialog, unless the user stopped waiting.
    pub(crate) fn plan_failed(&mut self, message: String) {
        if self.is_planning() {
            self.error("Cannot plan this".into(), message);
        }
    }

    fn is_planning(&self) -> bool {
        matches!(self.dialog, Some(Dialog::Planning { .. }))
    }

    pub(crate) fn error(&mut self, title: String, message: String) {
        self.dialog = Some(Dialog::Error { title, message });
    }

    /// Closes the dialog; the plan in it when it was a confirmation.
    pub(crate) fn take_plan(&mut self) -> Option<Plan> {
        match self.dialog.take() {
            Some(Dialog::Confirm { plan, .. }) => Some(plan),
            _ => None,
        }
    }

    pub(crate) fn welcome(&self) -> Option<&Welcome> {
        self.welcome.as_ref()
    }

    pub(crate) fn show_welcome(&mut self, welcome: Welcome) {
        self.welcome = Some(welcome);
    }

    pub(crate) fn hide_welcome(&mut self) {
        self.welcome = None;
    }
}
