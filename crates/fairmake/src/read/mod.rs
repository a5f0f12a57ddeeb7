//! Makefile text → evaluated statements: logical lines, directives,
//! conditionals, define, include. Reading evaluates as it goes, as GNU make
//! does: assignments take effect line by line, and a rule enters the
//! database once its recipe is read, when the next line that is no recipe
//! line and no conditional starts (see `record`).

mod attach;
pub mod conditional;
pub mod lines;
mod names;
mod nul;
mod record;
pub mod rule_line;
mod separators;
mod special_targets;
mod target_vars;
#[cfg(test)]
mod tests;
mod vpath;

use std::rc::Rc;

use crate::assignment::{self, AssignOp};
use crate::diag::{self, Loc, Result};
use crate::eval::vars::{Export, Flavor, Origin, SharedVarSet};
use crate::eval::{Definition, Evaluator};
use crate::rules::{Recipe, RecipeLine};
use crate::words::{self, is_blank, trim};
use conditional::{Cond, Keyword};
use lines::{collapse_continuations_with, strip_comment, Lines, LogicalLine};
pub use names::{glob_names, name_words};
pub use special_targets::settle_every_file;

/// Where the recipe lines that follow a rule line go.
pub struct RuleContext {
    /// Filled in when the rule is recorded, as it ends.
    pub targets: Vec<record::RecipeTarget>,
    pub lines: Vec<RecipeLine>,
    /// A `;` recipe or any recipe line was seen: the rule has a recipe.
    pub has_recipe: bool,
    pub loc: Loc,
    /// `&:`: the targets are made together and need a recipe.
    pub grouped: bool,
    /// Warnings about the targets (`target 'x' doesn't match the target
    /// pattern`, ...), each to say before the recipe goes to the target
    /// `ctx.targets[i]`: GNU records a rule's targets once its recipe is
    /// read, one after the other.
    /// The flag marks a note said only if the rule has a recipe.
    pub notes: Vec<(usize, String, bool)>,
    /// Targets whose group membership this grouped rule overrides.
    pub regrouped: Vec<crate::rules::FileId>,
    /// The error GNU gives when it records the rule (`target file 'x' has
    /// both : and :: entries`), said when the rule ends.
    pub pending: Option<diag::Fatal>,
    /// The rule line as read, recorded when the rule ends.
    pub unrecorded: Option<Box<record::Unrecorded>>,
}

/// The reading state of one buffer (a makefile or an `$(eval)` text).
struct BufferReader {
    /// `None`: `$(eval)` outside any makefile line (after reading), whose
    /// lines have no location, as in GNU.
    file: Option<Rc<[u8]>>,
    /// `$(eval)` text reports every error at the line of the eval call.
    fixed_line: Option<u32>,
    conds: Vec<Cond>,
    rule: Option<RuleContext>,
}

/// Why a makefile could not be read.
pub enum ReadError {
    NotFound(std::io::Error),
    Fatal(diag::Fatal),
}

/// How a makefile is being read, as `--debug=v` says it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ReadAs {
    /// Named by `-f` or found under a default name.
    Main,
    /// `include`, searched for in the include path.
    Included,
    /// `-include`, `sinclude` or `MAKEFILES`: its absence is no error.
    Optional,
}

/// `--debug=v`: "Reading makefile 'NAME' (...)...", before the attempt.
pub fn announce(ev: &Evaluator, name: &[u8], how: ReadAs) {
    if !ev.invocation.options.debug.verbose {
        return;
    }
    let flags = match how {
        ReadAs::Main => "",
        ReadAs::Included => " (search path) (no ~ expansion)",
        ReadAs::Optional => " (search path) (don't care) (no ~ expansion)",
    };
    crate::diag::out_line(format_args!(
        "Reading makefile '{}'{flags}...",
        diag::show(name)
    ));
}

/// Reads and evaluates the makefile `name`, appending it to `MAKEFILE_LIST`.
pub fn read_makefile(
    ev: &mut Evaluator,
    name: &[u8],
    how: ReadAs,
) -> std::result::Result<(), ReadError> {
    read_makefile_as(ev, name, name, how)
}

