//! Maps named database constraints to the user-facing error they mean. One table for every feature.

use crate::error::AppError;

/// The user error for a violated constraint, or `None` for constraints that signal a bug.
pub fn user_error(constraint: &str) -> Option<AppError> {
    let (field, message) = match constraint {
        "users_email_key" => ("email", "a user with this email already exists"),
        "users_email_check" => ("email", "must be a valid email address"),
        "users_name_check" => ("name", "must be 1 to 100 characters"),
        "teams_name_key" => ("name", "a team with this name already exists"),
        "teams_name_check" => ("name", "must be 1 to 100 characters"),
        "teams_description_check" => ("description", "must be at most 1000 characters"),
        "contact_methods_address_key" => ("address", "you already have this contact method"),
        "contact_methods_label_check" => ("label", "must be 1 to 50 characters"),
        "api_keys_name_check" => ("name", "must be 1 to 100 characters"),
        "services_name_key" => ("name", "a service with this name already exists"),
        "status_components_service_key" => {
            ("service_id", "already has a component on the status page")
        }
        "status_components_service_id_fkey" => ("service_id", "is not a service"),
        "status_incident_components_component_id_fkey" => {
            ("component_ids", "includes a component that does not exist")
        }
        "services_name_check" => ("name", "must be 1 to 100 characters"),
        "services_description_check" => ("description", "must be at most 2000 characters"),
        "services_team_id_fkey" => ("team_id", "no such team"),
        "integrations_name_check" => ("name", "must be 1 to 100 characters"),
        "services_escalation_policy_fkey" => ("escalation_policy_id", "no such escalation policy"),
        "escalation_policies_name_key" => ("name", "a policy with this name already exists"),
        "escalation_policies_name_check" => ("name", "must be 1 to 100 characters"),
        "escalation_policies_team_id_fkey" => ("team_id", "no such team"),
        "schedules_team_id_fkey" => ("team_id", "no such team"),
        "notification_rules_key" => ("delay_minutes", "you already have this rule"),
        // A team's service account (the user its API keys act as) is never paged.
        "users_service_account_check" => (
            "user_id",
            "a team's service account has no password and stays a RESPONDER",
        ),
        "team_members_person_check" => (
            "user_id",
            "is a team's service account, which cannot be a team member",
        ),
        "escalation_targets_person_check" => (
            "steps",
            "a team's service account cannot be an escalation target",
        ),
        "schedule_participants_person_check" => {
            ("participants", "a team's service account cannot be on call")
        }
        "schedule_overrides_person_check" => ("user", "a team's service account cannot be on call"),
        "schedule_temporary_shifts_person_check" => {
            ("shifts", "a team's service account cannot be on call")
        }
        "contact_methods_person_check" => {
            ("kind", "a team's service account has no contact methods")
        }
        _ => return None,
    };
    Some(AppError::invalid(field, message))
}
