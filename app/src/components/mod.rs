//! Shared widgets: layouts, form fields, empty states, icons, theme, times, toasts, a trend chart, keyboard shortcuts.

pub mod bars;
pub mod chart;
#[cfg(test)]
mod contrast;
pub mod empty;
pub mod field;
pub mod form;
pub mod icons;
pub mod layout;
pub mod not_found;
pub mod pager;
pub mod shortcuts;
pub mod theme;
pub mod time;
pub mod toast;
