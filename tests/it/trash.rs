//! Trash mode and restore: `--trash` moves workspaces into the freedesktop home trash
//! (`$XDG_DATA_HOME/Trash`, inside the test's root) from their real path, a failing trash
//! fails only its step, and `restore ID` un-archives a record without ever replacing one.
// The home trash layout and the device checks are those of freedesktop systems.
#![cfg(all(unix, not(target_os = "macos")))]

use crate::common;

use agents_janitor::container::ContainerRuntime;
use agents_janitor::executor::{self, EngineEvent, Executor};
use agents_janitor::lock::DataDirLock;
use agents_janitor::policy::Action;
use agents_janitor::policy::DeleteMode;
use agents_janitor::remove::Filesystem;
use agents_janitor::store::Snapshot;
use agents_janitor::worker::{Command, Event, Worker, WorkerSetup};
use common::mini::{Canaries, ENV, Mini, TestResult, records, status_and_logs};
use common::{Run, tree_digest};
use std::collections::HashMap;
use std::error::Error;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, SystemTime};

/// A guard against hanging, not a timing check.
const PATIENCE: Duration = Duration::from_secs(120);

fn run(mut command: std::process::Command) -> Result<Run, Box<dyn Error>> {
    let output = command.output()?;
    Ok(Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// The home trash the janitor's children use (`XDG_DATA_HOME` is `root/xdg-data`).
fn home_trash(mini: &Mini) -> PathBuf {
    mini.root.path().join("xdg-data").join("Trash")
}

/// The home trash must be on the data dir's filesystem, or trash mode refuses: both
/// are in the test's root, checked here so a failure says so.
fn assert_trash_on_data_filesystem(mini: &Mini) -> TestResult {
    let root = fs::metadata(mini.root.path())?.dev();
    assert_eq!(root, fs::metadata(&mini.data_dir)?.dev());
    Ok(())
}

/// Asserts the trash holds `original`'s tree (as `digest`) with a `.trashinfo` whose
/// `Path` is `original`, so a file manager's "Restore" puts it back there.
fn assert_in_trash(
    mini: &Mini,
    original: &Path,
    digest: &std::collections::BTreeMap<String, String>,
) -> TestResult {
    let name = original.file_name().ok_or("no file name")?;
    let trash = home_trash(mini);
    let trashed = trash.join("files").join(name);
    assert_eq!(
        &tree_digest(&trashed),
        digest,
        "the tree is whole in the trash"
    );
    let mut info_name = name.to_os_string();
    info_name.push(".trashinfo");
    let info = fs::read_to_string(trash.join("info").join(info_name))?;
    assert!(info.starts_with("[Trash Info]"), "{info}");
    assert!(
        info.lines()
            .any(|line| line == format!("Path={}", original.display())),
        "the trash info names the original path {}:\n{info}",
        original.display()
    );
    assert!(!original.exists(), "gone from its real path");
    Ok(())
}

#[test]
fn discard_with_trash_moves_the_workspace_to_the_home_trash_and_archives_the_record() -> TestResult
{
    let mini = Mini::new()?;
    assert_trash_on_data_filesystem(&mini)?;
    let id = "7a5e000001";
    let other = "7a5e000002";
    mini.add_task(id, ENV, "done")?;
    let workspace = mini.add_workspace(ENV, id, 30)?;
    mini.add_task(other, ENV, "done")?;
    let other_workspace = mini.add_workspace(ENV, other, 5)?;
    let canaries = Canaries::new(&mini, &[other_workspace.as_path()]);
    let digest = tree_digest(&workspace);

    let done = mini.run(&["discard", id, "--trash"])?;
    assert_eq!(done.code, Some(0), "{done}");
    assert_in_trash(&mini, &workspace, &digest)?;
    assert!(
        done.stderr.contains(&format!(
            "[cleanup] Workspace moved to trash: {}",
            workspace.display()
        )),
        "{done}"
    );
    assert!(done.stdout.contains("1 moved to the trash"), "{done}");
    assert!(
        done.stdout.contains("freed when the trash is emptied"),
        "{done}"
    );
    assert!(mini.staged().is_empty(), "nothing goes through staging");
    let (status, logs) = status_and_logs(&mini.archived_record(id))?;
    assert_eq!(status, "discarded");
    assert!(
        logs.iter().any(
            |l| l.starts_with("[cleanup/janitor][INFO] Workspace moved to trash (")
                && l.ends_with("; freed when the trash is emptied)")
        ),
        "{logs:?}"
    );
    assert_eq!(records(&mini.data_dir)?.get(id).map(Vec::len), Some(1));
    canaries.assert_intact("discard --trash");
    Ok(())
}

#[test]
fn sweep_with_trash_moves_old_workspaces_to_the_trash() -> TestResult {
    let mini = Mini::new()?;
    assert_trash_on_data_filesystem(&mini)?;
    let id = "7a5e000011";
    let record = mini.add_task(id, ENV, "done")?;
    let workspace = mini.add_workspace(ENV, id, 10)?;
    let canaries = Canaries::new(&mini, &[]);
    let digest = tree_digest(&workspace);

    let swept = mini.run(&["sweep", "--older-than", "0", "--trash", "--json"])?;
    assert_eq!(swept.code, Some(0), "{swept}");
    let doc = swept.json()?;
    assert_eq!(doc["workspace_action"], "move to trash", "{doc}");
    assert_eq!(doc["plan"]["delete_mode"], "trash", "{doc}");
    assert_eq!(
        doc["result"]["workspaces_trashed"].as_u64(),
        Some(1),
        "{doc}"
    );
    assert_eq!(doc["bytes_freed"].as_u64(), Some(0), "{doc}");
    assert!(doc["bytes_trashed"].as_u64() > Some(0), "{doc}");
    assert_in_trash(&mini, &workspace, &digest)?;
    assert!(
        swept
            .stderr
            .contains("[cleanup] Moved 1 old task workspace(s) to the trash"),
        "{swept}"
    );
    let (_, logs) = status_and_logs(&record)?;
    assert!(
        logs.iter()
            .any(|l| l.starts_with("[cleanup/janitor][INFO] Workspace moved to trash")),
        "{logs:?}"
    );
    canaries.assert_intact("sweep --trash");
    Ok(())
}

#[test]
fn a_dry_run_with_trash_says_move_to_trash_and_changes_nothing() -> TestResult {
    let mini = Mini::new()?;
    let id = "7a5e000021";
    mini.add_task(id, ENV, "done")?;
    mini.add_workspace(ENV, id, 5)?;
    let before = tree_digest(&mini.data_dir);

    let text = mini.run(&["discard", id, "--trash", "--dry-run"])?;
    assert_eq!(text.code, Some(0), "{text}");
    assert!(
        text.stdout.contains("1 workspace(s) to move to trash")
            && text.stdout.contains("to free when the trash is emptied")
            && text
                .stdout
                .contains(&format!("move to trash managed-repos/{ENV}/tasks/{id}")),
        "{text}"
    );
    let json = mini.run(&["discard", id, "--trash", "--dry-run", "--json"])?;
    let doc = json.json()?;
    assert_eq!(doc["workspace_action"], "move to trash", "{doc}");
    assert_eq!(doc["plan"]["delete_mode"], "trash", "{doc}");
    assert!(doc["result"].is_null(), "{doc}");

    assert_eq!(
        tree_digest(&mini.data_dir),
        before,
        "a dry run changes nothing"
    );
    assert!(!home_trash(&mini).exists());
    Ok(())
}

/// Makes `point` a filesystem of its own (a tmpfs); `false` after saying why it cannot.
#[cfg(target_os = "linux")]
fn other_filesystem(point: &Path) -> Result<bool, Box<dyn Error>> {
    common::mounts::tmpfs(point)
}

#[cfg(not(target_os = "linux"))]
fn other_filesystem(point: &Path) -> Result<bool, Box<dyn Error>> {
    common::cannot_run(&format!(
        "no second filesystem for the trash here, and no tmpfs for {}",
        point.display()
    ))?;
    Ok(false)
}

#[test]
fn a_trash_on_another_filesystem_is_refused_and_the_workspace_stays() -> TestResult {
    let mini = Mini::new()?;
    // The mini data dir is on /dev/shm where there is room; the usual temp dir may be
    // on another filesystem. Where both are the same, a tmpfs in the mini's temp dir
    // (taken down by its `Drop`) is the other filesystem.
    let usual = tempfile::tempdir()?;
    let elsewhere = if fs::metadata(usual.path())?.dev() != fs::metadata(&mini.data_dir)?.dev() {
        usual.path().to_path_buf()
    } else {
        let point = mini.root.path().join("elsewhere");
        fs::create_dir(&point)?;
        if !other_filesystem(&point)? {
            return Ok(());
        }
        point
    };
    let id = "7a5e000031";
    mini.add_task(id, ENV, "done")?;
    let workspace = mini.add_workspace(ENV, id, 5)?;
    let digest = tree_digest(&workspace);
    let canaries = Canaries::new(&mini, &[]);

    let mut command = mini.janitor(&["discard", id, "--trash"])?;
    command.env("XDG_DATA_HOME", &elsewhere);
    let refused = run(command)?;
    assert_eq!(refused.code, Some(1), "{refused}");
    let said = format!(
        "[cleanup] ERROR: Failed to move task workspace to the trash: {}: the trash {} is on another filesystem",
        workspace.display(),
        elsewhere.join("Trash").display()
    );
    assert!(refused.stderr.contains(&said), "{refused}");
    assert_eq!(tree_digest(&workspace), digest, "the workspace stays whole");
    assert!(!elsewhere.join("Trash").exists(), "nothing was copied");
    let (status, logs) = status_and_logs(&mini.archived_record(id))?;
    assert_eq!(
        status, "discarded",
        "the record change stands, as in delete mode"
    );
    assert!(
        logs.iter()
            .any(|l| l.contains("Failed to move task workspace to the trash"))
    );
    canaries.assert_intact("a refused trash");
    Ok(())
}

/// The real filesystem, with a trash that fails for one workspace and, for the others,
/// moves them into a folder of the test's (the real trash reads this process's HOME).
struct FailingTrash {
    fails: PathBuf,
    bin: PathBuf,
}

impl Filesystem for FailingTrash {
    fn trash(&self, path: &Path, _data_dir: &Path) -> io::Result<()> {
        if path == self.fails {
            return Err(io::Error::other("injected: no trash can be used"));
        }
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::other("no name"))?;
        fs::rename(path, self.bin.join(name))
    }
}

#[test]
fn a_failing_trash_fails_its_step_only_and_keeps_the_workspace() -> TestResult {
    let mini = Mini::new()?;
    let failing = "7a5e000041";
    let fine = "7a5e000042";
    for id in [failing, fine] {
        mini.add_task(id, ENV, "done")?;
        mini.add_workspace(ENV, id, 5)?;
    }
    let kept = mini.workspace(ENV, failing);
    let digest = tree_digest(&kept);
    let bin = mini.root.path().join("bin-for-the-test");
    fs::create_dir_all(&bin)?;
    let canaries = Canaries::new(&mini, &[]);

    let snapshot = Snapshot::load(&mini.data_dir)?;
    let cancel = Arc::new(AtomicBool::new(false));
    let action = Action::Discard {
        task_ids: vec![failing.into(), fine.into()],
        force: false,
    };
    let plan = executor::prepare(
        &action,
        &snapshot,
        &mut HashMap::new(),
        &cancel,
        SystemTime::now(),
        DeleteMode::Trash,
    )?;
    let executor = Executor::with_filesystem(
        &snapshot.data_dir,
        cancel,
        ContainerRuntime {
            program: "true".into(),
            timeout: PATIENCE,
        },
        Arc::new(FailingTrash {
            fails: kept.clone(),
            bin: bin.clone(),
        }),
    );
    let lines = std::sync::Mutex::new(Vec::new());
    let emit = |event: EngineEvent| {
        if let (EngineEvent::Log(line), Ok(mut lines)) = (event, lines.lock()) {
            lines.push(line.text);
        }
    };
    let report = executor.execute(&plan, &emit)?;
    let lines = lines.into_inner().map_err(|_| "log lock poisoned")?;

    assert_eq!((report.steps_ok, report.steps_failed), (1, 1), "{report:?}");
    assert_eq!(report.workspaces_trashed, 1);
    assert_eq!(report.bytes_freed, 0);
    let said = format!(
        "[cleanup] ERROR: Failed to move task workspace to the trash: {}: injected: no trash can be used",
        kept.display()
    );
    assert!(lines.contains(&said), "{lines:#?}");
    let failed = report
        .outcomes
        .iter()
        .find(|o| o.task_id == failing)
        .ok_or("no outcome")?;
    assert!(!failed.ok && !failed.workspace_removed && !failed.workspace_trashed);
    // The task's record gets the same failure in Agents-Runner's form.
    let in_record = said.replace("[cleanup] ERROR: ", "[cleanup/janitor][ERROR] ");
    assert_eq!(failed.messages.last(), Some(&in_record));
    assert_eq!(
        tree_digest(&kept),
        digest,
        "the workspace stays where it was"
    );
    assert!(bin.join(fine).is_dir() && !mini.workspace(ENV, fine).exists());
    // Both records are archived once, parse, and say what happened.
    let found = records(&mini.data_dir)?;
    for id in [failing, fine] {
        assert_eq!(found.get(id).map(Vec::len), Some(1), "{found:?}");
        let (status, _) = status_and_logs(&mini.archived_record(id))?;
        assert_eq!(status, "discarded");
    }
    let (_, logs) = status_and_logs(&mini.archived_record(failing))?;
    assert!(logs.contains(&in_record), "{logs:?}");
    canaries.assert_intact("a failing trash");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// restore
// ---------------------------------------------------------------------------------------

/// A task archived by a real discard, so the record is exactly what the janitor leaves.
fn archived_task(mini: &Mini, id: &str) -> Result<Vec<u8>, Box<dyn Error>> {
    mini.add_task(id, ENV, "done")?;
    let done = mini.run(&["discard", id])?;
    assert_eq!(done.code, Some(0), "{done}");
    Ok(fs::read(mini.archived_record(id))?)
}

#[test]
fn restore_moves_the_archived_record_back_byte_for_byte() -> TestResult {
    let mini = Mini::new()?;
    let id = "7a5e000051";
    let bytes = archived_task(&mini, id)?;
    let canaries = Canaries::new(&mini, &[]);

    let restored = mini.run(&["restore", id, "--json"])?;
    assert_eq!(restored.code, Some(0), "{restored}");
    let doc = restored.json()?;
    assert_eq!(doc["restored"], true, "{doc}");
    assert_eq!(
        doc["record"].as_str().map(PathBuf::from),
        Some(mini.active_record(id))
    );
    assert!(
        restored
            .stderr
            .contains(&format!("[cleanup] Restored task {id} from the archive")),
        "{restored}"
    );
    assert_eq!(fs::read(mini.active_record(id))?, bytes, "byte-identical");
    assert!(!mini.archived_record(id).exists());
    canaries.assert_intact("restore");

    // Listed as active again.
    let listed = mini.run(&["list", "--json"])?;
    let rows = listed.json()?;
    let row = rows
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["task_id"] == id))
        .ok_or("not listed as active")?;
    assert_eq!(row["archived"], false);
    Ok(())
}

