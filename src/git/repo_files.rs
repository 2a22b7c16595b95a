//! What is read from a workspace's `.git` folder without running git: the refs, a
//! branch's reflog, and whether its config may define filter drivers. An agent wrote
//! these files, so they are read warily: small files only, a final symlink never
//! followed, a pipe never waited on; anything unexpected means "ask git instead".

use super::NOT_A_REPOSITORY;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Where a workspace's repository is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum GitDir {
    /// `.git` is a real folder: its files are read directly.
    Plain(PathBuf),
    /// `.git` is a file (`gitdir: ...`) or a symlink: git resolves it, and nothing is
    /// read from it directly.
    Other(PathBuf),
}

impl GitDir {
    /// The `.git` of `workspace`, or "not a git repository" when there is none (a folder
    /// merely inside another repository has none of its own).
    pub(super) fn find(workspace: &Path) -> Result<Self, String> {
        let path = workspace.join(".git");
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => Ok(Self::Plain(path)),
            Ok(_) => Ok(Self::Other(path)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Err(NOT_A_REPOSITORY.to_owned()),
            Err(err) => Err(format!("cannot read {}: {err}", path.display())),
        }
    }

    /// The path git is given as `GIT_DIR`.
    pub(super) fn path(&self) -> &Path {
        match self {
            Self::Plain(path) | Self::Other(path) => path,
        }
    }

    fn plain(&self) -> Option<&Path> {
        match self {
            Self::Plain(path) => Some(path),
            Self::Other(_) => None,
        }
    }

    /// Whether a config file of the repository may define a filter driver: it mentions
    /// `filter` or `include` anywhere (section and key names cannot be escaped, so a
    /// filter section always spells the word). True when it cannot be told (a `.git`
    /// that is not a plain folder, a config that cannot be read).
    pub(super) fn config_may_define_filters(&self) -> bool {
        let Some(dir) = self.plain() else {
            return true;
        };
        ["config", "config.worktree"].iter().any(|name| {
            match read_small(&dir.join(name), CONFIG_LIMIT) {
                Ok(Some(bytes)) => {
                    let lower = bytes.to_ascii_lowercase();
                    contains(&lower, b"filter") || contains(&lower, b"include")
                }
                Ok(None) => false,
                Err(_) => true,
            }
        })
    }

    /// Whether everything git reads of the repository is inside the workspace: `.git`
    /// is a plain folder that borrows no objects (`objects/info/alternates`), shares no
    /// refs (`commondir`) and includes no other config. False when it cannot be told.
    pub(super) fn self_contained(&self) -> bool {
        let Some(dir) = self.plain() else {
            return false;
        };
        let absent = |path: PathBuf| matches!(std::fs::symlink_metadata(path), Err(err) if err.kind() == io::ErrorKind::NotFound);
        absent(dir.join("commondir"))
            && absent(dir.join("objects").join("info").join("alternates"))
            && ["config", "config.worktree"].iter().all(|name| {
                match read_small(&dir.join(name), CONFIG_LIMIT) {
                    Ok(Some(bytes)) => !contains(&bytes.to_ascii_lowercase(), b"include"),
                    Ok(None) => true,
                    Err(_) => false,
                }
            })
    }

    /// Whether `branch`'s reflog holds its creation and nothing else (no commit, reset
    /// or rebase ever moved it); `None` when there is no reflog to read.
    pub(super) fn created_only(&self, branch: &str) -> Option<bool> {
        let dir = self.plain()?;
        let mut path = dir.join("logs").join("refs").join("heads");
        for part in branch.split('/') {
            if part.is_empty() || part == "." || part == ".." {
                return None;
            }
            path.push(part);
        }
        let bytes = read_small(&path, REFLOG_LIMIT).ok()??;
        let mut lines = bytes
            .split(|byte| *byte == b'\n')
            .filter(|line| !line.is_empty());
        let first = lines.next()?;
        if lines.next().is_some() {
            return Some(false);
        }
        // "<old> <new> <who> <when> <zone>\t<message>": created from nothing, by a
        // branch creation or a clone (a first commit also starts from nothing).
        let (entry, message) = split_once(first, b'\t')?;
        let old = entry.split(|byte| *byte == b' ').next()?;
        let from_nothing = !old.is_empty() && old.iter().all(|byte| *byte == b'0');
        Some(
            from_nothing
                && (message.starts_with(b"branch: Created from")
                    || message.starts_with(b"clone: from")),
        )
    }

