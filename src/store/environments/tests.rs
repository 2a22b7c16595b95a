//! Tests of reading `environments.json` by Agents-Runner's rules.

use super::*;

#[test]
fn legacy_spellings_map_to_the_three_types() {
    let table = [
        ("cloned", WorkspaceType::Cloned),
        ("GitHub", WorkspaceType::Cloned),
        ("git", WorkspaceType::Cloned),
        ("repo", WorkspaceType::Cloned),
        ("mounted", WorkspaceType::Mounted),
        ("local", WorkspaceType::Mounted),
        ("folder", WorkspaceType::Mounted),
        ("none", WorkspaceType::None),
        ("", WorkspaceType::None),
        ("ftp", WorkspaceType::None),
    ];
    for (raw, want) in table {
        assert_eq!(WorkspaceType::parse(raw), want, "{raw:?}");
    }
}

/// [`load`] on a file holding `text`.
fn load_text(text: &str) -> (Vec<Environment>, Vec<Problem>) {
    let (loaded, problems) = load_all_text(text);
    (loaded.environments, problems)
}

#[test]
fn reads_both_layouts_and_old_id_key() {
    let (envs, problems) = load_text(
        r#"{"environments": [{"env_id": "env-1", "name": "web", "workspace_type": "cloned", "color": "emerald"},
                                  {"id": "env-2", "workspace_type": "local"}]}"#,
    );
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(envs.len(), 2);
    assert_eq!(envs[0].color, "emerald");
    assert_eq!(envs[1].env_id, "env-2");
    assert_eq!(envs[1].name, "env-2");
    assert_eq!(envs[1].workspace_type, WorkspaceType::Mounted);

    let (bare, problems) = load_text(r#"[{"env_id": "env-3"}]"#);
    assert!(problems.is_empty());
    assert_eq!(bare[0].workspace_type, WorkspaceType::None);
}

