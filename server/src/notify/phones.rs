//! The phone providers a server runs with, chosen at start-up: Twilio, or a generic HTTP
//! gateway (never both). They page SMS and VOICE methods, send verification codes, and take
//! replies on their webhook routes.

use std::sync::Arc;

use super::gateway::GatewayConfig;
use super::twilio::TwilioConfig;

#[derive(Debug, Clone, Default)]
pub struct Phones {
    pub twilio: Option<Arc<TwilioConfig>>,
    pub gateway: Option<Arc<GatewayConfig>>,
}

impl Phones {
    /// What sends verification codes, if any provider is configured.
    pub fn sender(
        &self,
        pool: &sqlx::PgPool,
        public_url: &str,
    ) -> Option<Arc<dyn app::phone::PhoneSender>> {
        if let Some(t) = &self.twilio {
            return Some(Arc::new(super::twilio::phone::TwilioPhone::new(t.clone())));
        }
        self.gateway.as_ref().map(|g| {
            Arc::new(super::gateway::channel::Gateway::new(
                pool.clone(),
                g.clone(),
                public_url.to_owned(),
            )) as Arc<dyn app::phone::PhoneSender>
        })
    }

    /// The web routes the providers call back on (each answers 404 when its provider is off).
    pub fn routes(&self) -> axum::Router<app::state::AppState> {
        super::twilio::inbound::routes(self.twilio.clone())
            .merge(super::gateway::inbound::routes(self.gateway.clone()))
    }
}
