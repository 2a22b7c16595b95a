//! Table tests of the model: filters, sorting, largest workspaces, saved settings.

use super::rows::Reveal;
use super::*;
use crate::git::{GitState, GitStatus};
use std::time::{Duration, UNIX_EPOCH};

fn row(id: &str, class: StatusClass, size: Option<u64>) -> Row {
    Row {
        task_id: id.to_owned(),
        env_id: "env-a".to_owned(),
        env_name: "A".to_owned(),
        status: class.label().to_owned(),
        class,
        exit_code: None,
        changing: None,
        prompt: format!("Fix the {id} bug\nmore"),
        prompt_line: format!("Fix the {id} bug"),
        created: Some(UNIX_EPOCH + Duration::from_secs(1000)),
        finished: None,
        workspace: RowWorkspace::Managed {
            path: PathBuf::from(format!("/d/managed-repos/env-a/tasks/{id}")),
            on_disk: true,
        },
        archived: false,
        legacy: false,
        record: PathBuf::from(format!("/d/tasks/{id}.toml")),
        branch: None,
        pr_url: None,
        container_id: None,
        size,
        mount_points: Vec::new(),
        git: None,
        size_text: String::new(),
        git_text: String::new(),
        reclaimable: None,
        reclaimable_text: String::new(),
        search_text: format!("{id}\nfix the {id} bug\nmore"),
    }
}

fn ids(rows: &[Row], visible: &[usize]) -> Vec<String> {
    visible.iter().map(|&i| rows[i].task_id.clone()).collect()
}

#[test]
fn filters_narrow_the_rows() {
    let mut rows = vec![
        row("a1", StatusClass::Succeeded, Some(10)),
        row("b2", StatusClass::Failed, Some(30)),
        row("c3", StatusClass::Active, None),
        row("d4", StatusClass::Succeeded, Some(20)),
    ];
    rows[3].archived = true;
    rows[1].env_id = "env-b".to_owned();
    let cases: Vec<(Settings, Vec<&str>)> = vec![
        (Settings::default(), vec!["b2", "a1", "c3"]),
        (
            Settings {
                show_archived: true,
                ..Settings::default()
            },
            vec!["b2", "d4", "a1", "c3"],
        ),
        (
            Settings {
                search: " B2 ".to_owned(),
                ..Settings::default()
            },
            vec!["b2"],
        ),
        (
            Settings {
                search: "the c3".to_owned(),
                ..Settings::default()
            },
            vec!["c3"],
        ),
        (
            Settings {
                hidden_classes: vec![StatusClass::Succeeded, StatusClass::Active],
                ..Settings::default()
            },
            vec!["b2"],
        ),
        (
            Settings {
                env_filter: Some("env-a".to_owned()),
                ..Settings::default()
            },
            vec!["a1", "c3"],
        ),
    ];
    for (settings, expected) in cases {
        assert_eq!(
            ids(&rows, &visible_rows(&rows, &settings)),
            expected,
            "{settings:?}"
        );
    }
}

#[test]
fn sorting_keeps_unknown_values_last_in_both_directions() {
    let rows = vec![
        row("a", StatusClass::Succeeded, Some(10)),
        row("b", StatusClass::Succeeded, None),
        row("c", StatusClass::Succeeded, Some(30)),
        row("d", StatusClass::Succeeded, Some(10)),
    ];
    let descending = Settings::default();
    assert_eq!(
        ids(&rows, &visible_rows(&rows, &descending)),
        ["c", "a", "d", "b"]
    );
    let ascending = Settings {
        descending: false,
        ..Settings::default()
    };
    assert_eq!(
        ids(&rows, &visible_rows(&rows, &ascending)),
        ["a", "d", "c", "b"]
    );
    let by_id = Settings {
        sort: SortKey::Task,
        descending: true,
        ..Settings::default()
    };
    assert_eq!(
        ids(&rows, &visible_rows(&rows, &by_id)),
        ["d", "c", "b", "a"]
    );
}

