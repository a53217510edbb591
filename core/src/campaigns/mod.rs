//! Campaigns (DOMAIN.md §4): quizzes, check-in challenges, debates, relays, flash sales, in one
//! or more groups, from a start to an end time. The worker moves the status DRAFT → RUNNING →
//! ENDED; what counts (a check-in, an answer, a relay entry) is decided by the event's time, so
//! a late event counts as of when it happened.

pub mod streaks;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use qunyun_entity::{
    CampaignKind, CampaignStatus, ParticipantStatus, campaign_groups, campaigns, checkins, groups,
    members, participants, quiz_answers, quiz_questions, relay_entries,
};

use crate::applications::{Question, questions_of_json};
use crate::defaults::TenantDefaults;
use crate::ids::{new_id, now};
use crate::page::{Page, PageRequest, keyset};
use crate::points::{self, Entry};
use crate::risk::text::normalize;
use crate::scope::TenantTx;
use crate::validate::{Name, Problems, check_amount, check_currency};
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};

pub const DEFAULT_CHECKIN_KEYWORD: &str = "打卡";
pub const DEFAULT_RELAY_KEYWORD: &str = "接龙";

pub struct NewCampaign {
    pub name: String,
    pub kind: CampaignKind,
    pub group_ids: Vec<Uuid>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub target_days: Option<i32>,
    pub keyword: Option<String>,
    pub milestones: Option<Vec<i32>>,
    pub cost_minor: Option<i64>,
    pub currency: Option<String>,
}

pub fn milestones_of(campaign: &campaigns::Model) -> Vec<i32> {
    serde_json::from_value(campaign.milestones.clone()).unwrap_or_default()
}

pub async fn create(
    tx: &TenantTx,
    settings: &TenantDefaults,
    input: NewCampaign,
    at: DateTime<Utc>,
) -> DomainResult<campaigns::Model> {
    let mut problems = Problems::new();
    let name = problems.take(Name::parse("name", &input.name, 200));
    if input.ends_at <= input.starts_at {
        problems.push(FieldError::input(
            "endsAt",
            UserErrorCode::Invalid,
            "endsAt must be after startsAt",
        ));
    }
    let mut group_ids = input.group_ids.clone();
    group_ids.sort();
    group_ids.dedup();
    if group_ids.is_empty() {
        problems.push(FieldError::input(
            "groupIds",
            UserErrorCode::Required,
            "a campaign runs in at least one group",
        ));
    } else {
        let found = crate::groups::by_ids(tx, &group_ids).await?;
        if found.len() != group_ids.len() {
            problems.push(FieldError::input(
                "groupIds",
                UserErrorCode::NotFound,
                "no such group",
            ));
        }
    }
    let c = &settings.campaigns;
    let target_days = match input.kind {
        CampaignKind::CheckinChallenge => Some(input.target_days.unwrap_or(c.checkin_target_days)),
        _ => input.target_days,
    };
    if target_days.is_some_and(|d| !(1..=3650).contains(&d)) {
        problems.push(FieldError::input(
            "targetDays",
            UserErrorCode::Invalid,
            "targetDays is 1 to 3650",
        ));
    }
    let milestones = input
        .milestones
        .clone()
        .unwrap_or_else(|| c.milestones.clone());
    if milestones.iter().any(|m| !(1..=3650).contains(m)) || milestones.len() > 20 {
        problems.push(FieldError::input(
            "milestones",
            UserErrorCode::Invalid,
            "milestones are up to 20 day counts of 1 to 3650",
        ));
    }
    let keyword = input
        .keyword
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .or(match input.kind {
            CampaignKind::CheckinChallenge => Some(DEFAULT_CHECKIN_KEYWORD.to_owned()),
            CampaignKind::Relay => Some(DEFAULT_RELAY_KEYWORD.to_owned()),
            _ => None,
        });
    if keyword
        .as_ref()
        .is_some_and(|k| normalize(k).is_empty() || k.chars().count() > 50)
    {
        problems.push(FieldError::input(
            "checkinKeyword",
            UserErrorCode::Invalid,
            "the keyword is 1 to 50 characters with a letter or digit",
        ));
    }
    let cost = check_amount(&mut problems, "costMinor", input.cost_minor.unwrap_or(0));
    let currency = check_currency(
        &mut problems,
        "currency",
        input.currency.as_deref().unwrap_or("CNY"),
    );
    problems.finish()?;
    let name =
        name.ok_or_else(|| DomainError::internal(anyhow::anyhow!("validated name missing")))?;
    let mut milestones = milestones;
    milestones.sort();
    milestones.dedup();
    let campaign = tx
        .insert(campaigns::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            name: Set(name.into_inner()),
            kind: Set(input.kind),
            status: Set(CampaignStatus::Draft),
            starts_at: Set(input.starts_at),
            ends_at: Set(input.ends_at),
            target_days: Set(target_days),
            keyword: Set(keyword),
            milestones: Set(json!(milestones)),
            points_per_checkin: Set(c.points_per_checkin),
            points_per_milestone: Set(c.points_per_milestone),
            quiz_minutes: Set(c.quiz_minutes),
            screening: Set(None),
            pass_score: Set(None),
            reject_score: Set(None),
            cost_minor: Set(cost),
            currency: Set(currency),
            created_at: Set(at),
            updated_at: Set(at),
        })
        .await?;
    let links: Vec<_> = group_ids
        .iter()
        .map(|g| campaign_groups::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            campaign_id: Set(campaign.id),
            group_id: Set(*g),
        })
        .collect();
    tx.insert_many(links)
        .exec_without_returning(tx.conn())
        .await?;
    // A badge for every milestone of a streak campaign.
    if campaign.kind == CampaignKind::CheckinChallenge {
        for days in &milestones {
            points::create_badge(
                tx,
                &format!(
                    "{}: {days} days",
                    campaign.name.chars().take(80).collect::<String>()
                ),
                Some(format!("{days} check-ins in a row")),
                json!({"kind": "STREAK", "days": days, "campaignId": campaign.id.to_string()}),
                Some(campaign.id),
            )
            .await?;
        }
    }
    Ok(campaign)
}

