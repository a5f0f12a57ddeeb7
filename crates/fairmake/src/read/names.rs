//! The file names of a rule line: a target or prerequisite list split into
//! names (blanks escaped with `\`, archive member groups `lib(a b)`,
//! globbing), each name as rules record it (no leading `./`, `\:` a colon),
//! and a prerequisite list interned into the database.

use std::borrow::Cow;

use super::separators::split_order_only;
use crate::eval::Evaluator;
use crate::pattern::PercentPattern;
use crate::rules::Dep;
use crate::words;

/// The file names of a target or prerequisite list: words split at blanks,
/// except a blank escaped by a backslash (`foo\ bar` names `foo bar`). The
/// backslashes before a blank pair up, as GNU reads them: `x\\ y` is `x\`
/// and `y`. A name starts after any whitespace, a newline too (see
/// [`blank_words`]).
pub fn name_words(text: &[u8]) -> Vec<std::borrow::Cow<'_, [u8]>> {
    use std::borrow::Cow;
    if memchr::memchr(b'\\', text).is_none() {
        return blank_words(text).map(Cow::Borrowed).collect();
    }
    let mut names = Vec::new();
    let mut word: Option<Vec<u8>> = None;
    let mut backslashes = 0;
    for &b in text {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        if words::is_blank(b) {
            if backslashes % 2 == 1 {
                let w = word.get_or_insert_with(Vec::new);
                w.extend(std::iter::repeat_n(b'\\', backslashes / 2));
                w.push(b);
            } else {
                if backslashes > 0 {
                    let w = word.get_or_insert_with(Vec::new);
                    w.extend(std::iter::repeat_n(b'\\', backslashes / 2));
                }
                names.extend(word.take().map(Cow::Owned));
            }
        } else if word.is_none() && backslashes == 0 && words::is_space(b) {
            // Whitespace before a name is no part of it.
        } else {
            let w = word.get_or_insert_with(Vec::new);
            w.extend(std::iter::repeat_n(b'\\', backslashes));
            w.push(b);
        }
        backslashes = 0;
    }
    if backslashes > 0 {
        word.get_or_insert_with(Vec::new)
            .extend(std::iter::repeat_n(b'\\', backslashes));
    }
    names.extend(word.map(Cow::Owned));
    names
}

/// The words of a list of names: only spaces and tabs part them, unlike
/// the list functions' words. A newline a variable put there (`define`),
/// or a `\r`, `\v`, `\f`, is part of a name (GNU 4.4.1 and 4.3), except
/// before it: a name starts after all whitespace, so `a <NL>b` names `a`
/// and `b`, and a lone newline names nothing (`x<NL>` stays whole).
fn blank_words(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|&b| words::is_blank(b))
        .map(|w| &w[w.iter().take_while(|&&b| words::is_space(b)).count()..])
        .filter(|w| !w.is_empty())
}

/// Calls `each` with every file name of a target or prerequisite list as
/// rules record them: blanks escaped with `\` kept in names, archive groups
/// `lib(a b)` split into members, globs expanded, a leading `./` dropped
/// and `\:` unescaped.
pub fn for_each_name<'t>(
    ev: &mut Evaluator,
    text: &'t [u8],
    mut each: impl FnMut(&mut Evaluator, Cow<'t, [u8]>),
) {
    if memchr::memchr2(b'(', b'\\', text).is_some() {
        let names = name_words(text);
        let groups = crate::archive::expand_groups(names.iter().map(|n| n.as_ref()));
        for name in glob_names(ev, groups) {
            each(ev, Cow::Owned(normalize_name(&name)));
        }
        return;
    }
    // No archive groups and no backslash (so no `\:` to unescape): each
    // word stands alone, and most are plain names that need no copy at all.
    let may_glob = memchr::memchr3(b'*', b'?', b'[', text).is_some();
    for word in blank_words(text) {
        if (may_glob && crate::glob::has_magic(word)) || word.first() == Some(&b'~') {
            for name in glob_names(ev, vec![word.to_vec()]) {
                each(ev, Cow::Owned(normalize_name(&name)));
            }
        } else {
            each(ev, Cow::Borrowed(strip_dot_slash(word)));
        }
    }
}

/// File names in rules are globbed, as GNU does: `*.c` becomes the matching
/// files (sorted), or stays as written when nothing matches.
pub fn glob_names(ev: &mut Evaluator, names: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        if crate::archive::is_member(&name) {
            match crate::archive::glob_members(&name) {
                Some(found) => out.extend(found),
                None => out.push(name),
            }
            continue;
        }
        let home = ev.home_for(&name);
        if !crate::glob::has_magic(&name) {
            // A leading `~` is the home directory, existing or not (GNU).
            out.push(crate::glob::tilde_name(&name, home.as_deref()).unwrap_or(name));
            continue;
        }
        let found = crate::glob::glob_home(&name, &mut ev.fs, home.as_deref());
        if found.is_empty() {
            // Unmatched, it stays as written, but for its `~` (GNU 4.4.1).
            out.push(crate::glob::tilde_name(&name, home.as_deref()).unwrap_or(name));
        } else {
            out.extend(found);
        }
    }
    out
}

/// GNU drops a leading `./` from file names.
pub fn normalize_name(word: &[u8]) -> Vec<u8> {
    unescape_colons(strip_dot_slash(word))
}

