//! Entry questionnaires and the review queue.

use serde_json::json;

use crate::helpers::*;

const SET: &str = "mutation($input: SetEntryQuestionnaireInput!) { setEntryQuestionnaire(input: $input) {
    questionnaire { passScore rejectScore questions { text options { label score } } } userErrors { field code message } } }";
const SUBMIT: &str =
    "mutation($input: SubmitApplicationInput!) { submitApplication(input: $input) {
    application { id score status automatic decidedAt } userErrors { field code } } }";

#[tokio::test]
async fn scores_decide_what_they_can_and_people_the_rest() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner("yara").await;
    let who = As::member(&owner.access_token, &tenant);
    let group = app
        .create_group(
            &who,
            "Founders",
            Some("chat-f"),
            "RESOURCE",
            "INVITE_QUESTIONNAIRE",
        )
        .await;
    let questions = json!([
        {"text": "你的行业？", "options": [{"label": "互联网", "score": 10}, {"label": "其他", "score": 2}]},
        {"text": "团队规模？", "options": [{"label": "1-10", "score": 2}, {"label": "10+", "score": 8}]},
    ]);
    let set = app.ok(&who, SET, json!({"input": {"groupId": group, "passScore": 15, "rejectScore": 6, "questions": questions}})).await;
    assert_eq!(
        set["setEntryQuestionnaire"]["questionnaire"]["passScore"],
        15
    );
    let submit = |user: &str, answers: Vec<i32>| json!({"input": {"groupId": group, "platformUserId": user, "displayName": "深圳-赵六-互联网", "answers": answers}});
    let pass = app.ok(&who, SUBMIT, submit("a", vec![0, 1])).await;
    assert_eq!(
        pass["submitApplication"]["application"]["status"],
        "APPROVED"
    );
    assert_eq!(pass["submitApplication"]["application"]["automatic"], true);
    assert_eq!(pass["submitApplication"]["application"]["score"], 18);
    let reject = app.ok(&who, SUBMIT, submit("b", vec![1, 0])).await;
    assert_eq!(
        reject["submitApplication"]["application"]["status"],
        "REJECTED"
    );
    let review = app.ok(&who, SUBMIT, submit("c", vec![0, 0])).await;
    let pending = &review["submitApplication"]["application"];
    assert_eq!(pending["status"], "PENDING");
    assert_eq!(pending["decidedAt"], json!(null));
    // Bad answers.
    let bad = app.ok(&who, SUBMIT, submit("d", vec![0])).await;
    assert_eq!(user_error_codes(&bad["submitApplication"]), vec!["INVALID"]);
    let bad = app.ok(&who, SUBMIT, submit("d", vec![0, 5])).await;
    assert_eq!(
        bad["submitApplication"]["userErrors"][0]["field"],
        json!(["input", "answers", "1"])
    );

    let queue = app.ok(&who, "query($g: ID) { applications(groupId: $g, status: PENDING) { totalCount edges { node { id platformUserId } } } }", json!({"g": group})).await;
    assert_eq!(queue["applications"]["totalCount"], 1);
    let id = queue["applications"]["edges"][0]["node"]["id"].clone();
    let decide = "mutation($input: ReviewApplicationInput!) { reviewApplication(input: $input) {
        application { status automatic decidedBy note } userErrors { code } } }";
    let decided = app
        .ok(
            &who,
            decide,
            json!({"input": {"id": id, "decision": "APPROVE", "note": "referred by a member"}}),
        )
        .await;
    let a = &decided["reviewApplication"]["application"];
    assert_eq!(a["status"], "APPROVED");
    assert_eq!(a["automatic"], false);
    assert_eq!(a["decidedBy"], owner.user_id.as_str());
    assert_eq!(a["note"], "referred by a member");
    let again = app
        .ok(
            &who,
            decide,
            json!({"input": {"id": id, "decision": "REJECT"}}),
        )
        .await;
    assert_eq!(
        user_error_codes(&again["reviewApplication"]),
        vec!["CONFLICT"]
    );
    // Each approval queues an ADMIT for the connector.
    let admits = app.ok(&who, "{ outboundActions(status: PENDING) { edges { node { kind member { platformUserId } } } } }", json!({})).await;
    let admitted: Vec<&str> = admits["outboundActions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["kind"] == "ADMIT")
        .map(|e| e["node"]["member"]["platformUserId"].as_str().unwrap())
        .collect();
    assert_eq!(admitted, vec!["a", "c"]);
}

#[tokio::test]
async fn only_reviewed_groups_take_questionnaires() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner("zed").await;
    let who = As::member(&owner.access_token, &tenant);
    let open = app
        .create_group(&who, "Open", None, "INTEREST", "OPEN")
        .await;
    let one =
        json!([{"text": "q", "options": [{"label": "a", "score": 1}, {"label": "b", "score": 2}]}]);
    let data = app
        .ok(
            &who,
            SET,
            json!({"input": {"groupId": open, "passScore": 1, "rejectScore": 0, "questions": one}}),
        )
        .await;
    assert_eq!(
        data["setEntryQuestionnaire"]["userErrors"][0]["field"],
        json!(["input", "groupId"])
    );
    let reviewed = app
        .create_group(&who, "Reviewed", None, "KNOWLEDGE", "APPLICATION_REVIEW")
        .await;
    let data = app.ok(&who, SET, json!({"input": {"groupId": reviewed, "passScore": 1, "rejectScore": 5, "questions": one}})).await;
    assert_eq!(
        data["setEntryQuestionnaire"]["userErrors"][0]["field"],
        json!(["input", "rejectScore"])
    );
    // Without a questionnaire every application waits for a person (e.g. a CV).
    let data = app
        .ok(&who, SUBMIT, json!({"input": {"groupId": reviewed, "platformUserId": "cv", "statement": "十年教研经验"}}))
        .await;
    assert_eq!(
        data["submitApplication"]["application"]["status"],
        "PENDING"
    );
}
