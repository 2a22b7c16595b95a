//! One frame: the app takes the worker's news, then draws the panels (each reads the
//! app and reports intents, applied once it is drawn), the dialog and the toasts.

use super::{Intent, JanitorApp, Tab};
use crate::executor::Level;
use crate::gui::app::Dialog;
use crate::gui::dialogs::{self, Answer};
use crate::gui::panels;
use egui::{Key, Ui};

impl JanitorApp {
    /// One frame of the window.
    pub fn ui(&mut self, ui: &mut Ui) {
        self.poll();
        self.keyboard(ui);
        let mut intents: Vec<Intent> = Vec::new();
        if self.has_data() && self.agents_runner().is_some() {
            let style = ui.style();
            // Tinted like a warning, so it reads as the state of the whole window.
            let frame = egui::Frame::side_top_panel(style)
                .fill(style.visuals.warn_fg_color.gamma_multiply(0.18));
            egui::Panel::top("agents_runner_bar")
                .frame(frame)
                .show(ui, |ui| panels::toolbar::agents_runner_bar(ui, self));
        }
        egui::Panel::top("top_bar").show(ui, |ui| panels::toolbar::show(ui, self, &mut intents));
        self.apply_intents(&mut intents);
        egui::Panel::bottom("log_panel")
            .resizable(true)
            .default_size(130.0)
            .min_size(90.0)
            .show(ui, |ui| panels::log::show(ui, self, &mut intents));
        self.apply_intents(&mut intents);
        if self.has_data() {
            egui::Panel::left("environments")
                .resizable(true)
                .default_size(230.0)
                .min_size(180.0)
                .show(ui, |ui| panels::environments::show(ui, self, &mut intents));
            self.apply_intents(&mut intents);
            if self.selection.focused().is_some() && self.tab == Tab::Tasks {
                egui::Panel::right("details")
                    .resizable(true)
                    .default_size(290.0)
                    .min_size(220.0)
                    .show(ui, |ui| panels::details::show(ui, self, &mut intents));
                self.apply_intents(&mut intents);
            }
            let scroll_to_focused = self.tab == Tab::Tasks && self.selection.take_scroll_request();
            egui::CentralPanel::default().show(ui, |ui| {
                panels::central(ui, self, scroll_to_focused, &mut intents)
            });
        } else {
            egui::CentralPanel::default()
                .show(ui, |ui| panels::welcome::show(ui, self, &mut intents));
        }
        self.apply_intents(&mut intents);
        self.dialogs(ui);
        self.log.show_toasts(ui);
    }

    /// F5, Delete, Ctrl+A and Ctrl+, (not while a dialog is open; Delete and Ctrl+A
    /// not while typing).
    fn keyboard(&mut self, ui: &Ui) {
        if self.dialogs.is_open() {
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

    /// Draws the dialog on screen, and does what the user answered in it.
    fn dialogs(&mut self, ui: &mut Ui) {
        if !self.dialogs.is_open() {
            return;
        }
        let location = self.settings_file.location();
        let Some(dialog) = self.dialogs.current_mut() else {
            return;
        };
        match dialogs::show(ui, dialog, &location, self.table.environments()) {
            Answer::Keep => {}
            Answer::Close => {
                let closed = self.dialogs.close();
                if matches!(
                    closed,
                    Some(
                        Dialog::Confirm { .. }
                            | Dialog::ConfirmSlim { .. }
                            | Dialog::Planning { .. }
                    )
                ) {
                    self.push_log(Level::Info, "cancelled: nothing was changed".into());
                }
            }
            Answer::Confirm => self.confirm(),
            Answer::ConfirmSlim => self.confirm_slim(),
            Answer::SaveSettings(config) => {
                self.dialogs.close();
                self.save_settings(config);
            }
            Answer::Open(path) => {
                self.dialogs.close();
                self.open_data_dir(path);
            }
            Answer::Browse => {
                self.dialogs.close();
                self.pick_folder();
            }
        }
    }
}
