//! Rebuild when a migration is added or changed: `db::MIGRATIONS` embeds the folder at
//! compile time, and cargo does not otherwise watch it (a new migration would be left out
//! of a binary built from unchanged Rust sources).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
