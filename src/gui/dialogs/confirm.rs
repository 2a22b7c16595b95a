//! The confirmation dialog: what a plan would change, each task named with its
//! environment, prompt and age; the button that does it; and, when the plan left
//! running tasks or unsaved work alone, a deliberate second question to include them.

use super::{Answer, plan_parts};
use crate::gui::app::TaskLabel;
use crate::gui::widgets::capitalized;
use crate::policy::DeleteMode;
use crate::policy::{Action, Plan, RecordChange};
use crate::text;
use egui::{RichText, Ui};
use std::collections::HashMap;
use std::time::SystemTime;

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

/// The dialog's heading: the question, or that there is nothing to do.
fn heading(plan: &Plan) -> String {
    let steps = plan.steps.len();
    if steps == 0 {
        return format!("Nothing to {}", plan.action.verb());
    }
    match &plan.action {
        Action::Discard { .. } => format!("Discard {}?", text::count(steps, "task")),
        Action::Archive { .. } => format!("Archive {}?", text::count(steps, "task")),
        Action::Sweep {
            older_than_hours, ..
        } => format!(
            "Sweep {} older than {older_than_hours} h?",
            text::count(steps, "workspace")
        ),
        Action::Complete { .. } => format!("Clean up {}?", text::count(steps, "task")),
        Action::EnforceQuotas { .. } => format!(
            "Delete {} to meet the quotas?",
            text::count(steps, "workspace")
        ),
        Action::DeleteOrphans { .. } => {
            format!("Delete {}?", text::count(steps, "orphan folder"))
        }
        Action::DeleteSafe { .. } => format!(
            "Delete {} whose work is safe elsewhere?",
            text::count(steps, "workspace")
        ),
        Action::Scheduled { .. } => format!(
            "Run the scheduled cleanup ({})?",
            text::count(steps, "step")
        ),
    }
}

/// The dialog's list (of steps, of tasks): a scrolled area of a fixed height for the
/// dialog's life, so it keeps its size while it scrolls, and small enough for a small
/// window.
fn fixed_list(ui: &mut Ui, add: impl FnOnce(&mut Ui)) {
    let height = (ui.ctx().content_rect().height() - 340.0).clamp(120.0, 320.0);
    egui::ScrollArea::vertical()
        .min_scrolled_height(height)
        .max_height(height)
        .auto_shrink([false, false])
        .show(ui, add);
}

