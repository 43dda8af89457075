//! Countries, cities and venues: the 57 participating States, the Partners for Co-operation
//! and Kosovo, with real city names and a venue frequency skewed toward Vienna.

/// Regional clusters used to choose participating countries that make sense together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// The Western Balkans, Greece, Cyprus, Bulgaria, Romania, Türkiye.
    SouthEasternEurope,
    /// Belarus, Moldova, Ukraine, the Russian Federation.
    EasternEurope,
    /// Armenia, Azerbaijan, Georgia.
    SouthCaucasus,
    /// The five Central Asian States, Mongolia and Afghanistan.
    CentralAsia,
    /// Western and Central Europe.
    WesternEurope,
    /// The Nordic and Baltic States.
    NorthernEurope,
    /// Canada and the United States.
    NorthAmerica,
    /// The Mediterranean Partners for Co-operation.
    Mediterranean,
    /// The Asian Partners for Co-operation other than Afghanistan.
    AsianPartners,
}

impl Region {
    /// Every region, in declaration order.
    pub const ALL: [Region; 9] = [
        Region::SouthEasternEurope,
        Region::EasternEurope,
        Region::SouthCaucasus,
        Region::CentralAsia,
        Region::WesternEurope,
        Region::NorthernEurope,
        Region::NorthAmerica,
        Region::Mediterranean,
        Region::AsianPartners,
    ];

    /// Position in [`Region::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// How running text names the region ("the South Caucasus"); Western regions read as the
    /// whole OSCE area.
    pub fn phrase(self) -> &'static str {
        match self {
            Region::SouthEasternEurope => "South-Eastern Europe",
            Region::EasternEurope => "Eastern Europe",
            Region::SouthCaucasus => "the South Caucasus",
            Region::CentralAsia => "Central Asia",
            Region::Mediterranean => "the Mediterranean region",
            Region::AsianPartners => "Asia",
            Region::WesternEurope | Region::NorthernEurope | Region::NorthAmerica => "the OSCE area",
        }
    }

    /// Whether events mostly come to this region rather than send participants out of it.
    pub fn is_western(self) -> bool {
        matches!(self, Region::WesternEurope | Region::NorthernEurope | Region::NorthAmerica)
    }

    /// Regions whose countries often join events of this one.
    pub fn neighbours(self) -> &'static [Region] {
        use Region::*;
        match self {
            SouthEasternEurope => &[EasternEurope, WesternEurope],
            EasternEurope => &[SouthEasternEurope, SouthCaucasus, NorthernEurope],
            SouthCaucasus => &[EasternEurope, CentralAsia],
            CentralAsia => &[SouthCaucasus, EasternEurope],
            WesternEurope => &[NorthernEurope, NorthAmerica, SouthEasternEurope],
            NorthernEurope => &[WesternEurope, EasternEurope],
            NorthAmerica => &[WesternEurope, NorthernEurope],
            Mediterranean => &[SouthEasternEurope, WesternEurope],
            AsianPartners => &[CentralAsia, NorthAmerica],
        }
    }
}

/// A country's standing in the OSCE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// One of the 57 participating States.
    Participating,
    /// A Partner for Co-operation.
    Partner,
    /// Neither (Kosovo).
    Other,
}

/// A country as events name it.
#[derive(Debug)]
pub struct Country {
    /// Common English name; the catalogue's country lookup must resolve it.
    pub name: &'static str,
    /// Another spelling real data uses, used now and then to exercise alias resolution.
    pub alias: Option<&'static str>,
    /// Regional cluster.
    pub region: Region,
    /// OSCE standing.
    pub status: Status,
    /// Relative frequency as a venue country when the organizer does not decide it.
    pub weight: u32,
    /// Real cities, the capital (or usual venue city) first.
    pub cities: &'static [&'static str],
}

const fn c(
    name: &'static str,
    alias: Option<&'static str>,
    region: Region,
    status: Status,
    weight: u32,
    cities: &'static [&'static str],
) -> Country {
    Country { name, alias, region, status, weight, cities }
}

