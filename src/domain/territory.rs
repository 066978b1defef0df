//! Territories: which prospects a partner organisation may register, and which ones direct
//! sales keeps. A geographic territory covers countries (regions are descriptive), a vertical
//! one covers industries. Pure; `db::models::territory` stores them and `workflow::submit`
//! asks [`check`] before a registration is inserted.

use std::collections::BTreeSet;

use super::code::text_enum;
use super::errors::FieldErrors;
use super::registration::{INDUSTRIES, country_name};

text_enum! {
    pub enum Kind {
        Geographic,
        Vertical,
    }
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Geographic => "Geographic (countries)",
            Kind::Vertical => "Vertical (industries)",
        }
    }
}

text_enum! {
    /// Who may work the prospects a territory covers.
    pub enum Eligibility {
        /// Partners assigned to it may register its prospects.
        Partner,
        /// Reserved for direct sales: nobody may register its prospects.
        Direct,
        /// Assigned partners may register; direct reps work it too.
        Both,
    }
}

impl Eligibility {
    pub fn label(self) -> &'static str {
        match self {
            Eligibility::Partner => "Partner-eligible",
            Eligibility::Direct => "Direct only",
            Eligibility::Both => "Partners and direct",
        }
    }

    pub fn partners_may_register(self) -> bool {
        self != Eligibility::Direct
    }
}

text_enum! {
    /// What the program does with a registration outside the partner's territories.
    pub enum Mode {
        Block,
        /// Let it through and show the reviewer why it is outside.
        Flag,
    }
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Block => "Block registrations outside the partner's territories",
            Mode::Flag => "Flag them for the reviewer, don't block",
        }
    }
}

/// A territory as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Territory {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    /// Upper-case ISO codes (geographic).
    pub countries: Vec<String>,
    pub regions: Vec<String>,
    /// Names from [`INDUSTRIES`] (vertical).
    pub industries: Vec<String>,
    pub eligibility: Eligibility,
    pub orgs: Vec<String>,
    pub reps: Vec<String>,
    /// Deals won here earn the double credit (full partner commission and full rep credit).
    pub double_credit: bool,
}

impl Territory {
    /// Whether a prospect in `country` (ISO code) and `industry` lies in this territory.
    pub fn covers(&self, country: &str, industry: &str) -> bool {
        match self.kind {
            Kind::Geographic => self
                .countries
                .iter()
                .any(|c| c.eq_ignore_ascii_case(country)),
            Kind::Vertical => self.industries.iter().any(|i| i == industry),
        }
    }

    /// "EMEA North (DK, SE, NO)" or "Health (Healthcare, Insurance)".
    pub fn summary(&self) -> String {
        let items = match self.kind {
            Kind::Geographic => self.countries.join(", "),
            Kind::Vertical => self.industries.join(", "),
        };
        format!("{} ({items})", self.name)
    }

    pub fn assigned_to(&self, org_id: &str) -> bool {
        self.orgs.iter().any(|o| o == org_id)
    }
}

/// The countries typed in the form, as codes in the order given (each once), and what named
/// no country. Entries are separated by commas, semicolons or lines; an entry is a country's
/// name ("United Kingdom", any case) or one or more codes separated by spaces ("DK SE NO").
pub fn read_countries(typed: &str) -> (Vec<String>, Vec<String>) {
    let (mut countries, mut unknown) = (Vec::new(), Vec::new());
    let mut seen = BTreeSet::new();
    let mut add = |code: String, countries: &mut Vec<String>| {
        if seen.insert(code.clone()) {
            countries.push(code);
        }
    };
    for entry in typed
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let by_name = super::registration::countries()
            .find(|(_, name)| name.eq_ignore_ascii_case(entry))
            .map(|(code, _)| code.to_owned());
        if let Some(code) = by_name {
            add(code, &mut countries);
            continue;
        }
        for word in entry.split_whitespace() {
            let code = word.to_uppercase();
            if country_name(&code).is_some() {
                add(code, &mut countries);
            } else {
                unknown.push(word.to_owned());
            }
        }
    }
    (countries, unknown)
}

