//! QR sign-in keys: created → scanned (claimed by one device, in strict
//! mode) → confirmed (bound to one user) → redeemed. Every transition is one
//! conditional write, whose condition holds the whole rule (`QrKey::admits`),
//! the scan ticket's hash and the code challenge included: a key is claimed,
//! confirmed and redeemed at most once, and only by whoever holds what the
//! step asks. A key lives a configured time, enforced on every write as well
//! as by TTL. No token is stored: the poll that redeems a key mints it.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem, Update};
use rand::RngExt;

use super::write::{UpdateExpressions, condition_held};
use super::{Item, Store, StoreError, item_of, keys, number, text};
use crate::domain::qr::{
    CodeChallenge, Holding, KEY_FLOOR, KEY_LIMIT, QrKey, QrRefusal, QrRequest, QrState, ScanTicketHash,
};
use crate::domain::session::Presented;

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error(transparent)]
    Refused(#[from] QrRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who scans a key.
#[derive(Debug, Clone, Copy)]
pub enum Scanner<'a> {
    /// Legacy mode: anyone, as often as they like, until it is confirmed.
    Anyone,
    /// Strict mode, a first scan: claims an unscanned key for the device
    /// given this ticket.
    Claiming(&'a ScanTicketHash),
    /// Strict mode, the claiming device again, presenting its ticket.
    Claimant(&'a ScanTicketHash),
}

/// A confirmation: the user, and for a confirmation by a token what the
/// page's session inherits from it (kept as `authTime`, `tokenExpiresAt`,
/// `confirmingSession`).
#[derive(Debug, Clone)]
pub struct Confirmation {
    pub user_id: u64,
    pub inherits: Option<Presented>,
}

/// One step of a key's life: from which states to which, what the caller
/// must hold, and what it writes on the way.
struct Transition<'a> {
    from: &'a [QrState],
    to: QrState,
    holding: Holding<'a>,
    set: &'a [(&'a str, AttributeValue)],
}

/// How long the user's listing of a confirmed key lives: longer than any key.
const LISTING_SECONDS: i64 = 86_400;

/// The attribute a holding is checked against, and the value held.
fn held<'a>(holding: Holding<'a>) -> Option<(&'static str, Option<&'a str>)> {
    match holding {
        Holding::Nothing => None,
        Holding::ScanTicket(hash) => Some(("scanTicketHash", hash.map(ScanTicketHash::as_str))),
        Holding::CodeVerifier(challenge) => Some(("codeChallenge", challenge.map(CodeChallenge::as_str))),
    }
}

impl Store {
    /// Issues a new random key for `app_id`, valid `lifetime` seconds.
    pub async fn create_qr_key(
        &self,
        app_id: u64,
        request: QrRequest,
        code_challenge: Option<CodeChallenge>,
        now: i64,
        lifetime: i64,
    ) -> Result<QrKey, StoreError> {
        // A collision among 2^52 keys is all but impossible; retry anyway.
        for _ in 0..5 {
            let key = QrKey {
                key: rand::rng().random_range(KEY_FLOOR..KEY_LIMIT),
                app_id,
                state: QrState::Created,
                request: request.clone(),
                expires_at: now + lifetime,
                code_challenge: code_challenge.clone(),
                scan_ticket_hash: None,
                user_id: None,
                auth_time: None,
                token_expires_at: None,
                confirming_session: None,
            };
            let mut item = item_of(&keys::qr_key(key.key), &key, &[])?;
            item.insert(keys::TTL.to_owned(), number(key.expires_at));
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .send()
                .await;
            if condition_held(put)? {
                return Ok(key);
            }
        }
        Err(StoreError::Failed("five QR key collisions in a row".to_owned()))
    }

