//! Tests of reading task records and of the `logs` fast path.

use super::*;
use crate::store::tasks::SAMPLE;

#[test]
fn log_tail_keeps_the_last_string_lines() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("t.toml");
    std::fs::write(&path, "task_id = \"t\"\nlogs = [\"a\", 3, \"b\", \"c\"]\n")?;
    assert_eq!(
        read_log_tail(&path, 2)?,
        vec!["b".to_owned(), "c".to_owned()]
    );
    assert_eq!(read_log_tail(&path, 10)?, vec!["a", "b", "c"]);
    std::fs::write(&path, "task_id = \"t\"\nlogs = \"not a list\"\n")?;
    assert!(read_log_tail(&path, 5)?.is_empty());
    std::fs::write(&path, "logs = [")?;
    assert!(read_log_tail(&path, 5).is_err_and(|e| e.starts_with("not valid TOML")));
    Ok(())
}

#[test]
fn reads_the_fields_and_counts_logs() -> Result<(), String> {
    let record = parse_record(
        SAMPLE.as_bytes(),
        Path::new("/d/tasks/abc123def0.toml"),
        false,
    )?;
    assert_eq!(record.task_id, "abc123def0");
    assert_eq!(record.status_class(), StatusClass::Succeeded);
    assert_eq!(record.created_at_s, Some(1764000000.25));
    assert_eq!(record.log_count, 2);
    assert!(record.is_finalized());
    assert!(!record.duplicate);
    Ok(())
}

#[test]
fn wrong_types_are_absent_and_defaults_apply() -> Result<(), String> {
    let text = "task_id = \"t1\"\nstatus = 5\nexit_code = \"zero\"\ncreated_at_s = 12\nlogs = \"oops\"\ncontainer_id = \"\"\nstarted_at = 2026-11-20T10:00:00Z\n";
    let record = parse_record(text.as_bytes(), Path::new("/d/tasks/t1.dup-1.toml"), true)?;
    assert_eq!(record.status, "queued");
    assert_eq!(record.exit_code, None);
    assert_eq!(record.created_at_s, Some(12.0));
    assert_eq!(record.log_count, 0);
    assert_eq!(record.container_id, None);
    assert_eq!(record.started_at, None);
    assert!(record.duplicate);
    Ok(())
}

/// The fast path either declines or agrees with a full parse, on every shape of
/// file; broken files are still reported as broken.
#[test]
fn skipping_logs_agrees_with_the_full_parse() {
    let cases: &[&str] = &[
        SAMPLE,
        "task_id = \"t\"\nlogs = []\n",
        "task_id = \"t\"\nlogs = [ \"a\" , 'b', \"\"\"c\nd\"\"\"\" , '''e]'''  ] # done\n",
        "task_id = \"t\"\nlogs = [\n  \"x\\\"y\\\\\", # a comment, with ]\n  \"\\u00e9\\U0001F600\",\n]\n",
        "task_id = \"t\"\nlogs = [[1, 2], {a = 1, b = [3]}, 4, true, 1979-05-27T07:32:00Z]\n",
        "task_id = \"t\"\n\"logs\" = [\"q\"]\n",
        "task_id = \"t\"\nprompt = \"\"\"\nlogs = [\"not the key\"]\n\"\"\"\nlogs = [\"real\", \"two\"]\n",
        "task_id = \"t\"\nlogs.x = [\"dotted\"]\n",
        "task_id = \"t\"\nlogs = \"oops\"\n",
        "task_id = \"t\"\n[git]\nlogs = [\"in a table\"]\n",
        "task_id = \"t\"\nlogs = [\"a\"]\nlogs = [\"twice\"]\n",
        "task_id = \"t\"\nlogs = [\"bad \\q escape\"]\n",
        "task_id = \"t\"\nlogs = [\"unclosed]\n",
        "task_id = \"t\"\nlogs = [\"a\" \"b\"]\n",
        "task_id = \"t\"\nlogs = [\"tab\tok\", \"bell\u{7}\"]\n",
        "task_id = \"t\"\nlogs = [\"\"\"line \\\n   continued\"\"\"]\nstatus = \"done\"\n",
        "task_id = \"t\"\r\nlogs = [\r\n  \"crlf\",\r\n]\r\nstatus = \"done\"\r\n",
        "task_id = \"t\"\nlogs = [\"a\nb\"]\n",
        "task_id = \"t\"\nlogs = ['a\nb']\n",
        "task_id = \"t\"\nlogs = [\"a\rb\"]\n",
        "task_id = \"t\"\nlogs = ['lit\\eral \"q\" tab\t', '']\n",
        "task_id = \"t\"\nlogs = [\"ends in a backslash\\\\\", \"\\\"\"]\n",
        "task_id = \"t\"\nlogs = [\"unclosed \\\"]\n",
    ];
    // Long lines, with what matters past the first 16 and 32 bytes the scan takes at once.
    let long: Vec<String> = [
        "", "\\u00e9", "\\q", "\u{1}", "\u{7f}", "\t", "\n", "'", "\\\"",
    ]
    .iter()
    .flat_map(|odd| {
        [17, 33, 70].map(|at| {
            format!(
                "task_id = \"t\"\nlogs = [\n  \"{}{odd}{}\",\n  '{}{odd}{}',\n]\n",
                "x".repeat(at),
                "y".repeat(40),
                "x".repeat(at),
                "y".repeat(40)
            )
        })
    })
    .collect();
    let path = Path::new("/d/tasks/t.toml");
    for text in cases.iter().copied().chain(long.iter().map(String::as_str)) {
        let full = parse_raw(text).map(|raw| raw.logs);
        if let Some(fast) = parse_skipping_logs(text) {
            assert_eq!(Ok(fast.logs), full, "{text:?}");
        }
        let record = parse_record(text.as_bytes(), path, false);
        assert_eq!(record.is_ok(), full.is_ok(), "{text:?}: {record:?}");
    }
    assert!(
        parse_skipping_logs(SAMPLE).is_some(),
        "the usual file takes the fast path"
    );
    for text in &long {
        if parse_raw(text).is_ok() {
            assert!(parse_skipping_logs(text).is_some(), "{text:?}");
        }
    }
    let many = format!(
        "task_id = \"t\"\nlogs = [\n{}]\n[git]\nbranch = \"b\"\n",
        "    \"[12:00:00] [agent] line\",\n".repeat(2000)
    );
    assert_eq!(
        parse_skipping_logs(&many).and_then(|raw| raw.logs),
        Some(2000)
    );
}

#[test]
fn unusable_files_give_reasons() {
    let path = Path::new("/d/tasks/x.toml");
    let table: &[(&[u8], &str)] = &[
        (b"task_id = [unclosed", "not valid TOML"),
        // Where the parser stopped, for the Problems tab.
        (
            b"task_id = \"t\"\nstatus = \"done\n",
            "not valid TOML at line 2, column 15",
        ),
        (b"\xff\xfe", "not valid UTF-8"),
        (b"status = \"done\"", "task_id"),
        (b"task_id = \"  \"", "task_id"),
        (b"task_id = 7", "task_id"),
    ];
    for (bytes, want) in table {
        let got = parse_record(bytes, path, false).err().unwrap_or_default();
        assert!(got.contains(want), "{got:?} should mention {want:?}");
    }
}
