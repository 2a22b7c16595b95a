//! Mount points inside the data directory, made with real `mount --bind` of folders on
//! the *same* filesystem (same device number, so only mount identity finds them) and
//! tmpfs: a workspace that is one or holds one is refused before anything moves, by
//! every command, in delete and in trash mode, also when the mount appears after the
//! plan; sizes never count what is behind a mount. The mounted folders are canaries:
//! byte-identical afterwards, with no new entries. Root only: where mounting is not
//! permitted each test says so and passes, and fails under `CI=1`. Every mount is taken
//! down by the fixtures' `Drop` before their temp dir is deleted (`common::mounts`).
#![cfg(target_os = "linux")]

use crate::common;

use agents_janitor::policy::Action;
use agents_janitor::policy::DeleteMode;
use agents_janitor::remove::{Filesystem, RealFilesystem, Remover, Staging, WorkspaceTarget};
use agents_janitor::store::{FolderKind, WorkspaceType};
use agents_janitor::worker::{Command, Event, Unattended, Worker, WorkerSetup};
use common::mini::{Canaries, ENV, Mini, Paused, TestResult, plant};
use common::{Fixture, Run, mounts, run};
use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, SystemTime};

/// A guard against hanging, not a timing check.
const PATIENCE: Duration = Duration::from_secs(120);

/// The issue's exact scenario on a demo data directory: a folder of the user's bind
/// mounted inside a workspace, then `discard --force`.
#[test]
fn the_issues_scenario_keeps_the_users_mounted_folder() -> TestResult {
    let fixture = Fixture::new()?;
    let task = "a13f5c7e01";
    let workspace = fixture.workspace("env-3f9a1c7e", task);
    let notes = fixture.root.path().join("notes");
    fs::create_dir_all(&notes)?;
    fs::write(notes.join("keep"), "keep\n")?;
    let mount_point = workspace.join("mnt");
    fs::create_dir_all(&mount_point)?;
    if !mounts::bind(&notes, &mount_point)? {
        return Ok(());
    }
    let canaries = Canaries::of([notes.as_path(), fixture.outside.as_path(), &workspace]);

    let output = run(&fixture, &["discard", "--force", task])?;
    canaries.assert_intact("discard --force");
    assert_eq!(fs::read_to_string(notes.join("keep"))?, "keep\n");
    assert_eq!(output.code, Some(1), "{output}");
    output.assert_left_alone(
        &mount_point,
        &format!(
            "{} is a mount point: unmount it first",
            mount_point.display()
        ),
    );
    Ok(())
}

/// The task every case works on.
const ID: &str = "b1d0000001";

/// A mini data dir with the finished task [`ID`], its workspace (30 files in `d000/`),
/// and the user's folder `notes` beside the data dir, on the same filesystem.
struct Case {
    mini: Mini,
    workspace: PathBuf,
    notes: PathBuf,
    record: PathBuf,
}

impl Case {
    fn new() -> Result<Self, Box<dyn Error>> {
        let mini = Mini::new()?;
        let record = mini.add_task(ID, ENV, "done")?;
        let workspace = mini.add_workspace(ENV, ID, 30)?;
        fs::create_dir_all(workspace.join("d000/deeper"))?;
        let notes = fs::canonicalize(mini.root.path())?.join("notes");
        plant(&notes, "the user's notes")?;
        Ok(Self {
            mini,
            workspace,
            notes,
            record,
        })
    }

    /// Bind mounts `notes` at `relative` in the workspace (`""`: the workspace itself);
    /// `None` where mounting is not permitted (said, and an error under `CI=1`).
    fn bind_notes(&self, relative: &str) -> Result<Option<PathBuf>, Box<dyn Error>> {
        let mount_point = if relative.is_empty() {
            self.workspace.clone()
        } else {
            self.workspace.join(relative)
        };
        fs::create_dir_all(&mount_point)?;
        Ok(mounts::bind(&self.notes, &mount_point)?.then_some(mount_point))
    }

    /// The canaries: the user's folder, the trees beside and inside the data dir, and the
    /// workspace as it is now (mounts included).
    fn canaries(&self) -> Canaries {
        Canaries::new(&self.mini, &[&self.notes, &self.workspace])
    }

