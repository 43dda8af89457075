//! The Convene search engine (tantivy schema, analyzers, writer, search): a library with no
//! knowledge of HTTP or GraphQL. Search lands with the search issue; until then this crate only
//! reserves its place in the workspace.
