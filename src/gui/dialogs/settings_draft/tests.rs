//! Table tests of the Settings dialog's fields: round trips, each invalid field named.

use super::*;

fn draft() -> SettingsDraft {
    let mut config = Config::default();
    config.quotas.insert(
        "env-a".into(),
        Quota {
            limit_bytes: 20_000_000_000,
            warn_percent: 80,
            auto_clean: true,
        },
    );
    SettingsDraft::from_config(&config)
}

#[test]
fn an_unchanged_draft_gives_back_the_same_settings() -> Result<(), String> {
    let draft = draft();
    assert_eq!(draft.quotas[0].limit, "20 GB");
    let config = draft.to_config().map_err(|e| format!("{e:?}"))?;
    assert_eq!(SettingsDraft::from_config(&config), draft);
    Ok(())
}

#[test]
fn each_invalid_field_is_named_and_nothing_is_returned() {
    // (what to change, which error)
    type Edit = fn(&mut SettingsDraft);
    type Expected = fn(&DraftErrors) -> bool;
    let table: [(Edit, Expected); 8] = [
        (|d| d.sweep_age = "-3".into(), |e| e.sweep_age.is_some()),
        (|d| d.sweep_age = "0".into(), |e| e.sweep_age.is_some()),
        (
            |d| d.schedule = "every now and then".into(),
            |e| e.schedule.is_some(),
        ),
        (|d| d.schedule = "10s".into(), |e| e.schedule.is_some()),
        (
            |d| d.quotas[0].limit = "lots".into(),
            |e| e.quotas[&0].limit.is_some() && e.quotas[&0].warn.is_none(),
        ),
        (
            |d| d.quotas[0].warn_percent = "120".into(),
            |e| e.quotas[&0].warn.is_some() && e.quotas[&0].limit.is_none(),
        ),
        (
            |d| {
                let copy = d.quotas[0].clone();
                d.quotas.push(copy);
            },
            |e| e.quotas.get(&1).is_some_and(|q| q.env.is_some()) && !e.quotas.contains_key(&0),
        ),
        // Both fields wrong: both are said, each under its own field.
        (
            |d| {
                d.quotas[0].limit = "lots".into();
                d.quotas[0].warn_percent = "0".into();
            },
            |e| e.quotas[&0].limit.is_some() && e.quotas[&0].warn.is_some(),
        ),
    ];
    for (index, (edit, expected)) in table.into_iter().enumerate() {
        let mut draft = draft();
        edit(&mut draft);
        let result = draft.to_config();
        assert!(
            result.as_ref().is_err_and(expected),
            "case {index}: {result:?}"
        );
    }
}

#[test]
fn typed_values_are_parsed() -> Result<(), String> {
    let mut draft = draft();
    draft.sweep_age = "2d".into();
    draft.schedule = "6h".into();
    draft.delete_mode = DeleteMode::Trash;
    draft.quotas[0].limit = "1.5 GiB".into();
    let config = draft.to_config().map_err(|e| format!("{e:?}"))?;
    assert_eq!(config.sweep_age_hours, 48.0);
    assert_eq!(
        config.schedule,
        Some(std::time::Duration::from_secs(6 * 3600))
    );
    assert_eq!(config.delete_mode, DeleteMode::Trash);
    assert_eq!(config.quotas["env-a"].limit_bytes, 1_610_612_736);
    draft.schedule = "off".into();
    assert_eq!(draft.to_config().map(|c| c.schedule), Ok(None));
    Ok(())
}
