//! `-p`/`--print-data-base`: variables, pattern-specific variables, implicit
//! rules, files and vpath directives, in GNU make's layout. Tables are printed
//! sorted by name (GNU prints hash order, which no one can rely on).

use std::io::Write;

use crate::eval::vars::{Flavor, Origin, Var};
use crate::eval::Evaluator;
use crate::rules::{FileId, Recipe};

/// Prints the whole data base to stdout.
pub fn print_database(ev: &Evaluator) {
    let mut out = std::io::stdout().lock();
    let _ = write_database(ev, &mut out);
    let _ = out.flush();
}

fn write_database(ev: &Evaluator, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "# GNU Make {} compatible (fairmake {})",
        crate::diag::EMULATED_VERSION,
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(out, "# Built for x86_64-pc-linux-gnu")?;
    writeln!(out)?;
    writeln!(out, "# Make data base, printed by fairmake")?;
    writeln!(out)?;
    writeln!(out, "# Variables")?;
    writeln!(out)?;
    let mut vars: Vec<(&[u8], &Var)> = ev.globals.iter().collect();
    vars.sort_by(|a, b| a.0.cmp(b.0));
    for (name, var) in vars {
        write_variable(out, name, var)?;
    }
    writeln!(out)?;
    writeln!(out, "# Pattern-specific Variable Values")?;
    writeln!(out)?;
    if ev.db.pattern_vars.is_empty() {
        writeln!(out, "# No pattern-specific variable values.")?;
    }
    let mut pattern_values = 0;
    for (pattern, set) in &ev.db.pattern_vars {
        let set = set.borrow();
        let mut vars: Vec<(&[u8], &Var)> = set.iter().collect();
        vars.sort_by(|a, b| a.0.cmp(b.0));
        for (name, var) in vars {
            write_pattern_variable(out, &pattern.text, name, var)?;
            pattern_values += 1;
        }
    }
    if pattern_values > 0 {
        writeln!(out, "# {pattern_values} pattern-specific variable values")?;
    }
    writeln!(out)?;
    writeln!(out, "# Implicit Rules")?;
    writeln!(out)?;
    let mut terminal = 0;
    for rule in &ev.db.pattern_rules {
        let targets: Vec<&[u8]> = rule.targets.iter().map(|t| t.text.as_slice()).collect();
        write!(
            out,
            "{}:{}",
            bstr::BStr::new(&targets.join(&b' ')),
            if rule.terminal { ":" } else { "" }
        )?;
        terminal += usize::from(rule.terminal);
        for d in &rule.deps {
            write!(out, " {}", bstr::BStr::new(d))?;
        }
        if !rule.order_only.is_empty() {
            write!(out, " |")?;
            for d in &rule.order_only {
                write!(out, " {}", bstr::BStr::new(d))?;
            }
        }
        writeln!(out)?;
        if let Some(recipe) = &rule.recipe {
            write_recipe(out, recipe, rule.builtin)?;
        }
        writeln!(out)?;
    }
    match ev.db.pattern_rules.len() {
        0 => writeln!(out, "# No implicit rules.")?,
        n => writeln!(
            out,
            "# {n} implicit rules, {terminal} ({:.1}%) terminal.",
            terminal as f64 * 100.0 / n as f64
        )?,
    }
    writeln!(out)?;
    writeln!(out, "# Files")?;
    writeln!(out)?;
    let mut files: Vec<FileId> = (0..ev.db.files.len()).map(FileId::from_index).collect();
    files.sort_by_key(|&id| ev.db.file(id).name);
    for id in files {
        write_file(ev, out, id)?;
    }
    writeln!(out, "# VPATH Search Paths")?;
    writeln!(out)?;
    for v in &ev.db.vpaths {
        let dirs: Vec<&[u8]> = v.dirs.iter().map(Vec::as_slice).collect();
        writeln!(
            out,
            "vpath {} {}",
            bstr::BStr::new(&v.pattern.text),
            bstr::BStr::new(&dirs.join(&b':'))
        )?;
        writeln!(out)?;
    }
    writeln!(out, "# {} 'vpath' search paths.", ev.db.vpaths.len())?;
    writeln!(out)?;
    match ev.global_value(b"VPATH") {
        Some(v) if !v.is_empty() => {
            writeln!(out, "# General ('VPATH' variable) search path:")?;
            writeln!(out, "# {}", bstr::BStr::new(v))?;
        }
        _ => writeln!(out, "# No general ('VPATH' variable) search path.")?,
    }
    writeln!(out)?;
    writeln!(out, "# Finished Make data base")?;
    Ok(())
}