use Region::{
    AsianPartners as AP, CentralAsia as CA, EasternEurope as EE, Mediterranean as MED, NorthAmerica as NA,
    NorthernEurope as NE, SouthCaucasus as SC, SouthEasternEurope as SEE, WesternEurope as WE,
};
use Status::{Other as X, Participating as PS, Partner as PT};

/// Every country events are held in or draw participants from, sorted by name.
#[rustfmt::skip]
pub static COUNTRIES: &[Country] = &[
    c("Afghanistan", None, CA, PT, 1, &["Kabul", "Mazar-i-Sharif", "Herat"]),
    c("Albania", None, SEE, PS, 8, &["Tirana", "Durrës", "Shkodër", "Vlorë"]),
    c("Algeria", None, MED, PT, 1, &["Algiers", "Oran"]),
    c("Andorra", None, WE, PS, 1, &["Andorra la Vella"]),
    c("Armenia", None, SC, PS, 6, &["Yerevan", "Gyumri", "Dilijan"]),
    c("Australia", None, AP, PT, 1, &["Canberra", "Sydney"]),
    c("Austria", None, WE, PS, 110, &["Vienna", "Salzburg", "Graz", "Innsbruck", "Linz"]),
    c("Azerbaijan", None, SC, PS, 5, &["Baku", "Ganja"]),
    c("Belarus", None, EE, PS, 4, &["Minsk", "Brest", "Grodno"]),
    c("Belgium", None, WE, PS, 4, &["Brussels", "Antwerp"]),
    c("Bosnia and Herzegovina", Some("Bosnia & Herzegovina"), SEE, PS, 12,
        &["Sarajevo", "Banja Luka", "Mostar", "Tuzla", "Brčko"]),
    c("Bulgaria", None, SEE, PS, 3, &["Sofia", "Plovdiv", "Varna"]),
    c("Canada", None, NA, PS, 2, &["Ottawa", "Toronto", "Montreal"]),
    c("Croatia", None, SEE, PS, 4, &["Zagreb", "Split", "Dubrovnik"]),
    c("Cyprus", None, SEE, PS, 2, &["Nicosia", "Limassol", "Larnaca"]),
    c("Czechia", Some("Czech Republic"), WE, PS, 4, &["Prague", "Brno"]),
    c("Denmark", None, NE, PS, 4, &["Copenhagen", "Aarhus"]),
    c("Egypt", None, MED, PT, 1, &["Cairo", "Alexandria"]),
    c("Estonia", None, NE, PS, 2, &["Tallinn", "Tartu"]),
    c("Finland", None, NE, PS, 3, &["Helsinki", "Tampere"]),
    c("France", None, WE, PS, 4, &["Paris", "Strasbourg", "Lyon"]),
    c("Georgia", None, SC, PS, 7, &["Tbilisi", "Batumi", "Kutaisi"]),
    c("Germany", None, WE, PS, 8, &["Berlin", "Bonn", "Munich", "Hamburg", "Wiesbaden"]),
    c("Greece", None, SEE, PS, 3, &["Athens", "Thessaloniki"]),
    c("Holy See", None, WE, PS, 1, &["Vatican City"]),
    c("Hungary", None, WE, PS, 3, &["Budapest", "Debrecen"]),
    c("Iceland", None, NE, PS, 1, &["Reykjavik"]),
    c("Ireland", None, WE, PS, 2, &["Dublin", "Cork"]),
    c("Israel", None, MED, PT, 1, &["Jerusalem", "Tel Aviv"]),
    c("Italy", None, WE, PS, 5, &["Rome", "Turin", "Milan", "Bologna"]),
    c("Japan", None, AP, PT, 1, &["Tokyo"]),
    c("Jordan", None, MED, PT, 1, &["Amman"]),
    c("Kazakhstan", None, CA, PS, 9, &["Astana", "Almaty", "Shymkent"]),
    c("Kosovo", None, SEE, X, 8, &["Pristina", "Prizren", "Mitrovica", "Peja"]),
    c("Kyrgyzstan", Some("Kyrgyz Republic"), CA, PS, 9, &["Bishkek", "Osh", "Cholpon-Ata"]),
    c("Latvia", None, NE, PS, 2, &["Riga"]),
    c("Liechtenstein", None, WE, PS, 1, &["Vaduz"]),
    c("Lithuania", None, NE, PS, 3, &["Vilnius", "Kaunas"]),
    c("Luxembourg", None, WE, PS, 1, &["Luxembourg"]),
    c("Malta", None, WE, PS, 2, &["Valletta"]),
    c("Moldova", Some("Republic of Moldova"), EE, PS, 6, &["Chisinau", "Balti", "Comrat"]),
    c("Monaco", None, WE, PS, 1, &["Monaco"]),
    c("Mongolia", None, CA, PS, 2, &["Ulaanbaatar"]),
    c("Montenegro", None, SEE, PS, 6, &["Podgorica", "Budva", "Herceg Novi"]),
    c("Morocco", None, MED, PT, 1, &["Rabat"]),
    c("Netherlands", None, WE, PS, 5, &["The Hague", "Amsterdam"]),
    c("North Macedonia", Some("the former Yugoslav Republic of Macedonia"), SEE, PS, 8,
        &["Skopje", "Ohrid", "Bitola"]),
    c("Norway", None, NE, PS, 3, &["Oslo", "Bergen"]),
    c("Poland", None, WE, PS, 10, &["Warsaw", "Kraków", "Gdańsk"]),
    c("Portugal", None, WE, PS, 2, &["Lisbon", "Porto"]),
    c("Republic of Korea", Some("South Korea"), AP, PT, 1, &["Seoul"]),
    c("Romania", None, SEE, PS, 4, &["Bucharest", "Cluj-Napoca", "Constanța"]),
    c("Russian Federation", Some("Russia"), EE, PS, 4, &["Moscow", "Saint Petersburg", "Kazan"]),
    c("San Marino", None, WE, PS, 1, &["San Marino"]),
    c("Serbia", None, SEE, PS, 10, &["Belgrade", "Novi Sad", "Niš"]),
    c("Slovakia", None, WE, PS, 3, &["Bratislava", "Košice"]),
    c("Slovenia", None, WE, PS, 3, &["Ljubljana", "Bled"]),
    c("Spain", None, WE, PS, 3, &["Madrid", "Barcelona"]),
    c("Sweden", None, NE, PS, 3, &["Stockholm"]),
    c("Switzerland", None, WE, PS, 6, &["Bern", "Geneva", "Zurich"]),
    c("Tajikistan", None, CA, PS, 8, &["Dushanbe", "Khujand"]),
    c("Thailand", None, AP, PT, 1, &["Bangkok"]),
    c("Tunisia", None, MED, PT, 1, &["Tunis"]),
    c("Türkiye", Some("Turkey"), SEE, PS, 4, &["Ankara", "Istanbul", "Antalya"]),
    c("Turkmenistan", None, CA, PS, 5, &["Ashgabat", "Turkmenbashi"]),
    c("Ukraine", None, EE, PS, 8, &["Kyiv", "Odesa", "Lviv", "Kharkiv"]),
    c("United Kingdom", None, WE, PS, 4, &["London", "Edinburgh"]),
    c("United States", Some("United States of America"), NA, PS, 4, &["Washington", "New York"]),
    c("Uzbekistan", None, CA, PS, 6, &["Tashkent", "Samarkand", "Termez"]),
];

