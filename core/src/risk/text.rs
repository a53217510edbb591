//! Spam / keyword detection for chat messages (Chinese and English).
//!
//! Three building blocks:
//!
//! * [`normalize`] undoes the usual tricks spammers use to dodge keyword lists
//!   (full-width letters, mixed case, spaces / punctuation / symbols / emoji /
//!   zero-width characters inserted between the characters of a word).
//! * [`Matcher`] is a compiled keyword list (Aho-Corasick over the normalised
//!   terms) reporting every term found in a message, overlapping ones included.
//! * [`ad_signals`] are heuristics beside the lists: links, phone numbers and
//!   WeChat ids, found in the raw text (lightly normalised) and, where that
//!   helps, in the fully normalised text.
//!
//! # Normalisation choices
//!
//! * NFKC first (full-width → half-width, circled digits → digits, compatibility
//!   ideographs → unified ideographs, ideographic space → space, …), then
//!   lowercase (`char::to_lowercase`, a close approximation of case folding).
//! * Only letters and digits (`char::is_alphanumeric`: every script, including
//!   CJK ideographs, kana, hangul, and numerals such as `〇`) are kept.
//!   Everything else is removed: whitespace, ASCII and CJK punctuation,
//!   symbols, **emoji** (spammers use them as separators: `加🌹微🌹信`; keycap
//!   `1️⃣` keeps its digit), non-alphabetic combining marks left after NFKC
//!   composition, control and format characters (the zero-width ones included). A term made only of emoji therefore normalises
//!   to the empty string and is dropped by [`Matcher::new`].
//! * Invisible "letters" used as blanks (hangul fillers U+115F, U+1160, U+3164,
//!   U+FFA0) and the braille blank U+2800 are removed as well.
//! * Matching is on substrings of the normalised text: word boundaries are gone
//!   after whitespace removal, so an English term also matches inside a longer
//!   word (`"sex"` in `"sussex"`). Keep English terms specific.
//!
//! Nothing in this module panics on any input.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, BuildError, MatchKind};
use unicode_normalization::UnicodeNormalization;

// ---------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------

/// CJK unified ideographs (basic block and extension A).
#[inline]
fn is_cjk_ideograph(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF)
}

/// Characters whose NFKC form is a single known character and which never
/// take part in a canonical composition as the *second* character. Runs of
/// such characters can skip the (slow) NFKC iterator. A fast character that is
/// followed by a non-fast one is still sent through NFKC together with what
/// follows, because it may compose with a following combining mark.
#[inline]
fn fast_map(c: char) -> Option<char> {
    let u = c as u32;
    if u < 0x80 {
        return Some(c);
    }
    match u {
        0x4E00..=0x9FFF | 0x3400..=0x4DBF => Some(c),
        // Full-width ASCII variants map to ASCII 0x21..=0x7E.
        0xFF01..=0xFF5E => char::from_u32(u - 0xFEE0),
        // Ideographic space.
        0x3000 => Some(' '),
        // Common CJK punctuation and quotes, all NFKC-stable starters.
        0x3001..=0x3003
        | 0x3008..=0x3011
        | 0x3014..=0x301B
        | 0x00B7
        | 0x2013
        | 0x2014
        | 0x2018
        | 0x2019
        | 0x201C
        | 0x201D => Some(c),
        _ => None,
    }
}

/// Zero-width, format, bidi-control and other invisible characters.
#[inline]
fn is_invisible(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F
            | 0x1160
            | 0x17B4
            | 0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x2800
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF9..=0xFFFB
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

/// Receives the characters of the NFKC form, one at a time.
trait Sink {
    fn emit(&mut self, c: char);
}

#[inline]
fn keep_compact(c: char) -> bool {
    c.is_alphanumeric() && !is_invisible(c)
}

/// Letters and digits only, lowercased (the public [`normalize`]).
struct CompactSink<'a>(&'a mut String);

impl Sink for CompactSink<'_> {
    #[inline]
    fn emit(&mut self, c: char) {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                self.0.push(c.to_ascii_lowercase());
            }
        } else if is_cjk_ideograph(c) {
            self.0.push(c);
        } else {
            for l in c.to_lowercase() {
                if keep_compact(l) {
                    self.0.push(l);
                }
            }
        }
    }
}

/// What the heuristics work on, built in one pass: the light text (NFKC +
/// lowercase, whitespace → `' '`, invisible characters removed, punctuation
/// and symbols kept), the compact text (exactly what [`normalize`] returns),
/// and hints that let the scanners skip messages that cannot match.
#[derive(Default, Debug)]
struct Analysis {
    light: String,
    compact: String,
    /// ASCII digits and Chinese numerals.
    digit_like: usize,
    /// `.`, `:`, `。` or `点` seen.
    dot_hint: bool,
    /// `v`, `w`, `信`, `心`, `微` or `薇` seen: every WeChat marker has one.
    marker_hint: bool,
}

impl Sink for Analysis {
    #[inline]
    fn emit(&mut self, c: char) {
        if c.is_ascii() {
            if c.is_ascii_whitespace() || c == '\u{0B}' {
                self.light.push(' ');
            } else if !c.is_ascii_control() {
                let l = c.to_ascii_lowercase();
                self.light.push(l);
                match l {
                    '0'..='9' => {
                        self.digit_like += 1;
                        self.compact.push(l);
                    }
                    'v' | 'w' => {
                        self.marker_hint = true;
                        self.compact.push(l);
                    }
                    'a'..='z' => self.compact.push(l),
                    '.' | ':' => self.dot_hint = true,
                    _ => {}
                }
            }
            return;
        }
        if is_cjk_ideograph(c) {
            self.light.push(c);
            self.compact.push(c);
            if digit_value(c).is_some() {
                self.digit_like += 1;
            } else if matches!(c, '信' | '心' | '微' | '薇') {
                self.marker_hint = true;
            } else if c == '点' {
                self.dot_hint = true;
            }
            return;
        }
        if c.is_whitespace() {
            self.light.push(' ');
            return;
        }
        if c.is_control() || is_invisible(c) {
            return;
        }
        if c == '。' {
            self.dot_hint = true;
        }
        for l in c.to_lowercase() {
            self.light.push(l);
            if keep_compact(l) {
                self.compact.push(l);
                if digit_value(l).is_some() {
                    self.digit_like += 1;
                }
            }
        }
    }
}

