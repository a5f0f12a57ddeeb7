//! Grouped targets (`&:`): a target of a grouped rule is made with the
//! others, so their prerequisites are made before its recipe runs. This
//! module walks the peers' lists as GNU make 4.4.1 does, quirks included:
//! the peers are taken from the last named to the first, one at a time; a
//! peer's list naming a file in the making reports a circular dependency
//! when reached; one that comes before any prerequisite the list keeps is
//! not dropped from that list (it is reported again when make comes back
//! to the target), and the target's own prerequisites become the rest of
//! that list (what `$^` names); after a failure (`-q`) each peer's list is
//! looked at only up to its first prerequisite that is not circular.

use std::rc::Rc;

use super::seams::{FileTimes, Jobs};
use super::walk::{nth_listing, nth_position};
use super::{Planner, Resolved, Status};
use crate::diag::Result;
use crate::rules::{Dep, FileId};

impl<'e, J: Jobs, T: FileTimes> Planner<'e, J, T> {
    /// The rule `id` has by now, if it has been resolved.
    pub(super) fn resolved_of(&self, id: FileId) -> Option<Rc<Resolved>> {
        self.nodes.get(id.index()).and_then(|n| n.resolved.clone())
    }

    /// The other targets of `id`'s grouped rule, in the order their lists
    /// are looked at: the last named first.
    fn peers(&self, id: FileId) -> Vec<FileId> {
        let Some(group) = self.ev.db.file(id).rule.group() else {
            return Vec::new();
        };
        group.iter().rev().copied().filter(|&p| p != id).collect()
    }

    /// Adds the prerequisites of the next peers (expanded a second time
    /// now) to `id`'s, as prerequisites that stay out of the automatic
    /// variables, stopping after the first peer that adds any: those are
    /// made before the next peer is looked at. Returns, when some were
    /// added, how many peers' lists the walk has entered, the one that
    /// added them included. `pending`: some of those walked so far are
    /// still being made, so a `.WAIT` in a peer's list stops the walk.
    pub(super) fn add_peer_prereqs(&mut self, id: FileId, pending: bool) -> Result<Option<usize>> {
        let Some(resolved) = self.nodes[id].resolved.clone() else {
            return Ok(None);
        };
        let peers = self.peers(id);
        let mut r = (*resolved).clone();
        let mut added = false;
        let mut entered = 0;
        let mut adopted = false;
        // Stopped at a `.WAIT` until those before it are made.
        let mut waiting = false;
        // Files of a peer's list now among `id`'s own, to be added so.
        let mut own_now: Vec<FileId> = Vec::new();
        while let Some(&peer) = peers.get(self.nodes[id].peers_taken as usize) {
            // A walk that stopped on the peer's own list goes on through
            // it, though the peer has taken another's as its own since:
            // GNU relinked the peer's head only, not the walk's list.
            let on_own = self
                .peer_stops
                .get(&id)
                .is_some_and(|(_, adopted)| !adopted && self.has_adopted(peer));
            let deps = self.peer_walk_list(peer, !on_own)?;
            // Where the walk of this list stopped last time, if it did.
            let from = std::mem::take(&mut self.nodes[id].peer_pos) as usize;
            let from = self.resume_peer_walk(id, &deps, from);
            // Whether the list keeps a prerequisite before this one.
            let mut kept_before = from > 0;
            let mut whole = true;
            // Dropped from this list on this walk: gone when it resumes.
            let mut dropped: Vec<FileId> = Vec::new();
            let mut dropped_at: Vec<usize> = Vec::new();
            for (k, dep) in deps.iter().enumerate().skip(from) {
                if dep.wait_before && pending && !added {
                    // GNU's walk waits there, before it looks at the file
                    // (in the making, it is said circular only once those
                    // before are made: `p.out gen.h &: .WAIT all t1`).
                    waiting = true;
                    break;
                }
                if self.is_visiting(dep.file()) {
                    if added {
                        // Reached once those before it are made.
                        self.nodes[id].peer_pos = (k - dropped.len()) as u32;
                        let stood = deps
                            .iter()
                            .enumerate()
                            .filter(|(j, _)| !dropped_at.contains(j))
                            .map(|(_, d)| d.clone())
                            .collect();
                        let adopted = self.has_adopted(peer);
                        self.peer_stops.insert(id, (stood, adopted));
                        whole = false;
                        break;
                    }
                    if kept_before {
                        // This listing, of those the list has now.
                        let gone = dropped.iter().filter(|&&f| f == dep.file()).count();
                        let nth = nth_listing(&deps[..=k], dep.file()) - gone as u32;
                        let from_end = nth_listing(&deps[k..], dep.file());
                        self.drop_from_peer(id, peer, dep.file(), nth);
                        self.drop_from_adopters(peer, dep.file(), from_end);
                        if !on_own {
                            self.drop_from_adopted_source(peer, dep.file(), from_end)?;
                        }
                        dropped.push(dep.file());
                        dropped_at.push(k);
                    } else {
                        self.report_circular(id, dep.file());
                        own_now = self.adopt_peer_tail(&mut r, &deps[k + 1..]);
                        r.more_mut().adopted_from = Some(peer);
                        adopted = true;
                    }
                    continue;
                }
                kept_before = true;
                if !r.deps.iter().any(|d| d.file() == dep.file()) {
                    if !own_now.contains(&dep.file()) {
                        r.more_mut().hidden.push(dep.file());
                    }
                    r.deps.push(dep.clone());
                    added = true;
                }
            }
            if waiting {
                break;
            }
            entered = self.nodes[id].peers_taken as usize + 1;
            if whole {
                self.nodes[id].peers_taken += 1;
            }
            if added {
                break;
            }
        }
        if added || adopted {
            r.forget_order();
            self.node(id).resolved = Some(Rc::new(r));
        }
        Ok(added.then_some(entered))
    }

