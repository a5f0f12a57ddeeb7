//! The per-run cache of file status and directory contents.
//!
//! A no-op build asks "does this exist?" and "how old is it?" tens of
//! thousands of times, mostly about the same few directories. One `FsCache`
//! lives for the whole make run: each path is `stat`ed at most once and each
//! directory is read at most once (with its names hashed, so membership is
//! one hash lookup). Existence checks go through the directory listing, so probing
//! many implicit-rule candidates in one directory costs a single `readdir`.
//!
//! The cache is only wrong about files changed behind make's back. After make
//! itself rebuilds a target, [`FsCache::invalidate`] refreshes what it knew;
//! a name a listing read before a job ran has is checked again when asked
//! about (a recipe may remove more than its target).
//!
//! [`FsCache::stat_fresh`] serves callers that keep the answer themselves
//! (the planner): it always asks the file system about files that exist,
//! but a file missing from a listing read since the last outside change
//! (a job, `$(shell)`, `$(file)`) is missing without a `stat`. A walk over
//! 15 000 files that do not exist then costs one `readdir`, not 15 000
//! failed `stat`s.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::name_table::NameTable;

/// A modification time with nanosecond precision; orders chronologically.
/// The one model of a file's time: the cache, the planner (which keeps it
/// in each node as a `plan::mtime::KnownMtime`), archive members (whole
/// seconds) and the executor all use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mtime {
    pub secs: i64,
    /// Always below 1 000 000 000.
    pub nanos: u32,
}

impl Mtime {
    /// A time in whole seconds (an archive member's).
    pub fn from_secs(secs: i64) -> Mtime {
        Mtime { secs, nanos: 0 }
    }

    /// Whether `self` is newer than `other`. An archive member's time has
    /// whole seconds only: compared with one (`coarse`), only whole seconds
    /// count, so a file written in the same second as the member is not
    /// newer (nor is the archive that holds it), as in GNU make.
    pub fn newer_than(self, other: Mtime, coarse: bool) -> bool {
        if coarse {
            self.secs > other.secs
        } else {
            self > other
        }
    }
}

/// The modification time of `path` as the file system says now (following
/// symlinks), whatever the cache knew. For those that must see the disk
/// as it is at one moment and keep no answer: the executor (a target
/// before and after its job, to tell whether the job changed it), the
/// session (makefiles after they were remade) and the planner's deletion
/// of intermediate files.
pub fn mtime_now(path: &[u8]) -> Option<Mtime> {
    stat_now(path).map(|s| s.mtime)
}

/// What `stat` (following symlinks) says about an existing path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    pub mtime: Mtime,
    pub is_dir: bool,
}

/// The type of a directory entry as `readdir` reported it (without
/// following symlinks). `Unknown` when the file system did not say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Dir,
    Symlink,
    Other,
    Unknown,
}

/// A directory's entries (without `.` and `..`), found by name.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    /// Each entry's `readdir` type, by name. An implicit-rule search asks
    /// about many names, most of them absent.
    entries: NameTable<EntryKind>,
    /// [`FsCache::outside_changes`] when it was read.
    read_at: u64,
}

impl Listing {
    /// Entry names and their `readdir` types, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (&[u8], EntryKind)> {
        self.entries.iter().map(|(name, &kind)| (name, kind))
    }

    /// Whether the directory has no entries but `.` and `..`.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether an entry called `name` exists.
    pub fn contains(&self, name: &[u8]) -> bool {
        self.find(name).is_some()
    }

    /// The `readdir` type of the entry called `name`, if there is one.
    pub fn find(&self, name: &[u8]) -> Option<EntryKind> {
        self.entries.get(name).copied()
    }

    /// Reads directory `dir`, straight from `getdents` into one buffer (std's
    /// `read_dir` allocates twice per entry): 60 000 entries in a no-op build.
    fn read(dir: &[u8]) -> Option<Listing> {
        use rustix::fs::{FileType, Mode, OFlags, RawDir};
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::open(os_path(dir), flags, Mode::empty()).ok()?;
        // Room for many entries; one takes at most about 280 bytes.
        let mut buf = Vec::with_capacity(32 * 1024);
        let mut entries = RawDir::new(fd, buf.spare_capacity_mut());
        let mut listing = Listing::default();
        while let Some(entry) = entries.next() {
            let Ok(entry) = entry else { break };
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let kind = match entry.file_type() {
                FileType::Directory => EntryKind::Dir,
                FileType::Symlink => EntryKind::Symlink,
                FileType::Unknown => EntryKind::Unknown,
                _ => EntryKind::Other,
            };
            listing.entries.insert_new(name, kind);
        }
        Some(listing)
    }

    /// Makes the listing agree with the file system about one entry.
    fn update(&mut self, name: &[u8], now: Option<EntryKind>) {
        match now {
            Some(kind) => self.push(name, kind),
            None => {
                self.entries.remove(name);
            }
        }
    }

    /// Records `name` with its type.
    fn push(&mut self, name: &[u8], kind: EntryKind) {
        // A listing of 4 GiB of names is no listing a make can use: the
        // name is left out.
        if let Some(known) = self.entries.get_or_insert_with(name, || kind) {
            *known = kind;
        }
    }
}

