//! The scopes and remark a web page asks with are shown to the confirming
//! user: no character in them may hide or reorder what they read.

use oauthapp_shared::domain::UnionIdProof;
use serde_json::json;

use crate::common::{CHALLENGE, Harness};

#[tokio::test]
async fn scopes_and_remark_refuse_format_characters() {
    let h = Harness::new(UnionIdProof::None).await;
    for c in ['\u{202E}', '\u{200B}', '\u{FEFF}'] {
        for path in [h.v1("Initiate"), h.legacy("QRCodePreSignIn")] {
            let remark = json!({"scopes": "profile", "remark": format!("Sign in to {c}knaB"), "codeChallenge": CHALLENGE});
            h.post(&path, &remark, &[]).await.assert_error(400, "`remark`");
            let scopes = json!({"scopes": format!("profile{c}"), "remark": "ok", "codeChallenge": CHALLENGE});
            h.post(&path, &scopes, &[]).await.assert_error(400, "`scopes`");
        }
    }
}
