//! Group rules as data, in three levels: conventions (nickname pattern, no ads), behaviour
//! (keyword lists, message rate) and rewards and sanctions (points). Each rule has a check
//! (`kind` + `params`) and an action (`action` + `action_params`); ingestion evaluates the
//! enabled rules of a group on every incoming event (`crate::ingest`).
//!
//! | kind | params | watches |
//! |---|---|---|
//! | `NICKNAME_PATTERN` | `{"pattern": "城市-姓名-行业"}` | a joining member's nickname has as many `-`-separated parts as the pattern |
//! | `KEYWORDS` | `{"lists": [id…]}` (absent: every list) | message text against the tenant's keyword lists |
//! | `NO_LINKS` / `NO_PHONE_NUMBERS` | `{}` | links / phone numbers in a message |
//! | `NO_QR_CODES` / `NO_CONTACT_CARDS` | `{}` | messages the event marks as QR code / contact card |
//! | `RATE_LIMIT` | `{"maxMessages": 10, "perSeconds": 60}` | a member's message rate in the group |
//! | `MESSAGE_POINTS` | `{}` | a member's first message of each local day |
//!
//! | action | action_params | does |
//! |---|---|---|
//! | `FLAG` | `{}` | opens a moderation case |
//! | `WARN` / `REMOVE` | `{}` | case + an outbound action for the connector |
//! | `MUTE` | `{"minutes": 30}` | case + outbound mute; the membership shows `mutedUntil` |
//! | `BLACKLIST` | `{}` | case + the member is blacklisted in every group + outbound removal |
//! | `POINTS` | `{"points": 1}` (negative deducts) | a points-ledger entry, no case |

use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use qunyun_entity::{GroupKind, RuleAction, RuleKind, RuleLevel, group_rules, groups};

use crate::ids::{new_id, now};
use crate::scope::{TenantTx, expect_one};
use crate::{DomainError, DomainResult, UserErrorCode};

/// What a rule watches, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Nickname { parts: usize },
    Keywords { lists: Option<Vec<Uuid>> },
    NoLinks,
    NoPhoneNumbers,
    NoQrCodes,
    NoContactCards,
    RateLimit { max_messages: u32, per_seconds: i64 },
    MessagePoints,
}

/// What a rule does, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Flag,
    Warn,
    Mute { minutes: i32 },
    Remove,
    Blacklist,
    Points { points: i64 },
}

