//! "Don't care" files: failing to remake an optional makefile (`-include`,
//! `sinclude`, MAKEFILES, a missing default name) is no error (GNU manual,
//! "Including Other Makefiles", "How Makefiles Are Remade"), and neither
//! is the failure of a file first tried for one: it fails quietly and make
//! goes on. Which files those are is settled as the walk goes, as in GNU:
//! the first goal a file is tried for decides, whatever rule (explicit or
//! implicit) led there.
//!
//! Such a file, met again (by a makefile whose failure counts, or by a
//! goal once the makefiles are remade), is not tried again: GNU says it
//! has no rule, naming the file whose own failure it was (its recipe
//! failed, or nothing could make it: following each failed file's first
//! failed prerequisite) and the target that one was last needed by; met
//! itself, that file says so once. This module owns those sets and that
//! message.
//!
//! What is walked beneath a missing intermediate file whose making waits
//! (`walk::update_deferred`) is not "don't care", as in GNU: a file with
//! no rule there, or a recipe failing there, is an error said as usual
//! (the intermediate files of a chain, deferred themselves, still fail
//! quietly, but not those of the chain of a file tried there). It stops make without -k; with -k make goes on, and the
//! exit status does not count it.

use rustc_hash::{FxHashMap, FxHashSet};

use super::seams::{FileTimes, Jobs};
use super::{Planner, Status};
use crate::diag::{self, Result};
use crate::rules::FileId;

/// Which files fail quietly, and what is said when they are met again.
#[derive(Default)]
pub struct DontCare {
    /// Whether each goal's failure is quiet (an optional makefile), by
    /// its place in the goal list (a makefile named twice may be both).
    quiet_goals: Vec<bool>,
    /// The goal being made, counted over the planner's runs, and whether
    /// its failure is quiet.
    walk: u32,
    walk_quiet: bool,
    /// Goals started in earlier runs (`walk` goes on from there).
    walks_before: u32,
    /// The files first tried for a goal whose failure is quiet.
    files: FxHashSet<FileId>,
    /// The target each file was last needed by, over the phases: "No rule
    /// to make target" names it, for a file met as a goal too (GNU 4.4.1
    /// keeps it with the file).
    needed_by: FxHashMap<FileId, FileId>,
    /// The files whose own failure was said: met again themselves, they
    /// say nothing more (what failed through them still does).
    said: FxHashSet<FileId>,
    /// How many deferred walks of missing intermediate files are under
    /// way (nested).
    deferred_walks: u32,
    /// The files first tried beneath such a walk for a quiet goal: their
    /// failure is said, but does not count for the exit status under -k.
    loud: FxHashSet<FileId>,
    /// The files first tried for a double-colon target's second rule or a
    /// later one (or beneath such a file) in a quiet walk: GNU keeps "don't
    /// care" with the first rule only, so their failure is an error.
    after_first_rule: FxHashSet<FileId>,
    /// A quiet goal's first double-colon rule that failed quietly, by
    /// goal: the file to blame for it, said once the goal's rules are done.
    first_rule_failed: FxHashMap<FileId, FileId>,
    /// Missing intermediate files first met, their making waiting (outside
    /// a deferred walk): not tried yet, so the goal they are first tried
    /// for decides (GNU 4.4.1: a `.SECONDARY` file a makefile that exists
    /// did not need, then needed by an `-include`d one), or, for a quiet
    /// goal, whether that is beneath a deferred walk (then said).
    untried: FxHashSet<FileId>,
}

impl DontCare {
    /// Goals whose failure is quiet where `quiet_goals` says so, by their
    /// place in the goal list (over all the runs of the planner).
    pub fn for_goals(quiet_goals: Vec<bool>) -> DontCare {
        DontCare {
            quiet_goals,
            ..DontCare::default()
        }
    }

    /// Whether a failure of `id` is quiet (it was first tried for an
    /// optional makefile).
    pub fn contains(&self, id: FileId) -> bool {
        !self.files.is_empty() && self.files.contains(&id)
    }

    /// The `index`-th goal of a run is being made.
    pub(super) fn start_goal(&mut self, index: usize) {
        self.walk = self.walks_before + index as u32;
        self.walk_quiet = self.quiet_goals.get(self.walk as usize) == Some(&true);
    }