    /// Where `id`'s walk of a peer's list (`deps` now) goes on, having
    /// stopped at `from` of the list as it stood then. GNU walks a list as
    /// linked: when the making of what it added dropped the listing the
    /// walk stood on (the one before `from`), with those after it, the
    /// walk goes on through them as they were linked, up to the first
    /// still listed; each one in the making is said to be circular once
    /// more (it is out of the list already). Those not in the making were
    /// made as its ancestors: nothing more is said of them.
    fn resume_peer_walk(&mut self, id: FileId, deps: &[Dep], from: usize) -> usize {
        let Some((stood, _)) = self.peer_stops.remove(&id) else {
            return from;
        };
        if from == 0 || from > stood.len() {
            return from;
        }
        let kept = super::walk::kept_listings(&stood, deps);
        if !kept[from - 1] {
            for (k, dep) in stood.iter().enumerate().skip(from) {
                if kept[k] {
                    break;
                }
                if self.is_visiting(dep.file()) {
                    self.report_circular(id, dep.file());
                }
            }
        }
        kept[..from].iter().filter(|&&k| k).count()
    }

    /// `id`'s prerequisites were found out of date under `-q` (a failure,
    /// without -k, that does not stop make at once): each peer's list the
    /// walk has not entered (the first `entered` have been; the failure
    /// ended the walk of the last) is still looked at, its circular
    /// prerequisites reported up to the first other one, which is made,
    /// and no further.
    pub(super) fn peers_after_failure(&mut self, id: FileId, entered: usize) -> Result<()> {
        for peer in self.peers(id).into_iter().skip(entered) {
            for dep in self.peer_walk_list(peer, true)? {
                if self.is_visiting(dep.file()) {
                    self.report_circular(id, dep.file());
                    continue;
                }
                self.depth += 1;
                let made = self.update(dep.file(), Some(id));
                self.depth -= 1;
                made?;
                break;
            }
        }
        Ok(())
    }

    /// `peer`'s prerequisites as its list stands (its `.EXTRA_PREREQS`
    /// last): without those dropped as circular (of a file listed twice,
    /// the listing that was).
    pub(super) fn peer_list(&mut self, peer: FileId) -> Result<Vec<Dep>> {
        self.peer_list_as(peer, true)
    }

