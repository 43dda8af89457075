//! The catalogue's tables: events, their taxonomy, the change outbox and API tokens.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn unique_index(table: &'static str, name: &str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table).unique();
    for column in columns {
        index.col(*column);
    }
    index.to_owned()
}

fn plain_index(table: &'static str, name: &str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(*column);
    }
    index.to_owned()
}

fn foreign_key(
    from: &'static str,
    column: &'static str,
    to: &'static str,
    to_column: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, column).to(to, to_column).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            Table::create()
                .table("regions")
                .col(string("code").primary_key())
                .col(string("scheme"))
                .col(string("name"))
                .col(string_null("parent_code"))
                .to_owned(),
            Table::create()
                .table("countries")
                .col(string("code").primary_key())
                .col(string("alpha3"))
                .col(string("numeric"))
                .col(string("name"))
                .to_owned(),
            Table::create()
                .table("country_aliases")
                .col(string("alias_key").primary_key())
                .col(string("alias"))
                .col(string("country_code"))
                .foreign_key(&mut foreign_key("country_aliases", "country_code", "countries", "code"))
                .to_owned(),
            Table::create()
                .table("country_regions")
                .col(string("country_code"))
                .col(string("region_code"))
                .primary_key(Index::create().col("country_code").col("region_code"))
                .foreign_key(&mut foreign_key("country_regions", "country_code", "countries", "code"))
                .foreign_key(&mut foreign_key("country_regions", "region_code", "regions", "code"))
                .to_owned(),
            Table::create()
                .table("organizers")
                .col(big_pk_auto("id"))
                .col(big_integer_null("parent_id"))
                .col(string("name"))
                .col(text_uniq("path_key"))
                .foreign_key(&mut foreign_key("organizers", "parent_id", "organizers", "id"))
                .to_owned(),
            Table::create()
                .table("venues")
                .col(big_pk_auto("id"))
                .col(text_uniq("venue_key"))
                .col(text_null("name"))
                .col(text_null("address"))
                .col(text_null("city"))
                .col(string_null("country_code"))
                .foreign_key(&mut foreign_key("venues", "country_code", "countries", "code"))
                .to_owned(),
            Table::create()
                .table("topics")
                .col(big_pk_auto("id"))
                .col(string_uniq("slug"))
                .col(text("label"))
                .to_owned(),
            Table::create()
                .table("audiences")
                .col(big_pk_auto("id"))
                .col(string_uniq("slug"))
                .col(text("label"))
                .to_owned(),
            Table::create()
                .table("events")
                .col(big_pk_auto("id"))
                .col(string_uniq("slug"))
                .col(text("title"))
                .col(text_null("subtitle"))
                .col(text_null("description"))
                .col(string_null("event_type"))
                .col(date_null("start_date"))
                .col(date_null("end_date"))
                .col(date_null("added_on"))
                .col(text_null("source_url").unique_key())
                .col(big_integer_null("organizer_id"))
                .col(big_integer_null("venue_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("events", "organizer_id")
                        .to("organizers", "id")
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("events", "venue_id")
                        .to("venues", "id")
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
            Table::create()
                .table("event_countries")
                .col(big_integer("event_id"))
                .col(string("country_code"))
                .col(integer("position"))
                .primary_key(Index::create().col("event_id").col("country_code"))
                .foreign_key(&mut foreign_key("event_countries", "event_id", "events", "id"))
                .foreign_key(&mut foreign_key("event_countries", "country_code", "countries", "code"))
                .to_owned(),
            Table::create()
                .table("event_topics")
                .col(big_integer("event_id"))
                .col(big_integer("topic_id"))
                .col(integer("position"))
                .primary_key(Index::create().col("event_id").col("topic_id"))
                .foreign_key(&mut foreign_key("event_topics", "event_id", "events", "id"))
                .foreign_key(&mut foreign_key("event_topics", "topic_id", "topics", "id"))
                .to_owned(),
            Table::create()
                .table("event_audiences")
                .col(big_integer("event_id"))
                .col(big_integer("audience_id"))
                .col(integer("position"))
                .primary_key(Index::create().col("event_id").col("audience_id"))
                .foreign_key(&mut foreign_key("event_audiences", "event_id", "events", "id"))
                .foreign_key(&mut foreign_key("event_audiences", "audience_id", "audiences", "id"))
                .to_owned(),
            Table::create()
                .table("changes")
                .col(big_pk_auto("seq"))
                .col(big_integer("event_id"))
                .col(string("kind"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
            Table::create()
                .table("api_tokens")
                .col(big_pk_auto("id"))
                .col(string_uniq("token_hash"))
                .col(string("role"))
                .col(string_null("name"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .to_owned(),
        ];
        for table in tables {
            manager.create_table(table).await?;
        }
        let indexes = [
            unique_index("organizers", "organizers_parent_name", &["parent_id", "name"]),
            plain_index("events", "events_start_date", &["start_date", "id"]),
            plain_index("events", "events_added_on", &["added_on", "id"]),
            plain_index("events", "events_title", &["title", "id"]),
            plain_index("events", "events_organizer", &["organizer_id"]),
            plain_index("events", "events_venue", &["venue_id"]),
            plain_index("event_countries", "event_countries_country", &["country_code", "event_id"]),
            plain_index("event_topics", "event_topics_topic", &["topic_id", "event_id"]),
            plain_index("event_audiences", "event_audiences_audience", &["audience_id", "event_id"]),
            plain_index("country_regions", "country_regions_region", &["region_code", "country_code"]),
            plain_index("venues", "venues_country", &["country_code"]),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }
}
