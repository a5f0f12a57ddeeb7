//! Text functions: subst, patsubst (and substitution references), strip,
//! findstring, filter, filter-out, sort, word, wordlist, words, firstword,
//! lastword, join.
//!
//! Every function takes already-expanded arguments as bytes and appends its
//! result to `out`. Whitespace handling follows GNU make exactly: `subst`,
//! `findstring` and `patsubst` with a `%`-less pattern keep the text's
//! whitespace; the word-list functions emit words joined by single spaces.

use std::collections::HashSet;
use std::fmt;

use crate::pattern::PercentPattern;
use crate::words::{is_space, push_word, trim, words};

/// A function call that make must report as fatal. The message is GNU make's
/// exact text, without the `file:line: *** ` prefix and `.  Stop.` suffix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionError {
    message: Vec<u8>,
}

impl FunctionError {
    /// Builds an error from message bytes (they may quote non-UTF-8 arguments).
    pub fn new(message: impl Into<Vec<u8>>) -> FunctionError {
        FunctionError {
            message: message.into(),
        }
    }

    /// The message bytes, exactly as GNU make prints them.
    pub fn message(&self) -> &[u8] {
        &self.message
    }
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", bstr::BStr::new(&self.message))
    }
}

impl std::error::Error for FunctionError {}

/// `$(subst from,to,text)`: replaces every non-overlapping `from` in `text`,
/// keeping all whitespace. An empty `from` matches once, at the end of `text`.
pub fn subst(from: &[u8], to: &[u8], text: &[u8], out: &mut Vec<u8>) {
    out.reserve(text.len());
    if from.is_empty() {
        // GNU appends `to` after the text: the empty string "matches" at the end.
        out.extend_from_slice(text);
        out.extend_from_slice(to);
        return;
    }
    let mut rest = text;
    let finder = memchr::memmem::Finder::new(from);
    while let Some(i) = finder.find(rest) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(to);
        rest = &rest[i + from.len()..];
    }
    out.extend_from_slice(rest);
}

/// Like [`subst`], but `from` is only replaced where it forms whole words:
/// preceded and followed by whitespace or the text's ends. A rejected match
/// is skipped whole (GNU resumes the search after it, not inside it).
fn subst_words(from: &[u8], to: &[u8], text: &[u8], out: &mut Vec<u8>) {
    if from.is_empty() {
        // As in `subst`, the empty string matches once, at the end; here it
        // only counts when that end is a word boundary.
        out.extend_from_slice(text);
        if text.last().is_none_or(|&b| is_space(b)) {
            out.extend_from_slice(to);
        }
        return;
    }
    let finder = memchr::memmem::Finder::new(from);
    let mut copied = 0;
    let mut pos = 0;
    while let Some(i) = finder.find(&text[pos..]) {
        let start = pos + i;
        let end = start + from.len();
        let word_start = start == 0 || is_space(text[start - 1]);
        let word_end = end == text.len() || is_space(text[end]);
        if word_start && word_end {
            out.extend_from_slice(&text[copied..start]);
            out.extend_from_slice(to);
            copied = end;
        }
        pos = end;
    }
    out.extend_from_slice(&text[copied..]);
}

/// `$(patsubst pattern,replacement,text)`.
///
/// With a `%` in `pattern` the result is the rewritten words joined by single
/// spaces. Without one, GNU replaces whole words in place and keeps the
/// text's whitespace; both pattern and replacement are unquoted (`\%` → `%`).
pub fn patsubst(pattern: &[u8], replacement: &[u8], text: &[u8], out: &mut Vec<u8>) {
    let pat = PercentPattern::new(pattern);
    let rep = PercentPattern::new(replacement);
    if pat.percent.is_none() {
        subst_words(&pat.text, &rep.text, text, out);
    } else {
        patsubst_words(&pat, &rep, text, out);
    }
}