/// Reads the makefile at `name` (the path found, which goes into
/// `MAKEFILE_LIST`); messages name it `display`, as written in the
/// `include` line (an include found through `-I`). `how` it was named
/// decides whether failing to remake it is an error.
pub fn read_makefile_as(
    ev: &mut Evaluator,
    name: &[u8],
    display: &[u8],
    how: ReadAs,
) -> std::result::Result<(), ReadError> {
    use std::os::unix::ffi::OsStrExt;
    // The file stays open while it is evaluated, as GNU keeps it: a makefile
    // that includes itself runs out of descriptors and stops, instead of
    // recursing forever.
    let mut open_file = None;
    let text = if name == b"-" {
        stdin_text()?
    } else {
        let file =
            std::fs::File::open(std::ffi::OsStr::from_bytes(name)).map_err(ReadError::NotFound)?;
        // Read through `Take` with room to spare: `File`'s own
        // `read_to_end` asks for the size first (`fstat` and `lseek`), two
        // system calls more per makefile, most of which are small `.d`s.
        let mut buf = Vec::with_capacity(16 * 1024);
        std::io::Read::read_to_end(&mut std::io::Read::take(&file, u64::MAX), &mut buf).map_err(
            |e| match e.raw_os_error() {
                // A directory stops make, wherever it was named (even by
                // `-include` or MAKEFILES), without a location, as in GNU.
                Some(libc::EISDIR) => ReadError::Fatal(diag::Fatal::new(
                    None,
                    format!("{}: Is a directory", diag::show(display)),
                )),
                _ => ReadError::NotFound(e),
            },
        )?;
        open_file = Some(file);
        buf
    };
    // A UTF-8 byte-order mark at the start is not part of the makefile.
    let text = match text.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => text,
    };
    append_makefile_list(ev, name, how);
    let display: Rc<[u8]> = Rc::from(display);
    let saved_loc = ev.loc.take();
    let result = eval_buffer(ev, &text, Some(display), None);
    drop(open_file);
    ev.loc = saved_loc;
    result.map_err(ReadError::Fatal)
}

/// Standard input, read as a makefile (`include -`).
fn stdin_text() -> std::result::Result<Vec<u8>, ReadError> {
    let mut buf = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map_err(ReadError::NotFound)?;
    Ok(buf)
}

/// The makefile `-f -` names: standard input, copied to a temporary file
/// (`/tmp/GmXXXXXX`), which is then the makefile read, as GNU 4.4.1 and 4.3
/// do: `MAKEFILE_LIST` and messages name the copy, and a restart (after
/// remaking makefiles) reads it again through `--temp-stdin=FILE`.
/// Returns the copy's name.
pub fn copy_stdin(ev: &mut Evaluator) -> diag::Result<Vec<u8>> {
    let stored = stdin_text()
        .map_err(|_| std::io::Error::other("stdin"))
        .and_then(|buf| {
            let mut file = tempfile::Builder::new().prefix("Gm").tempfile()?;
            std::io::Write::write_all(&mut file, &buf)?;
            file.keep().map_err(|e| e.error)
        });
    match stored {
        Ok((_, path)) => {
            let path = path.into_os_string().into_encoded_bytes();
            ev.reading.stdin_copy = Some(path.clone());
            Ok(path)
        }
        Err(_) => Err(diag::Fatal::new(
            None,
            "cannot store makefile from stdin to a temporary file",
        )),
    }
}

/// Notes `name` as read, and appends it to the `MAKEFILE_LIST` variable as
/// a makefile's `+=` would, but as it is (not expanded, even in a simple
/// variable): not when a variable that outranks a makefile's holds the
/// name (the command line's, `override`); as a new recursive variable
/// after `undefine MAKEFILE_LIST` (GNU 4.4.1 and 4.3).
fn append_makefile_list(ev: &mut Evaluator, name: &[u8], how: ReadAs) {
    // Still the place of the `include` line, if any.
    let loc = ev.loc.clone();
    ev.reading.makefiles_read.push(crate::eval::MakefileRead {
        name: name.to_vec(),
        loc,
        optional: how == ReadAs::Optional,
    });
    // Appended in place: thousands of `-include`d .d files must not copy the
    // growing list each time.
    match ev.globals.get_mut(b"MAKEFILE_LIST") {
        Some(var) if var.origin > Origin::File => {}
        Some(var) => {
            let mut value = std::mem::take(&mut var.value);
            if !value.is_empty() {
                value.push(b' ');
            }
            value.extend_from_slice(name);
            var.set_value(value);
            var.origin = Origin::File;
        }
        None => ev.set_global(b"MAKEFILE_LIST", name, Flavor::Recursive, Origin::File),
    }
}

/// Evaluates `text` as makefile lines (`$(eval)`), at the current location.
pub fn eval_text(ev: &mut Evaluator, text: &[u8]) -> Result<()> {
    let saved_loc = ev.loc.clone();
    let (file, line) = match &ev.loc {
        Some(loc) => (Some(loc.file.clone()), loc.line),
        None => (None, 0),
    };
    let result = eval_buffer(ev, text, file, Some(line));
    ev.loc = saved_loc;
    result
}

