//! The main window's panels: each draws one part of the window from the app's state.

mod details;
mod environments;
mod log;
mod orphans;
mod problems;
mod table;
mod toolbar;
mod usage;
mod welcome;

use crate::gui::app::{JanitorApp, Tab};
use crate::gui::model::OrphanRowKind;
use egui::{Key, Ui};

/// Height of a table row (and, less a little, of a log line).
const ROW_HEIGHT: f32 = 22.0;

impl JanitorApp {
    /// One frame of the window.
    pub fn ui(&mut self, ui: &mut Ui) {
        self.poll();
        self.keyboard(ui);
        if self.has_data() && self.agents_runner().is_some() {
            let style = ui.style();
            // Tinted like a warning, so it reads as the state of the whole window.
            let frame = egui::Frame::side_top_panel(style)
                .fill(style.visuals.warn_fg_color.gamma_multiply(0.18));
            egui::Panel::top("agents_runner_bar")
                .frame(frame)
                .show(ui, |ui| self.agents_runner_bar(ui));
        }
        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar(ui));
        egui::Panel::bottom("log_panel")
            .resizable(true)
            .default_size(130.0)
            .min_size(90.0)
            .show(ui, |ui| self.log_panel(ui));
        if self.has_data() {
            egui::Panel::left("environments")
                .resizable(true)
                .default_size(230.0)
                .min_size(180.0)
                .show(ui, |ui| self.environments_panel(ui));
            if self.focused.is_some() && self.tab == Tab::Tasks {
                egui::Panel::right("details")
                    .resizable(true)
                    .default_size(290.0)
                    .min_size(220.0)
                    .show(ui, |ui| self.details_panel(ui));
            }
            egui::CentralPanel::default().show(ui, |ui| self.central(ui));
        } else {
            egui::CentralPanel::default().show(ui, |ui| self.welcome_screen(ui));
        }
        self.dialogs(ui);
        self.toasts.show(ui);
    }

    fn keyboard(&mut self, ui: &Ui) {
        if self.dialog.is_some() {
            return;
        }
        let typing = ui.ctx().egui_wants_keyboard_input();
        let (refresh, delete, select_all, settings) = ui.input(|i| {
            (
                i.key_pressed(Key::F5),
                i.key_pressed(Key::Delete),
                i.modifiers.command && i.key_pressed(Key::A),
                i.modifiers.command && i.key_pressed(Key::Comma),
            )
        });
        if settings {
            self.open_settings();
        }
        if refresh {
            self.refresh();
        }
        if !typing && delete {
            self.discard_selected();
        }
        if !typing && select_all && self.tab == Tab::Tasks {
            self.select_all_visible();
        }
    }

    fn central(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.tab, Tab::Tasks, "Tasks");
            ui.selectable_value(&mut self.tab, Tab::Usage, "Usage");
            let orphans = format!(
                "Orphans ({})",
                self.orphans
                    .iter()
                    .filter(|o| o.kind != OrphanRowKind::LegacyCheckout)
                    .count()
            );
            ui.selectable_value(&mut self.tab, Tab::Orphans, orphans);
            let problems = format!("Problems ({})", self.problems.len());
            ui.selectable_value(&mut self.tab, Tab::Problems, problems);
        });
        ui.separator();
        match self.tab {
            Tab::Tasks => self.tasks_view(ui),
            Tab::Usage => self.usage_view(ui),
            Tab::Orphans => self.orphans_view(ui),
            Tab::Problems => self.problems_view(ui),
        }
    }
}
