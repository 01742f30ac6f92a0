"""Durable follow-up work: a task outbox written in the same transaction as the work it follows,
relayed to the broker after commit and again by beat until a worker has done it."""
