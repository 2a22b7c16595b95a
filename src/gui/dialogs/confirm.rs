//! The confirmation dialog: what a plan would change, and the button that does it.

use super::{Answer, plan_parts};
use crate::gui::widgets::capitalized;
use crate::policy::DeleteMode;
use crate::policy::{Action, Plan, RecordChange};
use crate::text;
use egui::{RichText, Ui};

/// The confirm button's words: what is done, to how many.
pub fn confirm_button_label(plan: &Plan) -> String {
    let steps = plan.steps.len();
    match &plan.action {
        Action::DeleteOrphans { .. } => format!("Delete {}", text::count(steps, "folder")),
        Action::EnforceQuotas { .. } | Action::DeleteSafe { .. } => {
            format!("Delete {}", text::count(steps, "workspace"))
        }
        action => format!(
            "{} {}",
            capitalized(action.verb()),
            text::count(steps, "task")
        ),
    }
}

/// The dialog's body: what `plan` would change, and Cancel or the confirm button.
pub(super) fn body(ui: &mut Ui, plan: &Plan, escape: bool, enter: bool) -> Answer {
    let steps = plan.steps.len();
    let title = match &plan.action {
        Action::Discard { .. } => format!("Discard {}?", text::count(steps, "task")),
        Action::Archive { .. } => format!("Archive {}?", text::count(steps, "task")),
        Action::Sweep {
            older_than_hours, ..
        } => format!(
            "Sweep {} older than {older_than_hours} h?",
            text::count(steps, "workspace")
        ),
        Action::Complete { .. } => {
            format!("Clean up {}?", text::count(steps, "task"))
        }
        Action::EnforceQuotas { .. } => {
            format!(
                "Delete {} to meet the quotas?",
                text::count(steps, "workspace")
            )
        }
        Action::DeleteOrphans { .. } => {
            format!("Delete {}?", text::count(steps, "orphan folder"))
        }
        Action::DeleteSafe { .. } => format!(
            "Delete {} whose work is safe elsewhere?",
            text::count(steps, "workspace")
        ),
        Action::Scheduled { .. } => {
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
            plan_parts::left_alone(ui, &plan.skipped);
        });
    ui.add_space(8.0);
    let go = (steps > 0).then(|| confirm_button_label(plan));
    plan_parts::cancel_or_go(ui, go, "Nothing to do.", Answer::Confirm, (escape, enter))
}
