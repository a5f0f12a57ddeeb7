//! The walk: depth-first over each goal's prerequisites in GNU's order,
//! resumable (a file whose prerequisites are still running is `Pending` and
//! revisited on the next pass). It owns the order prerequisites are made in
//! (`.WAIT`, `.NOTPARALLEL`, `--shuffle`'s order), cycles, missing files
//! with no rule, and the deferral of missing intermediate files; what a
//! file's rule is, whether it is out of date and how its job starts are
//! asked of `resolve`, `decide` and `jobs`.

use std::rc::Rc;

use super::seams::{FileTimes, Jobs};
use super::{Node, Planner, Status};
use crate::diag::{self, Result};
use crate::rules::{Dep, FileId};
use crate::trace::debug;

impl<'e, J: Jobs, T: FileTimes> Planner<'e, J, T> {
    /// Updates `id`, returning where it stands.
    pub(super) fn update(&mut self, id: FileId, parent: Option<FileId>) -> Result<Status> {
        // (Not by a circular dependency, which is dropped.)
        if self.status(id) != Status::Visiting {
            self.dont_care.needed(id, parent);
        }
        match self.status(id) {
            Status::Failed if self.failed_quietly(id) => {
                // A missing intermediate file that failed before is met as
                // one whose making waits would be: quietly.
                let deferrable = self.may_stay_missing(id) && self.mtime_of(id).is_none();
                return self.met_quiet_failure(id, parent, deferrable);
            }
            Status::Done | Status::Failed => {
                if self.verbose() {
                    self.debug_pruning(id);
                }
                return Ok(self.nodes[id].status);
            }
            Status::Running => return Ok(Status::Running),
            Status::Visiting => return Ok(Status::Visiting),
            Status::New if self.old_files.contains(&id) => return Ok(self.assume_old(id)),
            Status::New | Status::Pending => {}
        }
        // GNU looks at a grouped target's peers' lists again each time it
        // comes back to the target.
        let revisit = self.nodes[id].status == Status::Pending;
        self.nodes[id].checked_only = false;
        self.enter(id, parent, false)?;
        if revisit {
            self.nodes[id].considered_again = true;
            self.nodes[id].peers_taken = 0;
            self.nodes[id].peer_pos = 0;
            self.peer_stops.remove(&id);
        }
        let resolved = self.nodes[id].resolved.clone().expect("resolved above");
        if resolved.recipe.is_none() && resolved.deps.is_empty() && !self.is_target(id) {
            // A plain file with no rule: it must exist. (An intermediate
            // one too, made at last as what needs it must be remade.)
            return self.leaf(id, parent);
        }
        // The peers' prerequisites are made alongside its own (with -j,
        // while those run), with -k even when one of its own failed, as
        // GNU does; each time some are added, they are walked.
        // How many peers' lists the walk has entered.
        let mut entered = 0;
        let walk = loop {
            let walk = self.walk_prereqs(id, false)?;
            if walk.failed && !self.ev.invocation.options.keep_going {
                // A recipe that failed stops make at once; one found out
                // of date (-q), or one that failed quietly (for an
                // optional makefile), lets the other peers' lists be
                // looked at.
                if !walk.failed_as_error || !self.stopping {
                    self.peers_after_failure(id, entered)?;
                }
                break walk;
            }
            // A recipe failed meanwhile (a job of this walk, reaped): make
            // stops, and the peers' lists are not looked at.
            if self.halting() {
                break walk;
            }
            match self.add_peer_prereqs(id, walk.pending)? {
                Some(n) => entered = n,
                None => break walk,
            }
        };
        // Made by its group's recipe during the walk: GNU makes it again
        // (see `update_deferred` for the exception).
        self.made_while_visiting.remove(&id);
        // A job for its group started during the walk (with -j): `id` is
        // in the making, as in GNU, and settles when that job ends.
        if self.made_by_running_job.contains(&id) {
            self.nodes[id].status = Status::Running;
            return Ok(Status::Running);
        }
        // With -k, or when -q found a prerequisite out of date, a target
        // whose prerequisites failed still has its missing intermediate
        // ones made if it would need them, as GNU does, before it is said
        // not to be remade.
        // So does one remade as a makefile that may fail quietly: a quiet
        // failure does not stop make (GNU 4.4.1 and 4.3).
        let failed_anyway = walk.failed
            && !walk.pending
            && (self.ev.invocation.options.keep_going
                || (self.question() && !walk.failed_as_error)
                || (self.makefiles_phase && self.dont_care.contains(id) && !self.stopping))
            && !walk.deferred.is_empty()
            && self.deferred_needed(id, &walk.deferred)?;
        let early = self.intermediates_early(id, &walk);
        if !failed_anyway && !early {
            if let Some(settled) = self.unsettled(id, parent, &walk) {
                return self.then_next_rule(id, parent, settled);
            }
        }
        // A grouped target whose deferred walk is done (see `walk_prereqs`)
        // was found to need remaking then: its missing intermediate files
        // are made after its peers' lists are walked, so not one a peer's
        // list took from it (`o d.o &: d` with `d.o: x`, `x` secondary and
        // `d.o` made for `d`: GNU 4.4.1 never looks at `x`).
        let needed_before = self.nodes[id].prereqs_checked;
        if failed_anyway
            || early
            || (!walk.deferred.is_empty()
                && (needed_before || self.deferred_needed(id, &walk.deferred)?))
        {
            // Something needs remaking: now the intermediate files are made.
            self.nodes[id].remaking = true;
            let mut made = Walk {
                failed: walk.failed,
                failed_as_error: walk.failed_as_error,
                pending: walk.pending,
                ..Walk::default()
            };
            let resolved = self.nodes[id].resolved.clone().expect("resolved above");
            // (Failed before only as -q's out of date, when it goes on.)
            let mut one_failed = false;
            // After a quiet failure (an optional makefile's, without -k)
            // the making of them goes on past one only while it is still
            // running: once one is settled (at -j1 its job has ended as
            // it returns, or it needed none), the rest are not made (GNU
            // 4.4.1 and 4.3; with -j2 all are started).
            let one_settled_ends = walk.failed
                && !self.ev.invocation.options.keep_going
                && self.makefiles_phase
                && self.dont_care.contains(id);
            for &d in &walk.deferred {
                if resolved.not_made_for_it(d) {
                    // A grouped peer's or pattern sibling's list gave it:
                    // GNU makes only the target's own intermediate files.
                    continue;
                }
                // As for the other prerequisites: without -k, a failure
                // (this target's or another's) ends the making of the rest.
                if self.halting() || (one_failed && !self.ev.invocation.options.keep_going) {
                    made.pending |= !made.failed;
                    break;
                }
                self.depth += 1;
                let st = self.update(d, Some(id));
                self.depth -= 1;
                match st? {
                    Status::Failed => {
                        one_failed = true;
                        made.failed_with(self.nodes[d].out_of_date);
                    }
                    Status::Done if one_settled_ends => break,
                    Status::Done => {}
                    _ => made.pending = true,
                }
            }
            if let Some(settled) = self.unsettled(id, parent, &made) {
                return self.then_next_rule(id, parent, settled);
            }
        }
        let resolved = self.nodes[id].resolved.clone().expect("resolved above");
        if resolved.recipe.is_none() && !self.is_target(id) && !self.nodes[id].intermediate {
            // Its prerequisites were its own `.EXTRA_PREREQS` only (a
            // target-specific value): made, yet it has no rule, so it must
            // exist (GNU 4.4.1).
            return self.leaf(id, parent);
        }
        if self.verbose() {
            self.debug_line(id, 0, debug::walk::FINISHED_PREREQUISITES);
        }
        match self.decide(id, &resolved)? {
            // On to the next double-colon rule (none once make is stopping:
            // the recipe was not started, see `start`).
            Status::Pending if !self.halting() => self.update(id, parent),
            st => Ok(st),
        }
    }

