//! The id of the request being served: set by the server's request layer for the life of the
//! request, named in every log line of it (a tracing span) and in internal-error answers, so a
//! user's "request 4f2a…" finds the cause in the log.

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `work` as the request `id`.
pub async fn scope<F: std::future::Future>(id: String, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}

/// The id of the request this code runs for, if it runs for one.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// The id a request brings (`X-Request-Id` from a proxy) when it is short and plain, else a
/// new random one.
pub fn id_for(incoming: Option<&str>) -> String {
    match incoming {
        Some(id)
            if (8..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            id.to_owned()
        }
        _ => {
            use rand::RngCore;
            let mut bytes = [0u8; 8];
            rand::thread_rng().fill_bytes(&mut bytes);
            hex::encode(bytes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_incoming_ids_are_kept_and_others_replaced() {
        assert_eq!(id_for(Some("abc-123_XYZ")), "abc-123_XYZ");
        for bad in [
            None,
            Some("short"),
            Some("has space in it"),
            Some("ünïcode-id"),
        ] {
            let id = id_for(bad);
            assert_eq!(id.len(), 16, "{bad:?}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        assert_ne!(id_for(None), id_for(None));
    }

    #[tokio::test]
    async fn the_id_is_visible_inside_its_scope_only() {
        assert_eq!(current(), None);
        let seen = scope("req-000001".into(), async { current() }).await;
        assert_eq!(seen.as_deref(), Some("req-000001"));
    }
}
