//! `schema.graphql` is the SDL the code builds.

#[test]
fn committed_schema_is_current() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql at the repository root");
    let built = journeygraph::graphql::sdl();
    assert!(
        committed == built,
        "schema.graphql is out of date: regenerate it with `cargo run -- export-schema`"
    );
}