    /// A run of `count` goals is over.
    pub(super) fn end_run(&mut self, count: usize) {
        self.walks_before += count as u32;
        self.walk_quiet = false;
    }

    /// `id` is tried for the first time, needed by `parent`; `deferred`:
    /// as a missing intermediate file whose making waits; `later_rule`:
    /// for the second double-colon rule of `parent` or a later one.
    pub(super) fn entered(
        &mut self,
        id: FileId,
        parent: Option<FileId>,
        deferred: bool,
        later_rule: bool,
    ) {
        if !self.walk_quiet {
            if deferred {
                self.untried.insert(id);
            }
            return;
        }
        if later_rule || parent.is_some_and(|p| self.after_first_rule.contains(&p)) {
            self.after_first_rule.insert(id);
            return;
        }
        // An intermediate file of the chain of a file tried there (a goal
        // `x.c` made by `%: %.p`, beneath `x.web`'s walk) is one too (GNU
        // 4.4.1 and 4.3).
        let loud_parent = parent.is_some_and(|p| self.loud.contains(&p));
        if self.in_deferred_walk() && (!deferred || loud_parent) {
            self.loud.insert(id);
        } else if deferred && !self.in_deferred_walk() {
            // Not tried yet: where it is first tried decides.
            self.untried.insert(id);
            self.needed(id, parent);
        } else {
            self.files.insert(id);
            self.needed(id, parent);
        }
    }

    /// `id`, met before only as a missing intermediate file whose making
    /// waited, is tried now (needed by `parent`).
    pub(super) fn tried(&mut self, id: FileId, parent: Option<FileId>) {
        if !self.untried.is_empty() && self.untried.remove(&id) {
            self.entered(id, parent, false, false);
        }
    }

    /// A deferred walk (of a missing intermediate file's prerequisites)
    /// begins.
    pub(super) fn begin_deferred_walk(&mut self) {
        self.deferred_walks += 1;
    }

    /// The deferred walk begun last ends.
    pub(super) fn end_deferred_walk(&mut self) {
        self.deferred_walks -= 1;
    }

    fn in_deferred_walk(&self) -> bool {
        self.deferred_walks > 0
    }

    /// Whether the failure of `id`'s recipe leaves the exit status alone
    /// under -k: `id` was first tried for a quiet goal beneath a deferred
    /// walk, or for a double-colon rule after the first (said, as in GNU
    /// 4.4.1 and 4.3, but make goes on to its goals and exits 0).
    pub(super) fn recipe_failure_uncounted(&self, id: FileId) -> bool {
        self.loud.contains(&id) || self.after_first_rule.contains(&id)
    }

    /// Whether a file met in the walk now that cannot be made leaves the
    /// exit status alone under -k: the walk is for a quiet goal (what
    /// fails loudly there is beneath a deferred walk).
    pub(super) fn walk_failure_uncounted(&self) -> bool {
        self.walk_quiet
    }

    /// `parent` needs `id` (each time it looks at it).
    pub(super) fn needed(&mut self, id: FileId, parent: Option<FileId>) {
        if let Some(p) = parent {
            self.needed_by.insert(id, p);
        }
    }

    /// The target `id` was last needed by, if any was.
    pub(super) fn last_needed_by(&self, id: FileId) -> Option<FileId> {
        self.needed_by.get(&id).copied()
    }

    /// What goes on to the next phase (the goals): the files that failed
    /// quietly, what every file was needed by, and which were said. The
    /// others start afresh there, where a failure is an error.
    pub(super) fn settled(self, failed: impl Fn(FileId) -> bool) -> DontCare {
        let files: FxHashSet<FileId> = self.files.into_iter().filter(|&f| failed(f)).collect();
        DontCare {
            files,
            needed_by: self.needed_by,
            said: self.said,
            ..DontCare::default()
        }
    }
}

