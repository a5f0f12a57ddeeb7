//! The module graph is layered (issue 24): a module uses only the modules
//! on the lines above its own in the list at the top of `src/lib.rs`.
//! This test reads that list and every `crate::`, `super::` and `self::`
//! path in `src/`, resolves each to the module file it names, and fails
//! on a use of a module at the same or a higher layer (other than the
//! module's own submodules). Test code (`#[cfg(test)]` items and
//! `tests.rs` files) may use anything and is not read.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// A module path, `["eval", "vars"]`; the crate root is `[]`.
type ModPath = Vec<String>;

/// The layers from the `## Layers` list of `lib.rs`, bottom first: each a
/// set of module paths.
fn layers(lib_rs: &str) -> Vec<Vec<ModPath>> {
    let mut in_section = false;
    let mut out = Vec::new();
    for line in lib_rs.lines() {
        let Some(doc) = line.strip_prefix("//!") else {
            if in_section {
                break;
            }
            continue;
        };
        let doc = doc.trim();
        if doc.starts_with("## ") {
            in_section = doc == "## Layers";
            continue;
        }
        let Some(item) = doc.strip_prefix("- ").filter(|_| in_section) else {
            continue;
        };
        // "`a` `b::c`: what they are": the names before the colon.
        let names = item.split(": ").next().unwrap_or("");
        let layer: Vec<ModPath> = names
            .split('`')
            .skip(1)
            .step_by(2)
            .map(|n| n.split("::").map(str::to_string).collect())
            .collect();
        assert!(
            !layer.is_empty(),
            "a layer line without module names: {line}"
        );
        out.push(layer);
    }
    out
}

/// Every `.rs` file under `src` as (module path, file), but the crate
/// roots and the binaries.
fn modules(src: &Path) -> Vec<(ModPath, PathBuf)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("readable source dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(src, &mut files);
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).expect("under src");
        let mut segs: ModPath = rel
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if segs.first().is_some_and(|s| s == "bin") || segs == ["lib"] || segs == ["main"] {
            continue;
        }
        if segs.last().is_some_and(|s| s == "mod") {
            segs.pop();
        }
        out.push((segs, file));
    }
    out.sort();
    out
}

/// The source without comments and without test code: `#[cfg(test)]`
/// items are blanked (lines kept, so that line numbers stay right).
fn production_code(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut skipping = false;
    let mut depth = 0i32;
    let mut opened = false;
    for line in text.lines() {
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        if !skipping && code.trim() == "#[cfg(test)]" {
            skipping = true;
            depth = 0;
            opened = false;
            out.push(String::new());
            continue;
        }
        if skipping {
            for c in code.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if (opened && depth <= 0) || (!opened && code.trim_end().ends_with(';')) {
                skipping = false;
            }
            out.push(String::new());
            continue;
        }
        out.push(code.to_string());
    }
    out
}

/// The paths that start at `crate`, `super` or `self` in one line, braces
/// expanded: `crate::{a, b::{c, d}}` gives `crate::a`, `crate::b::c`,
/// `crate::b::d`. Each as its segments, the first being the keyword.
fn paths_in(line: &str) -> Vec<Vec<String>> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    for kw in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = line[from..].find(kw) {
            let start = from + i;
            from = start + kw.len();
            if start > 0 && (is_ident(bytes[start - 1]) || bytes[start - 1] == b':') {
                continue; // `super::` inside `super::super::` is read with the first
            }
            let head = vec![kw.trim_end_matches(':').to_string()];
            parse_tail(line, start + kw.len(), head, &mut out);
        }
    }
    out
}

/// Reads `a::b::{...}` from `pos`, appending each full path to `out`;
/// returns where the path ended.
fn parse_tail(
    line: &str,
    mut pos: usize,
    mut segs: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    let bytes = line.as_bytes();
    loop {
        while pos < bytes.len() && bytes[pos] == b' ' {
            pos += 1;
        }
        if pos < bytes.len() && bytes[pos] == b'{' {
            pos += 1;
            loop {
                while pos < bytes.len() && matches!(bytes[pos], b' ' | b',') {
                    pos += 1;
                }
                if pos >= bytes.len() || bytes[pos] == b'}' {
                    break;
                }
                pos = parse_tail(line, pos, segs.clone(), out);
            }
            return pos + 1;
        }
        let start = pos;
        while pos < bytes.len() && (bytes[pos].is_ascii_alphanumeric() || bytes[pos] == b'_') {
            pos += 1;
        }
        if pos > start {
            segs.push(line[start..pos].to_string());
        }
        if line[pos..].starts_with("::") {
            pos += 2;
            continue;
        }
        // `a as b`, `*`, or the end of the path.
        while pos < bytes.len() && !matches!(bytes[pos], b',' | b'}' | b';' | b'(' | b')') {
            if bytes[pos] == b'*'
                || bytes[pos] == b' '
                || bytes[pos].is_ascii_alphanumeric()
                || bytes[pos] == b'_'
            {
                pos += 1;
            } else {
                break;
            }
        }
        out.push(segs);
        return pos;
    }
}

