//! Plans, rows and settings: the kinds asked, the sums per kind, the defaults, log trims.

use super::*;

#[test]
fn the_plan_takes_the_kinds_asked_once_each_and_refuses_never() -> Result<(), ReclaimError> {
    let w = world(true, true);
    let candidates = assess(&w.input(None, None));
    let request = ReclaimRequest {
        kinds: vec![
            FootprintKind::Artifacts,
            FootprintKind::DiscardedArtifacts,
            FootprintKind::ArtifactStaging,
            FootprintKind::Backups,
            FootprintKind::DockerImages,
        ],
        older_than_hours: None,
    };
    let plan = plan(&request, &candidates, &w.settings)?;
    let steps: Vec<(FootprintKind, &str)> = plan
        .steps
        .iter()
        .map(|s| {
            (
                s.kind,
                s.path
                    .trim_start_matches(&format!("{HOME}/"))
                    .trim_start_matches(&format!("{DATA}/")),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            (
                FootprintKind::Backups,
                "managed-repos/env-c/tasks/arch.bak-17"
            ),
            (FootprintKind::Artifacts, "artifacts/arch"),
            (FootprintKind::Artifacts, "artifacts/gone"),
            (FootprintKind::DiscardedArtifacts, "artifacts/disc"),
            // artifacts/disc/staging goes with its folder.
            (FootprintKind::ArtifactStaging, "artifacts/canc/staging"),
            (
                FootprintKind::DockerImages,
                "docker image agent-runner-desktop:k2"
            ),
        ]
    );
    assert!(matches!(plan.steps[0].target, ReclaimTarget::Folder(_)));
    assert_eq!(
        plan.bytes_to_free,
        plan.steps.iter().map(|s| s.bytes).sum::<u64>()
    );
    assert!(
        plan.skipped
            .iter()
            .any(|s| s.path.ends_with("artifacts/run") && s.refused)
    );
    assert!(
        plan.skipped
            .iter()
            .any(|s| s.path.ends_with("artifacts/live") && !s.refused)
    );
    assert!(plan.skipped.iter().all(|s| request.kinds.contains(&s.kind)));
    // The speech model cache is never by default, prompts always.
    for kind in [FootprintKind::SpeechModels, FootprintKind::Prompts] {
        let never = ReclaimRequest {
            kinds: vec![kind],
            older_than_hours: None,
        };
        assert_eq!(
            super::plan(&never, &candidates, &w.settings),
            Err(ReclaimError::Never(kind))
        );
    }
    let mut settings = w.settings.clone();
    settings
        .kinds
        .insert(FootprintKind::SpeechModels, KindSetting::Ask);
    let models = super::plan(
        &ReclaimRequest {
            kinds: vec![FootprintKind::SpeechModels],
            older_than_hours: None,
        },
        &candidates,
        &settings,
    )?;
    assert_eq!(models.steps.len(), 1);
    assert!(
        models
            .warnings
            .iter()
            .any(|w| w.contains("downloaded again"))
    );
    let bad = ReclaimRequest {
        kinds: vec![],
        older_than_hours: Some(-1.0),
    };
    assert!(matches!(
        super::plan(&bad, &candidates, &w.settings),
        Err(ReclaimError::InvalidAge(_))
    ));
    Ok(())
}

#[test]
fn rows_sum_each_kind_and_count_nothing_reclaimable_when_never() {
    let w = world(true, true);
    let input = w.input(None, None);
    let candidates = assess(&input);
    let rows = summarize(&candidates, &input);
    assert_eq!(rows.len(), FootprintKind::ALL.len());
    let row = |kind: FootprintKind| rows.iter().find(|r| r.kind == kind).cloned();
    let artifacts = row(FootprintKind::Artifacts).ok_or("no row");
    assert_eq!(
        artifacts.map(|r| (
            r.count,
            r.bytes,
            r.reclaimable_count,
            r.reclaimable_bytes,
            r.setting
        )),
        Ok((5, 5 * 4096, 2, 2 * 4096, KindSetting::Ask))
    );
    let models = row(FootprintKind::SpeechModels).ok_or("no row");
    assert_eq!(
        models.map(|r| (r.count, r.reclaimable_bytes, r.setting)),
        Ok((1, 0, KindSetting::Never))
    );
    let records = row(FootprintKind::ArchivedRecords).ok_or("no row");
    assert_eq!(records.map(|r| r.reclaimable_bytes), Ok(150_000));
    assert_eq!(
        row(FootprintKind::CrashLeftovers).map(|r| r.setting),
        Some(KindSetting::Schedule)
    );
    // Docker not running: its rows say so and count nothing.
    let mut down = world(true, false);
    down.footprint.docker =
        DockerState::Unavailable("docker is not running: Cannot connect".into());
    let input = down.input(None, None);
    let rows = summarize(&assess(&input), &input);
    let images = rows
        .iter()
        .find(|r| r.kind == FootprintKind::DockerImages)
        .map(|r| (r.count, r.note.clone()));
    assert_eq!(
        images,
        Some((0, Some("docker is not running: Cannot connect".into())))
    );
}

#[test]
fn settings_default_to_schedule_for_crash_leftovers_and_discarded_artifacts() {
    let settings = ReclaimSettings::default();
    assert_eq!(
        settings.scheduled_kinds(),
        vec![
            FootprintKind::DiscardedArtifacts,
            FootprintKind::CrashLeftovers
        ]
    );
    let asked = settings.asked_kinds();
    assert!(!asked.contains(&FootprintKind::SpeechModels));
    assert!(!asked.contains(&FootprintKind::Prompts));
    assert_eq!(asked.len(), FootprintKind::ALL.len() - 2);
    let mut prompts = settings.clone();
    prompts
        .kinds
        .insert(FootprintKind::Prompts, KindSetting::Ask);
    assert_eq!(prompts.setting(FootprintKind::Prompts), KindSetting::Never);
    assert_eq!(settings.schedule_age_hours, 168.0);
    for setting in KindSetting::ALL {
        assert_eq!(setting.as_str().parse::<KindSetting>(), Ok(setting));
    }
}

#[test]
fn trim_candidates_are_old_archived_toml_records_with_more_lines_than_kept() {
    let mut snapshot = snapshot();
    let mut short = task("short", "done", true);
    short.log_count = 10;
    let mut recent = task("recent", "done", true);
    recent.finished_at = Some(crate::store::time::format_iso(now() - HOUR));
    snapshot.tasks.extend([short, recent]);
    let mut settings = ReclaimSettings::default();
    assert!(trim_candidates(&snapshot, &settings, now(), None).is_empty());
    settings.trim_logs_after_hours = Some(24.0);
    let ids: Vec<String> = trim_candidates(&snapshot, &settings, now(), None)
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(ids, vec!["arch", "darch", "arch2"]);
}
