//! Splits an argument list into options and operands the way glibc's
//! `getopt_long` does for GNU make: bundled short options, attached or
//! separate arguments, unique-prefix long names, permutation (options may
//! follow operands) and `--` ending option processing.
//!
//! Two GNU make quirks live here too: `-j` and `-l` take their optional
//! argument from the next word when that word looks numeric, and the error
//! texts are glibc's.

use super::table::{self, ArgKind, OptId, Spec};

/// One thing found in the argument list.
#[derive(Debug)]
pub enum Item {
    /// An option, with its argument if it got one.
    Opt {
        spec: &'static Spec,
        value: Option<Vec<u8>>,
    },
    /// A non-option word.
    Operand(Vec<u8>),
    /// A getopt error, worded as glibc prints it (without `make: `).
    Error(String),
}

/// Scans `args` completely, in order.
pub fn scan(args: &[Vec<u8>]) -> Vec<Item> {
    let mut items = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg.as_slice() == b"--" {
            items.extend(args[i..].iter().cloned().map(Item::Operand));
            break;
        }
        if let Some(body) = arg.strip_prefix(b"--") {
            items.push(long_option(body, args, &mut i));
        } else if arg.len() > 1 && arg[0] == b'-' {
            short_bundle(&arg[1..], args, &mut i, &mut items);
        } else {
            items.push(Item::Operand(arg.clone()));
        }
    }
    items
}

/// Whether the word after `-j`/`--jobs` is taken as its count: GNU takes it
/// when it is all digits (vacuously true for an empty word).
fn takes_next_as_jobs(next: &[u8]) -> bool {
    next.iter().all(u8::is_ascii_digit)
}

/// Whether the word after `-l`/`--load-average` is taken as its load: GNU
/// takes it when it starts with a digit or a dot.
fn takes_next_as_load(next: &[u8]) -> bool {
    matches!(next.first(), Some(c) if c.is_ascii_digit() || *c == b'.')
}

/// The separate word an optional-argument option may consume.
fn peek_numeric(spec: &Spec, args: &[Vec<u8>], i: &mut usize) -> Option<Vec<u8>> {
    let next = args.get(*i)?;
    let takes = match spec.id {
        OptId::Jobs => takes_next_as_jobs(next),
        OptId::LoadAverage => takes_next_as_load(next),
        _ => false,
    };
    if takes {
        *i += 1;
        Some(next.clone())
    } else {
        None
    }
}

fn short_bundle(letters: &[u8], args: &[Vec<u8>], i: &mut usize, items: &mut Vec<Item>) {
    for (pos, &c) in letters.iter().enumerate() {
        let Some(spec) = table::by_short(c) else {
            items.push(Item::Error(format!("invalid option -- '{}'", c as char)));
            continue;
        };
        let rest = &letters[pos + 1..];
        match spec.arg {
            ArgKind::None => items.push(Item::Opt { spec, value: None }),
            ArgKind::Required => {
                let value = if !rest.is_empty() {
                    Some(rest.to_vec())
                } else if let Some(next) = args.get(*i) {
                    *i += 1;
                    Some(next.clone())
                } else {
                    items.push(Item::Error(format!(
                        "option requires an argument -- '{}'",
                        c as char
                    )));
                    return;
                };
                items.push(Item::Opt { spec, value });
                return;
            }
            ArgKind::Optional => {
                let value = if rest.is_empty() {
                    peek_numeric(spec, args, i)
                } else {
                    Some(rest.to_vec())
                };
                items.push(Item::Opt { spec, value });
                return;
            }
        }
    }
}

/// How a long name resolved.
enum Resolved {
    One(&'static str, &'static Spec),
    Unknown,
    Ambiguous(Vec<&'static str>),
}

/// Exact names (including fairmake's extensions) win; otherwise a prefix of
/// GNU names must pick out one switch. Like glibc, several matching names
/// that denote the same switch are not ambiguous; the first one is taken.
fn resolve(name: &[u8]) -> Resolved {
    let exact = table::long_names()
        .map(|(n, id)| (n, table::spec(id)))
        .chain(
            table::EXTENSIONS
                .iter()
                .filter_map(|s| s.long.map(|n| (n, s))),
        )
        .find(|(n, _)| n.as_bytes() == name);
    if let Some((n, spec)) = exact {
        return Resolved::One(n, spec);
    }
    let matches: Vec<(&'static str, OptId)> = table::long_names()
        .filter(|(n, _)| n.as_bytes().starts_with(name))
        .collect();
    match matches.first() {
        None => Resolved::Unknown,
        Some(&(first, id)) if matches.iter().all(|&(_, other)| other == id) => {
            Resolved::One(first, table::spec(id))
        }
        Some(_) => Resolved::Ambiguous(matches.iter().map(|&(n, _)| n).collect()),
    }
}

fn long_option(body: &[u8], args: &[Vec<u8>], i: &mut usize) -> Item {
    let (name, attached) = match body.iter().position(|&b| b == b'=') {
        Some(eq) => (&body[..eq], Some(body[eq + 1..].to_vec())),
        None => (body, None),
    };
    let whole = String::from_utf8_lossy(body);
    let (full, spec) = match resolve(name) {
        Resolved::One(full, spec) => (full, spec),
        Resolved::Unknown => return Item::Error(format!("unrecognized option '--{whole}'")),
        Resolved::Ambiguous(names) => {
            let list: Vec<String> = names.iter().map(|n| format!("'--{n}'")).collect();
            return Item::Error(format!(
                "option '--{whole}' is ambiguous; possibilities: {}",
                list.join(" ")
            ));
        }
    };
    let value = match (spec.arg, attached) {
        (ArgKind::None, Some(_)) => {
            return Item::Error(format!("option '--{full}' doesn't allow an argument"))
        }
        (ArgKind::None, None) => None,
        (_, Some(v)) => Some(v),
        (ArgKind::Optional, None) => peek_numeric(spec, args, i),
        (ArgKind::Required, None) => match args.get(*i) {
            Some(next) => {
                *i += 1;
                Some(next.clone())
            }
            None => return Item::Error(format!("option '--{full}' requires an argument")),
        },
    };
    Item::Opt { spec, value }
}
