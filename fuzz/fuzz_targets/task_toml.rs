//! Arbitrary bytes as a task file: reading gives a record or a reason, never a panic;
//! a file that does not read as a task is never rewritten by an edit.
#![no_main]

use agents_janitor::store::tasks::{self, TaskEdit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let path = dir.path().join("t1.toml");
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    let read = tasks::read_record(&path, false);
    let edit = TaskEdit {
        status: Some("discarded".into()),
        finished_at_if_unset: Some("2026-11-25T10:41:43.617551+00:00".into()),
        append_logs: vec!["[cleanup] fuzz".into()],
    };
    let task_id = read.as_ref().map_or("t1", |record| record.task_id.as_str());
    let edited = tasks::edit_record(&path, task_id, &edit);
    let after = std::fs::read(&path).unwrap_or_default();
    if read.is_err() {
        assert!(edited.is_err(), "a file that does not read was edited");
        assert_eq!(after, bytes, "a file that does not read was rewritten");
    } else if edited.is_ok() {
        // What we wrote must read back as the same task, discarded.
        let again = tasks::read_record(&path, false);
        assert!(
            again
                .as_ref()
                .is_ok_and(|r| r.task_id == task_id && r.status == "discarded"),
            "the edited file does not read back: {again:?}"
        );
    } else {
        assert_eq!(after, bytes, "a failed edit changed the file");
    }
});