    /// The local branches and remote-tracking refs, read from the loose ref files and
    /// `packed-refs`; `None` when they cannot all be read that way (another ref
    /// storage, an unreadable file): then git lists them.
    pub(super) fn refs(&self) -> Option<Refs> {
        let dir = self.plain()?;
        if dir.join("reftable").exists() {
            return None;
        }
        let mut refs = Refs::default();
        match read_small(&dir.join("packed-refs"), PACKED_REFS_LIMIT) {
            Ok(Some(bytes)) => refs.add_packed(&bytes),
            Ok(None) => {}
            Err(_) => return None,
        }
        let mut budget = LOOSE_REFS_LIMIT;
        for namespace in ["refs/heads", "refs/remotes"] {
            let folder = namespace
                .split('/')
                .fold(dir.to_path_buf(), |path, part| path.join(part));
            refs.add_loose(&folder, namespace, 0, &mut budget)?;
        }
        Some(refs)
    }
}

/// Local branches and remote-tracking refs by full name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Refs {
    /// `refs/heads/...` and `refs/remotes/...` that name a commit.
    pub(super) oids: BTreeMap<String, String>,
    /// Symbolic refs (`refs/remotes/origin/HEAD` → `refs/remotes/origin/main`).
    pub(super) symrefs: BTreeMap<String, String>,
}

impl Refs {
    /// Refs from `git for-each-ref --format=%(refname)%00%(objectname)%00%(symref)`.
    pub(super) fn from_listing(listing: &[u8]) -> Self {
        let mut refs = Self::default();
        for line in listing.split(|byte| *byte == b'\n') {
            let mut fields = line.split(|byte| *byte == 0);
            let (Some(name), Some(oid), Some(target)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let name = String::from_utf8_lossy(name).into_owned();
            if target.is_empty() {
                refs.oids
                    .insert(name, String::from_utf8_lossy(oid).into_owned());
            } else {
                refs.symrefs
                    .insert(name, String::from_utf8_lossy(target).into_owned());
            }
        }
        refs
    }

    fn add_packed(&mut self, bytes: &[u8]) {
        for line in bytes.split(|byte| *byte == b'\n') {
            if line.starts_with(b"#") || line.starts_with(b"^") {
                continue;
            }
            let Some((oid, name)) = split_once(line, b' ') else {
                continue;
            };
            let (Ok(oid), Ok(name)) = (std::str::from_utf8(oid), std::str::from_utf8(name)) else {
                continue;
            };
            if is_oid(oid) && (name.starts_with("refs/heads/") || name.starts_with("refs/remotes/"))
            {
                self.oids.insert(name.to_owned(), oid.to_owned());
            }
        }
    }

    /// Reads the loose refs under `folder` (named `prefix/...`); `None` when one cannot
    /// be read, or there are too many.
    fn add_loose(
        &mut self,
        folder: &Path,
        prefix: &str,
        depth: usize,
        budget: &mut usize,
    ) -> Option<()> {
        let entries = match std::fs::read_dir(folder) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound && depth == 0 => return Some(()),
            Err(_) => return None,
        };
        if depth > MAX_REF_DEPTH {
            return None;
        }
        for entry in entries {
            let entry = entry.ok()?;
            *budget = budget.checked_sub(1)?;
            let name = entry.file_name().into_string().ok()?;
            let full = format!("{prefix}/{name}");
            let kind = entry.file_type().ok()?;
            if kind.is_dir() {
                self.add_loose(&entry.path(), &full, depth + 1, budget)?;
            } else if kind.is_file() && !name.ends_with(".lock") {
                let bytes = read_small(&entry.path(), LOOSE_REF_LIMIT).ok()??;
                let text = String::from_utf8_lossy(&bytes);
                let text = text.trim();
                if let Some(target) = text.strip_prefix("ref:") {
                    self.symrefs.insert(full, target.trim().to_owned());
                } else if is_oid(text) {
                    self.oids.insert(full, text.to_owned());
                }
            }
            // A symlinked ref (an agent's doing, or a very old git's) is left out: at
            // worst a remote ref is missed, which only ever counts more work as unpushed.
        }
        Some(())
    }

