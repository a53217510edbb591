//! Enumerations stored as text columns. Their string values are the GraphQL names, so a row is
//! readable in `psql` and the API maps them one to one.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Role {
    #[sea_orm(string_value = "OWNER")]
    Owner,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    #[sea_orm(string_value = "OPERATOR")]
    Operator,
    #[sea_orm(string_value = "ANALYST")]
    Analyst,
}

impl Role {
    /// Higher is more powerful; used to pick the stronger of a direct and an inherited role.
    pub fn rank(self) -> u8 {
        match self {
            Role::Owner => 4,
            Role::Admin => 3,
            Role::Operator => 2,
            Role::Analyst => 1,
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum TenantKind {
    #[sea_orm(string_value = "AGENCY")]
    Agency,
    #[sea_orm(string_value = "BRAND")]
    Brand,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ApiKeyScope {
    #[sea_orm(string_value = "INGEST")]
    Ingest,
    #[sea_orm(string_value = "READ")]
    Read,
    #[sea_orm(string_value = "WRITE")]
    Write,
}

impl ApiKeyScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKeyScope::Ingest => "INGEST",
            ApiKeyScope::Read => "READ",
            ApiKeyScope::Write => "WRITE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "INGEST" => Some(ApiKeyScope::Ingest),
            "READ" => Some(ApiKeyScope::Read),
            "WRITE" => Some(ApiKeyScope::Write),
            _ => None,
        }
    }
}

/// Declares a text-stored enum whose string values are its GraphQL names.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        pub enum $name {
            $(
                #[sea_orm(string_value = $value)]
                #[serde(rename = $value)]
                $variant,
            )+
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value,)+
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($value => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

text_enum!(Platform { Wecom = "WECOM", Wechat = "WECHAT", Telegram = "TELEGRAM", Discord = "DISCORD", Slack = "SLACK", Other = "OTHER" });

impl Platform {
    /// The prefix of `<platform>:<externalId>` group references in events (`wecom:wrOg…`).
    pub fn from_prefix(prefix: &str) -> Option<Self> {
        Self::parse(&prefix.to_ascii_uppercase())
    }
}

text_enum!(GroupKind { Knowledge = "KNOWLEDGE", ProductService = "PRODUCT_SERVICE", Interest = "INTEREST", Resource = "RESOURCE" });
text_enum!(AdmissionPolicy {
    Open = "OPEN",
    ApplicationReview = "APPLICATION_REVIEW",
    Paid = "PAID",
    AfterPurchase = "AFTER_PURCHASE",
    InviteQuestionnaire = "INVITE_QUESTIONNAIRE",
});
text_enum!(GroupStatus { Active = "ACTIVE", Archived = "ARCHIVED" });
text_enum!(MemberLayer { Core = "CORE", Active = "ACTIVE", Lurker = "LURKER" });
text_enum!(
    /// The `type` of an ingested event.
    EventKind {
        Message = "message",
        MemberJoined = "member_joined",
        MemberLeft = "member_left",
        MessageRead = "message_read",
        ContentSaved = "content_saved",
        Complaint = "complaint",
        LinkClicked = "link_clicked",
        OrderPaid = "order_paid",
        OrderRefunded = "order_refunded",
    }
);
text_enum!(ModerationStatus { Open = "OPEN", Actioned = "ACTIONED", Dismissed = "DISMISSED" });
text_enum!(
    /// The three levels of group rules.
    RuleLevel { Convention = "CONVENTION", Behaviour = "BEHAVIOUR", RewardSanction = "REWARD_SANCTION" }
);
text_enum!(RuleKind {
    NicknamePattern = "NICKNAME_PATTERN",
    Keywords = "KEYWORDS",
    NoLinks = "NO_LINKS",
    NoQrCodes = "NO_QR_CODES",
    NoContactCards = "NO_CONTACT_CARDS",
    NoPhoneNumbers = "NO_PHONE_NUMBERS",
    RateLimit = "RATE_LIMIT",
    MessagePoints = "MESSAGE_POINTS",
});
text_enum!(RuleAction { Flag = "FLAG", Warn = "WARN", Mute = "MUTE", Remove = "REMOVE", Blacklist = "BLACKLIST", Points = "POINTS" });
text_enum!(ApplicationStatus { Pending = "PENDING", Approved = "APPROVED", Rejected = "REJECTED" });
text_enum!(OutboundKind { Warn = "WARN", Mute = "MUTE", Remove = "REMOVE", Admit = "ADMIT" });
text_enum!(OutboundStatus { Pending = "PENDING", Done = "DONE", Failed = "FAILED" });

text_enum!(ContentKind { Tutorial = "TUTORIAL", Offer = "OFFER", Topic = "TOPIC", Announcement = "ANNOUNCEMENT", Survey = "SURVEY", Other = "OTHER" });
text_enum!(ContentMix { Value = "VALUE", Interaction = "INTERACTION", Promotion = "PROMOTION" });
text_enum!(PostStatus { Scheduled = "SCHEDULED", Sending = "SENDING", Sent = "SENT", Failed = "FAILED", Cancelled = "CANCELLED" });
text_enum!(ChannelKind { Webhook = "WEBHOOK", WecomRobot = "WECOM_ROBOT", Telegram = "TELEGRAM", Slack = "SLACK" });
text_enum!(
    /// How one delivery attempt ended.
    AttemptOutcome { Sent = "SENT", Retry = "RETRY", Failed = "FAILED", Started = "STARTED" }
);
text_enum!(CampaignKind { Quiz = "QUIZ", CheckinChallenge = "CHECKIN_CHALLENGE", Debate = "DEBATE", Relay = "RELAY", FlashSale = "FLASH_SALE" });
text_enum!(CampaignStatus { Draft = "DRAFT", Running = "RUNNING", Ended = "ENDED" });
text_enum!(ParticipantStatus { Pending = "PENDING", Accepted = "ACCEPTED", Rejected = "REJECTED" });
text_enum!(AlertMetric { MessagesPerMember = "MESSAGES_PER_MEMBER", WeeklyExitRate = "WEEKLY_EXIT_RATE", AdShare = "AD_SHARE", ChurnRate = "CHURN_RATE" });
text_enum!(AlertStatus { Open = "OPEN", Acknowledged = "ACKNOWLEDGED", Resolved = "RESOLVED" });
text_enum!(Comparison { Below = "BELOW", Above = "ABOVE" });
text_enum!(OfferKind { Distribution = "DISTRIBUTION", PaidKnowledge = "PAID_KNOWLEDGE", ValueAdded = "VALUE_ADDED", Ad = "AD", FlashSale = "FLASH_SALE" });
text_enum!(OfferStatus { Active = "ACTIVE", Ended = "ENDED" });
text_enum!(RoiScope { Offer = "OFFER", Campaign = "CAMPAIGN", Group = "GROUP", Tenant = "TENANT" });
text_enum!(Attribution { Code = "CODE", LastClick = "LAST_CLICK", None = "NONE" });
text_enum!(ClickSource { Link = "LINK", Event = "EVENT" });
text_enum!(AlertAction { ScheduleTopic = "SCHEDULE_TOPIC", SendSurvey = "SEND_SURVEY", StrictFilter = "STRICT_FILTER", RetentionPlaybook = "RETENTION_PLAYBOOK", Notify = "NOTIFY", None = "NONE" });
