//! What the window says of an action: the heading while its plan is made, what it is
//! doing to a row, and the same action with force for the second question.

use crate::policy::Action;
use crate::text;

/// `action` with force: it also takes what it left alone because a task may still be
/// running or a workspace holds unsaved work. The unattended cleanup has none.
pub(super) fn with_force(action: &Action) -> Option<Action> {
    let mut forced = action.clone();
    match &mut forced {
        Action::Discard { force, .. }
        | Action::Sweep { force, .. }
        | Action::Complete { force, .. } => *force = true,
        Action::Archive { allow_unsaved, .. }
        | Action::EnforceQuotas { allow_unsaved, .. }
        | Action::DeleteOrphans { allow_unsaved, .. } => *allow_unsaved = true,
        Action::Scheduled { .. } | Action::DeleteSafe { .. } => return None,
    }
    Some(forced)
}

/// What a change is doing to a task, for its row until the reload ("discarding").
pub(super) fn doing(action: &Action) -> &'static str {
    match action {
        Action::Discard { .. } => "discarding",
        Action::Archive { .. } => "archiving",
        Action::Sweep { .. } => "sweeping",
        Action::Complete { .. } | Action::Scheduled { .. } => "cleaning up",
        Action::EnforceQuotas { .. } | Action::DeleteOrphans { .. } | Action::DeleteSafe { .. } => {
            "deleting"
        }
    }
}

/// The heading of the dialog that waits for the plan of `action`.
pub(super) fn plan_title(action: &Action) -> String {
    match action {
        Action::Discard { task_ids, .. } => {
            format!("Discard {}", text::count(task_ids.len(), "task"))
        }
        Action::Archive { .. } => "Archive finished tasks".to_owned(),
        Action::Sweep {
            older_than_hours, ..
        } => format!("Sweep workspaces older than {older_than_hours} h"),
        Action::Complete { .. } => "Clean up finished tasks".to_owned(),
        Action::EnforceQuotas { .. } => "Enforce disk quotas".to_owned(),
        Action::DeleteOrphans { paths, .. } if paths.is_empty() => {
            "Delete all orphan folders".to_owned()
        }
        Action::DeleteOrphans { paths, .. } => {
            format!("Delete {}", text::count(paths.len(), "orphan folder"))
        }
        Action::Scheduled { .. } => "Scheduled cleanup".to_owned(),
        Action::DeleteSafe { task_ids } => format!(
            "Delete the safe workspaces of {}",
            text::count(task_ids.len(), "shown task")
        ),
    }
}
