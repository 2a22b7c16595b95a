//! The bottom panel: totals, scan and change progress, and the log.

use super::ROW_HEIGHT;
use crate::gui::app::JanitorApp;
use crate::gui::style::level_color;
use crate::text;
use egui::{Align, Layout, RichText, Ui};

impl JanitorApp {
    pub(in crate::gui) fn log_panel(&mut self, ui: &mut Ui) {
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            ui.label(format!(
                "Total: {}   ·   Freed this session: {}",
                text::bytes(self.total_bytes()),
                text::bytes(self.bytes_freed_session)
            ));
            if let Some((done, total)) = self.scan_progress {
                ui.separator();
                ui.spinner();
                ui.label(format!("Sizing workspaces {done}/{total}"));
                if self.running.is_none() && ui.button("Stop scan").clicked() {
                    self.cancel_work();
                }
            }
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                if ui.button("Clear").on_hover_text("Clear the log").clicked() {
                    self.log.clear();
                }
                ui.label(RichText::new("Log").strong());
            });
        });
        if let Some(running) = &self.running {
            let progress = running.progress;
            let fraction = if progress.steps_total == 0 {
                0.0
            } else {
                progress.steps_done as f32 / progress.steps_total as f32
            };
            let mut cancel = false;
            ui.horizontal(|ui| {
                ui.add(
                    egui::ProgressBar::new(fraction)
                        .desired_width(ui.available_width() - 90.0)
                        .text(format!(
                            "{}: {}/{} tasks · {} entries removed · {} freed",
                            running.verb,
                            progress.steps_done,
                            progress.steps_total,
                            progress.entries_removed,
                            text::bytes(progress.bytes_freed)
                        ))
                        .animate(true),
                );
                cancel = ui.button("Cancel").clicked();
            });
            if cancel {
                self.cancel_work();
            }
        }
        ui.separator();
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .stick_to_bottom(true)
            .show_rows(ui, ROW_HEIGHT - 6.0, self.log.len(), |ui, range| {
                for line in &self.log[range] {
                    let color = level_color(ui, line.level);
                    ui.add(
                        egui::Label::new(RichText::new(&line.text).monospace().color(color))
                            .selectable(true)
                            .wrap_mode(egui::TextWrapMode::Truncate),
                    );
                }
            });
    }
}
