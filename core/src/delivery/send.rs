//! Sending one post through a channel: the wire format of each kind, splitting long content,
//! and reading the answer as delivered, retry (429, 5xx, network) or failed (other 4xx).

use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use qunyun_entity::{ChannelKind, channels, contents, groups, scheduled_posts};

use crate::ids::global;

/// WeCom group robot: markdown content up to 4096 bytes.
pub const WECOM_MARKDOWN_BYTES: usize = 4096;
/// Telegram `sendMessage`: up to 4096 characters.
pub const TELEGRAM_CHARS: usize = 4096;
/// Slack: keep each message within 40 000 characters.
pub const SLACK_CHARS: usize = 40_000;
/// A Retry-After longer than this is capped.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// What the platform said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Delivered {
        status: u16,
    },
    Retry {
        status: Option<u16>,
        error: String,
        after: Option<Duration>,
    },
    Failed {
        status: Option<u16>,
        error: String,
    },
}

pub struct Outgoing<'a> {
    pub post: &'a scheduled_posts::Model,
    pub group: &'a groups::Model,
    pub content: &'a contents::Model,
    pub channel: &'a channels::Model,
}

/// Splits `text` into pieces of at most `max` units (bytes or characters), at line breaks where
/// possible, never inside a character.
pub fn split(text: &str, max: usize, bytes: bool) -> Vec<String> {
    let size = |s: &str| if bytes { s.len() } else { s.chars().count() };
    let mut parts = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        if size(&current) + size(line) <= max {
            current.push_str(line);
            continue;
        }
        if !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        // A line longer than a whole message is cut by characters.
        for c in line.chars() {
            let width = if bytes { c.len_utf8() } else { 1 };
            if size(&current) + width > max {
                parts.push(std::mem::take(&mut current));
            }
            current.push(c);
        }
    }
    if !current.is_empty() || parts.is_empty() {
        parts.push(current);
    }
    parts
}

/// The messages a post becomes on its channel, in order.
pub fn parts(kind: ChannelKind, content: &contents::Model) -> Vec<String> {
    match kind {
        ChannelKind::Webhook => vec![String::new()],
        ChannelKind::WecomRobot => split(
            &format!("**{}**\n\n{}", content.title, content.body),
            WECOM_MARKDOWN_BYTES,
            true,
        ),
        ChannelKind::Telegram => split(
            &format!("{}\n\n{}", content.title, content.body),
            TELEGRAM_CHARS,
            false,
        ),
        ChannelKind::Slack => split(
            &format!("*{}*\n{}", content.title, content.body),
            SLACK_CHARS,
            false,
        ),
    }
}

/// The contract's webhook body.
pub fn webhook_body(out: &Outgoing<'_>) -> Value {
    json!({
        "id": out.post.delivery_id.to_string(),
        "type": "post",
        "post": {
            "id": global::encode("ScheduledPost", out.post.id),
            "scheduledAt": out.post.scheduled_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        },
        "group": {
            "id": global::encode("Group", out.group.id),
            "platform": out.group.platform.as_str(),
            "externalId": out.group.external_id,
        },
        "content": {
            "id": global::encode("Content", out.content.id),
            "title": out.content.title,
            "body": out.content.body,
            "kind": out.content.kind.as_str(),
            "mix": out.content.mix.as_str(),
        },
    })
}

/// `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes keys of any length: this cannot fail.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    if let Ok(secs) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    let secs = (at.with_timezone(&Utc) - Utc::now()).num_seconds().max(0) as u64;
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

fn truncate(s: &str) -> String {
    s.chars().take(500).collect()
}

/// Classifies an HTTP answer; `ok` checks a 2xx body for platform-level errors.
async fn classify(response: reqwest::Response, ok: impl FnOnce(u16, &str) -> Option<Sent>) -> Sent {
    let status = response.status().as_u16();
    let after = retry_after(&response);
    let body = response.text().await.unwrap_or_default();
    if (200..300).contains(&status) {
        return ok(status, &body).unwrap_or(Sent::Delivered { status });
    }
    // Telegram carries its wait in the body.
    let telegram_after = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v["parameters"]["retry_after"].as_u64())
        .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
    let error = format!("HTTP {status}: {}", truncate(&body));
    if status == 429 || status >= 500 {
        Sent::Retry {
            status: Some(status),
            error,
            after: after.or(telegram_after),
        }
    } else {
        Sent::Failed {
            status: Some(status),
            error,
        }
    }
}