    /// The first visit of `id` (its rule is resolved), or a revisit; it is
    /// `Visiting` afterwards.
    fn enter(&mut self, id: FileId, parent: Option<FileId>, deferred: bool) -> Result<()> {
        let first_visit = self.nodes[id].status == Status::New;
        self.nodes[id].status = Status::Visiting;
        if first_visit {
            let later_rule = parent.is_some_and(|p| self.nodes[p].double_colon_rule > 0)
                || (parent.is_none() && self.nodes[id].double_colon_rule > 0);
            self.dont_care.entered(id, parent, deferred, later_rule);
            // A walk never nests four billion deep: its stack would give out first.
            self.nodes[id].depth = self.depth as u32;
            if deferred && self.basic() {
                self.nodes[id].unannounced = true;
            } else {
                self.announce(id);
            }
            if let Some(p) = parent {
                self.inherit_pretending(id, p);
                let scope = self.scope_for(p);
                // Most files inherit nothing: no allocation for them.
                if !scope.is_empty() {
                    self.nodes[id].inherited = Some(Rc::new(scope));
                }
            }
        }
        if !first_visit && !deferred {
            self.dont_care.tried(id, parent);
        }
        if !first_visit && !deferred && self.nodes[id].unannounced {
            self.nodes[id].unannounced = false;
            self.announce(id);
        } else if !first_visit && self.nodes[id].resolved.is_none() {
            // The next double-colon rule: considered anew (GNU 4.4.1).
            self.announce(id);
        }
        // Resolved on the first visit, and again for each double-colon rule.
        if self.nodes[id].resolved.is_none() {
            if let Err(e) = self.resolve(id, parent) {
                self.nodes[id].status = Status::Failed;
                return Err(e);
            }
        }
        Ok(())
    }

    /// While makefiles are remade, -n, -t and -q apply to one that is a goal
    /// too, and so to what is made for it: its prerequisites' recipes are
    /// shown (or they are touched), not run (GNU 4.4.1 and 4.3).
    fn inherit_pretending(&mut self, id: FileId, parent: FileId) {
        if !self.makefiles_phase {
            return;
        }
        if self.dry_run_makefiles.contains(&parent) && !self.dry_run_makefiles.contains(&id) {
            self.dry_run_makefiles.push(id);
        }
        if self.touch_makefiles.contains(&parent) && !self.touch_makefiles.contains(&id) {
            self.touch_makefiles.push(id);
        }
        if self.question_makefiles.contains(&parent) && !self.question_makefiles.contains(&id) {
            self.question_makefiles.push(id);
        }
    }

