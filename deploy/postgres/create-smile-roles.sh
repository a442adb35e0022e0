#!/bin/sh
# Create (or update) one PostgreSQL role and one schema per SMILE service in the current database.
#
# Each service connects as its own role (smile_<schema>), which owns its schema and nothing else: it can
# migrate its own tables, and cannot read or change another service's. Run it once per database, again
# after adding a service, or to rotate passwords (it is idempotent).
#
#   * docker-compose: mounted into the postgres container's /docker-entrypoint-initdb.d/ (first start);
#   * your own PostgreSQL: as a superuser (or a role with CREATEROLE that owns the database):
#       PGHOST=db.example.org PGUSER=postgres PGDATABASE=smile \
#       SMILE_DB_PASSWORD_CATALOGUE=... SMILE_DB_PASSWORD_AGREEMENTS=... SMILE_DB_PASSWORD_RECORDS=... \
#       SMILE_DB_PASSWORD_EWP_GATEWAY=... SMILE_DB_PASSWORD_INDICATORS=... \
#       sh deploy/postgres/create-smile-roles.sh
#
# Then give each service   SMILE_DATABASE_URL=postgresql+asyncpg://smile_<schema>:<password>@<host>:5432/<db>
set -eu

# The schemas of the services (CI checks that this list matches the services' code).
SMILE_SCHEMAS=${SMILE_SCHEMAS:-"catalogue agreements records ewp_gateway indicators"}

export PGDATABASE="${PGDATABASE:-${POSTGRES_DB:-smile}}"
export PGUSER="${PGUSER:-${POSTGRES_USER:-postgres}}"

psql_run() {
    psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 "$@"
}

# Nobody but the SMILE roles (and the owner) may connect; nobody creates objects in the public schema.
psql_run <<'SQL'
REVOKE ALL ON DATABASE :"DBNAME" FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL

for schema in $SMILE_SCHEMAS; do
    role="${SMILE_ROLE_PREFIX:-smile_}${schema}"
    variable="SMILE_DB_PASSWORD_$(printf '%s' "$schema" | tr '[:lower:]' '[:upper:]')"
    password=$(printenv "$variable" || true)
    if [ -z "$password" ]; then
        echo "create-smile-roles: set $variable (the password of role $role)" >&2
        exit 2
    fi
    psql_run -v role="$role" -v schema="$schema" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
GRANT CONNECT, TEMPORARY ON DATABASE :"DBNAME" TO :"role";
CREATE SCHEMA IF NOT EXISTS :"schema" AUTHORIZATION :"role";
ALTER SCHEMA :"schema" OWNER TO :"role";
REVOKE ALL ON SCHEMA :"schema" FROM PUBLIC;
SQL
    echo "create-smile-roles: role $role owns schema $schema in database $PGDATABASE"
done
