//! Reference data shipped with Convene: countries, their aliases, UN M49 regions and OSCE groupings.
//!
//! The data lives in `migrations/data/*.tsv`; this module parses it and defines the one
//! normalisation that every country lookup uses.

/// ISO 3166-1 countries (plus Kosovo) with their UN M49 sub-region and aliases.
pub const COUNTRIES_TSV: &str = include_str!("../data/countries.tsv");
/// UN M49 regions and sub-regions, and the OSCE groupings.
pub const REGIONS_TSV: &str = include_str!("../data/regions.tsv");
/// Which OSCE grouping each country belongs to.
pub const OSCE_TSV: &str = include_str!("../data/osce.tsv");

/// A country as the data file lists it.
#[derive(Debug, Clone)]
pub struct CountryRow {
    pub alpha2: String,
    pub alpha3: String,
    pub numeric: String,
    pub name: String,
    pub un_subregion: Option<String>,
    pub aliases: Vec<String>,
}

/// A region of one scheme (`UN_REGION`, `UN_SUBREGION` or `OSCE`).
#[derive(Debug, Clone)]
pub struct RegionRow {
    pub scheme: String,
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
}

/// The key a country name or code is looked up by: ASCII-folded, lowercased, `&` read as
/// `and`, a leading `the` dropped and everything but letters and digits removed, so that
/// `Bosnia & Herzegovina`, `bosnia and herzegovina` and `BOSNIA-HERZEGOVINA`... meet.
pub fn lookup_key(text: &str) -> String {
    let folded = deunicode::deunicode(text).to_lowercase().replace('&', " and ");
    let trimmed = folded.trim();
    let without_article = trimmed.strip_prefix("the ").unwrap_or(trimmed);
    without_article.chars().filter(|character| character.is_ascii_alphanumeric()).collect()
}

fn data_lines(tsv: &str) -> impl Iterator<Item = Vec<&str>> {
    tsv.lines().skip(1).filter(|line| !line.trim().is_empty()).map(|line| line.split('\t').map(str::trim).collect())
}

fn non_empty(value: Option<&&str>) -> Option<String> {
    value.filter(|text| !text.is_empty()).map(|text| text.to_string())
}

/// Parses `countries.tsv`: `alpha2 alpha3 numeric name un_subregion aliases`.
pub fn countries() -> Vec<CountryRow> {
    data_lines(COUNTRIES_TSV)
        .map(|fields| CountryRow {
            alpha2: fields[0].to_string(),
            alpha3: fields[1].to_string(),
            numeric: fields[2].to_string(),
            name: fields[3].to_string(),
            un_subregion: non_empty(fields.get(4)),
            aliases: fields
                .get(5)
                .map(|aliases| {
                    aliases.split('|').map(str::trim).filter(|alias| !alias.is_empty()).map(str::to_string).collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

/// Parses `regions.tsv`: `scheme code name parent`.
pub fn regions() -> Vec<RegionRow> {
    parse_regions(REGIONS_TSV)
}

/// Parses a regions file in the format of `regions.tsv`.
pub fn parse_regions(tsv: &str) -> Vec<RegionRow> {
    data_lines(tsv)
        .map(|fields| RegionRow {
            scheme: fields[0].to_string(),
            code: fields[1].to_string(),
            name: fields[2].to_string(),
            parent: non_empty(fields.get(3)),
        })
        .collect()
}

/// Parses an OSCE grouping file (`alpha2 group`) into pairs.
pub fn parse_osce_groups(tsv: &str) -> Vec<(String, String)> {
    data_lines(tsv).map(|fields| (fields[0].to_string(), fields[1].to_string())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_key_ignores_case_diacritics_ampersands_and_articles() {
        assert_eq!(lookup_key("Bosnia & Herzegovina"), lookup_key("bosnia and herzegovina"));
        assert_eq!(lookup_key("Türkiye"), "turkiye");
        assert_eq!(lookup_key("The Netherlands"), lookup_key("Netherlands"));
        assert_ne!(lookup_key("Niger"), lookup_key("Nigeria"));
    }

    #[test]
    fn every_country_sits_in_a_known_sub_region_and_parent_region() {
        let regions = regions();
        let sub_regions: Vec<&RegionRow> = regions.iter().filter(|region| region.scheme == "UN_SUBREGION").collect();
        for country in countries() {
            let Some(code) = &country.un_subregion else {
                assert_eq!(country.alpha2, "AQ", "only Antarctica lies outside the M49 regions");
                continue;
            };
            let sub_region = sub_regions
                .iter()
                .find(|region| &region.code == code)
                .unwrap_or_else(|| panic!("{} has unknown sub-region {code}", country.alpha2));
            assert!(sub_region.parent.is_some(), "sub-region {code} has no parent region");
        }
    }

    #[test]
    fn names_and_aliases_never_point_at_two_countries() {
        let mut seen = std::collections::HashMap::new();
        for country in countries() {
            let keys = std::iter::once(&country.name).chain(&country.aliases);
            for key in keys.map(|text| lookup_key(text)) {
                if let Some(other) = seen.insert(key.clone(), country.alpha2.clone()) {
                    assert_eq!(other, country.alpha2, "{key} names two countries");
                }
            }
        }
    }
}
