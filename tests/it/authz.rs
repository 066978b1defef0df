//! Every route × every role, with the expected outcome written down for each cell.

use reqwest::StatusCode;
use truce::clock::Clock;

use crate::helpers::{Page, TestClient, spawn_app};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Sent to sign in.
    Login,
    /// 403.
    Deny,
    /// Served, with this status.
    Ok(u16),
}
use Expect::{Deny, Login, Ok};

/// Columns: signed out, partner, partner org admin, sales, channel, admin.
const WHO: [&str; 6] = [
    "anonymous",
    "partner",
    "org admin",
    "sales",
    "channel",
    "admin",
];

fn check(page: &Page, expect: Expect, who: &str, route: &str) {
    let ok = match expect {
        Login => page.is_login_redirect(),
        Deny => page.status == StatusCode::FORBIDDEN,
        Ok(code) => page.status.as_u16() == code,
    };
    assert!(
        ok,
        "{route} as {who}: expected {expect:?}, got {} {:?}",
        page.status, page.location
    );
}

#[actix_web::test]
async fn every_route_serves_exactly_the_roles_it_names() {
    let app = spawn_app().await;
    let org_a = app.create_org("Org A");
    let org_b = app.create_org("Org B");
    app.create_user("partner@a.example", "partner", Some(&org_a), false);
    app.create_user("boss@a.example", "partner", Some(&org_a), true);
    app.create_user("sales@example.com", "sales", None, false);
    app.create_user("channel@example.com", "channel", None, false);
    let admin = app.create_user("admin@example.com", "admin", None, false);
    let run = truce::ids::new_id();
    truce::db::models::import_run::insert(
        &mut app.conn(),
        &truce::db::models::import_run::NewRun {
            id: &run,
            started_by: &admin,
            file_name: "accounts.csv",
            dry_run: true,
        },
        app.clock.naive_now(),
    )
    .unwrap();
    // A territory nobody is assigned to: Antarctica only, so no other row is affected.
    let territory = truce::ids::new_id();
    truce::db::models::territory::insert(
        &mut app.conn(),
        &territory,
        &truce::domain::territory::TerritoryFields {
            name: "Antarctica".into(),
            name_key: "antarctica".into(),
            kind: truce::domain::territory::Kind::Geographic,
            countries: vec!["AQ".into()],
            regions: vec![],
            industries: vec![],
            eligibility: truce::domain::territory::Eligibility::Partner,
            orgs: vec![],
            reps: vec![],
            double_credit: false,
        },
        &admin,
        app.clock.naive_now(),
    )
    .unwrap();
    // A webhook endpoint, its secret sealed with a key of the test's own.
    let hook = truce::ids::new_id();
    truce::db::models::webhook::insert_endpoint(
        &mut app.conn(),
        &hook,
        &truce::domain::webhook::EndpointFields {
            url: "https://crm.example.com/hook".into(),
            description: String::new(),
            event_types: vec!["registration.approved".into()],
        },
        "not opened in this test",
        app.clock.naive_now(),
    )
    .unwrap();
    let partner_b = app.create_user("partner@b.example", "partner", Some(&org_b), false);
    let target = app.create_user("target@example.com", "sales", None, false);

    let clients: Vec<TestClient> = vec![
        app.client(),
        app.login("partner@a.example").await,
        app.login("boss@a.example").await,
        app.login("sales@example.com").await,
        app.login("channel@example.com").await,
        app.login("admin@example.com").await,
    ];

    let gets: Vec<(String, [Expect; 6])> = vec![
        (
            "/partner".into(),
            [Login, Ok(200), Ok(200), Deny, Deny, Deny],
        ),
        (
            "/partner/deals.csv".into(),
            [Login, Ok(200), Ok(200), Deny, Deny, Deny],
        ),
        (
            "/partner/deals.csv?status=approved&sort=company".into(),
            [Login, Ok(200), Ok(200), Deny, Deny, Deny],
        ),
        ("/sales".into(), [Login, Deny, Deny, Ok(200), Deny, Ok(200)]),
        (
            "/sales?q=Acme".into(),
            [Login, Deny, Deny, Ok(200), Deny, Ok(200)],
        ),
        (
            "/sales/accounts/no-such-account".into(),
            [Login, Deny, Deny, Ok(404), Deny, Ok(404)],
        ),
        (
            "/account/tokens".into(),
            [Login, Deny, Deny, Ok(200), Ok(200), Ok(200)],
        ),
        (
            "/review".into(),
            [Login, Deny, Deny, Deny, Ok(200), Ok(200)],
        ),
        (
            "/review/queue.csv".into(),
            [Login, Deny, Deny, Deny, Ok(200), Ok(200)],
        ),
        (
            "/review/registrations".into(),
            [Login, Deny, Deny, Deny, Ok(200), Ok(200)],
        ),
        (
            "/review/registrations.csv?status=pending&sort=oldest".into(),
            [Login, Deny, Deny, Deny, Ok(200), Ok(200)],
        ),
        (
            "/review/no-such-registration".into(),
            [Login, Deny, Deny, Deny, Ok(404), Ok(404)],
        ),
        (
            "/partner/deals/new".into(),
            [Login, Ok(200), Ok(200), Deny, Deny, Deny],
        ),
        (
            "/partner/deals/availability?company_name=Acme".into(),
            [Login, Ok(200), Ok(200), Deny, Deny, Deny],
        ),
        (
            "/partner/deals/no-such-registration".into(),
            [Login, Ok(404), Ok(404), Deny, Deny, Deny],
        ),
        (
            "/admin/policy".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        ("/admin".into(), [Login, Deny, Deny, Deny, Deny, Ok(200)]),
        (
            "/dashboard".into(),
            [Login, Deny, Deny, Deny, Ok(200), Ok(200)],
        ),
        (
            "/dashboard?days=365&segment=smb".into(),
            [Login, Deny, Deny, Deny, Ok(200), Ok(200)],
        ),
        (
            "/dashboard.csv?days=30".into(),
            [Login, Deny, Deny, Deny, Ok(200), Ok(200)],
        ),
        (
            "/admin/roe/knowledge".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            format!("/dashboard/partners/{org_a}"),
            [Login, Deny, Deny, Deny, Ok(200), Ok(200)],
        ),
        (
            "/dashboard/partners/no-such-org".into(),
            [Login, Deny, Deny, Deny, Ok(404), Ok(404)],
        ),
        (
            "/admin/orgs".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/accounts".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/orgs.csv".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/orgs/new".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/territories".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/territories/new".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            format!("/admin/territories/{territory}/edit"),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/territories/no-such-territory/edit".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(404)],
        ),
        (
            format!("/admin/orgs/{org_b}/edit"),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/users".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/users.csv".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/users/new".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/outbox".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/system".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/webhooks".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/webhooks/new".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            format!("/admin/webhooks/{hook}"),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/webhooks/no-such-endpoint".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(404)],
        ),
        (
            "/admin/audit".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/audit?actor=admin&action=signed_in&record=x&from=2026-01-01&to=2099-12-31&after=9"
                .into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/audit.csv".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/audit.csv?action=role_changed".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/accounts/import".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            format!("/admin/accounts/import/runs/{run}"),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/accounts/import/runs/no-such-run".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(404)],
        ),
        (
            "/roe".into(),
            [Login, Ok(200), Ok(200), Ok(200), Deny, Deny],
        ),
        (
            "/roe/recheck".into(),
            [Login, Ok(200), Ok(200), Ok(200), Deny, Deny],
        ),
        (
            "/admin/roe".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/roe/acknowledgements".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/roe/acknowledgements.csv".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/roe/knowledge.csv".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/roe/versions/1".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(404)],
        ),
        (
            "/partner/disputes".into(),
            [Login, Ok(200), Ok(200), Deny, Deny, Deny],
        ),
        (
            "/partner/disputes/no-such-dispute".into(),
            [Login, Ok(404), Ok(404), Deny, Deny, Deny],
        ),
        (
            "/partner/deals/no-such-registration/dispute".into(),
            [Login, Ok(404), Ok(404), Deny, Deny, Deny],
        ),
        (
            "/sales/disputes".into(),
            [Login, Deny, Deny, Ok(200), Deny, Deny],
        ),
        (
            "/sales/disputes/no-such-dispute".into(),
            [Login, Deny, Deny, Ok(404), Deny, Deny],
        ),
        (
            "/sales/registrations/no-such-registration/dispute".into(),
            [Login, Deny, Deny, Ok(404), Deny, Deny],
        ),
        (
            "/review/disputes".into(),
            [Login, Deny, Deny, Deny, Ok(200), Ok(200)],
        ),
        (
            "/review/disputes.csv".into(),
            [Login, Deny, Deny, Deny, Ok(200), Ok(200)],
        ),
        (
            "/review/disputes/rulings?q=territory&outcome=split".into(),
            [Login, Deny, Deny, Deny, Ok(200), Ok(200)],
        ),
        (
            "/review/disputes/rulings.csv?q=territory&outcome=split".into(),
            [Login, Deny, Deny, Deny, Ok(200), Ok(200)],
        ),
        (
            "/review/disputes/no-such-dispute".into(),
            [Login, Deny, Deny, Deny, Ok(404), Ok(404)],
        ),
        (
            "/admin/compensation".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/credits".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/admin/credits.csv".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/partner/earnings".into(),
            [Login, Ok(200), Ok(200), Deny, Deny, Deny],
        ),
        (
            "/sales/credits".into(),
            [Login, Deny, Deny, Ok(200), Deny, Deny],
        ),
        (
            "/sales/registrations/no-such-registration/assist".into(),
            [Login, Deny, Deny, Ok(404), Deny, Deny],
        ),
        ("/password/forgot".into(), [Ok(200); 6]),
        (
            format!("/admin/users/{partner_b}"),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            "/org/users".into(),
            [Login, Deny, Ok(200), Deny, Deny, Deny],
        ),
        (
            "/org/users/new".into(),
            [Login, Deny, Ok(200), Deny, Deny, Deny],
        ),
        (
            "/account/password".into(),
            [Login, Ok(200), Ok(200), Ok(200), Ok(200), Ok(200)],
        ),
        (
            "/account/two-step".into(),
            [Login, Ok(200), Ok(200), Ok(200), Ok(200), Ok(200)],
        ),
        (
            "/account/two-step/setup".into(),
            [Login, Ok(200), Ok(200), Ok(200), Ok(200), Ok(200)],
        ),
        // The second step of a sign-in: only a session whose password was just accepted
        // has one; everyone else is sent to the password (and on home from there).
        ("/login/code".into(), [Login; 6]),
        ("/login/recovery".into(), [Login; 6]),
        (
            "/login".into(),
            [Ok(200), Ok(303), Ok(303), Ok(303), Ok(303), Ok(303)],
        ),
        // Company sign-in: for anyone, when it is configured (tests/it/oidc.rs); off here.
        ("/login/sso".into(), [Ok(404); 6]),
        ("/login/sso/callback?code=x&state=y".into(), [Ok(404); 6]),
        ("/healthz".into(), [Ok(200); 6]),
        ("/readyz".into(), [Ok(200); 6]),
        ("/static/app.css".into(), [Ok(200); 6]),
        ("/favicon.ico".into(), [Ok(200); 6]),
        ("/no/such/page".into(), [Ok(404); 6]),
    ];
    for (route, row) in &gets {
        for (i, client) in clients.iter().enumerate() {
            check(&client.get(route).await, row[i], WHO[i], route);
        }
    }

    // State-changing routes, posted with a valid CSRF token and an empty form: allowed roles
    // get the form back with errors (422) or the action done; the others get 403.
    let posts: Vec<(String, [Expect; 6])> = vec![
        (
            "/admin/orgs".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(422)],
        ),
        (
            format!("/admin/orgs/{org_b}"),
            [Login, Deny, Deny, Deny, Deny, Ok(422)],
        ),
        (
            "/admin/territories".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(422)],
        ),
        (
            format!("/admin/territories/{territory}"),
            [Login, Deny, Deny, Deny, Deny, Ok(422)],
        ),
        (
            "/admin/territories/no-such-territory".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(404)],
        ),
        (
            "/admin/territories/mode".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(422)],
        ),
        (
            "/admin/users".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(422)],
        ),
        (
            format!("/admin/users/{partner_b}"),
            [Login, Deny, Deny, Deny, Deny, Ok(422)],
        ),
        (
            format!("/admin/users/{target}/reset-password"),
            [Login, Deny, Deny, Deny, Deny, Ok(303)],
        ),
        (
            "/admin/outbox/no-such-email/retry".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(404)],
        ),
        (
            // An empty form: the messages say what to fill in.
            "/admin/webhooks".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(422)],
        ),
        (
            format!("/admin/webhooks/{hook}"),
            [Login, Deny, Deny, Deny, Deny, Ok(422)],
        ),
        (
            format!("/admin/webhooks/{hook}/rotate"),
            [Login, Deny, Deny, Deny, Deny, Ok(200)],
        ),
        (
            format!("/admin/webhooks/{hook}/deliveries/no-such-delivery/redeliver"),
            [Login, Deny, Deny, Deny, Deny, Ok(404)],
        ),
        (
            "/admin/webhooks/no-such-endpoint/rotate".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(404)],
        ),
        (
            // Uploads are multipart; a plain form is told to use the page's upload form.
            "/admin/accounts/import".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(415)],
        ),
        (
            "/admin/accounts/import/no-such-upload".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(404)],
        ),
        (
            format!("/admin/users/{target}/enable"),
            [Login, Deny, Deny, Deny, Deny, Ok(303)],
        ),
        (
            format!("/admin/users/{target}/two-step/off"),
            [Login, Deny, Deny, Deny, Deny, Ok(303)],
        ),
        (
            "/org/users".into(),
            [Login, Deny, Ok(422), Deny, Deny, Deny],
        ),
        (
            "/account/password".into(),
            [Login, Ok(422), Ok(422), Ok(422), Ok(422), Ok(422)],
        ),
        (
            "/account/two-step/setup".into(),
            [Login, Ok(422), Ok(422), Ok(422), Ok(422), Ok(422)],
        ),
        (
            "/account/two-step/recovery-codes".into(),
            [Login, Ok(422), Ok(422), Ok(422), Ok(422), Ok(422)],
        ),
        (
            "/account/two-step/off".into(),
            [Login, Ok(422), Ok(422), Ok(422), Ok(422), Ok(422)],
        ),
        ("/login/code".into(), [Login; 6]),
        ("/login/recovery".into(), [Login; 6]),
        (
            "/partner/deals".into(),
            [Login, Ok(422), Ok(422), Deny, Deny, Deny],
        ),
        (
            "/partner/deals/no-such-registration/withdraw".into(),
            [Login, Ok(404), Ok(404), Deny, Deny, Deny],
        ),
        (
            "/review/no-such-registration/approve".into(),
            [Login, Deny, Deny, Deny, Ok(404), Ok(404)],
        ),
        (
            "/review/no-such-registration/matches".into(),
            [Login, Deny, Deny, Deny, Ok(404), Ok(404)],
        ),
        (
            "/review/no-such-registration/shared/decline".into(),
            [Login, Deny, Deny, Deny, Ok(404), Ok(404)],
        ),
        (
            "/review/no-such-registration/shared/keep".into(),
            [Login, Deny, Deny, Deny, Ok(404), Ok(404)],
        ),
        (
            "/admin/policy".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(422)],
        ),
        (
            "/partner/deals/no-such-registration/dispute".into(),
            [Login, Ok(404), Ok(404), Deny, Deny, Deny],
        ),
        (
            "/sales/registrations/no-such-registration/dispute".into(),
            [Login, Deny, Deny, Ok(404), Deny, Deny],
        ),
        (
            "/review/disputes/no-such-dispute/resolve".into(),
            [Login, Deny, Deny, Deny, Ok(404), Ok(404)],
        ),
        (
            // No version in the form: refused as a bad request.
            "/roe".into(),
            [Login, Ok(400), Ok(400), Ok(400), Deny, Deny],
        ),
        (
            "/roe/recheck".into(),
            [Login, Ok(422), Ok(422), Ok(422), Deny, Deny],
        ),
        (
            "/admin/roe".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(422)],
        ),
        (
            "/admin/compensation".into(),
            [Login, Deny, Deny, Deny, Deny, Ok(422)],
        ),
        (
            "/sales/registrations/no-such-registration/assist".into(),
            [Login, Deny, Deny, Ok(404), Deny, Deny],
        ),
        (
            "/partner/deals/no-such-registration/assists/no-such-assist/accept".into(),
            [Login, Ok(404), Ok(404), Deny, Deny, Deny],
        ),
        (
            "/partner/deals/no-such-registration/assists/no-such-assist/decline".into(),
            [Login, Ok(404), Ok(404), Deny, Deny, Deny],
        ),
        (
            "/review/no-such-registration/assists".into(),
            [Login, Deny, Deny, Deny, Ok(404), Ok(404)],
        ),
    ];
    for (route, row) in &posts {
        for (i, client) in clients.iter().enumerate() {
            let token = client.get("/login").await.csrf_or_layout(client).await;
            let page = client.post_raw(route, &[("csrf_token", &token)]).await;
            check(&page, row[i], WHO[i], route);
        }
    }

    // Disabling last, since it ends the target's sessions.
    let route = format!("/admin/users/{target}/disable");
    let row = [Login, Deny, Deny, Deny, Deny, Ok(303)];
    for (i, client) in clients.iter().enumerate() {
        let token = client.get("/login").await.csrf_or_layout(client).await;
        check(
            &client.post_raw(&route, &[("csrf_token", &token)]).await,
            row[i],
            WHO[i],
            &route,
        );
    }
    assert!(
        app.find_user("target@example.com")
            .unwrap()
            .disabled_at
            .is_some()
    );
    assert!(
        app.find_user("partner@b.example")
            .unwrap()
            .disabled_at
            .is_none()
    );
}

