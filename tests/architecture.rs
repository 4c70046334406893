//! The shape docs/ARCHITECTURE.md promises, checked on the source of every crate: no cycle
//! between modules at any depth (the `use` trees and paths of the code parsed, not read as
//! text), no source file over 600 lines but data tables, and no function outside tests and
//! data tables over 80 lines. Between crates, cargo itself refuses a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

const MAX_FUNCTION_LINES: usize = 80;
/// Functions that are a table of data, not logic: their length is their content.
const DATA_TABLES: &[&str] = &["all_specs", "default_aliases"];
const MAX_FILE_LINES: usize = 600;
/// Files whose length is a table of data (code points, schema aliases), not logic.
const DATA_FILES: &[&str] = &[];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The file's code before its `#[cfg(test)]` module, without comment lines.
fn code_lines(p: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(p).unwrap();
    let before_tests = text.split("\n#[cfg(test)]").next().unwrap_or_default();
    before_tests.lines().map(|l| if l.trim_start().starts_with("//") { String::new() } else { l.to_string() }).collect()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace's crates by their source folder: the core, the engine, the generator, and
/// the command line (`src`: the binary's `main.rs` and `cli`; its `lib.rs` only re-exports).
const CRATES: &[&str] = &["crates/core/src", "crates/engine/src", "crates/synth/src", "src"];

/// Every Rust file of every crate.
fn all_crate_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in CRATES {
        rust_files(&root().join(dir), &mut files);
    }
    files
}

/// A file's path from the repository's root, for messages.
fn shown(f: &Path) -> String {
    f.strip_prefix(root()).unwrap().display().to_string()
}

/// A module by its path from the crate root (`["link", "search"]`).
type Module = Vec<String>;

/// One crate's modules, by file: `a/b.rs` and `a/b/mod.rs` under its folder are `a::b`;
/// `lib.rs` and `main.rs` its root.
fn crate_files(dir: &str) -> BTreeMap<Module, PathBuf> {
    let src = root().join(dir);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap().with_extension("");
        let mut m: Module = rel.components().map(|c| c.as_os_str().to_string_lossy().to_string()).collect();
        // The command line's library is the engine's re-export, not a module of the binary.
        if dir == "src" && m == ["lib"] {
            continue;
        }
        if m.last().is_some_and(|l| l == "mod" || l == "lib" || l == "main") {
            m.pop();
        }
        out.insert(m, f);
    }
    out
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("cfg") && a.meta.require_list().is_ok_and(|l| l.tokens.to_string() == "test"))
}

/// Every path a file's code (tests left out) names: `use` trees expanded, paths in types and
/// expressions, and `crate::`/`super::`/`self::` paths inside macro calls; and its child modules.
#[derive(Default)]
struct Names {
    paths: Vec<Vec<String>>,
    children: BTreeSet<String>,
}

impl Names {
    fn use_tree(&mut self, prefix: &[String], tree: &syn::UseTree) {
        let with = |s: String| [prefix, &[s]].concat();
        match tree {
            syn::UseTree::Path(p) => self.use_tree(&with(p.ident.to_string()), &p.tree),
            syn::UseTree::Name(n) => self.paths.push(with(n.ident.to_string())),
            syn::UseTree::Rename(r) => self.paths.push(with(r.ident.to_string())),
            syn::UseTree::Glob(_) => self.paths.push(prefix.to_vec()),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.use_tree(prefix, t)),
        }
    }

    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let tokens: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
        for (i, t) in tokens.iter().enumerate() {
            match t {
                proc_macro2::TokenTree::Group(g) => self.tokens(g.stream()),
                proc_macro2::TokenTree::Ident(id) if ["crate", "super", "self"].contains(&id.to_string().as_str()) => {
                    // `crate :: a :: b`: the idents joined by `::` (two `:` puncts each).
                    let mut path = vec![id.to_string()];
                    let mut k = i + 1;
                    while let (Some(proc_macro2::TokenTree::Punct(a)), Some(proc_macro2::TokenTree::Punct(b)), Some(proc_macro2::TokenTree::Ident(n))) =
                        (tokens.get(k), tokens.get(k + 1), tokens.get(k + 2))
                    {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        path.push(n.to_string());
                        k += 3;
                    }
                    if path.len() > 1 {
                        self.paths.push(path);
                    }
                }
                _ => {}
            }
        }
    }
}

impl<'a> Visit<'a> for Names {
    fn visit_item(&mut self, item: &'a syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            syn::Item::Trait(t) => &t.attrs,
            syn::Item::Type(t) => &t.attrs,
            syn::Item::Macro(m) => &m.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if is_test_only(attrs) {
            return;
        }
        match item {
            syn::Item::Use(u) => self.use_tree(&[], &u.tree),
            syn::Item::Mod(m) if m.content.is_none() => {
                self.children.insert(m.ident.to_string());
            }
            _ => syn::visit::visit_item(self, item),
        }
    }

