//! Output sync (`-O`/`--output-sync`): a job's output goes to private,
//! unnamed temporary files and reaches the terminal in one piece, stdout
//! then stderr, when the job (or, with `-Oline`, each command) ends.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::process::Stdio;

/// A job's captured stdout and stderr.
pub struct Captured {
    out: File,
    err: File,
}

impl Captured {
    /// Two unnamed temporary files (never visible in a shared directory).
    pub fn new() -> std::io::Result<Captured> {
        Ok(Captured {
            out: tempfile::tempfile()?,
            err: tempfile::tempfile()?,
        })
    }

    /// A command echo, written where the job's output goes.
    pub fn echo(&mut self, text: &[u8]) {
        let _ = self.out.write_all(text);
        let _ = self.out.write_all(b"\n");
    }

    /// The child's stdout and stderr.
    pub fn stdio(&self) -> std::io::Result<(Stdio, Stdio)> {
        Ok((
            Stdio::from(self.out.try_clone()?),
            Stdio::from(self.err.try_clone()?),
        ))
    }

    /// Copies what was captured to the real stdout and stderr, then empties
    /// the files for what comes next.
    pub fn flush(&mut self) {
        let empty = self.out.metadata().map_or(true, |m| m.len() == 0)
            && self.err.metadata().map_or(true, |m| m.len() == 0);
        let dir = crate::diag::sync_directory().filter(|_| !empty);
        if let Some(dir) = dir {
            println!("{}", crate::diag::directory_line("Entering", dir));
        }
        copy_out(&mut self.out, &mut std::io::stdout().lock());
        copy_out(&mut self.err, &mut std::io::stderr().lock());
        if let Some(dir) = dir {
            println!("{}", crate::diag::directory_line("Leaving", dir));
        }
    }
}

fn copy_out(file: &mut File, to: &mut impl Write) {
    if file.seek(SeekFrom::Start(0)).is_err() {
        return;
    }
    let mut data = Vec::new();
    if file.read_to_end(&mut data).is_ok() && !data.is_empty() {
        let _ = to.write_all(&data);
        let _ = to.flush();
    }
    let _ = file.set_len(0);
    let _ = file.seek(SeekFrom::Start(0));
}
