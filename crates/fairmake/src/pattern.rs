//! `%` patterns: the one matcher shared by `patsubst`, substitution references,
//! static pattern rules, pattern rules and `vpath`.
//!
//! A backslash before `%` quotes it; a backslash before such a backslash quotes
//! that backslash. Only the first unquoted `%` is special.

use std::borrow::Cow;

/// Finds the first unquoted `%` in `text`, returning the text with the quoting
/// backslashes before it removed and the index of the `%` in that text.
pub fn find_percent(text: &[u8]) -> (Cow<'_, [u8]>, Option<usize>) {
    if let Some(p) = memchr::memchr(b'%', text) {
        let mut backslashes = 0;
        while backslashes < p && text[p - 1 - backslashes] == b'\\' {
            backslashes += 1;
        }
        if backslashes == 0 {
            return (Cow::Borrowed(text), Some(p));
        }
        // Backslashes before `%`: pairs become single backslashes; an odd one
        // quotes the `%`.
        let mut owned = Vec::with_capacity(text.len());
        owned.extend_from_slice(&text[..p - backslashes]);
        owned.extend(std::iter::repeat_n(b'\\', backslashes / 2));
        if backslashes % 2 == 1 {
            owned.push(b'%');
            let (rest, idx) = find_percent(&text[p + 1..]);
            let base = owned.len();
            owned.extend_from_slice(&rest);
            return (Cow::Owned(owned), idx.map(|x| x + base));
        }
        let idx = owned.len();
        owned.extend_from_slice(&text[p..]);
        (Cow::Owned(owned), Some(idx))
    } else {
        (Cow::Borrowed(text), None)
    }
}

/// A pattern whose `%` position is known: the form used on hot paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PercentPattern {
    pub text: Vec<u8>,
    /// Index of the `%` in `text`, if any.
    pub percent: Option<usize>,
}

impl PercentPattern {
    pub fn new(raw: &[u8]) -> PercentPattern {
        let (text, percent) = find_percent(raw);
        PercentPattern {
            text: text.into_owned(),
            percent,
        }
    }

    pub fn prefix(&self) -> &[u8] {
        match self.percent {
            Some(p) => &self.text[..p],
            None => &self.text,
        }
    }

    pub fn suffix(&self) -> &[u8] {
        match self.percent {
            Some(p) => &self.text[p + 1..],
            None => b"",
        }
    }

    /// The stem when `word` matches.
    pub fn match_stem<'w>(&self, word: &'w [u8]) -> Option<&'w [u8]> {
        match self.percent {
            None => (word == self.text.as_slice()).then_some(&word[..0]),
            Some(_) => {
                let (p, s) = (self.prefix(), self.suffix());
                if word.len() >= p.len() + s.len()
                    && same_bytes(&word[..p.len()], p)
                    && same_bytes(&word[word.len() - s.len()..], s)
                {
                    Some(&word[p.len()..word.len() - s.len()])
                } else {
                    None
                }
            }
        }
    }

    /// Appends the pattern with `%` replaced by `stem`.
    pub fn substitute(&self, stem: &[u8], out: &mut Vec<u8>) {
        match self.percent {
            None => out.extend_from_slice(&self.text),
            Some(_) => {
                out.extend_from_slice(self.prefix());
                out.extend_from_slice(stem);
                out.extend_from_slice(self.suffix());
            }
        }
    }
}

/// `a == b` for the short prefixes and suffixes of patterns, compared from
/// the end (where `.o` and `.c` differ) and without a call to `memcmp`: an
/// implicit-rule search matches every pattern rule against each name.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().rev().zip(b.iter().rev()).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_unquoted_percent() {
        assert_eq!(find_percent(b"a%b"), (Cow::Borrowed(&b"a%b"[..]), Some(1)));
        let (t, i) = find_percent(b"a\\%b%c");
        assert_eq!((&*t, i), (&b"a%b%c"[..], Some(3)));
        let (t, i) = find_percent(b"a\\\\%c");
        assert_eq!((&*t, i), (&b"a\\%c"[..], Some(2)));
        assert_eq!(find_percent(b"abc").1, None);
    }

    #[test]
    fn matches_and_substitutes() {
        let p = PercentPattern::new(b"%.c");
        assert_eq!(p.match_stem(b"foo.c"), Some(&b"foo"[..]));
        assert_eq!(p.match_stem(b"foo.h"), None);
        let q = PercentPattern::new(b"obj/%.o");
        let mut out = Vec::new();
        q.substitute(b"foo", &mut out);
        assert_eq!(out, b"obj/foo.o");
        let lit = PercentPattern::new(b"x");
        assert_eq!(lit.match_stem(b"x"), Some(&b""[..]));
    }
}
