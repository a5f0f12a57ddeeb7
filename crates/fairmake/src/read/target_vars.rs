//! Target-specific and pattern-specific variable assignments: a rule line
//! `targets: [override|export|private|unexport]... NAME op value`.

use std::borrow::Cow;

use super::rule_line::Parsed;
use super::{assign, Modifiers};
use crate::assignment;
use crate::diag::Result;
use crate::eval::vars::{Export, Origin, SharedVarSet, Var};
use crate::eval::Evaluator;
use crate::pattern::PercentPattern;
use crate::words::trim;

/// `targets: [override|export|private]... NAME op value`.
pub fn target_variable(
    ev: &mut Evaluator,
    targets: &[Cow<[u8]>],
    rest: &[u8],
    recipe: Option<&[u8]>,
) -> Result<Option<Parsed>> {
    let mut body = super::trim_start(rest);
    let mut mods = Modifiers::default();
    loop {
        if let Some(a) = super::directive_word(body, b"override") {
            mods.override_ = true;
            body = a;
        } else if let Some(a) = super::directive_word(body, b"export") {
            mods.export = Some(Export::Yes);
            body = a;
        } else if let Some(a) = super::directive_word(body, b"private") {
            mods.private = true;
            body = a;
        } else if let Some(a) = super::directive_word(body, b"unexport") {
            mods.export = Some(Export::No);
            body = a;
        } else {
            break;
        }
    }
    let Some((start, op, end)) = assignment::find_operator(body) else {
        return Ok(None);
    };
    // The value runs to the end of the line, a `;` included.
    let mut value = super::trim_start(&body[end..]).to_vec();
    if let Some(r) = recipe {
        // Not a recipe after all: continuation lines join as in any value.
        value.push(b';');
        value.extend_from_slice(&super::lines::collapse_continuations(r));
    }
    for target in targets {
        let is_pattern = PercentPattern::new(target).percent.is_some();
        let set = if is_pattern {
            ev.db.pattern_vars_of(target)
        } else {
            let id = ev.db.intern(target);
            // Now in make's data base, the file is mentioned: for implicit
            // rules it "ought to exist" as an ordinary prerequisite's file
            // does (GNU 4.4.1 and 4.3).
            ev.db.file_mut(id).entered = true;
            ev.db.vars_of(id)
        };
        // The name is expanded with the target's own variables in view.
        let scope = vec![crate::eval::ScopeEntry {
            set: set.clone(),
            inherited: false,
        }];
        // As for a global assignment, the expansion is the name as it is:
        // blanks it yields belong to the name.
        let name = ev.with_scope(scope.clone(), |ev| ev.expand_text(trim(&body[..start])))?;
        if is_pattern && overridden_for_pattern(ev, target, &name, mods.override_) {
            continue;
        }
        if !is_pattern
            && op == assignment::AssignOp::Conditional
            && modify_defined(ev, &set, &name, mods)
        {
            continue;
        }
        // A target's value is expanded with its own variables in view
        // (`t: F := $(F)y` takes t's F), a pattern's in the global scope
        // alone; `$(foreach)` variables show either way (GNU 4.4.1, 4.3).
        let own = if is_pattern { Vec::new() } else { scope };
        let outer = std::mem::replace(&mut ev.scope, own);
        let assigned = assign(ev, Some(&set), &name, op, &value, mods, Origin::File);
        ev.scope = outer;
        assigned?;
        if is_pattern && op == assignment::AssignOp::Conditional {
            // Decided when a target looks it up (see `Var::conditional`).
            if let Some(v) = set.borrow_mut().get_mut(&name) {
                v.conditional = true;
            }
        }
    }
    Ok(Some(Parsed::Nothing))
}

/// `target: [export|unexport|private] NAME ?= value` where NAME is defined
/// already, for the target or globally: nothing is assigned, but GNU
/// (4.3, 4.4.1) gives the modifiers to the variable it found, a global one
/// included: `h: export CC ?= cc` exports the global CC to every recipe.
/// Whether NAME was defined.
fn modify_defined(ev: &mut Evaluator, set: &SharedVarSet, name: &[u8], mods: Modifiers) -> bool {
    let modify = |v: &mut Var| {
        if let Some(export) = mods.export {
            v.export = export;
        }
        v.private |= mods.private;
    };
    if let Some(v) = set.borrow_mut().get_mut(name) {
        modify(v);
        return true;
    }
    match ev.globals.get_mut(name) {
        Some(v) => {
            modify(v);
            true
        }
        None => false,
    }
}

/// Whether an earlier `override` definition of `name` for the same pattern
/// outranks a plain one, which is then ignored as GNU does.
fn overridden_for_pattern(ev: &Evaluator, pattern: &[u8], name: &[u8], is_override: bool) -> bool {
    let pattern = PercentPattern::new(pattern);
    !is_override
        && ev.db.pattern_vars.iter().any(|(p, set)| {
            *p == pattern
                && set
                    .borrow()
                    .get(name)
                    .is_some_and(|v| v.origin == Origin::Override)
        })
}
