//! Entry questionnaires and applications: `setEntryQuestionnaire`, `submitApplication`,
//! `reviewApplication`, `applications`, `Group.questionnaire`.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use qunyun_core::applications::{self, Choice, Question, Submission};
use qunyun_core::tenancy::Permission;
use qunyun_entity::{applications as entity, questionnaires};

use super::context::{read, tenant_loaders, write};
use super::error::{Code, GqlResult, UserError, error, payload};
use super::groups::Group;
use super::ids::{self, to_global};
use super::pagination::{build, page_request};
use super::scalars::DateTime;
use crate::connection;

#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "ChoiceInput")]
pub struct QuestionChoice {
    pub label: String,
    pub score: i32,
}

#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "QuestionInput")]
pub struct QuestionnaireQuestion {
    pub text: String,
    pub options: Vec<QuestionChoice>,
}

pub struct Questionnaire(pub questionnaires::Model);

#[Object]
impl Questionnaire {
    /// At or above: approved at once.
    async fn pass_score(&self) -> i32 {
        self.0.pass_score
    }
    /// Below: rejected at once; in between, a person reviews.
    async fn reject_score(&self) -> i32 {
        self.0.reject_score
    }
    async fn questions(&self) -> Vec<QuestionnaireQuestion> {
        applications::questions_of(&self.0)
            .into_iter()
            .map(|q| QuestionnaireQuestion {
                text: q.text,
                options: q
                    .options
                    .into_iter()
                    .map(|o| QuestionChoice {
                        label: o.label,
                        score: o.score,
                    })
                    .collect(),
            })
            .collect()
    }
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::ApplicationStatus")]
pub enum ApplicationStatus {
    Pending,
    Approved,
    Rejected,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Application {
    #[graphql(skip)]
    pub row: entity::Model,
    pub platform_user_id: String,
    pub display_name: Option<String>,
    pub statement: Option<String>,
    pub score: i32,
    pub status: ApplicationStatus,
    /// True when the questionnaire decided, false when a person did (or nobody yet).
    pub automatic: bool,
    pub decided_at: Option<DateTime>,
    pub note: Option<String>,
    pub created_at: DateTime,
}

pub fn application(row: entity::Model) -> Application {
    Application {
        platform_user_id: row.platform_user_id.clone(),
        display_name: row.display_name.clone(),
        statement: row.statement.clone(),
        score: row.score,
        status: row.status.into(),
        automatic: row.automatic,
        decided_at: row.decided_at.map(Into::into),
        note: row.note.clone(),
        created_at: row.created_at.into(),
        row,
    }
}

#[ComplexObject]
impl Application {
    pub async fn id(&self) -> ID {
        to_global("Application", self.row.id)
    }
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Group> {
        let group = tenant_loaders(ctx)
            .await?
            .groups
            .load_one(self.row.group_id)
            .await?;
        group
            .map(Group)
            .ok_or_else(|| error(Code::NotFound, "group not found"))
    }
    /// The user who decided, by id (null for automatic decisions).
    async fn decided_by(&self) -> Option<ID> {
        self.row.decided_by.map(|u| to_global("User", u))
    }
    async fn answers(&self) -> Vec<i32> {
        serde_json::from_value(self.row.answers.clone()).unwrap_or_default()
    }
}

connection!(ApplicationConnection, ApplicationEdge, Application);

#[derive(InputObject)]
pub struct SetEntryQuestionnaireInput {
    pub group_id: ID,
    pub pass_score: i32,
    pub reject_score: i32,
    pub questions: Vec<QuestionnaireQuestion>,
}

#[derive(SimpleObject)]
pub struct SetEntryQuestionnairePayload {
    pub questionnaire: Option<Questionnaire>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct SubmitApplicationInput {
    pub group_id: ID,
    pub platform_user_id: String,
    pub display_name: Option<String>,
    /// The chosen option's index for each question, in order.
    #[graphql(default)]
    pub answers: Vec<i32>,
    /// Free text, e.g. a CV.
    pub statement: Option<String>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Decision {
    Approve,
    Reject,
}

#[derive(InputObject)]
pub struct ReviewApplicationInput {
    pub id: ID,
    pub decision: Decision,
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct ApplicationPayload {
    pub application: Option<Application>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct ApplicationQuery;

#[Object]
impl ApplicationQuery {
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn applications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        group_id: Option<ID>,
        status: Option<ApplicationStatus>,
    ) -> async_graphql::Result<ApplicationConnection> {
        let request = page_request(first, after)?;
        let group_id = group_id.map(|id| ids::arg(&id, "Group")).transpose()?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let page = applications::list(&tx, group_id, status.map(Into::into), request)
            .await
            .gql()?;
        Ok(build(page, |a| a.id, application).into())
    }

    async fn entry_questionnaire(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
    ) -> async_graphql::Result<Option<Questionnaire>> {
        let group_id = ids::arg(&group_id, "Group")?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        Ok(applications::questionnaire(&tx, group_id)
            .await
            .gql()?
            .map(Questionnaire))
    }
}

#[derive(Default)]
pub struct ApplicationMutation;

#[Object]
impl ApplicationMutation {
    async fn set_entry_questionnaire(
        &self,
        ctx: &Context<'_>,
        input: SetEntryQuestionnaireInput,
    ) -> async_graphql::Result<SetEntryQuestionnairePayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let group_id = ids::input(&input.group_id, "Group", "groupId")?;
            let questions = input
                .questions
                .into_iter()
                .map(|q| Question {
                    text: q.text,
                    options: q
                        .options
                        .into_iter()
                        .map(|o| Choice {
                            label: o.label,
                            score: o.score,
                        })
                        .collect(),
                })
                .collect();
            applications::set_questionnaire(
                &tx,
                group_id,
                input.pass_score,
                input.reject_score,
                questions,
            )
            .await
        }
        .await;
        let (questionnaire, user_errors) = payload(tx.finish(result).await)?;
        Ok(SetEntryQuestionnairePayload {
            questionnaire: questionnaire.map(Questionnaire),
            user_errors,
        })
    }

    /// Records an application (from a join form or a connector) and decides it when the
    /// questionnaire's scores allow.
    async fn submit_application(
        &self,
        ctx: &Context<'_>,
        input: SubmitApplicationInput,
    ) -> async_graphql::Result<ApplicationPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let group_id = ids::input(&input.group_id, "Group", "groupId")?;
            applications::submit(
                &tx,
                Submission {
                    group_id,
                    platform_user_id: input.platform_user_id,
                    display_name: input.display_name,
                    answers: input.answers,
                    statement: input.statement,
                },
            )
            .await
        }
        .await;
        let (decided, user_errors) = payload(tx.finish(result).await)?;
        Ok(ApplicationPayload {
            application: decided.map(application),
            user_errors,
        })
    }

    async fn review_application(
        &self,
        ctx: &Context<'_>,
        input: ReviewApplicationInput,
    ) -> async_graphql::Result<ApplicationPayload> {
        let (access, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.id, "Application", "id")?;
            applications::review(
                &tx,
                id,
                input.decision == Decision::Approve,
                access.user_id(),
                input.note,
            )
            .await
        }
        .await;
        let (decided, user_errors) = payload(tx.finish(result).await)?;
        Ok(ApplicationPayload {
            application: decided.map(application),
            user_errors,
        })
    }
}
