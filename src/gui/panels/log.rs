//! The bottom panel: totals, what waits in staging, scan and change progress, the
//! Undo offer, and the log (which collapses to leave the rest).

use super::ROW_HEIGHT;
use crate::gui::app::{Intent, JanitorApp, Running};
use crate::gui::style::level_color;
use crate::text;
use egui::{Align, Layout, RichText, Ui};

/// The bottom panel; the log lines only when `open`.
pub(crate) fn show(ui: &mut Ui, app: &JanitorApp, open: bool, intents: &mut Vec<Intent>) {
    let mut cleared = false;
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "Total: {}   ·   Freed this session: {}",
            text::bytes(app.total_bytes()),
            text::bytes(app.bytes_freed_session())
        ));
        if let Some(staged) = app.staged_bytes() {
            ui.separator();
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("In staging: {}", text::bytes(staged)),
            )
            .on_hover_text("Workspaces a cancel left in staging: gone from their folders, their space not freed yet");
            if ui
                .add_enabled(app.running().is_none(), egui::Button::new("Finish deleting"))
                .on_hover_text("Delete them now, with progress (Refresh does it too)")
                .clicked()
            {
                intents.push(Intent::FinishStaged);
            }
        }
        if app.archived_records_pending() {
            ui.separator();
            ui.spinner();
            ui.label("Reading archived task records…")
                .on_hover_text("The active tasks are shown; sizes and git states follow once every record is read");
        }
        if let Some((done, total)) = app.scan_progress() {
            ui.separator();
            ui.spinner();
            ui.label(format!("Sizing workspaces {done}/{total}"));
            if app.running().is_none() && ui.button("Stop scan").clicked() {
                intents.push(Intent::CancelWork);
            }
        }
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            let toggle = if open { "Hide log" } else { "Show log" };
            if ui
                .button(toggle)
                .on_hover_text(if open { "Collapse the log" } else { "Show the log" })
                .clicked()
            {
                intents.push(Intent::ShowLog(!open));
            }
            if open && ui.button("Clear").on_hover_text("Clear the log").clicked() {
                cleared = true;
                intents.push(Intent::ClearLog);
            }
        });
    });
    if let Some(running) = app.running() {
        progress(ui, app, running, intents);
    }
    if let Some(offer) = app.undo_offer() {
        ui.horizontal_wrapped(|ui| {
            let workspaces = if offer.items.len() == 1 {
                "its workspace is"
            } else {
                "its workspaces are"
            };
            ui.label(format!(
                "The {} can be undone while {workspaces} {}.",
                offer.what, offer.waiting_in
            ));
            if ui
                .add_enabled(app.running().is_none(), egui::Button::new("Undo"))
                .on_hover_text("Put the workspaces back, and the records where they were")
                .clicked()
            {
                intents.push(Intent::Undo);
            }
            if ui
                .small_button("×")
                .on_hover_text("Keep the change")
                .clicked()
            {
                intents.push(Intent::DismissUndo);
            }
        });
    }
    if !open {
        ui.add_space(2.0);
        return;
    }
    ui.separator();
    // Cleared this frame: drawn empty already.
    let lines = if cleared { &[][..] } else { app.log() };
    // Lines keep their length: a long one scrolls sideways instead of being cut.
    egui::ScrollArea::both()
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .show_rows(ui, ROW_HEIGHT - 6.0, lines.len(), |ui, range| {
            for line in &lines[range] {
                let color = level_color(ui, line.level);
                ui.add(
                    egui::Label::new(RichText::new(&line.text).monospace().color(color))
                        .selectable(true)
                        .extend(),
                );
            }
        });
}

/// The running change: bytes (and entries) done of the total, the steps, the time
/// left, and Cancel.
fn progress(ui: &mut Ui, app: &JanitorApp, running: &Running, intents: &mut Vec<Intent>) {
    let progress = running.progress;
    let mut said = format!("{}: ", running.verb);
    if running.bytes_total > 0 {
        said.push_str(&format!(
            "{} of {} freed",
            text::bytes(progress.bytes_freed),
            text::bytes(running.bytes_total)
        ));
    } else {
        said.push_str(&format!("{} freed", text::bytes(progress.bytes_freed)));
    }
    if running.entries_total > 0 {
        said.push_str(&format!(
            " · {} of {} entries",
            progress.entries_removed, running.entries_total
        ));
    } else if progress.entries_removed > 0 {
        said.push_str(&format!(" · {} entries", progress.entries_removed));
    }
    if progress.steps_total > 0 {
        said.push_str(&format!(
            " · {}/{} tasks",
            progress.steps_done, progress.steps_total
        ));
    }
    if let Some(left) = running.time_left(app.now()) {
        said.push_str(&format!(" · about {} left", text::duration(left)));
    }
    let mut cancel = false;
    ui.horizontal(|ui| {
        ui.add(
            egui::ProgressBar::new(running.fraction())
                .desired_width(ui.available_width() - 90.0)
                .text(said)
                .animate(true),
        );
        cancel = ui
            .button("Cancel")
            .on_hover_text("Stop before the next step; what is done is said, and can be undone while its workspaces wait in staging or the trash")
            .clicked();
    });
    if cancel {
        intents.push(Intent::CancelWork);
    }
}
