//! The architecture, checked: stage folders whose modules never import
//! each other in a cycle, and no stage importing a later one.
//!
//! Every `crate::…` and `super::…` path in `src/` (outside `#[cfg(test)]`
//! code) is resolved to the module that defines it, which gives the
//! module graph of the library.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::util::root;

/// The stages in pipeline order. A module may import its own stage and
/// earlier ones; `error` and `panic` are shared by all and import only
/// stage error types.
const STAGES: [&str; 9] = [
    "model", "source", "decode", "read", "table", "run", "review", "cli", "main",
];

/// Module path (`table::fields`) → source text without its tests.
fn modules() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let src = root().join("src");
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let name = module_name(&src, &path);
            let text = std::fs::read_to_string(&path).expect("source is UTF-8");
            let code = match text.find("#[cfg(test)]") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            out.insert(name, code);
        }
    }
    out
}

fn module_name(src: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts.join("::")
}

/// The modules `name` imports (itself and its ancestors excluded: a
/// module's children may use what it declares, since it is their
/// namespace; every other edge counts, siblings' included). Paths are
/// read whole (`crate::a::b::c`) and in groups (`super::{X, y::Z}`).
fn imports(name: &str, code: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let path = regex::Regex::new(r"\b(crate|super)((?:::[a-z_][a-z0-9_]*)*)(::\{[^}]*\})?")
        .expect("regex");
    let child =
        regex::Regex::new(r"(?:^|[^:a-z0-9_])(?:self::)?([a-z_][a-z0-9_]*)::").expect("regex");
    let mut out = BTreeSet::new();
    let own: Vec<&str> = name.split("::").filter(|s| !s.is_empty()).collect();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        // A child module named bare or through `self` (`sheet::read(…)`,
        // `self::html::X`): `name::child` when that is a module.
        for c in child.captures_iter(line) {
            let target = format!(
                "{}{}{}",
                name,
                if name.is_empty() { "" } else { "::" },
                &c[1]
            );
            if known.contains(&target) {
                out.insert(target);
            }
        }
        for c in path.captures_iter(line) {
            let mut base: Vec<&str> = if &c[1] == "crate" {
                Vec::new()
            } else {
                own[..own.len().saturating_sub(1)].to_vec()
            };
            for segment in c[2].split("::").filter(|s| !s.is_empty()) {
                if segment == "super" {
                    base.pop();
                } else {
                    base.push(segment);
                }
            }
            // `a::{b, c::d}`: each item is a path below `a`.
            let items: Vec<Vec<&str>> = match c.get(3) {
                Some(group) => group
                    .as_str()
                    .trim_start_matches("::{")
                    .trim_end_matches('}')
                    .split(',')
                    .map(|item| {
                        item.trim()
                            .split("::")
                            .filter(|s| !s.is_empty() && *s != "self")
                            .collect()
                    })
                    .collect(),
                None => vec![Vec::new()],
            };
            for item in items {
                let full: Vec<&str> = base.iter().copied().chain(item).collect();
                // The longest prefix that is a module.
                let target = (1..=full.len())
                    .rev()
                    .map(|n| full[..n].join("::"))
                    .find(|m| known.contains(m));
                if let Some(t) =
                    target.filter(|t| t != name && !name.starts_with(&format!("{t}::")))
                {
                    out.insert(t);
                }
            }
        }
    }
    out
}

fn stage(module: &str) -> &str {
    module.split("::").next().unwrap_or("")
}

#[test]
fn no_two_modules_import_each_other() {
    let modules = modules();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    let graph: BTreeMap<&str, BTreeSet<String>> = modules
        .iter()
        .map(|(name, code)| (name.as_str(), imports(name, code, &known)))
        .collect();
    assert!(graph.len() > 20, "found only {} modules", graph.len());
    // Any cycle, by depth-first search.
    fn visit<'g>(
        node: &'g str,
        graph: &'g BTreeMap<&str, BTreeSet<String>>,
        path: &mut Vec<&'g str>,
        done: &mut BTreeSet<&'g str>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| *p == node) {
            let mut cycle: Vec<String> = path[i..].iter().map(|s| s.to_string()).collect();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        let cycle = visit(node, &graph, &mut Vec::new(), &mut done);
        assert!(
            cycle.is_none(),
            "import cycle: {}",
            cycle.unwrap_or_default().join(" → ")
        );
    }
}

#[test]
fn no_stage_imports_a_later_stage() {
    let modules = modules();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    let rank = |m: &str| STAGES.iter().position(|s| *s == stage(m));
    let mut wrong = Vec::new();
    for (name, code) in &modules {
        let Some(own) = rank(name) else { continue };
        for target in imports(name, code, &known) {
            if rank(&target).is_some_and(|r| r > own) {
                wrong.push(format!("{name} imports {target}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_source_file_is_over_1000_lines_before_its_tests() {
    let src = root().join("src");
    let mut long = Vec::new();
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source is UTF-8");
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                let lines = code.lines().count();
                if lines > 1000 {
                    long.push(format!("{}: {lines} lines", path.display()));
                }
            }
        }
    }
    assert!(long.is_empty(), "{}", long.join("\n"));
}

/// The import reader itself: whole paths, groups, `super`, and the
/// ancestor exemption, on made-up modules.
#[test]
fn imports_are_read_whole_and_in_groups() {
    let known: BTreeSet<String> = ["a", "a::b", "a::c", "d"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let code =
        "use super::{c::X, Y};\nuse crate::d::Z;\nlet v = crate::a::c::f();\n// use crate::q\n";
    let got = imports("a::b", code, &known);
    assert_eq!(got.into_iter().collect::<Vec<_>>(), ["a::c", "d"]);
    let up = imports("a::b", "use super::super::d::Z;", &known);
    assert_eq!(up.into_iter().collect::<Vec<_>>(), ["d"]);
    let parent = imports(
        "a",
        "use b::X;\nlet y = self::c::f();\nuse std::io;",
        &known,
    );
    assert_eq!(parent.into_iter().collect::<Vec<_>>(), ["a::b", "a::c"]);
}
