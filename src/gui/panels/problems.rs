//! The Problems tab: files and folders that could not be used.

use crate::gui::app::JanitorApp;
use egui::{RichText, Ui};

/// The Problems tab.
pub(crate) fn show(ui: &mut Ui, app: &JanitorApp) {
    if app.problems().is_empty() {
        ui.label(
            "No problems found: every task file, environment and workspace folder could be read.",
        );
        return;
    }
    ui.label(
        RichText::new(
            "These files and folders could not be used. They were left exactly as they are.",
        )
        .color(ui.visuals().warn_fg_color),
    );
    ui.add_space(4.0);
    egui::ScrollArea::both()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("problems")
                .num_columns(2)
                .striped(true)
                .spacing([10.0, 4.0])
                .show(ui, |ui| {
                    for problem in app.problems() {
                        ui.add(
                            egui::Label::new(
                                RichText::new(problem.path.display().to_string()).monospace(),
                            )
                            .selectable(true),
                        );
                        ui.add(egui::Label::new(&problem.message).selectable(true));
                        ui.end_row();
                    }
                });
        });
}
