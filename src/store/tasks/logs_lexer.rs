//! The `logs` lexer: just big enough to find a top-level `logs = [...]` in a task
//! file and count its items without building them, so the TOML parser never sees the
//! thousands of log lines a list does not need. It accepts only what it fully
//! understands (strings, with their escapes and control characters checked, numbers,
//! booleans, nested arrays and inline tables, comments) and gives up on anything else.

/// `text[start..end]` is `logs = [ ... ]`, holding `items` values.
pub(super) struct Span {
    /// Where the `logs` key starts.
    pub start: usize,
    /// Just after the array's closing bracket.
    pub end: usize,
    /// How many values the array holds.
    pub items: usize,
}

/// The top-level `logs` array of a TOML document, or `None` when it has none or the
/// lexer meets anything it does not fully understand before its end.
pub(super) fn find(b: &[u8]) -> Option<Span> {
    let mut i = 0;
    loop {
        i = skip_blank(b, i, true);
        // The end of the file, or a table header: `logs` is not a root key.
        if i >= b.len() || b[i] == b'[' {
            return None;
        }
        let start = i;
        let (key_end, is_logs) = key(b, i)?;
        i = skip_blank(b, key_end, false);
        if b.get(i) != Some(&b'=') {
            return None;
        }
        i = skip_blank(b, i + 1, false);
        if is_logs {
            if b.get(i) != Some(&b'[') {
                return None;
            }
            let (end, items) = array(b, i)?;
            // Its strings were scanned for their ends only: one pass over the whole
            // array checks that no string or comment holds a control character.
            return without_controls(&b[i..end]).then_some(Span { start, end, items });
        }
        i = value(b, i)?;
        // Only blanks and a comment may follow a value on its line.
        i = skip_blank(b, i, false);
        match b.get(i) {
            None | Some(b'\n') => {}
            Some(b'\r') if b.get(i + 1) == Some(&b'\n') => {}
            _ => return None,
        }
    }
}

/// Skips spaces, tabs and comments, and newlines too when `newlines`.
fn skip_blank(b: &[u8], mut i: usize, newlines: bool) -> usize {
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' => i += 1,
            b'\n' | b'\r' if newlines => i += 1,
            b'#' => {
                while b.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    i
}

/// A bare or quoted key, possibly dotted. Returns its end and whether it is
/// exactly `logs`.
fn key(b: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut i = start;
    let mut parts = 0;
    loop {
        let is_logs;
        let part_start = i;
        match b.get(i)? {
            b'"' | b'\'' => {
                i = string(b, i)?;
                // Quoted "logs" is the same key; anything fancier is left to the parser.
                is_logs = matches!(&b[part_start..i], b"\"logs\"" | b"'logs'");
            }
            _ => {
                while b
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
                {
                    i += 1;
                }
                if i == part_start {
                    return None;
                }
                is_logs = &b[part_start..i] == b"logs";
            }
        }
        parts += 1;
        let after = skip_blank(b, i, false);
        if b.get(after) == Some(&b'.') {
            i = skip_blank(b, after + 1, false);
            continue;
        }
        return Some((i, is_logs && parts == 1));
    }
}

/// Skips one value; returns where it ends.
fn value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' | b'\'' => string(b, i),
        b'[' => array(b, i).map(|(end, _)| end),
        b'{' => inline_table(b, i),
        _ => {
            let mut end = i;
            while b.get(end).is_some_and(|c| {
                c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.' | b'_' | b':')
            }) {
                end += 1;
            }
            (end > i).then_some(end)
        }
    }
}

/// Skips `[ v, v, ... ]` (newlines and comments allowed); returns its end and how
/// many values it holds.
fn array(b: &[u8], open: usize) -> Option<(usize, usize)> {
    let mut i = open + 1;
    let mut items = 0;
    loop {
        i = skip_blank(b, i, true);
        match b.get(i)? {
            b']' => return Some((i + 1, items)),
            _ => {
                i = value(b, i)?;
                items += 1;
                i = skip_blank(b, i, true);
                match b.get(i)? {
                    b',' => i += 1,
                    b']' => return Some((i + 1, items)),
                    _ => return None,
                }
            }
        }
    }
}

/// Skips `{ k = v, ... }` (on one line, as TOML requires).
fn inline_table(b: &[u8], open: usize) -> Option<usize> {
    let mut i = skip_blank(b, open + 1, false);
    if b.get(i) == Some(&b'}') {
        return Some(i + 1);
    }
    loop {
        let (key_end, _) = key(b, i)?;
        i = skip_blank(b, key_end, false);
        if b.get(i) != Some(&b'=') {
            return None;
        }
        i = skip_blank(b, i + 1, false);
        i = value(b, i)?;
        i = skip_blank(b, i, false);
        match b.get(i)? {
            b',' => i = skip_blank(b, i + 1, false),
            b'}' => return Some(i + 1),
            _ => return None,
        }
    }
}

