//! Which chat credentials are in use right now: those an admin saved in Settings (sealed,
//! `app::settings::chat`), else the environment's. The saved rows are read at most every
//! two seconds per instance, so a save reaches every instance without a restart; an unreadable
//! row is logged and the environment's credentials are used meanwhile.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::db::Db;
use app::secrets::Keyring;

use super::config::{ChatConfig, SlackConfig, TelegramConfig};

const FRESH: Duration = Duration::from_secs(2);

pub struct ChatSource {
    env: ChatConfig,
    saved: Option<(Db, Arc<Keyring>)>,
    cache: Mutex<Option<(Instant, Arc<ChatConfig>)>>,
}

impl std::fmt::Debug for ChatSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatSource")
            .field("env", &self.env)
            .field("reads_settings", &self.saved.is_some())
            .finish()
    }
}

impl ChatSource {
    /// The environment's credentials only.
    pub fn fixed(env: ChatConfig) -> Arc<ChatSource> {
        Arc::new(ChatSource {
            env,
            saved: None,
            cache: Mutex::new(None),
        })
    }

    /// Saved credentials first, then the environment's.
    pub fn with_saved(env: ChatConfig, pool: Db, keys: Arc<Keyring>) -> Arc<ChatSource> {
        Arc::new(ChatSource {
            env,
            saved: Some((pool, keys)),
            cache: Mutex::new(None),
        })
    }

    /// The environment's credentials (for start-up logs).
    pub fn environment(&self) -> &ChatConfig {
        &self.env
    }

    pub async fn current(&self) -> Arc<ChatConfig> {
        let Some((pool, keys)) = &self.saved else {
            return Arc::new(self.env.clone());
        };
        if let Ok(cache) = self.cache.lock()
            && let Some((at, config)) = cache.as_ref()
            && at.elapsed() < FRESH
        {
            return config.clone();
        }
        let merged = match app::settings::chat::store::load(pool, keys).await {
            Ok(saved) => {
                let mut c = self.env.clone();
                if let Some(s) = saved.slack {
                    c.slack = Some(Arc::new(SlackConfig {
                        bot_token: s.bot_token,
                        signing_secret: s.signing_secret,
                        api_url: c.slack_api_url.clone(),
                    }));
                }
                if let Some(token) = saved.telegram {
                    c.telegram = Some(Arc::new(TelegramConfig {
                        bot_token: token,
                        api_url: c.telegram_api_url.clone(),
                        updates: c.telegram_updates,
                    }));
                }
                Arc::new(c)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the saved chat settings; using the environment's");
                Arc::new(self.env.clone())
            }
        };
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Some((Instant::now(), merged.clone()));
        }
        merged
    }
}