    /// Applies `step` to the key if it admits it (`QrKey::admits`); returns
    /// the key as it was before.
    async fn advance_qr_key(
        &self,
        key: u64,
        app_id: u64,
        now: i64,
        step: Transition<'_>,
    ) -> Result<QrKey, QrError> {
        let request = self.update(&keys::qr_key(key)).return_values(ReturnValue::AllOld);
        let sent = step.on(request, app_id, now).send().await;
        match sent {
            Ok(output) => {
                Ok(serde_dynamo::from_item(output.attributes.unwrap_or_default())
                    .map_err(StoreError::from)?)
            }
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    Err(step.refusal(failed.item.clone(), app_id, now)?.into())
                }
                _ => Err(StoreError::from(err).into()),
            },
        }
    }

    /// The key, if it would admit a step from `state` holding `holding`.
    pub async fn qr_key_in_state(
        &self,
        key: u64,
        app_id: u64,
        now: i64,
        state: QrState,
        holding: Holding<'_>,
    ) -> Result<QrKey, QrError> {
        let found = self.get::<QrKey>(&keys::qr_key(key)).await?;
        match found {
            Some(found) if found.admits(app_id, now, &[state], holding).is_ok() => Ok(found),
            found => Err(refusal(found, app_id, now, &[state], holding).into()),
        }
    }

    /// The mini-program scanned the code: → scanned, as `scanner` may.
    pub async fn scan_qr_key(
        &self,
        key: u64,
        app_id: u64,
        now: i64,
        scanner: Scanner<'_>,
    ) -> Result<QrKey, QrError> {
        let claim;
        let step = match scanner {
            Scanner::Anyone => Transition {
                from: &[QrState::Created, QrState::Scanned],
                to: QrState::Scanned,
                holding: Holding::Nothing,
                set: &[],
            },
            Scanner::Claiming(hash) => {
                claim = [("scanTicketHash", text(hash.as_str()))];
                Transition {
                    from: &[QrState::Created],
                    to: QrState::Scanned,
                    holding: Holding::Nothing,
                    set: &claim,
                }
            }
            Scanner::Claimant(hash) => Transition {
                from: &[QrState::Scanned],
                to: QrState::Scanned,
                holding: Holding::ScanTicket(Some(hash)),
                set: &[],
            },
        };
        self.advance_qr_key(key, app_id, now, step).await
    }

    /// A user confirmed: scanned → confirmed, by the device holding the
    /// key's scan ticket (if it has one).
    pub async fn confirm_qr_key(
        &self,
        key: u64,
        app_id: u64,
        now: i64,
        ticket: Option<&ScanTicketHash>,
        confirmation: Confirmation,
    ) -> Result<(), QrError> {
        let mut set = vec![("userId", number(confirmation.user_id))];
        if let Some(presented) = confirmation.inherits {
            set.extend([
                ("authTime", number(presented.inherited.auth_time)),
                ("tokenExpiresAt", number(presented.inherited.expires_at)),
            ]);
            if let Some(session_id) = presented.session_id {
                set.push(("confirmingSession", text(session_id)));
            }
        }
        let step = Transition {
            from: &[QrState::Scanned],
            to: QrState::Confirmed,
            holding: Holding::ScanTicket(ticket),
            set: &set,
        };
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::qr_key(key).item()));
        let update = step.on(update, app_id, now).build().map_err(StoreError::from)?;
        // The key now names the user: the user's partition lists it, in the
        // same write, so erasing the user finds it (`store::erasure`). The
        // listing outlives any key.
        let mut listed = keys::qr_key_of_user(app_id, confirmation.user_id, key).item();
        listed.insert(keys::TTL.to_owned(), number(now + LISTING_SECONDS));
        let writes = vec![
            TransactWriteItem::builder().update(update).build(),
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(listed))
                        .build()
                        .map_err(StoreError::from)?,
                )
                .build(),
        ];
        match self.transact(writes).await {
            Ok(()) => Ok(()),
            Err(failure) if failure.failed_conditions().first() == Some(&true) => {
                let old = failure.item_of_failed(0).cloned();
                Err(step.refusal(old, app_id, now)?.into())
            }
            Err(failure) => Err(StoreError::from(failure).into()),
        }
    }

    /// The web page's poll: confirmed → redeemed, exactly once, by the page
    /// holding the verifier of the key's challenge (if it has one). Returns
    /// the confirmed key, for the caller to mint the page's token.
    pub async fn redeem_qr_key(
        &self,
        key: u64,
        app_id: u64,
        now: i64,
        challenge: Option<&CodeChallenge>,
    ) -> Result<QrKey, QrError> {
        let step = Transition {
            from: &[QrState::Confirmed],
            to: QrState::Redeemed,
            holding: Holding::CodeVerifier(challenge),
            set: &[],
        };
        self.advance_qr_key(key, app_id, now, step).await
    }
}

impl Transition<'_> {
    /// `update` (an UpdateItem, or an update step of a transaction) with the
    /// step's condition, which holds the whole rule, and its changes.
    fn on<U: UpdateExpressions>(&self, update: U, app_id: u64, now: i64) -> U {
        let allowed: Vec<String> = (0..self.from.len()).map(|i| format!(":from{i}")).collect();
        let mut condition = format!(
            "appId = :app AND expiresAt > :now AND #state IN ({})",
            allowed.join(", ")
        );
        let mut expression = "SET #state = :to".to_owned();
        let mut update = update
            .name("#state".to_owned(), "state".to_owned())
            .value(":to".to_owned(), text(self.to.as_str()))
            .value(":app".to_owned(), number(app_id))
            .value(":now".to_owned(), number(now))
            .old_on_failure();
        for (name, state) in allowed.iter().zip(self.from) {
            update = update.value(name.clone(), text(state.as_str()));
        }
        for (i, (name, value)) in self.set.iter().enumerate() {
            expression.push_str(&format!(", #set{i} = :set{i}"));
            update = update
                .name(format!("#set{i}"), (*name).to_owned())
                .value(format!(":set{i}"), value.clone());
        }
        if let Some((name, value)) = held(self.holding) {
            update = update.name("#held".to_owned(), name.to_owned());
            match value {
                Some(value) => {
                    condition.push_str(" AND #held = :held");
                    update = update.value(":held".to_owned(), text(value));
                }
                None => condition.push_str(" AND attribute_not_exists(#held)"),
            }
        }
        update.condition(condition).expression(expression)
    }

    /// Why the step was refused, from the key as the failed write saw it.
    fn refusal(&self, old: Option<Item>, app_id: u64, now: i64) -> Result<QrRefusal, StoreError> {
        let old: Option<QrKey> = old.map(serde_dynamo::from_item).transpose()?;
        Ok(refusal(old, app_id, now, self.from, self.holding))
    }
}

/// Why a step was refused, from the key as it was (`None`: no such key).
fn refusal(old: Option<QrKey>, app_id: u64, now: i64, from: &[QrState], holding: Holding) -> QrRefusal {
    match old {
        // DynamoDB returns the very item that failed the condition, so
        // `admits` refuses it too; were the two rules ever to differ, the
        // state is the best explanation.
        Some(key) => key
            .admits(app_id, now, from, holding)
            .err()
            .unwrap_or(QrRefusal::WrongState(key.state)),
        None => QrRefusal::Unknown,
    }
}