fn flush_slow<S: Sink>(segment: &str, sink: &mut S) {
    for c in segment.nfkc() {
        sink.emit(c);
    }
}

/// NFKC of `text`, fed to `sink`. Runs of "fast" characters (see [`fast_map`])
/// skip the NFKC iterator; everything else, together with the fast character
/// just before it, goes through it.
fn normalize_impl<S: Sink>(text: &str, sink: &mut S) {
    let mut iter = text.char_indices();
    let Some(mut cur) = iter.next() else {
        return;
    };
    let mut cur_map = fast_map(cur.1);
    // Start (byte offset) of a pending segment that must go through NFKC.
    let mut slow_start: Option<usize> = None;
    loop {
        let next = iter.next();
        let next_map = next.and_then(|(_, n)| fast_map(n));
        match cur_map {
            Some(mapped) => {
                if let Some(start) = slow_start.take()
                    && let Some(seg) = text.get(start..cur.0)
                {
                    flush_slow(seg, sink);
                }
                if next.is_none() || next_map.is_some() {
                    sink.emit(mapped);
                } else {
                    slow_start = Some(cur.0);
                }
            }
            None => {
                if slow_start.is_none() {
                    slow_start = Some(cur.0);
                }
            }
        }
        match next {
            Some(n) => {
                cur = n;
                cur_map = next_map;
            }
            None => break,
        }
    }
    if let Some(start) = slow_start
        && let Some(seg) = text.get(start..)
    {
        flush_slow(seg, sink);
    }
}

fn analyze(text: &str) -> Analysis {
    let mut a = Analysis {
        light: String::with_capacity(text.len()),
        compact: String::with_capacity(text.len()),
        ..Analysis::default()
    };
    normalize_impl(text, &mut a);
    a
}

/// Normalises text the way spammers' tricks are undone: NFKC (full-width →
/// half-width, e.g. "ＶＸ" → "VX", "１２３" → "123"), case folding (lowercase),
/// and removing whitespace, punctuation (ASCII and CJK), symbols and emoji,
/// zero-width characters and other format/control characters. Letters, digits
/// and CJK ideographs are kept: "加 微 信" → "加微信", "加*微*信" → "加微信",
/// "Ｖ Ｘ：abc" → "vxabc".
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_impl(text, &mut CompactSink(&mut out));
    out
}

/// Like [`normalize`], appending to `out` (reuse one buffer in a hot loop;
/// clear it first if it is not meant to accumulate).
pub fn normalize_into(text: &str, out: &mut String) {
    out.reserve(text.len());
    normalize_impl(text, &mut CompactSink(out));
}

/// The lighter normalisation used by [`ad_signals`]: NFKC + lowercase,
/// every whitespace character → `' '`, invisible/format/control characters
/// removed, punctuation, symbols and emoji kept.
pub fn normalize_light(text: &str) -> String {
    analyze(text).light
}

// ---------------------------------------------------------------------------
// Matcher
// ---------------------------------------------------------------------------

/// Above this many bytes of normalised patterns the automaton is a contiguous
/// NFA instead of a DFA (the DFA is faster but its memory grows with the
/// number of states times the number of byte classes).
const DFA_MAX_PATTERN_BYTES: usize = 32 * 1024;

/// A compiled set of keyword terms. Terms are normalised with [`normalize`];
/// terms that are empty after normalisation are dropped; duplicates are fine.
///
/// The automaton is a Standard-semantics Aho-Corasick searched with
/// overlapping iteration, so every term is reported ("加微信" and "微信" in
/// "请加微信"). It is a DFA up to 32 KiB of normalised terms (about 2,500
/// Chinese terms of 4 characters; ~4.5 MiB for 1,000 mixed terms), a
/// contiguous NFA (≈20× smaller, ~25% slower) beyond.
#[derive(Clone, Debug, Default)]
pub struct Matcher {
    ac: Option<AhoCorasick>,
    /// For each pattern id (a distinct normalised term), the original terms
    /// (distinct, in the order given) that normalise to it.
    originals: Vec<Vec<String>>,
    /// Number of distinct original terms kept.
    len: usize,
}

impl Matcher {
    /// Builds a matcher. Never panics: should the automaton fail to build
    /// (only possible for absurdly large term lists), the result is an empty
    /// matcher that matches nothing; use [`Matcher::try_new`] to see the error.
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(terms: I) -> Matcher {
        Self::try_new(terms).unwrap_or_default()
    }