impl Act {
    /// How the action is recorded on a case (`actionTaken`).
    pub fn describe(self) -> String {
        match self {
            Act::Flag => "FLAG".into(),
            Act::Warn => "WARN".into(),
            Act::Mute { minutes } => format!("MUTE {minutes} min"),
            Act::Remove => "REMOVE".into(),
            Act::Blacklist => "BLACKLIST".into(),
            Act::Points { points } => format!("POINTS {points:+}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: Uuid,
    pub group_id: Uuid,
    pub level: RuleLevel,
    pub kind: RuleKind,
    pub check: Check,
    pub act: Act,
}

fn int_param(params: &Value, key: &str) -> Option<i64> {
    params.get(key).and_then(Value::as_i64)
}

/// Parses a rule's data; `Err` names the problem (for `userErrors`).
pub fn parse(
    kind: RuleKind,
    params: &Value,
    action: RuleAction,
    action_params: &Value,
) -> Result<(Check, Act), String> {
    if !params.is_object() || !action_params.is_object() {
        return Err("params and actionParams must be JSON objects".into());
    }
    let check = match kind {
        RuleKind::NicknamePattern => {
            let pattern = params
                .get("pattern")
                .and_then(Value::as_str)
                .ok_or("NICKNAME_PATTERN needs params.pattern, e.g. \"城市-姓名-行业\"")?;
            let parts = pattern.split('-').filter(|p| !p.trim().is_empty()).count();
            if parts < 2 {
                return Err("the pattern needs at least two parts separated by '-'".into());
            }
            Check::Nickname { parts }
        }
        RuleKind::Keywords => match params.get("lists") {
            None | Some(Value::Null) => Check::Keywords { lists: None },
            Some(Value::Array(items)) => {
                let mut lists = Vec::new();
                for item in items {
                    let id = item
                        .as_str()
                        .and_then(|s| Uuid::parse_str(s).ok())
                        .ok_or("params.lists holds keyword list ids")?;
                    lists.push(id);
                }
                Check::Keywords { lists: Some(lists) }
            }
            Some(_) => return Err("params.lists holds keyword list ids".into()),
        },
        RuleKind::NoLinks => Check::NoLinks,
        RuleKind::NoPhoneNumbers => Check::NoPhoneNumbers,
        RuleKind::NoQrCodes => Check::NoQrCodes,
        RuleKind::NoContactCards => Check::NoContactCards,
        RuleKind::RateLimit => {
            let max =
                int_param(params, "maxMessages").ok_or("RATE_LIMIT needs params.maxMessages")?;
            let per =
                int_param(params, "perSeconds").ok_or("RATE_LIMIT needs params.perSeconds")?;
            if !(1..=10_000).contains(&max) || !(1..=86_400).contains(&per) {
                return Err("maxMessages must be 1..10000 and perSeconds 1..86400".into());
            }
            Check::RateLimit {
                max_messages: max as u32,
                per_seconds: per,
            }
        }
        RuleKind::MessagePoints => Check::MessagePoints,
    };
    let act = match action {
        RuleAction::Flag => Act::Flag,
        RuleAction::Warn => Act::Warn,
        RuleAction::Remove => Act::Remove,
        RuleAction::Blacklist => Act::Blacklist,
        RuleAction::Mute => {
            let minutes =
                int_param(action_params, "minutes").ok_or("MUTE needs actionParams.minutes")?;
            if !(1..=43_200).contains(&minutes) {
                return Err("a mute lasts 1 to 43200 minutes".into());
            }
            Act::Mute {
                minutes: minutes as i32,
            }
        }
        RuleAction::Points => {
            let points =
                int_param(action_params, "points").ok_or("POINTS needs actionParams.points")?;
            if points == 0 || points.abs() > 1_000_000 {
                return Err("points must be non-zero and at most 1000000 either way".into());
            }
            Act::Points { points }
        }
    };
    if matches!(check, Check::MessagePoints) != matches!(act, Act::Points { .. })
        && matches!(check, Check::MessagePoints)
    {
        return Err("MESSAGE_POINTS rules take the POINTS action".into());
    }
    Ok((check, act))
}

pub fn from_model(model: &group_rules::Model) -> Option<Rule> {
    let (check, act) = parse(
        model.kind,
        &model.params,
        model.action,
        &model.action_params,
    )
    .ok()?;
    Some(Rule {
        id: model.id,
        group_id: model.group_id,
        level: model.level,
        kind: model.kind,
        check,
        act,
    })
}

/// A rule to create.
#[derive(Debug, Clone)]
pub struct RuleSpec {
    pub level: RuleLevel,
    pub kind: RuleKind,
    pub params: Value,
    pub action: RuleAction,
    pub action_params: Value,
}

fn spec(
    level: RuleLevel,
    kind: RuleKind,
    params: Value,
    action: RuleAction,
    action_params: Value,
) -> RuleSpec {
    RuleSpec {
        level,
        kind,
        params,
        action,
        action_params,
    }
}

/// The rule set a new group starts with, by kind. Knowledge and resource groups ask for
/// `城市-姓名-行业` nicknames; every kind watches the keyword lists and ads; chatty interest groups
/// get a looser rate limit; knowledge and interest groups reward daily participation.
pub fn defaults_for(kind: GroupKind) -> Vec<RuleSpec> {
    use RuleAction as A;
    use RuleKind as K;
    use RuleLevel as L;
    let nickname = || {
        spec(
            L::Convention,
            K::NicknamePattern,
            json!({"pattern": "城市-姓名-行业"}),
            A::Warn,
            json!({}),
        )
    };
    let keywords = || spec(L::Behaviour, K::Keywords, json!({}), A::Flag, json!({}));
    let no = |kind| spec(L::Convention, kind, json!({}), A::Flag, json!({}));
    let rate = |max: u32, action, params| {
        spec(
            L::Behaviour,
            K::RateLimit,
            json!({"maxMessages": max, "perSeconds": 60}),
            action,
            params,
        )
    };
    let points = || {
        spec(
            L::RewardSanction,
            K::MessagePoints,
            json!({}),
            A::Points,
            json!({"points": 1}),
        )
    };
    match kind {
        GroupKind::Knowledge => vec![
            nickname(),
            keywords(),
            no(K::NoLinks),
            no(K::NoQrCodes),
            no(K::NoContactCards),
            rate(10, A::Mute, json!({"minutes": 10})),
            points(),
        ],
        GroupKind::ProductService => vec![
            keywords(),
            no(K::NoLinks),
            no(K::NoQrCodes),
            no(K::NoContactCards),
            rate(10, A::Warn, json!({})),
        ],
        GroupKind::Interest => vec![
            keywords(),
            no(K::NoLinks),
            no(K::NoQrCodes),
            rate(20, A::Warn, json!({})),
            points(),
        ],
        GroupKind::Resource => vec![
            nickname(),
            keywords(),
            no(K::NoQrCodes),
            no(K::NoContactCards),
            no(K::NoPhoneNumbers),
            rate(5, A::Mute, json!({"minutes": 30})),
        ],
    }
}

fn model(tx: &TenantTx, group_id: Uuid, spec: RuleSpec) -> group_rules::ActiveModel {
    let at = now();
    group_rules::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        id: Set(new_id()),
        group_id: Set(group_id),
        level: Set(spec.level),
        kind: Set(spec.kind),
        params: Set(spec.params),
        action: Set(spec.action),
        action_params: Set(spec.action_params),
        enabled: Set(true),
        created_at: Set(at),
        updated_at: Set(at),
    }
}

pub async fn create_defaults(tx: &TenantTx, group: &groups::Model) -> DomainResult<()> {
    let models: Vec<_> = defaults_for(group.kind)
        .into_iter()
        .map(|s| model(tx, group.id, s))
        .collect();
    tx.insert_many(models)
        .exec_without_returning(tx.conn())
        .await?;
    Ok(())
}

fn invalid(message: String) -> DomainError {
    DomainError::invalid("params", UserErrorCode::Invalid, message)
}

pub async fn create(
    tx: &TenantTx,
    group_id: Uuid,
    spec: RuleSpec,
) -> DomainResult<group_rules::Model> {
    tx.fetch::<groups::Entity>(group_id, "group").await?;
    parse(spec.kind, &spec.params, spec.action, &spec.action_params).map_err(invalid)?;
    Ok(tx.insert(model(tx, group_id, spec)).await?)
}

pub struct RuleChanges {
    pub enabled: Option<bool>,
    pub params: Option<Value>,
    pub action: Option<RuleAction>,
    pub action_params: Option<Value>,
}

pub async fn update(
    tx: &TenantTx,
    id: Uuid,
    changes: RuleChanges,
) -> DomainResult<group_rules::Model> {
    let rule = tx.fetch::<group_rules::Entity>(id, "rule").await?;
    let params = changes.params.unwrap_or_else(|| rule.params.clone());
    let action = changes.action.unwrap_or(rule.action);
    let action_params = changes
        .action_params
        .unwrap_or_else(|| rule.action_params.clone());
    parse(rule.kind, &params, action, &action_params).map_err(invalid)?;
    let mut model = rule.into_active_model();
    if let Some(enabled) = changes.enabled {
        model.enabled = Set(enabled);
    }
    model.params = Set(params);
    model.action = Set(action);
    model.action_params = Set(action_params);
    model.updated_at = Set(now());
    Ok(tx.update(model).await?)
}

pub async fn delete(tx: &TenantTx, id: Uuid) -> DomainResult<()> {
    let done = tx
        .delete_many::<group_rules::Entity>()
        .filter(group_rules::Column::Id.eq(id))
        .exec(tx.conn())
        .await?;
    expect_one(done.rows_affected, "rule")
}

pub async fn of_groups(tx: &TenantTx, group_ids: &[Uuid]) -> DomainResult<Vec<group_rules::Model>> {
    Ok(tx
        .select::<group_rules::Entity>()
        .filter(group_rules::Column::GroupId.is_in(group_ids.iter().copied()))
        .order_by_asc(group_rules::Column::Id)
        .all(tx.conn())
        .await?)
}

/// Enabled, parsable rules of the groups.
pub async fn active_rules(tx: &TenantTx, group_ids: &[Uuid]) -> DomainResult<Vec<Rule>> {
    Ok(of_groups(tx, group_ids)
        .await?
        .iter()
        .filter(|m| m.enabled)
        .filter_map(from_model)
        .collect())
}

/// Whether a nickname follows a pattern of `parts` `-`-separated parts (full-width `－` counts).
pub fn nickname_matches(nickname: &str, parts: usize) -> bool {
    let normalized = nickname.replace(['－', '—', '–'], "-");
    let pieces: Vec<&str> = normalized.split('-').map(str::trim).collect();
    pieces.len() == parts && pieces.iter().all(|p| !p.is_empty())
}

/// The city of a `城市-姓名-行业` nickname: its first part, when the nickname has three parts.
pub fn city_of(nickname: &str) -> Option<String> {
    if !nickname_matches(nickname, 3) {
        return None;
    }
    let normalized = nickname.replace(['－', '—', '–'], "-");
    normalized
        .split('-')
        .next()
        .map(|c| c.trim().to_owned())
        .filter(|c| c.chars().count() <= 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_rule_parses() {
        for kind in [
            GroupKind::Knowledge,
            GroupKind::ProductService,
            GroupKind::Interest,
            GroupKind::Resource,
        ] {
            for s in defaults_for(kind) {
                parse(s.kind, &s.params, s.action, &s.action_params)
                    .unwrap_or_else(|e| panic!("{kind:?} {e}"));
            }
        }
    }

    #[test]
    fn bad_rules_are_explained() {
        assert!(
            parse(
                RuleKind::RateLimit,
                &json!({"maxMessages": 0, "perSeconds": 60}),
                RuleAction::Flag,
                &json!({})
            )
            .is_err()
        );
        assert!(parse(RuleKind::NoLinks, &json!({}), RuleAction::Mute, &json!({})).is_err());
        assert!(
            parse(
                RuleKind::NicknamePattern,
                &json!({"pattern": "x"}),
                RuleAction::Warn,
                &json!({})
            )
            .is_err()
        );
        assert!(
            parse(
                RuleKind::Keywords,
                &json!({"lists": ["nope"]}),
                RuleAction::Flag,
                &json!({})
            )
            .is_err()
        );
        assert!(
            parse(
                RuleKind::MessagePoints,
                &json!({}),
                RuleAction::Flag,
                &json!({})
            )
            .is_err()
        );
        assert_eq!(
            parse(
                RuleKind::NoLinks,
                &json!({}),
                RuleAction::Points,
                &json!({"points": -5})
            )
            .unwrap()
            .1,
            Act::Points { points: -5 }
        );
    }

    #[test]
    fn nicknames_and_cities() {
        assert!(nickname_matches("上海-李雷-教育", 3));
        assert!(nickname_matches("上海－李雷－教育", 3));
        assert!(!nickname_matches("李雷", 3));
        assert!(!nickname_matches("上海--教育", 3));
        assert_eq!(city_of("上海-李雷-教育").as_deref(), Some("上海"));
        assert_eq!(city_of("Lei Li"), None);
    }
}