    fn run(&self, args: &[&str]) -> Result<Run, Box<dyn Error>> {
        self.mini.run(args)
    }

    /// Asserts the run refused the task for `mount_point` and that nothing changed: the
    /// canaries, the record (byte for byte), nothing staged, nothing in any trash and no
    /// trash folder made anywhere.
    fn assert_refused(
        &self,
        output: &Run,
        mount_point: &Path,
        canaries: &Canaries,
        record: &[u8],
        what: &str,
    ) -> TestResult {
        canaries.assert_intact(what);
        assert_eq!(output.code, Some(1), "{what}: {output}");
        let said = format!(
            "{} is a mount point: unmount it first",
            mount_point.display()
        );
        assert!(
            output.stdout.contains(&said) && output.stderr.contains(&said),
            "{what}: the plan and the log name the mount point:\n{output}"
        );
        assert_eq!(fs::read(&self.record)?, record, "{what}: record unchanged");
        assert!(self.mini.staged().is_empty(), "{what}: nothing staged");
        self.assert_no_trash(what)
    }

    /// No trash folder anywhere under the test's root (the home trash included).
    fn assert_no_trash(&self, what: &str) -> TestResult {
        let found = names_under(self.mini.root.path(), &|name| name.starts_with(".Trash"))?;
        assert!(found.is_empty(), "{what}: trash folders made: {found:?}");
        let home_trash = self.mini.root.path().join("xdg-data/Trash/files");
        let trashed = fs::read_dir(&home_trash).map_or(0, |dir| dir.count());
        assert_eq!(trashed, 0, "{what}: nothing in the home trash");
        Ok(())
    }
}

/// Every path under `root` whose file name passes `wanted` (symlinks not followed).
fn names_under(root: &Path, wanted: &dyn Fn(&str) -> bool) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(root)? {
        let path = entry?.path();
        if path
            .file_name()
            .is_some_and(|name| wanted(&name.to_string_lossy()))
        {
            found.push(path.clone());
        }
        if fs::symlink_metadata(&path)?.is_dir() {
            found.extend(names_under(&path, wanted)?);
        }
    }
    Ok(found)
}

/// `args` with `--trash` in trash mode.
fn with_mode<'a>(args: &[&'a str], trash: bool) -> Vec<&'a str> {
    let mut all = args.to_vec();
    if trash {
        all.push("--trash");
    }
    all
}

fn mode_name(trash: bool) -> &'static str {
    if trash { "trash mode" } else { "delete mode" }
}

/// `discard --force` of a workspace with the user's folder bind mounted at `relative`,
/// in delete and in trash mode: refused before anything moves.
fn discard_is_refused_with_notes_at(relative: &str) -> TestResult {
    for trash in [false, true] {
        let case = Case::new()?;
        let Some(mount_point) = case.bind_notes(relative)? else {
            return Ok(());
        };
        let canaries = case.canaries();
        let record = fs::read(&case.record)?;
        let output = case.run(&with_mode(&["discard", "--force", ID], trash))?;
        let what = format!("discard {} with a mount at {relative:?}", mode_name(trash));
        case.assert_refused(&output, &mount_point, &canaries, &record, &what)?;
    }
    Ok(())
}

#[test]
fn a_bind_mount_inside_a_workspace_is_refused_before_anything_moves() -> TestResult {
    discard_is_refused_with_notes_at("mnt")
}

/// In trash mode the trash crate took such a workspace for a mount's top folder and
/// made `.Trash-0` inside it (inside the user's folder), recursively.
#[test]
fn a_workspace_that_is_itself_a_bind_mount_is_refused_before_anything_moves() -> TestResult {
    discard_is_refused_with_notes_at("")
}

#[test]
fn a_bind_mount_two_levels_down_is_refused_before_anything_moves() -> TestResult {
    discard_is_refused_with_notes_at("d000/deeper/mnt")
}

