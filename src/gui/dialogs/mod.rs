//! The modal dialogs: waiting for a plan, its confirmation, a typed folder path, the
//! settings, an error. They edit the dialog's own fields as the user types and answer
//! what the user decided; the app acts on the answer.

mod confirm;
mod open_folder;
mod plan_parts;
mod settings;
mod settings_draft;
mod settings_reclaim;
mod slim;

pub use confirm::confirm_button_label;
pub(crate) use settings::SettingsLocation;
pub use settings_draft::{DraftErrors, QuotaDraft, QuotaErrors, SettingsDraft};
pub use settings_reclaim::ReclaimDraft;

use crate::config::Config;
use crate::gui::app::Dialog;
use crate::gui::model::EnvSummary;
use egui::{Key, Ui};
use settings::SettingsAnswer;
use std::path::PathBuf;

const DIALOG_WIDTH: f32 = 600.0;

/// What the user did in a dialog this frame.
pub(crate) enum Answer {
    /// Nothing yet: the dialog stays.
    Keep,
    /// Cancel, Escape, Close, or a click beside the dialog.
    Close,
    /// Go ahead with the plan shown.
    Confirm,
    /// Go ahead with the slim plan shown.
    ConfirmSlim,
    /// Open this data folder.
    Open(PathBuf),
    /// Pick the folder with the system's folder picker instead.
    Browse,
    /// Plan again with force: include the running tasks and unsaved work left alone.
    Include,
    /// Show (true) or leave (false) the question whether to include them.
    AskToInclude(bool),
    /// Save these settings.
    SaveSettings(Config),
}

/// Draws `dialog` as a modal over the window; `environments` fill the Settings
/// dialog's quota list.
pub(crate) fn show(
    ui: &mut Ui,
    dialog: &mut Dialog,
    location: &SettingsLocation,
    environments: &[EnvSummary],
) -> Answer {
    let ctx = ui.ctx().clone();
    let (escape, enter) = ctx.input(|i| (i.key_pressed(Key::Escape), i.key_pressed(Key::Enter)));
    // A stray click beside the Settings dialog must not throw the edits away: only
    // Cancel and Escape close it.
    let editing = matches!(dialog, Dialog::Settings { .. });
    let id = egui::Id::unique("agents-janitor-dialog");
    // Dialogs whose error lines come and go as the user types hang from a fixed top:
    // they grow downwards, and the field being typed in stays under the pointer.
    let grows_while_typing = matches!(dialog, Dialog::Settings { .. } | Dialog::OpenFolder { .. });
    let mut modal = egui::Modal::new(id);
    if grows_while_typing {
        let top = (ctx.content_rect().height() * 0.08).max(12.0);
        modal = modal.area(
            egui::Modal::default_area(id).anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, top)),
        );
    }
    let modal = modal.show(&ctx, |ui| {
        // A fixed width: a dialog that resizes itself each frame moves its buttons
        // away from the pointer between press and release.
        ui.set_width(DIALOG_WIDTH);
        match dialog {
            Dialog::Planning { title } => {
                ui.heading(title.as_str());
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Working out what would change (sizes, git state)…");
                });
                ui.add_space(8.0);
                if ui.button("Cancel").clicked() || escape {
                    return Answer::Close;
                }
                Answer::Keep
            }
            Dialog::Confirm {
                plan,
                labels,
                asking_to_include,
            } => confirm::body(ui, plan, labels, *asking_to_include, (escape, enter)),
            Dialog::OpenFolder {
                typed,
                problem,
                waiting,
            } => open_folder::body(
                ui,
                typed,
                problem.as_deref(),
                waiting.as_deref(),
                escape,
                enter,
            ),
            Dialog::ConfirmSlim { plan } => slim::body(ui, plan, escape, enter),
            Dialog::Settings { draft } => {
                let known_envs = settings::known_environments(environments);
                match settings::body(ui, draft, location, &known_envs, escape) {
                    SettingsAnswer::Keep => Answer::Keep,
                    SettingsAnswer::Cancel => Answer::Close,
                    SettingsAnswer::Save(config) => Answer::SaveSettings(config),
                }
            }
            Dialog::Error { title, message } => {
                ui.heading(title.as_str());
                ui.add(egui::Label::new(message.as_str()).wrap().selectable(true));
                ui.add_space(8.0);
                if ui.button("Close").clicked() || escape || enter {
                    return Answer::Close;
                }
                Answer::Keep
            }
        }
    });
    if modal.should_close()
        && !editing
        && !matches!(
            modal.inner,
            Answer::Confirm | Answer::Open(_) | Answer::Include | Answer::AskToInclude(_)
        )
    {
        Answer::Close
    } else {
        modal.inner
    }
}
