//! The daily backup by the job runner (`TRUCE_BACKUPS_KEEP`) and the admin's System page
//! that shows it.

use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::spawn_app_with;

fn daily_files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with("-daily.db"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[actix_web::test]
async fn daily_backups_keep_the_last_n_and_the_system_page_shows_the_newest() {
    let app = spawn_app_with(&["--backups-keep", "2"]).await;
    app.create_user("admin@vendor.example", "admin", None, false);
    let admin = app.login("admin@vendor.example").await;
    let page = admin.get("/admin/system").await;
    assert_eq!(page.status, StatusCode::OK);
    if app.database_url.starts_with("postgres") {
        assert!(page.body.contains("pg_dump"), "{}", page.body);
        assert_eq!(app.run_jobs().await.backup, None);
        return;
    }
    assert!(page.body.contains("No backup yet"), "{}", page.body);
    assert!(page.body.contains("last 2 daily backups are kept"));

    let dir = app.data_dir.join("backups");
    let first = app
        .run_jobs()
        .await
        .backup
        .expect("the first pass backs up");
    assert!(first.exists());
    assert_eq!(app.run_jobs().await.backup, None, "once a day");
    for _ in 0..2 {
        app.advance(TimeDelta::hours(25));
        assert!(app.run_jobs().await.backup.is_some());
    }
    let kept = daily_files(&dir);
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(!first.exists(), "the oldest daily backup is removed");
    let checked = truce::db::backup::check(&dir.join(&kept[1])).unwrap();
    assert_eq!(checked.rows_of("users"), Some(1));

    let admin = app.login("admin@vendor.example").await;
    let page = admin.get("/admin/system").await;
    assert!(page.body.contains("Last backup:"), "{}", page.body);
    assert!(page.body.contains(&kept[1]));
    assert!(page.body.contains("daily"));
}

#[actix_web::test]
async fn without_the_setting_no_backup_is_made() {
    let app = spawn_app_with(&[]).await;
    assert_eq!(app.run_jobs().await.backup, None);
    assert!(daily_files(&app.data_dir.join("backups")).is_empty());
}
