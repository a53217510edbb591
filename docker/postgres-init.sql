-- The application connects as an ordinary role that owns its database: no superuser, no
-- BYPASSRLS, so row-level security applies to it.
CREATE ROLE qunyun LOGIN PASSWORD 'qunyun' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE DATABASE qunyun OWNER qunyun;