    /// After the makefiles are remade, a required makefile that -q found
    /// out of date (and what it found so for it) failed only as a question
    /// does: no "Failed to remake makefile", and the goals' walk asks about
    /// it anew, so `make -q Makefile` answers "out of date" and later goals
    /// are still looked at (GNU 4.4.1 and 4.3). An optional one stays
    /// failed (see `settle_without_job`).
    pub fn unsettle_questioned_makefiles(&mut self) {
        for i in 0..self.question_makefiles.len() {
            let id = self.question_makefiles[i];
            if self.has_failed(id) && !self.dont_care.contains(id) {
                self.nodes[id] = Node::default();
            }
        }
    }

    /// `--debug`: the walk comes to `id` ("Considering", and whether
    /// it exists: a phony target never does, for GNU).
    fn announce(&mut self, id: FileId) {
        if self.verbose() {
            self.debug_line(id, 0, debug::walk::CONSIDERING);
        }
        if self.basic() && (self.ev.db.file(id).phony || self.mtime_of(id).is_none()) {
            self.debug_line(id, 1, debug::walk::DOES_NOT_EXIST);
        }
    }

    /// After a walk: `Some` status when `id` cannot be decided yet
    /// (prerequisites still running) or failed through a prerequisite.
    fn unsettled(&mut self, id: FileId, parent: Option<FileId>, walk: &Walk) -> Option<Status> {
        // Prerequisites still running come first: with -k a failed one must
        // not end the target while its siblings are still being made.
        if walk.pending {
            self.nodes[id].status = Status::Pending;
            self.nodes[id].seen_pass = self.pass;
            return Some(Status::Pending);
        }
        if walk.failed {
            // A recipe that failed without -k stopped make there and then:
            // this target, waiting on it, was never tried, so it is no
            // intermediate file to delete (GNU 4.4.1 and 4.3, `rm c.c`,
            // not `rm c.c c.o`, as c.o's prerequisite c.c fails).
            if walk.failed_as_error && self.halting() {
                self.nodes[id].remaking = false;
            }
            // Unless make is stopping, it still says it looked at all it
            // could of the prerequisites, and gives the target up (GNU
            // 4.4.1 and 4.3, `--debug=v`, as under -q or -k).
            if self.verbose() && !self.halting() {
                self.debug_line(id, 0, debug::walk::FINISHED_PREREQUISITES);
                self.debug_line(id, 0, debug::walk::GIVING_UP);
            }
            // A makefile that failed gets "Failed to remake makefile" instead.
            // (Not under -q, where out of date is the answer, not an error,
            // nor under -n, where nothing was to be remade.)
            if self.ev.invocation.options.keep_going
                && parent.is_none()
                && !self.makefiles_phase
                && !self.question()
                && !self.ev.invocation.options.dry_run
            {
                let name = diag::show(self.ev.db.file(id).name).to_string();
                diag::warn(
                    None,
                    format_args!("Target '{name}' not remade because of errors."),
                );
            }
            if parent.is_none() {
                self.note_first_rule_failed(id);
            }
            return Some(self.rule_failed(id, !walk.failed_as_error));
        }
        None
    }

    /// After `unsettled`: a double-colon target whose rule failed under -k
    /// goes on to its next rule at once (it was moved there, unresolved).
    fn then_next_rule(
        &mut self,
        id: FileId,
        parent: Option<FileId>,
        settled: Status,
    ) -> Result<Status> {
        if settled == Status::Pending && self.nodes[id].resolved.is_none() && !self.halting() {
            return self.update(id, parent);
        }
        Ok(settled)
    }

    /// Updates the prerequisites of `id` (which is `Visiting`), in order;
    /// `.WAIT` holds back the rest until the earlier ones are done. A
    /// missing file that may stay missing (intermediate, secondary) only
    /// has its own prerequisites updated: whether it is made is decided once
    /// all of `id`'s prerequisites are. `own_only`: the walk of a missing
    /// intermediate file whose making waits, which leaves its pattern
    /// siblings' lists for when it is made (GNU walks those then only).
    fn walk_prereqs(&mut self, id: FileId, own_only: bool) -> Result<Walk> {
        self.walk_prereqs_from(id, own_only, 0)
    }