    /// The commit `name` names, following one symbolic ref.
    pub(super) fn resolve(&self, name: &str) -> Option<(&str, &str)> {
        let name = self.symrefs.get(name).map_or(name, String::as_str);
        self.oids
            .get_key_value(name)
            .map(|(name, oid)| (name.as_str(), oid.as_str()))
    }

    /// Every remote-tracking ref's commit.
    pub(super) fn remote_tips(&self) -> impl Iterator<Item = &str> {
        self.oids
            .iter()
            .filter(|(name, _)| name.starts_with("refs/remotes/"))
            .map(|(_, oid)| oid.as_str())
    }

    /// The local branches and their commits.
    pub(super) fn branches(&self) -> impl Iterator<Item = (&str, &str)> {
        self.oids.iter().filter_map(|(name, oid)| {
            name.strip_prefix("refs/heads/")
                .map(|branch| (branch, oid.as_str()))
        })
    }

    /// The remotes that have remote-tracking refs, by name.
    pub(super) fn remotes(&self) -> Vec<&str> {
        let mut remotes: Vec<&str> = self
            .oids
            .keys()
            .chain(self.symrefs.keys())
            .filter_map(|name| name.strip_prefix("refs/remotes/")?.split('/').next())
            .collect();
        remotes.sort_unstable();
        remotes.dedup();
        remotes
    }
}

const CONFIG_LIMIT: u64 = 1 << 20;
const REFLOG_LIMIT: u64 = 1 << 20;
const PACKED_REFS_LIMIT: u64 = 64 << 20;
const LOOSE_REF_LIMIT: u64 = 4096;
const LOOSE_REFS_LIMIT: usize = 100_000;
const MAX_REF_DEPTH: usize = 32;