#[test]
fn restore_is_refused_while_an_active_record_exists_and_touches_neither() -> TestResult {
    let mini = Mini::new()?;
    let id = "7a5e000061";
    let archived = archived_task(&mini, id)?;
    // Agents-Runner wrote the task again: under its usual name, then under another one.
    let active = mini.add_task(id, ENV, "running")?;
    let active_bytes = fs::read(&active)?;
    let renamed = active.with_file_name("renamed.toml");
    for path in [active.clone(), renamed.clone()] {
        if path == renamed {
            fs::rename(&active, &renamed)?;
        }
        let refused = mini.run(&["restore", id])?;
        assert_eq!(refused.code, Some(1), "{refused}");
        assert!(
            refused.stderr.contains(&format!(
                "task {id} already has an active record: {}",
                path.display()
            )),
            "{refused}"
        );
        assert_eq!(
            fs::read(&path)?,
            active_bytes,
            "the active record is untouched"
        );
        assert_eq!(
            fs::read(mini.archived_record(id))?,
            archived,
            "the archived one too"
        );
    }
    Ok(())
}

#[test]
fn restore_refuses_unknown_and_unsafe_ids_and_a_held_lock() -> TestResult {
    let mini = Mini::new()?;
    let id = "7a5e000071";
    let archived = archived_task(&mini, id)?;
    // The lock file records its last holder: everything else must stay as it was.
    let data_digest = || {
        let mut digest = tree_digest(&mini.data_dir);
        digest.remove(agents_janitor::lock::LOCK_FILE);
        digest
    };
    let before = data_digest();

    let unknown = mini.run(&["restore", "7a5e0000ff"])?;
    assert_eq!(unknown.code, Some(1), "{unknown}");
    assert!(
        unknown.stderr.contains("has no archived record"),
        "{unknown}"
    );
    for unsafe_id in [
        "../tasks/done/7a5e000071",
        "done/7a5e000071",
        "..",
        "a.b",
        "",
    ] {
        let refused = mini.run(&["restore", unsafe_id])?;
        assert_eq!(refused.code, Some(2), "{unsafe_id:?}: {refused}");
        assert!(
            refused.stderr.contains("is not a plain task id"),
            "{refused}"
        );
    }
    {
        let _held = DataDirLock::acquire(&mini.data_dir, "a test")?;
        let locked = mini.run(&["restore", id])?;
        assert_eq!(locked.code, Some(1), "{locked}");
        assert!(locked.stderr.contains("another agents-janitor"), "{locked}");
    }
    assert_eq!(data_digest(), before, "nothing changed");
    assert_eq!(fs::read(mini.archived_record(id))?, archived);
    Ok(())
}

