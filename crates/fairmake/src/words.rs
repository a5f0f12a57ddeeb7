//! Splitting make text into whitespace-separated words, as every list function does.

/// Whitespace between words: what C's `isspace` accepts, as GNU make uses.
#[inline]
pub fn is_space(b: u8) -> bool {
    SPACE[usize::from(b)]
}

/// `is_space` by byte: one load instead of six comparisons, for the loops
/// that split every list a makefile builds.
static SPACE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = matches!(i as u8, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
        i += 1;
    }
    table
};

/// Blanks inside a logical line (no newline): space and tab.
#[inline]
pub fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The words of `text`, in order.
pub fn words(text: &[u8]) -> Words<'_> {
    // In a long list the end of each word is found with a vector search,
    // looking for blanks and newlines only, once the text is known to hold
    // none of the rarer whitespace bytes (`\r`, `\v`, `\f`).
    let finder = if text.len() >= VECTOR_FROM && memchr::memchr3(b'\r', 0x0b, 0x0c, text).is_none()
    {
        blank_finder()
    } else {
        None
    };
    Words { rest: text, finder }
}

/// Below this length a byte loop finds word ends faster than a vector search.
const VECTOR_FROM: usize = 256;

/// A searcher for space, tab and newline, built once. `memchr::memchr3`
/// picks its implementation and prepares its needles on every call, which
/// for a word of twenty bytes costs more than the search itself.
#[cfg(target_arch = "x86_64")]
type BlankFinder = memchr::arch::x86_64::avx2::memchr::Three;
#[cfg(not(target_arch = "x86_64"))]
type BlankFinder = memchr::arch::all::memchr::Three;

/// The searcher, where the CPU has what it needs (AVX2 on x86-64).
fn blank_finder() -> Option<&'static BlankFinder> {
    static FINDER: std::sync::OnceLock<Option<BlankFinder>> = std::sync::OnceLock::new();
    FINDER
        .get_or_init(|| {
            #[cfg(target_arch = "x86_64")]
            return BlankFinder::new(b' ', b'\t', b'\n');
            #[cfg(not(target_arch = "x86_64"))]
            return Some(BlankFinder::new(b' ', b'\t', b'\n'));
        })
        .as_ref()
}

/// Iterator over the words of a byte string.
#[derive(Clone)]
pub struct Words<'a> {
    rest: &'a [u8],
    /// Set when `rest` has no whitespace but blanks and newlines, and is long.
    finder: Option<&'static BlankFinder>,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let start = self.rest.iter().position(|&b| !is_space(b))?;
        let rest = &self.rest[start..];
        let end = match self.finder {
            Some(finder) => finder.find(rest),
            None => rest.iter().position(|&b| is_space(b)),
        };
        let len = end.unwrap_or(rest.len());
        self.rest = &rest[len..];
        Some(&rest[..len])
    }
}

/// `text` without leading whitespace.
pub fn trim_start(text: &[u8]) -> &[u8] {
    let start = text
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(text.len());
    &text[start..]
}

/// `text` without leading and trailing whitespace.
pub fn trim(text: &[u8]) -> &[u8] {
    let text = trim_start(text);
    let end = text
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(0, |e| e + 1);
    &text[..end]
}

/// Appends `word` to `out`, with a single space first unless `out` is empty.
#[inline]
pub fn push_word(out: &mut Vec<u8>, first: &mut bool, word: &[u8]) {
    if !*first {
        out.push(b' ');
    }
    *first = false;
    out.extend_from_slice(word);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_any_whitespace() {
        let w: Vec<&[u8]> = words(b"  a\tbb\n c  ").collect();
        assert_eq!(w, vec![&b"a"[..], b"bb", b"c"]);
        assert_eq!(words(b"   ").count(), 0);
        assert_eq!(trim(b"  x y \n"), b"x y");
        assert_eq!(trim(b"   "), b"");
    }

    #[test]
    fn long_lists_split_at_every_kind_of_whitespace() {
        let mut text = Vec::new();
        for i in 0..100 {
            text.extend_from_slice(format!("w{i}").as_bytes());
            text.push([b' ', b'\t', b'\n'][i % 3]);
        }
        let expected: Vec<Vec<u8>> = (0..100).map(|i| format!("w{i}").into_bytes()).collect();
        assert!(text.len() >= VECTOR_FROM);
        assert_eq!(
            words(&text).map(<[u8]>::to_vec).collect::<Vec<_>>(),
            expected
        );
        // A rarer whitespace byte anywhere: it separates words too.
        text.extend_from_slice(b"a\rb\x0bc\x0cd");
        let all: Vec<Vec<u8>> = words(&text).map(<[u8]>::to_vec).collect();
        assert_eq!(all.len(), 104);
        assert_eq!(
            &all[100..],
            [b"a".to_vec(), b"b".to_vec(), b"c".to_vec(), b"d".to_vec()]
        );
    }
}
