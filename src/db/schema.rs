// One schema for both backends: only portable SQL types (text ids, timestamps in UTC,
// integers, booleans). Written by hand to match `migrations/{sqlite,postgres}`.

diesel::table! {
    partner_orgs (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        tier -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        figures_version -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        org_id -> Nullable<Text>,
        org_admin -> Bool,
        password_hash -> Nullable<Text>,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Nullable<Text>,
        state -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    one_time_tokens (id) {
        id -> Text,
        purpose -> Text,
        user_id -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (email, client_addr) {
        email -> Text,
        client_addr -> Text,
        failures -> Integer,
        locked_until -> Nullable<Timestamp>,
        last_failure_at -> Timestamp,
    }
}

diesel::table! {
    app_secrets (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        message_id -> Text,
        kind -> Text,
        to_addr -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    policy_versions (version) {
        version -> BigInt,
        params -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    registrations (id) {
        id -> Text,
        org_id -> Text,
        submitted_by -> Text,
        company_name -> Text,
        name_key -> Text,
        domain_key -> Nullable<Text>,
        amount_minor -> BigInt,
        currency -> Text,
        program_units -> BigInt,
        segment -> Text,
        policy_version -> BigInt,
        submitted_at -> Timestamp,
        status -> Text,
        review_due_at -> Nullable<Timestamp>,
        sla_paused_secs -> Nullable<BigInt>,
        sla_escalated_at -> Nullable<Timestamp>,
        queued_behind -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decided_policy_version -> Nullable<BigInt>,
        protection_ends_at -> Nullable<Timestamp>,
        reminder_sent_at -> Nullable<Timestamp>,
        renewal -> Nullable<Text>,
        renewal_note -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        close_amount_minor -> Nullable<BigInt>,
        close_date -> Nullable<Date>,
        outcome_reason -> Nullable<Text>,
        lock_version -> BigInt,
        updated_at -> Timestamp,
        shares_prospect_with -> Nullable<Text>,
        country -> Nullable<Text>,
        industry -> Nullable<Text>,
    }
}

diesel::table! {
    registration_details (registration_id) {
        registration_id -> Text,
        website -> Text,
        country -> Text,
        industry -> Text,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Text,
        expected_close -> Date,
        relationship -> Text,
    }
}

diesel::table! {
    registration_events (id) {
        id -> Text,
        registration_id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        kind -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        note -> Nullable<Text>,
        policy_version -> BigInt,
    }
}

diesel::table! {
    crm_accounts (id) {
        id -> Text,
        external_id -> Nullable<Text>,
        name -> Text,
        name_key -> Text,
        domain_key -> Nullable<Text>,
        country -> Nullable<Text>,
        industry -> Nullable<Text>,
        owner_email -> Nullable<Text>,
        named_account -> Bool,
        reserved_for_direct -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        website -> Nullable<Text>,
    }
}

diesel::table! {
    prospect_keys (key, record_id) {
        key -> Text,
        record_id -> Text,
        kind -> Text,
    }
}

diesel::table! {
    prospect_index (id) {
        id -> Integer,
        version -> BigInt,
        built_at -> Timestamp,
        accounts_epoch -> BigInt,
    }
}

diesel::table! {
    registration_matches (registration_id, kind, other_id) {
        registration_id -> Text,
        kind -> Text,
        other_id -> Text,
        score -> Integer,
        same_prospect -> Bool,
        evidence -> Text,
    }
}

diesel::table! {
    review_queue_counts (shard) {
        shard -> Integer,
        items -> BigInt,
    }
}

diesel::table! {
    review_queue_versions (shard) {
        shard -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    registration_match_counts (registration_id) {
        registration_id -> Text,
        same_prospects -> BigInt,
        possible_duplicates -> BigInt,
        accounts -> BigInt,
    }
}

diesel::table! {
    registration_match_runs (registration_id) {
        registration_id -> Text,
        matched_at -> Timestamp,
        accounts_epoch -> BigInt,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        label -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        scopes -> Text,
    }
}

diesel::table! {
    api_idempotency (token_id, idem_key) {
        token_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    direct_opportunities (id) {
        id -> Text,
        account_id -> Text,
        owner_email -> Text,
        stage -> Text,
        amount_minor -> BigInt,
        currency -> Text,
        last_activity_on -> Date,
        created_at -> Timestamp,
        external_id -> Nullable<Text>,
    }
}

diesel::table! {
    import_runs (id) {
        id -> Text,
        started_by -> Text,
        file_name -> Text,
        dry_run -> Bool,
        state -> Text,
        rows_done -> BigInt,
        rows_total -> BigInt,
        report -> Nullable<Text>,
        error -> Nullable<Text>,
        upload_id -> Nullable<Text>,
        started_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    roe_versions (version) {
        version -> BigInt,
        body -> Text,
        summary -> Text,
        questions -> Text,
        published_by -> Text,
        published_at -> Timestamp,
    }
}

diesel::table! {
    roe_acknowledgements (user_id, version) {
        user_id -> Text,
        version -> BigInt,
        acknowledged_at -> Timestamp,
    }
}

diesel::table! {
    roe_rechecks (user_id) {
        user_id -> Text,
        version -> BigInt,
        step -> Integer,
        next_question -> Integer,
        due_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    roe_answers (id) {
        id -> Text,
        user_id -> Text,
        version -> BigInt,
        question -> Integer,
        correct -> Bool,
        kind -> Text,
        answered_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        subject -> Text,
        detail -> Nullable<Text>,
        actor_role -> Nullable<Text>,
        client_addr -> Nullable<Text>,
        seq -> Nullable<BigInt>,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
    }
}

diesel::table! {
    audit_chain (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Nullable<Text>,
        at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    disputes (id) {
        id -> Text,
        raiser_registration_id -> Nullable<Text>,
        other_registration_id -> Nullable<Text>,
        raised_by -> Text,
        raiser_role -> Text,
        raiser_org_id -> Nullable<Text>,
        prospect_name -> Text,
        reason -> Text,
        details -> Text,
        status -> Text,
        raised_at -> Timestamp,
        due_at -> Nullable<Timestamp>,
        sla_escalated_at -> Nullable<Timestamp>,
        policy_version -> BigInt,
        roe_version -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        rationale -> Nullable<Text>,
        partner_share_pct -> Nullable<Integer>,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        search_text -> Text,
        lock_version -> BigInt,
        other_org_id -> Nullable<Text>,
    }
}

diesel::table! {
    territories (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        kind -> Text,
        countries -> Text,
        regions -> Text,
        industries -> Text,
        eligibility -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
        double_credit -> Bool,
    }
}

diesel::table! {
    territory_orgs (territory_id, org_id) {
        territory_id -> Text,
        org_id -> Text,
    }
}

diesel::table! {
    territory_reps (territory_id, user_id) {
        territory_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    territory_modes (id) {
        id -> Text,
        mode -> Text,
        changed_by -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    registration_flags (registration_id, kind) {
        registration_id -> Text,
        kind -> Text,
        message -> Text,
        other_id -> Nullable<Text>,
        created_at -> Timestamp,
        notified_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<Text>,
    }
}

diesel::table! {
    prospect_identity (id) {
        id -> Integer,
        version -> BigInt,
        built_at -> Timestamp,
    }
}

diesel::table! {
    compensation_rule_versions (version) {
        version -> BigInt,
        params -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deal_compensations (registration_id) {
        registration_id -> Text,
        rules_version -> BigInt,
        within_window -> Integer,
        double_credit -> Integer,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    credits (id) {
        id -> Text,
        registration_id -> Text,
        kind -> Text,
        org_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        bp -> BigInt,
        amount_minor -> BigInt,
        currency -> Text,
        rules_version -> BigInt,
        created_at -> Timestamp,
        segment -> Nullable<Text>,
        partner_org_id -> Nullable<Text>,
        country -> Nullable<Text>,
        industry -> Nullable<Text>,
    }
}

diesel::table! {
    assists (id) {
        id -> Text,
        registration_id -> Text,
        rep_id -> Text,
        status -> Text,
        note -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    weekly_outcomes (week, segment, tier, status) {
        week -> Date,
        segment -> Text,
        tier -> Text,
        status -> Text,
        registrations -> BigInt,
        program_units -> BigInt,
        won_units -> BigInt,
    }
}

diesel::table! {
    org_outcomes (org_id, status) {
        org_id -> Text,
        status -> Text,
        registrations -> BigInt,
        program_units -> BigInt,
    }
}

diesel::table! {
    weekly_decisions (week, segment, tier, hours) {
        week -> Date,
        segment -> Text,
        tier -> Text,
        hours -> Integer,
        registrations -> BigInt,
    }
}

diesel::table! {
    territory_places (kind, value, territory_id) {
        territory_id -> Text,
        kind -> Text,
        value -> Text,
    }
}

diesel::table! {
    territory_outcomes (territory_id, week, segment, tier, status) {
        territory_id -> Text,
        week -> Date,
        segment -> Text,
        tier -> Text,
        status -> Text,
        registrations -> BigInt,
        program_units -> BigInt,
        won_units -> BigInt,
    }
}

diesel::table! {
    territory_decisions (territory_id, week, segment, tier, hours) {
        territory_id -> Text,
        week -> Date,
        segment -> Text,
        tier -> Text,
        hours -> Integer,
        registrations -> BigInt,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        url -> Text,
        description -> Text,
        event_types -> Text,
        secret_sealed -> Text,
        previous_secret_sealed -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Text,
        event_type -> Text,
        subject_id -> Text,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        event_id -> Text,
        endpoint_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        endpoint_id -> Text,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        latency_ms -> Integer,
        response_excerpt -> Text,
        error -> Nullable<Text>,
    }
}

diesel::joinable!(users -> partner_orgs (org_id));
diesel::joinable!(registrations -> partner_orgs (org_id));
diesel::joinable!(registration_events -> registrations (registration_id));
diesel::joinable!(registration_details -> registrations (registration_id));
diesel::joinable!(direct_opportunities -> crm_accounts (account_id));
diesel::table! {
    two_step_secrets (user_id) {
        user_id -> Text,
        secret_sealed -> Text,
        confirmed_at -> Nullable<Timestamp>,
        last_used_step -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    two_step_recovery_codes (user_id, code_hash) {
        user_id -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(two_step_secrets -> users (user_id));
diesel::joinable!(two_step_recovery_codes -> users (user_id));
diesel::joinable!(one_time_tokens -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(api_idempotency -> api_tokens (token_id));
diesel::joinable!(registration_matches -> registrations (registration_id));
diesel::joinable!(registration_match_runs -> registrations (registration_id));
diesel::joinable!(registration_match_counts -> registrations (registration_id));
diesel::joinable!(import_runs -> users (started_by));
diesel::joinable!(roe_versions -> users (published_by));
diesel::joinable!(roe_acknowledgements -> users (user_id));
diesel::joinable!(roe_rechecks -> users (user_id));
diesel::joinable!(roe_answers -> users (user_id));
diesel::joinable!(credits -> registrations (registration_id));
diesel::joinable!(deal_compensations -> registrations (registration_id));
diesel::joinable!(assists -> registrations (registration_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::allow_tables_to_appear_in_same_query!(
    webhook_endpoints,
    webhook_events,
    webhook_deliveries,
    webhook_attempts,
    api_idempotency,
    partner_orgs,
    users,
    sessions,
    one_time_tokens,
    login_failures,
    app_secrets,
    outbox,
    policy_versions,
    registrations,
    registration_details,
    registration_events,
    crm_accounts,
    direct_opportunities,
    prospect_keys,
    prospect_index,
    api_tokens,
    registration_matches,
    registration_match_runs,
    registration_match_counts,
    import_runs,
    roe_versions,
    roe_acknowledgements,
    roe_rechecks,
    roe_answers,
    audit_events,
    audit_chain,
    disputes,
    territories,
    territory_orgs,
    territory_reps,
    territory_modes,
    registration_flags,
    prospect_identity,
    compensation_rule_versions,
    deal_compensations,
    credits,
    assists,
    weekly_outcomes,
    org_outcomes,
    weekly_decisions,
    territory_places,
    territory_outcomes,
    territory_decisions,
    two_step_secrets,
    two_step_recovery_codes,
);