/// A mount made after the plan, before the first step: the executor's check before the
/// step refuses it, and the record is not changed either.
#[test]
fn a_mount_made_after_the_plan_is_refused_before_anything_changes() -> TestResult {
    for relative in ["mnt", ""] {
        for trash in [false, true] {
            let case = Case::new()?;
            let record = fs::read(&case.record)?;
            let args = with_mode(&["discard", ID], trash);
            let paused = Paused::start(&case.mini, &args, "execute-start")?;
            let Some(mount_point) = case.bind_notes(relative)? else {
                return Ok(());
            };
            let canaries = case.canaries();
            let output = paused.resume()?;
            let what = format!("{} with a mount made at {relative:?}", mode_name(trash));
            canaries.assert_intact(&what);
            assert_eq!(output.code, Some(1), "{what}: {output}");
            let refusal = format!(
                "[cleanup] Refusing to remove {}: {} is a mount point: unmount it first",
                case.workspace.display(),
                mount_point.display()
            );
            assert!(output.stderr.contains(&refusal), "{what}: {output}");
            assert_eq!(fs::read(&case.record)?, record, "{what}: record unchanged");
            assert!(case.mini.staged().is_empty(), "{what}: nothing staged");
            case.assert_no_trash(&what)?;
        }
    }
    Ok(())
}

/// A mount made after the step changed the record (between the container removal and
/// the move): the remover's own check right before the rename or the trash refuses it.
#[test]
fn a_mount_made_right_before_the_move_is_refused_by_the_remover() -> TestResult {
    for trash in [false, true] {
        let case = Case::new()?;
        let args = with_mode(&["discard", ID], trash);
        let paused = Paused::start(&case.mini, &args, "container-removed")?;
        let Some(mount_point) = case.bind_notes("d000/mnt")? else {
            return Ok(());
        };
        let canaries = case.canaries();
        let output = paused.resume()?;
        let what = format!("{} with a mount made before the move", mode_name(trash));
        canaries.assert_intact(&what);
        assert_eq!(output.code, Some(1), "{what}: {output}");
        let refusal = format!(
            "Refusing to remove {}: {} is a mount point: unmount it first",
            case.workspace.display(),
            mount_point.display()
        );
        assert!(output.stderr.contains(&refusal), "{what}: {output}");
        assert!(case.mini.staged().is_empty(), "{what}: nothing staged");
        case.assert_no_trash(&what)?;
        let archived = fs::read_to_string(case.mini.archived_record(ID))?;
        assert!(
            archived.contains(&refusal),
            "{what}: the task's logs say why"
        );
    }
    Ok(())
}

/// Sets the mtime of `path` and everything under it three days back (not through
/// mounts: call it before mounting).
fn make_old(path: &Path) -> TestResult {
    let old = filetime::FileTime::from_system_time(
        SystemTime::now() - Duration::from_secs(3 * 24 * 3600),
    );
    if fs::symlink_metadata(path)?.is_dir() {
        for entry in fs::read_dir(path)? {
            make_old(&entry?.path())?;
        }
    }
    filetime::set_file_mtime(path, old)?;
    Ok(())
}

/// Archive, complete, sweep, quotas and orphans go through the same refusal, in both
/// modes, and exit 1 although no task was named.
#[test]
fn every_command_refuses_a_workspace_holding_a_bind_mount() -> TestResult {
    let commands: [&[&str]; 5] = [
        &["archive"],
        &["complete", ID],
        &["sweep", "--older-than", "1h"],
        &["enforce-quotas"],
        &["orphans", "--delete"],
    ];
    for command in commands {
        for trash in [false, true] {
            let case = Case::new()?;
            let config = case.mini.root.path().join("config.toml");
            fs::write(&config, format!("[quotas.{ENV}]\nlimit = 1\n"))?;
            if command[0] == "orphans" {
                // No record: the workspace is an orphan.
                fs::remove_file(&case.record)?;
            }
            // Old enough for the sweep and the orphans (the mount point made first).
            fs::create_dir_all(case.workspace.join("d000/mnt"))?;
            make_old(&case.workspace)?;
            let Some(mount_point) = case.bind_notes("d000/mnt")? else {
                return Ok(());
            };
            let canaries = case.canaries();
            let record = fs::read(&case.record).unwrap_or_default();
            let config = config.to_str().ok_or("not UTF-8")?;
            let mut args = vec!["--config", config];
            args.extend(with_mode(command, trash));
            let output = case.run(&args)?;
            let what = format!("{command:?} in {}", mode_name(trash));
            canaries.assert_intact(&what);
            assert_eq!(output.code, Some(1), "{what}: {output}");
            let said = format!(
                "{} is a mount point: unmount it first",
                mount_point.display()
            );
            assert!(
                output.stdout.contains(&said) && output.stderr.contains(&said),
                "{what}: {output}"
            );
            assert_eq!(
                fs::read(&case.record).unwrap_or_default(),
                record,
                "{what}: the record is not archived or changed"
            );
            assert!(case.mini.staged().is_empty(), "{what}: nothing staged");
            case.assert_no_trash(&what)?;
        }
    }
    Ok(())
}