fn eval_buffer(
    ev: &mut Evaluator,
    text: &[u8],
    file: Option<Rc<[u8]>>,
    fixed_line: Option<u32>,
) -> Result<()> {
    // GNU reads makefiles a line at a time as C strings (see `nul`); an
    // `$(eval)` text is one string, which a NUL ends.
    let has_nul = memchr::memchr(0, text);
    let nul_text = has_nul
        .filter(|_| fixed_line.is_none())
        .map(|_| nul::read(text));
    let text = has_nul.map_or(text, |nul| &text[..nul]);
    let mut reader = BufferReader {
        file,
        fixed_line,
        conds: Vec::new(),
        rule: None,
    };
    let mut lines = match &nul_text {
        Some(nul) => Lines::of_nul_text(nul),
        None => Lines::new(text, 1),
    };
    while let Some(line) = lines.next() {
        reader.set_loc(ev, line.line);
        if line.nul_seen {
            diag::warn(
                ev.loc.as_ref(),
                "warning: NUL character seen; rest of line ignored",
            );
        }
        reader.line(ev, &line, &mut lines)?;
    }
    // An open conditional is reported before the last rule is recorded.
    if !reader.conds.is_empty() {
        // GNU counts the end of the file as the line after the last one
        // (read as a line or skipped inside a `define`).
        reader.set_loc(ev, lines.next_line());
        return Err(ev.fatal("missing 'endif'"));
    }
    reader.end_rule(ev)
}

/// Where the line being read is, for the rules and recipes it makes: a
/// `$(eval)` after reading has no location (its messages say `make:`),
/// but a rule still needs one.
fn current_loc(ev: &Evaluator) -> Loc {
    ev.loc.clone().unwrap_or_else(|| Loc {
        file: Rc::from(&b""[..]),
        line: 0,
    })
}

impl BufferReader {
    fn set_loc(&self, ev: &mut Evaluator, line: u32) {
        ev.loc = self.file.as_ref().map(|file| Loc {
            file: file.clone(),
            line: self.fixed_line.unwrap_or(line),
        });
    }

    fn ignoring(&self) -> bool {
        self.conds
            .last()
            .is_some_and(|c| !c.taking || c.outer_ignoring)
    }

    fn line(
        &mut self,
        ev: &mut Evaluator,
        line: &LogicalLine<'_>,
        rest: &mut Lines<'_>,
    ) -> Result<()> {
        let prefix = recipe_prefix(ev);
        if line.raw.first() == Some(&prefix) && self.rule.is_some() {
            if !self.ignoring() {
                self.recipe_line(ev, line, prefix);
            }
            return Ok(());
        }
        let collapsed = collapse_continuations_with(line.raw, ev.db.posix);
        let uncommented = strip_comment(&collapsed);
        let text = trim_start(&uncommented);
        if trim(text).is_empty() {
            return Ok(());
        }
        if !may_begin_directive(text) {
            // A rule or an assignment (most lines).
            if self.ignoring() {
                return Ok(());
            }
            return self.statement(ev, text, line, rest);
        }
        if let Some((kw, args)) = conditional::keyword(text) {
            return self.conditional(ev, kw, args);
        }
        if self.ignoring() {
            if directive_word(text, b"define").is_some() || define_with_modifiers(text) {
                skip_ignored_define(rest);
            }
            return Ok(());
        }
        if let Some(after) = directive_word(text, b"define") {
            return self.define(ev, after, rest, Modifiers::default());
        }
        if directive_word(text, b"endef").is_some() {
            // GNU reads a stray endef as an ordinary line: the rule before
            // it is recorded first (with its warnings), then it is no rule
            // (a stray recipe when it starts with the recipe prefix).
            self.end_rule(ev)?;
            return Err(missing_separator(ev, text, line.raw));
        }
        self.statement(ev, text, line, rest)
    }

    fn recipe_line(&mut self, ev: &Evaluator, line: &LogicalLine<'_>, prefix: u8) {
        let rule = self.rule.as_mut().expect("recipe lines need a rule");
        rule.has_recipe = true;
        let mut loc = current_loc(ev);
        // GNU numbers a recipe's lines from its first one, one per recipe
        // line: the lines a backslash-newline continues, blank lines,
        // comments and conditionals in between do not count. Its messages
        // about a later line (`[Makefile:3: all] Error 1`, `$(warning)`)
        // say so, and so do these.
        if let Some(first) = rule.lines.first() {
            let index = u32::try_from(rule.lines.len()).unwrap_or(u32::MAX);
            loc.line = first.loc.line.saturating_add(index);
        }
        let mut text = strip_recipe_prefixes(&line.raw[1..], prefix);
        if line.continued_at_end {
            lines::end_continued_recipe(&mut text);
        }
        rule.lines.push(RecipeLine { text, loc });
    }

