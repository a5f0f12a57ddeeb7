//! Automatic variables (`$@`, `$<`, `$^`, `$+`, `$|`, `$?`, `$*`, `$%`
//! and their `D` and `F` forms) and the scope a target's recipe is expanded
//! in: its own, pattern-specific and inherited variables.

use std::rc::Rc;

use super::{Planner, Resolved};
use crate::eval::vars::{Flavor, Origin, Var, VarSet};
use crate::eval::ScopeEntry;
use crate::rules::{Dep, FileId};

impl<'e> Planner<'e> {
    /// The variables a recipe sees: automatic ones first, then the target's,
    /// the matching pattern-specific ones, then those inherited from parents.
    pub(super) fn recipe_scope(
        &mut self,
        id: FileId,
        resolved: &Resolved,
        newer: &[FileId],
    ) -> Vec<ScopeEntry> {
        let autos = self.automatic_vars(id, resolved, newer);
        let mut scope = vec![ScopeEntry {
            set: Rc::new(std::cell::RefCell::new(autos)),
            inherited: false,
        }];
        scope.extend(self.scope_for(id));
        scope
    }

    /// The target-specific scope of `id` (without automatic variables).
    pub(super) fn scope_for(&mut self, id: FileId) -> Vec<ScopeEntry> {
        let mut scope = Vec::new();
        // Most files have no variables of their own or inherited: asked
        // twice per file of a walk.
        if self.ev.db.target_vars(id).is_none()
            && self.ev.db.pattern_vars.is_empty()
            && self.nodes.get(id).is_none_or(|n| n.inherited.is_none())
        {
            return scope;
        }
        if let Some(set) = self.ev.db.target_vars(id).cloned() {
            scope.push(ScopeEntry {
                set,
                inherited: false,
            });
        }
        let db = &self.ev.db;
        let name = &db.file(id).name;
        let mut pattern_sets: Vec<(usize, ScopeEntry)> = db
            .pattern_vars
            .iter()
            // Later definitions first: they are looked at before earlier ones.
            .rev()
            .filter_map(|(p, set)| {
                p.match_stem(name).map(|stem| {
                    (
                        stem.len(),
                        ScopeEntry {
                            set: set.clone(),
                            inherited: false,
                        },
                    )
                })
            })
            .collect();
        // Shorter stems (more specific patterns) first; the sort is stable.
        pattern_sets.sort_by_key(|(len, _)| *len);
        scope.extend(pattern_sets.into_iter().map(|(_, e)| e));
        if let Some(inherited) = self.node(id).inherited.clone() {
            scope.extend(inherited.iter().map(|e| ScopeEntry {
                set: e.set.clone(),
                inherited: true,
            }));
        }
        scope
    }

    fn automatic_vars(&mut self, id: FileId, resolved: &Resolved, newer: &[FileId]) -> VarSet {
        let mut set = VarSet::new();
        // Prerequisites that are archive members appear by member name.
        let name_of = |p: &Planner<'_>, f: FileId| -> Vec<u8> {
            let name = p.path_or_name(f);
            match crate::exec::archive::split_member(name) {
                (_, member) if !member.is_empty() => member.to_vec(),
                _ => name.to_vec(),
            }
        };
        let target = self.path_or_name(id).to_vec();
        let normal: Vec<FileId> = resolved
            .deps
            .iter()
            .filter(|d| !d.order_only && !resolved.hidden().contains(&d.file()))
            .map(|d| d.file())
            .collect();
        let order_only: Vec<FileId> = resolved
            .deps
            .iter()
            .filter(|d| d.order_only && !resolved.hidden().contains(&d.file()))
            .map(|d| d.file())
            // Named as a normal prerequisite too, it is a normal one.
            .filter(|f| !normal.contains(f))
            .collect();
        let first = normal
            .first()
            .map(|&f| name_of(self, f))
            .unwrap_or_default();
        let join = |p: &Planner<'_>, ids: &[FileId], dedup: bool| -> Vec<u8> {
            let mut out = Vec::new();
            let mut seen = rustc_hash::FxHashSet::default();
            for &f in ids {
                if dedup && !seen.insert(f) {
                    continue;
                }
                if !out.is_empty() {
                    out.push(b' ');
                }
                out.extend_from_slice(&name_of(p, f));
            }
            out
        };
        let all = join(self, &normal, true);
        let plus = join(self, &normal, false);
        let oo = join(self, &order_only, true);
        let newer_list: Vec<FileId> = normal
            .iter()
            .copied()
            .filter(|f| newer.contains(f))
            .collect();
        let qm = join(self, &newer_list, true);
        let stem = resolved.stem().to_vec();
        let (target_name, member) = crate::exec::archive::split_member(&target);
        for (n, v) in [
            (&b"@"[..], target_name.to_vec()),
            (b"%", member.to_vec()),
            (b"<", first),
            (b"^", all),
            (b"+", plus),
            (b"|", oo),
            (b"?", qm),
            (b"*", stem),
        ] {
            insert_automatic(&mut set, n, v);
        }
        set
    }
}

/// The names of the normal (or, `order_only`, the order-only) prerequisites
/// among `deps`, blank-separated: `$^` and `$|` name each file once
/// (`dedup`), `$+` keeps repeats.
pub(super) fn prerequisite_list(
    db: &crate::rules::Database,
    deps: &[Dep],
    order_only: bool,
    dedup: bool,
) -> Vec<u8> {
    let mut v = Vec::new();
    let mut seen = Vec::new();
    for d in deps.iter().filter(|d| d.order_only == order_only) {
        if dedup && seen.contains(&d.file()) {
            continue;
        }
        seen.push(d.file());
        if !v.is_empty() {
            v.push(b' ');
        }
        v.extend_from_slice(db.file(d.file()).name);
    }
    v
}

/// Sets automatic variable `name` (`@`, `<`, ...) and its `D` and `F`
/// forms (`$(@D)` works in second expansions too).
pub(super) fn insert_automatic(set: &mut VarSet, name: &[u8], value: Vec<u8>) {
    let (d, f) = dir_and_file_lists(&value);
    set.insert(
        &[name[0], b'D'],
        Var::new(d, Flavor::Simple, Origin::Automatic),
    );
    set.insert(
        &[name[0], b'F'],
        Var::new(f, Flavor::Simple, Origin::Automatic),
    );
    set.insert(name, Var::new(value, Flavor::Simple, Origin::Automatic));
}

/// Splits each word into its directory (`D`) and file (`F`) parts.
fn dir_and_file_lists(v: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut d = Vec::new();
    let mut f = Vec::new();
    for (i, w) in crate::words::words(v).enumerate() {
        if i > 0 {
            d.push(b' ');
            f.push(b' ');
        }
        match w.iter().rposition(|&b| b == b'/') {
            Some(0) => {
                d.push(b'/');
                f.extend_from_slice(&w[1..]);
            }
            Some(p) => {
                d.extend_from_slice(&w[..p]);
                f.extend_from_slice(&w[p + 1..]);
            }
            None => {
                d.push(b'.');
                f.extend_from_slice(w);
            }
        }
    }
    (d, f)
}
