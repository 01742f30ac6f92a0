"""Customs gateways: one self-contained package per gateway, plugged in through settings.

A gateway talks to the core only through the public inbound services of `declarations.services`
(`receive_customs_message`, `apply_customs_messages`, `allocate_customs_number`, `assess_risk`)
and is chosen per customs office by `settings.CUSTOMS_GATEWAY_ROUTES` (docs/customs-procedures.md).
"""
