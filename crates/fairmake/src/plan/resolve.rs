//! Rule resolution: which rule makes a file (explicit, double-colon,
//! implicit through a chain of intermediate files, or `.DEFAULT`), with
//! its prerequisites after the second expansion, `.EXTRA_PREREQS`, the
//! order `--shuffle` gives, and the names vpath found them under.

use std::rc::Rc;

use super::automatic::Automatic;
use super::seams::{FileTimes, Jobs};
use super::vpath::{in_gpath, vpath_search};
use super::{implicit, rule_index, shuffle, Node, Planner, Resolved, ResolvedMore, Status};
use crate::diag::{self, Result};
use crate::eval::vars::Flavor;
use crate::eval::{Evaluator, ScopeEntry};
use crate::rules::{Dep, FileId, Recipe, Rule};
use crate::trace::debug;

/// A rule being resolved, before it becomes a `Resolved`.
struct Draft {
    deps: Vec<Dep>,
    stem: Vec<u8>,
    /// The recipe of the file's single-colon rule, implicit rule or
    /// `.DEFAULT`.
    recipe: Option<Rc<Recipe>>,
    /// The recipe of the double-colon rule being resolved.
    double_recipe: Option<Rc<Recipe>>,
    more: ResolvedMore,
    /// The rule is an implicit one, found now.
    implicit: bool,
    /// How many prerequisites it gave (they come first).
    implicit_deps: usize,
    /// The global `.EXTRA_PREREQS` names the implicit rule has (see
    /// [`implicit::Match::extras`]).
    rule_extras: Vec<Vec<u8>>,
    /// The implicit rule is terminal (`%::`): no implicit rule makes its
    /// prerequisites, `.EXTRA_PREREQS` included.
    terminal: bool,
    /// A rule of the makefile names the file as a target (an implicit
    /// rule may still give its recipe).
    named: bool,
    /// Prerequisites only a second expansion names (see
    /// [`SecondExpanded`]).
    second_expanded: SecondExpanded,
}

/// The prerequisites of the target searched for that only a second
/// expansion names: GNU 4.4.1 expands them after the implicit search, so
/// none is an explicit prerequisite for "ought to exist", and those the
/// makefile names nowhere else (the expansion entered them) are not
/// mentioned at all.
#[derive(Default)]
pub(super) struct SecondExpanded {
    ids: Vec<FileId>,
    /// Files with an id from here on were entered by the expansion.
    first_new: usize,
}

impl<'e, J: Jobs, T: FileTimes> Planner<'e, J, T> {
    /// Finds the rule for `id`: explicit, implicit, or `.DEFAULT`.
    pub(super) fn resolve(&mut self, id: FileId, _parent: Option<FileId>) -> Result<()> {
        let file = self.ev.db.file(id);
        let phony = file.phony;
        let rule_index = self
            .nodes
            .get(id.index())
            .map_or(0, |n| n.double_colon_rule as usize);
        let double = file.double_colon().get(rule_index).cloned();
        let mut draft = Draft {
            stem: file.rule.stem().map(<[u8]>::to_vec).unwrap_or_default(),
            recipe: file.rule.recipe.clone(),
            double_recipe: None,
            deps: Vec::new(),
            more: ResolvedMore::default(),
            implicit: false,
            implicit_deps: 0,
            rule_extras: Vec::new(),
            terminal: false,
            named: file.is_target,
            second_expanded: SecondExpanded::default(),
        };
        // Less any a grouped peer's walk dropped as circular already.
        draft.second_expanded.first_new = self.ev.db.files.len();
        let deps = self.expanded_deps(id)?;
        let rule = &self.ev.db.file(id).rule;
        draft.second_expanded.ids = only_second_expanded(&deps, rule);
        draft.deps = self.without_dropped(id, deps);
        if let Some(rule) = double {
            // Each double-colon rule is resolved on its own, when its turn comes.
            let d = self.second_expand_rule(id, &rule, true)?;
            let more = only_second_expanded(&d, &rule);
            draft.second_expanded.ids.extend(more);
            draft.deps.extend(d.iter().cloned());
            if let Some(s) = rule.stem() {
                draft.stem = s.to_vec();
            }
            if rule.recipe.is_some() {
                draft.double_recipe = rule.recipe;
                draft.more.own_deps = d;
            } else if !phony {
                // A double-colon rule without a recipe uses an implicit
                // rule, as the manual says: its automatic variables name
                // the implicit prerequisites, then the rule's own.
                self.resolve_without_recipe(id, &mut draft)?;
                if draft.implicit {
                    draft.more.own_deps = draft.deps.clone();
                }
            }
        } else if draft.recipe.is_none() && !phony {
            self.resolve_without_recipe(id, &mut draft)?;
        }
        // An explicit rule's `$*`, single- or double-colon alike.
        if draft.stem.is_empty() && (draft.recipe.is_some() || draft.double_recipe.is_some()) {
            draft.stem = explicit_stem(&self.ev.db, self.ev.db.file(id).name);
        }
        // A double-colon target's `.EXTRA_PREREQS` are its first rule's
        // (GNU 4.4.1 and 4.3): the other rules run on their own
        // prerequisites only.
        if rule_index == 0 {
            self.add_extra_prereqs(id, &mut draft)?;
        }
        // A pattern sibling's list comes after the whole of `id`'s own.
        self.add_sibling_prereqs(&mut draft.deps, &mut draft.more)?;
        draft.more.order = self.shuffled_order(id, &draft.deps, draft.implicit);
        let _ = self.known_by_found_names(&mut draft.deps);
        self.vpath_resolve(id);
        let Draft {
            deps,
            stem,
            recipe,
            double_recipe,
            more,
            ..
        } = draft;
        let resolved = Resolved {
            deps,
            // (A double-colon rule's recipe gives way to one found here.)
            recipe: recipe.or(double_recipe),
            stem: stem.into(),
            more: (!more.is_empty()).then(|| Box::new(more)),
        };
        let resolved = self.less_dropped_before(id, resolved);
        let resolved = if resolved.is_empty() {
            self.empty_resolved.clone()
        } else {
            Rc::new(resolved)
        };
        let node = self.node(id);
        if rule_index == 0 {
            node.first_rule_recipe = resolved.recipe.is_some();
        }
        node.resolved = Some(resolved);
        // Resolution interns files (implicit prerequisites, intermediates,
        // second expansion): every id in the database has a node from here on.
        let files = self.ev.db.files.len();
        if self.nodes.len() < files {
            self.nodes.resize_with(files, Node::default);
        }
        Ok(())
    }

