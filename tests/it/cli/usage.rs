//! `usage`: every environment and a total, sizes equal to du.

use super::{BrokenFiles, TestResult, canonical_data, dry_run, du_total, workspace_dirs};
use crate::common;
use agents_janitor::demo::ENVIRONMENTS;
use agents_janitor::store::paths;
use common::Fixture;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[test]
fn usage_human_lists_every_environment_and_a_total() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let usage = dry_run(&fx, &["usage"])?;
    broken.assert_reported(&usage);
    assert!(
        usage.stdout.lines().any(|line| line.starts_with("TOTAL")),
        "{usage}"
    );
    for env in ENVIRONMENTS {
        assert!(
            usage.stdout.contains(env.name),
            "{} missing:\n{usage}",
            env.name
        );
    }
    broken.assert_intact()
}

#[test]
fn usage_json_sizes_equal_du() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let data = canonical_data(&fx)?;
    let usage = dry_run(&fx, &["usage", "--json"])?;
    broken.assert_reported(&usage);
    let doc = usage.json()?;
    let environments = doc["environments"]
        .as_array()
        .ok_or("environments is not a list")?;
    for env in environments {
        for key in [
            "env_id",
            "name",
            "workspace_type",
            "task_count",
            "bytes",
            "disk_bytes",
        ] {
            assert!(env.get(key).is_some(), "{key} missing in {env}");
        }
    }
    let listed: BTreeSet<&str> = environments
        .iter()
        .filter_map(|env| env["env_id"].as_str())
        .collect();
    let demo_envs: BTreeSet<&str> = ENVIRONMENTS.iter().map(|env| env.id).collect();
    assert_eq!(listed, demo_envs);
    let total_bytes = doc["total_bytes"].as_u64().ok_or("total_bytes")?;
    let total_disk = doc["total_disk_bytes"].as_u64().ok_or("total_disk_bytes")?;
    assert!(total_bytes > 0 && total_disk > 0, "{doc}");

    if !common::can_compare_with_du()? {
        return broken.assert_intact();
    }
    let all = workspace_dirs(&data)?;
    assert_eq!(total_bytes, du_total(&["-sb"], &all)?, "total_bytes");
    assert_eq!(
        total_disk,
        du_total(&["-s", "-B1"], &all)?,
        "total_disk_bytes"
    );
    for env in environments {
        let id = env["env_id"].as_str().ok_or("env_id")?;
        let folder = paths::managed_repos_dir(&data).join(paths::safe_id(id));
        let dirs: Vec<PathBuf> = all
            .iter()
            .filter(|dir| dir.starts_with(&folder))
            .cloned()
            .collect();
        assert_eq!(
            env["bytes"].as_u64(),
            Some(du_total(&["-sb"], &dirs)?),
            "{id}"
        );
        assert_eq!(
            env["disk_bytes"].as_u64(),
            Some(du_total(&["-s", "-B1"], &dirs)?),
            "{id}"
        );
    }
    broken.assert_intact()
}
