//! The worker's commands about what waits in staging or the trash: finishing what a
//! crash or a cancel left, Undo, and which workspaces the trash holds.

use super::{Event, State};
use crate::executor::{EngineEvent, Level, LogLine, UndoItem};
use std::path::PathBuf;

impl State {
    /// Finishes what a crash or a cancel left in staging (the record changes the staged
    /// names carry, then the deletes); the window counts what they free. The number of
    /// records it changed.
    pub(super) fn finish_staged(&self) -> usize {
        let emit = self.engine_emit();
        match self.executor().finish_staged(&emit) {
            Ok(resumed) => {
                self.emit(Event::StagingFinished {
                    bytes_freed: resumed.bytes_freed,
                    ran: true,
                });
                resumed.records_finished
            }
            Err(err) => {
                emit(EngineEvent::Log(LogLine {
                    level: Level::Warn,
                    text: format!("[cleanup] {err}"),
                }));
                self.emit(Event::StagingFinished {
                    bytes_freed: 0,
                    ran: false,
                });
                0
            }
        }
    }

    pub(super) fn undo(&mut self, items: &[UndoItem]) {
        let emit = self.engine_emit();
        let result = self
            .executor()
            .undo(items, &emit)
            .map_err(|err| err.to_string());
        drop(emit);
        // A workspace put back is sized again.
        for outcome in result.iter().flatten() {
            if let Some(path) = &outcome.workspace {
                self.usage.remove(path);
            }
        }
        self.emit(Event::Undone(result));
        self.load(false);
    }

    pub(super) fn look_in_trash(&self, paths: Vec<PathBuf>) {
        let found = paths
            .into_iter()
            .filter(|path| self.filesystem.in_trash(path).unwrap_or(false))
            .collect();
        self.emit(Event::InTrash(found));
    }
}
