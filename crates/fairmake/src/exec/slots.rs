//! Job slots: the implicit one every make has, plus tokens from the
//! jobserver (our own as the top-level make, or the parent's). A token is
//! taken only when a job is about to start and given back as soon as a job
//! ends, so the make never holds one with nothing to run. As the server,
//! it also heals the jobserver, only when that is sound (see
//! [`Slots::heal_if_sound`]), and withholds tokens while memory is short
//! (`--memory-reserve`, see [`Slots::govern`]): the tokens its governor
//! holds count as held by this make wherever tokens are counted.

use std::os::fd::BorrowedFd;
use std::time::{Duration, Instant};

use fairmake_jobserver::{
    Change, ChildFds, Client, ClientError, Governor, HealCheck, MemorySource, Reserve, Server,
    Style, Token,
};

use crate::diag;

/// Where parallelism comes from.
pub enum Slots {
    /// `-jN` without a jobserver (N = 1, or a sub-make told to use -j1),
    /// or `-j` alone (`None`: unlimited).
    Local(Option<u32>),
    /// A jobserver: ours (with the server) or the parent's.
    Jobserver {
        server: Option<Box<Server>>,
        client: Client,
        tokens: Vec<Token>,
        /// As the server, unless `--memory-reserve=off`: withholds tokens
        /// while memory is short.
        governor: Option<Box<Governor>>,
    },
}

/// The environment variable that replaces the system's memory figures by
/// a [`fairmake_jobserver::Ledger`] directory, for tests of whole builds.
pub const MEMORY_LEDGER_ENV: &str = "FAIRMAKE_MEMORY_LEDGER";

/// GNU's warning for a jobserver fifo named in MAKEFLAGS that cannot be
/// opened.
fn cannot_open_jobserver(path: &std::path::Path, error: &std::io::Error) {
    diag::warn(
        None,
        format_args!(
            "cannot open jobserver {}: {}",
            path.display(),
            diag::io_error_text(error)
        ),
    );
}

/// Where the governor reads memory: the ledger tests name, else the
/// system (`/proc/meminfo`, the cgroups of this process, PSI).
fn memory_source() -> Option<Box<dyn MemorySource>> {
    if let Some(dir) = std::env::var_os(MEMORY_LEDGER_ENV).filter(|d| !d.is_empty()) {
        let ledger = fairmake_jobserver::Ledger::new(std::path::Path::new(&dir));
        return Some(Box::new(ledger));
    }
    let system = fairmake_jobserver::SystemMemory::detect(std::path::Path::new("/")).ok()?;
    Some(Box::new(system))
}

impl Slots {
    /// Chooses the slots for this make from `-j` and the inherited MAKEFLAGS.
    /// `memory`: the reserve the server keeps free (`None`: no
    /// memory-aware server).
    pub fn setup(
        jobs: Option<Option<u32>>,
        jobs_from_command_line: bool,
        style: Style,
        env_makeflags: &[u8],
        memory: Option<Reserve>,
    ) -> Result<Slots, diag::Fatal> {
        if !jobs_from_command_line {
            if let Some(slots) = Slots::join_parent(env_makeflags) {
                return Ok(slots);
            }
        } else if fairmake_jobserver::find(env_makeflags)
            .is_ok_and(|named| named != fairmake_jobserver::Named::Nothing)
        {
            // `-j` alone is said as -j0.
            if let Some(n) = jobs.map(|n| n.unwrap_or(0)) {
                diag::warn(
                    None,
                    format_args!("warning: -j{n} forced in submake: resetting jobserver mode."),
                );
            }
        }
        Ok(match jobs {
            Some(Some(n)) if n > 1 => Slots::serve(n, style, memory)?,
            Some(None) => Slots::Local(None),
            _ => Slots::Local(Some(1)),
        })
    }