fn kind_of(t: fs::FileType) -> EntryKind {
    if t.is_dir() {
        EntryKind::Dir
    } else if t.is_symlink() {
        EntryKind::Symlink
    } else {
        EntryKind::Other
    }
}

/// FxHash (rustc-hash 2): paths are short and trusted-enough (they come
/// from the makefile author), so a fast non-keyed hash beats SipHash on this
/// hot path. (A home-made Fx without rustc-hash's final rotation put every
/// name of one length into the same buckets: a 15 000-file walk spent 60 %
/// of its time probing.)
type FxMap<V> = HashMap<Vec<u8>, V, rustc_hash::FxBuildHasher>;

/// The per-run cache. Negative answers are cached too.
#[derive(Default)]
pub struct FsCache {
    /// `stat` (following symlinks) by normalized path.
    stats: FxMap<Option<Stat>>,
    /// Directory listings by normalized directory path (no trailing slash).
    dirs: FxMap<Option<Listing>>,
    /// Counts the moments something other than make's own reading may
    /// have created files: a job started or ended, `$(shell)` ran,
    /// `$(file)` wrote.
    outside_changes: u64,
    /// Jobs running now: while any does, no listing is current.
    jobs_running: usize,
    /// Failed `stat_fresh` calls per directory not yet listed.
    misses: FxMap<u32>,
}

/// Failed `stat`s in one directory after which reading its listing is
/// likely cheaper than going on (GNU reads every directory it looks in).
const MISSES_BEFORE_LISTING: u32 = 8;

impl FsCache {
    pub fn new() -> FsCache {
        FsCache::default()
    }

    /// `stat` of `path`, following symlinks; `None` if it does not exist or
    /// cannot be examined.
    pub fn stat(&mut self, path: &[u8]) -> Option<Stat> {
        let key = normalize(path);
        if let Some(s) = self.stats.get(key.as_ref()) {
            return *s;
        }
        let s = stat_now(&key);
        self.stats.insert(key.into_owned(), s);
        s
    }

    /// `stat` of `path` now, not remembered (the caller keeps it); except
    /// that a name absent from a current listing of its directory is
    /// missing without asking.
    pub fn stat_fresh(&mut self, path: &[u8]) -> Option<Stat> {
        let key = normalize(path);
        let parent = split_parent(&key)
            .filter(|(_, name)| !key.ends_with(b"/") && *name != b"." && *name != b"..");
        if let Some((dir, name)) = parent {
            if self.current_listing_lacks(dir, name) {
                return None;
            }
        }
        let found = stat_now(&key);
        if let (None, Some((dir, _))) = (found, parent) {
            self.count_miss(dir);
        }
        found
    }

    /// Whether `path` exists (following symlinks), when a listing of its
    /// directory read since the last outside change tells: it lacks the
    /// name, or has it as a file or directory. `None`: only a `stat` can
    /// tell (a symlink, an unknown entry type, no current listing).
    pub fn exists_fresh(&self, path: &[u8]) -> Option<bool> {
        let key = normalize(path);
        let (dir, name) = split_parent(&key)
            .filter(|(_, name)| !key.ends_with(b"/") && *name != b"." && *name != b"..")?;
        let listing = self.current_listing(dir)?;
        match listing.find(name) {
            None => Some(false),
            Some(EntryKind::Other | EntryKind::Dir) => Some(true),
            Some(_) => None,
        }
    }