    /// Like [`Matcher::new`], reporting a failure to build the automaton.
    pub fn try_new<I: IntoIterator<Item = S>, S: AsRef<str>>(
        terms: I,
    ) -> Result<Matcher, BuildError> {
        let mut seen_original: HashSet<String> = HashSet::new();
        let mut pattern_id: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut originals: Vec<Vec<String>> = Vec::new();
        let mut len = 0usize;
        let mut pattern_bytes = 0usize;
        for term in terms {
            let term = term.as_ref();
            if seen_original.contains(term) {
                continue;
            }
            let norm = normalize(term);
            if norm.is_empty() {
                continue;
            }
            seen_original.insert(term.to_owned());
            len += 1;
            let id = match pattern_id.get(&norm) {
                Some(&id) => id,
                None => {
                    let id = patterns.len();
                    pattern_bytes += norm.len();
                    pattern_id.insert(norm.clone(), id);
                    patterns.push(norm);
                    originals.push(Vec::new());
                    id
                }
            };
            if let Some(list) = originals.get_mut(id) {
                list.push(term.to_owned());
            }
        }
        let ac = if patterns.is_empty() {
            None
        } else {
            let mut builder = AhoCorasick::builder();
            builder.match_kind(MatchKind::Standard);
            if pattern_bytes <= DFA_MAX_PATTERN_BYTES {
                builder.kind(Some(AhoCorasickKind::DFA));
            }
            let ac = match builder.build(&patterns) {
                Ok(ac) => ac,
                // The DFA may exceed its size limit: fall back to the default choice.
                Err(_) => AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)?,
            };
            Some(ac)
        };
        Ok(Matcher { ac, originals, len })
    }

    /// True when no usable term was given.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of distinct terms kept (terms empty after normalisation dropped).
    pub fn len(&self) -> usize {
        self.len
    }

    /// The terms kept, as given (grouped by normalised form).
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.originals.iter().flatten().map(String::as_str)
    }

    /// Terms found in the text (as the terms were given, deduplicated, in
    /// first-occurrence order; overlapping terms are all reported).
    pub fn find_terms(&self, text: &str) -> Vec<String> {
        if self.ac.is_none() {
            return Vec::new();
        }
        self.find_terms_normalized(&normalize(text))
    }

    /// Same as [`Matcher::find_terms`] on text already passed through [`normalize`].
    pub fn find_terms_normalized(&self, normalized: &str) -> Vec<String> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        // Most messages match nothing: a plain search is a little faster than
        // the overlapping one, which runs only when there is something to find.
        if !matches!(ac.try_find(normalized), Ok(Some(_))) {
            return Vec::new();
        }
        let Ok(iter) = ac.try_find_overlapping_iter(normalized) else {
            return Vec::new();
        };
        let mut seen: Vec<bool> = Vec::new();
        let mut hits: Vec<(usize, usize, usize)> = Vec::new();
        for m in iter {
            let id = m.pattern().as_usize();
            if seen.is_empty() {
                seen = vec![false; self.originals.len()];
            }
            if let Some(flag) = seen.get_mut(id)
                && !*flag
            {
                *flag = true;
                hits.push((m.start(), m.end(), id));
            }
        }
        hits.sort_unstable();
        hits.iter()
            .filter_map(|&(_, _, id)| self.originals.get(id))
            .flatten()
            .cloned()
            .collect()
    }

    /// Heap bytes used by the automaton.
    pub fn memory_usage(&self) -> usize {
        self.ac.as_ref().map_or(0, AhoCorasick::memory_usage)
    }

    /// True when any term occurs in the text.
    pub fn is_match(&self, text: &str) -> bool {
        self.ac.is_some() && self.is_match_normalized(&normalize(text))
    }

    /// True when any term occurs in text already passed through [`normalize`].
    pub fn is_match_normalized(&self, normalized: &str) -> bool {
        match &self.ac {
            Some(ac) => ac
                .try_find(normalized)
                .map(|m| m.is_some())
                .unwrap_or(false),
            None => false,
        }
    }
}

// ---------------------------------------------------------------------------
// Ad heuristics
// ---------------------------------------------------------------------------

/// An advertising signal beside the keyword lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdSignal {
    Link,
    PhoneNumber,
    WechatId,
    QrCode,
    ContactCard,
}

impl AdSignal {
    pub fn as_str(self) -> &'static str {
        match self {
            AdSignal::Link => "link",
            AdSignal::PhoneNumber => "phone",
            AdSignal::WechatId => "wechat_id",
            AdSignal::QrCode => "qr_code",
            AdSignal::ContactCard => "contact_card",
        }
    }
}

impl std::fmt::Display for AdSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Ad heuristics on the text of a message: [`AdSignal::Link`],
/// [`AdSignal::PhoneNumber`] and [`AdSignal::WechatId`], each at most once, in
/// that order. [`AdSignal::QrCode`] and [`AdSignal::ContactCard`] never come
/// from text: see [`ad_signals_for_event`].
///
/// * Links: `scheme://`, `www.`, and bare domains with a common TLD, the dot
///   also written `。`, `．`, `点`, or spaced (`example . com`, strong TLDs only).
/// * Phone numbers: mainland mobile numbers (`1[3-9]` + 9 digits, digits
///   full-width, circled or Chinese numerals, separated by spaces, dashes,
///   dots or any junk that [`normalize`] removes, optionally `+86`/`0086`);
///   numbers after `+` (8–15 digits); other numbers: one block of 7–11 digits
///   (12 with the leading 0 of an area code), or an area code + number /
///   400-800 hotline in groups (`010-12345678`, `400 123 4567`); in each case
///   not a date (or starting with one), not an amount (4+ trailing zeros, a
///   unit such as `元`/`人`/`年` after it, `¥`/`$`/`#`/`第` before it), not glued
///   to letters, and not split by `.` or `/` (decimals, IPs, dates).
/// * WeChat ids: a marker (`微信`, `威信`, `薇信`, `vx`, `v信`, `wx`, `weixin`,
///   `wechat`, `加v`, `加微`, `➕v`, …) followed within a few separator or filler
///   characters (`:` `：` spaces, `号`, `是`, `id` …) by an id
///   `[a-z][-_a-z0-9]{5,19}` that has a digit, `_` or `-` (an all-letter id is
///   accepted after `:`, `号` or `id`).
pub fn ad_signals(text: &str) -> Vec<AdSignal> {
    signals_from(&analyze(text))
}

/// [`ad_signals`] plus the signals that come from the event rather than its
/// text: a QR code found in an attached image, a shared contact card.
pub fn ad_signals_for_event(
    text: &str,
    has_qr_code: bool,
    has_contact_card: bool,
) -> Vec<AdSignal> {
    let mut out = ad_signals(text);
    if has_qr_code {
        out.push(AdSignal::QrCode);
    }
    if has_contact_card {
        out.push(AdSignal::ContactCard);
    }
    out
}

fn signals_from(a: &Analysis) -> Vec<AdSignal> {
    let mut out = Vec::new();
    if a.dot_hint && has_link(&a.light) {
        out.push(AdSignal::Link);
    }
    if a.digit_like >= 7
        && (scan_phones(&a.light) || (a.digit_like >= 11 && has_mobile_compact(&a.compact)))
    {
        out.push(AdSignal::PhoneNumber);
    }
    if a.marker_hint && (has_wechat_id(&a.light, false) || has_wechat_id(&a.compact, true)) {
        out.push(AdSignal::WechatId);
    }
    out
}

// ----- links ---------------------------------------------------------------

const TLDS: &[&str] = &[
    "com", "cn", "net", "org", "top", "xyz", "cc", "io", "me", "info", "biz", "vip", "club",
    "shop", "site", "online", "tk", "ml", "ga", "cf", "gq", "ru", "tv", "app", "icu", "asia",
    "mobi", "ltd", "tech", "cloud", "hk", "tw", "jp", "kr", "sg", "uk", "ai", "gov", "edu",
];

/// TLDs accepted with spaces around the dot (`example . com`).
const STRONG_TLDS: &[&str] = &[
    "com", "cn", "net", "org", "top", "xyz", "cc", "vip", "icu", "club", "shop", "site", "online",
    "info", "biz",
];

#[inline]
fn is_label_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
}