pub async fn list(
    tx: &TenantTx,
    status: Option<CampaignStatus>,
    page: PageRequest,
) -> DomainResult<Page<campaigns::Model>> {
    let mut select = tx.select::<campaigns::Entity>();
    if let Some(status) = status {
        select = select.filter(campaigns::Column::Status.eq(status));
    }
    Ok(keyset(tx.conn(), select, campaigns::Column::Id, page).await?)
}

pub async fn group_ids(tx: &TenantTx, campaign_id: Uuid) -> DomainResult<Vec<Uuid>> {
    Ok(tx
        .select::<campaign_groups::Entity>()
        .filter(campaign_groups::Column::CampaignId.eq(campaign_id))
        .all(tx.conn())
        .await?
        .into_iter()
        .map(|l| l.group_id)
        .collect())
}

/// The `campaigns` sweep: DRAFT → RUNNING at the start, → ENDED at the end.
pub async fn advance_statuses(tx: &TenantTx, at: DateTime<Utc>) -> DomainResult<u64> {
    let ended = tx
        .update_many::<campaigns::Entity>()
        .col_expr(
            campaigns::Column::Status,
            Expr::value(CampaignStatus::Ended),
        )
        .col_expr(campaigns::Column::UpdatedAt, Expr::value(at))
        .filter(campaigns::Column::Status.ne(CampaignStatus::Ended))
        .filter(campaigns::Column::EndsAt.lte(at))
        .exec(tx.conn())
        .await?;
    let started = tx
        .update_many::<campaigns::Entity>()
        .col_expr(
            campaigns::Column::Status,
            Expr::value(CampaignStatus::Running),
        )
        .col_expr(campaigns::Column::UpdatedAt, Expr::value(at))
        .filter(campaigns::Column::Status.eq(CampaignStatus::Draft))
        .filter(campaigns::Column::StartsAt.lte(at))
        .filter(campaigns::Column::EndsAt.gt(at))
        .exec(tx.conn())
        .await?;
    Ok(ended.rows_affected + started.rows_affected)
}

pub fn runs_at(campaign: &campaigns::Model, at: DateTime<Utc>) -> bool {
    campaign.starts_at <= at && at < campaign.ends_at
}

