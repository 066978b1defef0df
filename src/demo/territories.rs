//! Territories: the demo's countries split into five geographic territories that partners
//! and direct reps both work, a vertical one for healthcare and insurance, and the public
//! sector kept for direct sales. Every partner is assigned to all the shared ones, so every
//! registration the load writes is inside its partner's territories (the prospects never
//! are in government, which partners may not register). Each territory has its direct
//! sales rep, who is the one asking to assist on the partners' deals there.

use super::orgs::{Org, Rep};
use super::{Fill, explain};
use crate::db::models::territory;
use crate::db::{DbConnection, write_tx};
use crate::domain::territory::{Eligibility, Kind, TerritoryFields};

/// (name, kind, countries or industries, who may work it, its rep: an index into the reps).
type Territory = (
    &'static str,
    Kind,
    &'static [&'static str],
    Eligibility,
    usize,
);

const TERRITORIES: [Territory; 7] = [
    (
        "North America",
        Kind::Geographic,
        &["US", "CA"],
        Eligibility::Both,
        0,
    ),
    (
        "UK and Ireland",
        Kind::Geographic,
        &["GB", "IE"],
        Eligibility::Both,
        1,
    ),
    (
        "Nordics",
        Kind::Geographic,
        &["SE", "FI", "DK", "NO"],
        Eligibility::Both,
        2,
    ),
    (
        "Continental Europe",
        Kind::Geographic,
        &["DE", "FR", "NL", "PL", "ES", "IT"],
        Eligibility::Both,
        3,
    ),
    ("Australia", Kind::Geographic, &["AU"], Eligibility::Both, 4),
    (
        "Healthcare and insurance",
        Kind::Vertical,
        &["Healthcare", "Insurance"],
        Eligibility::Both,
        4,
    ),
    (
        "Public sector",
        Kind::Vertical,
        &["Government"],
        Eligibility::Direct,
        0,
    ),
];

/// The rep (an index into the reps) who works a prospect in `country` and `industry`: the
/// vertical territory's where one covers the industry, else the geographic one's.
pub(super) fn rep_for(country: &str, industry: &str) -> usize {
    let covering = |kind: Kind, place: &str| {
        TERRITORIES
            .iter()
            .find(|t| t.1 == kind && t.2.contains(&place))
            .map(|t| t.4)
    };
    covering(Kind::Vertical, industry)
        .or_else(|| covering(Kind::Geographic, country))
        .unwrap_or(0)
}

/// The industry no demo prospect is in: the direct-only territory's.
pub(super) const DIRECT_ONLY_INDUSTRY: &str = "Government";

/// Writes the territories, with every active partner assigned to the shared ones.
pub(super) fn write(
    conn: &mut DbConnection,
    fill: &mut Fill,
    orgs: &[Org],
    reps: &[Rep],
    admin_id: &str,
) -> anyhow::Result<()> {
    let partners: Vec<String> = orgs.iter().map(|o| o.id.clone()).collect();
    let now = fill.now;
    let mut rows = Vec::new();
    for (name, kind, places, eligibility, rep) in TERRITORIES {
        let owned = places.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
        let (countries, industries) = match kind {
            Kind::Geographic => (owned, Vec::new()),
            Kind::Vertical => (Vec::new(), owned),
        };
        let fields = TerritoryFields {
            name: name.to_owned(),
            name_key: name.to_lowercase(),
            kind,
            countries,
            regions: Vec::new(),
            industries,
            eligibility,
            orgs: if eligibility.partners_may_register() {
                partners.clone()
            } else {
                Vec::new()
            },
            reps: vec![reps[rep].id.clone()],
            double_credit: false,
        };
        rows.push((fill.ids.next(&mut fill.rng), fields));
    }
    write_tx(conn, |conn| -> Result<(), territory::SaveError> {
        for (id, fields) in &rows {
            territory::insert(conn, id, fields, admin_id, now)?;
        }
        Ok(())
    })
    .map_err(|e| match e {
        territory::SaveError::Db(e) => explain("territories", e),
        territory::SaveError::NameTaken => {
            anyhow::anyhow!("cannot add the demo territories: their names are taken")
        }
    })?;
    fill.summary.territories = rows.len() as u64;
    (fill.progress)(&format!(
        "territories: {} ({} shared with partners)",
        rows.len(),
        rows.iter()
            .filter(|(_, f)| f.eligibility.partners_may_register())
            .count()
    ));
    Ok(())
}