impl Page {
    /// The CSRF token of the client's session: from the sign-in page when signed out, or
    /// from the account page (every signed-in page carries it in the sign-out form).
    async fn csrf_or_layout(&self, client: &TestClient) -> String {
        match crate::helpers::csrf_in(&self.body) {
            Some(token) => token,
            None => client.get("/account/password").await.csrf(),
        }
    }
}

#[actix_web::test]
async fn refusals_and_missing_pages_keep_the_signed_in_header() {
    let app = spawn_app().await;
    app.partner("Alpha Partners", "ann@alpha.example");
    let ann = app.login("ann@alpha.example").await;
    for (path, status) in [
        ("/admin", StatusCode::FORBIDDEN),
        ("/no/such/page", StatusCode::NOT_FOUND),
    ] {
        let page = ann.get(path).await;
        assert_eq!(page.status, status, "{path}");
        let body = &page.body;
        assert!(body.contains("<nav aria-label=\"Main\">"), "{path}: {body}");
        assert!(
            body.contains("href=\"/partner\"") && body.contains("Alpha Partners"),
            "{path}: the partner's own navigation and organisation: {body}"
        );
        assert!(!body.contains("sign in as someone else"), "{path}");
    }
    // Signed out, the same pages are the plain error page (no one to show).
    let anonymous = app.client();
    let page = anonymous.get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("href=\"/partner\""));
}
