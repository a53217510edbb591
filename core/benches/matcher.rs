//! Throughput benchmark for the matcher module.
//!
//! `cargo bench -p qunyun-core --bench matcher`
//!
//! Builds a matcher from 1000 generated terms (Chinese, 2–6 characters, and
//! English words), generates ~20 MB of chat messages (deterministic), and
//! reports MB/s of input text for normalize, find_terms_normalized on
//! pre-normalised text, normalize + find, and ad_signals.

use std::hint::black_box;
use std::time::{Duration, Instant};

use qunyun_core::risk::text::{Matcher, ad_signals, normalize, normalize_into};

const TARGET_BYTES: usize = 20 * 1024 * 1024;
const REPS: usize = 7;

/// xorshift64* — small, deterministic, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn range(&mut self, lo: usize, hi_inclusive: usize) -> usize {
        lo + self.below(hi_inclusive - lo + 1)
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const COMMON_HANZI: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞";

/// Ordinary English chat words.
const CHAT_WORDS: &[&str] = &[
    "the", "meeting", "today", "tomorrow", "please", "check", "group", "hello", "thanks", "ok",
    "project", "release", "build", "test", "deploy", "review", "coffee", "lunch", "weekend",
    "movie", "game", "price", "join", "member", "channel", "update", "android", "iphone", "server",
    "client", "error", "issue", "fixed", "great", "nice", "sorry", "see", "you", "later", "good",
    "morning", "night", "yes", "no", "maybe", "link", "photo", "file", "time", "work",
];

/// Words the English terms are made of.
const SPAM_WORDS: &[&str] = &[
    "bonus",
    "casino",
    "crypto",
    "airdrop",
    "loan",
    "invest",
    "profit",
    "discount",
    "offer",
    "limited",
    "click",
    "vip",
    "free",
    "jackpot",
    "betting",
    "forex",
    "usdt",
    "payday",
    "escort",
    "followers",
    "giveaway",
    "cashback",
    "lottery",
    "binary",
    "signals",
];

const PUNCT: &[&str] = &[
    "，", "。", "！", "？", "、", "…", "~", "!", "?", " ", "：", "；",
];

/// Uniformly drawn characters (for the terms).
fn hanzi(rng: &mut Rng, pool: &[char], n: usize) -> String {
    (0..n).map(|_| rng.pick(pool)).collect()
}

/// Characters drawn with a skew towards the front of the pool (which lists
/// common characters first), roughly like real text.
fn hanzi_text(rng: &mut Rng, pool: &[char], n: usize) -> String {
    (0..n)
        .map(|_| {
            let bound = rng.below(pool.len()) + 1;
            pool[rng.below(bound)]
        })
        .collect()
}

/// 1000 terms, distinct after normalisation: ~70% Chinese of 2–6 characters,
/// ~30% English (a word plus a few letters, or two words).
fn make_terms(rng: &mut Rng, pool: &[char]) -> Vec<String> {
    let mut terms = Vec::with_capacity(1000);
    let mut seen = std::collections::HashSet::new();
    while terms.len() < 1000 {
        let term = make_term(rng, pool);
        if seen.insert(normalize(&term)) {
            terms.push(term);
        }
    }
    terms
}

fn make_term(rng: &mut Rng, pool: &[char]) -> String {
    {
        if rng.chance(70) {
            let n = if rng.chance(10) { 2 } else { rng.range(3, 6) };
            hanzi(rng, pool, n)
        } else {
            // English: a spam word plus a generated suffix, or two words.
            let w = rng.pick(SPAM_WORDS);
            if rng.chance(50) {
                let w2 = rng.pick(SPAM_WORDS);
                format!("{w} {w2}")
            } else {
                let suffix: String = (0..rng.range(2, 5))
                    .map(|_| (b'a' + rng.below(26) as u8) as char)
                    .collect();
                format!("{w}{suffix}")
            }
        }
    }
}

