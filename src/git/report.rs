//! Git's answers, parsed: `git status --porcelain=v2 --branch -z` and the commits of a
//! `git rev-list --left-right --cherry-mark --boundary` of the branch against its base.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// What `git status --porcelain=v2 --branch --ignored=matching -z` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct StatusReport {
    /// The commit HEAD is on; `None` before the first commit.
    pub(super) head: Option<String>,
    /// The branch checked out; `None` when HEAD is detached.
    pub(super) branch: Option<String>,
    /// The branch's upstream (`origin/feature`), if one is set.
    pub(super) upstream: Option<String>,
    /// Commits ahead of and behind the upstream, when it exists.
    pub(super) ahead_behind: Option<(u32, u32)>,
    /// Changed, staged, deleted, conflicted and untracked paths.
    pub(super) uncommitted: u32,
    /// Ignored entries (a folder that matches an ignore rule is one entry).
    pub(super) ignored: Vec<PathBuf>,
}

impl StatusReport {
    pub(super) fn parse(output: &[u8]) -> Self {
        let mut report = Self::default();
        let mut fields = output
            .split(|byte| *byte == 0)
            .filter(|field| !field.is_empty());
        while let Some(field) = fields.next() {
            let text = String::from_utf8_lossy(field);
            if let Some(header) = text.strip_prefix("# ") {
                report.header(header);
                continue;
            }
            match field.first() {
                Some(b'1' | b'u' | b'?') => {
                    report.uncommitted = report.uncommitted.saturating_add(1)
                }
                Some(b'2') => {
                    report.uncommitted = report.uncommitted.saturating_add(1);
                    // A rename or copy is followed by its original path.
                    fields.next();
                }
                Some(b'!') => {
                    if let Some(path) = field.get(2..) {
                        report
                            .ignored
                            .push(path_from_bytes(path.strip_suffix(b"/").unwrap_or(path)));
                    }
                }
                _ => {}
            }
        }
        report
    }

    fn header(&mut self, header: &str) {
        let (key, value) = header.split_once(' ').unwrap_or((header, ""));
        match key {
            "branch.oid" if value != "(initial)" => self.head = Some(value.to_owned()),
            "branch.head" if value != "(detached)" => self.branch = Some(value.to_owned()),
            "branch.upstream" => self.upstream = Some(value.to_owned()),
            "branch.ab" => {
                let mut counts = value
                    .split(' ')
                    .map(|count| count.trim_start_matches(['+', '-']).parse::<u32>());
                if let (Some(Ok(ahead)), Some(Ok(behind))) = (counts.next(), counts.next()) {
                    self.ahead_behind = Some((ahead, behind));
                }
            }
            _ => {}
        }
    }
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// The format [`Comparison::parse`] reads: mark, commit, tree, parents.
pub(super) const COMPARISON_FORMAT: &str = "--format=%m %H %T %P";

/// One commit of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    mark: char,
    tree: String,
    parents: Vec<String>,
}

/// The commits of `HEAD...base` with their cherry marks and the boundary: the branch's
/// own commits (the left side), the base's new ones (the right side), and the commits
/// where they meet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Comparison {
    commits: HashMap<String, Listed>,
}

impl Comparison {
    /// Reads `git rev-list --left-right --cherry-mark --boundary --no-commit-header
    /// --format='%m %H %T %P'` output.
    pub(super) fn parse(output: &[u8]) -> Self {
        let text = String::from_utf8_lossy(output);
        let commits = text
            .lines()
            .filter_map(|line| {
                let mut words = line.split(' ');
                let mark = words.next()?.chars().next()?;
                let oid = words.next()?.to_owned();
                let tree = words.next()?.to_owned();
                let parents = words
                    .filter(|word| !word.is_empty())
                    .map(str::to_owned)
                    .collect();
                Some((
                    oid,
                    Listed {
                        mark,
                        tree,
                        parents,
                    },
                ))
            })
            .collect();
        Self { commits }
    }

    /// The commits reachable from `tip` through listed, non-boundary commits (`tip`
    /// itself included when it is one).
    fn side(&self, tip: &str) -> HashSet<&str> {
        let mut side = HashSet::new();
        let mut todo = vec![tip];
        while let Some(oid) = todo.pop() {
            let Some((oid, listed)) = self.commits.get_key_value(oid) else {
                continue;
            };
            if listed.mark == '-' || !side.insert(oid.as_str()) {
                continue;
            }
            todo.extend(listed.parents.iter().map(String::as_str));
        }
        side
    }

