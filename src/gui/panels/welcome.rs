//! The welcome screen, shown while no data folder is open.

use crate::gui::app::{Intent, JanitorApp, Welcome};
use egui::{RichText, Ui};

/// The welcome screen.
pub(crate) fn show(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    ui.add_space(ui.available_height() * 0.12);
    ui.vertical_centered(|ui| {
        ui.set_max_width(620.0);
        ui.heading(RichText::new("Welcome to agents-janitor").size(26.0));
        ui.add_space(10.0);
        ui.label(
            "Agents-Runner gives every task of a cloned environment its own git checkout under \
             managed-repos/<environment>/tasks/<task>/. They pile up by the hundreds. This app \
             shows each environment and task workspace with its size, git state and status, \
             and discards, archives and sweeps them safely: it never deletes anything outside a \
             managed task folder, never touches a mounted folder, and never loses a task record.",
        );
        ui.add_space(12.0);
        match app.welcome() {
            Some(Welcome::NoData {
                looked_at: Some(path),
            }) => {
                ui.label(format!(
                    "There is no Agents-Runner data folder at {}.",
                    path.display()
                ));
            }
            Some(Welcome::NoData { looked_at: None }) => {
                ui.label("No Agents-Runner data folder was found.");
            }
            Some(Welcome::Failed { path, message }) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("Cannot open {}: {message}", path.display()),
                );
            }
            None => {}
        }
        ui.add_space(16.0);
        ui.horizontal(|ui| {
            let width = 330.0;
            ui.add_space(((ui.available_width() - width) / 2.0).max(0.0));
            if ui
                .add_enabled(
                    !app.background_busy(),
                    egui::Button::new("Open data folder…"),
                )
                .clicked()
            {
                intents.push(Intent::OpenFolderDialog {
                    typed: String::new(),
                });
            }
            if ui
                .add_enabled(
                    !app.background_busy(),
                    egui::Button::new("Create demo data"),
                )
                .on_hover_text(format!(
                    "Write a realistic demo data folder to {}",
                    app.demo_dir().display()
                ))
                .clicked()
            {
                intents.push(Intent::CreateDemo);
            }
        });
        if app.background_busy() {
            ui.add_space(8.0);
            ui.spinner();
        }
        ui.add_space(8.0);
        ui.label(
            RichText::new(format!(
                "Demo data goes to {} and is safe to clean: try Discard, Archive and Sweep on it.",
                app.demo_dir().display()
            ))
            .weak(),
        );
    });
}
