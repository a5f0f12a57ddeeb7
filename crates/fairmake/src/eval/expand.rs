//! Make text compiled once into an expansion tree: literal runs, variable
//! references, substitution references and function calls with their
//! argument trees ("parse once, expand many"; docs/ARCHITECTURE.md).

use super::function_table::{self as functions, FuncId};

/// A compiled piece of make text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Expansion {
    pub nodes: Vec<Node>,
}

/// One element of an expansion.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// Text copied as is (`$$` already turned into `$`).
    Literal(Vec<u8>),
    /// `$(NAME)` or `$X` with a name known at parse time.
    Var(Box<[u8]>),
    /// `$($(a)_b)`: the name is itself expanded first.
    ComputedVar(Expansion),
    /// `$(NAME:FROM=TO)`.
    SubstRef {
        name: Expansion,
        from: Expansion,
        to: Expansion,
    },
    /// `$(func arg,arg,...)`.
    Call { func: FuncId, args: Vec<Expansion> },
    /// `$(` with no closing paren: an error when expanded, as in GNU.
    Unterminated,
    /// `$(func ...` (or `${func ...`) with no closing paren (brace).
    UnterminatedCall(FuncId, u8),
}

impl Expansion {
    /// Compiles `text`.
    pub fn parse(text: &[u8]) -> Expansion {
        let mut nodes = Vec::new();
        parse_into(text, &mut nodes);
        Expansion { nodes }
    }

    /// Whether the expansion is plain text.
    pub fn as_literal(&self) -> Option<&[u8]> {
        match self.nodes.as_slice() {
            [] => Some(b""),
            [Node::Literal(t)] => Some(t),
            _ => None,
        }
    }
}

fn push_literal(nodes: &mut Vec<Node>, text: &[u8]) {
    if text.is_empty() {
        return;
    }
    if let Some(Node::Literal(prev)) = nodes.last_mut() {
        prev.extend_from_slice(text);
    } else {
        nodes.push(Node::Literal(text.to_vec()));
    }
}

fn parse_into(text: &[u8], nodes: &mut Vec<Node>) {
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'$', &text[i..]) {
        push_literal(nodes, &text[i..i + off]);
        let d = i + off;
        let Some(&c) = text.get(d + 1) else {
            // A lone `$` at the very end stays a `$`, as in GNU make.
            push_literal(nodes, b"$");
            return;
        };
        match c {
            b'$' => {
                push_literal(nodes, b"$");
                i = d + 2;
            }
            b'(' | b'{' => {
                let close = if c == b'(' { b')' } else { b'}' };
                match reference_end(text, d + 2, c, close) {
                    Some(end) => {
                        nodes.push(parse_reference(&text[d + 2..end], c, close));
                        i = end + 1;
                    }
                    None => {
                        if let Some(node) = unterminated(&text[d + 2..], close) {
                            nodes.push(node);
                        }
                        return;
                    }
                }
            }
            _ => {
                nodes.push(Node::Var(Box::new([c])));
                i = d + 2;
            }
        }
    }
    push_literal(nodes, &text[i..]);
}

/// The error node for an unclosed reference: a call when it starts with a
/// function name and a blank (or nothing more). A variable whose name has
/// a reference in it before a closing paren (`$($(a)b`: the parens do not
/// balance) is no error in GNU: it and the rest of the text expand to
/// nothing (`None`).
fn unterminated(inner: &[u8], close: u8) -> Option<Node> {
    let name_len = inner
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-'))
        .unwrap_or(inner.len());
    // A function name at the very end counts as a call too (`$(info`).
    if inner
        .get(name_len)
        .is_none_or(|&b| crate::words::is_space(b))
    {
        if let Some(f) = functions::lookup(&inner[..name_len]) {
            return Some(Node::UnterminatedCall(f, close));
        }
    }
    match memchr::memchr(close, inner) {
        Some(first) if memchr::memchr(b'$', &inner[..first]).is_some() => None,
        _ => Some(Node::Unterminated),
    }
}

/// Finds the end of the reference opened just before `start`.  A function
/// call spans balanced parens (`$(info (a))`); a variable name without a
/// nested reference ends at the first closing paren, as in GNU make
/// (`$(a(b)c)` is the variable `a(b` followed by `c)`).
fn reference_end(text: &[u8], start: usize, open: u8, close: u8) -> Option<usize> {
    let inner = &text[start..];
    if !is_call(inner) {
        let first = start + memchr::memchr(close, inner)?;
        if memchr::memchr(b'$', &text[start..first]).is_none() {
            return Some(first);
        }
    }
    find_close(text, start, open, close)
}

/// Whether the text after `$(` begins with a built-in function's name and
/// a blank.
fn is_call(inner: &[u8]) -> bool {
    let name_len = inner
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-'))
        .unwrap_or(inner.len());
    name_len > 0
        && name_len < inner.len()
        && crate::words::is_space(inner[name_len])
        && functions::lookup(&inner[..name_len]).is_some()
}

/// Finds the paren closing a reference opened just before `start`, counting
/// nested parens of the same kind only (as GNU make does).
fn find_close(text: &[u8], start: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    for (j, &b) in text.iter().enumerate().skip(start) {
        if b == open {
            depth += 1;
        } else if b == close {
            if depth == 0 {
                return Some(j);
            }
            depth -= 1;
        }
    }
    None
}

/// Parses the inside of `$( ... )`.
fn parse_reference(inner: &[u8], open: u8, close: u8) -> Node {
    // In a recipe, backslash-newlines inside a reference are joined as
    // outside recipes: with the blanks around them, into one space.
    if memchr::memmem::find(inner, b"\\\n").is_some() {
        return parse_reference_text(&join_continuations(inner), open, close);
    }
    parse_reference_text(inner, open, close)
}

