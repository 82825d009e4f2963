"""The plan library: plans stored in the database beside the shipped `sessions/*.toml`,
saved from a workshop, duplicated, archived, imported and exported as TOML files."""
