//! The "inside a workspace" kind: only entries git ignores, exact paths below the
//! workspace, no symlink, no mount, never `.git`.

use super::*;
use std::process::Command;

/// Runs git for setup, isolated from the machine's config; `None` (after saying why)
/// when git does not run here, an error under CI.
fn git(dir: &Path, args: &[&str]) -> Result<Option<()>, Box<dyn std::error::Error>> {
    let output = match Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@e",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
    {
        Ok(output) => output,
        Err(err) => {
            let why = format!("git does not run here: {err}");
            eprintln!("skipped: {why}");
            if std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false")) {
                return Err(format!("CI is set and this test cannot run: {why}").into());
            }
            return Ok(None);
        }
    };
    if !output.status.success() {
        return Err(format!("git {args:?}: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    Ok(Some(()))
}

#[test]
fn only_ignored_plain_entries_outside_git_and_mounts_are_staged() -> TestResult {
    let layout = layout()?;
    let ws = paths::task_workspace_path(&layout.data, "env-1", "t1");
    fs::create_dir_all(&ws)?;
    if git(&ws, &["init", "--quiet"])?.is_none() {
        return Ok(());
    }
    fs::write(ws.join(".gitignore"), "target/\nlink\nmnt/\n*.o\n")?;
    fs::write(ws.join("tracked.o"), "tracked, though its name is ignored")?;
    git(&ws, &["add", ".gitignore"])?;
    git(&ws, &["add", "--force", "tracked.o"])?;
    git(&ws, &["commit", "--quiet", "-m", "initial"])?;
    fs::create_dir_all(ws.join("target/debug"))?;
    fs::write(ws.join("target/debug/app"), vec![1_u8; 5000])?;
    #[cfg(unix)]
    std::os::unix::fs::symlink(&layout.outside, ws.join("target/escape"))?;
    #[cfg(unix)]
    std::os::unix::fs::symlink(&layout.outside, ws.join("link"))?;
    fs::create_dir_all(ws.join("mnt"))?;
    fs::write(ws.join("notes.txt"), "untracked work")?;
    // An ignored folder holding a repository of its own (a vendored checkout).
    fs::write(ws.join(".git/info/exclude"), "vendor/\n")?;
    fs::create_dir_all(ws.join("vendor/lib/.git"))?;
    fs::write(ws.join("vendor/lib/.git/HEAD"), "ref: refs/heads/main\n")?;
    let fs_with_mount = Arc::new(FaultyFilesystem {
        mount_points: Some(vec![ws.join("mnt")]),
        ..FaultyFilesystem::default()
    });
    let remover = remover(&layout.data, fs_with_mount);
    let entries: Vec<PathBuf> = [
        "target",
        "link",
        "mnt",
        "tracked.o",
        "notes.txt",
        ".git",
        "../t1",
        "gone.o",
        "vendor",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    let results = remover.stage_inside(&target("env-1", "t1"), &entries);
    let by_name: std::collections::HashMap<String, &Result<Staging, RemoveError>> = results
        .iter()
        .map(|(entry, result)| (entry.display().to_string(), result))
        .collect();
    let Some(Ok(Staging::Staged(staged))) = by_name.get("target") else {
        return Err(format!("target not staged: {results:?}").into());
    };
    assert_eq!(staged.original, ws.join("target"));
    #[cfg(unix)]
    assert!(
        matches!(by_name.get("link"), Some(Err(RemoveError::Refused { reason, .. })) if reason.contains("symlink")),
        "{results:?}"
    );
    assert!(
        matches!(
            by_name.get("mnt"),
            Some(Err(RemoveError::MountPoint { .. }))
        ),
        "{results:?}"
    );
    for not_ignored in ["tracked.o", "notes.txt", "gone.o"] {
        assert!(
            matches!(by_name.get(not_ignored), Some(Err(RemoveError::Refused { reason, .. })) if reason.contains("does not ignore")),
            "{not_ignored}: {results:?}"
        );
    }
    assert!(
        matches!(by_name.get("vendor"), Some(Err(RemoveError::Refused { reason, .. })) if reason.contains("holds a git repository")),
        "{results:?}"
    );
    assert!(ws.join("vendor/lib/.git/HEAD").is_file());
    for bad in [".git", "../t1"] {
        assert!(
            matches!(by_name.get(bad), Some(Err(RemoveError::Refused { .. }))),
            "{bad}: {results:?}"
        );
    }
    let report = remover.purge(&staged.staged, &no_progress);
    assert!(report.complete, "{report:?}");
    assert_eq!(fs::read(layout.outside.join("canary.txt"))?, b"keep me");
    for kept in ["tracked.o", "notes.txt", ".git/HEAD", ".gitignore"] {
        assert!(ws.join(kept).exists(), "{kept} is gone");
    }
    assert!(fs::symlink_metadata(ws.join("link")).is_ok());
    Ok(())
}

#[test]
fn a_workspace_of_another_shape_or_outside_git_is_refused_whole() -> TestResult {
    let layout = layout()?;
    let ws = paths::task_workspace_path(&layout.data, "env-1", "t2");
    fs::create_dir_all(ws.join("target"))?;
    let remover = remover(&layout.data, Arc::new(RealFilesystem));
    let entries = [PathBuf::from("target")];
    // Not a repository: git cannot say what it ignores.
    let results = remover.stage_inside(&target("env-1", "t2"), &entries);
    assert!(
        matches!(&results[..], [(_, Err(RemoveError::Refused { reason, .. }))] if reason.contains("git")),
        "{results:?}"
    );
    let mut backup = target("env-1", "t2.bak-1");
    backup.kind = FolderKind::Backup;
    let results = remover.stage_inside(&backup, &entries);
    assert!(
        matches!(&results[..], [(_, Err(RemoveError::Refused { .. }))]),
        "{results:?}"
    );
    assert!(ws.join("target").is_dir());
    Ok(())
}