/// The real filesystem, with a "trash" that is a folder of the test's: the worker runs
/// in this process, whose own home trash must never be used.
struct TrashInto(PathBuf);

impl Filesystem for TrashInto {
    fn trash(&self, path: &Path, _data_dir: &Path) -> io::Result<()> {
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::other("no name"))?;
        fs::create_dir_all(&self.0)?;
        fs::rename(path, self.0.join(name))
    }
}

/// The window's scheduled cleanup (archive, sweep, auto-clean quotas) refuses it too,
/// and says so in the log and in its notice.
#[test]
fn the_scheduled_cleanup_refuses_a_workspace_holding_a_bind_mount() -> TestResult {
    for mode in [DeleteMode::Delete, DeleteMode::Trash] {
        let case = Case::new()?;
        let Some(mount_point) = case.bind_notes("mnt")? else {
            return Ok(());
        };
        let canaries = case.canaries();
        let record = fs::read(&case.record)?;
        let bin = case.mini.root.path().join("trash-bin");
        let worker = Worker::spawn_with(
            case.mini.data_dir.clone(),
            WorkerSetup {
                filesystem: Arc::new(TrashInto(bin.clone())),
                ..WorkerSetup::default()
            },
            Arc::new(|| {}),
        );
        let mut log = Vec::new();
        let mut wait_for = |done: &dyn Fn(&Event) -> bool| -> Result<Event, Box<dyn Error>> {
            loop {
                let event = worker.events().recv_timeout(PATIENCE)?;
                if let Event::Log(line) = &event {
                    log.push(line.text.clone());
                }
                if done(&event) {
                    return Ok(event);
                }
            }
        };
        assert!(worker.send(Command::Load));
        wait_for(&|e| matches!(e, Event::Loaded(_)))?;
        let action = Action::Scheduled {
            keep_on_error: true,
            allow_unsaved: false,
            clean_done: true,
            older_than_hours: 0.0,
            quotas: BTreeMap::new(),
        };
        assert!(worker.send(Command::RunUnattended(action, mode)));
        let Event::Unattended(outcome) = wait_for(&|e| matches!(e, Event::Unattended(_)))? else {
            return Err("no outcome".into());
        };
        let warnings = match outcome {
            Unattended::Done { warnings, .. } | Unattended::NothingToDo { warnings } => warnings,
            Unattended::Failed(why) => return Err(why.into()),
        };
        let said = format!(
            "{} is a mount point: unmount it first",
            mount_point.display()
        );
        assert!(
            warnings.iter().any(|w| w.contains(&said)),
            "{mode:?}: {warnings:?}"
        );
        assert!(
            log.iter()
                .any(|l| l.starts_with("[cleanup] ERROR: Refused") && l.contains(&said)),
            "{mode:?}: {log:?}"
        );
        drop(worker);
        canaries.assert_intact(&format!("the schedule in {mode:?}"));
        assert_eq!(fs::read(&case.record)?, record);
        case.assert_no_trash(&format!("{mode:?}"))?;
        assert!(!bin.exists(), "{mode:?}: nothing went to the trash");
    }
    Ok(())
}

/// The real filesystem, but blind to mounts before the walk: the checks that refuse a
/// workspace holding a mount see none, so only the walk's own refusal stands between
/// the delete and the user's folder.
struct BlindToMounts;

impl Filesystem for BlindToMounts {
    fn is_mount_point(&self, _path: &Path) -> io::Result<bool> {
        Ok(false)
    }
    fn mount_points_under(&self, _path: &Path) -> io::Result<Vec<PathBuf>> {
        Ok(Vec::new())
    }
}

