//! Entry questionnaires and applications for reviewed groups (`APPLICATION_REVIEW`,
//! `INVITE_QUESTIONNAIRE`): scored options; at or above the pass score an application is
//! approved at once, below the reject score rejected at once, otherwise it waits in a review
//! queue for a person (who decides, when, with a note). An approval queues an `ADMIT` outbound
//! action for the connector to let the applicant in.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use qunyun_entity::{
    AdmissionPolicy, ApplicationStatus, OutboundKind, OutboundStatus, applications, groups,
    members, outbound_actions, questionnaires,
};

use crate::ids::{new_id, now};
use crate::page::{Page, PageRequest, keyset};
use crate::scope::TenantTx;
use crate::validate::Problems;
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub label: String,
    pub score: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub text: String,
    pub options: Vec<Choice>,
}

pub fn questions_of(model: &questionnaires::Model) -> Vec<Question> {
    questions_of_json(&model.questions)
}

pub fn questions_of_json(value: &serde_json::Value) -> Vec<Question> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

fn reviewed(group: &groups::Model) -> bool {
    matches!(
        group.admission,
        AdmissionPolicy::ApplicationReview | AdmissionPolicy::InviteQuestionnaire
    )
}

pub async fn set_questionnaire(
    tx: &TenantTx,
    group_id: Uuid,
    pass_score: i32,
    reject_score: i32,
    questions: Vec<Question>,
) -> DomainResult<questionnaires::Model> {
    let group = tx.fetch::<groups::Entity>(group_id, "group").await?;
    let mut problems = Problems::new();
    if !reviewed(&group) {
        problems.push(FieldError::input(
            "groupId",
            UserErrorCode::Invalid,
            "only APPLICATION_REVIEW and INVITE_QUESTIONNAIRE groups take a questionnaire",
        ));
    }
    if reject_score > pass_score {
        problems.push(FieldError::input(
            "rejectScore",
            UserErrorCode::Invalid,
            "rejectScore must not exceed passScore",
        ));
    }
    if questions.is_empty() || questions.len() > 50 {
        problems.push(FieldError::input(
            "questions",
            UserErrorCode::Invalid,
            "give 1 to 50 questions",
        ));
    }
    for (i, q) in questions.iter().enumerate() {
        let index = i.to_string();
        if q.text.trim().is_empty() || q.text.chars().count() > 500 {
            problems.push(FieldError::new(
                &["input", "questions", &index, "text"],
                UserErrorCode::Invalid,
                "a question is 1 to 500 characters",
            ));
        }
        if q.options.len() < 2 || q.options.len() > 20 {
            problems.push(FieldError::new(
                &["input", "questions", &index, "options"],
                UserErrorCode::Invalid,
                "a question has 2 to 20 options",
            ));
        }
        if q.options.iter().any(|o| {
            o.label.trim().is_empty() || o.label.chars().count() > 200 || o.score.abs() > 10_000
        }) {
            problems.push(FieldError::new(
                &["input", "questions", &index, "options"],
                UserErrorCode::Invalid,
                "an option has a label of 1 to 200 characters and a score within ±10000",
            ));
        }
    }
    problems.finish()?;
    let model = questionnaires::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        id: Set(new_id()),
        group_id: Set(group_id),
        pass_score: Set(pass_score),
        reject_score: Set(reject_score),
        questions: Set(json!(questions)),
        updated_at: Set(now()),
    };
    tx.insert_many(vec![model])
        .on_conflict(
            OnConflict::columns([
                questionnaires::Column::TenantId,
                questionnaires::Column::GroupId,
            ])
            .update_columns([
                questionnaires::Column::PassScore,
                questionnaires::Column::RejectScore,
                questionnaires::Column::Questions,
                questionnaires::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(tx.conn())
        .await?;
    questionnaire(tx, group_id)
        .await?
        .ok_or(DomainError::NotFound("questionnaire"))
}

pub async fn questionnaire(
    tx: &TenantTx,
    group_id: Uuid,
) -> DomainResult<Option<questionnaires::Model>> {
    Ok(tx
        .select::<questionnaires::Entity>()
        .filter(questionnaires::Column::GroupId.eq(group_id))
        .one(tx.conn())
        .await?)
}

pub struct Submission {
    pub group_id: Uuid,
    pub platform_user_id: String,
    pub display_name: Option<String>,
    pub answers: Vec<i32>,
    pub statement: Option<String>,
}

/// Scores an application against the questionnaire and decides what it can.
pub async fn submit(tx: &TenantTx, input: Submission) -> DomainResult<applications::Model> {
    let group = tx.fetch::<groups::Entity>(input.group_id, "group").await?;
    let mut problems = Problems::new();
    if !reviewed(&group) {
        problems.push(FieldError::input(
            "groupId",
            UserErrorCode::Invalid,
            "this group does not review applications",
        ));
    }
    let puid = input.platform_user_id.trim();
    if puid.is_empty() || puid.chars().count() > 200 {
        problems.push(FieldError::input(
            "platformUserId",
            UserErrorCode::Required,
            "platformUserId is required",
        ));
    }
    if input
        .statement
        .as_ref()
        .is_some_and(|s| s.chars().count() > 10_000)
    {
        problems.push(FieldError::input(
            "statement",
            UserErrorCode::Invalid,
            "a statement is at most 10000 characters",
        ));
    }
    let questionnaire = questionnaire(tx, group.id).await?;
    let mut score = 0;
    if let Some(q) = &questionnaire {
        let questions = questions_of(q);
        if input.answers.len() != questions.len() {
            problems.push(FieldError::input(
                "answers",
                UserErrorCode::Invalid,
                format!(
                    "answer each of the {} questions with an option index",
                    questions.len()
                ),
            ));
        } else {
            for (i, (answer, question)) in input.answers.iter().zip(&questions).enumerate() {
                match usize::try_from(*answer)
                    .ok()
                    .and_then(|a| question.options.get(a))
                {
                    Some(option) => score += option.score,
                    None => problems.push(FieldError::new(
                        &["input", "answers", &i.to_string()],
                        UserErrorCode::Invalid,
                        "no such option",
                    )),
                }
            }
        }
    }
    problems.finish()?;
    let status = match &questionnaire {
        Some(q) if score >= q.pass_score => ApplicationStatus::Approved,
        Some(q) if score < q.reject_score => ApplicationStatus::Rejected,
        _ => ApplicationStatus::Pending,
    };
    let automatic = status != ApplicationStatus::Pending;
    let at = now();
    let application = tx
        .insert(applications::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            group_id: Set(group.id),
            platform_user_id: Set(puid.to_owned()),
            display_name: Set(input
                .display_name
                .map(|n| n.trim().chars().take(200).collect())
                .filter(|n: &String| !n.is_empty())),
            answers: Set(json!(input.answers)),
            statement: Set(input.statement),
            score: Set(score),
            status: Set(status),
            automatic: Set(automatic),
            decided_by: Set(None),
            decided_at: Set(automatic.then_some(at)),
            note: Set(None),
            created_at: Set(at),
        })
        .await?;
    if status == ApplicationStatus::Approved {
        admit(tx, &group, &application).await?;
    }
    Ok(application)
}

/// A person's decision on a pending application.
pub async fn review(
    tx: &TenantTx,
    id: Uuid,
    approve: bool,
    by: Option<Uuid>,
    note: Option<String>,
) -> DomainResult<applications::Model> {
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(DomainError::invalid(
            "note",
            UserErrorCode::Invalid,
            "a note is at most 2000 characters",
        ));
    }
    let application = tx.fetch::<applications::Entity>(id, "application").await?;
    if application.status != ApplicationStatus::Pending {
        return Err(DomainError::invalid(
            "id",
            UserErrorCode::Conflict,
            "the application is already decided",
        ));
    }
    let group = tx
        .fetch::<groups::Entity>(application.group_id, "group")
        .await?;
    let mut model = application.into_active_model();
    model.status = Set(if approve {
        ApplicationStatus::Approved
    } else {
        ApplicationStatus::Rejected
    });
    model.decided_by = Set(by);
    model.decided_at = Set(Some(now()));
    model.note = Set(note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()));
    let decided = tx.update(model).await?;
    if approve {
        admit(tx, &group, &decided).await?;
    }
    Ok(decided)
}