#[test]
fn the_worker_restores_and_reloads() -> TestResult {
    let mini = Mini::new()?;
    let id = "7a5e000081";
    archived_task(&mini, id)?;
    let worker = Worker::spawn_with(
        mini.data_dir.clone(),
        WorkerSetup::default(),
        Arc::new(|| {}),
    );
    let wait_for = |done: &dyn Fn(&Event) -> bool| -> Result<Event, Box<dyn Error>> {
        loop {
            let event = worker.events().recv_timeout(PATIENCE)?;
            if done(&event) {
                return Ok(event);
            }
        }
    };
    assert!(worker.send(Command::Restore(id.into())));
    let Event::Restored { task_id, result } = wait_for(&|e| matches!(e, Event::Restored { .. }))?
    else {
        return Err("no Restored event".into());
    };
    assert_eq!(task_id, id);
    assert_eq!(result, Ok(mini.active_record(id)));
    let Event::Loaded(snapshot) = wait_for(&|e| matches!(e, Event::Loaded(_)))? else {
        return Err("no reload".into());
    };
    assert_eq!(snapshot.find_task(id).map(|t| t.archived), Some(false));

    assert!(worker.send(Command::Restore(id.into())));
    let Event::Restored { result, .. } = wait_for(&|e| matches!(e, Event::Restored { .. }))? else {
        return Err("no Restored event".into());
    };
    assert!(
        result
            .as_ref()
            .is_err_and(|e| e.contains("already has an active record")),
        "{result:?}"
    );
    Ok(())
}