/// Defence in depth: a bind mount that moved into staging with its workspace is never
/// entered, whatever the device numbers say; the rest is deleted, and a workspace that
/// is itself a mount point cannot even be moved.
#[test]
fn the_delete_walk_never_enters_a_bind_mount_whatever_the_checks_before_it_said() -> TestResult {
    let case = Case::new()?;
    let Some(inside) = case.bind_notes("d000/mnt")? else {
        return Ok(());
    };
    let canaries = Canaries::new(&case.mini, &[&case.notes]);
    let remover = Remover::with_filesystem(
        &case.mini.data_dir,
        Arc::new(AtomicBool::new(false)),
        Arc::new(BlindToMounts),
    );
    let target = WorkspaceTarget {
        env_id: ENV.into(),
        task_id: ID.into(),
        workspace_type: WorkspaceType::Cloned,
        kind: FolderKind::TaskWorkspace,
    };
    let Staging::Staged(staged) = remover.stage(&target)? else {
        return Err("not staged".into());
    };
    let moved = staged.staged.join(inside.strip_prefix(&case.workspace)?);
    assert_eq!(mounts::mounted_under(&staged.staged), vec![moved.clone()]);
    let report = remover.purge(&staged.staged, &|_, _| {});
    canaries.assert_intact("the blind delete");
    assert!(!report.complete);
    assert_eq!(report.failures.len(), 1, "{report:?}");
    assert_eq!(report.failures[0].path, moved);
    assert!(
        report.failures[0]
            .message
            .contains("it is a mount point or on another filesystem"),
        "{report:?}"
    );
    assert!(
        !staged.staged.join("README.md").exists(),
        "the rest is deleted"
    );
    // The next start's finish refuses it again and still deletes nothing of it.
    let finished = Remover::new(&case.mini.data_dir, Arc::new(AtomicBool::new(false)))
        .finish_staged(&|_, _| {});
    assert!(matches!(&finished, Ok(list) if list.len() == 1 && !list[0].1.complete));
    canaries.assert_intact("finishing it");

    // A workspace that is a mount point: the rename into staging fails (busy).
    let other = "b1d0000002";
    let workspace = case.mini.add_workspace(ENV, other, 3)?;
    if !mounts::bind(&case.notes, &workspace)? {
        return Ok(());
    }
    let result = remover.stage(&WorkspaceTarget {
        task_id: other.into(),
        ..target
    });
    assert!(
        result
            .as_ref()
            .is_err_and(|err| err.to_string().contains("busy")),
        "{result:?}"
    );
    canaries.assert_intact("staging a mount point");
    assert!(RealFilesystem.is_mount_point(&workspace)?);
    Ok(())
}

/// The trash crate picks `$topdir/.Trash-UID` of the workspace's mount when the home
/// trash is in another one: with the data dir a mount point that would be inside it.
/// Trash mode refuses instead, and refuses a home trash inside the data dir too.
#[test]
fn trash_mode_never_lets_the_trash_crate_pick_a_folder_in_the_data_dir() -> TestResult {
    let case = Case::new()?;
    let data = case.mini.data_dir.clone();
    if !mounts::bind(&data, &data)? {
        return Ok(());
    }
    let canaries = case.canaries();
    let output = case.run(&["discard", ID, "--trash"])?;
    canaries.assert_intact("discard --trash with the data dir a mount point");
    assert_eq!(output.code, Some(1), "{output}");
    assert!(
        output.stderr.contains(&format!(
            "the workspace in the one at {}: the trash crate would make a trash folder",
            data.display()
        )),
        "{output}"
    );
    case.assert_no_trash("the data dir a mount point")?;
    assert!(case.workspace.join("README.md").exists());
    drop(case);

    let case = Case::new()?;
    let canaries = case.canaries();
    let inside = case.mini.data_dir.join("xdg");
    let output = case
        .mini
        .janitor(&["discard", ID, "--trash"])?
        .env("XDG_DATA_HOME", &inside)
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    canaries.assert_intact("discard --trash with the trash in the data dir");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is inside the data directory"), "{stderr}");
    assert!(!inside.exists(), "no trash made in the data dir");
    assert!(case.workspace.join("README.md").exists());
    Ok(())
}

