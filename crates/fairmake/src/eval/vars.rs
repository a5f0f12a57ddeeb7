//! Variables: values with a flavor and an origin, grouped in sets (global,
//! per target, per pattern), and the compiled form of recursive values.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::expand::Expansion;
use crate::diag::Loc;

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
    compiled: RefCell<Option<Rc<Expansion>>>,
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
            compiled: RefCell::new(None),
        }
    }

    /// The parsed expansion of a recursive value, compiled on first use.
    pub fn compiled(&self) -> Rc<Expansion> {
        if let Some(e) = &*self.compiled.borrow() {
            return e.clone();
        }
        let e = Rc::new(Expansion::parse(&self.value));
        *self.compiled.borrow_mut() = Some(e.clone());
        e
    }

    /// Replaces the value, dropping the compiled form.
    pub fn set_value(&mut self, value: Vec<u8>) {
        self.value = value;
        *self.compiled.get_mut() = None;
    }

    /// Sets the value to a copy of `value`, in the buffer the old one had
    /// (a `$(foreach)` variable takes each word of its list in turn).
    pub fn set_value_from(&mut self, value: &[u8]) {
        self.value.clear();
        self.value.extend_from_slice(value);
        *self.compiled.get_mut() = None;
    }
}

/// A set of variables by name.
#[derive(Debug, Default)]
pub struct VarSet {
    map: FxHashMap<Box<[u8]>, Var>,
    /// Bumped by every change, so that values derived from the whole set
    /// (a child's environment) can be cached.
    generation: u64,
}

impl VarSet {
    pub fn new() -> VarSet {
        VarSet::default()
    }

    pub fn get(&self, name: &[u8]) -> Option<&Var> {
        self.map.get(name)
    }

    pub fn get_mut(&mut self, name: &[u8]) -> Option<&mut Var> {
        self.generation += 1;
        self.map.get_mut(name)
    }

    pub fn insert(&mut self, name: &[u8], var: Var) {
        self.generation += 1;
        // A redefinition (every `obj-y += ...`) keeps the key it has.
        match self.map.get_mut(name) {
            Some(old) => *old = var,
            None => {
                self.map.insert(name.into(), var);
            }
        }
    }

    pub fn remove(&mut self, name: &[u8]) -> Option<Var> {
        self.generation += 1;
        self.map.remove(name)
    }

    /// Changes so far: equal generations mean equal contents.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Var)> {
        self.map.iter().map(|(k, v)| (&k[..], v))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&[u8], &mut Var)> {
        self.generation += 1;
        self.map.iter_mut().map(|(k, v)| (&k[..], v))
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// A shared, mutable variable set: target-specific sets are referenced from
/// scopes while `$(eval)` may still add to them.
pub type SharedVarSet = Rc<RefCell<VarSet>>;