    /// Whether `dir` has a listing read since the last outside change, and
    /// `name` is not in it.
    fn current_listing_lacks(&self, dir: &[u8], name: &[u8]) -> bool {
        self.current_listing(dir)
            .is_some_and(|listing| !listing.contains(name))
    }

    /// The listing of `dir` (in cache-key form) if it was read since the
    /// last outside change and no job is running that may change it.
    fn current_listing(&self, dir: &[u8]) -> Option<&Listing> {
        if self.jobs_running > 0 {
            return None;
        }
        let listing = self.dirs.get(dir)?.as_ref()?;
        (listing.read_at == self.outside_changes).then_some(listing)
    }

    /// Notes a failed `stat` in `dir`; lists the directory after a few.
    fn count_miss(&mut self, dir: &[u8]) {
        if self.dirs.contains_key(dir) {
            return;
        }
        let n = match self.misses.get_mut(dir) {
            Some(n) => {
                *n += 1;
                *n
            }
            None => {
                self.misses.insert(dir.to_vec(), 1);
                1
            }
        };
        if n >= MISSES_BEFORE_LISTING {
            self.misses.remove(dir);
            self.listing(dir);
        }
    }

    /// How many times, so far, something other than make's own reading
    /// may have created files (see [`FsCache::outside_changes`]).
    pub fn changes(&self) -> u64 {
        self.outside_changes
    }

    /// A `$(shell)` command ran or `$(file)` wrote: anything may have
    /// changed, and later `$(wildcard)`s must see it (as GNU's do), so
    /// everything cached is forgotten.
    pub fn outside_change(&mut self) {
        self.stats.clear();
        self.dirs.clear();
        self.misses.clear();
        self.outside_changes += 1;
    }

    /// No listing read before now is current (jobs change files; their
    /// targets are patched in by `invalidate`).
    fn listings_age(&mut self) {
        self.outside_changes += 1;
    }

    /// A job started: listings are not current while it runs.
    pub fn job_started(&mut self) {
        self.jobs_running += 1;
        self.listings_age();
    }

    /// A job ended.
    pub fn job_ended(&mut self) {
        self.jobs_running = self.jobs_running.saturating_sub(1);
        self.listings_age();
    }

    /// Modification time of `path` (following symlinks).
    pub fn mtime(&mut self, path: &[u8]) -> Option<Mtime> {
        self.stat(path).map(|s| s.mtime)
    }

    /// Whether `path` is a directory (following symlinks).
    pub fn is_dir(&mut self, path: &[u8]) -> bool {
        self.stat(path).is_some_and(|s| s.is_dir)
    }

    /// Whether `path` exists as a directory entry. A dangling symlink exists
    /// (as for GNU make's `wildcard`); a trailing slash demands a directory.
    pub fn exists(&mut self, path: &[u8]) -> bool {
        // Most paths asked about are a directory and a plain name: only the
        // directory part needs checking for `.` and `//` (an implicit-rule
        // search asks this half a million times in a big no-op build).
        if let Some((dir, name)) = plain_dir_and_name(path) {
            if let Some(found) = self.listing_contains(dir, name) {
                return found;
            }
        }
        let key = normalize(path);
        if key.ends_with(b"/") {
            return self.is_dir(&key);
        }
        match split_parent(&key) {
            Some((dir, name)) if name != b".." && name != b"." => {
                // `dir` comes from a normalized path: no second normalization.
                if let Some(found) = self.listing_contains(dir, name) {
                    return found;
                }
                // Unreadable directory (e.g. mode 0711): ask about the file.
                self.stat(&key).is_some() || lstat_kind(&key).is_some()
            }
            _ => self.stat(&key).is_some(),
        }
    }

