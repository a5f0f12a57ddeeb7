//! A table of values found by a byte-string name, with every name packed
//! back to back in one buffer.
//!
//! A map keyed by `Vec<u8>` costs an allocation per name and, on a lookup,
//! a read of the key's header before the name's bytes. Here a lookup reads
//! the table and then the bytes. Directory listings (60 000 names in a
//! no-op build) and the implicit search's failed names (a dozen per file
//! searched) keep their names so.
//!
//! A removed name's bytes stay in the buffer, unused, until [`clear`]: the
//! users remove few names.
//!
//! [`clear`]: NameTable::clear

use hashbrown::hash_table::Entry;

/// The hash of a name in the indexes that find things by name: the data
/// base's files, a variable set's variables, a directory listing's entries.
pub(crate) fn name_hash(name: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(name)
}

/// Values of type `V` by name.
#[derive(Clone, Debug)]
pub struct NameTable<V> {
    bytes: Vec<u8>,
    index: hashbrown::HashTable<Slot<V>>,
}

/// A name (where its bytes lie in the buffer) and its value.
#[derive(Clone, Debug)]
struct Slot<V> {
    start: u32,
    len: u32,
    value: V,
}

impl<V> Default for NameTable<V> {
    fn default() -> Self {
        NameTable {
            bytes: Vec::new(),
            index: hashbrown::HashTable::new(),
        }
    }
}

/// The bytes of the name `slot` points at.
fn name_of<'b, V>(bytes: &'b [u8], slot: &Slot<V>) -> &'b [u8] {
    &bytes[slot.start as usize..][..slot.len as usize]
}

impl<V> NameTable<V> {
    pub fn get(&self, name: &[u8]) -> Option<&V> {
        self.index
            .find(name_hash(name), |s| name_of(&self.bytes, s) == name)
            .map(|s| &s.value)
    }

    /// The value of `name`, made by `new` when the table has none. `None`
    /// only for a name the table cannot hold (its buffer would pass 4 GiB).
    pub fn get_or_insert_with(&mut self, name: &[u8], new: impl FnOnce() -> V) -> Option<&mut V> {
        let bytes = &self.bytes;
        let entry = self.index.entry(
            name_hash(name),
            |s| name_of(bytes, s) == name,
            |s| name_hash(name_of(bytes, s)),
        );
        match entry {
            Entry::Occupied(e) => Some(&mut e.into_mut().value),
            Entry::Vacant(e) => {
                let start = u32::try_from(self.bytes.len()).ok()?;
                let len = u32::try_from(name.len()).ok()?;
                let slot = e.insert(Slot {
                    start,
                    len,
                    value: new(),
                });
                self.bytes.extend_from_slice(name);
                Some(&mut slot.into_mut().value)
            }
        }
    }

    /// Adds `name`, which the table must not have (a directory's entries,
    /// read once: no name is compared on the way in). A name the table
    /// cannot hold is left out, as by [`NameTable::get_or_insert_with`].
    pub fn insert_new(&mut self, name: &[u8], value: V) {
        let (Ok(start), Ok(len)) = (u32::try_from(self.bytes.len()), u32::try_from(name.len()))
        else {
            return;
        };
        self.bytes.extend_from_slice(name);
        let bytes = &self.bytes;
        let slot = Slot { start, len, value };
        self.index
            .insert_unique(name_hash(name), slot, |s| name_hash(name_of(bytes, s)));
    }

    pub fn remove(&mut self, name: &[u8]) -> Option<V> {
        let bytes = &self.bytes;
        let found = self
            .index
            .find_entry(name_hash(name), |s| name_of(bytes, s) == name);
        found.ok().map(|e| e.remove().0.value)
    }

    /// Every name and its value, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &V)> {
        self.index
            .iter()
            .map(|s| (name_of(&self.bytes, s), &s.value))
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Forgets every name, keeping the space.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.index.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_after_growth_removal_and_reinsertion() {
        let mut table = NameTable::default();
        for i in 0..1000u32 {
            *table
                .get_or_insert_with(format!("f{i}.c").as_bytes(), || 0)
                .expect("room") += i;
        }
        assert_eq!(table.get(b"f999.c"), Some(&999));
        assert_eq!(table.get(b"f1000.c"), None);
        table.insert_new(b"new.c", 5);
        assert_eq!(table.get(b"new.c"), Some(&5));
        assert_eq!(table.remove(b"new.c"), Some(5));
        assert_eq!(table.remove(b"f7.c"), Some(7));
        assert_eq!(table.remove(b"f7.c"), None);
        assert_eq!(table.get(b"f7.c"), None);
        *table.get_or_insert_with(b"f7.c", || 70).expect("room") += 1;
        assert_eq!(table.get(b"f7.c"), Some(&71));
        assert_eq!(table.get(b"f8.c"), Some(&8));
        assert_eq!(table.iter().count(), 1000);
        assert!(table.iter().all(|(name, _)| table.get(name).is_some()));
        table.clear();
        assert!(table.is_empty());
        assert_eq!(table.get(b"f8.c"), None);
    }
}