/// Records a check-in (once per member and local day) and its points (once per day too).
/// `Ok(false)` when the member had checked in that day already.
pub async fn record_checkin(
    tx: &TenantTx,
    tz: Tz,
    campaign: &campaigns::Model,
    member_id: Uuid,
    group_id: Option<Uuid>,
    at: DateTime<Utc>,
    source: &str,
) -> DomainResult<bool> {
    let day = at.with_timezone(&tz).date_naive();
    let inserted = tx
        .insert_many(vec![checkins::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            campaign_id: Set(campaign.id),
            member_id: Set(member_id),
            group_id: Set(group_id),
            local_date: Set(day),
            occurred_at: Set(at),
            source: Set(source.to_owned()),
            created_at: Set(now()),
        }])
        .on_conflict_do_nothing_on([
            checkins::Column::TenantId,
            checkins::Column::CampaignId,
            checkins::Column::MemberId,
            checkins::Column::LocalDate,
        ])
        .exec_without_returning(tx.conn())
        .await?;
    let recorded = matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0);
    if recorded && campaign.points_per_checkin > 0 {
        points::write(
            tx,
            vec![points::entry_model(
                tx,
                Entry {
                    member_id,
                    delta: campaign.points_per_checkin,
                    reason: &format!("check-in on {day}"),
                    source: "checkin",
                    source_id: Some(format!("{}:{member_id}:{day}", campaign.id)),
                    group_id,
                    campaign_id: Some(campaign.id),
                },
                at,
            )],
        )
        .await?;
    }
    Ok(recorded)
}

/// A message of an ingested batch, for the campaigns running in its group.
pub struct CampaignMessage<'a> {
    pub group_id: Uuid,
    pub member_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub text: &'a str,
}

