"""The dashboard: server-rendered pages for organisers, committees and auditors, in Indonesian and
English, built only from the five services' HTTP APIs called with the signed-in person's token."""
