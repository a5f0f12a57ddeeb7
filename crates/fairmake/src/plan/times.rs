//! What the walk knows of file times: each file's modification time (under
//! the name vpath found), asked once and kept in its node until the file is
//! remade; existence from directory listings; and the times of the
//! makefiles being remade, noted before the first recipe runs.

use super::mtime::{KnownMtime, Mtime};
use super::seams::{FileTimes, Jobs};
use super::{Node, Planner};
use crate::rules::FileId;

impl<'e, J: Jobs, T: FileTimes> Planner<'e, J, T> {
    /// The modification time of a file (vpath-resolved), cached per run.
    pub(super) fn mtime_of(&mut self, id: FileId) -> Option<Mtime> {
        // Asked for every edge of the graph: remembered per file until the
        // file is remade or its vpath name changes.
        if let Some(known) = self.node(id).mtime.get() {
            return known;
        }
        let found = self.stat_mtime(id);
        self.nodes[id].mtime = KnownMtime::new(found);
        found
    }

    /// Whether `id` exists. A current listing of its directory tells
    /// without a `stat` (the 20 000 `.d` makefiles of a no-op build, which
    /// nothing compares with); otherwise its time is asked for, and kept.
    pub(super) fn exists(&mut self, id: FileId) -> bool {
        // `-W FILE` makes FILE exist, infinitely new, as far as make knows.
        if self.new_files.contains(&id) {
            return true;
        }
        let node = self.node(id);
        if !node.mtime.is_known()
            && node.path().is_none()
            && !self.ev.invocation.options.check_symlink_times
        {
            let name = &self.ev.db.file(id).name;
            if !crate::archive::is_member(name) {
                if let Some(exists) = self.times.exists_listed(&self.ev.fs, name) {
                    return exists;
                }
            }
        }
        self.mtime_of(id).is_some()
    }

    /// Notes the times of the `watched` files, once, before the first
    /// recipe runs (the walk reuses them instead of asking again).
    pub(super) fn note_watched_times(&mut self) {
        if self.watched_times.is_some() || self.watched.is_empty() {
            return;
        }
        let watched = std::mem::take(&mut self.watched);
        let times = watched.iter().map(|&id| (id, self.mtime_of(id))).collect();
        self.watched_times = Some(times);
        self.watched = watched;
    }

    /// Whether the watched file `id` was remade and its time is not what
    /// it was before the first recipe ran (it changed, appeared, or was
    /// deleted: GNU 4.4.1 starts over for a makefile its recipe removed
    /// too). When no recipe ran, nothing was changed.
    pub fn changed_by_recipes(&mut self, id: FileId) -> bool {
        if !self.was_remade(id) {
            return false;
        }
        let Some(&before) = self.watched_times.as_ref().and_then(|t| t.get(&id)) else {
            return false;
        };
        if self.mtime_now(id) != before {
            return true;
        }
        // A makefile -t created is still missing to make's listing of its
        // directory (see `FsCache::touched`): the disk says it appeared.
        before.is_none() && {
            let path = self.path_or_name(id).to_vec();
            self.times.exists_now(&path)
        }
    }

    /// The modification time of `id` as the file system says now.
    pub fn mtime_now(&mut self, id: FileId) -> Option<Mtime> {
        self.forget_mtime(id);
        self.mtime_of(id)
    }

    /// Forgets what `mtime_of` remembered about `id`.
    pub(super) fn forget_mtime(&mut self, id: FileId) {
        self.node(id).mtime = KnownMtime::UNKNOWN;
    }

    /// The name `id` was found under by vpath, or else its own.
    pub(super) fn path_or_name(&self, id: FileId) -> &[u8] {
        match self.nodes.get(id.index()).and_then(Node::path) {
            Some(found) => found,
            None => self.ev.db.file(id).name,
        }
    }

    /// Asks the file system, not the run's stat cache: the node keeps the
    /// answer, and a second copy of 20 000 stats costs time and memory.
    fn stat_mtime(&mut self, id: FileId) -> Option<Mtime> {
        self.node(id);
        let path = match self.nodes[id].path() {
            Some(found) => found,
            None => self.ev.db.file(id).name,
        };
        let (archive, member) = crate::archive::split_member(path);
        if !member.is_empty() {
            return crate::archive::member_mtime(archive, member);
        }
        let found = self.times.mtime(&mut self.ev.fs, path);
        if self.ev.invocation.options.check_symlink_times {
            // A dangling symlink exists, with its own time.
            return self.times.newest_of_links(path).or(found);
        }
        found
    }
}
