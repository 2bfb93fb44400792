//! The phone provider in use: Twilio or a generic HTTP gateway (never both), from the
//! settings an admin saved, else from the environment. `PhoneSource` rebuilds the clients
//! when the saved settings change (one primary-key read per use), so a save takes effect on
//! every instance without a restart. It pages SMS and VOICE methods (`PhoneChannel`), sends
//! verification codes and tests, and checks the providers' webhooks.

use std::sync::{Arc, Mutex};

use app::db::Db;
use app::domain::ContactKind;
use app::error::AppError;
use app::mail::SendError;
use app::phone::PhoneSender;
use app::secrets::Keyring;
use app::settings::phone::PhoneSettings;

use super::channel::{Channel, Page, SendFuture};
use super::gateway::GatewayConfig;
use super::twilio::TwilioConfig;

/// The providers the environment configures (checked at start-up).
#[derive(Debug, Clone, Default)]
pub struct Phones {
    pub twilio: Option<Arc<TwilioConfig>>,
    pub gateway: Option<Arc<GatewayConfig>>,
}

impl Phones {
    fn settings(&self) -> Option<PhoneSettings> {
        match (&self.twilio, &self.gateway) {
            (Some(t), _) => Some(PhoneSettings::Twilio((**t).clone())),
            (None, Some(g)) => Some(PhoneSettings::Gateway((**g).clone())),
            (None, None) => None,
        }
    }

    fn from_settings(settings: PhoneSettings) -> Self {
        match settings {
            PhoneSettings::Twilio(t) => Phones {
                twilio: Some(Arc::new(t)),
                gateway: None,
            },
            PhoneSettings::Gateway(g) => Phones {
                twilio: None,
                gateway: Some(Arc::new(g)),
            },
        }
    }
}

/// The clients for one set of settings.
#[derive(Clone, Default)]
pub struct Active {
    pub twilio: Option<Arc<TwilioConfig>>,
    pub gateway: Option<Arc<GatewayConfig>>,
    sms: Option<Arc<dyn Channel>>,
    voice: Option<Arc<dyn Channel>>,
    sender: Option<Arc<dyn PhoneSender>>,
}

impl Active {
    fn build(pool: &Db, public_url: &str, phones: Phones) -> Self {
        use super::gateway::channel::{Gateway, GatewayChannel};
        use super::twilio::{phone::TwilioPhone, sms::SmsChannel, voice::VoiceChannel};
        let url = public_url.to_owned();
        let mut active = Active {
            twilio: phones.twilio.clone(),
            gateway: phones.gateway.clone(),
            ..Default::default()
        };
        if let Some(t) = phones.twilio {
            active.sms = Some(Arc::new(SmsChannel::new(
                pool.clone(),
                t.clone(),
                url.clone(),
            )));
            active.voice = Some(Arc::new(VoiceChannel::new(pool.clone(), t.clone(), url)));
            active.sender = Some(Arc::new(TwilioPhone::new(t)));
        } else if let Some(g) = phones.gateway {
            let gateway = Gateway::new(pool.clone(), g, url);
            active.sender = Some(Arc::new(gateway.clone()));
            for kind in [ContactKind::Sms, ContactKind::Voice] {
                let channel: Arc<dyn Channel> = Arc::new(GatewayChannel {
                    gateway: gateway.clone(),
                    kind,
                });
                match kind {
                    ContactKind::Voice => active.voice = Some(channel),
                    _ => active.sms = Some(channel),
                }
            }
        }
        active
    }

    fn channel(&self, kind: ContactKind) -> Option<&Arc<dyn Channel>> {
        match kind {
            ContactKind::Voice => self.voice.as_ref(),
            _ => self.sms.as_ref(),
        }
    }
}

/// The saved settings' version (their stored JSON) and the clients built from them.
type Cached = (String, Arc<Active>);

/// Where phone pages go right now.
pub struct PhoneSource {
    pool: Db,
    keys: Arc<Keyring>,
    public_url: String,
    env: Option<PhoneSettings>,
    env_active: Arc<Active>,
    cache: Mutex<Option<Cached>>,
}

impl std::fmt::Debug for PhoneSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneSource")
            .field("env", &self.env.as_ref().map(PhoneSettings::provider))
            .finish_non_exhaustive()
    }
}

impl PhoneSource {
    pub fn new(pool: Db, keys: Arc<Keyring>, public_url: String, env: Phones) -> Arc<Self> {
        let env_active = Arc::new(Active::build(&pool, &public_url, env.clone()));
        Arc::new(Self {
            env: env.settings(),
            env_active,
            pool,
            keys,
            public_url,
            cache: Mutex::new(None),
        })
    }

    /// The clients for the settings in use now.
    pub async fn active(&self) -> Result<Arc<Active>, AppError> {
        let Some((settings, version)) =
            app::settings::phone::store::load(&self.pool, &self.keys).await?
        else {
            return Ok(self.env_active.clone());
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, active)) = cache.as_ref()
            && *at == version
        {
            return Ok(active.clone());
        }
        let mut phones = Phones::from_settings(settings);
        // Messages sent under the environment's Twilio before the save are still receipted
        // and answered: its tokens keep passing the callbacks' signature check (after the
        // saved ones, so the saved current token is the one that authenticates our calls).
        if let (Some(saved), Some(PhoneSettings::Twilio(env))) = (phones.twilio.as_mut(), &self.env)
        {
            let extra: Vec<String> = env
                .tokens
                .iter()
                .filter(|t| !saved.tokens.contains(t))
                .cloned()
                .collect();
            Arc::make_mut(saved).tokens.extend(extra);
        }
        let active = Arc::new(Active::build(&self.pool, &self.public_url, phones));
        *cache = Some((version, active.clone()));
        Ok(active)
    }
}

impl app::phone::PhoneSource for PhoneSource {
    fn sender(&self) -> app::phone::SenderFuture<'_> {
        Box::pin(async move { Ok(self.active().await?.sender.clone()) })
    }

    fn environment(&self) -> Option<PhoneSettings> {
        self.env.clone()
    }
}

/// The SMS or VOICE channel: whichever provider is in use when the page is sent.
pub struct PhoneChannel {
    pub source: Arc<PhoneSource>,
    pub kind: ContactKind,
}

impl Channel for PhoneChannel {
    fn send<'a>(&'a self, page: &'a Page) -> SendFuture<'a> {
        Box::pin(async move {
            let active = self
                .source
                .active()
                .await
                .map_err(|e| SendError::temporary(format!("read the phone settings: {e}")))?;
            match active.channel(self.kind) {
                Some(channel) => channel.send(page).await,
                None => Err(SendError::permanent(super::channel::missing(self.kind))),
            }
        })
    }
}

/// The web routes the providers call back on (each answers 404 when its provider is off).
pub fn routes(source: Arc<PhoneSource>) -> axum::Router<app::state::AppState> {
    super::twilio::inbound::routes()
        .merge(super::gateway::inbound::routes())
        .layer(axum::Extension(source))
}

/// The providers in use, for a webhook handler. When the saved settings cannot be read the
/// request is answered 503, so the provider retries.
pub struct Current(pub Arc<Active>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Current {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let Some(source) = parts.extensions.get::<Arc<PhoneSource>>().cloned() else {
            return Ok(Current(Arc::default()));
        };
        source.active().await.map(Current).map_err(|e| {
            tracing::error!(error = %e, "reading the phone settings for a webhook failed");
            let message = "the phone settings cannot be read right now; try again";
            let body = serde_json::json!({"error": message, "message": message});
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(body),
            )
                .into_response()
        })
    }
}
