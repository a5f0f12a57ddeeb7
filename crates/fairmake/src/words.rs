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
    // A long list is split a block at a time: one pass marks the blanks and
    // newlines of 64 bytes as the bits of a word, and each word's start and
    // end are then found with bit operations, with no search per word. That
    // needs the text to hold none of the rarer whitespace bytes (`\r`, `\v`,
    // `\f`), which the block pass does not mark.
    if text.len() >= BLOCKS_FROM && memchr::memchr3(b'\r', 0x0b, 0x0c, text).is_none() {
        Words::Blocks(Blocks::new(text))
    } else {
        Words::Bytes(text)
    }
}

/// Shorter texts (most rule lines and function arguments) are split with a
/// byte loop, which needs no set-up.
const BLOCKS_FROM: usize = 128;

/// Iterator over the words of a byte string.
#[derive(Clone)]
pub enum Words<'a> {
    /// The text not yet split, gone through byte by byte.
    Bytes(&'a [u8]),
    /// A long text gone through a block at a time.
    Blocks(Blocks<'a>),
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = match self {
            Words::Blocks(blocks) => return blocks.next_word(),
            Words::Bytes(rest) => rest,
        };
        let start = rest.iter().position(|&b| !is_space(b))?;
        let word = &rest[start..];
        let len = word.iter().position(|&b| is_space(b)).unwrap_or(word.len());
        *rest = &word[len..];
        Some(&word[..len])
    }

    // `$(words)`, `$(word)`, `$(wordlist)` and `$(lastword)` ask these of
    // long lists, and recursive `$(call)`s ask them again at every level:
    // a long list's words are counted a block at a time, not visited.

    fn count(self) -> usize {
        match self {
            Words::Blocks(mut blocks) => blocks.count_words(),
            bytes => bytes.fold(0, |n, _| n + 1),
        }
    }

    fn nth(&mut self, n: usize) -> Option<&'a [u8]> {
        if let Words::Blocks(blocks) = self {
            blocks.skip_words(n);
            return blocks.next_word();
        }
        for _ in 0..n {
            self.next()?;
        }
        self.next()
    }

    fn last(self) -> Option<&'a [u8]> {
        // Found from the end: only the last word is looked at.
        let rest = match self {
            Words::Blocks(blocks) => &blocks.text[blocks.at.min(blocks.text.len())..],
            Words::Bytes(rest) => rest,
        };
        let end = rest.iter().rposition(|&b| !is_space(b))? + 1;
        let start = rest[..end]
            .iter()
            .rposition(|&b| is_space(b))
            .map_or(0, |s| s + 1);
        Some(&rest[start..end])
    }
}

/// A long text with the blanks and newlines of its current 64-byte block as
/// bits (bit `i`: byte `block + i`); bytes past the end count as blanks.
#[derive(Clone)]
pub struct Blocks<'a> {
    text: &'a [u8],
    block: usize,
    blanks: u64,
    /// Where the next word is looked for, at or after `block`.
    at: usize,
}

impl<'a> Blocks<'a> {
    fn new(text: &'a [u8]) -> Blocks<'a> {
        Blocks {
            text,
            block: 0,
            blanks: blank_bits(text, 0),
            at: 0,
        }
    }

    /// The offset of the first byte at or after `self.at` that is (`blank`)
    /// or is not a blank, moving block by block; `None` past the end.
    #[inline]
    fn seek(&mut self, blank: bool) -> Option<usize> {
        loop {
            if self.block >= self.text.len() {
                return None;
            }
            let bits = if blank { self.blanks } else { !self.blanks };
            let ahead = bits & (u64::MAX << (self.at - self.block));
            if ahead != 0 {
                return Some(self.block + ahead.trailing_zeros() as usize);
            }
            if !self.next_block() {
                return None;
            }
        }
    }

    // Kept out of line: the callers' own loops over short lists stay small.
    #[inline(never)]
    fn next_word(&mut self) -> Option<&'a [u8]> {
        // Most words start and end in the block at hand.
        let shift = self.at - self.block;
        let nonblank = !self.blanks & (u64::MAX << shift);
        if nonblank != 0 {
            let start = nonblank.trailing_zeros();
            let blank_after = self.blanks & (u64::MAX << start);
            if blank_after != 0 {
                let end = (self.block + blank_after.trailing_zeros() as usize).min(self.text.len());
                let start = self.block + start as usize;
                self.at = end;
                return Some(&self.text[start..end]);
            }
        }
        let start = self.seek(false)?;
        self.at = start;
        // Past the end every byte is a blank: a word always ends.
        let end = self
            .seek(true)
            .unwrap_or(self.text.len())
            .min(self.text.len());
        self.at = end;
        Some(&self.text[start..end])
    }

