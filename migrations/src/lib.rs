//! Database migrations for Convene: the catalogue tables and the reference data they start with.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_catalog;
mod m20261128_000002_reference_data;
mod m20261128_000003_drop_added_on_index;
pub mod reference;

/// Runs every migration in order; `Migrator::up(&db, None)` brings a database to the latest schema.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_catalog::Migration),
            Box::new(m20261128_000002_reference_data::Migration),
            Box::new(m20261128_000003_drop_added_on_index::Migration),
        ]
    }
}
