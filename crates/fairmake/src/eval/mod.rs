//! The evaluator: variables in their scopes, the expansion of compiled text,
//! and the state that expansion can reach (the rule database, the file cache,
//! options). `$(eval)` and `$(shell)` reach the layers above through
//! [`Reentry`].

pub mod bindings;
pub mod expand;
pub mod function_table;
pub mod functions;
pub mod makeflags;
mod reentry;
pub mod vars;

use std::rc::Rc;

use smallvec::SmallVec;

use crate::diag::{self, Fatal, Loc, Result};
use crate::options::Options;
use crate::rules::Database;
pub use expand::{Expansion, Node};
pub use reentry::Reentry;
use vars::{Export, Flavor, Origin, SharedVarSet, Var, VarKey, VarSet};

/// A cached child environment: the `globals` generation and `export_all`
/// it was computed for, and the (name, value) pairs.
pub type EnvCache = (u64, bool, Rc<Vec<(Vec<u8>, Vec<u8>)>>);

/// A variable set seen from a target's context.
#[derive(Clone, Debug)]
pub struct ScopeEntry {
    pub set: SharedVarSet,
    /// Inherited from a parent target: `private` variables there are invisible.
    pub inherited: bool,
}

/// The interpreter state shared by reading, planning and running: the
/// variables and the scope expansion sees, and four owned parts (what this
/// make was asked to do, what its children get, the rule database, the
/// file cache), plus what reading left for the session.
pub struct Evaluator {
    pub globals: VarSet,
    /// Target-specific scope, innermost first; empty at global level.
    pub scope: Vec<ScopeEntry>,
    /// `$(foreach)`, `$(let)` and `$(call)` variables: they shadow the scope.
    pub bindings: bindings::Bindings,
    /// Recursive variables being expanded, to catch loops: by variable,
    /// not by value, so that one redefined while it is expanded is still
    /// caught. A set: chains of references can be 100 000 deep.
    active: rustc_hash::FxHashSet<VarKey>,
    /// Computing a `$(shell)` environment: a variable met again while it
    /// is being expanded (directly, or through `$(call)`) stands for the
    /// value make was started with, as in GNU 4.4.1, instead of an error.
    pub self_reference_is_environment: bool,
    /// Where the construct being evaluated came from, for error messages.
    pub loc: Option<Loc>,
    /// The definition of the innermost variable being expanded that has one:
    /// GNU reports errors found while parsing a value (bad numbers,
    /// unterminated references, too few arguments) there.
    expanding_loc: Option<Loc>,
    /// The variable whose definition `expanding_loc` is: redefined while
    /// it is expanded (`$(eval)`), its new definition is the place, as in
    /// GNU, which locates by the variable's own record.
    expanding_key: Option<VarKey>,
    /// `loc` is the definition of the outermost variable being expanded
    /// where nothing was being read (see `expand_recursive_at`).
    placed_by_variable: bool,
    /// The variable about to be expanded places nothing (see
    /// `expand_own_var`).
    unplacing: bool,
    /// Make is expanding SHELL or .SHELLFLAGS for its own use: no
    /// undefined-variable warnings (see `expand_consulted_var`).
    consulting: bool,
    /// `undefine .VARIABLES` left no variable to compute (see
    /// `computed_variable`).
    variables_undefined: bool,
    /// How many global variables there were when `.VARIABLES` was last
    /// looked up: GNU recomputes its value on a lookup only when that
    /// number changed (see `refreshed_variables`).
    variables_counted: std::cell::Cell<Option<usize>>,
    /// A definition of `.VARIABLES` set its value after that lookup.
    variables_assigned: std::cell::Cell<bool>,
    /// The first line of the recipe being expanded (the rule line for
    /// `target: ; recipe`): GNU says there, not at the line being
    /// expanded, that a `$(eval)` in it may not define a rule.
    pub recipe_start: Option<Loc>,
    pub invocation: Invocation,
    pub child_env: ChildEnv,
    pub db: Database,
    pub fs: crate::fscache::FsCache,
    pub reading: Reading,
    /// `$(shell)` and `$(eval)`, provided by the owner (the session).
    pub reentry: Reentry,
    /// How many `$(shell)` and `!=` commands have run: the planner tells
    /// from it whether expanding a recipe waited for one.
    pub shell_runs: u64,
}

/// What this make was asked to do, and where: set up at start. The
/// options change only when a makefile assigns MAKEFLAGS.
pub struct Invocation {
    pub options: Rc<Options>,
    pub cwd: Vec<u8>,
    /// `MAKELEVEL` of this make.
    pub level: u32,
    /// argv and the inherited GNUMAKEFLAGS and MAKEFLAGS (each value on
    /// its own, as each is parsed): they keep the last word over a
    /// makefile's MAKEFLAGS.
    pub args: Rc<(Vec<std::ffi::OsString>, Vec<Vec<u8>>)>,
    /// The switches decoded from the MAKEFLAGS variable so far (see
    /// `Evaluator::decode_makeflags_variable`): they add up, as GNU's do.
    pub variable_switches: Options,
    /// No side effects outside the process: `$(shell)`, `!=` and `$(file)`
    /// do nothing (for fuzzing the reader and the expander).
    pub sandboxed: bool,
    /// The trace file every sub-make appends to (`--trace-json`, `--stats`).
    pub trace_path: Option<Vec<u8>>,
}

