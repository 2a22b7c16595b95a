//! Tests that cut across reading, editing and archiving.

use super::*;
use crate::store::paths;

#[test]
fn legacy_json_records_are_never_written_moved_or_restored()
-> Result<(), Box<dyn std::error::Error>> {
    let data = tempfile::tempdir()?;
    let active = paths::active_tasks_dir(data.path());
    let done = paths::archived_tasks_dir(data.path());
    std::fs::create_dir_all(&done)?;
    let json = "{\"task_id\": \"t1\", \"status\": \"done\"}";
    std::fs::write(active.join("t1.json"), json)?;
    std::fs::write(done.join("t2.json"), json.replace("t1", "t2"))?;
    let edit = TaskEdit {
        status: Some("discarded".into()),
        append_logs: vec!["x".into()],
        ..TaskEdit::default()
    };
    assert!(matches!(
        edit_record(&active.join("t1.json"), "t1", &edit),
        Err(StoreError::Legacy { .. })
    ));
    assert!(matches!(
        archive_record(&active.join("t1.json")),
        Err(StoreError::Legacy { .. })
    ));
    let restored = restore_record(data.path(), "t2");
    assert!(
        matches!(&restored, Err(StoreError::Legacy { path }) if *path == done.join("t2.json")),
        "{restored:?}"
    );
    assert_eq!(std::fs::read_to_string(active.join("t1.json"))?, json);
    assert!(done.join("t2.json").exists() && !active.join("t2.toml").exists());
    assert_eq!(read_record(&active.join("t1.json"), false)?.task_id, "t1");
    Ok(())
}
