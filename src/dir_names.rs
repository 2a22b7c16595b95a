//! A folder's entry names, read through its open handle (unix): shared by the scanner
//! and the deleting walk, which both work relative to folder handles.

use rustix::fs::Dir;
use std::ffi::CString;
use std::io;

/// Every name in `dir` but `.` and `..`.
pub(crate) fn entry_names(dir: &mut Dir) -> io::Result<Vec<CString>> {
    let mut names = Vec::new();
    for entry in dir {
        let entry = entry?;
        let name = entry.file_name();
        if name != c"." && name != c".." {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}
