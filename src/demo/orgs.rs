//! Partner organisations, one org-admin partner user each, and the staff users (channel
//! manager, five direct sales reps, admin).

use chrono::TimeDelta;
use rand::Rng;

use super::people::{org_name, person};
use super::random::{pick, secs};
use super::rows::{OrgRow, UserRow};
use super::{EMAIL_DOMAIN, Fill, Spec, explain};
use crate::db::schema::{partner_orgs, users};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::dates::elapsed;
use crate::domain::money::group_count;
use crate::domain::org::Tier;

/// A partner organisation and its one user, who submits its registrations.
pub(super) struct Org {
    pub(super) id: String,
    pub(super) user_id: String,
    pub(super) tier: Tier,
    status: &'static str,
}

impl Org {
    pub(super) fn is_active(&self) -> bool {
        self.status == "active"
    }
}

/// A direct sales rep: who asks to assist on partners' deals and works the territories.
pub(super) struct Rep {
    pub(super) id: String,
    pub(super) name: String,
}

/// How many direct sales reps the demo has (`sales@`, then `sales2@` …).
pub(super) const REPS: usize = 5;

/// The users registrations are written by and decided by.
pub(super) struct People {
    pub(super) orgs: Vec<Org>,
    /// The channel manager, who decides every registration.
    pub(super) channel_id: String,
    /// The program admin, who drew the territories.
    pub(super) admin_id: String,
    /// The direct sales reps, `sales@` first.
    pub(super) reps: Vec<Rep>,
}

/// Writes the organisations and users. `password_hash` is every user's; the admin is
/// created at the generation time (`demo::generated_at` reads it).
pub(super) fn write(
    conn: &mut DbConnection,
    fill: &mut Fill,
    spec: &Spec,
    password_hash: &str,
) -> anyhow::Result<People> {
    let now = fill.now;
    let tiers = [
        Tier::Registered,
        Tier::Registered,
        Tier::Registered,
        Tier::Registered,
        Tier::Silver,
        Tier::Silver,
        Tier::Silver,
        Tier::Gold,
        Tier::Gold,
        Tier::Platinum,
    ];
    let mut org_rows = Vec::with_capacity(spec.orgs as usize);
    let mut user_rows = Vec::with_capacity(spec.orgs as usize + 3);
    let mut orgs = Vec::with_capacity(spec.orgs as usize);
    for n in 0..spec.orgs {
        let created = now
            - secs(
                &mut fill.rng,
                TimeDelta::days(3 * 365 + 30),
                TimeDelta::days(4 * 365),
            );
        let name = org_name(n);
        let status = if n > 0 && fill.rng.random_range(0..100) == 0 {
            "suspended"
        } else {
            "active"
        };
        let id = fill.ids.next(&mut fill.rng);
        let user_id = fill.ids.next(&mut fill.rng);
        let (first, last) = person(&mut fill.rng);
        user_rows.push(UserRow {
            id: user_id.clone(),
            email: format!("partner{}@{EMAIL_DOMAIN}", n + 1),
            name: format!("{first} {last}"),
            role: "partner",
            org_id: Some(id.clone()),
            org_admin: true,
            password_hash: Some(password_hash.to_owned()),
            disabled_at: None,
            created_at: created,
            updated_at: created,
        });
        let tier = if n == 0 {
            Tier::Platinum
        } else {
            pick(&mut fill.rng, &tiers)
        };
        org_rows.push(OrgRow {
            id: id.clone(),
            name_key: crate::domain::org::name_key(&name),
            name,
            tier: tier.as_str(),
            status,
            created_at: created,
            updated_at: created,
        });
        orgs.push(Org {
            id,
            user_id,
            tier,
            status,
        });
    }
    fill.summary.big_org_name = org_rows[0].name.clone();
    let mut staff = vec![
        (
            "channel".to_owned(),
            "Channel Manager".to_owned(),
            "channel",
        ),
        ("sales".to_owned(), "Direct Sales Rep".to_owned(), "sales"),
        ("admin".to_owned(), "Program Admin".to_owned(), "admin"),
    ];
    for n in 2..=REPS {
        let (first, last) = person(&mut fill.rng);
        staff.push((format!("sales{n}"), format!("{first} {last}"), "sales"));
    }
    let (mut channel_id, mut admin_id, mut reps) = (String::new(), String::new(), Vec::new());
    for (local, name, role) in staff {
        let id = fill.ids.next(&mut fill.rng);
        match role {
            "channel" => channel_id = id.clone(),
            "admin" => admin_id = id.clone(),
            _ => reps.push(Rep {
                id: id.clone(),
                name: name.clone(),
            }),
        }
        user_rows.push(UserRow {
            id,
            email: format!("{local}@{EMAIL_DOMAIN}"),
            name,
            role,
            org_id: None,
            org_admin: false,
            password_hash: Some(password_hash.to_owned()),
            disabled_at: None,
            // `generated_at` reads the admin's.
            created_at: now,
            updated_at: now,
        });
    }
    write_tx(conn, |conn| -> diesel::QueryResult<()> {
        db::insert_rows(conn, partner_orgs::table, OrgRow::COLUMNS, &org_rows)?;
        db::insert_rows(conn, users::table, UserRow::COLUMNS, &user_rows)?;
        Ok(())
    })
    .map_err(|e| explain("organisations and users", e))?;
    fill.summary.orgs = org_rows.len() as u64;
    fill.summary.users = user_rows.len() as u64;
    let active_orgs = orgs.iter().filter(|o| o.status == "active").count();
    (fill.progress)(&format!(
        "organisations: {} ({} active) and {} users ({})",
        group_count(fill.summary.orgs),
        group_count(active_orgs as u64),
        group_count(fill.summary.users),
        elapsed(fill.started.elapsed())
    ));
    Ok(People {
        orgs,
        channel_id,
        admin_id,
        reps,
    })
}
