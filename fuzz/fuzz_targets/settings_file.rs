//! Arbitrary bytes as the janitor's settings file: settings or a warning, never a
//! panic; an unusable file is never written; a usable one survives a save unchanged.
#![no_main]

use agents_janitor::config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let path = dir.path().join("config.toml");
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    let loaded = config::load(&path);
    if loaded.warning.is_some() {
        assert!(config::save(&path, &loaded.config).is_err(), "saved over an unusable file");
        assert_eq!(std::fs::read(&path).unwrap_or_default(), bytes, "the file changed");
        return;
    }
    assert!(loaded.config.validate().is_ok(), "loaded settings that do not validate");
    assert!(config::save(&path, &loaded.config).is_ok(), "cannot save what was loaded");
    let again = config::load(&path);
    assert!(again.warning.is_none(), "a saved file does not load: {:?}", again.warning);
    assert_eq!(again.config, loaded.config, "a save changed the settings");
});