/// Length in bytes of a dot-like character at `i`: `.`, `。` or `点`.
#[inline]
fn dot_len(b: &[u8], i: usize) -> Option<(usize, bool)> {
    match b.get(i)? {
        b'.' => Some((1, false)),
        0xE3 if b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0x82) => Some((3, false)),
        0xE7 if b.get(i + 1) == Some(&0x82) && b.get(i + 2) == Some(&0xB9) => Some((3, true)),
        _ => None,
    }
}

fn has_link(light: &str) -> bool {
    let b = light.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let Some((dl, is_dian)) = dot_len(b, i) else {
            if b.get(i) == Some(&b':') && is_scheme_at(b, i) {
                return true;
            }
            i += 1;
            continue;
        };
        if link_around_dot(b, i, dl, is_dian) {
            return true;
        }
        i += dl;
    }
    false
}

/// `letters://x` with at least 3 letters before the colon (http, https, ftp…).
fn is_scheme_at(b: &[u8], colon: usize) -> bool {
    if b.get(colon + 1) != Some(&b'/') || b.get(colon + 2) != Some(&b'/') {
        return false;
    }
    let letters = b
        .get(..colon)
        .unwrap_or(&[])
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_lowercase())
        .count();
    letters >= 3
        && b.get(colon + 3)
            .is_some_and(|&c| is_label_byte(c) && c != b'-')
}