/// Where a prospect stands for one partner organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// No territory is configured: nothing is checked.
    Unrestricted,
    /// Inside one of the organisation's partner-eligible territories.
    Inside,
    /// In a direct-only territory: reserved for direct sales whoever registers it.
    DirectReserved {
        territory: String,
        field: &'static str,
    },
    /// Not in any of the organisation's territories; `message` says which, for the form.
    Outside {
        field: &'static str,
        message: String,
    },
}

/// Decides whether `org_name` (`org_id`) may register a prospect in `country` and
/// `industry`. A direct-only territory wins over a partner territory covering the same
/// prospect.
pub fn check(
    territories: &[Territory],
    org_id: &str,
    org_name: &str,
    country: &str,
    industry: &str,
) -> Decision {
    if territories.is_empty() {
        return Decision::Unrestricted;
    }
    if let Some(t) = direct_territory(territories, country, industry) {
        return Decision::DirectReserved {
            territory: t.name.clone(),
            field: match t.kind {
                Kind::Geographic => "country",
                Kind::Vertical => "industry",
            },
        };
    }
    let mine: Vec<&Territory> = territories
        .iter()
        .filter(|t| t.eligibility.partners_may_register() && t.assigned_to(org_id))
        .collect();
    if mine.iter().any(|t| t.covers(country, industry)) {
        return Decision::Inside;
    }
    let geographic = territories.iter().any(|t| t.kind == Kind::Geographic);
    let vertical = territories.iter().any(|t| t.kind == Kind::Vertical);
    let country_text = format!("{} ({country})", country_name(country).unwrap_or(country));
    let covering = match (geographic, vertical) {
        (true, true) => format!("{country_text} or the {industry} industry"),
        (false, true) => format!("the {industry} industry"),
        _ => country_text,
    };
    let yours = if mine.is_empty() {
        "none".to_owned()
    } else {
        mine.iter()
            .map(|t| t.summary())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Decision::Outside {
        field: if geographic { "country" } else { "industry" },
        message: format!(
            "{org_name} is not assigned to a territory covering {covering}. Your territories: {yours}."
        ),
    }
}

/// The first direct-only territory covering the prospect, by name.
pub fn direct_territory<'a>(
    territories: &'a [Territory],
    country: &str,
    industry: &str,
) -> Option<&'a Territory> {
    let mut direct: Vec<&Territory> = territories
        .iter()
        .filter(|t| t.eligibility == Eligibility::Direct && t.covers(country, industry))
        .collect();
    direct.sort_by(|a, b| a.name.cmp(&b.name));
    direct.into_iter().next()
}

/// What the partner is told about a direct-only territory: why, without naming anyone.
pub const DIRECT_MESSAGE: &str = "This prospect is in a territory reserved for direct sales; it cannot be registered. \
     Talk to your channel manager about working the deal with the direct team.";

/// What the partner is told before submitting (the form's "check" button), by field: the
/// same words as the refusal, or, in flag mode, that the registration will be flagged.
pub fn advice(decision: &Decision, mode: Mode) -> Option<(&'static str, String)> {
    match decision {
        Decision::DirectReserved { field, .. } => Some((field, DIRECT_MESSAGE.to_owned())),
        Decision::Outside { field, message } => Some((
            field,
            match mode {
                Mode::Block => message.clone(),
                Mode::Flag => format!(
                    "{message} You may still submit: the channel manager will see that it is outside your territories."
                ),
            },
        )),
        Decision::Unrestricted | Decision::Inside => None,
    }
}

/// A territory as the admin typed it: every field text so nothing is lost to an error.
#[derive(Debug, Clone, Default)]
pub struct TerritoryForm {
    pub name: String,
    pub kind: String,
    /// Codes separated by spaces or commas.
    pub countries: String,
    /// One per line.
    pub regions: String,
    pub industries: Vec<String>,
    pub eligibility: String,
    pub orgs: Vec<String>,
    pub reps: Vec<String>,
    /// The checkbox: "yes" when ticked.
    pub double_credit: String,
}

/// A validated territory, ready to store (the id is the caller's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerritoryFields {
    pub name: String,
    pub name_key: String,
    pub kind: Kind,
    pub countries: Vec<String>,
    pub regions: Vec<String>,
    pub industries: Vec<String>,
    pub eligibility: Eligibility,
    pub orgs: Vec<String>,
    pub reps: Vec<String>,
    pub double_credit: bool,
}