    /// `resolved`, `id`'s rule as written, less the prerequisites the
    /// makefiles' walk dropped from its list as circular: GNU resolves a
    /// file once, so the goals' walk does not find them again.
    fn less_dropped_before(&self, id: FileId, mut resolved: Resolved) -> Resolved {
        if self.dropped_before.is_empty() {
            return resolved;
        }
        let mut gone: Vec<usize> = Vec::new();
        for (&(list, dep), listings) in &self.dropped_before {
            if list != id {
                continue;
            }
            for &nth in listings {
                if let Some(at) = super::walk::nth_position(&resolved.deps, dep, nth) {
                    gone.push(at);
                }
            }
        }
        gone.sort_unstable();
        for &at in gone.iter().rev() {
            resolved.drop_dep(at);
        }
        resolved
    }

    /// A file without a recipe of its own: an implicit rule, or else
    /// `.DEFAULT`, may have one.
    fn resolve_without_recipe(&mut self, id: FileId, draft: &mut Draft) -> Result<()> {
        // A file found through vpath in a GPATH directory is that file
        // from now on, for the implicit search too.
        self.vpath_resolve(id);
        // A terminal rule's prerequisites are not made by implicit rules.
        let no_implicit = self.node(id).no_implicit;
        let narrate = !no_implicit && self.implicit_debug();
        if narrate {
            self.debug_line(id, 1, debug::walk::LOOKING_FOR_IMPLICIT);
        }
        let found = if no_implicit || self.ev.db.pattern_rules.is_empty() {
            None
        } else {
            let search_name: std::borrow::Cow<'static, [u8]> = match self.nodes[id].path() {
                Some(found) if in_gpath(self.ev, found) => found.to_vec().into(),
                _ => self.ev.db.file(id).name.into(),
            };
            if narrate {
                let depth = self.nodes[id].depth as usize;
                self.search_scratch.trace = Some(self.indent(depth) + 1);
            }
            // Its `.EXTRA_PREREQS` are among its explicit prerequisites
            // for "ought to exist" (GNU 4.4.1 adds them as it reads).
            let extra = self.own_extra_deps(id, draft.named, false)?;
            let found = self.implicit(
                id,
                &search_name,
                &draft.deps,
                &extra,
                &draft.second_expanded,
            );
            self.search_scratch.trace = None;
            found?
        };
        if narrate {
            match &found {
                Some(m) => {
                    let extras = self.rules_extra_names();
                    let rule = debug::rule_text_with(&self.ev.db.pattern_rules[m.rule], &extras);
                    let text = format!("Found implicit rule '{rule}' for '{{}}'.");
                    self.debug_line(id, 1, &text);
                }
                None => self.debug_line(id, 1, debug::walk::NO_IMPLICIT),
            }
        }
        if let Some(m) = found {
            self.take_implicit_match(id, &m, draft)?;
        } else if !self.ev.db.file(id).is_target && !self.also_made.contains(&id) {
            // `.DEFAULT` serves files no rule at all names as a target,
            // existing ones too: they then have a recipe (a goal "is up to
            // date", -B runs it). A file a pattern rule's recipe makes
            // besides the one it was found for is a target of that rule
            // (`a.x` of `%.o %.x::%.x` found for `a.o`): GNU 4.4.1 gives
            // it no recipe of its own, `.DEFAULT`'s neither.
            if let Some(default) = self
                .ev
                .db
                .lookup(b".DEFAULT")
                .and_then(|d| self.ev.db.file(d).rule.recipe.clone())
            {
                draft.recipe = Some(default);
                draft.more.default_recipe = true;
                if narrate {
                    self.debug_line(id, 1, debug::walk::DEFAULT_RECIPE);
                }
            }
        }
        Ok(())
    }

    /// `id` is made by the implicit rule `m`: its stem, recipe and
    /// prerequisites, the intermediate files of its chain, and the other
    /// targets its recipe makes.
    fn take_implicit_match(
        &mut self,
        id: FileId,
        m: &implicit::Match,
        draft: &mut Draft,
    ) -> Result<()> {
        draft.stem = m.stem.clone();
        draft.recipe = m.recipe.clone();
        draft.implicit = true;
        draft.rule_extras = m.extras.clone();
        self.made_by_pattern.insert(id, m.rule);
        self.mention_plain_prereqs(m.rule);
        let more = &mut draft.more;
        more.siblings = m.siblings.iter().map(|s| self.ev.db.intern(s)).collect();
        self.also_made.extend(more.siblings.iter().copied());
        // A file an implicit rule makes counts as a target from now on
        // ("ought to exist" for later searches).
        let file = self.ev.db.file_mut(id);
        file.implicit_target |= !file.is_target;
        file.is_target = true;
        for (inter_name, inter_match) in &m.chain {
            self.adopt_intermediate(inter_name, inter_match, m)?;
        }
        let mut extra = self.match_deps(m);
        let terminal = self.ev.db.pattern_rules[m.rule].terminal;
        draft.terminal = terminal;
        for d in &extra {
            self.adopt_implicit_prereq(d.file());
            if terminal {
                self.node(d.file()).no_implicit = true;
            }
        }
        // The implicit rule's prerequisites come first: `$<` is its first.
        draft.implicit_deps = extra.len();
        extra.reserve_exact(draft.deps.len());
        extra.append(&mut draft.deps);
        draft.deps = extra;
        Ok(())
    }

    /// A pattern recipe makes its other targets too: their lists
    /// (`b.x: n` for `%.o %.x:` making `b.o`) are walked after `id`'s own
    /// (its `.EXTRA_PREREQS` included), built but not in `$^`; so for an
    /// intermediate file of a chain, as in GNU make. A sibling's list is
    /// the one it has by now: what an implicit rule found for it already,
    /// or its own rule's. Each listing is walked again, as GNU walks the
    /// sibling's list on its own: one in the making is circular there too.
    fn add_sibling_prereqs(&mut self, deps: &mut Vec<Dep>, more: &mut ResolvedMore) -> Result<()> {
        for &sibling in &more.siblings {
            let resolved = self.resolved_of(sibling);
            // A double-colon sibling's prerequisites are its rules', each
            // walked on its own when that rule's turn comes: not with the
            // file the pattern recipe is found for, even once the sibling
            // was resolved (GNU 4.4.1 and 4.3: `b.x:: b` is not met as
            // circular from `b.o` of `%.o %.x:` made for `b`).
            let double_colon = !self.ev.db.file(sibling).double_colon().is_empty();
            let list = match resolved {
                Some(r) if !double_colon => r.deps.clone(),
                Some(_) => self.peer_list(sibling)?,
                // A target of the makefile's list has its `.EXTRA_PREREQS`.
                None if self.ev.db.file(sibling).is_target => self.peer_list(sibling)?,
                None => self.ev.db.file(sibling).rule.deps.to_vec(),
            };
            // (Not what its own siblings' lists gave it.)
            for d in list.into_iter().filter(|d| !d.sibling) {
                if !deps.iter().any(|e| e.file() == d.file()) {
                    more.hidden.push(d.file());
                    more.peer_deps.push(d.file());
                }
                let mut d = d;
                d.extra = true;
                d.sibling = true;
                deps.push(d);
            }
        }
        Ok(())
    }

    /// `.EXTRA_PREREQS` are built but stay out of the automatic variables.
    /// They come after the target's other prerequisites (order-only ones
    /// included). A target of the makefile that they name itself gets none
    /// of them; a file an implicit rule makes gets them all, itself too,
    /// which the walk reports as a circular dependency and drops, as GNU
    /// make does. A file whose recipe an implicit rule gives gets the
    /// rule's ones (with its other prerequisites), then its own: those of
    /// a target of the makefile, or its target-specific value; so a target
    /// of the makefile gets them twice, as GNU does. A makefile no rule
    /// names gets none (only an implicit rule could remake it).
    fn add_extra_prereqs(&mut self, id: FileId, draft: &mut Draft) -> Result<()> {
        if self.makefiles_phase && !self.ev.db.file(id).is_target {
            return Ok(());
        }
        // (Named by the makefile: an implicit rule found now makes the file
        // a target for later searches, not a target of the makefile.)
        let made_by_rule = draft.named || self.ev.db.file(id).phony;
        let terminal = draft.implicit && draft.terminal;
        if draft.implicit {
            let extra = self.extra_prereqs_of_match(&draft.rule_extras)?;
            let from_rule = self.hidden_deps(&extra, terminal);
            if draft.named {
                let at = draft.implicit_deps;
                draft.deps.splice(at..at, from_rule);
            } else {
                // Itself among them too: the walk drops it as circular.
                draft.deps.extend(from_rule);
            }
        }
        let own = self.own_extra_deps(id, made_by_rule, terminal)?;
        // Less any a grouped peer's walk dropped as circular already: they
        // end the list it walked (see `peer_list`), after the rule's own.
        let before = self.expanded_deps(id)?;
        draft
            .deps
            .extend(self.without_dropped_after(id, &before, own));
        Ok(())
    }

    /// The prerequisites `.EXTRA_PREREQS`' value `extra` names; `terminal`:
    /// for a file a terminal implicit rule makes.
    fn hidden_deps(&mut self, extra: &[u8], terminal: bool) -> Vec<Dep> {
        if crate::words::trim(extra).is_empty() {
            return Vec::new();
        }
        let hidden = extra_deps(self.ev, extra);
        if terminal {
            // GNU counts them among the terminal rule's prerequisites.
            for d in &hidden {
                self.node(d.file()).no_implicit = true;
            }
        }
        hidden
    }

    /// The prerequisites `id`'s own `.EXTRA_PREREQS` names (see
    /// `extra_prereqs`): none if they name `id` itself.
    fn own_extra_deps(
        &mut self,
        id: FileId,
        made_by_rule: bool,
        terminal: bool,
    ) -> Result<Vec<Dep>> {
        let extra = self.extra_prereqs(id, made_by_rule)?;
        let deps = self.hidden_deps(&extra, terminal);
        if deps.iter().any(|d| d.file() == id) {
            return Ok(Vec::new());
        }
        Ok(deps)
    }

    /// The `.EXTRA_PREREQS` at the end of the list of `id`, a target of
    /// the makefile's grouped rule, as another target of the rule walks
    /// that list: none if they name `id` itself.
    pub(super) fn named_extra_deps(&mut self, id: FileId) -> Result<Vec<Dep>> {
        self.own_extra_deps(id, true, false)
    }

    /// The order `--shuffle` makes `deps` in (empty: as written). It
    /// changes the order prerequisites are made in, not their order in `$^`
    /// and friends. Under .NOTPARALLEL the order is kept (every
    /// prerequisite waits for the one before it). While the makefiles are
    /// remade only a list an implicit rule gave is shuffled: GNU 4.4.1
    /// shuffles the makefile's lists for the goals only, but an implicit
    /// rule's (an intermediate file's too) when it finds the rule.
    pub(super) fn shuffled_order(&self, id: FileId, deps: &[Dep], implicit: bool) -> Vec<usize> {
        let serial = self.ev.db.not_parallel || self.listed_not_parallel(id);
        let reorders = shuffle::reorders(&self.ev.invocation.options.shuffle);
        if !reorders || serial || (self.makefiles_phase && !implicit) {
            return Vec::new();
        }
        let mut order: Vec<usize> = (0..deps.len()).collect();
        let name = &self.ev.db.file(id).name;
        shuffle::apply(
            &self.ev.invocation.options.shuffle,
            name,
            &mut order,
            |&i| deps[i].wait_before,
        );
        order
    }

    /// Prerequisites found through vpath are known by their found names;
    /// one found as another file make knows (a target, a prerequisite
    /// elsewhere, a goal) becomes that file, so no implicit rule is
    /// looked for under the name written (binutils' `doc/bfd.texi`, found
    /// as `$(srcdir)/doc/bfd.texi`, is not made by `doc/%.texi:`).
    fn known_by_found_names(&mut self, deps: &mut [Dep]) -> Vec<FileId> {
        let mut redirected = Vec::new();
        for d in deps {
            self.vpath_resolve(d.file());
            let Some(found) = self
                .nodes
                .get(d.file().index())
                .and_then(Node::path)
                .map(<[u8]>::to_vec)
            else {
                continue;
            };
            let named_is_target = self.ev.db.file(d.file()).is_target;
            let Some(other) = self.ev.db.lookup(&found).filter(|&t| t != d.file()) else {
                continue;
            };
            let other_file = self.ev.db.file(other);
            if !named_is_target {
                if other_file.is_mentioned() {
                    d.set_file(other);
                    redirected.push(other);
                }
            } else if other_file.is_target
                && self.node(d.file()).status == Status::New
                && self.node(other).status == Status::New
            {
                self.merge_found_target(d.file(), other);
                d.set_file(other);
            }
        }
        redirected
    }

    /// A target found through vpath as another target of the makefile
    /// becomes that one: its prerequisites join the other's, and the other's
    /// recipe wins (GNU 4.4 says so when both have one).
    fn merge_found_target(&mut self, from: FileId, to: FileId) {
        let old = std::mem::take(&mut self.ev.db.file_mut(from).rule);
        if let (Some(recipe), Some(_)) = (&old.recipe, &self.ev.db.file(to).rule.recipe) {
            self.warn_recipe_ignored(from, to, &recipe.loc);
        }
        let rule = &mut self.ev.db.file_mut(to).rule;
        let offset = rule.deps.len();
        if !old.deferred().is_empty() {
            rule.deferred_mut()
                .extend(old.deferred().iter().cloned().map(|mut d| {
                    d.at += offset;
                    d
                }));
        }
        rule.deps.extend(old.deps);
        if rule.recipe.is_none() {
            rule.recipe = old.recipe;
        }
        self.expanded.remove(&to);
    }

    /// GNU 4.4's notice that `from`'s recipe (at `loc`) gives way to the
    /// one of `to`, the file `from` turned out to be.
    pub(super) fn warn_recipe_ignored(&self, from: FileId, to: FileId, loc: &crate::diag::Loc) {
        let from = diag::show(self.ev.db.file(from).name).to_string();
        let to = diag::show(self.ev.db.file(to).name).to_string();
        diag::warn(
            Some(loc),
            format_args!("Recipe was specified for file '{from}' at {loc},"),
        );
        diag::warn(
            Some(loc),
            format_args!("but '{from}' is now considered the same file as '{to}'."),
        );
        diag::warn(
            Some(loc),
            format_args!("Recipe for '{from}' will be ignored in favor of the one for '{to}'."),
        );
    }

    pub(super) fn implicit(
        &mut self,
        id: FileId,
        name: &[u8],
        explicit: &[Dep],
        extra: &[Dep],
        second_expanded: &SecondExpanded,
    ) -> Result<Option<implicit::Match>> {
        if self.ev.db.pattern_rules.is_empty() {
            return Ok(None);
        }
        let scope = if self.ev.db.second_expansion {
            self.scope_for(id)
        } else {
            Vec::new()
        };
        let rules = std::mem::take(&mut self.ev.db.pattern_rules);
        if !self.rule_index.is_for(&rules) {
            self.rule_index = rule_index::RuleIndex::new(&rules);
        }
        let extras = self.rules_extra_names();
        let indexed = implicit::Rules {
            list: &rules,
            index: &self.rule_index,
            extras: &extras,
        };
        let mut k = DbKnowledge {
            vpath_configured: self.vpath_configured,
            ev: self.ev,
            also_made: &self.also_made,
            explicit_deps: explicit,
            second_expanded,
            extra_deps: extra,
            target: name,
            scope,
            error: None,
        };
        // An archive member is first looked up as `(member)`, which the
        // built-in `(%): %` rule matches.
        let (_, member) = crate::archive::split_member(name);
        let found = if member.is_empty() {
            implicit::search(indexed, name, &mut k, &mut self.search_scratch)
        } else {
            let bare = [&b"("[..], member, b")"].concat();
            implicit::search(indexed, &bare, &mut k, &mut self.search_scratch)
                .or_else(|| implicit::search(indexed, name, &mut k, &mut self.search_scratch))
        };
        let error = k.error.take();
        self.ev.db.pattern_rules = rules;
        for name in self.search_scratch.take_not_qualified() {
            self.adopt_not_qualified(&name);
        }
        // The other targets of a rule a chain search found (see
        // `Scratch::made_too`) are that rule's, even when the chain fails.
        for name in self.search_scratch.take_made_too() {
            let id = self.ev.db.intern(&name);
            self.also_made.insert(id);
        }
        match error {
            Some(e) => Err(e),
            None => Ok(found),
        }
    }

    /// A missing file a search tried as a pattern's prerequisite and found
    /// only compatibly there: one the makefile knows without naming it (a
    /// goal, a static pattern rule's prerequisite, see `known_unnamed`) is
    /// intermediate from then on, whatever rule is chosen, so a target
    /// that has it as a prerequisite (its own, or a grouped or pattern
    /// sibling's) does not make it unless it needs it: GNU 4.4.1 finds
    /// `a.out` (of `%.out: %.c` then `%.out: %.z`) and then `a.x` (of
    /// `a.x: %.x: %.c`), both there, up to date, `a.c` not made (4.3 has
    /// no strict pass). Being a pattern rule's prerequisite written
    /// without `%` (`%b: a.c`, used before or after) does not keep it
    /// from this.
    fn adopt_not_qualified(&mut self, name: &[u8]) {
        let Some(id) = self.ev.db.lookup(name) else {
            return;
        };
        let db = &self.ev.db;
        let f = db.file(id);
        let kept = f.secondary || f.precious || db.secondary_all || f.notintermediate;
        let named = f.is_target || f.is_prerequisite;
        if self.known_unnamed(id) && !kept && !named && !self.ev.fs.exists(name) {
            self.node(id).intermediate = true;
        }
    }

    /// The `.EXTRA_PREREQS` of `id`, expanded as a global variable would be
    /// (in no target's scope), as GNU make 4.4 does. A target with
    /// target-specific variables has only its own value, as written there
    /// (a `+=` appends to nothing), or none; any other file has the global
    /// one if a rule makes it (`made_by_rule`: an explicit one, an implicit
    /// one, or it is phony): not a file made by `.DEFAULT`.
    /// Pattern-specific values count for nothing.
    fn extra_prereqs(&mut self, id: FileId, made_by_rule: bool) -> Result<Vec<u8>> {
        let expanded = self.ev.reading.extra_prereqs.as_ref();
        if let Some(text) = expanded.and_then(|e| e.own.get(&id)) {
            return Ok(text.clone());
        }
        match own_extra_prereqs(self.ev, id)? {
            Some(text) => Ok(text),
            None if !made_by_rule || self.ev.globals.get(b".EXTRA_PREREQS").is_none() => {
                Ok(Vec::new())
            }
            None => global_extra_prereqs(self.ev, |e| &e.files),
        }
    }

    /// The names of the `.EXTRA_PREREQS` every implicit rule has among its
    /// prerequisites, worked out once (the makefiles are read).
    fn rules_extra_names(&mut self) -> Rc<[Vec<u8>]> {
        if let Some(names) = &self.rules_extra_names {
            return names.clone();
        }
        let text = self
            .ev
            .reading
            .extra_prereqs
            .as_ref()
            .map(|e| e.rules.clone());
        let names: Rc<[Vec<u8>]> = match text {
            Some(text) => crate::words::words(&text)
                .map(crate::read::rule_line::normalize_name)
                .collect(),
            None => Rc::from(Vec::new()),
        };
        // Named as prerequisites (of every file of the makefile too), they
        // are mentioned files: they ought to exist, compatibly.
        for name in names.iter() {
            let id = self.ev.db.intern(name);
            self.ev.db.file_mut(id).entered = true;
        }
        self.rules_extra_names = Some(names.clone());
        names
    }

    /// The `.EXTRA_PREREQS` every implicit rule has among its
    /// prerequisites (GNU adds the global value to each pattern rule, as
    /// `-p` shows): what a file made by one gets, whatever its own
    /// target-specific variables say.
    fn extra_prereqs_of_rules(&mut self) -> Result<Vec<u8>> {
        global_extra_prereqs(self.ev, |e| &e.rules)
    }

    /// [`Self::extra_prereqs_of_rules`] as a match has them: `names`, its
    /// [`implicit::Match::extras`], when a `%` in them stood for its stem.
    fn extra_prereqs_of_match(&mut self, names: &[Vec<u8>]) -> Result<Vec<u8>> {
        let text = self.extra_prereqs_of_rules()?;
        if memchr::memchr(b'%', &text).is_none() {
            return Ok(text);
        }
        Ok(names.join(&b' '))
    }

    /// The prerequisites an implicit rule gives, interned (`.WAIT` in a
    /// pattern rule's prerequisites orders, it is no file).
    fn match_deps(&mut self, m: &implicit::Match) -> Vec<Dep> {
        let mut deps = Vec::new();
        for (list, order_only) in [(&m.deps, false), (&m.order_only, true)] {
            let mut wait_before = false;
            for d in list {
                if d == b".WAIT" {
                    wait_before = true;
                    continue;
                }
                let file = self.ev.db.intern(d);
                deps.push(Dep::new(file, order_only, wait_before));
                wait_before = false;
            }
        }
        deps
    }

    /// Records a file created by an implicit-rule chain, then the files
    /// its own chain creates: a name the chain meets twice (`%.o: %.o`
    /// leads from `c.o` to `c.o` made by `%.o: %.c`) keeps the rule found
    /// nearer the target, as in GNU make, and its prerequisite naming
    /// itself is then dropped as circular.
    /// `above` is the match whose prerequisite `name` is.
    fn adopt_intermediate(
        &mut self,
        name: &[u8],
        m: &implicit::Match,
        above: &implicit::Match,
    ) -> Result<()> {
        let id = self.ev.db.intern(name);
        if self.node(id).resolved.is_some() {
            // Already known (another chain, or made): it keeps what it is.
            return Ok(());
        }
        self.resolve_intermediate(id, m)?;
        // An intermediate file a chain found a rule for counts as a target
        // from now on too (`all: sub/d.o d` with `sub/%.o: %.c` and `d.l`:
        // `d` is made by `%: %.c` from that `d.c`, GNU 4.4.1 and 4.3).
        let file = self.ev.db.file_mut(id);
        file.implicit_target |= !file.is_target;
        file.is_target = true;
        if self.only_extra_prereq(name, above) {
            self.node(id).intermediate = false;
        }
        for (n, sub) in &m.chain {
            self.adopt_intermediate(n, sub, m)?;
        }
        Ok(())
    }

    /// `name` is a prerequisite of the match `above` only as a global
    /// `.EXTRA_PREREQS` name: every pattern rule names those without `%`,
    /// so a chain makes it as a mentioned file, not an intermediate one
    /// (GNU 4.4.1). Named by the rule's own patterns too, it may be.
    fn only_extra_prereq(&self, name: &[u8], above: &implicit::Match) -> bool {
        let extra = self
            .rules_extra_names
            .as_ref()
            .is_some_and(|names| names.iter().any(|n| n[..] == *name));
        extra
            && !above
                .deps
                .iter()
                .chain(&above.order_only)
                .any(|d| d[..] == *name)
    }

    /// `id` is an intermediate file made by the implicit rule `m`.
    fn resolve_intermediate(&mut self, id: FileId, m: &implicit::Match) -> Result<()> {
        self.made_by_pattern.insert(id, m.rule);
        self.mention_plain_prereqs(m.rule);
        let mut deps = self.match_deps(m);
        for d in &deps {
            self.adopt_implicit_prereq(d.file());
        }
        // Made by an implicit rule, it gets the rules' `.EXTRA_PREREQS` too
        // (not its target-specific ones: GNU looks at those only for a
        // file it walks to from the makefile's rules).
        let extra = self.extra_prereqs_of_match(&m.extras)?;
        deps.extend(extra_deps(self.ev, &extra));
        // A terminal rule's prerequisites, those included, are not made by
        // implicit rules, as for a file the makefile names.
        if self.ev.db.pattern_rules[m.rule].terminal {
            for d in &deps {
                self.node(d.file()).no_implicit = true;
            }
        }
        let siblings: Vec<FileId> = m.siblings.iter().map(|s| self.ev.db.intern(s)).collect();
        self.also_made.extend(siblings.iter().copied());
        let mut more = ResolvedMore {
            siblings,
            ..ResolvedMore::default()
        };
        if !more.siblings.is_empty() {
            self.add_sibling_prereqs(&mut deps, &mut more)?;
        }
        more.order = self.shuffled_order(id, &deps, true);
        // As for any file's: `x.c` found through VPATH as `sub/x.c`, a
        // name the makefile mentions, is that file (GNU 4.4.1 and 4.3).
        let found = self.known_by_found_names(&mut deps);
        self.remake_found_again(&found);
        let more = (!more.is_empty()).then(|| Box::new(more));
        let resolved = Resolved {
            deps,
            recipe: m.recipe.clone(),
            stem: m.stem.as_slice().into(),
            more,
        };
        let resolved = self.less_dropped_before(id, resolved);
        let intermediate = self.may_be_intermediate(id);
        let node = self.node(id);
        node.resolved = Some(Rc::new(resolved));
        // Still `New`: its first visit is to come (it is said to be
        // considered then, and what it is first tried for counts then).
        node.intermediate = intermediate;
        Ok(())
    }

    /// Each chain that finds an intermediate file's prerequisite through
    /// vpath as a file the makefile mentions makes that file anew: one
    /// remade already in this run (by `.DEFAULT`, for another chain or
    /// goal) is remade once more (GNU 4.4.1 and 4.3: `a.o b.o` with
    /// `%.o: %.mod`, `%d: x.c`, `y: sub/x.c` and VPATH=sub run `.DEFAULT`
    /// for `sub/x.c` twice). A file settled otherwise stays settled.
    fn remake_found_again(&mut self, found: &[FileId]) {
        for &id in found {
            let Some(node) = self.nodes.get_mut(id.index()) else {
                continue;
            };
            if node.status != Status::Done || !node.remade {
                continue;
            }
            *node = Node {
                resolved: node.resolved.take(),
                path: node.path.take(),
                intermediate: node.intermediate,
                no_implicit: node.no_implicit,
                ..Node::default()
            };
        }
    }

    /// The pattern rule `rule` is used for a file: the prerequisites it
    /// names without `%` are mentioned files from now on, never
    /// intermediate. A rule only written, or tried and not used, leaves
    /// them intermediate (GNU 4.4.1 deletes such a file it made).
    fn mention_plain_prereqs(&mut self, rule: usize) {
        let r = &self.ev.db.pattern_rules[rule];
        if r.builtin {
            return;
        }
        let plain: Vec<Vec<u8>> = r
            .deps
            .iter()
            .chain(&r.order_only)
            .filter(|name| {
                memchr::memchr2(b'%', b'$', name).is_none() && name.as_slice() != b".WAIT"
            })
            .map(|name| crate::read::rule_line::normalize_name(name))
            .collect();
        for name in plain {
            let id = self.ev.db.intern(&name);
            let f = self.ev.db.file_mut(id);
            f.pattern_prerequisite = true;
            f.chosen_rule_prerequisite = true;
        }
    }

    /// A file an implicit rule makes without the makefile mentioning it is
    /// intermediate, unless marked otherwise (.SECONDARY, .PRECIOUS,
    /// .NOTINTERMEDIATE).
    fn may_be_intermediate(&self, id: FileId) -> bool {
        let f = self.ev.db.file(id);
        // Named in the makefile as a target or anyone's prerequisite: not
        // intermediate.
        let mentioned = f.is_target || f.is_prerequisite || f.pattern_prerequisite;
        !mentioned && !self.kept_from_intermediate(id)
    }

    /// .SECONDARY, .PRECIOUS or .NOTINTERMEDIATE (by name, pattern or for
    /// all files) keeps `id` from being intermediate.
    fn kept_from_intermediate(&self, id: FileId) -> bool {
        let db = &self.ev.db;
        let f = db.file(id);
        f.secondary
            || f.precious
            || db.secondary_all
            || f.notintermediate
            || db.notintermediate_all
            || db
                .notintermediate_patterns
                .iter()
                .any(|p| p.match_stem(f.name).is_some())
    }

    /// A prerequisite of an implicit rule is intermediate like one made
    /// through a chain, unless the makefile mentions it, when it exists
    /// only because this run made it as another target of a pattern rule,
    /// or when it is missing and known to make without the makefile
    /// naming it (so it ought to exist, as a mentioned file does).
    fn adopt_implicit_prereq(&mut self, id: FileId) {
        let missing_known = self.known_unnamed(id) && !self.ev.fs.exists(self.ev.db.file(id).name);
        if (self.node(id).remade && self.remade_unnamed(id))
            || (missing_known && self.may_be_adopted(id))
        {
            self.nodes[id].intermediate = true;
        }
    }

    /// `id`, remade in this run, is a file the makefile does not name,
    /// though an implicit rule may have made it (a goal made by a pattern
    /// rule, GNU 4.4.1): not a makefile being remade, which is never
    /// intermediate, nor one remade before the goals are (a `-include`d
    /// or `MAKEFILES` file `.DEFAULT` or a pattern rule "made" without
    /// creating it, found then as an implicit rule's prerequisite: GNU
    /// 4.4.1 and 4.3 do not delete it, nor say so under -n).
    fn remade_unnamed(&self, id: FileId) -> bool {
        if (self.makefiles_phase && self.goals.contains(&id)) || self.makefiles.contains(&id) {
            return false;
        }
        let f = self.ev.db.file(id);
        let named =
            (f.is_target && !f.implicit_target) || f.is_prerequisite || f.pattern_prerequisite;
        !named && !self.kept_from_intermediate(id)
    }

    /// A missing file make knows unnamed, as an implicit rule's
    /// prerequisite, is taken as intermediate unless the makefile names it
    /// as .PRECIOUS, .SECONDARY or .NOTINTERMEDIATE itself: a
    /// `.NOTINTERMEDIATE` with no names or with patterns does not keep it
    /// from staying missing (GNU 4.4.1), though it keeps it from deletion.
    fn may_be_adopted(&self, id: FileId) -> bool {
        let db = &self.ev.db;
        let f = db.file(id);
        let kept = f.secondary || f.precious || db.secondary_all || f.notintermediate;
        let mentioned = f.is_target || f.is_prerequisite || f.pattern_prerequisite;
        !kept && !mentioned
    }

    /// A file make knows though no rule of the makefile names it as an
    /// ordinary prerequisite or a target: a built-in suffix rule's file
    /// (`.y.c`, which its recipe makes), a prerequisite of static pattern
    /// rules only, a goal of the command line, or a name of the global
    /// `.EXTRA_PREREQS` (GNU 4.4.1), a target of target-specific variables
    /// only, or a file a pattern rule's recipe
    /// makes besides the one it was found for (GNU 4.4.1). Not a makefile,
    /// nor a file of `-W` or `-o`.
    fn known_unnamed(&self, id: FileId) -> bool {
        let f = self.ev.db.file(id);
        if f.builtin || f.static_prerequisite || (self.also_made.contains(&id) && !f.is_target) {
            return true;
        }
        if !f.entered {
            return false;
        }
        let name = f.name;
        let is_goal = self
            .ev
            .invocation
            .options
            .goals
            .iter()
            .any(|g| *crate::read::rule_line::normalize_name(g) == *name);
        // A file only target-specific variables name is one too: made (by
        // `.DEFAULT`) for an implicit rule, GNU 4.4.1 deletes it.
        is_goal
            || self.ev.db.target_vars(id).is_some()
            || self
                .rules_extra_names
                .as_ref()
                .is_some_and(|names| names.iter().any(|n| n == name))
    }
}

