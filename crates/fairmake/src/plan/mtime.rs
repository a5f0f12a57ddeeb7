//! Modification times with nanosecond resolution.

/// Nanoseconds since the epoch.
pub type Mtime = i128;

/// Whether `a` is newer than `b`. An archive member's time has whole
/// seconds only: compared with one (`coarse`), only whole seconds count, so
/// a file written in the same second as the member is not newer (nor is
/// the archive that holds it), as in GNU make.
pub fn newer(a: Mtime, b: Mtime, coarse: bool) -> bool {
    const SECOND: Mtime = 1_000_000_000;
    if coarse {
        a.div_euclid(SECOND) > b.div_euclid(SECOND)
    } else {
        a > b
    }
}

/// The modification time of `path`, following symlinks; `None` if it does not exist.
pub fn of(path: &[u8]) -> Option<Mtime> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(std::ffi::OsStr::from_bytes(path)).ok()?;
    Some(meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128)
}

/// The modification time as the file system says now, except that a file
/// absent from a current listing of its directory is not asked about
/// ([`crate::fscache::FsCache::stat_fresh`]).
pub fn fresh(fs: &mut crate::fscache::FsCache, path: &[u8]) -> Option<Mtime> {
    fs.stat_fresh(path)
        .map(|s| s.mtime.secs as i128 * 1_000_000_000 + s.mtime.nanos as i128)
}

/// `-L`: the newest of the times of the symlinks leading to the file and of
/// the file itself; a dangling symlink has its own time.
pub fn newest_of_links(path: &[u8]) -> Option<Mtime> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let mut current = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(path));
    let mut newest = of(path);
    for _ in 0..40 {
        let Ok(meta) = std::fs::symlink_metadata(&current) else {
            break;
        };
        let time = meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128;
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
/// an `Option<Option<Mtime>>` takes 32 aligned to 16: there is one per
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
    const NANOS: Mtime = 1_000_000_000;

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
                Some(Some(secs as Mtime * Self::NANOS + nanos as Mtime))
            }
        }
    }

    pub fn is_known(self) -> bool {
        self.nanos != Self::NOT_LOOKED_AT
    }

    /// The time looked at (`None`: the file is missing). Times beyond what
    /// seconds in an `i64` can hold (none a file system gives) are clamped.
    pub fn new(found: Option<Mtime>) -> KnownMtime {
        let Some(t) = found else {
            return KnownMtime {
                nanos: Self::MISSING,
                ..Self::UNKNOWN
            };
        };
        let secs = t
            .div_euclid(Self::NANOS)
            .clamp(i64::MIN as Mtime, i64::MAX as Mtime) as i64;
        KnownMtime {
            secs_low: secs as u32,
            secs_high: (secs >> 32) as i32,
            nanos: t.rem_euclid(Self::NANOS) as u32,
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
        for t in [
            0,
            1,
            -1,
            1_700_000_000_123_456_789,
            -1_000_000_001,
            999_999_999,
            i64::MAX as Mtime * 1_000_000_000,
            i64::MIN as Mtime * 1_000_000_000,
        ] {
            assert_eq!(KnownMtime::new(Some(t)).get(), Some(Some(t)), "{t}");
        }
    }
}