/// Rewrites each word of `text` matching `pat` by `rep`; other words pass
/// through unchanged. Words are joined by single spaces. GNU drops a
/// matching word, separator included, when the replacement is empty, but
/// keeps the separator when a non-empty replacement yields an empty word
/// (`$(patsubst a%,,a b)` is `b`; `$(patsubst a%,%,a b)` is ` b`).
fn patsubst_words(pat: &PercentPattern, rep: &PercentPattern, text: &[u8], out: &mut Vec<u8>) {
    let mut first = true;
    for w in words(text) {
        let stem = pat.match_stem(w);
        if stem.is_some() && rep.text.is_empty() {
            continue;
        }
        if !first {
            out.push(b' ');
        }
        first = false;
        match stem {
            Some(stem) => rep.substitute(stem, out),
            None => out.extend_from_slice(w),
        }
    }
}

/// The substitution reference `$(var:pattern=replacement)`, applied to the
/// variable's expanded value `text`.
///
/// When `pattern` has an unquoted `%` this is exactly [`patsubst`]. Otherwise
/// GNU prepends `%` to both sides: to the *unquoted* pattern, but to the *raw*
/// replacement, whose quoting backslashes then stay literal (`$(v:x=\%)` on
/// `ax` gives `a\%`).
pub fn substitution_ref(pattern: &[u8], replacement: &[u8], text: &[u8], out: &mut Vec<u8>) {
    let pat = PercentPattern::new(pattern);
    if pat.percent.is_some() {
        let rep = PercentPattern::new(replacement);
        patsubst_words(&pat, &rep, text, out);
        return;
    }
    let pat = prepend_percent(&pat.text);
    let rep = prepend_percent(replacement);
    patsubst_words(&pat, &rep, text, out);
}

/// `%` followed by `text`, with the `%` as the pattern's stem position.
fn prepend_percent(text: &[u8]) -> PercentPattern {
    let mut t = Vec::with_capacity(text.len() + 1);
    t.push(b'%');
    t.extend_from_slice(text);
    PercentPattern {
        text: t,
        percent: Some(0),
    }
}

/// `$(strip text)`: the words joined by single spaces.
pub fn strip(text: &[u8], out: &mut Vec<u8>) {
    push_all(words(text), out);
}

/// Appends every word, separated by single spaces.
fn push_all<'a>(ws: impl Iterator<Item = &'a [u8]>, out: &mut Vec<u8>) {
    let mut first = true;
    for w in ws {
        push_word(out, &mut first, w);
    }
}

/// `$(findstring find,in)`: `find` verbatim if it occurs in `in`, else
/// nothing. An empty `find` yields nothing either way.
pub fn findstring(find: &[u8], text: &[u8], out: &mut Vec<u8>) {
    if !find.is_empty() && memchr::memmem::find(text, find).is_some() {
        out.extend_from_slice(find);
    }
}

/// The compiled pattern list of `filter`/`filter-out`.
///
/// Literal words go in a hash set once the list is long enough that a linear
/// scan per text word would make `filter-out` quadratic on big lists.
struct PatternSet {
    percent: Vec<PercentPattern>,
    literal: Vec<Vec<u8>>,
    literal_set: Option<HashSet<Vec<u8>>>,
}

/// Above this many literal patterns, membership uses a hash set.
const HASH_THRESHOLD: usize = 8;

impl PatternSet {
    fn new(patterns: &[u8]) -> PatternSet {
        let mut percent = Vec::new();
        let mut literal = Vec::new();
        for p in words(patterns) {
            let pat = PercentPattern::new(p);
            if pat.percent.is_some() {
                percent.push(pat);
            } else {
                // Unquoted text: `a\%` is the literal word `a%`.
                literal.push(pat.text);
            }
        }
        let literal_set =
            (literal.len() > HASH_THRESHOLD).then(|| literal.iter().cloned().collect());
        PatternSet {
            percent,
            literal,
            literal_set,
        }
    }

    /// The one pattern, when there is one and it has `%` after some prefix.
    fn single_prefixed(&self) -> Option<&PercentPattern> {
        match (&self.percent[..], &self.literal[..]) {
            ([p], []) if !p.prefix().is_empty() => Some(p),
            _ => None,
        }
    }

    fn matches(&self, word: &[u8]) -> bool {
        let lit = match &self.literal_set {
            Some(set) => set.contains(word),
            None => self.literal.iter().any(|l| l.as_slice() == word),
        };
        lit || self.percent.iter().any(|p| p.match_stem(word).is_some())
    }
}

/// `$(filter patterns,text)`: the words of `text` matching any pattern, in
/// text order, duplicates kept.
pub fn filter(patterns: &[u8], text: &[u8], out: &mut Vec<u8>) {
    filter_impl(patterns, text, true, out);
}

