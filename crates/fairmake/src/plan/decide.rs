//! The out-of-date decision: once a file's prerequisites are settled,
//! whether its recipe must run, by comparing times (with archive members'
//! whole seconds), `-W`, `-o`, `-B`, phony and remade prerequisites, the
//! other targets of a grouped rule, and the chains of missing intermediate
//! files that would have to be made.

use std::rc::Rc;

use super::mtime::Mtime;
use super::seams::{FileTimes, Jobs};
use super::{Node, Planner, Resolved, Status};
use crate::diag::{self, Result};
use crate::rules::FileId;
use crate::trace::debug;

impl<'e, J: Jobs, T: FileTimes> Planner<'e, J, T> {
    /// All prerequisites are settled: decide whether to run the recipe.
    pub(super) fn decide(&mut self, id: FileId, resolved: &Rc<Resolved>) -> Result<Status> {
        let my_mtime = if self.unreadable.contains(&id) {
            None
        } else if self.is_new_file(id) && !self.restarted_makefiles_phase() {
            // `-W FILE`: FILE is there and newer than anything, as far as
            // make knows, so its own recipe does not run (GNU 4.4.1, 4.3).
            Some(crate::fscache::Mtime {
                secs: i64::MAX,
                nanos: 999_999_999,
            })
        } else {
            self.group_mtime(id)
        };
        self.note_existing_intermediates(id);
        let file = self.ev.db.file(id);
        let phony = file.phony;
        let member_target = crate::archive::is_member(file.name);
        let mut out_of_date = phony || my_mtime.is_none() || self.always_make();
        let mut newer = Vec::new();
        let mut any_newer = false;
        // Without a recipe nobody reads `$?`: a bare walk collects nothing.
        let collect = resolved.recipe.is_some();
        for dep in &resolved.deps {
            if dep.order_only {
                continue;
            }
            let dep_newer = self.dep_is_newer(dep.file(), my_mtime, member_target);
            if my_mtime.is_some() && self.verbose() {
                self.debug_prerequisite(id, dep.file(), dep_newer);
            }
            // An intermediate file its recipe did not create makes the
            // target out of date, but is not newer than it: not in `$?`
            // (GNU 4.4.1, 4.3). Only if `id` made it, as it was found out
            // of date: one another target made after `id` met it missing
            // (`gen.h: b a` with `a: b`) leaves `id` as it was (GNU
            // 4.4.1, 4.3).
            if dep_newer
                && my_mtime.is_some()
                && !self.always_make()
                && self.made_missing(dep.file())
            {
                out_of_date |= self.nodes[id].remaking;
                continue;
            }
            // With -B every prerequisite counts as newer, in `$?` too.
            if dep_newer || my_mtime.is_none() || phony || self.always_make() {
                any_newer = true;
                if collect {
                    newer.push(dep.file());
                }
            }
            if dep_newer {
                out_of_date = true;
            }
        }
        // A double-colon rule without prerequisites always runs.
        if !self.ev.db.file(id).double_colon().is_empty() && resolved.deps.is_empty() {
            out_of_date = true;
            if self.basic() {
                self.debug_line(id, 0, debug::walk::DOUBLE_COLON_ALONE);
            }
        }
        if !out_of_date && resolved.recipe.is_some() && self.peer_out_of_date(id)? {
            out_of_date = true;
        }
        if !out_of_date || resolved.recipe.is_none() {
            // An existing target without a recipe is updated only when a
            // prerequisite actually changed (was remade, or is missing):
            // one only newer than it leaves it as it is, and a missing
            // intermediate file made from it need not be made (GNU 4.4.1,
            // "No recipe for 'x' and no prerequisites actually changed").
            let counts = my_mtime.is_none()
                || phony
                || (any_newer && (self.always_make() || self.deps_changed(resolved)));
            if out_of_date && counts {
                // No recipe, but it counts as updated for its parents.
                self.nodes[id].remade = true;
                if self.basic() {
                    self.debug_line(id, 0, debug::walk::MUST_REMAKE);
                    self.debug_line(id, 0, debug::walk::REMADE);
                }
            } else if self.verbose() {
                self.debug_no_need(id);
            }
            return Ok(self.rule_finished(id));
        }
        self.start(id, resolved, newer)
    }