fn origin_comment(var: &Var) -> String {
    match var.origin {
        Origin::Default => "default".into(),
        Origin::Environment => "environment".into(),
        Origin::EnvironmentOverride => "environment under -e".into(),
        Origin::CommandLine => "command line".into(),
        Origin::Override => "'override' directive".into(),
        Origin::Automatic => "automatic".into(),
        Origin::File => match &var.loc {
            Some(loc) => format!(
                "makefile (from '{}', line {})",
                bstr::BStr::new(&loc.file[..]),
                loc.line
            ),
            None => "makefile".into(),
        },
    }
}

/// One pattern-specific definition as GNU lists it: the pattern, where the
/// value comes from, and the value as a comment (`$` doubled, `:=` whatever
/// the flavor).
fn write_pattern_variable(
    out: &mut impl Write,
    pattern: &[u8],
    name: &[u8],
    var: &Var,
) -> std::io::Result<()> {
    let origin = match var.origin {
        Origin::Override => "'override' directive",
        Origin::CommandLine => "command line",
        Origin::Environment => "environment",
        Origin::EnvironmentOverride => "environment under -e",
        Origin::Default => "default",
        Origin::Automatic => "automatic",
        Origin::File => "makefile",
    };
    let private = if var.private { " private" } else { "" };
    let from = match &var.loc {
        Some(loc) => format!(
            " (from '{}', line {})",
            bstr::BStr::new(&loc.file[..]),
            loc.line
        ),
        None => String::new(),
    };
    let value = bstr::ByteSlice::replace(&var.value[..], "$", "$$");
    writeln!(out, "{} :", bstr::BStr::new(pattern))?;
    writeln!(out, "# {origin}{private}{from}")?;
    writeln!(
        out,
        "# {} := {}",
        bstr::BStr::new(name),
        bstr::BStr::new(&value)
    )?;
    writeln!(out)
}

fn write_variable(out: &mut impl Write, name: &[u8], var: &Var) -> std::io::Result<()> {
    writeln!(out, "# {}", origin_comment(var))?;
    if var.value.contains(&b'\n') {
        writeln!(out, "define {}", bstr::BStr::new(name))?;
        writeln!(out, "{}", bstr::BStr::new(&var.value))?;
        return writeln!(out, "endef");
    }
    let op = match (var.flavor, var.append) {
        (_, true) => "+=",
        (Flavor::Simple, _) => ":=",
        (Flavor::Recursive, _) => "=",
    };
    writeln!(
        out,
        "{} {} {}",
        bstr::BStr::new(name),
        op,
        bstr::BStr::new(&var.value)
    )
}

fn write_recipe(out: &mut impl Write, recipe: &Recipe, builtin: bool) -> std::io::Result<()> {
    if builtin || recipe.loc.line == 0 {
        writeln!(out, "#  recipe to execute (built-in):")?;
    } else {
        writeln!(
            out,
            "#  recipe to execute (from '{}', line {}):",
            bstr::BStr::new(&recipe.loc.file[..]),
            recipe.loc.line
        )?;
    }
    for line in &recipe.lines {
        writeln!(out, "\t{}", bstr::BStr::new(&line.text))?;
    }
    Ok(())
}

fn write_file(ev: &Evaluator, out: &mut impl Write, id: FileId) -> std::io::Result<()> {
    let file = ev.db.file(id);
    if !file.is_target {
        writeln!(out, "# Not a target:")?;
    }
    let deps = |oo: bool| -> Vec<&[u8]> {
        file.rule
            .deps
            .iter()
            .filter(|d| d.order_only == oo)
            .map(|d| ev.db.file(d.file()).name)
            .collect()
    };
    write!(out, "{}:", bstr::BStr::new(&file.name))?;
    for d in deps(false) {
        write!(out, " {}", bstr::BStr::new(d))?;
    }
    let oo = deps(true);
    if !oo.is_empty() {
        write!(out, " |")?;
        for d in oo {
            write!(out, " {}", bstr::BStr::new(d))?;
        }
    }
    writeln!(out)?;
    let builtin_recipe = file.rule.recipe.as_ref().is_none_or(|r| r.loc.line == 0);
    if file.builtin && builtin_recipe {
        writeln!(out, "#  Builtin rule")?;
    }
    if file.phony {
        writeln!(out, "#  Phony target (prerequisite of .PHONY).")?;
    }
    if file.precious {
        writeln!(out, "#  Precious file (prerequisite of .PRECIOUS).")?;
    }
    if let Some(recipe) = &file.rule.recipe {
        write_recipe(out, recipe, false)?;
    }
    for rule in file.double_colon() {
        if let Some(recipe) = &rule.recipe {
            write_recipe(out, recipe, false)?;
        }
    }
    if let Some(vars) = ev.db.target_vars(id) {
        let vars = vars.borrow();
        let mut list: Vec<(&[u8], &Var)> = vars.iter().collect();
        list.sort_by(|a, b| a.0.cmp(b.0));
        for (name, var) in list {
            write_variable(out, name, var)?;
        }
    }
    writeln!(out)
}
