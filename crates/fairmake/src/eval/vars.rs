//! Variables: values with a flavor and an origin, grouped in sets (global,
//! per target, per pattern), and the compiled form of recursive values.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use super::expand::Expansion;
use crate::diag::Loc;
use crate::name_table::name_hash;

/// How a variable's value is expanded when referenced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// `=`, `define`: expanded at each reference.
    Recursive,
    /// `:=`, `::=`, `:::=`, `!=`: the value is final text.
    Simple,
}

/// Where a variable's definition came from, in GNU's precedence order
/// (later variants win over earlier ones, with `-e` swapping environment and file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    Default,
    Environment,
    File,
    EnvironmentOverride,
    CommandLine,
    Override,
    Automatic,
}

impl Origin {
    /// The origin of a variable make defines as if from the environment
    /// (`MAKELEVEL`, `MFLAGS`): `environment override` under `-e`, as in GNU.
    pub fn as_if_environment(environment_overrides: bool) -> Origin {
        if environment_overrides {
            Origin::EnvironmentOverride
        } else {
            Origin::Environment
        }
    }

    /// The word `$(origin)` returns.
    pub fn name(self) -> &'static str {
        match self {
            Origin::Default => "default",
            Origin::Environment => "environment",
            Origin::File => "file",
            Origin::EnvironmentOverride => "environment override",
            Origin::CommandLine => "command line",
            Origin::Override => "override",
            Origin::Automatic => "automatic",
        }
    }
}

/// Whether a variable is put into recipes' environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Export {
    /// Decided by the defaults (environment origin, `.EXPORT_ALL_VARIABLES`, `export` alone).
    #[default]
    Default,
    Yes,
    No,
}

/// One variable.
#[derive(Debug)]
pub struct Var {
    pub value: Vec<u8>,
    pub flavor: Flavor,
    pub origin: Origin,
    pub export: Export,
    /// `private`: not inherited by prerequisites.
    pub private: bool,
    /// A target/pattern-specific `+=`: appends to the inherited value when looked up.
    pub append: bool,
    /// A pattern-specific `?=`: ignored when looked up if an outer scope
    /// (an earlier definition, a parent, the globals) defines the name.
    pub conditional: bool,
    /// Set by `-e`-style or conditional definitions; printed by `-p`.
    pub loc: Option<Loc>,
    compiled: OnceCell<Rc<Expansion>>,
}

impl Var {
    pub fn new(value: Vec<u8>, flavor: Flavor, origin: Origin) -> Var {
        Var {
            value,
            flavor,
            origin,
            export: Export::Default,
            private: false,
            append: false,
            conditional: false,
            loc: None,
            compiled: OnceCell::new(),
        }
    }

    /// The parsed expansion of a recursive value, compiled on first use.
    pub fn compiled(&self) -> Rc<Expansion> {
        self.compiled
            .get_or_init(|| Rc::new(Expansion::parse(&self.value)))
            .clone()
    }

    /// Replaces the value, dropping the compiled form.
    pub fn set_value(&mut self, value: Vec<u8>) {
        self.value = value;
        self.compiled.take();
    }

    /// Sets the value to a copy of `value`, in the buffer the old one had
    /// (a `$(foreach)` variable takes each word of its list in turn).
    pub fn set_value_from(&mut self, value: &[u8]) {
        self.value.clear();
        self.value.extend_from_slice(value);
        self.compiled.take();
    }
}

/// Which variable a definition belongs to, for the guard against a value
/// that references itself: it stays the same while the variable is
/// redefined in its set (a `$(eval)` inside its own value), as GNU keeps
/// one variable and marks it, not its value; it is another once the
/// variable was undefined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VarKey(usize);

impl VarKey {
    /// The key of a value held nowhere else (a `$(call)` binding): the
    /// value itself.
    pub fn of_value<T>(value: &Rc<T>) -> VarKey {
        VarKey(Rc::as_ptr(value) as *const u8 as usize)
    }
}

/// A set of variables by name.
///
/// The variables live in a vector, in the order they were first defined, and
/// a hash table of 32-bit positions finds them by name. Growing the set
/// rehashes only that small table; a hash table holding the entries
/// themselves was copied into one twice its size, the two resident at once
/// (5 000 configuration variables made a 733 KB table, by way of a 368 KB
/// one).
#[derive(Debug, Default)]
pub struct VarSet {
    entries: Vec<(Box<[u8]>, Var)>,
    index: hashbrown::HashTable<u32>,
    /// Bumped by every change, so that values derived from the whole set
    /// (a child's environment) can be cached.
    generation: u64,
}

impl VarSet {
    pub fn new() -> VarSet {
        VarSet::default()
    }

    #[inline]
    fn position(&self, name: &[u8]) -> Option<usize> {
        // Most sets asked are empty (a file's own variables): no hashing.
        if self.entries.is_empty() {
            return None;
        }
        let entries = &self.entries;
        self.index
            .find(name_hash(name), |&i| *entries[i as usize].0 == *name)
            .map(|&i| i as usize)
    }