    /// Whether `path` exists, following symlinks (a dangling symlink does
    /// not). Answered from the directory's listing for a name it lacks or
    /// lists as a file or directory; a symlink is asked about.
    pub fn exists_following_links(&mut self, path: &[u8]) -> bool {
        let key = normalize(path);
        let parent = split_parent(&key)
            .filter(|(_, name)| !key.ends_with(b"/") && *name != b"." && *name != b"..");
        if let Some((dir, name)) = parent {
            if let Some(listing) = self.listing_by_key(dir) {
                match listing.find(name) {
                    None => return false,
                    Some(EntryKind::Other | EntryKind::Dir) => return true,
                    Some(_) => {}
                }
            }
        }
        self.stat(&key).is_some()
    }

    /// The cached listing of `dir`, with entry types; read on first use.
    pub fn listing(&mut self, dir: &[u8]) -> Option<&Listing> {
        let key = dir_key(dir);
        self.listing_by_key(&key)
    }

    /// The listing of `dir` as it is now: read again when a job started or
    /// ended since it was read, as GNU 4.4.1 reads a directory again for
    /// `$(wildcard)` once a command has run (a file a recipe made earlier
    /// is listed). One read per directory between jobs.
    pub fn listing_now(&mut self, dir: &[u8]) -> Option<&Listing> {
        let key = dir_key(dir);
        let stale = matches!(self.dirs.get(key.as_ref()), Some(Some(l)) if l.read_at != self.outside_changes);
        if stale {
            self.dirs.remove(key.as_ref());
        }
        self.listing_by_key(&key)
    }

    /// `exists`, with its directory's listing as it is now (`listing_now`):
    /// `$(wildcard name)` sees a file a recipe made earlier.
    pub fn exists_now(&mut self, path: &[u8]) -> bool {
        let key = normalize(path).into_owned();
        if let Some((dir, _)) = split_parent(&key) {
            self.listing_now(dir);
        }
        self.exists(&key)
    }

    /// Whether the listing of `dir` (in cache-key form) has `name`; `None`
    /// if the directory cannot be read. One hash lookup when the listing is
    /// known (an implicit-rule search asks this for every name it tries).
    fn listing_contains(&mut self, dir: &[u8], name: &[u8]) -> Option<bool> {
        let listed = match self.dirs.get(dir) {
            Some(known) => known.as_ref().map(|l| l.contains(name)),
            None => self.listing_by_key(dir).map(|l| l.contains(name)),
        }?;
        if !listed || self.current_listing(dir).is_some() {
            return Some(listed);
        }
        Some(self.still_there(dir, name))
    }

    /// Whether `name`, in the listing of `dir` read before a job ran, is
    /// still there: a recipe may have removed more than its target (`rm -f
    /// *.c`), which GNU sees. One `lstat` for a name listed (a search
    /// finds few); a name not listed stays missing.
    fn still_there(&mut self, dir: &[u8], name: &[u8]) -> bool {
        let path = match dir {
            b"." => name.to_vec(),
            b"/" => [dir, name].concat(),
            _ => [dir, b"/", name].concat(),
        };
        if lstat_kind(&path).is_some() {
            return true;
        }
        if let Some(Some(listing)) = self.dirs.get_mut(dir) {
            listing.update(name, None);
        }
        self.stats.remove(path.as_slice());
        false
    }

    /// `listing` of a directory already in cache-key form (`dir_key`).
    fn listing_by_key(&mut self, key: &[u8]) -> Option<&Listing> {
        if !self.dirs.contains_key(key) {
            let listing = Listing::read(key).map(|mut l| {
                l.read_at = self.outside_changes;
                l
            });
            self.dirs.insert(key.to_vec(), listing);
        }
        self.dirs.get(key).and_then(Option::as_ref)
    }

    /// Forgets what is known about `path` after make changed it (rebuilt a
    /// target, removed a file). Its parent's listing is patched in place
    /// rather than re-read, so rebuilding many files in one big directory
    /// stays linear. Ancestors cached as missing are forgotten too, since a
    /// recipe may have created them.
    pub fn invalidate(&mut self, path: &[u8]) {
        let key = normalize(path).into_owned();
        let mut child = strip_trailing_slashes(&key).to_vec();
        self.forget(&child);
        let mut now = lstat_kind(&child);
        while let Some((dir, name)) = split_parent(&child) {
            let dir = dir.to_vec();
            if let Some(Some(listing)) = self.dirs.get_mut(dir_key(&dir).as_ref()) {
                listing.update(name, now);
            }
            // A vanished child says nothing new about its ancestors.
            if now.is_none() || !self.thinks_missing(&dir) {
                break;
            }
            self.forget(&dir);
            now = lstat_kind(&dir);
            child = dir;
        }
    }

