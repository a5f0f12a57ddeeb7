//! Where a rule line's separators are: the `:` after the targets, the `;`
//! before a recipe, the `|` before order-only prerequisites, the `#` of a
//! comment; each outside variable references, which may hold any of them.

use crate::words;

/// The bytes of `text` that are outside variable references, with their
/// positions: where a rule line's `:`, `;` and `#` can be.
/// A reference ends at the closer that matches its own opener: inside
/// `$(...)` only parentheses nest, so `$(info }:)` holds its colon.
fn top_level(text: &[u8]) -> impl Iterator<Item = (usize, u8)> + '_ {
    let mut next = 0;
    text.iter().enumerate().filter_map(move |(i, &b)| {
        if i < next {
            return None;
        }
        if b != b'$' {
            // `\:` is part of a name, not a separator.
            let escaped =
                b == b':' && text[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 1;
            return (!escaped).then_some((i, b));
        }
        // `$$(...)` becomes a reference in a second expansion: its colons
        // are not separators either. An unterminated reference is no
        // reference: GNU still finds the `;` after `$(firstword x;`.
        let open = if text.get(i + 1) == Some(&b'$') {
            i + 2
        } else {
            i + 1
        };
        next = match matching_close(text, open) {
            Some(close) => close + 1,
            // `$$` and `$x` are never separators themselves.
            None => i + 2,
        };
        None
    })
}

/// Where the parenthesis or brace at `open` has its match in `text`,
/// counting only its own kind.
fn matching_close(text: &[u8], open: usize) -> Option<usize> {
    let (o, c) = match text.get(open) {
        Some(b'(') => (b'(', b')'),
        Some(b'{') => (b'{', b'}'),
        _ => return None,
    };
    let mut depth = 0usize;
    for (i, &b) in text.iter().enumerate().skip(open) {
        if b == o {
            depth += 1;
        } else if b == c {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Splits off the recipe after the first `;` that is outside references and
/// before any comment.
/// The text after the `;` is returned as written: a target-specific
/// variable's value takes it whole (`t: V = ; x` is `; x`).
pub fn split_recipe(raw: &[u8]) -> (&[u8], Option<Vec<u8>>) {
    match find_semicolon(raw) {
        Some(i) => (&raw[..i], Some(raw[i + 1..].to_vec())),
        None => (raw, None),
    }
}

/// Where the recipe's `;` is: the first outside references, before any comment.
fn find_semicolon(raw: &[u8]) -> Option<usize> {
    // Most rule lines have no recipe on them.
    memchr::memchr(b';', raw)?;
    for (i, b) in top_level(raw) {
        match b {
            b'#' if i == 0 || raw[i - 1] != b'\\' => return None,
            b';' => return Some(i),
            _ => {}
        }
    }
    None
}

/// The first `:` outside variable references.
pub fn find_colon(text: &[u8]) -> Option<usize> {
    // Most prerequisite lists have no colon at all, and most target lists
    // no reference or backslash before the colon that ends them.
    let first = memchr::memchr(b':', text)?;
    if memchr::memchr2(b'$', b'\\', &text[..first]).is_none() {
        return Some(first);
    }
    top_level(text).find(|&(_, b)| b == b':').map(|(i, _)| i)
}

/// The first `:` of text that is an expansion's result: every `$` in it
/// is literal (`$:` from `$$:` is the name `$` and a colon, and so is the
/// colon in `$(x:y)` from `$$(x:y)`), as GNU finds it; only `\:` is no
/// separator.
pub fn find_colon_in_expansion(text: &[u8]) -> Option<usize> {
    let mut from = 0;
    loop {
        let at = from + memchr::memchr(b':', &text[from..])?;
        let backslashes = text[..at].iter().rev().take_while(|&&c| c == b'\\').count();
        if backslashes % 2 == 0 {
            return Some(at);
        }
        from = at + 1;
    }
}

/// Splits a prerequisite list at its first `|` outside references (GNU
/// splits there even inside a word: `a|b`) into normal and order-only parts.
pub fn split_order_only(text: &[u8]) -> (&[u8], &[u8]) {
    if memchr::memchr(b'|', text).is_none() {
        return (text, b"");
    }
    match top_level(text).find(|&(_, b)| b == b'|') {
        Some((p, _)) => (&text[..p], &text[p + 1..]),
        None => (text, b""),
    }
}

/// The blank-separated words of `text`, a reference with blanks inside
/// counting as part of its word.
pub fn words_outside_refs(text: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    for (i, &b) in text.iter().enumerate() {
        match b {
            b'(' | b'{' if i > 0 && text[i - 1] == b'$' => depth += 1,
            b')' | b'}' if depth > 0 => depth -= 1,
            _ if depth == 0 && words::is_blank(b) => {
                if i > start {
                    out.push(text[start..i].to_vec());
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if text.len() > start {
        out.push(text[start..].to_vec());
    }
    out
}