/// `word` without its leading `./` (and the slashes after it), as GNU
/// names files and lists the goals in `MAKECMDGOALS`; `./` itself stays.
pub fn strip_dot_slash(word: &[u8]) -> &[u8] {
    let mut w = word;
    while w.len() > 2 && w.starts_with(b"./") {
        w = &w[2..];
        while w.first() == Some(&b'/') && w.len() > 1 {
            w = &w[1..];
        }
    }
    w
}

/// `\:` in a file name is a colon (`foo\:bar` names `foo:bar`); the
/// backslashes before it pair up, as GNU reads them.
pub fn unescape_colons(name: &[u8]) -> Vec<u8> {
    if memchr::memchr(b':', name).is_none() {
        return name.to_vec();
    }
    let mut out = Vec::with_capacity(name.len());
    let mut backslashes = 0;
    for &b in name {
        match b {
            b'\\' => backslashes += 1,
            b':' => {
                out.extend(std::iter::repeat_n(b'\\', backslashes / 2));
                out.push(b':');
                backslashes = 0;
            }
            _ => {
                out.extend(std::iter::repeat_n(b'\\', backslashes));
                backslashes = 0;
                out.push(b);
            }
        }
    }
    out.extend(std::iter::repeat_n(b'\\', backslashes));
    out
}

/// Interns a prerequisite list (normal and order-only, with `.WAIT`), into
/// the kind of list the caller keeps (a rule's `ThinVec`, the planner's
/// `Vec`).
pub fn intern_deps<List: FromIterator<Dep>>(ev: &mut Evaluator, text: &[u8]) -> List {
    intern_deps_marked(ev, text, |f| f.is_prerequisite = true)
}

/// [`intern_deps`] for a static pattern rule's prerequisites, `text` with
/// `stem` put for the `%` of each name: they are marked as such, not as
/// ordinary prerequisites. A name with a `%` is the file it becomes,
/// unglobbed, as GNU does (`x%: %*` for `xa` needs `a*` itself); the
/// others are globbed as usual.
pub fn intern_static_deps<List: FromIterator<Dep>>(
    ev: &mut Evaluator,
    text: &[u8],
    stem: &[u8],
) -> List {
    let (normal, order_only) = split_order_only(text);
    let mut deps: smallvec::SmallVec<[Dep; 16]> = smallvec::SmallVec::new();
    for (part, oo) in [(normal, false), (order_only, true)] {
        let mut wait = false;
        let mut add = |ev: &mut Evaluator, name: Cow<'_, [u8]>| {
            if *name == *b".WAIT" {
                wait = true;
                return;
            }
            let file = ev.db.intern(&name);
            ev.db.file_mut(file).static_prerequisite = true;
            deps.push(Dep::new(file, oo, wait));
            wait = false;
        };
        if memchr::memchr(b'(', part).is_some() {
            // Archive member groups may span names: all globbed.
            let mut all = Vec::new();
            for name in name_words(part) {
                PercentPattern::new(&name).substitute(stem, &mut all);
                all.push(b' ');
            }
            for_each_name(ev, &all, &mut add);
            continue;
        }
        for name in name_words(part) {
            let pattern = PercentPattern::new(&name);
            let mut made = Vec::new();
            pattern.substitute(stem, &mut made);
            let made = if pattern.percent.is_some() {
                // An empty stem makes a lone `%` no name at all (GNU).
                if made.is_empty() {
                    continue;
                }
                made
            } else {
                // (One name: a blank in it stays in it.)
                match glob_names(ev, vec![made]).as_slice() {
                    [one] => one.clone(),
                    many => {
                        for name in many {
                            add(ev, Cow::Owned(normalize_name(name)));
                        }
                        continue;
                    }
                }
            };
            add(ev, Cow::Owned(normalize_name(&made)));
        }
    }
    deps.into_iter().collect()
}

/// [`intern_deps`] for `.EXTRA_PREREQS` names: known to make, yet not
/// mentioned by the makefile, so an implicit rule may still make one as an
/// intermediate file, deleted afterwards (GNU 4.4.1).
pub fn intern_extra_deps<List: FromIterator<Dep>>(ev: &mut Evaluator, text: &[u8]) -> List {
    intern_deps_marked(ev, text, |f| f.entered = true)
}

/// Interns a prerequisite list, marking each file named with `mark`.
fn intern_deps_marked<List: FromIterator<Dep>>(
    ev: &mut Evaluator,
    text: &[u8],
    mark: fn(&mut crate::rules::File),
) -> List {
    let (normal, order_only) = split_order_only(text);
    // Gathered on the stack (a `.d` file's line names about ten), then
    // collected into a list of exactly their number: one allocation per
    // rule line, never grown or shrunk.
    let mut deps: smallvec::SmallVec<[Dep; 16]> = smallvec::SmallVec::new();
    for (part, oo) in [(normal, false), (order_only, true)] {
        let mut wait = false;
        for_each_name(ev, part, |ev, name| {
            if *name == *b".WAIT" {
                wait = true;
                return;
            }
            let file = ev.db.intern(&name);
            mark(ev.db.file_mut(file));
            deps.push(Dep::new(file, oo, wait));
            wait = false;
        });
    }
    deps.into_iter().collect()
}
