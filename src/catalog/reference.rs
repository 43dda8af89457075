//! Reference data held in memory: countries, their spellings and the regions they belong to.
//!
//! Loaded once from the database at start-up (a few hundred rows); every country lookup and
//! every region question afterwards is answered here without touching SQL.

use std::collections::HashMap;

use sea_orm::{DatabaseConnection, EntityTrait};

use super::entity::{country, country_alias, country_region, region};
use super::error::CatalogError;

/// A country with its codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    pub code: String,
    pub alpha3: String,
    pub name: String,
}

/// A region of one scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: String,
    pub scheme: RegionScheme,
    pub name: String,
    pub parent_code: Option<String>,
}

/// The region schemes of API.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegionScheme {
    UnRegion,
    UnSubregion,
    Osce,
}

impl RegionScheme {
    /// The name the database and the API use.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionScheme::UnRegion => "UN_REGION",
            RegionScheme::UnSubregion => "UN_SUBREGION",
            RegionScheme::Osce => "OSCE",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "UN_REGION" => Some(RegionScheme::UnRegion),
            "UN_SUBREGION" => Some(RegionScheme::UnSubregion),
            "OSCE" => Some(RegionScheme::Osce),
            _ => None,
        }
    }
}

/// Countries and regions, indexed for lookup.
#[derive(Debug, Default)]
pub struct Reference {
    countries: Vec<Country>,
    country_index: HashMap<String, usize>,
    spellings: HashMap<String, usize>,
    regions: Vec<Region>,
    region_index: HashMap<String, usize>,
    regions_of_country: HashMap<String, Vec<usize>>,
    names_of_country: HashMap<String, Vec<String>>,
    countries_of_region: HashMap<String, Vec<usize>>,
}

impl Reference {
    /// Reads the reference tables.
    pub async fn load(db: &DatabaseConnection) -> Result<Self, CatalogError> {
        let mut countries = country::Entity::find().all(db).await?;
        countries.sort_by(|left, right| left.name.cmp(&right.name));
        let mut regions = region::Entity::find().all(db).await?;
        regions.sort_by(|left, right| left.code.cmp(&right.code));
        let aliases = country_alias::Entity::find().all(db).await?;
        let memberships = country_region::Entity::find().all(db).await?;

        let mut reference = Reference::default();
        for row in countries {
            reference.country_index.insert(row.code.clone(), reference.countries.len());
            reference.countries.push(Country { code: row.code, alpha3: row.alpha3, name: row.name });
        }
        for row in regions {
            let Some(scheme) = RegionScheme::parse(&row.scheme) else { continue };
            reference.region_index.insert(row.code.clone(), reference.regions.len());
            reference.regions.push(Region { code: row.code, scheme, name: row.name, parent_code: row.parent_code });
        }
        for alias in aliases {
            if let Some(&index) = reference.country_index.get(&alias.country_code) {
                reference.spellings.insert(alias.alias_key, index);
                if alias.alias.chars().count() > 3 {
                    reference.names_of_country.entry(alias.country_code).or_default().push(alias.alias);
                }
            }
        }
        for membership in memberships {
            let country = reference.country_index.get(&membership.country_code).copied();
            let region = reference.region_index.get(&membership.region_code).copied();
            if let (Some(country), Some(region)) = (country, region) {
                reference.regions_of_country.entry(membership.country_code).or_default().push(region);
                reference.countries_of_region.entry(membership.region_code).or_default().push(country);
            }
        }
        Ok(reference)
    }

    /// Finds a country by alpha-2 or alpha-3 code or by any known spelling of its name,
    /// ignoring case and diacritics.
    pub fn resolve_country(&self, spelling: &str) -> Option<&Country> {
        let key = migrations::reference::lookup_key(spelling);
        self.spellings.get(&key).map(|&index| &self.countries[index])
    }

    /// The country with this alpha-2 code.
    pub fn country(&self, code: &str) -> Option<&Country> {
        self.country_index.get(code).map(|&index| &self.countries[index])
    }

    /// The name and every other spelling of a country (codes left out), for search.
    pub fn names_of(&self, code: &str) -> &[String] {
        self.names_of_country.get(code).map(Vec::as_slice).unwrap_or_default()
    }

    /// Every country, sorted by name.
    pub fn countries(&self) -> &[Country] {
        &self.countries
    }

    /// The region with this code, in any scheme.
    pub fn region(&self, code: &str) -> Option<&Region> {
        self.region_index.get(code).map(|&index| &self.regions[index])
    }

    /// Every region of a scheme, sorted by code.
    pub fn regions(&self, scheme: RegionScheme) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(move |region| region.scheme == scheme)
    }

    /// The region of a scheme that a country belongs to, if any.
    pub fn region_of(&self, country_code: &str, scheme: RegionScheme) -> Option<&Region> {
        self.regions_of_country
            .get(country_code)?
            .iter()
            .map(|&index| &self.regions[index])
            .find(|region| region.scheme == scheme)
    }

    /// The countries of a region, sorted by name.
    pub fn countries_in(&self, region_code: &str) -> impl Iterator<Item = &Country> {
        self.countries_of_region.get(region_code).into_iter().flatten().map(|&index| &self.countries[index])
    }
}