/// The module a path names: the longest prefix of it that is a module of
/// the crate (the rest are items).
fn resolve(own: &ModPath, path: &[String], known: &BTreeSet<ModPath>) -> ModPath {
    let mut full: ModPath = Vec::new();
    let mut rest = path;
    match path[0].as_str() {
        "crate" => rest = &path[1..],
        "self" => {
            full = own.clone();
            rest = &path[1..];
        }
        _ => {
            full = own.clone();
            while rest.first().is_some_and(|s| s == "super") {
                full.pop();
                rest = &rest[1..];
            }
        }
    }
    full.extend(rest.iter().filter(|s| *s != "self").cloned());
    while !full.is_empty() && !known.contains(&full) {
        full.pop();
    }
    full
}

/// The layer a module is in, and the listed name it is under (the longest
/// listed prefix of its path).
fn layer_of(module: &ModPath, layers: &[Vec<ModPath>]) -> Option<(usize, ModPath)> {
    let mut best: Option<(usize, ModPath)> = None;
    for (i, layer) in layers.iter().enumerate() {
        for name in layer {
            if module.starts_with(name) && best.as_ref().is_none_or(|(_, b)| name.len() > b.len()) {
                best = Some((i, name.clone()));
            }
        }
    }
    best
}

/// Every use of a module at the same or a higher layer, as messages; and
/// the modules no layer holds.
fn violations(src: &Path) -> Vec<String> {
    let lib = fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let layers = layers(&lib);
    assert!(layers.len() > 3, "lib.rs has no `## Layers` list");
    let modules = modules(src);
    let known: BTreeSet<ModPath> = modules.iter().map(|(m, _)| m.clone()).collect();
    let mut out = Vec::new();
    for layer in &layers {
        for name in layer {
            if !known.contains(name) {
                out.push(format!(
                    "lib.rs lists `{}`, which is no module",
                    name.join("::")
                ));
            }
        }
    }
    for (module, file) in &modules {
        if module.last().is_some_and(|s| s == "tests") {
            continue;
        }
        let Some((own_layer, own_name)) = layer_of(module, &layers) else {
            out.push(format!("`{}` is in no layer of lib.rs", module.join("::")));
            continue;
        };
        let text = fs::read_to_string(file).expect("source file");
        for (n, line) in production_code(&text).iter().enumerate() {
            for path in paths_in(line) {
                let target = resolve(module, &path, &known);
                if target.is_empty() {
                    continue; // the crate root: lib.rs
                }
                let Some((layer, name)) = layer_of(&target, &layers) else {
                    continue; // reported above as a module in no layer
                };
                if name == own_name || layer < own_layer {
                    continue;
                }
                out.push(format!(
                    "{}:{}: `{}` (layer {}) uses `{}` (layer {})",
                    file.strip_prefix(src).unwrap_or(file).display(),
                    n + 1,
                    module.join("::"),
                    own_layer,
                    target.join("::"),
                    layer
                ));
            }
        }
    }
    out
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(found.is_empty(), "upward uses:\n{}", found.join("\n"));
}

/// The checker itself: a small crate with one upward use, one same-layer
/// use and one use through `super::`, each written differently.
#[test]
fn the_checker_finds_upward_uses() {
    let dir = std::env::temp_dir().join(format!("fairmake-layers-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("high")).unwrap();
    fs::write(
        dir.join("lib.rs"),
        "//! ## Layers\n//!\n//! - `low` `side`: bottom\n//! - `mid`: middle\n//! - `high`: top\n//! - `a` `b` `c`: more\n",
    )
    .unwrap();
    fs::write(
        dir.join("low.rs"),
        "use crate::{side, mid::{x, y}};\n// crate::high::Z in a comment\n",
    )
    .unwrap();
    fs::write(
        dir.join("side.rs"),
        "#[cfg(test)]\nmod t {\n    use crate::high::T;\n}\n",
    )
    .unwrap();
    fs::write(dir.join("mid.rs"), "fn f() { crate::low::g(); }\n").unwrap();
    fs::write(dir.join("high/mod.rs"), "mod inner;\n").unwrap();
    fs::write(
        dir.join("high/inner.rs"),
        "use super::super::mid::Q;\nuse super::Own;\n",
    )
    .unwrap();
    for m in ["a", "b", "c"] {
        fs::write(dir.join(format!("{m}.rs")), "").unwrap();
    }
    let found = violations(&dir);
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(
        found,
        [
            "low.rs:1: `low` (layer 0) uses `side` (layer 0)",
            "low.rs:1: `low` (layer 0) uses `mid` (layer 1)",
            "low.rs:1: `low` (layer 0) uses `mid` (layer 1)",
        ],
        "{found:#?}"
    );
}
