//! House rules a plain `cargo test` enforces, in the manner of rust-analyzer's `tidy.rs`: every
//! generated file carries the generated header (and no hand-written one does), no generated impl
//! block is empty, hand-written code never names an operation (per-operation code comes from the
//! spec), and no hand-written module imports one that imports it back, directly or through others.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

use crate::codegen::format::HEADER_MARK;
use crate::codegen::project_root;
use crate::emit::{api, facade, fake};

/// The crates whose hand-written modules are checked for import cycles.
const CRATES: [&str; 4] = [
    "crates/huaweicloud-images",
    "crates/huaweicloud-images-api",
    "crates/huaweicloud-images-fake",
    "xtask",
];

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn generated_dirs() -> [PathBuf; 3] {
    let root = project_root();
    [
        root.join(api::OUTPUT_DIR),
        root.join(facade::OUTPUT_DIR),
        root.join(fake::OUTPUT_DIR),
    ]
}

fn is_generated(path: &Path) -> bool {
    path.components().any(|c| c.as_os_str() == "generated")
}

#[test]
fn generated_files_carry_the_header_and_hand_written_ones_do_not() {
    let root = project_root();
    for dir in generated_dirs() {
        let files = rust_files(&dir);
        assert!(
            !files.is_empty(),
            "{} holds no generated file",
            dir.display()
        );
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                text.starts_with(HEADER_MARK),
                "{} is in a generated directory but lacks the generated header",
                file.display()
            );
        }
    }
    for krate in CRATES {
        for file in rust_files(&root.join(krate).join("src")) {
            if is_generated(&file) {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                !text.starts_with(HEADER_MARK),
                "{} carries the generated header outside a generated directory",
                file.display()
            );
        }
    }
}

/// Every impl block with no item in it, as `file: impl …`.
fn empty_impls(file: &Path) -> Vec<String> {
    struct Empty<'a>(&'a Path, Vec<String>);
    impl<'ast> Visit<'ast> for Empty<'_> {
        fn visit_item_impl(&mut self, block: &'ast syn::ItemImpl) {
            // Inherent impls only: a marker trait's impl (`impl Eq for X {}`) is empty by design.
            if block.items.is_empty() && block.trait_.is_none() {
                let ty = quote::ToTokens::to_token_stream(&block.self_ty).to_string();
                self.1.push(format!("{}: impl {ty}", self.0.display()));
            }
            syn::visit::visit_item_impl(self, block);
        }
    }
    let text = std::fs::read_to_string(file).unwrap();
    let parsed = syn::parse_file(&text).unwrap();
    let mut found = Empty(file, Vec::new());
    found.visit_file(&parsed);
    found.1
}

#[test]
fn no_generated_impl_block_is_empty() {
    let [_, facade_dir, fake_dir] = generated_dirs();
    let empty: Vec<String> = rust_files(&facade_dir)
        .into_iter()
        .chain(rust_files(&fake_dir))
        .flat_map(|file| empty_impls(&file))
        .collect();
    assert!(empty.is_empty(), "empty impl blocks: {empty:#?}");
}

#[test]
fn the_empty_impl_check_finds_one() {
    let file = std::env::temp_dir().join(format!("tidy-empty-{}.rs", std::process::id()));
    std::fs::write(
        &file,
        "struct A; impl A {} impl A { fn f() {} } impl Eq for A {}",
    )
    .unwrap();
    let found = empty_impls(&file);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
}

/// What names an operation: official names (and the types made of them), operationIds and the
/// consts of the operation table; with `resources`, also the resource types and accessors.
fn operation_names(resources: bool) -> BTreeSet<String> {
    let specs = crate::spec::load_all(&project_root().join("spec")).unwrap();
    let services = crate::model::build(&specs).unwrap();
    let mut names = BTreeSet::new();
    for service in &services {
        for op in &service.operations {
            names.insert(op.official_name.clone());
            names.insert(format!("{}Input", op.official_name));
            names.insert(op.id.clone());
            names.insert(op.const_name());
        }
        if resources {
            for resource in &service.resources {
                names.insert(resource.tag.clone());
                names.insert(resource.accessor.clone());
            }
        }
    }
    names
}

