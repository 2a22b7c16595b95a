//! The welcome screen and the modal dialogs: plan confirmation, typed folder path, errors.

use super::app::{Dialog, JanitorApp, Welcome};
use super::settings_window::{SettingsAnswer, SettingsLocation};
use super::widgets::capitalized;
use crate::policy::DeleteMode;
use crate::policy::{Action, Plan, RecordChange};
use crate::store::WorkspaceType;
use crate::text;
use egui::{Key, RichText, Ui};
use std::path::PathBuf;

const DIALOG_WIDTH: f32 = 600.0;

/// What the user did in a dialog this frame.
enum Answer {
    Keep,
    Close,
    Confirm,
    Open(PathBuf),
    Browse,
    SaveSettings(crate::config::Config),
}

impl JanitorApp {
    pub(super) fn welcome_screen(&mut self, ui: &mut Ui) {
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
            match &self.welcome {
                Some(Welcome::NoData { looked_at: Some(path) }) => {
                    ui.label(format!("There is no Agents-Runner data folder at {}.", path.display()));
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
                    .add_enabled(!self.background_busy(), egui::Button::new("Open data folder…"))
                    .clicked()
                {
                    self.dialog = Some(Dialog::OpenFolder {
                        typed: String::new(),
                    });
                }
                if ui
                    .add_enabled(!self.background_busy(), egui::Button::new("Create demo data"))
                    .on_hover_text(format!("Write a realistic demo data folder to {}", self.demo_dir.display()))
                    .clicked()
                {
                    self.create_demo();
                }
            });
            if self.background_busy() {
                ui.add_space(8.0);
                ui.spinner();
            }
            ui.add_space(8.0);
            ui.label(
                RichText::new(format!(
                    "Demo data goes to {} and is safe to clean: try Discard, Archive and Sweep on it.",
                    self.demo_dir.display()
                ))
                .weak(),
            );
        });
    }

    pub(super) fn dialogs(&mut self, ui: &mut Ui) {
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

/// The confirm button's words: what is done, to how many.
pub fn confirm_button_label(plan: &Plan) -> String {
    let steps = plan.steps.len();
    match &plan.action {
        Action::DeleteOrphans { .. } => format!("Delete {}", text::count(steps, "folder")),
        Action::EnforceQuotas { .. } => format!("Delete {}", text::count(steps, "workspace")),
        action => format!(
            "{} {}",
            capitalized(action.verb()),
            text::count(steps, "task")
        ),
    }
}

fn confirm_body(ui: &mut Ui, plan: &Plan, escape: bool, enter: bool) -> Answer {
    let steps = plan.steps.len();
    let title = match &plan.action {
        crate::policy::Action::Discard { .. } => format!("Discard {}?", text::count(steps, "task")),
        crate::policy::Action::Archive { .. } => format!("Archive {}?", text::count(steps, "task")),
        crate::policy::Action::Sweep {
            older_than_hours, ..
        } => format!(
            "Sweep {} older than {older_than_hours} h?",
            text::count(steps, "workspace")
        ),
        crate::policy::Action::Complete { .. } => {
            format!("Clean up {}?", text::count(steps, "task"))
        }
        crate::policy::Action::EnforceQuotas { .. } => {
            format!(
                "Delete {} to meet the quotas?",
                text::count(steps, "workspace")
            )
        }
        crate::policy::Action::DeleteOrphans { .. } => {
            format!("Delete {}?", text::count(steps, "orphan folder"))
        }
        crate::policy::Action::Scheduled { .. } => {
            format!(
                "Run the scheduled cleanup ({})?",
                text::count(steps, "step")
            )
        }
    };
    ui.heading(title);
    let deleted = plan.steps.iter().filter(|s| s.workspace.is_some()).count();
    match plan.delete_mode {
        DeleteMode::Delete => ui.label(format!(
            "{} will be deleted, freeing {}.",
            text::count(deleted, "workspace"),
            text::bytes(plan.bytes_to_free)
        )),
        DeleteMode::Trash => ui.label(format!(
            "{} ({}) will be moved to the trash. The space is freed only when the trash is emptied.",
            text::count(deleted, "workspace"),
            text::bytes(plan.bytes_to_free)
        )),
    };
    for warning in &plan.warnings {
        ui.colored_label(ui.visuals().warn_fg_color, format!("Warning: {warning}"));
    }
    let unsaved_goes = plan
        .steps
        .iter()
        .any(|s| s.git.as_ref().is_some_and(|g| g.has_unsaved_work()));
    if plan.delete_mode == DeleteMode::Trash && unsaved_goes {
        ui.label(
            RichText::new(
                "Unsaved work goes to the trash with its workspace and can be restored from there until the trash is emptied.",
            )
            .weak(),
        );
    }
    ui.add_space(6.0);
    egui::ScrollArea::vertical()
        .max_height(320.0)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            for step in &plan.steps {
                let unsaved = step.git.as_ref().filter(|g| g.has_unsaved_work());
                ui.horizontal(|ui| {
                    ui.label(RichText::new(&step.task_id).monospace().strong());
                    if step.workspace.is_some() {
                        ui.label(text::bytes(step.bytes));
                    }
                    if let Some(git) = unsaved {
                        ui.colored_label(ui.visuals().warn_fg_color, git.describe());
                    }
                });
                let record = match step.record_change {
                    RecordChange::Keep => "",
                    RecordChange::Archive => "archive the record; ",
                    RecordChange::Discard { archive: true } => {
                        "mark discarded and archive the record; "
                    }
                    RecordChange::Discard { archive: false } => "mark discarded; ",
                };
                let workspace = match &step.workspace {
                    Some(w) => match plan.delete_mode {
                        DeleteMode::Delete => format!("delete {}", w.path.display()),
                        DeleteMode::Trash => format!("move {} to the trash", w.path.display()),
                    },
                    None => "workspace kept".to_owned(),
                };
                ui.add(
                    egui::Label::new(RichText::new(format!("{record}{workspace}")).small()).wrap(),
                )
                .on_hover_text(step.reason.as_str());
                ui.add_space(4.0);
            }
            if !plan.skipped.is_empty() {
                ui.add_space(6.0);
                ui.label(RichText::new(format!("Left alone ({})", plan.skipped.len())).strong());
                for skipped in &plan.skipped {
                    let text = format!("{}: {}", skipped.task_id, skipped.reason);
                    if skipped.refused {
                        ui.colored_label(ui.visuals().warn_fg_color, text);
                    } else {
                        ui.label(RichText::new(text).weak());
                    }
                }
            }
        });
    ui.add_space(8.0);
    let mut answer = Answer::Keep;
    ui.horizontal(|ui| {
        if ui
            .button("Cancel")
            .on_hover_text("Change nothing (Escape)")
            .clicked()
            || escape
        {
            answer = Answer::Close;
        }
        if steps == 0 {
            ui.label("Nothing to do.");
            return;
        }
        let label = confirm_button_label(plan);
        let confirm = egui::Button::new(RichText::new(label).strong())
            .fill(ui.visuals().error_fg_color.gamma_multiply(0.6));
        if ui.add(confirm).on_hover_text("Go ahead (Enter)").clicked() || enter {
            answer = Answer::Confirm;
        }
    });
    answer
}

/// A typed path, with a leading `~` meaning the home folder.
fn expand_home(typed: &str) -> Option<PathBuf> {
    if typed.is_empty() {
        return None;
    }
    match typed.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => directories::UserDirs::new()
            .map(|dirs| dirs.home_dir().join(rest.trim_start_matches('/'))),
        _ => Some(PathBuf::from(typed)),
    }
}