    /// Whether a prerequisite (not order-only) of `id` actually changed in
    /// this run: it was remade, or it does not exist.
    fn deps_changed(&mut self, resolved: &Resolved) -> bool {
        resolved
            .deps
            .iter()
            .filter(|d| !d.order_only)
            .any(|d| self.nodes[d.file()].remade || self.mtime_of(d.file()).is_none())
    }

    /// `--debug=v`: how prerequisite `dep` compares with the existing
    /// `id`: missing (remade or not), newer or older (GNU 4.4.1).
    fn debug_prerequisite(&mut self, id: FileId, dep: FileId, newer: bool) {
        let dep_name = diag::show(self.ev.db.file(dep).name).to_string();
        let text = if self.mtime_of(dep).is_none() {
            format!("Prerequisite '{dep_name}' of target '{{}}' does not exist.")
        } else {
            let word = if newer { "newer" } else { "older" };
            format!("Prerequisite '{dep_name}' is {word} than target '{{}}'.")
        };
        self.debug_line(id, 1, &text);
    }

    /// `dep` is an intermediate file that was remade (not only under
    /// `-n`) and still does not exist.
    fn made_missing(&mut self, dep: FileId) -> bool {
        let node = &self.nodes[dep];
        node.remade
            && !node.simulated
            && !self.ev.db.file(dep).phony
            && self.may_stay_missing(dep)
            && self.mtime_of(dep).is_none()
    }

    /// Notes which intermediate files among `id` and its grouped (`&:`)
    /// peers are there before their recipe runs: those stay afterwards,
    /// a peer too though make never walked to it (GNU 4.4.1).
    fn note_existing_intermediates(&mut self, id: FileId) {
        let peers = self.ev.db.file(id).rule.group().cloned();
        let others = peers
            .as_deref()
            .into_iter()
            .flatten()
            .copied()
            .filter(|&p| p != id);
        for p in std::iter::once(id).chain(others).collect::<Vec<_>>() {
            let untouched = p == id || !self.node(p).remade;
            // (Not one only looked at first, see `Node::checked_first`.)
            let checked_first = self.nodes[p].checked_first;
            if untouched
                && !checked_first
                && self.ev.db.file(p).intermediate
                && self.mtime_of(p).is_some()
            {
                self.nodes[p].existed = true;
            }
        }
    }

    /// `id`'s time; for a target of a grouped rule, the oldest of its
    /// group's (none if one is missing): one recipe makes them all, so
    /// what is newer than any of them is newer for each (in `$?` too).
    /// A target of a pattern rule with several targets has its siblings
    /// for a group only when it is looked at again, after its
    /// prerequisites' jobs (-j): GNU 4.4.1 knows them as its peers once
    /// its rule is found, but checks the peers as it starts to look at a
    /// file, before that search, so on a first look they do not count.
    fn group_mtime(&mut self, id: FileId) -> Option<Mtime> {
        let mine = self.mtime_of(id)?;
        let siblings = match self.nodes[id].considered_again {
            true => self.nodes[id]
                .resolved
                .as_ref()
                .map(|r| r.siblings().to_vec()),
            false => None,
        };
        let group = self.ev.db.file(id).rule.group().map(|g| g.to_vec());
        group
            .into_iter()
            .chain(siblings)
            .flatten()
            .filter(|&p| p != id)
            .try_fold(mine, |oldest, p| Some(oldest.min(self.mtime_of(p)?)))
    }

    /// Whether prerequisite `dep` makes a target with `my_mtime` out of date.
    /// An archive member's time has whole seconds only: a comparison with
    /// one (as target or prerequisite, `member_target`) ignores the rest.
    fn dep_is_newer(&mut self, dep: FileId, my_mtime: Option<Mtime>, member_target: bool) -> bool {
        let dep_mtime = self.mtime_of(dep);
        let coarse = member_target || crate::archive::is_member(self.ev.db.file(dep).name);
        match (dep_mtime, my_mtime) {
            _ if self.old_files.contains(&dep) => false,
            _ if self.nodes[dep].remade && self.ev.db.file(dep).phony => true,
            // -W makes a file new, except for makefiles after a restart
            // (or make would restart forever).
            _ if self.is_new_file(dep) && !self.restarted_makefiles_phase() => true,
            // A member just put into an archive counts as new, whatever
            // date `ar` recorded (deterministic archives record 0).
            _ if self.nodes[dep].remade && crate::archive::is_member(self.ev.db.file(dep).name) => {
                true
            }
            (None, _) => self.nodes[dep].remade,
            // Under -n a prerequisite whose recipe would have run counts as
            // updated, though its file did not change.
            _ if self.nodes[dep].remade && self.nodes[dep].simulated => true,
            (Some(_), None) => true,
            (Some(d), Some(m)) => d.newer_than(m, coarse),
        }
    }