/// The identifiers, and the words of the string literals, of a file's code and attributes: no
/// comment, no doc, no `#[cfg(test)]` item. A file that does not parse is an error, not a pass.
fn code_words(text: &str) -> Result<Vec<String>, String> {
    struct Words(Vec<String>);
    impl<'ast> Visit<'ast> for Words {
        fn visit_attribute(&mut self, attribute: &'ast syn::Attribute) {
            // Docs are prose; every other attribute's arguments are code (`rename = "…"`).
            if !attribute.path().is_ident("doc") {
                if let syn::Meta::List(list) = &attribute.meta {
                    for token in list.tokens.clone() {
                        self.token(token);
                    }
                }
                if let syn::Meta::NameValue(pair) = &attribute.meta {
                    self.visit_expr(&pair.value);
                }
            }
        }
        fn visit_item(&mut self, item: &'ast syn::Item) {
            if !is_test_only(item) {
                syn::visit::visit_item(self, item);
            }
        }
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            self.ident(ident);
        }
        fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
            self.words(&lit.value());
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            // Macro bodies are tokens: their identifiers and literals count too.
            for token in mac.tokens.clone() {
                self.token(token);
            }
            syn::visit::visit_macro(self, mac);
        }
    }
    impl Words {
        fn ident(&mut self, ident: &proc_macro2::Ident) {
            let text = ident.to_string();
            self.0
                .push(text.strip_prefix("r#").unwrap_or(&text).to_owned());
        }
        /// Every identifier-like word of a string (`"ListImages page"` names `ListImages`; a
        /// hyphenated name such as `huaweicloud-images` is one word, and names nothing).
        fn words(&mut self, text: &str) {
            self.0.extend(
                text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned),
            );
        }
        fn token(&mut self, token: proc_macro2::TokenTree) {
            match token {
                proc_macro2::TokenTree::Ident(ident) => self.ident(&ident),
                proc_macro2::TokenTree::Literal(lit) => {
                    if let Ok(syn::Lit::Str(s)) = syn::parse_str::<syn::Lit>(&lit.to_string()) {
                        self.words(&s.value());
                    }
                }
                proc_macro2::TokenTree::Group(group) => {
                    for token in group.stream() {
                        self.token(token);
                    }
                }
                proc_macro2::TokenTree::Punct(_) => {}
            }
        }
    }
    let parsed = syn::parse_file(text).map_err(|e| format!("does not parse: {e}"))?;
    let mut words = Words(Vec::new());
    words.visit_file(&parsed);
    Ok(words.0)
}