/// What children get besides the exported variables themselves.
#[derive(Default)]
pub struct ChildEnv {
    /// `export` with no arguments, or `.EXPORT_ALL_VARIABLES`.
    pub export_all: bool,
    /// `SHELL` as the environment gave it: children get it back.
    pub original_shell: Option<Vec<u8>>,
    /// The MAKEFLAGS words that pass the jobserver (or `-j`) to children.
    pub jobserver_words: Vec<Vec<u8>>,
    /// The jobserver words of the MAKEFLAGS in children's environment,
    /// when they differ from `jobserver_words` (see `exec::slots`).
    pub jobserver_child_words: Vec<Vec<u8>>,
    /// The MAKEFLAGS variable's value is being expanded to be decoded:
    /// to a `$(shell)` in it, MAKEFLAGS is being expanded (see
    /// `Evaluator::makeflags_for_children`).
    pub decoding_makeflags: bool,
    /// The environment of a child with no target-specific variables, and the
    /// generation of `globals` (and `export_all`) it was computed from.
    pub cache: Option<EnvCache>,
}

/// What reading the makefiles leaves for the session besides variables
/// and rules.
#[derive(Default)]
pub struct Reading {
    /// Includes that could not be read, to be remade or reported.
    pub missing_includes: Vec<MissingInclude>,
    /// The makefiles read, in order, as they were opened: what make tries
    /// to remake, whatever a makefile or the command line made of the
    /// `MAKEFILE_LIST` variable. Its length is a missing one's place among
    /// them (see [`MissingInclude::after_read`]).
    pub makefiles_read: Vec<MakefileRead>,
    /// Where the makefile read from standard input was copied.
    pub stdin_copy: Option<Vec<u8>>,
    /// The global `.EXTRA_PREREQS`, expanded once reading is done.
    pub extra_prereqs: Option<ExtraPrereqs>,
    /// The makefiles MAKEFILES names are being read: their targets do not
    /// become the default goal (though an assignment to `.DEFAULT_GOAL`
    /// there does count).
    pub no_default_goal: bool,
    /// Under `-e`, the SHELL the command line left where make put /bin/sh
    /// instead, with its flavor: the recipes get it (`session::initial`).
    pub command_line_shell_for_recipes: Option<(Vec<u8>, Flavor)>,
}

/// The global `.EXTRA_PREREQS` as GNU expands it once the makefiles are
/// read: once for the files (before the suffix rules are converted, which
/// count them as prerequisites), once more for the implicit rules.
#[derive(Clone, Debug, Default)]
pub struct ExtraPrereqs {
    pub files: Vec<u8>,
    pub rules: Vec<u8>,
    /// Each target's own (target-specific) value, expanded between the
    /// two.
    pub own: rustc_hash::FxHashMap<crate::rules::FileId, Vec<u8>>,
}

/// A makefile that was read.
#[derive(Clone, Debug)]
pub struct MakefileRead {
    /// As opened (an include found through `-I` with its directory).
    pub name: Vec<u8>,
    /// The `include` line that named it; `None` for `-f`, a default name
    /// or `MAKEFILES`.
    pub loc: Option<Loc>,
    /// Named by `-include`, `sinclude` or `MAKEFILES`: failing to remake
    /// it is no error.
    pub optional: bool,
}

/// An `include` whose file did not exist when it was read.
#[derive(Clone, Debug)]
pub struct MissingInclude {
    pub name: Vec<u8>,
    pub loc: Option<Loc>,
    pub optional: bool,
    pub error: Option<i32>,
    /// How many makefiles had been read when this one was found missing:
    /// makefiles are remade in the order they were named, missing or not.
    pub after_read: usize,
}

/// What a definition should do with an existing variable of the same name.
pub struct Definition<'a> {
    pub name: &'a [u8],
    pub value: Vec<u8>,
    pub flavor: Flavor,
    pub origin: Origin,
    pub append: bool,
    pub conditional: bool,
    pub export: Option<Export>,
    pub private: bool,
    /// Where the definition was written, when that is not the current
    /// location: a `define`, whose value is expanded at its `endef`.
    pub loc: Option<Loc>,
}

impl Evaluator {
    pub fn new(options: Rc<Options>, cwd: Vec<u8>) -> Evaluator {
        Evaluator {
            globals: VarSet::new(),
            scope: Vec::new(),
            bindings: bindings::Bindings::default(),
            active: Default::default(),
            self_reference_is_environment: false,
            loc: None,
            expanding_loc: None,
            expanding_key: None,
            placed_by_variable: false,
            unplacing: false,
            consulting: false,
            variables_undefined: false,
            variables_counted: std::cell::Cell::new(None),
            variables_assigned: std::cell::Cell::new(false),
            recipe_start: None,
            invocation: Invocation {
                options,
                cwd,
                level: 0,
                args: Rc::default(),
                variable_switches: Options::default(),
                sandboxed: false,
                trace_path: None,
            },
            child_env: ChildEnv::default(),
            db: Database::default(),
            fs: crate::fscache::FsCache::new(),
            reading: Reading::default(),
            reentry: Reentry::NONE,
            shell_runs: 0,
        }
    }

