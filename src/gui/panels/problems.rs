//! The Problems tab: files and folders that could not be used, each with Open (the
//! folder holding it, in the file manager) and Copy (the path and the reason).

use crate::gui::app::{Intent, JanitorApp};
use egui::{RichText, Ui};

/// The Problems tab.
pub(crate) fn show(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    if app.problems().is_empty() {
        ui.label(
            "No problems found: every task file, environment and workspace folder could be read.",
        );
        return;
    }
    ui.add(
        egui::Label::new(
            RichText::new(
                "These files and folders could not be used. They were left exactly as they are.",
            )
            .color(ui.visuals().warn_fg_color),
        )
        .wrap(),
    );
    ui.add_space(4.0);
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("problems")
                .num_columns(3)
                .striped(true)
                .spacing([10.0, 6.0])
                .show(ui, |ui| {
                    for problem in app.problems() {
                        ui.horizontal(|ui| {
                            // The folder that holds it: it may not open itself.
                            let folder = problem.path.parent().unwrap_or(&problem.path);
                            if ui
                                .small_button("Open")
                                .on_hover_text(format!(
                                    "Open {} in the file manager",
                                    folder.display()
                                ))
                                .clicked()
                            {
                                intents.push(Intent::OpenInFileManager(folder.to_path_buf()));
                            }
                            if ui
                                .small_button("Copy")
                                .on_hover_text("Copy the path and the reason")
                                .clicked()
                            {
                                intents.push(Intent::Copy {
                                    text: format!(
                                        "{}: {}",
                                        problem.path.display(),
                                        problem.message
                                    ),
                                    what: "problem",
                                });
                            }
                        });
                        ui.add(
                            egui::Label::new(
                                RichText::new(problem.path.display().to_string()).monospace(),
                            )
                            .selectable(true)
                            .wrap(),
                        );
                        ui.add(egui::Label::new(&problem.message).selectable(true).wrap());
                        ui.end_row();
                    }
                });
        });
}
