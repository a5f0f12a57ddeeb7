//! Conditional directives: `ifeq`/`ifneq` in every quoting form,
//! `ifdef`/`ifndef`, `else` chains and `endif`, with GNU's errors.

use crate::diag::Result;
use crate::eval::Evaluator;
use crate::words::{is_blank, trim};

/// One open conditional.
#[derive(Debug)]
pub struct Cond {
    /// The branch being read is the one taken.
    pub taking: bool,
    /// Some branch (this or an earlier one) was taken.
    pub any_taken: bool,
    pub seen_else: bool,
    /// An enclosing conditional is not taking its branch.
    pub outer_ignoring: bool,
    pub line: u32,
}

/// The conditional directive keywords.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keyword {
    Ifdef,
    Ifndef,
    Ifeq,
    Ifneq,
    Else,
    Endif,
}

impl Keyword {
    pub fn name(self) -> &'static str {
        match self {
            Keyword::Ifdef => "ifdef",
            Keyword::Ifndef => "ifndef",
            Keyword::Ifeq => "ifeq",
            Keyword::Ifneq => "ifneq",
            Keyword::Else => "else",
            Keyword::Endif => "endif",
        }
    }
}

/// Recognizes a conditional directive at the start of `line` (leading
/// whitespace already removed); returns it and the text after it.
pub fn keyword(line: &[u8]) -> Option<(Keyword, &[u8])> {
    const KEYWORDS: [(&[u8], Keyword); 6] = [
        (b"ifdef", Keyword::Ifdef),
        (b"ifndef", Keyword::Ifndef),
        (b"ifeq", Keyword::Ifeq),
        (b"ifneq", Keyword::Ifneq),
        (b"else", Keyword::Else),
        (b"endif", Keyword::Endif),
    ];
    for (word, kw) in KEYWORDS {
        if let Some(rest) = line.strip_prefix(word) {
            match rest.first() {
                None => return Some((kw, rest)),
                // GNU 4.4: `ifeq(` is not a conditional (a missing separator).
                Some(&b) if is_blank(b) => return Some((kw, rest)),
                _ => {}
            }
        }
    }
    None
}

/// Evaluates the test of an `if...` directive.
pub fn test(ev: &mut Evaluator, kw: Keyword, args: &[u8]) -> Result<bool> {
    match kw {
        Keyword::Ifdef | Keyword::Ifndef => {
            let name = ev.expand_text(trim(args))?;
            let name = trim(&name);
            if name.is_empty() || name.iter().any(|&b| crate::words::is_space(b)) {
                return Err(ev.fatal("invalid syntax in conditional"));
            }
            let defined = ev.with_var(name, |v| v.is_some_and(|v| !v.value.is_empty()));
            Ok(defined == (kw == Keyword::Ifdef))
        }
        Keyword::Ifeq | Keyword::Ifneq => {
            let (a, b) = split_eq_args(ev, args)?;
            let a = ev.expand_text(a)?;
            let b = ev.expand_text(b)?;
            let equal = trim_ends_for_paren_form(args, &a) == trim_ends_for_paren_form(args, &b);
            Ok(equal == (kw == Keyword::Ifeq))
        }
        Keyword::Else | Keyword::Endif => unreachable!("not a test"),
    }
}

/// In the `(a,b)` form GNU strips whitespace around each expanded argument;
/// quoted forms compare exactly.
fn trim_ends_for_paren_form<'a>(args: &[u8], value: &'a [u8]) -> &'a [u8] {
    if trim(args).first() == Some(&b'(') {
        trim(value)
    } else {
        value
    }
}

/// Splits `(a,b)`, `"a" "b"`, `'a' 'b'` (and mixed quotes) into the two
/// unexpanded arguments.
fn split_eq_args<'a>(ev: &Evaluator, args: &'a [u8]) -> Result<(&'a [u8], &'a [u8])> {
    let t = trim(args);
    let invalid = || ev.fatal("invalid syntax in conditional");
    if t.first() == Some(&b'(') {
        // Find the top-level comma and the closing paren, counting parens.
        let mut depth = 0i32;
        let mut comma = None;
        let mut close = None;
        for (i, &b) in t.iter().enumerate().skip(1) {
            match b {
                b'(' => depth += 1,
                b')' if depth == 0 => {
                    close = Some(i);
                    break;
                }
                b')' => depth -= 1,
                b',' if depth == 0 && comma.is_none() => comma = Some(i),
                _ => {}
            }
        }
        let (Some(comma), Some(close)) = (comma, close) else {
            return Err(invalid());
        };
        if !trim(&t[close + 1..]).is_empty() {
            crate::diag::warn(ev.loc.as_ref(), "extraneous text after 'ifeq' directive");
        }
        return Ok((&t[1..comma], &t[comma + 1..close]));
    }
    let (a, rest) = quoted(t).ok_or_else(invalid)?;
    let (b, rest) = quoted(trim(rest)).ok_or_else(invalid)?;
    if !trim(rest).is_empty() {
        crate::diag::warn(ev.loc.as_ref(), "extraneous text after 'ifeq' directive");
    }
    Ok((a, b))
}

fn quoted(t: &[u8]) -> Option<(&[u8], &[u8])> {
    let q = *t.first()?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let end = memchr::memchr(q, &t[1..])? + 1;
    Some((&t[1..end], &t[end + 1..]))
}
