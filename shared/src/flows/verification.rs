//! Sending verification codes and checking the ones clients bring back.
//!
//! A send is limited per recipient (per minute and per day, across code
//! types) before anything else, and answers the same whether or not an
//! account has the address: where a code would reveal one, or be of no use,
//! the address gets a notice instead (a sign-up or reset code to an address
//! an account holds; a sign-in or password code to one no account holds).

use crate::Services;
use crate::delivery::Outgoing;
use crate::domain::rate_limit::Window;
use crate::domain::verification::{
    Code, CodeRefusal, Notice, Purpose, Recipient, StoredCode, VerificationSettings, may_try,
};
use crate::domain::{App, Error, clock};
use crate::store::{CheckedCode, CodeTry};

/// Sends a code of `purpose` to `recipient` for `app`, or the notice that
/// replaces it.
pub async fn send_code(
    services: &Services,
    app: &App,
    recipient: &Recipient,
    purpose: Purpose,
) -> Result<(), Error> {
    let delivery = services.delivery()?;
    let store = &services.store;
    let policy = services.config.codes;
    let now = clock::now();
    let counted = format!("code#{}#{}", recipient.channel().as_str(), recipient.address());
    let (minute, day, owner) = tokio::join!(
        store.count_request(app.id, &counted, Window::of(now)),
        store.count_request(app.id, &counted, Window::day_of(now)),
        store.address_owner(app.id, recipient),
    );
    // The day first: past both, it is the one to wait for.
    let checks = [
        (day?, Window::day_of(now), policy.per_day, "day"),
        (minute?, Window::of(now), policy.per_minute, "minute"),
    ];
    for (count, window, allowed, per) in checks {
        if count > u64::from(allowed) {
            let seconds = u64::try_from(window.end() - now).unwrap_or(1);
            return Err(Error::too_many_attempts(format!(
                "At most {allowed} code(s) a {per} are sent to one address. Retry after {seconds} second(s)."
            ))
            .retry_after(seconds));
        }
    }
    let notice = match (purpose, owner?) {
        (Purpose::SignUp | Purpose::Reset, Some(_)) => Some(Notice::Registered),
        (Purpose::SignIn | Purpose::ForgetPwd, None) => Some(Notice::NotRegistered),
        _ => None,
    };
    let name = &app.card.name;
    if let Some(notice) = notice {
        let message = VerificationSettings::notice(name, notice);
        delivery
            .send(
                app,
                recipient,
                Outgoing {
                    message: &message,
                    code: None,
                },
            )
            .await?;
        return Ok(());
    }
    let code = Code::generate();
    let stored = StoredCode {
        code_hash: services.code_hasher.hash(app.id, purpose, recipient, &code),
        expires_at: now + policy.lifetime,
        tries: 0,
    };
    // Stored first: a code that arrives must be one the store will check.
    store.put_code(app.id, purpose, recipient, &stored).await?;
    let message = app.verification.code_message(name, purpose, &code, policy);
    let outgoing = Outgoing {
        message: &message,
        code: Some((&code, policy)),
    };
    delivery.send(app, recipient, outgoing).await?;
    Ok(())
}

/// Checks `given` as the code of `purpose` sent to `recipient` (the body's
/// field `field`), spending one of its tries: the code to spend with what it
/// allows, or the 400 saying why not.
pub async fn check_code(
    services: &Services,
    app_id: u64,
    purpose: Purpose,
    recipient: &Recipient,
    given: &Code,
    field: &str,
) -> Result<CheckedCode, Error> {
    let policy = services.config.codes;
    let now = clock::now();
    let tried = services
        .store
        .reserve_code_try(app_id, purpose, recipient, now, policy.max_tries)
        .await?;
    let stored = match tried {
        CodeTry::Reserved(stored) => stored,
        CodeTry::Refused(stored) => {
            let refusal = may_try(stored.as_ref(), now, policy)
                .err()
                .unwrap_or(CodeRefusal::Void);
            return Err(refusal.into_error(field));
        }
    };
    let given_hash = services.code_hasher.hash(app_id, purpose, recipient, given);
    if given_hash != stored.code_hash {
        return Err(CodeRefusal::Wrong.into_error(field));
    }
    Ok(CheckedCode {
        app_id,
        purpose,
        recipient: recipient.clone(),
        code_hash: given_hash,
        checked_at: now,
    })
}

/// The 400 of a code used by another request between its check and its use.
pub fn used_meanwhile(field: &str) -> Error {
    CodeRefusal::NoCode.into_error(field)
}