    fn conditional(&mut self, ev: &mut Evaluator, kw: Keyword, args: &[u8]) -> Result<()> {
        match kw {
            Keyword::Endif => {
                // The text after it is looked at first, even for an
                // `endif` with no conditional to end.
                if !trim(args).is_empty() {
                    diag::warn(ev.loc.as_ref(), "extraneous text after 'endif' directive");
                }
                if self.conds.pop().is_none() {
                    return Err(ev.fatal("extraneous 'endif'"));
                }
                Ok(())
            }
            Keyword::Else => {
                let Some(cond) = self.conds.last() else {
                    return Err(ev.fatal("extraneous 'else'"));
                };
                if cond.seen_else {
                    return Err(ev.fatal("only one 'else' per conditional"));
                }
                let outer_ignoring = cond.outer_ignoring;
                let any_taken = cond.any_taken;
                let args = trim(args);
                if args.is_empty() {
                    let cond = self.conds.last_mut().expect("checked above");
                    cond.seen_else = true;
                    cond.taking = !any_taken;
                    cond.any_taken = true;
                    return Ok(());
                }
                // `else ifeq ...`: a chained test, evaluated only if still needed.
                let Some((kw2, args2)) = conditional::keyword(args)
                    .filter(|(k, _)| !matches!(k, Keyword::Else | Keyword::Endif))
                else {
                    diag::warn(ev.loc.as_ref(), "extraneous text after 'else' directive");
                    // GNU switches branches but does not count `else junk`
                    // as the conditional's else: a plain `else` may follow.
                    let cond = self.conds.last_mut().expect("checked above");
                    cond.taking = !any_taken;
                    cond.any_taken = true;
                    return Ok(());
                };
                let taking = if any_taken || outer_ignoring {
                    false
                } else {
                    match conditional::test(ev, kw2, args2)? {
                        Some(taking) => taking,
                        None => {
                            // GNU takes the branch as a plain `else` with a
                            // warning, and the malformed test still opens a
                            // conditional of its own, whose lines GNU 4.4.1
                            // (mostly) skips, `else` branches included.
                            diag::warn(ev.loc.as_ref(), "extraneous text after 'else' directive");
                            let cond = self.conds.last_mut().expect("checked above");
                            cond.taking = true;
                            cond.any_taken = true;
                            self.conds.push(Cond {
                                taking: false,
                                any_taken: true,
                                seen_else: false,
                                outer_ignoring: false,
                            });
                            return Ok(());
                        }
                    }
                };
                let cond = self.conds.last_mut().expect("checked above");
                cond.taking = taking;
                cond.any_taken |= taking;
                Ok(())
            }
            _ => {
                let outer_ignoring = self.ignoring();
                let taking = if outer_ignoring {
                    false
                } else {
                    conditional::test(ev, kw, args)?
                        .ok_or_else(|| ev.fatal(conditional::INVALID))?
                };
                self.conds.push(Cond {
                    taking,
                    any_taken: taking,
                    seen_else: false,
                    outer_ignoring,
                });
                Ok(())
            }
        }
    }

    /// Any non-conditional line in a branch being read.
    fn statement(
        &mut self,
        ev: &mut Evaluator,
        text: &[u8],
        line: &LogicalLine<'_>,
        rest: &mut Lines<'_>,
    ) -> Result<()> {
        let mut mods = Modifiers::default();
        let mut body = text;
        // Leading `export`, `override`, `private` words modify what follows.
        while may_begin_directive(body) {
            if let Some(after) = directive_word(body, b"override") {
                mods.override_ = true;
                body = after;
            } else if let Some(after) = directive_word(body, b"private") {
                mods.private = true;
                body = after;
            } else if let Some(after) = directive_word(body, b"export") {
                mods.export = Some(Export::Yes);
                body = after;
            } else if let Some(after) = directive_word(body, b"unexport") {
                // `unexport NAME = value` assigns and unexports (GNU 4.4).
                mods.export = Some(Export::No);
                body = after;
            } else {
                break;
            }
        }
        if let Some(after) = directive_word(body, b"define") {
            return self.define(ev, after, rest, mods);
        }
        if let Some(after) = directive_word(body, b"undefine") {
            self.end_rule(ev)?;
            return undefine(ev, after, mods);
        }
        if let Some(export) = mods.export.filter(|_| !mods.override_ && !mods.private) {
            if trim(body).is_empty() {
                self.end_rule(ev)?;
                ev.child_env.export_all = export == Export::Yes;
                return Ok(());
            }
            if assignment::find_assignment(body).is_none() {
                self.end_rule(ev)?;
                return set_export(ev, body, export);
            }
        }
        if mods == Modifiers::default() {
            for (word, optional) in [
                (&b"include"[..], false),
                (b"-include", true),
                (b"sinclude", true),
            ] {
                if let Some(after) = directive_word(body, word) {
                    self.end_rule(ev)?;
                    return include(ev, after, optional);
                }
            }
            if let Some(after) = directive_word(body, b"vpath") {
                self.end_rule(ev)?;
                return vpath::vpath(ev, after);
            }
        }
        if let Some((start, op, end)) = assignment::find_assignment(body) {
            self.end_rule(ev)?;
            // The blanks around the name are dropped as written, not those
            // its expansion yields: `$(A)=x` with A a blank defines the
            // variable named ` ` (GNU 4.3, 4.4.1); only a name that expands
            // to nothing at all is an error.
            let name = ev.expand_text(trim(&body[..start]))?;
            let value = trim_start(&body[end..]);
            return assign(ev, None, &name, op, value, mods, Origin::File);
        }
        // Modifiers before no assignment (`export foo bar` was handled
        // above) are read as part of a rule line, as GNU does: `override a
        // b:=` is the rule `override a b` with a variable of no name.
        self.end_rule(ev)?;
        if line.raw.first() == Some(&recipe_prefix(ev)) {
            // Outside a rule, a line with the recipe prefix may only assign
            // (or be blank): a rule line or text there is a stray recipe.
            return Err(ev.fatal("recipe commences before first target"));
        }
        // The reader joined the line by POSIX's rules under `.POSIX`; rules
        // are read by GNU's.
        let joined = (!ev.db.posix).then_some(text);
        match rule_line::parse(ev, line.raw, joined)? {
            rule_line::Parsed::Nothing => Ok(()),
            rule_line::Parsed::Rule(mut ctx) => {
                // A recipe after `;` on the last line, continued.
                if let Some(recipe) = ctx.lines.last_mut().filter(|_| line.continued_at_end) {
                    lines::end_continued_recipe(&mut recipe.text);
                }
                self.rule = Some(ctx);
                Ok(())
            }
            rule_line::Parsed::NotARule => Err(missing_separator(ev, text, line.raw)),
        }
    }