impl<J: Jobs, T: FileTimes> Planner<'_, J, T> {
    /// `id` failed quietly before: it is not tried again.
    pub(super) fn failed_quietly(&self, id: FileId) -> bool {
        self.dont_care.contains(id) && self.nodes[id].status == Status::Failed
    }

    /// A quiet makefile goal of several double-colon rules failed quietly
    /// at its first: GNU goes on to each later rule, without "don't care",
    /// finds the file failed and says why, as for a makefile whose
    /// failure counts (`foo:: u` twice, `-include foo`: "No rule to make
    /// target 'u', needed by 'foo'"), still as no error under -k.
    pub(super) fn later_rules_of_quiet_goal(&mut self, goal: FileId) -> Result<Status> {
        let Some(root) = self.dont_care.first_rule_failed.remove(&goal) else {
            return Ok(self.nodes[goal].status);
        };
        self.dont_care.said.insert(root);
        // Once per later rule (with -k; without, the first stops make).
        let later_rules = self.ev.db.file(goal).double_colon().len() - 1;
        let mut st = Status::Failed;
        for _ in 0..later_rules {
            let message = self.no_rule_message(root);
            st = self.cannot_make(goal, message)?;
        }
        Ok(st)
    }

    /// The first double-colon rule of the goal `id` failed: for a quiet
    /// makefile goal of several rules, what to blame is noted (see
    /// `later_rules_of_quiet_goal`).
    pub(super) fn note_first_rule_failed(&mut self, id: FileId) {
        let quiet_goal = self.makefiles_phase
            && self.dont_care.walk_quiet
            && self.nodes[id].double_colon_rule == 0
            && self.ev.db.file(id).double_colon().len() > 1;
        if quiet_goal {
            let root = self.blamed(id);
            self.dont_care.first_rule_failed.insert(id, root);
        }
    }

    /// Whether `parent` walks a double-colon rule after its first (or is
    /// beneath one) in a quiet walk: what failed quietly is said there.
    fn loud_parent(&self, parent: Option<FileId>) -> bool {
        parent.is_some_and(|p| {
            self.nodes[p].double_colon_rule > 0 || self.dont_care.after_first_rule.contains(&p)
        })
    }

    /// "No rule to make target 'root'", with what needed it.
    fn no_rule_message(&self, root: FileId) -> String {
        let name = diag::show(self.ev.db.file(root).name).to_string();
        match self.dont_care.needed_by.get(&root) {
            Some(&p) => format!(
                "No rule to make target '{}', needed by '{}'",
                name,
                diag::show(self.ev.db.file(p).name)
            ),
            None => format!("No rule to make target '{name}'"),
        }
    }

    /// `parent` (or the goal list) met `id`, which failed quietly: for
    /// another optional makefile it fails quietly again; otherwise it is
    /// said to have no rule, as GNU says it: each time a file that failed
    /// through its prerequisites is met (for each listing, and again each
    /// time a target waiting for its other prerequisites is looked at),
    /// and the first time only when the file to blame is met itself.
    pub(super) fn met_quiet_failure(
        &mut self,
        id: FileId,
        parent: Option<FileId>,
        deferred: bool,
    ) -> Result<Status> {
        let quiet = deferred || !self.dont_care.in_deferred_walk();
        if self.dont_care.walk_quiet && quiet && !self.loud_parent(parent) {
            return Ok(Status::Failed);
        }
        let root = self.blamed(id);
        let first = self.dont_care.said.insert(root) || root != id;
        if !first {
            return Ok(Status::Failed);
        }
        let message = self.no_rule_message(root);
        self.cannot_make(id, message)
    }

    /// The file whose own failure `id`'s is: down each failed file's first
    /// failed prerequisite (in the order they were made), to one that has
    /// none.
    fn blamed(&self, id: FileId) -> FileId {
        let mut at = id;
        let mut seen = FxHashSet::default();
        while seen.insert(at) {
            let Some(resolved) = self.nodes[at].resolved.as_deref() else {
                break;
            };
            let failed = (0..resolved.deps.len())
                .map(|k| resolved.deps[resolved.made_at(k)].file())
                .find(|&d| {
                    self.nodes
                        .get(d.index())
                        .is_some_and(|n| n.status == Status::Failed)
                });
            match failed {
                Some(d) => at = d,
                None => break,
            }
        }
        at
    }
}
