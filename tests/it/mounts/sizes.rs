//! Sizes never count what is behind a mount point, like `du -x`.

use super::{Case, ID};
use crate::common;
use common::mini::TestResult;
use common::mounts;
use std::error::Error;
use std::fs;
use std::path::Path;

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
