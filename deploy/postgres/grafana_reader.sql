-- The read-only role Grafana's PostgreSQL datasource signs in as (uid dampwatch-postgres).
--
--   psql -v ON_ERROR_STOP=1 -v reader=dampwatch_grafana -v password="$GRAFANA_DB_PASSWORD" \
--        -d dampwatch -f deploy/postgres/grafana_reader.sql
--
-- Run it as the database's owner after the API has migrated the schema, and again after an
-- upgrade (it is idempotent; docker-compose.yml's grafana-reader-init service does both).
-- The role may read the columns the boards show (dampwatch_grafana.sqlqueries.BOARD_COLUMNS)
-- and nothing else: no users, API keys, sign-in links, webhooks or their secrets, no tenants
-- or their contact details, no home's vulnerabilities. Its sessions are read-only.
-- The password comes from the command line (an environment variable), never from this file.

\if :{?reader}
\else
  \set reader dampwatch_grafana
\endif
\if :{?password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'grafana_reader.sql: give the role''s password: -v password=...'; END $$;
\endif

SELECT format('CREATE ROLE %I', :'reader')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'reader') \gexec
ALTER ROLE :"reader" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION
  NOBYPASSRLS CONNECTION LIMIT 20 PASSWORD :'password';
ALTER ROLE :"reader" SET default_transaction_read_only = on;
ALTER ROLE :"reader" SET statement_timeout = '30s';

SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'reader') \gexec
GRANT USAGE ON SCHEMA public TO :"reader";
-- Start from nothing, so a column a board no longer reads stops being readable.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM :"reader";
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM :"reader";
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM :"reader";

GRANT SELECT (id, home_id, address, postcode) ON homes TO :"reader";
GRANT SELECT (home_pk, room_id, name) ON rooms TO :"reader";
GRANT SELECT (id, home_id, room, subject, kind, severity, status, opened_at, acknowledged_at,
              acknowledged_by, assigned_to, investigated_at, summary_sent_at, due_by,
              summary_due_by) ON alerts TO :"reader";
GRANT SELECT (id, home_id, status, level, opened_at, assigned_to) ON cases TO :"reader";
GRANT SELECT (case_id, duty, status, due_by) ON case_duties TO :"reader";