/// Check-ins, quiz answers and relay entries from a batch's messages.
pub async fn on_messages(
    tx: &TenantTx,
    tz: Tz,
    messages: &[CampaignMessage<'_>],
) -> DomainResult<()> {
    let (Some(first), Some(last)) = (
        messages.iter().map(|m| m.occurred_at).min(),
        messages.iter().map(|m| m.occurred_at).max(),
    ) else {
        return Ok(());
    };
    let group_ids: Vec<Uuid> = messages
        .iter()
        .map(|m| m.group_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let links = tx
        .select::<campaign_groups::Entity>()
        .filter(campaign_groups::Column::GroupId.is_in(group_ids))
        .all(tx.conn())
        .await?;
    if links.is_empty() {
        return Ok(());
    }
    let campaign_ids: Vec<Uuid> = links
        .iter()
        .map(|l| l.campaign_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let running = tx
        .select::<campaigns::Entity>()
        .filter(campaigns::Column::Id.is_in(campaign_ids))
        .filter(campaigns::Column::StartsAt.lte(last))
        .filter(campaigns::Column::EndsAt.gt(first))
        .filter(campaigns::Column::Kind.is_in([
            CampaignKind::CheckinChallenge,
            CampaignKind::Quiz,
            CampaignKind::Relay,
        ]))
        .all(tx.conn())
        .await?;
    if running.is_empty() {
        return Ok(());
    }
    let mut in_group: HashMap<Uuid, Vec<&campaigns::Model>> = HashMap::new();
    for link in &links {
        if let Some(c) = running.iter().find(|c| c.id == link.campaign_id) {
            in_group.entry(link.group_id).or_default().push(c);
        }
    }
    let quiz_ids: Vec<Uuid> = running
        .iter()
        .filter(|c| c.kind == CampaignKind::Quiz)
        .map(|c| c.id)
        .collect();
    let questions = if quiz_ids.is_empty() {
        Vec::new()
    } else {
        tx.select::<quiz_questions::Entity>()
            .filter(quiz_questions::Column::CampaignId.is_in(quiz_ids))
            .all(tx.conn())
            .await?
    };
    for message in messages {
        let normalized = normalize(message.text);
        for campaign in in_group.get(&message.group_id).into_iter().flatten() {
            if !runs_at(campaign, message.occurred_at) {
                continue;
            }
            let keyword = campaign
                .keyword
                .as_deref()
                .map(normalize)
                .unwrap_or_default();
            match campaign.kind {
                CampaignKind::CheckinChallenge if !keyword.is_empty() && normalized == keyword => {
                    record_checkin(
                        tx,
                        tz,
                        campaign,
                        message.member_id,
                        Some(message.group_id),
                        message.occurred_at,
                        "message",
                    )
                    .await?;
                }
                CampaignKind::Relay
                    if !keyword.is_empty()
                        && normalized.starts_with(&keyword)
                        && normalized.len() > keyword.len() =>
                {
                    let entry = message.text.trim();
                    record_relay(tx, campaign, message.member_id, entry, message.occurred_at)
                        .await?;
                }
                CampaignKind::Quiz => {
                    if let Some((position, answer)) = parse_quiz_answer(message.text)
                        && let Some(question) = questions
                            .iter()
                            .find(|q| q.campaign_id == campaign.id && q.position == position)
                    {
                        answer_question(
                            tx,
                            campaign,
                            question,
                            message.member_id,
                            &answer,
                            message.occurred_at,
                            "message",
                        )
                        .await?;
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

async fn record_relay(
    tx: &TenantTx,
    campaign: &campaigns::Model,
    member_id: Uuid,
    text: &str,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    tx.insert_many(vec![relay_entries::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        id: Set(new_id()),
        campaign_id: Set(campaign.id),
        member_id: Set(member_id),
        text: Set(text.chars().take(500).collect()),
        occurred_at: Set(at),
    }])
    .on_conflict_do_nothing_on([
        relay_entries::Column::TenantId,
        relay_entries::Column::CampaignId,
        relay_entries::Column::MemberId,
    ])
    .exec_without_returning(tx.conn())
    .await?;
    Ok(())
}

/// The relay's list, in the order entries arrived (one per member).
pub async fn relay(tx: &TenantTx, campaign_id: Uuid) -> DomainResult<Vec<relay_entries::Model>> {
    let mut entries = tx
        .select::<relay_entries::Entity>()
        .filter(relay_entries::Column::CampaignId.eq(campaign_id))
        .all(tx.conn())
        .await?;
    entries.sort_by_key(|e| (e.occurred_at, e.id));
    Ok(entries)
}

/// `3:B`, `3.B`, `3 B`, `Q3 B`, `第3题 B` → (3, "B").
pub fn parse_quiz_answer(text: &str) -> Option<(i32, String)> {
    let t = text.trim();
    let t = t
        .strip_prefix('第')
        .or_else(|| t.strip_prefix(['Q', 'q']))
        .unwrap_or(t);
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    let rest = t[digits.len()..].trim_start_matches('题');
    let rest = rest.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, ':' | '：' | '.' | '、' | '-' | '。')
    });
    let answer = rest.trim();
    if answer.is_empty() || answer.chars().count() > 100 {
        return None;
    }
    Some((digits.parse().ok()?, answer.to_owned()))
}

pub async fn set_quiz(
    tx: &TenantTx,
    campaign_id: Uuid,
    questions: Vec<(String, String)>,
) -> DomainResult<Vec<quiz_questions::Model>> {
    let campaign = tx
        .fetch::<campaigns::Entity>(campaign_id, "campaign")
        .await?;
    let mut problems = Problems::new();
    if campaign.kind != CampaignKind::Quiz {
        problems.push(FieldError::input(
            "campaignId",
            UserErrorCode::Invalid,
            "only a QUIZ has questions",
        ));
    }
    if questions.is_empty() || questions.len() > 200 {
        problems.push(FieldError::input(
            "questions",
            UserErrorCode::Invalid,
            "give 1 to 200 questions",
        ));
    }
    for (i, (text, answer)) in questions.iter().enumerate() {
        if text.trim().is_empty() || normalize(answer).is_empty() {
            problems.push(FieldError::new(
                &["input", "questions", &i.to_string()],
                UserErrorCode::Invalid,
                "a question has text and an answer",
            ));
        }
    }
    problems.finish()?;
    tx.delete_many::<quiz_questions::Entity>()
        .filter(quiz_questions::Column::CampaignId.eq(campaign_id))
        .exec(tx.conn())
        .await?;
    let rows: Vec<_> = questions
        .into_iter()
        .enumerate()
        .map(|(i, (text, answer))| quiz_questions::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            campaign_id: Set(campaign_id),
            position: Set(i as i32 + 1),
            text: Set(text.trim().to_owned()),
            answer: Set(answer.trim().to_owned()),
        })
        .collect();
    tx.insert_many(rows)
        .exec_without_returning(tx.conn())
        .await?;
    quiz(tx, campaign_id).await
}

pub async fn quiz(tx: &TenantTx, campaign_id: Uuid) -> DomainResult<Vec<quiz_questions::Model>> {
    Ok(tx
        .select::<quiz_questions::Entity>()
        .filter(quiz_questions::Column::CampaignId.eq(campaign_id))
        .order_by_asc(quiz_questions::Column::Position)
        .all(tx.conn())
        .await?)
}

/// The answer window of a quiz: from its start for `quiz_minutes`, within its end.
pub fn quiz_open(campaign: &campaigns::Model, at: DateTime<Utc>) -> bool {
    runs_at(campaign, at) && at < campaign.starts_at + Duration::minutes(campaign.quiz_minutes)
}

/// Records a member's first answer to a question (later ones do not count).
pub async fn answer_question(
    tx: &TenantTx,
    campaign: &campaigns::Model,
    question: &quiz_questions::Model,
    member_id: Uuid,
    answer: &str,
    at: DateTime<Utc>,
    source: &str,
) -> DomainResult<Option<bool>> {
    if !quiz_open(campaign, at) {
        return Ok(None);
    }
    let correct = normalize(answer) == normalize(&question.answer);
    let inserted = tx
        .insert_many(vec![quiz_answers::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            campaign_id: Set(campaign.id),
            question_id: Set(question.id),
            member_id: Set(member_id),
            answer: Set(answer.chars().take(100).collect()),
            correct: Set(correct),
            answered_at: Set(at),
            source: Set(source.to_owned()),
        }])
        .on_conflict_do_nothing_on([
            quiz_answers::Column::TenantId,
            quiz_answers::Column::QuestionId,
            quiz_answers::Column::MemberId,
        ])
        .exec_without_returning(tx.conn())
        .await?;
    Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0).then_some(correct))
}

/// A quiz's ranking: correct answers, then who got there first.
pub async fn quiz_ranking(
    tx: &TenantTx,
    campaign_id: Uuid,
) -> DomainResult<Vec<(Uuid, i64, DateTime<Utc>)>> {
    let answers = tx
        .select::<quiz_answers::Entity>()
        .filter(quiz_answers::Column::CampaignId.eq(campaign_id))
        .all(tx.conn())
        .await?;
    let mut by_member: HashMap<Uuid, (i64, DateTime<Utc>)> = HashMap::new();
    for a in answers {
        let entry = by_member.entry(a.member_id).or_insert((0, a.answered_at));
        if a.correct {
            entry.0 += 1;
            entry.1 = entry.1.max(a.answered_at);
        }
    }
    let mut ranking: Vec<(Uuid, i64, DateTime<Utc>)> =
        by_member.into_iter().map(|(m, (s, t))| (m, s, t)).collect();
    ranking.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)).then(a.0.cmp(&b.0)));
    Ok(ranking)
}