impl TerritoryFields {
    pub fn into_territory(self, id: String) -> Territory {
        Territory {
            id,
            name: self.name,
            kind: self.kind,
            countries: self.countries,
            regions: self.regions,
            industries: self.industries,
            eligibility: self.eligibility,
            orgs: self.orgs,
            reps: self.reps,
            double_credit: self.double_credit,
        }
    }
}

pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Validates the form; `known_orgs` and `known_reps` are the ids that may be assigned.
pub fn validate(
    form: &TerritoryForm,
    known_orgs: &[String],
    known_reps: &[String],
) -> Result<TerritoryFields, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() < 2 || name.chars().count() > 100 {
        errors.add("name", "Enter the territory's name (2 to 100 characters).");
    }
    let kind = Kind::parse(form.kind.trim());
    if kind.is_none() {
        errors.add("kind", "Choose geographic or vertical.");
    }
    let eligibility = Eligibility::parse(form.eligibility.trim());
    if eligibility.is_none() {
        errors.add("eligibility", "Choose who may work this territory.");
    }
    let (countries, unknown) = read_countries(&form.countries);
    if !unknown.is_empty() {
        errors.add(
            "countries",
            format!(
                "Not countries: {}. Give names (Denmark, United Kingdom) or two-letter codes \
                 (DK, GB), separated by commas.",
                unknown.join(", ")
            ),
        );
    }
    let regions: Vec<String> = form
        .regions
        .lines()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect();
    let mut industries = Vec::new();
    for i in &form.industries {
        if !INDUSTRIES.contains(&i.as_str()) {
            errors.add("industries", "Choose industries from the list.");
        } else if !industries.contains(i) {
            industries.push(i.clone());
        }
    }
    match kind {
        Some(Kind::Geographic) if countries.is_empty() && unknown.is_empty() => {
            errors.add(
                "countries",
                "A geographic territory needs at least one country code.",
            );
        }
        Some(Kind::Vertical) if industries.is_empty() => {
            errors.add(
                "industries",
                "A vertical territory needs at least one industry.",
            );
        }
        _ => {}
    }
    let pick = |chosen: &[String], known: &[String]| -> Option<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for c in chosen {
            if !known.contains(c) {
                return None;
            }
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
        Some(out)
    };
    let orgs = pick(&form.orgs, known_orgs).unwrap_or_else(|| {
        errors.add("orgs", "Choose partner organisations from the list.");
        Vec::new()
    });
    let reps = pick(&form.reps, known_reps).unwrap_or_else(|| {
        errors.add("reps", "Choose sales reps from the list.");
        Vec::new()
    });
    if eligibility == Some(Eligibility::Direct) && !orgs.is_empty() {
        errors.add(
            "orgs",
            "A direct-only territory cannot have partner organisations assigned.",
        );
    }
    match (kind, eligibility) {
        (Some(kind), Some(eligibility)) if errors.is_empty() => Ok(TerritoryFields {
            name_key: name_key(&name),
            name,
            kind,
            // A territory keeps only the list its kind uses.
            countries: if kind == Kind::Geographic {
                countries
            } else {
                Vec::new()
            },
            regions: if kind == Kind::Geographic {
                regions
            } else {
                Vec::new()
            },
            industries: if kind == Kind::Vertical {
                industries
            } else {
                Vec::new()
            },
            eligibility,
            orgs,
            reps,
            double_credit: form.double_credit == "yes",
        }),
        _ => Err(errors),
    }
}

/// An active registration as the preview counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveRegistration {
    pub org_id: String,
    pub org_name: String,
    pub country: String,
    pub industry: String,
}

/// What saving a territory change would affect. Past decisions are never rewritten: these
/// are the active registrations the new rules would not have allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    /// Active registrations outside their organisation's territories after the change.
    pub outside: usize,
    /// ... of which were inside before it.
    pub newly_outside: usize,
    /// Active registrations in a direct-only territory after the change.
    pub direct: usize,
    /// ... of which were not before it.
    pub newly_direct: usize,
    /// CRM accounts the changed territory covers.
    pub accounts: usize,
    /// Sales reps assigned to the changed territory.
    pub reps: usize,
}

