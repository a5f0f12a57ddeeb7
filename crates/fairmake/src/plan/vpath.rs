//! Directory search: `vpath` directives, `VPATH`, `GPATH`, and `-lNAME`
//! prerequisites looked for through `.LIBPATTERNS`.

use super::seams::{FileTimes, Jobs};
use super::{Node, Planner};
use crate::eval::Evaluator;
use crate::rules::FileId;

impl<'e, J: Jobs, T: FileTimes> Planner<'e, J, T> {
    /// A goal that is no target, found through vpath as a name the
    /// makefile mentions (a target, or only a prerequisite, there or not):
    /// that file, as for a prerequisite (otherwise `id` itself, its vpath
    /// name remembered).
    pub(super) fn vpath_target(&mut self, id: FileId) -> FileId {
        self.vpath_resolve(id);
        if self.ev.db.file(id).is_target {
            return id;
        }
        let Some(found) = self.nodes.get(id.index()).and_then(Node::path) else {
            return id;
        };
        self.ev
            .db
            .lookup(found)
            .filter(|&t| self.ev.db.file(t).is_mentioned())
            .unwrap_or(id)
    }

    pub(super) fn vpath_resolve(&mut self, id: FileId) {
        if self.node(id).path().is_some() {
            return;
        }
        let name = self.ev.db.file(id).name;
        let library = name.len() > 2 && name.starts_with(b"-l");
        if !library && !self.vpath_configured {
            return;
        }
        // A makefile being remade is known by its own name only: GNU 4.4.1
        // and 4.3 remake `-include c` missing here, though VPATH finds
        // `sub/c` (and do not re-execute for that one unmade).
        if self.makefiles_phase && self.goals.contains(&id) {
            return;
        }
        if let Some(lib) = name.strip_prefix(b"-l").filter(|l| !l.is_empty()) {
            if let Some(found) = library_search(self.ev, lib) {
                self.node(id).set_path(Some(found));
                self.forget_mtime(id);
            }
            return;
        }
        // `lib(member)`: the archive is what vpath finds.
        let (archive, member) = crate::archive::split_member(name);
        if !member.is_empty() {
            if self.ev.fs.exists(archive) || archive.first() == Some(&b'/') {
                return;
            }
            if let Some(found) = vpath_search(self.ev, archive) {
                let path = [&found[..], b"(", member, b")"].concat();
                self.node(id).set_path(Some(path));
                self.forget_mtime(id);
            }
            return;
        }
        if self.ev.fs.exists(name) || name.first() == Some(&b'/') {
            return;
        }
        if let Some(found) = vpath_search(self.ev, name) {
            self.node(id).set_path(Some(found));
            self.forget_mtime(id);
        }
    }

    /// A `-lNAME` just made is looked up as a library again: found as a
    /// target with a recipe of its own, it is that file from now on.
    pub(super) fn find_made_library(&mut self, id: FileId) {
        let name = self.ev.db.file(id).name;
        let Some(lib) = name.strip_prefix(b"-l").filter(|l| !l.is_empty()) else {
            return;
        };
        if self.node(id).path().is_some() {
            return;
        }
        let Some(found) = library_search(self.ev, lib) else {
            return;
        };
        self.node(id).set_path(Some(found.clone()));
        let Some(to) = self.ev.db.lookup(&found) else {
            return;
        };
        if self.ev.db.file(to).rule.recipe.is_none() {
            return;
        }
        let recipe = self.nodes[id]
            .resolved
            .as_ref()
            .and_then(|r| r.recipe.as_ref().map(|r| r.loc.clone()));
        if let Some(loc) = recipe {
            self.warn_recipe_ignored(id, to, &loc);
        }
    }
}

/// Expands `VPATH`, then `GPATH`, into their directories: once, when the
/// makefiles are read, before any is remade (GNU 4.4.1, 4.3). What the
/// expansion says (`$(warning)`, an undefined variable) is located at the
/// variable's definition.
pub fn settle_search_paths(ev: &mut Evaluator) -> crate::diag::Result<()> {
    ev.db.general_vpath = search_path(ev, b"VPATH")?;
    ev.db.gpath = search_path(ev, b"GPATH")?;
    Ok(())
}