fn spaced(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn make_message(rng: &mut Rng, pool: &[char], terms: &[String]) -> String {
    let mut msg = String::new();
    let clauses = rng.range(1, 3);
    for _ in 0..clauses {
        if rng.chance(15) {
            // English clause.
            for w in 0..rng.range(2, 8) {
                if w > 0 {
                    msg.push(' ');
                }
                msg.push_str(rng.pick(CHAT_WORDS));
            }
        } else {
            let n = rng.range(3, 18);
            msg.push_str(&hanzi_text(rng, pool, n));
            if rng.chance(20) {
                msg.push_str(&rng.range(1, 30).to_string());
                msg.push_str(rng.pick(&["点", "天", "个", "号", "月", "人"]));
                let n = rng.range(1, 5);
                msg.push_str(&hanzi_text(rng, pool, n));
            }
            if rng.chance(8) {
                msg.push(' ');
                msg.push_str(rng.pick(CHAT_WORDS));
                msg.push(' ');
            }
        }
        msg.push_str(rng.pick(PUNCT));
    }
    // A few percent carry a term, some of them with inserted spaces.
    if rng.chance(4) {
        let t = &terms[rng.below(terms.len())];
        if rng.chance(30) {
            msg.push_str(&spaced(t));
        } else {
            msg.push_str(t);
        }
    }
    // About 1% look like ads for the heuristics.
    if rng.chance(1) {
        match rng.below(4) {
            0 => msg.push_str(&format!("加我vx：abc_{}", rng.range(100_000, 999_999))),
            1 => msg.push_str(&format!(
                "电话 138 {} {}",
                rng.range(1000, 9999),
                rng.range(1000, 9999)
            )),
            2 => msg.push_str("看这里 www.example.com"),
            _ => msg.push_str("https://t.cn/abc"),
        }
    }
    msg
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / d.as_secs_f64()
}

fn measure<F: FnMut() -> usize>(name: &str, bytes: usize, mut f: F) {
    let mut times = Vec::with_capacity(REPS);
    // One untimed warm-up run.
    black_box(f());
    let mut check = 0usize;
    for _ in 0..REPS {
        let start = Instant::now();
        check = check.wrapping_add(black_box(f()));
        times.push(start.elapsed());
    }
    times.sort();
    let best = times[0];
    let median = times[REPS / 2];
    println!(
        "{name:<32} best {:>8.1} MB/s   median {:>8.1} MB/s   ({:.3} s/rep, check {})",
        mbps(bytes, best),
        mbps(bytes, median),
        median.as_secs_f64(),
        check / REPS,
    );
}

fn main() {
    let pool: Vec<char> = COMMON_HANZI.chars().collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    let terms = make_terms(&mut rng, &pool);
    let build_start = Instant::now();
    let matcher = Matcher::new(&terms);
    let build_time = build_start.elapsed();

    let mut messages = Vec::new();
    let mut bytes = 0usize;
    while bytes < TARGET_BYTES {
        let m = make_message(&mut rng, &pool, &terms);
        bytes += m.len();
        messages.push(m);
    }
    let normalized: Vec<String> = messages.iter().map(|m| normalize(m)).collect();
    let normalized_bytes: usize = normalized.iter().map(String::len).sum();
    let with_terms = normalized
        .iter()
        .filter(|n| !matcher.find_terms_normalized(n).is_empty())
        .count();
    let with_signals = messages
        .iter()
        .filter(|m| !ad_signals(m).is_empty())
        .count();

    println!(
        "matcher: {} terms, built in {:.1} ms, automaton {:.1} KiB",
        matcher.len(),
        build_time.as_secs_f64() * 1000.0,
        matcher.memory_usage() as f64 / 1024.0
    );
    println!(
        "text: {} messages, {:.1} MB raw ({:.1} MB normalised), avg {:.0} bytes/message",
        messages.len(),
        bytes as f64 / (1024.0 * 1024.0),
        normalized_bytes as f64 / (1024.0 * 1024.0),
        bytes as f64 / messages.len() as f64
    );
    println!(
        "messages with a term: {:.2}%, with an ad signal: {:.2}%",
        100.0 * with_terms as f64 / messages.len() as f64,
        100.0 * with_signals as f64 / messages.len() as f64
    );
    println!(
        "1 warm-up + {REPS} timed repetitions each, MB/s of raw input text (1 MB = 2^20 bytes):"
    );

    measure("(a) normalize", bytes, || {
        let mut buf = String::new();
        let mut n = 0;
        for m in &messages {
            buf.clear();
            normalize_into(m, &mut buf);
            n += buf.len();
        }
        n
    });
    measure("(b) find_terms_normalized", bytes, || {
        normalized
            .iter()
            .map(|n| matcher.find_terms_normalized(n).len())
            .sum()
    });
    measure("(c) normalize + find_terms", bytes, || {
        let mut buf = String::new();
        let mut n = 0;
        for m in &messages {
            buf.clear();
            normalize_into(m, &mut buf);
            n += matcher.find_terms_normalized(&buf).len();
        }
        n
    });
    measure("(c') find_terms (allocating)", bytes, || {
        messages.iter().map(|m| matcher.find_terms(m).len()).sum()
    });
    measure("(d) ad_signals", bytes, || {
        messages.iter().map(|m| ad_signals(m).len()).sum()
    });
}
