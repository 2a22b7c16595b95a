//! Desktop notifications (`notify-rust`), best effort: the log and the toast already
//! tell the user, so a notification that cannot be shown is simply left out.

/// Application name the notification server shows.
const APP_NAME: &str = "agents-janitor";
/// Icon name looked up in the desktop's icon theme.
const ICON: &str = "agents-janitor";
/// How long the notification stays on screen, where the server lets us choose.
const SHOW_FOR_MS: u32 = 8_000;

/// Shows a desktop notification and returns at once. On Linux and the BSDs it is
/// tried only when a session bus is there; any failure is ignored.
pub fn notify(summary: &str, body: &str) {
    if !worth_trying() {
        return;
    }
    let (summary, body) = (summary.to_owned(), body.to_owned());
    // Showing waits for the notification server (over D-Bus on Linux); the caller is
    // the UI thread, which must not wait. Nothing is reported back either way.
    let _ = std::thread::Builder::new()
        .name("desktop-notification".into())
        .spawn(move || {
            let _ = notify_rust::Notification::new()
                .appname(APP_NAME)
                .summary(&summary)
                .body(&body)
                .icon(ICON)
                .timeout(notify_rust::Timeout::Milliseconds(SHOW_FOR_MS))
                .show();
        });
}

#[cfg(all(unix, not(target_os = "macos")))]
fn worth_trying() -> bool {
    session_bus_here()
}

/// Whether this process can reach a D-Bus session bus (notifications and the desktop
/// portal's file chooser go through it).
#[cfg(all(unix, not(target_os = "macos")))]
pub(crate) fn session_bus_here() -> bool {
    session_bus_available(
        |name| std::env::var_os(name),
        |path| path.symlink_metadata().is_ok(),
    )
}

/// macOS and Windows always have their notification centre.
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn worth_trying() -> bool {
    true
}

/// True when a D-Bus session bus can be reached: `DBUS_SESSION_BUS_ADDRESS` names one
/// (`disabled:` turns it off on purpose), or the default socket `$XDG_RUNTIME_DIR/bus`
/// exists. Without one (a bare X server, ssh, CI) connecting would only fail.
#[cfg(all(unix, not(target_os = "macos")))]
fn session_bus_available(
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
    path_exists: impl Fn(&std::path::Path) -> bool,
) -> bool {
    let set = |name: &str| env(name).filter(|value| !value.is_empty());
    if let Some(address) = set("DBUS_SESSION_BUS_ADDRESS") {
        return !address.to_string_lossy().starts_with("disabled:");
    }
    set("XDG_RUNTIME_DIR").is_some_and(|dir| path_exists(&std::path::Path::new(&dir).join("bus")))
}

#[cfg(all(test, unix, not(target_os = "macos")))]
mod tests {
    use super::*;
    use std::ffi::OsString;
    use std::path::Path;

    #[test]
    fn a_session_bus_is_tried_only_when_one_is_there() {
        const ADDRESS: &str = "DBUS_SESSION_BUS_ADDRESS";
        const RUNTIME: &str = "XDG_RUNTIME_DIR";
        let socket = Path::new("/run/user/1000/bus");
        /// Variables set, whether /run/user/1000/bus exists, expected answer.
        type Case = (&'static [(&'static str, &'static str)], bool, bool);
        let table: [Case; 8] = [
            (&[(ADDRESS, "unix:path=/run/user/1000/bus")], false, true),
            (&[(ADDRESS, "unix:abstract=/tmp/dbus-x")], false, true),
            (&[(ADDRESS, "disabled:")], true, false),
            (&[(ADDRESS, ""), (RUNTIME, "/run/user/1000")], true, true),
            (&[(RUNTIME, "/run/user/1000")], true, true),
            (&[(RUNTIME, "/run/user/1000")], false, false),
            (&[(RUNTIME, "")], true, false),
            (&[], true, false),
        ];
        for (vars, socket_exists, want) in table {
            let env = |name: &str| {
                vars.iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| OsString::from(value))
            };
            let exists = |path: &Path| socket_exists && path == socket;
            assert_eq!(
                session_bus_available(env, exists),
                want,
                "{vars:?}, socket there: {socket_exists}"
            );
        }
    }
}