/// Skips a basic, literal or multi-line string; returns where it ends.
fn string(b: &[u8], open: usize) -> Option<usize> {
    let quote = b[open];
    let multi = b.get(open..open + 3) == Some(&[quote; 3][..]);
    if !multi {
        return single_line_string(b, open + 1, quote);
    }
    let mut i = open + 3;
    loop {
        i = next_special(b, i, quote);
        let c = *b.get(i)?;
        if c == quote {
            if !multi {
                return Some(i + 1);
            }
            if b.get(i..i + 3) == Some(&[quote; 3][..]) {
                // Up to two more quotes belong to the content.
                let mut end = i + 3;
                while end < i + 5 && b.get(end) == Some(&quote) {
                    end += 1;
                }
                return Some(end);
            }
            i += 1;
        } else if c == b'\\' && quote == b'"' {
            i = escape(b, i + 1, multi)?;
        } else if c == b'\n' || c == b'\r' {
            if !multi {
                return None;
            }
            i += 1;
        } else if (c < 0x20 && c != b'\t') || c == 0x7f {
            return None;
        } else {
            i += 1;
        }
    }
}

/// The end of a one-line string whose content starts at `i`: the next quote, backslash
/// or newline, found with `memchr` (vectorised: log lines are long, and nearly every
/// byte of a record is in one). Control characters are not looked for here: the
/// caller checks the whole `logs` array for them at once, and the TOML parser checks
/// the rest of the file.
fn single_line_string(b: &[u8], mut i: usize, quote: u8) -> Option<usize> {
    loop {
        let rest = b.get(i..)?;
        let found = if quote == b'"' {
            memchr::memchr3(quote, b'\\', b'\n', rest)
        } else {
            memchr::memchr2(quote, b'\n', rest)
        };
        let at = i + found?;
        match b[at] {
            b'\\' if quote == b'"' => i = escape(b, at + 1, false)?,
            // A newline: a one-line string cannot hold one.
            c if c != quote => return None,
            _ => return Some(at + 1),
        }
    }
}

/// True when `bytes` holds no control character but tab and newline (outside a
/// multi-line string a newline only ends a line, which the lexer checks). Without an
/// early exit, so that it is vectorised.
fn without_controls(bytes: &[u8]) -> bool {
    bytes.iter().fold(true, |clean, &c| {
        clean & ((c >= 0x20) | (c == b'\t') | (c == b'\n')) & (c != 0x7f)
    })
}

/// The first byte from `i` on that a string scan must look at: the quote, a
/// backslash or a control character. Eight bytes at a time (log lines are long).
fn next_special(b: &[u8], mut i: usize, quote: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let has_byte = |word: u64, byte: u8| {
        let diff = word ^ (ONES * u64::from(byte));
        diff.wrapping_sub(ONES) & !diff & HIGH_BITS != 0
    };
    while let Some(chunk) = b.get(i..i + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let word = u64::from_le_bytes(bytes);
        let has_control = word.wrapping_sub(ONES * 0x20) & !word & HIGH_BITS != 0;
        if has_control || has_byte(word, quote) || has_byte(word, b'\\') || has_byte(word, 0x7f) {
            break;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == quote || c == b'\\' || c < 0x20 || c == 0x7f {
            break;
        }
        i += 1;
    }
    i
}

/// Checks the escape after a backslash at `i - 1`; returns where it ends.
fn escape(b: &[u8], i: usize, multi: bool) -> Option<usize> {
    match b.get(i)? {
        b'b' | b't' | b'n' | b'f' | b'r' | b'"' | b'\\' => Some(i + 1),
        b'u' => hex_digits(b, i + 1, 4),
        b'U' => hex_digits(b, i + 1, 8),
        // A line-ending backslash (multi-line strings only) eats the blanks after it.
        b' ' | b'\t' | b'\r' | b'\n' if multi => {
            let mut j = i;
            while b.get(j).is_some_and(|c| matches!(c, b' ' | b'\t')) {
                j += 1;
            }
            if !matches!(b.get(j), Some(b'\n' | b'\r')) {
                return None;
            }
            Some(j)
        }
        _ => None,
    }
}

fn hex_digits(b: &[u8], i: usize, count: usize) -> Option<usize> {
    let digits = b.get(i..i + count)?;
    // Whether the code point is a valid char is left to the full parser.
    digits
        .iter()
        .all(u8::is_ascii_hexdigit)
        .then_some(i + count)
}