/// The dialog's body: what `plan` would change, and Cancel or the confirm button; or
/// the second question when `asking_to_include`.
pub(super) fn body(
    ui: &mut Ui,
    plan: &Plan,
    labels: &HashMap<String, TaskLabel>,
    asking_to_include: bool,
    keys: (bool, bool),
) -> Answer {
    if asking_to_include {
        return include_question(ui, plan, labels, keys.0);
    }
    let (escape, enter) = keys;
    let steps = plan.steps.len();
    ui.heading(heading(plan));
    let deleted = plan.steps.iter().filter(|s| s.workspace.is_some()).count();
    if steps > 0 {
        match plan.delete_mode {
            DeleteMode::Delete => ui.label(format!(
                "{} will be deleted, freeing {}.",
                text::count(deleted, "workspace"),
                text::bytes(plan.bytes_to_free)
            )),
            DeleteMode::Trash => ui.label(format!(
                "{} ({}) will be moved to the trash: {} can be restored from it, and the space is freed only when the trash is emptied.",
                text::count(deleted, "workspace"),
                if deleted == 1 { "it" } else { "they" },
                text::bytes(plan.bytes_to_free)
            )),
        };
    }
    for warning in &plan.warnings {
        ui.add(
            egui::Label::new(
                RichText::new(format!("Warning: {warning}")).color(ui.visuals().warn_fg_color),
            )
            .wrap(),
        );
    }
    ui.add_space(6.0);
    let now = SystemTime::now();
    fixed_list(ui, |ui| {
        for step in &plan.steps {
            let unsaved = step.git.as_ref().filter(|g| g.has_unsaved_work());
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(&step.task_id).monospace().strong());
                if step.workspace.is_some() {
                    ui.label(text::bytes(step.bytes));
                }
                if let Some(git) = unsaved {
                    ui.colored_label(ui.visuals().warn_fg_color, git.describe());
                }
            });
            if let Some(label) = labels.get(&step.task_id) {
                task_line(ui, label, now);
            }
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
                egui::Label::new(RichText::new(format!("{record}{workspace}")).small().weak())
                    .wrap(),
            )
            .on_hover_text(step.reason.as_str());
            ui.add_space(4.0);
        }
        if !plan.skipped.is_empty() {
            ui.add_space(6.0);
            ui.label(RichText::new(format!("Left alone ({})", plan.skipped.len())).strong());
            for skipped in &plan.skipped {
                let text = format!("{}: {}", skipped.task_id, skipped.reason);
                let text = if skipped.refused {
                    RichText::new(text).color(ui.visuals().warn_fg_color)
                } else {
                    RichText::new(text).weak()
                };
                ui.add(egui::Label::new(text).wrap());
                if let Some(label) = labels.get(&skipped.task_id) {
                    task_line(ui, label, now);
                }
            }
        }
    });
    ui.add_space(8.0);
    let forcible = plan.skipped.iter().filter(|s| s.force_includes).count();
    let include = |ui: &mut Ui| {
        let asked = forcible > 0
            && ui
                .button(format!(
                    "Include running tasks and unsaved work ({forcible})…"
                ))
                .on_hover_text("Asks again before planning with them")
                .clicked();
        asked.then_some(Answer::AskToInclude(true))
    };
    let go = (steps > 0).then(|| confirm_button_label(plan));
    plan_parts::cancel_or_go(
        ui,
        include,
        go,
        "Nothing to do.",
        Answer::Confirm,
        (escape, enter),
    )
}

/// A task as the user knows it: its environment, prompt and age.
fn task_line(ui: &mut Ui, label: &TaskLabel, now: SystemTime) {
    let mut line = label.env_name.clone();
    if !label.prompt.is_empty() {
        line.push_str(" · ");
        line.push_str(&label.prompt);
    }
    if let Some(created) = label.created {
        line.push_str(" · created ");
        line.push_str(&text::relative_time(created, now));
    }
    ui.add(egui::Label::new(RichText::new(line).small()).truncate());
}

/// The second question: include what the plan left alone because a task may still be
/// running or a workspace holds unsaved work?
fn include_question(
    ui: &mut Ui,
    plan: &Plan,
    labels: &HashMap<String, TaskLabel>,
    escape: bool,
) -> Answer {
    let forcible: Vec<_> = plan.skipped.iter().filter(|s| s.force_includes).collect();
    ui.heading(format!(
        "Include them too ({})?",
        text::count(forcible.len(), "task")
    ));
    let fate = match plan.delete_mode {
        DeleteMode::Delete => "is lost for good",
        DeleteMode::Trash => "goes to the trash with the workspace",
    };
    ui.add(
        egui::Label::new(
            RichText::new(format!(
                "A task that may still be running has its workspace taken away under it (Agents-Runner may write to it still), and unsaved git work {fate}. The plan is made again with them, and shown before anything changes."
            ))
            .color(ui.visuals().warn_fg_color),
        )
        .wrap(),
    );
    ui.add_space(6.0);
    let now = SystemTime::now();
    fixed_list(ui, |ui| {
        for skipped in &forcible {
            ui.add(egui::Label::new(format!("{}: {}", skipped.task_id, skipped.reason)).wrap());
            if let Some(label) = labels.get(&skipped.task_id) {
                task_line(ui, label, now);
            }
        }
    });
    ui.add_space(8.0);
    let mut answer = Answer::Keep;
    ui.horizontal(|ui| {
        if ui.button("Back").clicked() || escape {
            answer = Answer::AskToInclude(false);
        }
        let include = egui::Button::new(RichText::new("Include them and plan again").strong())
            .fill(ui.visuals().error_fg_color.gamma_multiply(0.6));
        if ui.add(include).clicked() {
            answer = Answer::Include;
        }
    });
    answer
}
