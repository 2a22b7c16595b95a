//! Arbitrary bytes as `environments.json`: environments or problems, never a panic.
#![no_main]

use agents_janitor::store::environments;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let path = dir.path().join("environments.json");
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    let mut problems = Vec::new();
    let found = environments::load(&path, &mut problems);
    for environment in &found {
        assert!(
            !environment.env_id.is_empty(),
            "an environment without an id"
        );
    }
    assert_eq!(
        std::fs::read(&path).unwrap_or_default(),
        bytes,
        "the file changed"
    );
});