fn link_around_dot(b: &[u8], dot: usize, dl: usize, is_dian: bool) -> bool {
    // Left: up to two spaces, then a label.
    let mut j = dot;
    let mut spaces_before = 0;
    while spaces_before < 2 && j > 0 && b.get(j - 1) == Some(&b' ') {
        j -= 1;
        spaces_before += 1;
    }
    let label_end = j;
    while j > 0 && b.get(j - 1).is_some_and(|&c| is_label_byte(c)) {
        j -= 1;
    }
    let label = b.get(j..label_end).unwrap_or(&[]);
    if !label.iter().any(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    // Right: up to two spaces, then the TLD (or anything after "www").
    let mut k = dot + dl;
    let mut spaces_after = 0;
    while spaces_after < 2 && b.get(k) == Some(&b' ') {
        k += 1;
        spaces_after += 1;
    }
    if (spaces_before == 0) != (spaces_after == 0) {
        // "done. Top" (sentence end) or "use .net" (a word): not a domain.
        return false;
    }
    let spaced = spaces_before > 0;
    if label == b"www" && b.get(k).is_some_and(|&c| c.is_ascii_alphanumeric()) {
        return !spaced
            || b.get(j.wrapping_sub(1))
                .is_none_or(|c| !c.is_ascii_alphanumeric());
    }
    if is_dian && label.len() < 2 {
        return false;
    }
    let tld_start = k;
    while b.get(k).is_some_and(|c| c.is_ascii_lowercase()) {
        k += 1;
    }
    if b.get(k).is_some_and(|&c| is_label_byte(c)) {
        return false;
    }
    let Some(tld) = b.get(tld_start..k) else {
        return false;
    };
    let list = if spaced { STRONG_TLDS } else { TLDS };
    list.iter().any(|t| t.as_bytes() == tld)
}

// ----- phone numbers -------------------------------------------------------

/// Value of a digit-like character: ASCII digits (full-width and circled
/// ones become ASCII through NFKC) and Chinese numerals.
#[inline]
fn digit_value(c: char) -> Option<(u8, bool)> {
    if c.is_ascii_digit() {
        return Some((c as u8 - b'0', false));
    }
    let d = match c {
        '零' | '〇' => 0,
        '一' | '壹' | '幺' => 1,
        '二' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    };
    Some((d, true))
}

/// Separators allowed between the digits of one number. Strong ones may
/// separate the groups of any phone number, weak ones only those of a mobile.
#[inline]
fn separator_kind(c: char) -> Option<bool> {
    match c {
        ' ' | '-' | '–' | '—' => Some(true),
        '.' | '_' | '*' | '/' | '\\' | '~' | '·' | '|' | '^' | '=' | '+' | '～' | '•' => {
            Some(false)
        }
        _ => None,
    }
}

fn is_unit_after(c: char) -> bool {
    matches!(
        c,
        '元' | '块'
            | '万'
            | '亿'
            | '年'
            | '月'
            | '日'
            | '号'
            | '次'
            | '个'
            | '人'
            | '份'
            | '件'
            | '米'
            | '天'
            | '秒'
            | '分'
            | '斤'
            | '克'
            | '岁'
            | '楼'
            | '层'
            | '字'
            | '页'
            | '条'
            | '张'
            | '位'
            | '名'
            | '票'
            | '%'
            | '‰'
            | '倍'
            | '度'
            | '步'
            | '吨'
            | '亩'
            | '股'
            | '点'
            | '时'
    )
}

fn is_amount_before(c: char) -> bool {
    matches!(c, '¥' | '$' | '€' | '£' | '#' | '第' | '№' | '￥')
}

#[derive(Default)]
struct Run {
    digits: Vec<u8>,
    /// Number of digits in each group (groups are split by separators).
    groups: Vec<usize>,
    weak: bool,
    chinese: bool,
    plus: bool,
    prev: Option<char>,
    prev_non_space: Option<char>,
}

fn scan_phones(light: &str) -> bool {
    let mut run: Option<Run> = None;
    let mut pending_seps = 0usize;
    let mut pending_weak = false;
    let mut prev: Option<char> = None;
    let mut prev_non_space: Option<char> = None;
    let mut before_prev_non_space: Option<char> = None;
    for c in light.chars() {
        if let Some((d, chinese)) = digit_value(c) {
            match run.as_mut() {
                Some(r) => {
                    if pending_seps > 0 && r.digits.len() < MAX_RUN_DIGITS {
                        r.groups.push(0);
                        r.weak |= pending_weak;
                    }
                    push_digit(r, d, chinese);
                }
                None => {
                    let mut r = Run {
                        prev,
                        prev_non_space,
                        // "+86 138…": the plus may be separated by spaces.
                        plus: prev_non_space == Some('+')
                            && before_prev_non_space.is_none_or(|p| !p.is_ascii_alphanumeric()),
                        ..Run::default()
                    };
                    r.groups.push(0);
                    push_digit(&mut r, d, chinese);
                    run = Some(r);
                }
            }
            pending_seps = 0;
            pending_weak = false;
        } else if let (Some(_), Some(strong)) = (run.as_ref(), separator_kind(c)) {
            pending_seps += 1;
            pending_weak |= !strong;
            if pending_seps > 3 {
                if let Some(r) = run.take()
                    && run_is_phone(&r, Some(c))
                {
                    return true;
                }
                pending_seps = 0;
                pending_weak = false;
            }
        } else if let Some(r) = run.take() {
            if run_is_phone(&r, Some(c)) {
                return true;
            }
            pending_seps = 0;
            pending_weak = false;
        }
        prev = Some(c);
        if c != ' ' {
            before_prev_non_space = prev_non_space;
            prev_non_space = Some(c);
        }
    }
    run.as_ref().is_some_and(|r| run_is_phone(r, None))
}

/// Digits kept per run (and so at most this many groups): enough for any
/// phone number, and it bounds the work per run.
const MAX_RUN_DIGITS: usize = 64;

fn push_digit(r: &mut Run, d: u8, chinese: bool) {
    if r.digits.len() < MAX_RUN_DIGITS {
        r.digits.push(d);
        if let Some(g) = r.groups.last_mut() {
            *g += 1;
        }
    }
    r.chinese |= chinese;
}

/// `1[3-9]xxxxxxxxx`, optionally preceded by 86 or 0086.
fn is_mobile(d: &[u8]) -> bool {
    let d = match d.len() {
        13 if d.starts_with(&[8, 6]) => &d[2..],
        15 if d.starts_with(&[0, 0, 8, 6]) => &d[4..],
        _ => d,
    };
    d.len() == 11 && d.first() == Some(&1) && d.get(1).is_some_and(|&x| (3..=9).contains(&x))
}

fn is_date8(d: &[u8]) -> bool {
    if d.len() != 8 {
        return false;
    }
    let n = |s: &[u8]| s.iter().fold(0u32, |acc, &x| acc * 10 + u32::from(x));
    let year = n(&d[0..4]);
    let month = n(&d[4..6]);
    let day = n(&d[6..8]);
    (1900..=2099).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn run_is_phone(r: &Run, next: Option<char>) -> bool {
    // Mobile numbers: any window of whole groups; with weak separators
    // ("3.14159265358") only the whole run.
    if r.weak {
        return is_mobile(&r.digits);
    }
    let mut offsets = Vec::with_capacity(r.groups.len() + 1);
    let mut acc = 0usize;
    offsets.push(0);
    for g in &r.groups {
        acc += g;
        offsets.push(acc.min(r.digits.len()));
    }
    for (i, &from) in offsets.iter().enumerate() {
        for &to in offsets.iter().skip(i + 1) {
            if to - from > 15 {
                break;
            }
            if r.digits.get(from..to).is_some_and(is_mobile) {
                return true;
            }
        }
    }
    if r.chinese || r.weak {
        return false;
    }
    let total = r.digits.len();
    if r.plus {
        return (8..=15).contains(&total);
    }
    if !(7..=15).contains(&total) {
        return false;
    }
    let glued = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    if glued(r.prev) || glued(next) {
        return false;
    }
    if r.prev_non_space.is_some_and(is_amount_before) || next.is_some_and(is_unit_after) {
        return false;
    }
    if r.digits.iter().rev().take_while(|&&d| d == 0).count() >= 4 {
        return false;
    }
    let starts_with_date = r.digits.get(..8).is_some_and(is_date8);
    match r.groups.as_slice() {
        // One block of digits: a local number, a QQ-style number, or an area
        // code + number (12 digits only with the leading 0 of an area code).
        [_] => match total {
            7..=11 => !starts_with_date,
            12 => r.digits.first() == Some(&0),
            _ => false,
        },
        // Grouped: area code + number ("010-12345678", "0755 1234 5678") or
        // a 400/800 hotline ("400-123-4567"). Other groupings ("1201 1202
        // 1203", "2023-2024") are too often not phone numbers.
        [first, rest @ ..] => {
            if r.groups.len() > 4 || total > 12 {
                return false;
            }
            let area_code = (3..=4).contains(first)
                && r.digits.first() == Some(&0)
                && rest.iter().all(|g| (3..=8).contains(g));
            let hotline = *first == 3
                && total == 10
                && (r.digits.starts_with(&[4, 0, 0]) || r.digits.starts_with(&[8, 0, 0]))
                && rest.iter().all(|g| (3..=7).contains(g));
            area_code || hotline
        }
        [] => false,
    }
}

/// Mobile numbers in the compact text (all separators gone): a maximal run of
/// exactly 11 digit-like characters (13 / 15 with the 86 / 0086 prefix).
fn has_mobile_compact(compact: &str) -> bool {
    let mut run: Vec<u8> = Vec::new();
    for c in compact.chars().chain(std::iter::once('\u{0}')) {
        match digit_value(c) {
            Some((d, _)) => {
                if run.len() < 32 {
                    run.push(d);
                }
            }
            None => {
                if is_mobile(&run) {
                    return true;
                }
                run.clear();
            }
        }
    }
    false
}

// ----- WeChat ids ----------------------------------------------------------

/// Markers (lowercase, after NFKC) and whether they are also looked for in
/// the compact text, where separators inserted between their characters are gone.
const WECHAT_MARKERS: &[(&str, bool)] = &[
    ("微信", true),
    ("威信", true),
    ("薇信", true),
    ("徽信", true),
    ("维信", true),
    ("危信", true),
    ("v信", true),
    ("v心", true),
    ("vx", true),
    ("wx", true),
    ("weixin", false),
    ("wechat", false),
    ("加v", true),
    ("加微", true),
    ("加薇", true),
    ("➕v", false),
    ("+v", false),
    ("v❤", false),
    ("v♥", false),
];

static WECHAT_AC: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(WECHAT_MARKERS.iter().map(|(m, _)| *m))
        .ok()
});

/// CJK characters allowed between a marker and the id ("微信号是", "vx号码：").
fn is_filler(c: char) -> bool {
    matches!(
        c,
        '号' | '码'
            | '是'
            | '为'
            | '加'
            | '我'
            | '搜'
            | '索'
            | '的'
            | '添'
            | '好'
            | '友'
            | '请'
            | '信'
            | '：'
    )
}

#[inline]
fn is_id_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
}