    /// What the comparison says of the branch at `head` against the base at `base`.
    pub(super) fn sides(&self, head: &str, base: &str) -> Sides<'_> {
        let left = self.side(head);
        let right = self.side(base);
        let left_boundary: HashSet<&str> = left
            .iter()
            .filter_map(|oid| self.commits.get(*oid))
            .flat_map(|listed| listed.parents.iter())
            .map(String::as_str)
            .filter(|parent| self.commits.get(*parent).is_some_and(|c| c.mark == '-'))
            .collect();
        Sides {
            comparison: self,
            left,
            right,
            left_boundary,
        }
    }

    /// The tree of a listed commit.
    pub(super) fn tree(&self, oid: &str) -> Option<&str> {
        self.commits.get(oid).map(|listed| listed.tree.as_str())
    }

    /// Whether `oid` was listed at all (a commit of either side, or the boundary).
    pub(super) fn lists(&self, oid: &str) -> bool {
        self.commits.contains_key(oid)
    }
}

/// The two sides of a comparison.
pub(super) struct Sides<'a> {
    comparison: &'a Comparison,
    /// The branch's commits that are not in the base.
    pub(super) left: HashSet<&'a str>,
    /// The base's commits that are not on the branch.
    pub(super) right: HashSet<&'a str>,
    /// Where the branch's own commits start: commits of the base they grow from.
    pub(super) left_boundary: HashSet<&'a str>,
}

impl Sides<'_> {
    /// Every commit of the branch has an equivalent patch in the base (`=`).
    pub(super) fn all_left_equivalent(&self) -> bool {
        self.left.iter().all(|oid| {
            self.comparison
                .commits
                .get(*oid)
                .is_some_and(|c| c.mark == '=')
        })
    }

    /// The branch's own commits that no remote ref among `remote_tips` reaches (an
    /// upper bound: a remote ref outside the comparison is not seen).
    pub(super) fn left_unpushed<'t>(&self, remote_tips: impl Iterator<Item = &'t str>) -> u32 {
        let mut pushed: HashSet<&str> = HashSet::new();
        let mut todo: Vec<&str> = remote_tips.filter(|tip| self.left.contains(tip)).collect();
        while let Some(oid) = todo.pop() {
            if !self.left.contains(oid) || !pushed.insert(oid) {
                continue;
            }
            if let Some(listed) = self.comparison.commits.get(oid) {
                todo.extend(listed.parents.iter().map(String::as_str));
            }
        }
        u32::try_from(self.left.len() - pushed.len()).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_headers_entries_and_ignored() {
        let output = b"# branch.oid abc\0# branch.head feat\0# branch.upstream origin/feat\0# branch.ab +2 -1\0\
1 .M N... 100644 100644 100644 a b README.md\0\
2 R. N... 100644 100644 100644 a b R100 new name\0old name\0\
u UU N... 100644 100644 100644 100644 a b c conflict\0\
? new file\0! target/\0! x.pyc\0";
        let report = StatusReport::parse(output);
        assert_eq!(report.head.as_deref(), Some("abc"));
        assert_eq!(report.branch.as_deref(), Some("feat"));
        assert_eq!(report.upstream.as_deref(), Some("origin/feat"));
        assert_eq!(report.ahead_behind, Some((2, 1)));
        assert_eq!(report.uncommitted, 4);
        assert_eq!(
            report.ignored,
            [PathBuf::from("target"), PathBuf::from("x.pyc")]
        );
    }

    #[test]
    fn status_of_an_unborn_detached_or_untracked_branch() {
        let report = StatusReport::parse(b"# branch.oid (initial)\0# branch.head main\0");
        assert_eq!(
            (report.head, report.branch.as_deref()),
            (None, Some("main"))
        );
        let report = StatusReport::parse(b"# branch.oid abc\0# branch.head (detached)\0");
        assert_eq!(report.branch, None);
        let report =
            StatusReport::parse(b"# branch.oid abc\0# branch.head x\0# branch.upstream origin/x\0");
        assert_eq!(
            (report.upstream.as_deref(), report.ahead_behind),
            (Some("origin/x"), None)
        );
    }

    /// HEAD h3 -> h2 -> m; base b2 -> b1 -> m; h2 is equivalent to b1; r is a remote tip.
    fn comparison() -> Comparison {
        Comparison::parse(b"< h3 T3 h2\n= h2 T2 m\n> b2 TB2 b1\n= b1 TB1 m\n- m TM \n")
    }

    #[test]
    fn sides_of_a_comparison() {
        let comparison = comparison();
        let sides = comparison.sides("h3", "b2");
        assert_eq!(sides.left, HashSet::from(["h3", "h2"]));
        assert_eq!(sides.right, HashSet::from(["b2", "b1"]));
        assert_eq!(sides.left_boundary, HashSet::from(["m"]));
        assert!(!sides.all_left_equivalent());
        assert_eq!(sides.left_unpushed(std::iter::empty()), 2);
        assert_eq!(sides.left_unpushed(["h2", "zz"].into_iter()), 1);
        assert_eq!(sides.left_unpushed(["h3"].into_iter()), 0);
        assert_eq!(comparison.tree("b2"), Some("TB2"));
        let equivalent = Comparison::parse(b"= h1 T1 m\n> b1 TB m\n- m TM \n");
        assert!(equivalent.sides("h1", "b1").all_left_equivalent());
    }
}