/// The files of `deps` (a rule's, second expansion done) that none of the
/// rule's prerequisites written without `$` names.
fn only_second_expanded(deps: &[Dep], rule: &Rule) -> Vec<FileId> {
    if rule.deferred().is_empty() {
        return Vec::new();
    }
    deps.iter()
        .map(Dep::file)
        .filter(|f| !rule.deps.iter().any(|d| d.file() == *f))
        .collect()
}

/// `$*` for an explicit rule (or `.DEFAULT`): the name minus a known
/// suffix; for an archive member `lib.a(m.o)`, the member's name (`m`).
fn explicit_stem(db: &crate::rules::Database, name: &[u8]) -> Vec<u8> {
    let name = match crate::archive::split_member(name) {
        (_, member) if !member.is_empty() => member,
        _ => name,
    };
    let Some(suffixes) = db.lookup(b".SUFFIXES") else {
        return Vec::new();
    };
    for d in &db.file(suffixes).rule.deps {
        let s = &db.file(d.file()).name;
        if name.len() > s.len() && name.ends_with(s) {
            return name[..name.len() - s.len()].to_vec();
        }
    }
    Vec::new()
}

/// The implicit-rule search's view of the database and the file system.
struct DbKnowledge<'a> {
    ev: &'a mut Evaluator,
    /// [`Planner::also_made`]: targets, for "ought to exist".
    also_made: &'a rustc_hash::FxHashSet<FileId>,
    /// The explicit prerequisites of the target searched for, as written
    /// (for `$$<`, `$$^`, `$$+` and `$$|`).
    explicit_deps: &'a [Dep],
    /// Those of them only a second expansion names: not yet known to the
    /// search in GNU 4.4.1, so none of "ought to exist".
    second_expanded: &'a SecondExpanded,
    /// Its `.EXTRA_PREREQS`: explicit prerequisites for "ought to exist",
    /// not for the automatic variables.
    extra_deps: &'a [Dep],
    /// The target searched for, and its variables.
    target: &'a [u8],
    scope: Vec<ScopeEntry>,
    /// The first error of a second expansion: the search ends with it.
    error: Option<diag::Fatal>,
    vpath_configured: bool,
}

