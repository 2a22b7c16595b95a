//! Tests of task record edits: what changes, what stays, and another writer.

use super::*;
use crate::store::tasks::record::parse_record;
use crate::store::tasks::{SAMPLE, read_record};

#[test]
fn an_edit_changes_only_what_it_names() -> Result<(), Box<dyn std::error::Error>> {
    let edit = TaskEdit {
        status: Some("discarded".into()),
        finished_at_if_unset: Some("2026-11-25T10:41:43.617551+00:00".into()),
        append_logs: vec!["[cleanup] Workspace cleaned up".into()],
    };
    let (text, outcome) = apply_edit(SAMPLE.as_bytes(), Path::new("x"), "abc123def0", &edit)?;
    assert!(outcome.logs_appended);
    // Only the status value, the new finished_at key (toml_edit appends new keys after
    // the existing top-level ones) and the new log line differ from the original.
    let want = SAMPLE
            .replace("status = \"done\"   #", "status = \"discarded\"   #")
            .replace(
                "    \"line two\",\n]\n",
                "    \"line two\",\n    \"[cleanup] Workspace cleaned up\",\n]\nfinished_at = \"2026-11-25T10:41:43.617551+00:00\"\n",
            );
    assert_eq!(text, want);
    let reparsed = parse_record(text.as_bytes(), Path::new("x"), false)?;
    assert_eq!(reparsed.status, "discarded");
    assert_eq!(reparsed.log_count, 3);
    assert_eq!(
        reparsed.finished_at.as_deref(),
        Some("2026-11-25T10:41:43.617551+00:00")
    );
    Ok(())
}

#[test]
fn an_existing_finished_at_is_kept_and_an_unreadable_one_replaced()
-> Result<(), Box<dyn std::error::Error>> {
    let edit = TaskEdit {
        status: Some("discarded".into()),
        finished_at_if_unset: Some("2026-11-25T10:41:43.617551+00:00".into()),
        ..TaskEdit::default()
    };
    let table = [
        (
            "finished_at = \"2026-11-20T09:00:00Z\"",
            "finished_at = \"2026-11-20T09:00:00Z\"",
        ),
        (
            "finished_at = \"2026-11-20T09:00:00.5+02:00\"",
            "finished_at = \"2026-11-20T09:00:00.5+02:00\"",
        ),
        (
            "finished_at = \"\"",
            "finished_at = \"2026-11-25T10:41:43.617551+00:00\"",
        ),
        (
            "finished_at = \"soon\"",
            "finished_at = \"2026-11-25T10:41:43.617551+00:00\"",
        ),
        (
            "finished_at = 5",
            "finished_at = \"2026-11-25T10:41:43.617551+00:00\"",
        ),
    ];
    for (before, after) in table {
        let text = format!("task_id = \"t\"\n{before}\n");
        let (edited, _) = apply_edit(text.as_bytes(), Path::new("x"), "t", &edit)?;
        assert_eq!(
            edited,
            format!("task_id = \"t\"\n{after}\nstatus = \"discarded\"\n"),
            "{before}"
        );
    }
    Ok(())
}

#[test]
fn an_edit_refuses_another_task_and_bad_logs_are_left_alone()
-> Result<(), Box<dyn std::error::Error>> {
    let err = apply_edit(
        SAMPLE.as_bytes(),
        Path::new("x"),
        "other",
        &TaskEdit::default(),
    );
    assert!(matches!(err, Err(StoreError::WrongTask { .. })));
    let edit = TaskEdit {
        append_logs: vec!["x".into()],
        ..TaskEdit::default()
    };
    let (text, outcome) = apply_edit(b"task_id = \"t\"\nlogs = 3\n", Path::new("x"), "t", &edit)?;
    assert!(!outcome.logs_appended);
    assert_eq!(text, "task_id = \"t\"\nlogs = 3\n");
    let (text, _) = apply_edit(b"task_id = \"t\"\n", Path::new("x"), "t", &edit)?;
    assert!(text.contains("logs = [\"x\"]"), "{text}");
    Ok(())
}

#[test]
fn edit_record_keeps_mode_and_never_writes_a_broken_file() -> Result<(), Box<dyn std::error::Error>>
{
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("abc123def0.toml");
    std::fs::write(&path, SAMPLE)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    let edit = TaskEdit {
        status: Some("discarded".into()),
        ..TaskEdit::default()
    };
    edit_record(&path, "abc123def0", &edit)?;
    assert_eq!(read_record(&path, false)?.status, "discarded");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path)?.permissions().mode() & 0o777,
            0o600
        );
    }
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "task_id = [")?;
    assert!(matches!(
        edit_record(&broken, "x", &edit),
        Err(StoreError::Unparsable { .. })
    ));
    assert_eq!(std::fs::read(&broken)?, b"task_id = [");
    Ok(())
}

#[test]
fn a_change_by_another_writer_is_kept_and_our_edit_reapplied()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("t1.toml");
    std::fs::write(&path, "task_id = \"t1\"\nstatus = \"done\"\nlogs = []\n")?;
    let mut reads = 0;
    let mut reader = |p: &Path| {
        reads += 1;
        if reads == 2 {
            // Agents-Runner rewrites the file between our read and our write.
            std::fs::write(
                p,
                "task_id = \"t1\"\nstatus = \"done\"\npr = \"added\"\nlogs = []\n",
            )?;
        }
        std::fs::read(p)
    };
    let edit = TaskEdit {
        append_logs: vec!["[cleanup] x".into()],
        ..TaskEdit::default()
    };
    edit_record_reading(&path, "t1", &edit, &mut reader)?;
    assert_eq!(reads, 4, "read, changed, read again, confirmed");
    let text = std::fs::read_to_string(&path)?;
    assert!(text.contains("pr = \"added\""), "{text}");
    assert!(text.contains("[cleanup] x"), "{text}");
    Ok(())
}

#[test]
fn a_file_that_keeps_changing_is_left_to_the_other_writer() -> Result<(), Box<dyn std::error::Error>>
{
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("t1.toml");
    std::fs::write(&path, "task_id = \"t1\"\n")?;
    let mut generation = 0;
    let mut reader = |p: &Path| {
        generation += 1;
        std::fs::write(p, format!("task_id = \"t1\"\ngeneration = {generation}\n"))?;
        std::fs::read(p)
    };
    let edit = TaskEdit {
        status: Some("discarded".into()),
        ..TaskEdit::default()
    };
    let result = edit_record_reading(&path, "t1", &edit, &mut reader);
    assert!(
        matches!(
            result,
            Err(StoreError::KeepsChanging {
                attempts: EDIT_ATTEMPTS,
                ..
            })
        ),
        "{result:?}"
    );
    assert!(!std::fs::read_to_string(&path)?.contains("discarded"));
    Ok(())
}