/// Counts what replacing the territories `before` with `after` would affect.
/// `accounts` are the CRM accounts' (country, industry); `changed` is the territory as it
/// would be saved.
pub fn preview(
    before: &[Territory],
    after: &[Territory],
    changed: &Territory,
    registrations: &[ActiveRegistration],
    accounts: &[(Option<String>, Option<String>)],
) -> Preview {
    let mut p = Preview {
        reps: changed.reps.len(),
        accounts: accounts
            .iter()
            .filter(|(c, i)| changed.covers(c.as_deref().unwrap_or(""), i.as_deref().unwrap_or("")))
            .count(),
        ..Preview::default()
    };
    for r in registrations {
        let was = check(before, &r.org_id, &r.org_name, &r.country, &r.industry);
        let will = check(after, &r.org_id, &r.org_name, &r.country, &r.industry);
        match will {
            Decision::Outside { .. } => {
                p.outside += 1;
                if !matches!(was, Decision::Outside { .. }) {
                    p.newly_outside += 1;
                }
            }
            Decision::DirectReserved { .. } => {
                p.direct += 1;
                if !matches!(was, Decision::DirectReserved { .. }) {
                    p.newly_direct += 1;
                }
            }
            _ => {}
        }
    }
    p
}

/// The territories after saving `changed` (a new one, or a replacement of the one with its
/// id).
pub fn with_change(territories: &[Territory], changed: &Territory) -> Vec<Territory> {
    let mut out: Vec<Territory> = territories
        .iter()
        .filter(|t| t.id != changed.id)
        .cloned()
        .collect();
    out.push(changed.clone());
    out
}

/// Whether a rep is assigned to a territory covering the prospect; also true when no
/// territory covers it (there is nothing to be assigned to). A rep asking to assist outside
/// their territories is warned, not stopped.
pub fn rep_covers(territories: &[Territory], rep_id: &str, country: &str, industry: &str) -> bool {
    let mut covering = territories
        .iter()
        .filter(|t| t.covers(country, industry))
        .peekable();
    covering.peek().is_none() || covering.any(|t| t.reps.iter().any(|r| r == rep_id))
}

