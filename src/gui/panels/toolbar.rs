//! The top bar: the data folder, and the buttons that change things.

use crate::gui::app::JanitorApp;
use crate::gui::widgets::with_reason_when_disabled;
use crate::text;
use egui::{RichText, Ui};

impl JanitorApp {
    pub(in crate::gui) fn top_bar(&mut self, ui: &mut Ui) {
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            ui.heading("agents-janitor");
            ui.separator();
            let shown = self
                .data_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|| "no data folder".to_owned());
            ui.label(RichText::new(shown).monospace())
                .on_hover_text("The Agents-Runner data folder shown");
            let idle = self.running.is_none();
            // The welcome screen has its own button for this.
            if self.has_data()
                && ui
                    .add_enabled(
                        idle && !self.background_busy(),
                        egui::Button::new("Open data folder…"),
                    )
                    .on_hover_text("Pick another Agents-Runner data folder")
                    .clicked()
            {
                self.dialog = Some(crate::gui::app::Dialog::OpenFolder {
                    typed: self
                        .data_dir()
                        .map(|d| d.display().to_string())
                        .unwrap_or_default(),
                });
            }
            if self.has_data()
                && ui
                    .add_enabled(idle, egui::Button::new("Refresh"))
                    .on_hover_text("Read the data folder and size every workspace again (F5)")
                    .clicked()
            {
                self.refresh();
            }
            if ui
                .button("Settings…")
                .on_hover_text("Cleanup policy, delete mode, schedule and quotas (Ctrl+,)")
                .clicked()
            {
                self.open_settings();
            }
            if let Some(note) = &self.live.note {
                ui.label(RichText::new(note).color(ui.visuals().warn_fg_color));
            }
        });
        if !self.has_data() {
            ui.add_space(2.0);
            return;
        }
        ui.horizontal_wrapped(|ui| {
            let can_act = self.running.is_none();
            let selected = self.selected.len();
            // Agents-Runner would undo a record change at its next save.
            let held = self.agents_runner().map(|runner| runner.refusal());
            let discard = ui
                .add_enabled(
                    can_act && selected > 0 && held.is_none(),
                    egui::Button::new("Discard"),
                )
                .on_hover_text(format!(
                    "Discard the {} (Delete key): mark discarded, archive the record, remove the container and the workspace",
                    text::count(selected, "selected task")
                ));
            if with_reason_when_disabled(discard, held.as_deref()).clicked() {
                self.discard_selected();
            }
            let archive = ui
                .add_enabled(can_act && held.is_none(), egui::Button::new("Archive finished"))
                .on_hover_text("Archive finished tasks; delete the workspaces of done ones, keep failed ones for debugging");
            if with_reason_when_disabled(archive, held.as_deref()).clicked() {
                self.archive_finished();
            }
            ui.separator();
            let scope = match &self.settings.env_filter {
                Some(env) => format!("in {env}"),
                None => "in all environments".to_owned(),
            };
            if ui
                .add_enabled(can_act, egui::Button::new("Sweep"))
                .on_hover_text(format!(
                    "Delete workspaces {scope} whose newest file is older than the age on the right"
                ))
                .clicked()
            {
                self.sweep();
            }
            ui.label("older than");
            ui.add(
                egui::DragValue::new(&mut self.settings.sweep_hours)
                    .range(0.0..=24.0 * 365.0)
                    .speed(1.0)
                    .suffix(" h"),
            )
            .on_hover_text("Age in hours for Sweep");
            ui.label(RichText::new(scope).weak());
            if !self.config.quotas.is_empty() {
                ui.separator();
                if ui
                    .add_enabled(can_act, egui::Button::new("Enforce quotas"))
                    .on_hover_text("Delete the oldest finished workspaces of each environment over its quota until it is under")
                    .clicked()
                {
                    self.enforce_quotas();
                }
            }
        });
        ui.add_space(2.0);
    }
}