/// `$(filter-out patterns,text)`: the words of `text` matching no pattern.
pub fn filter_out(patterns: &[u8], text: &[u8], out: &mut Vec<u8>) {
    filter_impl(patterns, text, false, out);
}

fn filter_impl(patterns: &[u8], text: &[u8], keep_matching: bool, out: &mut Vec<u8>) {
    let set = PatternSet::new(patterns);
    if keep_matching {
        if let Some(pattern) = set.single_prefixed() {
            filter_by_prefix(pattern, text, out);
            return;
        }
    }
    push_all(words(text).filter(|w| set.matches(w) == keep_matching), out);
}

/// `$(filter PREFIX%SUFFIX,text)`, the form templates use to pick one
/// directory's objects out of a long list (`$(filter $(1)/%,$(obj-y))`):
/// the text is searched for the prefix, so that the words without it are
/// passed over at memchr's speed instead of one by one. An occurrence
/// starts a word when it starts the text or follows whitespace (a prefix
/// holds none, so an occurrence inside a word never hides one that starts
/// a word).
fn filter_by_prefix(pattern: &PercentPattern, text: &[u8], out: &mut Vec<u8>) {
    let prefix = pattern.prefix();
    let finder = memchr::memmem::Finder::new(prefix);
    let mut first = true;
    let mut at = 0;
    while let Some(found) = finder.find(&text[at..]) {
        let start = at + found;
        let word_start = start == 0 || is_space(text[start - 1]);
        let len = text[start..]
            .iter()
            .position(|&b| is_space(b))
            .unwrap_or(text.len() - start);
        let word = &text[start..start + len];
        if word_start && pattern.match_stem(word).is_some() {
            push_word(out, &mut first, word);
        }
        // No word starts before this one's end.
        at = start + len;
        if at >= text.len() {
            break;
        }
    }
}

/// `$(sort list)`: the words in byte order, duplicates removed.
pub fn sort(text: &[u8], out: &mut Vec<u8>) {
    let mut ws: Vec<&[u8]> = words(text).collect();
    ws.sort_unstable();
    ws.dedup();
    push_all(ws.into_iter(), out);
}

/// `$(words text)`: the number of words, in decimal.
pub fn words_count(text: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(words(text).count().to_string().as_bytes());
}

/// `$(firstword text)`.
pub fn firstword(text: &[u8], out: &mut Vec<u8>) {
    if let Some(w) = words(text).next() {
        out.extend_from_slice(w);
    }
}

/// `$(lastword text)`.
pub fn lastword(text: &[u8], out: &mut Vec<u8>) {
    if let Some(w) = words(text).last() {
        out.extend_from_slice(w);
    }
}

/// Parses a number argument of $(word)/$(wordlist) as GNU 4.4.1 does:
/// optional surrounding whitespace around an optionally signed (`+`/`-`)
/// decimal that fits a signed 64-bit integer.  The error names the argument
/// (`which`, `func`).
fn parse_count(arg: &[u8], which: &str, func: &str) -> Result<i64, FunctionError> {
    let text = trim(arg);
    if text.is_empty() {
        return Err(FunctionError::new(format!(
            "invalid {which} argument to '{func}' function: empty value"
        )));
    }
    let mut m = format!("invalid {which} argument to '{func}' function: '").into_bytes();
    m.extend_from_slice(arg);
    m.push(b'\'');
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(FunctionError::new(m));
    }
    // Accumulated negatively so that i64::MIN fits.
    let value = digits.iter().try_fold(0i64, |n, &d| {
        n.checked_mul(10)?.checked_sub(i64::from(d - b'0'))
    });
    value
        .and_then(|v| if negative { Some(v) } else { v.checked_neg() })
        .ok_or_else(|| {
            m.extend_from_slice(b" out of range");
            FunctionError::new(m)
        })
}

/// `$(word n,text)`: the n-th word (1-based), or nothing past the end.
pub fn word(n: &[u8], text: &[u8], out: &mut Vec<u8>) -> Result<(), FunctionError> {
    let index = parse_count(n, "first", "word")?;
    if index <= 0 {
        return Err(FunctionError::new(
            "first argument to 'word' function must be greater than 0",
        ));
    }
    let skip = usize::try_from(index - 1).unwrap_or(usize::MAX);
    if let Some(w) = words(text).nth(skip) {
        out.extend_from_slice(w);
    }
    Ok(())
}

