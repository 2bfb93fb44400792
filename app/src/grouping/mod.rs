//! Alert grouping and the flap guard: a service's noise settings, checked. Grouping joins a
//! trigger to the open incident opened for the same group key (a template over the event's
//! fields) within a window; the flap guard holds an incident open, marked flapping, when its
//! key opened `flap_count` incidents within `flap_window_minutes`. SQL is `store`, who may
//! change them `ops`, ingest's part `regroup` and `flap`, server functions `api`, the
//! service page's card `card`.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub mod api;
pub mod card;
#[cfg(feature = "ssr")]
pub mod flap;
#[cfg(feature = "ssr")]
pub mod ops;
#[cfg(feature = "ssr")]
pub mod regroup;
#[cfg(feature = "ssr")]
pub mod store;

/// A service's noise settings; `None` turns a part off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoiseSettings {
    /// `{{labels.alertname}}/{{labels.cluster}}`: triggers rendering the same key join one
    /// open incident opened within `group_window_minutes`.
    pub group_template: Option<String>,
    pub group_window_minutes: Option<i32>,
    /// A key that opened this many incidents within `flap_window_minutes` flaps: the resolve
    /// of the last is held and the incident stays open, marked flapping.
    pub flap_count: Option<i32>,
    pub flap_window_minutes: Option<i32>,
}

/// The longest window, in minutes (a day; the table's CHECK says the same).
pub const WINDOW_MAX: i32 = 1440;
pub const TEMPLATE_MAX: usize = 500;

fn window(field: &str, v: Option<i32>) -> Result<i32, AppError> {
    match v {
        Some(m) if (1..=WINDOW_MAX).contains(&m) => Ok(m),
        Some(_) => Err(AppError::invalid(
            field,
            format!("must be between 1 and {WINDOW_MAX} minutes"),
        )),
        None => Err(AppError::invalid(
            field,
            "is required with the setting above",
        )),
    }
}

impl NoiseSettings {
    /// Checked and trimmed: a blank template turns grouping off (its window is then ignored);
    /// a flap count needs its window. Errors name the field.
    pub fn checked(&self) -> Result<NoiseSettings, AppError> {
        let template = self
            .group_template
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let (group_template, group_window_minutes) = match template {
            None => (None, None),
            Some(t) => {
                if t.chars().count() > TEMPLATE_MAX {
                    return Err(AppError::invalid(
                        "group_template",
                        format!("must be at most {TEMPLATE_MAX} characters"),
                    ));
                }
                if !t.contains("{{") {
                    return Err(AppError::invalid(
                        "group_template",
                        "needs at least one {{field}}, such as {{labels.alertname}}",
                    ));
                }
                crate::rules::field::check_template("group_template", t)?;
                (
                    Some(t.to_owned()),
                    Some(window("group_window_minutes", self.group_window_minutes)?),
                )
            }
        };
        let (flap_count, flap_window_minutes) = match self.flap_count {
            None => (None, None),
            Some(n) if (2..=100).contains(&n) => (
                Some(n),
                Some(window("flap_window_minutes", self.flap_window_minutes)?),
            ),
            Some(_) => {
                return Err(AppError::invalid(
                    "flap_count",
                    "must be between 2 and 100 incidents",
                ));
            }
        };
        Ok(NoiseSettings {
            group_template,
            group_window_minutes,
            flap_count,
            flap_window_minutes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(r: Result<NoiseSettings, AppError>) -> String {
        match r {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        let ok = NoiseSettings {
            group_template: Some("  {{labels.alertname}}/{{labels.cluster}} ".into()),
            group_window_minutes: Some(30),
            flap_count: Some(3),
            flap_window_minutes: Some(10),
        };
        let c = ok.checked().unwrap();
        assert_eq!(
            c.group_template.as_deref(),
            Some("{{labels.alertname}}/{{labels.cluster}}")
        );
        let blank = NoiseSettings {
            group_template: Some("  ".into()),
            group_window_minutes: Some(99999),
            ..Default::default()
        };
        assert_eq!(blank.checked().unwrap(), NoiseSettings::default());
        let bad = |s: NoiseSettings| field(s.checked());
        assert_eq!(
            bad(NoiseSettings {
                group_template: Some("static".into()),
                ..ok.clone()
            }),
            "group_template"
        );
        assert_eq!(
            bad(NoiseSettings {
                group_template: Some("{{labels.x".into()),
                ..ok.clone()
            }),
            "group_template"
        );
        assert_eq!(
            bad(NoiseSettings {
                group_window_minutes: None,
                ..ok.clone()
            }),
            "group_window_minutes"
        );
        assert_eq!(
            bad(NoiseSettings {
                group_window_minutes: Some(0),
                ..ok.clone()
            }),
            "group_window_minutes"
        );
        assert_eq!(
            bad(NoiseSettings {
                flap_count: Some(1),
                ..ok.clone()
            }),
            "flap_count"
        );
        assert_eq!(
            bad(NoiseSettings {
                flap_window_minutes: Some(1441),
                ..ok.clone()
            }),
            "flap_window_minutes"
        );
    }
}
