//! `.SECONDEXPANSION`: a rule's deferred prerequisite lists expanded a
//! second time, once per run, with the automatic variables of the
//! prerequisites known by then.

use super::automatic::Automatic;
use super::seams::{FileTimes, Jobs};
use super::Planner;
use crate::diag::Result;
use crate::rules::{Deferred, Dep, FileId, Rule};

impl<'e, J: Jobs, T: FileTimes> Planner<'e, J, T> {
    /// The prerequisites of `id`'s single-colon rule, its deferred lists
    /// expanded a second time (once per run).
    pub(super) fn expanded_deps(&mut self, id: FileId) -> Result<Vec<Dep>> {
        if self.ev.db.file(id).rule.deferred().is_empty() {
            return Ok(self.ev.db.file(id).rule.deps.to_vec());
        }
        if let Some(deps) = self.expanded.get(&id) {
            return Ok(deps.clone());
        }
        let rule = self.ev.db.file(id).rule.clone();
        let deps = self.second_expand_rule(id, &rule, false)?;
        self.expanded.insert(id, deps.clone());
        Ok(deps)
    }

    /// A rule's prerequisites with its deferred lists expanded, in makefile
    /// order: each list sees as `$$<`, `$$^`, `$$+` and `$$|` the
    /// prerequisites known by then (none in a double-colon rule, whose
    /// rules are independent).
    pub(super) fn second_expand_rule(
        &mut self,
        id: FileId,
        rule: &Rule,
        double: bool,
    ) -> Result<Vec<Dep>> {
        let mut out: Vec<Dep> = Vec::new();
        let mut next = 0;
        for d in rule.deferred() {
            let at = d.at.clamp(next, rule.deps.len());
            out.extend_from_slice(&rule.deps[next..at]);
            next = at;
            let known: Vec<Dep> = if double {
                Vec::new()
            } else {
                out.iter().chain(&rule.deps[next..]).cloned().collect()
            };
            let more = self.second_expand_list(id, d, &known, rule)?;
            out.extend(more);
        }
        out.extend_from_slice(&rule.deps[next..]);
        Ok(out)
    }

    /// Expands one deferred list of `id` with the automatic variables of the
    /// prerequisites `known` so far.
    fn second_expand_list(
        &mut self,
        id: FileId,
        list: &Deferred,
        known: &[Dep],
        rule: &Rule,
    ) -> Result<Vec<Dep>> {
        let name = self.ev.db.file(id).name;
        let (target_name, member) = crate::archive::split_member(name);
        let autos = Automatic {
            member: Some(member.to_vec()),
            newer: Some(Vec::new()),
            stem: list.stem.clone().unwrap_or_default(),
            ..Automatic::of_known(&self.ev.db, target_name.to_vec(), known)
        };
        let mut scope = vec![autos.into_scope_entry()];
        scope.extend(self.scope_for(id));
        // Errors name where the target's recipe starts, as GNU 4.4 does
        // (not the rule line: `bad: $$(x` with its recipe three lines on
        // names the recipe's line), and no place without a recipe; an
        // `$(eval)` in it reads text from no makefile.
        let saved = self.ev.loc.take();
        let loc = rule.recipe.as_ref().map(|r| r.loc.clone());
        let expanded = self
            .ev
            .with_scope(scope, |ev| ev.expand_text_located(&list.text, loc));
        self.ev.loc = saved;
        Ok(crate::read::rule_line::intern_deps(self.ev, &expanded?))
    }
}
