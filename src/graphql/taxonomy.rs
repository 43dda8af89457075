//! Countries, regions, organizers, venues, topics and audiences: their types and queries.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject, ID};

use super::error::{loader_error, ApiResult};
use super::loaders::{Loaders, Organizers};
use crate::catalog::entity::venue;
use crate::catalog::reference::{self, RegionScheme as Scheme};
use crate::catalog::resolve::Label;
use crate::catalog::{read, Catalog, OrganizerTree};

/// A way of grouping countries into regions.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "Scheme")]
pub enum RegionScheme {
    /// UN M49 regions (Africa, Americas, Asia, Europe, Oceania).
    UnRegion,
    /// UN M49 sub-regions (Southern Europe, Central Asia, ...).
    #[default]
    UnSubregion,
    /// The OSCE's regional groupings, from the repository's data file.
    Osce,
}

/// An ISO 3166-1 country (or Kosovo, `XK`).
#[derive(Debug, Clone)]
pub struct Country(pub reference::Country);

#[Object]
impl Country {
    /// ISO 3166-1 alpha-2 code.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// ISO 3166-1 alpha-3 code.
    async fn alpha3(&self) -> &str {
        &self.0.alpha3
    }
    /// English short name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The region of the scheme this country belongs to, if any.
    async fn region(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(RegionScheme::UnSubregion)")] scheme: Option<RegionScheme>,
    ) -> Option<Region> {
        let catalog = ctx.data_unchecked::<Catalog>();
        catalog.reference().region_of(&self.0.code, scheme.unwrap_or_default().into()).cloned().map(Region)
    }
}

/// A region: a UN M49 region or sub-region, or an OSCE grouping.
#[derive(Debug, Clone)]
pub struct Region(pub reference::Region);

#[Object]
impl Region {
    /// UN M49 code (`"039"`) or OSCE grouping code (`"SEE"`).
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn scheme(&self) -> RegionScheme {
        self.0.scheme.into()
    }
    /// The region this one lies in (a sub-region's UN region), if any.
    async fn parent(&self, ctx: &Context<'_>) -> Option<Region> {
        let catalog = ctx.data_unchecked::<Catalog>();
        self.0.parent_code.as_deref().and_then(|code| catalog.reference().region(code)).cloned().map(Region)
    }
    /// The countries of this region, by name.
    async fn countries(&self, ctx: &Context<'_>) -> Vec<Country> {
        let catalog = ctx.data_unchecked::<Catalog>();
        let mut countries: Vec<Country> =
            catalog.reference().countries_in(&self.0.code).cloned().map(Country).collect();
        countries.sort_by(|left, right| left.0.name.cmp(&right.0.name));
        countries
    }
}

/// A topic label.
#[derive(SimpleObject, Debug, Clone)]
pub struct Topic {
    pub slug: String,
    pub label: String,
}

/// An audience label.
#[derive(SimpleObject, Debug, Clone)]
pub struct Audience {
    pub slug: String,
    pub label: String,
}

impl From<Label> for Topic {
    fn from(label: Label) -> Self {
        Topic { slug: label.slug, label: label.label }
    }
}

impl From<Label> for Audience {
    fn from(label: Label) -> Self {
        Audience { slug: label.slug, label: label.label }
    }
}

/// Where an event takes place.
#[derive(Debug, Clone)]
pub struct Venue(pub venue::Model);

#[Object]
impl Venue {
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    async fn country(&self, ctx: &Context<'_>) -> Option<Country> {
        let catalog = ctx.data_unchecked::<Catalog>();
        let code = self.0.country_code.as_deref()?;
        catalog.reference().country(code).cloned().map(Country)
    }
}

/// An organizing unit, in a tree (OSCE / Transnational Threats Department / ...).
#[derive(Debug, Clone)]
pub struct Organizer {
    pub id: i64,
    pub tree: Arc<OrganizerTree>,
}

impl Organizer {
    /// Loads the organizer tree (one statement, shared by all fields of the request batch).
    pub async fn load(ctx: &Context<'_>, id: i64) -> async_graphql::Result<Option<Organizer>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let tree = loaders.load_one(Organizers).await.map_err(loader_error)?;
        Ok(tree.filter(|tree| tree.get(id).is_some()).map(|tree| Organizer { id, tree }))
    }
}

#[Object]
impl Organizer {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
    async fn name(&self) -> &str {
        self.tree.get(self.id).map(|unit| unit.name.as_str()).unwrap_or_default()
    }
    /// Names from the top body down to this unit.
    async fn path(&self) -> Vec<String> {
        self.tree.path(self.id)
    }
    async fn parent(&self) -> Option<Organizer> {
        let parent_id = self.tree.get(self.id)?.parent_id?;
        Some(Organizer { id: parent_id, tree: self.tree.clone() })
    }
    async fn children(&self) -> Vec<Organizer> {
        self.tree.children(self.id).into_iter().map(|unit| Organizer { id: unit.id, tree: self.tree.clone() }).collect()
    }
}

/// Queries on the reference data and taxonomies.
#[derive(Debug, Default)]
pub struct TaxonomyQuery;

#[Object]
impl TaxonomyQuery {
    /// Every country, by name.
    async fn countries(&self, ctx: &Context<'_>) -> Vec<Country> {
        let catalog = ctx.data_unchecked::<Catalog>();
        catalog.reference().countries().iter().cloned().map(Country).collect()
    }

    /// The regions of a scheme, by code.
    async fn regions(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(RegionScheme::UnSubregion)")] scheme: Option<RegionScheme>,
    ) -> Vec<Region> {
        let catalog = ctx.data_unchecked::<Catalog>();
        catalog.reference().regions(scheme.unwrap_or_default().into()).cloned().map(Region).collect()
    }

    /// Every topic, by label.
    async fn topics(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Topic>> {
        let catalog = ctx.data_unchecked::<Catalog>();
        Ok(read::all_labels(catalog.db(), "topics").await.api()?.into_iter().map(Topic::from).collect())
    }

    /// Every audience, by label.
    async fn audiences(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Audience>> {
        let catalog = ctx.data_unchecked::<Catalog>();
        Ok(read::all_labels(catalog.db(), "audiences").await.api()?.into_iter().map(Audience::from).collect())
    }

    /// Every organizing unit, sorted by path.
    async fn organizers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organizer>> {
        let catalog = ctx.data_unchecked::<Catalog>();
        let tree = Arc::new(OrganizerTree::new(read::all_organizers(catalog.db()).await.api()?));
        Ok(tree.all().into_iter().map(|unit| Organizer { id: unit.id, tree: tree.clone() }).collect())
    }

    /// A country by code or any spelling of its name.
    async fn country(&self, ctx: &Context<'_>, code: String) -> Option<Country> {
        let catalog = ctx.data_unchecked::<Catalog>();
        catalog.reference().resolve_country(&code).cloned().map(Country)
    }

    /// A region by code, in any scheme.
    async fn region(&self, ctx: &Context<'_>, code: String) -> Option<Region> {
        let catalog = ctx.data_unchecked::<Catalog>();
        catalog.reference().region(&code).cloned().map(Region)
    }
}
