//! Where make puts its temporary files (the jobserver's fifo, the
//! output-sync lock): `$MAKE_TMPDIR`, else `$TMPDIR`, else `/tmp`. A value
//! that names no directory is said, and `/tmp` used instead, as GNU make
//! 4.4.1 does, so that a stale TMPDIR costs a warning, not the jobserver.

use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::diag;

const DEFAULT: &str = "/tmp";

/// The directory, chosen (and any bad value said) once per make.
pub fn temp_dir() -> PathBuf {
    static CHOSEN: OnceLock<PathBuf> = OnceLock::new();
    CHOSEN.get_or_init(choose).clone()
}

fn choose() -> PathBuf {
    for var in ["MAKE_TMPDIR", "TMPDIR"] {
        let Some(value) = std::env::var_os(var).filter(|v| !v.is_empty()) else {
            continue;
        };
        let dir = PathBuf::from(&value);
        let problem = match std::fs::metadata(&dir) {
            Ok(m) if m.is_dir() => return dir,
            Ok(_) => "not a directory".to_string(),
            Err(e) => diag::io_error_text(&e),
        };
        diag::warn(
            None,
            format_args!(
                "{var} value {}: {problem}",
                bstr::BStr::new(value.as_bytes())
            ),
        );
        diag::warn(
            None,
            format_args!("using default temporary directory '{DEFAULT}'"),
        );
        return PathBuf::from(DEFAULT);
    }
    PathBuf::from(DEFAULT)
}
