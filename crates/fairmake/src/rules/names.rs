//! The arena that file names live in. A build names tens of thousands of
//! files; giving each name its own allocation costs an allocator header
//! and rounding on every one (a 6-byte name takes 32 bytes of heap), so
//! names are packed into large chunks instead.
//!
//! The chunks are never freed: a make builds one rule database per run and
//! keeps it to the end, so its names may as well live as long as the
//! process, and a name can then be a plain `&'static [u8]`.

/// Where new names are packed.
#[derive(Debug, Default)]
pub struct NameArena {
    /// What is left of the current chunk.
    rest: &'static mut [u8],
}

/// The size of a chunk. Names longer than a quarter of it get one of their own.
const CHUNK: usize = 64 * 1024;

impl NameArena {
    /// A copy of `name` that lives as long as the process.
    pub fn alloc(&mut self, name: &[u8]) -> &'static [u8] {
        if name.is_empty() {
            return &[];
        }
        if name.len() > CHUNK / 4 {
            return Box::leak(name.into());
        }
        if self.rest.len() < name.len() {
            // The few bytes left at the end of the old chunk are given up.
            self.rest = Box::leak(vec![0; CHUNK].into_boxed_slice());
        }
        let (head, tail) = std::mem::take(&mut self.rest).split_at_mut(name.len());
        head.copy_from_slice(name);
        self.rest = tail;
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_bytes_across_chunks() {
        let mut arena = NameArena::default();
        let long = vec![b'x'; CHUNK / 2];
        let mut names = Vec::new();
        for i in 0..20_000u32 {
            let name = format!("dir{}/file{i}.o", i % 7);
            names.push((arena.alloc(name.as_bytes()), name));
        }
        let big = arena.alloc(&long);
        assert_eq!(arena.alloc(b""), b"");
        for (kept, name) in names {
            assert_eq!(kept, name.as_bytes());
        }
        assert_eq!(big, &long[..]);
    }
}