    /// A sub-make's slots: the parent's jobserver named in MAKEFLAGS, or
    /// -j1 when it is named but cannot be used (GNU's warnings); `None`
    /// when none is named.
    fn join_parent(env_makeflags: &[u8]) -> Option<Slots> {
        let unusable = |what: std::fmt::Arguments<'_>| {
            diag::warn(None, what);
            Some(Slots::Local(Some(1)))
        };
        match Client::from_makeflags(env_makeflags) {
            Ok(Some(client)) => {
                // The processes a killed job leaves behind become ours, so
                // that its slot stays taken while they run.
                let _ = fairmake_jobserver::adopt_orphans();
                Some(Slots::Jobserver {
                    server: None,
                    client,
                    tokens: Vec::new(),
                    governor: None,
                })
            }
            Ok(None) => None,
            Err(ClientError::Unavailable { .. }) => {
                unusable(format_args!("{}", fairmake_jobserver::UNAVAILABLE_WARNING))
            }
            Err(ClientError::FifoMissing(path)) => {
                let e = std::io::Error::from_raw_os_error(libc::ENOENT);
                cannot_open_jobserver(&path, &e);
                unusable(format_args!("{}", fairmake_jobserver::UNAVAILABLE_WARNING))
            }
            Err(ClientError::Open { path, error }) => {
                cannot_open_jobserver(&path, &error);
                unusable(format_args!("{}", fairmake_jobserver::UNAVAILABLE_WARNING))
            }
            Err(e) => unusable(format_args!("warning: {e}: using -j1")),
        }
    }

    /// The top-level make's jobserver of `n` slots. Without a fifo (its
    /// temporary directory not writable) the default style falls back to
    /// a pipe, as GNU make 4.4.1 does; `--jobserver-style=fifo` then stops,
    /// with GNU's words. Without even a pipe (no descriptors left), -j1.
    fn serve(n: u32, style: Style, memory: Option<Reserve>) -> Result<Slots, diag::Fatal> {
        let dir = super::tmpdir::temp_dir();
        let server = match Server::create(n, style, Some(&dir)) {
            Err(e) if style != Style::Pipe => {
                diag::warn(
                    None,
                    format_args!(
                        "jobserver mkfifo: {}/fairmake-js.XXXXXX: {}",
                        dir.display(),
                        diag::io_error_text(&e)
                    ),
                );
                if style == Style::Fifo {
                    return Err(diag::Fatal::new(
                        None,
                        "unknown jobserver auth style 'fifo'",
                    ));
                }
                Server::create(n, Style::Pipe, None)
            }
            created => created,
        };
        let server = match server {
            Ok(server) => server,
            Err(e) => {
                diag::warn(
                    None,
                    format_args!("warning: cannot create the jobserver: {e}: using -j1"),
                );
                return Ok(Slots::Local(Some(1)));
            }
        };
        server.register_signal_cleanup();
        // Orphans of killed clients and jobs become our children, so that
        // healing waits until they are gone too, and a killed job's slot
        // stays taken.
        let _ = fairmake_jobserver::adopt_orphans();
        let client = match server.client() {
            Ok(client) => client,
            Err(e) => {
                diag::warn(None, format_args!("warning: cannot use the jobserver: {e}"));
                return Ok(Slots::Local(Some(n)));
            }
        };
        // Its first look, before the first job starts, takes every token
        // (slow start).
        let governor = memory
            .and_then(|reserve| Some((reserve, memory_source()?)))
            .map(|(reserve, source)| Box::new(Governor::new(n, source, reserve)));
        Ok(Slots::Jobserver {
            server: Some(Box::new(server)),
            client,
            tokens: Vec::new(),
            governor,
        })
    }

    /// The jobserver this make uses, as GNU's `--debug=v` and `=j` name it
    /// (`Using jobserver controller fifo:PATH`, or `R,W`): the one it
    /// created, or its parent's.
    pub fn controller(&self) -> Option<Vec<u8>> {
        match self {
            Slots::Jobserver {
                server: Some(server),
                ..
            } => Some(server.auth().to_bytes()),
            Slots::Jobserver { client, .. } => Some(client.auth().to_bytes()),
            Slots::Local(_) => None,
        }
    }

    /// Whether only one job runs at a time (GNU then waits for each job).
    pub fn is_serial(&self) -> bool {
        matches!(self, Slots::Local(Some(1)))
    }

    /// Whether a job may start now, with `running` jobs running; takes a
    /// token from the jobserver when the implicit slot is in use.
    pub fn try_reserve(&mut self, running: u32) -> bool {
        match self {
            Slots::Local(max) => max.is_none_or(|m| running < m),
            Slots::Jobserver { client, tokens, .. } => {
                if running as usize <= tokens.len() {
                    return true;
                }
                match client.try_acquire() {
                    Ok(Some(token)) => {
                        tokens.push(token);
                        true
                    }
                    _ => false,
                }
            }
        }
    }

    /// A job ended: give back every token the jobs still running do not
    /// need. One of them runs on the implicit slot, so `running_after` jobs
    /// hold `running_after - 1` tokens; keeping one more would starve the
    /// other makes until the next job here ends.
    pub fn release(&mut self, running_after: u32) {
        if let Slots::Jobserver { client, tokens, .. } = self {
            while tokens.len() > running_after.saturating_sub(1) as usize {
                if let Some(token) = tokens.pop() {
                    if let Err(e) = client.release(token) {
                        diag::warn(
                            None,
                            format_args!("warning: cannot return a jobserver token: {e}"),
                        );
                    }
                }
            }
        }
    }

    /// The descriptor that becomes readable when a token may be free.
    pub fn poll_fd(&self) -> Option<BorrowedFd<'_>> {
        match self {
            Slots::Jobserver { client, .. } => Some(client.poll_fd()),
            Slots::Local(_) => None,
        }
    }

    /// What a child about to be spawned inherits of the jobserver: a
    /// recursive one gets descriptions of its own on the numbers MAKEFLAGS
    /// names.
    pub fn prepare_child(&self, recursive: bool) -> Option<ChildFds> {
        let fds = match self {
            Slots::Jobserver {
                server: Some(server),
                ..
            } => server.prepare_child(recursive),
            Slots::Jobserver { client, .. } => client.prepare_child(recursive),
            Slots::Local(_) => return None,
        };
        fds.inspect_err(|e| {
            diag::warn(
                None,
                format_args!("warning: cannot pass the jobserver on: {e}"),
            )
        })
        .ok()
        .filter(|fds| !fds.is_empty())
    }

    /// The jobserver words of `$(MAKEFLAGS)`, as GNU make 4.4.1 writes them.
    pub fn makeflags_words(&self) -> Vec<Vec<u8>> {
        match self {
            Slots::Jobserver {
                server: Some(server),
                ..
            } => server.makeflags_words(),
            Slots::Jobserver { client, .. } => vec![client.auth_word()],
            Slots::Local(None) => vec![b"-j".to_vec()],
            Slots::Local(Some(_)) => Vec::new(),
        }
    }

    /// The jobserver words of the MAKEFLAGS children get in their
    /// environment: with the default style, the fifo and the descriptors
    /// both, so that every kind of client finds a form it reads.
    pub fn child_makeflags_words(&self) -> Vec<Vec<u8>> {
        match self {
            Slots::Jobserver {
                server: Some(server),
                ..
            } => server.child_auth_words(),
            Slots::Jobserver { client, .. } => client.child_auth_words(),
            Slots::Local(_) => self.makeflags_words(),
        }
    }

    /// At exit, as the server: every token must be back, counted and said
    /// as GNU make says it.
    /// With `debug_jobs` (`--debug=j`), GNU's line for the tokens all
    /// back: `Acquired all N jobserver tokens.`
    pub fn finish(&mut self, debug_jobs: bool) {
        let Slots::Jobserver {
            server: Some(server),
            tokens,
            client,
            governor,
        } = self
        else {
            return;
        };
        // Withheld tokens go back first: they are counted with the rest.
        if let Some(g) = governor {
            g.stop();
        }
        for token in tokens.drain(..) {
            let _ = client.release(token);
        }
        if let Ok(count) = server.shutdown_check() {
            if !count.is_complete() {
                diag::warn(None, count);
            } else if debug_jobs {
                let tokens = server.tokens_total();
                diag::flushed_line(format!("Acquired all {tokens} jobserver tokens.").as_bytes());
            }
        }
        server.remove_fifo();
    }

    /// As the server: whether process `pid` or one below it has the
    /// jobserver open.
    pub fn open_below(&self, pid: i32) -> bool {
        match self {
            Slots::Jobserver {
                server: Some(server),
                ..
            } => server.open_below(pid),
            _ => false,
        }
    }

    /// Tokens in the jobserver right now, when this make is the server.
    pub fn tokens_free(&self) -> Option<usize> {
        match self {
            Slots::Jobserver {
                server: Some(server),
                ..
            } => server.tokens_available().ok(),
            _ => None,
        }
    }

    /// Removes our fifo (before dying of a signal).
    pub fn remove_fifo(&self) {
        if let Slots::Jobserver {
            server: Some(server),
            ..
        } = self
        {
            server.remove_fifo();
        }
    }

    /// As the server: takes out tokens written twice, and restores tokens
    /// lost with a killed client once no live process could still give
    /// them back. `live_children` are this make's running children, each
    /// with whether it is recursive; `casualty` names the last job that was
    /// killed while it could reach the jobserver, for the warning.
    pub fn heal_if_sound(&mut self, live_children: &[(i32, bool)], casualty: Option<&str>) {
        let Slots::Jobserver {
            server: Some(server),
            tokens,
            governor,
            ..
        } = self
        else {
            return;
        };
        // Tokens the governor withholds are held by this make.
        let held = tokens.len() + governor.as_ref().map_or(0, |g| g.withheld());
        let Ok(HealCheck::Healed(healing)) = server.heal_if_sound(held, live_children) else {
            return;
        };
        let n = healing.restored;
        if n > 0 {
            let tokens = if n == 1 { "token" } else { "tokens" };
            match casualty {
                Some(what) => diag::warn(
                    None,
                    format_args!("warning: {n} jobserver {tokens} lost when {what}; restored"),
                ),
                None => diag::warn(
                    None,
                    format_args!(
                        "warning: {n} jobserver {tokens} not given back by clients that exited; restored"
                    ),
                ),
            }
        }
        if healing.removed > 0 {
            diag::warn(
                None,
                format_args!(
                    "warning: {} jobserver tokens written back twice by a client; removed",
                    healing.removed
                ),
            );
        }
    }

    /// As the server with a governor: looks at memory when a look is due
    /// and withholds free tokens, or gives withheld ones back, to match
    /// (never waits). `running_here`: the jobs this make runs. Returns
    /// what changed, for the trace.
    pub fn govern(&mut self, running_here: u32) -> Option<Change> {
        let Slots::Jobserver {
            server: Some(server),
            client,
            governor: Some(governor),
            ..
        } = self
        else {
            return None;
        };
        let free = || server.tokens_available().unwrap_or(0);
        governor.govern(client, free, running_here, Instant::now())
    }

    /// With a governor: how long until it should look at memory again,
    /// and whether it waits for tokens to withhold (the pool's readability
    /// is then a reason to wake).
    pub fn governor_wants(&self) -> Option<(Duration, bool)> {
        match self {
            Slots::Jobserver {
                governor: Some(g), ..
            } => Some((g.next_due(Instant::now()), g.hungry())),
            _ => None,
        }
    }

    /// Whether a child can reach the jobserver: any child when it has a
    /// fifo (its path is in MAKEFLAGS), a recursive one when it is a pipe.
    pub fn child_can_reach(&self, recursive: bool) -> bool {
        match self {
            Slots::Jobserver { client, .. } => {
                recursive || matches!(client.auth(), fairmake_jobserver::Auth::Fifo(_))
            }
            Slots::Local(_) => false,
        }
    }

    /// Whether this make adopts the orphans below it (with a jobserver)
    /// and so must reap children it did not start.
    pub fn adopts_orphans(&self) -> bool {
        matches!(self, Slots::Jobserver { .. }) && fairmake_jobserver::adopts_orphans()
    }
}
