//! `demo`, and the overview printed without a subcommand.

use super::{BrokenFiles, TestResult, dry_run, exists, ids, strings};
use crate::common;
use agents_janitor::demo::TASKS;
use agents_janitor::store::paths;
use common::{Fixture, janitor, output_of, tree_digest};
use std::fs;

#[test]
fn demo_writes_a_data_dir_that_list_reads() -> TestResult {
    let fx = Fixture::new()?;
    let fresh = fx.root.path().join("fresh-demo");
    let mut command = janitor(&fx)?;
    command.arg("demo").arg(&fresh);
    let written = output_of(command)?;
    assert_eq!(written.code, Some(0), "{written}");
    assert!(fresh.join(paths::ENVIRONMENTS_FILE).is_file());

    let mut command = janitor(&fx)?;
    command
        .arg("--data-dir")
        .arg(&fresh)
        .args(["list", "--json"]);
    let listed = output_of(command)?;
    assert_eq!(listed.code, Some(0), "{listed}");
    assert!(listed.errors().is_empty(), "{listed}");
    assert_eq!(
        strings(&listed.json()?),
        ids(TASKS.iter().filter(|t| !t.archived))
    );
    common::make_writable(&fresh);
    Ok(())
}

#[test]
fn demo_refuses_a_non_empty_dir() -> TestResult {
    let fx = Fixture::new()?;
    let target = fx.root.path().join("occupied");
    fs::create_dir_all(&target)?;
    fs::write(target.join("keep.txt"), "mine\n")?;
    let before = tree_digest(&target);
    let mut command = janitor(&fx)?;
    command.arg("demo").arg(&target);
    let refused = output_of(command)?;
    assert_eq!(refused.code, Some(2), "{refused}");
    assert!(refused.stderr.contains("not empty"), "{refused}");
    assert!(
        before == tree_digest(&target),
        "demo wrote into a non-empty dir"
    );
    Ok(())
}

#[test]
fn no_subcommand_prints_the_usage_overview() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let overview = dry_run(&fx, &[])?;
    assert!(overview.stdout.contains("Data directory:"), "{overview}");
    assert!(
        overview
            .stdout
            .lines()
            .any(|line| line.starts_with("TOTAL")),
        "{overview}"
    );
    assert!(overview.stdout.contains("--help"), "{overview}");
    assert!(
        !exists(&fx.root.path().join("xdg-data")),
        "the overview wrote a demo although a data dir exists"
    );
    broken.assert_intact()
}
