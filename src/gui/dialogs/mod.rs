//! The modal dialogs: plan confirmation, typed folder path, settings, errors.

mod confirm;
mod open_folder;
mod settings;

pub use confirm::confirm_button_label;
pub use settings::{QuotaDraft, SettingsDraft};

use super::app::{Dialog, JanitorApp};
use crate::store::WorkspaceType;
use confirm::confirm_body;
use egui::{Key, Ui};
use open_folder::expand_home;
use settings::{SettingsAnswer, SettingsLocation};
use std::path::PathBuf;

const DIALOG_WIDTH: f32 = 600.0;

/// What the user did in a dialog this frame.
pub(super) enum Answer {
    Keep,
    Close,
    Confirm,
    Open(PathBuf),
    Browse,
    SaveSettings(crate::config::Config),
}

impl JanitorApp {
    pub(in crate::gui) fn dialogs(&mut self, ui: &mut Ui) {
        if self.dialog.is_none() {
            return;
        }
        let location = SettingsLocation {
            path: self.config_path.clone(),
            unusable: self.config_warning.clone(),
        };
        let known_envs: Vec<(String, String)> = self
            .environments
            .iter()
            .filter(|env| env.workspace_type == WorkspaceType::Cloned.label())
            .filter_map(|env| Some((env.env_id.clone()?, env.name.clone())))
            .collect();
        let Some(dialog) = &mut self.dialog else {
            return;
        };
        let ctx = ui.ctx().clone();
        let (escape, enter) =
            ctx.input(|i| (i.key_pressed(Key::Escape), i.key_pressed(Key::Enter)));
        let modal = egui::Modal::new(egui::Id::unique("agents-janitor-dialog")).show(&ctx, |ui| {
            // A fixed width: a dialog that resizes itself each frame moves its buttons
            // away from the pointer between press and release.
            ui.set_width(DIALOG_WIDTH);
            match dialog {
                Dialog::Planning { title } => {
                    ui.heading(title.as_str());
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Working out what would change (sizes, git state)…");
                    });
                    ui.add_space(8.0);
                    if ui.button("Cancel").clicked() || escape {
                        return Answer::Close;
                    }
                    Answer::Keep
                }
                Dialog::Confirm { plan } => confirm_body(ui, plan, escape, enter),
                Dialog::OpenFolder { typed } => {
                    ui.heading("Open a data folder");
                    ui.label("The Agents-Runner data folder (it holds tasks/ and managed-repos/).");
                    let field = ui.add(
                        egui::TextEdit::singleline(typed)
                            .hint_text("~/.midoriai/agents-runner")
                            .desired_width(520.0),
                    );
                    ui.add_space(8.0);
                    let mut answer = Answer::Keep;
                    ui.horizontal(|ui| {
                        if ui.button("Cancel").clicked() || escape {
                            answer = Answer::Close;
                        }
                        if ui.button("Browse…").clicked() {
                            answer = Answer::Browse;
                        }
                        let path = expand_home(typed.trim());
                        let open = ui.add_enabled(path.is_some(), egui::Button::new("Open"));
                        if let Some(path) = path
                            && (open.clicked() || (enter && field.lost_focus()))
                        {
                            answer = Answer::Open(path);
                        }
                    });
                    answer
                }
                Dialog::Settings { draft } => {
                    match JanitorApp::settings_body(ui, draft, &location, &known_envs, escape) {
                        SettingsAnswer::Keep => Answer::Keep,
                        SettingsAnswer::Cancel => Answer::Close,
                        SettingsAnswer::Save(config) => Answer::SaveSettings(config),
                    }
                }
                Dialog::Error { title, message } => {
                    ui.heading(title.as_str());
                    ui.add(egui::Label::new(message.as_str()).wrap().selectable(true));
                    ui.add_space(8.0);
                    if ui.button("Close").clicked() || escape || enter {
                        return Answer::Close;
                    }
                    Answer::Keep
                }
            }
        });
        // A stray click beside the Settings dialog must not throw the edits away:
        // only Cancel and Escape close it.
        let editing = matches!(self.dialog, Some(Dialog::Settings { .. }));
        let answer = if modal.should_close()
            && !editing
            && !matches!(modal.inner, Answer::Confirm | Answer::Open(_))
        {
            Answer::Close
        } else {
            modal.inner
        };
        match answer {
            Answer::Keep => {}
            Answer::Close => {
                if matches!(
                    self.dialog,
                    Some(Dialog::Confirm { .. } | Dialog::Planning { .. })
                ) {
                    self.push_log(
                        crate::executor::Level::Info,
                        "cancelled: nothing was changed".into(),
                    );
                }
                self.dialog = None;
            }
            Answer::Confirm => self.confirm(),
            Answer::SaveSettings(config) => {
                self.dialog = None;
                self.save_settings(config);
            }
            Answer::Open(path) => {
                self.dialog = None;
                self.open_data_dir(path);
            }
            Answer::Browse => {
                self.dialog = None;
                self.pick_folder();
            }
        }
    }
}