impl implicit::Knowledge for DbKnowledge<'_> {
    fn changes(&self) -> u64 {
        self.ev.fs.changes()
    }

    fn exists(&mut self, name: &[u8]) -> bool {
        self.ev.fs.exists(name)
            || (self.vpath_configured && vpath_search(self.ev, name).is_some())
            // `-W FILE`: FILE exists as far as make knows.
            || self.ev.invocation.options.new_files.iter().any(|f| {
                *crate::read::rule_line::normalize_name(f) == *name
            })
    }

    fn ought_to_exist(&self, name: &[u8], own: bool) -> Option<implicit::Ought> {
        let id = self.ev.db.lookup(name)?;
        let f = self.ev.db.file(id);
        let later = self.second_expanded.ids.contains(&id);
        if later && id.index() >= self.second_expanded.first_new && !f.is_target {
            return None;
        }
        if f.is_target
            || f.phony
            || self.also_made.contains(&id)
            || (own && !later && self.explicit_deps.iter().any(|d| d.file() == id))
            || (own && self.extra_deps.iter().any(|d| d.file() == id))
        {
            Some(implicit::Ought::Strict)
        } else if f.is_prerequisite
            || f.static_prerequisite
            || f.entered
            || f.builtin
            || f.chosen_rule_prerequisite
        {
            // A built-in suffix rule's file (`.y.c`) or a default suffix is
            // in the data base as a mentioned file is; so is a pattern
            // rule's plain prerequisite once a search used the rule, even
            // after a recipe removed it (S90:13035).
            Some(implicit::Ought::Compat)
        } else {
            None
        }
    }

    fn found_by_vpath(&mut self, name: &[u8]) -> Option<Vec<u8>> {
        if !self.vpath_configured || self.ev.fs.exists(name) {
            return None;
        }
        vpath_search(self.ev, name)
    }

    fn is_phony(&self, name: &[u8]) -> bool {
        self.ev
            .db
            .lookup(name)
            .is_some_and(|id| self.ev.db.file(id).phony)
    }

    fn glob(&mut self, pattern: &[u8]) -> Vec<Vec<u8>> {
        let home = self.ev.home_for(pattern);
        crate::glob::glob_home(pattern, &mut self.ev.fs, home.as_deref())
    }

    fn mention(&mut self, name: &[u8]) {
        // Like a name written without `%` in a pattern rule: no intermediate
        // file, but not one that "ought to exist" either.
        let id = self.ev.db.intern(name);
        self.ev.db.file_mut(id).pattern_prerequisite = true;
    }

    fn second_expansion(&self) -> bool {
        self.ev.db.second_expansion
    }

    fn second_expand(&mut self, text: &[u8], target: &[u8], stem: &[u8]) -> Option<Vec<u8>> {
        if !self.ev.db.second_expansion {
            return None;
        }
        if self.error.is_some() {
            return Some(Vec::new());
        }
        // The target's explicit prerequisites are its `$$<`, `$$^`, `$$+`
        // and `$$|`; files searched for along a chain have none.
        let own = target == self.target;
        let known: &[Dep] = if own { self.explicit_deps } else { &[] };
        let autos = Automatic {
            stem: stem.to_vec(),
            ..Automatic::of_known(&self.ev.db, target.to_vec(), known)
        };
        let mut scope = vec![autos.into_scope_entry()];
        if own {
            scope.extend(self.scope.iter().cloned());
        }
        match self.ev.with_scope(scope, |ev| ev.expand_text(text)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.error = Some(e);
                Some(Vec::new())
            }
        }
    }
}