fn is_test_only(item: &syn::Item) -> bool {
    let attrs = match item {
        syn::Item::Mod(m) => &m.attrs,
        syn::Item::Fn(f) => &f.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Use(u) => &u.attrs,
        _ => return false,
    };
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

/// The hand-written files of `krate`'s `src/` but for `except` (and `tests.rs` files).
fn hand_written(krate: &str, except: &[&str]) -> Vec<PathBuf> {
    rust_files(&project_root().join(krate).join("src"))
        .into_iter()
        .filter(|f| !is_generated(f))
        .filter(|f| f.file_name().is_some_and(|n| n != "tests.rs"))
        .filter(|f| !except.iter().any(|e| f.ends_with(e)))
        .collect()
}

/// Where each of `names` appears in the code of `files`.
fn named_in(files: &[PathBuf], names: &BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        let words = code_words(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for word in words {
            if names.contains(&word) {
                found.push(format!("{}: {word}", file.display()));
            }
        }
    }
    found
}

/// The facade's hand-written code names no operation, resource type or accessor: its
/// per-operation layer is generated. The fake's names no operation outside the documents' own
/// semantics (`services/documented.rs`); its data may well be of image servers.
#[test]
fn hand_written_code_never_names_an_operation() {
    let all = operation_names(true);
    assert!(all.contains("ListImageServers") && all.contains("image_servers"));
    let mut found = named_in(&hand_written("crates/huaweicloud-images", &[]), &all);
    found.extend(named_in(
        &hand_written(
            "crates/huaweicloud-images-fake",
            &["services/documented.rs"],
        ),
        &operation_names(false),
    ));
    assert!(
        found.is_empty(),
        "hand-written code names operations (per-operation code belongs in the spec and the generators): {found:#?}"
    );
}

#[test]
fn the_operation_name_check_sees_code_not_comments_docs_or_tests() {
    let words = code_words(
        r#"
        //! ListImages in a comment
        /// ListImages in a doc
        #[serde(rename = "GetImageJob")]
        fn f() {
            let x = "ShowImageServer page";
            tracing::debug!(op = "GetDevServerImage");
            call(list_images, r#list_image_servers);
        }
        #[cfg(test)]
        mod tests { fn g() { ListImageServers; } }
        "#,
    )
    .unwrap();
    for named in [
        "ShowImageServer",
        "GetDevServerImage",
        "list_images",
        "list_image_servers",
        "GetImageJob",
    ] {
        assert!(words.contains(&named.to_string()), "{named}: {words:?}");
    }
    assert!(!words.contains(&"ListImages".to_string()), "{words:?}");
    assert!(
        !words.contains(&"ListImageServers".to_string()),
        "{words:?}"
    );
    assert!(
        code_words("fn f( {").is_err(),
        "a file that does not parse fails"
    );
}

/// A module's path inside its crate (`["runtime", "attempt"]`), from its file.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

/// Every `crate::`, `super::` and `self::` path a file's code names (uses and expressions alike),
/// and every other `use` path (relative to the module, as in the 2018 edition: `use attempt::X`
/// in `runtime/mod.rs` names `runtime::attempt`; an external crate's resolves to no other module),
/// outside `#[cfg(test)]` items.
fn paths_named(text: &str) -> Vec<Vec<String>> {
    struct Paths(Vec<Vec<String>>);
    impl<'ast> Visit<'ast> for Paths {
        fn visit_item(&mut self, item: &'ast syn::Item) {
            if !is_test_only(item) {
                syn::visit::visit_item(self, item);
            }
        }
        fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
            if is_test_only(&syn::Item::Use(item.clone())) {
                return;
            }
            let mut prefix = Vec::new();
            flatten(&item.tree, &mut prefix, &mut self.0);
        }
        fn visit_path(&mut self, path: &'ast syn::Path) {
            let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            if segments
                .first()
                .is_some_and(|s| s == "crate" || s == "super" || s == "self")
            {
                self.0.push(segments);
            }
            syn::visit::visit_path(self, path);
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            // Paths inside macro bodies (`format!`, `quote!`, …) are followed too: as expressions
            // when the body is a list of them, else token by token.
            let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
            match mac.parse_body_with(parser) {
                Ok(exprs) => exprs.iter().for_each(|e| self.visit_expr(e)),
                Err(_) => {
                    let tokens: Vec<proc_macro2::TokenTree> = flat_tokens(mac.tokens.clone());
                    for (i, token) in tokens.iter().enumerate() {
                        let proc_macro2::TokenTree::Ident(start) = token else {
                            continue;
                        };
                        if !["crate", "super", "self"].contains(&start.to_string().as_str()) {
                            continue;
                        }
                        let mut segments = vec![start.to_string()];
                        let mut j = i + 1;
                        while let (
                            Some(proc_macro2::TokenTree::Punct(a)),
                            Some(proc_macro2::TokenTree::Punct(b)),
                            Some(proc_macro2::TokenTree::Ident(next)),
                        ) = (tokens.get(j), tokens.get(j + 1), tokens.get(j + 2))
                        {
                            if a.as_char() != ':' || b.as_char() != ':' {
                                break;
                            }
                            segments.push(next.to_string());
                            j += 3;
                        }
                        self.0.push(segments);
                    }
                }
            }
        }
    }
    fn flat_tokens(stream: proc_macro2::TokenStream) -> Vec<proc_macro2::TokenTree> {
        let mut out = Vec::new();
        for token in stream {
            match token {
                proc_macro2::TokenTree::Group(group) => out.extend(flat_tokens(group.stream())),
                other => out.push(other),
            }
        }
        out
    }
    fn flatten(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                flatten(&p.tree, prefix, out);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix.clone();
                full.push(n.ident.to_string());
                out.push(full);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                full.push(r.ident.to_string());
                out.push(full);
            }
            syn::UseTree::Glob(_) => out.push(prefix.clone()),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    flatten(tree, prefix, out);
                }
            }
        }
    }
    let parsed = syn::parse_file(text).unwrap_or_else(|e| panic!("does not parse: {e}"));
    let mut paths = Paths(Vec::new());
    paths.visit_file(&parsed);
    paths.0
}

