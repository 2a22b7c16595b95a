//! The dialog that opens a typed data folder path (the folder picker may be
//! unavailable), or hands over to the picker. It stays open until the folder is
//! checked: what is wrong with a path is said here, and the open folder stays open.

use super::Answer;
use egui::{RichText, Ui};
use std::path::PathBuf;

/// The dialog's body; `typed` is the path as typed so far, `problem` what is wrong
/// with the last one tried, `waiting` what the dialog waits for.
pub(super) fn body(
    ui: &mut Ui,
    typed: &mut String,
    problem: Option<&str>,
    waiting: Option<&str>,
    escape: bool,
    enter: bool,
) -> Answer {
    ui.heading("Open a data folder");
    ui.label("The Agents-Runner data folder (it holds tasks/ and managed-repos/).");
    let field = ui.add(
        egui::TextEdit::singleline(typed)
            .hint_text("~/.midoriai/agents-runner")
            .desired_width(520.0),
    );
    match (waiting, problem) {
        (Some(waiting), _) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(waiting);
            });
        }
        (None, Some(problem)) => {
            ui.add(
                egui::Label::new(RichText::new(problem).color(ui.visuals().error_fg_color)).wrap(),
            );
        }
        (None, None) => {}
    }
    ui.add_space(8.0);
    let mut answer = Answer::Keep;
    let idle = waiting.is_none();
    ui.horizontal(|ui| {
        if ui.button("Cancel").clicked() || escape {
            answer = Answer::Close;
        }
        if ui
            .add_enabled(idle, egui::Button::new("Browse…"))
            .on_hover_text("Pick the folder with the system's file chooser")
            .clicked()
        {
            answer = Answer::Browse;
        }
        let path = expand_home(typed.trim());
        let open = ui.add_enabled(idle && path.is_some(), egui::Button::new("Open"));
        if let Some(path) = path
            && idle
            && (open.clicked() || (enter && field.lost_focus()))
        {
            answer = Answer::Open(path);
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
