//! sea-orm entities, one per table; relations are joined by hand in the services.

pub mod api_token;
pub mod audience;
pub mod change;
pub mod country;
pub mod country_alias;
pub mod country_region;
pub mod event;
pub mod event_audience;
pub mod event_country;
pub mod event_topic;
pub mod organizer;
pub mod region;
pub mod topic;
pub mod venue;
