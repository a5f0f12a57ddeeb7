//! Special targets (`.PHONY`, `.SUFFIXES`, `.POSIX`, ...): what naming one
//! as a rule's target does to the database and the variables, and, once
//! the makefiles are read, which of them apply to every file.

use super::names::{intern_deps, normalize_name};
use crate::diag;
use crate::eval::vars::Origin;
use crate::eval::Evaluator;
use crate::pattern::PercentPattern;
use crate::rules::{Dep, FileId};
use crate::words;

/// Handles special targets; returns true when the rule is fully consumed.
pub fn special_target(ev: &mut Evaluator, id: FileId, name: &[u8], deps_text: &[u8]) -> bool {
    if name.first() != Some(&b'.') {
        return false;
    }
    let deps: Vec<Vec<u8>> = words::words(deps_text).map(normalize_name).collect();
    let db = &mut ev.db;
    let mark = |db: &mut crate::rules::Database, f: fn(&mut crate::rules::File)| {
        for d in &deps {
            let dep = db.intern(d);
            f(db.file_mut(dep));
        }
    };
    match name {
        b".WAIT" => {
            if !deps.is_empty() {
                diag::warn(ev.loc.as_ref(), ".WAIT should not have prerequisites");
            }
        }
        b".PHONY" => mark(db, |f| f.phony = true),
        b".PRECIOUS" => {
            for d in &deps {
                if PercentPattern::new(d).percent.is_some() {
                    db.precious_patterns.push(PercentPattern::new(d));
                } else {
                    let dep = db.intern(d);
                    db.file_mut(dep).precious = true;
                }
            }
        }
        // With no prerequisites, it has no effect (GNU manual, Special
        // Built-in Target Names).
        b".INTERMEDIATE" => mark(db, |f| f.intermediate = true),
        b".SECONDARY" => mark(db, |f| f.secondary = true),
        b".NOTINTERMEDIATE" => {
            for d in &deps {
                if PercentPattern::new(d).percent.is_some() {
                    db.notintermediate_patterns.push(PercentPattern::new(d));
                }
                // A pattern names a file too: `%.o` also listed in
                // .SECONDARY or .INTERMEDIATE is refused (GNU 4.4.1).
                let dep = db.intern(d);
                db.file_mut(dep).notintermediate = true;
            }
        }
        // Set as the line was read (`read_time_special_target`).
        b".SECONDEXPANSION" | b".ONESHELL" | b".POSIX" => {}
        b".DELETE_ON_ERROR" => db.delete_on_error = true,
        // With no prerequisites at all once the makefiles are read, these
        // apply to every file (`settle_every_file`).
        b".NOTPARALLEL" | b".SILENT" | b".IGNORE" => {}
        b".EXPORT_ALL_VARIABLES" => db.export_all_variables = true,
        b".SUFFIXES" => {
            // An empty list clears the known suffixes; otherwise they accumulate.
            if deps.is_empty() {
                db.file_mut(id).rule.deps.clear();
                db.file_mut(id).is_target = true;
                return true;
            }
        }
        b".LOW_RESOLUTION_TIME" => {
            for d in &deps {
                let dep = db.intern(d);
                db.low_resolution_time.push(dep);
            }
        }
        _ => return false,
    }
    // Special targets still get their prerequisites recorded for `-p` and for
    // `.SILENT`/`.IGNORE` with lists.
    let deps: Vec<Dep> = intern_deps(ev, deps_text);
    let file = ev.db.file_mut(id);
    file.is_target = true;
    file.rule.deps.extend(deps);
    true
}

/// The special targets that take effect as soon as a rule line naming
/// them is read, before the rule is recorded (GNU 4.4.1 and 4.3): a
/// conditional that follows sees `.SHELLFLAGS` of `.POSIX`, and a rule it
/// `$(eval)`s gets the second expansion.
pub fn read_time_special_target(ev: &mut Evaluator, name: &[u8]) {
    match name {
        b".SECONDEXPANSION" => ev.db.second_expansion = true,
        b".ONESHELL" => ev.db.oneshell = true,
        // Only the first `.POSIX` sets the standard's defaults: a later one
        // leaves a variable the makefile undefined in between undefined
        // (GNU 4.4.1 and 4.3).
        b".POSIX" if !ev.db.posix => {
            ev.db.posix = true;
            posix_defaults(ev);
        }
        _ => {}
    }
}

/// `.SECONDARY`, `.NOTINTERMEDIATE`, `.NOTPARALLEL`, `.SILENT` and
/// `.IGNORE` apply to every file when they end up with no prerequisites
/// once the makefiles are read, as GNU decides (4.4.1 and 4.3): a line
/// naming none does nothing to a list given on another line, before it or
/// after.
pub fn settle_every_file(db: &mut crate::rules::Database) {
    let bare = |db: &crate::rules::Database, name: &[u8]| {
        db.lookup(name).is_some_and(|id| {
            let f = db.file(id);
            f.is_target && f.rule.deps.is_empty()
        })
    };
    db.secondary_all = bare(db, b".SECONDARY");
    db.notintermediate_all = bare(db, b".NOTINTERMEDIATE");
    db.not_parallel = bare(db, b".NOTPARALLEL");
    db.silent_all = bare(db, b".SILENT");
    db.ignore_all = bare(db, b".IGNORE");
}

/// `.POSIX`: the standard's defaults replace GNU's for the variables that
/// still have their default value. GNU 4.4.1 defines them under `-R` too
/// (a `-R` the makefile adds to MAKEFLAGS removes them after reading, with
/// every default variable). `.SHELLFLAGS` becomes `-ec`, which
/// `$(.SHELLFLAGS)` shows from then on. Under `-e`, a variable the
/// environment defined keeps its value as an environment override.
fn posix_defaults(ev: &mut Evaluator) {
    let shell_flags: (&[u8], &[u8]) = (b".SHELLFLAGS", b"-ec");
    let posix = crate::rules::builtin::POSIX_VARIABLES.iter().copied();
    let env_overrides = ev.invocation.options.environment_overrides;
    for (name, value) in posix.chain([shell_flags]) {
        let existing = ev.globals.get_mut(name);
        if let Some(v) = existing.filter(|v| v.origin == Origin::Environment && env_overrides) {
            // Under -e, the environment's value beats this default, as it
            // beats GNU's own defaults (ARFLAGS): it is then an
            // `environment override` (GNU 4.4.1).
            v.origin = Origin::EnvironmentOverride;
            continue;
        }
        if ev
            .globals
            .get(name)
            .is_none_or(|v| v.origin == Origin::Default)
        {
            let var = crate::eval::vars::Var::new(
                value.to_vec(),
                crate::eval::vars::Flavor::Simple,
                Origin::Default,
            );
            ev.globals.insert(name, var);
        }
    }
}
