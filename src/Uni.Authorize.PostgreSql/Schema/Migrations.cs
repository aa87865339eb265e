namespace Uni.Authorize.PostgreSql;

// Versioned schema changes, applied in order at start-up. Never edit a shipped step: add a new one.
internal static class Migrations
{
    public static IReadOnlyList<string> Steps(string schema) =>
    [
        // 1: decisions (one row per app, user and scope), the append-only audit trail written by a trigger
        // in the writing transaction together with the change notification, and auth codes stored as hashes.
        $$"""
        CREATE TABLE "{{schema}}".decisions (
            app_id     text COLLATE "C" NOT NULL,
            user_id    text COLLATE "C" NOT NULL,
            scope      text COLLATE "C" NOT NULL,
            state      smallint NOT NULL CHECK (state BETWEEN 0 AND 2),
            source     smallint NOT NULL CHECK (source BETWEEN 0 AND 3),
            decided_at timestamptz NOT NULL,
            expires_at timestamptz NULL,
            version    bigint NOT NULL CHECK (version > 0),
            PRIMARY KEY (app_id, user_id, scope)
        );
        CREATE INDEX decisions_expires_at ON "{{schema}}".decisions (expires_at) WHERE expires_at IS NOT NULL;

        CREATE TABLE "{{schema}}".decision_audit (
            id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            app_id     text COLLATE "C" NOT NULL,
            user_id    text COLLATE "C" NOT NULL,
            scope      text COLLATE "C" NOT NULL,
            from_state smallint NOT NULL,
            to_state   smallint NOT NULL,
            source     smallint NOT NULL,
            at         timestamptz NOT NULL
        );
        CREATE INDEX decision_audit_subject ON "{{schema}}".decision_audit (app_id, user_id, id);

        CREATE FUNCTION "{{schema}}".reject_audit_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            RAISE EXCEPTION 'decision_audit is append-only';
        END
        $fn$;
        CREATE TRIGGER decision_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON "{{schema}}".decision_audit
            FOR EACH STATEMENT EXECUTE FUNCTION "{{schema}}".reject_audit_change();

        CREATE FUNCTION "{{schema}}".on_decision_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                PERFORM pg_notify(TG_ARGV[0], json_build_array(OLD.app_id, OLD.user_id, OLD.scope)::text);
                RETURN OLD;
            END IF;
            INSERT INTO "{{schema}}".decision_audit (app_id, user_id, scope, from_state, to_state, source, at)
            VALUES (NEW.app_id, NEW.user_id, NEW.scope,
                    CASE WHEN TG_OP = 'INSERT' THEN 0 ELSE OLD.state END, NEW.state, NEW.source, NEW.decided_at);
            PERFORM pg_notify(TG_ARGV[0], json_build_array(NEW.app_id, NEW.user_id, NEW.scope)::text);
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER decision_changed AFTER INSERT OR UPDATE OR DELETE ON "{{schema}}".decisions
            FOR EACH ROW EXECUTE FUNCTION "{{schema}}".on_decision_change('{{schema}}_decision_changed');

        CREATE TABLE "{{schema}}".auth_codes (
            code_hash   text COLLATE "C" PRIMARY KEY,
            app_id      text COLLATE "C" NOT NULL,
            user_id     text COLLATE "C" NOT NULL,
            scopes      text[] NOT NULL,
            issued_at   timestamptz NOT NULL,
            expires_at  timestamptz NOT NULL,
            redeemed_at timestamptz NULL
        );
        CREATE INDEX auth_codes_expires_at ON "{{schema}}".auth_codes (expires_at);
        """,

        // 2: the host's identities (apps, users, mini-app sessions, host keys) in the stores' schema, an index that
        // lets housekeeping find redeemed codes without scanning, and a copy of what earlier hosts kept in their own
        // schema uni_authorize_host (left in place; drop it once the copy is checked).
        $$"""
        CREATE TABLE "{{schema}}".identity_apps (
            id          text COLLATE "C" PRIMARY KEY,
            name        text NOT NULL,
            platform    integer NOT NULL,
            secret_hash text COLLATE "C" NOT NULL,
            created_at  timestamptz NOT NULL
        );

        CREATE TABLE "{{schema}}".identity_users (
            id         text COLLATE "C" PRIMARY KEY,
            name       text COLLATE "C" NOT NULL UNIQUE,
            created_at timestamptz NOT NULL
        );

        CREATE TABLE "{{schema}}".identity_sessions (
            token_hash text COLLATE "C" PRIMARY KEY,
            app_id     text COLLATE "C" NOT NULL,
            user_id    text COLLATE "C" NOT NULL,
            issued_at  timestamptz NOT NULL,
            expires_at timestamptz NOT NULL
        );
        CREATE INDEX identity_sessions_expires_at ON "{{schema}}".identity_sessions (expires_at);

        CREATE TABLE "{{schema}}".identity_keys (
            name  text COLLATE "C" PRIMARY KEY,
            value bytea NOT NULL
        );

        CREATE INDEX auth_codes_redeemed_at ON "{{schema}}".auth_codes (redeemed_at) WHERE redeemed_at IS NOT NULL;

        DO $copy$
        BEGIN
            IF to_regclass('uni_authorize_host.apps') IS NOT NULL THEN
                EXECUTE 'INSERT INTO "{{schema}}".identity_apps (id, name, platform, secret_hash, created_at)
                         SELECT id, name, platform, secret_hash, created_at FROM uni_authorize_host.apps ON CONFLICT DO NOTHING';
            END IF;
            IF to_regclass('uni_authorize_host.users') IS NOT NULL THEN
                EXECUTE 'INSERT INTO "{{schema}}".identity_users (id, name, created_at)
                         SELECT id, name, created_at FROM uni_authorize_host.users ON CONFLICT DO NOTHING';
            END IF;
            IF to_regclass('uni_authorize_host.sessions') IS NOT NULL THEN
                EXECUTE 'INSERT INTO "{{schema}}".identity_sessions (token_hash, app_id, user_id, issued_at, expires_at)
                         SELECT token_hash, app_id, user_id, issued_at, expires_at FROM uni_authorize_host.sessions ON CONFLICT DO NOTHING';
            END IF;
            IF to_regclass('uni_authorize_host.keys') IS NOT NULL THEN
                EXECUTE 'INSERT INTO "{{schema}}".identity_keys (name, value)
                         SELECT name, value FROM uni_authorize_host.keys ON CONFLICT DO NOTHING';
            END IF;
        END
        $copy$;
        """,

        // 3: consents waiting for their user and the calls waiting for them, shared by every instance; at most one open
        // consent per subject and scope set. Changes are announced on the schema's consent channel by the writing statement.
        $$"""
        CREATE TABLE "{{schema}}".pending_consents (
            id         text COLLATE "C" PRIMARY KEY,
            app_id     text COLLATE "C" NOT NULL,
            user_id    text COLLATE "C" NOT NULL,
            platform   smallint NOT NULL,
            scopes     text[] NOT NULL,
            scope_key  text COLLATE "C" NOT NULL,
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            answer     text NULL,
            closed_at  timestamptz NULL,
            waiters    integer NOT NULL DEFAULT 1 CHECK (waiters >= 0)
        );
        CREATE UNIQUE INDEX pending_consents_one_open ON "{{schema}}".pending_consents (app_id, user_id, scope_key) WHERE closed_at IS NULL;
        CREATE INDEX pending_consents_open_by_user ON "{{schema}}".pending_consents (user_id, created_at) WHERE closed_at IS NULL;
        CREATE INDEX pending_consents_expires_at ON "{{schema}}".pending_consents (expires_at);

        CREATE TABLE "{{schema}}".pending_calls (
            id          text COLLATE "C" PRIMARY KEY,
            app_id      text COLLATE "C" NOT NULL,
            user_id     text COLLATE "C" NOT NULL,
            platform    smallint NOT NULL,
            request     text NOT NULL,
            driver      text COLLATE "C" NOT NULL,
            lease_until timestamptz NOT NULL,
            created_at  timestamptz NOT NULL,
            expires_at  timestamptz NOT NULL,
            outcome     text NULL,
            finished_at timestamptz NULL
        );
        CREATE INDEX pending_calls_expires_at ON "{{schema}}".pending_calls (expires_at);
        CREATE INDEX pending_calls_driver ON "{{schema}}".pending_calls (driver) WHERE outcome IS NULL;
        """,

        // 4: a user's data rights. The audit trail stays append-only except for one change: an erasure replaces a user
        // id with its pseudonym (erased:...), leaving every other column as it was. Indexes find one user's rows.
        $$"""
        DROP TRIGGER decision_audit_append_only ON "{{schema}}".decision_audit;
        CREATE TRIGGER decision_audit_append_only BEFORE DELETE OR TRUNCATE ON "{{schema}}".decision_audit
            FOR EACH STATEMENT EXECUTE FUNCTION "{{schema}}".reject_audit_change();

        CREATE FUNCTION "{{schema}}".allow_audit_erasure_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF NEW.user_id LIKE 'erased:%' AND OLD.user_id NOT LIKE 'erased:%'
               AND (NEW.id, NEW.app_id, NEW.scope, NEW.from_state, NEW.to_state, NEW.source, NEW.at)
                   IS NOT DISTINCT FROM (OLD.id, OLD.app_id, OLD.scope, OLD.from_state, OLD.to_state, OLD.source, OLD.at) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'decision_audit is append-only; an erasure may only replace a user id with its pseudonym';
        END
        $fn$;
        CREATE TRIGGER decision_audit_erasure_only BEFORE UPDATE ON "{{schema}}".decision_audit
            FOR EACH ROW EXECUTE FUNCTION "{{schema}}".allow_audit_erasure_only();

        CREATE INDEX decisions_user ON "{{schema}}".decisions (user_id);
        CREATE INDEX decision_audit_user ON "{{schema}}".decision_audit (user_id, id);
        CREATE INDEX auth_codes_user ON "{{schema}}".auth_codes (user_id);
        CREATE INDEX identity_sessions_user ON "{{schema}}".identity_sessions (user_id);
        CREATE INDEX pending_consents_user ON "{{schema}}".pending_consents (user_id);
        CREATE INDEX pending_calls_user ON "{{schema}}".pending_calls (user_id);
        """,

        // 5: revocation webhooks: each app's endpoint, the outbox the decision and identity writes fill in their own
        // transaction, and the lease that lets one instance at a time deliver.
        $$"""
        CREATE TABLE "{{schema}}".webhook_endpoints (
            app_id     text COLLATE "C" PRIMARY KEY,
            url        text NOT NULL,
            secret     text NOT NULL,
            updated_at timestamptz NOT NULL
        );

        CREATE TABLE "{{schema}}".webhook_outbox (
            seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id              text COLLATE "C" NOT NULL UNIQUE,
            app_id          text COLLATE "C" NOT NULL,
            user_id         text COLLATE "C" NOT NULL,
            kind            smallint NOT NULL CHECK (kind BETWEEN 0 AND 3),
            scope           text COLLATE "C" NULL,
            occurred_at     timestamptz NOT NULL,
            attempts        integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL
        );
        CREATE INDEX webhook_outbox_due ON "{{schema}}".webhook_outbox (next_attempt_at);
        CREATE INDEX webhook_outbox_app ON "{{schema}}".webhook_outbox (app_id);

        CREATE TABLE "{{schema}}".webhook_lease (
            name   text COLLATE "C" PRIMARY KEY,
            holder text COLLATE "C" NOT NULL,
            until  timestamptz NOT NULL
        );
        """,

        // 6: the operator's console. An app can be disabled and can carry a privacy contract; indexes find one app's
        // sessions and codes when it is disabled.
        $$"""
        ALTER TABLE "{{schema}}".identity_apps
            ADD COLUMN disabled_at timestamptz,
            ADD COLUMN privacy_name text,
            ADD COLUMN privacy_url text;
        CREATE INDEX identity_sessions_app ON "{{schema}}".identity_sessions (app_id);
        CREATE INDEX auth_codes_app ON "{{schema}}".auth_codes (app_id);
        """,

        // 7: user info: the profile a user shows apps, and the session key each app's last code exchange returned for a
        // user (the key that signs and encrypts that app's user data). Both go with the user: the foreign keys also
        // stop a write racing an erasure from leaving a row behind.
        $$"""
        CREATE TABLE "{{schema}}".identity_profiles (
            user_id    text COLLATE "C" PRIMARY KEY REFERENCES "{{schema}}".identity_users (id) ON DELETE CASCADE,
            nickname   text NOT NULL,
            avatar_url text
        );

        CREATE TABLE "{{schema}}".identity_session_keys (
            user_id     text COLLATE "C" NOT NULL REFERENCES "{{schema}}".identity_users (id) ON DELETE CASCADE,
            app_id      text COLLATE "C" NOT NULL,
            session_key text NOT NULL,
            PRIMARY KEY (user_id, app_id)
        );
        """,

        // 8: declared purposes and answers with a lifetime: each app's manifest (its declared purposes with the version
        // each text was first declared in), and on every decision and audit entry the purpose version it was given to
        // and how long it lasts. The audit trigger copies both; the erasure-only rule keeps them unchanged.
        $$"""
        CREATE TABLE "{{schema}}".app_manifests (
            app_id        text COLLATE "C" PRIMARY KEY,
            version       bigint NOT NULL CHECK (version > 0),
            private_infos text[] NOT NULL,
            updated_at    timestamptz NOT NULL
        );

        CREATE TABLE "{{schema}}".app_manifest_purposes (
            app_id      text COLLATE "C" NOT NULL,
            scope       text COLLATE "C" NOT NULL,
            description text NOT NULL,
            version     bigint NOT NULL CHECK (version > 0),
            PRIMARY KEY (app_id, scope)
        );

        ALTER TABLE "{{schema}}".decisions
            ADD COLUMN purpose_version bigint NOT NULL DEFAULT 0,
            ADD COLUMN lifetime smallint NOT NULL DEFAULT 0 CHECK (lifetime BETWEEN 0 AND 2);
        ALTER TABLE "{{schema}}".decision_audit
            ADD COLUMN purpose_version bigint NOT NULL DEFAULT 0,
            ADD COLUMN lifetime smallint NOT NULL DEFAULT 0;

        CREATE OR REPLACE FUNCTION "{{schema}}".on_decision_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                PERFORM pg_notify(TG_ARGV[0], json_build_array(OLD.app_id, OLD.user_id, OLD.scope)::text);
                RETURN OLD;
            END IF;
            INSERT INTO "{{schema}}".decision_audit (app_id, user_id, scope, from_state, to_state, source, at, purpose_version, lifetime)
            VALUES (NEW.app_id, NEW.user_id, NEW.scope,
                    CASE WHEN TG_OP = 'INSERT' THEN 0 ELSE OLD.state END, NEW.state, NEW.source, NEW.decided_at,
                    NEW.purpose_version, NEW.lifetime);
            PERFORM pg_notify(TG_ARGV[0], json_build_array(NEW.app_id, NEW.user_id, NEW.scope)::text);
            RETURN NEW;
        END
        $fn$;

        CREATE OR REPLACE FUNCTION "{{schema}}".allow_audit_erasure_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF NEW.user_id LIKE 'erased:%' AND OLD.user_id NOT LIKE 'erased:%'
               AND (NEW.id, NEW.app_id, NEW.scope, NEW.from_state, NEW.to_state, NEW.source, NEW.at, NEW.purpose_version, NEW.lifetime)
                   IS NOT DISTINCT FROM (OLD.id, OLD.app_id, OLD.scope, OLD.from_state, OLD.to_state, OLD.source, OLD.at, OLD.purpose_version, OLD.lifetime) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'decision_audit is append-only; an erasure may only replace a user id with its pseudonym';
        END
        $fn$;
        """,

        // 9: the access report: one row per use of a gated API that ran (app, user, scope, API, when; never the data).
        // Indexes serve the user's report, the operator's per-app report and pruning by age.
        $$"""
        CREATE TABLE "{{schema}}".access_records (
            id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            app_id  text COLLATE "C" NOT NULL,
            user_id text COLLATE "C" NOT NULL,
            scope   text COLLATE "C" NOT NULL,
            api     text COLLATE "C" NOT NULL,
            at      timestamptz NOT NULL
        );
        CREATE INDEX access_records_user ON "{{schema}}".access_records (user_id, at);
        CREATE INDEX access_records_app ON "{{schema}}".access_records (app_id, at);
        CREATE INDEX access_records_at ON "{{schema}}".access_records (at);
        """,

        // 10: access tokens: the token an Alipay code exchange gave an app for a user, kept by its hash (one per app and user)
        // so that the app's server can call the user's APIs (zhima.credit.score.brief.get) with it. Goes with the user.
        $$"""
        CREATE TABLE "{{schema}}".identity_access_tokens (
            token_hash text COLLATE "C" PRIMARY KEY,
            user_id    text COLLATE "C" NOT NULL REFERENCES "{{schema}}".identity_users (id) ON DELETE CASCADE,
            app_id     text COLLATE "C" NOT NULL,
            expires_at timestamptz NOT NULL,
            UNIQUE (user_id, app_id)
        );
        """,

        // 11: the letter an operator chose as the app's icon; NULL draws the name's first letter.
        $$"""
        ALTER TABLE "{{schema}}".identity_apps ADD COLUMN icon_letter text;
        """,

        // 12: an erased user's events keep only the id their app knows (user_id is emptied): see ForgetUserAsync.
        $$"""
        ALTER TABLE "{{schema}}".webhook_outbox ADD COLUMN open_id text;
        CREATE INDEX webhook_outbox_user ON "{{schema}}".webhook_outbox (user_id);
        """,

        // 13: the public key with which an Alipay app's server signs its gateway calls; NULL refuses them.
        $$"""
        ALTER TABLE "{{schema}}".identity_apps ADD COLUMN alipay_public_key text;
        """,
    ];
}
