//! Quota levels, quota enforcement and the scheduled cleanup.

use super::*;

#[test]
fn quota_levels() {
    // (used, limit, warn %, level)
    let table = [
        (0, 1000, 80, QuotaLevel::Ok),
        (799, 1000, 80, QuotaLevel::Ok),
        (800, 1000, 80, QuotaLevel::Warning),
        (1000, 1000, 80, QuotaLevel::Warning),
        (1001, 1000, 80, QuotaLevel::Over),
        (999, 1000, 100, QuotaLevel::Ok),
        (1, 1000, 0, QuotaLevel::Warning),
        (u64::MAX, u64::MAX, 99, QuotaLevel::Warning),
    ];
    for (used, limit, warn_percent, level) in table {
        let quota = Quota {
            limit_bytes: limit,
            warn_percent,
            auto_clean: false,
        };
        assert_eq!(
            quota_level(used, &quota),
            level,
            "{used} of {limit} at {warn_percent}%"
        );
    }
}

#[test]
fn quotas_delete_the_oldest_eligible_workspaces_until_under() -> Result<(), PlanError> {
    let world = quota_world();
    // (limit, allow unsaved, keep_on_error, deleted in order, still over)
    let table: [(u64, bool, bool, &[&str], bool); 6] = [
        (7000, false, true, &[], false),
        (6500, false, true, &["a"], false),
        (4500, false, true, &["a", "b", "f"], false),
        (3500, false, true, &["a", "b", "f"], true),
        (4500, true, true, &["a", "b", "e"], false),
        (4500, false, false, &["c", "a", "b"], false),
    ];
    for (limit, allow_unsaved, keep_on_error, expected, still_over) in table {
        let plan = world.plan(&Action::EnforceQuotas {
            quotas: BTreeMap::from([("env-c".to_owned(), quota(limit, false))]),
            keep_on_error,
            allow_unsaved,
        })?;
        let case = format!("limit {limit}, unsaved {allow_unsaved}, keep {keep_on_error}");
        assert_eq!(deleted(&plan), expected, "{case}");
        assert!(
            plan.steps
                .iter()
                .all(|s| s.record_change == RecordChange::Keep),
            "{case}"
        );
        let over = plan.warnings.iter().find(|w| w.contains("stays over"));
        assert_eq!(over.is_some(), still_over, "{case}: {:?}", plan.warnings);
        if let Some(over) = over {
            for why in ["active", "kept for debugging", "unsaved git work", "orphan"] {
                assert!(over.contains(why), "{case}: {over}");
            }
        }
        if allow_unsaved {
            assert!(
                plan.warnings.iter().any(|w| w.contains("task e:")),
                "{case}"
            );
        }
    }
    Ok(())
}

#[test]
fn quotas_of_other_or_unknown_environments_change_nothing() -> Result<(), PlanError> {
    let world = quota_world();
    let plan = world.plan(&Action::EnforceQuotas {
        quotas: BTreeMap::from([
            ("env-m".to_owned(), quota(1, false)),
            ("no-such-env".to_owned(), quota(1, false)),
        ]),
        keep_on_error: true,
        allow_unsaved: false,
    })?;
    assert!(plan.steps.is_empty());
    Ok(())
}

#[test]
fn the_scheduled_cleanup_archives_sweeps_and_enforces_auto_quotas_once_each()
-> Result<(), PlanError> {
    let mut world = quota_world();
    world.add_workspace("env-c", "young-orphan", 0);
    let scheduled = |auto_clean: bool| Action::Scheduled {
        slim_failed: false,
        merged_unsaved: false,
        keep_on_error: true,
        allow_unsaved: false,
        clean_done: true,
        older_than_hours: 24.0,
        quotas: BTreeMap::from([("env-c".to_owned(), quota(1500, auto_clean))]),
    };
    let plan = world.plan(&scheduled(false))?;
    // Archive: a, b, e, f (done) with their workspaces unless unsaved; c archived,
    // its workspace kept, then swept (100 h old) in the same step. The sweep adds the
    // old orphan; the running task is never touched.
    assert_eq!(describe(&plan, "a"), "archive+ws");
    assert_eq!(describe(&plan, "c"), "archive+ws");
    assert_eq!(describe(&plan, "e"), "archive");
    assert_eq!(describe(&plan, "d"), "skip");
    assert_eq!(describe(&plan, "orphan"), "keep+ws");
    assert_eq!(describe(&plan, "young-orphan"), "none");
    let mut records: Vec<_> = plan.steps.iter().filter_map(|s| s.record.clone()).collect();
    let count = records.len();
    records.dedup();
    assert_eq!(records.len(), count, "one step per record");
    // 2000 bytes remain (d and e, 1000 each, plus the young orphan = 3000) over a
    // 1500 quota; nothing else may go, so with auto-clean it is explained.
    let auto = world.plan(&scheduled(true))?;
    assert_eq!(deleted(&auto), deleted(&plan));
    assert!(
        auto.warnings.iter().any(|w| w.contains("stays over")),
        "{:?}",
        auto.warnings
    );
    assert!(!plan.warnings.iter().any(|w| w.contains("stays over")));
    Ok(())
}
