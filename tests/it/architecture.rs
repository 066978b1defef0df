//! The layers only point down (docs/architecture.md): each top-level module of `src/` may
//! name only the modules below it. The compiler does not check this inside one crate, so
//! this test reads every source file and fails on an import that runs back up, naming the
//! file and the module it reached for.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each module and what it may use besides itself (names separated by spaces). Ground first.
const LAYERS: &[(&str, &str)] = &[
    ("domain", ""),
    ("ids", ""),
    ("clock", ""),
    ("error", ""),
    ("sealed", ""),
    ("memo", ""),
    ("db", "domain ids clock error"),
    ("config", "db domain sealed"),
    ("metrics", "db domain"),
    ("mail", "db domain ids config"),
    ("telemetry", "config ids metrics"),
    ("auth", "db domain ids clock error config sealed telemetry"),
    (
        "workflow",
        "db domain ids clock error config mail sealed memo",
    ),
    (
        "jobs",
        "workflow db domain ids clock error config mail metrics sealed",
    ),
    ("state", "auth clock config db sealed"),
    (
        "routes",
        "state workflow auth mail db domain ids clock error config metrics sealed memo telemetry",
    ),
    (
        "demo",
        "workflow jobs auth db domain ids clock error config telemetry sealed",
    ),
    (
        "startup",
        "routes state jobs workflow auth mail db domain ids clock error config telemetry metrics sealed memo",
    ),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to ("db" for src/db/models/user.rs).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// The modules a file names as `crate::NAME`.
fn named(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        // `truce::` in doc examples and `$crate::` in macros are not imports of this crate.
        if at > 0 && text.as_bytes()[at - 1] == b'$' {
            continue;
        }
        let rest = &text[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

#[test]
fn every_import_points_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let known: BTreeSet<&str> = LAYERS.iter().map(|(m, _)| *m).collect();
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in &files {
        let module = module_of(&src, file);
        let Some(allowed) = LAYERS
            .iter()
            .find(|(m, _)| *m == module)
            .map(|(_, below)| below.split_whitespace().collect::<Vec<_>>())
        else {
            // lib.rs, main.rs and cli.rs stand above every layer.
            assert!(
                ["lib", "main", "cli"].contains(&module.as_str()),
                "{}: a new top-level module must be given its place in LAYERS",
                file.display()
            );
            continue;
        };
        checked += 1;
        let text = std::fs::read_to_string(file).unwrap();
        for name in named(&text) {
            if name != module && known.contains(name.as_str()) && !allowed.contains(&name.as_str())
            {
                problems.push(format!(
                    "{} ({module}) imports crate::{name}",
                    file.strip_prefix(&src).unwrap().display()
                ));
            }
        }
    }
    assert!(checked > 100, "the sources were read ({checked} files)");
    assert!(
        problems.is_empty(),
        "imports that run back up the layers:\n{}",
        problems.join("\n")
    );
}

/// The domain is pure: no database, web, clock or file access. (Its text-coded enums derive
/// their database mapping in one place, `domain::code`.)
#[test]
fn the_domain_does_no_io() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let is_code = file.ends_with("code.rs");
        for banned in [
            "diesel::",
            "actix_web",
            "std::fs",
            "std::net",
            "Utc::now",
            "Local::now",
            "SystemTime",
        ] {
            if text.contains(banned) && !(is_code && banned == "diesel::") {
                problems.push(format!("{}: {banned}", file.display()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "IO in the domain:\n{}",
        problems.join("\n")
    );
}
