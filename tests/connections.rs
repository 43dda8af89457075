//! How Convene connects to PostgreSQL: without TLS on the loopback unless the URL asks for it.
//! PostgreSQL only: a SQLite file has no connection to encrypt.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::support::{Backend, TestDb};

/// Whether this connection's backend process talks TLS, as PostgreSQL reports it.
async fn uses_tls(db: &DatabaseConnection) -> bool {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .expect("pg_stat_ssl answers")
        .expect("a row for this backend");
    row.try_get("", "ssl").expect("a boolean")
}

mod loopback_goes_without_tls_unless_asked {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(test) = TestDb::new(Backend::Postgres).await else { return };
        assert!(test.url.contains("127.0.0.1") || test.url.contains("localhost"), "the test server is local");
        let plain = convene::db::connect(&test.url).await.expect("connecting");
        assert!(!uses_tls(&plain).await, "a loopback URL without sslmode connects without TLS");
        let offers_tls = plain
            .query_one_raw(Statement::from_string(plain.get_database_backend(), "SHOW ssl"))
            .await
            .expect("SHOW ssl")
            .and_then(|row| row.try_get::<String>("", "ssl").ok())
            .is_some_and(|value| value == "on");
        plain.close().await.ok();
        if offers_tls {
            let asked = convene::db::connect(&format!("{}?sslmode=require", test.url)).await.expect("connecting");
            assert!(uses_tls(&asked).await, "sslmode=require is kept on the loopback");
            asked.close().await.ok();
        }
        test.finish().await;
    }
}
