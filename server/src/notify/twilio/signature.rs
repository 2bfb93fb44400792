//! `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, URL + each POST parameter's name and
//! value, sorted by name and then by value, repeated identical values counted once)), over the
//! exact URL Twilio called. Checked against the current and the previous auth token, so a
//! token rotation does not drop callbacks.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The signature Twilio sends for a form POST of `params` to `url`.
pub fn sign(token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    sorted.sort_unstable();
    sorted.dedup();
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(token.as_bytes()) else {
        // HMAC takes keys of any length; this cannot happen.
        return String::new();
    };
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Does `signature` match `url` and `params` under any of `tokens`? Constant-time per token.
pub fn verify(tokens: &[&str], url: &str, params: &[(String, String)], signature: &str) -> bool {
    tokens.iter().filter(|t| !t.is_empty()).any(|token| {
        let expected = sign(token, url, params);
        constant_time_eq(expected.as_bytes(), signature.as_bytes())
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn call() -> Vec<(String, String)> {
        p(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ])
    }

    /// The published known-answer vectors (twilio-php, twilio-csharp; see shared/reference).
    #[test]
    fn twilio_known_answers() {
        assert_eq!(sign("12345", URL, &call()), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        let repeated = p(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]);
        assert_eq!(
            sign("12345", URL, &repeated),
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        );
        assert_eq!(
            sign(
                "12345",
                "https://mycompany.com:443/myapp.php?foo=1&bar=2",
                &call()
            ),
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        );
        assert_eq!(
            sign(
                "12345",
                "https://MyCompany.com/myapp.php?foo=1&bar=2",
                &call()
            ),
            "g9IN/x4Cft2g517EjYvEvM/W7LU="
        );
    }

    #[test]
    fn tampering_and_wrong_tokens_are_refused_and_the_old_token_still_works() {
        let good = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
        assert!(verify(&["12345"], URL, &call(), good));
        assert!(verify(&["new-token", "12345"], URL, &call(), good));
        assert!(!verify(&["54321"], URL, &call(), good));
        assert!(!verify(&["", ""], URL, &call(), ""));
        let mut tampered = call();
        tampered[2].1 = "4".into();
        assert!(!verify(&["12345"], URL, &tampered, good));
        assert!(!verify(&["12345"], &format!("{URL}&x=1"), &call(), good));
        let mut extra = call();
        extra.push(("Body".into(), "1a".into()));
        assert!(!verify(&["12345"], URL, &extra, good));
    }

    mod fuzz {
        //! Property tests (more cases with `scripts/fuzz.sh`): a signature over any URL and
        //! parameters verifies, any garbage signature is refused without a panic, and a
        //! changed value, an extra parameter or another token is refused.
        use super::super::*;
        use proptest::prelude::*;

        fn params() -> impl Strategy<Value = Vec<(String, String)>> {
            prop::collection::btree_map("[A-Za-z]{1,12}", any::<String>(), 0..8)
                .prop_map(|m| m.into_iter().collect())
        }

        proptest! {
            #[test]
            fn signed_verifies_and_any_change_is_refused(
                token in "[a-f0-9]{32}",
                other in "[a-f0-9]{32}",
                url in "https://[a-z]{1,10}\\.example/[a-z/]{0,20}(\\?[a-z]=[0-9]{1,3})?",
                params in params(),
                extra in any::<String>(),
                garbage in any::<String>(),
            ) {
                let sig = sign(&token, &url, &params);
                prop_assert!(verify(&[&token], &url, &params, &sig));
                prop_assert!(verify(&[&other, &token], &url, &params, &sig));
                prop_assert!(!verify(&[&other], &url, &params, &sig) || other == token);
                prop_assert!(!verify(&[&token], &url, &params, &garbage) || garbage == sig);
                let mut added = params.clone();
                added.push(("ZZExtra".into(), extra));
                prop_assert!(!verify(&[&token], &url, &added, &sig));
                if let Some(first) = params.first() {
                    let mut changed = params.clone();
                    changed[0].1 = format!("{}x", first.1);
                    prop_assert!(!verify(&[&token], &url, &changed, &sig));
                }
                let longer = format!("{url}&x=1");
                prop_assert!(!verify(&[&token], &longer, &params, &sig));
            }
        }
    }
}
