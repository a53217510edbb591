//! Per-member churn-risk scoring.
//!
//! We predict whether a member of a chat group *leaves the group within 14
//! days* of a snapshot, from behaviour [`Features`] observed at that snapshot.
//!
//! * Once a tenant has enough labelled history, [`Model::train`] fits an
//!   L2-regularised logistic regression on the tenant's own members and
//!   [`Model::score`] scores new snapshots with it.
//! * Before that, [`heuristic`] gives a score of the same shape from hand-set
//!   weights.
//!
//! Every [`Score`] carries the [`TOP_K`] features that contributed most to the
//! log-odds, so the score can be explained to a human.
//!
//! Nothing in this module panics: raw inputs are sanitised (NaN and negative
//! values become 0, huge values are capped), degenerate training sets make
//! [`Model::train`] return `None`, and a malformed (e.g. hand-edited,
//! deserialised) [`Model`] still yields finite scores in `[0, 1]`.

use serde::{Deserialize, Serialize};

/// Number of model inputs produced by [`transform`].
pub const NUM_FEATURES: usize = 7;

/// Names of the transformed model inputs, in the order produced by
/// [`transform`] and used by [`Model::weights`], [`Model::means`] and
/// [`Model::stds`].
pub const FEATURE_NAMES: [&str; NUM_FEATURES] = [
    "recency",
    "activity_trend",
    "messages_30d",
    "reads_30d",
    "checkin_streak",
    "tenure",
    "layer",
];

/// Recency (days since the last message) is capped at this many days.
pub const RECENCY_CAP_DAYS: f64 = 60.0;

/// Every raw count / duration is capped at this value before transforming,
/// so that absurd inputs (e.g. `f64::INFINITY`) stay finite.
pub const MAX_RAW_VALUE: f64 = 1e9;

/// Smoothing added to both daily message rates in the activity trend.
pub const TREND_SMOOTHING: f64 = 0.1;

/// Minimum number of labelled examples before [`Model::train`] fits a model.
pub const MIN_EXAMPLES: usize = 50;

/// Minimum number of examples of *each* class (left / stayed) required by
/// [`Model::train`].
pub const MIN_PER_CLASS: usize = 10;

/// L2 penalty (on the standardised weights, not the bias) used by
/// [`Model::train`]. The objective is
/// `mean(log-loss) + L2_LAMBDA / 2 * |w|^2`.
pub const L2_LAMBDA: f64 = 1e-2;

/// Every `HOLDOUT_EVERY`-th example of each class is held out for the AUC.
pub const HOLDOUT_EVERY: usize = 5;

/// Number of contributions reported in [`Score::top`].
pub const TOP_K: usize = 3;

/// Behaviour features of one member at one snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Features {
    /// Days since the member's last message (recency).
    pub days_since_last_message: f64,
    /// Messages sent in the last 7 days.
    pub messages_7d: f64,
    /// Messages sent in the last 30 days.
    pub messages_30d: f64,
    /// Messages read in the last 30 days.
    pub reads_30d: f64,
    /// Current check-in streak, in days.
    pub checkin_streak: f64,
    /// Days since the member joined.
    pub tenure_days: f64,
    /// Engagement layer: 2.0 CORE, 1.0 ACTIVE, 0.0 LURKER.
    pub layer: f64,
}

/// Sanitises one raw value: NaN and negatives (including `-inf`) become 0,
/// values above `cap` (including `+inf`) become `cap`.
fn sanitize(x: f64, cap: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        0.0
    } else if x > cap {
        cap
    } else {
        x
    }
}

/// The model inputs: a fixed transform of [`Features`].
///
/// Raw values are first sanitised: NaN and negative values become `0`, and
/// values above [`MAX_RAW_VALUE`] (including `+inf`) are capped. Then, in the
/// order of [`FEATURE_NAMES`]:
///
/// | # | name             | value                                                      |
/// |---|------------------|------------------------------------------------------------|
/// | 0 | `recency`        | `min(days_since_last_message, 60)` (days, linear)          |
/// | 1 | `activity_trend` | `ln((messages_7d / 7 + 0.1) / (messages_30d / 30 + 0.1))`  |
/// | 2 | `messages_30d`   | `ln(1 + messages_30d)`                                     |
/// | 3 | `reads_30d`      | `ln(1 + reads_30d)`                                        |
/// | 4 | `checkin_streak` | `ln(1 + checkin_streak)`                                   |
/// | 5 | `tenure`         | `ln(1 + tenure_days)`                                      |
/// | 6 | `layer`          | `layer` clamped to `[0, 2]`                                |
///
/// `activity_trend` compares the recent daily message rate with the 30-day
/// daily rate: `0` means steady, negative means falling (e.g. silent this
/// week after 30 messages in the month: `ln(0.1 / 1.1) ≈ -2.4`), positive
/// means rising. The `0.1` smoothing keeps it finite for silent members.
///
/// Every output is finite for every input.
pub fn transform(f: &Features) -> [f64; NUM_FEATURES] {
    let recency = sanitize(f.days_since_last_message, RECENCY_CAP_DAYS);
    let m7 = sanitize(f.messages_7d, MAX_RAW_VALUE);
    let m30 = sanitize(f.messages_30d, MAX_RAW_VALUE);
    let reads = sanitize(f.reads_30d, MAX_RAW_VALUE);
    let streak = sanitize(f.checkin_streak, MAX_RAW_VALUE);
    let tenure = sanitize(f.tenure_days, MAX_RAW_VALUE);
    let layer = sanitize(f.layer, 2.0);
    let trend = ((m7 / 7.0 + TREND_SMOOTHING) / (m30 / 30.0 + TREND_SMOOTHING)).ln();
    [
        recency,
        trend,
        m30.ln_1p(),
        reads.ln_1p(),
        streak.ln_1p(),
        tenure.ln_1p(),
        layer,
    ]
}

