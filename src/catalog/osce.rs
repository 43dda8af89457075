//! The OSCE grouping, kept in step with its data file on every start, so a deployment can
//! replace the grouping with its own file (`--osce-groups`) without a new migration.

use std::collections::BTreeMap;

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use super::error::CatalogError;

/// One OSCE group with its member countries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsceGroup {
    pub code: String,
    pub name: String,
    pub countries: Vec<String>,
}

/// The grouping bundled with Convene (`migrations/data/regions.tsv` and `osce.tsv`).
pub fn bundled_groups() -> Vec<OsceGroup> {
    let mut groups: BTreeMap<String, OsceGroup> = migrations::reference::regions()
        .into_iter()
        .filter(|region| region.scheme == "OSCE")
        .map(|region| (region.code.clone(), OsceGroup { code: region.code, name: region.name, countries: Vec::new() }))
        .collect();
    for (country, group) in migrations::reference::parse_osce_groups(migrations::reference::OSCE_TSV) {
        if let Some(group) = groups.get_mut(&group) {
            group.countries.push(country);
        }
    }
    groups.into_values().collect()
}

/// Reads a deployment's grouping: a header line, then `alpha2 <TAB> group code <TAB> group name`
/// per member country.
pub fn parse_groups_file(text: &str) -> Result<Vec<OsceGroup>, CatalogError> {
    let mut groups: BTreeMap<String, OsceGroup> = BTreeMap::new();
    for (index, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        let [country, code, name] = fields[..] else {
            return Err(CatalogError::invalid(
                format!("line {}", index + 1),
                "expected alpha2, group code and group name",
            ));
        };
        let group = groups.entry(code.to_string()).or_insert_with(|| OsceGroup {
            code: code.to_string(),
            name: name.to_string(),
            countries: Vec::new(),
        });
        group.countries.push(country.to_uppercase());
    }
    Ok(groups.into_values().collect())
}

/// Replaces the OSCE regions and memberships in the database with `groups`, in one transaction.
pub async fn replace_groups(db: &DatabaseConnection, groups: &[OsceGroup]) -> Result<(), CatalogError> {
    let txn = db.begin().await?;
    let osce_codes =
        Query::select().column("code").from("regions").and_where(Expr::col("scheme").eq("OSCE")).to_owned();
    txn.execute(
        &Query::delete()
            .from_table("country_regions")
            .and_where(Expr::col("region_code").in_subquery(osce_codes))
            .to_owned(),
    )
    .await?;
    txn.execute(&Query::delete().from_table("regions").and_where(Expr::col("scheme").eq("OSCE")).to_owned()).await?;
    for group in groups {
        let insert = Query::insert()
            .into_table("regions")
            .columns(["code", "scheme", "name"])
            .values_panic([group.code.clone().into(), "OSCE".into(), group.name.clone().into()])
            .to_owned();
        txn.execute(&insert).await?;
        for country in &group.countries {
            let insert = Query::insert()
                .into_table("country_regions")
                .columns(["country_code", "region_code"])
                .values_panic([country.clone().into(), group.code.clone().into()])
                .to_owned();
            txn.execute(&insert).await.map_err(|_| {
                CatalogError::invalid(format!("OSCE group {}", group.code), format!("unknown country code {country:?}"))
            })?;
        }
    }
    txn.commit().await?;
    Ok(())
}