/// Registration screening for a debate: scored questions and thresholds.
pub async fn set_screening(
    tx: &TenantTx,
    campaign_id: Uuid,
    pass: i32,
    reject: i32,
    questions: Vec<Question>,
) -> DomainResult<campaigns::Model> {
    let campaign = tx
        .fetch::<campaigns::Entity>(campaign_id, "campaign")
        .await?;
    let mut problems = Problems::new();
    if reject > pass {
        problems.push(FieldError::input(
            "rejectScore",
            UserErrorCode::Invalid,
            "rejectScore must not exceed passScore",
        ));
    }
    if questions.is_empty()
        || questions
            .iter()
            .any(|q| q.options.len() < 2 || q.text.trim().is_empty())
    {
        problems.push(FieldError::input(
            "questions",
            UserErrorCode::Invalid,
            "give questions with at least two options each",
        ));
    }
    problems.finish()?;
    let mut model = campaign.into_active_model();
    model.screening = Set(Some(json!(questions)));
    model.pass_score = Set(Some(pass));
    model.reject_score = Set(Some(reject));
    model.updated_at = Set(now());
    Ok(tx.update(model).await?)
}

/// Registers a member; with screening questions the score decides what it can, otherwise an
/// operator picks.
pub async fn register(
    tx: &TenantTx,
    campaign_id: Uuid,
    member_id: Uuid,
    answers: Vec<i32>,
) -> DomainResult<participants::Model> {
    let campaign = tx
        .fetch::<campaigns::Entity>(campaign_id, "campaign")
        .await?;
    tx.fetch::<members::Entity>(member_id, "member").await?;
    let questions = campaign
        .screening
        .as_ref()
        .map(questions_of_json)
        .unwrap_or_default();
    let mut score = 0;
    if !questions.is_empty() {
        if answers.len() != questions.len() {
            return Err(DomainError::invalid(
                "answers",
                UserErrorCode::Invalid,
                format!("answer each of the {} questions", questions.len()),
            ));
        }
        for (i, (a, q)) in answers.iter().zip(&questions).enumerate() {
            match usize::try_from(*a).ok().and_then(|a| q.options.get(a)) {
                Some(option) => score += option.score,
                None => {
                    return Err(DomainError::Invalid(vec![FieldError::new(
                        &["input", "answers", &i.to_string()],
                        UserErrorCode::Invalid,
                        "no such option",
                    )]));
                }
            }
        }
    }
    let status = match (campaign.pass_score, campaign.reject_score) {
        (Some(pass), _) if !questions.is_empty() && score >= pass => ParticipantStatus::Accepted,
        (_, Some(reject)) if !questions.is_empty() && score < reject => ParticipantStatus::Rejected,
        _ if campaign.kind != CampaignKind::Debate => ParticipantStatus::Accepted,
        _ => ParticipantStatus::Pending,
    };
    let automatic = status != ParticipantStatus::Pending;
    let at = now();
    tx.insert(participants::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        id: Set(new_id()),
        campaign_id: Set(campaign_id),
        member_id: Set(member_id),
        status: Set(status),
        score: Set(score),
        answers: Set(json!(answers)),
        automatic: Set(automatic),
        decided_by: Set(None),
        decided_at: Set(automatic.then_some(at)),
        note: Set(None),
        created_at: Set(at),
    })
    .await
    .map_err(crate::error::on_unique(
        "memberId",
        "the member is registered already",
    ))
}

