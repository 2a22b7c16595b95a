//! The top bar: the data folder, and the buttons that change things; above it, while
//! Agents-Runner runs on the folder, a bar that says so.

use crate::gui::app::{Intent, JanitorApp};
use crate::gui::widgets::with_reason_when_disabled;
use crate::text;
use egui::{RichText, Ui};

/// The top bar.
pub(crate) fn show(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        ui.heading("agents-janitor");
        ui.separator();
        let shown = app
            .data_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| "no data folder".to_owned());
        ui.label(RichText::new(shown).monospace())
            .on_hover_text("The Agents-Runner data folder shown");
        let idle = app.running().is_none();
        // The welcome screen has its own button for this.
        if app.has_data()
            && ui
                .add_enabled(
                    idle && !app.background_busy(),
                    egui::Button::new("Open data folder…"),
                )
                .on_hover_text("Pick another Agents-Runner data folder")
                .clicked()
        {
            intents.push(Intent::OpenFolderDialog {
                typed: app
                    .data_dir()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default(),
            });
        }
        if app.has_data()
            && ui
                .add_enabled(idle, egui::Button::new("Refresh"))
                .on_hover_text("Read the data folder and size every workspace again (F5)")
                .clicked()
        {
            intents.push(Intent::Refresh);
        }
        if ui
            .button("Settings…")
            .on_hover_text("Cleanup policy, delete mode, schedule and quotas (Ctrl+,)")
            .clicked()
        {
            intents.push(Intent::OpenSettings);
        }
        if let Some(note) = app.live_refresh_note() {
            ui.label(RichText::new(note).color(ui.visuals().warn_fg_color));
        }
    });
    if !app.has_data() {
        ui.add_space(2.0);
        return;
    }
    ui.horizontal_wrapped(|ui| {
        let can_act = app.running().is_none();
        let shown = app.selected_shown().len();
        let hidden = app.selected_hidden();
        // Agents-Runner would undo a record change at its next save.
        let held = app.agents_runner().map(|runner| runner.refusal());
        let mut what = format!(
            "Discard the {} (Delete key): mark discarded, archive the record, remove the container and the workspace",
            text::count(shown, "selected task")
        );
        if hidden > 0 {
            let those = if hidden == 1 {
                "1 more selected task is".to_owned()
            } else {
                format!("{hidden} more selected tasks are")
            };
            what.push_str(&format!(". {those} hidden by the filters: left alone"));
        }
        let discard = ui
            .add_enabled(
                can_act && shown > 0 && held.is_none(),
                egui::Button::new("Discard"),
            )
            .on_hover_text(what);
        if with_reason_when_disabled(discard, held.as_deref()).clicked() {
            intents.push(Intent::Discard);
        }
        let archive = ui
            .add_enabled(can_act && held.is_none(), egui::Button::new("Archive finished"))
            .on_hover_text("Archive finished tasks; delete the workspaces of done ones, keep failed ones for debugging");
        if with_reason_when_disabled(archive, held.as_deref()).clicked() {
            intents.push(Intent::ArchiveFinished);
        }
        super::work_buttons::show(ui, app, intents);
        ui.separator();
        let scope = app.sweep_scope();
        let nothing = app.nothing_to_sweep();
        let sweep = ui
            .add_enabled(can_act && nothing.is_none(), egui::Button::new("Sweep"))
            .on_hover_text(format!(
                "Delete workspaces {scope} whose newest file is older than the age on the right"
            ));
        if with_reason_when_disabled(sweep, nothing.as_deref()).clicked() {
            intents.push(Intent::Sweep);
        }
        ui.label("older than");
        let mut hours = app.settings().sweep_hours;
        if ui
            .add(
                egui::DragValue::new(&mut hours)
                    .range(0.0..=24.0 * 365.0)
                    .speed(1.0)
                    .suffix(" h"),
            )
            .on_hover_text("Age in hours for Sweep")
            .changed()
        {
            intents.push(Intent::SweepHours(hours));
        }
        ui.label(RichText::new(scope).weak());
        if !app.config().quotas.is_empty() {
            ui.separator();
            if ui
                .add_enabled(can_act, egui::Button::new("Enforce quotas"))
                .on_hover_text("Delete the oldest finished workspaces of each environment over its quota until it is under")
                .clicked()
            {
                intents.push(Intent::EnforceQuotas);
            }
        }
    });
    ui.add_space(2.0);
}

/// The bar at the top of the window while Agents-Runner runs.
pub(crate) fn agents_runner_bar(ui: &mut Ui, app: &JanitorApp) {
    let Some(runner) = app.agents_runner() else {
        return;
    };
    ui.add_space(3.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(runner.notice())
                .strong()
                .color(ui.visuals().strong_text_color()),
        )
        .on_hover_text(
            "Agents-Runner keeps its active tasks in memory and rewrites their records on every save: a change the janitor made to one would be undone. Discard, archive and restore are off until it is closed; sweeping and deleting workspaces of finished tasks still work.",
        );
    });
    ui.add_space(3.0);
}