/// `$(wordlist start,end,text)`: words `start..=end` (1-based), with the
/// original whitespace between them (unlike most list functions).  `start`
/// is checked (numeric, then positive) before `end` (numeric, then not
/// negative); `end` may be 0 or below `start`, giving nothing.  Those two
/// errors quote the number read, not the argument text.
pub fn wordlist(
    start: &[u8],
    end: &[u8],
    text: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), FunctionError> {
    let s = parse_count(start, "first", "wordlist")?;
    if s <= 0 {
        return Err(FunctionError::new(format!(
            "invalid first argument to 'wordlist' function: '{s}'"
        )));
    }
    let e = parse_count(end, "second", "wordlist")?;
    if e < 0 {
        return Err(FunctionError::new(format!(
            "invalid second argument to 'wordlist' function: '{e}'"
        )));
    }
    if e < s {
        return Ok(());
    }
    let skip = usize::try_from(s - 1).unwrap_or(usize::MAX);
    let take = usize::try_from(e - s + 1).unwrap_or(usize::MAX);
    // GNU copies the text from the first chosen word to the end of the last,
    // keeping the whitespace between them as it was.
    let mut rest = words(text);
    if let Some(first) = rest.nth(skip) {
        let last = match take {
            1 => first,
            _ => match rest.clone().nth(take - 2) {
                Some(last) => last,
                None => rest.last().unwrap_or(first),
            },
        };
        let from = offset_in(text, first);
        let to = offset_in(text, last) + last.len();
        out.extend_from_slice(&text[from..to]);
    }
    Ok(())
}

/// Byte offset of `part`, a subslice produced by splitting `text`, within it.
fn offset_in(text: &[u8], part: &[u8]) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

