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
