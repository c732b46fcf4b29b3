"""``config.toml``: the schema (schema), reading and checking it (load), older files (migrate), writing it
(render), and key names (keys)."""