    /// A fatal error at the current location.
    pub fn fatal(&self, message: impl Into<String>) -> Fatal {
        Fatal::new(self.loc.as_ref(), message)
    }

    /// A fatal error at the definition of the variable being expanded, or at
    /// the current location outside any variable.
    pub fn fatal_in_value(&self, message: impl Into<String>) -> Fatal {
        Fatal::new(self.expanding_loc.as_ref().or(self.loc.as_ref()), message)
    }

    /// The value of the global variable `name` expanded (in no target's
    /// scope) as text, not as a reference to it: its own messages are at
    /// the current location, if any.
    pub fn expand_global_value(&mut self, name: &[u8]) -> Result<Vec<u8>> {
        let Some((text, flavor)) = self.globals.get(name).map(|v| (v.value.clone(), v.flavor))
        else {
            return Ok(Vec::new());
        };
        match flavor {
            Flavor::Simple => Ok(text),
            Flavor::Recursive => self.with_scope(Vec::new(), |ev| ev.expand_text(&text)),
        }
    }

    /// Expands `exp`, appending to `out`.
    pub fn expand(&mut self, exp: &Expansion, out: &mut Vec<u8>) -> Result<()> {
        for node in &exp.nodes {
            match node {
                Node::Literal(text) => out.extend_from_slice(text),
                Node::Var(name) => self.expand_var(name, out)?,
                Node::ComputedVar(name) => {
                    let name = self.expand_to_vec(name)?;
                    self.expand_var(&name, out)?;
                }
                Node::SubstRef { name, from, to } => self.expand_subst_ref(name, from, to, out)?,
                Node::Call { func, args } => functions::control::call(self, *func, args, out)?,
                Node::Unterminated => {
                    return Err(self.fatal_in_value("unterminated variable reference"))
                }
                Node::UnterminatedCall(f, close) => {
                    let name = functions::name(*f);
                    let close = char::from(*close);
                    return Err(self.fatal_in_value(format!(
                        "unterminated call to function '{name}': missing '{close}'"
                    )));
                }
            }
        }
        Ok(())
    }