    /// Forgets the times of `path` after `-t` touched it, but not its
    /// parent's listing: GNU 4.4.1 reads a directory again only after a
    /// recipe ran, so a file `-t` created is still missing to the implicit
    /// search (an `.EXTRA_PREREQS` name `-t` touched does not exist).
    pub fn touched(&mut self, path: &[u8]) {
        let key = normalize(path).into_owned();
        let bare = strip_trailing_slashes(&key).to_vec();
        self.stats.remove(bare.as_slice());
    }

    /// Whether any cached answer says the (normalized) path `p` is absent.
    fn thinks_missing(&self, p: &[u8]) -> bool {
        if self.stats.get(p) == Some(&None)
            || self
                .dirs
                .get(dir_key(p).as_ref())
                .is_some_and(Option::is_none)
        {
            return true;
        }
        split_parent(p).is_some_and(|(dir, name)| match self.dirs.get(dir_key(dir).as_ref()) {
            Some(Some(listing)) => !listing.contains(name),
            _ => false,
        })
    }

    /// Drops the cached stat and listing of `bare` (no trailing slash).
    fn forget(&mut self, bare: &[u8]) {
        self.stats.remove(bare);
        let mut slashed = bare.to_vec();
        slashed.push(b'/');
        self.stats.remove(slashed.as_slice());
        self.dirs.remove(dir_key(bare).as_ref());
    }
}

/// Converts path bytes for the OS: file names are bytes, never UTF-8.
pub fn os_path(path: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(path))
}

fn stat_now(path: &[u8]) -> Option<Stat> {
    let md = fs::metadata(os_path(path)).ok()?;
    // The nanosecond field is always below 1e9; clamp defensively anyway.
    let nanos = u32::try_from(md.mtime_nsec()).unwrap_or(0).min(999_999_999);
    Some(Stat {
        mtime: Mtime {
            secs: md.mtime(),
            nanos,
        },
        is_dir: md.is_dir(),
    })
}

fn lstat_kind(path: &[u8]) -> Option<EntryKind> {
    fs::symlink_metadata(os_path(path))
        .ok()
        .map(|m| kind_of(m.file_type()))
}

/// Splits a normalized path into its directory and last component. The
/// directory of a bare name is `.`; the root has no parent.
fn split_parent(path: &[u8]) -> Option<(&[u8], &[u8])> {
    let path = strip_trailing_slashes(path);
    if path.is_empty() || path == b"/" || path == b"." {
        return None;
    }
    match memchr::memrchr(b'/', path) {
        Some(0) => Some((&path[..1], &path[1..])),
        Some(i) => Some((&path[..i], &path[i + 1..])),
        None => Some((b".", path)),
    }
}

/// `path` split into its directory, in cache-key form, and a final name
/// that is neither empty, `.` nor `..`, when the split needs no
/// normalizing (what `split_parent(&normalize(path))` gives then).
fn plain_dir_and_name(path: &[u8]) -> Option<(&[u8], &[u8])> {
    let (dir, name) = match memchr::memrchr(b'/', path) {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&b"."[..], path),
    };
    let plain_name = !name.is_empty() && name != b"." && name != b"..";
    let plain_dir = !dir.is_empty() && !dir.ends_with(b"/") && is_normal(dir);
    (plain_name && plain_dir).then_some((dir, name))
}

fn strip_trailing_slashes(path: &[u8]) -> &[u8] {
    let mut end = path.len();
    while end > 1 && path[end - 1] == b'/' {
        end -= 1;
    }
    &path[..end]
}

/// The cache key of a directory: normalized, without a trailing slash, and
/// `.` for the empty path.
fn dir_key(dir: &[u8]) -> Cow<'_, [u8]> {
    match normalize(dir) {
        Cow::Borrowed(d) => Cow::Borrowed(strip_trailing_slashes(d)),
        Cow::Owned(mut d) => {
            let len = strip_trailing_slashes(&d).len();
            d.truncate(len);
            Cow::Owned(d)
        }
    }
}