    fn visit_path(&mut self, p: &'a syn::Path) {
        self.paths.push(p.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'a syn::Macro) {
        self.tokens(m.tokens.clone());
        syn::visit::visit_macro(self, m);
    }
}

/// A path named in module `at` as a path from the crate root, when it is one of the crate's.
fn absolute(at: &Module, path: &[String], children: &BTreeSet<String>) -> Option<Vec<String>> {
    let first = path.first()?;
    match first.as_str() {
        "crate" => Some(path[1..].to_vec()),
        "self" => Some([at.as_slice(), &path[1..]].concat()),
        "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            let base = at.get(..at.len().checked_sub(ups)?)?;
            Some([base, &path[ups..]].concat())
        }
        name if children.contains(name) => Some([at.as_slice(), path].concat()),
        _ => None,
    }
}

/// The module a path from the crate root names: its longest prefix that is a module; a name
/// the crate root re-exports (`crate::Lang`) is its own module's.
fn module_of(path: &[String], modules: &BTreeSet<Module>, reexports: &BTreeMap<String, Module>) -> Module {
    let mut m: Module = (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| modules.contains(p)).unwrap_or_default();
    if m.is_empty()
        && let Some(r) = path.first().and_then(|name| reexports.get(name))
    {
        m = r.clone();
    }
    m
}

/// Per module: the parsed names of its file.
fn parsed(dir: &str) -> BTreeMap<Module, Names> {
    crate_files(dir)
        .into_iter()
        .map(|(m, f)| {
            let file = syn::parse_file(&std::fs::read_to_string(&f).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let mut names = Names::default();
            names.visit_file(&file);
            (m, names)
        })
        .collect()
}

/// The graph among the children of each module: for every path a module's code names to a
/// module neither inside nor around it, an edge between the two children of their deepest
/// common module that hold them. A child naming its parent's items, or a parent its child's,
/// is containment, not an edge. A path to another crate's module (the engine's `crate::link`
/// is the core's, re-exported) names no module of this crate and gives no edge.
fn module_graphs(dir: &str) -> BTreeMap<Module, BTreeMap<String, BTreeSet<String>>> {
    let parsed = parsed(dir);
    let modules: BTreeSet<Module> = parsed.keys().cloned().collect();
    // `pub use a::b::Name;` in lib.rs: `crate::Name` is module `a::b`'s.
    let root = &parsed[&Vec::new()];
    let reexports: BTreeMap<String, Module> = root
        .paths
        .iter()
        .filter(|p| p.len() > 1 && modules.contains(&p[..1]))
        .map(|p| (p.last().unwrap().clone(), module_of(p, &modules, &BTreeMap::new())))
        .collect();
    let mut graphs: BTreeMap<Module, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (at, names) in &parsed {
        for path in &names.paths {
            let Some(abs) = absolute(at, path, &names.children) else { continue };
            let to = module_of(&abs, &modules, &reexports);
            let common = at.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == at.len() || common == to.len() {
                continue;
            }
            let graph = graphs.entry(at[..common].to_vec()).or_default();
            graph.entry(at[common].clone()).or_default().insert(to[common].clone());
        }
    }
    graphs
}

fn reachable(deps: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_string()];
    while let Some(m) = todo.pop() {
        for d in deps.get(&m).into_iter().flatten() {
            if seen.insert(d.clone()) {
                todo.push(d.clone());
            }
        }
    }
    seen
}