/// Position of a country in [`COUNTRIES`] by its name.
pub fn country_index(name: &str) -> Option<usize> {
    COUNTRIES.iter().position(|c| c.name == name)
}

/// Known venues in the cities where events cluster: (city, [(venue name, address)]).
#[rustfmt::skip]
pub static CITY_VENUES: &[(&str, &[(&str, &str)])] = &[
    ("Vienna", &[("Hofburg Congress Centre", "Heldenplatz, 1010 Vienna"),
        ("OSCE Secretariat", "Wallnerstrasse 6, 1010 Vienna"),
        ("Vienna International Centre", "Wagramer Strasse 5, 1220 Vienna"),
        ("Austria Center Vienna", "Bruno-Kreisky-Platz 1, 1220 Vienna"),
        ("Diplomatic Academy of Vienna", "Favoritenstrasse 15a, 1040 Vienna")]),
    ("Warsaw", &[("ODIHR premises", "ul. Miodowa 10, 00-251 Warsaw"),
        ("Sheraton Warsaw Hotel", "ul. Bolesława Prusa 2, 00-493 Warsaw")]),
    ("Sarajevo", &[("Conference hall of the Regional Cooperation Council (RCC)", "Trg Bosne i Hercegovine 1/V"),
        ("Hotel Europe", "Vladislava Skarića 5"), ("Parliamentary Assembly of Bosnia and Herzegovina", "Trg BiH 1")]),
    ("Belgrade", &[("Palace of Serbia", "Bulevar Mihajla Pupina 2"), ("Hotel Metropol Palace", "Bulevar kralja Aleksandra 69")]),
    ("Pristina", &[("Swiss Diamond Hotel", "Sheshi Nëna Terezë"), ("OSCE Mission in Kosovo headquarters", "Rr. Fehmi Agani 1")]),
    ("Skopje", &[("Hotel Continental", "Aleksandar Makedonski bb"), ("Ministry of Interior", "Dimče Mirčev bb")]),
    ("Tirana", &[("Tirana International Hotel", "Sheshi Skënderbej 8"), ("Rogner Hotel", "Bulevardi Dëshmorët e Kombit")]),
    ("Podgorica", &[("Hotel Podgorica", "Svetlane Kane Radević 1")]),
    ("Chisinau", &[("Hotel Codru", "Strada 31 August 1989, 127")]),
    ("Kyiv", &[("Hotel Rus", "Hospitalna St 4"), ("Ministry of Foreign Affairs of Ukraine", "Mykhailivska Sq 1")]),
    ("Bishkek", &[("OSCE Academy in Bishkek", "Botanichesky pereulok 1A"), ("Hyatt Regency Bishkek", "Abdrakhmanov St 191")]),
    ("Dushanbe", &[("Hyatt Regency Dushanbe", "Ismoili Somoni Ave 26/1"),
        ("Border Management Staff College", "Ayni St 14")]),
    ("Astana", &[("Palace of Independence", "Tauelsizdik Ave 52"), ("Rixos President Hotel", "Dostyk St 7")]),
    ("Tashkent", &[("International Hotel Tashkent", "Amir Temur St 107A")]),
    ("Ashgabat", &[("Hotel Yyldyz", "Bekrewe St 2")]),
    ("Tbilisi", &[("Radisson Blu Iveria Hotel", "Rose Revolution Sq 1")]),
    ("Yerevan", &[("Marriott Armenia Hotel", "Amiryan St 1")]),
    ("Baku", &[("Park Inn Hotel", "Azadlig Ave 1")]),
    ("The Hague", &[("Peace Palace", "Carnegieplein 2, 2517 KJ The Hague"),
        ("HCNM premises", "Prinsessegracht 22, 2514 AP The Hague")]),
    ("Copenhagen", &[("Christiansborg Palace", "Prins Jørgens Gård 1, 1218 Copenhagen")]),
];

/// Venues that could be in any city.
pub static GENERIC_VENUES: &[&str] = &[
    "Hotel Europa",
    "Radisson Blu Hotel",
    "Hyatt Regency Hotel",
    "Holiday Inn",
    "Hilton Hotel",
    "Marriott Hotel",
    "Grand Hotel",
    "Hotel Park",
    "Ministry of Internal Affairs",
    "Ministry of Foreign Affairs",
    "Ministry of Justice",
    "National Police Academy",
    "Judicial Training Centre",
    "State University, main conference hall",
    "Parliament building",
    "Chamber of Commerce",
    "City Hall",
    "UN House",
];

/// Street names for addresses of generic venues.
pub static STREETS: &[&str] = &[
    "Independence Avenue",
    "Freedom Square",
    "Republic Square",
    "Main Street",
    "Station Road",
    "University Street",
    "Peace Boulevard",
    "Victory Avenue",
    "Liberty Street",
    "Central Square",
    "Embankment Street",
    "Cathedral Street",
];