    /// `walk_prereqs`, the first `walked` of them walked already in this
    /// walk: GNU goes on past a dropped circular prerequisite, so those
    /// are met again quietly.
    fn walk_prereqs_from(&mut self, id: FileId, own_only: bool, walked: usize) -> Result<Walk> {
        let resolved = self.nodes[id].resolved.clone().expect("resolved above");
        let mut walk = Walk::default();
        let serial = self.ev.db.not_parallel || self.listed_not_parallel(id);
        for k in 0..resolved.deps.len() {
            let i = resolved.made_at(k);
            let dep = &resolved.deps[i];
            if own_only && dep.sibling {
                continue;
            }
            if dep.sibling && self.dropped_from_siblings(&resolved, dep.file()) {
                continue;
            }
            if dep.wait_before && walk.pending {
                break;
            }
            if self.stopping && !self.ev.invocation.options.keep_going {
                walk.pending = true;
                break;
            }
            let mut deferred = self.deferrable(dep.file());
            // Made now, for `id`, which needs remaking; but not one only a
            // grouped peer's or pattern sibling's list gives it (see
            // `update`): GNU 4.4.1 makes only the target's own. A grouped
            // target's are made once its peers' lists are walked (see
            // `update`).
            if deferred
                && !own_only
                && self.nodes[id].prereqs_checked
                && self.ev.db.file(id).rule.group().is_none()
                && !resolved.not_made_for_it(dep.file())
            {
                deferred = false;
                self.nodes[id].remaking = true;
            }
            let checked = own_only && !deferred && self.only_checked(dep.file());
            self.depth += 1;
            self.rewalking = k < walked;
            let st = if checked {
                self.check_only(dep.file(), id)
            } else if !own_only && self.checked_for_me(dep.file(), id) {
                Ok(Status::Done)
            } else if self.seen_this_pass(dep.file()) {
                Ok(Status::Pending)
            } else if deferred {
                self.update_deferred_for(dep.file(), id, own_only)
            } else {
                self.update(dep.file(), Some(id))
            };
            self.rewalking = false;
            self.depth -= 1;
            // A grouped peer's walk may have dropped one of `id`'s
            // prerequisites meanwhile: the walk goes on with the list as
            // it is now.
            let current = self.nodes[id].resolved.clone().expect("resolved above");
            let changed = !Rc::ptr_eq(&resolved, &current);
            let st = st?;
            match st {
                Status::Visiting => {
                    // The listing walked, of those the list has now.
                    let nth = nth_listing(&resolved.deps[..=i], dep.file());
                    self.drop_circular(id, id, dep.file(), nth);
                    let at = if changed {
                        nth_position(&current.deps, dep.file(), nth)
                    } else {
                        Some(i)
                    };
                    if let Some(at) = at {
                        if dep.sibling && at > 0 && current.deps[at - 1].sibling {
                            let before = current.deps[at - 1].file();
                            self.drop_from_sibling_chain(&current, before, dep.file())?;
                        }
                        let mut r = (*current).clone();
                        r.drop_dep(at);
                        self.nodes[id].resolved = Some(Rc::new(r));
                    }
                    if !dep.sibling && !resolved.hidden().contains(&dep.file()) {
                        self.drop_from_peer_copies(id, dep.file())?;
                    }
                    return self.walk_prereqs_from(id, own_only, k);
                }
                // Without -k a failed prerequisite ends the walk, whatever a
                // grouped peer's walk dropped from the list meanwhile (the
                // failed one too): `id` is given up on (GNU 4.4.1).
                _ if changed && (st != Status::Failed || self.ev.invocation.options.keep_going) => {
                    let stale = self.walk_unlinked(id, &resolved, &current, i)?;
                    let mut rest = self.walk_prereqs(id, own_only)?;
                    rest.merge(stale);
                    // With -k, a prerequisite that failed as the list
                    // changed (a grouped peer's failed recipe, run for it)
                    // still fails `id`: GNU says `id` is not remade.
                    if st == Status::Failed {
                        rest.failed_with(self.nodes[dep.file()].out_of_date);
                    }
                    return Ok(rest);
                }
                Status::Failed => {
                    walk.failed_with(self.nodes[dep.file()].out_of_date);
                    // Without -k nothing more is tried for this target,
                    // but its missing intermediate files, after -q found
                    // one out of date.
                    if !self.ev.invocation.options.keep_going {
                        if self.question() && !walk.failed_as_error {
                            self.defer_the_rest(&resolved, k + 1, &mut walk);
                        }
                        break;
                    }
                }
                Status::Done => {}
                _ => walk.pending = true,
            }
            if deferred && !walk.deferred.contains(&dep.file()) {
                walk.deferred.push(dep.file());
            }
            if serial && walk.pending {
                break;
            }
        }
        Ok(walk)
    }

    /// Whether `file`, in the making, which a pattern sibling's list gave
    /// `resolved`, is gone from every sibling's list by now: dropped as
    /// circular by the sibling's own walk (`a.o` of `%.o %.x: %.o` made
    /// for `a.x` drops `a.x` of `%.o: %.x`). GNU walks the siblings' lists
    /// as they are, so it is not met again.
    fn dropped_from_siblings(&self, resolved: &super::Resolved, file: FileId) -> bool {
        let visiting = self
            .nodes
            .get(file.index())
            .is_some_and(|n| n.status == Status::Visiting);
        visiting
            && resolved.siblings().iter().all(|&s| {
                let list = self.nodes.get(s.index()).and_then(|n| n.resolved.as_ref());
                list.is_some_and(|r| !r.deps.iter().any(|d| !d.sibling && d.file() == file))
            })
    }

    /// The missing intermediate files among `resolved`'s prerequisites
    /// from the `from`-th on (in the order they are made), which the walk
    /// stopped before: they wait with the others, to be made if the
    /// target needs them (GNU 4.4.1 under -q).
    fn defer_the_rest(&mut self, resolved: &super::Resolved, from: usize, walk: &mut Walk) {
        for k in from..resolved.deps.len() {
            let dep = resolved.deps[resolved.made_at(k)].file();
            if self.deferrable(dep) && !walk.deferred.contains(&dep) {
                walk.deferred.push(dep);
            }
        }
    }

