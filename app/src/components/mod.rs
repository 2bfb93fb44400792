//! Shared widgets: layouts, form fields, empty states, icons, theme, times.

pub mod empty;
pub mod field;
pub mod form;
pub mod icons;
pub mod layout;
pub mod not_found;
pub mod pager;
pub mod theme;
pub mod time;
