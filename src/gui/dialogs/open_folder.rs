//! The dialog that opens a typed data folder path (the folder picker may be
//! unavailable), or hands over to the picker.

use super::Answer;
use egui::Ui;
use std::path::PathBuf;

/// The dialog's body; `typed` is the path as typed so far.
pub(super) fn body(ui: &mut Ui, typed: &mut String, escape: bool, enter: bool) -> Answer {
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