#[test]
fn bad_files_and_items_become_problems() {
    let (envs, problems) = load_text("{not json");
    assert!(envs.is_empty());
    assert!(
        problems[0].message.contains("not valid JSON"),
        "{problems:?}"
    );

    let (envs, problems) = load_text(r#"{"environments": [{"name": "x"}, 3, {"env_id": "ok"}]}"#);
    assert_eq!(envs.len(), 1);
    assert_eq!(problems.len(), 2);
    assert!(problems[0].message.contains("no env_id"));
}

#[test]
fn a_missing_file_is_no_environments_and_no_problem() {
    let mut problems = Vec::new();
    let loaded = load_all(Path::new("/nonexistent/environments.json"), &mut problems);
    assert!(loaded.environments.is_empty() && problems.is_empty());
    assert_eq!(
        loaded.all_ids, None,
        "no file: no environment is known deleted"
    );
    assert!(!loaded.is_deleted_env_folder("env-1"));
}

/// [`load_all`] on a file holding `text`.
fn load_all_text(text: &str) -> (Loaded, Vec<Problem>) {
    let dir = tempfile::tempdir().ok();
    let path = dir
        .as_ref()
        .map(|d| d.path().join("environments.json"))
        .unwrap_or_default();
    let mut problems = Vec::new();
    if std::fs::write(&path, text).is_err() {
        problems.push(Problem::new(&path, "test setup failed"));
    }
    (load_all(&path, &mut problems), problems)
}

/// Agents-Runner's `_environment_from_payload`, rule by rule.
#[test]
fn items_are_read_by_agents_runners_rules() {
    let (loaded, problems) = load_all_text(
        r#"{"environments": [
                {"env_id": "v2", "version": 2, "workspace_type": "cloned"},
                {"env_id": "v1s", "version": "1", "workspace_type": "cloned"},
                {"env_id": "v1f", "version": 1.0, "workspace_type": "cloned"},
                {"env_id": "vnull", "version": null},
                {"env_id": "dup", "name": "first", "workspace_type": "cloned"},
                {"env_id": "", "id": " old-id ", "gh_management_mode": "github",
                 "gh_management_target": "owner/repo", "color": " Teal "},
                {"env_id": "mode", "gh_management_mode": "GitHub"},
                {"env_id": "caps", "workspace_type": "Cloned", "color": "sky"},
                {"env_id": "legacy", "workspace_type": "repo", "workspace_target": "",
                 "gh_management_target": "o/r"},
                {"env_id": "workdir", "workspace_type": "none", "host_workdir": " /home/u/src "},
                {"env_id": "bare", "host_workdir": ""},
                {"env_id": "dup", "name": "second", "workspace_type": "mounted"}
            ]}"#,
    );
    let by_id = |id: &str| loaded.environments.iter().find(|e| e.env_id == id);
    assert!(by_id("v2").is_none(), "version 2 is ignored");
    assert!(
        by_id("vnull").is_none(),
        "a version that is not 1 is ignored"
    );
    assert!(
        by_id("v1s").is_some() && by_id("v1f").is_some(),
        "int() of it is 1"
    );
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].contains("(v2): version 2 is not 1"),
        "{messages:?}"
    );

    let ids: Vec<&str> = loaded
        .environments
        .iter()
        .map(|e| e.env_id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "v1s", "v1f", "dup", "old-id", "mode", "caps", "legacy", "workdir", "bare"
        ],
        "the later of two items with one id, at the place of the first"
    );
    let dup = by_id("dup");
    assert_eq!(dup.map(|e| e.name.as_str()), Some("second"));
    assert_eq!(dup.map(|e| e.workspace_type), Some(WorkspaceType::Mounted));

    let old = by_id("old-id");
    assert_eq!(old.map(|e| e.workspace_type), Some(WorkspaceType::Cloned));
    assert_eq!(
        old.and_then(|e| e.workspace_target.as_deref()),
        Some("owner/repo"),
        "gh_management_target is the fallback"
    );
    assert_eq!(old.map(|e| e.color.as_str()), Some("teal"));
    assert_eq!(
        by_id("mode").map(|e| e.workspace_type),
        Some(WorkspaceType::None),
        "legacy spellings are case-sensitive"
    );
    let caps = by_id("caps");
    assert_eq!(caps.map(|e| e.workspace_type), Some(WorkspaceType::None));
    assert_eq!(
        caps.map(|e| e.color.as_str()),
        Some("slate"),
        "unknown colour"
    );
    let legacy = by_id("legacy");
    assert_eq!(
        legacy.map(|e| e.workspace_type),
        Some(WorkspaceType::Cloned)
    );
    assert_eq!(
        legacy.and_then(|e| e.workspace_target.as_deref()),
        Some("o/r")
    );
    let workdir = by_id("workdir");
    assert_eq!(
        workdir.map(|e| e.workspace_type),
        Some(WorkspaceType::Mounted),
        "none with a host_workdir is mounted"
    );
    assert_eq!(
        workdir.and_then(|e| e.workspace_target.as_deref()),
        Some("/home/u/src")
    );
    assert_eq!(
        by_id("bare").map(|e| e.workspace_type),
        Some(WorkspaceType::None)
    );
    assert_eq!(by_id("bare").map(|e| e.color.as_str()), Some("slate"));
}

#[test]
fn a_folder_is_of_a_deleted_environment_only_when_no_item_names_it() {
    let (loaded, _) = load_all_text(
        r#"{"environments": [{"env_id": "env-1"}, {"env_id": "env-2", "version": 2}]}"#,
    );
    assert!(!loaded.is_deleted_env_folder("env-1"));
    assert!(
        !loaded.is_deleted_env_folder("env-2"),
        "an item Agents-Runner ignores still names its folder"
    );
    assert!(loaded.is_deleted_env_folder("env-3"));

    for unsure in [
        r#"{"environments": [{"env_id": "env-1"}, {"env_id": 1.5}]}"#,
        "{not json",
        r#"{"other": []}"#,
    ] {
        let (loaded, problems) = load_all_text(unsure);
        assert!(!problems.is_empty(), "{unsure}");
        assert!(!loaded.is_deleted_env_folder("env-3"), "{unsure}");
    }
    let (loaded, problems) = load_all_text(r#"[{"env_id": 7}, {"id": true}]"#);
    assert!(problems.is_empty(), "{problems:?}");
    let ids: Vec<&str> = loaded
        .environments
        .iter()
        .map(|e| e.env_id.as_str())
        .collect();
    assert_eq!(ids, ["7", "True"], "Python's str() of the id");
}
