//! Whether a request proves the union id it names, by the app's
//! `unionIdProof` setting: the app backend's signature, the client's word,
//! or a WeChat login code exchanged here. Union-id sign-up and sign-in, QR
//! registration and external accounts all ask here.

use crate::auth::signature::{Signed, SignedRequest};
use crate::domain::{App, Error, UnionIdProof, clock, validate};
use crate::flows::rate_limit::PerIp;
use crate::flows::signature;
use crate::wechat::{self, Wechat};

/// What a body offers: the `unionID` it names and a `wx.login` `code`,
/// each checked for shape; empty counts as absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnionIdClaim<'a> {
    pub union_id: Option<&'a str>,
    pub code: Option<&'a str>,
}

impl<'a> UnionIdClaim<'a> {
    pub fn new(union_id: Option<&'a str>, code: Option<&'a str>) -> Result<Self, Error> {
        let union_id = union_id.filter(|id| !id.is_empty());
        let code = code.filter(|code| !code.is_empty());
        if let Some(union_id) = union_id {
            validate::union_id(union_id)?;
        }
        if let Some(code) = code {
            validate::wechat_code("code", code)?;
        }
        Ok(Self { union_id, code })
    }
}

/// A union id as the app's proof established it.
#[derive(Debug, Clone)]
pub struct ProvenUnionId {
    pub union_id: String,
    /// `Signed::Yes`: the app's backend vouched for the request, so its
    /// `emailIsValid`/`phoneIsValid` count.
    pub signed: Signed,
    /// The user's mini-program openid, when a login code proved the id.
    pub wechat_open_id: Option<String>,
}

/// What proves a union id on a route that takes one: the request's
/// signature headers and what they cover, the store where their nonce is
/// spent, and WeChat to exchange a login code with. The route table hands
/// it only to routes declared to take a union-id proof.
pub struct UnionIdProver<'a> {
    /// The store, where nonces are spent and failed signatures counted.
    pub per_ip: PerIp<'a>,
    pub wechat: &'a Wechat,
    pub request: SignedRequest<'a>,
}

impl UnionIdProver<'_> {
    /// Checks the proof the app demands and returns the union id it proves.
    pub async fn prove(&self, app: &App, claim: UnionIdClaim<'_>) -> Result<ProvenUnionId, Error> {
        prove_union_id(&self.per_ip, self.wechat, &self.request, app, claim).await
    }
}

async fn prove_union_id(
    per_ip: &PerIp<'_>,
    wechat: &Wechat,
    req: &SignedRequest<'_>,
    app: &App,
    claim: UnionIdClaim<'_>,
) -> Result<ProvenUnionId, Error> {
    let now = clock::now();
    let signed = || signature::verify(per_ip, app, req, now);
    let claimed = || {
        claim
            .union_id
            .map(str::to_owned)
            .ok_or_else(|| Error::invalid("`unionID` is required: 1 to 50 letters, digits, _ or -."))
    };
    match app.union_id_proof {
        UnionIdProof::Signature => match signed().await? {
            Signed::Yes => Ok(ProvenUnionId {
                union_id: claimed()?,
                signed: Signed::Yes,
                wechat_open_id: None,
            }),
            Signed::No => Err(Error::unauthenticated(
                "This app accepts a unionID only from its own backend: sign the request with the app secret \
                 (headers X-OAuthApp-Timestamp, X-OAuthApp-Nonce and X-OAuthApp-Signature).",
            )),
        },
        // The client's word is taken; a signature, if sent, must still verify.
        UnionIdProof::None => Ok(ProvenUnionId {
            signed: signed().await?,
            union_id: claimed()?,
            wechat_open_id: None,
        }),
        UnionIdProof::WechatCode => {
            let code = claim.code.ok_or_else(|| {
                Error::invalid(
                    "`code` is required: this app proves unionIDs with a WeChat login code (wx.login).",
                )
            })?;
            let signed = signed().await?;
            let mini_program = wechat::mini_program(app)?;
            let (session, _) = wechat.code_to_session(mini_program, code).await?;
            let union_id = session.union_id().to_owned();
            if claim.union_id.is_some_and(|claimed| claimed != union_id) {
                return Err(Error::unauthenticated(
                    "The unionID does not belong to the WeChat user of this login code; omit it or send the \
                     one WeChat knows.",
                ));
            }
            Ok(ProvenUnionId {
                union_id,
                signed,
                wechat_open_id: Some(session.openid),
            })
        }
    }
}
