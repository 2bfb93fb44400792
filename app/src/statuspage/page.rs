//! The status page's admin screen (`/settings/status`, ADMIN only).
