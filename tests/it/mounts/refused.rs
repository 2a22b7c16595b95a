//! A workspace that is or holds a mount point is refused before anything moves, whenever
//! the mount appears: at the plan, after it, right before the move.

use super::{Case, ID, mode_name, with_mode};
use crate::common;
use common::mini::{Canaries, Paused, TestResult};
use common::{Fixture, mounts, run};
use std::fs;

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
/// the move to the trash): the remover's own check right before the move refuses it.
/// (In delete mode every workspace is staged before any record changes, right after
/// `execute-start`: `a_mount_made_after_the_plan_is_refused_before_anything_changes`
/// is that case, refused by the staging's own check.)
#[test]
fn a_mount_made_right_before_the_move_is_refused_by_the_remover() -> TestResult {
    {
        let trash = true;
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