/// Replaces each backslash-newline (an odd run of backslashes before a
/// newline), with the blanks around it and any that follow at once, by
/// one space.
fn join_continuations(text: &[u8]) -> Vec<u8> {
    let blank = |b: u8| b == b' ' || b == b'\t';
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if b == b'\n' {
            let backslashes = out.iter().rev().take_while(|&&c| c == b'\\').count();
            if backslashes % 2 == 1 {
                out.pop();
                while out.last().is_some_and(|&c| blank(c)) {
                    out.pop();
                }
                // Blanks and further backslash-newlines after it.
                i += 1;
                loop {
                    while i < text.len() && blank(text[i]) {
                        i += 1;
                    }
                    if text[i..].starts_with(b"\\\n") {
                        i += 2;
                    } else {
                        break;
                    }
                }
                out.push(b' ');
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

fn parse_reference_text(inner: &[u8], open: u8, close: u8) -> Node {
    if let Some(node) = parse_call(inner, open, close) {
        return node;
    }
    if let Some(colon) = find_top_level(inner, b':') {
        if let Some(eq) = find_top_level(&inner[colon + 1..], b'=') {
            let eq = colon + 1 + eq;
            return Node::SubstRef {
                name: Expansion::parse(&inner[..colon]),
                from: Expansion::parse(&inner[colon + 1..eq]),
                to: Expansion::parse(&inner[eq + 1..]),
            };
        }
    }
    if memchr::memchr(b'$', inner).is_none() {
        Node::Var(inner.into())
    } else {
        Node::ComputedVar(Expansion::parse(inner))
    }
}

/// Finds `needle` outside nested references, of either kind (`$(o:a=b)`
/// inside `${...}` hides its colon); a paren without a `$` before it opens
/// none at the top (`$(V:(a=b)` replaces `(a`).
fn find_top_level(text: &[u8], needle: u8) -> Option<usize> {
    let mut closers: Vec<u8> = Vec::new();
    let mut j = 0;
    while j < text.len() {
        let b = text[j];
        if b == b'$' {
            match text.get(j + 1) {
                Some(b'(') => closers.push(b')'),
                Some(b'{') => closers.push(b'}'),
                _ => {}
            }
            j += 2;
            continue;
        }
        match closers.last() {
            Some(&c) if b == c => {
                closers.pop();
            }
            // Inside a reference, parens of its kind nest, as GNU counts them.
            Some(&c) if (c == b')' && b == b'(') || (c == b'}' && b == b'{') => closers.push(c),
            Some(_) => {}
            None if b == needle => return Some(j),
            None => {}
        }
        j += 1;
    }
    None
}

/// Compiles argument `i` of a call of `func`.  The conditions of $(if),
/// $(or) and $(and) are stripped as written, before they are expanded; what
/// they expand to is tested (and returned) as it is, blanks included.
pub fn parse_function_arg(func: FuncId, i: usize, arg: &[u8]) -> Expansion {
    let condition = match func {
        FuncId::If => i == 0,
        FuncId::Or | FuncId::And => true,
        _ => false,
    };
    Expansion::parse(if condition {
        crate::words::trim(arg)
    } else {
        arg
    })
}

/// `name args` where `name` is a built-in function followed by a blank.
fn parse_call(inner: &[u8], open: u8, close: u8) -> Option<Node> {
    let name_len = inner
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-'))?;
    if name_len == 0 || !crate::words::is_space(inner[name_len]) {
        // GNU also accepts `$(name)` without arguments only as a variable.
        return None;
    }
    let func = functions::lookup(&inner[..name_len])?;
    let mut rest = &inner[name_len..];
    // Whitespace after the function name is not part of the first argument.
    while let Some((&b, tail)) = rest.split_first() {
        if crate::words::is_space(b) {
            rest = tail;
        } else {
            break;
        }
    }
    let max = functions::max_args(func);
    let args = split_args(rest, open, close, max)
        .into_iter()
        .enumerate()
        .map(|(i, arg)| parse_function_arg(func, i, arg))
        .collect();
    Some(Node::Call { func, args })
}

/// Splits function arguments at top-level commas; with a maximum, the last
/// argument takes the rest of the text, commas included.
fn split_args(text: &[u8], open: u8, close: u8, max: usize) -> Vec<&[u8]> {
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (j, &b) in text.iter().enumerate() {
        if b == open {
            depth += 1;
        } else if b == close {
            depth = depth.saturating_sub(1);
        } else if b == b',' && depth == 0 && (max == 0 || args.len() + 1 < max) {
            args.push(&text[start..j]);
            start = j + 1;
        }
    }
    args.push(&text[start..]);
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_literals_and_refs() {
        let e = Expansion::parse(b"a$$b$(x)$y${z}");
        assert_eq!(
            e.nodes,
            vec![
                Node::Literal(b"a$b".to_vec()),
                Node::Var(b"x"[..].into()),
                Node::Var(b"y"[..].into()),
                Node::Var(b"z"[..].into()),
            ]
        );
    }

    #[test]
    fn parses_subst_ref_and_unterminated() {
        let e = Expansion::parse(b"$(x:.c=.o)");
        assert!(matches!(e.nodes[0], Node::SubstRef { .. }));
        let e = Expansion::parse(b"$(x");
        assert_eq!(e.nodes, vec![Node::Unterminated]);
    }

    #[test]
    fn parses_calls_with_capped_args() {
        let e = Expansion::parse(b"$(if a,b,c,d)");
        match &e.nodes[0] {
            Node::Call { args, .. } => {
                assert_eq!(args.len(), 3);
                assert_eq!(args[2].as_literal(), Some(&b"c,d"[..]));
            }
            other => panic!("{other:?}"),
        }
    }
}