    /// `define NAME [OP]`, its lines up to `endef`.  The variable is
    /// defined at the `define` line, but GNU expands an immediate value
    /// (`:=`, `!=`, ...) once it has read the `endef`: warnings and errors
    /// of that expansion are at the `endef` line.
    fn define(
        &mut self,
        ev: &mut Evaluator,
        header: &[u8],
        rest: &mut Lines<'_>,
        mods: Modifiers,
    ) -> Result<()> {
        self.end_rule(ev)?;
        let (name, op) = define_header(ev, header)?;
        let start = ev.loc.clone();
        let (body, endef_line) = read_define_body(ev, rest)?;
        self.set_loc(ev, endef_line);
        let mut def = definition(ev, &name, op, &body, mods, Origin::File)?;
        def.loc = start;
        install(ev, None, def)
    }

    /// Attaches the collected recipe to the rule that preceded it.
    fn end_rule(&mut self, ev: &mut Evaluator) -> Result<()> {
        let Some(mut ctx) = self.rule.take() else {
            return Ok(());
        };
        if ctx.grouped && !ctx.has_recipe {
            return Err(diag::Fatal::new(
                Some(&ctx.loc),
                "grouped targets must provide a recipe",
            ));
        }
        record::record(ev, &mut ctx);
        // The targets before the one GNU refuses get the recipe first.
        let pending = ctx.pending.take();
        let saved = ev.loc.clone();
        // GNU places a recipe at its first line.
        let recipe_loc = ctx
            .lines
            .first()
            .map_or_else(|| ctx.loc.clone(), |l| l.loc.clone());
        let recipe = ctx.has_recipe.then(|| {
            Rc::new(Recipe {
                lines: std::mem::take(&mut ctx.lines),
                loc: recipe_loc,
                rule_loc: ctx.loc.clone(),
            })
        });
        attach::attach_recipe(ev, &ctx, recipe);
        ev.loc = saved;
        match pending {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// The error for a line that is no rule, no assignment and no directive:
/// "missing separator", with GNU's hints.
fn missing_separator(ev: &Evaluator, text: &[u8], raw: &[u8]) -> diag::Fatal {
    let prefix = recipe_prefix(ev);
    // Only a line that starts with the prefix: blanks before it (or a
    // `.RECIPEPREFIX` that is the line's first word after a tab) make an
    // ordinary line.
    if raw.first() == Some(&prefix) {
        return ev.fatal("recipe commences before first target");
    }
    // GNU 4.4 gives the hint for `ifeq`/`ifneq` followed by
    // anything but a blank (`ifeq(`, `ifeq)`, `ifeqx`).
    let glued = |word: &[u8]| {
        text.strip_prefix(word)
            .and_then(|rest| rest.first())
            .is_some_and(|&b| !is_blank(b))
    };
    if glued(b"ifeq") || glued(b"ifneq") {
        return ev.fatal("missing separator (ifeq/ifneq must be followed by whitespace)");
    }
    if prefix == b'\t' && raw.starts_with(b"        ") {
        return ev.fatal("missing separator (did you mean TAB instead of 8 spaces?)");
    }
    ev.fatal("missing separator")
}

/// `override`, `private`, `export` in front of an assignment or define.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Modifiers {
    pub override_: bool,
    pub private: bool,
    pub export: Option<Export>,
}

/// The recipe prefix character (`.RECIPEPREFIX`, tab by default).
pub fn recipe_prefix(ev: &Evaluator) -> u8 {
    match ev.global_value(b".RECIPEPREFIX") {
        Some(v) if !v.is_empty() => v[0],
        _ => b'\t',
    }
}

/// Removes the recipe prefix at the start of each continuation line.
fn strip_recipe_prefixes(raw: &[u8], prefix: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut pieces = raw.split(|&b| b == b'\n');
    if let Some(first) = pieces.next() {
        out.extend_from_slice(first);
    }
    for piece in pieces {
        out.push(b'\n');
        out.extend_from_slice(piece.strip_prefix(&[prefix]).unwrap_or(piece));
    }
    out
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| is_blank(b)).count();
    &s[n..]
}

/// If `text` starts with the directive `word` followed by a blank or the end
/// (and is not an assignment to or a rule for a variable named like it),
/// returns the text after it.
/// Whether `text` may begin with a directive or a modifier: every one
/// (`ifeq`, `define`, `export`, `-include`, `vpath`, ...) starts with one of
/// these bytes, and most rule lines do not.
fn may_begin_directive(text: &[u8]) -> bool {
    matches!(
        text.first(),
        Some(b'-' | b'd' | b'e' | b'i' | b'o' | b'p' | b's' | b'u' | b'v')
    )
}

fn directive_word<'a>(text: &'a [u8], word: &[u8]) -> Option<&'a [u8]> {
    // Asked about a dozen words per line: most lines differ at once.
    if text.first() != word.first() {
        return None;
    }
    let rest = text.strip_prefix(word)?;
    match rest.first() {
        None => Some(rest),
        Some(&b) if is_blank(b) => {
            let after = trim_start(rest);
            // `export := 1` or `include: x` name a variable or target.
            let looks_like_op = after.first() == Some(&b'=')
                || (after.first() == Some(&b':') && !after.starts_with(b"::"))
                || after.starts_with(b":=")
                || ([b'+', b'?', b'!'].contains(after.first().unwrap_or(&0))
                    && after.get(1) == Some(&b'='));
            // Also `define = x`: a variable named `define` (GNU 4.4).
            if looks_like_op {
                None
            } else {
                Some(after)
            }
        }
        _ => None,
    }
}