    pub fn expand_to_vec(&mut self, exp: &Expansion) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.expand(exp, &mut out)?;
        Ok(out)
    }

    /// Parses and expands `text` in one go.
    /// Expands `text` with its errors reported at `loc` (a rule line whose
    /// prerequisites are expanded a second time, after reading).
    pub fn expand_text_at(&mut self, text: &[u8], loc: Loc) -> Result<Vec<u8>> {
        self.expand_text_located(text, Some(loc))
    }

    /// Expands `text` with errors said at `loc`, or with no location at
    /// all (`make: *** ...`) when `loc` is `None`.
    pub fn expand_text_located(&mut self, text: &[u8], loc: Option<Loc>) -> Result<Vec<u8>> {
        let saved = std::mem::replace(&mut self.expanding_loc, loc);
        let saved_key = self.expanding_key.take();
        let result = self.expand_text(text);
        self.expanding_loc = saved;
        self.expanding_key = saved_key;
        result
    }

    /// Errors in a value are said at `loc`, the definition of variable
    /// `key`, when it has one; what was said before comes back.
    fn place_at(&mut self, loc: Option<Loc>, key: VarKey) -> (Option<Loc>, Option<VarKey>) {
        match loc {
            Some(l) => (
                self.expanding_loc.replace(l),
                self.expanding_key.replace(key),
            ),
            None => (self.expanding_loc.clone(), self.expanding_key),
        }
    }

    fn restore_place(&mut self, (loc, key): (Option<Loc>, Option<VarKey>)) {
        self.expanding_loc = loc;
        self.expanding_key = key;
    }

    /// The variable `key` was just defined again at `loc`: if its value is
    /// being expanded, that is where its errors are said from now on.
    fn follow_redefinition(&mut self, key: VarKey, loc: &Option<Loc>) {
        if self.expanding_key == Some(key) {
            if let Some(l) = loc {
                self.expanding_loc = Some(l.clone());
            }
        }
    }

    pub fn expand_text(&mut self, text: &[u8]) -> Result<Vec<u8>> {
        if memchr::memchr(b'$', text).is_none() {
            return Ok(text.to_vec());
        }
        self.expand_to_vec(&Expansion::parse(text))
    }

    fn expand_subst_ref(
        &mut self,
        name: &Expansion,
        from: &Expansion,
        to: &Expansion,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let name = self.expand_to_vec(name)?;
        let from = self.expand_to_vec(from)?;
        let to = self.expand_to_vec(to)?;
        let mut value = Vec::new();
        self.expand_var(&name, &mut value)?;
        functions::pure::subst_ref(&value, &from, &to, out);
        Ok(())
    }

    /// Expands the variable `name` in the current scope.
    pub fn expand_var(&mut self, name: &[u8], out: &mut Vec<u8>) -> Result<()> {
        if self.copy_simple_value(name, out) {
            return Ok(());
        }
        let chain = self.lookup_chain(name);
        if chain.is_empty() {
            if let Some(v) = self.computed_variable(name) {
                out.extend_from_slice(&v.value);
                return Ok(());
            }
        }
        if chain.is_empty() {
            if self.invocation.options.warn_undefined_variables
                && !self.consulting
                && !is_special_variable(name)
            {
                // A built-in rule's recipe has no place in a makefile.
                let loc = self.loc.as_ref().filter(|l| *l.file != *b"<builtin>");
                // `$(^D)` is `$(patsubst %/,%,$(dir $^))` in GNU: what is
                // undefined is `^`.
                let name = match name {
                    [a @ (b'@' | b'<' | b'^' | b'*' | b'%' | b'?' | b'+'), b'D' | b'F'] => {
                        std::slice::from_ref(a)
                    }
                    _ => name,
                };
                diag::warn(
                    loc,
                    format_args!("warning: undefined variable '{}'", diag::show(name)),
                );
            }
            return Ok(());
        }
        // What the pieces say is said at the definition found first (a
        // target's `+=`), not at each piece's own, as in GNU 4.4.1 and 4.3.
        let found_first = match chain.first() {
            Some(Piece::Compiled(_, loc, _)) if chain.len() > 1 => Some(loc.clone()),
            _ => None,
        };
        // Outermost definition first: `+=` pieces append to what they inherit.
        let mut first = true;
        for piece in chain.into_iter().rev() {
            if !first && !piece.value_is_empty() {
                out.push(b' ');
            }
            let before = out.len();
            match piece {
                Piece::Text(text) => out.extend_from_slice(&text),
                Piece::Compiled(exp, loc, key) => {
                    let loc = found_first.clone().unwrap_or(loc);
                    self.expand_recursive_at(name, &exp, key, loc, out)?
                }
            }
            if out.len() > before {
                first = false;
            }
        }
        Ok(())
    }

    /// Expands a variable make looks up to do its work (SHELL to run a
    /// recipe): no makefile's reference, so neither it nor what its value
    /// refers to draws an undefined-variable warning (GNU 4.4.1 turns them
    /// off for SHELL and .SHELLFLAGS).
    pub fn expand_consulted_var(&mut self, name: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.expand_consulted(name, true, out)
    }

    /// [`Self::expand_consulted_var`] for SHELL: GNU 4.4.1 and 4.3 say an
    /// error in its value's syntax or a function's arguments (`$(word
    /// 0,a)`, an unterminated call) at its definition, as for any variable,
    /// though what it says (`$(warning)`, `$(error)`) is said at the command.
    pub fn expand_consulted_var_placed(&mut self, name: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.expand_consulted(name, false, out)
    }

    fn expand_consulted(&mut self, name: &[u8], unplacing: bool, out: &mut Vec<u8>) -> Result<()> {
        let outer = std::mem::replace(&mut self.consulting, true);
        // Expanded in place, as `expand_own_var`: GNU locates what
        // .SHELLFLAGS's own value says where make consults it (a recipe's
        // line, a `$(shell)`), not at its definition.
        self.unplacing = unplacing;
        let result = self.expand_var(name, out);
        self.unplacing = false;
        self.consulting = outer;
        result
    }

    /// What `~` in a file name stands for, as make's variable HOME says
    /// (GNU 4.4.1 and 4.3): its value expanded in the current scope (a
    /// target's own HOME in its recipe), without a warning if it is unset;
    /// empty, the environment's HOME is used (see `glob::glob_home`).
    pub fn home_variable(&mut self) -> Result<Vec<u8>> {
        let mut home = Vec::new();
        self.expand_consulted_var(b"HOME", &mut home)?;
        Ok(home)
    }

    /// [`Self::home_variable`] for a name that starts with `~` or `~/`;
    /// `None` for any other name, or when the expansion fails where no
    /// error can be said (a rule's names): the environment's HOME then.
    pub fn home_for(&mut self, name: &[u8]) -> Option<Vec<u8>> {
        if !crate::glob::needs_home(name) {
            return None;
        }
        self.home_variable().ok()
    }

    /// Expands a variable make itself reads (`.DEFAULT_GOAL`,
    /// `.EXTRA_PREREQS`): GNU expands its value in place, so what it says is
    /// located by the variables inside it, not by its own definition.
    pub fn expand_own_var(&mut self, name: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.unplacing = true;
        let result = self.expand_var(name, out);
        self.unplacing = false;
        result
    }

    /// Expands a recursive value; a self-reference is reported at the
    /// variable's definition, as GNU does.
    fn expand_recursive_at(
        &mut self,
        name: &[u8],
        exp: &Rc<Expansion>,
        key: VarKey,
        loc: Option<Loc>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        // A variable make reads itself (see `expand_own_var`) places none
        // of its errors at its definition.
        let unplacing = std::mem::take(&mut self.unplacing);
        let saved = self.place_at(loc.clone().filter(|_| !unplacing), key);
        // Where nothing is being read (a built-in recipe, a job's
        // environment, after reading), what the outermost variable's value
        // says is located at its definition (at none if it has none), as in
        // GNU: the variables inside it do not move that place again.
        let unplaced =
            !self.placed_by_variable && !unplacing && self.loc.as_ref().is_none_or(Loc::is_nowhere);
        let placed = unplaced.then(|| {
            self.placed_by_variable = true;
            let place = loc.clone().unwrap_or_else(Loc::nowhere);
            self.loc.replace(place)
        });
        let result = self.expand_guarded(name, exp, key, loc.as_ref(), out);
        self.restore_place(saved);
        if let Some(outer) = placed {
            self.loc = outer;
            self.placed_by_variable = false;
        }
        result
    }

    /// Expands the recursive value of the variable `key`, refusing to
    /// re-enter one already being expanded.
    pub fn expand_recursive(
        &mut self,
        name: &[u8],
        exp: &Rc<Expansion>,
        key: VarKey,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        self.expand_guarded(name, exp, key, None, out)
    }

    /// [`Self::expand_recursive`]; a self-reference found here is said at
    /// `defined_at` (the variable's definition) when there is one. Only the
    /// reference that closes the loop is placed so: the variables it went
    /// through do not move the place again.
    fn expand_guarded(
        &mut self,
        name: &[u8],
        exp: &Rc<Expansion>,
        key: VarKey,
        defined_at: Option<&Loc>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        // (A value without references needs no mark, but it may be the new
        // value of a variable being expanded, which refers to itself.)
        if let Some(text) = exp.as_literal() {
            if !self.active.contains(&key) {
                out.extend_from_slice(text);
                return Ok(());
            }
        } else if self.active.insert(key) {
            let result = self.expand(exp, out);
            self.active.remove(&key);
            return result;
        }
        if self.self_reference_is_environment {
            out.extend_from_slice(&start_up_value(name));
            return Ok(());
        }
        let message = format!(
            "Recursive variable '{}' references itself (eventually)",
            diag::show(name)
        );
        // A variable with no definition of its own (built in, from the
        // environment or the command line) is said where the innermost
        // variable around it is defined, as GNU does (`CFLAGS =
        // $(COMPILE.c)`: at CFLAGS's line).
        Err(match defined_at {
            Some(loc) => Fatal::new(Some(loc), message),
            None => self.fatal_in_value(message),
        })
    }

    /// Whether the value `name` has in the current scope is being expanded
    /// (so expanding it again would reference itself).
    pub fn is_being_expanded(&self, name: &[u8]) -> bool {
        self.lookup_chain(name).iter().any(|piece| match piece {
            Piece::Compiled(_, _, key) => self.active.contains(key),
            Piece::Text(_) => false,
        })
    }

    /// Expands a recursive value without the self-reference guard (`$(call)`):
    /// its own expansion is not marked, but the variables being expanded
    /// around it stay so (`A = $(B)`, `B = $(call A)`: B references
    /// itself through A, as GNU says).
    /// Errors found parsing the value are said at its definition `loc`,
    /// as for a reference.
    pub fn expand_unguarded(
        &mut self,
        name: &[u8],
        exp: &Rc<Expansion>,
        key: VarKey,
        loc: Option<Loc>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let saved = self.place_at(loc, key);
        let result = if self.self_reference_is_environment {
            // Guarded all the same: a `$(call)` of a variable being
            // expanded stands for its start-up value (see the field).
            self.expand_recursive(name, exp, key, out)
        } else {
            self.expand(exp, out)
        };
        self.restore_place(saved);
        result
    }

    /// The definitions that make up `name`'s value, innermost first; several
    /// only when target-specific `+=` appends to an inherited value.
    fn lookup_chain(&self, name: &[u8]) -> SmallVec<[Piece; 2]> {
        // Most names have one definition: no allocation for them.
        let mut chain = SmallVec::new();
        if let Some(v) = self.bindings.get(name) {
            chain.push(Piece::of(v, None));
            return chain;
        }
        for (depth, entry) in self.scope.iter().enumerate() {
            let set = entry.set.borrow();
            if let Some((key, v)) = set.get_keyed(name) {
                if (entry.inherited && v.private) || self.conditional_hidden(v, depth, name) {
                    continue;
                }
                chain.push(Piece::of(v, Some(key)));
                if !v.append {
                    return chain;
                }
            }
        }
        if let Some((key, v)) = self.globals.get_keyed(name) {
            if !v.private || self.scope.is_empty() {
                chain.push(self.global_piece(name, v, key));
            }
        }
        chain
    }

    /// A global definition as a piece of a value: a defined `.VARIABLES`
    /// as a lookup finds it (see `refreshed_variables`), the list of names
    /// when computed again, whatever its flavor.
    fn global_piece(&self, name: &[u8], v: &Var, key: VarKey) -> Piece {
        match self.refreshed_variables(name, v) {
            Some(fresh) => Piece::Text(fresh.value),
            None => Piece::of(v, Some(key)),
        }
    }

    /// The common case of a reference: `name`'s visible definition is a
    /// simple one that appends to nothing, whose value is copied straight
    /// into `out` (rather than into a [`Piece`] first). Whether it was. A
    /// private definition takes the full lookup, which tells a global one
    /// (hidden under a target) from the target's own.
    fn copy_simple_value(&self, name: &[u8], out: &mut Vec<u8>) -> bool {
        self.with_var(name, |v| match v {
            Some(v) if v.flavor == Flavor::Simple && !v.append && !v.private => {
                out.extend_from_slice(&v.value);
                true
            }
            _ => false,
        })
    }

    /// A pattern-specific `?=` definition at `depth` of the scope gives way
    /// to any definition of `name` further out that is the target's own or
    /// global.
    fn conditional_hidden(&self, v: &Var, depth: usize, name: &[u8]) -> bool {
        v.conditional
            && (self.globals.get(name).is_some()
                || self.scope[depth + 1..]
                    .iter()
                    .any(|e| !e.inherited && e.set.borrow().get(name).is_some()))
    }

    /// Looks a variable up through the scope; calls `f` with it.
    pub fn with_var<R>(&self, name: &[u8], f: impl FnOnce(Option<&Var>) -> R) -> R {
        self.with_var_keyed(name, |v| f(v.map(|(_, v)| v)))
    }

    /// [`Self::with_var`], with the variable's key where it has one (not
    /// a binding, nor a computed variable).
    pub fn with_var_keyed<R>(
        &self,
        name: &[u8],
        f: impl FnOnce(Option<(Option<VarKey>, &Var)>) -> R,
    ) -> R {
        if let Some(v) = self.bindings.get(name) {
            return f(Some((None, v)));
        }
        for (depth, entry) in self.scope.iter().enumerate() {
            let set = entry.set.borrow();
            if let Some((key, v)) = set.get_keyed(name) {
                if (entry.inherited && v.private) || self.conditional_hidden(v, depth, name) {
                    continue;
                }
                return f(Some((Some(key), v)));
            }
        }
        // A private global variable is not seen in a target's context:
        // there `$(origin)` says `undefined`, as `$(V)` is empty (GNU 4.4.1).
        match self.globals.get_keyed(name) {
            Some((key, v)) if !v.private || self.scope.is_empty() => {
                match self.refreshed_variables(name, v) {
                    Some(fresh) => f(Some((Some(key), &fresh))),
                    None => f(Some((Some(key), v))),
                }
            }
            Some(_) => f(None),
            None => f(self.computed_variable(name).as_ref().map(|v| (None, v))),
        }
    }

    /// `.VARIABLES`, which GNU defines at start-up (a simple variable of
    /// origin `default`) and computes when it is looked up: every global
    /// variable's name. fairmake keeps no entry for it until a makefile
    /// defines it; until then every lookup (an expansion, `ifdef`,
    /// `$(origin)`, `+=`) finds it here, unless a makefile undefined it.
    fn computed_variable(&self, name: &[u8]) -> Option<Var> {
        let var = self.unlooked_computed_variable(name)?;
        self.variables_counted.set(Some(self.variables_count()));
        self.variables_assigned.set(false);
        Some(var)
    }

    /// [`Self::computed_variable`] for an assignment other than `+=`,
    /// which does not look the variable up: a lookup after it computes
    /// the list again unless one came before.
    fn unlooked_computed_variable(&self, name: &[u8]) -> Option<Var> {
        if name != b".VARIABLES" || self.variables_undefined {
            return None;
        }
        Some(self.variables_list())
    }

    /// How many global variables GNU counts: `.VARIABLES` among them
    /// while fairmake keeps no entry for it.
    fn variables_count(&self) -> usize {
        let unstored = !self.variables_undefined && self.globals.get(b".VARIABLES").is_none();
        self.globals.len() + usize::from(unstored)
    }

    /// A defined `.VARIABLES` as a lookup finds it: GNU keeps the value
    /// last set until a lookup sees the number of global variables changed
    /// since the one before (or comes first), and then recomputes it (an
    /// assignment's value survives until a variable is defined or
    /// undefined). `None`: the stored value stands.
    fn refreshed_variables(&self, name: &[u8], stored: &Var) -> Option<Var> {
        if name != b".VARIABLES" {
            return None;
        }
        let count = self.variables_count();
        let unchanged = self.variables_counted.get() == Some(count);
        if unchanged && self.variables_assigned.get() {
            return None;
        }
        self.variables_counted.set(Some(count));
        self.variables_assigned.set(false);
        let mut fresh = self.variables_list();
        fresh.flavor = stored.flavor;
        fresh.origin = stored.origin;
        Some(fresh)
    }

    /// Every global variable's name, as `.VARIABLES` lists them.
    fn variables_list(&self) -> Var {
        let mut names: Vec<&[u8]> = self.globals.iter().map(|(n, _)| n).collect();
        // It is a variable too, in GNU's list.
        names.push(b".VARIABLES");
        names.sort_unstable();
        names.dedup();
        Var::new(names.join(&b' '), Flavor::Simple, Origin::Default)
    }

    /// `$(.VARIABLES)` as GNU computes it while it defines the command
    /// line's variables (the one at `index` next): the environment's names,
    /// the few of make's own defined before them, the command line's
    /// earlier ones. MAKEFLAGS passes this value on for `.VARIABLES?=`.
    pub fn variables_at_command_line(&self, index: usize) -> Vec<u8> {
        use std::os::unix::ffi::OsStrExt;
        const MAKES_OWN: [&[u8]; 5] = [
            b".VARIABLES",
            b".LOADED",
            b".SHELLFLAGS",
            b".RECIPEPREFIX",
            b".FEATURES",
        ];
        let mut names: Vec<Vec<u8>> = std::env::vars_os()
            .map(|(k, _)| k.as_bytes().to_vec())
            .chain(MAKES_OWN.iter().map(|n| n.to_vec()))
            .collect();
        for assignment in &self.invocation.options.variables[..index] {
            if let Some((name, _, _)) = crate::assignment::split_word(assignment) {
                names.push(name.to_vec());
            }
        }
        names.sort_unstable();
        names.dedup();
        names.join(&b' ')
    }

    /// `undefine NAME`: the global variable is gone, even one GNU computes
    /// (`.VARIABLES`), which is then undefined like any other.
    pub fn undefine_global(&mut self, name: &[u8]) {
        if self.globals.remove(name).is_none() && name == b".VARIABLES" {
            self.variables_undefined = true;
        }
    }

    /// Whether `name` is defined in the current scope.
    pub fn is_defined(&self, name: &[u8]) -> bool {
        self.with_var(name, |v| v.is_some())
    }

    /// The raw (unexpanded) value of a global variable.
    pub fn global_value(&self, name: &[u8]) -> Option<&[u8]> {
        self.globals.get(name).map(|v| v.value.as_slice())
    }

    /// Sets a global variable with the given origin, ignoring precedence.
    pub fn set_global(&mut self, name: &[u8], value: &[u8], flavor: Flavor, origin: Origin) {
        match self.globals.get_mut(name) {
            Some(v) => {
                v.set_value(value.to_vec());
                v.flavor = flavor;
                v.origin = origin;
            }
            None => self
                .globals
                .insert(name, Var::new(value.to_vec(), flavor, origin)),
        }
    }

    /// Defines a variable in `set` (the globals when `None`), applying GNU's
    /// precedence of origins and the semantics of `?=` and `+=`.
    pub fn define(
        &mut self,
        target_set: Option<&SharedVarSet>,
        mut def: Definition<'_>,
    ) -> Result<()> {
        let loc = def.loc.take().or_else(|| self.loc.clone());
        match target_set {
            None => {
                // `+=` with nothing to add leaves a variable as it was, its
                // origin too (an environment variable stays one that a
                // makefile may set), as GNU does; from the command line
                // under -e it still marks an environment variable.
                let empty_append =
                    def.append && def.value.is_empty() && self.globals.get(def.name).is_some();
                if self.invocation.options.environment_overrides
                    && (!empty_append || def.origin == Origin::CommandLine)
                {
                    if let Some(v) = self.globals.get_mut(def.name) {
                        if v.origin == Origin::Environment {
                            v.origin = Origin::EnvironmentOverride;
                        }
                    }
                }
                if empty_append {
                    if let Some(v) = self.globals.get_mut(def.name) {
                        if let Some(export) = def.export {
                            v.export = export;
                        }
                        v.private |= def.private;
                    }
                    return Ok(());
                }
                // `+=` looks `.VARIABLES` up, which may recompute it.
                let fresh = match self.globals.get(def.name) {
                    Some(v) if def.append => self.refreshed_variables(def.name, v),
                    _ => None,
                };
                let existing = match self.globals.get_mut(def.name) {
                    Some(v) => {
                        if let Some(fresh) = fresh {
                            v.set_value(fresh.value);
                        }
                        Some((v.origin, v.flavor, old_value_for(v, &def)))
                    }
                    None if def.append => self
                        .computed_variable(def.name)
                        .map(|v| (v.origin, v.flavor, v.value)),
                    None => self
                        .unlooked_computed_variable(def.name)
                        .map(|v| (v.origin, v.flavor, v.value)),
                };
                let Some(var) = self.compute_definition(def.name, existing, &mut def, false)?
                else {
                    if let Some(v) = self.globals.get_mut(def.name) {
                        if let Some(export) = def.export {
                            v.export = export;
                        }
                        // `private` marks a global variable even where the
                        // definition itself is ignored (GNU 4.4.1).
                        v.private |= def.private;
                    }
                    return Ok(());
                };
                let mut var = var;
                var.loc = loc;
                if let Some(old) = self.globals.get(def.name) {
                    if def.export.is_none() {
                        var.export = old.export;
                    }
                    // Once private, a global variable stays so: a later plain
                    // assignment changes its value, not its visibility.
                    var.private |= old.private;
                }
                self.globals.insert(def.name, var);
                if def.name == b".VARIABLES" {
                    self.variables_assigned.set(true);
                }
                if let Some((key, v)) = self.globals.get_keyed(def.name) {
                    let loc = v.loc.clone();
                    self.follow_redefinition(key, &loc);
                }
            }
            Some(set) => {
                // A command-line (or override) variable is not overridden by a
                // target-specific one unless that says `override`.
                if self
                    .globals
                    .get(def.name)
                    .is_some_and(|g| g.origin > def.origin && g.origin != Origin::Automatic)
                {
                    return Ok(());
                }
                let existing = set
                    .borrow()
                    .get(def.name)
                    .map(|v| (v.origin, v.flavor, v.value.clone()));
                let was_append = set.borrow().get(def.name).is_some_and(|v| v.append);
                let Some(mut var) =
                    self.compute_definition(def.name, existing.clone(), &mut def, true)?
                else {
                    return Ok(());
                };
                // A target-specific `+=` with no local definition appends to the
                // inherited value at lookup time.
                if def.append && (existing.is_none() || was_append) {
                    var.append = true;
                }
                var.loc = loc;
                set.borrow_mut().insert(def.name, var);
                let redefined = set
                    .borrow()
                    .get_keyed(def.name)
                    .map(|(k, v)| (k, v.loc.clone()));
                if let Some((key, loc)) = redefined {
                    self.follow_redefinition(key, &loc);
                }
            }
        }
        Ok(())
    }

    /// The variable a definition produces, or `None` when it is ignored
    /// (a lower origin than the existing one, or `?=` on a defined variable).
    fn compute_definition(
        &mut self,
        name: &[u8],
        existing: Option<(Origin, Flavor, Vec<u8>)>,
        def: &mut Definition<'_>,
        target_specific: bool,
    ) -> Result<Option<Var>> {
        if let Some((origin, flavor, _)) = &existing {
            if *origin > def.origin && !(target_specific && def.origin == Origin::Override) {
                // GNU expands a `+=` to a simple variable before it finds
                // the variable may not change: its `$(info)`s still print.
                if def.append && *flavor == Flavor::Simple {
                    self.expand_text(&def.value)?;
                }
                return Ok(None);
            }
        }
        if def.conditional {
            // A target-specific `?=` also sees the global variable (GNU).
            let defined = existing.is_some() || self.globals.get(name).is_some();
            if defined {
                return Ok(None);
            }
        }
        let mut var = if def.append {
            match existing {
                Some((_, flavor, mut old)) => {
                    let addition = if flavor == Flavor::Simple {
                        self.expand_text(&def.value)?
                    } else {
                        std::mem::take(&mut def.value)
                    };
                    if !old.is_empty() && !addition.is_empty() {
                        old.push(b' ');
                    }
                    old.extend_from_slice(&addition);
                    Var::new(old, flavor, def.origin)
                }
                None => Var::new(
                    std::mem::take(&mut def.value),
                    Flavor::Recursive,
                    def.origin,
                ),
            }
        } else {
            Var::new(std::mem::take(&mut def.value), def.flavor, def.origin)
        };
        var.private = def.private;
        if let Some(export) = def.export {
            var.export = export;
        }
        Ok(Some(var))
    }

    /// Runs `f` with `scope` installed as the current target scope.
    pub fn with_scope<R>(
        &mut self,
        scope: Vec<ScopeEntry>,
        f: impl FnOnce(&mut Evaluator) -> R,
    ) -> R {
        // A target's context starts afresh: no function's bindings show.
        let saved = std::mem::replace(&mut self.scope, scope);
        let saved_bindings = std::mem::take(&mut self.bindings);
        let result = f(self);
        self.scope = saved;
        self.bindings = saved_bindings;
        result
    }
}

