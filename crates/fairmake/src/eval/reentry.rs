//! What expansion asks of the layers above it: `$(shell)` and `!=` run a
//! command (the executor's business), `$(eval)` reads makefile text (the
//! reader's). The evaluator sits below both, so it does not call them: it
//! calls through this table, which the session fills in with the real
//! ones (`session::REENTRY`) and a test fills in with fakes.
//!
//! Plain function pointers rather than a trait object held by the
//! evaluator: each service takes the whole `&mut Evaluator`, which a
//! callee stored inside it could not be lent alongside.

use super::Evaluator;
use crate::diag::Result;

/// A command's output and its exit status (for `.SHELLSTATUS`).
pub type ShellOutput = (Vec<u8>, i32);

/// The two services, as function pointers (`Copy`, so a caller takes one
/// out before lending the evaluator to it).
#[derive(Clone, Copy)]
pub struct Reentry {
    /// Runs `command` as `$(shell)` does, or as `!=` does when `assignment`
    /// is true (it keeps all but the last trailing newline, as spaces);
    pub shell: fn(ev: &mut Evaluator, command: &[u8], assignment: bool) -> Result<ShellOutput>,
    /// Reads `text` as makefile lines at the current location, as `$(eval)` does.
    pub eval: fn(ev: &mut Evaluator, text: &[u8]) -> Result<()>,
}

impl Reentry {
    /// No services: what an evaluator has until its owner provides them.
    /// Each says so in a fatal error rather than doing nothing quietly.
    pub const NONE: Reentry = Reentry {
        shell: |ev, _, _| Err(ev.fatal("$(shell) is not available here")),
        eval: |ev, _| Err(ev.fatal("$(eval) is not available here")),
    };
}

impl Evaluator {
    /// `$(shell)` / `!=`, through the owner's [`Reentry`].
    pub fn run_shell(&mut self, command: &[u8], assignment: bool) -> Result<ShellOutput> {
        let shell = self.reentry.shell;
        self.shell_runs += 1;
        shell(self, command, assignment)
    }

    /// `$(eval)`, through the owner's [`Reentry`].
    pub fn eval_text(&mut self, text: &[u8]) -> Result<()> {
        let eval = self.reentry.eval;
        eval(self, text)
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::options::Options;

    fn evaluator(reentry: Reentry) -> Evaluator {
        let mut ev = Evaluator::new(Rc::new(Options::default()), b"/nonexistent".to_vec());
        ev.reentry = reentry;
        ev
    }

    /// The evaluator reaches `$(shell)`, `!=`'s runner and `$(eval)` only
    /// through the table: fakes see the expanded arguments.
    #[test]
    fn shell_and_eval_go_through_the_table() {
        let mut ev = evaluator(Reentry {
            shell: |_, command, assignment| {
                let mut out = b"ran:".to_vec();
                out.extend_from_slice(command);
                out.extend_from_slice(if assignment { b":assign" } else { b":function" });
                Ok((out, 0))
            },
            eval: |ev, text| {
                ev.set_global(
                    b"EVALED",
                    text,
                    crate::eval::vars::Flavor::Simple,
                    crate::eval::vars::Origin::File,
                );
                Ok(())
            },
        });
        ev.set_global(
            b"X",
            b"x",
            crate::eval::vars::Flavor::Simple,
            crate::eval::vars::Origin::File,
        );
        assert_eq!(
            ev.expand_text(b"$(shell echo $(X))").unwrap(),
            b"ran:echo x:function"
        );
        assert_eq!(ev.run_shell(b"cmd", true).unwrap().0, b"ran:cmd:assign");
        assert_eq!(ev.expand_text(b"$(eval A = $(X))").unwrap(), b"");
        assert_eq!(ev.expand_text(b"$(EVALED)").unwrap(), b"A = x");
    }

    /// Without an owner's services, each says so instead of doing nothing.
    #[test]
    fn no_services_is_an_error() {
        let mut ev = evaluator(Reentry::NONE);
        let err = ev.expand_text(b"$(shell true)").unwrap_err();
        assert!(
            format!("{err:?}").contains("$(shell) is not available here"),
            "{err:?}"
        );
        let err = ev.expand_text(b"$(eval A = 1)").unwrap_err();
        assert!(
            format!("{err:?}").contains("$(eval) is not available here"),
            "{err:?}"
        );
    }
}
