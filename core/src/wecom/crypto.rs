//! WeCom (企业微信) callback crypto (`WXBizMsgCrypt`) and callback event parsing.
//!
//! Scheme summary:
//!
//! * `msg_signature = hex(SHA1(concat(sort([token, timestamp, nonce, encrypt]))))`, the four
//!   strings sorted byte-wise and concatenated.
//! * AES key = `base64_decode(EncodingAESKey + "=")` (43 chars → 32 bytes). AES-256-CBC with
//!   IV = first 16 bytes of the key, PKCS#7 padding with a block size of **32**.
//! * Plaintext = `random(16) ‖ msg_len (u32 BE) ‖ msg ‖ receive_id`.
//! * Ciphertext on the wire: standard base64 with padding.
//!
//! Nothing in this module panics on untrusted input; every failure is a [`WecomError`].

use aes::Aes256;
use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

type Aes256CbcEnc = cbc::Encryptor<Aes256>;
type Aes256CbcDec = cbc::Decryptor<Aes256>;

/// PKCS#7 block size used by WXBizMsgCrypt (not the AES block size of 16).
const PAD_BLOCK: usize = 32;
/// Length of the `EncodingAESKey` as shown in the WeCom admin console.
const ENCODING_AES_KEY_LEN: usize = 43;
/// random(16) + msg_len(4)
const HEADER_LEN: usize = 20;

/// Base64 engine for the `EncodingAESKey` only.
///
/// WeCom's 43-character keys carry 258 bits, of which only 256 are used; the low 2 bits of the
/// last character are routinely non-zero (both official sample keys have this). The reference
/// SDKs (Python/Java/PHP) silently discard them, while `base64`'s strict `STANDARD` engine
/// rejects them, so we must allow trailing bits here.
const KEY_ENGINE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// Errors returned by the WeCom crypto and parsing functions.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WecomError {
    /// The `EncodingAESKey` is not 43 chars of base64 decoding to 32 bytes.
    #[error("invalid EncodingAESKey (must be 43 base64 chars decoding to 32 bytes)")]
    BadKey,
    /// `msg_signature` does not match.
    #[error("msg_signature mismatch")]
    BadSignature,
    /// Ciphertext is not valid standard base64.
    #[error("ciphertext is not valid base64")]
    BadBase64,
    /// Ciphertext is empty or not a multiple of the AES block size.
    #[error("ciphertext has an invalid length")]
    BadCiphertext,
    /// PKCS#7 (block 32) padding is malformed.
    #[error("invalid PKCS#7 padding")]
    BadPadding,
    /// Decrypted plaintext is too short or its length prefix is out of range.
    #[error("invalid plaintext length field")]
    BadLength,
    /// The trailing receive id does not equal the configured corp id / suite id.
    #[error("receive id mismatch")]
    ReceiveIdMismatch,
    /// XML could not be parsed / a field has an invalid value.
    #[error("bad XML: {0}")]
    BadXml(String),
    /// A required XML element is missing (or empty).
    #[error("missing XML field: {0}")]
    MissingField(&'static str),
    /// The decrypted message is not valid UTF-8.
    #[error("decrypted message is not UTF-8")]
    NotUtf8,
}

/// WXBizMsgCrypt state: token, 32-byte AES key and expected receive id (corp id or suite id).
#[derive(Clone)]
pub struct WecomCrypto {
    token: String,
    key: [u8; 32],
    receive_id: String,
}

impl std::fmt::Debug for WecomCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WecomCrypto")
            .field("token", &"<redacted>")
            .field("key", &"<redacted>")
            .field("receive_id", &self.receive_id)
            .finish()
    }
}

impl WecomCrypto {
    /// Creates the crypto state. `encoding_aes_key` must be 43 base64 characters that decode
    /// (after appending `=`) to exactly 32 bytes.
    pub fn new(token: &str, encoding_aes_key: &str, receive_id: &str) -> Result<Self, WecomError> {
        if encoding_aes_key.len() != ENCODING_AES_KEY_LEN {
            return Err(WecomError::BadKey);
        }
        let mut padded = String::with_capacity(ENCODING_AES_KEY_LEN + 1);
        padded.push_str(encoding_aes_key);
        padded.push('=');
        let raw = KEY_ENGINE
            .decode(padded.as_bytes())
            .map_err(|_| WecomError::BadKey)?;
        let key: [u8; 32] = raw.try_into().map_err(|_| WecomError::BadKey)?;
        Ok(Self {
            token: token.to_owned(),
            key,
            receive_id: receive_id.to_owned(),
        })
    }

    /// The configured receive id (corp id / suite id).
    pub fn receive_id(&self) -> &str {
        &self.receive_id
    }

    /// `hex(SHA1(concat(sort([token, timestamp, nonce, encrypted]))))`, lowercase hex.
    pub fn signature(&self, timestamp: &str, nonce: &str, encrypted: &str) -> String {
        let mut parts = [self.token.as_str(), timestamp, nonce, encrypted];
        // `str`'s `Ord` is byte-wise lexicographic, matching the reference SDKs.
        parts.sort_unstable();
        let mut h = Sha1::new();
        for p in parts {
            h.update(p.as_bytes());
        }
        hex::encode(h.finalize())
    }

