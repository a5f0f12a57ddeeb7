//! File times as the planner keeps them: [`KnownMtime`], what a walk
//! knows of one file's time, in 12 bytes; and the two ways of asking the
//! file system that the real `seams::Disk` uses. The time itself is the
//! one model, [`crate::fscache::Mtime`].

pub use crate::fscache::Mtime;

/// The modification time as the file system says now, except that a file
/// absent from a current listing of its directory is not asked about
/// ([`crate::fscache::FsCache::stat_fresh`]).
pub fn fresh(fs: &mut crate::fscache::FsCache, path: &[u8]) -> Option<Mtime> {
    fs.stat_fresh(path).map(|s| s.mtime)
}

/// `-L`: the newest of the times of the symlinks leading to the file and of
/// the file itself; a dangling symlink has its own time.
pub fn newest_of_links(path: &[u8]) -> Option<Mtime> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let mut current = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(path));
    let mut newest = crate::fscache::mtime_now(path);
    for _ in 0..40 {
        let Ok(meta) = std::fs::symlink_metadata(&current) else {
            break;
        };
        let time = Mtime {
            secs: meta.mtime(),
            nanos: u32::try_from(meta.mtime_nsec())
                .unwrap_or(0)
                .min(999_999_999),
        };
        newest = Some(newest.map_or(time, |n| n.max(time)));
        if !meta.file_type().is_symlink() {
            break;
        }
        let Ok(target) = std::fs::read_link(&current) else {
            break;
        };
        current = match current.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
    }
    newest
}

/// What a walk knows of a file's time: not looked at yet, missing, or a
/// time. Kept as seconds and nanoseconds in 12 bytes aligned to 4, where
/// an `Option<Option<Mtime>>` takes 24 aligned to 8: there is one per
/// file of the graph, in the planner's node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownMtime {
    /// The seconds, in two halves: an `i64` would align the node holding
    /// this to 8 and leave 4 bytes of padding here.
    secs_low: u32,
    secs_high: i32,
    /// The nanoseconds, or one of the two markers above any.
    nanos: u32,
}

impl KnownMtime {
    const NOT_LOOKED_AT: u32 = u32::MAX;
    const MISSING: u32 = u32::MAX - 1;

    /// Not looked at yet.
    pub const UNKNOWN: KnownMtime = KnownMtime {
        secs_low: 0,
        secs_high: 0,
        nanos: Self::NOT_LOOKED_AT,
    };

    /// The time as looked at: `Some(None)` for a missing file, `None` when
    /// it was not looked at.
    pub fn get(self) -> Option<Option<Mtime>> {
        match self.nanos {
            Self::NOT_LOOKED_AT => None,
            Self::MISSING => Some(None),
            nanos => {
                let secs = (self.secs_high as i64) << 32 | self.secs_low as i64;
                Some(Some(Mtime { secs, nanos }))
            }
        }
    }

    pub fn is_known(self) -> bool {
        self.nanos != Self::NOT_LOOKED_AT
    }

    /// The time looked at (`None`: the file is missing).
    pub fn new(found: Option<Mtime>) -> KnownMtime {
        let Some(t) = found else {
            return KnownMtime {
                nanos: Self::MISSING,
                ..Self::UNKNOWN
            };
        };
        KnownMtime {
            secs_low: t.secs as u32,
            secs_high: (t.secs >> 32) as i32,
            // Below a billion, so never taken for a marker.
            nanos: t.nanos.min(999_999_999),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_mtime_keeps_what_was_found() {
        assert_eq!(KnownMtime::UNKNOWN.get(), None);
        assert!(!KnownMtime::UNKNOWN.is_known());
        assert_eq!(KnownMtime::new(None).get(), Some(None));
        for (secs, nanos) in [
            (0, 0),
            (0, 1),
            (-1, 999_999_999),
            (1_700_000_000, 123_456_789),
            (-2, 999_999_999),
            (0, 999_999_999),
            (i64::MAX, 0),
            (i64::MIN, 0),
        ] {
            let t = Mtime { secs, nanos };
            assert_eq!(KnownMtime::new(Some(t)).get(), Some(Some(t)), "{t:?}");
        }
    }

    #[test]
    fn newer_than_with_whole_seconds() {
        let t = |secs, nanos| Mtime { secs, nanos };
        for (a, b, coarse, want) in [
            (t(2, 0), t(1, 0), false, true),
            (t(1, 5), t(1, 4), false, true),
            (t(1, 4), t(1, 4), false, false),
            (t(1, 4), t(1, 5), false, false),
            // An archive member: the same second is not newer.
            (t(1, 5), t(1, 4), true, false),
            (t(2, 0), t(1, 999_999_999), true, true),
            (t(-1, 5), t(-1, 0), true, false),
        ] {
            assert_eq!(a.newer_than(b, coarse), want, "{a:?} {b:?} {coarse}");
        }
    }
}
