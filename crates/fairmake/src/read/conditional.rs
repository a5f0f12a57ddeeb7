//! Conditional directives: `ifeq`/`ifneq` in every quoting form,
//! `ifdef`/`ifndef`, `else` chains and `endif`, with GNU's errors.

use crate::diag::Result;
use crate::eval::Evaluator;
use crate::words::{is_blank, trim, trim_end, trim_start};

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

/// The error of a malformed test.
pub const INVALID: &str = "invalid syntax in conditional";

/// Evaluates the test of an `if...` directive; `None` when the test itself
/// is malformed ([`INVALID`]), which an `else` chain takes differently
/// from an error of what the test expands (a `$(eval)`'s).
pub fn test(ev: &mut Evaluator, kw: Keyword, args: &[u8]) -> Result<Option<bool>> {
    match kw {
        Keyword::Ifdef | Keyword::Ifndef => {
            let name = ev.expand_text(trim(args))?;
            // GNU drops the blanks the expansion ends with, not those it
            // starts with: `ifdef $(EMPTY) a` is invalid.
            let name = trim_end(&name);
            if name.iter().any(|&b| crate::words::is_space(b)) {
                return Ok(None);
            }
            // An empty name (`ifdef`, `ifdef $(EMPTY)`) names no variable:
            // it is not defined.
            let defined =
                !name.is_empty() && ev.with_var(name, |v| v.is_some_and(|v| !v.value.is_empty()));
            Ok(Some(defined == (kw == Keyword::Ifdef)))
        }
        Keyword::Ifeq | Keyword::Ifneq => {
            let Some((a, b)) = eq_args(ev, kw, args)? else {
                return Ok(None);
            };
            Ok(Some((a == b) == (kw == Keyword::Ifeq)))
        }
        Keyword::Else | Keyword::Endif => unreachable!("not a test"),
    }
}

/// The two expanded arguments of `ifeq`/`ifneq`, from `(a,b)`, `"a" "b"`,
/// `'a' 'b'` (and mixed quotes).  As GNU make does, the first argument is
/// expanded as soon as it is found, before the second one is looked for and
/// before text after the arguments is warned about.  In the `(a,b)` form
/// only the blanks around the comma are dropped, as written (not those the
/// expansion yields): `( a,a)` and `(a,a )` compare unequal.
fn eq_args(ev: &mut Evaluator, kw: Keyword, args: &[u8]) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
    let t = trim(args);
    let (first, rest) = if t.first() == Some(&b'(') {
        let Some(comma) = paren_arg_end(&t[1..], true).map(|i| i + 1) else {
            return Ok(None);
        };
        (trim_end(&t[1..comma]), &t[comma + 1..])
    } else {
        let Some(args) = quoted(t) else {
            return Ok(None);
        };
        args
    };
    let a = ev.expand_text(first)?;
    let (second, after) = if t.first() == Some(&b'(') {
        let Some(close) = paren_arg_end(rest, false) else {
            return Ok(None);
        };
        (trim_start(&rest[..close]), &rest[close + 1..])
    } else if let Some(after) = trim_start(rest).strip_prefix(b")") {
        // GNU reads `ifeq 'a')` as an empty second argument.
        (&b""[..], after)
    } else {
        let Some(args) = quoted(trim_start(rest)) else {
            return Ok(None);
        };
        args
    };
    if !trim(after).is_empty() {
        let msg = format!("extraneous text after '{}' directive", kw.name());
        crate::diag::warn(ev.loc.as_ref(), &msg);
    }
    let b = ev.expand_text(second)?;
    Ok(Some((a, b)))
}

/// The index of the top-level `,` (`comma`) or `)` ending an argument of
/// the `(a,b)` form, counting the parentheses in between. Before the comma
/// GNU lets a `)` take the count below zero, and any comma there ends the
/// first argument: `ifeq (),)` compares `)` with nothing.
fn paren_arg_end(t: &[u8], comma: bool) -> Option<usize> {
    let mut depth = 0isize;
    for (i, &b) in t.iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' if depth == 0 && !comma => return Some(i),
            b')' => depth -= 1,
            b',' if depth <= 0 && comma => return Some(i),
            _ => {}
        }
    }
    None
}

fn quoted(t: &[u8]) -> Option<(&[u8], &[u8])> {
    let q = *t.first()?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let end = memchr::memchr(q, &t[1..])? + 1;
    Some((&t[1..end], &t[end + 1..]))
}