    /// Constant-time signature check; `msg_signature` hex is accepted in any case.
    pub fn verify_signature(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypted: &str,
    ) -> bool {
        let expected = self.signature(timestamp, nonce, encrypted);
        let given = msg_signature.to_ascii_lowercase();
        // `ct_eq` on slices of different lengths returns false without panicking.
        bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.key[..16]);
        iv
    }

    /// Decrypts a base64 ciphertext and returns the message (receive id checked and stripped).
    ///
    /// This does **not** check the signature; use [`Self::verify_url`] / [`Self::open_message`]
    /// for untrusted requests (they verify the signature first, so no padding oracle is exposed).
    pub fn decrypt(&self, encrypted_b64: &str) -> Result<String, WecomError> {
        let msg = self.decrypt_bytes(encrypted_b64)?;
        String::from_utf8(msg).map_err(|_| WecomError::NotUtf8)
    }

    fn decrypt_bytes(&self, encrypted_b64: &str) -> Result<Vec<u8>, WecomError> {
        let data = STANDARD
            .decode(encrypted_b64.as_bytes())
            .map_err(|_| WecomError::BadBase64)?;
        if data.is_empty() || data.len() % 16 != 0 {
            return Err(WecomError::BadCiphertext);
        }
        let plain = Aes256CbcDec::new(&self.key.into(), &self.iv().into())
            .decrypt_padded_vec_mut::<NoPadding>(&data)
            .map_err(|_| WecomError::BadCiphertext)?;
        let content = pkcs7_unpad(&plain)?;
        let (header, rest) = content
            .split_at_checked(HEADER_LEN)
            .ok_or(WecomError::BadLength)?;
        let len_bytes: [u8; 4] = header
            .get(16..HEADER_LEN)
            .and_then(|b| b.try_into().ok())
            .ok_or(WecomError::BadLength)?;
        let msg_len =
            usize::try_from(u32::from_be_bytes(len_bytes)).map_err(|_| WecomError::BadLength)?;
        let (msg, rid) = rest
            .split_at_checked(msg_len)
            .ok_or(WecomError::BadLength)?;
        if rid != self.receive_id.as_bytes() {
            return Err(WecomError::ReceiveIdMismatch);
        }
        Ok(msg.to_vec())
    }

    /// Encrypts `plaintext` with the given 16 random bytes; returns standard base64.
    ///
    /// (A message longer than `u32::MAX` bytes cannot be represented by the wire format and is
    /// truncated to `u32::MAX` bytes.)
    pub fn encrypt(&self, plaintext: &str, random16: [u8; 16]) -> String {
        let msg = plaintext.as_bytes();
        let msg = msg.get(..u32::MAX as usize).unwrap_or(msg);
        let msg_len = u32::try_from(msg.len()).unwrap_or(u32::MAX);
        let mut buf = Vec::with_capacity(HEADER_LEN + msg.len() + self.receive_id.len() + 32);
        buf.extend_from_slice(&random16);
        buf.extend_from_slice(&msg_len.to_be_bytes());
        buf.extend_from_slice(msg);
        buf.extend_from_slice(self.receive_id.as_bytes());
        pkcs7_pad(&mut buf);
        self.encrypt_aligned(&buf)
    }

    /// Like [`Self::encrypt`] with fresh random bytes from the thread RNG.
    pub fn encrypt_random(&self, plaintext: &str) -> String {
        self.encrypt(plaintext, rand::random::<[u8; 16]>())
    }

    /// AES-256-CBC over a buffer that is already a multiple of 16 bytes.
    fn encrypt_aligned(&self, buf: &[u8]) -> String {
        let ct = Aes256CbcEnc::new(&self.key.into(), &self.iv().into())
            .encrypt_padded_vec_mut::<NoPadding>(buf);
        STANDARD.encode(ct)
    }

    /// GET URL verification: checks the signature over `echostr`, decrypts it and returns the
    /// plaintext that must be echoed back as the HTTP response body.
    ///
    /// The arguments must be the URL-decoded query values (note `+` in `echostr` must survive
    /// decoding as `+`, not become a space).
    pub fn verify_url(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        echostr: &str,
    ) -> Result<String, WecomError> {
        if !self.verify_signature(msg_signature, timestamp, nonce, echostr) {
            return Err(WecomError::BadSignature);
        }
        self.decrypt(echostr)
    }

    /// POST event delivery: extracts `<Encrypt>` from `body_xml`, checks the signature over it,
    /// decrypts, and returns the inner (plaintext) XML.
    pub fn open_message(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body_xml: &str,
    ) -> Result<String, WecomError> {
        let encrypted = extract_encrypt(body_xml)?;
        if !self.verify_signature(msg_signature, timestamp, nonce, &encrypted) {
            return Err(WecomError::BadSignature);
        }
        self.decrypt(&encrypted)
    }

    /// Builds an encrypted passive reply body:
    /// `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`.
    pub fn seal_reply(
        &self,
        reply_xml: &str,
        timestamp: &str,
        nonce: &str,
        random16: [u8; 16],
    ) -> String {
        let encrypted = self.encrypt(reply_xml, random16);
        let sig = self.signature(timestamp, nonce, &encrypted);
        format!(
            "<xml><Encrypt>{}</Encrypt><MsgSignature>{}</MsgSignature><TimeStamp>{}</TimeStamp><Nonce>{}</Nonce></xml>",
            cdata(&encrypted),
            cdata(&sig),
            xml_escape(timestamp),
            cdata(nonce)
        )
    }
}

/// Builds an encrypted POST callback body (as WeCom would send it) for tests.
/// Returns `(body_xml, msg_signature)`.
pub fn seal_message(
    crypto: &WecomCrypto,
    inner_xml: &str,
    timestamp: &str,
    nonce: &str,
    random16: [u8; 16],
) -> (String, String) {
    let encrypted = crypto.encrypt(inner_xml, random16);
    let sig = crypto.signature(timestamp, nonce, &encrypted);
    let body = format!(
        "<xml><ToUserName>{}</ToUserName><Encrypt>{}</Encrypt><AgentID>{}</AgentID></xml>",
        cdata(crypto.receive_id()),
        cdata(&encrypted),
        cdata("")
    );
    (body, sig)
}

