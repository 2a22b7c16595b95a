//! `completions SHELL` and `man`: the files a package installs beside the binary, generated
//! from the clap definitions of [`Cli`], so they never drift from `--help`.
//!
//! They are subcommands of the binary itself (not a build script or a dev tool) so that
//! whoever has the binary has them too, a `cargo install` as much as the `.deb`, and they
//! always describe the binary that prints them.

use super::Cli;
use anyhow::{Context, Result};
use clap::{CommandFactory, Subcommand};
use clap_complete::aot::Shell;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The subcommands that print the completions and the man pages.
#[derive(Debug, Subcommand)]
pub(super) enum DistFilesCommand {
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell.
    Completions {
        #[arg(value_name = "SHELL")]
        shell: Shell,
    },
    /// Print the man page (roff); with --out-dir, write it and one page per subcommand there.
    Man {
        /// Write agents-janitor.1 and agents-janitor-COMMAND.1 for every subcommand into
        /// this folder (created if missing) instead of printing agents-janitor.1.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

/// Runs `completions` or `man`, printing to `out`; returns the exit code.
pub(super) fn run(command: DistFilesCommand, out: &mut dyn Write) -> Result<u8> {
    match command {
        DistFilesCommand::Completions { shell } => {
            out.write_all(&completions(shell))
                .context("could not print the completion script")?;
        }
        DistFilesCommand::Man { out_dir: None } => {
            out.write_all(&man_page()?)
                .context("could not print the man page")?;
        }
        DistFilesCommand::Man { out_dir: Some(dir) } => {
            for page in write_man_pages(&dir)? {
                writeln!(out, "{}", page.display()).context("could not print the page list")?;
            }
        }
    }
    out.flush().context("could not print")?;
    Ok(0)
}

/// The completion script of `shell` for the `agents-janitor` command.
fn completions(shell: Shell) -> Vec<u8> {
    // Into memory first: the generators cannot report a failed write (a closed pipe).
    let mut script = Vec::new();
    clap_complete::aot::generate(shell, &mut Cli::command(), BIN_NAME, &mut script);
    if shell == Shell::Bash {
        // clap_complete 4.6 spells the states of a command with a hyphen in its name two ways
        // in bash: agents__janitor__subcmd__sweep where it walks the words typed, and
        // agents__subcmd__janitor__subcmd__sweep where it matches them, so nothing after a
        // subcommand would complete (clap issue 6421). One spelling; a no-op once fixed.
        let (wrong, right) = (
            BIN_NAME.replace('-', "__subcmd__"),
            BIN_NAME.replace('-', "__"),
        );
        return String::from_utf8_lossy(&script)
            .replace(&wrong, &right)
            .into_bytes();
    }
    script
}

/// The man page agents-janitor(1), in roff.
fn man_page() -> Result<Vec<u8>> {
    let mut page = Vec::new();
    man(man_command())
        .render(&mut page)
        .context("could not render the man page")?;
    Ok(page)
}

/// Writes agents-janitor.1 and a page for every visible subcommand (agents-janitor-sweep.1,
/// agents-janitor-config-set.1, …) into `dir`; returns the files written, sorted.
fn write_man_pages(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let mut written = Vec::new();
    write_page_tree(man_command(), dir, &mut written)?;
    written.sort();
    Ok(written)
}

const BIN_NAME: &str = "agents-janitor";

/// What agents-janitor(1) says under DESCRIPTION, beyond the one-line summary.
const MAN_DESCRIPTION: &str = "\
Sizes and safely cleans the task workspaces Agents-Runner leaves on disk.

With no subcommand it opens the desktop window on the data directory, or prints a text \
overview when there is no display. Every subcommand that deletes prints its plan first; \
--dry-run stops there and changes nothing. Only the task folders of cloned environments \
are ever deleted; archive, sweep and complete keep workspaces with uncommitted or unpushed \
work unless --force.

Exit status: 0 done; 1 some steps failed, a task named on the command line was refused, or \
another janitor holds the lock; 2 bad usage or input.

The settings file is config.toml in $XDG_CONFIG_HOME/agents-janitor/ (--config FILE); \
agents-janitor config show prints it. Each subcommand has its own page, \
agents-janitor-COMMAND(1).";

/// The command as the man pages describe it: `help` is a flag there, not a page of its own.
fn man_command() -> clap::Command {
    let mut command = Cli::command()
        .long_about(MAN_DESCRIPTION)
        .disable_help_subcommand(true);
    // Building names every subcommand's page after its parents (agents-janitor-config-set).
    command.build();
    command
}

/// A page of `command`, its footer naming the program and version (a subcommand's page
/// would otherwise say only "sweep").
fn man(command: clap::Command) -> clap_mangen::Man {
    let source = format!("{BIN_NAME} {}", env!("CARGO_PKG_VERSION"));
    clap_mangen::Man::new(command).source(source)
}

fn write_page_tree(command: clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> Result<()> {
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        write_page_tree(sub.clone(), dir, written)?;
    }
    let man = man(command);
    let path = dir.join(man.get_filename());
    man.generate_to(dir)
        .with_context(|| format!("could not write {}", path.display()))?;
    written.push(path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::CliCommand;
    use clap::{Parser, ValueEnum};

    /// The names a user can type after `agents-janitor`, read from the CLI itself.
    fn visible_subcommands() -> Vec<String> {
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .filter(|sub| !sub.is_hide_set())
            .map(|sub| sub.get_name().to_owned())
            .collect();
        for expected in [
            "list",
            "sweep",
            "enforce-quotas",
            "config",
            "completions",
            "man",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
        names
    }

    /// Runs the command line `args` through the real parser and `run`, returning stdout.
    fn run_args(args: &[&str]) -> Result<String> {
        let cli = Cli::try_parse_from(args)?;
        let Some(CliCommand::DistFiles(command)) = cli.command else {
            anyhow::bail!("{args:?} parsed as {:?}", cli.command);
        };
        let mut out = Vec::new();
        assert_eq!(run(command, &mut out)?, 0);
        Ok(String::from_utf8(out)?)
    }

    #[test]
    fn every_shell_gets_a_script_that_names_every_subcommand() -> Result<()> {
        let subcommands = visible_subcommands();
        for shell in Shell::value_variants() {
            let name = shell.to_possible_value().map(|v| v.get_name().to_owned());
            let name = name.context("every shell has a name")?;
            let script = run_args(&["agents-janitor", "completions", &name])?;
            assert!(script.contains("agents-janitor"), "{name}: no command name");
            for sub in &subcommands {
                assert!(script.contains(sub.as_str()), "{name}: no {sub}");
            }
            // Options of a subcommand and of a nested one complete too.
            for option in ["older-than", "dry-run", "out-dir"] {
                assert!(script.contains(option), "{name}: no --{option}");
            }
            assert!(script.contains("show"), "{name}: no config show");
        }
        Ok(())
    }

    #[test]
    fn an_unknown_shell_is_a_usage_error() {
        let err = Cli::try_parse_from(["agents-janitor", "completions", "tcsh"]);
        let err = err.err().map(|e| (e.kind(), e.exit_code()));
        assert_eq!(err, Some((clap::error::ErrorKind::InvalidValue, 2)));
    }

    #[test]
    fn the_bash_script_completes_subcommands_and_their_options_in_bash() -> Result<()> {
        let script = completions(Shell::Bash);
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("agents-janitor.bash");
        std::fs::write(&file, script)?;
        // What bash does on `agents-janitor sw<TAB>`, `agents-janitor config <TAB>` and
        // `agents-janitor sweep --o<TAB>`, with the function the script registered.
        let probe = format!(
            "source '{}'\n\
             complete=$(complete -p agents-janitor) || exit 3\n\
             function=$(echo \"$complete\" | sed 's/.* -F \\([^ ]*\\) .*/\\1/')\n\
             COMP_WORDS=(agents-janitor sw); COMP_CWORD=1\n\
             \"$function\" agents-janitor sw agents-janitor; echo \"sw: ${{COMPREPLY[*]}}\"\n\
             COMP_WORDS=(agents-janitor config ''); COMP_CWORD=2\n\
             \"$function\" agents-janitor '' config; echo \"config: ${{COMPREPLY[*]}}\"\n\
             COMP_WORDS=(agents-janitor sweep --o); COMP_CWORD=2\n\
             \"$function\" agents-janitor --o sweep; echo \"sweep: ${{COMPREPLY[*]}}\"\n",
            file.display()
        );
        // bash is on every machine this runs on (CI's script is a bash script): no skip.
        let output = std::process::Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &probe])
            .output()
            .context("could not run bash")?;
        let stdout = String::from_utf8(output.stdout)?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stdout}\n{stderr}");
        assert!(stderr.trim().is_empty(), "{stderr}");
        assert!(stdout.contains("sw: sweep\n"), "{stdout}");
        let config_line = stdout.lines().find(|l| l.starts_with("config:"));
        let config_words: Vec<&str> = config_line.unwrap_or_default().split(' ').collect();
        assert!(
            config_words.contains(&"show") && config_words.contains(&"set"),
            "{stdout}"
        );
        assert!(stdout.contains("sweep: --older-than\n"), "{stdout}");
        Ok(())
    }

    #[test]
    fn the_man_page_has_name_synopsis_and_every_subcommand() -> Result<()> {
        let page = run_args(&["agents-janitor", "man"])?;
        for section in [
            ".TH agents-janitor 1",
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH OPTIONS",
        ] {
            assert!(page.contains(section), "no {section}:\n{page}");
        }
        assert!(page.contains("Sizes and safely cleans"), "{page}");
        assert!(page.contains("Exit status"), "{page}");
        // roff escapes the dashes: agents\-janitor\-sweep(1).
        let unescaped = page.replace("\\-", "-");
        for sub in visible_subcommands() {
            let reference = format!("agents-janitor-{sub}(1)");
            assert!(unescaped.contains(&reference), "no {reference}:\n{page}");
        }
        assert!(!unescaped.contains("agents-janitor-help(1)"), "{page}");
        assert!(
            !unescaped.contains("bench-data"),
            "a hidden subcommand: {page}"
        );
        Ok(())
    }

    #[test]
    fn out_dir_gets_a_page_for_every_subcommand() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let out_dir = dir.path().join("man1");
        let printed = run_args(&[
            "agents-janitor",
            "man",
            "--out-dir",
            &out_dir.to_string_lossy(),
        ])?;
        let nested = ["config-show", "config-set"].map(String::from);
        let mut expected: Vec<PathBuf> = visible_subcommands()
            .iter()
            .chain(&nested)
            .map(|sub| out_dir.join(format!("agents-janitor-{sub}.1")))
            .collect();
        expected.push(out_dir.join("agents-janitor.1"));
        expected.sort();
        let mut on_disk: Vec<PathBuf> = std::fs::read_dir(&out_dir)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<std::io::Result<_>>()?;
        on_disk.sort();
        assert_eq!(on_disk, expected);
        let listed: Vec<PathBuf> = printed.lines().map(PathBuf::from).collect();
        assert_eq!(listed, expected);
        let sweep = std::fs::read_to_string(out_dir.join("agents-janitor-sweep.1"))?;
        let sweep = sweep.replace("\\-", "-");
        assert!(sweep.contains(".TH agents-janitor-sweep 1"), "{sweep}");
        assert!(sweep.contains("--older-than"), "{sweep}");
        let version = format!("agents-janitor {}", env!("CARGO_PKG_VERSION"));
        assert!(sweep.contains(&version), "{sweep}");
        Ok(())
    }
}