/// The directories a search-path variable names, separated by blanks or
/// colons.
fn search_path(ev: &mut Evaluator, name: &[u8]) -> crate::diag::Result<Vec<Vec<u8>>> {
    if ev.globals.get(name).is_none() {
        return Ok(Vec::new());
    }
    let mut value = Vec::new();
    ev.expand_var(name, &mut value)?;
    Ok(crate::words::words(&value)
        .flat_map(|w| w.split(|&b| b == b':'))
        .filter(|d| !d.is_empty())
        .map(<[u8]>::to_vec)
        .collect())
}

/// Whether a vpath-found name lies in a GPATH directory.
pub(super) fn in_gpath(ev: &Evaluator, found: &[u8]) -> bool {
    let dir = match found.iter().rposition(|&b| b == b'/') {
        Some(p) => &found[..p],
        None => return false,
    };
    ev.db
        .gpath
        .iter()
        .any(|g| g.strip_suffix(b"/").unwrap_or(g) == dir)
}

/// A `-lNAME` prerequisite: each `.LIBPATTERNS` pattern with NAME for `%`,
/// looked for here, through vpath, then in the system library directories.
fn library_search(ev: &mut Evaluator, lib: &[u8]) -> Option<Vec<u8>> {
    let mut patterns = Vec::new();
    ev.expand_var(b".LIBPATTERNS", &mut patterns).ok()?;
    let mut best: Option<(Vec<u8>, usize)> = None;
    let mut names = Vec::new();
    for pattern in crate::words::words(&patterns) {
        let pattern = crate::pattern::PercentPattern::new(pattern);
        if pattern.percent.is_none() {
            crate::diag::warn(
                None,
                format_args!(
                    ".LIBPATTERNS element '{}' is not a pattern",
                    crate::diag::show(&pattern.text)
                ),
            );
            continue;
        }
        let mut name = Vec::new();
        pattern.substitute(lib, &mut name);
        if ev.fs.exists(&name) {
            return Some(name);
        }
        // Through vpath, the earliest directory wins, whichever pattern
        // found it.
        if let Some((found, rank)) = vpath_search_ranked(ev, &name) {
            if best.as_ref().is_none_or(|(_, r)| rank < *r) {
                best = Some((found, rank));
            }
        }
        names.push(name);
    }
    if let Some((found, _)) = best {
        return Some(found);
    }
    for name in names {
        for dir in [&b"/lib"[..], b"/usr/lib", b"/usr/local/lib"] {
            let candidate = [dir, b"/", &name].concat();
            if ev.fs.exists(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}

/// Whether any `vpath` directive or a non-empty `VPATH` could find a file
/// elsewhere (without them, resolving each prerequisite costs nothing).
pub(super) fn vpath_configured(ev: &Evaluator) -> bool {
    !ev.db.vpaths.is_empty() || !ev.db.general_vpath.is_empty()
}

/// Looks `name` up in the `vpath` directives and `VPATH`.
pub fn vpath_search(ev: &mut Evaluator, name: &[u8]) -> Option<Vec<u8>> {
    vpath_search_ranked(ev, name).map(|(found, _)| found)
}

/// [`vpath_search`], with the position of the directory that had it among
/// all those searched.
fn vpath_search_ranked(ev: &mut Evaluator, name: &[u8]) -> Option<(Vec<u8>, usize)> {
    // The rank counts the directories of every directive, matching or not,
    // so that ranks of different names compare.
    let mut dirs: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut rank = 0;
    for v in &ev.db.vpaths {
        if v.pattern.match_stem(name).is_some() {
            dirs.extend(v.dirs.iter().cloned().zip(rank..));
        }
        rank += v.dirs.len();
    }
    dirs.extend(ev.db.general_vpath.iter().cloned().zip(rank..));
    for (dir, rank) in dirs {
        let mut candidate = dir.clone();
        if candidate.last() != Some(&b'/') {
            candidate.push(b'/');
        }
        candidate.extend_from_slice(name);
        // A file the makefile mentions counts, existing or not (GNU
        // manual, "Directory Search": it "exists (or is mentioned in the
        // makefile)").
        let mentioned = ev
            .db
            .lookup(&candidate)
            .is_some_and(|id| ev.db.file(id).is_mentioned());
        if mentioned || ev.fs.exists(&candidate) {
            return Some((candidate, rank));
        }
    }
    None
}