/// Appends PKCS#7 padding with block size 32 (always 1..=32 bytes).
fn pkcs7_pad(buf: &mut Vec<u8>) {
    let pad = PAD_BLOCK - (buf.len() % PAD_BLOCK); // 1..=32
    // `pad` <= 32, so the cast cannot truncate.
    buf.resize(buf.len() + pad, pad as u8);
}

/// Strips PKCS#7 padding (block size 32), rejecting malformed padding.
fn pkcs7_unpad(buf: &[u8]) -> Result<&[u8], WecomError> {
    let &last = buf.last().ok_or(WecomError::BadPadding)?;
    let pad = usize::from(last);
    if pad == 0 || pad > PAD_BLOCK || pad > buf.len() {
        return Err(WecomError::BadPadding);
    }
    let (content, padding) = buf.split_at(buf.len() - pad);
    if padding.iter().any(|&b| b != last) {
        return Err(WecomError::BadPadding);
    }
    Ok(content)
}

/// Wraps text in CDATA, splitting any `]]>` so the result is always well-formed.
fn cdata(s: &str) -> String {
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

// ---------------------------------------------------------------------------------------------
// XML helpers
// ---------------------------------------------------------------------------------------------

fn parse_doc(xml: &str) -> Result<roxmltree::Document<'_>, WecomError> {
    // Default options: DTDs are rejected, so no entity-expansion tricks.
    roxmltree::Document::parse(xml).map_err(|e| WecomError::BadXml(e.to_string()))
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// Concatenated direct text/CDATA content of an element, trimmed.
fn node_text(node: roxmltree::Node<'_, '_>) -> String {
    let s: String = node
        .children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect();
    s.trim().to_owned()
}

/// Text of a child element; `None` if absent or empty.
fn opt_text(node: roxmltree::Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name).map(node_text).filter(|s| !s.is_empty())
}

fn req_text(node: roxmltree::Node<'_, '_>, name: &'static str) -> Result<String, WecomError> {
    opt_text(node, name).ok_or(WecomError::MissingField(name))
}

fn opt_num<T: std::str::FromStr>(
    node: roxmltree::Node<'_, '_>,
    name: &'static str,
) -> Result<Option<T>, WecomError> {
    match opt_text(node, name) {
        None => Ok(None),
        Some(s) => s
            .parse::<T>()
            .map(Some)
            .map_err(|_| WecomError::BadXml(format!("invalid integer in <{name}>"))),
    }
}

fn extract_encrypt(body_xml: &str) -> Result<String, WecomError> {
    let doc = parse_doc(body_xml)?;
    req_text(doc.root_element(), "Encrypt")
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/// What happened in a `change_external_chat` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatChange {
    /// `ChangeType = create`
    Create,
    /// `ChangeType = dismiss`
    Dismiss,
    /// `update` / `add_member`. `JoinScene`: 0 = invited by a member, 3 = via QR code.
    AddMember {
        join_scene: Option<i32>,
        members: Vec<String>,
    },
    /// `update` / `del_member`. `QuitScene`: 0 = left, 1 = removed.
    DelMember {
        quit_scene: Option<i32>,
        members: Vec<String>,
    },
    /// Any other `UpdateDetail` (`change_owner`, `change_name`, `change_notice`, …). An unknown
    /// `ChangeType` (neither create/update/dismiss) is also reported here with `detail` set to
    /// the `ChangeType` value.
    OtherUpdate { detail: String },
}

/// A parsed (decrypted) callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WecomEvent {
    /// `MsgType = event`, `Event = change_external_chat` (customer group change).
    ChangeExternalChat {
        chat_id: String,
        create_time: i64,
        change: ChatChange,
        mem_change_cnt: Option<i64>,
        cur_mem_ver: Option<String>,
        last_mem_ver: Option<String>,
    },
    /// Anything else.
    Other {
        msg_type: String,
        event: Option<String>,
    },
}

