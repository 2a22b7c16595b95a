//! The bottom panel: totals, scan and change progress, and the log.

use super::ROW_HEIGHT;
use crate::gui::app::{Intent, JanitorApp};
use crate::gui::style::level_color;
use crate::text;
use egui::{Align, Layout, RichText, Ui};

/// The bottom panel.
pub(crate) fn show(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    let mut cleared = false;
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        ui.label(format!(
            "Total: {}   ·   Freed this session: {}",
            text::bytes(app.total_bytes()),
            text::bytes(app.bytes_freed_session())
        ));
        if let Some((done, total)) = app.scan_progress() {
            ui.separator();
            ui.spinner();
            ui.label(format!("Sizing workspaces {done}/{total}"));
            if app.running().is_none() && ui.button("Stop scan").clicked() {
                intents.push(Intent::CancelWork);
            }
        }
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            if ui.button("Clear").on_hover_text("Clear the log").clicked() {
                cleared = true;
                intents.push(Intent::ClearLog);
            }
            ui.label(RichText::new("Log").strong());
        });
    });
    if let Some(running) = app.running() {
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
            intents.push(Intent::CancelWork);
        }
    }
    ui.separator();
    // Cleared this frame: drawn empty already.
    let lines = if cleared { &[][..] } else { app.log() };
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .show_rows(ui, ROW_HEIGHT - 6.0, lines.len(), |ui, range| {
            for line in &lines[range] {
                let color = level_color(ui, line.level);
                ui.add(
                    egui::Label::new(RichText::new(&line.text).monospace().color(color))
                        .selectable(true)
                        .wrap_mode(egui::TextWrapMode::Truncate),
                );
            }
        });
}
