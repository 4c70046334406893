//! The shape ARCHITECTURE.md promises, checked on the source: no two top-level
//! modules depend on each other (directly or through others), and no function
//! outside tests and data tables runs over 80 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FUNCTION_LINES: usize = 80;
/// Functions that are a table of data, not logic: their length is their content.
const DATA_TABLES: &[&str] = &["all_specs", "default_aliases"];

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

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Top-level module → the top-level modules its code names as `crate::x`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(src()).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        if ["lib", "main", "cli"].contains(&top.as_str()) {
            continue;
        }
        let entry = deps.entry(top.clone()).or_default();
        for line in code_lines(&f) {
            for part in line.split("crate::").skip(1) {
                let m: String = part.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                if !m.is_empty() && m != top {
                    entry.insert(m);
                }
            }
        }
    }
    deps
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
fn no_two_top_level_modules_depend_on_each_other() {
    let deps = module_graph();
    assert!(deps.len() > 10, "the scan found the modules: {deps:?}");
    // `cargo test --release --test architecture -- --nocapture` prints the graph.
    for (m, d) in &deps {
        println!("{m:10} -> {}", d.iter().cloned().collect::<Vec<_>>().join(" "));
    }
    let mut cycles = Vec::new();
    for a in deps.keys() {
        for b in reachable(&deps, a) {
            if a < &b && reachable(&deps, &b).contains(a) {
                cycles.push(format!("{a} <-> {b}"));
            }
        }
    }
    assert!(cycles.is_empty(), "module cycles: {cycles:?}\ngraph: {deps:#?}");
    // The leaves stay leaves.
    for leaf in ["calendar", "clock", "field", "files", "guard", "rng"] {
        assert!(deps[leaf].is_empty(), "{leaf} depends on {:?}", deps[leaf]);
    }
}

/// (file, function, lines) of every function over the limit.
fn long_functions() -> Vec<(String, String, usize)> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut long = Vec::new();
    for f in files {
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
                long.push((f.strip_prefix(src()).unwrap().display().to_string(), name, n));
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