#[test]
fn no_two_modules_depend_on_each_other_at_any_depth() {
    let graphs: BTreeMap<&str, _> = CRATES.iter().map(|dir| (*dir, module_graphs(dir))).collect();
    let core = &graphs["crates/core/src"];
    let top = &core[&Vec::new()];
    assert!(top.len() > 10, "the scan found the core's top-level modules: {top:?}");
    assert!(core.len() > 6, "the scan found the core's folders: {:?}", core.keys().collect::<Vec<_>>());
    assert!(graphs["crates/engine/src"].len() > 3, "the scan found the engine's folders");
    // `cargo test --release --test architecture -- --nocapture` prints the graphs.
    let mut cycles = Vec::new();
    for (dir, (parent, deps)) in graphs.iter().flat_map(|(dir, g)| g.iter().map(move |pd| (dir, pd))) {
        let at = format!("{dir}: {}", if parent.is_empty() { "crate".to_string() } else { parent.join("::") });
        println!("in {at}:");
        for (m, d) in deps {
            println!("  {m:12} -> {}", d.iter().cloned().collect::<Vec<_>>().join(" "));
        }
        for a in deps.keys() {
            for b in reachable(deps, a) {
                if a.as_str() < b.as_str() && reachable(deps, &b).contains(a) {
                    cycles.push(format!("in {at}: {a} <-> {b}"));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "module cycles: {cycles:#?}");
    // The leaves stay leaves; fields name only the language of their labels.
    for leaf in ["calendar", "clock", "files", "guard", "lang", "rng"] {
        assert!(top.get(leaf).is_none_or(BTreeSet::is_empty), "{leaf} depends on {:?}", top[leaf]);
    }
    assert_eq!(top.get("field").cloned().unwrap_or_default(), BTreeSet::from(["lang".to_string()]));
}

#[test]
fn the_module_graph_reads_use_groups_re_exports_and_macros() {
    // Written as the crate writes them; each must give an edge the text scan missed.
    let code = "use crate::{calendar, text::fold};\nuse super::{a::X, b};\nfn f() { let _ = crate::Lang::Vi; tracing::warn!(x = crate::rng::Rng::new(1)); }\n#[cfg(test)]\nmod tests { use crate::synth; }";
    let mut names = Names::default();
    names.visit_file(&syn::parse_file(code).unwrap());
    let at: Module = vec!["link".into(), "search".into()];
    let modules: BTreeSet<Module> = [
        vec![],
        vec!["calendar".into()],
        vec!["text".into()],
        vec!["link".into()],
        vec!["link".into(), "a".into()],
        vec!["lang".into()],
        vec!["rng".into()],
        vec!["synth".into()],
    ]
    .into();
    let reexports = BTreeMap::from([("Lang".to_string(), vec!["lang".to_string()])]);
    let named: BTreeSet<Module> = names.paths.iter().filter_map(|p| absolute(&at, p, &names.children)).map(|p| module_of(&p, &modules, &reexports)).collect();
    for m in [&["calendar"][..], &["text"], &["link", "a"], &["link"], &["lang"], &["rng"]] {
        assert!(named.contains(&m.iter().map(|s| s.to_string()).collect::<Module>()), "{m:?} not found in {named:?}");
    }
    assert!(!named.contains(&vec!["synth".to_string()]), "test code is left out");
}

#[test]
fn no_source_file_but_data_tables_runs_over_600_lines() {
    let long: Vec<(String, usize)> = all_crate_files()
        .iter()
        .map(|f| (shown(f), std::fs::read_to_string(f).unwrap().lines().count()))
        .filter(|(f, n)| *n > MAX_FILE_LINES && !DATA_FILES.contains(&f.as_str()))
        .collect();
    assert!(long.is_empty(), "split these by concern: {long:?}");
}

/// (file, function, lines) of every function over the limit.
fn long_functions() -> Vec<(String, String, usize)> {
    let mut long = Vec::new();
    for f in all_crate_files() {
        let lines = code_lines(&f);
        let mut i = 0;
        while i < lines.len() {
            let t = lines[i].trim_start();
            let indent = lines[i].len() - t.len();
            let sig = t.trim_start_matches("pub ").trim_start_matches("pub(crate) ").trim_start_matches("pub(super) ").trim_start_matches("const ");
            let Some(rest) = sig.strip_prefix("fn ") else {
                i += 1;
                continue;
            };
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            // The body opens on the signature's last line and closes at the same indentation.
            let mut open = i;
            while open < lines.len() && !lines[open].trim_end().ends_with('{') && !lines[open].trim_end().ends_with(';') {
                open += 1;
            }
            if open >= lines.len() || lines[open].trim_end().ends_with(';') {
                i = open + 1;
                continue;
            }
            let close = (open + 1..lines.len()).find(|&k| lines[k].len() - lines[k].trim_start().len() == indent && lines[k].trim() == "}").unwrap_or(open);
            let n = close - i + 1;
            if n > MAX_FUNCTION_LINES {
                long.push((shown(&f), name, n));
            }
            i = close + 1;
        }
    }
    long.sort();
    long
}

#[test]
fn no_function_outside_tests_and_data_tables_runs_over_80_lines() {
    let (tables, long): (Vec<_>, Vec<_>) = long_functions().into_iter().partition(|(_, name, _)| DATA_TABLES.contains(&name.as_str()));
    assert!(long.is_empty(), "split these: {long:?}");
    // The scan does measure: the data tables are over the limit and found.
    assert_eq!(tables.len(), DATA_TABLES.len(), "{tables:?}");
}

/// Every `.md` file a comment in the source names, resolved from the repository's root.
fn cited_documents() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "crates", "tests", "benches", "python/src", "fuzz"] {
        if root.join(dir).is_dir() {
            rust_files(&root.join(dir), &mut files);
        }
    }
    let mut out = Vec::new();
    for f in files {
        for line in std::fs::read_to_string(&f).unwrap().lines().filter(|l| l.trim_start().starts_with("//")) {
            for word in line.split(|c: char| c.is_whitespace() || "()[],;:`\"'".contains(c)) {
                if let Some(doc) = word.strip_suffix(".md").map(|stem| format!("{stem}.md")).filter(|d| d.len() > 3) {
                    out.push((f.strip_prefix(root).unwrap().display().to_string(), doc));
                }
            }
        }
    }
    out
}

#[test]
fn comments_cite_only_documents_of_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cited = cited_documents();
    assert!(cited.iter().any(|(_, d)| d == "docs/DOMAIN.md"), "the scan finds citations: {cited:?}");
    let missing: Vec<&(String, String)> = cited.iter().filter(|(_, d)| !root.join(d).is_file()).collect();
    assert!(missing.is_empty(), "cited but not in the repository (write the fact into docs/DOMAIN.md and cite that): {missing:?}");
}
