//! Writing files the way Agents-Runner does (a private temp file renamed over the
//! target, one array item per line, sorted JSON keys), shared with the benchmark data
//! generator (`examples/bench_data`).

use super::DemoError;
use filetime::FileTime;
use serde_json::{Map, Value};
use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::time::SystemTime;
use toml_edit::{Array, DocumentMut};

/// Turns an OS error about `path` into a [`DemoError::Io`] (for `map_err`).
pub fn io_error(path: &Path) -> impl FnOnce(io::Error) -> DemoError + '_ {
    move |source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// An array written one item per line, as Agents-Runner's TOML writer does.
pub fn multiline_array(items: Vec<String>) -> Array {
    let mut array = Array::new();
    for item in items {
        array.push(item);
    }
    for item in array.iter_mut() {
        item.decor_mut().set_prefix("\n    ");
    }
    array.set_trailing_comma(true);
    array.set_trailing("\n");
    array
}

/// Rebuilds every object with its keys in order, whatever map type serde_json was built with.
fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(fields) => {
            let mut entries: Vec<(String, Value)> = fields.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, item)| (key, sort_keys(item)))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// Writes a JSON document like Python's `json.dump(indent=2, sort_keys=True)`, as
/// Agents-Runner does, through [`write_private`].
pub fn write_json(path: &Path, document: Value) -> Result<(), DemoError> {
    let text =
        serde_json::to_string_pretty(&sort_keys(document)).map_err(|err| DemoError::Format {
            path: path.to_path_buf(),
            message: err.to_string(),
        })?;
    write_private(path, text.as_bytes())
}

/// Writes a TOML document after checking it parses back.
pub(super) fn write_toml(path: &Path, document: &DocumentMut) -> Result<(), DemoError> {
    let text = document.to_string();
    if let Err(err) = text.parse::<toml::Table>() {
        return Err(DemoError::Format {
            path: path.to_path_buf(),
            message: err.to_string(),
        });
    }
    write_private(path, text.as_bytes())
}

/// Writes like Agents-Runner: a temp file in the same folder (mode 0600) renamed over the target.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<(), DemoError> {
    let folder = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(folder).map_err(io_error(folder))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(folder)
        .map_err(io_error(folder))?;
    temp.write_all(contents).map_err(io_error(temp.path()))?;
    temp.persist(path)
        .map_err(|err| io_error(path)(err.error))?;
    Ok(())
}

/// Writes a file, creating its folders first.
pub fn write_plain(path: &Path, contents: &[u8]) -> Result<(), DemoError> {
    if let Some(folder) = path.parent() {
        fs::create_dir_all(folder).map_err(io_error(folder))?;
    }
    fs::write(path, contents).map_err(io_error(path))
}

/// Appends `text` to an existing file.
pub(super) fn append(path: &Path, text: &str) -> Result<(), DemoError> {
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(io_error(path))?;
    file.write_all(text.as_bytes()).map_err(io_error(path))
}

/// Makes a file (mode 0444) or a folder (mode 0555) read-only, as a Go module cache is.
#[cfg(unix)]
pub fn set_read_only(path: &Path, is_dir: bool) -> Result<(), DemoError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if is_dir { 0o555 } else { 0o444 };
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_error(path))
}

/// Windows folders have no usable read-only bit: read-only files are what make deletes fail.
#[cfg(not(unix))]
pub fn set_read_only(path: &Path, is_dir: bool) -> Result<(), DemoError> {
    if is_dir {
        return Ok(());
    }
    let mut permissions = fs::metadata(path).map_err(io_error(path))?.permissions();
    permissions.set_readonly(true);
    fs::set_permissions(path, permissions).map_err(io_error(path))
}

/// Sets the access and modification times of `root` and everything under it,
/// children first, never following symlinks.
pub(super) fn age_tree(root: &Path, when: SystemTime) -> Result<(), DemoError> {
    let time = FileTime::from_system_time(when);
    let entries = fs::read_dir(root).map_err(io_error(root))?;
    for entry in entries {
        let entry = entry.map_err(io_error(root))?;
        let path = entry.path();
        if entry.file_type().map_err(io_error(&path))?.is_dir() {
            age_tree(&path, when)?;
        } else {
            filetime::set_symlink_file_times(&path, time, time).map_err(io_error(&path))?;
        }
    }
    filetime::set_symlink_file_times(root, time, time).map_err(io_error(root))
}
