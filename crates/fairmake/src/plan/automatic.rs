//! Automatic variables (`$@`, `$<`, `$^`, `$+`, `$|`, `$?`, `$*`, `$%`
//! and their `D` and `F` forms) and the scope a target's recipe is expanded
//! in: its own, pattern-specific and inherited variables.

use std::rc::Rc;

use super::seams::{FileTimes, Jobs};
use super::{Planner, Resolved};
use crate::eval::vars::{Flavor, Origin, Var, VarSet};
use crate::eval::ScopeEntry;
use crate::rules::{Dep, FileId};

impl<'e, J: Jobs, T: FileTimes> Planner<'e, J, T> {
    /// The variables a recipe sees: automatic ones first, then the target's,
    /// the matching pattern-specific ones, then those inherited from parents.
    pub(super) fn recipe_scope(
        &mut self,
        id: FileId,
        resolved: &Resolved,
        newer: &[FileId],
    ) -> Vec<ScopeEntry> {
        let mut scope = vec![self.automatic_vars(id, resolved, newer).into_scope_entry()];
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
            && self
                .nodes
                .get(id.index())
                .is_none_or(|n| n.inherited.is_none())
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
            // A pattern-specific variable needs a stem of one byte at
            // least, as a pattern rule does: `o%` is not for `o` (GNU).
            .filter_map(|(p, set)| {
                p.match_stem(name)
                    .filter(|stem| !stem.is_empty())
                    .map(|stem| {
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

    /// The automatic variables of `id`'s recipe.
    fn automatic_vars(&mut self, id: FileId, resolved: &Resolved, newer: &[FileId]) -> Automatic {
        // Prerequisites that are archive members appear by member name.
        let name_of = |p: &Self, f: FileId| -> Vec<u8> {
            let name = p.path_or_name(f);
            match crate::archive::split_member(name) {
                (_, member) if !member.is_empty() => member.to_vec(),
                _ => name.to_vec(),
            }
        };
        let target = self.path_or_name(id).to_vec();
        let named = named_deps(resolved);
        let normal = normal_files(&named);
        let order_only: Vec<FileId> = named
            .iter()
            .filter(|d| d.order_only)
            .map(|d| d.file())
            // Named as a normal prerequisite too, it is a normal one.
            .filter(|f| !normal.contains(f))
            .collect();
        let (target_name, member) = crate::archive::split_member(&target);
        // A `.DEFAULT` recipe's file has no prerequisites to name: `$<` is
        // the target itself (the archive, for a member), as in GNU make.
        let first = if resolved.uses_default_recipe() {
            target_name.to_vec()
        } else {
            normal
                .first()
                .map(|&f| name_of(self, f))
                .unwrap_or_default()
        };
        let join = |p: &Self, ids: &[FileId], dedup: bool| -> Vec<u8> {
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
        let in_place = in_place_files(&named, &normal);
        let all = join(self, &in_place, true);
        let plus = join(self, &normal, false);
        let oo = join(self, &order_only, true);
        let qm = join(self, &newer_in_place(&in_place, newer), true);
        Automatic {
            target: target_name.to_vec(),
            member: Some(member.to_vec()),
            first,
            all,
            plus,
            order_only: oo,
            newer: Some(qm),
            stem: resolved.stem().to_vec(),
        }
    }
}

/// The files `$?` names for a recipe of `resolved`, each once: the
/// `--trace` line's reasons too (GNU 4.4.1), so not `.EXTRA_PREREQS`.
pub(super) fn newer_named(resolved: &Resolved, newer: &[FileId]) -> Vec<FileId> {
    let named = named_deps(resolved);
    let in_place = in_place_files(&named, &normal_files(&named));
    newer_in_place(&in_place, newer)
}

/// The prerequisites a recipe's automatic variables name: those not
/// hidden and not `.EXTRA_PREREQS`, or the list a grouped target adopted
/// from a peer (its `.EXTRA_PREREQS` still unnamed: GNU marks the listing).
fn named_deps(resolved: &Resolved) -> Vec<&Dep> {
    match resolved.adopted() {
        Some(adopted) => adopted.iter().filter(|d| !d.extra).collect(),
        None => resolved
            .deps
            .iter()
            .filter(|d| !d.extra && !resolved.hidden().contains(&d.file()))
            .collect(),
    }
}

/// The normal (not order-only) files of `named`, as listed (`$+`).
fn normal_files(named: &[&Dep]) -> Vec<FileId> {
    named
        .iter()
        .filter(|d| !d.order_only)
        .map(|d| d.file())
        .collect()
}

/// `$^` and `$?` name each file once, where it is first listed, though
/// that listing is order-only (`all: | c` whose recipe puts it before an
/// earlier `all: h c`): `$^` is `c h`, as in GNU. (Only an order-only
/// listing needs a look at the normal ones.) Not deduplicated here.
fn in_place_files(named: &[&Dep], normal: &[FileId]) -> Vec<FileId> {
    named
        .iter()
        .filter(|d| !d.order_only || normal.contains(&d.file()))
        .map(|d| d.file())
        .collect()
}

/// Those of `in_place` that are among `newer`, each once (`$?`).
fn newer_in_place(in_place: &[FileId], newer: &[FileId]) -> Vec<FileId> {
    let mut seen = rustc_hash::FxHashSet::default();
    in_place
        .iter()
        .copied()
        .filter(|f| newer.contains(f) && seen.insert(*f))
        .collect()
}

/// The automatic variables: one table for the recipe's and for second
/// expansions (the rule's own, and an implicit rule's in the search).
pub(super) struct Automatic {
    /// `$@`.
    pub target: Vec<u8>,
    /// `$%`: not set in an implicit rule's second expansion.
    pub member: Option<Vec<u8>>,
    /// `$<`.
    pub first: Vec<u8>,
    /// `$^`.
    pub all: Vec<u8>,
    /// `$+`.
    pub plus: Vec<u8>,
    /// `$|`.
    pub order_only: Vec<u8>,
    /// `$?`: empty in a rule's second expansion, not set in an implicit
    /// rule's.
    pub newer: Option<Vec<u8>>,
    /// `$*`.
    pub stem: Vec<u8>,
}

impl Automatic {
    /// The table of a second expansion of `target`'s prerequisites, the
    /// prerequisites `known` so far naming `$<`, `$^`, `$+` and `$|`.
    pub fn of_known(db: &crate::rules::Database, target: Vec<u8>, known: &[Dep]) -> Automatic {
        let first = known
            .iter()
            .find(|d| !d.order_only)
            .map(|d| db.file(d.file()).name.to_vec())
            .unwrap_or_default();
        Automatic {
            target,
            member: None,
            first,
            all: prerequisite_list(db, known, false, true),
            plus: prerequisite_list(db, known, false, false),
            order_only: prerequisite_list(db, known, true, true),
            newer: None,
            stem: Vec::new(),
        }
    }

    /// The variables, with their `D` and `F` forms.
    pub fn into_set(self) -> VarSet {
        let mut set = VarSet::new();
        let Automatic {
            target,
            member,
            first,
            all,
            plus,
            order_only,
            newer,
            stem,
        } = self;
        insert_automatic(&mut set, b"@", target);
        if let Some(member) = member {
            insert_automatic(&mut set, b"%", member);
        }
        for (n, v) in [
            (&b"<"[..], first),
            (b"^", all),
            (b"+", plus),
            (b"|", order_only),
        ] {
            insert_automatic(&mut set, n, v);
        }
        if let Some(newer) = newer {
            insert_automatic(&mut set, b"?", newer);
        }
        insert_automatic(&mut set, b"*", stem);
        set
    }

    /// As the only scope entry that is not the target's own.
    pub fn into_scope_entry(self) -> ScopeEntry {
        ScopeEntry {
            set: Rc::new(std::cell::RefCell::new(self.into_set())),
            inherited: false,
        }
    }
}

/// The names of the normal (or, `order_only`, the order-only) prerequisites
/// among `deps`, blank-separated: `$^` and `$|` name each file once
/// (`dedup`), `$+` keeps repeats.
fn prerequisite_list(
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
fn insert_automatic(set: &mut VarSet, name: &[u8], value: Vec<u8>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn value(set: &VarSet, name: &str) -> Option<String> {
        set.get(name.as_bytes())
            .map(|v| String::from_utf8_lossy(&v.value).into_owned())
    }

    #[test]
    fn directory_and_file_parts() {
        for (words, dirs, files) in [
            ("a.o", ".", "a.o"),
            ("src/a.c lib/b.c", "src lib", "a.c b.c"),
            ("/x", "/", "x"),
            ("d/e/f g", "d/e .", "f g"),
            ("", "", ""),
        ] {
            let (d, f) = dir_and_file_lists(words.as_bytes());
            assert_eq!(
                (&d[..], &f[..]),
                (dirs.as_bytes(), files.as_bytes()),
                "{words}"
            );
        }
    }

    #[test]
    fn one_table_with_d_and_f_forms() {
        let table = Automatic {
            target: b"out/prog".to_vec(),
            member: None,
            first: b"src/main.c".to_vec(),
            all: b"src/main.c util.c".to_vec(),
            plus: b"src/main.c util.c util.c".to_vec(),
            order_only: b"out".to_vec(),
            newer: Some(b"util.c".to_vec()),
            stem: b"prog".to_vec(),
        };
        let set = table.into_set();
        for (name, want) in [
            ("@", Some("out/prog")),
            ("@D", Some("out")),
            ("@F", Some("prog")),
            ("<", Some("src/main.c")),
            ("^D", Some("src .")),
            ("+F", Some("main.c util.c util.c")),
            ("|", Some("out")),
            ("?", Some("util.c")),
            ("*", Some("prog")),
            // An implicit rule's second expansion has no `$%`.
            ("%", None),
            ("%D", None),
        ] {
            assert_eq!(value(&set, name).as_deref(), want, "${name}");
        }
    }
}