    /// Whether `-W` names `id`, by its name or by the name vpath found
    /// for it (`-W dir/x` with `VPATH = dir`).
    fn is_new_file(&self, id: FileId) -> bool {
        if self.new_files.contains(&id) {
            return true;
        }
        let Some(path) = self.nodes.get(id.index()).and_then(Node::path) else {
            return false;
        };
        let path = crate::read::rule_line::normalize_name(path);
        self.new_files
            .iter()
            .any(|&f| *self.ev.db.file(f).name == *path)
    }

    /// Another target of `id`'s grouped rule is missing or older than one
    /// of its prerequisites: the recipe that makes them all must run.
    fn peer_out_of_date(&mut self, id: FileId) -> Result<bool> {
        let Some(group) = self.ev.db.file(id).rule.group().cloned() else {
            return Ok(false);
        };
        for &peer in group.iter().filter(|&&p| p != id) {
            let Some(peer_mtime) = self.mtime_of(peer) else {
                return Ok(true);
            };
            for dep in self.expanded_deps(peer)? {
                if dep.order_only {
                    continue;
                }
                let newer = match self.mtime_of(dep.file()) {
                    Some(m) => m > peer_mtime,
                    None => self.nodes[dep.file()].remade,
                };
                if newer {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Whether `id`, its other prerequisites all up to date, must be
    /// remade, and so its missing intermediate prerequisites made: it is
    /// out of date anyway, or something those are made from is newer.
    pub(super) fn deferred_needed(&mut self, id: FileId, deferred: &[FileId]) -> Result<bool> {
        let Some(mine) = self.mtime_of(id) else {
            return Ok(true);
        };
        // Under -B every target is out of date: an existing `prog` needs
        // its missing `prog.o` made before it is linked.
        if self.ev.db.file(id).phony || self.always_make() {
            return Ok(true);
        }
        // A missing grouped peer: the group's recipe runs, so what it is
        // made from must be there (GNU 4.4.1 says there is no rule for a
        // missing secondary prerequisite then).
        if self.peer_out_of_date(id)? {
            return Ok(true);
        }
        let member_target = crate::archive::is_member(self.ev.db.file(id).name);
        let resolved = self.nodes[id].resolved.clone().expect("resolved above");
        // (A prerequisite that failed, -k going on, and is missing counts
        // as newer. An intermediate one made already and still missing,
        // as for a makefile, does not: it is not newer, see `decide`.)
        let others_newer = resolved
            .deps
            .iter()
            .filter(|d| !d.order_only && !deferred.contains(&d.file()))
            .any(|d| {
                (self.dep_is_newer(d.file(), Some(mine), member_target)
                    && (self.always_make() || !self.made_missing(d.file())))
                    || (self.nodes[d.file()].status == Status::Failed
                        && self.mtime_of(d.file()).is_none())
            });
        Ok(others_newer
            || deferred
                .iter()
                .any(|&d| self.chain_changed(d, mine, member_target, 0)))
    }

    /// Whether the existing `id`, some of its prerequisites still being
    /// made (-j), is known to be out of date already, so that its missing
    /// intermediate prerequisites (`deferred`) are needed whatever those
    /// do: one walked is phony, missing (being made, it will be new) or
    /// newer than `id`, or a missing intermediate one is made from such a
    /// file (GNU 4.4.1 makes them then, while the others run). One that
    /// exists and is being made does not count: remade, it may stay as old.
    pub(super) fn out_of_date_already(&mut self, id: FileId, deferred: &[FileId]) -> bool {
        let Some(mine) = self.mtime_of(id) else {
            return true;
        };
        if self.ev.db.file(id).phony || self.always_make() {
            return true;
        }
        let member_target = crate::archive::is_member(self.ev.db.file(id).name);
        let resolved = self.nodes[id].resolved.clone().expect("resolved above");
        // (Those the walk did not come to yet, after a `.WAIT`, are not
        // looked at.)
        let walked = resolved.deps.iter().filter(|d| {
            !d.order_only
                && !deferred.contains(&d.file())
                && self
                    .nodes
                    .get(d.file().index())
                    .is_some_and(|n| n.status != Status::New)
        });
        for d in walked.map(|d| d.file()).collect::<Vec<_>>() {
            let being_made_missing = self.mtime_of(d).is_none()
                && !self.may_stay_missing(d)
                && !self.old_files.contains(&d);
            if self.ev.db.file(d).phony
                || being_made_missing
                || self.dep_is_newer(d, Some(mine), member_target)
            {
                return true;
            }
        }
        deferred
            .iter()
            .any(|&d| self.chain_changed(d, mine, member_target, 0))
    }

    /// Intermediate and secondary files need not exist while what they are
    /// made from is older than what needs them.
    pub(super) fn may_stay_missing(&self, id: FileId) -> bool {
        let file = self.ev.db.file(id);
        let db = &self.ev.db;
        // Naming the file in .INTERMEDIATE or .SECONDARY beats a general
        // or pattern .NOTINTERMEDIATE.
        if (file.intermediate || file.secondary) && !file.notintermediate {
            return true;
        }
        let chained = self.nodes.get(id.index()).is_some_and(|n| n.intermediate);
        // A pattern names the files implicit-rule chains make, which the
        // makefile does not mention: under `.SECONDARY:` a file it mentions
        // may stay missing though it matches (GNU 4.4.1).
        // A target only as an implicit rule made it is not mentioned.
        let mentioned = (file.is_target && !file.implicit_target)
            || file.is_prerequisite
            || file.pattern_prerequisite;
        let notintermediate = file.notintermediate
            || db.notintermediate_all
            || (!mentioned
                && db
                    .notintermediate_patterns
                    .iter()
                    .any(|p| p.match_stem(file.name).is_some()));
        // A chained file is one no .NOTINTERMEDIATE of its own keeps from
        // being intermediate (see `Planner::may_be_adopted`).
        (chained && !file.notintermediate) || (db.secondary_all && !notintermediate)
    }

    /// The missing intermediate `dep` would be remade (and be newer than
    /// `limit`): something it is made from was remade or is newer.
    /// `coarse`: the target is an archive member (whole seconds).
    pub(super) fn chain_changed(
        &mut self,
        dep: FileId,
        limit: Mtime,
        coarse: bool,
        depth: usize,
    ) -> bool {
        if depth > 32 {
            return true;
        }
        let Some(resolved) = self.nodes[dep].resolved.clone() else {
            return true;
        };
        // A pattern sibling's prerequisites are walked only once the file
        // is made: they do not ask for it to be (GNU 4.4.1, 4.3).
        resolved
            .deps
            .iter()
            .filter(|d| !d.order_only && !d.sibling)
            .any(|d| match self.mtime_of(d.file()) {
                // A file remade counts by its time now, as GNU has it (one
                // whose recipe left it alone, or that has none, did not
                // change); under -n by its recipe, which would have run.
                // One still missing that may stay so (`.SECONDARY:`) is
                // looked at as if not remade (GNU 4.4.1, 4.3).
                m if self.nodes[d.file()].remade
                    && self.counts_as_new(d.file(), m)
                    && !(m.is_none() && self.may_stay_missing(d.file())) =>
                {
                    true
                }
                // `-W FILE`: newer than anything; `-o FILE`: older.
                _ if self.old_files.contains(&d.file()) => false,
                _ if self.is_new_file(d.file()) && !self.restarted_makefiles_phase() => true,
                // One only looked at so far (see `only_checked`) would be
                // remade if what it is made from is newer.
                Some(m) => {
                    m.newer_than(limit, coarse)
                        || (self.nodes[d.file()].checked_only
                            && self.chain_changed(d.file(), limit, coarse, depth + 1))
                }
                None => {
                    !self.may_stay_missing(d.file())
                        || self.chain_changed(d.file(), limit, coarse, depth + 1)
                }
            })
    }

    /// Whether `id`, remade, is new whatever its time `now`: it is missing,
    /// phony, an archive member (see `dep_is_newer`), or its recipe was
    /// only printed (-n).
    fn counts_as_new(&self, id: FileId, now: Option<Mtime>) -> bool {
        now.is_none()
            || self.nodes[id].simulated
            || self.ev.db.file(id).phony
            || crate::archive::is_member(self.ev.db.file(id).name)
    }
}
