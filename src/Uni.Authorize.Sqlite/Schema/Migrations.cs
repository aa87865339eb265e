namespace Uni.Authorize.Sqlite;

// Versioned schema steps, applied in order under one write lock; PRAGMA user_version records the last applied.
// Append new steps; never edit a released one.
internal static class Migrations
{
    public static readonly string[] Steps =
    [
        """
        CREATE TABLE decisions (
            app_id     TEXT    NOT NULL,
            user_id    TEXT    NOT NULL,
            scope      TEXT    NOT NULL,
            state      INTEGER NOT NULL CHECK (state IN (0, 1, 2)),
            source     INTEGER NOT NULL CHECK (source IN (0, 1, 2, 3)),
            decided_at INTEGER NOT NULL,
            expires_at INTEGER,
            version    INTEGER NOT NULL CHECK (version > 0),
            PRIMARY KEY (app_id, user_id, scope)
        ) WITHOUT ROWID;
        CREATE INDEX decisions_expiry ON decisions (expires_at) WHERE expires_at IS NOT NULL;

        CREATE TABLE decision_audit (
            id         INTEGER PRIMARY KEY,
            app_id     TEXT    NOT NULL,
            user_id    TEXT    NOT NULL,
            scope      TEXT    NOT NULL,
            from_state INTEGER NOT NULL,
            to_state   INTEGER NOT NULL,
            source     INTEGER NOT NULL,
            at         INTEGER NOT NULL
        );
        CREATE INDEX decision_audit_subject ON decision_audit (app_id, user_id, id);
        CREATE TRIGGER decision_audit_no_update BEFORE UPDATE ON decision_audit
        BEGIN SELECT RAISE(ABORT, 'decision_audit is append-only'); END;
        CREATE TRIGGER decision_audit_no_delete BEFORE DELETE ON decision_audit
        BEGIN SELECT RAISE(ABORT, 'decision_audit is append-only'); END;

        CREATE TABLE auth_codes (
            code_hash   TEXT    NOT NULL PRIMARY KEY,
            app_id      TEXT    NOT NULL,
            user_id     TEXT    NOT NULL,
            scopes      TEXT    NOT NULL,
            issued_at   INTEGER NOT NULL,
            expires_at  INTEGER NOT NULL,
            redeemed_at INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX auth_codes_expiry ON auth_codes (expires_at);
        """,

        // 2: the host's identities (apps, users, mini-app sessions, host keys) next to the decisions, and an index
        // that lets housekeeping find redeemed codes without scanning the table.
        """
        CREATE TABLE identity_apps (
            id          TEXT    NOT NULL PRIMARY KEY,
            name        TEXT    NOT NULL,
            platform    INTEGER NOT NULL,
            secret_hash TEXT    NOT NULL,
            created_at  INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE identity_users (
            id         TEXT    NOT NULL PRIMARY KEY,
            name       TEXT    NOT NULL UNIQUE,
            created_at INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE identity_sessions (
            token_hash TEXT    NOT NULL PRIMARY KEY,
            app_id     TEXT    NOT NULL,
            user_id    TEXT    NOT NULL,
            issued_at  INTEGER NOT NULL,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX identity_sessions_expiry ON identity_sessions (expires_at);

        CREATE TABLE identity_keys (
            name  TEXT NOT NULL PRIMARY KEY,
            value BLOB NOT NULL
        ) WITHOUT ROWID;

        CREATE INDEX auth_codes_redeemed ON auth_codes (redeemed_at) WHERE redeemed_at IS NOT NULL;
        """,

        // 3: a user's data rights. The audit trail stays append-only except for one change: an erasure replaces a user
        // id with its pseudonym (erased:...), leaving every other column as it was. Indexes find one user's rows.
        """
        DROP TRIGGER decision_audit_no_update;
        CREATE TRIGGER decision_audit_no_update BEFORE UPDATE ON decision_audit
        WHEN NOT (substr(NEW.user_id, 1, 7) = 'erased:' AND substr(OLD.user_id, 1, 7) <> 'erased:'
                  AND NEW.id = OLD.id AND NEW.app_id = OLD.app_id AND NEW.scope = OLD.scope AND NEW.from_state = OLD.from_state
                  AND NEW.to_state = OLD.to_state AND NEW.source = OLD.source AND NEW.at = OLD.at)
        BEGIN SELECT RAISE(ABORT, 'decision_audit is append-only; an erasure may only replace a user id with its pseudonym'); END;

        CREATE INDEX decisions_user ON decisions (user_id);
        CREATE INDEX decision_audit_user ON decision_audit (user_id, id);
        CREATE INDEX auth_codes_user ON auth_codes (user_id);
        CREATE INDEX identity_sessions_user ON identity_sessions (user_id);
        """,

        // 4: revocation webhooks: each app's endpoint, the outbox the decision and identity writes fill in their own
        // transaction, and the lease that lets one process at a time deliver.
        """
        CREATE TABLE webhook_endpoints (
            app_id     TEXT    NOT NULL PRIMARY KEY,
            url        TEXT    NOT NULL,
            secret     TEXT    NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE webhook_outbox (
            seq             INTEGER PRIMARY KEY,
            id              TEXT    NOT NULL UNIQUE,
            app_id          TEXT    NOT NULL,
            user_id         TEXT    NOT NULL,
            kind            INTEGER NOT NULL CHECK (kind IN (0, 1, 2, 3)),
            scope           TEXT,
            occurred_at     INTEGER NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL
        );
        CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at);
        CREATE INDEX webhook_outbox_app ON webhook_outbox (app_id);

        CREATE TABLE webhook_lease (
            name   TEXT    NOT NULL PRIMARY KEY,
            holder TEXT    NOT NULL,
            until  INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,

        // 5: the operator's console. An app can be disabled and can carry a privacy contract; indexes find one app's
        // sessions and codes when it is disabled.
        """
        ALTER TABLE identity_apps ADD COLUMN disabled_at INTEGER;
        ALTER TABLE identity_apps ADD COLUMN privacy_name TEXT;
        ALTER TABLE identity_apps ADD COLUMN privacy_url TEXT;
        CREATE INDEX identity_sessions_app ON identity_sessions (app_id);
        CREATE INDEX auth_codes_app ON auth_codes (app_id);
        """,

        // 6: user info: the profile a user shows apps, and the session key each app's last code exchange returned for a
        // user (the key that signs and encrypts that app's user data). Both go with the user on erasure.
        """
        CREATE TABLE identity_profiles (
            user_id    TEXT NOT NULL PRIMARY KEY,
            nickname   TEXT NOT NULL,
            avatar_url TEXT
        ) WITHOUT ROWID;

        CREATE TABLE identity_session_keys (
            user_id     TEXT NOT NULL,
            app_id      TEXT NOT NULL,
            session_key TEXT NOT NULL,
            PRIMARY KEY (user_id, app_id)
        ) WITHOUT ROWID;
        """,

        // 7: declared purposes and answers with a lifetime: each app's manifest (its declared purposes with the version
        // each text was first declared in), and on every decision and audit entry the purpose version it was given to
        // and how long it lasts. The audit trigger keeps the new columns append-only too.
        """
        CREATE TABLE app_manifests (
            app_id        TEXT    NOT NULL PRIMARY KEY,
            version       INTEGER NOT NULL CHECK (version > 0),
            private_infos TEXT    NOT NULL,
            updated_at    INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE app_manifest_purposes (
            app_id      TEXT    NOT NULL,
            scope       TEXT    NOT NULL,
            description TEXT    NOT NULL,
            version     INTEGER NOT NULL CHECK (version > 0),
            PRIMARY KEY (app_id, scope)
        ) WITHOUT ROWID;

        ALTER TABLE decisions ADD COLUMN purpose_version INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE decisions ADD COLUMN lifetime INTEGER NOT NULL DEFAULT 0 CHECK (lifetime IN (0, 1, 2));
        ALTER TABLE decision_audit ADD COLUMN purpose_version INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE decision_audit ADD COLUMN lifetime INTEGER NOT NULL DEFAULT 0;

        DROP TRIGGER decision_audit_no_update;
        CREATE TRIGGER decision_audit_no_update BEFORE UPDATE ON decision_audit
        WHEN NOT (substr(NEW.user_id, 1, 7) = 'erased:' AND substr(OLD.user_id, 1, 7) <> 'erased:'
                  AND NEW.id = OLD.id AND NEW.app_id = OLD.app_id AND NEW.scope = OLD.scope AND NEW.from_state = OLD.from_state
                  AND NEW.to_state = OLD.to_state AND NEW.source = OLD.source AND NEW.at = OLD.at
                  AND NEW.purpose_version = OLD.purpose_version AND NEW.lifetime = OLD.lifetime)
        BEGIN SELECT RAISE(ABORT, 'decision_audit is append-only; an erasure may only replace a user id with its pseudonym'); END;
        """,

        // 8: the access report: one row per use of a gated API that ran (app, user, scope, API, when; never the data).
        // Indexes serve the user's report, the operator's per-app report and pruning by age.
        """
        CREATE TABLE access_records (
            id      INTEGER PRIMARY KEY,
            app_id  TEXT    NOT NULL,
            user_id TEXT    NOT NULL,
            scope   TEXT    NOT NULL,
            api     TEXT    NOT NULL,
            at      INTEGER NOT NULL
        );
        CREATE INDEX access_records_user ON access_records (user_id, at);
        CREATE INDEX access_records_app ON access_records (app_id, at);
        CREATE INDEX access_records_at ON access_records (at);
        """,

        // 9: access tokens: the token an Alipay code exchange gave an app for a user, kept by its hash (one per app and user)
        // so that the app's server can call the user's APIs (zhima.credit.score.brief.get) with it. Goes with the user.
        """
        CREATE TABLE identity_access_tokens (
            token_hash TEXT    NOT NULL PRIMARY KEY,
            user_id    TEXT    NOT NULL,
            app_id     TEXT    NOT NULL,
            expires_at INTEGER NOT NULL,
            UNIQUE (user_id, app_id)
        ) WITHOUT ROWID;
        """,

        // 10: the letter an operator chose as the app's icon; NULL draws the name's first letter.
        """
        ALTER TABLE identity_apps ADD COLUMN icon_letter TEXT;
        """,

        // 11: an erased user's events keep only the id their app knows (user_id is emptied): see ForgetUserAsync.
        """
        ALTER TABLE webhook_outbox ADD COLUMN open_id TEXT;
        CREATE INDEX webhook_outbox_user ON webhook_outbox (user_id);
        """,

        // 12: the public key with which an Alipay app's server signs its gateway calls; NULL refuses them.
        """
        ALTER TABLE identity_apps ADD COLUMN alipay_public_key TEXT;
        """,
    ];

    public static int Latest => Steps.Length;
}