    /// GNU walks a list as linked: when a grouped peer's walk dropped the
    /// listing of `id`'s list that `id`'s walk stands on (at `at` of
    /// `old`), and those right after it, the walk goes on through them as
    /// they were linked, up to the first still listed (`now`). Each is
    /// made as usual; one in the making is said to be circular once more
    /// (it is out of the list already). Not for a `--shuffle` order.
    fn walk_unlinked(
        &mut self,
        id: FileId,
        old: &super::Resolved,
        now: &super::Resolved,
        at: usize,
    ) -> Result<Walk> {
        let mut walk = Walk::default();
        if old.more().order.len() == old.deps.len() && !old.deps.is_empty() {
            return Ok(walk);
        }
        let kept = kept_listings(&old.deps, &now.deps);
        if kept[at] {
            return Ok(walk);
        }
        for (dep, &kept) in old.deps.iter().zip(&kept).skip(at + 1) {
            if kept || (walk.failed && !self.ev.invocation.options.keep_going) {
                break;
            }
            let dep = dep.file();
            self.depth += 1;
            let st = self.update(dep, Some(id));
            self.depth -= 1;
            match st? {
                Status::Visiting => self.report_circular(id, dep),
                Status::Failed => walk.failed_with(self.nodes[dep].out_of_date),
                Status::Done => {}
                _ => walk.pending = true,
            }
        }
        Ok(walk)
    }

    /// `id`, being made, found `dep` of `list`'s prerequisites (its own or
    /// a grouped peer's) in the making: the dependency is circular, and
    /// that listing of it (the `nth` of those the list has now) is dropped
    /// from the list for good, as GNU unlinks it.
    pub(super) fn drop_circular(&mut self, id: FileId, list: FileId, dep: FileId, nth: u32) {
        self.report_circular(id, dep);
        self.record_dropped(list, dep, nth);
    }

    /// Notes that the `nth` listing of `dep` that `list` has now is gone.
    pub(super) fn record_dropped(&mut self, list: FileId, dep: FileId, nth: u32) {
        let dropped = self.circular_dropped.entry((list, dep)).or_default();
        // The listing as written: the `nth` of those not dropped yet.
        let written = (1..)
            .filter(|o| !dropped.contains(o))
            .nth(nth.saturating_sub(1) as usize)
            .expect("unbounded");
        dropped.push(written);
    }

    /// `id` waits for its prerequisites and was looked at in this pass
    /// over the goals already: GNU prunes it.
    pub(super) fn seen_this_pass(&self, id: FileId) -> bool {
        let node = &self.nodes[id];
        let seen = node.status == Status::Pending && node.seen_pass == self.pass;
        if seen && self.verbose() {
            self.debug_pruning(id);
        }
        seen
    }

    /// `--debug=v`: `id`, met again where the walk is now, is not looked
    /// at again.
    fn debug_pruning(&self, id: FileId) {
        if self.rewalking {
            return;
        }
        let name = diag::show(self.ev.db.file(id).name).to_string();
        let text = debug::walk::PRUNING.replace("{}", &name);
        debug::line(self.indent(self.depth), format_args!("{text}"));
    }

    /// Says that `id`, being made, found `dep` in the making.
    pub(super) fn report_circular(&self, id: FileId, dep: FileId) {
        let me = diag::show(self.ev.db.file(id).name).to_string();
        let other = diag::show(self.ev.db.file(dep).name).to_string();
        diag::warn(
            None,
            format_args!("Circular {me} <- {other} dependency dropped."),
        );
    }

    /// One rule of `id` is done: a double-colon target moves on to its next
    /// rule (`Pending`); otherwise the file is `Done` (`Failed` if, with
    /// -k, an earlier double-colon rule failed).
    pub(super) fn rule_finished(&mut self, id: FileId) -> Status {
        if self.next_double_colon_rule(id) {
            return Status::Pending;
        }
        // An earlier double-colon rule remade the file (each rule is judged
        // by its time before the first ran): what needs it now sees its new
        // time, even when the last rule had nothing to do.
        if self.nodes[id].remade && self.ev.db.file(id).double_colon().len() > 1 {
            self.ev.fs.invalidate(self.ev.db.file(id).name);
            self.forget_mtime(id);
        }
        let node = self.node(id);
        node.status = if node.double_colon_failed {
            Status::Failed
        } else {
            Status::Done
        };
        node.status
    }

    /// One rule of `id` failed (its recipe or a prerequisite): with -k a
    /// double-colon target still moves on to its next rule (`Pending`), as
    /// GNU tries each in turn; otherwise the file is `Failed`.
    /// `out_of_date`: it failed only as out of date (-q); the file did if
    /// each of its rules that failed did.
    pub(super) fn rule_failed(&mut self, id: FileId, out_of_date: bool) -> Status {
        let node = self.node(id);
        if !node.double_colon_failed {
            node.first_rule_out_of_date = out_of_date;
        }
        if node.double_colon_rule == 0 {
            node.first_rule_failed = true;
        }
        node.out_of_date = out_of_date && (!node.double_colon_failed || node.out_of_date);
        if self.ev.invocation.options.keep_going && self.next_double_colon_rule(id) {
            self.nodes[id].double_colon_failed = true;
            return Status::Pending;
        }
        self.node(id).status = Status::Failed;
        Status::Failed
    }

    /// Whether `id` is at its last rule: it has no double-colon rule after
    /// the one being worked on.
    pub(super) fn on_last_rule(&mut self, id: FileId) -> bool {
        let rules = self.ev.db.file(id).double_colon().len();
        (self.node(id).double_colon_rule as usize) + 1 >= rules
    }

