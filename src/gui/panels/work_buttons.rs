//! The top bar's buttons for where the work went: Slim and Check remotes.

use crate::gui::app::{Intent, JanitorApp};
use crate::text;
use egui::Ui;

/// "Slim" (the selected tasks' build output) and "Check remotes" (fetch, then ask git).
pub(super) fn show(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    let idle = app.running().is_none();
    let selected = app.selected().len();
    if ui
        .add_enabled(idle && selected > 0, egui::Button::new("Slim"))
        .on_hover_text(format!(
            "Delete only the build output of the {} (what git ignores: target/, node_modules/, ...); tracked files, untracked work and .git stay",
            text::count(selected, "selected task")
        ))
        .clicked()
    {
        intents.push(Intent::Slim);
    }
    let scope = if selected > 0 {
        text::count(selected, "selected task")
    } else {
        "shown tasks".to_owned()
    };
    if ui
        .add_enabled(idle, egui::Button::new("Check remotes"))
        .on_hover_text(format!(
            "git fetch --prune the workspaces of the {scope}, so a branch merged and deleted on the remote shows as merged"
        ))
        .clicked()
    {
        intents.push(Intent::CheckRemotes);
    }
}
