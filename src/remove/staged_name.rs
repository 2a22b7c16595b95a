//! The name a workspace gets in staging: `<env>.<folder>.<intent>.<nanos>`.
//!
//! It carries what the run that staged it meant to do with the task's record, so that a
//! run killed between the staging rename and the record change is finished at the next
//! start: the record step first ([`crate::executor::Executor::finish_staged`]), then the
//! delete. An environment id is a plain id (no `.`); the folder is a task id or a
//! backup's `<task>.bak-<digits>` (which may hold a `.`); the intent and the
//! nanoseconds hold none, so the name splits at its first `.` and its last two.
//! Names in the earlier format (`<env>--<task>--<nanos>`), and names cut short because
//! the ids are too long for one file name, carry no intent: such a leftover is only
//! deleted.

use crate::store::paths::{self, is_exact_safe_id};

/// The longest file name common filesystems take, in bytes.
pub(super) const NAME_MAX: usize = 255;

/// What the staging run meant to do with the task's record after the staging rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StagedIntent {
    /// Nothing (a sweep keeps the record; an orphan has none).
    Remove,
    /// Move it to `tasks/done/`.
    Archive,
    /// Status `discarded`, `finished_at` if unset, a log line, and archived.
    Discard,
    /// Like [`StagedIntent::Discard`], for a task the user forced (`--force`): a
    /// status that may still be running does not stop it.
    ForceDiscard,
}

impl StagedIntent {
    fn word(self) -> &'static str {
        match self {
            Self::Remove => "remove",
            Self::Archive => "archive",
            Self::Discard => "discard",
            Self::ForceDiscard => "force-discard",
        }
    }

    fn from_word(word: &str) -> Option<Self> {
        [
            Self::Remove,
            Self::Archive,
            Self::Discard,
            Self::ForceDiscard,
        ]
        .into_iter()
        .find(|intent| intent.word() == word)
    }
}

/// A staged workspace's name, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedName {
    /// The environment's folder under `managed-repos/`.
    pub env_id: String,
    /// The folder's name under `tasks/`: the task id, or `<task>.bak-<digits>`.
    pub folder: String,
    /// What was meant for the task's record.
    pub intent: StagedIntent,
    /// When it was staged (nanoseconds since the epoch; keeps names unique).
    pub nanos: u128,
}

impl StagedName {
    /// The file name, or `None` when it would be longer than a file name may be.
    pub fn format(&self) -> Option<String> {
        let name = format!(
            "{}.{}.{}.{}",
            self.env_id,
            self.folder,
            self.intent.word(),
            self.nanos
        );
        (name.len() <= NAME_MAX).then_some(name)
    }

    /// Reads a name [`StagedName::format`] wrote; `None` for anything else (an
    /// earlier format, a cut name, a name someone else put there).
    pub fn parse(name: &str) -> Option<Self> {
        let (env_id, rest) = name.split_once('.')?;
        let (rest, nanos) = rest.rsplit_once('.')?;
        let (folder, intent) = rest.rsplit_once('.')?;
        let folder_ok = is_exact_safe_id(folder) || paths::backup_task_folder(folder).is_some();
        if !is_exact_safe_id(env_id) || !folder_ok || !nanos.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Self {
            env_id: env_id.to_owned(),
            folder: folder.to_owned(),
            intent: StagedIntent::from_word(intent)?,
            nanos: nanos.parse().ok()?,
        })
    }
}

/// The earlier format, `<env>--<task>--<nanos>`, with the ids cut short where the whole
/// would be longer than a file name may be (a task id of 250 characters is a valid
/// folder name on its own): used only when a [`StagedName`] does not fit. The
/// nanoseconds keep it unique; ids are plain ASCII, so any cut is on a character.
pub(super) fn fallback_name(env_id: &str, task_id: &str, nanos: u128) -> String {
    let suffix = format!("--{nanos}");
    let mut name = format!("{env_id}--{task_id}");
    name.truncate(NAME_MAX.saturating_sub(suffix.len()));
    name + &suffix
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(env_id: &str, folder: &str, intent: StagedIntent) -> StagedName {
        StagedName {
            env_id: env_id.into(),
            folder: folder.into(),
            intent,
            nanos: 1_767_225_600_123_456_789,
        }
    }

    #[test]
    fn a_name_reads_back_as_written_for_every_intent_and_folder_shape() {
        for intent in [
            StagedIntent::Remove,
            StagedIntent::Archive,
            StagedIntent::Discard,
            StagedIntent::ForceDiscard,
        ] {
            for (env_id, folder) in [
                ("env-1", "c4a5000001"),
                ("env--2_x", "task--with--dashes"),
                ("env-1", "c4a5000001.bak-1767225600"),
            ] {
                let written = name(env_id, folder, intent);
                let text = written.format();
                assert_eq!(
                    text.as_deref().and_then(StagedName::parse),
                    Some(written),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn other_names_carry_no_intent() {
        for other in [
            "env-1--c4a5000001--1767225600123456789",
            "env-1--t.bak-1--12",
            "env-1.t1.discard.12x",
            "env-1.t1.explode.12",
            "env.1.t1.discard.12",
            "env-1.../t1.discard.12",
            "env-1..discard.12",
            "",
        ] {
            assert_eq!(StagedName::parse(other), None, "{other:?}");
        }
    }

    #[test]
    fn a_name_too_long_for_a_file_name_is_not_written_and_the_fallback_is_cut() {
        let long = "t".repeat(250);
        assert_eq!(name("env-1", &long, StagedIntent::Discard).format(), None);
        let fallback = fallback_name("env-1", &long, 12);
        assert_eq!(fallback.len(), NAME_MAX);
        assert!(fallback.ends_with("--12"));
    }
}