/// Parses the decrypted inner XML of a callback.
pub fn parse_event(inner_xml: &str) -> Result<WecomEvent, WecomError> {
    let doc = parse_doc(inner_xml)?;
    let root = doc.root_element();
    let msg_type = req_text(root, "MsgType")?;
    let event = opt_text(root, "Event");
    if msg_type != "event" || event.as_deref() != Some("change_external_chat") {
        return Ok(WecomEvent::Other { msg_type, event });
    }

    let chat_id = req_text(root, "ChatId")?;
    let create_time =
        opt_num::<i64>(root, "CreateTime")?.ok_or(WecomError::MissingField("CreateTime"))?;
    let change_type = req_text(root, "ChangeType")?;
    let members = || -> Vec<String> {
        child(root, "MemChangeList")
            .map(|list| {
                list.children()
                    .filter(|c| c.is_element() && c.tag_name().name() == "Item")
                    .map(node_text)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let change = match change_type.as_str() {
        "create" => ChatChange::Create,
        "dismiss" => ChatChange::Dismiss,
        "update" => {
            let detail = req_text(root, "UpdateDetail")?;
            match detail.as_str() {
                "add_member" => ChatChange::AddMember {
                    join_scene: opt_num(root, "JoinScene")?,
                    members: members(),
                },
                "del_member" => ChatChange::DelMember {
                    quit_scene: opt_num(root, "QuitScene")?,
                    members: members(),
                },
                _ => ChatChange::OtherUpdate { detail },
            }
        }
        _ => ChatChange::OtherUpdate {
            detail: change_type,
        },
    };
    Ok(WecomEvent::ChangeExternalChat {
        chat_id,
        create_time,
        change,
        mem_change_cnt: opt_num(root, "MemChangeCnt")?,
        cur_mem_ver: opt_text(root, "CurMemVer"),
        last_mem_ver: opt_text(root, "LastMemVer"),
    })
}

/// Length-prefixed, unambiguous field encoding for hashing.
struct KeyHasher(Sha1);

impl KeyHasher {
    fn field(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_be_bytes());
        self.0.update(bytes);
    }
    /// Scene (optional) followed by the members in sorted order.
    fn members(&mut self, scene: Option<i32>, members: &[String]) {
        self.opt(scene.map(i32::to_be_bytes).as_ref().map(|b| b.as_slice()));
        let mut sorted: Vec<&str> = members.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        self.field(&(sorted.len() as u64).to_be_bytes());
        for m in sorted {
            self.field(m.as_bytes());
        }
    }
    fn opt(&mut self, v: Option<&[u8]>) {
        match v {
            None => self.0.update([0u8]),
            Some(b) => {
                self.0.update([1u8]);
                self.field(b);
            }
        }
    }
}

/// A stable idempotency key for a callback event (WeCom redelivers the same event when it does
/// not get a timely `success`): lowercase hex SHA-1 over a length-prefixed encoding of the
/// event's content (chat id, create time, change type/detail, scene, **sorted** members,
/// member-count, current and last member versions).
///
/// For [`WecomEvent::Other`] only `msg_type`/`event` are available, so the key only identifies
/// the *kind* of message; use [`inner_xml_key`] for those.
pub fn event_key(event: &WecomEvent) -> String {
    let mut h = KeyHasher(Sha1::new());
    h.field(b"wecom-event-key-v1");
    match event {
        WecomEvent::ChangeExternalChat {
            chat_id,
            create_time,
            change,
            mem_change_cnt,
            cur_mem_ver,
            last_mem_ver,
        } => {
            h.field(b"change_external_chat");
            h.field(chat_id.as_bytes());
            h.field(&create_time.to_be_bytes());
            match change {
                ChatChange::Create => h.field(b"create"),
                ChatChange::Dismiss => h.field(b"dismiss"),
                ChatChange::AddMember {
                    join_scene,
                    members,
                } => {
                    h.field(b"add_member");
                    h.members(*join_scene, members);
                }
                ChatChange::DelMember {
                    quit_scene,
                    members,
                } => {
                    h.field(b"del_member");
                    h.members(*quit_scene, members);
                }
                ChatChange::OtherUpdate { detail } => {
                    h.field(b"other_update");
                    h.field(detail.as_bytes());
                }
            }
            h.opt(
                mem_change_cnt
                    .map(i64::to_be_bytes)
                    .as_ref()
                    .map(|b| b.as_slice()),
            );
            h.opt(cur_mem_ver.as_deref().map(str::as_bytes));
            h.opt(last_mem_ver.as_deref().map(str::as_bytes));
        }
        WecomEvent::Other { msg_type, event } => {
            h.field(b"other");
            h.field(msg_type.as_bytes());
            h.opt(event.as_deref().map(str::as_bytes));
        }
    }
    hex::encode(h.0.finalize())
}

/// Idempotency key from the raw decrypted inner XML (hex SHA-1 of its bytes). WeCom redelivers
/// byte-identical payloads, so this works for any message type, including [`WecomEvent::Other`].
pub fn inner_xml_key(inner_xml: &str) -> String {
    hex::encode(Sha1::digest(inner_xml.as_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    // Official vectors, copied verbatim from /work/shared/vectors/wecom-callback.json.
    mod py_verify {
        pub const TOKEN: &str = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo";
        pub const ENCODING_AES_KEY: &str = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt";
        pub const RECEIVE_ID: &str = "ww1436e0e65a779aee";
        pub const MSG_SIGNATURE: &str = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb";
        pub const TIMESTAMP: &str = "1476416373";
        pub const NONCE: &str = "47744683";
        pub const ECHOSTR: &str = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==";
        pub const PLAINTEXT: &str = "1288432023552776189";
    }

    mod py_decrypt {
        pub const TOKEN: &str = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo";
        pub const ENCODING_AES_KEY: &str = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt";
        pub const RECEIVE_ID: &str = "ww1436e0e65a779aee";
        pub const MSG_SIGNATURE: &str = "0c3914025cb4b4d68103f6bfc8db550f79dcf48e";
        pub const TIMESTAMP: &str = "1476422779";
        pub const NONCE: &str = "1597212914";
        pub const ENCRYPT: &str = "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+";
        pub const PLAINTEXT: &str = "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>";
    }

    mod json_decrypt {
        pub const TOKEN: &str = "QDG6eK";
        pub const ENCODING_AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
        pub const RECEIVE_ID: &str = "wx5823bf96d3bd56c7";
        pub const MSG_SIGNATURE: &str = "0623cbc5a8cbee5bcc137c70de99575366fc2af3";
        pub const TIMESTAMP: &str = "1409659813";
        pub const NONCE: &str = "1372623149";
        pub const ENCRYPT: &str = "CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko=";
        pub const PLAINTEXT: &str = "{\"ToUserName\":\"wx5823bf96d3bd56c7\",\"FromUserName\":\"mycreate\",\"CreateTime\": 1409659813,\"MsgType\":\"text\",\"Content\":\"hello\",\"MsgId\":4561255354251345929,\"AgentID\": 218}";
    }

    const RAND: [u8; 16] = *b"0123456789abcdef";

    fn crypto() -> WecomCrypto {
        WecomCrypto::new(
            py_verify::TOKEN,
            py_verify::ENCODING_AES_KEY,
            py_verify::RECEIVE_ID,
        )
        .unwrap()
    }

    /// Encrypts raw bytes (already aligned to 16) without adding padding.
    fn encrypt_raw_nopad(c: &WecomCrypto, raw: &[u8]) -> String {
        assert_eq!(raw.len() % 16, 0);
        c.encrypt_aligned(raw)
    }

    /// Encrypts arbitrary raw plaintext bytes with correct PKCS#7-32 padding.
    fn encrypt_raw(c: &WecomCrypto, raw: &[u8]) -> String {
        let mut buf = raw.to_vec();
        pkcs7_pad(&mut buf);
        c.encrypt_aligned(&buf)
    }

    #[test]
    fn vector_py_verify() {
        let c = crypto();
        assert_eq!(
            c.signature(py_verify::TIMESTAMP, py_verify::NONCE, py_verify::ECHOSTR),
            py_verify::MSG_SIGNATURE
        );
        let out = c
            .verify_url(
                py_verify::MSG_SIGNATURE,
                py_verify::TIMESTAMP,
                py_verify::NONCE,
                py_verify::ECHOSTR,
            )
            .unwrap();
        assert_eq!(out, py_verify::PLAINTEXT);
        // Upper-case hex signature is accepted too.
        assert_eq!(
            c.verify_url(
                &py_verify::MSG_SIGNATURE.to_ascii_uppercase(),
                py_verify::TIMESTAMP,
                py_verify::NONCE,
                py_verify::ECHOSTR,
            )
            .unwrap(),
            py_verify::PLAINTEXT
        );
    }

    #[test]
    fn vector_py_decrypt() {
        use py_decrypt::*;
        let c = WecomCrypto::new(TOKEN, ENCODING_AES_KEY, RECEIVE_ID).unwrap();
        assert!(c.verify_signature(MSG_SIGNATURE, TIMESTAMP, NONCE, ENCRYPT));
        assert_eq!(c.decrypt(ENCRYPT).unwrap(), PLAINTEXT);
        // Through the POST path with a body built around the vector's ciphertext.
        let body = format!(
            "<xml><ToUserName><![CDATA[{RECEIVE_ID}]]></ToUserName><Encrypt><![CDATA[{ENCRYPT}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
        );
        let inner = c
            .open_message(MSG_SIGNATURE, TIMESTAMP, NONCE, &body)
            .unwrap();
        assert_eq!(inner, PLAINTEXT);
        assert_eq!(
            parse_event(&inner).unwrap(),
            WecomEvent::Other {
                msg_type: "text".into(),
                event: None
            }
        );
    }

    #[test]
    fn vector_json_decrypt() {
        use json_decrypt::*;
        let c = WecomCrypto::new(TOKEN, ENCODING_AES_KEY, RECEIVE_ID).unwrap();
        assert!(c.verify_signature(MSG_SIGNATURE, TIMESTAMP, NONCE, ENCRYPT));
        assert_eq!(c.decrypt(ENCRYPT).unwrap(), PLAINTEXT);
    }

    #[test]
    fn official_keys_have_nonzero_trailing_bits() {
        // Documents why KEY_ENGINE allows trailing bits: strict decoding rejects both keys.
        for k in [py_verify::ENCODING_AES_KEY, json_decrypt::ENCODING_AES_KEY] {
            assert!(STANDARD.decode(format!("{k}=")).is_err());
            assert_eq!(KEY_ENGINE.decode(format!("{k}=")).unwrap().len(), 32);
        }
    }

    #[test]
    fn bad_keys() {
        for k in [
            "",
            "short",
            &py_verify::ENCODING_AES_KEY[..42],
            &format!("{}A", py_verify::ENCODING_AES_KEY),
            "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
            "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhU=",
            "中中中中中中中中中中中中中中a", // 43 bytes, not base64
        ] {
            assert_eq!(
                WecomCrypto::new("t", k, "id").unwrap_err(),
                WecomError::BadKey,
                "{k}"
            );
        }
    }

    #[test]
    fn bad_signature() {
        let c = crypto();
        let mut sig = py_verify::MSG_SIGNATURE.to_owned();
        sig.replace_range(0..1, "1");
        for s in [sig.as_str(), "", "zz", &py_verify::MSG_SIGNATURE[..39]] {
            assert_eq!(
                c.verify_url(
                    s,
                    py_verify::TIMESTAMP,
                    py_verify::NONCE,
                    py_verify::ECHOSTR
                ),
                Err(WecomError::BadSignature)
            );
        }
        // Signature is bound to the timestamp and nonce.
        assert_eq!(
            c.verify_url(
                py_verify::MSG_SIGNATURE,
                "1476416374",
                py_verify::NONCE,
                py_verify::ECHOSTR
            ),
            Err(WecomError::BadSignature)
        );
        let (body, sig) = seal_message(&c, "<xml/>", "1", "2", RAND);
        assert_eq!(
            c.open_message(&sig, "1", "3", &body),
            Err(WecomError::BadSignature)
        );
    }

    #[test]
    fn wrong_receive_id() {
        let c = WecomCrypto::new(
            py_verify::TOKEN,
            py_verify::ENCODING_AES_KEY,
            "ww_someone_else",
        )
        .unwrap();
        assert_eq!(
            c.verify_url(
                py_verify::MSG_SIGNATURE,
                py_verify::TIMESTAMP,
                py_verify::NONCE,
                py_verify::ECHOSTR
            ),
            Err(WecomError::ReceiveIdMismatch)
        );
        let c2 = WecomCrypto::new(py_verify::TOKEN, py_verify::ENCODING_AES_KEY, "").unwrap();
        assert_eq!(
            c2.decrypt(py_verify::ECHOSTR),
            Err(WecomError::ReceiveIdMismatch)
        );
    }

    #[test]
    fn round_trip() {
        let c = crypto();
        for msg in [
            "",
            "a",
            "你好，企业微信！客户群变更 🎉",
            &"x".repeat(11), // 16+4+11+18 = 49
            &"y".repeat(26), // 16+4+26+18 = 64 → a full 32-byte pad block
            &"长".repeat(1000),
        ] {
            let ct = c.encrypt(msg, RAND);
            assert_eq!(STANDARD.decode(&ct).unwrap().len() % 32, 0);
            assert_eq!(c.decrypt(&ct).unwrap(), msg);
            let r = c.encrypt_random(msg);
            assert_eq!(c.decrypt(&r).unwrap(), msg);
        }
        // Deterministic for a fixed random prefix, different for a different one.
        assert_eq!(c.encrypt("hi", RAND), c.encrypt("hi", RAND));
        assert_ne!(c.encrypt("hi", RAND), c.encrypt("hi", [0; 16]));
    }

    #[test]
    fn seal_open_round_trip() {
        let c = crypto();
        let inner = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><Content>中文 ]]> 内容</Content></xml>";
        let (body, sig) = seal_message(&c, inner, "1700000000", "nonce123", RAND);
        assert!(body.contains("<Encrypt><![CDATA["));
        assert_eq!(
            c.open_message(&sig, "1700000000", "nonce123", &body)
                .unwrap(),
            inner
        );
        assert_eq!(
            c.open_message(&sig.to_ascii_uppercase(), "1700000000", "nonce123", &body)
                .unwrap(),
            inner
        );

        // Passive reply is readable by the same machinery.
        let reply = c.seal_reply("<xml>ok</xml>", "17", "n<&>", RAND);
        let doc = roxmltree::Document::parse(&reply).unwrap();
        let root = doc.root_element();
        let enc = req_text(root, "Encrypt").unwrap();
        let sig = req_text(root, "MsgSignature").unwrap();
        assert_eq!(req_text(root, "TimeStamp").unwrap(), "17");
        assert_eq!(req_text(root, "Nonce").unwrap(), "n<&>");
        assert!(c.verify_signature(&sig, "17", "n<&>", &enc));
        assert_eq!(c.decrypt(&enc).unwrap(), "<xml>ok</xml>");
    }

    #[test]
    fn open_message_bad_bodies() {
        let c = crypto();
        assert!(matches!(
            c.open_message("x", "1", "2", "not xml"),
            Err(WecomError::BadXml(_))
        ));
        assert_eq!(
            c.open_message("x", "1", "2", "<xml><ToUserName>a</ToUserName></xml>"),
            Err(WecomError::MissingField("Encrypt"))
        );
        assert_eq!(
            c.open_message("x", "1", "2", "<xml><Encrypt><![CDATA[]]></Encrypt></xml>"),
            Err(WecomError::MissingField("Encrypt"))
        );
        // DTD / entity expansion is refused.
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>"#;
        assert!(c.open_message("x", "1", "2", bomb).is_err());
        // Signed garbage: signature ok, decrypt fails properly.
        let sig = c.signature("1", "2", "@@@");
        assert_eq!(
            c.open_message(&sig, "1", "2", "<xml><Encrypt>@@@</Encrypt></xml>"),
            Err(WecomError::BadBase64)
        );
    }

    #[test]
    fn decrypt_errors() {
        let c = crypto();
        // Garbage base64.
        for s in ["", "!!!!", "abc", "a b c d", "AAAA=", "====", "中文"] {
            let e = c.decrypt(s).unwrap_err();
            assert!(
                matches!(e, WecomError::BadBase64 | WecomError::BadCiphertext),
                "{s}: {e:?}"
            );
        }
        assert_eq!(c.decrypt(""), Err(WecomError::BadCiphertext));
        assert_eq!(c.decrypt("!!!!"), Err(WecomError::BadBase64));
        // Short / misaligned ciphertext.
        assert_eq!(
            c.decrypt(&STANDARD.encode([0u8; 15])),
            Err(WecomError::BadCiphertext)
        );
        assert_eq!(
            c.decrypt(&STANDARD.encode([0u8; 33])),
            Err(WecomError::BadCiphertext)
        );
        // Truncated official ciphertext (drop the last 16-byte block) → padding is garbage.
        let raw = STANDARD.decode(py_verify::ECHOSTR).unwrap();
        let trunc = STANDARD.encode(&raw[..raw.len() - 16]);
        assert!(c.decrypt(&trunc).is_err());

        // Bad padding: pad byte 0, pad byte 33, inconsistent pad bytes.
        let mut block = [b'a'; 32];
        block[31] = 0;
        assert_eq!(
            c.decrypt(&encrypt_raw_nopad(&c, &block)),
            Err(WecomError::BadPadding)
        );
        block[31] = 33;
        assert_eq!(
            c.decrypt(&encrypt_raw_nopad(&c, &block)),
            Err(WecomError::BadPadding)
        );
        let mut block = [4u8; 32];
        block[29] = 5;
        assert_eq!(
            c.decrypt(&encrypt_raw_nopad(&c, &block)),
            Err(WecomError::BadPadding)
        );
        // pad value larger than the whole buffer (16-byte plaintext, pad 20).
        let mut small = [20u8; 16];
        small[0] = 0;
        assert_eq!(
            c.decrypt(&encrypt_raw_nopad(&c, &small)),
            Err(WecomError::BadPadding)
        );
        // Full block of padding only → content empty → BadLength.
        assert_eq!(
            c.decrypt(&encrypt_raw_nopad(&c, &[32u8; 32])),
            Err(WecomError::BadLength)
        );

        // Too short for the 20-byte header.
        assert_eq!(
            c.decrypt(&encrypt_raw(&c, &[1u8; 19])),
            Err(WecomError::BadLength)
        );
        // Huge claimed length.
        let mut p = RAND.to_vec();
        p.extend_from_slice(&u32::MAX.to_be_bytes());
        p.extend_from_slice(b"hello");
        p.extend_from_slice(py_verify::RECEIVE_ID.as_bytes());
        assert_eq!(c.decrypt(&encrypt_raw(&c, &p)), Err(WecomError::BadLength));
        // Length one past the end.
        let mut p = RAND.to_vec();
        let n = 5 + py_verify::RECEIVE_ID.len() + 1;
        p.extend_from_slice(&(n as u32).to_be_bytes());
        p.extend_from_slice(b"hello");
        p.extend_from_slice(py_verify::RECEIVE_ID.as_bytes());
        assert_eq!(c.decrypt(&encrypt_raw(&c, &p)), Err(WecomError::BadLength));
        // Length too small → receive id absorbs message bytes → mismatch.
        let mut p = RAND.to_vec();
        p.extend_from_slice(&4u32.to_be_bytes());
        p.extend_from_slice(b"hello");
        p.extend_from_slice(py_verify::RECEIVE_ID.as_bytes());
        assert_eq!(
            c.decrypt(&encrypt_raw(&c, &p)),
            Err(WecomError::ReceiveIdMismatch)
        );
        // Non-UTF-8 message.
        let mut p = RAND.to_vec();
        p.extend_from_slice(&2u32.to_be_bytes());
        p.extend_from_slice(&[0xff, 0xfe]);
        p.extend_from_slice(py_verify::RECEIVE_ID.as_bytes());
        assert_eq!(c.decrypt(&encrypt_raw(&c, &p)), Err(WecomError::NotUtf8));
    }

    /// Tiny deterministic xorshift for fuzz-ish tests.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    #[test]
    fn fuzzish_garbage_never_panics() {
        let c = crypto();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let alphabet =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=<>![]CDATA ";
        for i in 0..3000 {
            let n = (rng.next() % 200) as usize;
            // Random valid base64 of random bytes: must fail (receive id can't match by chance).
            let ct = STANDARD.encode(rng.bytes(n));
            assert!(c.decrypt(&ct).is_err());
            // Random strings over a base64/XML-ish alphabet.
            let s: String = (0..n)
                .map(|_| alphabet[(rng.next() as usize) % alphabet.len()] as char)
                .collect();
            let _ = c.decrypt(&s);
            let _ = c.verify_url(&s, "1", "2", &s);
            let _ = c.open_message(&s, "1", "2", &s);
            let _ = parse_event(&s);
            let _ = WecomCrypto::new(&s, &s, &s);
            // Random raw bytes → lossy UTF-8.
            let raw = String::from_utf8_lossy(&rng.bytes(n)).into_owned();
            let _ = parse_event(&raw);
            let _ = c.open_message("x", "y", "z", &raw);
            // Bit-flipped official ciphertext.
            let mut b = STANDARD.decode(py_verify::ECHOSTR).unwrap();
            let idx = (rng.next() as usize) % b.len();
            b[idx] ^= 1 << (i % 8);
            assert!(c.decrypt(&STANDARD.encode(&b)).is_err() || idx < 16);
        }
        // Random signed, well-formed XML bodies with garbage inside Encrypt.
        for _ in 0..200 {
            let n = 16 * (1 + (rng.next() % 8) as usize);
            let enc = STANDARD.encode(rng.bytes(n));
            let body = format!("<xml><Encrypt><![CDATA[{enc}]]></Encrypt></xml>");
            let sig = c.signature("t", "n", &enc);
            assert!(c.open_message(&sig, "t", "n", &body).is_err());
        }
    }

    const ADD_MEMBER_XML: &str = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA]]></ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[add_member]]></UpdateDetail><JoinScene>3</JoinScene><QuitScene>0</QuitScene><MemChangeCnt>2</MemChangeCnt><MemChangeList><Item><![CDATA[wmAbc]]></Item><Item><![CDATA[wmDef]]></Item></MemChangeList><LastMemVer><![CDATA[9c3f97c2ada667dfb5f6d03308d963e1]]></LastMemVer><CurMemVer><![CDATA[71217227bbd112ecfe3a49c482195cb4]]></CurMemVer></xml>";

    fn chat_xml(change_type: &str, extra: &str) -> String {
        format!(
            "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA]]></ChatId><ChangeType><![CDATA[{change_type}]]></ChangeType>{extra}</xml>"
        )
    }

    #[test]
    fn parse_add_member() {
        let ev = parse_event(ADD_MEMBER_XML).unwrap();
        assert_eq!(
            ev,
            WecomEvent::ChangeExternalChat {
                chat_id: "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA".into(),
                create_time: 1403610513,
                change: ChatChange::AddMember {
                    join_scene: Some(3),
                    members: vec!["wmAbc".into(), "wmDef".into()],
                },
                mem_change_cnt: Some(2),
                cur_mem_ver: Some("71217227bbd112ecfe3a49c482195cb4".into()),
                last_mem_ver: Some("9c3f97c2ada667dfb5f6d03308d963e1".into()),
            }
        );
        // Same event through the full encrypted POST path.
        let c = crypto();
        let (body, sig) = seal_message(&c, ADD_MEMBER_XML, "1403610513", "abc", RAND);
        let inner = c.open_message(&sig, "1403610513", "abc", &body).unwrap();
        assert_eq!(parse_event(&inner).unwrap(), ev);
    }

    #[test]
    fn parse_create_and_dismiss() {
        for (t, want) in [
            ("create", ChatChange::Create),
            ("dismiss", ChatChange::Dismiss),
        ] {
            let ev = parse_event(&chat_xml(t, "")).unwrap();
            assert_eq!(
                ev,
                WecomEvent::ChangeExternalChat {
                    chat_id: "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA".into(),
                    create_time: 1403610513,
                    change: want,
                    mem_change_cnt: None,
                    cur_mem_ver: None,
                    last_mem_ver: None,
                }
            );
        }
    }

    #[test]
    fn parse_del_member() {
        let xml = chat_xml(
            "update",
            "<UpdateDetail><![CDATA[del_member]]></UpdateDetail><JoinScene>0</JoinScene><QuitScene>1</QuitScene><MemChangeCnt>1</MemChangeCnt><MemChangeList><Item><![CDATA[wmGone]]></Item></MemChangeList><CurMemVer><![CDATA[v2]]></CurMemVer>",
        );
        match parse_event(&xml).unwrap() {
            WecomEvent::ChangeExternalChat {
                change,
                mem_change_cnt,
                cur_mem_ver,
                last_mem_ver,
                ..
            } => {
                assert_eq!(
                    change,
                    ChatChange::DelMember {
                        quit_scene: Some(1),
                        members: vec!["wmGone".into()]
                    }
                );
                assert_eq!(mem_change_cnt, Some(1));
                assert_eq!(cur_mem_ver.as_deref(), Some("v2"));
                assert_eq!(last_mem_ver, None);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn parse_other_updates() {
        for d in [
            "change_name",
            "change_owner",
            "change_notice",
            "something_new",
        ] {
            let xml = chat_xml(
                "update",
                &format!("<UpdateDetail><![CDATA[{d}]]></UpdateDetail>"),
            );
            match parse_event(&xml).unwrap() {
                WecomEvent::ChangeExternalChat { change, .. } => {
                    assert_eq!(change, ChatChange::OtherUpdate { detail: d.into() })
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        // Unknown ChangeType is surfaced rather than rejected.
        match parse_event(&chat_xml("restore", "")).unwrap() {
            WecomEvent::ChangeExternalChat { change, .. } => {
                assert_eq!(
                    change,
                    ChatChange::OtherUpdate {
                        detail: "restore".into()
                    }
                )
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn parse_other_messages() {
        assert_eq!(
            parse_event(py_decrypt::PLAINTEXT).unwrap(),
            WecomEvent::Other {
                msg_type: "text".into(),
                event: None
            }
        );
        let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event></xml>";
        assert_eq!(
            parse_event(xml).unwrap(),
            WecomEvent::Other {
                msg_type: "event".into(),
                event: Some("change_external_contact".into())
            }
        );
    }

    #[test]
    fn parse_errors() {
        assert!(matches!(parse_event(""), Err(WecomError::BadXml(_))));
        assert!(matches!(parse_event("<xml>"), Err(WecomError::BadXml(_))));
        assert!(matches!(
            parse_event(json_decrypt::PLAINTEXT),
            Err(WecomError::BadXml(_))
        ));
        assert_eq!(
            parse_event("<xml><Event>x</Event></xml>"),
            Err(WecomError::MissingField("MsgType"))
        );
        let no_chat = "<xml><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>change_external_chat</Event><ChangeType>create</ChangeType></xml>";
        assert_eq!(
            parse_event(no_chat),
            Err(WecomError::MissingField("ChatId"))
        );
        let no_time = "<xml><ChatId>c</ChatId><MsgType>event</MsgType><Event>change_external_chat</Event><ChangeType>create</ChangeType></xml>";
        assert_eq!(
            parse_event(no_time),
            Err(WecomError::MissingField("CreateTime"))
        );
        let bad_time = "<xml><ChatId>c</ChatId><CreateTime>12x</CreateTime><MsgType>event</MsgType><Event>change_external_chat</Event><ChangeType>create</ChangeType></xml>";
        assert!(matches!(parse_event(bad_time), Err(WecomError::BadXml(_))));
        assert_eq!(
            parse_event(&chat_xml("update", "")),
            Err(WecomError::MissingField("UpdateDetail"))
        );
        let bad_scene = chat_xml(
            "update",
            "<UpdateDetail>add_member</UpdateDetail><JoinScene>99999999999</JoinScene>",
        );
        assert!(matches!(
            parse_event(&bad_scene),
            Err(WecomError::BadXml(_))
        ));
    }

    #[test]
    fn event_keys() {
        let a = parse_event(ADD_MEMBER_XML).unwrap();
        let b = parse_event(ADD_MEMBER_XML).unwrap();
        assert_eq!(event_key(&a), event_key(&b));
        assert_eq!(event_key(&a).len(), 40);

        // Member order does not matter.
        let swapped = ADD_MEMBER_XML
            .replace("wmAbc", "TMP")
            .replace("wmDef", "wmAbc")
            .replace("TMP", "wmDef");
        assert_eq!(event_key(&a), event_key(&parse_event(&swapped).unwrap()));

        // Different members → different key.
        let other = ADD_MEMBER_XML.replace("wmDef", "wmXyz");
        assert_ne!(event_key(&a), event_key(&parse_event(&other).unwrap()));
        // Field boundaries are unambiguous: ["ab","c"] vs ["a","bc"].
        let mk = |m: &[&str]| WecomEvent::ChangeExternalChat {
            chat_id: "c".into(),
            create_time: 1,
            change: ChatChange::AddMember {
                join_scene: None,
                members: m.iter().map(|s| s.to_string()).collect(),
            },
            mem_change_cnt: None,
            cur_mem_ver: None,
            last_mem_ver: None,
        };
        assert_ne!(event_key(&mk(&["ab", "c"])), event_key(&mk(&["a", "bc"])));
        // add vs del with same members differ.
        let del = ADD_MEMBER_XML.replace("add_member", "del_member");
        assert_ne!(event_key(&a), event_key(&parse_event(&del).unwrap()));
        // Different create time differs.
        let later = ADD_MEMBER_XML.replace("1403610513", "1403610514");
        assert_ne!(event_key(&a), event_key(&parse_event(&later).unwrap()));

        assert_eq!(inner_xml_key(ADD_MEMBER_XML), inner_xml_key(ADD_MEMBER_XML));
        assert_ne!(inner_xml_key(ADD_MEMBER_XML), inner_xml_key(&other));
    }

    #[test]
    fn debug_redacts_secrets() {
        let s = format!("{:?}", crypto());
        assert!(!s.contains(py_verify::TOKEN));
        assert!(s.contains("redacted"));
    }
}
