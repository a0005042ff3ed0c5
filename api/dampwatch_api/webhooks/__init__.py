"""Webhooks: subscriptions, the transactional outbox, signed CloudEvents deliveries with retries."""
