//! Tests of archiving and restoring task records.

use super::*;

#[test]
fn an_archive_clash_ends_like_agents_runners_the_new_record_takes_the_name()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let active = dir.path().join("t1.toml");
    std::fs::write(&active, "task_id = \"t1\"\nstatus = \"first\"\n")?;
    let first = archive_record(&active)?;
    assert_eq!(first, dir.path().join("done").join("t1.toml"));
    assert!(!active.exists());

    std::fs::write(&active, "task_id = \"t1\"\nstatus = \"second\"\n")?;
    let second = archive_record(&active)?;
    assert_eq!(
        second, first,
        "the record being archived takes done/<id>.toml"
    );
    assert!(std::fs::read_to_string(&second)?.contains("second"));
    let names: Vec<String> = std::fs::read_dir(dir.path().join("done"))?
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    let dups: Vec<&String> = names.iter().filter(|n| n.starts_with("t1.dup-")).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let [dup] = dups.as_slice() else {
        return Err(format!("{names:?}").into());
    };
    assert!(dup.ends_with(".toml"), "{dup}");
    assert!(
        std::fs::read_to_string(dir.path().join("done").join(dup))?.contains("first"),
        "the older copy moved aside"
    );
    Ok(())
}

#[test]
fn restore_takes_the_archived_original_then_the_newest_duplicate()
-> Result<(), Box<dyn std::error::Error>> {
    let data = tempfile::tempdir()?;
    let active = paths::active_tasks_dir(data.path());
    let done = paths::archived_tasks_dir(data.path());
    std::fs::create_dir_all(&done)?;
    let write = |name: &str, text: &str| std::fs::write(done.join(name), text);
    write(
        "t1.dup-100.toml",
        "task_id = \"t1\"\nstatus = \"old dup\"\n",
    )?;
    write("t1.toml", "task_id = \"t1\"\nstatus = \"original\"\n")?;
    write(
        "t1.dup-200.toml",
        "task_id = \"t1\"\nstatus = \"new dup\"\n",
    )?;
    write("other.toml", "task_id = \"t2\"\n")?;

    let restored = restore_record(data.path(), "t1")?;
    assert_eq!(restored, active.join("t1.toml"));
    assert!(std::fs::read_to_string(&restored)?.contains("original"));
    assert!(done.join("t1.dup-100.toml").exists() && done.join("t1.dup-200.toml").exists());

    // With the original gone (restored, then moved away), the newest duplicate.
    std::fs::rename(&restored, data.path().join("elsewhere.toml"))?;
    let restored = restore_record(data.path(), "t1")?;
    assert!(std::fs::read_to_string(&restored)?.contains("new dup"));
    assert!(!done.join("t1.dup-200.toml").exists());

    // A task id under another file name is found by its content.
    let restored = restore_record(data.path(), "t2")?;
    assert_eq!(restored, active.join("t2.toml"));
    assert!(!done.join("other.toml").exists());
    Ok(())
}

#[test]
fn restore_refuses_and_changes_nothing() -> Result<(), Box<dyn std::error::Error>> {
    let data = tempfile::tempdir()?;
    let active = paths::active_tasks_dir(data.path());
    let done = paths::archived_tasks_dir(data.path());
    std::fs::create_dir_all(&done)?;
    std::fs::write(done.join("t1.toml"), "task_id = \"t1\"\n")?;
    for id in ["", ".", "..", "../t1", "done/t1", "t1.toml", "a b"] {
        assert!(
            matches!(
                restore_record(data.path(), id),
                Err(StoreError::InvalidTaskId(_))
            ),
            "{id:?}"
        );
    }
    assert!(matches!(
        restore_record(data.path(), "t9"),
        Err(StoreError::NotArchived { .. })
    ));
    // An active record under another name, then one that does not parse under the
    // task's own name: both block the restore.
    std::fs::write(active.join("renamed.toml"), "task_id = \"t1\"\n")?;
    assert!(matches!(
        restore_record(data.path(), "t1"),
        Err(StoreError::ActiveExists { path, .. }) if path == active.join("renamed.toml")
    ));
    std::fs::remove_file(active.join("renamed.toml"))?;
    std::fs::write(active.join("t1.toml"), "not toml [")?;
    assert!(matches!(
        restore_record(data.path(), "t1"),
        Err(StoreError::ActiveExists { .. })
    ));
    assert_eq!(
        std::fs::read_to_string(active.join("t1.toml"))?,
        "not toml ["
    );
    assert_eq!(
        std::fs::read_to_string(done.join("t1.toml"))?,
        "task_id = \"t1\"\n"
    );
    Ok(())
}

#[test]
fn moving_without_replacing_never_overwrites() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let (from, to) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::write(&from, "a")?;
    std::fs::write(&to, "b")?;
    let err = move_no_replace(&from, &to).err().ok_or("replaced a file")?;
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read_to_string(&to)?, "b");
    std::fs::remove_file(&to)?;
    move_no_replace(&from, &to)?;
    assert_eq!(std::fs::read_to_string(&to)?, "a");
    assert!(!from.exists());
    Ok(())
}