/// What a global definition needs of the variable's old value: `+=` takes
/// it, rather than a copy, so that a long run of appends (`obj-y += …`)
/// stays linear; other operators need none. A copy stays when the
/// definition may be ignored (a lower origin) or when a simple variable's
/// addition, expanded first, may refer to the variable itself.
fn old_value_for(v: &mut Var, def: &Definition<'_>) -> Vec<u8> {
    if !def.append {
        return Vec::new();
    }
    let self_reference = v.flavor == Flavor::Simple && memchr::memchr(b'$', &def.value).is_some();
    if v.origin > def.origin || self_reference {
        v.value.clone()
    } else {
        std::mem::take(&mut v.value)
    }
}

/// One definition in a lookup chain.
enum Piece {
    Text(Vec<u8>),
    /// A recursive value, its definition, and which variable it is.
    Compiled(Rc<Expansion>, Option<Loc>, VarKey),
}

impl Piece {
    /// The piece `v` gives; `key`: which variable it is, if it is kept in
    /// a set (else its value stands for it).
    fn of(v: &Var, key: Option<VarKey>) -> Piece {
        match v.flavor {
            Flavor::Simple => Piece::Text(v.value.clone()),
            Flavor::Recursive => {
                let exp = v.compiled();
                let key = key.unwrap_or_else(|| VarKey::of_value(&exp));
                Piece::Compiled(exp, v.loc.clone(), key)
            }
        }
    }

    fn value_is_empty(&self) -> bool {
        match self {
            Piece::Text(t) => t.is_empty(),
            Piece::Compiled(e, _, _) => e.nodes.is_empty(),
        }
    }
}

/// Variables GNU make consults itself and need not be set: referencing
/// them while unset draws no `--warn-undefined-variables` warning (GNU
/// 4.4.1). The others it defines (CURDIR, MAKEFLAGS, .VARIABLES, ...) are
/// undefined like any variable once a makefile undefines them.
fn is_special_variable(name: &[u8]) -> bool {
    const NAMES: &[&[u8]] = &[
        b"MAKECMDGOALS",
        b"MAKE_RESTARTS",
        b"MAKEOVERRIDES",
        b"-*-command-variables-*-",
        b"-*-eval-flags-*-",
        b"MAKE_TERMOUT",
        b"MAKE_TERMERR",
        b".DEFAULT",
        b"VPATH",
        b"GPATH",
    ];
    NAMES.contains(&name)
}

/// The value `name` had in make's environment at start-up (empty if none).
pub(crate) fn start_up_value(name: &[u8]) -> Vec<u8> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    std::env::var_os(std::ffi::OsStr::from_bytes(name))
        .map(|v| v.into_vec())
        .unwrap_or_default()
}