/// Reads the lines of a `define` up to its matching `endef`; the body and
/// the line of the `endef`.
fn read_define_body(ev: &mut Evaluator, rest: &mut Lines<'_>) -> Result<(Vec<u8>, u32)> {
    let start = ev.loc.clone();
    let mut depth = 0;
    let mut body: Vec<u8> = Vec::new();
    let mut first = true;
    let prefix = recipe_prefix(ev);
    for line in rest.by_ref() {
        // A line starting with the recipe prefix is body text, even
        // `<TAB>endef` or `<TAB>define x` (GNU 4.4.1 and 4.3).
        let t = match line.raw.first() == Some(&prefix) {
            true => &b""[..],
            false => trim_start(line.raw),
        };
        if let Some(after) = directive_word(t, b"endef") {
            if depth == 0 {
                let after = strip_comment(after);
                if !trim(&after).is_empty() {
                    let loc = Loc {
                        file: start
                            .as_ref()
                            .map_or(Rc::from(&b""[..]), |l| l.file.clone()),
                        line: line.line,
                    };
                    diag::warn(Some(&loc), "extraneous text after 'endef' directive");
                }
                return Ok((body, line.line));
            }
            depth -= 1;
        } else if directive_word(t, b"define").is_some() || define_with_modifiers(t) {
            depth += 1;
        }
        if !first {
            body.push(b'\n');
        }
        first = false;
        body.extend_from_slice(&collapse_continuations_with(line.raw, ev.db.posix));
    }
    ev.loc = start;
    Err(ev.fatal("missing 'endef', unterminated 'define'"))
}

fn define_with_modifiers(t: &[u8]) -> bool {
    let mut t = t;
    loop {
        if let Some(a) = directive_word(t, b"override")
            .or_else(|| directive_word(t, b"export"))
            .or_else(|| directive_word(t, b"unexport"))
            .or_else(|| directive_word(t, b"private"))
        {
            t = a;
        } else {
            return directive_word(t, b"define").is_some();
        }
    }
}

/// Skips a `define` in a branch not taken, up to a line that is `endef`
/// alone (blanks and a comment aside).  GNU neither counts nested defines
/// there nor takes `endef junk` as the end; a define left open is ended by
/// the end of the file, where the open conditional is reported.
fn skip_ignored_define(rest: &mut Lines<'_>) {
    for line in rest.by_ref() {
        if trim(&strip_comment(line.raw)) == b"endef" {
            return;
        }
    }
}

