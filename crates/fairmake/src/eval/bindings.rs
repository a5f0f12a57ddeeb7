//! Variables bound by `$(foreach)`, `$(let)` and `$(call)` while their
//! body expands: they shadow every other definition of their name.
//!
//! Each name has its own stack, so looking a name up costs one hash probe
//! however deeply calls nest (a 100 000-deep `$(call)` recursion must not
//! scan 100 000 scopes per reference), and a [`Frame`] remembers which
//! names one function bound so that it can unbind exactly those.

use rustc_hash::FxHashMap;

use super::vars::{Flavor, Origin, Var};

/// Every live binding, innermost last per name.
#[derive(Debug, Default)]
pub struct Bindings {
    by_name: FxHashMap<Box<[u8]>, Vec<Var>>,
}

/// The names one function invocation bound.
#[derive(Debug, Default)]
pub struct Frame {
    names: Vec<Box<[u8]>>,
}

impl Frame {
    pub fn new() -> Frame {
        Frame::default()
    }
}

impl Bindings {
    /// The innermost binding of `name`, if any.
    pub fn get(&self, name: &[u8]) -> Option<&Var> {
        if self.by_name.is_empty() {
            return None;
        }
        self.by_name.get(name).and_then(|stack| stack.last())
    }

    /// Binds `name` to `value` (a simple variable of origin automatic) in
    /// `frame`; binding a name the frame already bound replaces its value.
    pub fn bind(&mut self, frame: &mut Frame, name: &[u8], value: &[u8]) {
        if frame.names.iter().any(|n| &n[..] == name) {
            if let Some(var) = self.by_name.get_mut(name).and_then(|s| s.last_mut()) {
                var.set_value(value.to_vec());
            }
            return;
        }
        let var = Var::new(value.to_vec(), Flavor::Simple, Origin::Automatic);
        self.by_name.entry(name.into()).or_default().push(var);
        frame.names.push(name.into());
    }

    /// Removes every binding `frame` made.
    pub fn unbind(&mut self, frame: Frame) {
        for name in frame.names {
            if let Some(stack) = self.by_name.get_mut(&name) {
                stack.pop();
                if stack.is_empty() {
                    self.by_name.remove(&name);
                }
            }
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
