//! Drops the `added_on` B-tree of `events`: the search index answers every date order, so
//! the B-tree only slowed imports (each event inserts into it at a random place).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("events_added_on").table("events").if_exists().to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(Index::create().name("events_added_on").table("events").col("added_on").col("id").to_owned())
            .await
    }
}
