//! Raw SQL for the set-based statements the query builder does not express (window functions,
//! `UPDATE … FROM`, rollups). Written once with `?` placeholders; [`stmt`] numbers them for
//! Postgres. Every such statement on tenant data binds the tenant id itself.

use sea_orm::{DbBackend, Statement, Value};

/// A statement for the backend: `?` placeholders become `$1, $2, …` on Postgres.
pub fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// `?, ?, ?` for `n` values.
pub fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Sets `column` of many rows of a tenant-owned table in one statement per 500 rows:
/// `UPDATE table SET column = v.value FROM (SELECT ? AS id, ? AS value UNION ALL …) v
/// WHERE table.tenant_id = ? AND table.id = v.id [AND extra]`. `cast` is the Postgres type of
/// the value (`timestamptz`, `jsonb` …); `extra` may refer to `v.value`.
pub async fn update_by_id(
    tx: &crate::scope::TenantTx,
    table: &str,
    column: &str,
    cast: &str,
    rows: Vec<(uuid::Uuid, Value)>,
    extra: Option<&str>,
) -> Result<(), sea_orm::DbErr> {
    use sea_orm::ConnectionTrait;
    let backend = tx.backend();
    for part in rows.chunks(500) {
        let row = match backend {
            DbBackend::Postgres => {
                format!("SELECT CAST(? AS uuid) AS id, CAST(? AS {cast}) AS value")
            }
            _ => "SELECT ? AS id, ? AS value".to_owned(),
        };
        let selects = vec![row; part.len()].join(" UNION ALL ");
        let extra = extra.map(|e| format!(" AND ({e})")).unwrap_or_default();
        let sql = format!(
            "UPDATE {table} SET {column} = v.value FROM ({selects}) AS v WHERE {table}.tenant_id = ? AND {table}.id = v.id{extra}"
        );
        let mut values = Vec::with_capacity(part.len() * 2 + 1);
        for (id, value) in part {
            values.push((*id).into());
            values.push(value.clone());
        }
        values.push(tx.tenant_id().into());
        tx.conn().execute_raw(stmt(backend, &sql, values)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_for_postgres() {
        let s = stmt(
            DbBackend::Postgres,
            "SELECT ? WHERE a IN (?, ?)",
            vec![1.into(), 2.into(), 3.into()],
        );
        assert_eq!(s.sql, "SELECT $1 WHERE a IN ($2, $3)");
        let s = stmt(DbBackend::Sqlite, "SELECT ?", vec![1.into()]);
        assert_eq!(s.sql, "SELECT ?");
        assert_eq!(marks(3), "?, ?, ?");
    }
}
