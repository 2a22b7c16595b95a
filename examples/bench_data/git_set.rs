//! The `git/` set: real git clones of one small repository, each on its own branch,
//! some with uncommitted changes or unpushed commits.

use super::*;

/// The repository every workspace of the git set is cloned from (outside `managed-repos`).
const GIT_TEMPLATE: &str = "template-repo";
/// Written into a clone's `.git` once it is complete; a clone without it is redone.
const CLONE_DONE: &str = "agents-janitor-bench-done";

/// Runs git in `dir` with a fixed identity and clock and no user or system config, so
/// the clones are the same on every machine.
fn git(dir: &Path, args: &[&str]) -> Result<(), DemoError> {
    let failed = |stderr: String| DemoError::Git {
        command: format!("git {}", args.join(" ")),
        dir: dir.to_path_buf(),
        stderr,
    };
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Agents Runner")
        .env("GIT_AUTHOR_EMAIL", "ar@example.invalid")
        .env("GIT_COMMITTER_NAME", "Agents Runner")
        .env("GIT_COMMITTER_EMAIL", "ar@example.invalid")
        .env("GIT_AUTHOR_DATE", "1767225600 +0000")
        .env("GIT_COMMITTER_DATE", "1767225600 +0000")
        .output()
        .map_err(|err| failed(format!("cannot run git (is it installed?): {err}")))?;
    if !output.status.success() {
        return Err(failed(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    Ok(())
}

/// The repository the clones come from: a source tree of about 120 files, one commit.
fn write_git_template(repo: &Path) -> Result<(), DemoError> {
    if repo.join(".git").join(CLONE_DONE).exists() {
        return Ok(());
    }
    create_dir(repo)?;
    git(repo, &["init", "--quiet", "--initial-branch=main"])?;
    for (name, len) in [
        ("README.md", 2_400),
        ("Cargo.toml", 600),
        ("LICENSE", 1_070),
    ] {
        write_file(&repo.join(name), &source_text("# bench\n", len), false)?;
    }
    let mut counter = 6 << 40;
    for dir in SOURCE_DIRS {
        let folder = repo.join("src").join(dir);
        create_dir(&folder)?;
        for file in 0..14 {
            counter += 1;
            let len = size_between(counter, 200, 8_000);
            write_file(
                &folder.join(format!("mod_{file:02}.rs")),
                &source_text(&format!("// file {file} of {dir}\n"), len),
                false,
            )?;
        }
    }
    git(repo, &["add", "--all"])?;
    // An interrupted earlier run may have committed already: then nothing is staged.
    if git(repo, &["diff", "--cached", "--quiet"]).is_err() {
        git(repo, &["commit", "--quiet", "--message", "Initial import"])?;
    }
    write_plain(&repo.join(".git").join(CLONE_DONE), b"")
}

/// One clone on its own branch: every tenth with a commit not pushed, every tenth
/// (another one) with a changed and a new file.
fn write_clone(data_dir: &Path, template: &Path, id: &str, index: usize) -> Result<(), DemoError> {
    let root = task_workspace_path(data_dir, BENCH_ENV, id);
    if root.join(".git").join(CLONE_DONE).exists() {
        return Ok(());
    }
    if !root.join(".git").exists() {
        let parent = root.parent().unwrap_or(data_dir);
        create_dir(parent)?;
        let template = template.to_string_lossy();
        git(parent, &["clone", "--quiet", "--local", &template, id])?;
    }
    // The branch starts again from origin's main, so a redone clone ends the same.
    let branch = format!("agents-runner/{id}");
    git(
        &root,
        &[
            "checkout",
            "--quiet",
            "--force",
            "-B",
            &branch,
            "origin/main",
        ],
    )?;
    if index % 10 == 3 {
        write_file(
            &root.join("src/api/mod_00.rs"),
            &source_text(&format!("// changed by task {id}\n"), 900),
            false,
        )?;
        git(
            &root,
            &["commit", "--quiet", "--all", "--message", "Agent work"],
        )?;
    }
    if index % 10 == 7 {
        write_file(
            &root.join("src/db/mod_01.rs"),
            &source_text(&format!("// edited by task {id}\n"), 700),
            false,
        )?;
        write_file(&root.join("NOTES.md"), b"notes the agent left\n", false)?;
    }
    write_plain(&root.join(".git").join(CLONE_DONE), b"")
}

pub(super) fn write_git_set(data_dir: &Path, scale: BenchScale) -> Result<(), DemoError> {
    write_environments(data_dir)?;
    let template = data_dir.join(GIT_TEMPLATE);
    write_git_template(&template)?;
    let ids: Vec<String> = (0..scale.git_workspaces).map(|i| task_id(7, i)).collect();
    ids.par_iter()
        .enumerate()
        .map(|(index, id)| {
            write_clone(data_dir, &template, id, index)?;
            write_record(data_dir, false, id, index, 20)
        })
        .collect()
}