    /// Moves `id` on to its next double-colon rule, if it has one: it is
    /// `Pending`, to be resolved anew.
    fn next_double_colon_rule(&mut self, id: FileId) -> bool {
        if self.on_last_rule(id) {
            return false;
        }
        let node = self.node(id);
        node.double_colon_rule += 1;
        node.resolved = None;
        node.status = Status::Pending;
        true
    }

    /// `.NOTPARALLEL: id`: the prerequisites of `id` are made one at a time.
    pub(super) fn listed_not_parallel(&self, id: FileId) -> bool {
        self.serial_targets.contains(&id)
    }

    /// Brings the prerequisites of the missing intermediate `id` up to date
    /// without deciding about `id` itself; `Done` when they all are.
    fn update_deferred(&mut self, id: FileId, parent: FileId) -> Result<Status> {
        if self.status(id) != Status::Visiting {
            self.dont_care.needed(id, Some(parent));
        }
        match self.status(id) {
            // Failed before (quietly too, for an optional makefile): made
            // (and failing again, said then) only if needed.
            Status::Failed => return Ok(Status::Done),
            Status::Done | Status::Running => return Ok(self.nodes[id].status),
            Status::Visiting => return Ok(Status::Visiting),
            Status::New if self.old_files.contains(&id) => return Ok(self.assume_old(id)),
            Status::New | Status::Pending => {}
        }
        // It waited for its prerequisites when met in an earlier pass.
        let waited = match self.deferred_waiting.remove(&id) {
            Some(pass) => pass < self.pass,
            None => {
                let node = &self.nodes[id];
                node.status == Status::Pending && node.seen_pass != 0 && node.seen_pass < self.pass
            }
        };
        self.enter(id, Some(parent), true)?;
        self.dont_care.begin_deferred_walk();
        let walk = self.walk_prereqs(id, true);
        self.dont_care.end_deferred_walk();
        let walk = walk?;
        if let Some(status) = self.made_while_visiting.remove(&id) {
            // Its group's recipe ran for one of its prerequisites (under
            // -n, or one at a time): made already, as GNU finds it.
            self.nodes[id].status = status;
            return Ok(status);
        }
        if waited && !walk.pending && !walk.failed && self.needed_by(id, parent) {
            // Its prerequisites, still being made when it was first met,
            // are made now, and it is needed: GNU makes it at once, not
            // once the parent's other prerequisites are (which matters
            // with -j, while those run). It is made for `parent`, found
            // out of date by it: missing afterwards, it leaves `parent`
            // out of date, as one made with the deferred ones does (see
            // `decide`).
            self.nodes[parent].remaking = true;
            self.nodes[id].status = Status::Pending;
            return self.update(id, Some(parent));
        }
        if walk.failed && !walk.pending && self.ev.invocation.options.keep_going && !self.question()
        {
            // With -k it is looked at again if what needs it is to be
            // remade (given up on then, its siblings' lists walked), as GNU
            // does.
            self.nodes[id].status = Status::Pending;
            return Ok(Status::Failed);
        }
        if walk.failed && !walk.pending {
            // Under -q it failed as its prerequisites did: out of date
            // unless one failed through an error.
            let node = self.node(id);
            node.status = Status::Failed;
            node.out_of_date = !walk.failed_as_error;
            node.first_rule_out_of_date = node.out_of_date;
            return Ok(Status::Failed);
        }
        self.nodes[id].status = Status::Pending;
        if walk.pending {
            self.deferred_waiting.insert(id, self.pass);
        } else if !walk.failed {
            self.nodes[id].prereqs_checked = true;
        }
        Ok(if walk.pending || walk.failed {
            Status::Pending
        } else {
            Status::Done
        })
    }

    /// Whether `id`, met by the deferred walk of a missing intermediate
    /// file, is only looked at, not made: an existing intermediate or
    /// secondary file (.PRECIOUS does not count). GNU 4.4.1 and 4.3 make
    /// it, and what it is made from, only once the file that needs it is
    /// made; whether that is needed goes by what it is made from too (see
    /// `chain_changed`). GNU walks the prerequisites of one with a recipe
    /// of its own then, which `check_only` does not: such a file is only
    /// looked at when its prerequisites all exist (nothing to report).
    fn only_checked(&mut self, id: FileId) -> bool {
        let node = &self.nodes[id];
        if node.checked_only && node.status == Status::Pending {
            return true;
        }
        if self.status(id) != Status::New || self.old_files.contains(&id) {
            return false;
        }
        let file = self.ev.db.file(id);
        let own_prereqs_there = match (&file.rule.recipe, file.double_colon().is_empty()) {
            (None, true) => true,
            (Some(_), true) => file
                .rule
                .deps
                .clone()
                .iter()
                .all(|d| self.mtime_of(d.file()).is_some()),
            _ => false,
        };
        own_prereqs_there
            && !self.ev.db.file(id).phony
            && !self.also_made.contains(&id)
            && self.may_stay_missing(id)
            && self.mtime_of(id).is_some()
    }

    /// `update_deferred` for `id`'s walk: one of `id`'s own (not in a
    /// deferred walk already) notes `id` as the target its files only
    /// looked at are checked for (see `checked_for_me`).
    fn update_deferred_for(&mut self, dep: FileId, id: FileId, own_only: bool) -> Result<Status> {
        let outer = self.checking_for;
        if !own_only {
            self.checking_for = Some(id);
        }
        let st = self.update_deferred(dep, id);
        self.checking_for = outer;
        st
    }