/// The territories' double-credit switch for a deal in `country` and `industry`: `None` when
/// no territory covers it, else whether any covering territory turns the model on.
pub fn double_credit_switch(
    territories: &[Territory],
    country: &str,
    industry: &str,
) -> Option<bool> {
    let mut covering = territories
        .iter()
        .filter(|t| t.covers(country, industry))
        .peekable();
    covering.peek()?;
    Some(covering.any(|t| t.double_credit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rep_is_covered_by_an_assigned_territory_or_where_none_applies() {
        let mut nordics = geo("t1", "Nordics", &["DK", "SE"], Eligibility::Both, &[]);
        nordics.reps = vec!["rep1".into()];
        let health = vertical("t2", "Health", &["Healthcare"], Eligibility::Both);
        let all = [nordics, health];
        assert!(rep_covers(&all, "rep1", "DK", "Retail"));
        assert!(!rep_covers(&all, "rep2", "DK", "Retail"));
        // Healthcare in Sweden: covered by Nordics (rep1) and Health (nobody).
        assert!(rep_covers(&all, "rep1", "SE", "Healthcare"));
        assert!(!rep_covers(&all, "rep2", "SE", "Healthcare"));
        // No territory covers Germany in retail: nothing to warn about.
        assert!(rep_covers(&all, "rep2", "DE", "Retail"));
        assert!(rep_covers(&[], "rep2", "DK", "Retail"));
    }

    #[test]
    fn any_covering_territory_can_switch_on_double_credit() {
        let mut nordics = geo("t1", "Nordics", &["DK"], Eligibility::Both, &[]);
        let health = vertical("t2", "Health", &["Healthcare"], Eligibility::Both);
        assert_eq!(
            double_credit_switch(&[nordics.clone(), health.clone()], "DE", "Retail"),
            None
        );
        assert_eq!(
            double_credit_switch(&[nordics.clone(), health.clone()], "DK", "Healthcare"),
            Some(false)
        );
        nordics.double_credit = true;
        assert_eq!(
            double_credit_switch(&[nordics.clone(), health.clone()], "DK", "Healthcare"),
            Some(true)
        );
        assert_eq!(
            double_credit_switch(&[nordics, health], "FI", "Healthcare"),
            Some(false)
        );
    }

    fn geo(id: &str, name: &str, countries: &[&str], e: Eligibility, orgs: &[&str]) -> Territory {
        Territory {
            id: id.into(),
            name: name.into(),
            kind: Kind::Geographic,
            countries: countries.iter().map(|c| (*c).into()).collect(),
            regions: vec![],
            industries: vec![],
            eligibility: e,
            orgs: orgs.iter().map(|c| (*c).into()).collect(),
            reps: vec![],
            double_credit: false,
        }
    }

    fn vertical(id: &str, name: &str, industries: &[&str], e: Eligibility) -> Territory {
        Territory {
            id: id.into(),
            name: name.into(),
            kind: Kind::Vertical,
            countries: vec![],
            regions: vec![],
            industries: industries.iter().map(|c| (*c).into()).collect(),
            eligibility: e,
            orgs: vec![],
            reps: vec![],
            double_credit: false,
        }
    }

    fn nordics() -> Territory {
        geo(
            "t1",
            "EMEA North",
            &["DK", "SE", "NO"],
            Eligibility::Partner,
            &["alpha"],
        )
    }

    #[test]
    fn no_territories_means_no_check() {
        assert_eq!(
            check(&[], "alpha", "Alpha Partners", "DE", "Retail"),
            Decision::Unrestricted
        );
    }

    #[test]
    fn a_prospect_in_the_orgs_territory_is_inside() {
        assert_eq!(
            check(&[nordics()], "alpha", "Alpha Partners", "SE", "Retail"),
            Decision::Inside
        );
    }

    #[test]
    fn outside_names_the_country_and_the_orgs_territories() {
        assert_eq!(
            check(&[nordics()], "alpha", "Alpha Partners", "DE", "Retail"),
            Decision::Outside {
                field: "country",
                message: "Alpha Partners is not assigned to a territory covering Germany (DE). \
                          Your territories: EMEA North (DK, SE, NO)."
                    .into()
            }
        );
    }

    #[test]
    fn an_org_without_territories_is_told_it_has_none() {
        let Decision::Outside { message, .. } =
            check(&[nordics()], "beta", "Beta Ltd", "SE", "Retail")
        else {
            panic!("expected outside");
        };
        assert!(message.ends_with("Your territories: none."), "{message}");
    }

    #[test]
    fn a_vertical_territory_covers_by_industry() {
        let mut health = vertical("t2", "Health", &["Healthcare"], Eligibility::Both);
        health.orgs = vec!["alpha".into()];
        let ts = [nordics(), health];
        assert_eq!(
            check(&ts, "alpha", "Alpha", "DE", "Healthcare"),
            Decision::Inside
        );
        let Decision::Outside { field, message } = check(&ts, "alpha", "Alpha", "DE", "Retail")
        else {
            panic!("expected outside");
        };
        assert_eq!(field, "country");
        assert!(
            message.contains("covering Germany (DE) or the Retail industry"),
            "{message}"
        );
        assert!(message.contains("Health (Healthcare)"), "{message}");
    }

    #[test]
    fn only_vertical_territories_put_the_message_next_to_industry() {
        let mut health = vertical("t2", "Health", &["Healthcare"], Eligibility::Partner);
        health.orgs = vec!["alpha".into()];
        let Decision::Outside { field, message } =
            check(&[health], "alpha", "Alpha", "DE", "Retail")
        else {
            panic!("expected outside");
        };
        assert_eq!(field, "industry");
        assert!(
            message.contains("covering the Retail industry"),
            "{message}"
        );
    }

    #[test]
    fn a_direct_only_territory_wins_over_a_partner_one() {
        let direct = geo("t3", "Nordic Direct", &["SE"], Eligibility::Direct, &[]);
        assert_eq!(
            check(&[nordics(), direct], "alpha", "Alpha", "SE", "Retail"),
            Decision::DirectReserved {
                territory: "Nordic Direct".into(),
                field: "country",
            }
        );
    }

    #[test]
    fn an_unassigned_or_direct_territory_does_not_let_a_partner_in() {
        let other = geo("t4", "DACH", &["DE"], Eligibility::Partner, &["beta"]);
        assert!(matches!(
            check(&[nordics(), other], "alpha", "Alpha", "DE", "Retail"),
            Decision::Outside { .. }
        ));
    }

    #[test]
    fn advice_before_submitting_follows_the_mode() {
        let outside = check(&[nordics()], "alpha", "Alpha", "DE", "Retail");
        let (field, text) = advice(&outside, Mode::Block).unwrap();
        assert_eq!(field, "country");
        assert!(!text.contains("You may still submit"));
        let (_, text) = advice(&outside, Mode::Flag).unwrap();
        assert!(text.ends_with("outside your territories."), "{text}");
        assert_eq!(advice(&Decision::Inside, Mode::Block), None);
    }

    #[test]
    fn the_form_is_validated_field_by_field() {
        let form = TerritoryForm {
            name: " ".into(),
            kind: "geographic".into(),
            countries: "dk, XX se".into(),
            eligibility: "nope".into(),
            orgs: vec!["ghost".into()],
            ..TerritoryForm::default()
        };
        let errors = validate(&form, &["alpha".into()], &[]).unwrap_err();
        assert!(errors.get("name").is_some());
        assert!(errors.get("countries").unwrap().contains("XX"));
        assert!(errors.get("eligibility").is_some());
        assert!(errors.get("orgs").is_some());
    }

    #[test]
    fn countries_are_read_by_name_or_by_code() {
        let (codes, unknown) = read_countries("dk se, United Kingdom; germany\nNO, DK");
        assert_eq!(codes, ["DK", "SE", "GB", "DE", "NO"]);
        assert!(unknown.is_empty());
        let (codes, unknown) = read_countries("Atlantis, FR XX");
        assert_eq!(codes, ["FR"]);
        assert_eq!(unknown, ["Atlantis", "XX"]);
    }

    #[test]
    fn a_valid_form_normalises_codes_and_keeps_only_its_kinds_list() {
        let form = TerritoryForm {
            name: "  EMEA   North ".into(),
            kind: "geographic".into(),
            countries: "dk, se;no dk".into(),
            regions: "Scandinavia\n\n".into(),
            industries: vec!["Retail".into()],
            eligibility: "partner".into(),
            orgs: vec!["alpha".into()],
            reps: vec![],
            double_credit: "yes".into(),
        };
        let f = validate(&form, &["alpha".into()], &[]).unwrap();
        assert!(f.double_credit);
        assert_eq!(f.name, "EMEA North");
        assert_eq!(f.name_key, "emea north");
        assert_eq!(f.countries, ["DK", "SE", "NO"]);
        assert_eq!(f.regions, ["Scandinavia"]);
        assert!(f.industries.is_empty());
    }

    #[test]
    fn direct_only_territories_take_no_partners() {
        let form = TerritoryForm {
            name: "Direct".into(),
            kind: "vertical".into(),
            industries: vec!["Government".into()],
            eligibility: "direct".into(),
            orgs: vec!["alpha".into()],
            ..TerritoryForm::default()
        };
        let errors = validate(&form, &["alpha".into()], &[]).unwrap_err();
        assert!(errors.get("orgs").is_some());
    }

    #[test]
    fn the_preview_counts_what_the_change_affects() {
        let before = vec![nordics()];
        let mut changed = nordics();
        changed.countries = vec!["DK".into()];
        changed.reps = vec!["rep1".into(), "rep2".into()];
        let direct = geo("t5", "Norway Direct", &["NO"], Eligibility::Direct, &[]);
        let after = with_change(&with_change(&before, &direct), &changed);
        let reg = |country: &str| ActiveRegistration {
            org_id: "alpha".into(),
            org_name: "Alpha".into(),
            country: country.into(),
            industry: "Retail".into(),
        };
        let regs = [reg("DK"), reg("SE"), reg("NO"), reg("DE")];
        let accounts = [
            (Some("DK".into()), None),
            (Some("SE".into()), Some("Retail".into())),
            (None, None),
        ];
        let p = preview(&before, &after, &changed, &regs, &accounts);
        assert_eq!(
            p,
            Preview {
                outside: 2,
                newly_outside: 1,
                direct: 1,
                newly_direct: 1,
                accounts: 1,
                reps: 2,
            }
        );
    }
}