/// The module a path names from module `here`: the longest prefix that is a module of `modules`.
fn resolve(
    path: &[String],
    here: &[String],
    modules: &BTreeSet<Vec<String>>,
) -> Option<Vec<String>> {
    let mut base: Vec<String> = here.to_vec();
    let mut rest = path;
    if rest.first().is_some_and(|s| s == "crate") {
        base.clear();
        rest = &rest[1..];
    } else {
        while let Some(first) = rest.first() {
            match first.as_str() {
                "super" => {
                    base.pop();
                }
                "self" => {}
                _ => break,
            }
            rest = &rest[1..];
        }
    }
    let full: Vec<String> = base
        .into_iter()
        .chain(rest.iter().filter(|s| *s != "self").cloned())
        .collect();
    (0..=full.len())
        .rev()
        .map(|n| full[..n].to_vec())
        .find(|prefix| modules.contains(prefix))
}

/// The import graph of one crate's hand-written modules: an edge from a module to each other
/// module it names, except its own ancestors (a child using its parent's items).
fn import_graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let files: Vec<PathBuf> = rust_files(src)
        .into_iter()
        .filter(|f| !is_generated(f))
        .filter(|f| f.file_name().is_some_and(|n| n != "tests.rs"))
        .collect();
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(src, f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let here = module_of(src, file);
        let text = std::fs::read_to_string(file).unwrap();
        let mut deps = BTreeSet::new();
        for path in paths_named(&text) {
            let Some(target) = resolve(&path, &here, &modules) else {
                continue;
            };
            let ancestor = target.len() < here.len() && here[..target.len()] == target[..];
            if target != here && !target.is_empty() && !ancestor {
                deps.insert(target);
            }
        }
        graph.insert(here, deps);
    }
    graph
}

/// The strongly connected components of more than one module (Tarjan).
fn cycles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    struct Tarjan<'a> {
        graph: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a Vec<String>) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let Some((w, _)) = self.graph.get_key_value(w) else {
                    continue;
                };
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(if w.is_empty() {
                        "crate".to_string()
                    } else {
                        w.join("::")
                    });
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !tarjan.index.contains_key(v) {
            tarjan.visit(v);
        }
    }
    tarjan.found
}

#[test]
fn no_hand_written_module_imports_one_that_imports_it_back() {
    let root = project_root();
    let mut found = Vec::new();
    for krate in CRATES {
        let graph = import_graph(&root.join(krate).join("src"));
        assert!(
            graph.len() > 1 || krate.ends_with("-api"),
            "{krate}: {graph:?}"
        );
        for cycle in cycles(&graph) {
            found.push(format!("{krate}: {}", cycle.join(", ")));
        }
    }
    assert!(found.is_empty(), "import cycles: {found:#?}");
}

#[test]
fn the_cycle_check_finds_a_cycle_through_three_modules() {
    let src = std::env::temp_dir().join(format!("tidy-cycle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&src);
    std::fs::create_dir_all(src.join("b")).unwrap();
    std::fs::write(src.join("lib.rs"), "mod a; mod b; mod c;").unwrap();
    std::fs::write(src.join("a.rs"), "use crate::b::inner::Thing;").unwrap();
    std::fs::write(src.join("b/mod.rs"), "pub mod inner; use inner::Thing;").unwrap();
    std::fs::write(src.join("b/inner.rs"), "fn f() { crate::c::g(); }").unwrap();
    std::fs::write(
        src.join("c.rs"),
        "pub fn g() { format!(\"{}\", crate::a::X); } #[cfg(test)] mod t { use crate::b::Y; }",
    )
    .unwrap();
    let graph = import_graph(&src);
    let found = cycles(&graph);
    std::fs::remove_dir_all(&src).unwrap();
    let module = |m: &str| m.split("::").map(str::to_owned).collect::<Vec<_>>();
    assert!(
        graph[&module("b")].contains(&module("b::inner")),
        "a relative use names a child: {graph:?}"
    );
    assert_eq!(
        found,
        [vec!["a".to_string(), "b::inner".into(), "c".into()]],
        "{graph:?}"
    );
}
