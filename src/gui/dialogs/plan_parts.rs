//! What every plan's confirmation shows alike: the tasks left alone, and Cancel beside
//! the button that goes ahead.

use super::Answer;
use crate::policy::Skipped;
use egui::{RichText, Ui};

/// "Left alone (N)": each task with why; refusals in the warning colour.
pub(super) fn left_alone(ui: &mut Ui, skipped: &[Skipped]) {
    if skipped.is_empty() {
        return;
    }
    ui.add_space(6.0);
    ui.label(RichText::new(format!("Left alone ({})", skipped.len())).strong());
    for skipped in skipped {
        let text = format!("{}: {}", skipped.task_id, skipped.reason);
        if skipped.refused {
            ui.colored_label(ui.visuals().warn_fg_color, text);
        } else {
            ui.label(RichText::new(text).weak());
        }
    }
}

/// Cancel (Escape), then what `between` adds (its answer, when it gives one), then
/// `go` (Enter) answering `yes`; with no `go`, `nothing` said in its place.
pub(super) fn cancel_or_go(
    ui: &mut Ui,
    between: impl FnOnce(&mut Ui) -> Option<Answer>,
    go: Option<String>,
    nothing: &str,
    yes: Answer,
    (escape, enter): (bool, bool),
) -> Answer {
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
        if let Some(asked) = between(ui) {
            answer = asked;
        }
        let Some(label) = go else {
            ui.label(nothing);
            return;
        };
        let confirm = egui::Button::new(RichText::new(label).strong())
            .fill(ui.visuals().error_fg_color.gamma_multiply(0.6));
        if ui.add(confirm).on_hover_text("Go ahead (Enter)").clicked() || enter {
            answer = yes;
        }
    });
    answer
}