#[test]
fn git_sort_ranks_unsaved_work() {
    let mut rows = vec![
        row("clean", StatusClass::Succeeded, None),
        row("dirty", StatusClass::Succeeded, None),
        row("unknown", StatusClass::Succeeded, None),
    ];
    let state = |uncommitted| GitState {
        branch: None,
        uncommitted,
        unpushed: 0,
        work: if uncommitted > 0 {
            crate::git::Work::Uncommitted { paths: uncommitted }
        } else {
            crate::git::Work::Pushed
        },
        base: None,
    };
    rows[0].set_git(Some(GitStatus::Known(state(0))));
    rows[1].set_git(Some(GitStatus::Known(state(2))));
    rows[2].set_git(Some(GitStatus::Unknown {
        reason: "x".to_owned(),
    }));
    // The Git column says where the work went.
    assert_eq!(rows[1].git_text, "uncommitted 2");
    assert_eq!(rows[0].git_text, "pushed");
    let settings = Settings {
        sort: SortKey::Git,
        ..Settings::default()
    };
    assert_eq!(
        ids(&rows, &visible_rows(&rows, &settings)),
        ["dirty", "clean", "unknown"]
    );
}

#[test]
fn largest_workspaces_skips_unsized_and_gone_folders() {
    let mut rows = vec![
        row("a", StatusClass::Succeeded, Some(5)),
        row("b", StatusClass::Succeeded, None),
        row("c", StatusClass::Succeeded, Some(50)),
        row("d", StatusClass::Succeeded, Some(500)),
    ];
    rows[3].workspace = RowWorkspace::Managed {
        path: PathBuf::from("/gone"),
        on_disk: false,
    };
    assert_eq!(ids(&rows, &largest_workspaces(&rows, 20)), ["c", "a"]);
    assert_eq!(ids(&rows, &largest_workspaces(&rows, 1)), ["c"]);
}

