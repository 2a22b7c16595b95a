//! The demo data dir, written once per test binary and copied for every fixture.
//!
//! Writing the demo runs about 35 git processes and creates 3,700 files; copying it in
//! memory takes a fraction of that. The copy keeps what the tests look at: contents,
//! permissions, modification and access times, symlinks. The demo writes its own
//! absolute path into records, `environments.json` and each checkout's `.git/config`
//! and reflogs, so the copy rewrites the template's folder to the fixture's in every
//! text file and symlink target.

use super::{make_writable, scratch};
use agents_janitor::demo::{self, DemoSummary};
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// Template folders are named `<prefix><pid>-<random>`, so a later run can tell whose
/// they are.
const PREFIX: &str = "agents-janitor-demo-template-";

/// A demo data dir at `root/data` that fixtures copy.
pub struct DemoTemplate {
    root: PathBuf,
    summary: DemoSummary,
    /// The shell that removes `root` once this process has ended (see [`remover`]).
    _remover: Option<Child>,
}

/// The template of this test binary, written by the first test that asks for it.
pub fn template() -> Result<&'static DemoTemplate, Box<dyn Error>> {
    static TEMPLATE: OnceLock<Result<DemoTemplate, String>> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| DemoTemplate::write().map_err(|err| err.to_string()))
        .as_ref()
        .map_err(|err| format!("cannot write the demo template: {err}").into())
}

/// Whether `path` can stand in for another in the demo's files by a plain text
/// replacement: nothing in it that TOML or JSON would escape.
pub fn is_plain(path: &Path) -> bool {
    path.to_str().is_some_and(|text| {
        text.bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"/._-".contains(&byte))
    })
}

impl DemoTemplate {
    /// Writes the demo into a new folder. Statics are never dropped, so the folder
    /// would outlive the test binary: [`remover`] deletes it when this process ends, and
    /// the next run deletes what a remover could not.
    fn write() -> Result<Self, Box<dyn Error>> {
        remove_stale_templates();
        let root = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-", std::process::id()))
            .tempdir_in(scratch::base())?
            .keep();
        if !is_plain(&root) {
            return Err(format!("{} is not a plain path", root.display()).into());
        }
        let summary = demo::write_demo(&root.join("data"))?;
        if !summary.git_checkouts {
            eprintln!("note: git does not run here, so the demo's workspaces are plain folders");
        }
        let remover = remover(&root);
        Ok(Self {
            root,
            summary,
            _remover: remover,
        })
    }

    /// The folder the demo is in, as `data/`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Copies the demo to `root/data` (which must not exist yet), as if it had been
    /// written there; with [`Git::PlainFolders`], the task workspaces without `.git`.
    pub fn copy_into(&self, root: &Path, git: Git) -> Result<DemoSummary, Box<dyn Error>> {
        let copy = CopyPlan {
            rewrite: Rewrite::new(&self.root, root)?,
            git,
        };
        copy_tree(&self.root.join("data"), &root.join("data"), &copy)?;
        Ok(DemoSummary {
            data_dir: PathBuf::from(copy.rewrite.text(&self.summary.data_dir.to_string_lossy())),
            git_checkouts: self.summary.git_checkouts && git == Git::Checkouts,
            ..self.summary.clone()
        })
    }
}

/// Whether the task workspaces of a copy are git checkouts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Git {
    Checkouts,
    /// Plain folders: for tests that never look at git, which then wait for no git
    /// process on each workspace.
    PlainFolders,
}

/// How to copy: the path to rewrite, and whether workspaces keep their `.git`.
struct CopyPlan {
    rewrite: Rewrite,
    git: Git,
}

impl CopyPlan {
    /// Whether `path` is left out of the copy: a task workspace's `.git`, for plain folders.
    fn leaves_out(&self, path: &Path) -> bool {
        self.git == Git::PlainFolders
            && path.file_name().is_some_and(|name| name == ".git")
            && path
                .parent()
                .and_then(Path::parent)
                .and_then(Path::file_name)
                .is_some_and(|name| name == "tasks")
    }
}

/// Replaces the template's folder by the copy's.
struct Rewrite {
    from: String,
    to: String,
}

impl Rewrite {
    fn new(from: &Path, to: &Path) -> Result<Self, Box<dyn Error>> {
        for path in [from, to] {
            if !is_plain(path) {
                return Err(format!("{} is not a plain path", path.display()).into());
            }
        }
        Ok(Self {
            from: from.to_string_lossy().into_owned(),
            to: to.to_string_lossy().into_owned(),
        })
    }

    fn text(&self, text: &str) -> String {
        text.replace(&self.from, &self.to)
    }
}

/// Copies `from` to `to` like `cp -a` (owners aside), with [`Rewrite`] applied to text
/// files and symlink targets. Binary files (git objects, the index) never hold a path.
fn copy_tree(from: &Path, to: &Path, copy: &CopyPlan) -> Result<(), Box<dyn Error>> {
    let rewrite = &copy.rewrite;
    let meta = fs::symlink_metadata(from)?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        let target = fs::read_link(from)?;
        let target = match target.to_str() {
            Some(text) => PathBuf::from(rewrite.text(text)),
            None => target,
        };
        symlink(&target, to)?;
    } else if kind.is_dir() {
        fs::create_dir(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            if !copy.leaves_out(&entry.path()) {
                copy_tree(&entry.path(), &to.join(entry.file_name()), copy)?;
            }
        }
        // After the contents: the demo has a read-only folder.
        fs::set_permissions(to, meta.permissions())?;
    } else if kind.is_file() {
        match String::from_utf8(fs::read(from)?) {
            Ok(text) => {
                fs::write(to, rewrite.text(&text))?;
                fs::set_permissions(to, meta.permissions())?;
            }
            // `fs::copy` keeps the permissions.
            Err(_) => {
                fs::copy(from, to)?;
            }
        }
    } else {
        return Err(format!("{}: not a file, folder or symlink", from.display()).into());
    }
    filetime::set_symlink_file_times(
        to,
        filetime::FileTime::from_last_access_time(&meta),
        filetime::FileTime::from_last_modification_time(&meta),
    )?;
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other(format!(
        "{}: the demo has no symlinks outside unix",
        link.display()
    )))
}

/// A shell that waits for this process to end, then deletes `root` (best effort:
/// `None` where there is no `sh`). Its output goes nowhere, so it holds no pipe of
/// whoever runs the tests.
fn remover(root: &Path) -> Option<Child> {
    const SCRIPT: &str =
        r#"while kill -0 "$1" 2>/dev/null; do sleep 1; done; chmod -R u+w "$2"; rm -rf "$2""#;
    Command::new("sh")
        .args(["-c", SCRIPT, "remover"])
        .arg(std::process::id().to_string())
        .arg(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

/// Removes the templates of test binaries that are no longer running, which their
/// remover could not delete (best effort: a folder that cannot be removed only takes
/// space).
fn remove_stale_templates() {
    let Ok(entries) = fs::read_dir(scratch::base()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let owner = name
            .to_str()
            .and_then(|name| name.strip_prefix(PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = owner
            && pid != std::process::id()
            && !is_running(pid)
        {
            make_writable(&entry.path());
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(target_os = "linux")]
fn is_running(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Without `/proc`, every template may still be in use.
#[cfg(not(target_os = "linux"))]
fn is_running(_pid: u32) -> bool {
    true
}
