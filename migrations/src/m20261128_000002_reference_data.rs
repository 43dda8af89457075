//! Loads the bundled reference data: countries with aliases, UN M49 regions, OSCE groupings.

use std::collections::{BTreeSet, HashMap};

use sea_orm_migration::prelude::*;

use crate::reference::{self, lookup_key};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Inserts rows in chunks small enough for every backend's parameter limit.
async fn insert_rows(
    manager: &SchemaManager<'_>,
    table: &'static str,
    columns: &[&'static str],
    rows: Vec<Vec<SimpleExpr>>,
) -> Result<(), DbErr> {
    for chunk in rows.chunks(200) {
        let mut insert = Query::insert();
        insert.into_table(table).columns(columns.iter().copied());
        for row in chunk {
            insert.values_panic(row.clone());
        }
        manager.exec_stmt(insert).await?;
    }
    Ok(())
}

fn text(value: &str) -> SimpleExpr {
    value.into()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let regions = reference::regions();
        let countries = reference::countries();
        let parents: HashMap<&str, &str> =
            regions.iter().filter_map(|region| Some((region.code.as_str(), region.parent.as_deref()?))).collect();

        let region_rows = regions
            .iter()
            .map(|region| {
                vec![
                    text(&region.code),
                    text(&region.scheme),
                    text(&region.name),
                    region.parent.as_deref().map(text).unwrap_or(SimpleExpr::Keyword(Keyword::Null)),
                ]
            })
            .collect();
        insert_rows(manager, "regions", &["code", "scheme", "name", "parent_code"], region_rows).await?;

        let country_rows = countries
            .iter()
            .map(|country| {
                vec![text(&country.alpha2), text(&country.alpha3), text(&country.numeric), text(&country.name)]
            })
            .collect();
        insert_rows(manager, "countries", &["code", "alpha3", "numeric", "name"], country_rows).await?;

        let mut alias_rows = Vec::new();
        let mut taken = BTreeSet::new();
        for country in &countries {
            let spellings = [&country.alpha2, &country.alpha3, &country.name].into_iter().chain(&country.aliases);
            for spelling in spellings {
                let key = lookup_key(spelling);
                if !key.is_empty() && taken.insert(key.clone()) {
                    alias_rows.push(vec![text(&key), text(spelling), text(&country.alpha2)]);
                }
            }
        }
        insert_rows(manager, "country_aliases", &["alias_key", "alias", "country_code"], alias_rows).await?;

        let mut membership_rows = Vec::new();
        for country in &countries {
            let Some(sub_region) = &country.un_subregion else { continue };
            membership_rows.push(vec![text(&country.alpha2), text(sub_region)]);
            if let Some(parent) = parents.get(sub_region.as_str()) {
                membership_rows.push(vec![text(&country.alpha2), text(parent)]);
            }
        }
        for (country, group) in reference::parse_osce_groups(reference::OSCE_TSV) {
            membership_rows.push(vec![text(&country), text(&group)]);
        }
        insert_rows(manager, "country_regions", &["country_code", "region_code"], membership_rows).await?;
        Ok(())
    }
}