/// The expanded name and the operator of `define NAME [OP]`.  GNU checks
/// the name before it reads the body: `define` without a name fails with
/// `empty variable name` even when no `endef` follows.
fn define_header(ev: &mut Evaluator, header: &[u8]) -> Result<(Vec<u8>, AssignOp)> {
    let header = trim(header);
    // The operator, if any, ends the header.
    let (name, op) = match assignment::find_operator(header) {
        Some((start, op, end)) if trim(&header[end..]).is_empty() => (trim(&header[..start]), op),
        Some((start, op, _)) => {
            diag::warn(ev.loc.as_ref(), "extraneous text after 'define' directive");
            (trim(&header[..start]), op)
        }
        None => (header, AssignOp::Recursive),
    };
    let name = ev.expand_text(name)?;
    if trim(&name).is_empty() {
        return Err(ev.fatal("empty variable name"));
    }
    Ok((trim(&name).to_vec(), op))
}

/// `undefine NAME`: the whole expanded text, trimmed, is one name (as for
/// `define`); `undefine A B` removes a variable called `A B`, not two.
fn undefine(ev: &mut Evaluator, name: &[u8], mods: Modifiers) -> Result<()> {
    let name = ev.expand_text(name)?;
    let name = trim(&name);
    if name.is_empty() {
        return Err(ev.fatal("empty variable name"));
    }
    // Under -e an environment variable outranks the makefile: `undefine`
    // leaves it, marked `environment override` as an assignment would.
    if ev.invocation.options.environment_overrides && !mods.override_ {
        if let Some(v) = ev.globals.get_mut(name) {
            if v.origin == Origin::Environment {
                v.origin = Origin::EnvironmentOverride;
            }
        }
    }
    let blocked = ev.globals.get(name).is_some_and(|v| {
        v.origin > Origin::File && !(mods.override_ && v.origin <= Origin::Override)
    });
    if !blocked {
        ev.undefine_global(name);
    }
    Ok(())
}

/// `export NAMES` / `unexport NAMES`.
fn set_export(ev: &mut Evaluator, names: &[u8], export: Export) -> Result<()> {
    let names = ev.expand_text(names)?;
    for name in words::words(&names) {
        match ev.globals.get_mut(name) {
            Some(v) => v.export = export,
            None => {
                // GNU defines it: empty, simple, from the file.
                let mut v = crate::eval::vars::Var::new(Vec::new(), Flavor::Simple, Origin::File);
                v.export = export;
                ev.globals.insert(name, v);
            }
        }
    }
    Ok(())
}

/// An assignment with any operator, globally or into a target/pattern set.
pub fn assign(
    ev: &mut Evaluator,
    set: Option<&SharedVarSet>,
    name: &[u8],
    op: AssignOp,
    value: &[u8],
    mods: Modifiers,
    origin: Origin,
) -> Result<()> {
    let def = definition(ev, name, op, value, mods, origin)?;
    install(ev, set, def)
}

/// The definition an assignment makes: its value expanded as its operator
/// says.
fn definition<'a>(
    ev: &mut Evaluator,
    name: &'a [u8],
    op: AssignOp,
    value: &[u8],
    mods: Modifiers,
    origin: Origin,
) -> Result<Definition<'a>> {
    if name.is_empty() {
        return Err(ev.fatal("empty variable name"));
    }
    let origin = if mods.override_ {
        Origin::Override
    } else {
        origin
    };
    let (value, flavor) = match op {
        AssignOp::Recursive | AssignOp::Conditional | AssignOp::Append => {
            (value.to_vec(), Flavor::Recursive)
        }
        AssignOp::Simple => (ev.expand_text(value)?, Flavor::Simple),
        AssignOp::Immediate => {
            let expanded = ev.expand_text(value)?;
            (rule_line::escape_dollars(&expanded), Flavor::Recursive)
        }
        AssignOp::Shell => {
            let command = ev.expand_text(value)?;
            let (output, _) = ev.run_shell(&command, true)?;
            (output, Flavor::Recursive)
        }
    };
    Ok(Definition {
        name,
        value,
        flavor,
        origin,
        append: op == AssignOp::Append,
        conditional: op == AssignOp::Conditional,
        export: mods.export,
        private: mods.private,
        loc: None,
    })
}

/// Makes a definition (`?=` on a variable that exists does nothing, even
/// to its export flag).
fn install(ev: &mut Evaluator, set: Option<&SharedVarSet>, def: Definition<'_>) -> Result<()> {
    let name = def.name;
    let origin = def.origin;
    ev.define(set, def)?;
    if set.is_none() && origin != Origin::CommandLine {
        special_variable_assigned(ev, name, origin)?;
    }
    Ok(())
}

/// Variables whose assignment in a makefile changes how make behaves
/// (whether or not the assignment took: one the command line outranks
/// counts too).
fn special_variable_assigned(ev: &mut Evaluator, name: &[u8], origin: Origin) -> Result<()> {
    if name == b"MAKEFLAGS" {
        // Options added by `MAKEFLAGS += -r` etc. take effect for the rest
        // of the run; `MAKEFLAGS += V=1` defines V as this assignment
        // would (GNU 4.4.1 and 4.3).
        let variables = ev.decode_makeflags_variable()?;
        define_makeflags_variables(ev, &variables, origin)?;
        if ev.makeflags_assign_shell(&variables)? {
            command_line_shell_again(ev);
        }
    }
    Ok(())
}