#[test]
fn settings_round_trip_and_missing_fields_take_defaults() -> Result<(), serde_json::Error> {
    let settings = Settings {
        data_dir: Some(PathBuf::from("/data")),
        sort: SortKey::Finished,
        descending: false,
        search: "login".to_owned(),
        hidden_classes: vec![StatusClass::Active],
        show_archived: true,
        env_filter: Some("env-a".to_owned()),
        sweep_hours: 6.5,
        only_safe: true,
        details_open: false,
        log_open: false,
    };
    let text = serde_json::to_string(&settings)?;
    assert_eq!(serde_json::from_str::<Settings>(&text)?, settings);
    // A file from an older version (fewer fields, unknown ones) still loads.
    let old: Settings = serde_json::from_str(r#"{"sort": "Task", "gone": 1}"#)?;
    assert_eq!(
        old,
        Settings {
            sort: SortKey::Task,
            ..Settings::default()
        }
    );
    Ok(())
}

/// "Safe to delete": finished tasks whose workspace is on disk and whose work git shows
/// is elsewhere; Reclaimable sorts by what Slim would free.
#[test]
fn safe_filter_and_reclaimable_sort() {
    let state = |work: crate::git::Work, unpushed: u32| {
        Some(GitStatus::Known(GitState {
            branch: Some("b".into()),
            uncommitted: 0,
            unpushed,
            work,
            base: None,
        }))
    };
    use crate::git::Work;
    let mut rows = vec![
        row("merged", StatusClass::Succeeded, Some(1)),
        row("squash", StatusClass::Failed, Some(1)),
        row("pushed", StatusClass::Succeeded, Some(1)),
        row("fresh", StatusClass::Succeeded, Some(1)),
        row("unpushed", StatusClass::Succeeded, Some(1)),
        row("running", StatusClass::Active, Some(1)),
        row("unknown", StatusClass::Succeeded, Some(1)),
        row("asking", StatusClass::Succeeded, Some(1)),
    ];
    rows[0].set_git(state(Work::Merged, 0));
    rows[1].set_git(state(Work::SquashMerged, 2));
    rows[2].set_git(state(Work::Pushed, 0));
    rows[3].set_git(state(Work::NoCommits, 0));
    rows[4].set_git(state(Work::Unpushed { commits: 1 }, 1));
    rows[5].set_git(state(Work::Merged, 0));
    rows[6].set_git(Some(GitStatus::Unknown {
        reason: "no remote".into(),
    }));
    for (row, bytes) in rows.iter_mut().zip([30, 10, 20, 0, 5, 1, 2, 3]) {
        row.set_reclaimable(Some(bytes));
    }
    rows[7].set_reclaimable(None);
    let settings = Settings {
        only_safe: true,
        sort: SortKey::Reclaimable,
        descending: true,
        ..Settings::default()
    };
    assert_eq!(
        ids(&rows, &visible_rows(&rows, &settings)),
        ["merged", "pushed", "squash", "fresh"]
    );
    assert_eq!(rows[0].reclaimable_text, "30 B");
    let all = Settings {
        sort: SortKey::Reclaimable,
        descending: true,
        ..Settings::default()
    };
    let shown = ids(&rows, &visible_rows(&rows, &all));
    assert_eq!(shown.last().map(String::as_str), Some("asking"));
}

#[test]
fn while_values_arrive_rows_keep_their_place_and_new_ones_follow() {
    let rows = vec![
        row("a", StatusClass::Succeeded, Some(10)),
        row("b", StatusClass::Succeeded, Some(30)),
        row("c", StatusClass::Succeeded, None),
        row("d", StatusClass::Succeeded, Some(20)),
    ];
    // Shown before, in this order: c, a, b (row indexes 2, 0, 1). Sorted now: b, d, a, c.
    let previous = [2, 0, 1];
    let fresh = visible_rows(&rows, &Settings::default());
    assert_eq!(ids(&rows, &fresh), ["b", "d", "a", "c"]);
    assert_eq!(
        ids(&rows, &keep_order(rows.len(), &previous, fresh)),
        ["c", "a", "b", "d"]
    );
    // A row no longer shown drops out; nothing shown before: the sorted order.
    let narrowed = visible_rows(
        &rows,
        &Settings {
            search: "the a".into(),
            ..Settings::default()
        },
    );
    assert_eq!(
        ids(&rows, &keep_order(rows.len(), &previous, narrowed)),
        ["a"]
    );
    let fresh = visible_rows(&rows, &Settings::default());
    assert_eq!(
        ids(&rows, &keep_order(rows.len(), &[], fresh)),
        ["b", "d", "a", "c"]
    );
    // An index shown twice or past the rows (rows rebuilt since) is not shown twice.
    let fresh = visible_rows(&rows, &Settings::default());
    assert_eq!(
        ids(&rows, &keep_order(rows.len(), &[0, 0, 9, 3], fresh)),
        ["a", "d", "b", "c"]
    );
}

#[test]
fn the_filters_hiding_a_row_are_named_and_undone() {
    let mut archived = row("z9", StatusClass::Failed, Some(1));
    archived.archived = true;
    let cases: Vec<(Settings, Vec<Reveal>)> = vec![
        (Settings::default(), vec![Reveal::ShowArchived]),
        (
            Settings {
                show_archived: true,
                ..Settings::default()
            },
            vec![],
        ),
        (
            Settings {
                env_filter: Some("env-b".into()),
                search: "login".into(),
                hidden_classes: vec![StatusClass::Failed, StatusClass::Active],
                only_safe: true,
                ..Settings::default()
            },
            vec![
                Reveal::ShowArchived,
                Reveal::AllEnvironments,
                Reveal::ClearSearch,
                Reveal::ShowClass(StatusClass::Failed),
                Reveal::NotOnlySafe,
            ],
        ),
        (
            Settings {
                env_filter: Some("env-a".into()),
                search: "Z9".into(),
                show_archived: true,
                ..Settings::default()
            },
            vec![],
        ),
    ];
    for (mut settings, expected) in cases {
        let reveals = hidden_by(&archived, &settings);
        assert_eq!(reveals, expected, "{settings:?}");
        for reveal in &reveals {
            reveal.apply(&mut settings);
        }
        assert_eq!(visible_rows(&[archived.clone()], &settings), [0]);
    }
}