/// A trained per-tenant logistic-regression model.
///
/// `risk = sigmoid(bias + Σ_j weights[j] * (x_j - means[j]) / stds[j])` where
/// `x = transform(features)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// One weight per [`FEATURE_NAMES`] entry, on standardised inputs.
    pub weights: Vec<f64>,
    /// Intercept (log-odds of a member at the training means).
    pub bias: f64,
    /// Per-feature means fitted on the training split.
    pub means: Vec<f64>,
    /// Per-feature standard deviations fitted on the training split
    /// (constant features get `1.0`).
    pub stds: Vec<f64>,
    /// Held-out AUC measured at training time (`None` when the held-out set
    /// lacks one of the classes).
    pub auc: Option<f64>,
    /// Number of training examples (excluding the held-out split).
    pub trained_on: usize,
}

/// One feature's signed contribution to the log-odds of leaving.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// One of [`FEATURE_NAMES`].
    pub feature: &'static str,
    /// Signed contribution to the log-odds (positive = raises the risk).
    pub value: f64,
}

/// A churn-risk score with its explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Probability of leaving within 14 days, in `[0, 1]`.
    pub risk: f64,
    /// The [`TOP_K`] largest contributions by absolute value, largest first;
    /// on equal magnitude risk-increasing contributions come first, then
    /// [`FEATURE_NAMES`] order.
    pub top: Vec<Contribution>,
}