/// Under `-e`, a makefile's MAKEFLAGS assignment gives SHELL the value
/// (and flavor) the command line left, where make had put /bin/sh (see
/// `Reading::command_line_shell_for_recipes`): GNU 4.4.1 reads the command
/// line's SHELL again there (when MAKEFLAGS still holds it), as it does once the makefiles are read. Only
/// an `override` keeps its value; the origin stays as it was.
fn command_line_shell_again(ev: &mut Evaluator) {
    let Some((value, flavor)) = ev.reading.command_line_shell_for_recipes.clone() else {
        return;
    };
    if let Some(shell) = ev.globals.get_mut(b"SHELL") {
        if shell.origin < Origin::EnvironmentOverride {
            shell.set_value(value);
            shell.flavor = flavor;
        }
    }
}

/// Defines the variable assignments found in MAKEFLAGS's value, with
/// `origin`.
pub fn define_makeflags_variables(
    ev: &mut Evaluator,
    assignments: &[Vec<u8>],
    origin: Origin,
) -> Result<()> {
    for assignment in assignments {
        let Some((name, op, value)) = assignment::split_word(assignment) else {
            continue;
        };
        if name.is_empty() {
            // Defined as the command line's are: the error has no place
            // (`MAKEFLAGS = =` in a makefile, GNU 4.4.1 and 4.3).
            return Err(diag::Fatal::new(None, "empty variable name"));
        }
        assign(ev, None, name, op, value, Modifiers::default(), origin)?;
    }
    Ok(())
}

/// `include FILES`, `-include FILES`, `sinclude FILES`.
fn include(ev: &mut Evaluator, names: &[u8], optional: bool) -> Result<()> {
    if ev.invocation.sandboxed {
        // A fuzzer's `include /dev/zero` must not read forever.
        return Ok(());
    }
    let names = ev.expand_text(names)?;
    let loc = ev.loc.clone();
    // Include names are split as a rule's are (`a\ b` names `a b`), then
    // globbed, as `$(wildcard)` does; a name that matches nothing stays as
    // written, its other backslashes included (`a\#b`, as GNU 4.4.1).
    let mut expanded = Vec::new();
    for word in names::name_words(&names) {
        let may_glob =
            memchr::memchr3(b'*', b'?', b'[', &word).is_some() || !crate::glob::names_itself(&word);
        if !may_glob {
            // Found or not, a name without wildcards is read as written:
            // a tree's 20 000 `.d` files need no look at the disk here.
            expanded.push(word.into_owned());
            continue;
        }
        let home = match crate::glob::needs_home(&word) {
            true => Some(ev.home_variable()?),
            false => None,
        };
        let found = crate::glob::glob_home(&word, &mut ev.fs, home.as_deref());
        if found.is_empty() {
            expanded.push(word.into_owned());
        } else {
            expanded.extend(found);
        }
    }
    for name in expanded {
        // An included file is named as any other file: GNU drops a leading
        // `./`, so `include ./x` reads, reports and remakes `x`.
        let name = names::strip_dot_slash(&name).to_vec();
        announce(
            ev,
            &name,
            if optional {
                ReadAs::Optional
            } else {
                ReadAs::Included
            },
        );
        let path = find_include(ev, &name);
        let how = if optional {
            ReadAs::Optional
        } else {
            ReadAs::Included
        };
        match read_makefile_as(ev, &path, &name, how) {
            Ok(()) => {}
            Err(ReadError::Fatal(e)) => return Err(e),
            Err(ReadError::NotFound(err)) => {
                ev.reading
                    .missing_includes
                    .push(crate::eval::MissingInclude {
                        name: name.clone(),
                        loc: loc.clone(),
                        optional,
                        error: err.raw_os_error(),
                        after_read: ev.reading.makefiles_read.len(),
                    });
            }
        }
        ev.loc = loc.clone();
    }
    Ok(())
}

/// Resolves an include name against `-I` dirs and the default include path.
pub fn find_include(ev: &mut Evaluator, name: &[u8]) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    // From the directory's listing: a tree may include thousands of `.d`
    // files, each one `stat` less.
    if name.first() == Some(&b'/') || ev.fs.exists_following_links(name) {
        return name.to_vec();
    }
    for dir in crate::options::include_path(&ev.invocation.options.include_dirs) {
        let mut candidate = dir;
        candidate.push(b'/');
        candidate.extend_from_slice(name);
        if std::path::Path::new(std::ffi::OsStr::from_bytes(&candidate)).is_file() {
            return candidate;
        }
    }
    name.to_vec()
}