    /// Whether `peer` has taken the rest of another's list as its own.
    fn has_adopted(&self, peer: FileId) -> bool {
        self.resolved_of(peer)
            .is_some_and(|r| r.adopted().is_some())
    }

    /// `peer_list`; `adopted`: the list it took as its own, if it did,
    /// rather than the one it had.
    fn peer_list_as(&mut self, peer: FileId, adopted: bool) -> Result<Vec<Dep>> {
        // A peer that took the rest of another's list as its own (see
        // `adopt_peer_tail`) has that list from then on, for its peers'
        // walks too: GNU relinked the file's list.
        let adopted = self
            .nodes
            .get(peer.index())
            .and_then(|n| n.resolved.as_ref())
            .and_then(|r| r.adopted().map(<[Dep]>::to_vec))
            .filter(|_| adopted);
        if let Some(deps) = adopted {
            return Ok(self.without_dropped(peer, deps));
        }
        let mut deps = self.expanded_deps(peer)?;
        deps.extend(self.named_extra_deps(peer)?);
        Ok(self.without_dropped(peer, deps))
    }

    /// `peer`'s list as a grouped target walks it: in the order
    /// `--shuffle` gave it, if it did (see `shuffled_as_peer`).
    fn peer_walk_list(&mut self, peer: FileId, adopted: bool) -> Result<Vec<Dep>> {
        let deps = self.peer_list_as(peer, adopted)?;
        if !self.shuffled_as_peer(peer) {
            return Ok(deps);
        }
        let order = self.shuffled_order(peer, &deps, false);
        if order.len() != deps.len() {
            return Ok(deps);
        }
        Ok(order.into_iter().map(|i| deps[i].clone()).collect())
    }

    /// Whether GNU has shuffled `peer`'s list by the time a grouped
    /// target walks it: a file reached from the goals through the rules'
    /// prerequisites is, before the walk; one whose list has a second
    /// expansion is, as it is expanded (GNU 4.4.1). Another one is walked
    /// as written (`all: x` with `x y &:` walks `y: b c` so).
    fn shuffled_as_peer(&mut self, peer: FileId) -> bool {
        if !super::shuffle::reorders(&self.ev.invocation.options.shuffle) {
            return false;
        }
        if !self.ev.db.file(peer).rule.deferred().is_empty() {
            return true;
        }
        if self.shuffle_reached.is_none() {
            self.shuffle_reached = Some(self.reached_from_goals());
        }
        self.shuffle_reached
            .as_ref()
            .is_some_and(|r| r.contains(&peer))
    }

    /// The goals and what their rules' prerequisites reach.
    fn reached_from_goals(&self) -> rustc_hash::FxHashSet<FileId> {
        let mut reached: rustc_hash::FxHashSet<FileId> = self.goals.iter().copied().collect();
        let mut todo: Vec<FileId> = self.goals.clone();
        while let Some(f) = todo.pop() {
            let file = self.ev.db.file(f);
            let rules = std::iter::once(&file.rule).chain(file.double_colon());
            for dep in rules.flat_map(|r| r.deps.iter()) {
                if reached.insert(dep.file()) {
                    todo.push(dep.file());
                }
            }
        }
        reached
    }

    /// `deps`, `list`'s prerequisites as written, less those dropped from
    /// it as circular.
    pub(super) fn without_dropped(&self, list: FileId, deps: Vec<Dep>) -> Vec<Dep> {
        self.without_dropped_after(list, &[], deps)
    }