    pub fn get(&self, name: &[u8]) -> Option<&Var> {
        self.position(name).map(|i| &self.entries[i].1)
    }

    /// [`Self::get`], with the variable's [`VarKey`]: where its name is
    /// kept, which a redefinition keeps and which no other variable alive
    /// has.
    pub fn get_keyed(&self, name: &[u8]) -> Option<(VarKey, &Var)> {
        self.position(name).map(|i| {
            let (name, var) = &self.entries[i];
            (VarKey(name.as_ptr() as usize), var)
        })
    }

    pub fn get_mut(&mut self, name: &[u8]) -> Option<&mut Var> {
        self.generation += 1;
        let i = self.position(name)?;
        Some(&mut self.entries[i].1)
    }

    pub fn insert(&mut self, name: &[u8], var: Var) {
        self.generation += 1;
        let entries = &self.entries;
        let entry = self.index.entry(
            name_hash(name),
            |&i| *entries[i as usize].0 == *name,
            |&i| name_hash(&entries[i as usize].0),
        );
        match entry {
            // A redefinition (every `obj-y += ...`) keeps the key it has.
            hashbrown::hash_table::Entry::Occupied(e) => self.entries[*e.get() as usize].1 = var,
            hashbrown::hash_table::Entry::Vacant(e) => {
                let at = u32::try_from(self.entries.len()).expect("fewer than 2^32 variables");
                e.insert(at);
                self.entries.push((name.into(), var));
            }
        }
    }

    pub fn remove(&mut self, name: &[u8]) -> Option<Var> {
        self.generation += 1;
        let entries = &self.entries;
        let at = self
            .index
            .find_entry(name_hash(name), |&i| *entries[i as usize].0 == *name)
            .ok()?
            .remove()
            .0 as usize;
        // The entries after it move up one, keeping the order they were
        // defined in (which a child's environment is expanded in: a
        // variable defined later must not come first for an `undefine`);
        // their positions in the index follow. `undefine` is rare enough
        // for the whole index to be visited.
        if at + 1 < self.entries.len() {
            for slot in self.index.iter_mut() {
                if *slot as usize > at {
                    *slot -= 1;
                }
            }
        }
        Some(self.entries.remove(at).1)
    }

    /// Changes so far: equal generations mean equal contents.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Var)> {
        self.entries.iter().map(|(k, v)| (&k[..], v))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&[u8], &mut Var)> {
        self.generation += 1;
        self.entries.iter_mut().map(|(k, v)| (&k[..], v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A shared, mutable variable set: target-specific sets are referenced from
/// scopes while `$(eval)` may still add to them.
pub type SharedVarSet = Rc<RefCell<VarSet>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn simple(value: &[u8]) -> Var {
        Var::new(value.to_vec(), Flavor::Simple, Origin::File)
    }

    fn value_of<'a>(set: &'a VarSet, name: &[u8]) -> Option<&'a [u8]> {
        set.get(name).map(|v| &v.value[..])
    }

    #[test]
    fn removing_a_variable_keeps_the_others_found() {
        let mut set = VarSet::new();
        for i in 0..100 {
            set.insert(
                format!("v{i}").as_bytes(),
                simple(format!("{i}").as_bytes()),
            );
        }
        // Removing from the middle keeps the others found, in order.
        for i in (0..100).step_by(3) {
            let removed = set.remove(format!("v{i}").as_bytes()).expect("defined");
            assert_eq!(removed.value, format!("{i}").into_bytes());
        }
        assert!(set.remove(b"v0").is_none());
        for i in 0..100 {
            let expected = format!("{i}").into_bytes();
            let expected = (i % 3 != 0).then_some(&expected[..]);
            assert_eq!(value_of(&set, format!("v{i}").as_bytes()), expected, "v{i}");
        }
        assert_eq!(set.len(), 66);
        let order: Vec<&[u8]> = set.iter().map(|(name, _)| name).collect();
        let expected: Vec<Vec<u8>> = (0..100)
            .filter(|i| i % 3 != 0)
            .map(|i| format!("v{i}").into_bytes())
            .collect();
        assert_eq!(order, expected.iter().map(|n| &n[..]).collect::<Vec<_>>());
    }

    #[test]
    fn redefining_replaces_the_value_in_place() {
        let mut set = VarSet::new();
        set.insert(b"a", simple(b"1"));
        set.insert(b"b", simple(b"2"));
        set.insert(b"a", simple(b"3"));
        let names: Vec<&[u8]> = set.iter().map(|(n, _)| n).collect();
        assert_eq!(names, [&b"a"[..], &b"b"[..]]);
        assert_eq!(value_of(&set, b"a"), Some(&b"3"[..]));
    }
}