/// `$(join list1,list2)`: pairwise concatenation; the longer list's extra
/// words pass through unchanged.
pub fn join(list1: &[u8], list2: &[u8], out: &mut Vec<u8>) {
    let mut a = words(list1);
    let mut b = words(list2);
    let mut first = true;
    loop {
        match (a.next(), b.next()) {
            (None, None) => break,
            (x, y) => {
                if !first {
                    out.push(b' ');
                }
                first = false;
                out.extend_from_slice(x.unwrap_or_default());
                out.extend_from_slice(y.unwrap_or_default());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs an infallible function body and returns its output as a String.
    fn run(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).expect("tests use ASCII")
    }

    fn run_err(
        f: impl FnOnce(&mut Vec<u8>) -> Result<(), FunctionError>,
    ) -> Result<String, String> {
        let mut out = Vec::new();
        match f(&mut out) {
            Ok(()) => Ok(String::from_utf8(out).expect("ascii")),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn subst_keeps_whitespace() {
        assert_eq!(run(|o| subst(b"a", b"b", b"  a a  ", o)), "  b b  ");
        assert_eq!(run(|o| subst(b"a", b"", b"a b a", o)), " b ");
        assert_eq!(run(|o| subst(b"aa", b"x", b"aaa", o)), "xa");
        assert_eq!(run(|o| subst(b"a ", b" b ", b"x a y", o)), "x  b y");
    }

    #[test]
    fn subst_empty_from_appends() {
        assert_eq!(run(|o| subst(b"", b"X", b"abc", o)), "abcX");
        assert_eq!(run(|o| subst(b"", b"", b"abc", o)), "abc");
        assert_eq!(run(|o| subst(b"a", b"b", b"", o)), "");
    }

    #[test]
    fn patsubst_with_percent_normalizes() {
        assert_eq!(
            run(|o| patsubst(b"%.c", b"%.o", b"  a.c   b.c  c.h ", o)),
            "a.o b.o c.h"
        );
        assert_eq!(run(|o| patsubst(b"%.c", b"x", b"a.c b.c", o)), "x x");
        assert_eq!(run(|o| patsubst(b"%.c", b"%.%", b"a.c", o)), "a.%");
        assert_eq!(run(|o| patsubst(b"%", b"%", b"  a  b ", o)), "a b");
        assert_eq!(run(|o| patsubst(b"%", b"X", b"   ", o)), "");
        assert_eq!(run(|o| patsubst(b"%", b"x%y", b"", o)), "");
    }

    #[test]
    fn patsubst_empty_results() {
        assert_eq!(run(|o| patsubst(b"a%", b"", b"a1 b a2 c", o)), "b c");
        assert_eq!(run(|o| patsubst(b"a%", b"", b"b a1 a2", o)), "b");
        assert_eq!(run(|o| patsubst(b"%", b"", b" a\tb ", o)), "");
        assert_eq!(run(|o| patsubst(b"a%", b"%", b"a b", o)), " b");
        assert_eq!(run(|o| patsubst(b"a%", b"%", b"b a", o)), "b ");
        assert_eq!(run(|o| patsubst(b"a%", b"%", b"a b a", o)), " b ");
        assert_eq!(
            run(|o| substitution_ref(b"a%", b"", b"a1 b a2 c", o)),
            "b c"
        );
        assert_eq!(
            run(|o| substitution_ref(b"1", b"", b"a1 b a2 c", o)),
            "a b a2 c"
        );
    }

    #[test]
    fn patsubst_quoting() {
        assert_eq!(
            run(|o| patsubst(b"a\\%%", b"x%", b"a%b a\\%b", o)),
            "xb a\\%b"
        );
        assert_eq!(run(|o| patsubst(b"%", b"\\%%", b"ab", o)), "%ab");
        assert_eq!(run(|o| patsubst(b"%", b"\\\\%%", b"ab", o)), "\\ab%");
        assert_eq!(run(|o| patsubst(b"%", b"a\\b%", b"ab", o)), "a\\bab");
        // Backslashes after the first `%` are literal.
        assert_eq!(
            run(|o| patsubst(b"%\\%", b"[%]", b"a% a\\% b", o)),
            "a% [a] b"
        );
        assert_eq!(run(|o| patsubst(b"%", b"[%\\%]", b"a", o)), "[a\\%]");
        assert_eq!(run(|o| patsubst(b"a%", b"\\\\%b", b"ax", o)), "\\xb");
    }

    #[test]
    fn patsubst_without_percent_is_word_subst() {
        assert_eq!(run(|o| patsubst(b"a", b"b", b"a  a ab", o)), "b  b ab");
        assert_eq!(run(|o| patsubst(b"", b"b", b"a  a ab", o)), "a  a ab");
        // An empty pattern matches at the end when that is a word boundary.
        assert_eq!(run(|o| patsubst(b"", b"\\ab", b" ", o)), " \\ab");
        assert_eq!(run(|o| patsubst(b"", b"x", b"", o)), "x");
        assert_eq!(run(|o| patsubst(b"", b"a%%", b"b\t", o)), "b\ta%%");
        assert_eq!(run(|o| patsubst(b"a", b"b", b"a \ta", o)), "b \tb");
        assert_eq!(run(|o| patsubst(b"a b", b"X", b"a b c", o)), "X c");
        assert_eq!(run(|o| patsubst(b"a ", b"X", b"a b", o)), "a b");
        // A rejected match is skipped whole.
        assert_eq!(run(|o| patsubst(b"x x", b"X", b"yx x x", o)), "yx x x");
        assert_eq!(run(|o| patsubst(b"a", b"%b", b"a", o)), "%b");
        assert_eq!(run(|o| patsubst(b"a", b"\\%b", b"a", o)), "%b");
        assert_eq!(run(|o| patsubst(b"a\\%", b"X", b"a% a\\%", o)), "X a\\%");
        assert_eq!(run(|o| patsubst(b"a", b"\\%b%", b"a", o)), "%b%");
    }

    #[test]
    fn substitution_references() {
        let v = b"  a.c  b.c   c.h  ";
        assert_eq!(run(|o| substitution_ref(b".c", b".o", v, o)), "a.o b.o c.h");
        assert_eq!(
            run(|o| substitution_ref(b"%.c", b"%.o", v, o)),
            "a.o b.o c.h"
        );
        assert_eq!(
            run(|o| substitution_ref(b"", b".o", v, o)),
            "a.c.o b.c.o c.h.o"
        );
        assert_eq!(run(|o| substitution_ref(b".c", b"", v, o)), "a b c.h");
        assert_eq!(run(|o| substitution_ref(b"a.c", b"x", v, o)), "x b.c c.h");
        assert_eq!(run(|o| substitution_ref(b"c", b"%", v, o)), "a.% b.% c.h");
        assert_eq!(
            run(|o| substitution_ref(b".c", b"%.o", v, o)),
            "a%.o b%.o c.h"
        );
        assert_eq!(
            run(|o| substitution_ref(b"%", b"[%]", v, o)),
            "[a.c] [b.c] [c.h]"
        );
        assert_eq!(run(|o| substitution_ref(b"", b"", b"ax bx", o)), "ax bx");
        assert_eq!(run(|o| substitution_ref(b"a", b"b", b"  ", o)), "");
    }

    #[test]
    fn substitution_ref_quoting_is_asymmetric() {
        // Pattern unquoted before `%` is prepended; replacement kept raw.
        assert_eq!(
            run(|o| substitution_ref(b"\\%", b"x", b"a% a\\% b", o)),
            "ax a\\x b"
        );
        assert_eq!(
            run(|o| substitution_ref(b"%", b"\\%", b"a% a\\% b", o)),
            "% % %"
        );
        assert_eq!(
            run(|o| substitution_ref(b"x", b"\\%", b"ax bx", o)),
            "a\\% b\\%"
        );
        assert_eq!(
            run(|o| substitution_ref(b"x", b"\\\\%", b"ax bx", o)),
            "a\\\\% b\\\\%"
        );
        assert_eq!(
            run(|o| substitution_ref(b"x", b"a\\%%", b"ax bx", o)),
            "aa\\%% ba\\%%"
        );
        assert_eq!(
            run(|o| substitution_ref(b"\\x", b"y", b"a\\x b\\\\x", o)),
            "ay b\\y"
        );
        assert_eq!(
            run(|o| substitution_ref(b"%\\%", b"x", b"a% a\\% b", o)),
            "a% x b"
        );
    }

    #[test]
    fn strip_and_counts() {
        assert_eq!(run(|o| strip(b"\n a \n b \t", o)), "a b");
        assert_eq!(run(|o| strip(b"   ", o)), "");
        assert_eq!(run(|o| words_count(b" a b  c ", o)), "3");
        assert_eq!(run(|o| words_count(b"", o)), "0");
        assert_eq!(run(|o| words_count(b"\n", o)), "0");
        assert_eq!(run(|o| firstword(b"  a\nb ", o)), "a");
        assert_eq!(run(|o| firstword(b" ", o)), "");
        assert_eq!(run(|o| lastword(b"a\nb ", o)), "b");
        assert_eq!(run(|o| lastword(b"", o)), "");
    }

    #[test]
    fn findstring_cases() {
        assert_eq!(run(|o| findstring(b"a b", b" xa b ", o)), "a b");
        assert_eq!(run(|o| findstring(b"a ", b" a b", o)), "a ");
        assert_eq!(run(|o| findstring(b"z", b"abc", o)), "");
        assert_eq!(run(|o| findstring(b"", b"abc", o)), "");
        assert_eq!(run(|o| findstring(b"", b"", o)), "");
    }

    #[test]
    fn filter_basics() {
        assert_eq!(
            run(|o| filter(b"%.c a", b"  a.c b.h a  c.c ", o)),
            "a.c a c.c"
        );
        assert_eq!(
            run(|o| filter_out(b"%.c a", b"  a.c b.h a  c.c ", o)),
            "b.h"
        );
        assert_eq!(run(|o| filter(b"a", b"a a b a", o)), "a a a");
        assert_eq!(run(|o| filter(b"a\\%", b"a% a\\% ab", o)), "a%");
        assert_eq!(run(|o| filter(b"", b"a b", o)), "");
        assert_eq!(run(|o| filter(b"  ", b"a b", o)), "");
        assert_eq!(run(|o| filter_out(b"", b" a  b ", o)), "a b");
        assert_eq!(run(|o| filter(b"%", b"", o)), "");
        assert_eq!(run(|o| filter(b"a%b%", b"a%b% a%bx", o)), "a%b%");
        assert_eq!(run(|o| filter(b"a\\b", b"a\\b", o)), "a\\b");
        assert_eq!(run(|o| filter(b"a b", b" a\nc\tb ", o)), "a b");
    }

    #[test]
    fn filter_by_prefix_agrees_with_matching_word_by_word() {
        let words_by_one = |pattern: &[u8], text: &[u8]| {
            let set = PatternSet::new(pattern);
            let mut out = Vec::new();
            push_all(words(text).filter(|w| set.matches(w)), &mut out);
            String::from_utf8(out).unwrap()
        };
        let texts: [&[u8]; 6] = [
            b"aa aaa xaa aa/x aa/x.o\taa/y.c\naa/z.o",
            b"aa/b.o",
            b" \x0baa/q.o\raa/r.o\x0caa/.o aa/ x/aa/p.o aaaa/m.o",
            b"sub1/a.o sub10/b.o sub1/sub1/c.o xsub1/d.o sub1/",
            b"",
            b"   ",
        ];
        let patterns: [&[u8]; 7] = [
            b"aa/%",
            b"aa/%.o",
            b"aa%",
            b"sub1/%",
            b"sub1/%.o",
            b"a%a",
            b"aa/%/",
        ];
        for text in texts {
            for pattern in patterns {
                assert!(PatternSet::new(pattern).single_prefixed().is_some());
                assert_eq!(
                    run(|o| filter(pattern, text, o)),
                    words_by_one(pattern, text),
                    "{:?} in {:?}",
                    String::from_utf8_lossy(pattern),
                    String::from_utf8_lossy(text)
                );
            }
        }
    }

    #[test]
    fn filter_out_large_lists_use_the_hash_set() {
        let n = 10_000;
        let all: Vec<String> = (0..n).map(|i| format!("f{i}.o")).collect();
        let odd: Vec<String> = (0..n)
            .filter(|i| i % 2 == 1)
            .map(|i| format!("f{i}.o"))
            .collect();
        let even: Vec<String> = (0..n)
            .filter(|i| i % 2 == 0)
            .map(|i| format!("f{i}.o"))
            .collect();
        let (all, odd, even) = (all.join(" "), odd.join(" "), even.join(" "));
        let start = std::time::Instant::now();
        assert_eq!(run(|o| filter_out(odd.as_bytes(), all.as_bytes(), o)), even);
        assert_eq!(run(|o| filter(odd.as_bytes(), all.as_bytes(), o)), odd);
        // Quadratic matching would take seconds; hashing takes milliseconds.
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        // Mixed literal and `%` patterns on the hashed path.
        let pats = format!("{odd} %7.o");
        let got = run(|o| filter_out(pats.as_bytes(), all.as_bytes(), o));
        assert!(got.starts_with("f0.o f2.o f4.o f6.o f8.o f10.o"));
        assert!(got.split(' ').any(|w| w == "f16.o"));
        assert!(!got.split(' ').any(|w| w.ends_with("7.o")));
    }

    #[test]
    fn sort_bytes_and_dedupe() {
        assert_eq!(run(|o| sort(b"c b a b  A 10 9 ", o)), "10 9 A a b c");
        assert_eq!(run(|o| sort(b"a a\ta", o)), "a");
        assert_eq!(run(|o| sort(b"  ", o)), "");
        let mut out = Vec::new();
        sort(b"\xff \x80 a", &mut out);
        assert_eq!(out, b"a \x80 \xff");
    }

    #[test]
    fn word_cases() {
        assert_eq!(run_err(|o| word(b"2", b"a b c", o)), Ok("b".into()));
        assert_eq!(run_err(|o| word(b"5", b"a b c", o)), Ok("".into()));
        assert_eq!(run_err(|o| word(b" 2\n", b"a b c", o)), Ok("b".into()));
        assert_eq!(run_err(|o| word(b"02", b"a b c", o)), Ok("b".into()));
        assert_eq!(run_err(|o| word(b"+2", b"a b c", o)), Ok("b".into()));
        assert_eq!(run_err(|o| word(b"1", b" ", o)), Ok("".into()));
        assert_eq!(
            run_err(|o| word(b"9223372036854775807", b"a", o)),
            Ok("".into())
        );
    }

    #[test]
    fn word_errors() {
        let e = |n: &[u8]| run_err(|o| word(n, b"a b", o)).unwrap_err();
        assert_eq!(e(b"x"), "invalid first argument to 'word' function: 'x'");
        assert_eq!(
            e(b" x "),
            "invalid first argument to 'word' function: ' x '"
        );
        assert_eq!(
            e(b""),
            "invalid first argument to 'word' function: empty value"
        );
        assert_eq!(
            e(b"9223372036854775808"),
            "invalid first argument to 'word' function: '9223372036854775808' out of range"
        );
        assert_eq!(
            e(b"-1"),
            "first argument to 'word' function must be greater than 0"
        );
        assert_eq!(
            e(b"+-1"),
            "invalid first argument to 'word' function: '+-1'"
        );
        assert_eq!(
            e(b"-9223372036854775809"),
            "invalid first argument to 'word' function: '-9223372036854775809' out of range"
        );
        assert_eq!(
            e(b"1 2"),
            "invalid first argument to 'word' function: '1 2'"
        );
        assert_eq!(
            e(b"0"),
            "first argument to 'word' function must be greater than 0"
        );
        assert_eq!(
            e(b"00"),
            "first argument to 'word' function must be greater than 0"
        );
    }

    #[test]
    fn wordlist_cases() {
        let ok = |s: &[u8], e: &[u8], t: &[u8]| run_err(|o| wordlist(s, e, t, o)).unwrap();
        assert_eq!(ok(b"2", b"3", b"a b c d"), "b c");
        assert_eq!(ok(b"3", b"2", b"a b c d"), "");
        assert_eq!(ok(b"2", b"9", b" a  b  c  d "), "b  c  d");
        assert_eq!(ok(b"2", b"4", b"a b\tc\n d e"), "b\tc\n d");
        assert_eq!(ok(b"2", b"2", b" a  b  c"), "b");
        assert_eq!(ok(b"5", b"9", b"a b c"), "");
        assert_eq!(ok(b"2", b"0", b"a b c"), "");
        assert_eq!(ok(b"1", b"1", b"a b"), "a");
        assert_eq!(ok(b" 1 ", b" 2 ", b"a b c"), "a b");
        assert_eq!(ok(b"1", b"9223372036854775807", b"a b"), "a b");
    }

    #[test]
    fn wordlist_errors() {
        let e = |s: &[u8], e: &[u8]| run_err(|o| wordlist(s, e, b"a", o)).unwrap_err();
        let ok_ = |s: &[u8], e: &[u8]| run_err(|o| wordlist(s, e, b"a", o)).unwrap();
        assert_eq!(
            e(b"x", b"1"),
            "invalid first argument to 'wordlist' function: 'x'"
        );
        assert_eq!(
            e(b"1", b"x"),
            "invalid second argument to 'wordlist' function: 'x'"
        );
        assert_eq!(
            e(b"x", b"y"),
            "invalid first argument to 'wordlist' function: 'x'"
        );
        assert_eq!(
            e(b"0", b"y"),
            "invalid first argument to 'wordlist' function: '0'"
        );
        assert_eq!(
            e(b"1", b"-05"),
            "invalid second argument to 'wordlist' function: '-5'"
        );
        assert_eq!(ok_(b"+1", b"+0"), "");
        assert_eq!(
            e(b"1", b"-1"),
            "invalid second argument to 'wordlist' function: '-1'"
        );
        assert_eq!(
            e(b"", b"1"),
            "invalid first argument to 'wordlist' function: empty value"
        );
        assert_eq!(
            e(b" 0 ", b"1"),
            "invalid first argument to 'wordlist' function: '0'"
        );
        assert_eq!(
            e(b"00", b"1"),
            "invalid first argument to 'wordlist' function: '0'"
        );
    }

    #[test]
    fn join_cases() {
        assert_eq!(run(|o| join(b"a b c", b"1 2", o)), "a1 b2 c");
        assert_eq!(run(|o| join(b"a", b"1 2 3", o)), "a1 2 3");
        assert_eq!(run(|o| join(b" a  b ", b" 1 ", o)), "a1 b");
        assert_eq!(run(|o| join(b"", b"1 2", o)), "1 2");
        assert_eq!(run(|o| join(b" ", b"", o)), "");
        assert_eq!(run(|o| join(b"a\nb", b"1", o)), "a1 b");
    }
}