    /// The bits of the words that start in the current block at or after
    /// `at`: a byte that is not a blank, after one that is (or at the start
    /// of the text). Between words, `at` is at a blank or the text's start.
    fn starts(&self) -> u64 {
        let before_is_blank = self.block == 0 || is_space(self.text[self.block - 1]);
        let after_blank = (self.blanks << 1) | u64::from(before_is_blank);
        !self.blanks & after_blank & (u64::MAX << (self.at - self.block))
    }

    /// Moves to the next block, or marks the text exhausted; false then.
    fn next_block(&mut self) -> bool {
        self.block += 64;
        self.at = self.block;
        if self.block >= self.text.len() {
            // All blanks: no word is found in an exhausted text.
            self.blanks = u64::MAX;
            return false;
        }
        self.blanks = blank_bits(self.text, self.block);
        true
    }

    /// The words from `at` to the end, counted a block at a time.
    fn count_words(&mut self) -> usize {
        let mut count = 0;
        while self.block < self.text.len() {
            count += self.starts().count_ones() as usize;
            self.next_block();
        }
        count
    }

    /// Moves past `n` words, to the start of the next (or the end).
    fn skip_words(&mut self, mut n: usize) {
        while self.block < self.text.len() {
            let mut starts = self.starts();
            let here = starts.count_ones() as usize;
            if here > n {
                for _ in 0..n {
                    starts &= starts - 1;
                }
                self.at = self.block + starts.trailing_zeros() as usize;
                return;
            }
            n -= here;
            self.next_block();
        }
    }
}

/// Bits for the spaces, tabs and newlines of `text[from..from + 64]`, with
/// the bits past the end of `text` set.
#[inline]
fn blank_bits(text: &[u8], from: usize) -> u64 {
    let rest = &text[from..];
    if let Some(block) = rest.first_chunk::<64>() {
        return blank_bits_of_block(block);
    }
    let mut padded = [b' '; 64];
    padded[..rest.len()].copy_from_slice(rest);
    blank_bits_of_block(&padded)
}

/// SSE2, which every x86-64 processor has: three byte compares and a mask
/// per 16 bytes.
#[cfg(target_arch = "x86_64")]
#[inline]
fn blank_bits_of_block(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut bits = 0u64;
    for (i, lane) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of the x86-64 baseline, so these intrinsics
        // are always available; `lane` is 16 readable bytes, and the load
        // has no alignment requirement.
        let mask = unsafe {
            let v = _mm_loadu_si128(lane.as_ptr().cast::<__m128i>());
            let blank = _mm_or_si128(
                _mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8)),
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8)),
                ),
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8)),
            );
            _mm_movemask_epi8(blank)
        };
        bits |= u64::from(mask as u16) << (16 * i);
    }
    bits
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn blank_bits_of_block(block: &[u8; 64]) -> u64 {
    block.iter().enumerate().fold(0, |bits, (i, &b)| {
        bits | (u64::from(matches!(b, b' ' | b'\t' | b'\n')) << i)
    })
}

/// `text` without leading whitespace.
pub fn trim_start(text: &[u8]) -> &[u8] {
    let start = text
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(text.len());
    &text[start..]
}

