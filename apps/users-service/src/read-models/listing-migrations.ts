import { Migration } from '@warden/event-store-postgres';

export const LISTING_COMPONENT = 'users-listings';
/** The live listing's row in listing_checkpoints. */
export const LISTING_PROJECTION = 'users-listings';

export const listingMigrations: Migration[] = [
  {
    version: 1,
    name: 'user, organization, team and role listings with their checkpoint',
    sql: (s) => `
      CREATE TABLE ${s}.listing_checkpoints (
        projection text PRIMARY KEY,
        position text NOT NULL
      );
      CREATE TABLE ${s}.user_listing (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL,
        account_type text NOT NULL,
        username text NOT NULL,
        first_name text,
        last_name text,
        email text,
        friendly_name text,
        description text,
        status text NOT NULL,
        roles text[] NOT NULL,
        teams text[] NOT NULL,
        created_at timestamptz NOT NULL,
        last_active_at timestamptz
      );
      CREATE INDEX user_listing_organization ON ${s}.user_listing (organization_id, created_at);
      CREATE TABLE ${s}.organization_listing (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        root boolean NOT NULL,
        created_at timestamptz NOT NULL
      );
      CREATE TABLE ${s}.team_listing (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL,
        name text NOT NULL,
        member_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL
      );
      CREATE INDEX team_listing_organization ON ${s}.team_listing (organization_id, name);
      CREATE TABLE ${s}.role_listing (
        organization_id uuid NOT NULL,
        name text NOT NULL,
        display_name text NOT NULL,
        description text NOT NULL,
        application_code text NOT NULL,
        permissions text[] NOT NULL,
        access_scope text NOT NULL,
        status text NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, name)
      );
    `,
  },
  {
    version: 2,
    name: 'organization settings and service-account counts, team members; refilled from the log',
    // The new columns hold what the organization and team views show, so that reads of one
    // organization or team fold no stream. The two tables are emptied and the checkpoint
    // forgotten: the listing refills them from the start of the log (the user and role rows
    // are kept and come out of the refill as they were, their events setting what they set).
    sql: (s) => `
      TRUNCATE ${s}.organization_listing, ${s}.team_listing;
      DELETE FROM ${s}.listing_checkpoints WHERE projection = '${LISTING_PROJECTION}';
      ALTER TABLE ${s}.organization_listing
        ADD COLUMN service_internal_limit integer NOT NULL,
        ADD COLUMN service_external_limit integer NOT NULL,
        ADD COLUMN max_token_lifetime_seconds bigint,
        ADD COLUMN access_token_lifetime_seconds integer NOT NULL,
        ADD COLUMN human_password_login boolean NOT NULL,
        ADD COLUMN service_internal_accounts integer NOT NULL DEFAULT 0,
        ADD COLUMN service_external_accounts integer NOT NULL DEFAULT 0;
      ALTER TABLE ${s}.team_listing ADD COLUMN members text[] NOT NULL DEFAULT '{}';
    `,
  },
  {
    version: 3,
    name: 'indexes in the order each listing pages: users by listed name, organizations by creation, teams by name',
    // The users listing sorts by the name it shows (friendly name, else first and last name,
    // else username), in lower case: a stored column computed by PostgreSQL from the row (so
    // every insert and update of the listing and of its replay fills it), written with
    // immutable operators only, which an index needs. Rows already there are computed when
    // the column is added; nothing is refilled.
    sql: (s) => `
      ALTER TABLE ${s}.user_listing ADD COLUMN listed_name text NOT NULL GENERATED ALWAYS AS (
        lower(coalesce(friendly_name, nullif(btrim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')), ''), username))
      ) STORED;
      CREATE INDEX user_listing_organization_name ON ${s}.user_listing (organization_id, listed_name, id);
      CREATE INDEX organization_listing_created ON ${s}.organization_listing (created_at, id);
      CREATE INDEX team_listing_organization_lower_name ON ${s}.team_listing (organization_id, lower(name), id);
    `,
  },
  {
    version: 4,
    name: 'organization token lifecycle settings',
    // Events before these settings carry none of them: the defaults are every existing row's values.
    sql: (s) => `
      ALTER TABLE ${s}.organization_listing
        ADD COLUMN expiry_warning_lead_seconds integer[] NOT NULL DEFAULT '{604800,86400}',
        ADD COLUMN leaked_token_action text NOT NULL DEFAULT 'revoke',
        ADD COLUMN disable_unused_after_days integer;
    `,
  },
];