    /// `without_dropped` for `tail`, the end of `list`'s prerequisites,
    /// `before` coming first: a listing of a file in `tail` is counted
    /// after those of `before`.
    pub(super) fn without_dropped_after(
        &self,
        list: FileId,
        before: &[Dep],
        tail: Vec<Dep>,
    ) -> Vec<Dep> {
        if self.circular_dropped.is_empty() {
            return tail;
        }
        let mut met: rustc_hash::FxHashMap<FileId, u32> = Default::default();
        for dep in before {
            *met.entry(dep.file()).or_default() += 1;
        }
        let mut out = Vec::with_capacity(tail.len());
        for dep in tail {
            let nth = met.entry(dep.file()).or_default();
            *nth += 1;
            let dropped = self.circular_dropped.get(&(list, dep.file()));
            if dropped.is_none_or(|d| !d.contains(nth)) {
                out.push(dep);
            }
        }
        out
    }

    /// Drops `dep` from `peer`'s list as circular: from the rule `peer`
    /// has already, if it has one, as for its later walk (GNU's lists are
    /// the same whoever walks them).
    fn drop_from_peer(&mut self, id: FileId, peer: FileId, dep: FileId, nth: u32) {
        self.drop_circular(id, peer, dep, nth);
        let Some(resolved) = self.resolved_of(peer) else {
            return;
        };
        let Some(at) = nth_position(&resolved.deps, dep, nth) else {
            return;
        };
        let mut r = (*resolved).clone();
        r.drop_dep(at);
        self.nodes[peer].resolved = Some(Rc::new(r));
    }

    /// A listing of `dep` (the `from_end`-th from the end, 1 the last) was
    /// dropped from `list`: a peer that adopted the rest of that list (see
    /// `adopt_peer_tail`) loses it too, as GNU's lists share it (`c bar
    /// all&: bar e` with `all: c`: `bar` takes `e c` of `all`'s list, and
    /// `c` dropping itself from `all`'s drops it from `bar`'s).
    fn drop_from_adopters(&mut self, list: FileId, dep: FileId, from_end: u32) {
        for p in self.peers(list) {
            let Some(resolved) = self.resolved_of(p) else {
                continue;
            };
            if resolved.more().adopted_from != Some(list) {
                continue;
            }
            let Some(adopted) = resolved.adopted() else {
                continue;
            };
            let Some(at) = adopted
                .iter()
                .enumerate()
                .rev()
                .filter(|(_, d)| d.file() == dep)
                .nth(from_end.saturating_sub(1) as usize)
                .map(|(at, _)| at)
            else {
                continue;
            };
            let mut r = (*resolved).clone();
            if let Some(adopted) = r.more_mut().adopted.as_mut() {
                adopted.remove(at);
            }
            self.nodes[p].resolved = Some(Rc::new(r));
        }
    }

    /// A listing of `dep` (the `from_end`-th from the end) was dropped
    /// from the list `peer` took as its own from another target's (see
    /// `adopt_peer_tail`): that list is the end of the other's, as GNU
    /// links it, so the listing is gone from the other's list too (`all
    /// p.out y.o &: p.out r` with `all: y.o`: `p.out` takes `r y.o` of
    /// `all`'s list; `y.o` dropping itself from it leaves `all`'s list
    /// without it, and `y.o`'s walk of `all`'s list does not meet it).
    fn drop_from_adopted_source(&mut self, peer: FileId, dep: FileId, from_end: u32) -> Result<()> {
        let Some(source) = self.resolved_of(peer).and_then(|r| r.more().adopted_from) else {
            return Ok(());
        };
        let listed = self.peer_list(source)?;
        let count = nth_listing(&listed, dep);
        if from_end == 0 || from_end > count {
            return Ok(());
        }
        let nth = count - from_end + 1;
        self.record_dropped(source, dep, nth);
        let Some(resolved) = self.resolved_of(source) else {
            return Ok(());
        };
        if let Some(at) = nth_position(&resolved.deps, dep, nth) {
            let mut r = (*resolved).clone();
            r.drop_dep(at);
            self.nodes[source].resolved = Some(Rc::new(r));
        }
        // The list `peer` took (for `$^` too), and any other peer's.
        self.drop_from_adopters(source, dep, from_end);
        Ok(())
    }

