//! DynamoDB requests per endpoint of the verification function, counted by
//! an SDK interceptor (`scripts/measure.sh requests` prints the table).

use crate::{Harness, fresh_email, fresh_phone};

#[tokio::test]
async fn each_endpoint_stays_within_its_request_budget() {
    let h = Harness::new().await;
    // The instance's first request with the app's key reads its guard.
    h.send_email_code(&fresh_email(), "signup").await;
    let mut budget = testkit::RequestBudget::new(&h.requests, "endpoint");
    // The per-IP count (the app's allowance, the counter); the recipient's
    // minute and day counters and the address guard, at once; the code.
    let reply = h.send_email_code(&fresh_email(), "signup").await;
    budget.record("POST SendEmailCode (a code)", 6, reply.status, 200);
    let reply = h.send_email_code(&fresh_email(), "signin").await;
    // No account has the address: the notice, and no code to store.
    budget.record("POST SendEmailCode (a notice)", 5, reply.status, 200);
    let reply = h.send_sms_code(&fresh_phone().0, "signup").await;
    budget.record("POST SendSMSCode (a code)", 6, reply.status, 200);
    budget.finish();
}
