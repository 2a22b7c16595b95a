//! The modal dialog on screen (at most one) and the welcome screen's reason, with the
//! moves between them: a plan asked for, ready, failed; an error; the folder and
//! settings dialogs.

use crate::gui::dialogs::SettingsDraft;
use crate::policy::{Plan, SlimPlan};
use std::path::PathBuf;

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

    /// Waits for the worker's plan under `title`.
    pub(crate) fn planning(&mut self, title: String) {
        self.dialog = Some(Dialog::Planning { title });
    }

    /// The plan arrived: shown for confirmation, unless the user stopped waiting.
    pub(crate) fn plan_ready(&mut self, plan: Plan) {
        if self.is_planning() {
            self.dialog = Some(Dialog::Confirm { plan });
        }
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
            Some(Dialog::Confirm { plan }) => Some(plan),
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