fn has_wechat_id(text: &str, compact: bool) -> bool {
    let Some(ac) = WECHAT_AC.as_ref() else {
        return false;
    };
    let Ok(iter) = ac.try_find_overlapping_iter(text) else {
        return false;
    };
    let b = text.as_bytes();
    for m in iter {
        let Some(&(marker, in_compact)) = WECHAT_MARKERS.get(m.pattern().as_usize()) else {
            continue;
        };
        if compact && !in_compact {
            continue;
        }
        // An ASCII marker must not be the tail of a longer word ("wow x…").
        if marker
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_alphabetic)
            && m.start() > 0
            && b.get(m.start() - 1).is_some_and(u8::is_ascii_alphanumeric)
        {
            continue;
        }
        if id_after(text, m.end(), compact) {
            return true;
        }
    }
    false
}

fn id_after(text: &str, from: usize, compact: bool) -> bool {
    let Some(rest) = text.get(from..) else {
        return false;
    };
    let b = rest.as_bytes();
    // Gap: separators, punctuation, emoji, a few filler characters, "id".
    let mut strong = false;
    let mut pos = 0usize;
    let mut gap_chars = 0usize;
    let max_gap = if compact { 4 } else { 8 };
    loop {
        let Some(c) = rest.get(pos..).and_then(|s| s.chars().next()) else {
            return false;
        };
        if c.is_ascii_alphanumeric() {
            let is_id_word = b.get(pos) == Some(&b'i')
                && b.get(pos + 1) == Some(&b'd')
                && b.get(pos + 2).is_some_and(|&n| !is_id_byte(n))
                && !compact;
            let is_id_word_compact = compact
                && b.get(pos) == Some(&b'i')
                && b.get(pos + 1) == Some(&b'd')
                && gap_chars == 0
                && parse_id(b.get(pos + 2..).unwrap_or(&[]), compact, true);
            if is_id_word_compact {
                return true;
            }
            if is_id_word {
                strong = true;
                pos += 2;
                gap_chars += 2;
                continue;
            }
            break;
        }
        let ok = if is_cjk_ideograph(c) {
            is_filler(c)
        } else if compact {
            false
        } else {
            !c.is_alphanumeric()
        };
        if !ok {
            return false;
        }
        if matches!(c, ':' | '：' | '号') {
            strong = true;
        }
        gap_chars += 1;
        if gap_chars > max_gap {
            return false;
        }
        pos += c.len_utf8();
    }
    parse_id(b.get(pos..).unwrap_or(&[]), compact, strong)
}