/// `text` without trailing whitespace.
pub fn trim_end(text: &[u8]) -> &[u8] {
    let end = text
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(0, |e| e + 1);
    &text[..end]
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

    /// The words as a byte loop finds them.
    fn reference(text: &[u8]) -> Vec<&[u8]> {
        text.split(|&b| is_space(b))
            .filter(|w| !w.is_empty())
            .collect()
    }

    #[test]
    fn block_splitting_agrees_with_a_byte_loop() {
        let mut seed = 7u32;
        let mut random = move |n: u32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 16) % n
        };
        for len in [127, 128, 129, 191, 192, 193, 255, 256, 257, 1000, 4096] {
            for blanks_in_ten in [1, 3, 5, 9] {
                let text: Vec<u8> = (0..len)
                    .map(|_| match random(10) < blanks_in_ten {
                        true => [b' ', b'\t', b'\n'][random(3) as usize],
                        false => b'a' + random(26) as u8,
                    })
                    .collect();
                assert_eq!(words(&text).collect::<Vec<_>>(), reference(&text), "{len}");
                // Words that end exactly at a block's end, and at the text's.
                let aligned: Vec<u8> = (0..len)
                    .map(|i| if i % 64 == 63 { b' ' } else { b'x' })
                    .collect();
                assert_eq!(words(&aligned).collect::<Vec<_>>(), reference(&aligned));
                let full: Vec<u8> = vec![b'y'; len as usize];
                assert_eq!(words(&full).collect::<Vec<_>>(), reference(&full));
                let blank: Vec<u8> = vec![b'\n'; len as usize];
                assert_eq!(words(&blank).count(), 0);
            }
        }
    }

    /// Lists long enough to span several blocks (and short ones), with runs
    /// of whitespace, words of many lengths, and the rarer whitespace bytes.
    fn sample_lists() -> Vec<Vec<u8>> {
        let spaces: [&[u8]; 7] = [b" ", b"\t", b"\n", b"\r", b"\x0b", b"  \t\n ", b"  "];
        let mut lists = vec![Vec::new(), b" ".to_vec(), b"x".to_vec(), b"  x  ".to_vec()];
        let mut seed = 12345u32;
        for len in [3, 40, 300, 2000] {
            for rare in [false, true] {
                let mut text = Vec::new();
                for i in 0..len {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    let mut space = spaces[(seed >> 20) as usize % spaces.len()];
                    if !rare && space.iter().any(|&b| b == b'\r' || b == 0x0b) {
                        space = b" ";
                    }
                    let word_len = 1 + (seed >> 8) as usize % 9;
                    text.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, word_len));
                    text.extend_from_slice(space);
                }
                lists.push(text.clone());
                lists.push(text[1..text.len() - 1].to_vec());
            }
        }
        lists
    }

    #[test]
    fn count_nth_and_last_agree_with_the_words_one_by_one() {
        for text in sample_lists() {
            let all = reference(&text);
            assert_eq!(words(&text).count(), all.len());
            assert_eq!(words(&text).last(), all.last().copied());
            for n in 0..all.len() + 2 {
                assert_eq!(words(&text).nth(n), all.get(n).copied(), "word {n}");
            }
            // Each leaves the iterator where stepping would.
            for n in [0, 1, 7, 63, 64, 65, 200] {
                let mut it = words(&text);
                if it.nth(n).is_none() {
                    continue;
                }
                assert_eq!(it.clone().count(), all.len() - n - 1, "after word {n}");
                assert_eq!(
                    it.clone().last(),
                    all.last().copied().filter(|_| n + 1 < all.len())
                );
                assert_eq!(it.nth(3), all.get(n + 4).copied(), "three after word {n}");
            }
        }
    }

    #[test]
    fn a_word_ending_the_text_at_a_block_end_is_the_last() {
        // The last block holds a blank before the last word, which runs to
        // the end of the text: nothing may be found after it.
        let mut text = vec![b'x'; 65];
        text.push(b' ');
        text.resize(128, b'y');
        let found: Vec<&[u8]> = words(&text).collect();
        assert_eq!(found, [&text[..65], &text[66..]]);
    }

    #[test]
    fn long_lists_split_at_every_kind_of_whitespace() {
        let mut text = Vec::new();
        for i in 0..100 {
            text.extend_from_slice(format!("w{i}").as_bytes());
            text.push([b' ', b'\t', b'\n'][i % 3]);
        }
        let expected: Vec<Vec<u8>> = (0..100).map(|i| format!("w{i}").into_bytes()).collect();
        assert!(text.len() >= BLOCKS_FROM);
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