    /// `id` dropped `dep` from its own list as circular. Its peers walk
    /// that list as GNU links it, the same list: the copy of the listing
    /// a peer took (see `add_peer_prereqs`) goes too, unless another list
    /// the peer walks names `dep` still (`all: o all` with `all y.o &:`
    /// leaves `y.o` waiting for `o` only).
    pub(super) fn drop_from_peer_copies(&mut self, id: FileId, dep: FileId) -> Result<()> {
        'peers: for peer in self.peers(id) {
            let Some(resolved) = self.resolved_of(peer) else {
                continue;
            };
            if !resolved.hidden().contains(&dep) {
                continue;
            }
            let Some(at) = resolved.deps.iter().position(|d| d.file() == dep) else {
                continue;
            };
            for other in self.peers(peer) {
                if other != id && self.peer_list(other)?.iter().any(|d| d.file() == dep) {
                    continue 'peers;
                }
            }
            let mut r = (*resolved).clone();
            r.drop_dep(at);
            self.nodes[peer].resolved = Some(Rc::new(r));
        }
        Ok(())
    }

    /// A file made by a pattern rule with other targets dropped `dep`, met
    /// in the part of its list a sibling's gave it, right after `before`
    /// of that part. GNU's list links on through the sibling's own: that
    /// link is the sibling's too, so the listing is gone from the
    /// sibling's list as well (`b.x: e.s b b.x` with `%.o %.x:` making
    /// `b.o` for `b`: `b.x` does not find `b` circular again). One at the
    /// head of the sibling's list is not (it follows no link of it).
    pub(super) fn drop_from_sibling_chain(
        &mut self,
        resolved: &Resolved,
        before: FileId,
        dep: FileId,
    ) -> Result<()> {
        for &sibling in resolved.siblings() {
            let list = match self.resolved_of(sibling) {
                Some(r) if self.ev.db.file(sibling).double_colon().is_empty() => {
                    r.deps.iter().filter(|d| !d.sibling).cloned().collect()
                }
                None if self.ev.db.file(sibling).is_target => self.peer_list(sibling)?,
                _ => continue,
            };
            let Some(j) =
                (1..list.len()).find(|&j| list[j].file() == dep && list[j - 1].file() == before)
            else {
                continue;
            };
            let nth = nth_listing(&list[..=j], dep);
            self.record_dropped(sibling, dep, nth);
            if let Some(r) = self.resolved_of(sibling) {
                if let Some(at) = nth_position(&r.deps, dep, nth) {
                    let mut r = (*r).clone();
                    r.drop_dep(at);
                    self.nodes[sibling].resolved = Some(Rc::new(r));
                }
            }
            return Ok(());
        }
        Ok(())
    }

    fn is_visiting(&self, id: FileId) -> bool {
        self.nodes
            .get(id.index())
            .is_some_and(|n| n.status == Status::Visiting)
    }

    /// GNU's quirk for a circular prerequisite heading a peer's list: the
    /// target's own prerequisites become the rest of that list. Those it
    /// had stay, made, but leave the automatic variables; the rest of the
    /// list enters them (files in the making excepted: they are reported
    /// as the list is walked). Returns those of the rest `r` does not have
    /// yet: the walk of the list adds them.
    fn adopt_peer_tail(&self, r: &mut Resolved, tail: &[Dep]) -> Vec<FileId> {
        let own: Vec<FileId> = r
            .deps
            .iter()
            .filter(|d| !d.extra)
            .map(Dep::file)
            .filter(|f| !r.hidden().contains(f))
            .collect();
        let more = r.more_mut();
        more.hidden.extend(own);
        // The automatic variables name the tail as listed, a file listed
        // twice twice (`$+`); adopted again, the tail replaces it.
        more.adopted = Some(
            tail.iter()
                .filter(|d| !self.is_visiting(d.file()))
                .cloned()
                .collect(),
        );
        let mut new = Vec::new();
        for dep in tail {
            if self.is_visiting(dep.file()) {
                continue;
            }
            if r.deps.iter().any(|d| d.file() == dep.file()) {
                r.more_mut().hidden.retain(|&h| h != dep.file());
            } else {
                new.push(dep.file());
            }
        }
        new
    }
}