/// `[a-z][-_a-z0-9]{5,19}` at the start of `b`, ending at a non-id byte; it
/// must have a digit, `_` or `-` unless `strong` (an explicit `:`, `号`, `id`).
fn parse_id(b: &[u8], compact: bool, strong: bool) -> bool {
    if !b.first().is_some_and(u8::is_ascii_lowercase) {
        return false;
    }
    let len = b.iter().take_while(|&&c| is_id_byte(c)).count();
    if !(6..=20).contains(&len) {
        return false;
    }
    let id = b.get(..len).unwrap_or(&[]);
    if compact && id.iter().any(|&c| c == b'_' || c == b'-') {
        return false;
    }
    strong
        || id
            .iter()
            .any(|&c| c.is_ascii_digit() || c == b'_' || c == b'-')
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference implementations: NFKC over the whole string, no fast path.
    fn naive_compact(text: &str) -> String {
        let mut out = String::new();
        let mut sink = CompactSink(&mut out);
        for c in text.nfkc() {
            sink.emit(c);
        }
        out
    }

    fn naive_analysis(text: &str) -> Analysis {
        let mut a = Analysis::default();
        for c in text.nfkc() {
            a.emit(c);
        }
        a
    }

    // ----- normalisation -----

    #[test]
    fn full_width_letters_and_digits() {
        assert_eq!(normalize("ＶＸ"), "vx");
        assert_eq!(normalize("１２３"), "123");
        assert_eq!(normalize("Ｖ Ｘ：abc"), "vxabc");
        assert_eq!(normalize("ＡＢＣｄｅｆ１２３"), "abcdef123");
    }

    #[test]
    fn case_folding() {
        assert_eq!(normalize("WeChat"), "wechat");
        assert_eq!(normalize("ÀÉÎ"), "àéî");
        assert_eq!(normalize("ΣΑΣ"), "σασ");
    }

    #[test]
    fn spaces_and_punctuation() {
        assert_eq!(normalize("加 微 信"), "加微信");
        assert_eq!(normalize("加*微*信"), "加微信");
        assert_eq!(normalize("加-微_信.|/\\~^"), "加微信");
        assert_eq!(normalize("加，微。信！？、·…—「」【】《》～"), "加微信");
        assert_eq!(normalize("加\u{3000}微\t信\n"), "加微信");
        assert_eq!(normalize("Hello, World!"), "helloworld");
        assert_eq!(normalize("（加）『微』〔信〕“”‘’"), "加微信");
    }

    #[test]
    fn zero_width_and_format_characters() {
        assert_eq!(normalize("加\u{200B}微\u{200C}信\u{200D}"), "加微信");
        assert_eq!(normalize("\u{FEFF}v\u{2060}x\u{00AD}"), "vx");
        assert_eq!(normalize("加\u{202E}微\u{0007}信"), "加微信");
        assert_eq!(normalize("加\u{3164}微\u{FE0F}信"), "加微信");
    }

    #[test]
    fn emoji_are_removed() {
        assert_eq!(normalize("加🌹微🌹信"), "加微信");
        assert_eq!(normalize("👍好👍"), "好");
        assert_eq!(normalize("➕v"), "v");
        assert_eq!(normalize("1️⃣2️⃣"), "12");
        assert_eq!(normalize("😀😀"), "");
    }

    #[test]
    fn compatibility_forms() {
        assert_eq!(normalize("①③⑧"), "138");
        assert_eq!(normalize("ⓥⓧ"), "vx");
        assert_eq!(normalize("ｶﾀｶﾅ"), "カタカナ");
        // CJK compatibility ideograph U+F900 → U+8C48.
        assert_eq!(normalize("\u{F900}"), "\u{8C48}");
        assert_eq!(normalize("ﬁ"), "fi");
    }

    #[test]
    fn letters_digits_cjk_kept() {
        assert_eq!(normalize("今天3点开会"), "今天3点开会");
        assert_eq!(normalize("한국어 テスト"), "한국어テスト");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn combining_marks_compose_across_fast_chars() {
        assert_eq!(normalize("e\u{0301}"), "é");
        assert_eq!(normalize("Ｅ\u{0301}x"), "éx");
        assert_eq!(normalize("a\u{0308}中"), "ä中");
    }

    #[test]
    fn fast_path_equals_naive_nfkc() {
        let pool: Vec<char> = "aZ9 .,:中文字，。、「」ＡＶ１＄\u{3000}\u{0301}\u{0308}\u{0323}\u{3099}か\
            한\u{1100}\u{1161}\u{11A8}①ﬁ\u{F900}\u{200B}🌹é\u{00AD}ß\u{0130}Σ\u{2126}\u{212B}Å·—“”点信〇一\u{FF61}Ⅻ《》【】〔〕〖〗–‘’〃〈〉\u{3099}\u{302A}"
            .chars()
            .collect();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..20_000 {
            let mut s = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = (state % 12) as usize;
            for _ in 0..n {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                s.push(pool[(state % pool.len() as u64) as usize]);
            }
            assert_eq!(normalize(&s), naive_compact(&s), "input {s:?}");
            let fast = analyze(&s);
            let slow = naive_analysis(&s);
            assert_eq!(fast.light, slow.light, "input {s:?}");
            assert_eq!(fast.compact, slow.compact, "input {s:?}");
            assert_eq!(fast.compact, normalize(&s), "input {s:?}");
            assert_eq!(fast.digit_like, slow.digit_like, "input {s:?}");
        }
    }

    #[test]
    fn fast_map_agrees_with_nfkc() {
        for u in 0..0x1_0000u32 {
            let Some(c) = char::from_u32(u) else { continue };
            if let Some(m) = fast_map(c) {
                let nfkc: String = c.to_string().nfkc().collect();
                assert_eq!(nfkc, m.to_string(), "U+{u:04X}");
            }
        }
    }

    #[test]
    fn light_normalisation() {
        assert_eq!(normalize_light("ＶＸ：ABC\u{200B}_1"), "vx:abc_1");
        assert_eq!(normalize_light("a\u{3000}b\tc"), "a b c");
        assert_eq!(normalize_light("example。com"), "example。com");
    }

    #[test]
    fn normalize_is_idempotent_on_typical_text() {
        for s in [
            "加 微 信 ＶＸ abc_123",
            "Hello WORLD 123 ①",
            "ｶﾀｶﾅ ﬁ ß İstanbul",
        ] {
            let once = normalize(s);
            assert_eq!(normalize(&once), once);
        }
    }

    #[test]
    fn no_panic_on_odd_input() {
        let inputs = [
            "\u{0}",
            "\u{10FFFF}",
            "\u{0301}\u{0301}",
            "+",
            "++++86",
            ":",
            "://",
            "http://",
            "。",
            "点",
            "vx",
            "vx：",
            "微信",
            "wxid",
            "1",
            "+86",
            "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            "11111111111111111111111111111111111111111111111111111111111111111111111111111111111",
            "www",
            "www.",
            ". . . .",
            " . com",
        ];
        let m = Matcher::new(["微信", "a"]);
        for s in inputs {
            let _ = normalize(s);
            let _ = normalize_light(s);
            let _ = ad_signals(s);
            let _ = m.find_terms(s);
        }
        // Long pathological inputs stay linear.
        for s in [
            "1 ".repeat(100_000),
            "a.".repeat(100_000),
            "vx:".repeat(100_000),
            "a".repeat(200_000) + ".",
        ] {
            let _ = ad_signals(&s);
        }
        let long: String = "加微信 vx：abc_123456 13812345678 www.x.com ".repeat(2000);
        assert_eq!(ad_signals(&long).len(), 3);
        assert!(!m.find_terms(&long).is_empty());
    }

    // ----- matcher -----

    #[test]
    fn matcher_chinese_terms_with_inserted_junk() {
        let m = Matcher::new(["加微信", "兼职"]);
        assert_eq!(m.find_terms("快来 加 微 信"), vec!["加微信"]);
        assert_eq!(m.find_terms("加\u{200B}微\u{200D}信"), vec!["加微信"]);
        assert_eq!(m.find_terms("加，微。信！"), vec!["加微信"]);
        assert_eq!(m.find_terms("加🌹微🌹信"), vec!["加微信"]);
        assert_eq!(m.find_terms("兼-职 日结 加*微*信"), vec!["兼职", "加微信"]);
        assert!(m.find_terms("今天天气不错").is_empty());
    }

    #[test]
    fn matcher_overlapping_terms() {
        let m = Matcher::new(["微信", "加微信", "信"]);
        assert_eq!(m.find_terms("请加微信"), vec!["加微信", "微信", "信"]);
        let m = Matcher::new(["ab", "bc", "abc"]);
        assert_eq!(m.find_terms("xabcx"), vec!["ab", "abc", "bc"]);
    }

    #[test]
    fn matcher_first_occurrence_order_and_dedup() {
        let m = Matcher::new(["博彩", "兼职", "博彩", "兼 职"]);
        assert_eq!(m.len(), 3);
        assert_eq!(
            m.find_terms("兼职兼职 博彩 兼职"),
            vec!["兼职", "兼 职", "博彩"]
        );
    }

    #[test]
    fn matcher_case_insensitive_english() {
        let m = Matcher::new(["Crypto Airdrop", "VIP"]);
        assert_eq!(
            m.find_terms("free CRYPTO airdrop!!"),
            vec!["Crypto Airdrop"]
        );
        assert_eq!(m.find_terms("ｖｉｐ group"), vec!["VIP"]);
        assert_eq!(
            m.find_terms("c-r-y-p-t-o a.i.r.d.r.o.p"),
            vec!["Crypto Airdrop"]
        );
        assert!(m.is_match("join vip"));
        assert!(!m.is_match("nothing here"));
    }

    #[test]
    fn matcher_empty() {
        let m = Matcher::new(Vec::<String>::new());
        assert!(m.is_empty());
        assert_eq!(m.len(), 0);
        assert!(m.find_terms("加微信").is_empty());
        assert!(!m.is_match("加微信"));
        let m = Matcher::new(["", "  ", "🌹", "，。"]);
        assert!(m.is_empty());
        assert!(m.find_terms("🌹，。").is_empty());
    }

    #[test]
    fn matcher_normalized_entry_point() {
        let m = Matcher::new(["加微信"]);
        let n = normalize("加 微 信");
        assert_eq!(m.find_terms_normalized(&n), vec!["加微信"]);
        assert!(m.is_match_normalized(&n));
        assert_eq!(m.terms().collect::<Vec<_>>(), vec!["加微信"]);
    }

    #[test]
    fn matcher_thousand_terms() {
        let chars: Vec<char> =
            "的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会"
                .chars()
                .collect();
        let mut terms: Vec<String> = Vec::new();
        for i in 0..1000usize {
            if i % 3 == 0 {
                terms.push(format!("Word{i}x"));
            } else {
                let a = chars[i % chars.len()];
                let b = chars[(i / chars.len()) % chars.len()];
                let c = chars[(i * 7) % chars.len()];
                terms.push(format!("{a}{b}{c}{i}"));
            }
        }
        let m = Matcher::new(&terms);
        assert_eq!(m.len(), 1000);
        let text = format!("hello {} and {} and WORD999X", terms[1], terms[500]);
        let found = m.find_terms(&text);
        assert_eq!(
            found,
            vec![terms[1].clone(), terms[500].clone(), terms[999].clone()]
        );
        let spaced: String = terms[2].chars().flat_map(|c| [c, ' ']).collect();
        assert_eq!(m.find_terms(&spaced), vec![terms[2].clone()]);
    }

    // ----- heuristics -----

    fn has(text: &str, s: AdSignal) -> bool {
        ad_signals(text).contains(&s)
    }

    #[test]
    fn signal_names() {
        assert_eq!(AdSignal::Link.as_str(), "link");
        assert_eq!(AdSignal::PhoneNumber.as_str(), "phone");
        assert_eq!(AdSignal::WechatId.as_str(), "wechat_id");
        assert_eq!(AdSignal::QrCode.as_str(), "qr_code");
        assert_eq!(AdSignal::ContactCard.as_str(), "contact_card");
        assert_eq!(AdSignal::QrCode.to_string(), "qr_code");
    }

    #[test]
    fn links_positive() {
        for s in [
            "www.example.com",
            "example。com",
            "https://t.cn/abc",
            "http://192.168.1.1/x",
            "看这里 t.cn/abc",
            "访问abc.xyz获取",
            "ＷＷＷ．ＥＸＡＭＰＬＥ．ＣＯＭ",
            "example . com",
            "www . example . com",
            "example 。 com",
            "abc点com",
            "HTTPS://Example.org",
            "加群 qun.vip 领取",
            "www.baidu",
            "mail me: abc@gmail.com",
            "abc\u{200B}.\u{200B}com",
        ] {
            assert!(has(s, AdSignal::Link), "{s}");
        }
    }

    #[test]
    fn links_negative() {
        for s in [
            "今天3点开会",
            "我搞定了。明天见",
            "done. Top priority",
            "I use .net at work",
            "价格3.14元",
            "版本 v1.2.3",
            "Mr.Wang 来了",
            "e.g. this",
            "ok。好的",
            "3点com",
            "node.js 很好用",
            "report.pdf",
            "hello world",
        ] {
            assert!(!has(s, AdSignal::Link), "{s}");
        }
    }

    #[test]
    fn phones_positive() {
        for s in [
            "13812345678",
            "138 1234 5678",
            "+86 138-1234-5678",
            "１３８１２３４５６７８",
            "电话：13812345678",
            "+8613812345678",
            "008613812345678",
            "1-3-8-1-2-3-4-5-6-7-8",
            "138.1234.5678",
            "1③8✿1234✿5678",
            "一三八一二三四五六七八",
            "联系 010-12345678",
            "电话 021-6666 8888",
            "0755 1234 5678",
            "075512345678",
            "400 123 4567",
            "QQ 12345678",
            "打 12345678 找我",
            "+1 415 555 2671",
            "电话 13812345678 2人",
            "vx13812345678",
        ] {
            assert!(has(s, AdSignal::PhoneNumber), "{s}");
        }
    }

    #[test]
    fn phones_negative() {
        for s in [
            "今天3点开会",
            "第21天打卡",
            "2024年1月15日",
            "2024-01-15 15:30",
            "20240115",
            "2023-2024赛季",
            "价格 12999 元",
            "10000000元",
            "一共1000000人",
            "pi = 3.14159265358",
            "192.168.100.200",
            "1,234,567",
            "订单 2024011512345678901",
            "第1234567名",
            "abc1234567",
            "一二三四五六七八九十",
            "10:30-11:45 会议",
            "比分 3-2",
            "1 2 3 4 5 6 7 8",
            "12345",
            "房间号 1201 1202 1203",
            "订单号：202401151234",
            "时间戳 20240115123",
            "10000 - 20000",
        ] {
            assert!(!has(s, AdSignal::PhoneNumber), "{s}");
        }
    }

    #[test]
    fn wechat_positive() {
        for s in [
            "加我vx：abc_123456",
            "微信 abc123456",
            "微信号是abc123456",
            "VX: Abc123456",
            "ｖｘ：ａｂｃ１２３４５６",
            "wechat id: johnsmith",
            "weixin: zhang_san",
            "➕v abc123456",
            "+v：abc-123456",
            "v信：a b c 1 2 3 4 5 6",
            "薇信 abc_12345",
            "加微 zz12345678",
            "wx：wxid_abc123",
            "微 信：abcd1234",
            "威信号码：hello2024",
        ] {
            assert!(has(s, AdSignal::WechatId), "{s}");
        }
    }

    #[test]
    fn wechat_negative() {
        for s in [
            "我的微信没电了",
            "add me on wechat please",
            "微信支付宝都可以 abc123",
            "wx.request 用法",
            "用wx发给你 abc123",
            "how xavier1990",
            "微信abc",
            "vx：abc1234567890123456789",
            "今天3点开会",
        ] {
            assert!(!has(s, AdSignal::WechatId), "{s}");
        }
    }

    #[test]
    fn signals_order_and_event_flags() {
        let s = ad_signals("加vx：abc_123456 或 13812345678 www.x.com");
        assert_eq!(
            s,
            vec![AdSignal::Link, AdSignal::PhoneNumber, AdSignal::WechatId]
        );
        assert!(ad_signals("今天3点开会，第21天打卡").is_empty());
        assert_eq!(
            ad_signals_for_event("你好", true, true),
            vec![AdSignal::QrCode, AdSignal::ContactCard]
        );
    }
}