/// Numerically stable logistic function; NaN maps to 0.5. Always in `[0, 1]`.
fn sigmoid(z: f64) -> f64 {
    if z.is_nan() {
        0.5
    } else if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Numerically stable `ln(1 + e^z)`.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Builds a [`Score`] from a log-odds intercept and per-feature contributions.
/// Non-finite contributions are treated as 0 so the result is always finite.
fn build_score(bias: f64, contributions: [f64; NUM_FEATURES]) -> Score {
    let contributions = contributions.map(|c| if c.is_finite() { c } else { 0.0 });
    let bias = if bias.is_finite() { bias } else { 0.0 };
    let z = bias + contributions.iter().sum::<f64>();
    let risk = sigmoid(z).clamp(0.0, 1.0);

    let mut order: Vec<usize> = (0..NUM_FEATURES).collect();
    order.sort_by(|&a, &b| {
        let (ca, cb) = (contributions[a], contributions[b]);
        cb.abs()
            .total_cmp(&ca.abs())
            .then_with(|| (cb > 0.0).cmp(&(ca > 0.0)))
            .then_with(|| a.cmp(&b))
    });
    let top = order
        .into_iter()
        .take(TOP_K)
        .map(|j| Contribution {
            feature: FEATURE_NAMES[j],
            value: contributions[j],
        })
        .collect();
    Score { risk, top }
}

/// Hand-set heuristic weights per unit of the transformed feature (see
/// [`heuristic`]).
pub const HEURISTIC_WEIGHTS: [f64; NUM_FEATURES] = [0.07, -0.6, -0.3, -0.4, -0.3, -0.3, -0.6];

/// Reference ("typical healthy member") value of each transformed feature:
/// 3 days since last message, steady trend, 10 messages and 30 reads in 30
/// days, a 3-day streak, 90 days of tenure, ACTIVE layer.
pub const HEURISTIC_REFERENCE: [f64; NUM_FEATURES] = [
    3.0,
    0.0,
    2.397_895_272_798_371,   // ln(1 + 10)
    3.433_987_204_485_146,   // ln(1 + 30)
    1.386_294_361_119_890_6, // ln(1 + 3)
    4.510_859_506_516_851,   // ln(1 + 90)
    1.0,
];

/// Heuristic log-odds of the reference member (≈ 12% risk).
pub const HEURISTIC_BIAS: f64 = -2.0;

/// Heuristic churn score used before a tenant has a trained [`Model`].
///
/// `risk = sigmoid(-2.0 + Σ_j w_j * (x_j - ref_j))` with `x = transform(f)`;
/// the contribution of feature `j` is `w_j * (x_j - ref_j)`, i.e. relative to
/// a typical healthy member (whose risk is `sigmoid(-2) ≈ 12%`):
///
/// | feature          | weight `w_j` | reference `ref_j`      | effect                                   |
/// |------------------|-------------:|------------------------|------------------------------------------|
/// | `recency`        | `+0.07`/day  | 3 days                 | 60 days silent: `+3.99`                   |
/// | `activity_trend` | `-0.6`       | 0 (steady)             | silent week after 30 msgs/month: `+1.44` |
/// | `messages_30d`   | `-0.3`       | `ln(1+10)` (10 msgs)   | no messages: `+0.72`                     |
/// | `reads_30d`      | `-0.4`       | `ln(1+30)` (30 reads)  | no reads: `+1.37`                        |
/// | `checkin_streak` | `-0.3`       | `ln(1+3)` (3 days)     | no streak: `+0.42`                       |
/// | `tenure`         | `-0.3`       | `ln(1+90)` (90 days)   | joined 3 days ago: `+0.94`               |
/// | `layer`          | `-0.6`       | 1 (ACTIVE)             | LURKER `+0.6`, CORE `-0.6`               |
///
/// Long silence, falling activity, few messages or reads, no streak, short
/// tenure and the LURKER layer all raise the risk.
pub fn heuristic(f: &Features) -> Score {
    let x = transform(f);
    let mut contributions = [0.0; NUM_FEATURES];
    for (j, c) in contributions.iter_mut().enumerate() {
        *c = HEURISTIC_WEIGHTS[j] * (x[j] - HEURISTIC_REFERENCE[j]);
    }
    build_score(HEURISTIC_BIAS, contributions)
}

/// Parameter vector size: bias followed by the feature weights.
const DIM: usize = NUM_FEATURES + 1;

/// Solves `a * x = b` by Gaussian elimination with partial pivoting.
/// Returns `None` for a (numerically) singular or non-finite system.
fn solve(mut a: [[f64; DIM]; DIM], mut b: [f64; DIM]) -> Option<[f64; DIM]> {
    for col in 0..DIM {
        let mut pivot = col;
        for row in col + 1..DIM {
            if a[row][col].abs() > a[pivot][col].abs() {
                pivot = row;
            }
        }
        let p = a[pivot][col];
        if !p.is_finite() || p.abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..DIM {
            let factor = a[row][col] / p;
            if factor != 0.0 {
                let pivot_row = a[col];
                for (dst, src) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                    *dst -= factor * src;
                }
                b[row] -= factor * b[col];
            }
        }
    }
    let mut x = [0.0; DIM];
    for row in (0..DIM).rev() {
        let mut s = b[row];
        for k in row + 1..DIM {
            s -= a[row][k] * x[k];
        }
        x[row] = s / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Linear predictor `beta[0] + Σ beta[j+1] * x[j]`.
fn linear(beta: &[f64; DIM], x: &[f64; NUM_FEATURES]) -> f64 {
    beta[0]
        + beta[1..]
            .iter()
            .zip(x.iter())
            .map(|(w, v)| w * v)
            .sum::<f64>()
}

/// Penalised objective: mean log-loss + λ/2 |w|² (bias unpenalised).
fn objective(beta: &[f64; DIM], xs: &[[f64; NUM_FEATURES]], ys: &[bool]) -> f64 {
    let n = xs.len().max(1) as f64;
    let loss: f64 = xs
        .iter()
        .zip(ys)
        .map(|(x, &y)| {
            let z = linear(beta, x);
            softplus(z) - if y { z } else { 0.0 }
        })
        .sum();
    let penalty: f64 = beta[1..].iter().map(|w| w * w).sum();
    loss / n + 0.5 * L2_LAMBDA * penalty
}

/// Fits the penalised logistic regression by Newton's method (IRLS) with
/// backtracking line search, starting from all-zero parameters.
fn fit_newton(xs: &[[f64; NUM_FEATURES]], ys: &[bool]) -> Option<[f64; DIM]> {
    const MAX_ITER: usize = 100;
    const TOL: f64 = 1e-10;
    let n = xs.len().max(1) as f64;
    let mut beta = [0.0; DIM];
    let mut current = objective(&beta, xs, ys);

    for _ in 0..MAX_ITER {
        let mut grad = [0.0; DIM];
        let mut hess = [[0.0; DIM]; DIM];
        for (x, &y) in xs.iter().zip(ys) {
            let p = sigmoid(linear(&beta, x));
            let r = p - if y { 1.0 } else { 0.0 };
            let w = p * (1.0 - p);
            let mut xt = [1.0; DIM];
            xt[1..].copy_from_slice(x);
            for ((g, row), &xi) in grad.iter_mut().zip(hess.iter_mut()).zip(&xt) {
                *g += r * xi;
                for (h, &xk) in row.iter_mut().zip(&xt) {
                    *h += w * xi * xk;
                }
            }
        }
        grad.iter_mut().for_each(|g| *g /= n);
        hess.iter_mut().flatten().for_each(|h| *h /= n);
        // Ridge on the weights; a tiny jitter on the bias keeps H positive
        // definite even when every prediction saturates.
        hess[0][0] += 1e-9;
        for i in 1..DIM {
            grad[i] += L2_LAMBDA * beta[i];
            hess[i][i] += L2_LAMBDA;
        }

        let step = solve(hess, grad)?;
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            let mut candidate = beta;
            for i in 0..DIM {
                candidate[i] -= t * step[i];
            }
            let value = objective(&candidate, xs, ys);
            if value.is_finite() && value <= current {
                beta = candidate;
                current = value;
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        let max_step = step.iter().fold(0.0_f64, |m, s| m.max((t * s).abs()));
        if !accepted || max_step < TOL {
            break;
        }
    }
    beta.iter().all(|b| b.is_finite()).then_some(beta)
}

impl Model {
    /// Trains an L2-regularised logistic regression on the tenant's history.
    ///
    /// `examples` are `(features, left_within_14_days)` pairs. Inputs are
    /// [`transform`]ed and standardised with the training split's mean and
    /// standard deviation; the objective `mean(log-loss) + L2_LAMBDA/2 * |w|²`
    /// (bias unpenalised) is minimised by Newton's method / IRLS with a
    /// backtracking line search, starting from zero. Fully deterministic.
    ///
    /// Split (deterministic, stratified): within each class, in input order,
    /// every [`HOLDOUT_EVERY`]-th example (the 5th, 10th, …) is held out,
    /// giving ~80% train / ~20% held-out with both classes on each side. The
    /// held-out AUC is stored in [`Model::auc`].
    ///
    /// Returns `None` when there are fewer than [`MIN_EXAMPLES`] examples,
    /// fewer than [`MIN_PER_CLASS`] of either class, or if the fit fails
    /// numerically.
    pub fn train(examples: &[(Features, bool)]) -> Option<Model> {
        let positives = examples.iter().filter(|(_, y)| *y).count();
        let negatives = examples.len() - positives;
        if examples.len() < MIN_EXAMPLES || positives < MIN_PER_CLASS || negatives < MIN_PER_CLASS {
            return None;
        }

        let (mut seen_pos, mut seen_neg) = (0_usize, 0_usize);
        let mut train_x = Vec::with_capacity(examples.len());
        let mut train_y = Vec::with_capacity(examples.len());
        let mut held_out = Vec::with_capacity(examples.len() / HOLDOUT_EVERY + 2);
        for (f, y) in examples {
            let seen = if *y { &mut seen_pos } else { &mut seen_neg };
            *seen += 1;
            let x = transform(f);
            if *seen % HOLDOUT_EVERY == 0 {
                held_out.push((x, *y));
            } else {
                train_x.push(x);
                train_y.push(*y);
            }
        }

        let n = train_x.len() as f64;
        let mut means = [0.0; NUM_FEATURES];
        let mut stds = [0.0; NUM_FEATURES];
        for x in &train_x {
            for j in 0..NUM_FEATURES {
                means[j] += x[j];
            }
        }
        means.iter_mut().for_each(|m| *m /= n);
        for x in &train_x {
            for j in 0..NUM_FEATURES {
                let d = x[j] - means[j];
                stds[j] += d * d;
            }
        }
        for s in &mut stds {
            let sd = (*s / n).sqrt();
            *s = if sd.is_finite() && sd > 1e-12 {
                sd
            } else {
                1.0
            };
        }

        let standardised: Vec<[f64; NUM_FEATURES]> = train_x
            .iter()
            .map(|x| {
                let mut z = [0.0; NUM_FEATURES];
                for j in 0..NUM_FEATURES {
                    z[j] = (x[j] - means[j]) / stds[j];
                }
                z
            })
            .collect();
        let beta = fit_newton(&standardised, &train_y)?;

        let mut model = Model {
            weights: beta[1..].to_vec(),
            bias: beta[0],
            means: means.to_vec(),
            stds: stds.to_vec(),
            auc: None,
            trained_on: train_x.len(),
        };
        let (scores, labels): (Vec<f64>, Vec<bool>) = held_out
            .iter()
            .map(|(x, y)| (model.log_odds(x), *y))
            .unzip();
        model.auc = auc(&scores, &labels);
        Some(model)
    }

    /// Per-feature contributions to the log-odds for transformed inputs `x`:
    /// `weights[j] * (x_j - means[j]) / stds[j]`. Missing or invalid
    /// parameters (wrong lengths, non-finite, non-positive stds) are treated
    /// as neutral (weight 0, mean 0, std 1).
    fn contributions(&self, x: &[f64; NUM_FEATURES]) -> [f64; NUM_FEATURES] {
        let mut out = [0.0; NUM_FEATURES];
        for (j, c) in out.iter_mut().enumerate() {
            let w = self.weights.get(j).copied().filter(|v| v.is_finite());
            let mean = self.means.get(j).copied().filter(|v| v.is_finite());
            let sd = self
                .stds
                .get(j)
                .copied()
                .filter(|v| v.is_finite() && *v > 0.0);
            let value = w.unwrap_or(0.0) * (x[j] - mean.unwrap_or(0.0)) / sd.unwrap_or(1.0);
            *c = if value.is_finite() { value } else { 0.0 };
        }
        out
    }

    /// Log-odds for transformed inputs (used for ranking / AUC).
    fn log_odds(&self, x: &[f64; NUM_FEATURES]) -> f64 {
        let bias = if self.bias.is_finite() {
            self.bias
        } else {
            0.0
        };
        bias + self.contributions(x).iter().sum::<f64>()
    }

    /// Scores one member. Contributions are relative to the average training
    /// member (the standardisation means), so `top` explains why this member
    /// is riskier or safer than usual.
    pub fn score(&self, f: &Features) -> Score {
        let x = transform(f);
        build_score(self.bias, self.contributions(&x))
    }
}

/// Area under the ROC curve of `scores` against `labels` (`true` = positive),
/// via the Mann–Whitney U statistic with average ranks, so tied scores count
/// 0.5. NaN scores rank below every other score.
///
/// Returns `None` if the slices differ in length or either class is missing.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    if scores.len() != labels.len() {
        return None;
    }
    let n_pos = labels.iter().filter(|y| **y).count();
    let n_neg = labels.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut pairs: Vec<(f64, bool)> = scores
        .iter()
        .zip(labels)
        .map(|(&s, &y)| {
            (
                if s.is_nan() {
                    f64::NEG_INFINITY
                } else {
                    s + 0.0
                },
                y,
            )
        })
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));

    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j + 1 < pairs.len() && pairs[j + 1].0 == pairs[i].0 {
            j += 1;
        }
        // 1-based ranks i+1 ..= j+1 share their average.
        let avg_rank = (i + j + 2) as f64 / 2.0;
        let pos_in_group = pairs[i..=j].iter().filter(|p| p.1).count();
        rank_sum_pos += avg_rank * pos_in_group as f64;
        i = j + 1;
    }
    let (np, nn) = (n_pos as f64, n_neg as f64);
    let u = rank_sum_pos - np * (np + 1.0) / 2.0;
    Some((u / (np * nn)).clamp(0.0, 1.0))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// xorshift64* generator for deterministic test data.
    struct Rng(u64);

    impl Rng {
        fn new(seed: u64) -> Self {
            Rng(seed.max(1))
        }
        fn next_u64(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.0 = x;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        /// Uniform in [0, 1).
        fn uniform(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }
        /// Standard normal (Box–Muller).
        fn normal(&mut self) -> f64 {
            let u1 = 1.0 - self.uniform(); // (0, 1]
            let u2 = self.uniform();
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        }
    }

    /// Generates `n` members whose churn log-odds depend on recency, activity
    /// trend and reads (plus noise); returns the examples.
    fn generate(n: usize, seed: u64) -> Vec<(Features, bool)> {
        let mut rng = Rng::new(seed);
        (0..n)
            .map(|_| {
                let u = rng.uniform();
                let layer = if u < 0.5 {
                    0.0
                } else if u < 0.8 {
                    1.0
                } else {
                    2.0
                };
                let rate30 = (rng.normal() + 0.5 * layer - 1.0).exp();
                let messages_30d = (rate30 * 30.0 * (0.5 + rng.uniform())).floor();
                let rate7 = rate30 * (0.8 * rng.normal()).exp();
                let messages_7d = (rate7 * 7.0 * (0.5 + rng.uniform()))
                    .floor()
                    .min(messages_30d);
                let days_since_last_message = if messages_7d > 0.0 {
                    rng.uniform() * 7.0
                } else if messages_30d > 0.0 {
                    7.0 + rng.uniform() * 23.0
                } else {
                    30.0 + rng.uniform() * 60.0
                };
                let reads_30d = (rng.normal() + 2.5 + 0.3 * layer).exp().floor();
                let checkin_streak = if rng.uniform() < 0.4 {
                    0.0
                } else {
                    (rng.uniform() * 10.0 * (layer + 1.0)).floor()
                };
                let tenure_days = (rng.uniform() * 6.5).exp().floor();
                let f = Features {
                    days_since_last_message,
                    messages_7d,
                    messages_30d,
                    reads_30d,
                    checkin_streak,
                    tenure_days,
                    layer,
                };
                let x = transform(&f);
                let logit = -1.5 + 0.15 * (x[0] - 10.0) - 1.2 * x[1] - 1.0 * (x[3] - 2.7)
                    + 0.3 * rng.normal();
                let left = rng.uniform() < sigmoid(logit);
                (f, left)
            })
            .collect()
    }

    fn at_risk_member() -> Features {
        Features {
            days_since_last_message: 55.0,
            messages_7d: 0.0,
            messages_30d: 0.0,
            reads_30d: 1.0,
            checkin_streak: 0.0,
            tenure_days: 20.0,
            layer: 0.0,
        }
    }

    fn healthy_member() -> Features {
        Features {
            days_since_last_message: 0.5,
            messages_7d: 20.0,
            messages_30d: 60.0,
            reads_30d: 200.0,
            checkin_streak: 30.0,
            tenure_days: 400.0,
            layer: 2.0,
        }
    }

    fn extreme_inputs() -> Vec<Features> {
        let specials = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -1.0,
            -0.0,
            0.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            1e300,
            3.0,
        ];
        let mut out = vec![Features::default()];
        for (i, &a) in specials.iter().enumerate() {
            let b = specials[(i * 7 + 3) % specials.len()];
            out.push(Features {
                days_since_last_message: a,
                messages_7d: a,
                messages_30d: b,
                reads_30d: a,
                checkin_streak: b,
                tenure_days: a,
                layer: b,
            });
            out.push(Features {
                days_since_last_message: b,
                messages_7d: b,
                messages_30d: a,
                reads_30d: b,
                checkin_streak: a,
                tenure_days: b,
                layer: a,
            });
        }
        out
    }

    fn assert_valid(score: &Score) {
        assert!(score.risk.is_finite(), "{score:?}");
        assert!((0.0..=1.0).contains(&score.risk), "{score:?}");
        assert_eq!(score.top.len(), TOP_K);
        for c in &score.top {
            assert!(c.value.is_finite(), "{score:?}");
            assert!(FEATURE_NAMES.contains(&c.feature));
        }
        for w in score.top.windows(2) {
            assert!(w[0].value.abs() >= w[1].value.abs(), "{score:?}");
        }
    }

    #[test]
    fn auc_known_cases() {
        let labels = [false, false, true, true];
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &labels), Some(1.0));
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &labels), Some(0.0));
        assert_eq!(auc(&[0.5, 0.5, 0.5, 0.5], &labels), Some(0.5));
        // One inverted pair out of four.
        assert_eq!(auc(&[0.1, 0.4, 0.35, 0.8], &labels), Some(0.75));
        // A positive tied with a negative counts half: (1 + 0.5) / 2.
        assert_eq!(auc(&[0.1, 0.5, 0.5], &[false, false, true]), Some(0.75));
        // NaN ranks lowest.
        assert_eq!(auc(&[f64::NAN, 0.3], &[false, true]), Some(1.0));
    }

    #[test]
    fn auc_degenerate_inputs() {
        assert_eq!(auc(&[], &[]), None);
        assert_eq!(auc(&[0.1, 0.2], &[true, true]), None);
        assert_eq!(auc(&[0.1, 0.2], &[false, false]), None);
        assert_eq!(auc(&[0.1, 0.2], &[false]), None);
    }

    #[test]
    fn transform_is_documented_and_finite() {
        let f = Features {
            days_since_last_message: 100.0,
            messages_7d: 0.0,
            messages_30d: 30.0,
            reads_30d: 0.0,
            checkin_streak: 0.0,
            tenure_days: 0.0,
            layer: 5.0,
        };
        let x = transform(&f);
        assert_eq!(x[0], RECENCY_CAP_DAYS);
        assert!((x[1] - (0.1_f64 / 1.1).ln()).abs() < 1e-12);
        assert!((x[2] - 31.0_f64.ln()).abs() < 1e-12);
        assert_eq!(&x[3..], &[0.0, 0.0, 0.0, 2.0]);
        for (j, r) in HEURISTIC_REFERENCE.iter().enumerate().skip(2).take(4) {
            let raw = [10.0, 30.0, 3.0, 90.0][j - 2];
            assert!((r - f64::ln_1p(raw)).abs() < 1e-12);
        }
        for f in extreme_inputs() {
            assert!(transform(&f).iter().all(|v| v.is_finite()), "{f:?}");
        }
        // NaN / negative inputs are sanitised to 0.
        let nan = Features {
            days_since_last_message: f64::NAN,
            messages_7d: -3.0,
            messages_30d: f64::NAN,
            reads_30d: -1.0,
            checkin_streak: f64::NEG_INFINITY,
            tenure_days: f64::NAN,
            layer: -2.0,
        };
        assert_eq!(transform(&nan), transform(&Features::default()));
    }

    #[test]
    fn trained_model_finds_the_signal() {
        let data = generate(2000, 42);
        let positives = data.iter().filter(|(_, y)| *y).count();
        assert!(
            positives > 200 && positives < 1800,
            "positives = {positives}"
        );
        let model = Model::train(&data).expect("enough data");
        let held_out_auc = model.auc.expect("both classes held out");
        println!(
            "model held-out AUC = {held_out_auc:.4}, positives = {positives}/2000, model = {model:?}"
        );
        assert!(held_out_auc > 0.8, "AUC = {held_out_auc}");
        // Stratified split: every 5th example of each class is held out.
        assert_eq!(
            model.trained_on,
            2000 - positives / HOLDOUT_EVERY - (2000 - positives) / HOLDOUT_EVERY
        );
        assert_eq!(model.weights.len(), NUM_FEATURES);

        // Fresh data from the same process, scored by the model.
        let fresh = generate(2000, 7);
        let scores: Vec<f64> = fresh.iter().map(|(f, _)| model.score(f).risk).collect();
        let labels: Vec<bool> = fresh.iter().map(|(_, y)| *y).collect();
        let fresh_auc = auc(&scores, &labels).unwrap();
        println!("model AUC on fresh data = {fresh_auc:.4}");
        assert!(fresh_auc > 0.8);

        let risky = model.score(&at_risk_member());
        let safe = model.score(&healthy_member());
        println!("at-risk: {risky:?}\nhealthy: {safe:?}");
        assert_valid(&risky);
        assert_valid(&safe);
        assert!(risky.risk > 0.5 && risky.risk > safe.risk);
        assert!(risky.top.iter().any(|c| c.feature == "recency"));
        let recency = risky.top.iter().find(|c| c.feature == "recency").unwrap();
        assert!(recency.value > 0.0);
    }

    #[test]
    fn signal_is_found_for_other_seeds_too() {
        for seed in 1..=8 {
            let data = generate(2000, seed);
            let model = Model::train(&data).unwrap();
            let m_auc = model.auc.unwrap();
            let scores: Vec<f64> = data.iter().map(|(f, _)| heuristic(f).risk).collect();
            let labels: Vec<bool> = data.iter().map(|(_, y)| *y).collect();
            let h_auc = auc(&scores, &labels).unwrap();
            println!("seed {seed}: model held-out AUC = {m_auc:.4}, heuristic AUC = {h_auc:.4}");
            assert!(m_auc > 0.8 && h_auc > 0.7, "seed {seed}: {m_auc} {h_auc}");
        }
    }

    #[test]
    fn heuristic_ranks_generated_members() {
        let data = generate(2000, 42);
        let scores: Vec<f64> = data.iter().map(|(f, _)| heuristic(f).risk).collect();
        let labels: Vec<bool> = data.iter().map(|(_, y)| *y).collect();
        let h_auc = auc(&scores, &labels).unwrap();
        println!("heuristic AUC = {h_auc:.4}");
        assert!(h_auc > 0.7, "heuristic AUC = {h_auc}");

        let risky = heuristic(&at_risk_member());
        let safe = heuristic(&healthy_member());
        println!("heuristic at-risk: {risky:?}\nheuristic healthy: {safe:?}");
        assert_valid(&risky);
        assert!(risky.risk > 0.8 && safe.risk < 0.05);
        assert_eq!(risky.top[0].feature, "recency");
        assert!(risky.top.iter().all(|c| c.value > 0.0));

        // The reference member scores exactly the bias.
        let reference = heuristic(&Features {
            days_since_last_message: 3.0,
            messages_7d: 70.0 / 30.0,
            messages_30d: 10.0,
            reads_30d: 30.0,
            checkin_streak: 3.0,
            tenure_days: 90.0,
            layer: 1.0,
        });
        assert!((reference.risk - sigmoid(HEURISTIC_BIAS)).abs() < 1e-9);
    }

    #[test]
    fn train_rejects_insufficient_data() {
        assert_eq!(Model::train(&[]), None);
        let data = generate(2000, 3);
        assert_eq!(Model::train(&data[..MIN_EXAMPLES - 1]), None);

        let all_stay: Vec<_> = data.iter().map(|(f, _)| (*f, false)).collect();
        assert_eq!(Model::train(&all_stay), None);
        let all_leave: Vec<_> = data.iter().map(|(f, _)| (*f, true)).collect();
        assert_eq!(Model::train(&all_leave), None);

        // 9 leavers among 200: too few of one class.
        let few: Vec<_> = data
            .iter()
            .take(200)
            .enumerate()
            .map(|(i, (f, _))| (*f, i < MIN_PER_CLASS - 1))
            .collect();
        assert_eq!(Model::train(&few), None);

        // Exactly the minimum works, and the held-out set gets both classes.
        let minimal: Vec<_> = data
            .iter()
            .take(MIN_EXAMPLES)
            .enumerate()
            .map(|(i, (f, _))| (*f, i < MIN_PER_CLASS))
            .collect();
        let model = Model::train(&minimal).unwrap();
        assert!(model.auc.is_some());
        assert_eq!(model.trained_on, 40);
    }

    #[test]
    fn train_handles_degenerate_features() {
        // Identical (even NaN) features for everyone: no signal, but no panic.
        let nan = Features {
            days_since_last_message: f64::NAN,
            messages_7d: f64::INFINITY,
            messages_30d: f64::NEG_INFINITY,
            reads_30d: f64::NAN,
            checkin_streak: -5.0,
            tenure_days: f64::MAX,
            layer: f64::NAN,
        };
        let data: Vec<_> = (0..100).map(|i| (nan, i % 3 == 0)).collect();
        let model = Model::train(&data).unwrap();
        assert!(model.weights.iter().all(|w| w.abs() < 1e-9), "{model:?}");
        assert_eq!(model.auc, Some(0.5));
        let s = model.score(&nan);
        assert_valid(&s);
        assert!((s.risk - 34.0 / 100.0).abs() < 0.02, "{s:?}");

        // Perfectly separable data stays finite thanks to the L2 penalty.
        let separable: Vec<_> = (0..200)
            .map(|i| {
                let left = i % 2 == 0;
                let f = Features {
                    days_since_last_message: if left { 50.0 } else { 1.0 },
                    ..Features::default()
                };
                (f, left)
            })
            .collect();
        let model = Model::train(&separable).unwrap();
        assert_eq!(model.auc, Some(1.0));
        assert!(model.weights.iter().all(|w| w.is_finite()));
        assert!(model.weights[0] > 0.0);
    }

    #[test]
    fn scores_are_bounded_for_extreme_inputs() {
        let model = Model::train(&generate(500, 11)).unwrap();
        let broken = Model {
            weights: vec![f64::NAN, f64::INFINITY, f64::MAX, -f64::MAX],
            bias: f64::NAN,
            means: vec![],
            stds: vec![0.0, -1.0, f64::NAN],
            auc: None,
            trained_on: 0,
        };
        let huge = Model {
            weights: vec![f64::MAX; NUM_FEATURES],
            bias: f64::MAX,
            means: vec![-f64::MAX; NUM_FEATURES],
            stds: vec![f64::MIN_POSITIVE; NUM_FEATURES],
            auc: None,
            trained_on: 0,
        };
        for f in extreme_inputs() {
            assert_valid(&heuristic(&f));
            assert_valid(&model.score(&f));
            assert_valid(&broken.score(&f));
            assert_valid(&huge.score(&f));
        }
    }

    #[test]
    fn top_contributions_order() {
        let s = build_score(0.0, [0.5, -2.0, 2.0, 0.1, -0.5, 0.0, 1.0]);
        let names: Vec<_> = s.top.iter().map(|c| c.feature).collect();
        // |2.0| tie: the risk-increasing one first.
        assert_eq!(names, ["messages_30d", "activity_trend", "layer"]);
        let s = build_score(0.0, [-0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(s.top[0].feature, "activity_trend");
        assert_eq!(s.top[1].feature, "recency");
        assert!((s.risk - 0.5).abs() < 1e-12);
    }

    #[test]
    fn model_serde_round_trip() {
        let model = Model::train(&generate(1000, 5)).unwrap();
        let json = serde_json::to_string(&model).unwrap();
        let back: Model = serde_json::from_str(&json).unwrap();
        // serde_json's default float parser may differ by an ulp, so compare
        // floats with a tight relative tolerance and the rest exactly.
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-14 * a.abs().max(1.0);
        let close_all = |a: &[f64], b: &[f64]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| close(*x, *y))
        };
        assert!(close_all(&model.weights, &back.weights));
        assert!(close_all(&model.means, &back.means));
        assert!(close_all(&model.stds, &back.stds));
        assert!(close(model.bias, back.bias));
        assert!(close(model.auc.unwrap(), back.auc.unwrap()));
        assert_eq!(model.trained_on, back.trained_on);
        let f = at_risk_member();
        assert!(close(model.score(&f).risk, back.score(&f).risk));

        let features = healthy_member();
        let back: Features =
            serde_json::from_str(&serde_json::to_string(&features).unwrap()).unwrap();
        assert_eq!(back, features);
    }

    #[test]
    fn training_is_deterministic() {
        let data = generate(2000, 42);
        let a = Model::train(&data).unwrap();
        let b = Model::train(&data).unwrap();
        assert_eq!(a, b);
        let bits = |m: &Model| m.weights.iter().map(|w| w.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(a.bias.to_bits(), b.bias.to_bits());
        assert_eq!(generate(50, 9), generate(50, 9));
    }
}