fn is_oid(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

fn split_once(bytes: &[u8], separator: u8) -> Option<(&[u8], &[u8])> {
    let at = bytes.iter().position(|byte| *byte == separator)?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// A regular file's bytes, up to `limit`; `Ok(None)` when it does not exist. A symlink,
/// a pipe or another special file, or a file over the limit, is an error.
fn read_small(path: &Path, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let file = match open_no_follow(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    if meta.len() > limit {
        return Err(io::Error::other("too large"));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags};
    // Non-blocking: opening a pipe for reading must not wait for a writer.
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let fd = rustix::fs::open(path, flags, Mode::empty())?;
    Ok(std::fs::File::from(fd))
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> io::Result<std::fs::File> {
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(io::Error::other("a symlink"));
    }
    std::fs::File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn packed_and_loose_refs_with_a_symbolic_remote_head() -> TestResult {
        let root = tempfile::tempdir()?;
        let git = root.path().join(".git");
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        std::fs::create_dir_all(git.join("refs/remotes/origin"))?;
        std::fs::create_dir_all(git.join("refs/heads/agents"))?;
        std::fs::write(
            git.join("packed-refs"),
            format!(
                "# pack-refs with: peeled\n{a} refs/remotes/origin/main\n^{b}\n{a} refs/tags/v1\n{a} refs/heads/agents/t1\n"
            ),
        )?;
        // Loose refs win over packed ones.
        std::fs::write(git.join("refs/heads/agents/t1"), format!("{b}\n"))?;
        std::fs::write(git.join("refs/heads/agents/t1.lock"), "junk")?;
        std::fs::write(
            git.join("refs/remotes/origin/HEAD"),
            "ref: refs/remotes/origin/main\n",
        )?;
        let refs = GitDir::Plain(git).refs().ok_or("refs not read")?;
        assert_eq!(
            refs.resolve("refs/remotes/origin/HEAD"),
            Some(("refs/remotes/origin/main", a.as_str()))
        );
        assert_eq!(
            refs.branches().collect::<Vec<_>>(),
            [("agents/t1", b.as_str())]
        );
        assert_eq!(refs.remotes(), ["origin"]);
        assert!(!refs.oids.contains_key("refs/tags/v1"));
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_or_a_symlink_is_never_read() -> TestResult {
        let root = tempfile::tempdir()?;
        let git = root.path().join(".git");
        std::fs::create_dir_all(git.join("logs/refs/heads"))?;
        let status = std::process::Command::new("mkfifo")
            .arg(git.join("config"))
            .status()?;
        assert!(status.success());
        std::os::unix::fs::symlink("/etc/passwd", git.join("logs/refs/heads/main"))?;
        let dir = GitDir::Plain(git);
        // A pipe as config: cannot be read, so it may define filters.
        assert!(dir.config_may_define_filters());
        assert_eq!(dir.created_only("main"), None);
        Ok(())
    }

    #[test]
    fn reflog_of_a_branch_created_and_never_moved() -> TestResult {
        let root = tempfile::tempdir()?;
        let git = root.path().join(".git");
        let logs = git.join("logs/refs/heads");
        std::fs::create_dir_all(logs.join("agents"))?;
        let zero = "0".repeat(40);
        let a = "a".repeat(40);
        let line = |old: &str, message: &str| format!("{old} {a} T <t@e> 1 +0000\t{message}\n");
        std::fs::write(
            logs.join("agents/t1"),
            line(&zero, "branch: Created from HEAD"),
        )?;
        std::fs::write(logs.join("main"), line(&zero, "clone: from /remote.git"))?;
        std::fs::write(logs.join("first"), line(&zero, "commit (initial): first"))?;
        std::fs::write(
            logs.join("worked"),
            line(&zero, "branch: Created from HEAD") + &line(&a, "commit: work"),
        )?;
        let dir = GitDir::Plain(git);
        assert_eq!(dir.created_only("agents/t1"), Some(true));
        assert_eq!(dir.created_only("main"), Some(true));
        assert_eq!(dir.created_only("first"), Some(false));
        assert_eq!(dir.created_only("worked"), Some(false));
        assert_eq!(dir.created_only("missing"), None);
        assert_eq!(dir.created_only("../../../etc"), None);
        Ok(())
    }

    #[test]
    fn config_mentions_of_filters_and_includes() -> TestResult {
        let root = tempfile::tempdir()?;
        let git = root.path().join(".git");
        std::fs::create_dir_all(&git)?;
        let dir = GitDir::Plain(git.clone());
        assert!(!dir.config_may_define_filters(), "no config at all");
        std::fs::write(git.join("config"), "[core]\n\tbare = false\n")?;
        assert!(!dir.config_may_define_filters());
        for text in [
            "[core] [FILTER \"x\"] clean = evil",
            "[includeIf \"gitdir:/\"]\n\tpath = /tmp/x",
            "[Include]\n\tpath = x",
        ] {
            std::fs::write(git.join("config"), text)?;
            assert!(dir.config_may_define_filters(), "{text}");
        }
        std::fs::write(git.join("config"), "")?;
        std::fs::write(git.join("config.worktree"), "[filter \"y\"]\n")?;
        assert!(dir.config_may_define_filters());
        assert!(GitDir::Other(git).config_may_define_filters());
        Ok(())
    }
}