/// Lexically normalizes a path for use as a cache key, so `./a`, `a` and
/// `a//./b` spellings share entries. Only `.` components and repeated
/// slashes go; `..` stays (it may cross a symlink). A trailing slash (also
/// from a trailing `/.`) is kept as one slash because it changes meaning:
/// `file/` does not exist.
pub fn normalize(path: &[u8]) -> Cow<'_, [u8]> {
    if is_normal(path) {
        return Cow::Borrowed(path);
    }
    let absolute = path.first() == Some(&b'/');
    let mut out = Vec::with_capacity(path.len());
    if absolute {
        out.push(b'/');
    }
    let mut any = false;
    for comp in path
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
    {
        if any {
            out.push(b'/');
        }
        out.extend_from_slice(comp);
        any = true;
    }
    if !any {
        return Cow::Borrowed(if absolute { b"/" } else { b"." });
    }
    let last = path.rsplit(|&b| b == b'/').next().unwrap_or_default();
    if last.is_empty() || last == b"." {
        out.push(b'/');
    }
    Cow::Owned(out)
}

/// Whether `normalize` would leave `path` unchanged (the common case).
fn is_normal(path: &[u8]) -> bool {
    if path.is_empty() || path == b"." || path == b"/" {
        return true;
    }
    if path.starts_with(b"./") || path.ends_with(b"/") || path.ends_with(b"/.") {
        return false;
    }
    // No `//` and no `/./` (one pass: asked for every file of a walk).
    !path.windows(2).enumerate().any(|(i, w)| {
        w[0] == b'/' && (w[1] == b'/' || (w[1] == b'.' && path.get(i + 2) == Some(&b'/')))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A fresh scratch directory under the system temp dir.
    fn scratch(name: &str) -> Vec<u8> {
        let dir =
            std::env::temp_dir().join(format!("fairmake-fscache-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create scratch dir");
        dir.as_os_str().as_bytes().to_vec()
    }

    fn join(dir: &[u8], name: &str) -> Vec<u8> {
        let mut p = dir.to_vec();
        p.push(b'/');
        p.extend_from_slice(name.as_bytes());
        p
    }

    #[test]
    fn normalizes_keys() {
        let n = |p: &[u8]| normalize(p).into_owned();
        assert_eq!(n(b"a/b"), b"a/b");
        assert_eq!(n(b"./a"), b"a");
        assert_eq!(n(b"a//./b"), b"a/b");
        assert_eq!(n(b"a/b/"), b"a/b/");
        assert_eq!(n(b"a/b/."), b"a/b/");
        assert_eq!(n(b"a/../b"), b"a/../b");
        assert_eq!(n(b"//"), b"/");
        assert_eq!(n(b"./"), b".");
        assert_eq!(n(b"/./a"), b"/a");
        assert_eq!(n(b""), b"");
        assert!(matches!(normalize(b"src/foo.c"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_plain_split_is_the_split_of_the_normalized_path() {
        for p in [
            &b"a"[..],
            b"a/b",
            b"src/d1/f.c",
            b"../x",
            b"./a",
            b"a//b",
            b"a/./b",
            b"/a",
            b"a/",
            b"a/.",
            b"a/..",
            b".",
            b"/",
            b"",
            b"a/b/../c",
        ] {
            if let Some(split) = plain_dir_and_name(p) {
                let key = normalize(p);
                assert_eq!(
                    Some(split),
                    split_parent(&key),
                    "{}",
                    String::from_utf8_lossy(p)
                );
            }
        }
        assert_eq!(
            plain_dir_and_name(b"src/d1/f.c"),
            Some((&b"src/d1"[..], &b"f.c"[..]))
        );
        assert_eq!(plain_dir_and_name(b"f.c"), Some((&b"."[..], &b"f.c"[..])));
        assert_eq!(plain_dir_and_name(b"a//b"), None);
        assert_eq!(plain_dir_and_name(b"a/.."), None);
    }

    #[test]
    fn splits_parents() {
        assert_eq!(split_parent(b"a/b"), Some((&b"a"[..], &b"b"[..])));
        assert_eq!(split_parent(b"/a"), Some((&b"/"[..], &b"a"[..])));
        assert_eq!(split_parent(b"a"), Some((&b"."[..], &b"a"[..])));
        assert_eq!(split_parent(b"a/b/"), Some((&b"a"[..], &b"b"[..])));
        assert_eq!(split_parent(b"/"), None);
        assert_eq!(split_parent(b"."), None);
    }

    /// The names in the listing of `dir`, sorted.
    fn sorted_names(c: &mut FsCache, dir: &[u8]) -> Option<Vec<Vec<u8>>> {
        let mut names: Vec<_> = c.listing(dir)?.entries().map(|(n, _)| n.to_vec()).collect();
        names.sort();
        Some(names)
    }

    #[test]
    fn stats_and_lists() {
        let d = scratch("basic");
        fs::write(os_path(&join(&d, "b.c")), b"x").expect("write");
        fs::write(os_path(&join(&d, "a.c")), b"x").expect("write");
        fs::create_dir(os_path(&join(&d, "sub"))).expect("mkdir");
        let mut c = FsCache::new();
        assert_eq!(
            sorted_names(&mut c, &d).expect("listed"),
            vec![b"a.c".to_vec(), b"b.c".to_vec(), b"sub".to_vec()]
        );
        assert!(c.exists(&join(&d, "a.c")));
        assert!(!c.exists(&join(&d, "zz")));
        assert!(c.exists(&join(&d, "sub/")));
        assert!(!c.exists(&join(&d, "a.c/")));
        assert!(c.is_dir(&join(&d, "sub")));
        assert!(c.mtime(&join(&d, "a.c")).is_some());
        assert!(c.mtime(&join(&d, "nope")).is_none());
        assert!(c.listing(&join(&d, "nope")).is_none());
        assert!(c.listing(&join(&d, "a.c")).is_none());
        let listing = c.listing(&d).expect("listing");
        assert_eq!(listing.find(b"sub"), Some(EntryKind::Dir));
        assert_eq!(listing.find(b"a.c"), Some(EntryKind::Other));
        assert_eq!(listing.find(b"a"), None);
        assert_eq!(listing.entries().count(), 3);
        let _ = fs::remove_dir_all(os_path(&d));
    }

    #[test]
    fn answers_come_from_the_cache() {
        let d = scratch("cached");
        let f = join(&d, "f");
        let mut c = FsCache::new();
        assert!(!c.exists(&f));
        assert!(c.mtime(&f).is_none());
        fs::write(os_path(&f), b"x").expect("write");
        // Changed behind make's back: the cache keeps its negative answers.
        assert!(!c.exists(&f));
        assert!(c.mtime(&f).is_none());
        c.invalidate(&f);
        assert!(c.exists(&f));
        assert!(c.mtime(&f).is_some());
        assert_eq!(sorted_names(&mut c, &d), Some(vec![b"f".to_vec()]));
        fs::remove_file(os_path(&f)).expect("rm");
        c.invalidate(&f);
        assert!(!c.exists(&f));
        assert!(c.listing(&d).is_some_and(Listing::is_empty));
        let _ = fs::remove_dir_all(os_path(&d));
    }

    #[test]
    fn removed_and_added_entries_keep_the_others_findable() {
        let d = scratch("churn");
        for n in ["a", "b", "c", "d"] {
            fs::write(os_path(&join(&d, n)), b"x").expect("write");
        }
        let mut c = FsCache::new();
        assert!(c.exists(&join(&d, "a")));
        // Names go and come; the bytes of the gone ones stay behind.
        for gone in ["a", "c"] {
            fs::remove_file(os_path(&join(&d, gone))).expect("rm");
            c.invalidate(&join(&d, gone));
        }
        fs::write(os_path(&join(&d, "e")), b"x").expect("write");
        c.invalidate(&join(&d, "e"));
        for (n, there) in [
            ("a", false),
            ("b", true),
            ("c", false),
            ("d", true),
            ("e", true),
        ] {
            assert_eq!(c.exists(&join(&d, n)), there, "{n}");
        }
        assert_eq!(
            sorted_names(&mut c, &d).expect("listed"),
            vec![b"b".to_vec(), b"d".to_vec(), b"e".to_vec()]
        );
        let _ = fs::remove_dir_all(os_path(&d));
    }

    #[test]
    fn only_a_current_listing_answers_exists_fresh() {
        let d = scratch("fresh");
        fs::write(os_path(&join(&d, "f")), b"x").expect("write");
        let mut c = FsCache::new();
        assert_eq!(c.exists_fresh(&join(&d, "f")), None, "nothing listed yet");
        assert!(c.exists(&join(&d, "f")));
        assert_eq!(c.exists_fresh(&join(&d, "f")), Some(true));
        assert_eq!(c.exists_fresh(&join(&d, "g")), Some(false));
        c.job_started();
        assert_eq!(
            c.exists_fresh(&join(&d, "g")),
            None,
            "a job may be writing it"
        );
        c.job_ended();
        assert_eq!(
            c.exists_fresh(&join(&d, "g")),
            None,
            "the listing is older than the job"
        );
        let _ = fs::remove_dir_all(os_path(&d));
    }

    #[test]
    fn invalidate_revives_missing_ancestors() {
        let d = scratch("ancestors");
        let f = join(&d, "x/y/f");
        let mut c = FsCache::new();
        assert!(!c.exists(&f));
        assert!(!c.exists(&join(&d, "x")));
        assert!(c.listing(&join(&d, "x/y")).is_none());
        fs::create_dir_all(os_path(&join(&d, "x/y"))).expect("mkdir");
        fs::write(os_path(&f), b"x").expect("write");
        c.invalidate(&f);
        assert!(c.exists(&f));
        assert!(c.exists(&join(&d, "x")));
        assert!(c.is_dir(&join(&d, "x/y")));
        let _ = fs::remove_dir_all(os_path(&d));
    }

    #[test]
    fn mtimes_have_nanoseconds_and_follow_symlinks() {
        let d = scratch("mtime");
        let f = join(&d, "f");
        fs::write(os_path(&f), b"x").expect("write");
        let md = fs::metadata(os_path(&f)).expect("stat");
        let mut c = FsCache::new();
        let m = c.mtime(&f).expect("mtime");
        assert_eq!((m.secs, i64::from(m.nanos)), (md.mtime(), md.mtime_nsec()));
        symlink(os_path(&f), os_path(&join(&d, "link"))).expect("symlink");
        symlink(os_path(b"/nonexistent/x"), os_path(&join(&d, "dangling"))).expect("symlink");
        assert_eq!(c.mtime(&join(&d, "link")), Some(m));
        // Dangling symlinks exist as entries but have no mtime.
        assert!(c.exists(&join(&d, "dangling")));
        assert!(c.mtime(&join(&d, "dangling")).is_none());
        assert!(Mtime { secs: 1, nanos: 2 } < Mtime { secs: 1, nanos: 3 });
        let _ = fs::remove_dir_all(os_path(&d));
    }

    #[test]
    fn spellings_share_entries() {
        let d = scratch("spell");
        let f = join(&d, "f");
        fs::write(os_path(&f), b"x").expect("write");
        let mut c = FsCache::new();
        assert!(c.exists(&f));
        let mut odd = d.clone();
        odd.extend_from_slice(b"/.//f");
        assert!(c.exists(&odd));
        assert_eq!(c.dirs.len(), 1);
        let _ = fs::remove_dir_all(os_path(&d));
    }

    #[test]
    fn many_lookups_are_fast() {
        let d = scratch("fast");
        for i in 0..200 {
            fs::write(os_path(&join(&d, &format!("f{i}.c"))), b"").expect("write");
        }
        let mut c = FsCache::new();
        let names: Vec<Vec<u8>> = (0..20_000)
            .map(|i| join(&d, &format!("f{}.{}", i % 400, ["c", "o"][i % 2])))
            .collect();
        let start = std::time::Instant::now();
        let found = names.iter().filter(|n| c.exists(n)).count();
        assert_eq!(found, 5_000);
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        let _ = fs::remove_dir_all(os_path(&d));
    }
}