/// The `usage --json` row of the workspace at `path`.
fn usage_row(case: &Case, path: &Path) -> Result<serde_json::Value, Box<dyn Error>> {
    let output = case.run(&["usage", "--json"])?;
    let doc = output.json()?;
    let rows = doc["workspaces"].as_array().ok_or("no workspaces")?;
    rows.iter()
        .find(|row| row["path"].as_str() == path.to_str())
        .cloned()
        .ok_or_else(|| format!("no row for {}:\n{output}", path.display()).into())
}

fn number(value: &serde_json::Value) -> Result<u64, Box<dyn Error>> {
    value
        .as_u64()
        .ok_or_else(|| format!("not a number: {value}").into())
}

fn sorted_paths(value: &serde_json::Value) -> Vec<String> {
    let mut paths: Vec<String> = value
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
}

/// Like `du -x`: nothing behind a mount point is counted, the mount point itself
/// neither; `usage --json` and `list --json` name the mount points.
#[test]
fn sizes_never_count_what_is_behind_a_mount() -> TestResult {
    let case = Case::new()?;
    let points = [
        case.workspace.join("mnt"),
        case.workspace.join("d000/deeper/mnt"),
        case.workspace.join("tmp-cache"),
    ];
    let mut uncounted = (0, 0);
    for point in &points {
        fs::create_dir_all(point)?;
    }
    for point in &points {
        use std::os::unix::fs::MetadataExt;
        let meta = fs::symlink_metadata(point)?;
        uncounted = (uncounted.0 + meta.size(), uncounted.1 + meta.blocks() * 512);
    }
    let before = usage_row(&case, &case.workspace)?;

    // A tmpfs alone first: `du -x` sees it too (its own device).
    if !mounts::tmpfs(&points[2])? {
        return Ok(());
    }
    fs::write(points[2].join("big"), vec![7u8; 100_000])?;
    let with_tmpfs = usage_row(&case, &case.workspace)?;
    let du = |args: &[&str]| common::du_bytes(args, &case.workspace);
    if let (Some(bytes), Some(disk_bytes)) = (du(&["-sbx"])?, du(&["-s", "-B1", "-x"])?) {
        assert_eq!(number(&with_tmpfs["bytes"])?, bytes);
        assert_eq!(number(&with_tmpfs["disk_bytes"])?, disk_bytes);
    }

    for point in &points[..2] {
        if !mounts::bind(&case.notes, point)? {
            return Ok(());
        }
    }
    let after = usage_row(&case, &case.workspace)?;
    assert_eq!(
        number(&after["bytes"])?,
        number(&before["bytes"])? - uncounted.0
    );
    assert_eq!(
        number(&after["disk_bytes"])?,
        number(&before["disk_bytes"])? - uncounted.1
    );
    assert_eq!(number(&after["dirs"])?, number(&before["dirs"])? - 3);
    assert_eq!(number(&after["files"])?, number(&before["files"])?);
    let mut expected: Vec<String> = points.iter().map(|p| p.display().to_string()).collect();
    expected.sort();
    assert_eq!(sorted_paths(&after["mount_points"]), expected);

    let listed = case.run(&["list", "--json"])?;
    let rows = listed.json()?;
    let row = rows
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["task_id"] == ID))
        .ok_or("no list row")?;
    assert_eq!(sorted_paths(&row["workspace_mount_points"]), expected);
    assert_eq!(row["workspace_disk_bytes"], after["disk_bytes"]);
    let text = case.run(&["list"])?;
    assert!(
        text.stdout.contains(&format!(
            "{ID}: {} is a mount point: not counted",
            points[0].display()
        )),
        "{text}"
    );
    Ok(())
}

#[test]
fn a_workspace_that_is_a_mount_point_counts_nothing() -> TestResult {
    let case = Case::new()?;
    let Some(mount_point) = case.bind_notes("")? else {
        return Ok(());
    };
    let row = usage_row(&case, &case.workspace)?;
    for key in ["bytes", "disk_bytes", "files", "dirs"] {
        assert_eq!(number(&row[key])?, 0, "{key}: {row}");
    }
    assert_eq!(
        sorted_paths(&row["mount_points"]),
        vec![mount_point.display().to_string()]
    );
    Ok(())
}