    /// Whether `dep`, met by `id`'s own walk, was only looked at (with no
    /// recipe of its own, see `check_only`) by the deferred walk of an
    /// earlier prerequisite of `id`: GNU 4.4.1 and 4.3 pass over it then,
    /// so it is made (if at all) by that prerequisite, when that is made
    /// (not first, nor when nothing needs that one). Another target's walk
    /// makes it as usual. Only for one with no prerequisites: GNU's look
    /// at it checks what it is made from too, which `check_only` does not
    /// (so `chain_changed` would not know whether that changed).
    fn checked_for_me(&self, dep: FileId, id: FileId) -> bool {
        let node = &self.nodes[dep];
        node.checked_only
            && node.status == Status::Pending
            && node.checked_first
            && node.checked_for == Some(id)
            && node.resolved.as_ref().is_some_and(|r| r.deps.is_empty())
    }

    /// `only_checked`'s file: its rule is looked up (for `chain_changed`)
    /// and it waits, as one met for the first time, for `update`.
    fn check_only(&mut self, id: FileId, parent: FileId) -> Result<Status> {
        if self.status(id) == Status::New {
            self.nodes[id].checked_for = self.checking_for;
            self.dont_care.needed(id, Some(parent));
            self.enter(id, Some(parent), true)?;
            let node = self.node(id);
            node.status = Status::Pending;
            node.checked_only = true;
            // Its rule was searched for, which GNU counts against its
            // having been there; one with a recipe of its own kept it.
            let file = self.ev.db.file(id);
            let own_recipe = file.rule.recipe.is_some() || !file.double_colon().is_empty();
            self.nodes[id].checked_first = !own_recipe;
        }
        Ok(Status::Done)
    }

    /// The missing intermediate `id` would be remade for `parent`: the
    /// parent is missing, or something `id` is made from was remade or is
    /// newer than the parent.
    fn needed_by(&mut self, id: FileId, parent: FileId) -> bool {
        match self.mtime_of(parent) {
            None => true,
            Some(limit) => {
                let coarse = crate::archive::is_member(self.ev.db.file(parent).name);
                self.chain_changed(id, limit, coarse, 0)
            }
        }
    }

    /// `-o FILE`: FILE counts as made already, and old. Neither its rule
    /// nor its prerequisites are looked at, so nothing it needs is made, a
    /// missing FILE is no error, and a goal FILE gets "Nothing to be done"
    /// unless a rule of its own has a recipe (GNU 4.4.1, 4.3).
    fn assume_old(&mut self, id: FileId) -> Status {
        self.nodes[id].depth = self.depth as u32;
        if self.verbose() {
            self.debug_line(id, 0, debug::walk::CONSIDERING);
            self.debug_line(id, 0, debug::walk::CONSIDERED_ALREADY);
        }
        self.nodes[id].status = Status::Done;
        Status::Done
    }

    /// Whether `id`'s missing intermediate prerequisites are made now,
    /// while its other prerequisites still run (-j): `id` is known to be
    /// remade whatever those do (it is missing, being made, an
    /// intermediate file too; or see `out_of_date_already`), as GNU 4.4.1
    /// knows. (Under .NOTPARALLEL the others are not all started yet.)
    fn intermediates_early(&mut self, id: FileId, walk: &Walk) -> bool {
        walk.pending
            && !walk.failed
            && !walk.deferred.is_empty()
            && !self.ev.db.not_parallel
            && !self.listed_not_parallel(id)
            && self.out_of_date_already(id, &walk.deferred)
    }

    /// A prerequisite that is not made unless something needs it: a missing
    /// intermediate or secondary file not yet decided about.
    fn deferrable(&mut self, id: FileId) -> bool {
        // One that failed before (a goal with no rule, found since as a
        // prerequisite only the compatible search allows; an optional
        // makefile that could not be made) waits as any other: GNU does
        // not look at a missing intermediate file unless the target needs
        // it made.
        if !matches!(
            self.status(id),
            Status::New | Status::Pending | Status::Failed
        ) || self.ev.db.file(id).phony
        {
            return false;
        }
        self.may_stay_missing(id) && self.mtime_of(id).is_none()
    }

    /// Whether `id` is a target: of the makefile, or of a pattern rule
    /// found for another of its targets (`a.x` of `%.o %.x::%.x` found for
    /// `a.o`), which GNU 4.4.1 takes as made by that rule's recipe, not
    /// missing nor made by `.DEFAULT`.
    fn is_target(&self, id: FileId) -> bool {
        self.ev.db.file(id).is_target || self.also_made.contains(&id)
    }

