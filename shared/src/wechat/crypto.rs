//! What WeChat leaves to the server to compute: decrypting a mini-program's
//! `encryptedData` with the user's session key, and signing a JS-SDK page.

use aes::Aes128;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, KeyIvInit};
use serde::Deserialize;
use sha1::{Digest, Sha1};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    #[error("`{0}` is not valid base64")]
    Base64(&'static str),
    #[error("`{0}` must decode to 16 bytes")]
    Length(&'static str),
    #[error("`encryptedData` does not decrypt with this session key and iv")]
    Cipher,
    #[error("the decrypted data is not a JSON object with a watermark")]
    NotJson,
    #[error("the data was encrypted for another mini-program")]
    OtherApp,
}

/// Decodes base64 as clients send it: an unescaped `+` in a query string
/// arrives as a space, and some clients wrap long values.
fn decode(field: &'static str, value: &str) -> Result<Vec<u8>, DecryptError> {
    let cleaned: String = value
        .chars()
        .filter(|c| !matches!(c, '\n' | '\r' | '\t'))
        .map(|c| if c == ' ' { '+' } else { c })
        .collect();
    STANDARD.decode(cleaned).map_err(|_| DecryptError::Base64(field))
}

fn block(field: &'static str, value: &str) -> Result<[u8; 16], DecryptError> {
    decode(field, value)?
        .try_into()
        .map_err(|_| DecryptError::Length(field))
}

/// AES-128-CBC with PKCS#7 padding, as `wx.getUserInfo` and friends
/// encrypt; the watermark must name `mini_app_id`. Returns the JSON text.
pub fn decrypt(
    encrypted_data: &str,
    iv: &str,
    session_key: &str,
    mini_app_id: &str,
) -> Result<String, DecryptError> {
    let key = block("sessionKey", session_key)?;
    let iv = block("iv", iv)?;
    let mut data = decode("encryptedData", encrypted_data)?;
    let plain = cbc::Decryptor::<Aes128>::new(&key.into(), &iv.into())
        .decrypt_padded::<Pkcs7>(&mut data)
        .map_err(|_| DecryptError::Cipher)?;
    let text = std::str::from_utf8(plain).map_err(|_| DecryptError::NotJson)?;

    #[derive(Deserialize)]
    struct Watermarked {
        watermark: Watermark,
    }
    #[derive(Deserialize)]
    struct Watermark {
        appid: String,
    }
    let marked: Watermarked = serde_json::from_str(text).map_err(|_| DecryptError::NotJson)?;
    if marked.watermark.appid != mini_app_id {
        return Err(DecryptError::OtherApp);
    }
    Ok(text.to_owned())
}

/// The JS-SDK `signature` for a page: SHA-1 over the four fields in their
/// fixed order, raw values, and the URL without its fragment.
pub fn js_sdk_signature(ticket: &str, nonce: &str, timestamp: i64, url: &str) -> String {
    let url = url.split_once('#').map_or(url, |(page, _)| page);
    let text = format!("jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}");
    hex::encode(Sha1::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // docs/wechat.md test vector A: WeChat's official demo.
    const A_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
    const A_IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
    const A_DATA: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";
    const A_PLAIN: &str = r#"{"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0","unionId":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}}"#;

    #[test]
    fn decrypts_the_official_demo() {
        assert_eq!(
            decrypt(A_DATA, A_IV, A_KEY, "wx4f4bc4dec97d474b").unwrap(),
            A_PLAIN
        );
    }

    #[test]
    fn decrypts_a_full_padding_block() {
        // docs/wechat.md test vector B: 144 bytes of plaintext, a whole block of padding.
        let data = "rQnewQGrqmy6pt+mhOiJEQE4hObwk6L3cxM6HiUs1EzauXb2STXxMhh5xNeIjjhmX9bjUfUW5IKkm34COnAHJdqM70eU85zmvAuobiojIqWbD527l5KSpkq44PYP/AFvI+SQUej+yaZnU+2Eq18eVPJPkZi3ND7rwe4yTdiKEM3kE8WsQWhw+RSZwc6njNsUz0iScOVzCairZA1wQQQ/vA==";
        let plain = decrypt(
            data,
            "ZmFrZS1pdi0xNmJ5dGVzIQ==",
            "ZmFrZS1zZXNzaW9uLWtleQ==",
            "wxfakeappid00001",
        );
        assert_eq!(
            plain.unwrap(),
            r#"{"phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":"86","watermark":{"timestamp":1700000000,"appid":"wxfakeappid00001"}}"#
        );
    }

    #[test]
    fn reads_plus_signs_that_arrived_as_spaces() {
        let spaced = A_DATA.replace('+', " ");
        assert_eq!(
            decrypt(&spaced, A_IV, A_KEY, "wx4f4bc4dec97d474b").unwrap(),
            A_PLAIN
        );
    }

    #[test]
    fn refuses_tampering_other_apps_and_bad_input() {
        let appid = "wx4f4bc4dec97d474b";
        assert_eq!(
            decrypt(A_DATA, A_IV, A_KEY, "wxanotherapp0000"),
            Err(DecryptError::OtherApp)
        );
        // The easywechat negative case: four characters prepended.
        let prefixed = format!("aaaa{A_DATA}");
        assert!(decrypt(&prefixed, A_IV, A_KEY, appid).is_err());
        assert_eq!(
            decrypt("not base64!", A_IV, A_KEY, appid),
            Err(DecryptError::Base64("encryptedData"))
        );
        assert_eq!(
            decrypt(A_DATA, "AAAA", A_KEY, appid),
            Err(DecryptError::Length("iv"))
        );
        let wrong_key = "AAAAAAAAAAAAAAAAAAAAAA==";
        assert!(matches!(
            decrypt(A_DATA, A_IV, wrong_key, appid),
            Err(DecryptError::Cipher | DecryptError::NotJson)
        ));
        // Not a whole number of blocks.
        assert_eq!(decrypt("AAAA", A_IV, A_KEY, appid), Err(DecryptError::Cipher));
    }

    #[test]
    fn signs_the_official_js_sdk_vector() {
        // docs/wechat.md test vector C, and the same page with a fragment.
        let ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
        for url in [
            "http://mp.weixin.qq.com?params=value",
            "http://mp.weixin.qq.com?params=value#top",
        ] {
            assert_eq!(
                js_sdk_signature(ticket, "Wm3WZYTPz0wzccnW", 1_414_587_457, url),
                "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
            );
        }
        // Test vector D (easywechat).
        assert_eq!(
            js_sdk_signature(
                "mock-ticket",
                "mock-nonce",
                1_601_234_567,
                "https://www.easywechat.com/"
            ),
            "22772d2fb393ab9f7f6a5a54168a566fbf1ab767"
        );
    }
}
