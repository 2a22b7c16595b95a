//! "Check remotes": `git fetch --prune` of a workspace's remote, so a branch merged (and
//! deleted) on the remote since the clone was made shows as merged.
//!
//! A fetch reads far more of the repository's config than a status does, and some of it
//! names commands (an agent could have written any of them): those settings are
//! overridden from the command-line scope or the environment, which beat the
//! repository's config. Hooks go to `/dev/null`; credential helpers are reset to the
//! user's own (system and global config); the ssh command is the user's, else plain
//! `ssh` in batch mode; `core.askPass`, `core.gitProxy`, `core.alternateRefsCommand`
//! and `remote.<name>.uploadpack` are neutralised; the `ext` transport is refused;
//! submodules are not fetched; no automatic gc runs. Only the remote-tracking refs move,
//! through an explicit refspec, whatever `remote.<name>.fetch` says.

use super::classify;
use super::repo_files::GitDir;
use super::runner::{self, failure};
use std::ffi::OsStr;
use std::path::Path;
use std::time::Duration;

/// How long one workspace's fetch may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// The user's config entries a fetch sets again after resetting them.
const USER_KEYS: &str = r"^(credential\..*helper|core\.sshcommand)$";

/// Fetches the remote of `workspace` (`origin`, or the only remote), pruning
/// remote-tracking branches deleted there, within `timeout`. On failure, why.
pub fn fetch(workspace: &Path, timeout: Duration) -> Result<(), String> {
    fetch_with(OsStr::new("git"), workspace, timeout)
}

fn fetch_with(program: &OsStr, workspace: &Path, timeout: Duration) -> Result<(), String> {
    let (mut git, git_dir) =
        classify::open(program, workspace, timeout).map_err(|(reason, _)| reason)?;
    let remote = fetched_remote(&git_dir);
    let user = runner::user_config(program, USER_KEYS, git.remaining()).unwrap_or_default();
    let null = if cfg!(windows) { "NUL" } else { "/dev/null" };
    for (key, value) in [
        ("core.hooksPath", null),
        ("core.alternateRefsCommand", ""),
        ("protocol.ext.allow", "never"),
        ("protocol.fd.allow", "never"),
        ("gc.auto", "0"),
        ("maintenance.auto", "false"),
        ("fetch.recurseSubmodules", "false"),
        ("submodule.recurse", "false"),
        // An empty value empties the list of helpers collected so far.
        ("credential.helper", ""),
    ] {
        git.set_config(key, value);
    }
    let mut ssh_command = None;
    for (key, value) in user {
        if key == "core.sshcommand" {
            ssh_command = Some(value);
        } else {
            git.set_config(key, value);
        }
    }
    // The environment's ssh command beats any config; else the user's, never the
    // repository's.
    if std::env::var_os("GIT_SSH_COMMAND").is_none() {
        let command = match std::env::var("GIT_SSH") {
            Ok(program) => Some(format!("'{}'", program.replace('\'', r"'\''"))),
            Err(_) => ssh_command,
        };
        git.set_config(
            "core.sshCommand",
            command.unwrap_or_else(|| "ssh -o BatchMode=yes".to_owned()),
        );
    }
    // Set but empty, these skip the repository's `core.askPass` and `core.gitProxy`.
    if std::env::var_os("GIT_ASKPASS").is_none() {
        git.set_env("GIT_ASKPASS", "");
    }
    if std::env::var_os("GIT_PROXY_COMMAND").is_none() {
        git.set_env("GIT_PROXY_COMMAND", "");
    }
    let refspec = format!("+refs/heads/*:refs/remotes/{remote}/*");
    let output = git.run_str(&[
        "fetch",
        "--prune",
        "--no-tags",
        "--no-recurse-submodules",
        "--no-write-fetch-head",
        "--upload-pack=git-upload-pack",
        // Only the refspec below maps refs, not `remote.<name>.fetch`.
        "--refmap=",
        "--quiet",
        &remote,
        &refspec,
    ])?;
    if !output.status.success() {
        return Err(failure("fetch", &output));
    }
    Ok(())
}

/// `origin`, unless another remote is the only one with remote-tracking refs and has a
/// plain name (a folder named like an option must never reach the command line).
fn fetched_remote(git_dir: &GitDir) -> String {
    let refs = git_dir.refs().unwrap_or_default();
    match refs.remotes().as_slice() {
        [only] if is_plain_remote_name(only) => (*only).to_owned(),
        _ => "origin".to_owned(),
    }
}

fn is_plain_remote_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|first| first.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
}
