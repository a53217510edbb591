//! The GraphQL schema: one resolver struct per area, merged here; limits on depth, complexity,
//! recursion and directives; introspection and suggestions off in production.

pub mod account;
pub mod api_keys;
pub mod applications;
pub mod campaigns;
pub mod commerce;
pub mod content;
pub mod context;
pub mod error;
pub mod groups;
pub mod ids;
pub mod loaders;
pub mod members;
pub mod monitoring;
pub mod node;
pub mod pagination;
pub mod risk;
pub mod rules;
pub mod scalars;
pub mod tenancy;
pub mod wecom;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};
use qunyun_core::defaults::platform::{
    GRAPHQL_MAX_COMPLEXITY, GRAPHQL_MAX_DEPTH, GRAPHQL_MAX_DIRECTIVES, GRAPHQL_MAX_RECURSIVE_DEPTH,
};

#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    node::NodeQuery,
    account::AccountQuery,
    tenancy::TenancyQuery,
    api_keys::ApiKeyQuery,
    groups::GroupQuery,
    members::MemberQuery,
    risk::RiskQuery,
    applications::ApplicationQuery,
    wecom::WecomQuery,
    content::ContentQuery,
    campaigns::CampaignQuery,
    monitoring::MonitoringQuery,
    commerce::CommerceQuery,
);

#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    account::AccountMutation,
    tenancy::TenancyMutation,
    api_keys::ApiKeyMutation,
    groups::GroupMutation,
    members::MemberMutation,
    rules::RuleMutation,
    risk::RiskMutation,
    applications::ApplicationMutation,
    wecom::WecomMutation,
    content::ContentMutation,
    campaigns::CampaignMutation,
    monitoring::MonitoringMutation,
    commerce::CommerceMutation,
);

#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(risk::RiskSubscription, monitoring::MonitoringSubscription);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with its limits, without data (add `.data(services)` to serve).
pub fn builder(production: bool) -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    let builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_depth(GRAPHQL_MAX_DEPTH)
    .limit_complexity(GRAPHQL_MAX_COMPLEXITY)
    .limit_recursive_depth(GRAPHQL_MAX_RECURSIVE_DEPTH)
    .limit_directives(GRAPHQL_MAX_DIRECTIVES);
    if production {
        builder.disable_introspection().disable_suggestions()
    } else {
        builder
    }
}

/// The SDL that `schema.graphql` holds (`qunyun-api print-schema`).
pub fn sdl() -> String {
    let options = async_graphql::SDLExportOptions::new()
        .use_space_ident()
        .indent_width(2)
        .prefer_single_line_descriptions();
    builder(false).finish().sdl_with_options(options)
}