/// The prerequisites `.EXTRA_PREREQS`' value `text` names, interned and
/// marked as extra: a file the rule names too is still named by the
/// automatic variables, as in GNU make (`x.o: x.c` with `.EXTRA_PREREQS =
/// x.c` has `$<` `x.c`).
fn extra_deps(ev: &mut Evaluator, text: &[u8]) -> Vec<Dep> {
    let mut deps: Vec<Dep> = crate::read::rule_line::intern_extra_deps(ev, text);
    for d in &mut deps {
        d.extra = true;
    }
    deps
}

/// `id`'s own `.EXTRA_PREREQS`, its target-specific value, expanded as a
/// global variable would be (in no target's scope), as GNU make 4.4 does:
/// empty for a target with other target-specific variables only (a `+=`
/// there appends to nothing), `None` for a file with none.
fn own_extra_prereqs(ev: &mut Evaluator, id: FileId) -> Result<Option<Vec<u8>>> {
    let own = ev.db.target_vars(id).map(|set| {
        set.borrow()
            .get(b".EXTRA_PREREQS")
            .map(|v| (v.value.clone(), v.flavor))
    });
    ev.with_scope(Vec::new(), |ev| match own {
        Some(Some((text, Flavor::Recursive))) => ev.expand_text(&text).map(Some),
        Some(Some((text, Flavor::Simple))) => Ok(Some(text)),
        Some(None) => Ok(Some(Vec::new())),
        None => Ok(None),
    })
}

/// Every target's own `.EXTRA_PREREQS`, expanded once the makefiles are
/// read, as GNU make does, whether the target is ever made or not: what
/// the expansion prints or warns shows then, and only then. In the order
/// the targets were first named (GNU: its hash table's).
pub fn expand_own_extra_prereqs(
    ev: &mut Evaluator,
) -> Result<rustc_hash::FxHashMap<FileId, Vec<u8>>> {
    let mut own = rustc_hash::FxHashMap::default();
    for id in ev.db.files_with_target_vars() {
        if let Some(text) = own_extra_prereqs(ev, id)? {
            own.insert(id, text);
        }
    }
    Ok(own)
}

/// The global `.EXTRA_PREREQS` (`which` expansion of it), as expanded once
/// the makefiles were read; expanded now if it was not (a planner run
/// without a session).
fn global_extra_prereqs(
    ev: &mut Evaluator,
    which: fn(&crate::eval::ExtraPrereqs) -> &Vec<u8>,
) -> Result<Vec<u8>> {
    match &ev.reading.extra_prereqs {
        Some(e) => Ok(which(e).clone()),
        None => ev.expand_global_value(b".EXTRA_PREREQS"),
    }
}
