//! People and partner organisations: contact names, partner users' names and the
//! organisations' names ("Nordlight IT Services", then a region, then a number).

use rand::Rng;
use rand::rngs::SmallRng;

use crate::domain::prospect::name_key;

const FIRST_NAMES: [&str; 40] = [
    "Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ingrid", "Jonas", "Kaisa",
    "Liam", "Maya", "Noah", "Olivia", "Pavel", "Quinn", "Rosa", "Samir", "Tanja", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zofia", "Aiko", "Bruno", "Chloe", "Diego", "Emma", "Felix", "Hanna",
    "Ivan", "Julia", "Karl", "Lena", "Marco", "Nora", "Oscar",
];

const LAST_NAMES: [&str; 40] = [
    "Smith",
    "Müller",
    "Garcia",
    "Nowak",
    "Virtanen",
    "Jensen",
    "Rossi",
    "Dubois",
    "Kowalski",
    "Hansen",
    "Johansson",
    "Murphy",
    "Brown",
    "Schmidt",
    "Martin",
    "Lindqvist",
    "Korhonen",
    "de Vries",
    "Fischer",
    "Moreau",
    "Novak",
    "Olsen",
    "Petrov",
    "Quist",
    "Rahman",
    "Santos",
    "Tanaka",
    "Urban",
    "Weber",
    "Young",
    "Zimmermann",
    "Andersen",
    "Bauer",
    "Costa",
    "Eriksson",
    "Fontaine",
    "Gruber",
    "Horvath",
    "Ito",
    "Kim",
];

/// Partner organisation names are "<first> <second>", then a region, then a number.
const ORG_A: [&str; 40] = [
    "Nordlight",
    "Cobalt",
    "Brightpath",
    "Bluestone",
    "Ironclad",
    "Clearview",
    "Keystone",
    "Summit",
    "Vantage",
    "Pinnacle",
    "Skyline",
    "Trident",
    "Lighthouse",
    "Northwind",
    "Redline",
    "Greenleaf",
    "Silverback",
    "Blackbird",
    "Crossroads",
    "Westbrook",
    "Fairway",
    "Highpoint",
    "Ampere",
    "Cirrus",
    "Datapoint",
    "Evolve",
    "Fulcrum",
    "Helix",
    "Insight",
    "Javelin",
    "Kinetic",
    "Lumen",
    "Momentum",
    "Nimbus",
    "Optima",
    "Paragon",
    "Quantix",
    "Radius",
    "Sterling",
    "Tangent",
];

const ORG_B: [&str; 50] = [
    "IT Services",
    "Consulting",
    "Solutions",
    "Systems Integration",
    "Cloud Partners",
    "Digital",
    "Technologies",
    "Networks",
    "Software Partners",
    "Data Services",
    "Managed Services",
    "Security",
    "Advisory",
    "Integrators",
    "Tech",
    "Computing",
    "Infrastructure",
    "Analytics",
    "Cloud",
    "Labs",
    "Business Systems",
    "IT",
    "Connect",
    "Professional Services",
    "Automation",
    "Platforms",
    "Workplace",
    "Data",
    "DevOps",
    "Communications",
    "Resellers",
    "Distribution",
    "Enterprise IT",
    "Support",
    "Outsourcing",
    "Engineering",
    "Applications",
    "ERP Partners",
    "CRM Partners",
    "Cyber",
    "Hosting",
    "Telecom",
    "Learning",
    "Media Tech",
    "Health IT",
    "Retail Tech",
    "Fintech Partners",
    "Logistics IT",
    "Public Sector IT",
    "Smart Systems",
];

const REGIONS: [&str; 20] = [
    "Nordics",
    "Benelux",
    "DACH",
    "Iberia",
    "UK",
    "Ireland",
    "France",
    "Italy",
    "Poland",
    "Baltics",
    "Canada",
    "US East",
    "US West",
    "US Central",
    "Australia",
    "Japan",
    "Singapore",
    "Brazil",
    "Mexico",
    "India",
];

/// The name of the `n`-th partner organisation: all different.
pub(super) fn org_name(n: u64) -> String {
    let per_round = (ORG_A.len() * ORG_B.len()) as u64;
    let (round, i) = (n / per_round, n % per_round);
    let base = format!(
        "{} {}",
        ORG_A[(i % ORG_A.len() as u64) as usize],
        ORG_B[(i / ORG_A.len() as u64) as usize]
    );
    match round {
        0 => base,
        r if r <= REGIONS.len() as u64 => format!("{base} {}", REGIONS[(r - 1) as usize]),
        r => format!("{base} {}", r + 1),
    }
}

/// A first and last name, for a partner user or a prospect's contact.
pub(super) fn person(rng: &mut SmallRng) -> (&'static str, &'static str) {
    (
        FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())],
        LAST_NAMES[rng.random_range(0..LAST_NAMES.len())],
    )
}

/// An email-safe form of a person's name part ("de Vries" → "devries", "Müller" → "muller").
pub(super) fn mailbox_part(s: &str) -> String {
    name_key(s).replace(' ', "")
}
