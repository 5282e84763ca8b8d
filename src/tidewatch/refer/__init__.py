"""Referrals: get confirmed smuggling adverts removed, and track every referral to its outcome.

registry   which platform hosts a URL, its channels, languages, SLA (data/platforms.toml)
settings   this deployment: notifier identity, legal ground, endpoints and secrets
notice     confirmed items -> notices (Article 16 DSA elements, DSA category, priority, deadline)
outbox     create_referrals(): referral + outbox rows inside the caller's transaction
dispatch   the dispatcher: claim with a lease, send, retry with backoff, dead-letter
channels/  the Channel seam: email, webhook, pull (partner functions), plus bundle exports
liveness   re-fetch referred URLs through netguard; observed removal time
metrics    removal rate and time to removal per platform, category, language
"""