pub async fn review_participant(
    tx: &TenantTx,
    id: Uuid,
    accept: bool,
    by: Option<Uuid>,
    note: Option<String>,
) -> DomainResult<participants::Model> {
    let participant = tx.fetch::<participants::Entity>(id, "participant").await?;
    if participant.status != ParticipantStatus::Pending {
        return Err(DomainError::invalid(
            "id",
            UserErrorCode::Conflict,
            "the registration is already decided",
        ));
    }
    let mut model = participant.into_active_model();
    model.status = Set(if accept {
        ParticipantStatus::Accepted
    } else {
        ParticipantStatus::Rejected
    });
    model.decided_by = Set(by);
    model.decided_at = Set(Some(now()));
    model.note = Set(note.map(|n| n.chars().take(2000).collect()));
    Ok(tx.update(model).await?)
}

pub async fn participants(
    tx: &TenantTx,
    campaign_id: Uuid,
    status: Option<ParticipantStatus>,
    page: PageRequest,
) -> DomainResult<Page<participants::Model>> {
    let mut select = tx
        .select::<participants::Entity>()
        .filter(participants::Column::CampaignId.eq(campaign_id));
    if let Some(status) = status {
        select = select.filter(participants::Column::Status.eq(status));
    }
    Ok(keyset(tx.conn(), select, participants::Column::Id, page).await?)
}

/// The campaign's groups, for the API.
pub async fn groups(tx: &TenantTx, campaign_id: Uuid) -> DomainResult<Vec<groups::Model>> {
    let ids = group_ids(tx, campaign_id).await?;
    crate::groups::by_ids(tx, &ids).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiz_answer_formats() {
        assert_eq!(parse_quiz_answer("3:B"), Some((3, "B".into())));
        assert_eq!(parse_quiz_answer(" 3. b "), Some((3, "b".into())));
        assert_eq!(parse_quiz_answer("Q12 C"), Some((12, "C".into())));
        assert_eq!(parse_quiz_answer("第2题：杭州"), Some((2, "杭州".into())));
        assert_eq!(parse_quiz_answer("3"), None);
        assert_eq!(parse_quiz_answer("hello"), None);
        assert_eq!(parse_quiz_answer("12345 x"), None);
    }
}
