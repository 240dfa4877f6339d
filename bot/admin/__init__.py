"""Keeping the knowledge: what an admin can do and who may (`service`), the knowledge being
served and its reloads across processes (`live`, `watch`), the admin HTTP endpoint and its
client (`http`, `client`), and the rate limit on refused attempts (`refusals`). The chat
commands for admins are the adapters' `admin` modules, drawn from the same service."""
