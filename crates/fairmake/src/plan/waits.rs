//! For the trace (`--trace-json`, `--stats`, `--progress`): which of a
//! job's prerequisites were made in this run, so that the trace can link
//! each job to the jobs it waited for and `--stats` can find the critical
//! path. Nothing is computed when nothing is traced.

use super::seams::{FileTimes, Jobs};
use super::{Planner, Resolved};
use crate::rules::FileId;

/// How many files one job's look through prerequisites without recipes
/// may visit: enough for groups such as `objs: a.o b.o`, bounded on
/// graphs where every job reaches the same large no-recipe target.
const VISIT_LIMIT: usize = 256;

impl<J: Jobs, T: FileTimes> Planner<'_, J, T> {
    /// The names of the prerequisites of a job made in this run, looking
    /// through prerequisites that have no recipe of their own.
    pub(super) fn waited_for(&self, resolved: &Resolved) -> Vec<Vec<u8>> {
        if !self.runner.traced() {
            return Vec::new();
        }
        let mut names = Vec::new();
        let mut seen = rustc_hash::FxHashSet::default();
        let mut todo: Vec<FileId> = resolved.deps.iter().map(|d| d.file()).collect();
        todo.extend_from_slice(resolved.hidden());
        while let Some(id) = todo.pop() {
            if seen.len() >= VISIT_LIMIT || !seen.insert(id) {
                continue;
            }
            let Some(node) = self.nodes.get(id.index()) else {
                continue;
            };
            if node.remade {
                names.push(self.ev.db.file(id).name.to_vec());
            }
            if let Some(r) = node.resolved.as_ref().filter(|r| r.recipe.is_none()) {
                todo.extend(r.deps.iter().map(|d| d.file()));
            }
        }
        names
    }
}