fn network(err: reqwest::Error) -> Sent {
    Sent::Retry {
        status: None,
        error: format!("network: {}", truncate(&err.to_string())),
        after: None,
    }
}

/// Sends part `index` of a post.
pub async fn send(http: &reqwest::Client, out: &Outgoing<'_>, part: &str) -> Sent {
    let channel = out.channel;
    match channel.kind {
        ChannelKind::Webhook => {
            let body = webhook_body(out).to_string();
            let timestamp = Utc::now().timestamp();
            let secret = channel.secret.as_deref().unwrap_or_default();
            let request = http
                .post(&channel.url)
                .header("content-type", "application/json")
                .header("idempotency-key", out.post.delivery_id.to_string())
                .header("x-qunyun-timestamp", timestamp.to_string())
                .header("x-qunyun-signature", signature(secret, timestamp, &body))
                .body(body);
            match request.send().await {
                Ok(response) => classify(response, |_, _| None).await,
                Err(err) => network(err),
            }
        }
        ChannelKind::WecomRobot => {
            let body = json!({"msgtype": "markdown", "markdown": {"content": part}});
            match http.post(&channel.url).json(&body).send().await {
                Ok(response) => {
                    classify(response, |status, text| {
                        let answer: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                        match answer["errcode"].as_i64() {
                            Some(0) | None => None,
                            // 45009: the robot's 20-a-minute limit.
                            Some(45009) => Some(Sent::Retry {
                                status: Some(status),
                                error: format!(
                                    "WeCom errcode 45009: {}",
                                    truncate(answer["errmsg"].as_str().unwrap_or(""))
                                ),
                                after: Some(Duration::from_secs(60)),
                            }),
                            Some(code) => Some(Sent::Failed {
                                status: Some(status),
                                error: format!(
                                    "WeCom errcode {code}: {}",
                                    truncate(answer["errmsg"].as_str().unwrap_or(""))
                                ),
                            }),
                        }
                    })
                    .await
                }
                Err(err) => network(err),
            }
        }
        ChannelKind::Telegram => {
            let token = channel.secret.as_deref().unwrap_or_default();
            let url = format!("{}/bot{token}/sendMessage", channel.url);
            let body = json!({"chat_id": channel.chat_id, "text": part});
            match http.post(url).json(&body).send().await {
                Ok(response) => {
                    classify(response, |status, text| {
                        let answer: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                        (answer["ok"] == Value::Bool(false)).then(|| Sent::Failed {
                            status: Some(status),
                            error: format!(
                                "Telegram: {}",
                                truncate(answer["description"].as_str().unwrap_or("not ok"))
                            ),
                        })
                    })
                    .await
                }
                Err(err) => network(err),
            }
        }
        ChannelKind::Slack => {
            let body = json!({"text": part});
            match http.post(&channel.url).json(&body).send().await {
                Ok(response) => classify(response, |_, _| None).await,
                Err(err) => network(err),
            }
        }
    }
}

/// A delivery id's key form (the `Idempotency-Key` header).
pub fn idempotency_key(delivery_id: Uuid) -> String {
    delivery_id.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_lines_and_characters() {
        assert_eq!(split("short", 10, true), vec!["short"]);
        assert_eq!(
            split("aaaa\nbbbb\ncccc", 10, true),
            vec!["aaaa\nbbbb\n", "cccc"]
        );
        // Chinese characters are 3 bytes: never split inside one.
        let parts = split(&"中".repeat(5), 7, true);
        assert_eq!(parts, vec!["中中", "中中", "中"]);
        assert!(parts.iter().all(|p| p.len() <= 7));
        assert_eq!(split(&"x".repeat(9), 4, false).len(), 3);
        assert_eq!(split("", 4, false), vec![""]);
    }

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // From openssl: echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'secret-secret-secret'
        let sig = signature("secret-secret-secret", 1_700_000_000, r#"{"a":1}"#);
        assert_eq!(
            sig,
            "sha256=fa345d5b654e6667128855e14a4938c54b5b813699e6b72c5c4f501aa493ba92"
        );
        assert_ne!(
            sig,
            signature("other-secret-secret!", 1_700_000_000, r#"{"a":1}"#)
        );
        assert_ne!(
            sig,
            signature("secret-secret-secret", 1_700_000_001, r#"{"a":1}"#)
        );
    }
}