    /// A file with no rule: fine if it exists, an error otherwise. One
    /// named by `-W` is taken as there (and new), as in GNU.
    fn leaf(&mut self, id: FileId, parent: Option<FileId>) -> Result<Status> {
        let exists = self.exists(id);
        let assumed = self.new_files.contains(&id);
        let dont_care = self.dont_care.contains(id);
        let phony = self.ev.db.file(id).phony;
        if dont_care && !exists && !assumed && !phony {
            // A missing optional makefile, or what one needs: it fails,
            // quietly, and so does what needs it (GNU does not run its
            // recipe). Only `--debug` says so, as GNU 4.4.1 does.
            if self.verbose() {
                self.debug_line(id, 0, debug::walk::FINISHED_PREREQUISITES);
            }
            if self.basic() {
                self.debug_line(id, 0, debug::walk::MUST_REMAKE);
                self.debug_line(id, 0, debug::walk::FAILED);
            }
            self.nodes[id].status = Status::Failed;
            return Ok(Status::Failed);
        }
        if phony {
            // Phony, it is remade, with nothing to run, as GNU says.
            if self.verbose() {
                self.debug_line(id, 0, debug::walk::FINISHED_PREREQUISITES);
            }
            if self.basic() {
                self.debug_line(id, 0, debug::walk::MUST_REMAKE);
                self.debug_line(id, 0, debug::walk::REMADE);
            }
            self.nodes[id].status = Status::Done;
            self.nodes[id].remade = true;
            return Ok(Status::Done);
        }
        if exists || assumed {
            if exists && self.verbose() {
                self.debug_line(id, 0, debug::walk::FINISHED_PREREQUISITES);
                self.debug_no_need(id);
            }
            self.nodes[id].status = Status::Done;
            return Ok(Status::Done);
        }
        // GNU finds it must be remade before it finds no way to.
        if self.verbose() {
            self.debug_line(id, 0, debug::walk::FINISHED_PREREQUISITES);
        }
        if self.basic() {
            self.debug_line(id, 0, debug::walk::MUST_REMAKE);
        }
        self.no_rule(id, parent)
    }

    /// `id` cannot be made: "No rule to make target", needed by `parent`;
    /// met as a goal, by what needed it last before, as GNU says it.
    fn no_rule(&mut self, id: FileId, parent: Option<FileId>) -> Result<Status> {
        let name = diag::show(self.ev.db.file(id).name).to_string();
        let message = match parent.or_else(|| self.dont_care.last_needed_by(id)) {
            Some(p) => format!(
                "No rule to make target '{}', needed by '{}'",
                name,
                diag::show(self.ev.db.file(p).name)
            ),
            None => format!("No rule to make target '{name}'"),
        };
        self.cannot_make(id, message)
    }

    /// `id` fails with `message` (said at once with -k, else as make stops).
    pub(super) fn cannot_make(&mut self, id: FileId, message: String) -> Result<Status> {
        self.nodes[id].status = Status::Failed;
        if self.ev.invocation.options.keep_going {
            let uncounted = self.dont_care.walk_failure_uncounted();
            self.failed |= !uncounted;
            self.said_uncounted |= uncounted;
            diag::error_line(format_args!("{message}."));
            if self.basic() {
                self.debug_line(id, 0, debug::walk::FAILED);
            }
            Ok(Status::Failed)
        } else {
            self.failed = true;
            // With jobs still running, GNU says `Stop.` all the same and
            // then waits for them.
            let first = !self.stopping;
            self.stopping = true;
            // (Not for a job whose command could not start: GNU has not
            // collected it yet, and never does.)
            if self.runner.alive() > 0 {
                diag::error_line(format_args!("{message}.  Stop."));
                if first {
                    diag::waiting_for_jobs();
                }
                Ok(Status::Failed)
            } else {
                Err(diag::Fatal::target_failure(message))
            }
        }
    }
}

/// What walking a target's prerequisites found.
#[derive(Default)]
struct Walk {
    /// Some are still being made.
    pending: bool,
    failed: bool,
    /// Some failed other than by being out of date under -q: the target
    /// failed as an error too (-q -k's status 2 rather than 1), whatever
    /// the order of its prerequisites.
    failed_as_error: bool,
    /// Missing intermediate files whose making waits until the target is
    /// known to need them.
    deferred: Vec<FileId>,
}

impl Walk {
    /// A prerequisite failed; `out_of_date`: only as out of date (-q).
    fn failed_with(&mut self, out_of_date: bool) {
        self.failed = true;
        self.failed_as_error |= !out_of_date;
    }

    /// What a walk of other prerequisites of the same target found too.
    fn merge(&mut self, other: Walk) {
        self.pending |= other.pending;
        self.failed |= other.failed;
        self.failed_as_error |= other.failed_as_error;
        for d in other.deferred {
            if !self.deferred.contains(&d) {
                self.deferred.push(d);
            }
        }
    }
}

/// Which of `old`'s listings `now` (`old` less some, maybe more at its
/// end) still has: matched in order.
pub(super) fn kept_listings(old: &[Dep], now: &[Dep]) -> Vec<bool> {
    let mut rest = now.iter().peekable();
    old.iter()
        .map(|d| {
            let kept = rest.peek().is_some_and(|n| n.file() == d.file());
            if kept {
                rest.next();
            }
            kept
        })
        .collect()
}

/// Which listing of `file` the last of `deps` is (1 for the first).
pub(super) fn nth_listing(deps: &[Dep], file: FileId) -> u32 {
    deps.iter().filter(|d| d.file() == file).count() as u32
}

/// Where the `nth` listing of `file` is in `deps`.
pub(super) fn nth_position(deps: &[Dep], file: FileId, nth: u32) -> Option<usize> {
    deps.iter()
        .enumerate()
        .filter(|(_, d)| d.file() == file)
        .nth(nth.checked_sub(1)? as usize)
        .map(|(at, _)| at)
}
