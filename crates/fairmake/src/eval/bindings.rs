//! Variables bound by `$(foreach)`, `$(let)` and `$(call)` while their
//! body expands: they shadow every other definition of their name.
//!
//! Each name has its own stack, so looking a name up costs one hash probe
//! however deeply calls nest (a 100 000-deep `$(call)` recursion must not
//! scan 100 000 scopes per reference), and a [`Frame`] remembers which
//! names one function bound so that it can unbind exactly those.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::vars::{Flavor, Origin, Var};

/// Every live binding, innermost last per name.
///
/// A name keeps its slot (and its stack's allocation) once bound: `$(call)`
/// binds `1`, `2`... and `$(foreach)` its variable thousands of times, and
/// each binding should cost its value's copy, not a key and a stack too.
#[derive(Debug, Default)]
pub struct Bindings {
    slots: FxHashMap<Box<[u8]>, usize>,
    stacks: Vec<Vec<Var>>,
    /// How many bindings are live: with none, a lookup needs no probe.
    live: usize,
}

/// The names (by slot) one function invocation bound.
#[derive(Debug, Default)]
pub struct Frame {
    slots: SmallVec<[usize; 4]>,
}

impl Frame {
    pub fn new() -> Frame {
        Frame::default()
    }
}

impl Bindings {
    /// The innermost binding of `name`, if any.
    pub fn get(&self, name: &[u8]) -> Option<&Var> {
        if self.live == 0 {
            return None;
        }
        let &slot = self.slots.get(name)?;
        self.stacks[slot].last()
    }

    /// The slot of `name`, made on its first binding.
    fn slot(&mut self, name: &[u8]) -> usize {
        if let Some(&slot) = self.slots.get(name) {
            return slot;
        }
        let slot = self.stacks.len();
        self.stacks.push(Vec::new());
        self.slots.insert(name.into(), slot);
        slot
    }

    /// Binds `name` to `value` (a simple variable of origin automatic) in
    /// `frame`; binding a name the frame already bound replaces its value.
    pub fn bind(&mut self, frame: &mut Frame, name: &[u8], value: &[u8]) {
        let slot = self.slot(name);
        let stack = &mut self.stacks[slot];
        if frame.slots.contains(&slot) {
            if let Some(var) = stack.last_mut() {
                var.set_value_from(value);
            }
            return;
        }
        stack.push(Var::new(value.to_vec(), Flavor::Simple, Origin::Automatic));
        frame.slots.push(slot);
        self.live += 1;
    }

    /// Removes every binding `frame` made.
    pub fn unbind(&mut self, frame: Frame) {
        for slot in frame.slots {
            self.stacks[slot].pop();
            self.live -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(b: &Bindings, name: &[u8]) -> Option<Vec<u8>> {
        b.get(name).map(|v| v.value.clone())
    }

    #[test]
    fn inner_frames_shadow_outer_ones_until_unbound() {
        let mut b = Bindings::default();
        let mut outer = Frame::new();
        b.bind(&mut outer, b"1", b"outer");
        let mut inner = Frame::new();
        b.bind(&mut inner, b"1", b"inner");
        b.bind(&mut inner, b"2", b"two");
        assert_eq!(value(&b, b"1").as_deref(), Some(&b"inner"[..]));
        b.unbind(inner);
        assert_eq!(value(&b, b"1").as_deref(), Some(&b"outer"[..]));
        assert_eq!(value(&b, b"2"), None);
        b.unbind(outer);
        assert_eq!(value(&b, b"1"), None);
    }

    #[test]
    fn rebinding_in_one_frame_replaces_the_value() {
        let mut b = Bindings::default();
        let mut f = Frame::new();
        b.bind(&mut f, b"x", b"a");
        b.bind(&mut f, b"x", b"b");
        assert_eq!(value(&b, b"x").as_deref(), Some(&b"b"[..]));
        b.unbind(f);
        assert_eq!(value(&b, b"x"), None);
    }
}