async fn admit(
    tx: &TenantTx,
    group: &groups::Model,
    application: &applications::Model,
) -> DomainResult<()> {
    let at = now();
    tx.insert_many(vec![members::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        id: Set(new_id()),
        platform: Set(group.platform),
        platform_user_id: Set(application.platform_user_id.clone()),
        display_name: Set(application.display_name.clone()),
        city: Set(application
            .display_name
            .as_deref()
            .and_then(crate::rules::city_of)),
        device: Set(None),
        tags: Set(json!([])),
        auto_tags: Set(json!([])),
        blacklisted: Set(false),
        blacklisted_at: Set(None),
        first_seen_at: Set(at),
        last_active_at: Set(None),
    }])
    .on_conflict_do_nothing_on([
        members::Column::TenantId,
        members::Column::Platform,
        members::Column::PlatformUserId,
    ])
    .exec_without_returning(tx.conn())
    .await?;
    let member = tx
        .select::<members::Entity>()
        .filter(members::Column::Platform.eq(group.platform))
        .filter(members::Column::PlatformUserId.eq(application.platform_user_id.clone()))
        .one(tx.conn())
        .await?
        .ok_or(DomainError::NotFound("member"))?;
    tx.insert(outbound_actions::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        id: Set(new_id()),
        group_id: Set(group.id),
        member_id: Set(member.id),
        kind: Set(OutboundKind::Admit),
        minutes: Set(None),
        reason: Set(format!("application {} approved", application.id)),
        case_id: Set(None),
        status: Set(OutboundStatus::Pending),
        error: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    })
    .await?;
    Ok(())
}

pub async fn list(
    tx: &TenantTx,
    group_id: Option<Uuid>,
    status: Option<ApplicationStatus>,
    page: PageRequest,
) -> DomainResult<Page<applications::Model>> {
    let mut select = tx.select::<applications::Entity>();
    if let Some(group_id) = group_id {
        select = select.filter(applications::Column::GroupId.eq(group_id));
    }
    if let Some(status) = status {
        select = select.filter(applications::Column::Status.eq(status));
    }
    Ok(keyset(tx.conn(), select, applications::Column::Id, page).await?)
}
